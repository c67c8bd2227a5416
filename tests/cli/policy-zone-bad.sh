#!/bin/sh
# Bad input to the policy and zone commands: each exits non-zero, names the
# problem, and leaves the database and every file as they were.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/zoneutil.sh"

ksm setup --yes
is "$rc" 0 "a database to protect"
mkdir -p "$T/signconf"
ksm zone add --zone dup.example -s "$T/signconf/dup.xml" -i "$T/in"
is "$rc" 0 "a zone to protect"

# expect NAME RC PATTERN ARGS...: exit status RC, PATTERN in stdout, nothing changed
expect() {
	_name=$1 _want=$2 _pat=$3
	shift 3
	snapshot
	ksm "$@"
	is "$rc" "$_want" "$_name: exit status"
	like "$out" "$_pat" "$_name: message names the problem"
	unchanged "$_name"
}

# ---- kasp.xml that must not be imported, by update kasp nor by setup
good_kasp="$top_srcdir/contrib/kasp.xml"
bad_kasp() {
	_name=$1 _pat=$2
	expect "update kasp, $_name" 1 "$_pat" update kasp
	like "$out" '^Failed to update policies$' "update kasp, $_name: Failed to update policies"
	expect "setup, $_name" 1 "$_pat" setup --yes
	like "$out" '^SETUP FAILED$' "setup, $_name: SETUP FAILED"
	cp "$good_kasp" "$T/kasp.xml"
}
head -c 300 "$good_kasp" > "$T/kasp.xml"
bad_kasp "malformed kasp.xml" 'kasp\.xml'
grep -v '<Resign>' "$good_kasp" > "$T/kasp.xml"
bad_kasp "a missing required element" 'kasp\.xml'
sed 's|<Resign>PT2H</Resign>|<Resign>P1X</Resign>|' "$good_kasp" > "$T/kasp.xml"
bad_kasp "a duration that does not parse" 'P1X'
sed 's|<Algorithm length="2048">8</Algorithm>|<Algorithm length="2048">99</Algorithm>|' \
	"$good_kasp" > "$T/kasp.xml"
bad_kasp "an algorithm that does not exist" '99'
sed '0,/<Repository>SoftHSM/s|<Repository>SoftHSM|<Repository>Nowhere|' "$good_kasp" > "$T/kasp.xml"
bad_kasp "an unknown repository" 'Nowhere'
# ods-kaspcheck reports an unknown repository first; a copy of the program
# with no ods-kaspcheck beside it shows the 1.x lines of the import itself.
mkdir -p "$T/bin"
cp "$KSMUTIL" "$T/bin/ods-ksmutil"
sed '0,/<Repository>SoftHSM/s|<Repository>SoftHSM|<Repository>Nowhere|' "$good_kasp" > "$T/kasp.xml"
snapshot
out=$("$T/bin/ods-ksmutil" -c "$T/conf.xml" update kasp 2> "$T/stderr"); rc=$?
is "$rc" 1 "unknown repository, no ods-kaspcheck: exit status"
is "$(no_kaspcheck)" "zonelist filename set to $T/zonelist.xml.
kasp filename set to $T/kasp.xml.
Policy default found
Info: converting P1Y to seconds; M interpreted as 31 days, Y interpreted as 365 days
Error: unable to find repository Nowhere
Please either add the repository to conf.xml or remove the reference to it from kasp.xml
Failed to update policies" "unknown repository: the 1.x lines"
like "$(cat "$T/stderr")" "^Couldn't run ods-kaspcheck, will carry on$" "no ods-kaspcheck: the 1.x line on stderr"
unchanged "unknown repository, no ods-kaspcheck"
cp "$good_kasp" "$T/kasp.xml"

# ---- zone names
expect "zone name with a space" 1 'zone name "a b\.example" has a character' \
	zone add --zone "a b.example"
expect "zone name with a quote" 1 "zone name \"it's\\.example\" has a character" \
	zone add --zone "it's.example"
expect "zone name with a semicolon" 1 'zone name "a;DROP TABLE zones\.example"' \
	zone add --zone "a;DROP TABLE zones.example"
long=$(printf 'a%.0s' $(seq 1 60)).$(printf 'b%.0s' $(seq 1 60)).$(printf 'c%.0s' $(seq 1 60)).$(printf 'd%.0s' $(seq 1 60)).$(printf 'e%.0s' $(seq 1 56))
is "${#long}" 300 "a 300-character name"
expect "zone name of 300 characters" 1 'longer than 253' zone add --zone "$long"
expect "zone name with an empty label" 1 'empty label' zone add --zone "a..example"
expect "zone delete of a bad name" 1 'has a character' zone delete --zone "a b"

# ---- zone add and delete
expect "zone added twice" 1 '^Failed to Import zone dup\.example; it already exists$' \
	zone add --zone dup.example -s "$T/signconf/dup.xml" -i "$T/in"
expect "zone added twice, other case and a dot" 1 'Failed to Import zone dup\.example; it already exists' \
	zone add --zone DUP.Example. -s "$T/signconf/dup.xml" -i "$T/in"
expect "zone on an unknown policy" 1 '^Error, can.t find policy : nosuch$' \
	zone add --zone new.example --policy nosuch -s "$T/signconf/new.xml" -i "$T/in"
like "$out" '^Failed to update zones$' "zone on an unknown policy: Failed to update zones"
expect "zone add with a bad in-type" 1 '^Error: Unrecognised in-type XML; should be one of DNS or File$' \
	zone add --zone new.example --in-type XML
expect "zone add with a bad out-type" 1 '^Error: Unrecognised out-type dns; should be one of DNS or File$' \
	zone add --zone new.example --out-type dns
expect "zone add without --zone" 1 '^Please specify a zone with the --zone option$' zone add
expect "deleting an unknown zone" 1 "^Couldn't find zone nosuch\\.example$" zone delete --zone nosuch.example

# zonelist.xml cannot be written: root ignores directory permission bits, so
# the zonelist lies under a regular file, or its .backup is a directory.
: > "$T/afile"
sed -i "s|<ZoneListFile>.*</ZoneListFile>|<ZoneListFile>$T/afile/zonelist.xml</ZoneListFile>|" "$T/conf.xml"
expect "zonelist under a regular file" 1 "^ERROR: The backup file $T/afile/zonelist\\.xml\\.backup can not be written\\.$" \
	zone add --zone new.example -s "$T/signconf/new.xml" -i "$T/in"
write_conf "$T/conf.xml"
rm -f "$T/zonelist.xml.backup"
mkdir "$T/zonelist.xml.backup"
expect "zonelist.xml.backup is a directory" 1 "^ERROR: The backup file $T/zonelist\\.xml\\.backup can not be written\\.$" \
	zone add --zone new.example -s "$T/signconf/new.xml" -i "$T/in"
rmdir "$T/zonelist.xml.backup"
cp "$T/zonelist.xml" "$T/zonelist.good"
printf '<ZoneList><Zone name="x">\n' > "$T/zonelist.xml"
expect "zone add with a malformed zonelist.xml" 1 'zonelist\.xml' \
	zone add --zone new.example -s "$T/signconf/new.xml" -i "$T/in"

# ---- zonelist.xml that must not be imported
zl() {   # zl NAME POLICY [NAME POLICY...]: a zonelist.xml with these zones
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<ZoneList>'
		while [ $# -gt 0 ]; do
			printf '<Zone name="%s"><Policy>%s</Policy><SignerConfiguration>/x/%s.xml</SignerConfiguration>' "$1" "$2" "$1"
			printf '<Adapters><Input><File>/x/in</File></Input><Output><File>/x/out</File></Output></Adapters></Zone>\n'
			shift 2
		done
		echo '</ZoneList>'
	} > "$T/zonelist.xml"
}
bad_zonelist() {
	_name=$1 _pat=$2
	expect "update zonelist, $_name" 1 "$_pat" update zonelist
	like "$out" '^Failed to update zones$' "update zonelist, $_name: Failed to update zones"
	expect "setup, $_name" 1 "$_pat" setup --yes
}
printf '<ZoneList><Zone name="x">\n' > "$T/zonelist.xml"
bad_zonelist "malformed zonelist.xml" 'zonelist\.xml'
zl "a b.example" default
bad_zonelist "a zone name with a space" 'zone name "a b\.example"'
zl good.example default "bad;name" default
bad_zonelist "a zone name with a semicolon" 'zone name "bad;name"'
zl good.example nosuch
bad_zonelist "a zone on an unknown policy" "^ERROR, can't find policy nosuch\\.$"
zl twice.example default twice.example. default
bad_zonelist "a zone with and without the dot" 'twice\.example; it already exists both with and without a trailing dot'
zl twice.example default Twice.Example default
bad_zonelist "a zone listed twice" 'twice\.example'
cp "$T/zonelist.good" "$T/zonelist.xml"

# ---- a zone in the database as "dotted.example.", added again without the dot
zl dotted.example. default
ksm update zonelist
is "$rc" 0 "a zone with a trailing dot from zonelist.xml"
is "$(db_sql "SELECT count(*) FROM zones WHERE name = 'dotted.example.'")" 1 "... kept with its dot"
expect "zone add of the other spelling" 1 'dotted\.example; it already exists both with and without a trailing dot' \
	zone add --zone dotted.example -s "$T/signconf/d.xml" -i "$T/in"

done_testing
