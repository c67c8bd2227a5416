#!/bin/sh
# An OpenDNSSEC 1.4 deployment continued in the middle of its rollovers.
#
# The test writes, row by row, the database 1.4 would have left on a host in
# Amsterdam (dates in local time, as 1.4 stored them; on MySQL in TIMESTAMP
# columns, which keep the instant): five zones on two policies, their key
# pairs made in a SoftHSM token, and
#   roll.example      an ACTIVE ZSK and its successor in PUBLISH
#   retire.example    a ZSK in RETIRE, waiting to die
#   ksk.example       a new KSK READY, waiting for ds-seen, the old one ACTIVE
#                     past its retire date
#   shared-a/-b       a ShareKeys policy (NSEC3): the same key pairs in both
#                     zones, a ZSK roll under way
# `ods-ksmutil database migrate` adopts it, then `ods-enforcerd -1` runs at
# successive ENFORCER_TIMESHIFT times, one second before and at each
# transition 1.4 would make (enforcer.md §3.2/§3.3). The times cross the end
# of summer time (2014-10-26 03:00 CEST -> 02:00 CET), so a wrong conversion
# of the stored local times shows as a transition an hour early or late.
#
# Where our documented fixes (src/enforcer/state.h) move a date away from
# 1.4's, the expectation uses our formula and the comment says which fix:
#   Q1  dates are instants: 1.4 added durations to local-time strings, so a
#       date computed across the DST change was an hour off;
#   Q4  the KSK successor is published I + Sp + Dz + TTLk before the retire
#       date (1.4: I + Sp + Dp + TTLk);
#   Q22 a ZSK stays max(Validity/Default, Validity/Denial) + Dz + Sr after
#       its retirement (1.4: Validity/Default only).
#
# SQLite, and MySQL/MariaDB with ODS_TEST_BACKEND=mysql; skipped on
# PostgreSQL, which 1.4 never supported.
. "$top_srcdir/tests/lib/tap.sh"
[ "${ODS_TEST_BACKEND:-sqlite}" != pgsql ] || skip_all "OpenDNSSEC 1.4 had no PostgreSQL backend"
[ "${TIMESHIFT_BUILT-#}" = "" ] || skip_all "needs a build configured with --enable-timeshift"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

softhsm_available || skip_all "SoftHSMv2 is not installed"
command -v xmllint > /dev/null 2>&1 || skip_all "xmllint is not installed"
softhsm_init "$T/hsm" OpenDNSSEC 2> "$T/softhsm.log" ||
	{ echo "Bail out! cannot make a SoftHSM token: $(cat "$T/softhsm.log")"; exit 1; }
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
# the host 1.4 ran on, and the one we run on
TZ=Europe/Amsterdam
export TZ
LC_ALL=C
export LC_ALL

ENFORCERD="$top_builddir/ods-enforcerd"
HSMUTIL="$top_builddir/ods-hsmutil"
RNG="$top_srcdir/src/enforcer/signconf.rng"
unset ENFORCER_TIMESHIFT

# the signer is not told (there is none); no DS submission command
sed 's|<Interval>PT3600S</Interval>|<Interval>PT3600S</Interval><SignerNotifyCommand></SignerNotifyCommand>|' \
	"$T/conf.xml" > "$T/conf.new" && mv "$T/conf.new" "$T/conf.xml"
mkdir -p "$T/signconf"

# ---- time helpers (local time is Europe/Amsterdam)
# epoch LOCAL : seconds since 1970 of a local "YYYY-MM-DD HH:MM:SS"
epoch() { date -d "$1" +%s; }
# utc LOCAL : the same instant as UTC text, as the adopted database stores it
utc() { date -u -d "@$(epoch "$1")" '+%Y-%m-%d %H:%M:%S'; }
# plus LOCAL SECONDS : LOCAL + SECONDS as an instant, shown in local time
plus() { date -d "@$(($(epoch "$1") + $2))" '+%Y-%m-%d %H:%M:%S'; }
# lit LOCAL : the SQL literal 1.4 would have written for LOCAL ('' = NULL).
# SQLite: the local text. MySQL: the session time zone is UTC below, and a
# TIMESTAMP holds the instant, so the UTC text stores what 1.4's session in
# Amsterdam stored for the local text.
lit() {
	if [ -z "$1" ]; then
		echo NULL
	elif [ "$DB_BACKEND" = mysql ]; then
		echo "'$(utc "$1")'"
	else
		echo "'$1'"
	fi
}

# ---- the policies' timing parameters (seconds)
I=3600                          # conf.xml Enforcer/Interval
# default: the shipped policy's delays, ECDSA P-256 keys, a 30-day ZSK
TTLK=3600; SP=3600; SR=3600; DZ=43200; DP=9999; TTLDS=3600
VD=172800; VDEN=259200          # Validity/Default 2 days, Validity/Denial 3 days
LZ=2592000; LK=31536000; PURGE=86400
# shared: shorter zone delay, longer parent delay, a 10-day KSK
S_DZ=7200; S_DP=36000; S_VD=172800; S_LZ=2592000; S_LK=864000; S_RESALT=259200

IPC=$((TTLK + DZ + SP))                 # PUBLISH -> READY (default)
ZDEAD=$(( (VD > VDEN ? VD : VDEN) + DZ + SR ))  # ZSK RETIRE -> DEAD (Q22)
ZDEAD14=$((VD + DZ + SR))               # what 1.4 used
KDEAD=$((TTLDS + DP + SR))              # KSK RETIRE -> DEAD after ds-seen
S_IPC=$((TTLK + S_DZ + SP))
S_ZDEAD=$((S_VD + S_DZ + SR))           # Validity/Denial = Default here: no Q22 difference
S_KDEAD=$((TTLDS + S_DP + SR))
S_KWIN=$((I + SP + S_DZ + TTLK))        # KSK successor window (Q4)
S_KWIN14=$((I + SP + S_DP + TTLK))      # 1.4's

# ---- key pairs in the token, as 1.4 made them
hsm_gen() {
	"$HSMUTIL" -c "$T/conf.xml" generate SoftHSM ecdsa 256 2>> "$T/hsm.err" |
		sed -n 's/^Key generation successful: //p'
}
hsm_count() {
	"$HSMUTIL" -c "$T/conf.xml" list 2> /dev/null | sed -n 's/^\([0-9][0-9]*\) keys* found\.$/\1/p'
}
hsm_has() {
	"$HSMUTIL" -c "$T/conf.xml" list 2> /dev/null | awk -v id="$1" '$2 == id { f = 1 } END { exit !f }'
}
for k in KA ZA1 ZA2 KB ZBOLD ZBCUR KCOLD KCNEW ZC KS ZS1 ZS2; do
	eval "$k=\$(hsm_gen)"
done
is "$(hsm_count)" 12 "twelve key pairs in the token"

# ---- the 1.4 database
SQL="$T/ods14.sql"
if [ "$DB_BACKEND" = mysql ]; then
	db_sql "$(sed '/installation data/,$d' "$top_srcdir/tests/data/ods14/kasp-1.4.mysql.sql")"
	# a session of 1.4's time (the server's TIMESTAMP defaults, Q13), in UTC
	echo "SET SESSION explicit_defaults_for_timestamp = 0; SET time_zone = '+00:00';" > "$SQL"
else
	sed '/installation data/,$d' "$top_srcdir/tests/data/ods14/kasp-1.4.sqlite.sql" |
		sqlite3 -batch "$DB"
	: > "$SQL"
fi
is "$(db_sql 'SELECT version FROM dbadmin')" 4 "a 1.4 schema (dbadmin version 4)"

# 1.4's importer wrote one row per parameter, found by (name, category)
param() {
	echo "INSERT INTO parameters_policies (parameter_id, policy_id, value)
		SELECT p.id, $1, $4 FROM parameters p JOIN categories c ON c.id = p.category_id
		WHERE p.name = '$2' AND c.name = '$3';" >> "$SQL"
}
policy_params() {
	# POLICY-ID NSEC3(0/1) SHARE DZ DP VD VDEN LZ LK [PURGE]
	param "$1" resign signature 7200
	param "$1" refresh signature 86400
	param "$1" jitter signature 3600
	param "$1" clockskew signature 3600
	param "$1" valdefault signature "$6"
	param "$1" valdenial signature "$7"
	if [ "$2" = 1 ]; then
		param "$1" version denial 3
		param "$1" optout denial 0
		param "$1" ttl denial 3600
		param "$1" resalt denial "$S_RESALT"
		param "$1" algorithm denial 1
		param "$1" iterations denial 5
		param "$1" saltlength denial 8
	else
		param "$1" version denial 1
	fi
	param "$1" ttl keys "$TTLK"
	param "$1" retiresafety keys "$SR"
	param "$1" publishsafety keys "$SP"
	param "$1" zones_share_keys keys "$3"
	[ -n "${10:-}" ] && param "$1" purge keys "${10}"
	param "$1" algorithm ksk 13
	param "$1" bits ksk 256
	param "$1" lifetime ksk "$9"
	param "$1" standby ksk 0
	param "$1" repository ksk 1
	param "$1" rfc5011 ksk 0
	param "$1" manual_rollover ksk 0
	param "$1" algorithm zsk 13
	param "$1" bits zsk 256
	param "$1" lifetime zsk "$8"
	param "$1" standby zsk 0
	param "$1" repository zsk 1
	param "$1" manual_rollover zsk 0
	param "$1" propagationdelay zone "$4"
	param "$1" ttl zone 3600
	param "$1" min zone 3600
	param "$1" serial zone 1
	param "$1" propagationdelay parent "$5"
	param "$1" ttl parent 172800
	param "$1" min parent 10800
	param "$1" ttlds parent "$TTLDS"
}
SALT=a1b2c3d4e5f60718
SALT_STAMP="2014-10-22 09:00:00"        # resalt due 3 days later: 2014-10-25 09:00 CEST
{
	echo "INSERT INTO securitymodules (name, capacity, requirebackup) VALUES ('SoftHSM', 0, 0);"
	echo "INSERT INTO policies (name, description, salt, salt_stamp, audit)
		VALUES ('default', 'migrated from 1.4', NULL, NULL, NULL);"
	echo "INSERT INTO policies (name, description, salt, salt_stamp, audit)
		VALUES ('shared', 'shared keys', '$SALT', $(lit "$SALT_STAMP"), NULL);"
} >> "$SQL"
policy_params 1 0 0 "$DZ" "$DP" "$VD" "$VDEN" "$LZ" "$LK" "$PURGE"
policy_params 2 1 1 "$S_DZ" "$S_DP" "$S_VD" "$S_VD" "$S_LZ" "$S_LK"

zone() { # ID NAME POLICY
	echo "INSERT INTO zones (id, name, policy_id, signconf, input, output, in_type, out_type)
		VALUES ($1, '$2', $3, '$T/signconf/$2.xml', '$T/unsigned/$2', '$T/signed/$2',
		'File', 'File');" >> "$SQL"
}
zone 1 roll.example 1
zone 2 retire.example 1
zone 3 ksk.example 1
zone 4 shared-a.example 2
zone 5 shared-b.example 2

KP=0
keypair() { # VAR POLICY GENERATED: the key pair row; VAR_ID is its id
	KP=$((KP + 1))
	eval "${1}_ID=$KP"
	eval "_cka=\$$1"
	echo "INSERT INTO keypairs (id, HSMkey_id, algorithm, size, securitymodule_id, generate,
		policy_id, compromisedflag, publickey, pre_backup, backup, fixedDate)
		VALUES ($KP, '$_cka', 13, 256, 1, $(lit "$3"), $2, NULL, NULL, NULL, NULL, 0);" >> "$SQL"
}
alloc() { # VAR ZONE KEYTYPE STATE PUBLISH READY ACTIVE RETIRE DEAD (local times, '' = NULL)
	eval "_id=\$${1}_ID"
	echo "INSERT INTO dnsseckeys (keypair_id, zone_id, keytype, state, publish, ready, active,
		retire, dead, rfc5011, revoked)
		VALUES ($_id, $2, $3, $4, $(lit "$5"), $(lit "$6"), $(lit "$7"), $(lit "$8"),
		$(lit "$9"), 0, 0);" >> "$SQL"
}

# roll.example: ZA1 active since 2014-09-25 00:00 with a 30-day lifetime;
# 1.4 published ZA2 at its first hourly run within 15 h (I+Sp+Dz+TTLk) of
# ZA1's retire date, and predicted READY 14 h (TTLk+Dz+Sp) later.
keypair KA 1 "2014-09-01 09:00:00"
keypair ZA1 1 "2014-09-01 09:00:00"
keypair ZA2 1 "2014-10-20 09:00:00"
alloc KA 1 257 4 "2014-09-01 10:00:00" "2014-09-02 00:00:00" "2014-09-03 10:00:00" "2015-09-03 10:00:00" ""
alloc ZA1 1 256 4 "2014-09-24 10:00:00" "2014-09-25 00:00:00" "2014-09-25 00:00:00" "2014-10-25 00:00:00" ""
alloc ZA2 1 256 2 "2014-10-24 09:00:00" "2014-10-24 23:00:00" "" "" ""
# retire.example: ZBOLD retired 2014-10-22 06:00; 1.4 predicted DEAD at
# retire + Vd + Dz + Sr = 2014-10-24 19:00. ZBCUR took over then; 1.4 added
# 30 days to the local text: 2014-11-21 06:00 (CET by then).
keypair KB 1 "2014-09-01 09:00:00"
keypair ZBOLD 1 "2014-09-01 09:00:00"
keypair ZBCUR 1 "2014-09-01 09:00:00"
alloc KB 2 257 4 "2014-09-01 10:00:00" "2014-09-02 00:00:00" "2014-09-03 10:00:00" "2015-09-03 10:00:00" ""
alloc ZBOLD 2 256 5 "2014-09-21 16:00:00" "2014-09-22 06:00:00" "2014-09-22 06:00:00" "2014-10-22 06:00:00" "2014-10-24 19:00:00"
alloc ZBCUR 2 256 4 "2014-10-21 16:00:00" "2014-10-22 06:00:00" "2014-10-22 06:00:00" "2014-11-21 06:00:00" ""
# ksk.example: KCOLD's year ended 2014-10-20 10:00; 1.4 published KCNEW at
# its first run within I+Sp+Dp+TTLk (5 h 47 min) of that, 05:00, READY 14 h
# later. 1.4 asks for the DS and ds-seen; KCOLD stays ACTIVE until then (Q20).
keypair KCOLD 1 "2013-10-19 09:00:00"
keypair KCNEW 1 "2014-10-20 04:00:00"
keypair ZC 1 "2014-09-01 09:00:00"
alloc KCOLD 3 257 4 "2013-10-19 20:00:00" "2013-10-20 10:00:00" "2013-10-20 10:00:00" "2014-10-20 10:00:00" ""
alloc KCNEW 3 257 3 "2014-10-20 05:00:00" "2014-10-20 19:00:00" "" "" ""
alloc ZC 3 256 4 "2014-10-09 22:00:00" "2014-10-10 12:00:00" "2014-10-10 12:00:00" "2014-11-09 12:00:00" ""
# shared-a and shared-b: the same three key pairs, the same dates. KS's 10
# days end 2014-10-26 (1.4: local text 12:00). ZS1's 30 days end 2014-10-24
# 14:00; ZS2 was published at 09:00 (within I+Sp+Dz+TTLk = 5 h), READY
# predicted 4 h (TTLk+Dz+Sp) later.
keypair KS 2 "2014-10-15 09:00:00"
keypair ZS1 2 "2014-09-23 09:00:00"
keypair ZS2 2 "2014-10-24 08:00:00"
for z in 4 5; do
	alloc KS $z 257 4 "2014-10-15 20:00:00" "2014-10-16 00:00:00" "2014-10-16 12:00:00" "2014-10-26 12:00:00" ""
	alloc ZS1 $z 256 4 "2014-09-24 10:00:00" "2014-09-24 14:00:00" "2014-09-24 14:00:00" "2014-10-24 14:00:00" ""
	alloc ZS2 $z 256 2 "2014-10-24 09:00:00" "2014-10-24 13:00:00" "" "" ""
done

if [ "$DB_BACKEND" = mysql ]; then
	db_sql "$(cat "$SQL")" > "$T/load.log" 2>&1
else
	sqlite3 -batch "$DB" < "$SQL" > "$T/load.log" 2>&1
fi
is "$?:$(cat "$T/load.log")" "0:" "the 1.4 rows are in"
is "$(db_sql "SELECT count(*) FROM dnsseckeys")" 15 "15 allocations in 5 zones"

# ---- adoption
ksm database status
like "$out" 'OpenDNSSEC 1\.4 \(not yet adopted' "status: a 1.4 database"
ksm database migrate
is "$rc" 0 "database migrate adopts it"
like "$out" 'Adopting OpenDNSSEC 1\.4 database' "migrate says it adopts"

# krow ZONE CKA : state|publish|ready|active|retire|dead of an allocation, as stored (UTC)
krow() {
	db_sql "SELECT d.state, d.publish, d.ready, d.active, d.retire, d.dead FROM dnsseckeys d
		JOIN zones z ON z.id = d.zone_id JOIN keypairs k ON k.id = d.keypair_id
		WHERE z.name = '$1' AND k.HSMkey_id = '$2'"
}
# want STATE PUBLISH READY ACTIVE RETIRE DEAD : the krow we expect, from local times
want() {
	_w=$1
	shift
	for _t in "$@"; do
		if [ -z "$_t" ]; then _w="$_w|"; else _w="$_w|$(utc "$_t")"; fi
	done
	echo "$_w"
}

is "$(krow retire.example "$ZBOLD")" \
	"$(want 5 "2014-09-21 16:00:00" "2014-09-22 06:00:00" "2014-09-22 06:00:00" "2014-10-22 06:00:00" "2014-10-24 19:00:00")" \
	"adopted: local times (CEST) are now the same instants in UTC"
is "$(krow retire.example "$ZBCUR" | cut -d'|' -f5)" "2014-11-21 05:00:00" \
	"adopted: a CET local time (06:00) is 05:00 UTC"
is "$(db_sql "SELECT salt, salt_stamp FROM policies WHERE name = 'shared'")" \
	"$SALT|$(utc "$SALT_STAMP")" "adopted: the salt and its time"

# ---- the daemon at successive times
N=0
# enforce LOCAL : one run at LOCAL ("YYYY-MM-DD HH:MM:SS")
enforce() {
	N=$((N + 1))
	ENFORCER_TIMESHIFT=$(echo "$1" | tr -dc 0-9) "$ENFORCERD" -c "$T/conf.xml" -1 -d \
		> /dev/null 2> "$T/run.$N.err" < /dev/null
	_rc=$?
	_san=$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/run.$N.err" | head -3)
	is "$_rc$_san" 0 "run at $1 exits 0"
	[ "$_rc" = 0 ] || diag "$(grep -iE 'error|fail' "$T/run.$N.err" | head -10)"
	RUN_ERR="$T/run.$N.err"
}
# logged TEXT : the last run logged the line TEXT
logged() { grep -Fxq "ods-enforcerd: $1" "$RUN_ERR"; }
# ksm_at LOCAL ARGS... : ods-ksmutil at LOCAL
ksm_at() {
	_at=$(echo "$1" | tr -dc 0-9)
	shift
	ENFORCER_TIMESHIFT=$_at
	export ENFORCER_TIMESHIFT
	ksm "$@"
	unset ENFORCER_TIMESHIFT
}
# keyline ZONE CKA : the `key list --verbose --all` row of an allocation, as
# zone type state "date" (the first four columns, date = two tokens or words)
keyline() {
	printf '%s\n' "$KEYLIST" | awk -v z="$1" -v c="$2" '$1 == z && index($0, " " c " ") {
		sub(/ *\((publish|ready|active|retire|dead|deleted|dspub|dsready|keypub)\) .*/, "");
		gsub(/  +/, " "); print }'
}
keylist() { ksm_at "$1" key list --verbose --all; KEYLIST=$out; }
# signconf_keys ZONE : the keys of the zone's signconf, one per line: locator flags K Z
signconf_keys() {
	awk '
		/<Key>/ { f = ""; l = ""; k = "-"; s = "-" }
		/<Flags>/ { f = $0; gsub(/[^0-9]/, "", f) }
		/<Locator>/ { l = $0; sub(/.*<Locator>/, "", l); sub(/<.*/, "", l) }
		/<KSK *\/>/ { k = "K" }
		/<ZSK *\/>/ { s = "Z" }
		/<\/Key>/ { print l, f, k, s }
	' "$T/signconf/$1.xml"
}
salt_of() { sed -n 's|.*<Salt>\(.*\)</Salt>.*|\1|p' "$T/signconf/$1.xml"; }

# 2014-10-24 12:00 CEST: the first run changes no state
enforce "2014-10-24 12:00:00"
for z in roll.example retire.example ksk.example shared-a.example shared-b.example; do
	xmllint --noout --relaxng "$RNG" "$T/signconf/$z.xml" > /dev/null 2>&1
	ok $? "first run: the signconf of $z is written and valid"
done
is "$(krow roll.example "$ZA2")" \
	"$(want 2 "2014-10-24 09:00:00" "2014-10-24 23:00:00" "" "" "")" \
	"roll.example: ZA2 still PUBLISH, READY predicted publish + $IPC s"
is "$(krow retire.example "$ZBOLD" | cut -d'|' -f1,6)" "5|$(utc "$(plus "2014-10-22 06:00:00" "$ZDEAD")")" \
	"retire.example: DEAD predicted at retire + max(Vd, Vden) + Dz + Sr (Q22; 1.4: +$ZDEAD14 s)"
# Q1: 1.4 added 30 days to the local text (06:00); the instant + 30 days is 05:00 CET
is "$(krow retire.example "$ZBCUR" | cut -d'|' -f5)" "$(utc "2014-11-21 05:00:00")" \
	"retire.example: ZBCUR retires 30 days after it became active, counted in real time (Q1)"
is "$(krow ksk.example "$KCNEW" | cut -d'|' -f1)" 3 "ksk.example: the new KSK waits in READY"
is "$(krow ksk.example "$KCOLD" | cut -d'|' -f1,5)" "4|$(utc "2014-10-20 10:00:00")" \
	"ksk.example: the old KSK stays ACTIVE past its retire date (Q20)"
# Q1 again: 10 days from 2014-10-16 12:00 CEST is 11:00 CET, not 12:00
is "$(krow shared-a.example "$KS" | cut -d'|' -f5)" "$(utc "2014-10-26 11:00:00")" \
	"shared-a.example: KS retires $S_LK s after activation, counted in real time (Q1)"
is "$(signconf_keys roll.example)" "$KA 257 K -
$ZA1 256 - Z
$ZA2 256 - -" "roll.example signconf: KSK, the signing ZSK, the published successor"
is "$(signconf_keys retire.example)" "$KB 257 K -
$ZBOLD 256 - -
$ZBCUR 256 - Z" "retire.example signconf: the retired ZSK is still published"
is "$(signconf_keys ksk.example)" "$KCOLD 257 K -
$KCNEW 257 K -
$ZC 256 - Z" "ksk.example signconf: both KSKs sign the DNSKEY set"
is "$(signconf_keys shared-a.example)" "$(signconf_keys shared-b.example)" \
	"shared zones: the same keys in both signconfs"
is "$(salt_of shared-a.example)" "$SALT" "shared-a.example: the 1.4 salt is kept"

keylist "2014-10-24 12:00:00"
is "$(keyline roll.example "$ZA2")" "roll.example ZSK publish 2014-10-24 23:00:00" \
	"key list: ZA2's next transition, in local time"
is "$(keyline ksk.example "$KCNEW")" "ksk.example KSK ready waiting for ds-seen" \
	"key list: the new KSK waits for ds-seen"
is "$(keyline retire.example "$ZBOLD")" "retire.example ZSK retire $(plus "2014-10-22 06:00:00" "$ZDEAD")" \
	"key list: ZBOLD's dead date (Q22)"
ksm_at "2014-10-24 12:00:00" rollover list
is "$(printf '%s\n' "$out" | grep '^ksk\.example ' | sed 's/  */ /g' | sort)" "ksk.example KSK 2014-10-20 10:00:00
ksk.example KSK waiting for ds-seen
ksk.example ZSK 2014-11-09 11:00:00" \
	"rollover list: the old KSK's date, the new one waiting, the ZSK's date (Q1: 1.4 said 12:00)"
is "$(printf '%s\n' "$out" | grep '^roll\.example ' | sed 's/  */ /g' | sort)" \
	"roll.example KSK 2015-09-03 10:00:00
roll.example ZSK 2014-10-25 00:00:00" "rollover list: roll.example's expected rollovers"

# ---- the shared zones' ZSK roll: READY at 13:00, ACTIVE at ZS1's retire, 14:00
enforce "2014-10-24 12:59:59"
is "$(krow shared-a.example "$ZS2" | cut -d'|' -f1)$(krow shared-b.example "$ZS2" | cut -d'|' -f1)" 22 \
	"12:59:59: ZS2 still PUBLISH in both shared zones"
enforce "2014-10-24 13:00:00"
for z in shared-a.example shared-b.example; do
	is "$(krow $z "$ZS2")" "$(want 3 "2014-10-24 09:00:00" "2014-10-24 13:00:00" "" "" "")" \
		"13:00: ZS2 READY in $z (publish + $S_IPC s)"
done
enforce "2014-10-24 13:59:59"
is "$(krow shared-a.example "$ZS1" | cut -d'|' -f1)$(krow shared-b.example "$ZS1" | cut -d'|' -f1)" 44 \
	"13:59:59: ZS1 still ACTIVE in both"
enforce "2014-10-24 14:00:00"
for z in shared-a.example shared-b.example; do
	is "$(krow $z "$ZS2")" "$(want 4 "2014-10-24 09:00:00" "2014-10-24 13:00:00" "2014-10-24 14:00:00" \
		"$(plus "2014-10-24 14:00:00" "$S_LZ")" "")" "14:00: ZS2 ACTIVE in $z, retire active + $S_LZ s"
	# Q1: 51 h after 14:00 CEST is 16:00 CET (1.4's local text: 17:00)
	is "$(krow $z "$ZS1")" "$(want 5 "2014-09-24 10:00:00" "2014-09-24 14:00:00" "2014-09-24 14:00:00" \
		"2014-10-24 14:00:00" "2014-10-26 16:00:00")" "14:00: ZS1 RETIRE in $z, DEAD at retire + $S_ZDEAD s"
done
logged "INFO: ZSK has been rolled for shared-a.example " && logged "INFO: ZSK has been rolled for shared-b.example "
ok $? "14:00: the roll is logged for both"
is "$(signconf_keys shared-a.example)" "$KS 257 K -
$ZS1 256 - -
$ZS2 256 - Z" "14:00: shared-a signs with ZS2, ZS1 still published"

# ---- retire.example: 1.4 would have let ZBOLD die at 19:00 (Vd); Q22 keeps it a day more
enforce "2014-10-24 19:00:00"
is "$(krow retire.example "$ZBOLD" | cut -d'|' -f1)" 5 "19:00: ZBOLD still RETIRE (Q22: Validity/Denial is 3 days)"

# ---- roll.example: ZA2 READY at 23:00, ACTIVE at ZA1's retire, 00:00
enforce "2014-10-24 22:59:59"
is "$(krow roll.example "$ZA2" | cut -d'|' -f1)" 2 "22:59:59: ZA2 still PUBLISH"
enforce "2014-10-24 23:00:00"
is "$(krow roll.example "$ZA2")" "$(want 3 "2014-10-24 09:00:00" "2014-10-24 23:00:00" "" "" "")" \
	"23:00: ZA2 READY (publish + $IPC s)"
enforce "2014-10-24 23:59:59"
is "$(krow roll.example "$ZA1" | cut -d'|' -f1)$(krow roll.example "$ZA2" | cut -d'|' -f1)" 43 \
	"23:59:59: ZA1 still ACTIVE, ZA2 READY"
enforce "2014-10-25 00:00:00"
# Q1: 30 days after 00:00 CEST is 23:00 CET the day before (1.4: 2014-11-24 00:00)
is "$(krow roll.example "$ZA2")" "$(want 4 "2014-10-24 09:00:00" "2014-10-24 23:00:00" "2014-10-25 00:00:00" \
	"2014-11-23 23:00:00" "")" "00:00: ZA2 ACTIVE, retire 30 days on (Q1)"
ZA1_DEAD=$(plus "2014-10-25 00:00:00" "$ZDEAD")
is "$ZA1_DEAD" "2014-10-28 12:00:00" "ZA1's dead date: retire + max(Vd, Vden) + Dz + Sr (Q22, Q1; 1.4: 2014-10-27 13:00)"
is "$(krow roll.example "$ZA1")" "$(want 5 "2014-09-24 10:00:00" "2014-09-25 00:00:00" "2014-09-25 00:00:00" \
	"2014-10-25 00:00:00" "$ZA1_DEAD")" "00:00: ZA1 RETIRE"

# ---- the NSEC3 salt of the shared policy: due 3 days after its 1.4 stamp
enforce "2014-10-25 08:59:59"
is "$(salt_of shared-a.example)" "$SALT" "08:59:59: the salt is kept (stamped 09:00 CEST)"
enforce "2014-10-25 09:00:00"
NEWSALT=$(salt_of shared-a.example)
[ "$NEWSALT" != "$SALT" ] && [ "${#NEWSALT}" = 16 ]
ok $? "09:00: a new 8-octet salt ($NEWSALT)"
is "$(salt_of shared-b.example)" "$NEWSALT" "09:00: both shared zones have it"
is "$(db_sql "SELECT salt_stamp FROM policies WHERE name = 'shared'")" "$(utc "2014-10-25 09:00:00")" \
	"09:00: stamped"

# ---- ksk.example: ds-seen at 09:00 finishes the KSK roll
ksm_at "2014-10-25 09:00:00" key ds-seen --zone ksk.example --cka_id "$KCNEW" --no-notify
is "$rc" 0 "ds-seen for the new KSK exits 0"
like "$out" "Key $KCNEW made active" "ds-seen: made active"
like "$out" "Old key retired" "ds-seen: the old KSK retired"
KCOLD_DEAD=$(plus "2014-10-25 09:00:00" "$KDEAD")
is "$KCOLD_DEAD" "2014-10-25 13:46:39" "the old KSK's dead date: ds-seen + TTLds + Dp + Sr"
is "$(krow ksk.example "$KCOLD")" "$(want 5 "2013-10-19 20:00:00" "2013-10-20 10:00:00" "2013-10-20 10:00:00" \
	"2014-10-25 09:00:00" "$KCOLD_DEAD")" "ds-seen: KCOLD RETIRE"
# Q1: a year after 09:00 CEST on 2014-10-25 is 08:00 CET on 2015-10-25
is "$(krow ksk.example "$KCNEW")" "$(want 4 "2014-10-20 05:00:00" "2014-10-20 19:00:00" "2014-10-25 09:00:00" \
	"2015-10-25 08:00:00" "")" "ds-seen: KCNEW ACTIVE, retire a year on"
enforce "2014-10-25 09:00:01"
is "$(krow ksk.example "$KCNEW" | cut -d'|' -f5)" "$(utc "2015-10-25 08:00:00")" \
	"the daemon keeps ds-seen's retire date (active + Lk)"
keylist "2014-10-25 09:00:01"
is "$(keyline ksk.example "$KCNEW")" "ksk.example KSK active 2015-10-25 08:00:00" "key list: KCNEW's retire date"
is "$(keyline ksk.example "$KCOLD")" "ksk.example KSK retire $KCOLD_DEAD" "key list: KCOLD's dead date"
enforce "2014-10-25 13:46:38"
is "$(krow ksk.example "$KCOLD" | cut -d'|' -f1)" 5 "13:46:38: KCOLD still RETIRE"
enforce "2014-10-25 13:46:39"
is "$(krow ksk.example "$KCOLD" | cut -d'|' -f1,6)" "6|$(utc "$KCOLD_DEAD")" "13:46:39: KCOLD DEAD"
is "$(signconf_keys ksk.example)" "$KCNEW 257 K -
$ZC 256 - Z" "ksk.example signconf: only the new KSK"

# ---- retire.example: ZBOLD dies at 19:00 (Q22)
enforce "2014-10-25 18:59:59"
is "$(krow retire.example "$ZBOLD" | cut -d'|' -f1)" 5 "18:59:59: ZBOLD still RETIRE"
enforce "2014-10-25 19:00:00"
is "$(krow retire.example "$ZBOLD" | cut -d'|' -f1,6)" "6|$(utc "2014-10-25 19:00:00")" "19:00: ZBOLD DEAD"
is "$(signconf_keys retire.example)" "$KB 257 K -
$ZBCUR 256 - Z" "retire.example signconf: the dead ZSK is gone"

# ---- after the change to CET: the shared KSK's successor (Q4)
KS_RETIRE="2014-10-26 11:00:00"
KS_SUCC=$(plus "$KS_RETIRE" "-$S_KWIN")
is "$KS_SUCC" "2014-10-26 06:00:00" \
	"the shared KSK's successor is due I+Sp+Dz+TTLk = $S_KWIN s before its retire date (Q4; 1.4: I+Sp+Dp+TTLk = $S_KWIN14 s)"
enforce "2014-10-26 05:59:59"
is "$(db_sql "SELECT count(*) FROM dnsseckeys WHERE keytype = 257 AND zone_id IN (4, 5)")" 2 \
	"05:59:59 CET: no KSK successor yet"
enforce "2014-10-26 06:00:00"
SUCC=$(db_sql "SELECT k.HSMkey_id FROM dnsseckeys d JOIN keypairs k ON k.id = d.keypair_id
	WHERE d.zone_id = 4 AND d.keytype = 257 AND d.state = 2")
SUCC_B=$(db_sql "SELECT k.HSMkey_id FROM dnsseckeys d JOIN keypairs k ON k.id = d.keypair_id
	WHERE d.zone_id = 5 AND d.keytype = 257 AND d.state = 2")
[ -n "$SUCC" ] && [ "$SUCC" = "$SUCC_B" ]
ok $? "06:00 CET: one new key pair published as KSK in both shared zones ($SUCC / $SUCC_B)"
hsm_has "$SUCC"
ok $? "06:00 CET: the successor was generated in the token"
SUCC_READY=$(plus "$KS_SUCC" "$S_IPC")
for z in shared-a.example shared-b.example; do
	is "$(krow $z "$SUCC")" "$(want 2 "$KS_SUCC" "$SUCC_READY" "" "" "")" \
		"06:00 CET: $z publishes it, READY predicted at $SUCC_READY"
done
enforce "2014-10-26 09:59:59"
is "$(krow shared-a.example "$SUCC" | cut -d'|' -f1)$(krow shared-b.example "$SUCC" | cut -d'|' -f1)" 22 \
	"09:59:59: the successor still PUBLISH in both"
enforce "2014-10-26 10:00:00"
is "$(krow shared-a.example "$SUCC" | cut -d'|' -f1)$(krow shared-b.example "$SUCC" | cut -d'|' -f1)" 33 \
	"10:00: the successor READY in both"
for z in shared-a.example shared-b.example; do
	logged "INFO: New DS records needed for the zone $z; details will follow"
	ok $? "10:00: new DS records are asked for $z"
	logged "Once the new DS records are seen in DNS please issue the ds-seen command for zone $z with the following cka_ids, $SUCC"
	ok $? "10:00: ... with the successor's cka_id"
done
enforce "2014-10-26 11:30:00"
for z in shared-a.example shared-b.example; do
	logged "WARNING: New KSK has reached the ready state; please submit the DS for $z and use ods-ksmutil key ds-seen when the DS appears in the DNS."
	ok $? "11:30: past KS's retire date the daemon asks for ds-seen in $z"
done
is "$(krow shared-a.example "$KS" | cut -d'|' -f1)$(krow shared-b.example "$KS" | cut -d'|' -f1)" 44 \
	"11:30: KS still ACTIVE past its retire date, waiting for ds-seen (Q20)"
for z in shared-a.example shared-b.example; do
	ksm_at "2014-10-26 11:30:00" key ds-seen --zone $z --cka_id "$SUCC" --no-notify
	is "$rc" 0 "11:30: ds-seen in $z exits 0"
	like "$out" "Old key retired" "11:30: ds-seen in $z retires KS"
done
KS_DEAD=$(plus "2014-10-26 11:30:00" "$S_KDEAD")
for z in shared-a.example shared-b.example; do
	is "$(krow $z "$SUCC" | cut -d'|' -f1,4,5)" \
		"4|$(utc "2014-10-26 11:30:00")|$(utc "$(plus "2014-10-26 11:30:00" "$S_LK")")" \
		"11:30: the successor ACTIVE in $z, retire a KSK lifetime on"
	is "$(krow $z "$KS" | cut -d'|' -f1,5,6)" "5|$(utc "2014-10-26 11:30:00")|$(utc "$KS_DEAD")" \
		"11:30: KS RETIRE in $z, DEAD at $KS_DEAD"
done

# ---- purges (default policy, Purge 1 day) and deaths, in time order
KCOLD_PURGE=$(plus "$KCOLD_DEAD" "$PURGE")
is "$KCOLD_PURGE" "2014-10-26 12:46:39" "KCOLD is purged a day after its death (13:46:39 CEST is 12:46:39 CET)"
enforce "2014-10-26 12:46:38"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id = '$KCOLD'")" 1 "12:46:38 CET: KCOLD still there"
enforce "2014-10-26 12:46:39"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id = '$KCOLD'")" 0 "12:46:39 CET: KCOLD purged"
hsm_has "$KCOLD"
is "$?" 1 "12:46:39 CET: KCOLD removed from the token"

enforce "2014-10-26 15:59:59"
is "$(krow shared-a.example "$ZS1" | cut -d'|' -f1)$(krow shared-b.example "$ZS1" | cut -d'|' -f1)" 55 \
	"15:59:59 CET: ZS1 still RETIRE in both"
enforce "2014-10-26 16:00:00"
is "$(krow shared-a.example "$ZS1" | cut -d'|' -f1)$(krow shared-b.example "$ZS1" | cut -d'|' -f1)" 66 \
	"16:00 CET: ZS1 DEAD in both (Q1: 1.4's local text said 17:00)"

ZBOLD_PURGE=$(plus "2014-10-25 19:00:00" "$PURGE")
is "$ZBOLD_PURGE" "2014-10-26 18:00:00" "ZBOLD is purged 24 hours after its death: 18:00 CET (Q1; 1.4: 19:00)"
enforce "2014-10-26 17:59:59"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id = '$ZBOLD'")" 1 "17:59:59 CET: ZBOLD still there"
enforce "2014-10-26 18:00:00"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id = '$ZBOLD'")" 0 "18:00 CET: ZBOLD purged"

enforce "2014-10-26 23:29:59"
is "$(krow shared-a.example "$KS" | cut -d'|' -f1)$(krow shared-b.example "$KS" | cut -d'|' -f1)" 55 \
	"23:29:59: KS still RETIRE in both"
enforce "2014-10-26 23:30:00"
is "$(krow shared-a.example "$KS" | cut -d'|' -f1)$(krow shared-b.example "$KS" | cut -d'|' -f1)" 66 \
	"23:30: KS DEAD in both (ds-seen + TTLds + Dp + Sr)"
is "$(signconf_keys shared-b.example)" "$SUCC 257 K -
$ZS2 256 - Z" "shared-b signconf: the new KSK and ZS2 only"
is "$(signconf_keys shared-a.example)" "$(signconf_keys shared-b.example)" "the shared signconfs still agree"

enforce "2014-10-28 11:59:59"
is "$(krow roll.example "$ZA1" | cut -d'|' -f1)" 5 "2014-10-28 11:59:59: ZA1 still RETIRE"
enforce "2014-10-28 12:00:00"
is "$(krow roll.example "$ZA1" | cut -d'|' -f1,6)" "6|$(utc "$ZA1_DEAD")" "12:00: ZA1 DEAD"
enforce "2014-10-29 11:59:59"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id = '$ZA1'")" 1 "2014-10-29 11:59:59: ZA1 still there"
enforce "2014-10-29 12:00:00"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id = '$ZA1'")" 0 "12:00: ZA1 purged"

# ---- the end state: key list, and the token against the database
keylist "2014-10-29 12:00:00"
is "$(printf '%s\n' "$KEYLIST" | grep -c ' active ')" 10 "key list: ten active keys (a KSK and a ZSK per zone)"
is "$(keyline roll.example "$ZA2")" "roll.example ZSK active 2014-11-23 23:00:00" "key list: ZA2's retire date"
is "$(keyline retire.example "$ZBCUR")" "retire.example ZSK active 2014-11-21 05:00:00" "key list: ZBCUR's retire date"
is "$(keyline shared-a.example "$ZS2")" "shared-a.example ZSK active $(plus "2014-10-24 14:00:00" "$S_LZ")" \
	"key list: ZS2's retire date in shared-a"
is "$(keyline shared-b.example "$ZS2")" "shared-b.example ZSK active $(plus "2014-10-24 14:00:00" "$S_LZ")" \
	"key list: the same in shared-b"
ksm_at "2014-10-29 12:00:00" key orphans
is "$rc:$out" "0:No orphans: every HSM key is in the database and every database key in the HSM." \
	"the token and the database agree"
for z in roll.example retire.example ksk.example shared-a.example shared-b.example; do
	xmllint --noout --relaxng "$RNG" "$T/signconf/$z.xml" > /dev/null 2>&1
	ok $? "the signconf of $z is still valid"
done
# SignerNotifyCommand is empty: nobody to tell, so no notice is left owed
is "$(ls "$T/signconf" | grep -c '\.notify$')" 0 "no signer: no .notify file"

done_testing
