#!/bin/sh
# schema-columns.sh - the committed schemas of the three engines
# (sql/schema.{sqlite,pgsql,mysql}.sql) have the same tables, and each table
# the same columns in the same order. Names are compared in lower case, as
# PostgreSQL folds them. Types, keys, indexes and views may differ by
# engine. TAP output; needs no server.
: "${top_srcdir:?}"

# columns FILE : one line "table: col col ..." per CREATE TABLE, sorted by table
columns() {
	awk '
	/^CREATE TABLE / {
		t = tolower($3); sub(/\(.*/, "", t); cols = ""; intable = 1; next
	}
	intable && /^\)/ { print t ":" cols; intable = 0; next }
	intable {
		# SQLite keeps a column added by ALTER TABLE on the line of the one
		# before it: split at the commas outside parentheses
		line = $0; gsub(/\([^()]*\)/, "", line)
		n = split(line, part, /,/)
		for (i = 1; i <= n; i++) {
			p = part[i]; sub(/^[ \t]+/, "", p)
			split(p, w, /[ \t]+/)
			k = toupper(w[1])
			if (k == "CONSTRAINT" || k == "PRIMARY" || k == "UNIQUE" || k == "FOREIGN" ||
			    k == "KEY" || k == "CHECK" || k == "INDEX" || k == "")
				continue
			c = tolower(w[1]); gsub(/[`"]/, "", c)
			cols = cols " " c
		}
	}' "$1" | LC_ALL=C sort
}

echo "1..4"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/schema-columns.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
for d in sqlite pgsql mysql; do
	n=$((n + 1))
	f=$top_srcdir/sql/schema.$d.sql
	if [ -r "$f" ] && columns "$f" > "$tmp/$d" && [ -s "$tmp/$d" ]; then
		echo "ok $n - sql/schema.$d.sql lists $(wc -l < "$tmp/$d") tables"
	else
		echo "not ok $n - sql/schema.$d.sql is missing or holds no table"
		: > "$tmp/$d"
	fi
done

if diff -u "$tmp/sqlite" "$tmp/pgsql" > "$tmp/diff1" &&
   diff -u "$tmp/sqlite" "$tmp/mysql" > "$tmp/diff2"; then
	echo "ok 4 - the three schemas have the same tables and columns"
else
	echo "not ok 4 - the schemas differ in tables or columns"
	sed -e 's/^/# /' "$tmp/diff1" "$tmp/diff2" 2>/dev/null
fi
