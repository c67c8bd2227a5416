#!/bin/sh
# coverage.sh SRCDIR BUILDDIR - the gcov coverage of the sources, from the
# .gcda counts that the tests left in BUILDDIR (configured with
# --enable-coverage; see tools/coverage.mk, which runs this as `make coverage`).
# Prints one line per source folder and, last, the total:
#   coverage: db lines 75.0% (2706/3605) branches 57.3%
#   coverage: total lines ...
# and writes gcovr's text report (per file) to BUILDDIR/coverage.txt and its
# JSON summary, which the lines are added up from, to BUILDDIR/coverage.json.
# Runs no test: `make check` first, as many times and on as many engines as
# wanted; the counts add up in the .gcda files.
# The tests, tools/ and the generated *.embed.c files are not counted: they
# are not the code under test.
set -e
src=$1
build=$2
if [ ! -d "$src" ] || [ ! -d "$build" ]; then
	echo "usage: coverage.sh SRCDIR BUILDDIR" >&2
	exit 1
fi
command -v gcovr > /dev/null 2>&1 ||
	{ echo "coverage.sh: gcovr not found (Debian: apt-get install gcovr)" >&2; exit 1; }
if [ -z "$(find "$build" -name '*.gcda' | head -1)" ]; then
	echo "coverage.sh: no .gcda files under $build: run make check first" >&2
	exit 1
fi
src=$(cd "$src" && pwd)
build=$(cd "$build" && pwd)

# gcovr takes relative filters as relative to the current directory: run it
# in the source tree, and name the build tree (where the objects, .gcno and
# .gcda files are) as the place to search.
cd "$src"
gcovr --root "$src" --object-directory "$build" \
	--exclude 'tests/' --exclude 'tools/' --exclude '.*\.embed\.c$' \
	--txt "$build/coverage.txt" --json-summary "$build/coverage.json" \
	"$build"

# Add up the files of each folder (the directory part of the name relative
# to the root: db, src/common...). Percentages are rounded down, so that
# 99.97% does not read as 100.0%; "n/a" where there is nothing to count.
python3 - "$build/coverage.json" <<'PY'
import json, os, sys

def pct(hit, total):
    return "n/a" if total == 0 else "%.1f%%" % (int(1000 * hit / total) / 10)

def line(name, c):
    print("coverage: %s lines %s (%d/%d) branches %s" % (
        name, pct(c[0], c[1]), c[0], c[1], pct(c[2], c[3])))

folders = {}
total = [0, 0, 0, 0]
for f in json.load(open(sys.argv[1]))["files"]:
    c = folders.setdefault(os.path.dirname(f["filename"]) or ".", [0, 0, 0, 0])
    for i, key in enumerate(("line_covered", "line_total",
                             "branch_covered", "branch_total")):
        c[i] += f[key]
        total[i] += f[key]
for name in sorted(folders):
    line(name, folders[name])
line("total", total)
PY
echo "coverage: per file in $build/coverage.txt"
