#!/bin/sh
# setup's import, update kasp / policy import, policy list / export / purge,
# repository list: exact output, the 1.4 parameter mapping, round trips.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/zoneutil.sh"

# ---- setup imports conf.xml, kasp.xml and zonelist.xml (the contrib examples)
ksm setup --yes
is "$rc" 0 "setup exits 0"
golden setup.out "$(no_kaspcheck)" "setup: the 1.x lines, in 1.x order"
is "$(db_sql "SELECT name FROM policies ORDER BY name" | tr '\n' ' ')" "default lab " "setup imported the policies"
is "$(db_sql "SELECT name FROM zones")" example.com "setup imported the zone"

ksm policy list
is "$rc" 0 "policy list exits 0"
golden policy-list.out "$out" "policy list layout"

ksm repository list
is "$rc" 0 "repository list exits 0"
golden repository-list.out "$out" "repository list: unset capacity (quirk 14 fixed)"

# ---- policy export and the round trip through a fresh database
ksm policy export --policy default
is "$rc" 0 "policy export --policy exits 0"
golden export-default.xml "$out" "policy export of the contrib policy"
ksm policy export --all
is "$rc" 0 "policy export --all exits 0"
printf '%s\n' "$out" > "$T/export1.xml"
cp "$T/export1.xml" "$T/kasp.xml"
ksm setup --yes
is "$rc" 0 "setup from the exported policies"
ksm policy export --all
printf '%s\n' "$out" > "$T/export2.xml"
ok $(cmp -s "$T/export1.xml" "$T/export2.xml"; echo $?) "export -> setup -> export is identical"

# ---- every element of kasp.xml, as 1.4 stored it (enforcer.md 2.1)
cp "$top_srcdir/tests/data/cli/kasp-full.xml" "$T/kasp.xml"
cp "$top_srcdir/tests/data/cli/zonelist-full.xml" "$T/zonelist.xml"
add_repository Backup "<Capacity>500</Capacity><RequireBackup/>"
ksm setup --yes
is "$rc" 0 "setup with every kasp.xml element"
golden setup-full.out "$(no_kaspcheck)" "setup: Info lines for Y and M, two repositories"
for p in full plain; do
	golden "params-$p.out" "$(db_sql "SELECT name, category, value FROM PARAMETER_VIEW
		WHERE policy_id = (SELECT id FROM policies WHERE name = '$p')
		ORDER BY category, name")" "parameter rows of policy $p"
done
ksm repository list
golden repository-list-full.out "$out" "repository list: capacity and RequireBackup"
ksm policy list
golden policy-list-full.out "$out" "policy list: ordered by name"
ksm policy export --all
golden export-full.xml "$out" "policy export --all of every element"
printf '%s\n' "$out" > "$T/export1.xml"
cp "$T/export1.xml" "$T/kasp.xml"
ksm setup --yes
ksm policy export --all
ok $([ "$out" = "$(cat "$T/export1.xml")" ]; echo $?) "full round trip is identical"
is "$(db_sql "SELECT name, category, value FROM PARAMETER_VIEW
	WHERE policy_id = (SELECT id FROM policies WHERE name = 'full')
	ORDER BY category, name")" "$(cat "$top_srcdir/tests/data/cli/params-full.out")" \
	"full round trip: same parameter rows"

# ---- policy export errors (quirk 15 fixed)
snapshot
ksm policy export --policy nosuch
is "$rc" 1 "export of an unknown policy exits 1"
is "$out" 'Error: unable to find a policy named "nosuch" in database' "... and says so"
ksm policy export
is "$rc" 1 "export without --policy or --all exits 1"
is "$out" "please specify either --policy <policy> or --all" "... with the 1.x message"
ksm policy export --all --policy full
is "$rc" 1 "export with both exits 1"
is "$out" "can not use --all with --policy" "... with the 1.x message"
unchanged "policy export errors"

# ---- update kasp: algorithm changes need a yes
sed 's|<Algorithm length="2048">8</Algorithm>|<Algorithm length="2048">10</Algorithm>|' \
	"$top_srcdir/tests/data/cli/kasp-full.xml" > "$T/kasp.xml"
snapshot
echo n > "$T/no"
KSM_STDIN="$T/no" ksm update kasp
is "$rc" 0 "declined algorithm change exits 0"
golden update-algo-declined.out "$(no_kaspcheck)" "algorithm change: details, prompt, quitting"
is "$(db_fingerprint)" "$_snap_db" "declined algorithm change: database unchanged"
echo y > "$T/yes"
KSM_STDIN="$T/yes" ksm update kasp
is "$rc" 0 "accepted algorithm change exits 0"
like "$out" "Policy full found" "accepted algorithm change imports"
is "$(db_sql "SELECT value FROM PARAMETER_VIEW WHERE name = 'algorithm' AND category = 'ksk'
	AND policy_id = (SELECT id FROM policies WHERE name = 'full')")" 10 "the new KSK algorithm is stored"
sed 's|<Algorithm length="1024">8</Algorithm>|<Algorithm length="1024">10</Algorithm>|' \
	"$T/kasp.xml" > "$T/kasp2.xml" && mv "$T/kasp2.xml" "$T/kasp.xml"
ksm policy import --force
is "$rc" 0 "--force skips the prompt"
unlike "$out" 'Are you sure' "--force: no prompt"
like "$out" 'Policy: full, ZSK algorithm changed from 8 to 10\.' "--force still shows the change"

# update kasp never deletes a policy
sed '/<Policy name="plain">/,/<\/Policy>/d' "$T/kasp.xml" > "$T/kasp2.xml"
mv "$T/kasp2.xml" "$T/kasp.xml"
ksm update kasp
is "$rc" 0 "update kasp without policy plain"
is "$(db_sql "SELECT count(*) FROM policies WHERE name = 'plain'")" 1 "policy plain is kept"

# ---- policy purge: policies without zones go, from the database and kasp.xml
cp "$top_srcdir/tests/data/cli/kasp-full.xml" "$T/kasp.xml"
ksm update kasp --force
ksm zone add --zone keep.example --policy plain --signerconf "$T/keep.xml"
is "$rc" 0 "a zone on policy plain"
ksm zone delete --zone full.example
is "$rc" 0 "policy full has no zone now"
snapshot
ksm policy purge
is "$rc" 0 "policy purge with no answer exits 0"
like "$out" 'experimental.*\[y/N\] Okay, quitting\.\.\.' "policy purge asks first"
unchanged "declined purge"
KSM_STDIN="$T/yes" ksm policy purge
is "$rc" 0 "policy purge exits 0"
golden purge.out "$out" "policy purge output"
is "$(db_sql "SELECT name FROM policies ORDER BY name")" "plain" "only the policy with a zone is left"
is "$(db_sql "SELECT count(*) FROM parameters_policies WHERE policy_id NOT IN (SELECT id FROM policies)")" 0 \
	"the purged policy's parameters are gone"
is "$(grep -c '<Policy ' "$T/kasp.xml")" 1 "kasp.xml keeps one policy"
like "$(cat "$T/kasp.xml")" '<Policy name="plain">' "kasp.xml keeps policy plain"
like "$(cat "$T/kasp.xml")" 'no optional element' "kasp.xml keeps its content"
like "$(cat "$T/kasp.xml")" '<!-- Every kasp.xml element' "kasp.xml keeps its comments"
is "$(fingerprint "$T/kasp.xml.backup")" "$(fingerprint "$top_srcdir/tests/data/cli/kasp-full.xml")" \
	"the old kasp.xml is kept as kasp.xml.backup"
KSM_STDIN="$T/yes" ksm policy purge
is "$rc" 0 "purging again exits 0"
unlike "$out" 'purging' "nothing left to purge, nothing said"

done_testing
