#!/bin/sh
# ods-ksmutil database migrate on MySQL/MariaDB: a database that OpenDNSSEC
# 1.4 created (tests/data/ods14/kasp-1.4.mysql.sql) is adopted in place, every
# row kept, every stored instant kept, the date columns turned into DATETIME.
# Runs only with ODS_TEST_BACKEND=mysql (see tests/lib/cliutil.sh).
. "$top_srcdir/tests/lib/tap.sh"
[ "${ODS_TEST_BACKEND:-sqlite}" = mysql ] || skip_all "MySQL only (ODS_TEST_BACKEND=mysql)"
. "$top_srcdir/tests/lib/cliutil.sh"

db_sql "$(cat "$top_srcdir/tests/data/ods14/kasp-1.4.mysql.sql")"
is "$(db_sql 'SELECT version FROM dbadmin')" 4 "the fixture is a 1.4 database"

# Every row of every table, and the instants as seconds since 1970 (the
# server shows TIMESTAMPs in the session's zone; UTC here).
rows() {
	db_sql "SET time_zone = '+00:00';
	SELECT 'policies', id, name, description, salt, UNIX_TIMESTAMP(salt_stamp), audit
		FROM policies ORDER BY id;
	SELECT 'zones', id, name, policy_id, signconf, input, output, in_type, out_type
		FROM zones ORDER BY id;
	SELECT 'keypairs', id, HSMkey_id, algorithm, size, securitymodule_id,
		UNIX_TIMESTAMP(generate), policy_id, compromisedflag, publickey,
		UNIX_TIMESTAMP(pre_backup), UNIX_TIMESTAMP(backup), fixedDate
		FROM keypairs ORDER BY id;
	SELECT 'dnsseckeys', id, keypair_id, zone_id, keytype, state, UNIX_TIMESTAMP(publish),
		UNIX_TIMESTAMP(ready), UNIX_TIMESTAMP(active), UNIX_TIMESTAMP(retire),
		UNIX_TIMESTAMP(dead), rfc5011, revoked FROM dnsseckeys ORDER BY id;
	SELECT 'parameters_policies', id, parameter_id, policy_id, value
		FROM parameters_policies ORDER BY id;
	SELECT 'securitymodules', id, name, capacity, requirebackup FROM securitymodules;
	SELECT 'parameters', id, name, category_id FROM parameters ORDER BY id;
	SELECT 'categories', id, name FROM categories ORDER BY id;
	SELECT 'serialmodes', id, name FROM serialmodes ORDER BY id;"
}
before=$(rows)
like "$before" '^keypairs\|1\|6a8c5d1e0f9b4c2aa3e7d2b1c0f9e8d7\|8\|2048\|1\|1401616800\|' \
	"the fixture's key pair was generated at 2014-06-01 10:00:00 UTC"

ksm database status
is "$rc" 0 "status on a 1.4 MySQL database exits 0"
like "$out" 'OpenDNSSEC 1\.4 \(not yet adopted' "status recognises a 1.4 database"

ksm database migrate
is "$rc" 0 "database migrate adopts the 1.4 database"
like "$out" 'Adopting OpenDNSSEC 1\.4 database' "migrate says it adopts"
pending=$((MIGRATION_LATEST - 1))
like "$out" "Applied $pending migration\\(s\\); database schema is now at version $MIGRATION_LATEST\\." \
	"migrate reports the result"

after=$(rows)
is "$after" "$before" "every row is kept, every stored instant unchanged"
is "$(db_sql 'SELECT count(*) FROM parameters')" 46 "the 1.4 MySQL catalogue (with audit) is kept"
is "$(db_sql "SET time_zone = '+00:00'; SELECT generate FROM keypairs WHERE id = 1")" \
	"2014-06-01 10:00:00" "dates read as UTC text"
is "$(db_sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE()
	AND data_type = 'timestamp'")" 0 "no TIMESTAMP column is left"
is "$(db_sql "SELECT group_concat(column_name ORDER BY table_name, column_name) FROM
	information_schema.columns WHERE table_schema = DATABASE() AND data_type = 'datetime'
	AND table_name IN ('keypairs', 'dnsseckeys', 'policies')")" \
	"active,dead,publish,ready,retire,backup,generate,pre_backup,salt_stamp" \
	"the date columns are DATETIME"
is "$(db_sql 'SELECT version FROM dbadmin')" 5 "dbadmin now says 5, so a 1.4 binary refuses it"
is "$(db_sql "SELECT group_concat(version ORDER BY version SEPARATOR ',') FROM schema_migrations")" \
	"$(seq -s, 1 "$MIGRATION_LATEST")" "schema_migrations records the adopted baseline and the rest"
is "$(db_sql "SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE()
	AND table_name = 'dnsseckeys' AND index_name = 'idx9'")" 3 "the (zone_id, keytype, state) index exists"

# Quirk Q13 is gone: changing a policy no longer moves its salt_stamp.
db_sql "UPDATE policies SET description = 'changed' WHERE id = 1"
is "$(db_sql "SET time_zone = '+00:00'; SELECT salt_stamp FROM policies WHERE id = 1")" \
	"2014-06-01 10:00:00" "salt_stamp no longer updates itself"

# A date past January 2038 fits now.
db_sql "UPDATE dnsseckeys SET dead = '2040-01-01 00:00:00' WHERE id = 1"
is "$(db_sql 'SELECT dead FROM dnsseckeys WHERE id = 1')" "2040-01-01 00:00:00" \
	"a date after 2038 is stored"

ksm database status
like "$out" "^Schema version: +$MIGRATION_LATEST \\(this program: $MIGRATION_LATEST\\)\$" \
	"status after adoption: current"
ksm database migrate
like "$out" 'nothing to do' "a second migrate changes nothing"

done_testing
