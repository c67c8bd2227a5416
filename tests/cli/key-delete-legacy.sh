#!/bin/sh
# key delete of key pairs an older build imported under a CKA_ID that is not
# 32 hexadecimal digits: a shorter hex one ("0001", with a real key pair of
# that CKA_ID on the token) is deleted from the database and the token; one
# that is not hex ("key-one") loses its row, and the command says the HSM
# was not searched; an id that is not in the database is still refused, and
# a key in use still needs --force. Runs on the engine of $ODS_TEST_BACKEND.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

softhsm_available || skip_all "SoftHSMv2 is not installed"
softhsm_init "$T/hsm" OpenDNSSEC 2> "$T/softhsm.log" ||
	{ echo "Bail out! cannot make a SoftHSM token: $(cat "$T/softhsm.log")"; exit 1; }
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
HSMUTIL="$top_builddir/ods-hsmutil"
hsm_list() { "$HSMUTIL" -c "$T/conf.xml" list 2> /dev/null; }

ksm setup --yes
is "$rc" 0 "setup"
"$HSMUTIL" -c "$T/conf.xml" generate SoftHSM rsa 1024 > /dev/null 2>&1
token=$(hsm_list)
like "$token" "^1 key found\.$" "one key on the token, which must stay"

sm=$(db_sql "SELECT id FROM securitymodules WHERE name = 'SoftHSM'")
pol=$(db_sql "SELECT id FROM policies WHERE name = 'default'")
zone=$(db_sql "SELECT id FROM zones WHERE name = 'example.com'")
# rows as an older build's key import left them
for id in 0001 key-one key-two; do
	db_sql "INSERT INTO keypairs (HSMkey_id, algorithm, size, securitymodule_id, policy_id,
		generate, compromisedflag, fixedDate) VALUES ('$id', 8, 1024, $sm, $pol,
		'2020-01-01 00:00:00', 0, 0)"
done
inuse=$(db_sql "SELECT id FROM keypairs WHERE HSMkey_id = 'key-two'")
db_sql "INSERT INTO dnsseckeys (keypair_id, zone_id, keytype, state, publish, ready, active)
	VALUES ($inuse, $zone, 256, 4, '2020-01-01 00:00:00', '2020-01-01 00:00:00',
	'2020-01-01 00:00:00')"

# a key pair with CKA_ID 0001 on the token, as another program made it
if openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/legacy.pem" \
	2> /dev/null && softhsm2-util --import "$T/legacy.pem" --token OpenDNSSEC --label legacy \
	--id 0001 --pin 1234 > "$T/import.log" 2>&1; then
	ok 0 "a key pair with CKA_ID 0001 imported into the token"
else
	ok 1 "a key pair with CKA_ID 0001 imported into the token"
	sed 's/^/# /' "$T/import.log"
fi
like "$("$HSMUTIL" -c "$T/conf.xml" list 2>&1)" "^Warning: 1 key not usable" \
	"... the token holds it beside the key that must stay"
ksm key delete --cka_id 0001
is "$rc:$out" '0:Key delete successful: 0001' \
	"key delete of a 4-digit CKA_ID: deleted from the token as well"
is "$(db_sql "SELECT count(*) FROM keypairs WHERE HSMkey_id = '0001'")" 0 "... its row is gone"
is "$("$HSMUTIL" -c "$T/conf.xml" list 2>&1)" "$token" \
	"... and its objects: only the key that must stay is left"
ksm key delete --cka_id key-one
is "$rc:$out" '0:Key delete successful: key-one
Note: CKA_ID "key-one" is not hexadecimal, so the HSM was not searched for it; remove its object from repository SoftHSM by hand if it has one' \
	"key delete of a CKA_ID that is not hex: the row goes, and it says the HSM was not searched"
is "$(db_sql "SELECT HSMkey_id FROM keypairs ORDER BY HSMkey_id")" "key-two" \
	"... its row is gone; the row in use stays"

before=$(db_fingerprint)
ksm key delete --cka_id key-two
is "$rc:$out" "1:The enforcer believes that this key is in use, quitting..." \
	"a short CKA_ID in use is refused as any other"
ksm key delete --cka_id 0001
is "$rc:$out" '1:Error: CKA_ID "0001" is not a hexadecimal string of 32 digits' \
	"a short CKA_ID no longer in the database is refused"
ksm key delete --cka_id ffffffffffffffffffffffffffffffff
is "$rc:$out" "1:Failed to determine the state of the key" "an unknown 32-digit CKA_ID is refused"
is "$(db_fingerprint)" "$before" "the refusals change nothing"

KSM_STDIN="$T/yes"
echo y > "$T/yes"
ksm key delete --cka_id key-two --force
is "$rc" 0 "key delete --force of the short CKA_ID in use"
like "$out" "\\] Key delete successful: key-two$" "... succeeds"
is "$(db_sql "SELECT count(*) FROM keypairs")|$(db_sql "SELECT count(*) FROM dnsseckeys WHERE keypair_id = $inuse")" \
	"0|0" "... its row and its allocation are gone"
is "$(hsm_list)" "$token" "the token was not touched"
done_testing
