#!/bin/sh
# ods-hsmutil end to end on a fresh SoftHSMv2 token (tests/lib/softhsm.sh):
# list / generate / remove / purge / dnskey / test / info with their exact
# lines, and every error case with its one line and a non-zero exit.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

: "${top_builddir:?top_builddir not set}"
HSMUTIL="$top_builddir/ods-hsmutil"
softhsm_available || skip_all "SoftHSMv2 not installed ($SOFTHSM_MODULE)"
T=$(mktemp -d "${TMPDIR:-/tmp}/hsmcli.XXXXXX")
trap 'rm -rf "$T"' EXIT

# SoftHSM's own leak in EdDSA signing, should a sanitizer build ever sign
# with Ed25519 here (see the file).
_lsan="suppressions=$top_srcdir/tests/lsan-softhsm.supp:fast_unwind_on_malloc=0"
LSAN_OPTIONS="$_lsan${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

if ! softhsm_init "$T/hsm" ods-cli 2> /dev/null; then
	echo "Bail out! cannot make a SoftHSM token"
	exit 1
fi

# conf NAME MODULE LABEL PIN-ELEMENT : a conf.xml with one repository
conf() {
	cat > "$T/$1.xml" <<EOF
<?xml version="1.0"?>
<Configuration>
	<RepositoryList>
		<Repository name="SoftHSM">
			<Module>$2</Module>
			<TokenLabel>$3</TokenLabel>
			$4
		</Repository>
	</RepositoryList>
	<Common>
		<PolicyFile>$T/kasp.xml</PolicyFile><ZoneListFile>$T/zonelist.xml</ZoneListFile>
	</Common>
	<Enforcer>
		<Datastore><SQLite>$T/kasp.db</SQLite></Datastore><Interval>PT1H</Interval>
	</Enforcer>
</Configuration>
EOF
}
conf good "$SOFTHSM_MODULE" ods-cli "<PIN>1234</PIN>"
conf nomodule /nonexistent/libpkcs11.so ods-cli "<PIN>1234</PIN>"
conf notp11 /lib/x86_64-linux-gnu/libc.so.6 ods-cli "<PIN>1234</PIN>"
conf nolabel "$SOFTHSM_MODULE" no-such-token "<PIN>1234</PIN>"
conf badpin "$SOFTHSM_MODULE" ods-cli "<PIN>4321</PIN>"
conf nopin "$SOFTHSM_MODULE" ods-cli ""

# h [-i INPUT] CONF ARGS... : run ods-hsmutil -c $T/CONF.xml; $out, $err, $rc
h() {
	_in=/dev/null
	if [ "$1" = -i ]; then
		printf '%s\n' "$2" > "$T/stdin"
		_in="$T/stdin"
		shift 2
	fi
	_c=$1
	shift
	out=$("$HSMUTIL" -c "$T/$_c.xml" "$@" < "$_in" 2> "$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}

# DNSKEY line: owner, then the RDATA, key in base64 and the ldns comment
rr() { printf '^%s\t3600\tIN\tDNSKEY\t257 3 %s %s ;\\{id = [0-9]+ \\(ksk\\), size = %sb\\}$' "$@"; }
hdr=$(printf '%-20s  %-32s  %-10s\n%-20s  %-32s  %-10s' Repository ID Type ---------- -- ----)
row() { printf '%-20s  %-32s  %-10s' "$1" "$2" "$3"; }

# ------------------------------------------------------------------ list, generate
h good list
is "$rc" 0 "list on an empty token exits 0"
is "$out" "
Listing keys in all repositories.
0 keys found.

$hdr" "list on an empty token"
is "$err" "" "no warning on an empty token"

h good generate SoftHSM rsa 2048
is "$rc" 0 "generate rsa 2048 exits 0"
like "$out" "^Generating 2048 bit RSA key in repository: SoftHSM
Key generation successful: [0-9a-f]{32}$" "generate rsa 2048 output"
rsa=$(printf '%s\n' "$out" | sed -n 's/^Key generation successful: //p')

h good generate SoftHSM ecdsa 256
is "$rc" 0 "generate ecdsa 256 exits 0"
like "$out" "^Generating 256 bit ECDSA key in repository: SoftHSM
Key generation successful: [0-9a-f]{32}$" "generate ecdsa 256 output"
ec=$(printf '%s\n' "$out" | sed -n 's/^Key generation successful: //p')

h good list SoftHSM
is "$rc" 0 "list SoftHSM exits 0"
want_rows=$( (row SoftHSM "$rsa" RSA/2048; echo; row SoftHSM "$ec" ECDSA/256; echo) | sort)
got_rows=$(printf '%s\n' "$out" | sed -n '7,$p' | sort)
is "$(printf '%s\n' "$out" | sed -n '1,6p')" "
Listing keys in repository: SoftHSM
2 keys found.

$hdr" "list SoftHSM header: 2 keys found"
is "$got_rows" "$want_rows" "list SoftHSM rows"

h good generate SoftHSM dsa 1024
is "$out" "Unknown algorithm: dsa" "unknown algorithm"
ok $((rc == 0)) "unknown algorithm exits non-zero"

h good generate SoftHSM rsa 512
is "$out" "Generating 512 bit RSA key in repository: SoftHSM
Key generation failed." "rsa 512 fails"
is "$err" "ods-hsmutil: RSA key size 512 for algorithm 8 is out of range 1024-4096" \
	"rsa 512: the reason"
ok $((rc == 0)) "rsa 512 exits non-zero"

for b in 99999999 abc; do
	h good generate SoftHSM rsa $b
	is "$out:$err" ":ods-hsmutil: key size '$b' is not a number of bits" \
		"generate rsa $b: one line naming the size, no usage"
	ok $((rc == 0)) "generate rsa $b exits non-zero"
done

h good generate Nope rsa 2048
is "$err" "ods-hsmutil: repository Nope not found in $T/good.xml" \
	"generate in an unknown repository"
ok $((rc == 0)) "unknown repository exits non-zero"

# Ed25519: whatever the token's mechanism list says
if pkcs11-tool --module "$SOFTHSM_MODULE" -M 2> /dev/null | grep -q EC-EDWARDS-KEY-PAIR-GEN; then
	h good generate SoftHSM ed25519 256
	like "$out" "^Generating 256 bit EDDSA key in repository: SoftHSM
Key generation successful: [0-9a-f]{32}$" "generate ed25519 (token has EdDSA)"
	ed=$(printf '%s\n' "$out" | sed -n 's/^Key generation successful: //p')
	h good list
	like "$out" "$(row SoftHSM "$ed" EDDSA/256)" "list shows EDDSA/256"
	h good dnskey "$ed" example.org
	like "$out" "$(rr 'example\.org\.' 15 '[A-Za-z0-9+/=]{44}' 256)" \
		"dnskey of the Ed25519 key"
	h good remove "$ed"
	is "$out" "Key remove successful." "remove the Ed25519 key"
else
	h good generate SoftHSM ed25519 256
	is "$err" "ods-hsmutil: token does not support Ed25519 (CKM_EC_EDWARDS_KEY_PAIR_GEN)" \
		"generate ed25519 (token lacks EdDSA)"
	ok $((rc == 0)) "ed25519 without the mechanism exits non-zero"
	skip "list shows EDDSA/256" "the token lacks EdDSA"
	skip "dnskey of the Ed25519 key" "the token lacks EdDSA"
	skip "remove the Ed25519 key" "the token lacks EdDSA"
fi

# ------------------------------------------------------------------ dnskey
h good dnskey "$rsa" example.com
is "$rc" 0 "dnskey rsa exits 0"
like "$out" "$(rr 'example\.com\.' 8 'AwEAA[A-Za-z0-9+/=]+' 2048)" \
	"dnskey of the RSA key: KSK form, RSASHA256, TTL 3600"
h good dnskey "$ec" example.com.
like "$out" "$(rr 'example\.com\.' 13 '[A-Za-z0-9+/=]{88}' 256)" \
	"dnskey of the ECDSA key"
h good dnskey "$rsa" example.com 10
like "$out" "	DNSKEY	257 3 10 AwEAA" "dnskey with an explicit algorithm"
h good dnskey "$rsa" example.com 13
ok $((rc == 0)) "dnskey with an algorithm that does not fit fails"
like "$err" "does not fit algorithm 13" "dnskey with an algorithm that does not fit: the reason"
h good dnskey 0123456789abcdef0123456789abcdef example.com
is "$out" "Key not found: 0123456789abcdef0123456789abcdef" "dnskey of an unknown key"
ok $((rc == 0)) "dnskey of an unknown key exits non-zero"

# ------------------------------------------------------------------ remove
h good remove "$rsa"
is "$out" "Key remove successful." "remove"
is "$rc" 0 "remove exits 0"
h good remove "$rsa"
is "$out" "Key not found: $rsa" "remove it again"
ok $((rc == 0)) "remove of an absent key exits non-zero"
h good remove not-an-id
is "$out" "Key not found: not-an-id" "remove of a malformed id"
h good list
like "$out" "1 key found\." "1 key found."

# ------------------------------------------------------------------ purge
h good generate SoftHSM rsa 1024
h -i NO good purge SoftHSM
is "$out" "
Purging keys in repository: SoftHSM
2 keys found.

Are you sure you want to remove ALL keys from repository SoftHSM ? (YES/NO) 
Purge cancelled." "purge answered NO"
h -i yes good purge SoftHSM
like "$out" "Purge cancelled\.$" "purge answered 'yes' (lower case) is cancelled"
h good list
like "$out" "2 keys found\." "nothing purged"
h -i YES good purge SoftHSM
is "$rc" 0 "purge YES exits 0"
is "$(printf '%s\n' "$out" | sed -n '1,6p')" "
Purging keys in repository: SoftHSM
2 keys found.

Are you sure you want to remove ALL keys from repository SoftHSM ? (YES/NO) 
Starting purge..." "purge YES: prompt and start"
is "$(printf '%s\n' "$out" | grep -c '^Key remove successful: [0-9a-f]\{32\}$')" 2 \
	"purge YES: one line per key"
is "$(printf '%s\n' "$out" | tail -n 1)" "Purge done." "purge YES: done"
h good list
like "$out" "0 keys found\." "purged"
h -i YES good purge SoftHSM
like "$out" "No keys to purge\.$" "purge of an empty repository"

# ------------------------------------------------------------------ unusable objects
pkcs11-tool --module "$SOFTHSM_MODULE" --token-label ods-cli --login --pin 1234 \
	--keypairgen --key-type EC:prime256v1 --id 01 --label foreign > /dev/null 2>&1
h good list
like "$out" "0 keys found\." "a foreign key pair is not listed"
is "$err" "Warning: 1 key not usable by OpenDNSSEC was found." "and is counted on stderr"

# ------------------------------------------------------------------ test, info, login
h good test SoftHSM
is "$rc" 0 "test exits 0"
is "$(printf '%s\n' "$out" | sed 's/([0-9a-f]\{32\})/(ID)/')" "Testing repository: SoftHSM
Opening the repository: ok
Generating RSA/1024 key: ok (ID)
Signing 1024 bytes with RSA/1024: ok (128 byte signature)
Verifying the RSA/1024 signature with the public key: ok
Deleting RSA/1024 key: ok
Generating ECDSA/256 key: ok (ID)
Signing 1024 bytes with ECDSA/256: ok (64 byte signature)
Verifying the ECDSA/256 signature with the public key: ok
Deleting ECDSA/256 key: ok
Repository SoftHSM passed the test." "test output"
h good list
like "$out" "0 keys found\." "test leaves no keys"

h good info
is "$rc" 0 "info exits 0"
like "$out" "^Repository: +SoftHSM$" "info: repository"
like "$out" "^Token Label: +ods-cli$" "info: label"
like "$out" "^Manufacturer: +SoftHSM project$" "info: manufacturer"
like "$out" "^Model: +SoftHSM v2$" "info: model"
like "$out" "^Serial: +[0-9a-f]+$" "info: serial"
like "$out" "^Keys: +0 used \(1 not usable\) / capacity unlimited$" "info: key counts"

h good login
is "$out" "The tokens are now logged in." "login"
is "$rc" 0 "login exits 0"
h good logout
is "$out" "The credentials has been erased." "logout"

# ------------------------------------------------------------------ repository errors
h nomodule list
nomod=/nonexistent/libpkcs11.so
is "$err" "ods-hsmutil: cannot load PKCS#11 module $nomod: $nomod: cannot open shared object \
file: No such file or directory" \
	"module that does not exist"
ok $((rc == 0)) "module that does not exist: non-zero exit"
h notp11 login
is "$err" \
	"ods-hsmutil: /lib/x86_64-linux-gnu/libc.so.6 is not a PKCS#11 module (no C_GetFunctionList)" \
	"library that is not PKCS#11"
ok $((rc == 0)) "library that is not PKCS#11: non-zero exit"
h nolabel info
is "$err" "ods-hsmutil: token no-such-token not found in $SOFTHSM_MODULE" "token label not found"
ok $((rc == 0)) "token label not found: non-zero exit"
h badpin generate SoftHSM rsa 1024
is "$err" "ods-hsmutil: wrong PIN for repository SoftHSM" "wrong PIN"
ok $((rc == 0)) "wrong PIN: non-zero exit"
h nopin login
is "$err" "ods-hsmutil: repository SoftHSM has no PIN in conf.xml" "no PIN"
ok $((rc == 0)) "no PIN: non-zero exit"
h badpin remove 0123456789abcdef0123456789abcdef
is "$err" "ods-hsmutil: wrong PIN for repository SoftHSM" "remove with a wrong PIN"
h good test Nope
is "$err" "ods-hsmutil: repository Nope not found in $T/good.xml" "test of an unknown repository"
h good list Nope
ok $((rc == 0)) "list of an unknown repository: non-zero exit"

# ------------------------------------------------------------------ usage
h good
ok $((rc != 1)) "no command: exit 1"
like "$err" "^usage: ods-hsmutil " "no command: usage on stderr"
is "$out" "" "no command: nothing on stdout"
h good frobnicate
is "$rc" 1 "unknown command: exit 1"
like "$err" "unknown command 'frobnicate'" "unknown command: named"
h good generate SoftHSM rsa
is "$rc" 1 "generate with too few arguments: exit 1"
h good generate SoftHSM rsa many
is "$rc" 1 "generate with bad bits: exit 1"
h good remove
is "$rc" 1 "remove without an id: exit 1"
h good list a b
is "$rc" 1 "list with two arguments: exit 1"
out=$("$HSMUTIL" -x 2> "$T/stderr"); rc=$?
is "$rc" 1 "unknown option: exit 1"
out=$("$HSMUTIL" -V); rc=$?
like "$out" "^ods-hsmutil version " "-V"
out=$("$HSMUTIL" -c "$T/missing.xml" list 2> "$T/stderr"); rc=$?
like "$(cat "$T/stderr")" "^ods-hsmutil: cannot read $T/missing.xml" "missing conf.xml"
ok $((rc == 0)) "missing conf.xml: non-zero exit"

done_testing
