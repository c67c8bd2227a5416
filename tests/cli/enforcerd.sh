#!/bin/sh
# ods-enforcerd: options; start-up and its failures (configuration,
# privileges, HSM, database, pid file); the run loop with its signals; the
# test clock; a database that goes away while the daemon runs.
#
# The daemons run with -d (or under the test clock, which implies it), so
# their log also comes on stderr, where it is checked. Only the daemon's
# own lines are checked, never those of the enforce pass itself, so these
# tests hold whatever the pass does. Waits poll with a generous deadline;
# nothing depends on how fast the machine is.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

ENFORCERD="$top_builddir/ods-enforcerd"
PIDFILE="$T/enforcerd.pid"
unset ENFORCER_TIMESHIFT
# SoftHSM's own leaks are not ours (see the file)
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

# run ARGS... : ods-enforcerd in the foreground, with $RUN_ENV (NAME=value)
# added to its environment; stdout in $out, stderr in $err, status in $rc
run() {
	out=$(env ${RUN_ENV:+"$RUN_ENV"} "$ENFORCERD" "$@" 2> "$T/d.err" < /dev/null)
	rc=$?
	err=$(cat "$T/d.err")
}

# has TEXT NAME : stderr ($err) holds the log line TEXT, exactly
has() {
	printf '%s\n' "$err" | grep -Fxq -- "ods-enforcerd: $1"
	ok $? "$2"
}
hasnt() {
	! printf '%s\n' "$err" | grep -Fq -- "$1"
	ok $? "$2"
}

# frame TEXT : the daemon's own lines of a log, in order, without the ident
# and with the pid in "started" made N
frame() {
	printf '%s\n' "$1" | sed -n 's/^ods-enforcerd: //p' | grep -E \
		'^(opendnssec |Timeshift|HSM (opened|reopened|connection)|Checking database|Database connection|Reading config "|DEBUG: Timeshift|Connecting to|Disconnecting|Will only|Running once|Received SIG|Sleeping for|all done!)' |
		sed 's/^\(opendnssec started (version [^)]*), pid \)[0-9][0-9]*$/\1N/'
}

# alive PID : the process exists and is not a zombie
alive() {
	if [ -d /proc/self ]; then
		[ -r "/proc/$1/stat" ] || return 1
		_st=$(sed 's/^.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f1)
		[ -n "$_st" ] && [ "$_st" != Z ]
	else
		kill -0 "$1" 2> /dev/null
	fi
}

# start ARGS... : ods-enforcerd in the background; stderr in $T/bg.err, pid in $bg
start() {
	# made here, not only by the background job's redirection: wait_log may
	# look before that job has run, and a missing file made it return 0
	: > "$T/bg.err"
	"$ENFORCERD" "$@" > "$T/bg.out" 2> "$T/bg.err" < /dev/null &
	bg=$!
}

# wait_log TEXT N [SECONDS] : until the background daemon's stderr holds N
# lines containing TEXT; fails on the deadline (default 60 s) or when the
# daemon has exited without them
wait_log() {
	_end=$(($(date +%s) + ${3:-60}))
	while [ "$(grep -cF -- "$1" "$T/bg.err")" -lt "$2" ]; do
		if ! alive "$bg" || [ "$(date +%s)" -ge "$_end" ]; then
			[ "$(grep -cF -- "$1" "$T/bg.err")" -ge "$2" ]
			return
		fi
		sleep 0.1
	done
}

# reap [SECONDS] : wait for the background daemon to exit (killed after the
# deadline, default 60 s); status in $rc, stderr in $err. The deadline is
# polled, not kept by a background watchdog: bash runs the EXIT trap (which
# removes $T) in a subshell that is killed before it has reset its traps.
reap() {
	_end=$(($(date +%s) + ${1:-60}))
	while alive "$bg" && [ "$(date +%s)" -lt "$_end" ]; do
		sleep 0.1
	done
	alive "$bg" && kill -KILL "$bg"
	wait "$bg"
	rc=$?
	err=$(cat "$T/bg.err")
}

# count TEXT : lines of $err containing TEXT
count() {
	printf '%s\n' "$err" | grep -cF -- "$1"
}

# conf_with FILE SED-SCRIPT : $T/conf.xml edited
conf_with() {
	sed "$2" "$T/conf.xml" > "$1"
}

# ---- options
run -V
is "$rc:$out" "0:opendnssec version 1.4.14" "-V prints the 1.x version line"
run -h
is "$rc" 0 "-h exits 0"
like "$out" '-1 +run once' "-h lists the options on stdout"
like "$out" '-d +debug: .*stderr' "-h says what -d does"
run -X
is "$rc" 1 "an unknown option exits 1"
is "$out" "" "an unknown option: nothing on stdout"
like "$err" '^usage: ' "an unknown option: usage on stderr"
run -1 -d extra
is "$rc:$out" "1:" "a stray argument exits 1"
like "$err" "unexpected argument 'extra'" "a stray argument is named"

if ! softhsm_available; then
	diag "SoftHSMv2 is not installed: the daemon tests are skipped"
	done_testing
	exit
fi
# the conf.xml of cliutil.sh names token "OpenDNSSEC", PIN 1234
softhsm_init "$T/hsm" OpenDNSSEC 2> "$T/softhsm.log" ||
	{ echo "Bail out! cannot make a SoftHSM token: $(cat "$T/softhsm.log")"; exit 1; }
# no zones: a real pass has little to do
printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$T/zonelist.xml"
ksm setup --yes
is "$rc" 0 "setup"

# ---- the test clock
if [ "${TIMESHIFT_BUILT-#}" = "" ]; then
	RUN_ENV="ENFORCER_TIMESHIFT=garbage" run -d -c "$T/conf.xml"
	is "$rc" 1 "timeshift: an unparsable value exits 1"
	is "$out" "Couldn't turn \"garbage\" into a date, quitting..." "timeshift: the 1.x message"
	[ ! -e "$PIDFILE" ]
	ok $? "timeshift: an unparsable value leaves no pid file"

	# no -d, no -1: the test clock implies both
	RUN_ENV="ENFORCER_TIMESHIFT=01-01-2010 12:00" run -c "$T/conf.xml"
	is "$rc" 0 "timeshift: runs once and exits 0"
	unlike "$out" "started" "timeshift: does not fork"
	has "Timeshift mode detected, running once only!" "timeshift: the log line"
	printf '%s\n' "$err" | grep -Fxq "WARNING: Timeshift mode detected, running once only!"
	ok $? "timeshift: the warning on stderr"
	has "DEBUG: Timeshift in operation; ENFORCER_TIMESHIFT set to 01-01-2010 12:00" \
		"timeshift: the DEBUG line with the value"
	is "$(frame "$err")" "opendnssec starting...
Timeshift mode detected, running once only!
opendnssec DEBUG ON.
opendnssec in debug mode - not forking...
opendnssec started (version 1.4.14), pid N
HSM opened successfully.
Checking database connection...
Database connection ok.
Reading config \"$T/conf.xml\"
DEBUG: Timeshift in operation; ENFORCER_TIMESHIFT set to 01-01-2010 12:00
Connecting to Database...
Disconnecting from Database...
Running once only, exiting...
all done!" "timeshift: start-up, one run, exit"
	[ ! -e "$PIDFILE" ]
	ok $? "timeshift: the pid file is removed"
else
	# the variable means nothing to this build
	RUN_ENV="ENFORCER_TIMESHIFT=garbage" run -1 -d -c "$T/conf.xml"
	is "$rc" 0 "no timeshift build: ENFORCER_TIMESHIFT is ignored"
	hasnt "Timeshift" "no timeshift build: nothing said about it"
fi

# ---- -1 -d: one run in the foreground
run -1 -d -c "$T/conf.xml"
is "$rc" 0 "-1 -d exits 0"
is "$out" "" "-1 -d: nothing on stdout"
is "$(frame "$err")" "opendnssec starting...
opendnssec DEBUG ON.
opendnssec in debug mode - not forking...
opendnssec started (version 1.4.14), pid N
HSM opened successfully.
Checking database connection...
Database connection ok.
Reading config \"$T/conf.xml\"
Connecting to Database...
Disconnecting from Database...
Running once only, exiting...
all done!" "-1 -d: start-up, one run, exit"
has "Communication Interval: 3600" "config read: the interval"
has "No DS Submit command supplied" "config read: no DS command"
has "Pidfile set to: $PIDFILE" "config read: the pid file"
is "$(count "Log User set to: local0")" 2 "config read: the facility, at start-up and in the run"
has "Switched log facility to: local0" "config read: the facility switch"
if [ "$DB_BACKEND" = sqlite ]; then
	has "SQLite database set to: $DB" "config read: the SQLite file"
fi
hasnt "Timeshift" "-1 -d: no test clock"
[ ! -e "$PIDFILE" ]
ok $? "-1 -d: the pid file is removed at exit"

# -P instead of PidFile; its directory is made
run -1 -d -c "$T/conf.xml" -P "$T/run/other.pid"
is "$rc" 0 "-P: exits 0"
hasnt "Pidfile set to" "-P: no 'Pidfile set to' line"
[ -d "$T/run" ] && [ ! -e "$T/run/other.pid" ] && [ ! -e "$PIDFILE" ]
ok $? "-P: the directory was made, the pid file removed at exit"

# durations with Y or M are approximate, and said so
conf_with "$T/approx.xml" 's|<Interval>PT3600S</Interval>|<Interval>P1M</Interval><RolloverNotification>P1Y</RolloverNotification><DelegationSignerSubmitCommand>/bin/cat --cka_id</DelegationSignerSubmitCommand>|'
run -1 -d -c "$T/approx.xml"
is "$rc" 0 "approximate durations: exits 0"
is "$(count "Info: converting P1M to seconds; M interpreted as 31 days, Y interpreted as 365 days")" 2 \
	"approximate durations: the Info line for Interval, at start-up and in the run"
has "Info: converting P1Y to seconds; M interpreted as 31 days, Y interpreted as 365 days" \
	"approximate durations: the Info line for RolloverNotification"
has "Communication Interval: 2678400" "approximate durations: the interval in seconds"
has "Rollover Notification Interval: 31536000" "the rollover notification interval"
has "Using command: /bin/cat to submit DS records" "the DS command, without --cka_id"

# ---- -p: one run, one policy
run -p default -d -c "$T/conf.xml"
is "$rc" 0 "-p exits 0"
is "$out" 'Will only process policy "default", will only run once. Check the logs for results. ' \
	"-p: the 1.x line on stdout, trailing space included"
has 'Will only process policy "default" as specified on the command line with the --policy option.' \
	"-p: the log line"
has "Running once only, exiting..." "-p: runs once"

# ---- the pid file
echo $$ > "$PIDFILE"
run -1 -d -c "$T/conf.xml"
is "$rc" 1 "a live pid file: exits 1"
has "pidfile $PIDFILE already exists, a process with pid $$ is already running. If no ods-enforcerd process is running, a previous instance didn't shutdown cleanly, please remove this file and try again." \
	"a live pid file: the 1.x message"
is "$(cat "$PIDFILE")" "$$" "a live pid file is left alone"
hasnt "Connecting to Database" "a live pid file: no run"

sh -c 'exit 0' &
dead=$!
wait "$dead"
echo "$dead" > "$PIDFILE"
run -1 -d -c "$T/conf.xml"
is "$rc" 0 "a stale pid file: exits 0"
has "pidfile $PIDFILE already exists, but no process with pid $dead is running. A previous instance didn't shutdown cleanly, this pidfile is stale." \
	"a stale pid file: the 1.x warning"
has "Running once only, exiting..." "a stale pid file: the run happens"
[ ! -e "$PIDFILE" ]
ok $? "a stale pid file is replaced, then removed at exit"

echo "not a pid" > "$PIDFILE"
run -1 -d -c "$T/conf.xml"
is "$rc" 0 "a pid file without a pid is stale"
like "$err" "pidfile $PIDFILE already exists, but holds no process id" "... and said so"
[ ! -e "$PIDFILE" ]
ok $? "... and removed at exit"

echo precious > "$T/target"
ln -s "$T/target" "$PIDFILE"
run -1 -d -c "$T/conf.xml"
is "$rc" 1 "a symbolic link at the pid file: exits 1"
like "$err" "cannot read pidfile $PIDFILE: " "a symbolic link: refused"
is "$(cat "$T/target")" precious "a symbolic link: its target is untouched"
[ -L "$PIDFILE" ]
ok $? "a symbolic link: left in place"
rm -f "$PIDFILE" "$T/target"
ln -s "$T/target" "$PIDFILE"
run -1 -d -c "$T/conf.xml"
is "$rc" 1 "a dangling symbolic link: exits 1"
[ ! -e "$T/target" ]
ok $? "a dangling symbolic link: its target is not created"
rm -f "$PIDFILE"

# ---- configuration errors at start-up
run -1 -d -c "$T/missing.xml"
is "$rc" 1 "a missing conf.xml exits 1"
has "Error: unable to open file \"$T/missing.xml\"" "a missing conf.xml: the 1.x line"
has "Error reading config" "a missing conf.xml: Error reading config"
echo "<Configuration>" > "$T/broken.xml"
run -1 -d -c "$T/broken.xml"
is "$rc" 1 "conf.xml not XML: exits 1"
has "Error: unable to parse file \"$T/broken.xml\"" "conf.xml not XML: the 1.x line"
conf_with "$T/invalid.xml" 's|<Interval>PT3600S</Interval>|<Interval>PT3600S</Interval><Foo/>|'
run -1 -d -c "$T/invalid.xml"
is "$rc" 1 "conf.xml invalid: exits 1"
has "Error validating file \"$T/invalid.xml\"" "conf.xml invalid: the 1.x line"
like "$err" "element Foo" "conf.xml invalid: the detail first"

# ---- privileges
conf_with "$T/nouser.xml" 's|<Enforcer>|<Enforcer><Privileges><User>ods-no-such-user</User></Privileges>|'
run -1 -d -c "$T/nouser.xml"
is "$rc" 1 "an unknown user exits 1"
has "user 'ods-no-such-user' does not exist. exiting..." "an unknown user: the 1.x line"
conf_with "$T/nogroup.xml" 's|<Enforcer>|<Enforcer><Privileges><Group>ods-no-such-group</Group></Privileges>|'
run -1 -d -c "$T/nogroup.xml"
is "$rc" 1 "an unknown group exits 1"
has "group 'ods-no-such-group' does not exist. exiting..." "an unknown group: the 1.x line"
if [ "$(id -u)" -ne 0 ]; then
	conf_with "$T/self.xml" "s|<Enforcer>|<Enforcer><Privileges><User>$(id -un)</User><Group>$(id -gn)</Group></Privileges>|"
	run -1 -d -c "$T/self.xml"
	is "$rc" 0 "not root, asked to be ourselves: runs"
	hasnt "user set to" "not root, asked to be ourselves: nothing to drop"
elif id nobody > /dev/null 2>&1; then
	# $T is root's alone: as nobody the daemon cannot reach the token and stops there
	grp=$(id -gn nobody)
	conf_with "$T/nobody.xml" "s|<Enforcer>|<Enforcer><Privileges><User>nobody</User><Group>$grp</Group></Privileges>|"
	run -1 -d -c "$T/nobody.xml" -P "$T/nobody-run/enforcerd.pid"
	has "group set to: $grp ($(id -g nobody))" "root: the group is dropped"
	has "user set to: nobody ($(id -u nobody))" "root: the user is dropped"
	is "$(stat -c %U "$T/nobody-run")" nobody "root: the pid file's new directory is given to the user"
	is "$rc" 1 "root as nobody: the HSM cannot be opened, exit 1"
	like "$err" "hsm_open\(\) result: " "root as nobody: the hsm_open() line"
	is "$(frame "$err" | tail -2)" "opendnssec in debug mode - not forking...
opendnssec started (version 1.4.14), pid N" "root as nobody: started, then stopped at the HSM"
fi

# ---- the database cannot be reached at start-up
for tag in PostgreSQL MySQL; do
	write_conf "$T/$tag.xml" "<$tag><Host port=\"1\">127.0.0.1</Host><Database>kasp</Database><Username>u</Username><Password>p</Password></$tag>"
	run -1 -d -c "$T/$tag.xml"
	is "$rc" 1 "$tag on a closed port: exits 1"
	like "$err" "ERROR: unable to connect to database - " "$tag on a closed port: the error"
	has "Database connection failed" "$tag on a closed port: Database connection failed"
	hasnt "Connecting to Database" "$tag on a closed port: no run"
	[ ! -e "$PIDFILE" ]
	ok $? "$tag on a closed port: no pid file"
done

# ---- forking: the parent reports the child and exits; the child runs once
run -1 -c "$T/conf.xml"
is "$rc" 0 "without -d: the parent exits 0"
like "$out" '^OpenDNSSEC ods-enforcerd started \(version 1\.4\.14\), pid [0-9]+$' \
	"without -d: the parent's line"
is "$err" "" "without -d: nothing on stderr"
child=$(printf '%s\n' "$out" | sed -n 's/.*, pid \([0-9][0-9]*\)$/\1/p')
_end=$(($(date +%s) + 60))
while [ -n "$child" ] && alive "$child" && [ "$(date +%s)" -lt "$_end" ]; do sleep 0.1; done
! alive "${child:-0}" && [ ! -e "$PIDFILE" ]
ok $? "without -d: the child runs once, removes its pid file and exits"

# ---- SIGTERM during the sleep
start -d -c "$T/conf.xml"
wait_log "ods-enforcerd: Sleeping for 3600 seconds." 1
ok $? "the daemon sleeps for the interval"
is "$(cat "$PIDFILE" 2> /dev/null)" "$bg" "the pid file holds the daemon's pid"
kill -TERM "$bg"
reap
is "$rc" 0 "SIGTERM: exits 0"
has "Received SIGTERM, exiting..." "SIGTERM: the 1.x line"
is "$(frame "$err" | tail -3)" "Sleeping for 3600 seconds.
Received SIGTERM, exiting...
all done!" "SIGTERM: straight from the sleep to the exit"
[ ! -e "$PIDFILE" ]
ok $? "SIGTERM: the pid file is removed"

# ---- SIGHUP ends the sleep; a changed repository list reopens the HSM
softhsm_add Second 2>> "$T/softhsm.log"
start -d -c "$T/conf.xml"
wait_log "ods-enforcerd: Sleeping for 3600 seconds." 1
ok $? "SIGHUP: first run done"
cp "$T/conf.xml" "$T/conf.xml.orig"
sed 's|</RepositoryList>|<Repository name="Second"><Module>/usr/lib/softhsm/libsofthsm2.so</Module><TokenLabel>Second</TokenLabel><PIN>1234</PIN></Repository></RepositoryList>|' \
	"$T/conf.xml.orig" > "$T/conf.xml"
kill -HUP "$bg"
wait_log "ods-enforcerd: Sleeping for 3600 seconds." 2 30
ok $? "SIGHUP: the next run starts at once"
kill -INT "$bg"
reap
is "$rc" 0 "SIGINT: exits 0"
is "$(frame "$err" | sed -n '/^Sleeping for/,$p')" "Sleeping for 3600 seconds.
HSM connection open.
Reading config \"$T/conf.xml\"
HSM reopened successfully.
Connecting to Database...
Disconnecting from Database...
Sleeping for 3600 seconds.
Received SIGINT, exiting...
all done!" "SIGHUP: a second run with the new repositories; SIGINT: exit"
[ ! -e "$PIDFILE" ]
ok $? "SIGINT: the pid file is removed"
mv "$T/conf.xml.orig" "$T/conf.xml"

# ---- conf.xml broken between runs: exit 1, pid file removed
start -d -c "$T/conf.xml"
wait_log "ods-enforcerd: Sleeping for 3600 seconds." 1
ok $? "broken conf.xml: first run done"
cp "$T/conf.xml" "$T/conf.xml.orig"
echo "<Configuration>" > "$T/conf.xml"
kill -HUP "$bg"
reap
is "$rc" 1 "broken conf.xml in the loop: exits 1"
has "Error reading config" "broken conf.xml in the loop: Error reading config"
hasnt "all done!" "broken conf.xml in the loop: not a clean exit"
[ ! -e "$PIDFILE" ]
ok $? "broken conf.xml in the loop: the pid file is removed"
mv "$T/conf.xml.orig" "$T/conf.xml"

# ---- the database goes away during the loop: waited for, with a back-off
if [ "$DB_BACKEND" = sqlite ]; then
	start -d -c "$T/conf.xml"
	wait_log "ods-enforcerd: Sleeping for 3600 seconds." 1
	ok $? "database away: first run done"
	mv "$DB" "$DB.away"
	kill -HUP "$bg"
	wait_log "ods-enforcerd: Retrying the database connection in 2 seconds" 1
	ok $? "database away: retried after 1 s, then 2 s"
	alive "$bg"
	ok $? "database away: the daemon keeps running"
	mv "$DB.away" "$DB"
	wait_log "ods-enforcerd: Sleeping for 3600 seconds." 2
	ok $? "database back: the run completes"
	# away again; SIGTERM during the back-off
	mv "$DB" "$DB.away"
	kill -HUP "$bg"
	wait_log "ods-enforcerd: Retrying the database connection in 1 seconds" 2
	ok $? "database away again: retrying"
	kill -TERM "$bg"
	reap
	mv "$DB.away" "$DB"
	is "$rc" 0 "SIGTERM during the back-off: exits 0"
	# from the first sleep on: what the daemon did about the missing file
	is "$(printf '%s\n' "$err" | sed -n 's/^ods-enforcerd: //p' |
		grep -E '^(ERROR: unable to connect|Retrying|Connecting|Sleeping)' |
		sed 's/^\(ERROR: unable to connect to database - \).*/\1.../' |
		awk '/^Sleeping/ { n++; next } n == 1' | head -6)" "Connecting to Database...
ERROR: unable to connect to database - ...
Retrying the database connection in 1 seconds
Connecting to Database...
ERROR: unable to connect to database - ...
Retrying the database connection in 2 seconds" "database away: connect, error, retry after 1 s, then 2 s"
	is "$(frame "$err" | tail -2)" "Received SIGTERM, exiting...
all done!" "SIGTERM during the back-off: the clean exit"
	hasnt "Database connection failed" "database away: never treated as a start-up failure"
	[ ! -e "$PIDFILE" ]
	ok $? "SIGTERM during the back-off: the pid file is removed"
fi

done_testing
