#!/bin/sh
# schema-drift.sh - sql/schema.sqlite.sql must be what the migrations build.
# Regenerates the schema with tools/schema-dump and compares it with the
# committed file; on a difference, prints the diff and `make update-schema`.
# TAP output.
: "${top_srcdir:?}" "${top_builddir:?}"

echo "1..1"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/schema-drift.XXXXXX") || { echo "not ok 1 - mktemp"; exit 0; }
trap 'rm -rf "$tmp"' EXIT

committed=$top_srcdir/sql/schema.sqlite.sql
if ! "$top_builddir/tools/schema-dump" > "$tmp/schema.sql" 2> "$tmp/err"; then
	echo "not ok 1 - tools/schema-dump failed"
	sed -e 's/^/# /' "$tmp/err"
elif [ ! -r "$committed" ]; then
	echo "not ok 1 - $committed is missing (run make update-schema)"
elif diff -u "$committed" "$tmp/schema.sql" > "$tmp/diff"; then
	echo "ok 1 - sql/schema.sqlite.sql matches the migrations"
else
	echo "not ok 1 - sql/schema.sqlite.sql differs from the migrations (run make update-schema)"
	sed -e 's/^/# /' "$tmp/diff"
fi
