#!/bin/sh
# format-check.sh [--fix] SRCDIR - one formatting style for the C of the tree:
# every .c and .h file that git tracks under SRCDIR (src/, db/, tests/,
# tools/) must be as clang-format, with the .clang-format at the top of the
# tree, would write it. Prints the files that differ, with the first lines
# of the difference, and exits 1 when there is one; with --fix, rewrites
# them in place instead. tests/run-all.sh runs the check as its "formatting"
# step, with Debian 12's clang-format (14): another version may format a
# few constructs differently, so format with that one (or let CI say what
# differs). A region that must keep a hand layout (a table) is wrapped in
# "clang-format off/on" comments, each with the reason on the line before.
set -u
fix=
if [ "${1:-}" = --fix ]; then
	fix=1
	shift
fi
[ $# -eq 1 ] || { echo "usage: $0 [--fix] SRCDIR" >&2; exit 2; }
command -v clang-format > /dev/null 2>&1 ||
	{ echo "format-check.sh: clang-format is not installed (Debian: clang-format)" >&2; exit 1; }
cd "$1" || exit 1
[ -f .clang-format ] || { echo "format-check.sh: no .clang-format in $1" >&2; exit 1; }
files=$(git ls-files -- '*.c' '*.h') || exit 1
bad=0
for f in $files; do
	if [ -n "$fix" ]; then
		clang-format -i --style=file "$f" || bad=$((bad + 1))
	elif ! clang-format --style=file "$f" | cmp -s - "$f"; then
		echo "format-check.sh: $f is not formatted (tools/format-check.sh --fix .):"
		clang-format --style=file "$f" | diff -u "$f" - | sed -n '3,12p'
		bad=$((bad + 1))
	fi
done
n=$(echo "$files" | wc -l)
if [ $bad -ne 0 ]; then
	echo "format-check.sh: $bad of $n files differ from clang-format's layout"
	exit 1
fi
echo "format-check.sh: $n files formatted"
