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

if [ "$DB_BACKEND" != sqlite ]; then
# ---- server backups: the dump goes to a file we create (mkstemp), never to
# a name planted beforehand; the password never reaches a disk or the
# environment; a backup killed half-way leaves no file behind.

# no_secret_files : no file under $T holds a password file's line (libpq's
# "*:*:*:*:pw", the option file's "password=...")
no_secret_files() {
	[ -z "$(grep -rlE '^(\*:\*:\*:\*:|password=)' "$T" 2> /dev/null)" ]
}
# dump_ok FILE : the backup is the engine's complete dump of our tables
dump_ok() {
	if [ "$DB_BACKEND" = pgsql ]; then
		pg_restore --list "$1" 2> /dev/null | grep -q 'TABLE DATA public zones'
	else
		grep -q 'CREATE TABLE `zones`' "$1" && tail -1 "$1" | grep -q '^-- Dump completed'
	fi
}
# gone PID : no such process, or only a zombie left for init to reap
gone() {
	[ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" = Z ]
}

bdir="$T/bk"
mkdir "$bdir" "$T/tmpdir"
_old_tmpdir=${TMPDIR-}
TMPDIR="$T/tmpdir"
export TMPDIR
echo precious > "$T/victim"
dest="$bdir/s.dump"
# the old temporary name was "<dest>.tmp.<pid>": plant the next 300 pids,
# and names one could guess
: & last=$!
wait $last
i=1
while [ $i -le 300 ]; do
	ln -s "$T/victim" "$dest.tmp.$((last + i))"
	i=$((i + 1))
done
for g in tmp tmp.XXXXXX new part '~'; do
	ln -s "$T/victim" "$dest.$g"
done
# a dump tool first in $PATH is not the one that gets the password
mkdir "$T/fakebin"
for tool in pg_dump mariadb-dump mysqldump; do
	printf '#!/bin/sh\ntouch "%s/fake-ran"\nexit 1\n' "$T" > "$T/fakebin/$tool"
	chmod 755 "$T/fakebin/$tool"
done
_old_path=$PATH
PATH="$T/fakebin:$PATH"
ksm database backup --output "$dest"
PATH=$_old_path
is "$rc" 0 "backup beside planted symbolic links exits 0"
ok $([ ! -e "$T/fake-ran" ]; echo $?) "the dump tool is not looked up in \$PATH"
[ "$rc" = 0 ] || diag "$out$err"
is "$(cat "$T/victim")" precious "no planted link was followed: its target is unchanged"
is "$(find "$bdir" -type l | wc -l)" 305 "every planted link is still there, still a link"
is "$(stat -c '%F %a' "$dest")" "regular file 600" "the backup is a regular file of mode 0600"
dump_ok "$dest"
ok $? "the backup is a complete dump of the database"
is "$(find "$bdir" ! -type l ! -type d)" "$dest" "nothing but the backup is left in its directory"
is "$(ls -A "$T/tmpdir")" "" "nothing is written to \$TMPDIR"
no_secret_files
ok $? "no file holds the password"

# A backup killed with SIGTERM while the dump tool waits for a table another
# session holds locked: the dump is certain to be running, whatever the speed.
mkfifo "$T/lock.in"
if [ "$DB_BACKEND" = pgsql ]; then
	PGPASSWORD=$_db_pass psql -X -q -h "$_db_host" -p "$_db_port" -U "$_db_user" \
		-d "$DB_NAME" < "$T/lock.in" > "$T/lock.out" 2>&1 &
else
	MYSQL_PWD=$_db_pass mariadb --no-defaults --unbuffered -h "$_db_host" -P "$_db_port" \
		-u "$_db_user" -D "$DB_NAME" < "$T/lock.in" > "$T/lock.out" 2>&1 &
fi
holder=$!
exec 7> "$T/lock.in"
if [ "$DB_BACKEND" = pgsql ]; then
	echo "BEGIN; LOCK TABLE zones IN ACCESS EXCLUSIVE MODE; SELECT 'lock' || 'ed';" >&7
else
	echo "LOCK TABLES zones WRITE; SELECT CONCAT('lock', 'ed');" >&7
fi
wait_until grep -q locked "$T/lock.out"
ok $? "another session holds the zones table locked"
# waiting: the number of sessions of our database waiting for a lock
waiting() {
	if [ "$DB_BACKEND" = pgsql ]; then
		_server_sql "$DB_NAME" "SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'"
	else
		_server_sql "$DB_NAME" "SELECT count(*) FROM information_schema.processlist
			WHERE db = DATABASE() AND state LIKE 'Waiting for table%'"
	fi
}
dump_waits() { [ "$(waiting)" -ge 1 ] 2> /dev/null; }
"$KSMUTIL" -c "$T/conf.xml" database backup --output "$bdir/killed.dump" \
	< /dev/null > "$T/killed.out" 2>&1 &
kpid=$!
wait_until dump_waits
ok $? "the dump tool runs and waits for the lock"
dpid=$(pgrep -P "$kpid" | head -1)
tool=$(readlink "/proc/$dpid/exe" 2> /dev/null)
like "$tool" '^/' "the dump tool was started by an absolute path ($tool)"
like "$(readlink "/proc/$dpid/fd/3" 2> /dev/null)" '^/memfd:kasp-secret' \
	"its password file is a memfd (descriptor 3)"
is "$(tr '\0' '\n' < "/proc/$dpid/environ" | grep -cE '^(PGPASSWORD|MYSQL_PWD)=.')" 0 \
	"no password in its environment"
is "$(ls "$bdir" | grep -c '^killed\.dump\.tmp\.')" 1 "the dump goes to one temporary file"
is "$(stat -c %a "$bdir"/killed.dump.tmp.* 2> /dev/null)" 600 "which is mode 0600 from the start"
tmpname=$(ls "$bdir" | grep '^killed\.dump\.tmp\.')
ok $([ "$tmpname" != "killed.dump.tmp.$kpid" ] &&
	[ "$tmpname" != "killed.dump.tmp.$dpid" ]; echo $?) \
	"whose name is not made of a pid ($tmpname): there is nothing to plant a link at"
is "$(ls -A "$T/tmpdir")" "" "nothing is written to \$TMPDIR during the dump"
no_secret_files
ok $? "no file holds the password during the dump"
kill -TERM "$kpid"
wait "$kpid"
is "$?" 143 "the killed backup dies of SIGTERM"
is "$(ls "$bdir" | grep -c '^killed')" 0 "it leaves neither a backup nor a temporary file"
wait_until gone "$dpid"
ok $? "the dump tool was stopped too"
if [ "$DB_BACKEND" = pgsql ]; then echo "COMMIT;" >&7; else echo "UNLOCK TABLES;" >&7; fi
exec 7>&-
wait "$holder"
no_secret_files
ok $? "no file holds the password after the kill"
is "$(cat "$T/victim")" precious "the planted links' target is still unchanged"

if [ -n "$_old_tmpdir" ]; then TMPDIR=$_old_tmpdir; else unset TMPDIR; fi
fi

# ---- SQLite: the copy goes to a new file of a random name, never to a
# name planted beforehand (the old "<dest>.tmp.<pid>", its journal)
if [ "$DB_BACKEND" = sqlite ]; then
	mkdir "$T/sbk"
	echo precious > "$T/svictim"
	sdest="$T/sbk/s.db"
	: & last=$!
	wait $last
	i=1
	while [ $i -le 100 ]; do
		ln -s "$T/svictim" "$sdest.tmp.$((last + i))"
		ln -s "$T/svictim" "$sdest.tmp.$((last + i))-journal"
		i=$((i + 1))
	done
	ksm database backup --output "$sdest"
	is "$rc" 0 "SQLite backup beside planted symbolic links exits 0"
	is "$(cat "$T/svictim")" precious "no planted link was followed: its target is unchanged"
	is "$(find "$T/sbk" -type l | wc -l)" 200 "every planted link is still there, still a link"
	is "$(find "$T/sbk" ! -type l ! -type d)" "$sdest" "nothing but the backup is left beside them"
	is "$(sqlite3 "$sdest" "SELECT count(*) FROM zones")" "$(db_sql "SELECT count(*) FROM zones")" \
		"the backup holds the database's zones"
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
