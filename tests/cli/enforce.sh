#!/bin/sh
# ods-enforcerd end to end: the enforce pass driven by the test clock
# (ENFORCER_TIMESHIFT, one run per `ods-enforcerd -1 -d`), every key
# transition checked at the exact second the formulas of enforcer/state.h
# put it (and one second before, when nothing may happen), with the
# database rows, the signconf files, the signer notifications, the DS
# submissions and the log lines (read from stderr, where -d copies them).
#
# Scenarios: a new zone; a ZSK rollover to the purge; a KSK rollover
# finished by ds-seen; manual and emergency ZSK rollovers; zone delete and
# the purge of its keys; RequireBackup; a standby KSK; shared keys. Each
# scenario has its own policy and zones, and deletes its zones when done,
# so the next one starts from a quiet database. Time only moves forward.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

[ "${TIMESHIFT_BUILT-#}" = "" ] || skip_all "built without --enable-timeshift"
softhsm_available || skip_all "SoftHSMv2 is not installed"
command -v xmllint > /dev/null 2>&1 || skip_all "xmllint is not installed"
# the conf.xml of cliutil.sh names token "OpenDNSSEC", PIN 1234; "Vault" is ours
{ softhsm_init "$T/hsm" OpenDNSSEC && softhsm_add Vault; } 2> "$T/softhsm.log" ||
	{ echo "Bail out! cannot make the SoftHSM tokens: $(cat "$T/softhsm.log")"; exit 1; }
# SoftHSM's own leaks are not ours (see the file)
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
TZ=UTC
export TZ
unset ENFORCER_TIMESHIFT
ENFORCERD="$top_builddir/ods-enforcerd"
HSMUTIL="$top_builddir/ods-hsmutil"
SIGNCONF_RNG="$top_srcdir/src/enforcer/signconf.rng"
SC="$T/signconf"
mkdir -p "$SC" "$T/unsigned"

# ------------------------------------------------------------------ set-up
# The signer is a script that notes the zone it is told about; the DS
# submit command keeps what it is fed. Both files are emptied before each run.
cat > "$T/notify" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >> "$T/notify.log"
EOF
cat > "$T/ds-submit" <<EOF
#!/bin/sh
cat >> "$T/ds.log"
EOF
chmod 755 "$T/notify" "$T/ds-submit"

cp "$T/conf.xml" "$T/conf.orig"
sed -e "s|</RepositoryList>|<Repository name=\"Vault\"><Module>$SOFTHSM_MODULE</Module><TokenLabel>Vault</TokenLabel><PIN>1234</PIN><RequireBackup/></Repository></RepositoryList>|" \
    -e "s|<Interval>PT3600S</Interval>|<Interval>PT3600S</Interval><DelegationSignerSubmitCommand>$T/ds-submit</DelegationSignerSubmitCommand><SignerNotifyCommand>$T/notify %zone</SignerNotifyCommand>|" \
    "$T/conf.orig" > "$T/conf.xml"
INTERVAL=3600

# The shipped default policy with ECDSA P-256 keys (scenario 1).
ecdsa_policy() {
	sed -n '/<Policy name="default">/,/<\/Policy>/p' "$top_srcdir/contrib/kasp.xml" |
		sed -e "s/name=\"default\"/name=\"$1\"/" \
		    -e 's|<Algorithm length="[0-9]*">8</Algorithm>|<Algorithm length="256">13</Algorithm>|'
}
# A "lab" policy: short timings, ECDSA P-256, NSEC.
#   lab NAME REPOSITORY KSK_LIFETIME ZSK_LIFETIME KEYS_EXTRA KSK_EXTRA ZSK_EXTRA
lab_policy() {
	cat <<XML
	<Policy name="$1">
		<Description>lab</Description>
		<Signatures>
			<Resign>PT1H</Resign>
			<Refresh>PT6H</Refresh>
			<Validity><Default>PT12H</Default><Denial>PT18H</Denial></Validity>
			<Jitter>PT1H</Jitter>
			<InceptionOffset>PT300S</InceptionOffset>
		</Signatures>
		<Denial><NSEC/></Denial>
		<Keys>
			<TTL>PT300S</TTL>
			<RetireSafety>PT300S</RetireSafety>
			<PublishSafety>PT240S</PublishSafety>
			$5
			<Purge>PT2H</Purge>
			<KSK>
				<Algorithm length="256">13</Algorithm>
				<Lifetime>$3</Lifetime>
				<Repository>$2</Repository>
				$6
			</KSK>
			<ZSK>
				<Algorithm length="256">13</Algorithm>
				<Lifetime>$4</Lifetime>
				<Repository>$2</Repository>
				$7
			</ZSK>
		</Keys>
		<Zone>
			<PropagationDelay>PT420S</PropagationDelay>
			<SOA><TTL>PT300S</TTL><Minimum>PT300S</Minimum><Serial>unixtime</Serial></SOA>
		</Zone>
		<Parent>
			<PropagationDelay>PT540S</PropagationDelay>
			<DS><TTL>PT60S</TTL></DS>
			<SOA><TTL>PT300S</TTL><Minimum>PT300S</Minimum></SOA>
		</Parent>
	</Policy>
XML
}
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<KASP>'
	ecdsa_policy ecdsa
	lab_policy labz SoftHSM P30D P1D '' '' ''
	lab_policy labk SoftHSM P2D P30D '' '' ''
	lab_policy labm SoftHSM P30D P1D '' '' '<ManualRollover/>'
	lab_policy labe SoftHSM P30D P1D '' '' ''
	lab_policy labd SoftHSM P30D P1D '' '' ''
	lab_policy labb Vault P30D P1D '' '' ''
	lab_policy labs SoftHSM P2D P1D '' '<Standby>1</Standby>' '<Standby>1</Standby>'
	lab_policy labsh SoftHSM P30D P1D '<ShareKeys/>' '' ''
	echo '</KASP>'
} > "$T/kasp.xml"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$T/zonelist.xml"
ksm setup --yes
is "$rc" 0 "setup"
[ "$rc" = 0 ] || diag "$out $err"

# The formulas of enforcer/state.h and plan.h with the numbers of the policies.
#   default (ECDSA): TTLk 3600, Dz 43200, Sp 3600, Lz 90 d, Lk 365 d
#   lab: TTLk 300, Dz 420, Dp 540, TTLds 60, Sp 240, Sr 300, Validity 12 h /
#   Denial 18 h, Lz 1 d, Lk 2 d, Purge 2 h; Interval 3600
D_PUBLISH_WAIT=$((3600 + 43200 + 3600))       # state_publish_wait: TTLk + Dz + Sp
D_LZ=$((90 * 86400))
PUBLISH_WAIT=$((300 + 420 + 240))             # state_publish_wait: TTLk + Dz + Sp = 960
DS_WAIT=$((60 + 540 + 240))                   # state_ds_wait: TTLds + Dp + Sp = 840
ZSK_RETIRE_WAIT=$((64800 + 420 + 300))        # max(Vd, Vdenial) + Dz + Sr = 65520 (Q22)
KSK_RETIRE_WAIT=$((60 + 540 + 300))           # TTLds + Dp + Sr = 900 (Q4)
WINDOW=$((INTERVAL + 240 + 420 + 300))        # plan_window: I + Sp + Dz + TTLk = 4560
LZ=86400
LK=172800
LONG=$((30 * 86400))
PURGE=7200

# ------------------------------------------------------------------ helpers
# d2s EPOCH: the date as the database and ENFORCER_TIMESHIFT spell it (UTC)
d2s() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%S'; }
# at EPOCH: the frozen clock of the next runs and commands
at() { NOW=$1; NOW_S=$(d2s "$1"); }

# enf NAME [ERRORS]: one daemon run at $NOW. $log holds its log lines (without
# the ident), $notified the zones the signer was told about, $ds what the DS
# submit command got. One check: exit status 0, and no line of stderr says
# "error" unless it matches the extended regex ERRORS.
enf() {
	: > "$T/notify.log"
	: > "$T/ds.log"
	ENFORCER_TIMESHIFT=$NOW_S "$ENFORCERD" -c "$T/conf.xml" -1 -d > "$T/d.out" 2> "$T/d.err" < /dev/null
	rc=$?
	log=$(sed -n 's/^ods-enforcerd: //p' "$T/d.err")
	notified=$(cat "$T/notify.log")
	ds=$(cat "$T/ds.log")
	_errs=$(grep -i 'error' "$T/d.err" | grep -Ev -- "${2:-^\$}")
	if [ "$rc" = 0 ] && [ -z "$_errs" ]; then
		ok 0 "$1: run at $NOW_S exits 0, no error"
	else
		ok 1 "$1: run at $NOW_S exits 0, no error"
		diag "exit status $rc; error lines: $_errs"
	fi
	[ -z "${ENF_TRACE:-}" ] || { diag "---- run at $NOW_S"; diag "$log"; }
	snap
}
# has TEXT NAME / hasnt TEXT NAME: the last run logged the line TEXT (exactly)
has() {
	printf '%s\n' "$log" | grep -Fxq -- "$1"
	ok $? "$2"
}
hasnt() {
	! printf '%s\n' "$log" | grep -Fq -- "$1"
	ok $? "$2"
}
# nlog TEXT: how many lines of the last run's log are TEXT
nlog() { printf '%s\n' "$log" | grep -Fxc -- "$1"; }
# kcmd ARGS...: ods-ksmutil at $NOW
kcmd() {
	ENFORCER_TIMESHIFT=$NOW_S ksm "$@"
	snap
}

zid() { db_sql "SELECT id FROM zones WHERE name = '$1'"; }
# snap: read every allocation once (after each run and command), for keys,
# kstate and row; one query instead of one per check keeps the server
# engines fast
snap() {
	SNAP=$(db_sql "SELECT k.HSMkey_id, d.zone_id, z.name, d.keytype, d.state, d.publish, d.ready,
		d.active, d.retire, d.dead FROM dnsseckeys d JOIN keypairs k ON d.keypair_id = k.id
		LEFT JOIN zones z ON z.id = d.zone_id ORDER BY k.id, d.zone_id")
}
# keys ZONE TYPE: the CKA_IDs of the zone's keys of a type (257/256), by key pair id
keys() { printf '%s\n' "$SNAP" | awk -F'|' -v z="$1" -v t="$2" '$3 == z && $4 == t { print $1 }'; }
# kstate ZONE TYPE STATE: the same, of the keys in a state
kstate() {
	printf '%s\n' "$SNAP" | awk -F'|' -v z="$1" -v t="$2" -v s="$3" '$3 == z && $4 == t && $5 == s { print $1 }'
}
# row CKA [ZONE_ID]: state|publish|ready|active|retire|dead of the key's allocation
row() {
	printf '%s\n' "$SNAP" | awk -F'|' -v c="$1" -v z="${2:-}" -v OFS='|' \
		'$1 == c && (z == "" || $2 == z) { print $5, $6, $7, $8, $9, $10 }'
}
# want STATE PUBLISH READY ACTIVE RETIRE DEAD: a row as row() prints it, the
# dates given as epoch seconds ("" for NULL)
want() {
	_w=$1
	shift
	for _t in "$@"; do
		if [ -n "$_t" ]; then _w="$_w|$(d2s "$_t")"; else _w="$_w|"; fi
	done
	printf '%s\n' "$_w"
}
# hsm_has CKA: the key is on a token
hsm_ids() { "$HSMUTIL" -c "$T/conf.xml" list 2> /dev/null | awk 'NF >= 2 { print $2 }'; }
hsm_has() { hsm_ids | grep -Fxq -- "$1"; }
# sc_keys FILE: one line per <Key> of a signconf: "flags locator KSK,ZSK,Publish,RFC5011"
sc_keys() {
	awk '
		/<Key>/ { f = ""; l = ""; m = "" }
		/<Flags>/ { gsub(/.*<Flags>|<\/Flags>.*/, ""); f = $0 }
		/<Locator>/ { gsub(/.*<Locator>|<\/Locator>.*/, ""); l = $0 }
		/<KSK \/>/ { m = m "KSK," }
		/<ZSK \/>/ { m = m "ZSK," }
		/<Publish \/>/ { m = m "Publish," }
		/<RFC5011 \/>/ { m = m "RFC5011," }
		/<\/Key>/ { sub(/,$/, "", m); print f " " l " " m }' "$1"
}
# stamp FILE: inode and modification time (to the nanosecond)
stamp() { stat -c '%i %y' "$1" 2> /dev/null || echo absent; }
# valid FILE NAME: the signconf validates against the shipped schema
valid() {
	xmllint --noout --relaxng "$SIGNCONF_RNG" "$1" > "$T/xmllint.out" 2>&1
	_st=$?
	ok $_st "$2"
	[ $_st = 0 ] || diag "$(cat "$T/xmllint.out")"
}
addzone() {
	ksm zone add --zone "$1" --policy "$2" --no-xml -s "$SC/$1.xml" -i "$T/unsigned/$1"
	[ "$rc" = 0 ] || diag "zone add $1: $out"
	snap
}
delzone() {
	kcmd zone delete --zone "$1" --no-xml
	is "$rc" 0 "zone delete $1"
}

# ================================================== 1. a new zone, first run
T0=$(date -u -d '2020-01-01 00:00:00' +%s)
at "$T0"
addzone new.example ecdsa
enf "new zone"
is "$notified" "new.example" "new zone: the signer is told once"
is "$ds" "" "new zone: no DS submitted"
ZSK=$(keys new.example 256)
KSK=$(keys new.example 257)
is "$(db_sql "SELECT count(*) FROM keypairs k, policies p WHERE k.policy_id = p.id AND p.name = 'ecdsa'")" 2 \
	"new zone: two key pairs generated"
is "$(printf '%s\n' "$ZSK" "$KSK" | grep -c '^[0-9a-f]\{32\}$')" 2 "new zone: one ZSK and one KSK allocated"
is "$(db_sql "SELECT k.algorithm, k.size, k.generate, s.name, k.backup, k.compromisedflag, k.fixedDate
	FROM keypairs k, securitymodules s WHERE k.securitymodule_id = s.id AND k.HSMkey_id IN ('$ZSK', '$KSK')")" \
	"13|256|$NOW_S|SoftHSM||0|0
13|256|$NOW_S|SoftHSM||0|0" "new zone: key pairs: ECDSA P-256, generated now, in SoftHSM, not backed up"
hsm_has "$ZSK" && hsm_has "$KSK"
ok $? "new zone: both keys are on the token"
# §7.3 C and D
has "Policy ecdsa found." "new zone: log: policy found"
has "Key sharing is Off." "new zone: log: key sharing"
has '1 zone(s) found on policy "ecdsa"' "new zone: log: zone count"
has "1 new KSK(s) (256 bits) need to be created for policy ecdsa: keys_to_generate(1) = keys_needed(1) - keys_available(0)." \
	"new zone: log: KSKs to create"
has "1 new ZSK(s) (256 bits) need to be created for policy ecdsa: keys_to_generate(1) = keys_needed(1) - keys_available(0)." \
	"new zone: log: ZSKs to create"
is "$(printf '%s\n' "$log" | sed -n 's/^Created \([KZ]SK\) size: 256, alg: 13 with id: \([0-9a-f]*\) in repository: SoftHSM and database\.$/\2/p' | sort)" \
	"$(printf '%s\n' "$ZSK" "$KSK" | sort)" "new zone: log: a 'Created ...' line per key"
is "$(nlog "Created key in repository SoftHSM")" 2 "new zone: log: 'Created key in repository' per key"
is "$(printf '%s\n' "$log" | grep -E '^(Zone new\.example found\.|Policy for new\.example|Config will be output|INFO: Promoting|Called signer engine|ZSK key allocation|KSK key allocation)')" \
	"Zone new.example found.
Policy for new.example set to ecdsa.
Config will be output to $SC/new.example.xml.
ZSK key allocation for zone new.example: 1 key(s) allocated
KSK key allocation for zone new.example: 1 key(s) allocated
INFO: Promoting ZSK from publish to active as this is the first pass for the zone
Called signer engine: $T/notify new.example" "new zone: log: the zone's lines in order"
has "ZSK key allocation for zone new.example: 1 key(s) allocated" "new zone: log: ZSK allocation (§7.3 D)"
has "KSK key allocation for zone new.example: 1 key(s) allocated" "new zone: log: KSK allocation (§7.3 D)"
has "WARNING: Making non-backed up ZSK active, PLEASE make sure that you know the potential problems of using keys which are not recoverable" \
	"new zone: log: the ZSK is not backed up"
# the rows: the ZSK straight to active (no ready time), the KSK published
is "$(row "$ZSK")" "$(want 4 "$T0" "" "$T0" $((T0 + D_LZ)) "")" "new zone: ZSK row: active now, retire = now + Lz"
is "$(row "$KSK")" "$(want 2 "$T0" $((T0 + D_PUBLISH_WAIT)) "" "" "")" \
	"new zone: KSK row: published now, ready = now + TTLk + Dz + Sp"
is "$(db_sql "SELECT d.keytype, d.rfc5011, d.revoked FROM dnsseckeys d, zones z WHERE d.zone_id = z.id
	AND z.name = 'new.example' ORDER BY d.keytype")" "256|0|0
257|0|0" "new zone: no RFC 5011, not revoked"
SALT=$(db_sql "SELECT salt FROM policies WHERE name = 'ecdsa'")
like "$SALT" '^[0-9a-f]{16}$' "new zone: an NSEC3 salt of 8 octets"
is "$(db_sql "SELECT salt_stamp FROM policies WHERE name = 'ecdsa'")" "$NOW_S" "new zone: the salt is stamped now"

# the signconf: valid, and exactly what enforcer.md §5 says
[ -f "$SC/new.example.xml" ]
ok $? "new zone: the signconf is written"
valid "$SC/new.example.xml" "new zone: the signconf validates against signconf.rng"
sc_key() {  # FLAGS LOCATOR MARKS...
	printf '\t\t\t<Key>\n\t\t\t\t<Flags>%s</Flags>\n\t\t\t\t<Algorithm>13</Algorithm>\n\t\t\t\t<Locator>%s</Locator>\n' "$1" "$2"
	shift 2
	for _m in "$@"; do printf '\t\t\t\t<%s />\n' "$_m"; done
	printf '\t\t\t</Key>\n'
}
{
	printf '<SignerConfiguration>\n\t<Zone name="new.example">\n'
	printf '\t\t<Signatures>\n\t\t\t<Resign>PT7200S</Resign>\n\t\t\t<Refresh>PT259200S</Refresh>\n'
	printf '\t\t\t<Validity>\n\t\t\t\t<Default>PT1209600S</Default>\n\t\t\t\t<Denial>PT1209600S</Denial>\n\t\t\t</Validity>\n'
	printf '\t\t\t<Jitter>PT43200S</Jitter>\n\t\t\t<InceptionOffset>PT3600S</InceptionOffset>\n\t\t</Signatures>\n'
	printf '\t\t<Denial>\n\t\t\t<NSEC3>\n\t\t\t\t<Hash>\n\t\t\t\t\t<Algorithm>1</Algorithm>\n\t\t\t\t\t<Iterations>5</Iterations>\n'
	printf '\t\t\t\t\t<Salt>%s</Salt>\n\t\t\t\t</Hash>\n\t\t\t</NSEC3>\n\t\t</Denial>\n' "$SALT"
	printf '\t\t<Keys>\n\t\t\t<TTL>PT3600S</TTL>\n'
	sc_key 257 "$KSK" KSK Publish
	sc_key 256 "$ZSK" ZSK Publish
	printf '\t\t</Keys>\n\t\t<SOA>\n\t\t\t<TTL>PT3600S</TTL>\n\t\t\t<Minimum>PT3600S</Minimum>\n\t\t\t<Serial>unixtime</Serial>\n\t\t</SOA>\n'
	printf '\t</Zone>\n</SignerConfiguration>\n'
} > "$T/gold.xml"
cmp -s "$T/gold.xml" "$SC/new.example.xml"
_st=$?
ok $_st "new zone: the signconf is the golden text"
[ $_st = 0 ] || diag "$(diff "$T/gold.xml" "$SC/new.example.xml")"

# a second run at the same time: nothing to do
_db=$(db_fingerprint)
_sc=$(stamp "$SC/new.example.xml")
enf "new zone, again"
is "$(db_fingerprint)" "$_db" "again: the database is unchanged"
is "$(stamp "$SC/new.example.xml")" "$_sc" "again: the signconf is not rewritten (inode, mtime)"
has "No change to: $SC/new.example.xml" "again: 'No change to:' logged"
is "$notified" "" "again: the signer is not called"
hasnt "Called signer engine" "again: no 'Called signer engine'"
hasnt "Created " "again: no key created"
delzone new.example

# ------------------------------------------------ helpers of the walks below
# sc ZONE: the keys of the zone's signconf (sc_keys)
sc() { sc_keys "$SC/$1.xml"; }
# quiet NAME ZONE: the last run changed nothing for the zone's signconf and
# told no signer
quiet() {
	has "No change to: $SC/$2.xml" "$1: signconf unchanged"
	is "$(printf '%s\n' "$notified" | grep -cFx "$2")" 0 "$1: the signer is not called"
}
# changed NAME ZONE: the last run rewrote the signconf and told the signer once
changed() {
	hasnt "No change to: $SC/$2.xml" "$1: signconf rewritten"
	is "$(printf '%s\n' "$notified" | grep -cFx "$2")" 1 "$1: the signer is called once"
	has "Called signer engine: $T/notify $2" "$1: 'Called signer engine' logged"
}
# ksk_live ZONE T: the zone's first KSK, published at T, is ready at
# T + publish wait: run then and say ds-seen, so the zone has an active KSK
ksk_live() {
	at $(($2 + PUBLISH_WAIT))
	enf "$1: first KSK ready"
	kcmd key ds-seen --zone "$1" --cka_id "$(keys "$1" 257)"
	is "$rc" 0 "$1: ds-seen on the first KSK"
	[ "$rc" = 0 ] || diag "$out $err"
}

# ================================================== 2. a full ZSK rollover
T2=$(date -u -d '2020-01-02 00:00:00' +%s)
Z=zsk.example
at "$T2"
addzone $Z labz
enf "ZSK roll: first run"
A=$(keys $Z 256)
K=$(keys $Z 257)
changed "ZSK roll: first run" $Z
is "$(row "$A")" "$(want 4 "$T2" "" "$T2" $((T2 + LZ)) "")" "ZSK roll: A active, retire = now + Lz"
is "$(sc $Z)" "257 $K KSK,Publish
256 $A ZSK,Publish" "ZSK roll: signconf: K signs keys, A signs"
valid "$SC/$Z.xml" "ZSK roll: the signconf validates"
ksk_live $Z "$T2"

TP=$((T2 + LZ - WINDOW))   # A's retire date comes within plan_window
at $((TP - 1))
enf "ZSK roll: just before the successor's time"
is "$(keys $Z 256)" "$A" "ZSK roll: no successor yet"
quiet "ZSK roll: just before" $Z
at "$TP"
enf "ZSK roll: successor's time"
B=$(keys $Z 256 | grep -vx "$A")
like "$B" '^[0-9a-f]{32}$' "ZSK roll: successor B allocated"
has "1 new ZSK(s) (256 bits) need to be created for policy labz: keys_to_generate(1) = keys_needed(1) - keys_available(0)." \
	"ZSK roll: log: one ZSK to create (A no longer counts)"
has "No new KSKs need to be created." "ZSK roll: log: no KSK to create"
is "$(row "$B")" "$(want 2 "$TP" $((TP + PUBLISH_WAIT)) "" "" "")" \
	"ZSK roll: B published now, ready = now + TTLk + Dz + Sp"
is "$(row "$A")" "$(want 4 "$T2" "" "$T2" $((T2 + LZ)) "")" "ZSK roll: A still active"
is "$(sc $Z)" "257 $K KSK,Publish
256 $A ZSK,Publish
256 $B Publish" "ZSK roll: signconf: B published, not signing"
changed "ZSK roll: B published" $Z
kcmd key list --zone $Z
is "$(printf '%s\n' "$out" | awk '$2 == "ZSK" { $1 = $2 = ""; print substr($0, 3) }')" "active $(d2s $((T2 + LZ)))
publish $(d2s $((TP + PUBLISH_WAIT)))" "ZSK roll: key list: A's retire date, B's ready date"
valid "$SC/$Z.xml" "ZSK roll: the signconf validates"

at $((TP + PUBLISH_WAIT - 1))
enf "ZSK roll: just before B is ready"
is "$(row "$B" | cut -d'|' -f1)" 2 "ZSK roll: B still published"
quiet "ZSK roll: just before ready" $Z
at $((TP + PUBLISH_WAIT))
enf "ZSK roll: B ready"
is "$(row "$B")" "$(want 3 "$TP" $((TP + PUBLISH_WAIT)) "" "" "")" "ZSK roll: B ready now"
quiet "ZSK roll: B ready (no change to the DNSKEY set)" $Z

TR=$((T2 + LZ))
at $((TR - 1))
enf "ZSK roll: just before A's retire date"
is "$(row "$A" | cut -d'|' -f1)|$(row "$B" | cut -d'|' -f1)" "4|3" "ZSK roll: A active, B ready"
quiet "ZSK roll: just before the retire date" $Z
at "$TR"
enf "ZSK roll: A's retire date"
is "$(row "$B")" "$(want 4 "$TP" $((TP + PUBLISH_WAIT)) "$TR" $((TR + LZ)) "")" \
	"ZSK roll: B active now, retire = now + Lz"
is "$(row "$A")" "$(want 5 "$T2" "" "$T2" "$TR" $((TR + ZSK_RETIRE_WAIT)))" \
	"ZSK roll: A retired now, dead = now + max(Vd, Vdenial) + Dz + Sr"
has "INFO: ZSK has been rolled for $Z " "ZSK roll: log: 'ZSK has been rolled' (trailing space)"
is "$(sc $Z)" "257 $K KSK,Publish
256 $A Publish
256 $B ZSK,Publish" "ZSK roll: signconf: B signs, A only published"
changed "ZSK roll: rolled" $Z

TD=$((TR + ZSK_RETIRE_WAIT))
at $((TD - 1))
enf "ZSK roll: just before A is dead"
is "$(row "$A" | cut -d'|' -f1)" 5 "ZSK roll: A still retired"
quiet "ZSK roll: just before dead" $Z
at "$TD"
enf "ZSK roll: A dead"
is "$(row "$A")" "$(want 6 "$T2" "" "$T2" "$TR" "$TD")" "ZSK roll: A dead now"
is "$(sc $Z)" "257 $K KSK,Publish
256 $B ZSK,Publish" "ZSK roll: signconf: A gone"
changed "ZSK roll: A dead" $Z
valid "$SC/$Z.xml" "ZSK roll: the signconf validates"

at $((TD + PURGE - 1))
enf "ZSK roll: just before A's purge"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id = '$A'")" 1 "ZSK roll: A not purged yet"
hasnt "Key remove successful" "ZSK roll: log: nothing removed yet"
at $((TD + PURGE))
enf "ZSK roll: A purged"
has "Key remove successful: $A" "ZSK roll: log: A removed"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id = '$A'"):$(db_sql "SELECT count(*) FROM dnsseckeys d, keypairs k
	WHERE d.keypair_id = k.id AND k.HSMkey_id = '$A'")" "0:0" "ZSK roll: A's rows are gone"
! hsm_has "$A"
ok $? "ZSK roll: A is gone from the token"
hsm_has "$B" && hsm_has "$K"
ok $? "ZSK roll: B and K stay on the token"
quiet "ZSK roll: purge" $Z
delzone $Z

# ================================================== 3. a KSK rollover finished by ds-seen
# export_dnskey ZONE CKA: the DNSKEY record `key export` prints for the key
export_dnskey() {
	kcmd key export --zone "$1" --keystate "$(row "$2" | cut -d'|' -f1 | sed 's/^3$/READY/; s/^4$/ACTIVE/; s/^9$/DSREADY/; s/^7$/DSSUB/; s/^8$/DSPUBLISH/')"
	printf '%s\n' "$out" | grep "$(printf '\tDNSKEY\t257 ')" | grep -F "$(hsm_b64 "$2")"
}
# hsm_b64 CKA: the key's public key in base64, as the token gives it
hsm_b64() { "$HSMUTIL" -c "$T/conf.xml" dnskey "$1" x 13 2> /dev/null | awk '{ print $8 }'; }
# nocomment: the records without ldns's ";{id = ...}" comment
nocomment() { sed 's/ *;{id = [^}]*}$//'; }
# ds_log: the DNSKEY lines the last run logged for the DS set
ds_log() { printf '%s\n' "$log" | sed -n '/^DS Record set has changed/,/^Once the new DS records/p' | grep ' DNSKEY '; }

T3=$(date -u -d '2020-01-05 00:00:00' +%s)
Z=ksk.example
at "$T3"
addzone $Z labk
enf "KSK roll: first run"
K1=$(keys $Z 257)
ZK=$(keys $Z 256)
is "$(row "$K1")" "$(want 2 "$T3" $((T3 + PUBLISH_WAIT)) "" "" "")" "KSK roll: K1 published, ready = now + TTLk + Dz + Sp"
is "$ds" "" "KSK roll: no DS yet"
hasnt "DSChanged" "KSK roll: log: no DSChanged on the first run"
at $((T3 + PUBLISH_WAIT - 1))
enf "KSK roll: just before K1 is ready"
is "$(row "$K1" | cut -d'|' -f1)" 2 "KSK roll: K1 still published"
hasnt "WARNING: KSK rollover for zone '$Z' not completed" \
	"KSK roll: log: no 'KSK rollover not completed' while the first KSK is on its way"
is "$ds" "" "KSK roll: still no DS"
at $((T3 + PUBLISH_WAIT))
enf "KSK roll: K1 ready"
is "$(row "$K1")" "$(want 3 "$T3" $((T3 + PUBLISH_WAIT)) "" "" "")" "KSK roll: K1 ready now"
quiet "KSK roll: K1 ready" $Z
X1=$(export_dnskey $Z "$K1")
like "$X1" "^$Z\.	300	IN	DNSKEY	257 3 13 " "KSK roll: key export prints K1's DNSKEY"
is "$ds" "$(printf '%s\n' "$X1" | nocomment)" "KSK roll: the DS submit command gets exactly K1's DNSKEY record"
is "$(tail -c 1 "$T/ds.log" | od -An -c | tr -d ' ')" '\n' "KSK roll: the record on stdin ends with a newline (Q11)"
has "INFO: New DS records needed for the zone $Z; details will follow" "KSK roll: log: new DS records needed"
has "DSChanged" "KSK roll: log: DSChanged"
has "DS Record set has changed, the current set looks like:" "KSK roll: log: the DS set follows"
is "$(ds_log)" "$(printf '%s\n' "$X1" | tr '\t' ' ')" "KSK roll: log: K1's DNSKEY, tabs as spaces, with its comment"
has "Once the new DS records are seen in DNS please issue the ds-seen command for zone $Z with the following cka_ids, $K1" \
	"KSK roll: log: asks for ds-seen with K1's cka_id"
has "WARNING: New KSK has reached the ready state; please submit the DS for $Z and use ods-ksmutil key ds-seen when the DS appears in the DNS." \
	"KSK roll: log: the ready warning"
at $((T3 + PUBLISH_WAIT + 1))
enf "KSK roll: K1 waits for ds-seen"
is "$ds" "" "KSK roll: the DS is submitted once"
hasnt "DSChanged" "KSK roll: log: no DSChanged again"
is "$(row "$K1" | cut -d'|' -f1)" 3 "KSK roll: K1 still ready"

TS=$((T3 + 4000))
at "$TS"
kcmd key ds-seen --zone $Z --cka_id "$K1"
is "$rc" 0 "KSK roll: ds-seen K1 exits 0"
like "$out" "^Found key with CKA_ID $K1\$" "KSK roll: ds-seen: found K1"
like "$out" "^Key $K1 made active\$" "KSK roll: ds-seen: K1 made active"
is "$(row "$K1")" "$(want 4 "$T3" $((T3 + PUBLISH_WAIT)) "$TS" $((TS + LK)) "")" \
	"KSK roll: K1 active now, retire = now + Lk"
enf "KSK roll: after ds-seen"
is "$(row "$K1")" "$(want 4 "$T3" $((T3 + PUBLISH_WAIT)) "$TS" $((TS + LK)) "")" "KSK roll: the daemon keeps K1's dates"
hasnt "WARNING: New KSK has reached the ready state" "KSK roll: log: no ready warning"
quiet "KSK roll: after ds-seen" $Z

TP=$((TS + LK - WINDOW))
at $((TP - 1))
enf "KSK roll: just before K2's time"
is "$(keys $Z 257)" "$K1" "KSK roll: no K2 yet"
quiet "KSK roll: just before K2" $Z
at "$TP"
enf "KSK roll: K2's time"
K2=$(keys $Z 257 | grep -vx "$K1")
like "$K2" '^[0-9a-f]{32}$' "KSK roll: K2 allocated"
# KSK and ZSK settings are one pool: the log's role words are the pool's accounting
is "$(printf '%s\n' "$log" | grep -c '^Created [KZ]SK size: ')|$(printf '%s\n' "$log" | grep -c "^Created [KZ]SK size: 256, alg: 13 with id: $K2 in repository: SoftHSM and database\.\$")" \
	"1|1" "KSK roll: log: one key created, K2"
is "$(row "$K2")" "$(want 2 "$TP" $((TP + PUBLISH_WAIT)) "" "" "")" "KSK roll: K2 published now"
is "$(sc $Z)" "257 $K1 KSK,Publish
257 $K2 KSK,Publish
256 $ZK ZSK,Publish" "KSK roll: signconf: both KSKs sign the DNSKEY set"
changed "KSK roll: K2 published" $Z
is "$ds" "" "KSK roll: no DS on publication"
at $((TP + PUBLISH_WAIT - 1))
enf "KSK roll: just before K2 is ready"
is "$(row "$K2" | cut -d'|' -f1):$ds" "2:" "KSK roll: K2 still published, no DS"
at $((TP + PUBLISH_WAIT))
enf "KSK roll: K2 ready"
is "$(row "$K2")" "$(want 3 "$TP" $((TP + PUBLISH_WAIT)) "" "" "")" "KSK roll: K2 ready now"
X2=$(export_dnskey $Z "$K2")
like "$X2" "^$Z\.	300	IN	DNSKEY	257 3 13 " "KSK roll: key export prints K2's DNSKEY"
is "$ds" "$(printf '%s\n' "$X2" | nocomment)" "KSK roll: the DS set submitted is K2 alone (state_ds_set)"
has "Once the new DS records are seen in DNS please issue the ds-seen command for zone $Z with the following cka_ids, $K2" \
	"KSK roll: log: asks for ds-seen with K2's cka_id"
hasnt "WARNING: New KSK has reached the ready state" "KSK roll: log: no ready warning before K1's retire date"
kcmd rollover list --zone $Z
# rows by zone, in no particular order within it
is "$rc:$(printf '%s\n' "$out" | sed -n 1,2p)" "0:Rollovers:
Zone:                           Keytype:      Rollover expected:" "KSK roll: rollover list: the header"
is "$(printf '%s\n' "$out" | sed 1,2d | sort)" "$(printf '%-31s %-13s %s' $Z KSK "$(d2s $((TS + LK)))")
$(printf '%-31s %-13s %s' $Z KSK 'waiting for ds-seen')
$(printf '%-31s %-13s %s' $Z ZSK "$(d2s $((T3 + LONG)))")" "KSK roll: rollover list: K1's retire date, K2 waiting for ds-seen"
quiet "KSK roll: K2 ready" $Z

TK=$((TS + LK))
at "$TK"
enf "KSK roll: K1's retire date"
has "WARNING: New KSK has reached the ready state; please submit the DS for $Z and use ods-ksmutil key ds-seen when the DS appears in the DNS." \
	"KSK roll: log: the ready warning at K1's retire date"
is "$(row "$K1" | cut -d'|' -f1):$(row "$K2" | cut -d'|' -f1)" "4:3" "KSK roll: K1 stays active past its retire date (Q20)"
is "$ds" "" "KSK roll: the DS is not submitted again"
at $((TK + 3600))
enf "KSK roll: an interval later"
is "$(nlog "WARNING: New KSK has reached the ready state; please submit the DS for $Z and use ods-ksmutil key ds-seen when the DS appears in the DNS.")" 1 \
	"KSK roll: log: the ready warning again, once"
TD=$((TK + 3700))
at "$TD"
kcmd key ds-seen --zone $Z --cka_id "$K2"
is "$rc" 0 "KSK roll: ds-seen K2 exits 0"
like "$out" "^Key $K2 made active\$" "KSK roll: ds-seen: K2 made active"
like "$out" "^Old key retired\$" "KSK roll: ds-seen: old key retired"
is "$(row "$K2")" "$(want 4 "$TP" $((TP + PUBLISH_WAIT)) "$TD" $((TD + LK)) "")" "KSK roll: K2 active now"
is "$(row "$K1")" "$(want 5 "$T3" $((T3 + PUBLISH_WAIT)) "$TS" "$TD" $((TD + KSK_RETIRE_WAIT)))" \
	"KSK roll: K1 retired now, dead = now + TTLds + Dp + Sr"
enf "KSK roll: after the second ds-seen"
is "$(row "$K1")" "$(want 5 "$T3" $((T3 + PUBLISH_WAIT)) "$TS" "$TD" $((TD + KSK_RETIRE_WAIT)))" \
	"KSK roll: the daemon keeps K1's dead date"
hasnt "WARNING: New KSK has reached the ready state" "KSK roll: log: no ready warning any more"
quiet "KSK roll: K1 retired still signs" $Z
at $((TD + KSK_RETIRE_WAIT - 1))
enf "KSK roll: just before K1 is dead"
is "$(row "$K1" | cut -d'|' -f1)" 5 "KSK roll: K1 still retired"
quiet "KSK roll: just before dead" $Z
at $((TD + KSK_RETIRE_WAIT))
enf "KSK roll: K1 dead"
is "$(row "$K1")" "$(want 6 "$T3" $((T3 + PUBLISH_WAIT)) "$TS" "$TD" $((TD + KSK_RETIRE_WAIT)))" "KSK roll: K1 dead now"
is "$(sc $Z)" "257 $K2 KSK,Publish
256 $ZK ZSK,Publish" "KSK roll: signconf: K1 gone"
changed "KSK roll: K1 dead" $Z
is "$ds" "" "KSK roll: no DS when the old KSK dies"
delzone $Z

# ================================================== 4. manual and emergency ZSK rollovers
MANUAL_DUE() { printf 'INFO: Manual rollover due for ZSK of zone %s' "$1"; }
NOT_COMPLETED() {
	printf "WARNING: ZSK rollover for zone '%s' not completed as there are no keys in the 'ready' state; ods-enforcerd will try again when it runs next" "$1"
}
T4=$(date -u -d '2020-01-09 00:00:00' +%s)
Z=manual.example
at "$T4"
addzone $Z labm
enf "manual: first run"
A=$(keys $Z 256)
K=$(keys $Z 257)
ksk_live $Z "$T4"
TP=$((T4 + LZ - WINDOW))
at "$TP"
enf "manual: successor's time"
B=$(keys $Z 256 | grep -vx "$A")
is "$(row "$B")" "$(want 2 "$TP" $((TP + PUBLISH_WAIT)) "" "" "")" "manual: B published as usual"
hasnt "$(MANUAL_DUE $Z)" "manual: log: no rollover due yet"
at $((TP + PUBLISH_WAIT))
enf "manual: B ready"
is "$(row "$B" | cut -d'|' -f1)" 3 "manual: B ready"
hasnt "$(MANUAL_DUE $Z)" "manual: log: no rollover due before the retire date"
TR=$((T4 + LZ))
at $((TR - 1))
enf "manual: just before the retire date"
hasnt "$(MANUAL_DUE $Z)" "manual: log: no rollover due a second before"
at "$TR"
enf "manual: the retire date"
is "$(nlog "$(MANUAL_DUE $Z)")" 1 "manual: log: 'Manual rollover due' at the retire date"
is "$(row "$A" | cut -d'|' -f1):$(row "$B" | cut -d'|' -f1)" "4:3" "manual: A stays active, B waits in ready"
hasnt "has been rolled" "manual: log: nothing rolled"
quiet "manual: the retire date" $Z
at $((TR + INTERVAL))
enf "manual: an interval later"
is "$(nlog "$(MANUAL_DUE $Z)")" 1 "manual: log: 'Manual rollover due' again"
is "$(row "$A" | cut -d'|' -f1):$(row "$B" | cut -d'|' -f1)" "4:3" "manual: still A active, B ready"
TX=$((TR + INTERVAL + 400))
at "$TX"
kcmd key rollover --zone $Z --keytype ZSK
is "$rc" 0 "manual: key rollover exits 0"
like "$out" "^Manual key rollover for key type zsk on zone $Z initiated\$" "manual: key rollover: initiated"
is "$(db_sql "SELECT compromisedflag, fixedDate FROM keypairs WHERE HSMkey_id = '$A'")" "1|1" \
	"manual: key rollover flags A's key pair"
is "$(row "$A")" "$(want 4 "$T4" "" "$T4" "$TX" "")" "manual: key rollover sets A's retire date to now"
at $((TX + 60))
enf "manual: the run after key rollover"
is "$(row "$B")" "$(want 4 "$TP" $((TP + PUBLISH_WAIT)) "$NOW" $((NOW + LZ)) "")" "manual: B active now"
is "$(row "$A")" "$(want 5 "$T4" "" "$T4" "$NOW" $((NOW + ZSK_RETIRE_WAIT)))" \
	"manual: A retired now, dead = now + max(Vd, Vdenial) + Dz + Sr"
has "INFO: ZSK has been rolled for $Z " "manual: log: ZSK has been rolled"
hasnt "$(MANUAL_DUE $Z)" "manual: log: no rollover due any more"
is "$(sc $Z)" "257 $K KSK,Publish
256 $A Publish
256 $B ZSK,Publish" "manual: signconf: B signs, A only published"
changed "manual: rolled" $Z
delzone $Z

# emergency: key rollover long before the retire date, no successor anywhere
T5=$(date -u -d '2020-01-12 00:00:00' +%s)
Z=emergency.example
at "$T5"
addzone $Z labe
enf "emergency: first run"
A=$(keys $Z 256)
K=$(keys $Z 257)
ksk_live $Z "$T5"
TE=$((T5 + 7200))
at "$TE"
kcmd key rollover --zone $Z --keytype ZSK
is "$rc" 0 "emergency: key rollover exits 0"
enf "emergency: the run after key rollover"
B=$(keys $Z 256 | grep -vx "$A")
like "$B" '^[0-9a-f]{32}$' "emergency: a successor B is allocated"
is "$(row "$B")" "$(want 2 "$TE" $((TE + PUBLISH_WAIT)) "" "" "")" "emergency: B published now"
is "$(row "$A")" "$(want 4 "$T5" "" "$T5" "$TE" "")" "emergency: A still active (nothing to replace it)"
has "$(NOT_COMPLETED $Z)" "emergency: log: ZSK rollover not completed"
is "$(sc $Z)" "257 $K KSK,Publish
256 $A ZSK,Publish
256 $B Publish" "emergency: signconf: B published"
changed "emergency: B published" $Z
at $((TE + PUBLISH_WAIT - 1))
enf "emergency: just before B is ready"
has "$(NOT_COMPLETED $Z)" "emergency: log: still not completed"
is "$(row "$A" | cut -d'|' -f1):$(row "$B" | cut -d'|' -f1)" "4:2" "emergency: A active, B published"
quiet "emergency: waiting" $Z
at $((TE + PUBLISH_WAIT))
enf "emergency: B ready"
is "$(row "$B")" "$(want 4 "$TE" "$NOW" "$NOW" $((NOW + LZ)) "")" "emergency: B ready and active now"
is "$(row "$A")" "$(want 5 "$T5" "" "$T5" "$NOW" $((NOW + ZSK_RETIRE_WAIT)))" "emergency: A retired now"
has "INFO: ZSK has been rolled for $Z " "emergency: log: ZSK has been rolled"
hasnt "$(NOT_COMPLETED $Z)" "emergency: log: no more 'not completed'"
is "$(sc $Z)" "257 $K KSK,Publish
256 $A Publish
256 $B ZSK,Publish" "emergency: signconf: B signs"
changed "emergency: rolled" $Z
delzone $Z

# ================================================== 5. zone delete with keys, then the purge
T6=$(date -u -d '2020-01-14 00:00:00' +%s)
at "$T6"
addzone del.example labd
addzone keep.example labd
enf "delete: first run"
DK=$(keys del.example 257)
DZ=$(keys del.example 256)
KK=$(keys keep.example 257)
KZ=$(keys keep.example 256)
is "$(printf '%s\n' "$DK" "$DZ" "$KK" "$KZ" | sort -u | grep -c '^[0-9a-f]\{32\}$')" 4 \
	"delete: two zones, four distinct keys"
DID=$(zid del.example)
at $((T6 + 600))
enf "delete: a later run"
kcmd zone delete --zone del.example --no-xml
TX=$NOW
is "$rc:$out" "0:Deleted zone: del.example from database only, please run \"ods-ksmutil zonelist export\" to update zonelist.xml" \
	"delete: zone delete --no-xml"
[ ! -e "$SC/del.example.xml" ] && [ -f "$SC/del.example.xml.ZONE_DELETED" ]
ok $? "delete: the signconf is renamed *.ZONE_DELETED"
is "$(zid del.example)" "" "delete: the zone row is gone"
is "$(row "$DK" "$DID")" "$(want 6 "$T6" $((T6 + PUBLISH_WAIT)) "" "" "$TX")" "delete: the KSK allocation is dead now"
is "$(row "$DZ" "$DID")" "$(want 6 "$T6" "" "$T6" $((T6 + LZ)) "$TX")" "delete: the ZSK allocation is dead now"
is "$(db_sql "SELECT count(*) FROM dnsseckeys WHERE zone_id = $DID AND state <> 6")" 0 "delete: no live allocation left"
is "$(row "$KK" | cut -d'|' -f1):$(row "$KZ" | cut -d'|' -f1)" "2:4" "delete: the other zone's keys are untouched"
at $((TX + 60))
enf "delete: the run after"
hasnt "del.example" "delete: log: the zone is not processed"
[ ! -e "$SC/del.example.xml" ]
ok $? "delete: no signconf is written for it"
at $((TX + PURGE - 1))
enf "delete: just before the purge"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id IN ('$DK', '$DZ')")" 2 "delete: not purged yet"
hasnt "Key remove successful: $DK" "delete: log: nothing removed yet"
at $((TX + PURGE))
enf "delete: the purge"
has "Key remove successful: $DK" "delete: log: the KSK removed"
has "Key remove successful: $DZ" "delete: log: the ZSK removed"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id IN ('$DK', '$DZ')"):$(db_sql "SELECT count(*) FROM dnsseckeys WHERE zone_id = $DID")" \
	"0:0" "delete: the key pairs and allocations are gone"
! hsm_has "$DK" && ! hsm_has "$DZ"
ok $? "delete: the keys are gone from the token"
hsm_has "$KK" && hsm_has "$KZ"
ok $? "delete: the other zone's keys stay on the token"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id IN ('$KK', '$KZ')")" 2 "delete: the other zone's keys stay"
delzone keep.example

# ================================================== 6. RequireBackup
T7=$(date -u -d '2020-01-15 00:00:00' +%s)
Z=backup.example
BACKUP_ERR="ERROR: Trying to make non-backed up ZSK active when RequireBackup flag is set"
at "$T7"
addzone $Z labb
enf "backup: first run" "^ods-enforcerd: ($BACKUP_ERR|Signconf not written for $Z)\$"
has "NOTE: keys generated in repository Vault will not become active until they have been backed up" \
	"backup: log: the NOTE on new keys"
has "$BACKUP_ERR" "backup: log: the ZSK is not made active"
has "Signconf not written for $Z" "backup: log: signconf not written"
[ ! -e "$SC/$Z.xml" ]
ok $? "backup: no signconf"
is "$notified" "" "backup: the signer is not called"
is "$(db_sql "SELECT count(*) FROM dnsseckeys WHERE zone_id = $(zid $Z) AND state IN (2, 3, 4)")" 0 \
	"backup: no key of the zone is published or active"
is "$(db_sql "SELECT count(*) FROM keypairs k, securitymodules s WHERE k.securitymodule_id = s.id
	AND s.name = 'Vault' AND k.backup IS NULL")" 2 "backup: two unbacked keys in Vault"
at $((T7 + 60))
enf "backup: still not backed up" "^ods-enforcerd: ($BACKUP_ERR|Signconf not written for $Z)\$"
has "$BACKUP_ERR" "backup: log: refused again"
hasnt "Created " "backup: no more keys created"
[ ! -e "$SC/$Z.xml" ]
ok $? "backup: still no signconf"
at $((T7 + 120))
kcmd backup prepare
like "$rc:$out" "^0:Marked all repositories as pre-backed up at $NOW_S\$" "backup: backup prepare"
kcmd backup commit
like "$rc:$out" "^0:Marked all repositories as backed up at $NOW_S\$" "backup: backup commit"
at $((T7 + 180))
enf "backup: backed up"
ZB=$(keys $Z 256)
KB=$(keys $Z 257)
is "$(row "$ZB")" "$(want 4 "$NOW" "" "$NOW" $((NOW + LZ)) "")" "backup: the ZSK is active now"
is "$(row "$KB")" "$(want 2 "$NOW" $((NOW + PUBLISH_WAIT)) "" "" "")" "backup: the KSK is published now"
hasnt "non-backed up" "backup: log: no backup complaint"
has "INFO: Promoting ZSK from publish to active as this is the first pass for the zone" "backup: log: first pass promotion"
is "$(sc $Z)" "257 $KB KSK,Publish
256 $ZB ZSK,Publish" "backup: the signconf"
changed "backup: backed up" $Z
delzone $Z

# ================================================== 7. a standby KSK (Appendix B.1)
# standby.example: the first KSK goes live, then the standby's DS; early.example
# (same policy, same times): the standby's DS is seen before the first KSK is ready
T8=$(date -u -d '2020-01-16 00:00:00' +%s)
Z=standby.example
E=early.example
# zds ZONE: the records the DS submit command got for the zone, sorted
zds() { printf '%s\n' "$ds" | grep "^$1\." | sort; }
at "$T8"
addzone $Z labs
addzone $E labs
enf "standby: first run"
K1=$(kstate $Z 257 2)
KS=$(kstate $Z 257 7)
Z1=$(kstate $Z 256 4)
Z2=$(kstate $Z 256 2)
EK1=$(kstate $E 257 2)
EKS=$(kstate $E 257 7)
is "$(printf '%s\n' "$K1" "$KS" "$Z1" "$Z2" | sort -u | grep -c '^[0-9a-f]\{32\}$')" 4 \
	"standby: one KSK published, one in dssub, one ZSK active, one published"
is "$(row "$KS")" "$(want 7 "$T8" "" "" "" "")" "standby: the standby KSK submitted now"
is "$(row "$K1")" "$(want 2 "$T8" $((T8 + PUBLISH_WAIT)) "" "" "")" "standby: K1 published now"
is "$(row "$Z2")" "$(want 2 "$T8" $((T8 + PUBLISH_WAIT)) "" "" "")" "standby: the standby ZSK published now"
is "$(sc $Z)" "257 $K1 KSK,Publish
256 $Z1 ZSK,Publish
256 $Z2 Publish" "standby: signconf: the standby KSK is not in it"
valid "$SC/$Z.xml" "standby: the signconf validates"
is "$ds" "" "standby: no DS submitted on the first run"
kcmd key list --zone $Z
is "$(printf '%s\n' "$out" | awk '$2 == "KSK" { $1 = $2 = ""; print substr($0, 3) }' | sort)" "dssub waiting for ds-seen
publish $(d2s $((T8 + PUBLISH_WAIT)))" "standby: key list: KSK publish and dssub"

# early.example: ds-seen on the standby at once; its DS is ready before K1 is
TS=$((T8 + 60))
at "$TS"
kcmd key ds-seen --zone $E --cka_id "$EKS"
is "$rc" 0 "standby early: ds-seen on the standby exits 0"
like "$out" "^Key $EKS made into standby\$" "standby early: ds-seen: made into standby"
is "$(row "$EKS")" "$(want 8 "$TS" $((TS + DS_WAIT)) "" "" "")" \
	"standby early: dspublish now, ready = now + TTLds + Dp + Sp"
at $((TS + DS_WAIT - 1))
enf "standby early: just before dsready"
is "$(row "$EKS" | cut -d'|' -f1)" 8 "standby early: still dspublish"
at $((TS + DS_WAIT))
enf "standby early: dsready"
is "$(row "$EKS")" "$(want 9 "$TS" $((TS + DS_WAIT)) "" "" "")" \
	"standby early: dsready now"
is "$(printf '%s\n' "$notified" | grep -cFx $E)" 0 \
	"standby early: dsready: the signer is not called"
hasnt "WARNING: KSK rollover for zone '$E' not completed" "standby early: log: no KSK rollover is due"

at $((T8 + PUBLISH_WAIT))
enf "standby: K1 ready"
is "$(row "$K1")" "$(want 3 "$T8" $((T8 + PUBLISH_WAIT)) "" "" "")" "standby: K1 ready now"
is "$(row "$Z2" | cut -d'|' -f1)" 3 "standby: the standby ZSK ready"
kcmd key export --zone $Z
X=$(printf '%s\n' "$out" | grep "$(printf '\tDNSKEY\t257 ')" | nocomment | sort)
is "$(printf '%s\n' "$X" | wc -l)" 2 "standby: key export prints K1 and the standby"
is "$(zds $Z)" "$X" "standby: the DS submission holds K1 and the standby"
has "Once the new DS records are seen in DNS please issue the ds-seen command for zone $Z with the following cka_ids$(
	db_sql "SELECT HSMkey_id FROM keypairs WHERE HSMkey_id IN ('$K1', '$KS') ORDER BY id" |
	sed 's/^/, /' | tr -d '\n')" "standby: log: both cka_ids, in key pair order"
kcmd key export --zone $E
is "$(zds $E)" "$(printf '%s\n' "$out" | grep "$(printf '\tDNSKEY\t257 ')" | nocomment | sort)" \
	"standby early: the DS submission holds K1 and the standby"
is "$(zds $E | wc -l)" 2 "standby early: two records"

TA=$((T8 + 1000))
at "$TA"
kcmd key ds-seen --zone $Z --cka_id "$K1"
like "$out" "^Key $K1 made active\$" "standby: ds-seen K1: made active"
is "$(row "$K1")" "$(want 4 "$T8" $((T8 + PUBLISH_WAIT)) "$TA" $((TA + 172800)) "")" "standby: K1 active now"
kcmd key ds-seen --zone $Z --cka_id "$KS"
like "$out" "^Key $KS made into standby\$" "standby: ds-seen on the standby: made into standby"
is "$(row "$KS")" "$(want 8 "$TA" $((TA + DS_WAIT)) "" "" "")" \
	"standby: dspublish now, ready = now + TTLds + Dp + Sp"
at $((TA + DS_WAIT - 1))
enf "standby: just before dsready"
is "$(row "$KS" | cut -d'|' -f1)" 8 "standby: still dspublish"
quiet "standby: dspublish" $Z
at $((TA + DS_WAIT))
enf "standby: dsready"
is "$(row "$KS")" "$(want 9 "$TA" $((TA + DS_WAIT)) "" "" "")" "standby: dsready now"
is "$(zds $Z)" "" "standby: no DS submitted for dsready"
quiet "standby: dsready" $Z
at $((TA + DS_WAIT + INTERVAL))
enf "standby: an interval later"
is "$(row "$KS" | cut -d'|' -f1):$(row "$K1" | cut -d'|' -f1)" "9:4" "standby: the standby stays dsready, K1 active"
is "$(sc $Z)" "257 $K1 KSK,Publish
256 $Z1 ZSK,Publish
256 $Z2 Publish" "standby: signconf: still no standby KSK in it"
quiet "standby: steady" $Z
SID=$(zid $Z)
delzone $Z
is "$(db_sql "SELECT count(*) FROM dnsseckeys WHERE zone_id = $SID AND state <> 6")" 0 \
	"standby: zone delete kills the standby KSK too (Q16)"
delzone $E

# ================================================== 8. shared keys
T9=$(date -u -d '2020-01-17 00:00:00' +%s)
at "$T9"
for z in sh1.example sh2.example sh3.example; do addzone $z labsh; done
enf "shared: first run"
has "Key sharing is On" "shared: log: key sharing is on"
has '3 zone(s) found on policy "labsh"' "shared: log: three zones"
is "$(db_sql "SELECT count(*) FROM keypairs k, policies p WHERE k.policy_id = p.id AND p.name = 'labsh'")" 2 \
	"shared: two key pairs for three zones"
SK=$(keys sh1.example 257)
SZ=$(keys sh1.example 256)
is "$(keys sh2.example 257)|$(keys sh3.example 257)|$(keys sh2.example 256)|$(keys sh3.example 256)" \
	"$SK|$SK|$SZ|$SZ" "shared: the three zones hold the same KSK and ZSK"
like "$SK$SZ" '^[0-9a-f]{64}$' "shared: one KSK and one ZSK"
[ "$SK" != "$SZ" ]
ok $? "shared: the KSK and the ZSK are different key pairs (Q7)"
for z in sh1.example sh2.example sh3.example; do
	is "$(row "$SK" "$(zid $z)"):$(row "$SZ" "$(zid $z)")" \
		"$(want 2 "$T9" $((T9 + PUBLISH_WAIT)) "" "" ""):$(want 4 "$T9" "" "$T9" $((T9 + LZ)) "")" \
		"shared: $z: KSK published, ZSK active"
done
is "$(printf '%s\n' "$notified" | sort | tr '\n' ' ')" "sh1.example sh2.example sh3.example " \
	"shared: the signer is told once per zone"
_n=$(db_sql "SELECT count(*) FROM dnsseckeys")
at $((T9 + 600))
enf "shared: second run"
is "$(db_sql "SELECT count(*) FROM keypairs k, policies p WHERE k.policy_id = p.id AND p.name = 'labsh'")" 2 \
	"shared: second run: no key generated"
is "$(db_sql "SELECT count(*) FROM dnsseckeys")" "$_n" "shared: second run: nothing allocated"
hasnt "Created " "shared: second run: log: nothing created"
is "$notified" "" "shared: second run: no signer call"
# zone add on a shared policy links the keys at once (enforcer.md §3.7)
addzone sh4.example labsh
is "$(keys sh4.example 257)|$(keys sh4.example 256)" "$SK|$SZ" "shared: zone add allocates the shared keys at once"
like "$out" "ZSK key allocation for zone sh4.example: 1 key\(s\) allocated" "shared: zone add: the allocation lines"
enf "shared: a fourth zone"
is "$(keys sh4.example 257)|$(keys sh4.example 256)" "$SK|$SZ" "shared: the fourth zone holds the same keys"
is "$(db_sql "SELECT count(*) FROM keypairs k, policies p WHERE k.policy_id = p.id AND p.name = 'labsh'")" 2 \
	"shared: a fourth zone: no key generated"
is "$notified" "sh4.example" "shared: a fourth zone: its signconf alone is written"

done_testing
