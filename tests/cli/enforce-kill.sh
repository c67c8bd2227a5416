#!/bin/sh
# ods-enforcerd crash safety: 200 zones of an ECDSA P-256 policy with short
# key lifetimes, driven through days of key generation, allocation,
# publication, activation, retirement, death and purge by the test clock.
# In every round the daemon is killed with SIGKILL at a random moment of its
# pass (start-up, key generation, the zone batch, the signconf files, the
# signer and DS commands), a complete pass at the same time follows, and the
# invariants that must hold whatever the moment of the kill are checked:
#
#  - the complete pass exits 0; no sanitizer report in either run;
#  - every zone has exactly one active ZSK and a KSK in publish/ready/active;
#  - no key pair is allocated twice to a zone, to two zones (the policy does
#    not share keys) or in two roles;
#  - every zone's signconf exists, is valid (signconf.rng) and names exactly
#    the keys the database issues, with their flags and roles;
#  - no DS submission is owed any more (zones.ds_pending) and every zone
#    with a ready or active KSK has had its DS set submitted;
#  - HSM objects = key pair rows + what `key orphans` reports, and no row
#    misses its HSM object.
#
# The simulated time is two days whatever the number of rounds
# (ENFORCE_KILL_ROUNDS, default 50): fewer rounds take longer steps and do
# more work each. The zones join in groups of ten an hour apart, so that
# their rollovers spread over the day and most rounds have work.
#
# The kill: one round in five during start-up; two in five at a random
# moment of the whole run (calibrated on the last pass measured); two in
# five at a random moment after key generation (the purge, the zone batch,
# the signconf files, the signer and DS commands), counted from the log
# line that ends key generation and calibrated on how long the rest of a
# pass took. A round whose kill came after the daemon had exited is fine.
# Each round prints a diag line: the kind of kill and its delay, where the
# killed run was (from its log), its last line.
# ENFORCE_KILL_LOGS=DIR keeps both runs' logs of every round in DIR.
. "$top_srcdir/tests/lib/tap.sh"
[ "${TIMESHIFT_BUILT-#}" = "" ] || skip_all "needs a build configured with --enable-timeshift"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/daemons.sh"   # alive, ENFORCERD, the token, LSAN_OPTIONS

command -v xmllint > /dev/null 2>&1 || skip_all "xmllint is not installed"
daemon_token
TZ=UTC
export TZ
LC_ALL=C
export LC_ALL

HSMUTIL="$top_builddir/ods-hsmutil"
RNG="$top_srcdir/src/enforcer/signconf.rng"
ROUNDS=${ENFORCE_KILL_ROUNDS:-50}
case $ROUNDS in
''|*[!0-9]*) echo "Bail out! ENFORCE_KILL_ROUNDS=$ROUNDS: not a number"; exit 1 ;;
esac
NZONES=200
NGROUPS=20                     # zones come in groups of ten ...
GROUP_GAP=3600                 # ... an hour apart
SPAN=172800                    # two days of key management
STEP=$((SPAN / (ROUNDS > 0 ? ROUNDS : 1) / 60 * 60)) # the clock moves this much a round
BASE=1388534400                # 2014-01-01 00:00:00 UTC
SWEEP=5                        # `key orphans --delete` every SWEEP rounds (SoftHSM slows with size)
DS_ZONES="k001.example k051.example k101.example k151.example" # ds-seen is run for these

# ---- the signer and the parent: commands that record what they were told
cat > "$T/notify.sh" <<EOF
#!/bin/sh
echo "\$1" >> "$T/notify.log"
EOF
cat > "$T/ds.sh" <<EOF
#!/bin/sh
cat >> "$T/ds.log"
EOF
chmod +x "$T/notify.sh" "$T/ds.sh"
: > "$T/ds.log"
sed "s|<Interval>PT3600S</Interval>|<Interval>PT3600S</Interval><SignerNotifyCommand>$T/notify.sh %zone</SignerNotifyCommand><DelegationSignerSubmitCommand>$T/ds.sh</DelegationSignerSubmitCommand>|" \
	"$T/conf.xml" > "$T/conf.new" && mv "$T/conf.new" "$T/conf.xml"

# ---- the policy: contrib/kasp.xml's default policy, ECDSA P-256, short times.
# With Interval 1h: a successor is published 4 h before its predecessor
# retires (window I + Sp + Dz + TTL), is ready 3 h after publication
# (TTL + Dz + Sp), a ZSK is dead 8 h after it retires (Validity + Dz + Sr,
# Q22), a KSK 3 h after (TTLds + Dp + Sr), and dead keys are purged 4 h later.
# Both lifetimes are a day: every zone rolls its ZSK once, the few zones whose
# DS the test confirms (ds-seen) roll their KSK, and the NSEC3 salt changes
# once (a round in which every signconf file changes).
sed -n '/<Policy name="default">/,/<\/Policy>/p' "$top_srcdir/contrib/kasp.xml" | sed \
	-e 's|name="default"|name="p256"|' \
	-e 's|<Refresh>[^<]*</Refresh>|<Refresh>PT3H</Refresh>|' \
	-e 's|<Default>[^<]*</Default>|<Default>PT6H</Default>|' \
	-e 's|<Denial>P[^<]*</Denial>|<Denial>PT6H</Denial>|' \
	-e 's|<Jitter>[^<]*</Jitter>|<Jitter>PT1H</Jitter>|' \
	-e 's|<Purge>[^<]*</Purge>|<Purge>PT4H</Purge>|' \
	-e 's|<Algorithm length="[0-9]*">8</Algorithm>|<Algorithm length="256">13</Algorithm>|' \
	-e 's|<Lifetime>P1Y</Lifetime>|<Lifetime>P1D</Lifetime>|' \
	-e 's|<Lifetime>P90D</Lifetime>|<Lifetime>P1D</Lifetime>|' \
	-e 's|<PropagationDelay>[^<]*</PropagationDelay>|<PropagationDelay>PT3600S</PropagationDelay>|' \
	-e 's|<Resalt>[^<]*</Resalt>|<Resalt>PT20H</Resalt>|' > "$T/policy.xml"
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<KASP>'
	cat "$T/policy.xml"
	echo '</KASP>'
} > "$T/kasp.xml"

zname() { printf 'k%03d.example' "$1"; }

# zonelist GROUPS : zonelist.xml with the first GROUPS groups of zones
zonelist() {
	_n=$(($1 * NZONES / NGROUPS))
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<ZoneList>'
		_i=1
		while [ "$_i" -le "$_n" ]; do
			_z=$(zname "$_i")
			printf '\t<Zone name="%s"><Policy>p256</Policy><SignerConfiguration>%s</SignerConfiguration><Adapters><Input><File>%s</File></Input><Output><File>%s</File></Output></Adapters></Zone>\n' \
				"$_z" "$T/signconf/$_z.xml" "$T/unsigned/$_z" "$T/signed/$_z"
			_i=$((_i + 1))
		done
		echo '</ZoneList>'
	} > "$T/zonelist.xml"
}
mkdir -p "$T/signconf"
zonelist 1
ksm setup --yes
is "$rc" 0 "setup: policy p256 and the first $((NZONES / NGROUPS)) zones"
[ "$rc" = 0 ] || diag "$out
$err"

hsm_count() {
	"$HSMUTIL" -c "$T/conf.xml" list 2> /dev/null | sed -n 's/^\([0-9][0-9]*\) keys* found\.$/\1/p'
}
now_ns() { date +%s%N; }
# secs A_NS B_NS : B - A in seconds, 3 decimals
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
rand16() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }

# The line a run logs as its pass begins, and the line a pass logs when key
# generation is over (the purge comes next).
PASS_START='^ods-enforcerd: Connecting to Database\.\.\.$'
KEYGEN_DONE='^ods-enforcerd: Purging keys\.\.\.$'

# wait_line FILE RE PID : until FILE has a line matching RE; fails when the
# process PID has ended without it
wait_line() {
	while ! grep -q "$2" "$1"; do
		alive "$3" || { grep -q "$2" "$1"; return; }
		sleep 0.002
	done
}

# sleep_alive PID SECONDS : sleep that long, or until the process PID has
# ended (a delay past the end of the run need not be waited out)
sleep_alive() {
	_ms=$(awk -v d="$2" 'BEGIN { printf "%d", d * 1000 }')
	if [ "$_ms" -le 60 ]; then
		sleep "$2"
		return
	fi
	while [ "$_ms" -ge 50 ] && alive "$1"; do
		sleep 0.05
		_ms=$((_ms - 50))
	done
	[ "$_ms" -gt 0 ] && alive "$1" && sleep "0.$(printf '%03d' "$_ms")"
}

# phase FILE : where a run was, judged from its log
phase() {
	_f=$1
	_zl=$(grep -c '^ods-enforcerd: Zone .* found\.$' "$_f")
	if grep -q '^ods-enforcerd: all done!$' "$_f"; then
		echo "after exit"
	elif grep -q '^ods-enforcerd: Pass ' "$_f"; then
		echo "after the pass"
	elif grep -q '^ods-enforcerd: Called signer engine' "$_f"; then
		echo "signer notification ($(grep -c '^ods-enforcerd: Called signer engine' "$_f") told)"
	elif [ "$_zl" -gt 0 ]; then
		echo "zone output ($_zl zones logged)"
	elif grep -q '^ods-enforcerd: Key remove successful' "$_f"; then
		echo "purge/zone batch ($(grep -c '^ods-enforcerd: Key remove successful' "$_f") keys removed)"
	elif grep -q '^ods-enforcerd: Purging keys\.\.\.$' "$_f"; then
		echo "zone batch"
	elif grep -q '^ods-enforcerd: Created key in repository' "$_f"; then
		echo "key generation ($(grep -c '^ods-enforcerd: Created key in repository' "$_f") made)"
	elif grep -q '^ods-enforcerd: Connecting to Database\.\.\.$' "$_f"; then
		echo "pass start"
	else
		echo "start-up"
	fi
}

# pass_secs FILE : the "Pass done in X s" of a run's log, or empty
pass_secs() { sed -n 's/^ods-enforcerd: Pass [a-z]* in \([0-9.]*\) s:.*/\1/p' "$1" | tail -1; }

# pass_stat FILE WORDS : the number before WORDS in the Pass line ("key(s) generated")
pass_stat() {
	sed -n "s/^ods-enforcerd: Pass .* \\([0-9][0-9]*\\) $2.*/\\1/p" "$1" | tail -1
}

# unnotified KILLLOG RECLOG : zones whose signconf the killed run wrote
# but whose signer it did not tell, and which the complete pass did not
# tell either (it must: the ".notify" file the killed run left says so).
# The zone the kill fell in is left out: its file may or may not be there.
unnotified() {
	awk '
		/^ods-enforcerd: Zone .* found\.$/ {
			cur = $3; seen[cur] = 1; last = cur; next
		}
		/^ods-enforcerd: No change to: / { nochange[cur] = 1; next }
		/^ods-enforcerd: Signconf not written/ { nochange[cur] = 1; next }
		/^ods-enforcerd: Called signer engine: / { told[$NF] = 1; next }
		END { for (z in seen) if (z != last && !nochange[z] && !told[z]) print z }
	' "$1" | while read -r _z; do
		grep -qxF "ods-enforcerd: Called signer engine: $T/notify.sh $_z" "$2" || echo "$_z"
	done
}

# ---- the checks after each complete pass
Q_ZSK="SELECT z.name FROM zones z WHERE (SELECT count(*) FROM dnsseckeys d
	WHERE d.zone_id = z.id AND d.keytype = 256 AND d.state = 4) <> 1 ORDER BY z.name"
Q_KSK="SELECT z.name FROM zones z WHERE (SELECT count(*) FROM dnsseckeys d
	WHERE d.zone_id = z.id AND d.keytype = 257 AND d.state IN (2, 3, 4)) < 1 ORDER BY z.name"
Q_TWICE="SELECT zone_id, keypair_id, count(*) FROM dnsseckeys GROUP BY zone_id, keypair_id
	HAVING count(*) > 1"
Q_SHARED="SELECT keypair_id, count(DISTINCT zone_id), count(DISTINCT keytype) FROM dnsseckeys
	GROUP BY keypair_id HAVING count(DISTINCT zone_id) > 1 OR count(DISTINCT keytype) > 1"
Q_ISSUED="SELECT z.name, k.HSMkey_id, d.keytype + 128 * d.revoked,
	CASE WHEN d.keytype = 257 AND NOT (d.rfc5011 = 1 AND d.state = 2) THEN 'K' ELSE '' END,
	CASE WHEN d.keytype = 256 AND d.state = 4 THEN 'Z' ELSE '' END
	FROM dnsseckeys d JOIN zones z ON z.id = d.zone_id JOIN keypairs k ON k.id = d.keypair_id
	WHERE d.state IN (2, 3, 4, 5, 10)"
Q_DSZONES="SELECT DISTINCT z.name FROM zones z JOIN dnsseckeys d ON d.zone_id = z.id
	WHERE d.keytype = 257 AND d.state IN (3, 4)"

# what the signconf files say, one line per key: zone|locator|flags|K|Z
signconf_keys() {
	awk '
		/<Zone name="/ { z = $0; sub(/.*<Zone name="/, "", z); sub(/".*/, "", z) }
		/<Key>/ { f = ""; l = ""; k = ""; s = "" }
		/<Flags>/ { f = $0; gsub(/[^0-9]/, "", f) }
		/<Locator>/ { l = $0; sub(/.*<Locator>/, "", l); sub(/<.*/, "", l) }
		/<KSK *\/>/ { k = "K" }
		/<ZSK *\/>/ { s = "Z" }
		/<\/Key>/ { print z "|" l "|" f "|" k "|" s }
	' "$@" | sort
}

check_round() {
	_r=$1
	is "$(db_sql "$Q_ZSK" | tr '\n' ' ')" "" "round $_r: every zone has exactly one active ZSK"
	is "$(db_sql "$Q_KSK" | tr '\n' ' ')" "" "round $_r: every zone has a KSK in publish, ready or active"
	is "$(db_sql "$Q_TWICE" | tr '\n' ' ')" "" "round $_r: no key pair allocated twice to a zone"
	is "$(db_sql "$Q_SHARED" | tr '\n' ' ')" "" \
		"round $_r: no key pair in two zones or two roles (keys are not shared)"

	_zones=$(db_sql "SELECT name FROM zones ORDER BY name")
	_nz=$(printf '%s\n' "$_zones" | grep -c .)
	_files=
	_missing=
	for _z in $_zones; do
		if [ -f "$T/signconf/$_z.xml" ]; then
			_files="$_files $T/signconf/$_z.xml"
		else
			_missing="$_missing $_z"
		fi
	done
	is "$_missing" "" "round $_r: every zone's signconf exists ($_nz zones)"
	# shellcheck disable=SC2086
	_bad=$(xmllint --noout --relaxng "$RNG" $_files 2>&1 | grep -v ' validates$' | head -5)
	is "$_bad" "" "round $_r: every signconf validates against signconf.rng"
	# shellcheck disable=SC2086
	signconf_keys $_files > "$T/sc.keys"
	db_sql "$Q_ISSUED" | sort > "$T/db.keys"
	if cmp -s "$T/sc.keys" "$T/db.keys"; then
		ok 0 "round $_r: the signconf files issue exactly the database's keys"
	else
		ok 1 "round $_r: the signconf files issue exactly the database's keys"
		diag "$(diff "$T/db.keys" "$T/sc.keys" | head -10)"
	fi

	is "$(db_sql "SELECT name FROM zones WHERE ds_pending <> 0 ORDER BY name" | tr '\n' ' ')" "" \
		"round $_r: no DS submission is still owed"
	_unsent=
	for _z in $(db_sql "$Q_DSZONES"); do
		# not anchored: a submission cut short by a kill leaves a partial
		# line, which the next submission continues
		grep -q "$_z\\.[[:space:]]" "$T/ds.log" || _unsent="$_unsent $_z"
	done
	is "$_unsent" "" "round $_r: every zone with a ready or active KSK had its DS set submitted"

	ksm key orphans
	_no=$(printf '%s\n' "$out" | grep -c '^Orphan in HSM: ')
	_nm=$(printf '%s\n' "$out" | grep -c '^Missing from HSM: ')
	_nh=$(hsm_count)
	_nd=$(db_sql "SELECT count(*) FROM keypairs")
	is "$_nh" "$((_nd + _no))" "round $_r: HSM objects ($_nh) = key pair rows ($_nd) + orphans ($_no)"
	is "$_nm" 0 "round $_r: no key pair row misses its HSM object"
	[ "$_nm" = 0 ] || diag "$(printf '%s\n' "$out" | grep '^Missing from HSM: ' | head -5)"
	orphans_total=$((orphans_total + _no))
	orphans_now=$_no
}

# sanitizers FILE... : the sanitizer reports in the logs (AddressSanitizer, LeakSanitizer, UBSan)
sanitizers() {
	grep -h -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$@" | head -3
}

# ---- calibration: how long start-up takes (a run that stops before a pass)
ENFORCER_TIMESHIFT=$(date -u -d "@$BASE" +%Y%m%d%H%M%S)
export ENFORCER_TIMESHIFT
_t0=$(now_ns)
"$ENFORCERD" -c "$T/conf.xml" -1 -d -p no-such-policy > /dev/null 2> "$T/cal.err" < /dev/null &
pid=$!
wait_line "$T/cal.err" "$PASS_START" "$pid"
_t1=$(now_ns)
wait "$pid"
S_EST=$(secs "$_t0" "$_t1")
# until a pass has been measured: key generation for the first group dominates
P_EST=0.5
TAIL_EST=0.05
diag "start-up takes ${S_EST}s; $ROUNDS rounds of $((STEP / 60)) min, $NZONES zones in $NGROUPS groups"

# SoftHSMv2 rewrites its token.object in place at every login (flags), so
# a kill in that moment leaves it cut short and the token is gone: seen
# here as "token OpenDNSSEC not found" in about 1 of 15 kills timed into
# the login. That file is SoftHSM's, not ours, and holds nothing the
# daemon changes: a cut-short one is put back from the copy taken after
# the token was made, and the round says so. Key objects are files of
# their own and are never put back.
TOKEN_OBJECT=$(ls "$T"/hsm/tokens/*/token.object)
cp "$TOKEN_OBJECT" "$T/token.object.made"
token_mend() {
	if [ "$(stat -c %s "$TOKEN_OBJECT")" != "$(stat -c %s "$T/token.object.made")" ]; then
		cp "$T/token.object.made" "$TOKEN_OBJECT"
		diag "round $1: SoftHSMv2's token.object was cut short by the kill (its login rewrite): put back"
	fi
}

orphans_total=0
orphans_now=0
gen_total=0
purged_total=0
changes_total=0
rolled_total=0
unnotified_total=0
ksk_rolls=0
killed=0
groups=1
r=1
while [ "$r" -le "$ROUNDS" ]; do
	now=$((BASE + (r - 1) * STEP))
	ENFORCER_TIMESHIFT=$(date -u -d "@$now" +%Y%m%d%H%M%S)
	export ENFORCER_TIMESHIFT
	# the next groups of zones join
	g=$(((now - BASE) / GROUP_GAP + 1))
	[ "$g" -gt "$NGROUPS" ] && g=$NGROUPS
	if [ "$g" -gt "$groups" ]; then
		groups=$g
		zonelist "$groups"
		ksm update zonelist
		[ "$rc" = 0 ] || diag "round $r: update zonelist: $rc $out $err"
	fi

	# the kill (see the top of the file)
	u=$(($(rand16) % 5))
	"$ENFORCERD" -c "$T/conf.xml" -1 -d > /dev/null 2> "$T/kill.err" < /dev/null &
	pid=$!
	if [ "$u" -eq 0 ]; then
		kind=start-up
		delay=$(awk -v s="$S_EST" -v u="$(rand16)" 'BEGIN { printf "%.3f", s * u / 65536 }')
	elif [ "$u" -le 2 ]; then
		kind=anywhere
		delay=$(awk -v s="$S_EST" -v p="$P_EST" -v u="$(rand16)" \
			'BEGIN { printf "%.3f", 0.8 * s + (0.2 * s + 1.2 * p + 0.005) * u / 65536 }')
	else
		kind="after keygen"
		delay=$(awk -v t="$TAIL_EST" -v u="$(rand16)" \
			'BEGIN { printf "%.3f", (1.2 * t + 0.003) * u / 65536 }')
		wait_line "$T/kill.err" "$KEYGEN_DONE" "$pid"
	fi
	sleep_alive "$pid" "$delay"
	kill -9 "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	krc=$?
	# a daemon killed keeps its pid file (as 1.x); the next run would call it
	# stale, but a recycled pid would make it look alive
	rm -f "$T/enforcerd.pid"
	token_mend "$r"
	where=$(phase "$T/kill.err")
	last=$(tail -n 1 "$T/kill.err" | sed 's/^ods-enforcerd: //' | cut -c1-100)
	[ "$krc" = 137 ] && killed=$((killed + 1))
	case $where in
	"after exit"|"after the pass") ;;
	*) echo "$where" | sed 's/ (.*//' >> "$T/phases" ;;
	esac
	case $krc in
	0|137) ok 0 "round $r: the run was killed or had finished (status $krc)" ;;
	*) ok 1 "round $r: the run was killed or had finished (status $krc)"
	   diag "$(tail -n 5 "$T/kill.err")" ;;
	esac

	# the complete pass at the same time, timed: start-up, key generation, the rest
	t0=$(now_ns)
	"$ENFORCERD" -c "$T/conf.xml" -1 -d > /dev/null 2> "$T/rec.err" < /dev/null &
	pid=$!
	wait_line "$T/rec.err" "$PASS_START" "$pid" && tc=$(now_ns) || tc=
	wait_line "$T/rec.err" "$KEYGEN_DONE" "$pid" && tk=$(now_ns) || tk=
	wait "$pid"
	rrc=$?
	t1=$(now_ns)
	wall=$(secs "$t0" "$t1")
	is "$rrc" 0 "round $r: the complete pass after the kill exits 0"
	[ "$rrc" = 0 ] || diag "$(grep -E 'ERROR|rror' "$T/rec.err" | head -10)"
	is "$(sanitizers "$T/kill.err" "$T/rec.err")" "" "round $r: no sanitizer report"

	# calibration for the next round (decaying maxima: the next pass may do
	# the work this one found done)
	prec=$(pass_secs "$T/rec.err")
	pkill=$(pass_secs "$T/kill.err")
	if [ -n "$prec" ] && [ -n "$tc" ] && [ -n "$tk" ]; then
		S_EST=$(secs "$t0" "$tc")
		P_EST=$(awk -v a="$prec" -v b="${pkill:-0}" -v e="$P_EST" \
			'BEGIN { m = (a > b) ? a : b; e *= 0.5; printf "%.3f", (m > e) ? m : e }')
		TAIL_EST=$(awk -v p="$prec" -v k="$(secs "$tc" "$tk")" -v e="$TAIL_EST" \
			'BEGIN { t = p - k; if (t < 0.003) t = 0.003; e *= 0.5; printf "%.3f", (t > e) ? t : e }')
	fi
	for f in "$T/kill.err" "$T/rec.err"; do
		n=$(grep -c '^ods-enforcerd: Created key in repository' "$f"); gen_total=$((gen_total + n))
		n=$(grep -c '^ods-enforcerd: Key remove successful' "$f"); purged_total=$((purged_total + n))
		n=$(pass_stat "$f" 'key change(s)'); changes_total=$((changes_total + ${n:-0}))
		n=$(grep -c 'ZSK has been rolled' "$f"); rolled_total=$((rolled_total + n))
	done
	# the signer hears of every signconf, also of one whose writer was killed
	unnotified "$T/kill.err" "$T/rec.err" > "$T/lost"
	lost=$(grep -c . "$T/lost")
	unnotified_total=$((unnotified_total + lost))
	is "$lost" 0 "round $r: the signer hears of every signconf the killed run wrote"
	[ "$lost" -eq 0 ] || diag "never told: $(head -5 "$T/lost" | tr '\n' ' ')"

	[ -n "${ENFORCE_KILL_LOGS:-}" ] && cp "$T/kill.err" "$ENFORCE_KILL_LOGS/kill.$r.err" &&
		cp "$T/rec.err" "$ENFORCE_KILL_LOGS/rec.$r.err"
	tchk=$(now_ns)
	check_round "$r"
	tchk=$(secs "$tchk" "$(now_ns)")
	diag "round $r at $ENFORCER_TIMESHIFT: kill $kind +${delay}s: $where (status $krc), last: $last;" \
		"complete pass ${wall}s (pass ${prec:-?}s), checks ${tchk}s, $orphans_now orphan(s)" \
		"$([ "$lost" -gt 0 ] && echo "; $lost signconf(s) the signer was not told about")"

	# the operator confirms the DS of the ready KSKs of a few zones (KSK rolls)
	for z in $DS_ZONES; do
		cka=$(db_sql "SELECT k.HSMkey_id FROM dnsseckeys d JOIN keypairs k ON k.id = d.keypair_id
			JOIN zones z ON z.id = d.zone_id WHERE z.name = '$z' AND d.keytype = 257
			AND d.state = 3 ORDER BY k.id")
		for c in $cka; do
			ksm key ds-seen --zone "$z" --cka_id "$c" --no-notify
			[ "$rc" = 0 ] || diag "round $r: ds-seen $z $c: $rc $out $err"
			case $out in *"Old key retired"*) ksk_rolls=$((ksk_rolls + 1)) ;; esac
		done
	done
	# orphans go now and then: SoftHSM's file store gets slower with every object
	if [ $((r % SWEEP)) -eq 0 ] && [ "$r" -lt "$ROUNDS" ]; then
		ksm key orphans --delete
	fi
	r=$((r + 1))
done
unset ENFORCER_TIMESHIFT

diag "kills that landed in a pass: $(sort "$T/phases" 2> /dev/null | uniq -c | sed 's/^ *//' | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
diag "$killed of $ROUNDS runs killed; $gen_total keys generated, $changes_total key changes," \
	"$rolled_total ZSK rolls logged, $purged_total keys purged, $orphans_total orphan sightings"
if [ "$unnotified_total" -gt 0 ]; then
	diag "$unnotified_total time(s) a killed run had written a signconf without telling the signer," \
		"and the complete pass, finding the file up to date, did not tell it either"
fi
if [ "$ROUNDS" -ge 10 ]; then
	[ "$gen_total" -gt 0 ] && [ "$rolled_total" -gt 0 ] && [ "$purged_total" -gt 0 ]
	ok $? "the runs had real work: generation, ZSK rolls, purges"
	is "$(db_sql "SELECT count(*) FROM dnsseckeys d JOIN zones z ON z.id = d.zone_id
		WHERE z.name = 'k001.example' AND d.keytype = 257 AND d.state = 4")" 1 \
		"k001.example: its KSK was made active by ds-seen"
	[ "$ksk_rolls" -gt 0 ]
	ok $? "ds-seen rolled KSKs ($ksk_rolls old KSKs retired)"
fi

# temporary files of signconf writes that a kill interrupted (not cleaned up)
stray=0
for f in "$T"/signconf/*; do
	case $f in *.xml|*.xml.OLD) ;; *) stray=$((stray + 1)) ;; esac
done
[ "$stray" -gt 0 ] && diag "$stray temporary signconf file(s) left by killed runs in $T/signconf"

# ---- the sweep: the token and the database agree again
ksm key orphans --delete
nd=$(db_sql "SELECT count(*) FROM keypairs")
is "$(hsm_count)" "$nd" "key orphans --delete leaves exactly the database's $nd keys on the token"
ksm key orphans
is "$rc:$out" "0:No orphans: every HSM key is in the database and every database key in the HSM." \
	"no orphans after the sweep"

done_testing
