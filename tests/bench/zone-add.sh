#!/bin/sh
# zone-add.sh N... - the latency of one `zone add` (and one `zone delete`)
# when the database and zonelist.xml already hold N-1 zones, with and
# without --no-xml: the cost of the n-th of a series of one-by-one adds,
# without making n-1 processes first. Each N gets a setup of its own, then
# the rounds visit every N in turn, so that a machine that slows down or
# speeds up during the run moves all columns alike; each figure is the
# median over the rounds (BENCH_ROUNDS, 15 unless set).
# Numbers, not pass/fail; not run by make check.
#
#   top_builddir=build sh tests/bench/zone-add.sh 1 1000 10000
#
# BENCH_DATASTORE as in zones.sh (one database for every N: SQLite only,
# unless the server database is dropped between the Ns by hand). Build
# without sanitizers.
set -u
[ $# -gt 0 ] || set -- 1 1000 10000
rounds=${BENCH_ROUNDS:-15}
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/bench/benchenv.sh"

# ms CONF ARGS... : the wall time of ods-ksmutil -c CONF ARGS, in microseconds
ms() {
	_conf=$1
	shift
	_t0=$(date +%s%N)
	"$bin" -c "$_conf" "$@" > /dev/null 2>&1 < /dev/null
	_t1=$(date +%s%N)
	echo $(((_t1 - _t0) / 1000))
}

# median FILE : the median of the numbers in FILE (microseconds), in ms
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'
}

for n in "$@"; do
	mkdir "$T/n$n"
	sed "s|$T/|$T/n$n/|g" "$T/conf.xml" > "$T/n$n/conf.xml"
	cp "$T/kasp.xml" "$T/n$n/kasp.xml"
	bench_zonelist $((n - 1)) > "$T/n$n/zonelist.xml"
	"$bin" -c "$T/n$n/conf.xml" setup --yes > /dev/null 2>&1 < /dev/null ||
		{ echo "zone-add.sh: setup failed for $n" >&2; exit 1; }
done
r=1
while [ "$r" -le "$rounds" ]; do
	for n in "$@"; do
		c=$T/n$n/conf.xml
		ms "$c" zone add --zone "bench$r.example" >> "$T/n$n/add"
		ms "$c" zone add --zone "benchnx$r.example" --no-xml >> "$T/n$n/noxml"
		ms "$c" zone delete --zone "bench$r.example" >> "$T/n$n/delete"
	done
	r=$((r + 1))
done

printf '%-8s %10s %10s %10s\n' "n-th" "add ms" "--no-xml" "delete ms"
for n in "$@"; do
	printf '%-8s %10s %10s %10s\n' "$n" "$(median "$T/n$n/add")" "$(median "$T/n$n/noxml")" \
	    "$(median "$T/n$n/delete")"
done
first=$1
shift $(($# - 1))
awk -v a="$(median "$T/n$first/add")" -v b="$(median "$T/n$1/add")" -v f="$first" -v l="$1" \
    'BEGIN { printf "add %s-th / %s-th: %.2f\n", l, f, b / a }'
