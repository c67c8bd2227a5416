#!/bin/sh
# failover.sh [ENGINE...] - how long a standby ods-enforcerd takes to lead
# after the leader is killed with SIGKILL: tests/cli/failover.sh (three
# daemons, PollInterval 1 s, ten kills) run per engine (default: sqlite,
# and pgsql / mysql when ODS_TEST_PGSQL / ODS_TEST_MYSQL name a server,
# as for the tests), timed from the kill to the successor's "leads now"
# line (polled every 50 ms). Prints the median and the maximum per engine.
# Numbers, not pass/fail; not run by make check.
#
#   top_srcdir=. top_builddir=build sh tests/bench/failover.sh sqlite pgsql
set -u
: "${top_srcdir:?top_srcdir not set}" "${top_builddir:?top_builddir not set}"
export top_srcdir top_builddir
if [ $# -eq 0 ]; then
	set -- sqlite
	[ -z "${ODS_TEST_PGSQL:-}" ] || set -- "$@" pgsql
	[ -z "${ODS_TEST_MYSQL:-}" ] || set -- "$@" mysql
fi
times=$(mktemp "${TMPDIR:-/tmp}/failover.XXXXXX") || exit 1
trap 'rm -f "$times"' EXIT
printf '%-8s %6s %10s %8s\n' engine kills "median ms" "max ms"
for engine in "$@"; do
	: > "$times"
	if ! ODS_TEST_BACKEND=$engine FAILOVER_TIMES=$times sh "$top_srcdir/tests/cli/failover.sh" \
		> "$times.log" 2>&1; then
		echo "failover.sh: the $engine run failed:" >&2
		grep -v '^ok' "$times.log" >&2
		rm -f "$times.log"
		exit 1
	fi
	rm -f "$times.log"
	sort -n "$times" | awk -v e="$engine" '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%-8s %6d %10.0f %8d\n", e, NR, m, v[NR] }'
done
