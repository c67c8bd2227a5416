#!/bin/sh
# The Debian package: dpkg-buildpackage builds it from a copy of the source
# tree, lintian reports no error and no warning (overrides aside), and the
# installed package works with its own paths: ods-ksmutil setup against a
# SoftHSMv2 token and the packaged conf.xml, one enforcer run, then purge.
#
# It installs into the system (/usr, /etc/opendnssec, /var/lib/opendnssec),
# so it runs only where asked (KASP_DEB_TEST=1, as tests/run-all.sh does on
# the CI machine), as root, and never where /etc/opendnssec already exists.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

[ "${KASP_DEB_TEST:-}" = 1 ] || skip_all "installs into the system: set KASP_DEB_TEST=1"
[ "$(id -u)" -eq 0 ] || skip_all "dpkg -i needs root"
for tool in dpkg-buildpackage lintian git jq; do
	command -v $tool > /dev/null 2>&1 || skip_all "$tool is not installed"
done
git -C "$top_srcdir" rev-parse --git-dir > /dev/null 2>&1 || skip_all "not a git checkout"
if [ -e /etc/opendnssec ] || dpkg -s kasp-enforcer > /dev/null 2>&1; then
	skip_all "/etc/opendnssec or the package is already there: not touching them"
fi
softhsm_available || skip_all "SoftHSMv2 is not installed"

T=$(mktemp -d /tmp/kasp-deb.XXXXXX)
installed=
cleanup() {
	[ -z "$installed" ] || dpkg --purge kasp-enforcer > /dev/null 2>&1
	# what the package's programs made at run time (purge keeps it)
	rm -rf /var/lib/opendnssec /run/opendnssec
	rm -rf "$T"
}
trap cleanup EXIT

# the committed tree plus what the work tree changed, as a release would be
src="$T/kasp-enforcer-0.1.0"
mkdir -p "$src"
(cd "$top_srcdir" && git ls-files -z | xargs -0 cp --parents -t "$src") 2> "$T/copy.log"
ok $? "a copy of the source tree"

(cd "$src" && dpkg-buildpackage -us -uc -b) > "$T/build.log" 2>&1
rc=$?
ok $rc "dpkg-buildpackage -us -uc -b"
[ $rc -eq 0 ] || { diag "$(tail -30 "$T/build.log")"; done_testing; exit; }
deb=$(ls "$T"/kasp-enforcer_*_*.deb 2> /dev/null | head -1)
[ -n "$deb" ]; ok $? "it made kasp-enforcer_*.deb"

lintian --tag-display-limit 0 "$T"/kasp-enforcer_*.changes > "$T/lintian.log" 2>&1
diag "lintian: $(grep -c '^E: ' "$T/lintian.log") errors, $(grep -c '^W: ' "$T/lintian.log") warnings"
is "$(grep -E '^(E|W): ' "$T/lintian.log")" "" "lintian: no error and no warning"

dpkg-deb -f "$deb" Depends > "$T/depends"
like "$(cat "$T/depends")" 'libssl3' "Depends names libssl3 (libcrypto is loaded with dlopen)"
is "$(dpkg-deb -I "$deb" conffiles | sort | tr '\n' ' ')" \
	"/etc/opendnssec/conf.xml /etc/opendnssec/kasp.xml /etc/opendnssec/zonelist.xml " \
	"the example configuration is conffiles"

dpkg -i "$deb" > "$T/install.log" 2>&1
rc=$?
ok $rc "dpkg -i"
[ $rc -eq 0 ] || { diag "$(tail -20 "$T/install.log")"; done_testing; exit; }
installed=1
is "$(/usr/bin/ods-ksmutil -V)" "opendnssec version 1.4.14" "/usr/bin/ods-ksmutil runs"
is "$(stat -c %a /etc/opendnssec/conf.xml)" 600 "conf.xml is 0600"
[ -x /usr/sbin/ods-enforcerd ] && [ -f /lib/systemd/system/ods-enforcerd.service ] &&
	[ -f /usr/share/bash-completion/completions/ods-ksmutil ] &&
	[ -f /usr/share/man/man1/ods-ksmutil.1.gz ] &&
	[ -f /usr/share/opendnssec/json/key-list.schema.json ]
ok $? "the daemon, the unit, the completion, the manual and the schemas are installed"
like "$(sed -n 's/^ExecStart=//p' /lib/systemd/system/ods-enforcerd.service)" \
	'^/usr/sbin/ods-enforcerd -d$' "the unit starts the packaged daemon"

# the packaged conf.xml: token OpenDNSSEC, PIN 1234, /var/lib/opendnssec/kasp.db
softhsm_init "$T/hsm" OpenDNSSEC 2> "$T/softhsm.log"
ok $? "a SoftHSMv2 token OpenDNSSEC"
out=$(ods-ksmutil setup --yes 2>&1 < /dev/null)
ok $? "ods-ksmutil setup with the installed paths"
[ -s /var/lib/opendnssec/kasp.db ]; ok $? "the database is /var/lib/opendnssec/kasp.db"
like "$(ods-ksmutil zone list 2>&1)" '^Found Zone: example.com; on policy default$' \
	"the example zone is in it"
ods-enforcerd -1 -d > "$T/enforcerd.log" 2>&1 < /dev/null
ok $? "one run of the packaged daemon"
is "$(ods-ksmutil key list --all --json 2> /dev/null | jq '.keys | length')" 2 \
	"it made the zone's KSK and ZSK"
[ -s /var/lib/opendnssec/signconf/example.com.xml ]; ok $? "and its signconf"

dpkg --purge kasp-enforcer > "$T/purge.log" 2>&1
ok $? "dpkg --purge"
installed=
[ ! -e /usr/bin/ods-ksmutil ] && [ ! -e /etc/opendnssec/conf.xml ]
ok $? "purge removes the programs and the conffiles"

done_testing
