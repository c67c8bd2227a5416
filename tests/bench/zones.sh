#!/bin/sh
# zones.sh N - how the zone commands scale: N zones in a zonelist.xml,
# imported into a fresh SQLite database by `setup --yes`, re-imported
# unchanged by `update zonelist` and by `zonelist import`, then `zone list`,
# `key list` (of no keys: tests/bench/enforce.sh lists N zones' keys) and
# `zonelist export`.
# One line per step: wall-clock seconds and peak resident memory.
# Numbers, not pass/fail; not run by make check.
#
#   top_builddir=build sh tests/bench/zones.sh 10000
#
# BENCH_DATASTORE replaces the SQLite <Datastore> content, to measure a
# server engine, e.g. (with tests/lib/pgsql-server.sh started):
#   BENCH_DATASTORE='<PostgreSQL><Host port="55432">127.0.0.1</Host>
#     <Database>kasp</Database><Username>ods</Username><Password>ods</Password></PostgreSQL>'
#
# Build without sanitizers for meaningful figures.
set -u
n=${1:-10000}
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/bench/benchenv.sh"
bench_zonelist "$n" > "$T/zonelist.xml"

# step NAME ARGS...: run ods-ksmutil, report time and peak RSS
if [ -x /usr/bin/time ]; then
	step() {
		_name=$1
		shift
		/usr/bin/time -f '%e %M' -o "$T/time" "$bin" -c "$T/conf.xml" "$@" \
			> "$T/out" 2> "$T/err" < /dev/null
		_rc=$?
		read -r _wall _rss < "$T/time"
		printf '%-22s %7d zones  %7.2f s  %7.1f MB  exit %d\n' "$_name" "$n" "$_wall" \
			"$(echo "$_rss" | awk '{ print $1 / 1024 }')" "$_rc"
	}
else
	# Without GNU time: wall time from date, peak RSS from /proc while it runs.
	step() {
		_name=$1
		shift
		_t0=$(date +%s.%N)
		"$bin" -c "$T/conf.xml" "$@" > "$T/out" 2> "$T/err" < /dev/null &
		_pid=$! _rss=0
		while kill -0 "$_pid" 2> /dev/null; do
			_r=$(awk '/^VmHWM:/ { print $2 }' "/proc/$_pid/status" 2> /dev/null)
			[ -n "$_r" ] && [ "$_r" -gt "$_rss" ] && _rss=$_r
			sleep 0.02
		done
		wait "$_pid"
		_rc=$?
		_t1=$(date +%s.%N)
		printf '%-22s %7d zones  %7.2f s  %7.1f MB  exit %d\n' "$_name" "$n" \
			"$(echo "$_t0 $_t1" | awk '{ print $2 - $1 }')" \
			"$(echo "$_rss" | awk '{ print $1 / 1024 }')" "$_rc"
	}
fi

step "setup --yes (import)" setup --yes
step "update zonelist (same)" update zonelist
step "zonelist import (same)" zonelist import
step "zone list" zone list
step "key list" key list --all
step "zonelist export" zonelist export
