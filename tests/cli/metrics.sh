#!/bin/sh
# Metrics: ods-enforcerd writes its MetricsFile after a pass, `ods-ksmutil
# metrics` prints the same text (the clock frozen by ENFORCER_TIMESHIFT),
# a real Prometheus parser (python3-prometheus-client) reads it, and its
# values agree with `key list --json` and `zone list`, and the token counts
# with `ods-hsmutil list` and `key orphans`.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

[ "${TIMESHIFT_BUILT-#}" = "" ] || skip_all "needs a build configured with --enable-timeshift"
command -v jq > /dev/null 2>&1 || skip_all "jq is not installed"
/usr/bin/python3 -c 'import prometheus_client' > /dev/null 2>&1 ||
	skip_all "python3-prometheus-client is not installed"
softhsm_test_token
TZ=UTC
export TZ
ENFORCER_TIMESHIFT='01-01-2020 12:00'
export ENFORCER_TIMESHIFT
NOW=$(date -u -d '2020-01-01 12:00' +%s)

# metric NAME LABELS : the value of one sample of $T/metrics.txt, by a real
# parser (LABELS as k=v,k=v; "" for none); "absent" when there is none
metric() {
	/usr/bin/python3 - "$T/metrics.txt" "$1" "$2" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
text, name, want = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
want = dict(kv.split("=", 1) for kv in want.split(",")) if want else {}
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        if s.name == name and s.labels == want:
            print(int(s.value) if s.value == int(s.value) else s.value)
            sys.exit(0)
print("absent")
PY
}

sed -i "s|<PidFile>|<MetricsFile>$T/metrics.prom</MetricsFile><PidFile>|" "$T/conf.xml"
setup_with_zones lab a.example b.example
ksm zone add --zone c.example --policy default --signerconf "$T/c.example.xml"

"$top_builddir/ods-enforcerd" -1 -d -c "$T/conf.xml" > /dev/null 2> "$T/d.err" < /dev/null
is "$?" 0 "one enforcer run"
[ -s "$T/metrics.prom" ]; ok $? "the daemon wrote its MetricsFile"
is "$(stat -c %a "$T/metrics.prom")" 644 "mode 0644"
ksm metrics
is "$rc" 0 "ods-ksmutil metrics exits 0"
printf '%s\n' "$out" > "$T/metrics.txt"
# the same, but for the lead: the daemon led during its pass and has stopped since
grep -v '^kasp_enforcer_leader{' "$T/metrics.prom" > "$T/file.cmp"
grep -v '^kasp_enforcer_leader{' "$T/metrics.txt" > "$T/cmd.cmp"
cmp -s "$T/file.cmp" "$T/cmd.cmp" || diag "$(diff "$T/file.cmp" "$T/cmd.cmp")"
cmp -s "$T/file.cmp" "$T/cmd.cmp"
ok $? "ods-ksmutil metrics prints what the daemon wrote (the clock is frozen)"
like "$(grep '^kasp_enforcer_leader{' "$T/metrics.prom")" ' 1$' "the file: the daemon led its pass"
like "$(grep '^kasp_enforcer_leader{' "$T/metrics.txt")" ' 0$' "the command: it has stopped since"

/usr/bin/python3 - "$T/metrics.txt" > "$T/parse.out" 2>&1 <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
assert fams and all(f.type == "gauge" for f in fams), [f.type for f in fams]
print(len(fams))
PY
ok $? "the Prometheus parser reads it: $(cat "$T/parse.out") gauge families"

is "$(metric kasp_zones policy=lab)" 2 "kasp_zones: lab has two zones"
is "$(metric kasp_zones policy=default)" 1 "kasp_zones: default has one"
ksm key list --all --json
printf '%s' "$out" > "$T/keys.json"
all_agree=0
for type in KSK ZSK; do
	for state in generate publish ready active retire dead; do
		for pol in lab default; do
			want=$(jq "[.keys[] | select(.policy == \"$pol\" and .key_type == \"$type\" and .state == \"$state\")] | length" "$T/keys.json")
			got=$(metric kasp_keys "policy=$pol,type=$type,state=$state")
			[ "$got" = "$want" ] || { all_agree=1; diag "$pol $type $state: $got, key list says $want"; }
		done
	done
done
ok $all_agree "kasp_keys agrees with key list for every policy, type and state"
zsk_retire=$(jq '[.keys[] | select(.zone == "a.example" and .key_type == "ZSK" and .state == "active") | .retire_epoch] | min' "$T/keys.json")
is "$(metric kasp_next_rollover_seconds zone=a.example,type=ZSK)" "$((zsk_retire - NOW))" \
	"kasp_next_rollover_seconds: a.example's ZSK retires in $((zsk_retire - NOW)) s"
min=$(jq "[.keys[] | select(.state == \"active\" and .retire_epoch != null) | .retire_epoch] | min - $NOW" "$T/keys.json")
is "$(metric kasp_next_rollover_min_seconds "")" "$min" "kasp_next_rollover_min_seconds"
for type in KSK ZSK; do
	n=$(metric kasp_keys_needed "policy=lab,type=$type")
	[ "$n" != absent ] && [ "$n" -ge 2 ]
	ok $? "kasp_keys_needed: two zones need at least two ${type}s ($n)"
done
is "$(metric kasp_ds_seen_waiting_keys "")" 0 "no KSK waits for ds-seen yet"
is "$(metric kasp_metrics_timestamp_seconds "")" "$NOW" "the timestamp is the (shifted) clock"
host=$(jq -r '.nodes[0].host' <<EOF
$("$KSMUTIL" -c "$T/conf.xml" cluster status --json 2> /dev/null)
EOF
)
pid=$(jq -r '.nodes[0].pid' <<EOF
$("$KSMUTIL" -c "$T/conf.xml" cluster status --json 2> /dev/null)
EOF
)
is "$(metric kasp_enforcer_pass_success "host=$host,pid=$pid")" 1 "the daemon's pass ended well"
is "$(metric kasp_enforcer_pass_start_timestamp_seconds "host=$host,pid=$pid")" "$NOW" \
	"the pass started at the (shifted) clock"

# the tokens: every key pair of the token is a key of the database; then one
# made on the token behind the database's back (an orphan), and one whose
# key goes from the token (missing), as key orphans reports them
HSMUTIL="$top_builddir/ods-hsmutil"
on_token=$("$HSMUTIL" -c "$T/conf.xml" list 2> /dev/null | awk '$1 == "SoftHSM"' | wc -l)
is "$(metric kasp_hsm_listed repository=SoftHSM)" 1 "kasp_hsm_listed: the token was listed"
is "$(metric kasp_hsm_keys repository=SoftHSM)" "$on_token" "kasp_hsm_keys: as ods-hsmutil list counts ($on_token)"
is "$(metric kasp_hsm_orphan_keys repository=SoftHSM)" 0 "kasp_hsm_orphan_keys: none"
is "$(metric kasp_hsm_missing_keys repository=SoftHSM)" 0 "kasp_hsm_missing_keys: none"
"$HSMUTIL" -c "$T/conf.xml" generate SoftHSM ecdsa 256 > /dev/null 2>&1
gone=$(jq -r '[.keys[] | select(.zone == "a.example" and .key_type == "ZSK")] | first | .cka_id' "$T/keys.json")
"$HSMUTIL" -c "$T/conf.xml" remove "$gone" > /dev/null 2>&1
ksm metrics
printf '%s\n' "$out" > "$T/metrics.txt"
is "$(metric kasp_hsm_keys repository=SoftHSM)" "$on_token" "kasp_hsm_keys: one made, one removed"
is "$(metric kasp_hsm_orphan_keys repository=SoftHSM)" 1 "kasp_hsm_orphan_keys: the one made on the token"
is "$(metric kasp_hsm_missing_keys repository=SoftHSM)" 1 "kasp_hsm_missing_keys: the one removed from it"
ksm key orphans
like "$out" "Orphan in HSM: SoftHSM" "key orphans agrees: one orphan"
# while a key generation holds the "keygen" lock (SQLite: flock() on the
# file beside the database), the counts are left out rather than miscounted
if [ "$DB_BACKEND" = sqlite ] && command -v flock > /dev/null 2>&1; then
	: >> "$DB.lock.keygen"
	out=$(flock "$DB.lock.keygen" "$KSMUTIL" -c "$T/conf.xml" metrics 2> /dev/null)
	printf '%s\n' "$out" > "$T/metrics.txt"
	is "$(metric kasp_hsm_listed repository=SoftHSM)" 0 "keygen lock held: kasp_hsm_listed 0"
	is "$(metric kasp_hsm_orphan_keys repository=SoftHSM)" absent "keygen lock held: no orphan count"
fi
# a token that cannot be listed: reported, not an error
sed "s|<PIN>1234</PIN>|<PIN>0000</PIN>|" "$T/conf.xml" > "$T/badpin.xml"
out=$("$KSMUTIL" -c "$T/badpin.xml" metrics 2> /dev/null)
is "$?" 0 "metrics with a wrong PIN exits 0"
printf '%s\n' "$out" > "$T/metrics.txt"
is "$(metric kasp_hsm_listed repository=SoftHSM)" 0 "kasp_hsm_listed: 0 for a token it cannot log in to"
is "$(metric kasp_hsm_keys repository=SoftHSM)" absent "and no counts for it"
is "$(metric kasp_zones policy=lab)" 2 "the database's metrics are all there"

# later: the KSKs of the lab policy are ready and wait for ds-seen
ENFORCER_TIMESHIFT='01-01-2020 20:00'
"$top_builddir/ods-enforcerd" -1 -d -c "$T/conf.xml" > /dev/null 2> "$T/d.err" < /dev/null
"$top_builddir/ods-enforcerd" -1 -d -c "$T/conf.xml" > /dev/null 2> "$T/d.err" < /dev/null
cp "$T/metrics.prom" "$T/metrics.txt"
ksm key list --all --json
waiting=$(printf '%s' "$out" | jq '[.keys[] | select(.waiting_for == "ds-seen")] | length')
is "$(metric kasp_ds_seen_waiting_keys "")" "$waiting" "kasp_ds_seen_waiting_keys: $waiting, as key list says"
[ "$waiting" -gt 0 ]; ok $? "there are KSKs waiting"
ready=$(printf '%s' "$out" | jq '[.keys[] | select(.zone == "a.example" and .key_type == "KSK" and .state == "ready") | .ready_epoch] | first')
cka=$(printf '%s' "$out" | jq -r '[.keys[] | select(.zone == "a.example" and .key_type == "KSK" and .state == "ready") | .cka_id] | first')
is "$(metric kasp_ds_seen_waiting_seconds "zone=a.example,cka_id=$cka")" \
	"$(($(date -u -d '2020-01-01 20:00' +%s) - ready))" "kasp_ds_seen_waiting_seconds: since it became ready"

# a file that cannot be written: the pass goes on, the log says why
sed -i "s|<MetricsFile>[^<]*</MetricsFile>|<MetricsFile>$T/nodir/metrics.prom</MetricsFile>|" "$T/conf.xml"
"$top_builddir/ods-enforcerd" -1 -d -c "$T/conf.xml" > /dev/null 2> "$T/d.err" < /dev/null
is "$?" 0 "an unwritable MetricsFile does not fail the run"
like "$(cat "$T/d.err")" "cannot write the metrics to $T/nodir/metrics.prom: " "and is logged"

done_testing
