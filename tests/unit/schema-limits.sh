#!/bin/sh
# schema-limits.sh - the length table of src/store/limits.c against the
# server schemas: every row's limit is the varchar(N) of its column in
# sql/schema.pgsql.sql and sql/schema.mysql.sql, and every varchar column of
# the tables the store writes text to has a row (or is named below as one
# it does not write itself). TAP output; needs no server.
: "${top_srcdir:?}"

table="$top_srcdir/src/store/limits.c"
# not in the table: zones.canon is zones.name less its final dot, and the
# store never writes policies.audit (MySQL's 1.4 schema made it a varchar)
unwritten="zones.canon policies.audit"

# rows: "table.column N" from the C table, one per line, lower case
rows() {
	sed -n 's/^[[:space:]]*\[STORE_F_[A-Z_]*\] = *{ "\([a-zA-Z_]*\)", "\([a-zA-Z_]*\)", "[^"]*", \([0-9]*\) },$/\1.\2 \3/p' \
		"$table" | tr 'A-Z' 'a-z' | LC_ALL=C sort
}

# varchars FILE TABLES : "table.column N" for each varchar column of TABLES
varchars() {
	awk -v want=" $2 " '
	/^CREATE TABLE / { t = tolower($3); sub(/\(.*/, "", t); intable = index(want, " " t " ") > 0; next }
	/^\)/ { intable = 0; next }
	intable {
		# SQLite-style lines may hold several columns: split at commas outside ()
		line = $0
		while (match(line, /[A-Za-z_]+ (varchar|character varying)\([0-9]+\)/)) {
			part = substr(line, RSTART, RLENGTH)
			line = substr(line, RSTART + RLENGTH)
			split(part, w, " ")
			n = part; sub(/.*\(/, "", n); sub(/\)/, "", n)
			print t "." tolower(w[1]) " " n
		}
	}' "$1" | LC_ALL=C sort
}

tables="policies securitymodules zones keypairs"
echo "1..5"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/schema-limits.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

rows > "$tmp/rows"
n=$(wc -l < "$tmp/rows")
if [ "$n" -ge 12 ]; then
	echo "ok 1 - the table of limits has $n rows"
else
	echo "not ok 1 - the table of limits has $n rows (its layout changed?)"
fi

t=1
for d in pgsql mysql; do
	varchars "$top_srcdir/sql/schema.$d.sql" "$tables" > "$tmp/$d"
	t=$((t + 1))
	# every row: the schema has the column with exactly that length
	bad=$(LC_ALL=C comm -23 "$tmp/rows" "$tmp/$d")
	if [ -z "$bad" ]; then
		echo "ok $t - $d: every limit is its column's varchar length"
	else
		echo "not ok $t - $d: limits that differ from the schema"
		echo "$bad" | sed 's/^/# /'
	fi
	t=$((t + 1))
	# every varchar column the store writes: a row
	missing=$(cut -d' ' -f1 "$tmp/$d" | while read -r c; do
		case " $unwritten " in *" $c "*) continue ;; esac
		grep -q "^$c " "$tmp/rows" || echo "$c"
	done)
	if [ -z "$missing" ]; then
		echo "ok $t - $d: every varchar column of $tables has a limit"
	else
		echo "not ok $t - $d: varchar columns without a limit"
		echo "$missing" | sed 's/^/# /'
	fi
done
