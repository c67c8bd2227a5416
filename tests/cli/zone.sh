#!/bin/sh
# zone add / delete / list, zonelist export / import: exact output, the
# zonelist.xml edits, trailing dots, round trips.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/zoneutil.sh"

ksm setup --yes
is "$rc" 0 "setup"
mkdir -p "$T/signconf" "$T/unsigned"

# ---- zone add: defaults (paths under the state directory, type File)
ksm zone add --zone ods0
is "$rc" 0 "zone add with defaults exits 0"
like "$out" '^WARNING: The input file /.*/unsigned/ods0 for zone ods0 does not currently exist\. The zone will been added to the database anyway\. $' \
	"zone add: 1.x warning for a missing input file"
like "$out" '^Imported zone: ods0$' "zone add: success line"
is "$(db_sql "SELECT CASE WHEN policy_id = (SELECT id FROM policies WHERE name = 'default')
	THEN 1 ELSE 0 END, in_type, out_type FROM zones WHERE name = 'ods0'")" "1|File|File" \
	"zone add: policy default, types File"
like "$(db_sql "SELECT signconf FROM zones WHERE name = 'ods0'")" '^/.*/signconf/ods0\.xml$' \
	"zone add: default signconf path"
# The configured state directory, written as @STATE@ in the golden files.
STATEDIR=$(db_sql "SELECT signconf FROM zones WHERE name = 'ods0'" | sed 's|/signconf/ods0\.xml$||')
is "$(db_sql "SELECT input FROM zones WHERE name = 'ods0'") $(db_sql "SELECT output FROM zones
	WHERE name = 'ods0'")" "$STATEDIR/unsigned/ods0 $STATEDIR/signed/ods0" \
	"zone add: default input and output paths"
like "$(cat "$T/zonelist.xml")" '<Zone name="ods0">' "zone add: appended to zonelist.xml"
is "$(fingerprint "$T/zonelist.xml.backup")" "$(fingerprint "$top_srcdir/contrib/zonelist.xml")" \
	"zone add: the old zonelist.xml is kept as .backup"

# ---- zone add: every option; relative paths made absolute; Upper-case and a trailing dot
: > "$T/unsigned/ods1"
(cd "$T" && "$KSMUTIL" -c "$T/conf.xml" zone add --zone ODS1. -p default -s signconf/ods1.xml \
	-i unsigned/ods1 -j File -o "$T/signed/ods1" -q DNS > "$T/add.out" 2>&1)
is "$?" 0 "zone add with every option exits 0"
golden zone-add.out "$(cat "$T/add.out")" "zone add: output with a DNS output adapter"
golden zonelist-after-add.xml "$(cat "$T/zonelist.xml")" "zonelist.xml after two zone adds (tabs)"

ksm zone add --zone x.example --no-xml -s "$T/signconf/x.xml" -i "$T/unsigned/ods1"
is "$rc" 0 "zone add --no-xml exits 0"
is "$out" "zonelist filename set to $T/zonelist.xml.
Imported zone: x.example into database only, please run \"ods-ksmutil zonelist export\" to update zonelist.xml" \
	"zone add --no-xml: 1.x message"
unlike "$(cat "$T/zonelist.xml")" 'x\.example' "zone add --no-xml leaves zonelist.xml alone"

# ---- zone list: from the database, with the two mismatch lines
ksm zone list
is "$rc" 0 "zone list exits 0"
golden zone-list.out "$out" "zone list: database zones, then mismatches"

# ---- zonelist export and the round trip
ksm zonelist export
is "$rc" 0 "zonelist export exits 0"
golden zonelist-export.xml "$out" "zonelist export: 1.x layout, policy then id order"
printf '%s\n' "$out" > "$T/export1.xml"
cp "$T/export1.xml" "$T/zonelist.xml"
ksm zonelist import
is "$rc" 0 "zonelist import of the export exits 0"
like "$out" 'Zone x\.example found; policy set to default' "zonelist import: Zone ... found lines"
unlike "$out" 'Added zone|Removing zone' "zonelist import of the export changes nothing"
like "$out" 'Notifying enforcer of new database\.\.\.' "zonelist import notifies"
ksm setup --yes
is "$rc" 0 "setup from the exported zone list"
ksm zonelist export
ok $([ "$out" = "$(cat "$T/export1.xml")" ]; echo $?) "export -> setup -> export is identical"

# ---- zonelist import: additions and removals
sed '/<Zone name="ods0">/,/<\/Zone>/d' "$T/export1.xml" > "$T/zonelist.xml"
ksm update zonelist
is "$rc" 0 "update zonelist with a zone removed exits 0"
like "$out" '^Removing zone ods0 from database$' "update zonelist: Removing zone line"
is "$(db_sql "SELECT count(*) FROM zones WHERE name = 'ods0'")" 0 "the removed zone is gone"
cp "$T/export1.xml" "$T/zonelist.xml"
ksm update zonelist
like "$out" '^Added zone ods0 to database$' "update zonelist: Added zone line"

# ---- zone delete
: > "$T/signconf/ods1.xml"
snapshot
ksm zone delete --zone nosuch.example
is "$rc" 1 "deleting an unknown zone exits 1"
is "$out" "zonelist filename set to $T/zonelist.xml.
Couldn't find zone nosuch.example" "deleting an unknown zone: 1.x message"
unchanged "deleting an unknown zone (quirk 5 fixed)"
ksm zone delete --zone ods1.
is "$rc" 1 "zone delete is not dot-agnostic: ods1. is not ods1"
like "$out" "Couldn't find zone ods1\.$" "... and names the zone as typed"
unchanged "zone delete of the other spelling"

# as if the daemon still owed the signer a notice of ods1's signconf
: > "$T/signconf/ods1.xml.notify"
ksm zone delete --zone ODS1
is "$rc" 0 "zone delete exits 0 (names compare without case)"
is "$out" "zonelist filename set to $T/zonelist.xml." "zone delete: nothing but the file line"
is "$(db_sql "SELECT count(*) FROM zones WHERE name = 'ods1'")" 0 "zone delete: gone from the database"
unlike "$(cat "$T/zonelist.xml")" 'name="ods1"' "zone delete: gone from zonelist.xml"
ok $([ -e "$T/signconf/ods1.xml.ZONE_DELETED" ] && [ ! -e "$T/signconf/ods1.xml" ]; echo $?) \
	"zone delete: signconf renamed to .ZONE_DELETED"
[ ! -e "$T/signconf/ods1.xml.notify" ]
ok $? "zone delete: the signer's pending notice is dropped"

ksm zone delete --zone x.example --no-xml
is "$rc" 0 "zone delete --no-xml exits 0"
is "$out" "Deleted zone: x.example from database only, please run \"ods-ksmutil zonelist export\" to update zonelist.xml" \
	"zone delete --no-xml: 1.x message"
like "$(cat "$T/zonelist.xml")" 'name="x.example"' "zone delete --no-xml leaves zonelist.xml alone"

ksm zone delete
is "$rc" 1 "zone delete without --zone or --all exits 1"
is "$out" "please specify either --zone <zone> or --all" "... 1.x message"
ksm zone delete --all --zone ods0
is "$rc" 1 "zone delete --all --zone exits 1"
is "$out" "can not use --all with --zone" "... 1.x message"

# trailing dots: "foo." is its own name for zone delete
ksm zone add --zone dotted.example -s "$T/signconf/d.xml" -i "$T/unsigned/ods1"
sql_before=$(db_sql "SELECT count(*) FROM zones")
ksm zone delete --zone dotted.example.
is "$rc" 1 "zone delete dotted.example. does not delete dotted.example"
is "$(db_sql "SELECT count(*) FROM zones")" "$sql_before" "... nothing deleted"

snapshot
ksm zone delete --all
is "$rc" 0 "zone delete --all without an answer exits 0"
like "$out" 'This will remove all zones from OpenDNSSEC; are you sure\? \[y/N\] Okay, quitting\.\.\.' \
	"zone delete --all asks"
unchanged "declined zone delete --all"
echo y > "$T/yes"
KSM_STDIN="$T/yes" ksm zone delete --all
is "$rc" 0 "zone delete --all exits 0"
is "$(db_sql "SELECT count(*) FROM zones")" 0 "zone delete --all empties the database"
is "$(grep -c '<Zone ' "$T/zonelist.xml")" 0 "zone delete --all empties zonelist.xml"
ksm zone list
is "$out" "zonelist filename set to $T/zonelist.xml.
No zones in DB or zonelist." "zone list with no zones"
ksm zonelist export
is "$out" '<?xml version="1.0"?>
<ZoneList/>' "zonelist export with no zones"

# no zonelist.xml at all: delete works on the database and creates no file
ksm zone add --zone lone.example --no-xml -s "$T/signconf/lone.xml" -i "$T/unsigned/ods1"
rm -f "$T/zonelist.xml"
ksm zone delete --zone lone.example
is "$rc" 0 "zone delete without a zonelist.xml exits 0"
ok $([ ! -e "$T/zonelist.xml" ]; echo $?) "... and creates no zonelist.xml"
is "$(db_sql "SELECT count(*) FROM zones")" 0 "... and deletes the zone"

# --signerconf: not empty, not a directory; and zone delete renames only a
# regular file that is not a configuration file
ksm zone add --zone e.example --no-xml -s ""
ok $([ "$rc" -ne 0 ]; echo $?) "zone add --signerconf '' is refused"
like "$out" "Error: --signerconf needs a file name" "... and says so"
ksm zone add --zone d.example --no-xml -s "$T/signconf"
ok $([ "$rc" -ne 0 ]; echo $?) "zone add --signerconf DIR is refused"
like "$out" "Error: the signer configuration $T/signconf is a directory" "... and says so"
is "$(db_sql "SELECT count(*) FROM zones WHERE name IN ('e.example', 'd.example')")" 0 \
	"... and adds nothing"
ksm zone add --zone c.example --no-xml -s "$T/conf.xml" -i "$T/unsigned/ods1"
ksm zone delete --zone c.example --no-xml
is "$rc" 0 "zone delete of a zone whose signconf path is conf.xml exits 0"
like "$out" "Not renaming $T/conf.xml: it is a configuration file" "... says it keeps conf.xml"
ok $([ -f "$T/conf.xml" ] && [ ! -e "$T/conf.xml.ZONE_DELETED" ]; echo $?) "... and keeps it"

# the root zone's default files are files, not the directories themselves
ksm zone add --zone . --no-xml
is "$rc" 0 "zone add of the root zone exits 0"
is "$(db_sql "SELECT signconf, input, output FROM zones WHERE name = '.'" | sed 's|/[^|]*/\([a-z]*/[a-z.]*\)|\1|g')" \
	"signconf/root.xml|unsigned/root|signed/root" "the root zone's default files are named root"
ksm zone delete --zone . --no-xml

# a zonelist.xml that is not a zone list: zone delete changes nothing
ksm zone add --zone keep.example --no-xml -s "$T/signconf/keep.xml" -i "$T/unsigned/ods1"
printf '<ZoneList>\n<Zone name="keep.example">\n' > "$T/zonelist.xml"
cp "$T/zonelist.xml" "$T/zonelist.broken"
ksm zone delete --zone keep.example
ok $([ "$rc" -ne 0 ]; echo $?) "zone delete with a broken zonelist.xml fails"
like "$out" "^Error: .*zonelist.xml" "... and names the file"
is "$(db_sql "SELECT count(*) FROM zones WHERE name = 'keep.example'")" 1 "... and keeps the zone"
cmp -s "$T/zonelist.xml" "$T/zonelist.broken"
ok $? "... and leaves the file as it was"
ksm zone list
is "$rc" 2 "zone list with a broken zonelist.xml exits 2"
like "$out" "^$T/zonelist.xml : failed to parse\$" "... with the 1.x line"
like "$out" "^Error: $T/zonelist.xml:[0-9]*: not well-formed XML" "... and why"
like "$out" "^Found Zone: keep.example; on policy default\$" "... and still lists the database's zones"

done_testing
