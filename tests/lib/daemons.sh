# daemons.sh - ods-enforcerd processes in the background, by name (sourced
# by sh tests after tap.sh and cliutil.sh; needs $T). Sets ENFORCERD,
# adds the SoftHSM leak suppressions to LSAN_OPTIONS and sources
# softhsm.sh.
#
#   daemon_token           a fresh SoftHSM token OpenDNSSEC (PIN 1234) in
#                          $T/hsm, as conf.xml names it; skips the whole
#                          file without SoftHSMv2
#   daemon_start NAME      ods-enforcerd -d -c $T/NAME.xml; stderr in
#                          $T/NAME.err, pid in $pid_NAME
#   wait_log NAME TEXT [N] until $T/NAME.err holds N (default 1) lines with
#                          TEXT; fails after 60 s, or at once when that
#                          daemon is gone without them
#   daemon_stop NAME       SIGTERM, then wait for the exit (kill -9 after 60 s)
#   alive PID              the process exists and is not a zombie
#
# Every wait polls with a generous deadline: nothing depends on how fast
# the machine is.

. "$top_srcdir/tests/lib/softhsm.sh"

ENFORCERD="$top_builddir/ods-enforcerd"
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

daemon_token() {
	softhsm_available || skip_all "SoftHSMv2 is not installed"
	softhsm_init "$T/hsm" OpenDNSSEC 2> "$T/softhsm.log" ||
		{ echo "Bail out! cannot make a SoftHSM token: $(cat "$T/softhsm.log")"; exit 1; }
}

alive() {
	if [ -d /proc/self ]; then
		_st=$(sed 's/^.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f1)
		[ -n "$_st" ] && [ "$_st" != Z ]
	else
		kill -0 "$1" 2> /dev/null
	fi
}

daemon_start() {
	"$ENFORCERD" -d -c "$T/$1.xml" > /dev/null 2> "$T/$1.err" < /dev/null &
	eval "pid_$1=\$!"
}

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

daemon_stop() {
	eval "_pid=\$pid_$1"
	kill -TERM "$_pid" 2> /dev/null
	_end=$(($(date +%s) + 60))
	while alive "$_pid" && [ "$(date +%s)" -lt "$_end" ]; do
		sleep 0.1
	done
	alive "$_pid" && kill -KILL "$_pid"
	wait "$_pid" 2> /dev/null
}
