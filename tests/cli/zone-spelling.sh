#!/bin/sh
# One zone per name whatever its spelling ("x" / "x."), settled by the
# database (zones.canon and its unique index, migration 0005): the store
# writes canon on every insert; two processes adding the two spellings at
# once never both succeed; the migration fills canon for an existing
# database, leaving NULL on the later row of a name it already holds twice.
# Runs on the engine of $ODS_TEST_BACKEND.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

ROUNDS=${ZONE_SPELLING_ROUNDS:-12}

ksm setup --yes
is "$rc" 0 "setup"
cp "$T/zonelist.xml" "$T/zonelist.base"

# zonelist_with NAME... : $T/zonelist.xml = the base list plus zones NAME...
zonelist_with() {
	_z=
	for _n in "$@"; do
		_z="$_z<Zone name=\"$_n\"><Policy>default</Policy><SignerConfiguration>$T/$_n.xml</SignerConfiguration><Adapters><Input><File>$T/in</File></Input><Output><File>$T/out</File></Output></Adapters></Zone>"
	done
	sed "s|</ZoneList>|$_z</ZoneList>|" "$T/zonelist.base" > "$T/zonelist.xml"
}

# ---- the store writes canon
ksm zone add --zone a.example --no-xml
is "$rc" 0 "zone add a.example"
zonelist_with a.example b.example.
ksm update zonelist
is "$rc" 0 "update zonelist with b.example."
is "$(db_sql "SELECT name, canon FROM zones WHERE name LIKE '%.example%' ORDER BY name")" \
"a.example|a.example
b.example.|b.example" "canon: the name without its final dot, from zone add and zonelist import"
is "$(db_sql "SELECT canon FROM zones WHERE name = '.'")" "" "(no root zone here)"

# ---- the database refuses the other spelling on its own
snapshot_db=$(db_fingerprint)
pid=$(db_sql "SELECT id FROM policies WHERE name = 'default'")
db_sql "INSERT INTO zones (name, policy_id, canon) VALUES ('a.example.', $pid, 'a.example')" \
	> "$T/insert.out" 2>&1
like "$(cat "$T/insert.out")" 'zones[._]canon' \
	"an insert of a.example. beside a.example fails on the unique index zones_canon"
is "$(db_fingerprint)" "$snapshot_db" "... and changes nothing"

# ---- two processes at once: exactly one of "x" and "x." goes in
# Each round starts two writers at the same moment (both wait for one file
# to appear): in odd rounds `update zonelist` from two zone lists, one with
# rN.example and one with rN.example. (the same work, so their transactions
# overlap most); in even rounds `zone add --zone rN.example` beside `update
# zonelist` with rN.example. in the file. Then one of them must have failed
# and one row hold the name.
sed "s|$T/zonelist.xml|$T/zonelist2.xml|" "$T/conf.xml" > "$T/conf2.xml"
single=0
for i in $(seq 1 "$ROUNDS"); do
	z=r$i.example
	zonelist_with a.example b.example. "$z"
	mv "$T/zonelist.xml" "$T/zonelist2.xml"
	zonelist_with a.example b.example. "$z."
	if [ $((i % 2)) = 1 ]; then
		set -- -c "$T/conf2.xml" update zonelist
	else
		set -- -c "$T/conf.xml" zone add --zone "$z" --no-xml
	fi
	rm -f "$T/go"
	(while [ ! -e "$T/go" ]; do :; done; exec "$KSMUTIL" "$@") > "$T/w1.out" 2>&1 &
	p1=$!
	(while [ ! -e "$T/go" ]; do :; done
	 exec "$KSMUTIL" -c "$T/conf.xml" update zonelist) > "$T/w2.out" 2>&1 &
	p2=$!
	: > "$T/go"
	wait $p1; r1=$?
	wait $p2; r2=$?
	rows=$(db_sql "SELECT name FROM zones WHERE name IN ('$z', '$z.')")
	n=$(printf '%s' "$rows" | grep -c .)
	if [ "$n" = 1 ] && [ $(( (r1 == 0) + (r2 == 0) )) = 1 ]; then
		single=$((single + 1))
	else
		diag "round $i: $* $r1, update zonelist $r2, rows: $rows"
		diag "$(cat "$T/w1.out" "$T/w2.out")"
	fi
done
is "$single" "$ROUNDS" "$ROUNDS rounds of concurrent x / x.: exactly one succeeded each time"

# ---- migration 0005 on a database that already holds both spellings
# Wind the schema back to version 4 (no canon), store both spellings of
# one name, then migrate (0005 and those after it).
case $DB_BACKEND in
mysql) db_sql "DROP INDEX zones_canon ON zones" ;;
*) db_sql "DROP INDEX zones_canon" ;;
esac
db_sql "ALTER TABLE zones DROP COLUMN canon"
# and what came after 0005 (0006: the cluster tables)
db_sql "DROP TABLE cluster_nodes"
db_sql "DROP TABLE cluster_leader"
db_sql "DELETE FROM schema_migrations WHERE version >= 5"
ksm zone list
is "$rc" 2 "a database at version 4 is refused before the migration"
like "$out" "database migrate" "... which names database migrate"
db_sql "INSERT INTO zones (name, policy_id) VALUES ('c.example', $pid)"
db_sql "INSERT INTO zones (name, policy_id) VALUES ('c.example.', $pid)"
db_sql "INSERT INTO zones (name, policy_id) VALUES ('d.example.', $pid)"
db_sql "INSERT INTO zones (name, policy_id) VALUES ('d.example', $pid)"
if [ "$DB_BACKEND" = mysql ]; then
	# a run cut short after its DDL (MySQL commits each statement): it runs again
	db_sql "ALTER TABLE zones ADD COLUMN canon VARCHAR(300)"
	db_sql "CREATE UNIQUE INDEX zones_canon ON zones (canon)"
fi
ksm database migrate
is "$rc" 0 "database migrate to the latest version" || diag "$out"
is "$(db_sql "SELECT name, canon FROM zones WHERE name LIKE '_.example%' ORDER BY id")" \
"a.example|a.example
b.example.|b.example
c.example|c.example
c.example.|
d.example.|d.example
d.example|" "canon filled; the later spelling of a name held twice keeps NULL"
ksm zone add --zone e.example --no-xml
is "$rc" 0 "zone add after the migration"
ksm zone add --zone c.example --no-xml
is "$rc" 1 "zone add of a name held twice is refused"
ksm zone delete --zone d.example --no-xml
is "$rc" 0 "zone delete of the later spelling"
is "$(db_sql "SELECT name, canon FROM zones WHERE name LIKE 'd.example%'")" "d.example.|d.example" \
	"the earlier one stays"
done_testing
