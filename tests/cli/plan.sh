#!/bin/sh
# ods-ksmutil rollover plan: the refusals, the text and --json outputs, and
# the plan held against the daemon. For the shipped policies (contrib/
# kasp.xml) the plan of each zone is taken when the zone is new; then the
# daemon is run (ENFORCER_TIMESHIFT, one pass per run) at every date of
# every plan, with `key ds-seen` and the pass it starts where the plan
# assumes the operator gives it, and the transitions the daemon made (read
# back from key list --json after each run) must be exactly the planned
# ones: "default" over two years, "lab" (keys of hours) over two days, and
# "default" once more with ds-seen never given. Running the daemon only at
# the planned dates also checks the plan's claim that the passes between
# them change nothing. The plan is the same whatever the engine (it is
# pure), and enforce.sh runs the daemon on each: on a server database only
# the lab zone is held against the daemon, over twelve hours, which keeps
# the sanitizer run on the servers within its time.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

[ "${TIMESHIFT_BUILT-#}" = "" ] || skip_all "built without --enable-timeshift"
command -v python3 > /dev/null 2>&1 || skip_all "python3 is not installed"
softhsm_test_token
TZ=UTC
export TZ
ENFORCERD="$top_builddir/ods-enforcerd"
START='2027-01-01 00:00:00'
ENFORCER_TIMESHIFT=$START
export ENFORCER_TIMESHIFT

# The DS submit command notes when (the frozen clock) and for which zone.
cat > "$T/ds-submit" <<EOF2
#!/bin/sh
printf '%s %s\n' "\$ENFORCER_TIMESHIFT" "\$(awk 'NF { sub(/\.\$/, "", \$1); print \$1; exit }')" >> "$T/ds.log"
EOF2
chmod 755 "$T/ds-submit"
sed -i "s|<Interval>PT3600S</Interval>|<Interval>PT3600S</Interval><DelegationSignerSubmitCommand>$T/ds-submit</DelegationSignerSubmitCommand>|" \
	"$T/conf.xml"
: > "$T/ds.log"

# Beside the shipped policies, two made from "lab": standby keys of both
# types on shared keys (labsb), and an RFC 5011 KSK with a ZSK that does not
# roll (lab5011, the KSK living 40 days, more than the 30-day hold-down).
python3 - "$T/kasp.xml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
lab = re.search(r'\t<Policy name="lab">.*?</Policy>\n', text, re.S).group(0)
sb = lab.replace('name="lab"', 'name="labsb"').replace('<Purge>', '<ShareKeys/><Purge>')
sb = sb.replace('<Repository>SoftHSM</Repository>', '<Repository>SoftHSM</Repository><Standby>1</Standby>')
rfc = lab.replace('name="lab"', 'name="lab5011"').replace('<Lifetime>PT2H</Lifetime>', '<Lifetime>P1Y</Lifetime>')
rfc = rfc.replace('<Lifetime>PT3H</Lifetime>', '<Lifetime>P40D</Lifetime>')
rfc = rfc.replace('<Repository>SoftHSM</Repository>', '<Repository>SoftHSM</Repository><RFC5011/>', 1)
open(sys.argv[1], "w").write(text.replace('</KASP>', sb + rfc + '</KASP>'))
PY
setup_with_zones default a.example c.example
ksm zone add --zone b.example --policy lab --signerconf "$T/b.example.xml"
is "$rc" 0 "zone add on the lab policy"
for z in d.example f.example; do
	ksm zone add --zone $z --policy labsb --signerconf "$T/$z.xml"
done
ksm zone add --zone e.example --policy lab5011 --signerconf "$T/e.example.xml"
is "$rc" 0 "zone add on the lab5011 policy"
before=$(db_fingerprint)

# ---------------------------------------------------------------- refusals
ksm rollover plan --zone a.example --policy default
is "$rc" 1 "--zone with --policy: exit 1"
is "$out" "Error: rollover plan takes --zone or --policy, not both" "--zone with --policy: the message"
ksm rollover plan --until 'next week'
is "$rc" 1 "a bad --until: exit 1"
is "$out" "Error: --until: 'next week' is neither a date nor a duration (P...)" "a bad --until: the message"
ksm rollover plan --until P1Q
is "$rc" 1 "a bad --until duration: exit 1"
ksm rollover plan --until 2026-01-01
is "$rc" 1 "--until in the past: exit 1"
is "$out" "Error: --until: '2026-01-01' is in the past" "--until in the past: the message"
ksm rollover plan --until 9999-12-31
is "$rc" 1 "--until in the year 9999: exit 1"
is "$out" "Error: --until: '9999-12-31' is more than 68 years ahead" "--until too far: the message"
ksm rollover plan --zone nosuch.example
is "$rc" 1 "an unknown zone: exit 1"
is "$out" 'Error: unable to find a zone named "nosuch.example" in database' "an unknown zone: the message"
ksm rollover plan --policy "nosuch'; DROP TABLE keypairs; --"
is "$rc" 1 "an unknown policy: exit 1"
is "$out" "Error, can't find policy : nosuch'; DROP TABLE keypairs; --" "an unknown policy: the message"
ksm rollover plan --json --zone nosuch.example
is "$rc" 1 "--json, an unknown zone: exit 1"
is "$out" "" "--json, an unknown zone: nothing on stdout"
like "$err" 'unable to find a zone named "nosuch.example"' "--json, an unknown zone: the message on stderr"

# ------------------------------------------------------------------- plans
ksm rollover plan --zone a.example --until P2Y --json
is "$rc" 0 "plan of a.example (default), two years, --json"
printf '%s\n' "$out" > "$T/plan-a.json"
if [ "$DB_BACKEND" = sqlite ]; then
	LAB_UNTIL=P2D
	COMPARED="a.json b.json c.json sb.json e.json"
else
	LAB_UNTIL=PT12H
	COMPARED="b.json"
fi
ksm rollover plan --zone b.example --until $LAB_UNTIL --json
is "$rc" 0 "plan of b.example (lab), $LAB_UNTIL, --json"
printf '%s\n' "$out" > "$T/plan-b.json"
ksm rollover plan --zone c.example --until P2Y --no-ds-seen --json
is "$rc" 0 "plan of c.example (default), two years, ds-seen never, --json"
printf '%s\n' "$out" > "$T/plan-c.json"
ksm rollover plan --policy labsb --until P2D --json
is "$rc" 0 "plan of the labsb policy (d.example, f.example), two days, --json"
printf '%s\n' "$out" > "$T/plan-sb.json"
ksm rollover plan --zone e.example --until P100D --json
is "$rc" 0 "plan of e.example (lab5011), 100 days, --json"
printf '%s\n' "$out" > "$T/plan-e.json"
ksm rollover plan --zone a.example --until P2Y
is "$rc" 0 "plan of a.example as text"
printf '%s\n' "$out" > "$T/plan-a.txt"
is "$(db_fingerprint)" "$before" "the plans changed nothing in the database"

# The text and the JSON tell the same: one line per event, same dates.
is "$(sed -n 1p "$T/plan-a.txt")" \
	"Rollover plan from 2027-01-01 00:00:00 to 2028-12-31 00:00:00 (a pass every 3600 seconds; ds-seen assumed when due):" \
	"text: the heading"
python3 - "$T/plan-a.json" "$T/plan-a.txt" > "$T/textcheck" 2>&1 <<'PY'
import json, sys, time
doc = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()[2:]
assert len(lines) == len(doc["events"]), (len(lines), len(doc["events"]))
for ev, line in zip(doc["events"], lines):
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ev["time_epoch"]))
    assert line.startswith(ev["zone"]) and when in line, (ev, line)
    assert line == line.rstrip(), "trailing space: %r" % line
    if ev["event"] == "transition":
        assert "%s -> %s" % (ev["from_state"], ev["to_state"]) in line, (ev, line)
print("same")
PY
is "$(cat "$T/textcheck")" "same" "text: one line per event of --json, same zone, date and states"
if command -v jq > /dev/null 2>&1; then
	is "$(jq -r '[.interval, .assume_ds_seen, .from, (.until_epoch - .from_epoch)] | @tsv' "$T/plan-a.json")" \
		"$(printf '3600\ttrue\t2027-01-01T00:00:00Z\t63072000')" "--json: the header fields"
	is "$(jq -r '.assume_ds_seen' "$T/plan-c.json")" "false" "--json --no-ds-seen: assume_ds_seen false"
fi
if python3 -c 'import jsonschema' 2> /dev/null; then
	python3 - "$top_srcdir/doc/json/rollover-plan.schema.json" "$T/plan-a.json" "$T/plan-c.json" \
		> "$T/schema" 2>&1 <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for f in sys.argv[2:]:
    jsonschema.validate(json.load(open(f)), schema)
print("valid")
PY
	is "$(cat "$T/schema")" "valid" "--json: valid against doc/json/rollover-plan.schema.json"
fi

# What the plans expect of the two years: each ZSK of "default" lives 90
# days, so about eight rolls; the first KSK becomes active by ds-seen and is
# rolled after a year; with ds-seen never given no KSK is ever active.
python3 - "$T/plan-a.json" "$T/plan-c.json" > "$T/shape" 2>&1 <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["events"]
c = json.load(open(sys.argv[2]))["events"]
def n(evs, kt, to, seen=None):
    return sum(1 for e in evs if e["event"] == "transition" and e["key_type"] == kt
               and e["to_state"] == to and (seen is None or e["by_ds_seen"] == seen))
print(n(a, "ZSK", "active"), n(a, "KSK", "active", True), n(a, "KSK", "retire", True),
      n(c, "KSK", "active"), sum(1 for e in c if e["event"] == "ds_seen_needed"),
      sum(1 for e in c if e["event"] == "ds_seen"))
PY
is "$(cat "$T/shape")" "9 2 1 0 1 0" \
	"default over two years: 9 ZSKs active, 2 KSKs made active by ds-seen, 1 retired; never: no KSK active"

# --------------------------------------------------- the daemon, run forward
# Every planned date in order; at each, one pass, then the ds-seens the plan
# assumes there (by the zone's KSK waiting in the ready or dssub state) and
# the pass their notify starts. A snapshot of every key after each step.
python3 - $(for f in $COMPARED; do echo "$T/plan-$f"; done) > "$T/steps" <<'PY'
import json, sys
steps = {}
for f in sys.argv[1:]:
    for e in json.load(open(f))["events"]:
        s = steps.setdefault(e["time_epoch"], set())
        if e["event"] == "ds_seen":
            s.add(e["zone"])
for t in sorted(steps):
    print(t, " ".join(sorted(steps[t])))
PY
diag "$(wc -l < "$T/steps") daemon runs"
snap() {  # FILE: every allocated key as "zone cka_id type state", with the step's time
	"$KSMUTIL" -c "$T/conf.xml" key list --all --verbose --json 2> /dev/null |
		python3 -c 'import json, sys
for k in json.load(sys.stdin)["keys"]:
    if k["zone"]: print(k["zone"], k["cka_id"], k["key_type"], k["state"])' > "$1"
}
policy_of() {
	case $1 in
	a.example|c.example) echo default ;;
	b.example) echo lab ;;
	d.example|f.example) echo labsb ;;
	e.example) echo lab5011 ;;
	esac
}
n=0
failed_runs=0
: > "$T/snaps"
# pass [POLICY]: one daemon run (of that policy's zones only), then a snapshot
pass() {
	"$ENFORCERD" -c "$T/conf.xml" -1 -d ${1:+-p "$1"} > "$T/d.out" 2> "$T/d.err" < /dev/null ||
		{ failed_runs=$((failed_runs + 1)); diag "run at $ENFORCER_TIMESHIFT: $(tail -3 "$T/d.err")"; }
	n=$((n + 1))
	snap "$T/snap.$n"
	echo "$t $T/snap.$n" >> "$T/snaps"
}
while read -r t zones; do
	ENFORCER_TIMESHIFT=$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')
	pass
	# the plan's ds-seen: every waiting KSK of the zones it names, then the
	# pass of their policy that the notify starts; again while that pass
	# leaves another waiting (a standby topped up), as the plan does
	round=0
	while [ -n "$zones" ] && [ $round -lt 4 ]; do
		round=$((round + 1))
		policies=
		for z in $zones; do
			for c in $(awk -v z="$z" '$1 == z && $3 == "KSK" && ($4 == "ready" || $4 == "dssub") { print $2 }' "$T/snap.$n"); do
				"$KSMUTIL" -c "$T/conf.xml" key ds-seen --zone "$z" --cka_id "$c" --no-notify > "$T/seen.out" 2>&1 ||
					{ failed_runs=$((failed_runs + 1)); diag "ds-seen $z $c: $(cat "$T/seen.out")"; }
				case " $policies " in *" $(policy_of "$z") "*) ;; *) policies="$policies $(policy_of "$z")" ;; esac
			done
		done
		[ -n "$policies" ] || break
		for p in $policies; do
			pass "$p"
		done
	done
done < "$T/steps"
ENFORCER_TIMESHIFT=$START
is "$failed_runs" 0 "every daemon run and ds-seen exits 0"

# The transitions the daemon made, from one snapshot to the next, against
# the plan's, zone by zone up to the end of its plan. A key pair is compared
# by its role and states, not its name: the plan numbers the key pairs that
# do not exist yet.
python3 - "$T/snaps" "$T/ds.log" $(for f in $COMPARED; do echo "$T/plan-$f"; done) \
	> "$T/cmp" 2>&1 <<'PY'
import calendar, json, sys, time
from collections import Counter
snaps = [l.split() for l in open(sys.argv[1])]
plans = [json.load(open(f)) for f in sys.argv[3:]]
horizon, want = {}, Counter()
for p in plans:
    for e in p["events"]:
        horizon[e["zone"]] = p["until_epoch"]
        if e["event"] == "transition":
            # key list names a retired key with the REVOKE bit "revoke"
            rv = lambda s: "revoke" if e["revoked"] and s == "retire" else s
            want[(e["zone"], e["time_epoch"], e["key_type"], rv(e["from_state"]),
                  rv(e["to_state"]))] += 1
        elif e["event"] == "ds_submit":
            want[(e["zone"], e["time_epoch"], "DS", "submit", "")] += 1
got, prev = Counter(), {}
for t, f in snaps:
    t = int(t)
    cur = {}
    for line in open(f):
        zone, cka, kt, state = line.split()
        cur[(zone, cka, kt)] = state
    for k, state in cur.items():
        was = prev.get(k, "generate")
        if was != state and t <= horizon.get(k[0], 0):
            got[(k[0], t, k[2], was, state)] += 1
    prev = cur
for line in open(sys.argv[2]):
    day, hms, zone = line.split()
    t = calendar.timegm(time.strptime(day + " " + hms, "%Y-%m-%d %H:%M:%S"))
    if t <= horizon.get(zone, 0):
        got[(zone, t, "DS", "submit", "")] += 1
missing, extra = want - got, got - want
for k in sorted(missing):
    print("planned, not done:", k, missing[k])
for k in sorted(extra):
    print("done, not planned:", k, extra[k])
for z in sorted(horizon):
    print(z, sum(v for k, v in want.items() if k[0] == z))
PY
diag "$(cat "$T/cmp")"
[ -z "${PLAN_KEEP:-}" ] || cp -r "$T" "$PLAN_KEEP"
is "$(grep -c 'planned, not done\|done, not planned' "$T/cmp")" 0 \
	"the daemon made exactly the planned transitions and DS submissions, at the planned dates"
zones=b
[ "$DB_BACKEND" != sqlite ] || zones="a b c d e f"
for z in $zones; do
	like "$(cat "$T/cmp")" "^$z\\.example [0-9]{2}" "$z.example: the comparison covered its plan"
done

done_testing
