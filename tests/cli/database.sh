#!/bin/sh
# ods-ksmutil database migrate / backup on SQLite: adopting an OpenDNSSEC 1.4
# database in place, and a consistent backup while another process writes.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

# ---- adopt a 1.4 database: every row kept, times converted to UTC
# The fixture holds local times written on a host in Amsterdam.
export TZ=Europe/Amsterdam
sqlite3 -batch "$DB" < "$top_srcdir/tests/data/ods14/kasp-1.4.sqlite.sql"
rows_before=$(sql "$DB" "SELECT (SELECT count(*) FROM policies) || '/' ||
	(SELECT count(*) FROM zones) || '/' || (SELECT count(*) FROM keypairs) || '/' ||
	(SELECT count(*) FROM dnsseckeys) || '/' || (SELECT count(*) FROM parameters_policies)")
names_before=$(sql "$DB" "SELECT group_concat(name) FROM (SELECT name FROM policies UNION ALL
	SELECT name FROM zones UNION ALL SELECT HSMkey_id FROM keypairs)")
gen_before=$(sql "$DB" "SELECT generate FROM keypairs ORDER BY id LIMIT 1")

ksm database status
is "$rc" 0 "status on a 1.4 database exits 0"
like "$out" 'OpenDNSSEC 1\.4 \(not yet adopted' "status recognises a 1.4 database"
like "$out" '^Pending migrations: 1$' "status: one pending migration"

ksm database migrate
is "$rc" 0 "database migrate adopts the 1.4 database"
like "$out" 'Adopting OpenDNSSEC 1\.4 database' "migrate says it adopts"
like "$out" 'Applied 1 migration\(s\); database schema is now at version 2\.' "migrate reports the result"

rows_after=$(sql "$DB" "SELECT (SELECT count(*) FROM policies) || '/' ||
	(SELECT count(*) FROM zones) || '/' || (SELECT count(*) FROM keypairs) || '/' ||
	(SELECT count(*) FROM dnsseckeys) || '/' || (SELECT count(*) FROM parameters_policies)")
names_after=$(sql "$DB" "SELECT group_concat(name) FROM (SELECT name FROM policies UNION ALL
	SELECT name FROM zones UNION ALL SELECT HSMkey_id FROM keypairs)")
is "$rows_after" "$rows_before" "every policy, zone, key and parameter row is still there"
is "$names_after" "$names_before" "names and key locators are unchanged"
gen_after=$(sql "$DB" "SELECT generate FROM keypairs ORDER BY id LIMIT 1")
want=$(TZ=UTC date -d "$(TZ=Europe/Amsterdam date -d "$gen_before" '+%Y-%m-%d %H:%M:%S %z')" \
	'+%Y-%m-%d %H:%M:%S')
is "$gen_after" "$want" "a stored local time ($gen_before, Amsterdam) is now UTC"
is "$(sql "$DB" 'SELECT version FROM dbadmin')" 5 "dbadmin now says 5, so a 1.4 binary refuses it"
unset TZ

ksm database status
like "$out" '^Schema version: +2 \(this program: 2\)$' "status after adoption: current"
like "$out" '^Pending migrations: none$' "status after adoption: nothing pending"

ksm database migrate
like "$out" 'nothing to do' "a second migrate changes nothing"

# ---- backup while another process inserts rows in a loop
ksm setup --yes
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

done_testing
