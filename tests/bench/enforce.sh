#!/bin/sh
# enforce.sh N [share] - what an enforce pass costs with N zones (figures,
# not pass/fail; not run by make check). ECDSA P-256 keys on a fresh
# SoftHSMv2 token, the shipped default policy otherwise.
#
#   top_builddir=build sh tests/bench/enforce.sh 10000
#   top_builddir=build sh tests/bench/enforce.sh 100000 share   # <ShareKeys/>
#
# Steps, each with wall time, peak RSS of the process and the database
# statements of the pass (from the daemon's "Pass done" line):
#   baseline     the token makes the keys of the first pass in one process
#                (tests/bench/keygen_loop: bare PKCS#11), on its own token
#   (a) first    the first pass: every zone gets its KSK and ZSK (generated,
#                allocated) and its signconf
#   (b) idle     a pass with nothing to do (the pass alone, from its log line)
#   key list -v  `ods-ksmutil key list --verbose`
#   (c) publish  the pass that publishes every ZSK's successor (it generates them)
#   (c) roll     the pass where every ZSK rolls (successor active, old retired)
# With "share" the policy shares its keys and (a), (c) make two keys in all.
#
# BENCH_DATASTORE replaces the SQLite <Datastore> content to measure a
# server engine (see tests/bench/zones.sh); the database must be empty.
# Use a build without sanitizers.
set -u
n=${1:-1000}
share=${2:-}
: "${top_builddir:=.}"
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/lib/softhsm.sh"
ksm=$top_builddir/ods-ksmutil
enf=$top_builddir/ods-enforcerd
loop=$top_builddir/tests/bench/keygen_loop
for p in "$ksm" "$enf" "$loop"; do
	[ -x "$p" ] || { echo "enforce.sh: $p not found (set top_builddir; make check builds keygen_loop)" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/enfbench.XXXXXX")
trap 'rm -rf "$T"' EXIT
softhsm_init "$T/hsm" OpenDNSSEC 2> /dev/null || { echo "enforce.sh: no SoftHSM token" >&2; exit 1; }
softhsm_add baseline 2> /dev/null
mkdir -p "$T/signconf"

cat > "$T/conf.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Configuration>
	<RepositoryList><Repository name="SoftHSM"><Module>$SOFTHSM_MODULE</Module>
		<TokenLabel>OpenDNSSEC</TokenLabel><PIN>1234</PIN></Repository></RepositoryList>
	<Common><PolicyFile>$T/kasp.xml</PolicyFile><ZoneListFile>$T/zonelist.xml</ZoneListFile></Common>
	<Enforcer>
		<Datastore>${BENCH_DATASTORE:-<SQLite>$T/kasp.db</SQLite>}</Datastore>
		<Interval>PT3600S</Interval>
		<PidFile>$T/enforcerd.pid</PidFile>
		<SignerNotifyCommand/>
	</Enforcer>
</Configuration>
XML
sed -e 's|<Algorithm length="[0-9]*">8</Algorithm>|<Algorithm length="256">13</Algorithm>|' \
    -e "s|<Purge>|${share:+<ShareKeys/>}<Purge>|" "$src/contrib/kasp.xml" > "$T/kasp.xml"
awk -v n="$n" -v dir="$T/signconf" 'BEGIN {
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	print "<ZoneList>"
	for (i = 1; i <= n; i++) {
		z = sprintf("zone%06d.example", i)
		printf "\t<Zone name=\"%s\">\n\t\t<Policy>default</Policy>\n", z
		printf "\t\t<SignerConfiguration>%s/%s.xml</SignerConfiguration>\n", dir, z
		printf "\t\t<Adapters><Input><File>/u/%s</File></Input>", z
		printf "<Output><File>/s/%s</File></Output></Adapters>\n\t</Zone>\n", z
	}
	print "</ZoneList>"
}' > "$T/zonelist.xml"
"$ksm" -c "$T/conf.xml" setup --yes > "$T/setup.out" 2>&1 ||
	{ echo "enforce.sh: setup failed:"; cat "$T/setup.out"; exit 1; } >&2

# timed NAME CMD... : wall time and peak RSS of CMD (GNU time)
timed() {
	_name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$T/time" "$@" > "$T/out" 2> "$T/err" < /dev/null
	_rc=$?
	read -r _wall _rss < "$T/time"
	_pass=$(sed -n 's/^ods-enforcerd: Pass [a-z]* in \([0-9.]*\) s:.* \([0-9]*\) database statement(s)$/\1 s, \2 statements/p' "$T/err")
	printf '%-13s %7d zones  %8.2f s  %7.1f MB  exit %d%s\n' "$_name" "$n" "$_wall" \
		"$(echo "$_rss" | awk '{ print $1 / 1024 }')" "$_rc" "${_pass:+  (pass: $_pass)}"
}

# pass NAME TIME : one daemon run at ENFORCER_TIMESHIFT TIME
pass() {
	timed "$1" env ENFORCER_TIMESHIFT="$2" "$enf" -c "$T/conf.xml" -1 -d
}

keys=$((2 * n))
[ -n "$share" ] && keys=2
timed baseline "$loop" "$SOFTHSM_MODULE" baseline 1234 "$keys"
echo "              ($(cat "$T/out"))"
pass "(a) first" "01-01-2010 12:00"
pass "(b) idle" "01-01-2010 13:00"
timed "key list -v" env ENFORCER_TIMESHIFT="01-01-2010 13:00" "$ksm" -c "$T/conf.xml" key list --verbose
# the default policy: ZSK lifetime 90 days, successor window 15 h (Appendix A)
pass "(c) publish" "31-03-2010 22:00"
pass "(c) roll" "01-04-2010 12:00"
