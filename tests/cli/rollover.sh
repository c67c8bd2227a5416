#!/bin/sh
# key rollover, key ksk-retire, key ds-seen, key ksk-revoke, rollover list
# and the order of key export, against a fresh SoftHSMv2 token: exact
# output, exit statuses, and every column of the rows each command
# writes, with the clock frozen (ENFORCER_TIMESHIFT) so that every date is
# known from the policy's numbers. Every refusal leaves the database as it
# was. The daemon does not exist yet: keys are put into their states with
# `key import` (keys made on the token with ods-hsmutil) and, for the
# standby states import cannot make, with SQL.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

softhsm_available || skip_all "SoftHSMv2 is not installed"
softhsm_init "$T/hsm" OpenDNSSEC 2> "$T/softhsm.log" ||
	{ echo "Bail out! cannot make a SoftHSM token: $(cat "$T/softhsm.log")"; exit 1; }
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
# dates are shown in local time: make that UTC; and stop the clock
TZ=UTC
export TZ
ENFORCER_TIMESHIFT='01-01-2020 12:00'
export ENFORCER_TIMESHIFT
HSMUTIL="$top_builddir/ods-hsmutil"

# The policy's numbers and what the formulas of enforcer/state.h make of them:
#   Keys/TTL 1000, RetireSafety 200, PublishSafety 300, Zone/PropagationDelay 4000,
#   Parent/PropagationDelay 5000, Parent/DS/TTL 600, KSK lifetime 10 days
NOW='2020-01-01 12:00:00'
T0='2019-12-01 12:00:00'
PUBLISH_WAIT='2020-01-01 13:28:20'   # now + TTLk + Dz + Sp = now + 5300
DS_WAIT='2020-01-01 13:38:20'        # now + TTLds + Dp + Sp = now + 5900
RETIRE_WAIT='2020-01-01 13:36:40'    # now + TTLds + Dp + Sr = now + 5800 (Q4: never TTLk)
KSK_RETIRE='2020-01-11 12:00:00'     # now + KSK lifetime

policy() {  # NAME SHARE(0|1)
	cat <<XML
	<Policy name="$1">
		<Description>rollover tests</Description>
		<Signatures>
			<Resign>PT2H</Resign>
			<Refresh>P3D</Refresh>
			<Validity><Default>P14D</Default><Denial>P14D</Denial></Validity>
			<Jitter>PT12H</Jitter>
			<InceptionOffset>PT3600S</InceptionOffset>
		</Signatures>
		<Denial><NSEC/></Denial>
		<Keys>
			<TTL>PT1000S</TTL>
			<RetireSafety>PT200S</RetireSafety>
			<PublishSafety>PT300S</PublishSafety>
			$([ "$2" = 1 ] && echo '<ShareKeys/>')
			<KSK>
				<Algorithm length="1024">8</Algorithm>
				<Lifetime>P10D</Lifetime>
				<Repository>SoftHSM</Repository>
			</KSK>
			<ZSK>
				<Algorithm length="1024">8</Algorithm>
				<Lifetime>P5D</Lifetime>
				<Repository>SoftHSM</Repository>
			</ZSK>
		</Keys>
		<Zone>
			<PropagationDelay>PT4000S</PropagationDelay>
			<SOA><TTL>PT3600S</TTL><Minimum>PT3600S</Minimum><Serial>unixtime</Serial></SOA>
		</Zone>
		<Parent>
			<PropagationDelay>PT5000S</PropagationDelay>
			<DS><TTL>PT600S</TTL></DS>
			<SOA><TTL>PT172800S</TTL><Minimum>PT10800S</Minimum></SOA>
		</Parent>
	</Policy>
XML
}
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<KASP>'
	policy roll 0
	policy other 0
	policy shared 1
	policy empty 0
	echo '</KASP>'
} > "$T/kasp.xml"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$T/zonelist.xml"
ksm setup --yes
is "$rc" 0 "setup"
[ "$rc" = 0 ] || diag "$out"
mkdir -p "$T/signconf" "$T/unsigned"
for z in e1:roll e2:roll e3:roll l1:roll l2:roll r1:roll r2:roll p1:other p2:other \
	s1:shared s2:shared t1:roll t2:roll t3:roll d1:roll d2:roll d3:roll d4:roll d5:roll \
	d6:roll d7:roll d8:roll d9:roll d10:roll v1:roll; do
	ksm zone add --zone "${z%%:*}" --policy "${z#*:}" --no-xml -s "$T/signconf/${z%%:*}.xml" \
		-i "$T/unsigned/${z%%:*}"
	[ "$rc" = 0 ] || diag "zone add $z: $out"
done
is "$(db_sql "SELECT count(*) FROM zones")" 25 "25 zones"

echo y > "$T/yes"
echo n > "$T/no"
YES="$T/yes"
NO="$T/no"

# a key pair made on the token; prints its CKA_ID
newkey() {
	"$HSMUTIL" -c "$T/conf.xml" generate SoftHSM rsa 1024 2> /dev/null |
		sed -n 's/^Key generation successful: //p'
}
# hsmtag ID: its key tag with the KSK flags, as ods-hsmutil computes it
hsmtag() {
	"$HSMUTIL" -c "$T/conf.xml" dnskey "$1" x 8 2> /dev/null | sed -n 's/.*;{id = \([0-9]*\) .*/\1/p'
}
# imp ID ZONE TYPE STATE [RETIRE]: key import at T0 (shared zones: answer yes)
imp() {
	if [ -n "${5:-}" ]; then
		KSM_STDIN=$YES ksm key import --cka_id "$1" -r SoftHSM -z "$2" -b 1024 -g 8 \
			-t "$3" -e "$4" -w "$T0" -y "$5"
	else
		KSM_STDIN=$YES ksm key import --cka_id "$1" -r SoftHSM -z "$2" -b 1024 -g 8 \
			-t "$3" -e "$4" -w "$T0"
	fi
	[ "$rc" = 0 ] || diag "import $1 into $2: $out"
}
# key ZONE TYPE STATE [RETIRE]: a new key on the token, imported; prints its CKA_ID
key() {
	_id=$(newkey)
	imp "$_id" "$@" > /dev/null
	echo "$_id"
}
# setstate ID ZONE STATE: what the daemon would have done
setstate() {
	db_sql "UPDATE dnsseckeys SET state = $3
		WHERE keypair_id = (SELECT id FROM keypairs WHERE HSMkey_id = '$1')
		AND zone_id = (SELECT id FROM zones WHERE name = '$2')"
}
# cache ID [FROM]: fill the public key cache of ID (with FROM's key)
cache() {
	_b64=$("$HSMUTIL" -c "$T/conf.xml" dnskey "${2:-$1}" x 8 2> /dev/null | awk '{ print $8 }')
	db_sql "UPDATE keypairs SET publickey = '$_b64' WHERE HSMkey_id = '$1'"
}
# row ID ZONE: state|publish|ready|active|retire|dead|revoked
row() {
	db_sql "SELECT d.state, d.publish, d.ready, d.active, d.retire, d.dead, d.revoked
		FROM dnsseckeys d, keypairs k, zones z
		WHERE d.keypair_id = k.id AND d.zone_id = z.id AND k.HSMkey_id = '$1' AND z.name = '$2'"
}
# kp ID: compromisedflag|fixedDate
kp() {
	db_sql "SELECT compromisedflag, fixedDate FROM keypairs WHERE HSMkey_id = '$1'"
}
keep() { _keep_db=$(db_fingerprint); }
same() { is "$(db_fingerprint)" "$_keep_db" "$1: database unchanged"; }
# a conf.xml whose HSM module cannot be loaded: only cached public keys work
sed "s|<Module>[^<]*</Module>|<Module>$T/nosuch-pkcs11.so</Module>|" "$T/conf.xml" > "$T/nohsm.xml"
ksm_nohsm() { ksm_raw -c "$T/nohsm.xml" "$@"; }
NOTIFY_FAILED='Notifying enforcer of new database...
Cannot find PID file'
RETIRE_PROMPT='*WARNING* This will retire the currently active KSK; are you sure? [y/N] '

# ============================================================ key export order
X1=$(key e1 KSK active '2020-03-01 00:00')
X2=$(key e1 KSK ready)
X3=$(key e2 KSK ready)
setstate "$X3" e2 7
X4=$(key e3 KSK active)
for k in "$X1" "$X2" "$X3" "$X4"; do cache "$k"; done

ksm key export --ds
is "$rc" 0 "key export --ds exits 0"
printf '%s\n' "$out" | awk -F'\t' '
	/^;/ { print }
	/\tDS\t/ { split($5, a, " "); print $1 " " $2 " " a[3] }
	/^WARNING/ { sub(/ Do not.*| Probably.*/, ""); print }' > "$T/export.out"
is "$(cat "$T/export.out")" ";ready KSK DS record (SHA1):
e1. 600 1
;ready KSK DS record (SHA256):
e1. 600 2
;active KSK DS record (SHA1):
e1. 600 1
;active KSK DS record (SHA256):
e1. 600 2
WARNING: BOTH ready and active keys seen for this zone.
;active KSK DS record (SHA1):
e3. 600 1
;active KSK DS record (SHA256):
e3. 600 2
;dssub KSK DS record (SHA1):
e2. 600 1
;dssub KSK DS record (SHA256):
e2. 600 2
WARNING: No active or ready keys seen for this zone." \
	"key export --ds: by state, then zone; each zone's warning after its last record"
ksm key export
printf '%s\n' "$out" | awk -F'\t' '/^;/ { print } /\tDNSKEY\t/ { print $1 " " $2 }' > "$T/export.out"
is "$(cat "$T/export.out")" ";ready KSK DNSKEY record:
e1. 1000
;active KSK DNSKEY record:
e1. 1000
;active KSK DNSKEY record:
e3. 1000
;dssub KSK DNSKEY record:
e2. 1000" "key export: ordered by state, then zone"
unlike "$out" WARNING "key export: no warnings without --ds"
# every public key is cached: the HSM is never needed
ksm key export --ds
with_hsm=$out
ksm_nohsm key export --ds
is "$rc:$out" "0:$with_hsm" "key export with an unusable HSM module: the cached keys suffice"
ksm_nohsm key list --zone e1 --verbose
is "$rc" 0 "key list --verbose with an unusable HSM module exits 0"
is "$(printf '%s\n' "$out" | awk '$1 == "e1" { print $NF }')" "$(hsmtag "$X1")
$(hsmtag "$X2")" "key list --verbose: key tags from the cache equal the HSM's"

# ============================================================ rollover list
LK=$(key l1 KSK active '2020-05-01 10:00')
LZ=$(key l1 ZSK active)
LR=$(key l1 KSK ready)
LS=$(key l1 KSK ready)
setstate "$LS" l1 7
LZR=$(key l1 ZSK ready)
LP=$(key l1 KSK publish)
LK2=$(key l2 KSK active)
LR2=$(key l2 KSK ready)
for k in "$LK" "$LZ" "$LR" "$LS" "$LZR" "$LP" "$LK2"; do cache "$k"; done
# LR2 is not cached: its DNSKEY comes from the token

rl() { printf '%-31s %-13s %s\n' "$1" "$2" "$3"; }
TABLE="Rollovers:
Zone:                           Keytype:      Rollover expected:
$(rl e1 KSK '2020-03-01 00:00:00')
$(rl e1 KSK 'waiting for ds-seen')
$(rl e2 KSK 'waiting for ds-seen')
$(rl e3 KSK '(not scheduled)')
$(rl l1 KSK '2020-05-01 10:00:00')
$(rl l1 ZSK '(not scheduled)')
$(rl l1 KSK 'waiting for ds-seen')
$(rl l1 KSK 'waiting for ds-seen')
$(rl l2 KSK '(not scheduled)')
$(rl l2 KSK 'waiting for ds-seen')"
keep
ksm rollover list
is "$rc:$out" "0:$TABLE" "rollover list: every zone, by zone id, exact"
same "rollover list"
ksm rollover list --zone l1.
is "$rc:$out" "0:Rollovers:
Zone:                           Keytype:      Rollover expected:
$(rl l1 KSK '2020-05-01 10:00:00')
$(rl l1 ZSK '(not scheduled)')
$(rl l1 KSK 'waiting for ds-seen')
$(rl l1 KSK 'waiting for ds-seen')" "rollover list --zone (with a final dot)"
ksm rollover list --zone nosuch
is "$rc:$out" '1:Error: unable to find a zone named "nosuch" in database' "rollover list: unknown zone"

# -v: the DNSKEY (TTL = Keys/TTL, single spaces) of every KSK waiting for ds-seen
dnskey_of() {  # ZONE STATE: the zone's one DNSKEY in that state, as key export prints it
	ksm key export --zone "$1" --keystate "$2"
	printf '%s\n' "$out" | grep '	DNSKEY	' | tr '\t' ' '
}
block() {  # ZONE STATE CKA_ID
	printf '\n\n*** Found DNSKEY RECORD involved with rollover:\n%s\n\nOnce the DS record for this DNSKEY is seen in DNS you can issue the ds-seen command for zone %s with the cka_id %s' \
		"$(dnskey_of "$1" "$2")" "$1" "$3"
}
want="$TABLE
$(block e1 ready "$X2")$(block e2 dssub "$X3")$(block l1 ready "$LR")$(block l1 dssub "$LS")$(block l2 ready "$LR2")"
ksm rollover list --verbose
is "$rc:$out" "0:$want" "rollover list --verbose: the DNSKEY blocks, exact"
like "$out" "^l1\. 1000 IN DNSKEY 257 3 8 [A-Za-z0-9+/=]+ ;\{id = $(hsmtag "$LR") \(ksk\), size = 1024b\}$" \
	"rollover list --verbose: TTL, flags and key tag of a line"
ksm_nohsm rollover list --verbose --zone l1
is "$rc" 0 "rollover list -v with an unusable HSM module: cached keys suffice"
ksm_nohsm rollover list --verbose --zone l2
is "$rc" 2 "rollover list -v with an unusable HSM module: an uncached key needs it (exit 2)"
if [ "$DB_BACKEND" = sqlite ]; then
	chmod a-w "$DB"
	ksm rollover list
	is "$rc:$out" "0:$TABLE" "rollover list works on a read-only database"
	chmod u+w "$DB"
else
	ok 0 "rollover list on a read-only database # SKIP SQLite only"
fi

# ============================================================ key rollover
KR1=$(key r1 KSK active)
ZR1A=$(key r1 ZSK active)
ZR1B=$(key r1 ZSK publish)
KR2=$(key r2 KSK active)
SR2=$(key r2 KSK ready)
setstate "$SR2" r2 9
ZR2=$(key r2 ZSK active)

# bad input: nothing changes
keep
ksm key rollover --zone r1 --keytype XSK
is "$rc:$out" "1:Error: Unrecognised keytype XSK; should be one of KSK or ZSK" \
	"key rollover: an unknown --keytype is refused (quirk 9)"
ksm key rollover --zone r1
is "$rc:$out" "1:Please specify either a keytype, KSK or ZSK, with the --keytype <type> option or use the --all option" \
	"key rollover without --keytype or --all"
like "$err" "^key rollover$" "key rollover without --keytype: the key usage on stderr"
ksm key rollover --keytype KSK
is "$rc:$out" "1:Please provide either a zone OR a policy to rollover" "key rollover without zone or policy"
ksm key rollover --zone r1 --policy roll --all
is "$rc:$out" "1:Please provide either a zone OR a policy to rollover" "key rollover with zone and policy"
ksm key rollover --zone nosuch. --all
is "$rc:$out" "1:Error, can't find zone : nosuch." "key rollover: unknown zone, as typed"
ksm key rollover --policy nosuch --all
is "$rc:$out" "1:Error, can't find policy : nosuch" "key rollover: unknown policy"
KSM_STDIN=$YES ksm key rollover --policy empty --all
is "$rc:$out" "0:*WARNING* This will roll all keys on the policy; are you sure? [y/N] No zones on policy; nothing to roll" \
	"key rollover --policy without zones"
KSM_STDIN=$NO ksm key rollover --policy other --keytype KSK
is "$rc:$out" "0:*WARNING* This will roll all keys on the policy; are you sure? [y/N] Okay, quitting..." \
	"key rollover --policy: declined"
same "key rollover refusals"

# --zone, ZSK
ksm key rollover --zone r1 --keytype zsk
is "$rc:$out" "0:
Manual key rollover for key type zsk on zone r1 initiated
$NOTIFY_FAILED" "key rollover --zone --keytype zsk: no prompt without shared keys"
like "$err" "Could not HUP ods-enforcerd" "key rollover: no daemon to notify"
is "$(row "$ZR1A" r1)" "4|||$T0|$NOW||0" "rollover ZSK: the active ZSK retires now"
is "$(kp "$ZR1A")" "1|1" "rollover ZSK: its key pair is compromised and its dates fixed"
is "$(row "$ZR1B" r1)" "2|$T0|||||0" "rollover ZSK: the published ZSK is untouched"
is "$(kp "$ZR1B")" "0|0" "rollover ZSK: the published ZSK's key pair is untouched"
is "$(row "$KR1" r1):$(kp "$KR1")" "4|||$T0|||0:0|0" "rollover ZSK: the KSK is untouched"

# --zone, KSK, with a standby promoted (Q8: publish = now)
ksm key rollover --zone r2. --keytype KSK
is "$rc:$out" "0:
Manual key rollover for key type ksk on zone r2. initiated
$NOTIFY_FAILED" "key rollover --zone --keytype KSK"
is "$(row "$KR2" r2):$(kp "$KR2")" "4|||$T0|$NOW||0:1|1" "rollover KSK: the active KSK retires now"
is "$(row "$SR2" r2)" "10|$NOW|$T0|$PUBLISH_WAIT|||0" \
	"rollover KSK: the DSREADY standby is published now, active after TTLk + Dz + Sp"
is "$(row "$ZR2" r2):$(kp "$ZR2")" "4|||$T0|||0:0|0" "rollover KSK: the ZSK is untouched"

# --policy, KSK then ZSK
KP1=$(key p1 KSK active)
RP1=$(key p1 KSK ready)
SP1=$(key p1 KSK ready)
setstate "$SP1" p1 9
ZP1=$(key p1 ZSK active)
KP2=$(key p2 KSK active)
SP2=$(key p2 KSK ready)
setstate "$SP2" p2 9
ZP2=$(key p2 ZSK active)
KSM_STDIN=$YES ksm key rollover --policy other --keytype KSK
is "$rc:$out" "0:*WARNING* This will roll all keys on the policy; are you sure? [y/N] Manual key rollover for key type ksk on policy other initiated
$NOTIFY_FAILED" "key rollover --policy --keytype KSK"
is "$(row "$KP1" p1):$(kp "$KP1")" "4|||$T0|$NOW||0:1|1" "rollover policy: zone 1's KSK retires now"
is "$(row "$KP2" p2):$(kp "$KP2")" "4|||$T0|$NOW||0:1|1" "rollover policy: zone 2's KSK retires now"
is "$(row "$RP1" p1):$(kp "$RP1")" "3||$T0||||0:0|0" "rollover policy: a ready KSK is untouched"
is "$(row "$SP1" p1)" "9||$T0||||0" "rollover policy: no standby promoted where a KSK is ready"
is "$(row "$SP2" p2)" "10|$NOW|$T0|$PUBLISH_WAIT|||0" "rollover policy: the standby promoted where none is"
is "$(row "$ZP1" p1):$(row "$ZP2" p2)" "4|||$T0|||0:4|||$T0|||0" "rollover policy KSK: ZSKs untouched"
KSM_STDIN=$YES ksm key rollover --policy other --keytype ZSK
is "$rc:$out" "0:*WARNING* This will roll all keys on the policy; are you sure? [y/N] Manual key rollover for key type zsk on policy other initiated
$NOTIFY_FAILED" "key rollover --policy --keytype ZSK"
is "$(row "$ZP1" p1):$(kp "$ZP1")" "4|||$T0|$NOW||0:1|1" "rollover policy ZSK: zone 1's ZSK"
is "$(row "$ZP2" p2):$(kp "$ZP2")" "4|||$T0|$NOW||0:1|1" "rollover policy ZSK: zone 2's ZSK"
is "$(row "$SP1" p1)" "9||$T0||||0" "rollover policy ZSK: KSK standbys untouched"

# shared keys: the prompt, then every instance of the key pair
SK1=$(key s1 KSK active)
SK2=$(key s1 KSK active)
SZ1=$(key s1 ZSK active)
setstate "$SK2" s2 3
is "$(db_sql "SELECT count(*) FROM dnsseckeys d, zones z WHERE d.zone_id = z.id AND z.name IN ('s1', 's2')")" 6 \
	"shared keys are allocated to both zones"
keep
KSM_STDIN=$NO ksm key rollover --zone s1 --all
is "$rc:$out" "0:*WARNING* This zone shares keys with others, all instances of the active key on this zone will be retired; are you sure? [y/N] Okay, quitting..." \
	"key rollover of a zone with shared keys: declined"
same "declined shared rollover"
KSM_STDIN=$YES ksm key rollover --zone s1 --all
is "$rc:$out" "0:*WARNING* This zone shares keys with others, all instances of the active key on this zone will be retired; are you sure? [y/N] 
Manual key rollover for key type all on zone s1 initiated
$NOTIFY_FAILED" "key rollover of a zone with shared keys: accepted"
is "$(row "$SK1" s1):$(row "$SK1" s2)" "4|||$T0|$NOW||0:4|||$T0|$NOW||0" \
	"shared rollover: every active instance retires now"
is "$(row "$SK2" s1):$(row "$SK2" s2)" "4|||$T0|$NOW||0:6|||$T0||$NOW|0" \
	"shared rollover: the other instances die now"
is "$(row "$SZ1" s1):$(row "$SZ1" s2)" "4|||$T0|$NOW||0:4|||$T0|$NOW||0" "shared rollover: --all rolls the ZSK too"
is "$(kp "$SK1"):$(kp "$SK2"):$(kp "$SZ1")" "1|1:1|1:1|1" "shared rollover: the key pairs are flagged"

# ============================================================ key ksk-retire
KA=$(key t1 KSK active '2020-06-01 00:00')
KB=$(key t1 KSK active '2021-01-01 00:00')
KC=$(key t1 KSK ready)
KD=$(key t2 KSK active)
KE=$(key t3 KSK active)
KF=$(key t3 KSK active)

keep
KSM_STDIN=$NO ksm key ksk-retire --zone t1
is "$rc:$out" "0:${RETIRE_PROMPT}Okay, quitting..." "ksk-retire: declined"
KSM_STDIN=$YES ksm key ksk-retire
is "$rc:$out" "1:${RETIRE_PROMPT}Please provide a zone or details of the key to roll" \
	"ksk-retire without zone or key"
KSM_STDIN=$YES ksm key ksk-retire --zone t1 --keytag 12a
is "$rc:$out" "1:${RETIRE_PROMPT}Error: keytag \"12a\"; should be numeric only" "ksk-retire: bad keytag"
KSM_STDIN=$YES ksm key ksk-retire --zone nosuch
is "$rc:$out" "1:${RETIRE_PROMPT}Error: unable to find a zone named \"nosuch\" in database" \
	"ksk-retire: unknown zone"
KSM_STDIN=$YES ksm key ksk-retire --zone t2
is "$rc:$out" "255:${RETIRE_PROMPT}Error: completing this action would leave no active keys on zone, quitting..." \
	"ksk-retire of a zone with one active KSK"
KSM_STDIN=$YES ksm key ksk-retire --zone t2 --cka_id "$KD"
is "$rc:$out" "255:${RETIRE_PROMPT}Found key with CKA_ID $KD
Error: completing this action would leave no active keys on zone, quitting..." \
	"ksk-retire of the one active KSK by CKA_ID"
KSM_STDIN=$YES ksm key ksk-retire --zone t1 --cka_id "$KC"
is "$rc:$out" "255:${RETIRE_PROMPT}Found key with CKA_ID $KC
No keys in the ACTIVE state matched your parameters, please check the parameters" \
	"ksk-retire of a ready key"
KSM_STDIN=$YES ksm key ksk-retire --zone t1 --cka_id ffffffffffffffffffffffffffffffff
is "$rc:$out" "255:${RETIRE_PROMPT}No keys in the ACTIVE state matched your parameters, please check the parameters" \
	"ksk-retire of an unknown key"
KSM_STDIN=$YES ksm key ksk-retire --cka_id "$SK1"
is "$rc:$out" "255:${RETIRE_PROMPT}Found key with CKA_ID $SK1
Found key with CKA_ID $SK1
More than one key matched your parameters, please include more information from the above keys" \
	"ksk-retire of a shared key without a zone: ambiguous"
same "ksk-retire refusals"

KSM_STDIN=$YES ksm key ksk-retire --zone t1
is "$rc:$out" "0:${RETIRE_PROMPT}Old key retired" "ksk-retire --zone"
is "$(row "$KA" t1)" "5|||$T0|$NOW|$RETIRE_WAIT|0" \
	"ksk-retire: the KSK with the earliest retire date retires now, dead after TTLds + Dp + Sr"
is "$(row "$KB" t1)" "4|||$T0|2021-01-01 00:00:00||0" "ksk-retire: the other one stays active"
KSM_STDIN=$YES ksm key ksk-retire --zone t3 --keytag "$(hsmtag "$KF")"
is "$rc:$out" "0:${RETIRE_PROMPT}Found key with CKA_ID $KF
Key $KF retired" "ksk-retire --keytag"
is "$(row "$KF" t3)" "5|||$T0|$NOW|$RETIRE_WAIT|0" "ksk-retire --keytag: dead after the DS TTL too (Q4)"
is "$(row "$KE" t3)" "4|||$T0|||0" "ksk-retire --keytag: the other key stays active"
keep
KSM_STDIN=$YES ksm key ksk-retire --cka_id "$KB"
is "$rc:$out" "255:${RETIRE_PROMPT}Found key with CKA_ID $KB
Error: completing this action would leave no active keys on zone, quitting..." \
	"ksk-retire by CKA_ID without a zone: the zone's last active KSK stays"
same "ksk-retire of the last active KSK"

# ============================================================ key ds-seen
A1=$(key d1 KSK active)
B1=$(key d1 KSK ready)
A2=$(key d2 KSK active)
B2=$(key d2 KSK ready)
B3=$(key d3 KSK ready)
A4=$(key d4 KSK retire)
B4=$(key d4 KSK ready)
C5=$(key d5 KSK ready)
setstate "$C5" d5 7
cache "$C5"
A6=$(key d6 KSK active)
R6=$(key d6 KSK retire)
P6=$(key d6 KSK publish)
B7=$(key d7 KSK ready)
F7=0000000000000000000000000000000f
imp "$F7" d7 KSK ready > /dev/null
G8=$(key d8 KSK ready)
H8=$(key d8 KSK ready)
cache "$G8"
cache "$H8" "$G8"
B9=$(key d9 KSK ready)
A10=$(key d10 KSK active)
B10=$(key d10 KSK ready)

keep
ksm key ds-seen --zone d1
is "$rc:$out" "1:Please provide a keytag or a CKA_ID for the key (CKA_ID will be used if both are provided" \
	"ds-seen without a key"
like "$err" "^key ds-seen$" "ds-seen without a key: the key usage on stderr"
ksm key ds-seen --cka_id "$B1"
is "$rc:$out" "1:Please specify a zone using the --zone flag" "ds-seen without a zone"
ksm key ds-seen --zone d1 --keytag x1
is "$rc:$out" "1:Error: keytag \"x1\"; should be numeric only" "ds-seen: bad keytag"
ksm key ds-seen --zone nosuch --cka_id "$B1"
is "$rc:$out" "1:Error: unable to find a zone named \"nosuch\" in database" "ds-seen: unknown zone"
ksm key ds-seen --zone d6 --cka_id "$A6"
is "$rc:$out" "255:Found key with CKA_ID $A6
Key is already active" "ds-seen of an active key"
ksm key ds-seen --zone d6 --keytag "$(hsmtag "$A6")"
is "$rc:$out" "255:Found key with CKA_ID $A6
Key is already active" "ds-seen of an active key by keytag"
ksm key ds-seen --zone d6 --cka_id "$R6"
is "$rc:$out" "255:Found key with CKA_ID $R6
No keys in the READY state matched your parameters, please check the parameters" \
	"ds-seen of a retired key is refused (Q9)"
ksm key ds-seen --zone d6 --cka_id "$P6"
is "$rc:$out" "255:No keys in the READY state matched your parameters, please check the parameters" \
	"ds-seen of a published key"
ksm key ds-seen --zone d8 --keytag "$(hsmtag "$G8")"
is "$rc:$out" "255:Found key with CKA_ID $G8
Found key with CKA_ID $H8
More than one key matched your parameters, please include more information from the above keys" \
	"ds-seen: two keys with the key tag"
same "ds-seen refusals"
is "$(row "$R6" d6)" "5||||$T0||0" "the retired key is still retired"

ksm key ds-seen --zone d1 --cka_id "$B1"
is "$rc:$out" "0:Found key with CKA_ID $B1
Key $B1 made active
Old key retired
$NOTIFY_FAILED" "ds-seen: ready -> active, the old key retired"
like "$err" "Could not HUP ods-enforcerd" "ds-seen: no daemon to notify"
is "$(row "$B1" d1)" "4||$T0|$NOW|$KSK_RETIRE||0" "ds-seen: active now, retire after the KSK lifetime"
is "$(row "$A1" d1)" "5|||$T0|$NOW|$RETIRE_WAIT|0" "ds-seen: the old KSK retires now, dead after TTLds + Dp + Sr"

ksm key ds-seen --zone d2 --cka_id "$B2" --no-retire
is "$rc:$out" "0:Found key with CKA_ID $B2
Key $B2 made active
Old key NOT retired
$NOTIFY_FAILED" "ds-seen --no-retire"
is "$(row "$B2" d2):$(row "$A2" d2)" "4||$T0|$NOW|$KSK_RETIRE||0:4|||$T0|||0" \
	"ds-seen --no-retire: both keys active"

ksm key ds-seen --zone d3 --keytag "$(hsmtag "$B3")" --no-notify
is "$rc:$out" "0:Found key with CKA_ID $B3
Key $B3 made active
No HUP ods-enforcerd was performed as the '--no-notify' flag was specified.
Warning: The enforcer must be manually notified or the changes will not take full effect until the next scheduled enforcer run." \
	"ds-seen --keytag (from the token) --no-notify, a new zone: nothing to retire"
is "$(row "$B3" d3)" "4||$T0|$NOW|$KSK_RETIRE||0" "ds-seen of a new zone's KSK"

ksm key ds-seen --zone d4 --cka_id "$B4"
is "$rc:$out" "255:Found key with CKA_ID $B4
Key $B4 made active
Error: retiring a key would leave no active keys on zone, skipping...
$NOTIFY_FAILED" "ds-seen with a retired KSK and no other active one"
is "$(row "$B4" d4):$(row "$A4" d4)" "4||$T0|$NOW|$KSK_RETIRE||0:5||||$T0||0" \
	"ds-seen: the activation stands, the retired key is untouched"

ksm_nohsm key ds-seen --zone d5 --keytag "$(hsmtag "$C5")"
is "$rc:$out" "0:Found key with CKA_ID $C5
Key $C5 made into standby
$NOTIFY_FAILED" "ds-seen of a standby (dssub) by keytag from the cache, HSM unusable"
is "$(row "$C5" d5)" "8|$NOW|$DS_WAIT||||0" "ds-seen: dssub -> dspublish, ready after TTLds + Dp + Sp"

ksm key ds-seen --zone d7 --keytag "$(hsmtag "$B7")" --no-notify
is "$rc:$out" "0:Found key with CKA_ID $B7
cka_id $F7  in DB but NOT IN repository
Key $B7 made active
No HUP ods-enforcerd was performed as the '--no-notify' flag was specified.
Warning: The enforcer must be manually notified or the changes will not take full effect until the next scheduled enforcer run." \
	"ds-seen --keytag: a key missing from the token is reported"
is "$(row "$F7" d7)" "3||$T0||||0" "ds-seen: the missing key is untouched"

ksm key ds-seen --zone d8 --keytag 1 --cka_id "$H8" --no-notify
is "$rc" 0 "ds-seen with --keytag and --cka_id: the CKA_ID decides"
like "$out" "^Found key with CKA_ID $H8
Key $H8 made active$" "ds-seen with both: the key of the CKA_ID"
is "$(row "$G8" d8)" "3||$T0||||0" "ds-seen with both: the other key stays ready"

# a daemon to notify: sleep(1) under the daemon's name, as only a process
# named ods-enforcerd is signalled; SIGHUP back to its default action, which
# a shell cannot do where the tests run under nohup(1)
mkdir -p "$T/bin" && ln -sf "$(command -v sleep)" "$T/bin/ods-enforcerd"
env --default-signal=HUP "$T/bin/ods-enforcerd" 600 &
hup_pid=$!
wait_comm "$hup_pid" ods-enforcerd
echo "$hup_pid" > "$T/enforcerd.pid"
ksm key ds-seen --zone d10 --cka_id "$B10"
is "$rc:$out" "0:Found key with CKA_ID $B10
Key $B10 made active
Old key retired
Notifying enforcer of new database...
Performed a HUP ods-enforcerd" "ds-seen notifies a running daemon"
kill "$hup_pid" 2> /dev/null
wait "$hup_pid"
is "$?" 129 "the daemon got SIGHUP"
rm -f "$T/enforcerd.pid"

# ============================================================ key ksk-revoke
VR1=$(key v1 KSK retire)
VR2=$(newkey)
KSM_STDIN=$YES ksm key import --cka_id "$VR2" -r SoftHSM -z v1 -b 1024 -g 8 -t KSK -e retire \
	-w '2019-12-15 00:00'
VA=$(key v1 KSK active)
revtag=$(hsmtag "$VR1")

keep
ksm key ksk-revoke --zone v1 --cka_id "$VA"
is "$rc:$out" "255:Found key with CKA_ID $VA
No keys in the RETIRE state matched your parameters, please check the parameters" \
	"ksk-revoke of an active key"
ksm key ksk-revoke --zone v1 --cka_id "$VR1" --tdead 2020-13-01
is "$rc:$out" "1:Error: unable to convert \"2020-13-01\" into a date" "ksk-revoke: bad --tdead"
like "$err" "Allowed date/time strings" "ksk-revoke: bad --tdead: the date help on stderr"
ksm key ksk-revoke
is "$rc:$out" "1:Please provide a zone or details of the key to roll" "ksk-revoke without zone or key"
same "ksk-revoke refusals"

ksm key ksk-revoke --zone v1 --cka_id "$VR1" --tdead '2020-02-01 00:00'
is "$rc:$out" "0:Found key with CKA_ID $VR1
Key $VR1 revoked
$NOTIFY_FAILED" "ksk-revoke --cka_id --tdead"
is "$(row "$VR1" v1):$(kp "$VR1")" "5||||$T0|2020-02-01 00:00:00|1:0|1" \
	"ksk-revoke: revoked, dead at --tdead, the date fixed"
ksm key ksk-revoke --zone v1
is "$rc:$out" "0:Old key revoked
$NOTIFY_FAILED" "ksk-revoke --zone: the retired key not yet revoked"
is "$(row "$VR2" v1):$(kp "$VR2")" "5||||2019-12-15 00:00:00|2020-01-31 12:00:00|1:0|1" \
	"ksk-revoke: dead 30 days from now by default"
keep
ksm key ksk-revoke --zone v1
is "$rc:$out" "255:Error: Could not find a key to revoke, quitting..." "ksk-revoke --zone: nothing left"
ksm key ksk-revoke --zone v1 --keytag "$revtag"
is "$rc:$out" "255:No keys in the RETIRE state matched your parameters, please check the parameters" \
	"ksk-revoke: a revoked key no longer has its old key tag"
same "ksk-revoke with nothing to do"
ksm key list --zone v1 --verbose
newtag=$(printf '%s\n' "$out" | awk -v id="$VR1" '$0 ~ id { print $NF }')
[ "$newtag" != "$revtag" ]
ok $? "key list shows the revoked key's tag (REVOKE flag)"
ksm key ksk-revoke --zone v1 --keytag "$newtag" --tdead '2020-03-01 00:00'
is "$rc:$out" "0:Found key with CKA_ID $VR1
Key $VR1 revoked
$NOTIFY_FAILED" "ksk-revoke by the revoked key tag"
is "$(row "$VR1" v1)" "5||||$T0|2020-03-01 00:00:00|1" "ksk-revoke again: the new dead date"
ksm key help
unlike "$out" "ksk-revoke" "ksk-revoke is not in the usage"
like "$out" "ksk-retire" "ksk-retire is in the usage"

# ============================================================ RequireBackup (Q12)
cp "$T/conf.xml" "$T/conf.xml.orig"
sed -i 's|<PIN>1234</PIN>|<PIN>1234</PIN><RequireBackup/>|' "$T/conf.xml"
ksm update conf
is "$rc" 0 "update conf with RequireBackup"
is "$(db_sql "SELECT requirebackup FROM securitymodules WHERE name = 'SoftHSM'")" 1 "the repository requires backups"
keep
ksm key ds-seen --zone d9 --cka_id "$B9"
is "$rc:$out" "255:Found key with CKA_ID $B9
Error: Trying to make non-backed up KSK active when RequireBackup flag is set" \
	"ds-seen of a key not backed up is refused (Q12)"
same "ds-seen of a key not backed up"
ksm backup prepare
ksm backup commit
is "$(db_sql "SELECT count(*) FROM keypairs WHERE backup IS NULL")" 0 "backup prepare + commit"
ksm key ds-seen --zone d9 --cka_id "$B9"
is "$rc:$out" "0:Found key with CKA_ID $B9
Key $B9 made active
$NOTIFY_FAILED" "ds-seen of a backed-up key"
is "$(row "$B9" d9)" "4||$T0|$NOW|$KSK_RETIRE||0" "ds-seen after the backup"
cp "$T/conf.xml.orig" "$T/conf.xml"

done_testing
