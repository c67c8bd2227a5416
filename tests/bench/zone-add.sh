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
bin=${top_builddir:-.}/ods-ksmutil
[ -x "$bin" ] || { echo "zone-add.sh: $bin not found (set top_builddir)" >&2; exit 1; }
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/ksmaddbench.XXXXXX")
trap 'rm -rf "$T"' EXIT

cat > "$T/conf.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Configuration>
	<RepositoryList>
		<Repository name="SoftHSM">
			<Module>/usr/lib/softhsm/libsofthsm2.so</Module>
			<TokenLabel>OpenDNSSEC</TokenLabel>
		</Repository>
	</RepositoryList>
	<Common>
		<PolicyFile>$T/kasp.xml</PolicyFile>
		<ZoneListFile>$T/zonelist.xml</ZoneListFile>
	</Common>
	<Enforcer>
		<Datastore>${BENCH_DATASTORE:-<SQLite>$T/kasp.db</SQLite>}</Datastore>
		<Interval>PT3600S</Interval>
		<PidFile>$T/enforcerd.pid</PidFile>
	</Enforcer>
</Configuration>
XML
cp "$src/contrib/kasp.xml" "$T/kasp.xml"

# zonelist K : K zones in the layout `zone add` writes
zonelist() {
	awk -v n="$1" 'BEGIN {
		print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		print "<ZoneList>"
		for (i = 1; i <= n; i++) {
			z = sprintf("zone%06d.example", i)
			printf "\t<Zone name=\"%s\">\n\t\t<Policy>default</Policy>\n", z
			printf "\t\t<SignerConfiguration>/var/lib/opendnssec/signconf/%s.xml</SignerConfiguration>\n", z
			printf "\t\t<Adapters>\n\t\t\t<Input>\n\t\t\t\t<Adapter type=\"File\">/var/lib/opendnssec/unsigned/%s</Adapter>\n\t\t\t</Input>\n", z
			printf "\t\t\t<Output>\n\t\t\t\t<Adapter type=\"File\">/var/lib/opendnssec/signed/%s</Adapter>\n\t\t\t</Output>\n\t\t</Adapters>\n\t</Zone>\n", z
		}
		print "</ZoneList>"
	}'
}

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
	zonelist $((n - 1)) > "$T/zonelist.xml"
	rm -f "$T/kasp.db"
	"$bin" -c "$T/conf.xml" setup --yes > /dev/null 2>&1 < /dev/null ||
		{ echo "zone-add.sh: setup failed" >&2; exit 1; }
	add=$(median_ms zone add --zone "bench@.example")
	noxml=$(median_ms zone add --zone "benchnx@.example" --no-xml)
	del=$(median_ms zone delete --zone "bench@.example")
	printf '%-8s %10s %10s %10s\n' "$n" "$add" "$noxml" "$del"
done
