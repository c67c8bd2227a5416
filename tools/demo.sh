#!/bin/sh
# demo.sh - the README's quick start: install the build dependencies, build,
# and bring up a working enforcer set-up under ./demo/ (an SQLite database,
# a SoftHSMv2 token, conf.xml/kasp.xml/zonelist.xml from contrib/), then
# create the database, add a zone, run one enforce pass and show the keys,
# the rollovers and the DS records it made. Run from the source tree as
# root; running it again starts the demo afresh.
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

# The example configuration, with its paths moved into ./demo/. There is
# no signer here: a script stands in for `ods-signer update <zone>` and
# notes what it is told in demo/state/signer.log.
printf '#!/bin/sh\necho "update $1" >> "%s/state/signer.log"\n' "$demo" > "$demo/signer"
chmod 755 "$demo/signer"
rm -f "$demo/state/signer.log" "$demo/state/kasp.db" "$demo"/state/signconf/*
sed -e "s|/etc/opendnssec/|$demo/|g" -e "s|/var/lib/opendnssec/|$demo/state/|g" \
	-e "s|/var/run/opendnssec/|$demo/state/|g" \
	-e "s|<Interval>|<SignerNotifyCommand>$demo/signer %zone</SignerNotifyCommand><Interval>|" \
	contrib/conf.xml > "$demo/conf.xml"
sed -e "s|/var/lib/opendnssec/|$demo/state/|g" contrib/zonelist.xml > "$demo/zonelist.xml"
cp contrib/kasp.xml "$demo/kasp.xml"

ksmutil="$demo/root/bin/ods-ksmutil"
enforcerd="$demo/root/sbin/ods-enforcerd"
ksm() {
	echo "\$ ods-ksmutil $*"
	"$ksmutil" -c "$demo/conf.xml" "$@"
	echo
}

# The database, the policies and example.com (policy "default") from the
# files, then a zone on "lab", whose keys roll within hours.
echo y | "$ksmutil" -c "$demo/conf.xml" setup
echo
ksm database status
: > "$demo/state/unsigned/lab.example"
ksm zone add --zone lab.example --policy lab --input "$demo/state/unsigned/lab.example" \
	--output "$demo/state/signed/lab.example" --signerconf "$demo/state/signconf/lab.example.xml"

# One enforce pass: keys generated in the token, allocated and published,
# the ZSKs made active, a signconf per zone, the signer told. Its log (also
# sent to syslog, facility local0) is kept in demo/enforcerd.log.
echo "\$ ods-enforcerd -1 -d   (one pass in the foreground, log in demo/enforcerd.log)"
"$enforcerd" -c "$demo/conf.xml" -1 -d 2> "$demo/enforcerd.log"
grep -E 'Created [KZ]SK|Called signer|Pass done' "$demo/enforcerd.log" | sed 's/^/  /'
echo
ksm key list --verbose
ksm rollover list
# A new KSK is published first; once it is ready (hours for "lab") its DS
# goes to the parent, and `key ds-seen` makes it active.
ksm key export --zone lab.example --keystate publish --ds
echo "signconf files: $(ls "$demo/state/signconf" | tr '\n' ' ')"
echo "the signer was told: $(tr '\n' ' ' < "$demo/state/signer.log")"
echo
echo "demo ready: $ksmutil -c $demo/conf.xml <command>"
echo "  another pass: $enforcerd -c $demo/conf.xml -1 -d"
echo "  (export SOFTHSM2_CONF=$SOFTHSM2_CONF for the daemon and ods-hsmutil)"
