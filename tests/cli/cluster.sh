#!/bin/sh
# Daemons sharing one database: one leads, the others stand by and take
# over when the leader dies (kill -9); a leader that finds the epoch raised
# behind its back stands down; `cluster status` shows it all and exits 3
# when no daemon leads; a daemon on a read-only replica changes nothing but
# writes the signconf files from the replicated keys, and leads once promoted;
# a pass whose lead moves between two batches commits nothing more, and a
# stopped leader (SIGSTOP) loses the lead to a standby and, woken, commits
# nothing more.
#
# Every wait polls a log or the database with a generous deadline; nothing
# depends on how fast the machine is.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/daemons.sh"

unset ENFORCER_TIMESHIFT

daemon_token
printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$T/zonelist.xml"
ksm setup --yes
is "$rc" 0 "setup"

daemon_conf a manual
daemon_conf b manual

cleanup_daemons() {
	daemon_kill a b c s t
	_cli_cleanup
}
trap cleanup_daemons EXIT

host=$(hostname)
[ -n "$host" ] || host=localhost

# ---- no daemon yet
ksm cluster status
is "$rc" 3 "no daemon: cluster status exits 3"
like "$out" '^Leader: +none ever$' "no daemon: no leader ever"
like "$out" '^Warning: no ods-enforcerd leads$' "no daemon: the warning"

# ---- a leads, b stands by
daemon_start a
wait_log a "leads now, epoch 1"
ok $? "a takes the lead (epoch 1)"
wait_log a "Pass done"
ok $? "a runs a pass"
daemon_start b
wait_log b "enforcer lock already held by another ods-enforcerd, sleep"
ok $? "b stands by"
ok $([ "$(grep -c 'Pass done' "$T/b.err")" -eq 0 ]; echo $?) "b runs no pass"

# until b has written its first heartbeat as a standby
_end=$(($(date +%s) + 60))
while :; do
	ksm cluster status
	case $out in *"Standbys:    1"*) break ;; esac
	[ "$(date +%s)" -lt "$_end" ] || break
	sleep 0.2
done
is "$rc" 0 "a leads: cluster status exits 0"
like "$out" "^Leader: +$host:$pid_a since .* \\(epoch 1\\)\$" "a leads: leader and epoch"
like "$out" '^Standbys: +1$' "a leads: one standby"
like "$out" "^$host:$pid_a +leader " "a leads: a's row"
like "$out" "^$host:$pid_b +standby " "b's row"
like "$out" "^$host:$pid_a +leader .* ok \\([0-9]+ s\\)\$" "a's last pass and its outcome"

# ---- a dies: b takes over
kill -KILL "$pid_a"
wait "$pid_a" 2> /dev/null
wait_log b "leads now, epoch 2"
ok $? "a killed: b takes the lead (epoch 2)"
wait_log b "Pass done"
ok $? "b runs a pass"
ksm cluster status
is "$rc" 0 "b leads: cluster status exits 0"
like "$out" "^Leader: +$host:$pid_b since .* \\(epoch 2\\)\$" "b leads: leader and epoch"

# ---- the epoch raised behind b's back (a takeover it did not see): b
# stands down at its next check, then asks again and leads with a new epoch
db_sql "UPDATE cluster_leader SET epoch = epoch + 1, node = 'elsewhere:1' WHERE id = 1" > /dev/null
kill -HUP "$pid_b"
wait_log b "elsewhere:1 took the lead from this ods-enforcerd (epoch 3); standing by"
ok $? "b sees that another daemon took the lead"
wait_log b "leads now, epoch 4"
ok $? "b leads again once the lock is free (epoch 4)"
is "$(db_sql "SELECT epoch FROM cluster_leader")" 4 "the epoch in the database"

# ---- b stops: no leader
daemon_stop b
ok $(grep -q 'all done!' "$T/b.err"; echo $?) "b stops cleanly"
ksm cluster status
is "$rc" 3 "b stopped: cluster status exits 3"
like "$out" "^$host:$pid_b +stopped " "b's row says stopped"
like "$out" '^Warning: no ods-enforcerd leads$' "b stopped: the warning"

# ---- a daemon on a read-only replica changes nothing, but writes the
# signconf files from the keys the primary committed and tells the signer;
# promoted (here: <ReadOnly/> gone, SIGHUP), it leads
notify_log_script
ksm zone add --zone dr.example --signerconf "$T/dr.example.xml"
is "$rc" 0 "a zone for the replica"
# one pass on the primary, with key generation, nobody to tell
daemon_conf p
"$ENFORCERD" -1 -d -c "$T/p.xml" > /dev/null 2> "$T/p.err" < /dev/null
is "$?" 0 "a pass on the primary"
ok $([ -s "$T/dr.example.xml" ]; echo $?) "the primary's pass wrote the signconf"
mv "$T/dr.example.xml" "$T/dr.primary"

# c: on the replica (<ReadOnly/>), telling notify.sh
daemon_conf c manual "notify=$T/notify.sh %zone" "datastore=$DATASTORE<ReadOnly/>"
before=$(db_fingerprint)
daemon_start c
wait_log c "is a read-only replica: this ods-enforcerd changes no keys and writes the signconf files from the replicated state until it is promoted"
ok $? "c on a replica: says what it does"
wait_log c "Replica pass done"
ok $? "c on a replica: a replica pass"
like "$(grep -F 'Replica pass done' "$T/c.err")" \
	"Replica pass done in [0-9.]+ s: 1 zone\\(s\\) of [0-9]+ policy\\(ies\\), 1 signconf file\\(s\\) written from the replicated keys" \
	"c on a replica: the replica pass line"
ok $(cmp -s "$T/dr.example.xml" "$T/dr.primary"; echo $?) \
	"c on a replica: the signconf it wrote is the primary's, byte for byte"
is "$(cat "$T/notified" 2> /dev/null)" "dr.example" "c on a replica: told the signer"
wait_log c "Sleeping for 3600 seconds."
ok $? "c on a replica: sleeps until the next check"
ok $([ "$(grep -c 'Pass done' "$T/c.err")" -eq 0 ]; echo $?) "c on a replica: no pass"
is "$(db_fingerprint)" "$before" "c on a replica: nothing written"
ksm_raw -c "$T/c.xml" cluster status
is "$rc" 3 "cluster status on a replica: answers (no leader: 3)"
like "$out" "^$host:$pid_b +stopped " "cluster status on a replica: the rows"

daemon_conf c manual "notify=$T/notify.sh %zone"
kill -HUP "$pid_c"
wait_log c "leads now, epoch 6"
ok $? "c promoted: takes the lead (epoch 6, after the one-shot pass's 5)"
wait_log c "Pass done"
ok $? "c promoted: runs a pass"
daemon_stop c
# ---- fencing inside a pass: the lead moves between two batches of zones
# (when the signer hears of the first batch); the pass commits nothing
# more, and the next one, after the daemon has led again, does the rest
sed -i '/<Policy name="lab">/,/<\/Policy>/s|</PublishSafety>|</PublishSafety><ShareKeys/>|' "$T/kasp.xml"
ksm update kasp
is "$rc" 0 "lab shares its keys"
mkdir "$T/sc"
lab_zonelist z 0 500 "$T/sc" > "$T/zonelist.xml"
ksm update zonelist
is "$rc" 0 "501 zones: one batch of 500 and one more"
# the signer's first notice waits until the test has raised the epoch
cat > "$T/fence.sh" <<EOF
#!/bin/sh
if [ ! -e "$T/fence-now" ]; then
	: > "$T/fence-now"
	i=0
	while [ ! -e "$T/fence-done" ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
fi
EOF
chmod +x "$T/fence.sh"
daemon_conf f "notify=$T/fence.sh %zone"
(
	_end=$(($(date +%s) + 120))
	while [ ! -e "$T/fence-now" ] && [ "$(date +%s)" -lt "$_end" ]; do sleep 0.05; done
	db_sql "UPDATE cluster_leader SET epoch = epoch + 1, node = 'elsewhere:2' WHERE id = 1" > /dev/null
	: > "$T/fence-done"
) &
fencer=$!
"$ENFORCERD" -1 -d -c "$T/f.xml" > /dev/null 2> "$T/f.err" < /dev/null
is "$?" 0 "fenced: the run ends well"
wait "$fencer"
n=$(grep -n 'another ods-enforcerd took the lead during the pass; standing by' "$T/f.err" | cut -d: -f1)
ok $([ -n "$n" ]; echo $?) "fenced: the daemon sees the lead gone in mid-pass"
is "$(head -n "${n:-0}" "$T/f.err" | grep -c 'Zone z[0-9]*\.example found\.')" 500 \
	"fenced: the pass went no further than its first batch"
ok $(head -n "${n:-0}" "$T/f.err" | grep -q 'Pass done'; [ $? -ne 0 ]; echo $?) \
	"fenced: the fenced pass does not say done"
after=$(tail -n +"${n:-1}" "$T/f.err")
like "$after" "leads now, epoch" "fenced: the daemon leads again"
like "$after" "ZSK key allocation for zone z500\\.example: 1 key\\(s\\) allocated" \
	"fenced: the second batch was left to the next pass (it allocates there)"
like "$after" "Pass done in [0-9.]+ s: 501 zone\\(s\\)" "fenced: the next pass does all 501 zones"
is "$(ls "$T/sc" | wc -l | tr -d ' ')" 501 "fenced: every zone has its signconf in the end"

# ---- a stopped leader (SIGSTOP in mid-pass, when the signer hears of its
# second batch): its heartbeat stops while its connection and lock stay; a
# standby takes the lead from it after three silent polls and does the
# third batch; woken (SIGCONT), the old leader commits nothing more
lab_zonelist z 0 1001 "$T/sc" > "$T/zonelist.xml"
ksm update zonelist
is "$rc" 0 "1002 zones: three batches, the last two with new zones"
cat > "$T/stop.sh" <<EOF
#!/bin/sh
[ -e "$T/stopped" ] || { : > "$T/stopped"; kill -STOP \$PPID; }
EOF
chmod +x "$T/stop.sh"
daemon_conf s "notify=$T/stop.sh %zone"
daemon_conf t
daemon_start s
_end=$(($(date +%s) + 120))
while [ ! -e "$T/stopped" ] && [ "$(date +%s)" -lt "$_end" ]; do sleep 0.05; done
ok $([ -e "$T/stopped" ]; echo $?) "stuck: s leads and stops itself in its pass"
daemon_start t
wait_log t "has written no heartbeat for"
ok $? "stuck: t takes the lead from the silent s"
like "$(grep -F 'has written no heartbeat' "$T/t.err")" \
	"^ods-enforcerd: $host:$pid_s has written no heartbeat for [0-9]+ s but holds the enforcer lock \\(stopped or hung\\): this ods-enforcerd \\($host:$pid_t\\) leads now, epoch [0-9]+\$" \
	"stuck: t says from whom and why"
wait_log t "Pass done"
ok $? "stuck: t runs a pass without the lock"
like "$(cat "$T/t.err")" "ZSK key allocation for zone z1001\\.example: 1 key\\(s\\) allocated" \
	"stuck: t does the third batch"
before=$(db_fingerprint)
kill -CONT "$pid_s"
wait_log s "another ods-enforcerd took the lead during the pass; standing by"
ok $? "stuck: woken, s finds its lead gone at its next write"
n=$(grep -n 'took the lead during the pass' "$T/s.err" | cut -d: -f1)
ok $(head -n "${n:-0}" "$T/s.err" | grep -q 'Zone z1001\.example found'; [ $? -ne 0 ]; echo $?) \
	"stuck: s committed nothing of the third batch"
wait_log t "holds the enforcer lock now"
ok $? "stuck: t gets the lock once s has let it go"
wait_log s "enforcer lock already held by another ods-enforcerd, sleep"
ok $? "stuck: s stands by"
is "$(db_fingerprint)" "$before" "stuck: s changed nothing after it woke"
ksm cluster status
is "$rc" 0 "stuck: cluster status: a leader"
like "$out" "^Leader: +$host:$pid_t since " "stuck: t leads"
like "$out" "^$host:$pid_s +standby " "stuck: s stands by"
daemon_stop s
daemon_stop t

done_testing
