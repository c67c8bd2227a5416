#!/bin/sh
# contrib/bash-completion/ods-ksmutil: sourced into bash, its function is
# called as bash calls it (COMP_WORDS, COMP_CWORD) for commands, verbs,
# options, names from the test database and fixed value lists.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

command -v bash > /dev/null 2>&1 || skip_all "bash is not installed"
SCRIPT="$top_srcdir/contrib/bash-completion/ods-ksmutil"

# comp WORD... : the sorted candidates when the cursor is at the end of the
# last WORD (give "" to complete an empty word); word 0 is the built program
comp() {
	bash -c '
		. "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_ods_ksmutil
		printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | tr "\n" " " | sed "s/ $//"
	' comp "$SCRIPT" "$KSMUTIL" "$@"
}

is "$(bash -c ". '$SCRIPT'; complete -p ods-ksmutil")" "complete -F _ods_ksmutil ods-ksmutil" \
	"sourcing it registers the function for ods-ksmutil"
is "$(comp "")" "backup cluster database key metrics notify policy repository rollover setup start stop update zone zonelist" \
	"an empty line: every command"
is "$(comp zo)" "zone zonelist" "a prefix: the commands it starts"
is "$(comp key "")" "delete ds-seen export generate import ksk-retire ksk-revoke list orphans purge rollover" \
	"key: its verbs"
is "$(comp KEYS li)" "list" "a command typed in 1.x's way (KEYS) still gets its verbs"
is "$(comp zonelist "")" "export import" "zonelist is not zone"
is "$(comp update "")" "all conf kasp zonelist" "update: its qualifiers"
is "$(comp zone add --)" "--config --help --in-type --input --no-xml --out-type --output --policy --signerconf --version --zone" \
	"zone add: its options"
is "$(comp key ds-seen --n)" "--no-notify --no-retire" "key ds-seen: options by prefix"
is "$(comp rollover "")" "list plan" "rollover: its verbs"
is "$(comp rollover plan --)" "--config --help --json --no-ds-seen --policy --until --version --zone" \
	"rollover plan: its options, --json among them"
is "$(comp rollover plan --until "")" "" "--until: a free value"
is "$(comp key ds-seen --j)" "" "no --json where the verb has no JSON output"
is "$(comp setup "")" "" "setup takes no verb"
is "$(comp key list --keystate "")" "ACTIVE DEAD GENERATE PUBLISH READY RETIRE" "key states"
is "$(comp key list -t z)" "ZSK" "key types, typed in lower case"
is "$(comp key import --cka_id "")" "" "a free value: nothing is offered"

# names come from the database that -c names
ksm setup --yes
is "$rc" 0 "setup"
for z in alpha.example beta.example; do
	ksm zone add --zone "$z" --no-xml
done
is "$(comp -c "$T/conf.xml" key list --zone "")" "alpha.example beta.example example.com" \
	"--zone: the zones of the database"
is "$(comp --config "$T/conf.xml" zone delete -z al)" "alpha.example" "-z: by prefix"
is "$(comp --config = "$T/conf.xml" zone delete --zone = b)" "beta.example" \
	"--config=FILE and --zone=PREFIX, as bash splits them"
is "$(comp -c "$T/conf.xml" key generate --policy "")" "default lab" "--policy: the policies"
is "$(comp -c "$T/conf.xml" backup list -r "")" "SoftHSM" "-r: the repositories"
is "$(comp -c "$T/nothere.xml" key list --zone "")" "" "a conf.xml that does not load: no names, no noise"
mkdir "$T/dir"
: > "$T/dir/signconf-file.xml"
is "$(comp zone add --signerconf "$T/dir/sig")" "$T/dir/signconf-file.xml" "--signerconf: file names"

done_testing
