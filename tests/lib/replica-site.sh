# replica-site.sh - the checks of a disaster-recovery site whose database
# is a server-side read-only replica of the primary (no <ReadOnly/> in its
# conf.xml: the server says so). Sourced by tests/db/pgsql-standby.sh and
# tests/db/mariadb-replica.sh once they have started a primary and a
# replica streaming from it. They set ODS_TEST_BACKEND and ODS_TEST_<ENGINE>
# (the primary, for cliutil.sh), REPLICA_PORT (the replica on 127.0.0.1),
# and define promote_replica (make the replica a writable primary),
# backup_text FILE (print a `database backup` file as SQL text) and
# stop_servers.
#
# On the replica: every read prints what the primary prints, every write
# fails with exit 4 and changes nothing, database backup works, and
# ods-enforcerd changes nothing but writes the signconf files from the
# replicated keys and tells the signer; once the replica is promoted, the
# same daemon leads within its PollInterval (its Interval is an hour).
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/daemons.sh"

unset ENFORCER_TIMESHIFT

site_cleanup() {
	daemon_kill r
	_cli_cleanup
	stop_servers
}
trap site_cleanup EXIT

daemon_token
printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$T/zonelist.xml"

# r.xml: conf.xml on the replica, with a signer to tell and a poll every second
notify_log_script
daemon_conf r "notify=$T/notify.sh %zone" \
	"datastore=$(printf '%s' "$DATASTORE" | sed "s|port=\"[0-9]*\"|port=\"$REPLICA_PORT\"|")"

# rk ARGS... : ods-ksmutil on the replica
rk() {
	ksm_raw -c "$T/r.xml" "$@"
}

# ---- the primary: a zone, its keys and its signconf from one pass
ksm setup --yes
is "$rc" 0 "setup on the primary"
ksm zone add --zone dr.example --signerconf "$T/dr.example.xml"
is "$rc" 0 "a zone on the primary"
daemon_conf p
"$ENFORCERD" -1 -d -c "$T/p.xml" > /dev/null 2> "$T/p.err" < /dev/null
is "$?" 0 "a pass on the primary"
ok $([ -s "$T/dr.example.xml" ]; echo $?) "the primary's pass wrote the signconf"
mv "$T/dr.example.xml" "$T/dr.primary"

# until the replica shows the keys the primary shows (60 s)
ksm key list --verbose
want=$out
_end=$(($(date +%s) + 60))
while rk key list --verbose; [ "$out" != "$want" ] && [ "$(date +%s)" -lt "$_end" ]; do
	sleep 0.2
done
is "$out" "$want" "the replica has caught up with the primary"

# ---- reads
rk database status
is "$rc" 0 "replica: database status exits 0"
like "$out" '^Read-only: +yes$' "replica: the server says read-only, without <ReadOnly/>"
for cmd in "zone list" "zonelist export" "policy list" "repository list" "rollover list" \
	"key export --all" "backup list"; do
	# shellcheck disable=SC2086
	ksm $cmd
	_want_rc=$rc _want=$out
	# shellcheck disable=SC2086
	rk $cmd
	is "$rc" "$_want_rc" "replica: $cmd exits $_want_rc"
	is "$out" "$_want" "replica: $cmd prints what the primary prints"
done

# ---- writes: refused, nothing changed
good=$(db_fingerprint)
rk zone add --zone new.example --no-xml
is "$rc" 4 "replica: zone add exits 4"
is "$out" "Error: database is a read-only replica: zone add needs the primary" \
	"replica: zone add gives the one message"
rk key rollover --zone dr.example --keytype ZSK
is "$rc" 4 "replica: key rollover exits 4"
rk update kasp
is "$rc" 4 "replica: update kasp exits 4"
is "$(db_fingerprint)" "$good" "replica: the refused writes changed nothing"

# ---- a backup taken off the primary
rk database backup --output "$T/replica-backup"
is "$rc" 0 "replica: database backup exits 0"
ok $(backup_text "$T/replica-backup" | grep -q 'dr\.example'; echo $?) "replica: the backup holds the zone"

# ---- the daemon on the replica
daemon_start r
wait_log r "is a read-only replica: this ods-enforcerd changes no keys and writes the signconf files from the replicated state until it is promoted"
ok $? "daemon on the replica: says what it does"
wait_log r "Replica pass done"
ok $? "daemon on the replica: a replica pass"
like "$(grep -F 'Replica pass done' "$T/r.err")" ' 1 zone\(s\) .* 1 signconf file\(s\) written ' \
	"daemon on the replica: one zone, one signconf written"
ok $(cmp -s "$T/dr.example.xml" "$T/dr.primary"; echo $?) \
	"daemon on the replica: the signconf is the primary's, byte for byte"
is "$(cat "$T/notified" 2> /dev/null)" "dr.example" "daemon on the replica: told the signer"
wait_log r "Sleeping for 3600 seconds."
ok $? "daemon on the replica: sleeps"
ok $([ "$(grep -c 'Pass done' "$T/r.err")" -eq 0 ]; echo $?) "daemon on the replica: no pass"
is "$(db_fingerprint)" "$good" "daemon on the replica: nothing written"

# ---- promoted: the sleeping daemon leads at its next poll and runs a pass
promote_replica
wait_log r "leads now, epoch"
ok $? "promoted: the daemon takes the lead without waiting for its interval"
wait_log r "Pass done"
ok $? "promoted: the daemon runs a pass"
rk zone add --zone after.example --no-xml
is "$rc" 0 "promoted: zone add works"
daemon_stop r
ok $(grep -q 'all done!' "$T/r.err"; echo $?) "the daemon stops cleanly"

done_testing
