#!/bin/sh
# update kasp|zonelist|conf|all: qualifiers, notifying the enforcer,
# ods-kaspcheck's verdict.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/zoneutil.sh"

ksm setup --yes
is "$rc" 0 "setup"

# ---- an unknown or missing qualifier changes nothing and exits 1 (quirk 4 fixed)
snapshot
ksm update frob
is "$rc" 1 "update frob exits 1"
is "$out" "Unrecognised command update FROB. Please specify one of:" "update frob: 1.x message"
like "$err" "usage: .* update kasp\|zonelist\|conf\|all" "update frob: update usage on stderr"
ksm update
is "$rc" 1 "update without a qualifier exits 1"
is "$out" "Unrecognised command update NULL. Please specify one of:" "update: 1.x message"
unchanged "update with a bad qualifier"

# ---- every qualifier, with no enforcer running
ksm update conf
is "$rc" 0 "update conf exits 0"
golden update-conf.out "$out" "update conf output"
is "$err" "Could not HUP ods-enforcerd" "no daemon: 'Could not HUP' on stderr"
ksm update kasp
is "$rc" 0 "update kasp exits 0"
golden update-kasp.out "$(no_kaspcheck)" "update kasp output"
ksm update zonelist
is "$rc" 0 "update zonelist exits 0"
golden update-zonelist.out "$out" "update zonelist output"
ksm update all
is "$rc" 0 "update all exits 0"
golden update-all.out "$(no_kaspcheck)" "update all output"
ksm UPDATE Kasp2
is "$rc" 0 "qualifiers match by prefix, ignoring case"

# update conf never deletes a repository; it updates one
add_repository Spare "<Capacity>7</Capacity>"
ksm update conf
is "$(db_sql "SELECT name, capacity, requirebackup FROM securitymodules ORDER BY name")" \
	"SoftHSM|0|0
Spare|7|0" "update conf adds a repository"
sed -i 's|<Capacity>7</Capacity>|<Capacity>8</Capacity><RequireBackup/>|' "$T/conf.xml"
ksm update conf
is "$(db_sql "SELECT capacity, requirebackup FROM securitymodules WHERE name = 'Spare'")" \
	"8|1" "update conf updates a repository"
write_conf "$T/conf.xml"
ksm update conf
is "$(db_sql "SELECT count(*) FROM securitymodules")" 2 "update conf keeps a repository gone from conf.xml"
# two repositories of one name: refused, nothing imported
add_repository Twice "<Capacity>3</Capacity>"
add_repository Twice "<Capacity>4</Capacity>"
ksm update conf
is "$rc" 1 "update conf with a repository named twice exits 1"
like "$out" "^Error: repository Twice is defined twice in conf.xml\$" "... and names it"
is "$(db_sql "SELECT count(*) FROM securitymodules WHERE name = 'Twice'")" 0 "... and imports neither"
write_conf "$T/conf.xml"

# ---- the pid file: garbage, then a live process that counts its SIGHUPs
echo "not a pid" > "$T/enforcerd.pid"
ksm update conf
is "$rc" 0 "a garbage pid file is not fatal"
like "$out" 'Notifying enforcer of new database\.\.\.' "garbage pid file: notifying line"
like "$out" '^Cannot find PID file$' "garbage pid file: Cannot find PID file"
is "$err" "Could not HUP ods-enforcerd" "garbage pid file: Could not HUP"

# the pid of some other program (a reused number): not signalled
sleep 300 &
other=$!
wait_comm "$other" sleep
echo "$other" > "$T/enforcerd.pid"
for cmd in "update conf" "update kasp" "update zonelist"; do
	ksm $cmd
	is "$rc" 0 "$cmd, the pid of another program: not fatal"
	is "$err" "Could not HUP ods-enforcerd: process $other (from $T/enforcerd.pid) is sleep" \
		"$cmd, the pid of another program: says whose pid it is"
done
kill -0 "$other"
ok $? "the other program was not signalled"
kill "$other"
wait "$other" 2> /dev/null

# A stand-in daemon that logs each signal it takes (tests/cli/sigcount); a
# test waits for a signal's line before the next is sent, so two SIGHUPs can
# never merge into one (they would with a shell trap around sleep).
# hups_reach N : wait (at most 60 s) until the log holds N lines
hups_reach() {
	_i=0
	while [ "$(cat "$T/hups" 2> /dev/null | wc -l)" -lt "$1" ] && [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
# named as the daemon: nothing else is signalled (/proc/<pid>/comm)
mkdir -p "$T/bin" && ln -s "$top_builddir/tests/cli/sigcount" "$T/bin/ods-enforcerd"
"$T/bin/ods-enforcerd" "$T/enforcerd.pid" "$T/hups" ignore-term &
daemon=$!
_i=0
while [ ! -s "$T/enforcerd.pid" ] && [ $_i -lt 600 ]; do sleep 0.1; _i=$((_i + 1)); done
ksm policy import
is "$rc" 0 "policy import with a daemon running exits 0"
unlike "$out" 'Cannot find PID file' "daemon running: pid file found"
is "$err" "" "daemon running: nothing on stderr"
hups_reach 1
ksm zonelist import
is "$rc" 0 "zonelist import with a daemon running exits 0"
hups_reach 2
is "$(cat "$T/hups" 2>/dev/null)" "hup
hup" "the daemon got one SIGHUP per import"
ksm zone add --zone quiet.example -s "$T/q.xml" -i "$T/q"
# a SIGTERM (logged, ignored) marks the end: a SIGHUP sent before it would be
# taken first (pending signals go lowest number first) and logged before it
kill -TERM "$daemon"
hups_reach 3
is "$(cat "$T/hups")" "hup
hup
term ignored" "zone add does not notify"
kill -KILL "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null

# ---- ods-kaspcheck refuses a policy: nothing imported
if [ -x "$top_builddir/ods-kaspcheck" ]; then
	sed 's|<Refresh>P3D</Refresh>|<Refresh>P30D</Refresh>|' "$top_srcdir/contrib/kasp.xml" > "$T/kasp.xml"
	snapshot
	ksm update kasp
	is "$rc" 1 "kaspcheck errors: update kasp exits 1"
	like "$out" '^ERROR: ' "kaspcheck errors: its report is shown"
	like "$out" '^Failed to update policies$' "kaspcheck errors: Failed to update policies"
	like "$err" '^ods-kaspcheck returned an error, please check your policy$' \
		"kaspcheck errors: the 1.x line on stderr"
	unchanged "kaspcheck errors"
	KSM_STDIN=/dev/null ksm setup --yes
	is "$rc" 1 "kaspcheck errors: setup exits 1"
	like "$out" 'SETUP FAILED' "kaspcheck errors: SETUP FAILED"
	unchanged "kaspcheck errors: setup erased nothing"
	cp "$top_srcdir/contrib/kasp.xml" "$T/kasp.xml"
else
	diag "ods-kaspcheck not built: its verdict is not tested"
fi

done_testing
