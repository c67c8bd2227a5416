#!/bin/sh
# Failover: three ods-enforcerd on one database, passes every two seconds.
# The leader is killed with SIGKILL ten times (each time a new daemon takes
# the dead one's place); a standby leads each time, with a higher epoch.
# A sampler reads, every 100 ms, which living daemons last said they lead:
# never two. After each takeover, once the new leader has finished a pass,
# every zone holds exactly one active ZSK and one KSK on its way in, and
# every key row has its key pair: no pass was left half-applied.
#
# Every wait polls with a generous deadline; nothing depends on how fast
# the machine is. Nothing is timed unless FAILOVER_TIMES names a file for
# tests/bench/failover.sh (then each takeover's milliseconds go there).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/daemons.sh"

unset ENFORCER_TIMESHIFT
KILLS=${FAILOVER_KILLS:-10}

daemon_token
lab_zonelist f 1 8 "$T" > "$T/zonelist.xml"
ksm setup --yes
is "$rc" 0 "setup with 8 zones"

n=0
# spawn : a new daemon d<n> with its own conf.xml (pid file), listed in $T/live
spawn() {
	n=$((n + 1))
	daemon_conf "d$n" interval=PT2S
	daemon_start "d$n"
	eval "echo \"d$n \$pid_d$n\"" >> "$T/live"
}

# leaders : how many living daemons last said they lead. The logs are read
# first and the processes looked at after, so that a leader killed and
# replaced while the sample is taken is not counted beside its successor
# (the successor can only lead once the killed one is gone).
leaders() {
	_said=
	while read -r _name _pid; do
		_last=$(grep -E 'leads now|standing by' "$T/$_name.err" | tail -1)
		case $_last in *"leads now"*) _said="$_said $_name:$_pid" ;; esac
	done < "$T/live"
	_c=0
	# the sampler's subshell started before most daemons: it has their pids
	# from $T/live, not their $pid_NAME
	for _np in $_said; do
		daemon_is "${_np%%:*}" "${_np#*:}" && _c=$((_c + 1))
	done
	echo "$_c"
}

# leader : the name of the living daemon that last said it leads, and its epoch
leader() {
	while read -r _name _pid; do
		daemon_is "$_name" || continue
		_last=$(grep -E 'leads now|standing by' "$T/$_name.err" | tail -1)
		case $_last in
		*"leads now"*) echo "$_name ${_last##*epoch }"; return ;;
		esac
	done < "$T/live"
}

cleanup_daemons() {
	[ -r "$T/live" ] && daemon_kill $(cut -d' ' -f1 "$T/live")
	[ -z "${sampler:-}" ] || kill "$sampler" 2> /dev/null
	_cli_cleanup
}
trap cleanup_daemons EXIT

: > "$T/live"
spawn
wait_log d1 "leads now, epoch 1"
ok $? "the first daemon leads"
wait_log d1 "Pass done"
ok $? "its first pass is done"
is "$(zone_key_faults)" "" "after the first pass: every zone has its keys"
spawn
spawn

# the sampler, until $T/stop-sampling exists
# sampled_after N: has the sampler written more than N lines?
sampled_after() { [ "$(wc -l < "$T/samples")" -gt "$1" ]; }
: > "$T/samples"
(
	while [ ! -e "$T/stop-sampling" ]; do
		leaders >> "$T/samples"
		sleep 0.1
	done
) &
sampler=$!

epoch=1
trial=1
while [ $trial -le "$KILLS" ]; do
	set -- $(leader)
	old=${1:-} old_epoch=${2:-0}
	is "$old_epoch" "$epoch" "trial $trial: one daemon leads, at epoch $epoch"
	eval "old_pid=\$pid_$old"
	[ -z "${FAILOVER_TIMES:-}" ] || t0=$(date +%s%N)
	kill -KILL "$old_pid"
	wait "$old_pid" 2> /dev/null
	# a standby takes over: the lead, at a higher epoch
	_end=$(($(date +%s) + 60))
	while :; do
		set -- $(leader)
		[ -n "${1:-}" ] && break
		[ "$(date +%s)" -lt "$_end" ] || break
		sleep 0.05
	done
	new=${1:-none} new_epoch=${2:-0}
	# for tests/bench/failover.sh: kill to the successor's "leads now", in ms
	[ -z "${FAILOVER_TIMES:-}" ] || echo $((($(date +%s%N) - t0) / 1000000)) >> "$FAILOVER_TIMES"
	ok $([ "$new" != none ] && [ "$new" != "$old" ] && [ "$new_epoch" -gt "$epoch" ]; echo $?) \
		"trial $trial: $old killed, $new leads (epoch $epoch -> $new_epoch)"
	epoch=$new_epoch
	spawn
	# the new leader's own first pass, then the invariants
	wait_log "$new" "Pass done" "$(($(grep -c 'Pass done' "$T/$new.err") + 1))"
	ok $? "trial $trial: $new runs a pass"
	is "$(zone_key_faults)" "" "trial $trial: every zone has one active ZSK and one KSK, no orphan row"
	# the sampler has looked at this trial's cluster too: wait for its next
	# line rather than count lines at the end, which a busy machine thins out
	_n=$(wc -l < "$T/samples")
	wait_until sampled_after "$_n" || diag "trial $trial: the sampler took no sample in 60 s"
	trial=$((trial + 1))
done

: > "$T/stop-sampling"
wait "$sampler"
sampler=
ok $([ "$(wc -l < "$T/samples")" -gt "$KILLS" ]; echo $?) \
	"the sampler ran through every trial ($(wc -l < "$T/samples") samples)"
is "$(sort -u "$T/samples" | tail -1)" 1 "never two daemons leading at once (max over the samples)"

# every daemon still running but the leader stands by. The one spawned
# last writes its first heartbeat only after its start (it logs "sleep"
# just before): poll for the rows, then look.
running=0
while read -r _name _pid; do
	daemon_is "$_name" && running=$((running + 1))
done < "$T/live"
standbys_shown() {
	ksm cluster status
	printf '%s\n' "$out" | grep -Eq "^Standbys: +$1\$"
}
wait_until standbys_shown $((running - 1))
shown=$?
# a daemon gone that the test did not kill: say which, with its log
if [ "$running" -ne 3 ] || [ "$shown" -ne 0 ]; then
	diag "$running of 3 daemons running; cluster status showed $((running - 1)) standbys: $([ "$shown" -eq 0 ] && echo yes || echo no); the daemons' logs end:"
	while read -r _name _pid; do
		if daemon_is "$_name"; then _state=running; else _state=gone; fi
		diag "$_name ($_pid, $_state):"
		tail -8 "$T/$_name.err" | while IFS= read -r _l; do diag "  $_l"; done
	done < "$T/live"
fi
ksm cluster status
is "$rc" 0 "cluster status: a leader"
like "$out" "^Standbys: +$((running - 1))\$" "cluster status: every other running daemon stands by ($((running - 1)))"

done_testing
