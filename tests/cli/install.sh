#!/bin/sh
# make install: the OpenDNSSEC 1.x layout under the configure prefix
# (configuration in $ODS_CONFDIR, state directories, the run directory),
# configuration files that name the configured paths and pass their
# schemas, an operator's files never replaced, and an uninstall that takes
# away only what is still as installed.
#
# It runs `make install-data` (not `make install`) of this build tree into
# $T/root with DESTDIR: the data half installs files as they are and builds
# nothing but contrib/*.install, so it cannot relink a program that another
# test of the same `make check` is running. The programs' half is covered
# by `make distcheck` (install, uninstall, nothing left behind).
. "$top_srcdir/tests/lib/tap.sh"
: "${top_builddir:?top_builddir not set}"

# Nothing here touches a database: one run is enough.
[ "${ODS_TEST_BACKEND:-sqlite}" = sqlite ] || skip_all "no database involved (runs with sqlite only)"

T=$(mktemp -d "${TMPDIR:-/tmp}/install.XXXXXX")
trap 'rm -rf "$T"' EXIT
R="$T/root"

# mk ARGS : make in the build tree, as a fresh make (not a part of the
# make check that runs this test: no inherited jobserver or variables)
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" "$@"
}

# makevar NAME : a variable of the build's Makefile, fully expanded (the
# marker keeps out whatever make prints when it remakes the Makefile first)
makevar() {
	printf 'print-var:\n\t@echo "makevar=$(%s)"\n' "$1" | mk -f Makefile -f - print-var |
		sed -n 's/^makevar=//p'
}

# xval FILE XPATH : the string value of XPATH in FILE
xval() {
	xmllint --xpath "string($2)" "$1" 2>/dev/null
}

confdir=$(makevar ODS_CONFDIR)
statedir=$(makevar ODS_STATEDIR)
rundir=$(makevar ODS_RUNDIR)
bindir=$(makevar bindir)
sbindir=$(makevar sbindir)
mandir=$(makevar mandir)
if [ -z "$confdir" ] || [ -z "$statedir" ] || [ -z "$rundir" ] || [ -z "$bindir" ] ||
	[ -z "$sbindir" ]; then
	echo "Bail out! cannot read the configured paths from $top_builddir/Makefile"
	exit 1
fi
C="$R$confdir"

mk install-data DESTDIR="$R" > "$T/install.log" 2>&1
rc=$?
is "$rc" 0 "make install-data DESTDIR=... succeeds"
[ "$rc" = 0 ] || diag "$(tail -20 "$T/install.log")"

for d in "$confdir" "$statedir" "$statedir/tmp" "$statedir/signconf" "$statedir/unsigned" \
	"$statedir/signed" "$rundir"; do
	[ -d "$R$d" ]; ok $? "directory $d"
done
for f in conf.xml kasp.xml zonelist.xml; do
	[ -f "$C/$f" ]; ok $? "$confdir/$f installed"
done

# the installed files name the configured paths
if command -v xmllint > /dev/null 2>&1; then
	is "$(stat -c %a "$C/conf.xml")" 600 "conf.xml (it holds the PINs) is mode 0600"
	is "$(stat -c %a "$C/kasp.xml")" 644 "kasp.xml is mode 0644"
	is "$(xval "$C/conf.xml" /Configuration/Common/PolicyFile)" "$confdir/kasp.xml" "conf.xml: PolicyFile"
	is "$(xval "$C/conf.xml" /Configuration/Common/ZoneListFile)" "$confdir/zonelist.xml" \
		"conf.xml: ZoneListFile"
	is "$(xval "$C/conf.xml" /Configuration/Enforcer/Datastore/SQLite)" "$statedir/kasp.db" \
		"conf.xml: the SQLite database"
	is "$(xval "$C/conf.xml" /Configuration/Enforcer/PidFile)" "$rundir/enforcerd.pid" \
		"conf.xml: PidFile"
	is "$(xval "$C/conf.xml" /Configuration/Signer/WorkingDirectory)" "$statedir/tmp" \
		"conf.xml: the signer's WorkingDirectory"
	is "$(xval "$C/zonelist.xml" '/ZoneList/Zone[1]/SignerConfiguration')" \
		"$statedir/signconf/example.com.xml" "zonelist.xml: SignerConfiguration"
	is "$(xval "$C/zonelist.xml" '/ZoneList/Zone[1]/Adapters/Input/File')" \
		"$statedir/unsigned/example.com" "zonelist.xml: the input file"
	is "$(xval "$C/zonelist.xml" '/ZoneList/Zone[1]/Adapters/Output/File')" \
		"$statedir/signed/example.com" "zonelist.xml: the output file"
	for f in conf kasp zonelist; do
		xmllint --noout --relaxng "$top_srcdir/src/config/$f.rng" "$C/$f.xml" > "$T/xmllint.out" 2>&1
		rc=$?
		is "$rc" 0 "$f.xml passes $f.rng"
		[ "$rc" = 0 ] || diag "$(cat "$T/xmllint.out")"
	done
else
	diag "xmllint not installed: the installed files' content is not checked"
fi
cmp -s "$top_srcdir/contrib/kasp.xml" "$C/kasp.xml"; ok $? "kasp.xml is the example as it is"
case " $confdir $statedir $rundir " in
*" /etc/opendnssec "*|*" /var/lib/opendnssec "*|*" /var/run/opendnssec "*)
	diag "the prefix gives the example's paths: not checking that they are gone" ;;
*)
	unlike "$(cat "$C/conf.xml" "$C/zonelist.xml")" \
		">(/etc/opendnssec|/var/lib/opendnssec|/var/run/opendnssec)" \
		"no path of the example is left in conf.xml and zonelist.xml" ;;
esac
[ -f "$R$mandir/man8/ods-control.8" ]; ok $? "the ods-control(8) manual page"
datadir=$(makevar datadir)
cmp -s "$top_srcdir/contrib/bash-completion/ods-ksmutil" \
	"$R$datadir/bash-completion/completions/ods-ksmutil"
ok $? "the bash completion, where bash-completion loads it from"
odsdatadir=$(makevar ODS_DATADIR)
for f in "$top_srcdir"/doc/json/*.schema.json; do
	cmp -s "$f" "$R$odsdatadir/json/${f##*/}" || break
done
ok $? "the JSON Schemas of --json, in $odsdatadir/json"
unitdir=$(makevar systemdsystemunitdir)
if [ -n "$unitdir" ]; then
	is "$(sed -n 's/^ExecStart=//p' "$R$unitdir/ods-enforcerd.service" 2> /dev/null)" \
		"$sbindir/ods-enforcerd -d" "the systemd unit, naming the installed daemon"
else
	ok 0 "the systemd unit # SKIP configured without a systemd unit directory"
fi

# the operator's files are never replaced; missing ones come back
printf '<!-- edited by the operator -->\n' >> "$C/conf.xml"
cp "$C/conf.xml" "$T/conf.edited"
rm -f "$C/kasp.xml"
mk install-data DESTDIR="$R" > "$T/install2.log" 2>&1
is "$?" 0 "a second make install-data succeeds"
cmp -s "$T/conf.edited" "$C/conf.xml"; ok $? "a second install keeps a changed conf.xml"
like "$(cat "$T/install2.log")" "not replacing .*/conf.xml" "and says so"
cmp -s "$top_srcdir/contrib/kasp.xml" "$C/kasp.xml"; ok $? "a second install puts back a missing kasp.xml"

# uninstall: what is still as installed goes, the operator's files stay
: > "$R$statedir/kasp.db"
# (the programs were not installed; uninstall wants their directories)
mkdir -p "$R$bindir" "$R$sbindir"
mk uninstall DESTDIR="$R" > "$T/uninstall.log" 2>&1
rc=$?
is "$rc" 0 "make uninstall succeeds"
[ "$rc" = 0 ] || diag "$(tail -20 "$T/uninstall.log")"
cmp -s "$T/conf.edited" "$C/conf.xml"; ok $? "uninstall keeps the changed conf.xml"
[ ! -e "$C/kasp.xml" ] && [ ! -e "$C/zonelist.xml" ]
ok $? "uninstall removes kasp.xml and zonelist.xml as installed"
[ ! -e "$R$statedir/tmp" ] && [ ! -e "$R$rundir" ]; ok $? "uninstall removes the empty directories"
is "$(cd "$R" && find . -type f | sort)" "./${confdir#/}/conf.xml
./${statedir#/}/kasp.db" "only the operator's files are left"

done_testing
