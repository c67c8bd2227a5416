#!/bin/sh
# Values longer than their column in the server schemas (src/store/limits.c):
# refused on every engine, SQLite included, with one message naming the value
# and the limit, a non-zero exit and the database unchanged; ods-kaspcheck
# reports them as errors. Runs on the engine of $ODS_TEST_BACKEND.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/zoneutil.sh"

KASPCHECK="$top_builddir/ods-kaspcheck"
good_kasp="$top_srcdir/contrib/kasp.xml"
# rep CHAR N : CHAR N times
rep() { printf "%$2s" '' | sed "s/ /$1/g"; }

ksm setup --yes
is "$rc" 0 "setup"
mkdir -p "$T/signconf"
ksm zone add --zone keep.example -s "$T/signconf/keep.xml"
is "$rc" 0 "a zone to protect"
# a copy of ods-ksmutil with no ods-kaspcheck beside it: the store's own refusal
mkdir -p "$T/bin"
cp "$KSMUTIL" "$T/bin/ods-ksmutil"

# expect DESC PATTERN ARGS... : exit 1, PATTERN in stdout, nothing changed
expect() {
	_name=$1 _pat=$2
	shift 2
	snapshot
	ksm "$@"
	is "$rc" 1 "$_name: exit status 1"
	like "$out" "$_pat" "$_name: the message names the value and the limit"
	unchanged "$_name"
}
# expect_nocheck DESC PATTERN ARGS... : the same without ods-kaspcheck
expect_nocheck() {
	_name=$1 _pat=$2
	shift 2
	snapshot
	out=$("$T/bin/ods-ksmutil" -c "$T/conf.xml" "$@" 2> "$T/stderr"); rc=$?
	is "$rc" 1 "$_name, no ods-kaspcheck: exit status 1"
	like "$out" "$_pat" "$_name, no ods-kaspcheck: the store's message"
	unchanged "$_name, no ods-kaspcheck"
}

# ---- policy name: varchar(30)
p30=$(rep p 30)
p31=$(rep p 31)
sed "s|<Policy name=\"lab\">|<Policy name=\"$p31\">|" "$good_kasp" > "$T/kasp.xml"
msg="policy name is 31 characters long; at most 30 are allowed"
expect "update kasp, policy name of 31" "^ERROR: $T/kasp.xml: $msg$" update kasp
expect "policy import, policy name of 31" "^ERROR: $T/kasp.xml: $msg$" policy import
expect_nocheck "update kasp, policy name of 31" "^Error: $msg$" update kasp
expect_nocheck "policy import, policy name of 31" "^Error: $msg$" policy import
# 5 MB: more than any server column, less than libxml2's limit on an attribute
n=$(grep -n '<Policy name="lab">' "$good_kasp" | cut -d: -f1)
{
	head -n $((n - 1)) "$good_kasp"
	printf '<Policy name="'
	head -c 5000000 /dev/zero | tr '\0' p
	printf '">\n'
	tail -n +$((n + 1)) "$good_kasp"
} > "$T/kasp.xml"
expect_nocheck "policy name of 5,000,000" \
	"^Error: policy name is 5000000 characters long; at most 30 are allowed$" update kasp
sed "s|<Policy name=\"lab\">|<Policy name=\"$p30\">|" "$good_kasp" > "$T/kasp.xml"
ksm update kasp
is "$rc" 0 "a policy name of 30 characters is taken"
is "$(db_sql "SELECT count(*) FROM policies WHERE name = '$p30'")" 1 "... and stored"

# ---- policy description: varchar(255), counted in characters
e255=$(rep é 255)
sed "s|<Description>A default policy[^<]*<|<Description>$e255<|" "$good_kasp" > "$T/kasp.xml"
ksm update kasp
is "$rc" 0 "a description of 255 two-byte characters (510 bytes) is taken"
sed "s|<Description>A default policy[^<]*<|<Description>$(rep é 256)<|" "$good_kasp" > "$T/kasp.xml"
msg="policy description is 256 characters long; at most 255 are allowed"
expect "update kasp, description of 256" "^ERROR: $T/kasp.xml: $msg$" update kasp
expect_nocheck "update kasp, description of 256" "^Error: $msg$" update kasp
# ods-kaspcheck on its own: both values, each an error
sed -e "s|<Policy name=\"lab\">|<Policy name=\"$p31\">|" \
	-e "s|<Description>A default policy[^<]*<|<Description>$(rep é 256)<|" \
	"$good_kasp" > "$T/kasp.xml"
out=$("$KASPCHECK" -c "$T/conf.xml" 2>&1); rc=$?
is "$rc" 2 "ods-kaspcheck: exit status 2, the number of errors (policy name and description)"
is "$(printf '%s\n' "$out" | grep '^ERROR: ')" \
"ERROR: $T/kasp.xml: policy description is 256 characters long; at most 255 are allowed
ERROR: $T/kasp.xml: policy name is 31 characters long; at most 30 are allowed" \
	"ods-kaspcheck: one ERROR line for each"
cp "$good_kasp" "$T/kasp.xml"
out=$("$KASPCHECK" -c "$T/conf.xml" 2>&1); rc=$?
is "$rc" 0 "ods-kaspcheck: the good files pass"

# ---- repository name: varchar(30)
cp "$T/conf.xml" "$T/conf.xml.good"
add_repository "$(rep r 31)" ""
msg="repository name is 31 characters long; at most 30 are allowed"
expect "update conf, repository name of 31" "^Error: $msg$" update conf
like "$out" "^Failed to update repositories$" "update conf: the 1.x failure line"
out=$("$KASPCHECK" -c "$T/conf.xml" 2>&1); rc=$?
is "$rc" 1 "ods-kaspcheck: a repository name of 31 is an error (exit status: one error)"
like "$out" "^ERROR: $T/conf.xml: $msg$" "ods-kaspcheck names it"
cp "$T/conf.xml.good" "$T/conf.xml"
add_repository "$(rep r 30)" ""
ksm update conf
is "$rc" 0 "a repository name of 30 characters is taken"
cp "$T/conf.xml.good" "$T/conf.xml"

# ---- zone paths: varchar(4096); names stop at 253 before (dname.c)
long="$T/$(rep d 4100)"
expect "zone add, signconf path of 4096+" \
	"^Error: signer configuration path is $((${#long} + 4)) characters long; at most 4096 are allowed$" \
	zone add --zone long.example -s "$long.xml"
like "$out" "^Failed to Import zone$" "zone add, long signconf: the failure line"
expect "zone add, input path of 4096+" \
	"^Error: input path is ${#long} characters long; at most 4096 are allowed$" \
	zone add --zone long.example -i "$long"
expect "zone add, output path of 4096+" \
	"^Error: output path is ${#long} characters long; at most 4096 are allowed$" \
	zone add --zone long.example -o "$long"

# ---- zonelist.xml: update zonelist and ods-kaspcheck
cp "$T/zonelist.xml" "$T/zonelist.xml.good"
sed "s|</ZoneList>|<Zone name=\"long.example\"><Policy>default</Policy><SignerConfiguration>$T/s.xml</SignerConfiguration><Adapters><Input><File>$long</File></Input><Output><File>$T/out</File></Output></Adapters></Zone></ZoneList>|" \
	"$T/zonelist.xml.good" > "$T/zonelist.xml"
msg="input path is ${#long} characters long; at most 4096 are allowed"
snapshot
ksm update zonelist
is "$rc" 1 "update zonelist, input path of 4096+: exit status 1"
like "$out" "^Error: $msg$" "update zonelist: the message"
is "$(db_fingerprint)" "$_snap_db" "update zonelist: database unchanged"
out=$("$KASPCHECK" -c "$T/conf.xml" 2>&1); rc=$?
is "$rc" 1 "ods-kaspcheck: a long zonelist path is an error"
like "$out" "^ERROR: $T/zonelist.xml: $msg$" "ods-kaspcheck names it"
cp "$T/zonelist.xml.good" "$T/zonelist.xml"

is "$(db_sql "SELECT name FROM zones ORDER BY name")" "example.com
keep.example" "only the zones of setup and the one to protect"
done_testing
