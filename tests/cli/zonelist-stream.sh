#!/bin/sh
# zonelist.xml is read zone by zone (a streaming reader validating as it
# reads) and applied inside the import's one transaction: a file that is
# bad at its 90,000th zone leaves the database as it was, whether the zones
# before it were already applied (update zonelist, zonelist import: one
# pass) or checked first (update all, setup). `zonelist export` and `zone
# list` are written row by row: the export of a file in export layout gives
# the file back byte for byte.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/zoneutil.sh"

N=90000

# zonelist N BREAK: N zones in `zonelist export` layout; BREAK is "" (none),
# "policy" (the last zone has no <Policy>) or "twice" (the last zone is the first again)
zonelist() {
	awk -v n="$1" -v brk="$2" 'BEGIN {
		print "<?xml version=\"1.0\"?>"
		print "<ZoneList>"
		for (i = 1; i <= n; i++) {
			z = sprintf("zone%06d.example", (i == n && brk == "twice") ? 1 : i)
			printf "    <Zone name=\"%s\">\n", z
			if (!(i == n && brk == "policy"))
				printf "        <Policy>default</Policy>\n"
			printf "        <SignerConfiguration>/sc/%s.xml</SignerConfiguration>\n", z
			printf "        <Adapters>\n            <Input>\n"
			printf "                <Adapter type=\"File\">/in/%s</Adapter>\n", z
			printf "            </Input>\n            <Output>\n"
			printf "                <Adapter type=\"File\">/out/%s</Adapter>\n", z
			printf "            </Output>\n        </Adapters>\n    </Zone>\n"
		}
		print "</ZoneList>"
	}' > "$T/zonelist.xml"
}

ksm setup --yes
is "$rc" 0 "setup with the one zone of contrib/zonelist.xml"

# the <SignerConfiguration> of the last zone: 2 lines of head, 12 per zone before it
line=$((2 + 12 * (N - 1) + 2))
zonelist $N policy
snapshot
for cmd in "update zonelist" "zonelist import"; do
	ksm $cmd
	is "$rc" 1 "$cmd: a file bad at zone $N exits 1"
	is "$out" "zonelist filename set to $T/zonelist.xml.
kasp filename set to $T/kasp.xml.
Error: $T/zonelist.xml:$line: element SignerConfiguration: fails to validate: Did not expect element SignerConfiguration there
Failed to update zones" "$cmd: the schema's message alone, none of the zones before it"
	unchanged "$cmd: the $((N - 1)) zones before the bad one"
done
ksm update all
is "$rc" 1 "update all: refused before anything is imported"
like "$out" "^Error: $T/zonelist.xml:$line: element SignerConfiguration: fails to validate" \
	"update all: the schema's message"
unchanged "update all"
ksm setup --yes
is "$rc" 1 "setup: refused before the reset"
like "$out" "SETUP FAILED" "setup: says so"
unchanged "setup"

zonelist $N twice
snapshot
ksm update zonelist
is "$rc" 1 "a zone named again as the $N-th exits 1"
is "$out" "zonelist filename set to $T/zonelist.xml.
kasp filename set to $T/kasp.xml.
Error Importing zone zone000001.example; it is listed more than once
Failed to update zones" "... with the 1.x message alone"
unchanged "a zone named twice"

zonelist $N ""
ksm update zonelist
is "$rc" 0 "the whole file imports"
is "$(db_sql "SELECT count(*) FROM zones")" "$N" "... every zone of it"
is "$(printf '%s\n' "$out" | grep -c '^Added zone ')" "$N" "... each reported added"
like "$out" "Removing zone example.com from database" "... and the zone it no longer has removed"
ksm zonelist export
is "$rc" 0 "zonelist export exits 0"
printf '%s\n' "$out" > "$T/export.xml"
is "$(fingerprint "$T/export.xml")" "$(fingerprint "$T/zonelist.xml")" \
	"the export is the file, byte for byte"
ksm zone list
is "$rc" 0 "zone list exits 0"
is "$(printf '%s\n' "$out" | grep -c '^Found Zone: zone[0-9]*\.example; on policy default$')" "$N" \
	"zone list: every zone, once"
unlike "$out" "not in database|but not zonelist" "zone list: the file and the database agree"
snapshot
ksm update zonelist
is "$rc" 0 "the same file again"
unlike "$out" "Added zone|Removing zone" "... changes nothing"
unchanged "the same file again"

done_testing
