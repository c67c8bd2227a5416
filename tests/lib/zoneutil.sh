# zoneutil.sh - helpers of the policy, zone and update CLI tests (sourced
# after tap.sh and cliutil.sh).
#
#   golden NAME TEXT DESC   TEXT, with $T written as @T@ (and $STATEDIR, when set, as
#                           @STATE@), equals tests/data/cli/NAME
#                           (GOLDEN_UPDATE=1 rewrites the file instead)
#   no_kaspcheck            $out without ods-kaspcheck's own report lines
#   snapshot / unchanged D  remember, then compare, the database and the files
#   add_repository NAME XML insert a <Repository> into $T/conf.xml

GOLDEN_DIR="$top_srcdir/tests/data/cli"

golden() {
	if [ -n "${STATEDIR:-}" ]; then
		printf '%s\n' "$2" | sed "s|$T|@T@|g; s|$STATEDIR|@STATE@|g" > "$T/got.$1"
	else
		printf '%s\n' "$2" | sed "s|$T|@T@|g" > "$T/got.$1"
	fi
	if [ -n "${GOLDEN_UPDATE:-}" ]; then
		cp "$T/got.$1" "$GOLDEN_DIR/$1"
	fi
	if diff -u "$GOLDEN_DIR/$1" "$T/got.$1" > "$T/golden.diff" 2>&1; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "$(cat "$T/golden.diff")"
	fi
}

# ods-kaspcheck (run by setup / update kasp) prints INFO:, WARNING: and
# ERROR: lines of its own; its tests check them, ours leave them out. So is
# setup's SQLite-only "fixing permissions" line, which setup.sh checks, so
# that the golden files hold for every backend.
no_kaspcheck() {
	printf '%s\n' "$out" | grep -Ev '^(INFO|WARNING|ERROR): |^fixing permissions on file '
}

# The state a failed command must leave alone: the database and every file
# the commands write, and no temporary file left beside them.
files_state() {
	for f in kasp.xml kasp.xml.backup zonelist.xml zonelist.xml.backup; do
		if [ -d "$T/$f" ]; then
			printf '%s=directory\n' "$f"
		else
			printf '%s=%s\n' "$f" "$(fingerprint "$T/$f")"
		fi
	done
	ls "$T/signconf" 2>/dev/null
	ls -A "$T" | grep '\.tmp' || :
}

snapshot() {
	_snap_db=$(db_fingerprint)
	_snap_files=$(files_state)
}

# unchanged DESC: the database and files are as at the last snapshot
unchanged() {
	is "$(db_fingerprint)" "$_snap_db" "$1: database unchanged"
	is "$(files_state)" "$_snap_files" "$1: files unchanged"
}

# add_repository NAME EXTRA_XML: a second repository in $T/conf.xml (same module)
add_repository() {
	sed -i "s|</RepositoryList>|<Repository name=\"$1\"><Module>/usr/lib/softhsm/libsofthsm2.so</Module><TokenLabel>$1</TokenLabel><PIN>1234</PIN>$2</Repository></RepositoryList>|" \
		"$T/conf.xml"
}
