#!/bin/sh
# demo.sh - the README's quick start: install the build dependencies, build,
# and bring up a working enforcer set-up under ./demo/ (an SQLite database,
# a SoftHSMv2 token, conf.xml/kasp.xml/zonelist.xml from contrib/), then
# create the database and show its status. Run from the source tree as root.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
demo="$top/demo"

[ "${DEMO_NO_DEPS:-}" = 1 ] || sh tools/install-deps.sh

autoreconf -fi
mkdir -p build-demo
(cd build-demo && ../configure --quiet --prefix="$demo/root" CFLAGS="-O2 -g" && make -j2 && make install)

# A SoftHSMv2 token in a local folder, found through SOFTHSM2_CONF.
rm -rf "$demo/softhsm" && mkdir -p "$demo/softhsm/tokens" "$demo/state/signconf" \
	"$demo/state/unsigned" "$demo/state/signed" "$demo/state/tmp"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$demo/softhsm/tokens" > "$demo/softhsm/softhsm2.conf"
SOFTHSM2_CONF="$demo/softhsm/softhsm2.conf"
export SOFTHSM2_CONF
softhsm2-util --init-token --free --label OpenDNSSEC --pin 1234 --so-pin 5678

# The example configuration, with its paths moved into ./demo/.
sed -e "s|/etc/opendnssec/|$demo/|g" -e "s|/var/lib/opendnssec/|$demo/state/|g" \
	-e "s|/var/run/opendnssec/|$demo/state/|g" contrib/conf.xml > "$demo/conf.xml"
sed -e "s|/var/lib/opendnssec/|$demo/state/|g" contrib/zonelist.xml > "$demo/zonelist.xml"
cp contrib/kasp.xml "$demo/kasp.xml"

ksmutil="$demo/root/bin/ods-ksmutil"
echo y | "$ksmutil" -c "$demo/conf.xml" setup
echo
"$ksmutil" -c "$demo/conf.xml" database status
echo
echo "demo ready: $ksmutil -c $demo/conf.xml <command>"
echo "(export SOFTHSM2_CONF=$SOFTHSM2_CONF for the HSM commands)"
