#!/bin/sh
# key generate / list / export / import / purge / delete / orphans, backup
# and repository list, against a fresh SoftHSMv2 token: exact output, the
# DS records checked against ldns-key2ds, every failure leaving the
# database and the token as they were, and a kill -9 during generation.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/zoneutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

softhsm_available || skip_all "SoftHSMv2 is not installed"
# the conf.xml of cliutil.sh names token "OpenDNSSEC", PIN 1234
softhsm_init "$T/hsm" OpenDNSSEC 2> "$T/softhsm.log" ||
	{ echo "Bail out! cannot make a SoftHSM token: $(cat "$T/softhsm.log")"; exit 1; }
# SoftHSM's own leaks are not ours (see the file)
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
# dates are shown in local time: make that UTC
TZ=UTC
export TZ
HSMUTIL="$top_builddir/ods-hsmutil"

# hsm_count: key pairs on the token
hsm_count() {
	"$HSMUTIL" -c "$T/conf.xml" list 2> /dev/null | sed -n 's/^\([0-9][0-9]*\) keys* found\.$/\1/p'
}
# hsm_ids: the CKA_IDs on the token, sorted
hsm_ids() {
	"$HSMUTIL" -c "$T/conf.xml" list 2> /dev/null | awk '$1 == "SoftHSM" { print $2 }' | sort
}
# keep: remember the database and the token; same DESC: nothing changed
keep() {
	_keep_db=$(db_fingerprint)
	_keep_hsm=$(hsm_ids)
}
same() {
	is "$(db_fingerprint)" "$_keep_db" "$1: database unchanged"
	is "$(hsm_ids)" "$_keep_hsm" "$1: token unchanged"
}

# ---- policies, one per algorithm (the shipped default policy with other keys)
policy() {
	sed -n '/<Policy name="default">/,/<\/Policy>/p' "$top_srcdir/contrib/kasp.xml" |
		sed -e "s/name=\"default\"/name=\"$1\"/" \
		    -e "s|<Algorithm length=\"2048\">8</Algorithm>|<Algorithm length=\"$3\">$2</Algorithm>|" \
		    -e "s|<Algorithm length=\"1024\">8</Algorithm>|<Algorithm length=\"$4\">$2</Algorithm>|"
}
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<KASP>'
	policy default 8 2048 1024
	policy p256 13 256 256
	policy p384 14 384 384
	policy ed25519 15 256 256
	policy big 8 2048 2048
	echo '</KASP>'
} > "$T/kasp.xml"

printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$T/zonelist.xml"
ksm setup --yes
is "$rc" 0 "setup with five policies"
mkdir -p "$T/signconf" "$T/unsigned"
addzone() {
	ksm zone add --zone "$1" --policy "$2" --no-xml -s "$T/signconf/$1.xml" -i "$T/unsigned/$1"
	[ "$rc" = 0 ] || diag "zone add $1: $out"
}
for z in z-default:default z-warn:default z-warn2:default z-list:default z-p256:p256 \
	z-p384:p384 z-ed25519:ed25519; do
	addzone "${z%%:*}" "${z#*:}"
done
is "$(db_sql "SELECT count(*) FROM zones")" 7 "seven zones"

# ---- key generate: bad input first; nothing changes
keep
ksm key generate --interval PT1H
is "$rc:$out" "1:Please provide a policy name with the --policy option" "generate without --policy"
ksm key generate --policy default
is "$rc:$out" "1:Please provide an interval with the --interval option" "generate without --interval"
ksm key generate --policy nosuch --interval PT1H
is "$rc:$out" "1:Error: policy nosuch doesn't exist in database" "generate: unknown policy"
ksm key generate --policy default --interval P1X
is "$rc" 1 "generate: bad interval exits 1"
is "$out" "Key sharing is Off
Error: unable to convert Interval P1X to seconds, error: unable to translate string." \
	"generate: bad interval message"
ksm key generate --policy default --interval PT1H --zonetotal 2x
like "$out" '^Error: zonetotal "2x"; should be numeric only$' "generate: zonetotal not numeric"
is "$rc" 1 "generate: zonetotal not numeric exits 1"
ksm key generate --policy default --interval PT1H --zonetotal 0
like "$out" '^Error: zonetotal parameter value of 0 is invalid - the value must be greater than 0$' \
	"generate: zonetotal 0"
ksm key generate --policy big --interval PT1H
is "$rc" 0 "generate for a policy without zones exits 0"
like "$out" '^No zones on policy big, skipping\.\.\.$' "generate: no zones"
# declining the prompt
KSM_STDIN="$T/no"
echo n > "$KSM_STDIN"
ksm key generate --policy default --interval PT1H --zonetotal 4
is "$rc" 0 "generate: declining exits 0"
like "$out" 'This will create 4 KSKs \(2048 bits\) and 4 ZSKs \(1024 bits\)' "generate: the prompt"
like "$out" 'Okay, quitting\.\.\.$' "generate: declined"
KSM_STDIN=
same "generate failures and a declined prompt"
is "$(hsm_count)" 0 "the token is still empty"

# ---- key generate: RSA (4 zones' worth for the warnings below)
echo y > "$T/yes"
KSM_STDIN="$T/yes"
ksm key generate --policy default --interval PT1H --zonetotal 4
KSM_STDIN=
is "$rc" 0 "generate default exits 0"
printf '%s\n' "$out" | sed -e 's/with id: [0-9a-f]\{32\} in/with id: @ID@ in/' > "$T/gen.out"
is "$(cat "$T/gen.out")" 'Key sharing is Off
HSM opened successfully.
Info: 4 zone(s) found on policy "default"
Info: Keys will actually be generated for a total of 4 zone(s) as specified by zone total parameter
4 new KSK(s) (2048 bits) need to be created for policy default: keys_to_generate(4) = keys_needed(4) - keys_available(0).
4 new ZSK(s) (1024 bits) need to be created for policy default: keys_to_generate(4) = keys_needed(4) - keys_available(0).
*WARNING* This will create 4 KSKs (2048 bits) and 4 ZSKs (1024 bits)
Are you sure? [y/N] 
Created KSK size: 2048, alg: 8 with id: @ID@ in repository: SoftHSM and database.
Created KSK size: 2048, alg: 8 with id: @ID@ in repository: SoftHSM and database.
Created KSK size: 2048, alg: 8 with id: @ID@ in repository: SoftHSM and database.
Created KSK size: 2048, alg: 8 with id: @ID@ in repository: SoftHSM and database.
Created ZSK size: 1024, alg: 8 with id: @ID@ in repository: SoftHSM and database.
Created ZSK size: 1024, alg: 8 with id: @ID@ in repository: SoftHSM and database.
Created ZSK size: 1024, alg: 8 with id: @ID@ in repository: SoftHSM and database.
Created ZSK size: 1024, alg: 8 with id: @ID@ in repository: SoftHSM and database.
all done!' "generate: the 1.x messages in order"
is "$(hsm_count)" 8 "8 keys on the token"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE algorithm = 8")" 8 "8 key pairs in the database"
is "$(db_sql "SELECT HSMkey_id FROM keypairs ORDER BY HSMkey_id")" "$(hsm_ids)" \
	"database and token hold the same CKA_IDs"
# Q6: the unallocated keys count, so nothing more is needed
ksm key generate --policy default --interval PT1H --zonetotal 4 --auto-accept
like "$out" 'keys_to_generate\(0\) = keys_needed\(4\) - keys_available\(4\)\.' \
	"generate again: unallocated keys are available"
like "$out" '^No keys need to be created, quitting\.\.\.$' "generate again: nothing to do"
is "$(hsm_count)" 8 "generate again creates nothing"

# ---- other algorithms (quirk 19: the policy's algorithm, not RSA)
ksm key generate --policy p256 --interval PT1H --auto-accept
is "$rc" 0 "generate ECDSA P-256 exits 0"
# KSK and ZSK settings are one pool: 1 + 1 keys, counted once (Q6)
is "$(printf '%s\n' "$out" | grep -c '^Created .* alg: 13 ')" 2 "generate p256: two keys"
ksm key generate --policy p256 --interval PT1H --auto-accept
like "$out" 'keys_to_generate\(0\) = keys_needed\(1\) - keys_available\(1\)\.' \
	"generate p256 again: the shared pool covers both"
ksm key generate --policy p384 --interval PT1H --auto-accept
is "$rc" 0 "generate ECDSA P-384 exits 0"
ALGS="default:8 p256:13 p384:14"
ksm key generate --policy ed25519 --interval PT1H --auto-accept
if [ "$rc" = 0 ]; then
	ALGS="$ALGS ed25519:15"
	ok 0 "generate Ed25519"
else
	diag "the token has no Ed25519: $out"
	ok 0 "generate Ed25519 # SKIP the token does not support it"
fi

# ---- key list: unallocated keys
ksm key list --all --verbose
is "$rc" 0 "key list --all --verbose exits 0"
is "$(printf '%s\n' "$out" | sed -n 2p)" "Zone:                           Keytype:      State:    Date of next transition (to):  Size:   Algorithm:  CKA_ID:                           Repository:                       Keytag:" \
	"key list -v: the 1.x header"
is "$(printf '%s\n' "$out" | awk '/^NOT ALLOCATED/ { print $9 }' | sort)" "$(hsm_ids)" \
	"key list -v: awk \$9 is the CKA_ID of every unallocated key"
first=$(db_sql "SELECT HSMkey_id FROM keypairs ORDER BY id" | head -1)
is "$(printf '%s\n' "$out" | sed -n 3p)" "NOT ALLOCATED                                 generate  (not scheduled)     (publish)  2048    8           $first  SoftHSM" \
	"key list -v: an unallocated row"
ksm key list
is "$out" "Keys:
Zone:                           Keytype:      State:    Date of next transition:" \
	"key list: unallocated keys are hidden by default"

# ---- allocations (the daemon's job, not built yet: written with SQL)
zid() { db_sql "SELECT id FROM zones WHERE name = '$1'"; }
# kp POLICY N ALG : the N-th key pair of the policy with that algorithm
kp() {
	db_sql "SELECT k.id FROM keypairs k, policies p WHERE k.policy_id = p.id
		AND p.name = '$1' AND k.algorithm = $3 ORDER BY k.id" | sed -n "$2p"
}
alloc() {  # KEYPAIR ZONE TYPE STATE [COLUMN VALUE]
	if [ -n "${5:-}" ]; then
		db_sql "INSERT INTO dnsseckeys (keypair_id, zone_id, keytype, state, $5)
			VALUES ($1, $(zid "$2"), $3, $4, '$6')"
	else
		db_sql "INSERT INTO dnsseckeys (keypair_id, zone_id, keytype, state)
			VALUES ($1, $(zid "$2"), $3, $4)"
	fi
}
locator() { db_sql "SELECT HSMkey_id FROM keypairs WHERE id = $1"; }
K1=$(db_sql "SELECT id FROM keypairs WHERE size = 2048 AND algorithm = 8 ORDER BY id" | sed -n 1p)
K2=$(db_sql "SELECT id FROM keypairs WHERE size = 2048 AND algorithm = 8 ORDER BY id" | sed -n 2p)
K3=$(db_sql "SELECT id FROM keypairs WHERE size = 2048 AND algorithm = 8 ORDER BY id" | sed -n 3p)
K4=$(db_sql "SELECT id FROM keypairs WHERE size = 2048 AND algorithm = 8 ORDER BY id" | sed -n 4p)
Z1=$(db_sql "SELECT id FROM keypairs WHERE size = 1024 ORDER BY id" | sed -n 1p)
alloc "$K1" z-default 257 4 retire '2030-01-01 12:00:00'
alloc "$Z1" z-default 256 4
alloc "$K2" z-warn 257 3 ready '2024-02-01 00:00:00'
alloc "$K3" z-warn 257 4 retire '2031-01-01 00:00:00'
alloc "$K4" z-warn2 257 7 publish '2024-02-01 00:00:00'
for pa in $ALGS; do
	p=${pa%%:*}
	[ "$p" = default ] && continue
	alloc "$(kp "$p" 1 "${pa#*:}")" "z-$p" 257 4
	alloc "$(kp "$p" 2 "${pa#*:}")" "z-$p" 256 4
done

ksm key list --zone z-default
is "$out" "Keys:
Zone:                           Keytype:      State:    Date of next transition:
z-default                       KSK           active    2030-01-01 12:00:00 
z-default                       ZSK           active    (not scheduled)     " \
	"key list --zone: exact 1.x layout"
ksm key list --zone z-default. --verbose
is "$rc" 0 "key list: a trailing dot finds the zone"
is "$(printf '%s\n' "$out" | awk '$1 == "z-default" { print $9 }')" "$(locator "$K1")
$(locator "$Z1")" "key list -v: awk \$9 is the CKA_ID"
like "$(printf '%s\n' "$out" | sed -n 3p)" "^z-default                       KSK           active    2030-01-01 12:00:00 \(retire\)   2048    8           $(locator "$K1")  SoftHSM                           [0-9]+$" \
	"key list -v: an allocated row with its keytag"
ksm key list --zone z-warn --verbose
is "$(printf '%s\n' "$out" | awk '/waiting for ds-seen/ { print $10 }')" "$(locator "$K2")" \
	"key list -v: awk \$10 is the CKA_ID of a waiting row"
ksm key list --keystate dssub
is "$(printf '%s\n' "$out" | sed -n 3p)" "z-warn2                         KSK           dssub     waiting for ds-seen " \
	"key list --keystate dssub"
ksm key list --keystate 7 --keytype 257
is "$(printf '%s\n' "$out" | sed -n 3p)" "z-warn2                         KSK           dssub     waiting for ds-seen " \
	"key list: numeric state and type"
ksm key list --keystate 10
is "$out" "Keys:
Zone:                           Keytype:      State:    Date of next transition:" \
	"key list --keystate 10 is KEYPUBLISH, not GENERATE (quirk 11)"
ksm key list --keystate generate
is "$(printf '%s\n' "$out" | grep -c '^NOT ALLOCATED')" \
	"$(db_sql "SELECT count(*) FROM keypairs k WHERE NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id)")" \
	"key list --keystate generate shows the unallocated keys"

# bad input to list
keep
ksm key list --keystate bogus
is "$rc:$out" "1:Error: Unrecognised state bogus; should be one of GENERATE, PUBLISH, READY, ACTIVE, RETIRE, DEAD, DSSUB, DSPUBLISH, DSREADY or KEYPUBLISH" \
	"key list: unknown state"
ksm key list --keystate 11
is "$rc" 1 "key list: state 11 is unknown"
ksm key list --keytype XSK
is "$rc:$out" "1:Error: Unrecognised keytype XSK; should be one of KSK or ZSK" "key list: unknown type"
ksm key list --keystate active --all
is "$rc:$out" "1:Error: --keystate and --all option cannot be given together
Error: failed to list keys" "key list: --keystate with --all"
ksm key list --zone nosuch.
is "$rc:$out" '1:Error: unable to find a zone named "nosuch." in database' \
	"key list: unknown zone, named as typed"
ksm key list --zone nosuch
is "$out" 'Error: unable to find a zone named "nosuch" in database' \
	"key list: unknown zone without a dot (quirk 13)"
same "key list failures"

# ---- key export
ksm key export --zone z-default
is "$rc" 0 "key export exits 0"
is "$(printf '%s\n' "$out" | sed -n 2p)" ";active KSK DNSKEY record:" "key export: header line"
like "$(printf '%s\n' "$out" | sed -n 3p)" "^z-default\.	3600	IN	DNSKEY	257 3 8 [A-Za-z0-9+/=]+ ;\{id = [0-9]+ \(ksk\), size = 2048b\}$" \
	"key export: the DNSKEY line (tabs, flags 257, TTL = Keys/TTL)"
tag=$(printf '%s\n' "$out" | sed -n 's/.*;{id = \([0-9]*\) .*/\1/p')
ksm key list --zone z-default --verbose
is "$(printf '%s\n' "$out" | awk '$2 == "KSK" { print $NF }')" "$tag" "key list and key export agree on the keytag"
ksm key export --zone z-default --keytype zsk
like "$out" "DNSKEY	256 3 8 .* ;\{id = [0-9]+ \(zsk\), size = 1024b\}$" "key export --keytype zsk: flags 256"
ksm key export --zone z-default --ds
is "$(printf '%s\n' "$out" | grep -c '^;')" 2 "key export --ds: two records"
like "$out" "^;active KSK DS record \(SHA1\):$" "key export --ds: SHA1 header"
like "$out" "^;active KSK DS record \(SHA256\):$" "key export --ds: SHA256 header"
unlike "$out" "WARNING" "key export --ds: one active key, no warning"

# END TO END: our DNSKEY through ldns-key2ds equals our DS, every algorithm
if command -v ldns-key2ds > /dev/null 2>&1; then
	for pa in $ALGS; do
		p=${pa%%:*}
		zone=z-$p
		ksm key export --zone "$zone"
		printf '%s\n' "$out" | grep '	DNSKEY	' > "$T/dnskey.$p"
		ksm key export --zone "$zone" --ds
		printf '%s\n' "$out" | grep '	DS	' > "$T/ours.$p"
		(cd "$T" && ldns-key2ds -n -1 "dnskey.$p" && ldns-key2ds -n -2 "dnskey.$p") \
			> "$T/ldns.$p" 2>&1
		is "$(cat "$T/ours.$p")" "$(cat "$T/ldns.$p")" "DS of $p equals ldns-key2ds byte for byte"
		like "$(cat "$T/dnskey.$p")" "	DNSKEY	257 3 ${pa#*:} " "DNSKEY of $p has algorithm ${pa#*:}"
	done
else
	ok 0 "ldns-key2ds comparison # SKIP ldns-key2ds is not installed (package ldnsutils)"
fi

# ordered by state, then zone; each zone's warning once, after its last record (quirk 12)
ksm key export --ds
printf '%s\n' "$out" | awk '/^;|^WARNING/ { sub(/ Do not.*| Probably.*/, ""); print }' > "$T/warn.out"
zone_lines=$(printf '%s\n' "$out" | awk -F'\t' '/	DS	/ { print $1 }' | uniq | tr '\n' ' ')
like "$zone_lines" "^z-warn\. z-default\. z-warn\. z-p256\. z-p384\. (z-ed25519\. )?z-warn2\. $" \
	"key export --ds: by state, then zone id"
is "$(sed -n '1,7p;/dssub/,$p' "$T/warn.out")" ";ready KSK DS record (SHA1):
;ready KSK DS record (SHA256):
;active KSK DS record (SHA1):
;active KSK DS record (SHA256):
;active KSK DS record (SHA1):
;active KSK DS record (SHA256):
WARNING: BOTH ready and active keys seen for this zone.
;dssub KSK DS record (SHA1):
;dssub KSK DS record (SHA256):
WARNING: No active or ready keys seen for this zone." "key export --ds: per-zone warnings after each zone"
is "$(grep -c WARNING "$T/warn.out")" 2 "key export --ds: one warning per zone that needs one"
ksm key export --zone z-default --keystate dead
is "$rc:$out" "0:No keys in dead state to export." "key export: nothing in that state"
ksm key export --zone z-list
is "$rc:$out" "0:No keys in READY state or higher to export." "key export: nothing ready or higher"
ksm key export --zone nosuch
is "$rc:$out" '1:Error: unable to find a zone named "nosuch" in database' "key export: unknown zone"

# ---- key import
keep
ksm key import
is "$rc:$out" "1:Error: please specify a CKA_ID with the --cka_id <CKA_ID>" "import: no CKA_ID"
ksm key import --cka_id 00000000000000000000000000000001
is "$rc:$out" "1:Error: please specify a repository with the --repository <repository>" \
	"import: no repository"
ksm key import --cka_id 00000000000000000000000000000001 -r SoftHSM -z z-list -b 2048 -g 8 -e active -t KSK
is "$rc:$out" "1:Error: please specify the time of when the key entered the given state with the --time <time>" \
	"import: no time"
IMP="-r SoftHSM -z z-list -b 2048 -g 8 -e active -t KSK -w 2024-01-01"
ksm key import --cka_id xyz1 $IMP
is "$rc" 1 "import: malformed CKA_ID exits 1"
like "$out" '^Error: CKA_ID "xyz1" is not a hexadecimal string' "import: malformed CKA_ID message"
# the HSM layer takes exactly 32 digits: a shorter id is refused before any change
ksm key import --cka_id abcd01 $IMP
is "$rc:$out" '1:Error: CKA_ID "abcd01" is not a hexadecimal string of 32 digits' \
	"import: a CKA_ID of other than 32 digits exits 1, naming it"
is "$(db_fingerprint)" "$_keep_db" "import of a short CKA_ID: database unchanged"
ksm key import --cka_id 000000000000000000000000000000aa --check-repository $IMP
is "$rc" 1 "import --check-repository of an id not on the token exits 1"
is "$err" "Error: No key with the CKA_ID 000000000000000000000000000000aa  exists in the repository SoftHSM. When the option [--check-repository] is used the key MUST exist in the repository for the key to be imported. " \
	"import --check-repository: the 1.x message on stderr (id padded to 33)"
ksm key import --cka_id 000000000000000000000000000000aa -r Nosuch -z z-list -b 2048 -g 8 -e active -t KSK -w 2024-01-01
like "$out" '^Error: unable to find a repository named "Nosuch" in database$' "import: unknown repository"
ksm key import --cka_id 000000000000000000000000000000aa -r SoftHSM -z nosuch. -b 2048 -g 8 -e active -t KSK -w 2024-01-01
like "$out" '^Error: unable to find a zone named "nosuch\." in database$' "import: unknown zone"
ksm key import --cka_id "$(locator "$K1")" $IMP
like "$out" "^Error: key with CKA_ID \"$(locator "$K1")\" already exists in database$" "import: duplicate"
ksm key import --cka_id 000000000000000000000000000000aa -r SoftHSM -z z-list -b 2048 -g 8 -e active -t XSK -w 2024-01-01
like "$out" '^Error: Unrecognised keytype XSK; should be one of KSK or ZSK$' "import: bad type"
ksm key import --cka_id 000000000000000000000000000000aa -r SoftHSM -z z-list -b 2k -g 8 -e active -t KSK -w 2024-01-01
like "$out" '^Error: Bits "2k"; should be numeric only$' "import: bad bits"
ksm key import --cka_id 000000000000000000000000000000aa -r SoftHSM -z z-list -b 2048 -g foo -e active -t KSK -w 2024-01-01
is "$rc" 1 "import: unsupported algorithm exits 1 (quirk 10)"
like "$out" '^Error: Key algorithm foo not supported; try one of RSASHA1, RSASHA1-NSEC3-SHA1 or RSASHA256$' \
	"import: unsupported algorithm message"
ksm key import --cka_id 000000000000000000000000000000aa -r SoftHSM -z z-list -b 2048 -g 8 -e dead -t KSK -w 2024-01-01
like "$out" '^Error: Unrecognised state dead; should be one of GENERATE, PUBLISH, READY, ACTIVE or RETIRE$' \
	"import: state DEAD is refused"
ksm key import --cka_id 000000000000000000000000000000aa -r SoftHSM -z z-list -b 2048 -g 8 -e active -t KSK -w 2024-13-01
like "$out" '^Error: unable to convert "2024-13-01" into a date$' "import: bad time"
like "$err" 'Allowed date/time strings are of the form' "import: bad time help on stderr"
ksm key import --cka_id 000000000000000000000000000000aa -r SoftHSM -z z-list -b 2048 -g 8 -e ready -t KSK -w 2024-01-01 -y 2025-01-01
like "$out" '^Error: unable to specify retire time for a key in state "ready"$' "import: retire only for active"
ksm key import --cka_id 000000000000000000000000000000aa -r SoftHSM -z z-list -b 0 -g 8 -e active -t KSK -w 2024-01-01
is "$rc" 1 "import: --bits 0 exits 1"
like "$out" '^Error: Bits "0"; a key has at least one bit$' "import: --bits 0 is refused"
ksm key import --cka_id 000000000000000000000000000000aa -r SoftHSM -z z-list -b 2048 -g 8 -e active -t KSK -w 2024-01-01 -y 2023-12-31
is "$rc" 1 "import: a retire time before --time exits 1"
like "$out" '^Error: retire time 2023-12-31 00:00:00 is before the key.s time 2024-01-01 00:00:00$' \
	"import: a retire time before --time is named"
same "import failures"

ksm key import --cka_id 00000000000000000000000000000001 -r SoftHSM -z z-list. -b 2048 -g rsasha256 -e ready -t KSK -w 2024-01-01
is "$rc" 0 "import of an id not on the token (warning) exits 0"
is "$out" "Warning: No key with the CKA_ID 00000000000000000000000000000001  exists in the repository SoftHSM. The key will be imported into the database anyway. 
Converted time is 2024-01-01 00:00:00
Key imported into zone(s)" "import: warning, converted time, success"
is "$(db_sql "SELECT d.keytype, d.state, k.size, k.algorithm, k.fixedDate FROM dnsseckeys d, keypairs k
	WHERE d.keypair_id = k.id AND k.HSMkey_id = '00000000000000000000000000000001'")" "257|3|2048|8|0" "import: the rows"
ksm key import --cka_id 00000000000000000000000000000002 -r SoftHSM -z z-list -b 1024 -g 8 -e active -t ZSK -w 2024-01-01 -y "2030-06-01 10:00"
is "$rc" 0 "import with --retire"
is "$(db_sql "SELECT k.fixedDate FROM keypairs k WHERE k.HSMkey_id = '00000000000000000000000000000002'")" 1 "import --retire fixes the date"
for s in 00000000000000000000000000000003:retire 00000000000000000000000000000006:generate 00000000000000000000000000000007:generate; do
	ksm key import --cka_id "${s%%:*}" -r SoftHSM -z z-list -b 1024 -g 8 -e "${s#*:}" -t ZSK -w 2024-01-01
done
db_sql "UPDATE dnsseckeys SET state = 9 WHERE keypair_id = (SELECT id FROM keypairs WHERE HSMkey_id = '00000000000000000000000000000007')"
ksm key list --zone z-list --verbose
is "$out" "Keys:
Zone:                           Keytype:      State:    Date of next transition (to):  Size:   Algorithm:  CKA_ID:                           Repository:                       Keytag:
z-list                          KSK           ready     waiting for ds-seen (active)   2048    8           00000000000000000000000000000001  SoftHSM NOT IN repository
z-list                          ZSK           active    2030-06-01 10:00:00 (retire)   1024    8           00000000000000000000000000000002  SoftHSM NOT IN repository
z-list                          ZSK           retire    (not scheduled)     (dead)     1024    8           00000000000000000000000000000003  SoftHSM NOT IN repository
z-list                          ZSK           dsready   When required       (keypub)   1024    8           00000000000000000000000000000007  SoftHSM NOT IN repository" \
	"key list -v: imported keys, NOT IN repository"
# a key that is on the token, imported with --check-repository
ORPH_OUT=$("$HSMUTIL" -c "$T/conf.xml" generate SoftHSM rsa 1024 2>&1)
OID=$(printf '%s\n' "$ORPH_OUT" | grep -o '[0-9a-f]\{32\}' | head -1)
ksm key import --cka_id "$OID" --check-repository -r SoftHSM -z z-list -b 1024 -g 8 -e publish -t ZSK -w 2024-01-01
is "$rc" 0 "import --check-repository of a key on the token"
unlike "$out" Warning "import of a key on the token: no warning"

# ---- key delete
keep
ksm key delete
is "$rc" 1 "key delete without --cka_id exits 1"
like "$out" '^Please provide a CKA_ID for the key to delete$' "key delete: no CKA_ID"
ksm key delete --cka_id ffffffffffffffffffffffffffffffff
is "$rc:$out" "1:Failed to determine the state of the key" "key delete: unknown key"
ksm key delete --cka_id ffff
is "$rc:$out" '1:Error: CKA_ID "ffff" is not a hexadecimal string of 32 digits' \
	"key delete: a malformed unknown CKA_ID is named"
ksm key delete --cka_id "$(locator "$K1")"
is "$rc:$out" "1:The enforcer believes that this key is in use, quitting..." \
	"key delete: an in-use key is refused with a non-zero exit (quirk 10)"
KSM_STDIN="$T/no"
ksm key delete --cka_id "$(locator "$K1")" --force
KSM_STDIN=
is "$rc" 0 "key delete --force declined exits 0"
like "$out" 'are you really sure\? \[y/N\] Okay, quitting\.\.\.$' "key delete --force prompts"
same "key delete failures"
FREE1=$(db_sql "SELECT HSMkey_id FROM keypairs k WHERE k.size = 1024 AND NOT EXISTS
	(SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id) ORDER BY k.id" | sed -n 1p)
FREE2=$(db_sql "SELECT HSMkey_id FROM keypairs k WHERE k.size = 1024 AND NOT EXISTS
	(SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id) ORDER BY k.id" | sed -n 2p)
n=$(hsm_count)
ksm key delete --cka_id "$FREE1"
is "$rc:$out" "0:Key delete successful: $FREE1" "key delete of an unallocated key"
is "$(hsm_count)" $((n - 1)) "key delete removes the HSM object"
ksm key delete --cka_id "$FREE2" --no-hsm
is "$rc:$out" "0:" "key delete --no-hsm"
is "$(hsm_count)" $((n - 1)) "key delete --no-hsm leaves the HSM object"

# ---- key orphans
ksm key orphans
is "$rc" 1 "key orphans with findings exits 1"
like "$out" "^Orphan in HSM: SoftHSM $FREE2$" "key orphans: the HSM object without a row"
like "$out" "^Missing from HSM: 00000000000000000000000000000001 \(repository SoftHSM\)$" "key orphans: a row without an HSM object"
keep
ksm key orphans --delete
like "$out" "^Deleted orphan: SoftHSM $FREE2$" "key orphans --delete removes the orphan"
is "$rc" 1 "key orphans --delete: still 1 while rows miss their keys"
is "$(db_fingerprint)" "$_keep_db" "key orphans --delete never touches the database"
for id in 00000000000000000000000000000001 00000000000000000000000000000002 00000000000000000000000000000003 00000000000000000000000000000006 00000000000000000000000000000007; do
	KSM_STDIN="$T/yes"
	ksm key delete --cka_id "$id" --no-hsm --force
done
KSM_STDIN=
ksm key orphans
is "$rc" 0 "key orphans: nothing wrong exits 0"

# ---- key purge (quirk 8: a key already gone from the HSM is a warning)
keep
ksm key purge
is "$rc" 1 "key purge without zone or policy exits 1"
like "$out" '^Please provide either a zone OR a policy to key purge$' "key purge: usage message"
ksm key purge --zone z-default --policy default
is "$rc" 1 "key purge with both exits 1"
ksm key purge --policy nosuch
is "$rc:$out" '1:Error: unable to find a policy named "nosuch" in database' "key purge: unknown policy"
ksm key purge --zone nosuch
is "$rc:$out" '1:Error: unable to find a zone named "nosuch" in database' "key purge: unknown zone"
ksm key purge --zone z-default
is "$rc:$out" "0:No keys to purge." "key purge: nothing dead"
same "key purge failures"
ksm key generate --policy default --interval PT1H --zonetotal 6 --auto-accept
is "$rc" 0 "generate spare keys"
D1=$(db_sql "SELECT HSMkey_id FROM keypairs k WHERE k.size = 1024 AND NOT EXISTS
	(SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id) ORDER BY k.id" | sed -n 1p)
D2=$(db_sql "SELECT HSMkey_id FROM keypairs k WHERE k.size = 1024 AND NOT EXISTS
	(SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id) ORDER BY k.id" | sed -n 2p)
for d in "$D1" "$D2"; do
	alloc "$(db_sql "SELECT id FROM keypairs WHERE HSMkey_id = '$d'")" z-warn 256 6 dead '2024-03-01 00:00:00'
done
# a token that cannot be used: refused before any row goes (no orphans)
keep
cp "$T/conf.xml" "$T/conf.xml.good"
sed -i "s|<Module>[^<]*</Module>|<Module>$T/nosuch-pkcs11.so</Module>|" "$T/conf.xml"
ksm key purge --zone z-warn
cp "$T/conf.xml.good" "$T/conf.xml"
is "$rc" 2 "key purge with an unusable module fails, exit 2"
like "$out" '^Error: cannot use repository "SoftHSM", no keys purged' "key purge: unusable module message"
same "key purge with an unusable module"
# the first one vanished from the token behind our back
"$HSMUTIL" -c "$T/conf.xml" remove "$D1" > /dev/null 2>&1
n=$(hsm_count)
ksm key purge --zone z-warn.
is "$rc" 0 "key purge goes on after a missing key and exits 0"
is "$out" "Key not found: $D1
Key remove successful: $D2" "key purge: warning, then the next key"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id IN ('$D1', '$D2')")" 0 "key purge: rows gone"
is "$(hsm_count)" $((n - 1)) "key purge: the HSM object gone"
ksm key purge --zone z-warn
is "$out" "No keys to purge." "key purge again: nothing"

# ---- capacity (conf.xml Capacity; KSK and ZSK share the repository)
cp "$T/conf.xml" "$T/conf.xml.orig"
n=$(hsm_count)
sed -i "s|<PIN>1234</PIN>|<PIN>1234</PIN><Capacity>$n</Capacity>|" "$T/conf.xml"
keep
ksm key generate --policy p384 --interval PT1H --zonetotal 3 --auto-accept
is "$rc" 1 "generate into a full repository exits 1"
like "$out" '^Repository SoftHSM is full, cannot create more keys for policy p384$' "generate: full"
same "generate into a full repository"
sed -i "s|<Capacity>$n</Capacity>|<Capacity>$((n + 1))</Capacity><RequireBackup/>|" "$T/conf.xml"
ksm key generate --policy p384 --interval PT1H --zonetotal 3 --auto-accept
is "$rc" 0 "generate into a nearly full repository exits 0"
# one pool for KSK and ZSK: the 2 allocated keys count for the KSKs first
like "$out" 'keys_to_generate\(1\) = keys_needed\(3\) - keys_available\(2\)\.' "generate: pooled KSKs"
like "$out" 'keys_to_generate\(3\) = keys_needed\(3\) - keys_available\(0\)\.' "generate: pooled ZSKs"
unlike "$out" 'will create [0-9]* KSKs' "generate: the KSK fits"
like "$out" '^Repository SoftHSM is nearly full, will create 0 ZSKs for policy p384 \(reduced from 3\)$' \
	"generate: ZSKs reduced"
is "$(printf '%s\n' "$out" | grep -c '^Created ')" 1 "generate: one key made"
like "$out" '^NOTE: keys generated in repository SoftHSM will not become active until they have been backed up$' \
	"generate: RequireBackup note"
is "$(hsm_count)" $((n + 1)) "the repository is at capacity"
cp "$T/conf.xml.orig" "$T/conf.xml"

# ---- repository list
ksm repository list
is "$out" "Repositories:
Name:                            Capacity:    RequireBackup:
SoftHSM                          unset        No" "repository list: 1.x layout"
ksm repository list --verbose
is "$out" "Repositories:
Name:                            Capacity:    RequireBackup: Keys:
SoftHSM                          unset        No             $(db_sql "SELECT count(*) FROM keypairs")" \
	"repository list -v: the key count column"

# ---- backup
ksm backup list
is "$rc" 0 "backup list exits 0"
is "$out" "Backups:
Date:                    Repository:
Repository SoftHSM has unbacked up keys (that can be used)" \
	"backup list: nothing backed up"
ksm backup prepare
like "$out" '^Marked all repositories as pre-backed up at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}$' "backup prepare"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE pre_backup IS NULL")" 0 "backup prepare stamps every key"
ksm backup list
like "$out" '^Repository SoftHSM has keys prepared for back up which have not been committed$' \
	"backup list: uncommitted prepare"
ksm backup rollback
is "$rc:$out" "0:Rolled back pre-backup of all repositories" "backup rollback of all repositories (Q14)"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE pre_backup IS NOT NULL")" 0 "backup rollback clears the prepare"
ksm backup rollback
is "$out" "There were no keys to rollback" "backup rollback: nothing"
ksm backup commit
is "$out" "There were no keys to mark" "backup commit without prepare marks nothing"
ksm backup prepare --repository SoftHSM
like "$out" '^Marked repository SoftHSM as pre-backed up at ' "backup prepare --repository"
ksm backup commit --repository SoftHSM
like "$out" '^Marked repository SoftHSM as backed up at ' "backup commit --repository"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE backup IS NULL")" 0 "backup commit marks every key"
ksm backup list
like "$out" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}      SoftHSM$' "backup list: the backup date"
unlike "$out" 'unbacked' "backup list: no unbacked keys"
ksm backup list --verbose
like "$out" '^Pre Backup Date:         Backup Date:             Repository:$' "backup list -v header"
keep
ksm backup prepare --repository Nosuch
is "$rc:$out" '1:Error: unable to find a repository named "Nosuch" in database' "backup: unknown repository"
KSM_STDIN="$T/no"
ksm backup done
KSM_STDIN=
is "$rc" 0 "backup done declined exits 0"
like "$out" '^\*WARNING\* One-step backups are deprecated' "backup done: the warning"
same "backup failures"
ksm key generate --policy default --interval PT1H --zonetotal 5 --auto-accept
ksm backup done --force
like "$out" '^Marked all repositories as backed up at ' "backup done --force: prepare and commit"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE backup IS NULL")" 0 "backup done marks the new keys"

# ---- kill -9 during key generate: every HSM object is accounted for
ksm key orphans
is "$rc" 0 "no orphans before the crash"
addzone z-big big
"$KSMUTIL" -c "$T/conf.xml" key generate --policy big --interval PT1H --zonetotal 25 \
	--auto-accept > "$T/big.out" 2>&1 < /dev/null &
bigpid=$!
# kill it once it is under way (at most ~10 s), mid-stream
i=0
while [ $i -lt 100 ] && ! grep -q '^Created' "$T/big.out" 2> /dev/null; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.5
kill -9 "$bigpid" 2> /dev/null
wait "$bigpid" 2> /dev/null
nh=$(hsm_count)
nd=$(db_sql "SELECT count(*) FROM keypairs WHERE securitymodule_id IS NOT NULL")
ksm key orphans
no=$(printf '%s\n' "$out" | grep -c '^Orphan in HSM: ')
diag "after kill -9: $nh HSM objects, $nd rows, $no orphans;" \
	"$(grep -c '^Created' "$T/big.out") keys reported created"
is "$nh" "$((nd + no))" "after kill -9: HSM objects = database rows + reported orphans"
unlike "$out" 'Missing from HSM' "after kill -9: no row without its key"
ksm key orphans --delete
is "$(hsm_count)" "$nd" "key orphans --delete leaves exactly the database's keys"
ksm key orphans
is "$rc:$out" "0:No orphans: every HSM key is in the database and every database key in the HSM." \
	"no orphans after the sweep"

done_testing
