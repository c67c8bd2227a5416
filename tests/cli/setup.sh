#!/bin/sh
# ods-ksmutil setup and database status, on the backend ODS_TEST_BACKEND
# names (SQLite by default; see tests/lib/cliutil.sh).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

# versions 1..latest as "1,2,..."
all_versions=$(seq -s, 1 "$MIGRATION_LATEST")

# Declining leaves nothing behind.
echo n > "$T/no"
KSM_STDIN="$T/no" ksm setup
is "$rc" 0 "declined setup exits 0"
like "$out" 'Okay, quitting\.\.\.' "declined setup says so"
if [ "$DB_BACKEND" = sqlite ]; then
	is "$(fingerprint "$DB")" absent "declined setup creates no database"
else
	is "$(db_fingerprint)" absent "declined setup creates no table"
fi

# EOF on stdin is "no" too.
ksm setup
if [ "$DB_BACKEND" = sqlite ]; then
	is "$(fingerprint "$DB")" absent "setup with empty stdin does nothing"
else
	is "$(db_fingerprint)" absent "setup with empty stdin does nothing"
fi

# Scripts answer with echo y.
echo y > "$T/yes"
KSM_STDIN="$T/yes" ksm setup
is "$rc" 0 "setup answered y succeeds"
like "$out" 'are you sure\? \[y/N\]' "setup asks first"
case $DB_BACKEND in
sqlite)
	like "$out" "fixing permissions on file $DB" "setup reports the SQLite file"
	is "$(sql "$DB" 'SELECT version FROM dbadmin')" 5 "dbadmin version is 5 after setup"
	is "$(sql "$DB" 'SELECT count(*) FROM parameters')" 45 "the 1.4 parameter catalogue is seeded"
	is "$(sql "$DB" 'SELECT group_concat(version) FROM schema_migrations ORDER BY version')" \
		"$all_versions" "schema_migrations records every migration"
	for t in dbadmin securitymodules categories parameters serialmodes policies zones keypairs \
	    dnsseckeys parameters_policies; do
		is "$(sql "$DB" "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='$t'")" 1 \
			"table $t exists"
	done
	for v in PARAMETER_VIEW PARAMETER_LIST KEYDATA_VIEW KEYALLOC_VIEW; do
		is "$(sql "$DB" "SELECT count(*) FROM sqlite_master WHERE type='view' AND name='$v'")" 1 \
			"view $v exists"
	done
	;;
*)
	is "$(db_sql 'SELECT version FROM dbadmin')" 5 "dbadmin version is 5 after setup"
	# 1.4 on MySQL had the extra parameter audit (id 45, purge 46)
	if [ "$DB_BACKEND" = mysql ]; then nparam=46; else nparam=45; fi
	is "$(db_sql 'SELECT count(*) FROM parameters')" "$nparam" "the 1.4 parameter catalogue is seeded"
	if [ "$DB_BACKEND" = pgsql ]; then
		agg="string_agg(version::text, ',' ORDER BY version)"
		schema="current_schema()"
	else
		agg="group_concat(version ORDER BY version SEPARATOR ',')"
		schema="DATABASE()"
	fi
	is "$(db_sql "SELECT $agg FROM schema_migrations")" "$all_versions" \
		"schema_migrations records every migration"
	for t in dbadmin securitymodules categories parameters serialmodes policies zones keypairs \
	    dnsseckeys parameters_policies; do
		is "$(db_sql "SELECT count(*) FROM information_schema.tables WHERE
			table_schema = $schema AND table_type = 'BASE TABLE' AND table_name = '$t'")" 1 \
			"table $t exists"
	done
	# PostgreSQL folds the unquoted view names to lower case
	for v in PARAMETER_VIEW PARAMETER_LIST KEYDATA_VIEW KEYALLOC_VIEW; do
		is "$(db_sql "SELECT count(*) FROM information_schema.views WHERE
			table_schema = $schema AND lower(table_name) = lower('$v')")" 1 "view $v exists"
	done
	;;
esac

ksm database status
is "$rc" 0 "database status exits 0"
case $DB_BACKEND in
sqlite)
	like "$out" '^Database backend: +SQLite$' "status names the backend"
	like "$out" "^Database location: +$DB\$" "status names the file"
	;;
pgsql)
	like "$out" '^Database backend: +PostgreSQL$' "status names the backend"
	like "$out" "^Database location: +.*$DB_NAME" "status names the database"
	;;
mysql)
	like "$out" '^Database backend: +MySQL' "status names the backend"
	like "$out" "^Database location: +.*$DB_NAME" "status names the database"
	;;
esac
like "$out" "^Schema version: +$MIGRATION_LATEST \\(this program: $MIGRATION_LATEST\\)\$" \
	"status shows the version"
like "$out" '^Pending migrations: none$' "status: no pending migration"
like "$out" '^Read-only: +no$' "status: writable"

# --yes answers the prompt; setup erases what was there.
db_sql "INSERT INTO policies (name, description) VALUES ('doomed', 'x')"
ksm setup --yes
is "$rc" 0 "setup --yes succeeds without input"
unlike "$out" 'are you sure' "setup --yes does not ask"
is "$(db_sql "SELECT count(*) FROM policies WHERE name = 'doomed'")" 0 "setup erased the old rows"

ksm database migrate
is "$rc" 0 "migrate on a current database exits 0"
like "$out" 'nothing to do' "migrate on a current database does nothing"

done_testing
