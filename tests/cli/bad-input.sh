#!/bin/sh
# Bad input to ods-ksmutil: each gives one message naming the problem, a
# non-zero exit, and leaves the database as it was. What concerns SQLite
# files (modes, corrupt files) runs on SQLite only; the servers get their
# own equivalents where there are some.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

# dbfp : the test database's fingerprint (on SQLite, of the file itself)
dbfp() {
	if [ "$DB_BACKEND" = sqlite ]; then fingerprint "$DB"; else db_fingerprint; fi
}

ksm setup --yes
is "$rc" 0 "a database to protect"
good=$(dbfp)

# expect_fail NAME PATTERN ARGS... : non-zero exit, PATTERN in stdout, database untouched
expect_fail() {
	_name=$1 _pat=$2
	shift 2
	ksm_raw "$@"
	ok $([ "$rc" -ne 0 ]; echo $?) "$_name: non-zero exit ($rc)"
	like "$out" "$_pat" "$_name: message names the problem"
	is "$(printf '%s\n' "$out" | grep -c 'Error')" 1 "$_name: one error line"
	is "$(dbfp)" "$good" "$_name: database unchanged"
}

expect_fail "missing conf.xml" "$T/nothere.xml" -c "$T/nothere.xml" database status
expect_fail "conf.xml is a directory" "$T" -c "$T" setup --yes

printf '<Configuration>\n<Common>\n</Configuration>\n' > "$T/broken.xml"
expect_fail "malformed XML" 'broken\.xml:[0-9]+' -c "$T/broken.xml" setup --yes

sed 's|<Interval>PT3600S</Interval>|<Interval>PT3600S</Interval><Bogus/>|' "$T/conf.xml" > "$T/schema.xml"
expect_fail "XML failing the schema" 'schema\.xml:[0-9]+.*Bogus' -c "$T/schema.xml" setup --yes

sed 's|<Interval>PT3600S</Interval>|<Interval>P1X</Interval>|' "$T/conf.xml" > "$T/dur.xml"
expect_fail "bad duration" 'P1X' -c "$T/dur.xml" database status

if [ "$DB_BACKEND" = sqlite ]; then
write_conf "$T/nodir.xml" "<SQLite>$T/missing/dir/kasp.db</SQLite>"
expect_fail "datastore in a missing directory" "$T/missing/dir" -c "$T/nodir.xml" setup --yes
ok $([ ! -e "$T/missing" ]; echo $?) "missing directory: nothing created"

# A read-only database file refuses writes, even for root.
chmod 0444 "$DB"
expect_fail "read-only database: setup" 'read-only' -c "$T/conf.xml" setup --yes
is "$rc" 4 "read-only database: exit status 4"
ksm database status
is "$rc" 0 "read-only database: status still works"
like "$out" '^Read-only: +yes$' "read-only database: status says so"
chmod 0644 "$DB"

# A read-only 1.4 database cannot be adopted; it is left as it was.
sqlite3 -batch "$T/old.db" < "$top_srcdir/tests/data/ods14/kasp-1.4.sqlite.sql"
chmod 0444 "$T/old.db"
write_conf "$T/old.xml" "<SQLite>$T/old.db</SQLite>"
old=$(fingerprint "$T/old.db")
ksm_raw -c "$T/old.xml" database migrate
is "$rc" 4 "read-only 1.4 database: migrate exits 4"
like "$out" 'read-only' "read-only 1.4 database: the message says so"
is "$(fingerprint "$T/old.db")" "$old" "read-only 1.4 database: unchanged"

# A database from a newer kasp-enforcer.
cp "$DB" "$T/newer.db"
sql "$T/newer.db" "INSERT INTO schema_migrations VALUES (999, 'future', '00', '2030-01-01 00:00:00')"
write_conf "$T/newer.xml" "<SQLite>$T/newer.db</SQLite>"
newer=$(fingerprint "$T/newer.db")
ksm_raw -c "$T/newer.xml" database migrate
ok $([ "$rc" -ne 0 ]; echo $?) "newer database: migrate refused"
like "$out" 'newer' "newer database: the message says it is newer"
is "$(fingerprint "$T/newer.db")" "$newer" "newer database: unchanged"

# A corrupt file.
head -c 8192 /dev/urandom > "$T/corrupt.db"
write_conf "$T/corrupt.xml" "<SQLite>$T/corrupt.db</SQLite>"
corrupt=$(fingerprint "$T/corrupt.db")
ksm_raw -c "$T/corrupt.xml" database migrate
ok $([ "$rc" -ne 0 ]; echo $?) "corrupt file: non-zero exit"
like "$out" 'not a database|corrupt' "corrupt file: the message says what is wrong"
is "$(fingerprint "$T/corrupt.db")" "$corrupt" "corrupt file: unchanged"

else
# ---- servers: a database from a newer kasp-enforcer, and one that is not there

db_sql "INSERT INTO schema_migrations (version, name, checksum, applied_at)
	VALUES (999, 'future', '00', '2030-01-01 00:00:00')"
newer=$(db_fingerprint)
ksm database migrate
ok $([ "$rc" -ne 0 ]; echo $?) "newer database: migrate refused"
like "$out" 'newer' "newer database: the message says it is newer"
is "$(db_fingerprint)" "$newer" "newer database: unchanged"
db_sql "DELETE FROM schema_migrations WHERE version = 999"

write_conf "$T/nodb.xml" "$(printf '%s\n' "$DATASTORE" | sed "s/$DB_NAME/${DB_NAME}_none/")"
ksm_raw -c "$T/nodb.xml" database status
ok $([ "$rc" -ne 0 ]; echo $?) "missing database: non-zero exit"
like "$out" "does not exist|Unknown database" "missing database: says so"
like "$out" "${DB_NAME}_none" "missing database: names it"
fi

if [ "$DB_BACKEND" = sqlite ]; then
# A missing database file (no setup yet).
write_conf "$T/nofile.xml" "<SQLite>$T/nofile.db</SQLite>"
ksm_raw -c "$T/nofile.xml" database status
ok $([ "$rc" -ne 0 ]; echo $?) "missing database file: non-zero exit"
like "$out" 'does not exist' "missing database file: says so"
ok $([ ! -e "$T/nofile.db" ]; echo $?) "missing database file: not created by status"

fi

done_testing
