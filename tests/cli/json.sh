#!/bin/sh
# --json: each listing command prints one document on stdout that jq
# parses, that its schema in doc/json/ accepts, and that says what the text
# output says; messages and errors go to stderr with the text's exit
# status; a command without JSON output refuses the option.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

command -v jq > /dev/null 2>&1 || skip_all "jq is not installed"
softhsm_test_token
TZ=UTC
export TZ
SCHEMAS="$top_srcdir/doc/json"
if /usr/bin/python3 -c 'import jsonschema' > /dev/null 2>&1; then
	have_schema=1
else
	have_schema=
	diag "python3-jsonschema is not installed: the documents are not checked against the schemas"
fi

# conforms SCHEMA NAME : $out is valid against doc/json/SCHEMA.schema.json
conforms() {
	if [ -z "$have_schema" ]; then
		ok 0 "$2 # SKIP python3-jsonschema is not installed"
		return
	fi
	printf '%s' "$out" > "$T/doc.json"
	_why=$(/usr/bin/python3 - "$SCHEMAS/$1.schema.json" "$T/doc.json" 2>&1 <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
    json.load(open(sys.argv[2])))
PY
)
	_rc=$?
	ok $_rc "$2"
	[ $_rc -eq 0 ] || diag "$_why"
}

# jqv FILTER : jq -r FILTER over $out
jqv() {
	printf '%s' "$out" | jq -r "$1"
}

# one parsable document, nothing else
parses() {
	printf '%s' "$out" | jq -e 'type == "object"' > /dev/null 2>&1
	ok $? "$1: stdout is one JSON object"
}

# ---- a database with zones, keys, a quoted description
sed -i 's|<Description>A default policy that will amaze you and your friends</Description>|<Description>say "hi" \\ to \&lt;all\&gt; — tab:\t.</Description>|' \
	"$T/kasp.xml"
setup_with_zones lab a.example b.example
"$top_builddir/ods-enforcerd" -1 -d -c "$T/conf.xml" > /dev/null 2> "$T/enforcerd.err" < /dev/null
is "$?" 0 "one enforcer run makes the keys"

# ---- zone list
ksm zone list --json
is "$rc" 0 "zone list --json exits 0"
parses "zone list"
conforms zone-list "zone list: the schema accepts it"
is "$(jqv '[.zones[].name] | join(" ")')" "a.example b.example" "zone list: the zones"
is "$(jqv '[.zones[] | select(.in_database and .in_zonelist)] | length')" 2 \
	"zone list: both in the database and the file"
is "$(jqv '.zones[0].signer_configuration')" "$T/a.example.xml" "zone list: the signconf path"
like "$err" "^zonelist filename set to $T/zonelist.xml\.$" "zone list: the information line goes to stderr"
# a zone only in the file and one only in the database
sed -i 's|</ZoneList>|<Zone name="c.example"><Policy>lab</Policy><SignerConfiguration>/x</SignerConfiguration><Adapters><Input><File>/i</File></Input><Output><File>/o</File></Output></Adapters></Zone></ZoneList>|' \
	"$T/zonelist.xml"
ksm zone list --json
is "$(jqv '.zones[] | select(.name == "c.example") | [.in_database, .in_zonelist, .policy, .signer_configuration] | map(tostring) | join(" ")')" \
	"false true lab null" "zone list: a zone only in zonelist.xml"
cp "$T/zonelist.xml" "$T/zonelist.good"
printf '<ZoneList><Zone' > "$T/zonelist.xml"
ksm zone list --json
is "$rc" 2 "zone list: an unparsable zonelist.xml exits 2, as the text does"
parses "zone list, unparsable file"
is "$(jqv '.zonelist_state + " " + (.zones | length | tostring)')" "invalid 2" \
	"zone list: the database's zones, and the file said invalid"
like "$err" "failed to parse" "zone list: the parse error on stderr"
cp "$T/zonelist.good" "$T/zonelist.xml"

# ---- policy list: escaping
ksm policy list --json
is "$rc" 0 "policy list --json exits 0"
conforms policy-list "policy list: the schema accepts it"
is "$(jqv '.policies[] | select(.name == "default") | .description')" \
	"$(printf 'say "hi" \\ to <all> — tab:\t.')" "policy list: quotes, a backslash, UTF-8 and a tab come back as they were"
is "$(jqv '.policies[] | select(.name == "lab") | [.zones, .ksk.algorithm, .zsk.lifetime_seconds] | map(tostring) | join(" ")')" \
	"2 13 7200" "policy list: zones and the key summary"

# ---- repository list
ksm repository list --json
conforms repository-list "repository list: the schema accepts it"
is "$(jqv '.repositories[0] | [.name, (.capacity | tostring), (.require_backup | tostring), (.key_pairs | tostring)] | join(" ")')" \
	"SoftHSM null false 4" "repository list: name, capacity, backup, keys"

# ---- key list: the same keys as the text, times that agree
ksm key list --all --verbose
text_rows=$(printf '%s\n' "$out" | sed -n '3,$p' | grep -c .)
text_tags=$(printf '%s\n' "$out" | sed -n '3,$p' | awk 'NF { print $NF }' | sort -n | tr '\n' ' ')
ksm key list --all --verbose --json
is "$rc" 0 "key list --json exits 0"
parses "key list"
conforms key-list "key list: the schema accepts it"
is "$(jqv '.keys | length')" "$text_rows" "key list: as many keys as text rows ($text_rows)"
is "$(jqv '[.keys[].key_tag] | sort | map(tostring) | join(" ")') " "$text_tags" \
	"key list -v: the key tags of the text"
is "$(jqv '[.keys[] | select(.next_transition != null) | (.next_transition | fromdateiso8601) == .next_transition_epoch] | all')" \
	true "key list: each RFC 3339 time equals its epoch field"
is "$(jqv '[.keys[] | select(.zone == "a.example")] | map(.key_type) | sort | join(" ")')" "KSK ZSK" \
	"key list: a.example has a KSK and a ZSK"
ksm key list --json
is "$(jqv '[.keys[].key_tag] | unique | map(tostring) | join("")')" "null" "key list without -v: no key tags"

# ---- key export: the records of the text
ksm key export --all --keystate publish
text_records=$(printf '%s\n' "$out" | grep -v '^;' | grep . | sort)
ksm key export --all --keystate publish --json
is "$rc" 0 "key export --json exits 0"
conforms key-export "key export: the schema accepts it"
is "$(jqv '.keys[].dnskey' | sort)" "$text_records" "key export: the DNSKEY records of the text"
is "$(jqv '.keys | length')" 2 "key export: the two KSKs"
ksm key export --all --keystate publish --ds
text_records=$(printf '%s\n' "$out" | grep -v '^;' | grep -v WARNING | grep . | sort)
ksm key export --all --keystate publish --ds --json
conforms key-export "key export --ds: the schema accepts it"
is "$(jqv '.keys[].ds[].record' | sort)" "$text_records" "key export --ds: the DS records of the text"
is "$(jqv '[.keys[].zone_warning] | unique | join(",")')" "no active or ready keys" \
	"key export --ds: the text's warning, per zone"
ksm key export --all --json
is "$rc:$(jqv '.keys | length')" "0:0" "key export: no key to export is an empty list"

# ---- rollover list
ksm rollover list
text_rows=$(printf '%s\n' "$out" | sed -n '3,$p' | awk 'NF { print $1 " " $2 }' | sort)
ksm rollover list --json
is "$rc" 0 "rollover list --json exits 0"
conforms rollover-list "rollover list: the schema accepts it"
is "$(jqv '.rollovers[] | .zone + " " + .key_type' | sort)" "$text_rows" \
	"rollover list: the zones and key types of the text"
[ -n "$text_rows" ]; ok $? "rollover list: there are rows to compare"

# ---- backup list, database status, cluster status
ksm backup list --json
conforms backup-list "backup list: the schema accepts it"
is "$(jqv '.repositories[0].unbacked_keys')" 4 "backup list: four keys not backed up"
ksm database status --json
is "$rc" 0 "database status --json exits 0"
conforms database-status "database status: the schema accepts it"
is "$(jqv '[.schema_state, (.schema_version == .program_schema_version | tostring)] | join(" ")')" \
	"current true" "database status: current"
ksm cluster status --json
is "$rc" 3 "cluster status --json: no leader, exit 3 as the text"
parses "cluster status"
conforms cluster-status "cluster status: the schema accepts it"
like "$err" "no ods-enforcerd leads" "cluster status: the warning on stderr"
is "$(jqv '.healthy')" false "cluster status: not healthy"

# ---- errors and refusals
ksm key list --json --zone nosuch.example
is "$rc:$out" "1:" "an unknown zone: exit 1, nothing on stdout"
like "$err" "nosuch.example" "an unknown zone: named on stderr"
keep=$(db_fingerprint)
ksm zone add --json --zone d.example --policy lab
is "$rc:$out" "1:" "zone add --json: refused, exit 1, nothing on stdout"
is "$err" "Error: --json: zone add has no JSON output" "zone add --json: one message"
is "$(db_fingerprint)" "$keep" "zone add --json: the database is unchanged"
ksm_raw -c "$T/missing.xml" zone list --json
is "$out" "" "a conf.xml that cannot be read: nothing on stdout"
[ "$rc" -ne 0 ]; ok $? "a conf.xml that cannot be read: non-zero exit ($rc)"

done_testing
