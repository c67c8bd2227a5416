#!/bin/sh
# replica-lag.sh [N] - how soon a DR site sees a change made on the
# primary: a PostgreSQL primary and a hot standby of our own
# (tests/lib/pgsql-server.sh), N (default 10) zone adds on the primary,
# each timed from the end of `zone add` until `zone list` on the standby
# lists the zone (polled as fast as ods-ksmutil runs). The daemon at the DR
# site writes the signconf files at its next replica pass, so its signconf
# lag is this plus at most the <Interval>. Prints the median and maximum.
# Numbers, not pass/fail; not run by make check.
#
#   top_srcdir=. top_builddir=build sh tests/bench/replica-lag.sh
set -u
: "${top_srcdir:?top_srcdir not set}" "${top_builddir:?top_builddir not set}"
N=${1:-10}
. "$top_srcdir/tests/lib/ownserver.sh"
have_pgsql_server || { echo "replica-lag.sh: no PostgreSQL server binaries (or driver)" >&2; exit 1; }
own_servers pgsql
own_start p 55760
own_start r 55770 standby "$S/p"

ksm="$top_builddir/ods-ksmutil"
# conf DIR FILE : a conf.xml on the server of DIR
conf() {
	cat > "$2" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Configuration>
	<RepositoryList><Repository name="SoftHSM"><Module>/usr/lib/softhsm/libsofthsm2.so</Module><TokenLabel>OpenDNSSEC</TokenLabel><PIN>1234</PIN></Repository></RepositoryList>
	<Common><Logging><Syslog><Facility>local0</Facility></Syslog></Logging>
		<PolicyFile>$top_srcdir/contrib/kasp.xml</PolicyFile><ZoneListFile>$S/zonelist.xml</ZoneListFile></Common>
	<Enforcer><Datastore><PostgreSQL><Host port="$(cat "$1/pg/port")">127.0.0.1</Host><Database>kasp</Database><Username>ods</Username><Password>ods</Password></PostgreSQL></Datastore>
		<Interval>PT3600S</Interval></Enforcer>
</Configuration>
XML
}
conf "$S/p" "$S/p.xml"
conf "$S/r" "$S/r.xml"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$S/zonelist.xml"
"$ksm" -c "$S/p.xml" setup --yes > "$S/setup.log" 2>&1 < /dev/null ||
	{ cat "$S/setup.log" >&2; exit 1; }

: > "$S/lags"
i=1
while [ $i -le "$N" ]; do
	"$ksm" -c "$S/p.xml" zone add --zone "lag$i.example" --no-xml > /dev/null 2>&1 < /dev/null
	t0=$(date +%s%N)
	until "$ksm" -c "$S/r.xml" zone list 2> /dev/null < /dev/null | grep -q "Found Zone: lag$i.example;"; do
		[ $(($(date +%s%N) - t0)) -lt 60000000000 ] || { echo "replica-lag.sh: no change in 60 s" >&2; exit 1; }
	done
	echo $((($(date +%s%N) - t0) / 1000000)) >> "$S/lags"
	i=$((i + 1))
done
# what one `zone list` takes on the standby: the resolution of the figures
t0=$(date +%s%N)
"$ksm" -c "$S/r.xml" zone list > /dev/null 2>&1 < /dev/null
probe=$((($(date +%s%N) - t0) / 1000000))
sort -n "$S/lags" | awk -v p="$probe" '{ v[NR] = $1 } END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%d changes: seen on the standby after %.0f ms (median), %d ms (max); one zone list there takes %d ms\n",
		NR, m, v[NR], p }'
