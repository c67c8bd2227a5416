#!/bin/sh
# zone-add.sh N... - the latency of one `zone add` (and one `zone delete`)
# when the database and zonelist.xml already hold N-1 zones, with and
# without --no-xml: the cost of the n-th of a series of one-by-one adds,
# without making n-1 processes first. For each N: the median of 7 runs.
# Numbers, not pass/fail; not run by make check.
#
#   top_builddir=build sh tests/bench/zone-add.sh 1 1000 10000
#
# BENCH_DATASTORE as in zones.sh. Build without sanitizers.
set -u
[ $# -gt 0 ] || set -- 1 1000 10000
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/bench/benchenv.sh"

# median_ms ARGS... : the median wall time of 7 runs of ods-ksmutil ARGS,
# where @ in an argument is replaced by the run's number
median_ms() {
	_i=1
	while [ "$_i" -le 7 ]; do
		_args=
		for _a in "$@"; do
			_args="$_args $(printf '%s' "$_a" | sed "s/@/$_i/g")"
		done
		_t0=$(date +%s%N)
		# shellcheck disable=SC2086
		"$bin" -c "$T/conf.xml" $_args > /dev/null 2>&1 < /dev/null
		_t1=$(date +%s%N)
		echo $(((_t1 - _t0) / 1000))
		_i=$((_i + 1))
	done | sort -n | sed -n 4p | awk '{ printf "%.1f", $1 / 1000 }'
}

printf '%-8s %10s %10s %10s\n' "n-th" "add ms" "--no-xml" "delete ms"
for n in "$@"; do
	bench_zonelist $((n - 1)) > "$T/zonelist.xml"
	rm -f "$T/kasp.db"
	"$bin" -c "$T/conf.xml" setup --yes > /dev/null 2>&1 < /dev/null ||
		{ echo "zone-add.sh: setup failed" >&2; exit 1; }
	add=$(median_ms zone add --zone "bench@.example")
	noxml=$(median_ms zone add --zone "benchnx@.example" --no-xml)
	del=$(median_ms zone delete --zone "bench@.example")
	printf '%-8s %10s %10s %10s\n' "$n" "$add" "$noxml" "$del"
done
