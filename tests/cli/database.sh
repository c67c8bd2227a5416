#!/bin/sh
# ods-ksmutil database migrate / backup: adopting an OpenDNSSEC 1.4 SQLite
# database in place (MySQL: tests/cli/adopt-mysql.sh), and a consistent
# backup while another process writes, on every backend.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

if [ "$DB_BACKEND" = sqlite ]; then
# ---- adopt a 1.4 database: every row kept, times converted to UTC
# The fixture holds local times written on a host in Amsterdam.
export TZ=Europe/Amsterdam
sqlite3 -batch "$DB" < "$top_srcdir/tests/data/ods14/kasp-1.4.sqlite.sql"
rows_before=$(sql "$DB" "SELECT (SELECT count(*) FROM policies) || '/' ||
	(SELECT count(*) FROM zones) || '/' || (SELECT count(*) FROM keypairs) || '/' ||
	(SELECT count(*) FROM dnsseckeys) || '/' || (SELECT count(*) FROM parameters_policies)")
names_before=$(sql "$DB" "SELECT group_concat(name) FROM (SELECT 1 AS o, id, name FROM policies
	UNION ALL SELECT 2, id, name FROM zones UNION ALL SELECT 3, id, HSMkey_id FROM keypairs
	ORDER BY 1, 2)")
gen_before=$(sql "$DB" "SELECT generate FROM keypairs ORDER BY id LIMIT 1")

ksm database status
is "$rc" 0 "status on a 1.4 database exits 0"
like "$out" 'OpenDNSSEC 1\.4 \(not yet adopted' "status recognises a 1.4 database"
like "$out" "^Pending migrations: $((MIGRATION_LATEST - 1))\$" "status: all but 0001 pending"

ksm database migrate
is "$rc" 0 "database migrate adopts the 1.4 database"
like "$out" 'Adopting OpenDNSSEC 1\.4 database' "migrate says it adopts"
applied=$((MIGRATION_LATEST - 1))
like "$out" "Applied $applied migration\\(s\\); database schema is now at version" \
	"migrate reports the count"
like "$out" "schema is now at version $MIGRATION_LATEST\\." "migrate reports the version"

rows_after=$(sql "$DB" "SELECT (SELECT count(*) FROM policies) || '/' ||
	(SELECT count(*) FROM zones) || '/' || (SELECT count(*) FROM keypairs) || '/' ||
	(SELECT count(*) FROM dnsseckeys) || '/' || (SELECT count(*) FROM parameters_policies)")
names_after=$(sql "$DB" "SELECT group_concat(name) FROM (SELECT 1 AS o, id, name FROM policies
	UNION ALL SELECT 2, id, name FROM zones UNION ALL SELECT 3, id, HSMkey_id FROM keypairs
	ORDER BY 1, 2)")
is "$rows_after" "$rows_before" "every policy, zone, key and parameter row is still there"
is "$names_after" "$names_before" "names and key locators are unchanged"
gen_after=$(sql "$DB" "SELECT generate FROM keypairs ORDER BY id LIMIT 1")
want=$(TZ=UTC date -d "$(TZ=Europe/Amsterdam date -d "$gen_before" '+%Y-%m-%d %H:%M:%S %z')" \
	'+%Y-%m-%d %H:%M:%S')
is "$gen_after" "$want" "a stored local time ($gen_before, Amsterdam) is now UTC"
is "$(sql "$DB" 'SELECT version FROM dbadmin')" 5 "dbadmin now says 5, so a 1.4 binary refuses it"
unset TZ

ksm database status
like "$out" "^Schema version: +$MIGRATION_LATEST \\(this program: $MIGRATION_LATEST\\)\$" \
	"status after adoption: current"
like "$out" '^Pending migrations: none$' "status after adoption: nothing pending"

ksm database migrate
like "$out" 'nothing to do' "a second migrate changes nothing"

fi

if [ "$DB_BACKEND" = sqlite ]; then
# ---- backup while another process inserts rows in a loop
ksm setup --yes
# setup imports the zone list: the writer numbers its own zones from 1
sql "$DB" "DELETE FROM zones"
[ "$(sql "$DB" "SELECT count(*) FROM policies WHERE id = 1")" = 1 ] ||
	sql "$DB" "INSERT INTO policies (id, name) VALUES (1, 'default')"
(
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		sqlite3 -batch "$DB" ".timeout 10000" \
			"INSERT INTO zones (id, name, policy_id) VALUES ($i, 'z$i.example', 1)" || exit 1
	done
) &
writer=$!
sleep 0.3
for n in 1 2 3; do
	ksm database backup --output "$T/backup$n.db"
	is "$rc" 0 "backup $n during writes exits 0"
	is "$(sql "$T/backup$n.db" 'PRAGMA integrity_check')" ok "backup $n passes integrity_check"
	c=$(sql "$T/backup$n.db" 'SELECT count(*) || ":" || coalesce(max(id), 0) FROM zones')
	ok $([ "${c%%:*}" = "${c##*:}" ]; echo $?) "backup $n holds rows 1..N with no gap ($c)"
	sleep 0.2
done
touch "$T/stop"
wait "$writer"
ok $? "the writer ran without errors beside the backups"
total=$(sql "$DB" 'SELECT count(*) FROM zones')
last=$(sql "$T/backup3.db" 'SELECT count(*) FROM zones')
ok $([ "$last" -gt 0 ] && [ "$last" -le "$total" ]; echo $?) "backups saw the writer's rows ($last of $total)"

ksm database backup
is "$rc" 0 "backup to the default path exits 0"
is "$(sql "$DB.backup" 'PRAGMA integrity_check')" ok "default backup file is $DB.backup"
ok $([ ! -e "$DB.backup-wal" ]; echo $?) "the backup is one self-contained file"

ksm database backup --output "$T/no/such/dir/b.db"
ok $([ "$rc" -ne 0 ]; echo $?) "backup into a missing directory fails"
like "$out" "$T/no/such/dir" "the message names the directory"
ok $([ -z "$(ls "$T" | grep '\.tmp')" ]; echo $?) "no temporary file is left behind"

else
# ---- the same on a server: the backup is the engine's dump; restored into
# a database of its own, it must hold rows 1..N of the writer with no gap.

# restored FILE N : restore dump FILE into a new database, print "count:max" of its zones
restored() {
	_r=${DB_NAME}_r$2
	if [ "$DB_BACKEND" = pgsql ]; then
		_server_sql "$_db_admin" "CREATE DATABASE $_r" > /dev/null &&
		PGPASSWORD=$_db_pass pg_restore --no-owner --exit-on-error -h "$_db_host" \
			-p "$_db_port" -U "$_db_user" -d "$_r" "$1" &&
		_server_sql "$_r" 'SELECT count(*) || chr(58) || coalesce(max(id), 0) FROM zones'
		_server_sql "$_db_admin" "DROP DATABASE IF EXISTS $_r WITH (FORCE)" > /dev/null
	else
		_server_sql "$_db_admin" "CREATE DATABASE $_r" > /dev/null &&
		MYSQL_PWD=$_db_pass mariadb --no-defaults -h "$_db_host" -P "$_db_port" \
			-u "$_db_user" -D "$_r" < "$1" &&
		_server_sql "$_r" "SELECT CONCAT(count(*), ':', coalesce(max(id), 0)) FROM zones"
		_server_sql "$_db_admin" "DROP DATABASE IF EXISTS $_r" > /dev/null
	fi
}

ksm setup --yes
# setup imports the zone list: the writer numbers its own zones from 1
db_sql "DELETE FROM zones"
[ "$(db_sql "SELECT count(*) FROM policies WHERE id = 1")" = 1 ] ||
	db_sql "INSERT INTO policies (id, name) VALUES (1, 'default')"
(
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		db_sql "INSERT INTO zones (id, name, policy_id) VALUES ($i, 'z$i.example', 1)" ||
			exit 1
	done
) &
writer=$!
sleep 0.3
for n in 1 2 3; do
	ksm database backup --output "$T/backup$n.dump"
	is "$rc" 0 "backup $n during writes exits 0"
	c=$(restored "$T/backup$n.dump" $n 2> "$T/restore.err")
	ok $([ -n "$c" ] && [ "${c%%:*}" = "${c##*:}" ]; echo $?) \
		"backup $n restores and holds rows 1..N with no gap ($c)"
	[ -n "$c" ] || diag "$(cat "$T/restore.err")"
	sleep 0.2
done
touch "$T/stop"
wait "$writer"
ok $? "the writer ran without errors beside the backups"
total=$(db_sql 'SELECT count(*) FROM zones')
last=${c%%:*}
ok $([ "${last:-0}" -gt 0 ] && [ "$last" -le "$total" ]; echo $?) \
	"backups saw the writer's rows ($last of $total)"

ksm database backup
ok $([ "$rc" -ne 0 ]; echo $?) "backup without --output fails on a server"
like "$out" '--output' "and asks for --output"

ksm database backup --output "$T/no/such/dir/b.dump"
ok $([ "$rc" -ne 0 ]; echo $?) "backup into a missing directory fails"
like "$out" "$T/no/such/dir" "the message names the directory"
ok $([ -z "$(ls "$T" | grep '\.tmp')" ]; echo $?) "no temporary file is left behind"
fi

# ---- what --output may name: a new name or an older backup, nothing else
if [ "$DB_BACKEND" = sqlite ]; then
	good="$T/b0.db"
else
	good="$T/b0.dump"
fi
echo "older backup" > "$good"
chmod 644 "$good"
ksm database backup --output "$good"
is "$rc" 0 "backup over an older backup (a regular file) exits 0"
is "$(stat -c %a "$good")" 600 "the backup is mode 0600: it holds every key's record"
echo precious > "$T/target"
ln -s "$T/target" "$T/link.db"
mkdir "$T/dir.db"
mkfifo "$T/fifo.db"
for what in link dir fifo; do
	ksm database backup --output "$T/$what.db"
	ok $([ "$rc" -ne 0 ]; echo $?) "backup --output onto a $what is refused"
	like "$out$err" "$T/$what.db: it exists and is not a regular file" "... and says why ($what)"
done
is "$(cat "$T/target"):$(stat -c %F "$T/link.db"):$(stat -c %F "$T/dir.db"):$(stat -c %F "$T/fifo.db")" \
	"precious:symbolic link:directory:fifo" "the link, its target, the directory and the fifo are untouched"
ok $([ -z "$(ls "$T" | grep '\.tmp')" ]; echo $?) "no temporary file is left behind"

done_testing
