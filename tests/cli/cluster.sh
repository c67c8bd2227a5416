#!/bin/sh
# Daemons sharing one database: one leads, the others stand by and take
# over when the leader dies (kill -9); a leader that finds the epoch raised
# behind its back stands down; `cluster status` shows it all and exits 3
# when no daemon leads; a daemon on a read-only replica runs no passes.
#
# Every wait polls a log or the database with a generous deadline; nothing
# depends on how fast the machine is.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

ENFORCERD="$top_builddir/ods-enforcerd"
unset ENFORCER_TIMESHIFT
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

softhsm_available || skip_all "SoftHSMv2 is not installed"
softhsm_init "$T/hsm" OpenDNSSEC 2> "$T/softhsm.log" ||
	{ echo "Bail out! cannot make a SoftHSM token: $(cat "$T/softhsm.log")"; exit 1; }
printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$T/zonelist.xml"
ksm setup --yes
is "$rc" 0 "setup"

# daemon_conf NAME [DATASTORE] : $T/NAME.xml, its own pid file, a poll every second
daemon_conf() {
	sed -e "s|<PidFile>[^<]*</PidFile>|<PidFile>$T/$1.pid</PidFile><Cluster><PollInterval>PT1S</PollInterval></Cluster><ManualKeyGeneration/>|" \
		-e "s|<Datastore>.*</Datastore>|<Datastore>${2:-$DATASTORE}</Datastore>|" \
		"$T/conf.xml" > "$T/$1.xml"
}
daemon_conf a
daemon_conf b
daemon_conf c

# start NAME : ods-enforcerd -d on $T/NAME.xml in the background; its pid in $pid_NAME
start() {
	"$ENFORCERD" -d -c "$T/$1.xml" > /dev/null 2> "$T/$1.err" < /dev/null &
	eval "pid_$1=\$!"
}

# alive PID : the process exists and is not a zombie
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed 's/^.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f1)
	[ -n "$_st" ] && [ "$_st" != Z ]
}

# wait_log NAME TEXT [N] : until $T/NAME.err holds N (default 1) lines with
# TEXT; fails after 60 s or when that daemon is gone without them
wait_log() {
	_end=$(($(date +%s) + 60))
	eval "_pid=\$pid_$1"
	while [ "$(grep -cF -- "$2" "$T/$1.err")" -lt "${3:-1}" ]; do
		if ! alive "$_pid" || [ "$(date +%s)" -ge "$_end" ]; then
			[ "$(grep -cF -- "$2" "$T/$1.err")" -ge "${3:-1}" ]
			return
		fi
		sleep 0.1
	done
}

# stop NAME : SIGTERM, then wait for the exit (kill -9 after 60 s)
stop() {
	eval "_pid=\$pid_$1"
	kill -TERM "$_pid" 2> /dev/null
	_end=$(($(date +%s) + 60))
	while alive "$_pid" && [ "$(date +%s)" -lt "$_end" ]; do
		sleep 0.1
	done
	alive "$_pid" && kill -KILL "$_pid"
	wait "$_pid" 2> /dev/null
}

cleanup_daemons() {
	for _p in ${pid_a:-} ${pid_b:-} ${pid_c:-}; do
		kill -KILL "$_p" 2> /dev/null
	done
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
start a
wait_log a "leads now, epoch 1"
ok $? "a takes the lead (epoch 1)"
wait_log a "Pass done"
ok $? "a runs a pass"
start b
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
stop b
ok $(grep -q 'all done!' "$T/b.err"; echo $?) "b stops cleanly"
ksm cluster status
is "$rc" 3 "b stopped: cluster status exits 3"
like "$out" "^$host:$pid_b +stopped " "b's row says stopped"
like "$out" '^Warning: no ods-enforcerd leads$' "b stopped: the warning"

# ---- a daemon on a read-only replica runs no passes
daemon_conf c "$DATASTORE<ReadOnly/>"
before=$(db_fingerprint)
start c
wait_log c "is a read-only replica: this ods-enforcerd runs no passes until it is promoted"
ok $? "c on a replica: says it runs no passes"
wait_log c "Sleeping for 3600 seconds."
ok $? "c on a replica: sleeps until the next check"
ok $([ "$(grep -c 'Pass done' "$T/c.err")" -eq 0 ]; echo $?) "c on a replica: no pass"
stop c
is "$(db_fingerprint)" "$before" "c on a replica: nothing written"
ksm_raw -c "$T/c.xml" cluster status
is "$rc" 3 "cluster status on a replica: answers (no leader: 3)"
like "$out" "^$host:$pid_b +stopped " "cluster status on a replica: the rows"

done_testing
