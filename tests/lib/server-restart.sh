# server-restart.sh - two ods-enforcerd on one database server, passes every
# two seconds, and the server stopped and started again under them: both
# notice, wait for it, reconnect; one leads again and runs its passes; no
# zone or key is lost and every zone keeps its keys. Who leads is a race:
# the old leader keeps the lead (same epoch) when its reconnect takes its
# lock back before the other daemon asks for it (the PostgreSQL driver
# takes a session's locks again after a reconnect), else the other one
# leads with a new epoch.
# Sourced by tests/db/pgsql-restart.sh and tests/db/mariadb-restart.sh once
# they have started a server of their own. They set ODS_TEST_BACKEND and
# ODS_TEST_<ENGINE> (for cliutil.sh), and define server_stop,
# server_start (the same server again, same port) and stop_servers.
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/daemons.sh"

unset ENFORCER_TIMESHIFT

restart_cleanup() {
	daemon_kill a b
	server_start > /dev/null 2>&1    # for _cli_cleanup's DROP DATABASE
	_cli_cleanup
	stop_servers
}
trap restart_cleanup EXIT

daemon_token
lab_zonelist r 1 8 "$T" > "$T/zonelist.xml"
ksm setup --yes
is "$rc" 0 "setup with 8 zones"
daemon_conf a interval=PT2S
daemon_conf b interval=PT2S

# lead_lines : how many times a or b has said it leads
lead_lines() {
	cat "$T/a.err" "$T/b.err" 2> /dev/null | grep -c 'leads now'
}

# the_leader : a or b, whichever last said it leads and has not stood down since
the_leader() {
	for _d in a b; do
		case $(grep -E 'leads now|standing by' "$T/$_d.err" | tail -1) in
		*"leads now"*) echo "$_d" ;;
		esac
	done
}

daemon_start a
wait_log a "Pass done"
ok $? "a leads and runs a pass"
daemon_start b
wait_log b "enforcer lock already held by another ods-enforcerd, sleep"
ok $? "b stands by"
is "$(zone_key_faults)" "" "every zone has its keys"
ksm zone list
zones=$out
ksm key list --verbose
keys=$out

# ---- the server goes away while the passes run
server_stop
ok $? "the server is stopped"
said_lost() {
	grep -qE 'lost the leader connection|cannot write the heartbeat|cannot open the leader connection|Retrying the database connection|Error running the enforcer' \
		"$T/a.err"
}
wait_until said_lost
ok $? "a notices that the database is gone"
ok $(alive "$pid_a" && alive "$pid_b"; echo $?) "both daemons keep running"

# ---- and comes back
leads=$(lead_lines)
passes_a=$(grep -c 'Pass done' "$T/a.err")
passes_b=$(grep -c 'Pass done' "$T/b.err")
server_start
ok $? "the server is started again"
# leader_passed : one daemon leads, and it has run a pass since the server came back
leader_passed() {
	case $(the_leader) in
	a) [ "$(grep -c 'Pass done' "$T/a.err")" -gt "$passes_a" ] ;;
	b) [ "$(grep -c 'Pass done' "$T/b.err")" -gt "$passes_b" ] ;;
	*) return 1 ;;
	esac
}
wait_until leader_passed
ok $? "one daemon leads and runs a pass after the restart"
new=$(the_leader)
if [ "$(lead_lines)" -gt "$leads" ]; then
	diag "$new took the lead with a new epoch"
else
	diag "$new kept the lead: its reconnect took its lock back first"
fi
is "$(the_leader | wc -l | tr -d ' ')" 1 "exactly one daemon leads ($new)"
is "$(zone_key_faults)" "" "every zone still has its keys"
ksm zone list
is "$out" "$zones" "no zone lost"
ksm key list --verbose
is "$out" "$keys" "no key lost or changed"
# the daemon that stood down writes its standby row at its next poll
one_standby() {
	ksm cluster status
	[ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qE '^Standbys: +1$'
}
wait_until one_standby
ok $? "cluster status: a daemon leads, the other stands by"

daemon_stop a
daemon_stop b
ok $(grep -q 'all done!' "$T/a.err" && grep -q 'all done!' "$T/b.err"; echo $?) "both stop cleanly"

done_testing
