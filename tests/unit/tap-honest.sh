#!/bin/sh
# tap-honest.sh - no shell test reports a check as passed that it did not
# make. An `ok 0 ...` (a pass written out by hand) must be one branch of a
# decision whose other branch fails (`ok 1` within four lines) or skips (a
# `# SKIP` there), or be a skip itself (`# SKIP`, or tap.sh's `skip`); a
# bare `ok 0` beside no such branch is a placeholder that passes whatever
# happened. TAP output: one line.
: "${top_srcdir:?top_srcdir not set}"

echo "1..1"
found=$(cd "$top_srcdir" && for f in tests/*/*.sh tests/lib/*.sh; do
	awk -v f="$f" '
		{ line[NR] = $0 }
		END {
			for (i = 1; i <= NR; i++) {
				if (line[i] !~ /(^|[^A-Za-z_])ok 0 / || line[i] ~ /# SKIP/ || line[i] ~ /^[ \t]*#/)
					continue
				fine = 0
				for (j = i - 4; j <= i + 4; j++)
					if (j != i && j >= 1 && j <= NR &&
					    (line[j] ~ /(^|[^A-Za-z_])ok 1 / || line[j] ~ /ok 0 .*# SKIP/))
						fine = 1
				if (!fine)
					printf " %s:%d", f, i
			}
		}' "$f"
done)
if [ -n "$found" ]; then
	echo "not ok 1 - a hand-written pass beside no failing branch:$found"
else
	echo "ok 1 - every hand-written pass in the shell tests is one branch of a check, or a skip"
fi
