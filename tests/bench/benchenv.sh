# benchenv.sh - what the benchmarks share (sourced, with $src the source
# tree): $bin, a temp dir $T (removed on exit) holding conf.xml (SQLite, or
# BENCH_DATASTORE's <Datastore> content) and contrib's kasp.xml, and
# bench_zonelist K, K zones as `zone add` writes them.
bin=${top_builddir:-.}/ods-ksmutil
[ -x "$bin" ] || { echo "$0: $bin not found (set top_builddir)" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/ksmbench.XXXXXX")
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

# bench_zonelist K : K zones in the layout `zone add` writes
bench_zonelist() {
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

