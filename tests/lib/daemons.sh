# daemons.sh - ods-enforcerd processes in the background, by name (sourced
# by sh tests after tap.sh and cliutil.sh; needs $T). Sets ENFORCERD,
# adds the SoftHSM leak suppressions to LSAN_OPTIONS and sources
# softhsm.sh.
#
#   daemon_token           a fresh SoftHSM token OpenDNSSEC (PIN 1234) in
#                          $T/hsm, as conf.xml names it; skips the whole
#                          file without SoftHSMv2
#   daemon_conf NAME [OPTION...]
#                          $T/NAME.xml: $T/conf.xml for a daemon of its own
#                          (pid file $T/NAME.pid, PollInterval 1 s, nobody
#                          to tell of signconf files), with the OPTIONs
#                          interval=DURATION, notify=COMMAND,
#                          datastore=XML (the <Datastore> contents) and
#                          manual (<ManualKeyGeneration/>)
#   notify_log_script      $T/notify.sh, a signer command that appends its
#                          zone to $T/notified
#   daemon_start NAME      ods-enforcerd -d -c $T/NAME.xml; stderr in
#                          $T/NAME.err, pid in $pid_NAME
#   wait_log NAME TEXT [N] until $T/NAME.err holds N (default 1) lines with
#                          TEXT; fails after 60 s, or at once when that
#                          daemon is gone without them
#   daemon_stop NAME       SIGTERM, then wait for the exit (kill -9 after 60 s)
#   alive PID              the process exists and is not a zombie
#   daemon_is NAME [PID]   daemon NAME still runs: its pid (PID, or else
#                          $pid_NAME, which a subshell started before the
#                          daemon lacks) is alive and holds $T/NAME.xml on
#                          its command line (on a busy machine pids wrap
#                          within a minute, and a dead daemon's pid may run
#                          another test's process)
#   daemon_kill NAME...    SIGKILL each named daemon that daemon_is still;
#                          for the EXIT traps
#   lab_zonelist PREFIX FIRST LAST DIR
#                          on stdout: a zonelist.xml of zones
#                          PREFIX<FIRST..LAST>.example on policy lab, their
#                          signconf files in DIR
#   zone_key_faults        what breaks "every zone has exactly one active
#                          ZSK and one KSK in publish/ready/active, and every
#                          key row its key pair" (a policy without
#                          rollovers in sight): one line per fault, none
#                          when all hold (needs cliutil.sh's db_sql)
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

daemon_is() {
	_dp=${2:-}
	[ -n "$_dp" ] || eval "_dp=\${pid_$1:-}"
	[ -n "$_dp" ] && alive "$_dp" || return 1
	[ -d /proc/self ] || return 0
	tr '\0' ' ' < "/proc/$_dp/cmdline" 2> /dev/null | grep -qF -- "$T/$1.xml"
}

daemon_kill() {
	for _n in "$@"; do
		daemon_is "$_n" || continue
		kill -CONT "$_dp" 2> /dev/null
		kill -KILL "$_dp" 2> /dev/null
	done
}

daemon_conf() {
	_name=$1 _interval= _notify= _ds= _manual=
	shift
	for _o in "$@"; do
		case $_o in
		interval=*) _interval=${_o#interval=} ;;
		notify=*) _notify=${_o#notify=} ;;
		datastore=*) _ds=${_o#datastore=} ;;
		manual) _manual="<ManualKeyGeneration/>" ;;
		*) echo "Bail out! daemon_conf: unknown option $_o"; exit 1 ;;
		esac
	done
	sed -e "s|<PidFile>[^<]*</PidFile>|<PidFile>$T/$_name.pid</PidFile><Cluster><PollInterval>PT1S</PollInterval></Cluster>$_manual|" \
		-e "s|<Interval>\([^<]*\)</Interval>|<Interval>${_interval:-\1}</Interval><SignerNotifyCommand>$_notify</SignerNotifyCommand>|" \
		"$T/conf.xml" > "$T/$_name.xml"
	[ -z "$_ds" ] || sed -i "s|<Datastore>.*</Datastore>|<Datastore>$_ds</Datastore>|" "$T/$_name.xml"
}

notify_log_script() {
	printf '#!/bin/sh\necho "$1" >> "%s/notified"\n' "$T" > "$T/notify.sh"
	chmod +x "$T/notify.sh"
}

daemon_start() {
	: > "$T/$1.err" # for wait_log, which may look before the job has run
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

zone_key_faults() {
	db_sql "SELECT z.name, 'zsk', COUNT(k.id) FROM zones z LEFT JOIN dnsseckeys k
			ON k.zone_id = z.id AND k.keytype = 256 AND k.state = 4
		GROUP BY z.name HAVING COUNT(k.id) <> 1
		UNION ALL
		SELECT z.name, 'ksk', COUNT(k.id) FROM zones z LEFT JOIN dnsseckeys k
			ON k.zone_id = z.id AND k.keytype = 257 AND k.state IN (2, 3, 4)
		GROUP BY z.name HAVING COUNT(k.id) <> 1
		UNION ALL
		SELECT 'orphan row', 'key', COUNT(*) FROM dnsseckeys k
		WHERE NOT EXISTS (SELECT 1 FROM keypairs p WHERE p.id = k.keypair_id)
		HAVING COUNT(*) > 0"
}

lab_zonelist() {
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n'
	_i=$2
	while [ "$_i" -le "$3" ]; do
		printf '<Zone name="%s%d.example"><Policy>lab</Policy><SignerConfiguration>%s/%s%d.xml</SignerConfiguration><Adapters><Input><File>/dev/null</File></Input><Output><File>/dev/null</File></Output></Adapters></Zone>\n' \
			"$1" "$_i" "$4" "$1" "$_i"
		_i=$((_i + 1))
	done
	printf '</ZoneList>\n'
}
