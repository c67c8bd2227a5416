#!/bin/sh
# schema-drift-server.sh - sql/schema.pgsql.sql and sql/schema.mysql.sql must be
# what the migrations build on a live server. Runs for each server that is
# configured (ODS_TEST_PGSQL / ODS_TEST_MYSQL set, as tests/lib/*-server.sh
# print them); with neither, the whole file is skipped. On a difference it
# prints the diff: regenerate with `make update-schema` (servers configured)
# or `make update-schema-servers`. TAP output.
: "${top_srcdir:?}" "${top_builddir:?}"

set --
[ -z "${ODS_TEST_PGSQL:-}" ] || set -- "$@" pgsql
[ -z "${ODS_TEST_MYSQL:-}" ] || set -- "$@" mysql
if [ $# -eq 0 ]; then
	echo "1..0 # SKIP no database server configured (ODS_TEST_PGSQL, ODS_TEST_MYSQL)"
	exit 0
fi
echo "1..$#"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/schema-drift.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
for b in "$@"; do
	n=$((n + 1))
	committed=$top_srcdir/sql/schema.$b.sql
	"$top_builddir/tools/schema-dump" "$b" > "$tmp/$b.sql" 2> "$tmp/err"
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "ok $n # SKIP the $b driver is not built"
	elif [ $rc -ne 0 ]; then
		echo "not ok $n - tools/schema-dump $b failed"
		sed -e 's/^/# /' "$tmp/err"
	elif [ ! -r "$committed" ]; then
		echo "not ok $n - sql/schema.$b.sql is missing (run make update-schema)"
	elif diff -u "$committed" "$tmp/$b.sql" > "$tmp/diff"; then
		echo "ok $n - sql/schema.$b.sql matches the migrations"
	else
		echo "not ok $n - sql/schema.$b.sql differs from the migrations (run make update-schema)"
		sed -e 's/^/# /' "$tmp/diff"
	fi
done
