#!/bin/sh
# ods-ksmutil setup and database status on SQLite.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

# Declining leaves nothing behind.
echo n > "$T/no"
KSM_STDIN="$T/no" ksm setup
is "$rc" 0 "declined setup exits 0"
like "$out" 'Okay, quitting\.\.\.' "declined setup says so"
is "$(fingerprint "$DB")" absent "declined setup creates no database"

# EOF on stdin is "no" too.
ksm setup
is "$(fingerprint "$DB")" absent "setup with empty stdin does nothing"

# Scripts answer with echo y.
echo y > "$T/yes"
KSM_STDIN="$T/yes" ksm setup
is "$rc" 0 "setup answered y succeeds"
like "$out" 'are you sure\? \[y/N\]' "setup asks first"
like "$out" "fixing permissions on file $DB" "setup reports the SQLite file"
is "$(sql "$DB" 'SELECT version FROM dbadmin')" 5 "dbadmin version is 5 after setup"
is "$(sql "$DB" 'SELECT count(*) FROM parameters')" 45 "the 1.4 parameter catalogue is seeded"
is "$(sql "$DB" 'SELECT group_concat(version) FROM schema_migrations ORDER BY version')" "1,2" \
	"schema_migrations records every migration"
for t in dbadmin securitymodules categories parameters serialmodes policies zones keypairs \
    dnsseckeys parameters_policies; do
	is "$(sql "$DB" "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='$t'")" 1 \
		"table $t exists"
done
for v in PARAMETER_VIEW PARAMETER_LIST KEYDATA_VIEW KEYALLOC_VIEW; do
	is "$(sql "$DB" "SELECT count(*) FROM sqlite_master WHERE type='view' AND name='$v'")" 1 \
		"view $v exists"
done

ksm database status
is "$rc" 0 "database status exits 0"
like "$out" '^Database backend: +SQLite$' "status names the backend"
like "$out" "^Database location: +$DB\$" "status names the file"
like "$out" '^Schema version: +2 \(this program: 2\)$' "status shows the version"
like "$out" '^Pending migrations: none$' "status: no pending migration"
like "$out" '^Read-only: +no$' "status: writable"

# --yes answers the prompt; setup erases what was there.
sql "$DB" "INSERT INTO policies (name, description) VALUES ('doomed', 'x')"
ksm setup --yes
is "$rc" 0 "setup --yes succeeds without input"
unlike "$out" 'are you sure' "setup --yes does not ask"
is "$(sql "$DB" "SELECT count(*) FROM policies")" 0 "setup erased the old rows"

ksm database migrate
is "$rc" 0 "migrate on a current database exits 0"
like "$out" 'nothing to do' "migrate on a current database does nothing"

done_testing
