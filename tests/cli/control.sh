#!/bin/sh
# ods-control, and ods-ksmutil start|stop|notify, without the real daemon:
# a stand-in (tests/cli/sigcount) holds the pid file and logs each signal
# it gets; scripts in $T stand in for ods-enforcerd, ods-signer and the
# tools, through the ODS_*_PATH test hooks.
#
# Only the two give-up cases wait the full 5 s of the 1.x rules (a stop the
# daemon ignores, a start that never writes its pid file). Every other wait
# is for something that happens at once, with a generous limit so a busy
# machine does not make it fail.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/wait.sh"
: "${top_builddir:?top_builddir not set}"

# Nothing here touches a database: one run is enough.
[ "${ODS_TEST_BACKEND:-sqlite}" = sqlite ] || skip_all "no database involved (runs with sqlite only)"

CONTROL="$top_builddir/ods-control"
KSMUTIL="$top_builddir/ods-ksmutil"
unset ODS_ENFORCERD_PATH ODS_KSMUTIL_PATH ODS_HSMUTIL_PATH ODS_SIGNER_PATH

T=$(mktemp -d "${TMPDIR:-/tmp}/ctlcli.XXXXXX")
# the stand-ins still running: killed at the end, so a failing test leaves
# none behind (a pid leaves the list once its process is gone)
helpers=
cleanup() {
	for p in $helpers; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
gone() {
	helpers=$(printf '%s\n' $helpers | grep -vx "$1" | tr '\n' ' ')
}
trap cleanup EXIT
# the stand-in answers to the daemon's name (/proc/<pid>/comm): only a
# process named ods-enforcerd is ever signalled
SIGCOUNT="$T/bin/ods-enforcerd"
mkdir "$T/bin" && ln -s "$top_builddir/tests/cli/sigcount" "$SIGCOUNT"

PID="$T/enforcerd.pid"
LOG="$T/signals"

# A conf.xml with only what ods-control reads: it is not valid against the
# schema, which ods-control and ksmutil's start/stop/notify do not ask for.
cat > "$T/conf.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Configuration>
	<Enforcer>
		<PidFile>
			$PID
		</PidFile>
	</Enforcer>
	<Signer>
		<PidFile>$T/signerd.pid</PidFile>
		<SocketFile>$T/engine.sock</SocketFile>
	</Signer>
</Configuration>
XML

# makevar NAME : a variable of the build's Makefile (the configured paths);
# the marker keeps out whatever make prints when it remakes the Makefile
makevar() {
	printf 'print-var:\n\t@echo "makevar=$(%s)"\n' "$1" |
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" -f Makefile -f - print-var |
		sed -n 's/^makevar=//p'
}

# ctl ARGS : ods-control -c $T/conf.xml ARGS; stdout in $out, stderr in $err, status in $rc
ctl() {
	out=$("$CONTROL" -c "$T/conf.xml" "$@" < /dev/null 2> "$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}

# kctl ARGS : the same with ods-ksmutil
kctl() {
	out=$("$KSMUTIL" -c "$T/conf.xml" "$@" < /dev/null 2> "$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}

has_lines() { [ "$(wc -l < "$LOG" 2>/dev/null || echo 0)" -ge "$1" ]; }
log_is() { cat "$LOG" 2>/dev/null; }

# helper [ignore-term] : start the stand-in daemon; its pid in $hpid, once
# its pid file is there (and so its signals blocked)
helper() {
	rm -f "$PID" "$LOG"
	"$SIGCOUNT" "$PID" "$LOG" "$@" &
	hpid=$!
	helpers="$helpers $hpid"
	wait_until test -s "$PID" || echo "Bail out! the stand-in daemon did not start"
}

# script NAME BODY : an executable sh script $T/NAME
script() {
	printf '#!/bin/sh\n%s\n' "$2" > "$T/$1"
	chmod +x "$T/$1"
}

# prints its arguments one a line into $T/args, exits with $FAKE_STATUS (0)
script args.sh 'for a in "$@"; do printf "%s\n" "$a"; done > "'"$T"'/args"; exit ${FAKE_STATUS:-0}'

# ---- usage: stdout, exit 0 (as 1.x)
ctl
is "$rc" 0 "no command: exit 0"
is "$out" "usage: ods-control ksm|hsm|signer|enforcer|start|stop ..." "no command: usage line"
out=$("$CONTROL" frob); rc=$?
is "$rc" 0 "unknown command: exit 0"
is "$out" "usage: ods-control ksm|hsm|signer|enforcer|start|stop ..." "unknown command: usage line"
ctl enforcer
is "$rc" 0 "enforcer alone: exit 0"
is "$out" "usage: ods-control enforcer start|stop|notify" "enforcer alone: enforcer usage"
ctl enforcer restart
is "$rc" 0 "enforcer restart: exit 0"
is "$out" "usage: ods-control enforcer start|stop|notify" "enforcer restart: enforcer usage"
"$CONTROL" -c > /dev/null 2> "$T/stderr"; rc=$?
is "$rc" 1 "-c without a file: exit 1"
like "$(cat "$T/stderr")" "option -c needs a file name" "-c without a file: says so"

# ---- notify
rm -f "$PID"
ctl enforcer notify
is "$rc" 1 "notify, no pid file: exit 1"
is "$out" "Notifying enforcer of new database...
Cannot find PID file" "notify, no pid file: 1.x lines"
kctl notify
is "$rc" 1 "ksmutil notify, no pid file: exit 1 (1.x exited 0)"
is "$out" "Notifying enforcer of new database...
Cannot find PID file" "ksmutil notify, no pid file: 1.x lines"
is "$err" "Couldn't run ods-control enforcer notify" "ksmutil notify, no pid file: stderr"

n=0
for content in "" "   " "not a pid" "12abc" "1" "0" "-5" "99999999999999999999" "12 13"; do
	n=$((n + 1))
	printf '%s\n' "$content" > "$PID"
	ctl enforcer notify
	if [ "$rc" = 1 ] && [ "$out" = "Notifying enforcer of new database...
Cannot find PID file" ]; then
		ok 0 "notify, pid file '$content': Cannot find PID file, exit 1"
	else
		ok 1 "notify, pid file '$content': Cannot find PID file, exit 1"
		diag "rc=$rc out=$out err=$err"
	fi
done

# a pid file that names a process which is gone
sh -c 'exit 0' &
gone=$!
wait "$gone"
echo "$gone" > "$PID"
ctl enforcer notify
is "$rc" 1 "notify, stale pid: exit 1"
like "$err" "cannot send SIGHUP to process $gone" "notify, stale pid: says why on stderr"
kctl notify
is "$rc" 1 "ksmutil notify, stale pid: exit 1"
like "$err" "Couldn't run ods-control enforcer notify" "ksmutil notify, stale pid: Couldn't run"

# a pid file whose number now belongs to another program: it gets no signal
sleep 300 &
other=$!
helpers="$helpers $other"
# until the exec is done: before it, the process still has the shell's name
wait_comm "$other" sleep
echo "$other" > "$PID"
for verb in notify stop; do
	ctl enforcer $verb
	is "$rc" 1 "$verb, the pid of another program: exit 1"
	like "$err" "to process $other \\(from $PID\\): it is sleep, not ods-enforcerd" \
		"$verb, the pid of another program: says whose pid it is"
done
kctl notify
is "$rc" 1 "ksmutil notify, the pid of another program: exit 1"
kill -0 "$other"
ok $? "the other program was not signalled"
kill "$other"
gone "$other"

helper
ctl enforcer notify
is "$rc" 0 "notify, daemon running: exit 0"
is "$out" "Notifying enforcer of new database..." "notify, daemon running: one line"
is "$err" "" "notify, daemon running: nothing on stderr"
wait_until has_lines 1
is "$(log_is)" "hup" "notify: the daemon got one SIGHUP"
kctl notify
is "$rc" 0 "ksmutil notify, daemon running: exit 0"
is "$out" "Notifying enforcer of new database..." "ksmutil notify: one line"
is "$err" "" "ksmutil notify: nothing on stderr"
wait_until has_lines 2
is "$(log_is)" "hup
hup" "ksmutil notify: the daemon got a second SIGHUP"
# a conf.xml that is not well-formed gives the compiled-in pid file
rundir=$(makevar ODS_RUNDIR)
sed 's|</Configuration>||' "$T/conf.xml" > "$T/broken.xml"
if [ -n "$rundir" ] && [ ! -e "$rundir/enforcerd.pid" ]; then
	out=$("$KSMUTIL" -c "$T/broken.xml" notify 2>/dev/null); rc=$?
	is "$rc" 1 "ksmutil notify, broken conf.xml: the default pid file (absent), exit 1"
	is "$out" "Notifying enforcer of new database...
Cannot find PID file" "ksmutil notify, broken conf.xml: Cannot find PID file"
	is "$(log_is | wc -l | tr -d ' ')" 2 "ksmutil notify, broken conf.xml: no signal sent"
else
	diag "$rundir/enforcerd.pid exists: not testing the default pid file"
fi

# ---- stop
ctl enforcer stop
wait "$hpid"
hrc=$?
gone "$hpid"
is "$rc" 0 "stop, daemon running: exit 0"
is "$out" "Stopping enforcer..." "stop: one line"
is "$(log_is | tail -1)" "term" "stop: the daemon got SIGTERM"
is "$hrc" 0 "stop: the daemon exited"
[ ! -e "$PID" ]; ok $? "stop: the pid file is gone"

ctl enforcer stop
is "$rc" 1 "stop, no pid file: exit 1"
is "$out" "Stopping enforcer...
Cannot find PID file" "stop, no pid file: 1.x lines"
kctl stop
is "$rc" 1 "ksmutil stop, no pid file: exit 1"
is "$err" "Couldn't run ods-control enforcer stop" "ksmutil stop, no pid file: stderr"

helper
kctl stop
wait "$hpid"
gone "$hpid"
is "$rc" 0 "ksmutil stop, daemon running: exit 0"
is "$out" "Stopping enforcer..." "ksmutil stop: one line"
is "$err" "" "ksmutil stop: nothing on stderr"
is "$(log_is)" "term" "ksmutil stop: the daemon got SIGTERM"

# a daemon that does not go: given up after the 5 s of 1.x (slow)
helper ignore-term
kctl stop
is "$rc" 1 "ksmutil stop, daemon ignores TERM: exit 1"
is "$out" "Stopping enforcer...
Could not stop enforcer" "daemon ignores TERM: Could not stop enforcer"
is "$err" "Couldn't run ods-control enforcer stop" "daemon ignores TERM: Couldn't run on stderr"
wait_until has_lines 1
is "$(log_is)" "term ignored" "daemon ignores TERM: it got exactly one SIGTERM"
kill -9 "$hpid" 2>/dev/null
wait "$hpid" 2>/dev/null
gone "$hpid"
rm -f "$PID"

# ---- start (ods-enforcerd stand-ins through ODS_ENFORCERD_PATH)
script fail-enforcerd 'for a in "$@"; do printf "%s\n" "$a"; done > "'"$T"'/args"; echo "daemon says no" >&2; exit 3'
export ODS_ENFORCERD_PATH="$T/fail-enforcerd"
ctl enforcer start
is "$rc" 3 "start, the daemon fails: its status"
is "$out" "Starting enforcer..." "start, the daemon fails: one line"
is "$err" "daemon says no" "start, the daemon fails: its stderr passes through"
is "$(cat "$T/args")" "-c
$T/conf.xml" "start: the daemon gets -c with ods-control's -c"
"$CONTROL" enforcer start > /dev/null 2>&1
is "$(cat "$T/args")" "" "start without -c: the daemon gets no arguments (as 1.x)"
kctl start
is "$rc" 3 "ksmutil start, the daemon fails: its status"
is "$out" "Starting enforcer..." "ksmutil start, the daemon fails: one line"
is "$err" "daemon says no
Couldn't run ods-control enforcer start" "ksmutil start, the daemon fails: stderr"
is "$(cat "$T/args")" "-c
$T/conf.xml" "ksmutil start: the daemon gets ksmutil's -c"
ctl start
is "$rc" 3 "start (both), the enforcer fails: its status"
unlike "$out" "signer" "start (both), the enforcer fails: the signer is left alone"

export ODS_ENFORCERD_PATH="$T/no-such-enforcerd"
ctl enforcer start
is "$rc" 127 "start, no daemon program: 127, as a shell"
like "$err" "cannot run $T/no-such-enforcerd: No such file or directory" "start, no daemon program: says so"

# a daemon that forks: its parent returns once the child has written the pid file
script fork-enforcerd '"'"$SIGCOUNT"'" "'"$PID"'" "'"$LOG"'" > /dev/null 2>&1 < /dev/null &
i=0; while [ ! -s "'"$PID"'" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done; exit 0'
export ODS_ENFORCERD_PATH="$T/fork-enforcerd"
rm -f "$LOG"
ctl enforcer start
daemon=$(cat "$PID" 2>/dev/null)
helpers="$helpers $daemon"
is "$rc" 0 "start: exit 0 once the pid file is there"
is "$out" "Starting enforcer..." "start: one line"
ctl enforcer notify
wait_until has_lines 1
is "$(log_is)" "hup" "start: the started daemon answers notify"
# already running: the old pid file is there, so start reports success (1.x)
script ok-enforcerd 'exit 0'
export ODS_ENFORCERD_PATH="$T/ok-enforcerd"
ctl enforcer start
is "$rc" 0 "start while running: exit 0 (the pid file is there)"
ctl enforcer stop
is "$rc" 0 "stop of the started daemon: exit 0"
wait_until has_lines 2
is "$(log_is | tail -1)" "term" "stop of the started daemon: it got SIGTERM"
# it is gone once its pid file is (and it is not our child: no wait)
[ "$rc" != 0 ] || gone "$daemon"

# the daemon exits 0 but no pid file ever comes (slow: 5 s)
rm -f "$PID"
kctl start
is "$rc" 1 "start, no pid file comes: exit 1"
is "$out" "Starting enforcer...
Could not start enforcer" "start, no pid file comes: Could not start enforcer"
is "$err" "Couldn't run ods-control enforcer start" "start, no pid file comes: Couldn't run"
unset ODS_ENFORCERD_PATH

# ---- ksm and hsm: arguments passed on as given (1.x split them at spaces)
export ODS_KSMUTIL_PATH="$top_builddir/ods-ksmutil"
ctl ksm zone add --zone "a b"
is "$rc" 1 "ksm: ods-ksmutil's status"
is "$out" "Error: zone name \"a b\" has a character that is not allowed (' ')" \
	"ksm: the zone name 'a b' arrives as one argument"
export ODS_KSMUTIL_PATH="$T/args.sh"
FAKE_STATUS=7 ctl ksm zone add "" --zone "a b" '*'
is "$rc" 7 "ksm: the tool's exit status"
is "$(cat "$T/args")" "-c
$T/conf.xml
zone
add

--zone
a b
*" "ksm: -c, then the words unsplit, unglobbed, empty ones kept"
"$CONTROL" ksm key list > /dev/null 2>&1
is "$(cat "$T/args")" "key
list" "ksm without -c: only the words"
export ODS_KSMUTIL_PATH="$T/no-such-ksmutil"
ctl ksm key list
is "$rc" 127 "ksm, no program: 127"
like "$err" "cannot run $T/no-such-ksmutil" "ksm, no program: says so"
unset ODS_KSMUTIL_PATH

export ODS_HSMUTIL_PATH="$T/args.sh"
ctl hsm list "my repo"
is "$rc" 0 "hsm: the tool's exit status"
is "$(cat "$T/args")" "-c
$T/conf.xml
list
my repo" "hsm: -c, then the words unsplit"
export ODS_HSMUTIL_PATH="$top_builddir/ods-hsmutil"
ctl hsm -V
is "$rc" 0 "hsm -V: ods-hsmutil runs"
like "$out" "^ods-hsmutil version " "hsm -V: its output passes through"
unset ODS_HSMUTIL_PATH

# ---- signer (stand-in through ODS_SIGNER_PATH)
sbindir=$(makevar sbindir)
if [ -n "$sbindir" ] && [ ! -e "$sbindir/ods-signer" ]; then
	ctl signer zones
	is "$rc" 127 "signer, not installed: 127, as a shell"
	is "$err" "ods-control: cannot run $sbindir/ods-signer: No such file or directory" \
		"signer, not installed: says so on stderr"
else
	diag "$sbindir/ods-signer exists: not testing its absence"
fi

# records each call's words on one line in $T/signer.calls; "start"
# creates the pid and socket files unless NO_FILES is set
script signer 'echo "$*" >> "'"$T"'/signer.calls"
if [ "$1" = start ] && [ -z "${NO_FILES:-}" ]; then : > "'"$T"'/signerd.pid"; : > "'"$T"'/engine.sock"; fi
exit ${FAKE_STATUS:-0}'
export ODS_SIGNER_PATH="$T/signer"
ctl signer update "a b"
is "$rc" 0 "signer ARGS: exit status of ods-signer"
is "$(cat "$T/signer.calls")" "update a b" "signer ARGS: passed on"
rm -f "$T/signer.calls"
FAKE_STATUS=5 ctl signer start
is "$rc" 5 "signer start, ods-signer start fails: its status"
is "$out" "Starting signer engine..." "signer start fails: one line"
rm -f "$T/signer.calls"
ctl signer start
is "$rc" 0 "signer start: the status of ods-signer running"
is "$out" "Starting signer engine..." "signer start: one line"
is "$(cat "$T/signer.calls")" "start
running" "signer start: start, wait for the files, running"
rm -f "$T/signer.calls" "$T/signerd.pid" "$T/engine.sock"

# start: the enforcer (writes its pid file and returns), then the signer
script pidfile-enforcerd 'echo 4242 > "'"$PID"'"'
export ODS_ENFORCERD_PATH="$T/pidfile-enforcerd"
ctl start
is "$rc" 0 "start: enforcer then signer, exit 0"
is "$out" "Starting enforcer...
Starting signer engine..." "start: both lines"
is "$(cat "$T/signer.calls")" "start
running" "start: the signer is started"
rm -f "$T/signer.calls" "$PID"
unset ODS_ENFORCERD_PATH

# stop: the enforcer's failure is ignored, the signer's status counts
FAKE_STATUS=4 ctl stop
is "$rc" 4 "stop: the status of ods-signer stop"
is "$out" "Stopping enforcer...
Cannot find PID file
Stopping signer engine..." "stop: enforcer lines, then the signer's"
is "$(cat "$T/signer.calls")" "stop" "stop: ods-signer stop"
unset ODS_SIGNER_PATH

done_testing
