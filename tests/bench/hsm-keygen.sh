#!/bin/sh
# hsm-keygen.sh - key generation rate on a fresh SoftHSMv2 token: our
# ods-hsmutil generate (hsm_generate) against pkcs11-tool --keypairgen, the
# same token, one process per key for both (so both pay dlopen, C_Initialize
# and C_Login each time). Prints keys/second for RSA-2048 and ECDSA P-256.
# Not run by make check.
#
#   top_builddir=build tests/bench/hsm-keygen.sh [N_RSA [N_EC]]
#
# Use a build without sanitizers for figures worth quoting.
set -e
: "${top_builddir:=.}"
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/lib/softhsm.sh"
HSMUTIL="$top_builddir/ods-hsmutil"
N_RSA=${1:-10}
N_EC=${2:-40}
T=$(mktemp -d "${TMPDIR:-/tmp}/hsmbench.XXXXXX")
trap 'rm -rf "$T"' EXIT
softhsm_init "$T/hsm" bench 2> /dev/null
cat > "$T/conf.xml" <<XML
<?xml version="1.0"?>
<Configuration>
	<RepositoryList><Repository name="bench"><Module>$SOFTHSM_MODULE</Module>
		<TokenLabel>bench</TokenLabel><PIN>1234</PIN></Repository></RepositoryList>
	<Common><PolicyFile>$T/kasp.xml</PolicyFile><ZoneListFile>$T/zl.xml</ZoneListFile></Common>
	<Enforcer><Datastore><SQLite>$T/kasp.db</SQLite></Datastore>
		<Interval>PT1H</Interval></Enforcer>
</Configuration>
XML

now() { date +%s.%N; }
# rate N START END
rate() {
	echo "$1 $2 $3" |
		awk '{ printf "%.2f keys/s (%d keys in %.2f s)", $1 / ($3 - $2), $1, $3 - $2 }'
}

# ours ALGWORD BITS N
ours() {
	s=$(now)
	i=0
	while [ $i -lt "$3" ]; do
		"$HSMUTIL" -c "$T/conf.xml" generate bench "$1" "$2" > /dev/null
		i=$((i + 1))
	done
	rate "$3" "$s" "$(now)"
}

# tool KEYTYPE N
tool() {
	s=$(now)
	i=0
	while [ $i -lt "$2" ]; do
		pkcs11-tool --module "$SOFTHSM_MODULE" --token-label bench --login --pin 1234 \
			--keypairgen --key-type "$1" --id "$(printf 'ff%04x' $i)" > /dev/null 2>&1
		i=$((i + 1))
	done
	rate "$2" "$s" "$(now)"
}

echo "RSA-2048   ods-hsmutil generate: $(ours rsa 2048 "$N_RSA")"
echo "RSA-2048   pkcs11-tool:          $(tool rsa:2048 "$N_RSA")"
echo "ECDSA P256 ods-hsmutil generate: $(ours ecdsa 256 "$N_EC")"
echo "ECDSA P256 pkcs11-tool:          $(tool EC:prime256v1 "$N_EC")"
