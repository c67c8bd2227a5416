/*
 * test_hsm.c - src/hsm/pkcs11*.c on fresh SoftHSMv2 tokens in a temporary
 * directory (the recipe of tests/lib/softhsm.sh, done from C).
 *
 * Public keys are checked two ways: a signature made on the token verifies
 * with libcrypto under the exported DNSKEY field, and the field equals the
 * public key pkcs11-tool reads out of the token independently of our code.
 *
 * SOFTHSM_MODULE overrides the module path; P11SHIM is the shim module built
 * beside this program (tests/unit/p11shim.so).
 */
#include "config.h"

#include <ctype.h>
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "common/err.h"
#include "common/spawn.h"
#include "config/conf.h"
#include "hsm/hsm.h"
#include "hsm/verify.h"

/*
 * SoftHSM 2.6.1 leaks in C_SignInit for CKM_EDDSA; see
 * tests/lsan-softhsm.supp (the same rule, for the shell tests). LSan asks
 * for these hooks at start-up; other builds never call them. The slow
 * unwinder is needed because the leak is allocated inside libcrypto, which
 * has no frame pointers: the fast one stops there and never sees the module.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libsofthsm2.so\n";
}

const char *
__lsan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

static char tmpdir[512];
static const char *module;
static char shim[1024];
static int have_eddsa;

/* ---------------------------------------------------------------- helpers */

static int
run(const char *const argv[], struct spawn_result *res)
{
	int ret = spawn_run(argv, NULL, NULL, 0, res);

	if (ret != 0) {
		memset(res, 0, sizeof *res);
		return ret;
	}
	if (!res->exited || res->status != 0) {
		fprintf(stderr, "# %s failed: %s%s\n", argv[0], res->out, res->err);
		return E_SPAWN;
	}
	return 0;
}

static int
init_token(const char *label, const char *pin)
{
	const char *argv[] = { "softhsm2-util", "--init-token", "--free", "--label", label, "--pin",
		pin, "--so-pin", "5678", NULL };
	struct spawn_result res;
	int ret = run(argv, &res);

	spawn_result_free(&res);
	return ret;
}

/* A conf of n repositories, each (name, module, label, pin). */
struct fixture {
	struct conf conf;
	struct conf_repository repos[4];
};

static void
repo_set(struct fixture *fx, size_t i, const char *name, const char *mod, const char *label,
	const char *pin)
{
	struct conf_repository *r = &fx->repos[i];

	memset(r, 0, sizeof *r);
	r->name = (char *)name;
	r->module = (char *)mod;
	r->token_label = (char *)label;
	r->pin = (char *)pin;
	fx->conf.repos = fx->repos;
	if (fx->conf.nrepos < i + 1)
		fx->conf.nrepos = i + 1;
}

static void
fixture_one(struct fixture *fx, const char *mod, const char *label, const char *pin)
{
	memset(fx, 0, sizeof *fx);
	repo_set(fx, 0, "R", mod, label, pin);
}

static int
is_lower_hex_id(const char *id)
{
	if (strlen(id) != HSM_ID_HEX_LEN)
		return 0;
	for (const char *p = id; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return 0;
	return 1;
}

/* The public key pkcs11-tool reads for id on label, as an EVP_PKEY. */
static EVP_PKEY *
tool_pubkey(const char *label, const char *id)
{
	char out[1200];
	const char *argv[] = { "pkcs11-tool", "--module", module, "--token-label", label,
		"--read-object", "--type", "pubkey", "--id", id, "-o", out, NULL };
	struct spawn_result res;
	EVP_PKEY *pk = NULL;
	unsigned char der[4096];
	const unsigned char *p = der;
	size_t n;
	FILE *f;

	snprintf(out, sizeof out, "%s/pub.der", tmpdir);
	if (run(argv, &res) != 0) {
		spawn_result_free(&res);
		return NULL;
	}
	spawn_result_free(&res);
	f = fopen(out, "rb");
	if (f == NULL)
		return NULL;
	n = fread(der, 1, sizeof der, f);
	fclose(f);
	pk = d2i_PUBKEY(NULL, &p, (long)n);
	return pk;
}

/*
 * The CKA_EC_POINT of the public key id as pkcs11-tool prints it (hex) into
 * out; its length, or -1. (Its --read-object cannot convert P-384 keys.)
 */
static int
tool_ec_point(const char *label, const char *id, unsigned char *out, size_t max)
{
	const char *argv[] = { "pkcs11-tool", "--module", module, "--token-label", label,
		"--list-objects", "--type", "pubkey", "--id", id, NULL };
	struct spawn_result res;
	const char *p;
	size_t n = 0;

	if (run(argv, &res) != 0) {
		spawn_result_free(&res);
		return -1;
	}
	p = strstr(res.out, "EC_POINT:");
	if (p != NULL) {
		p += strlen("EC_POINT:");
		while (*p == ' ')
			p++;
		while (n < max && isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1])) {
			unsigned v;

			sscanf(p, "%2x", &v);
			out[n++] = (unsigned char)v;
			p += 2;
		}
	}
	spawn_result_free(&res);
	return p != NULL ? (int)n : -1;
}

/* Number of objects of type (pubkey, privkey) that pkcs11-tool lists. */
static int
tool_count(const char *label, const char *type)
{
	const char *argv[] = { "pkcs11-tool", "--module", module, "--token-label", label, "--login",
		"--pin", "1234", "--list-objects", "--type", type, NULL };
	struct spawn_result res;
	int n = 0;

	if (run(argv, &res) != 0) {
		spawn_result_free(&res);
		return -1;
	}
	for (const char *p = res.out; (p = strstr(p, " Key Object;")) != NULL; p++)
		n++;
	spawn_result_free(&res);
	return n;
}

static void
sign_verify(hsm_t *h, const char *repo, const char *id, int alg, const uint8_t *pub, size_t publen)
{
	uint8_t data[1024], *sig = NULL;
	size_t siglen = 0;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(hsm_sign(h, repo, id, alg, data, sizeof data, &sig, &siglen), 0);
	assert_int_equal(hsm_verify(alg, pub, publen, data, sizeof data, sig, siglen), 0);
	data[0] ^= 1;
	assert_int_equal(hsm_verify(alg, pub, publen, data, sizeof data, sig, siglen), E_INVAL);
	free(sig);
}

/* --------------------------------------------------------------- fixtures */

static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	char conf[600], tokens[600];
	FILE *f;

	(void)state;
	module = getenv("SOFTHSM_MODULE");
	if (module == NULL || *module == '\0')
		module = "/usr/lib/softhsm/libsofthsm2.so";
	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(tmpdir, sizeof tmpdir, "%s/test_hsm.XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(tokens, sizeof tokens, "%s/tokens", tmpdir);
	snprintf(conf, sizeof conf, "%s/softhsm2.conf", tmpdir);
	if (mkdir(tokens, 0700) != 0)
		return -1;
	f = fopen(conf, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
		tokens);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);
	if (init_token("ods-a", "1234") != 0 || init_token("ods-b", "1234") != 0 ||
		init_token("ods-list", "1234") != 0)
		return -1;
	/* The shim module sits beside this program. */
	snprintf(shim, sizeof shim, "%s/tests/unit/p11shim.so",
		getenv("top_builddir") != NULL ? getenv("top_builddir") : ".");
	setenv("P11SHIM_MODULE", module, 1);
	/* What the token offers, asked of pkcs11-tool rather than of our code. */
	{
		const char *argv[] = { "pkcs11-tool", "--module", module, "-M", NULL };
		struct spawn_result res;

		if (run(argv, &res) != 0)
			return -1;
		have_eddsa = strstr(res.out, "EC-EDWARDS-KEY-PAIR-GEN") != NULL;
		spawn_result_free(&res);
	}
	return 0;
}

static int
group_teardown(void **state)
{
	const char *argv[] = { "rm", "-rf", tmpdir, NULL };
	struct spawn_result res;

	(void)state;
	if (spawn_run(argv, NULL, NULL, 0, &res) == 0)
		spawn_result_free(&res);
	return 0;
}

/* ------------------------------------------------------------------ tests */

static void
check_rsa(int alg, unsigned bits)
{
	struct fixture fx;
	hsm_t *h = NULL;
	char id[HSM_ID_HEX_LEN + 1];
	struct hsm_key k;
	uint8_t *pub = NULL;
	size_t publen = 0;
	EVP_PKEY *pk;
	BIGNUM *n = NULL, *e = NULL;
	unsigned char nbuf[600];
	int nlen;

	uint8_t *genpub = NULL;
	size_t genlen = 0;

	fixture_one(&fx, module, "ods-a", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_generate(h, "R", alg, bits, id, &genpub, &genlen), 0);
	assert_true(is_lower_hex_id(id));
	assert_int_equal(hsm_find(h, "R", id, &k), 0);
	assert_string_equal(k.id, id);
	assert_string_equal(k.repository, "R");
	assert_int_equal(k.family, HSM_FAMILY_RSA);
	assert_int_equal(k.bits, bits);
	/* any repository, upper-case id */
	{
		char up[HSM_ID_HEX_LEN + 1];

		for (int i = 0; i <= HSM_ID_HEX_LEN; i++)
			up[i] = (char)toupper((unsigned char)id[i]);
		assert_int_equal(hsm_find(h, NULL, up, NULL), 0);
	}
	assert_int_equal(hsm_dnskey_public(h, "R", id, alg, &pub, &publen), 0);
	/* generation hands back the same key field, without a search */
	assert_int_equal(genlen, publen);
	assert_memory_equal(genpub, pub, publen);
	free(genpub);
	/* RFC 3110: 1-byte exponent length 3, 01 00 01, then the modulus */
	assert_int_equal(publen, 1 + 3 + bits / 8);
	assert_int_equal(pub[0], 3);
	assert_memory_equal(pub + 1, "\x01\x00\x01", 3);
	assert_true(pub[4] & 0x80);

	/* the same modulus and exponent as pkcs11-tool reads */
	pk = tool_pubkey("ods-a", id);
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e), 1);
	assert_int_equal(BN_get_word(e), 65537);
	assert_int_equal(BN_num_bits(n), (int)bits);
	nlen = BN_bn2bin(n, nbuf);
	assert_int_equal((size_t)nlen, publen - 4);
	assert_memory_equal(nbuf, pub + 4, publen - 4);
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(pk);

	sign_verify(h, "R", id, alg, pub, publen);
	/* wrong family for this key */
	assert_int_equal(hsm_dnskey_public(h, "R", id, 13, &pub, &publen), E_INVAL);

	assert_int_equal(hsm_delete(h, "R", id), 0);
	assert_int_equal(hsm_find(h, "R", id, &k), E_NOTFOUND);
	assert_int_equal(hsm_delete(h, "R", id), E_NOTFOUND);
	free(pub);
	hsm_close(h);
}

static void
test_rsa_8_1024(void **state)
{
	(void)state;
	check_rsa(8, 1024);
}
static void
test_rsa_8_2048(void **state)
{
	(void)state;
	check_rsa(8, 2048);
}
static void
test_rsa_10_2048(void **state)
{
	(void)state;
	check_rsa(10, 2048);
}
static void
test_rsa_5_1024(void **state)
{
	(void)state;
	check_rsa(5, 1024);
}

static void
check_ecdsa(int alg, unsigned bits)
{
	struct fixture fx;
	hsm_t *h = NULL;
	char id[HSM_ID_HEX_LEN + 1];
	struct hsm_key k;
	uint8_t *pub = NULL, *other = NULL;
	size_t publen = 0, otherlen = 0;
	unsigned char pt[200];
	int ptlen;

	uint8_t *genpub = NULL;
	size_t genlen = 0;

	fixture_one(&fx, module, "ods-a", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_generate(h, "R", alg, 0, id, &genpub, &genlen), 0);
	assert_true(is_lower_hex_id(id));
	assert_int_equal(hsm_find(h, "R", id, &k), 0);
	assert_int_equal(k.family, HSM_FAMILY_ECDSA);
	assert_int_equal(k.bits, bits);
	assert_int_equal(hsm_dnskey_public(h, "R", id, alg, &pub, &publen), 0);
	assert_int_equal(publen, 2 * bits / 8);
	assert_int_equal(genlen, publen);
	assert_memory_equal(genpub, pub, publen);
	free(genpub);

	/* pkcs11-tool shows the DER OCTET STRING: 04 <len> 04 x y */
	ptlen = tool_ec_point("ods-a", id, pt, sizeof pt);
	assert_int_equal(ptlen, (int)publen + 3);
	assert_int_equal(pt[0], 0x04);
	assert_int_equal(pt[1], publen + 1);
	assert_int_equal(pt[2], 0x04);
	assert_memory_equal(pt + 3, pub, publen);

	sign_verify(h, "R", id, alg, pub, publen);
	/* the other curve, and RSA, do not fit */
	assert_int_equal(
		hsm_dnskey_public(h, "R", id, alg == 13 ? 14 : 13, &other, &otherlen), E_INVAL);
	assert_int_equal(hsm_dnskey_public(h, "R", id, 8, &other, &otherlen), E_INVAL);
	assert_null(other);
	assert_int_equal(hsm_delete(h, "R", id), 0);
	assert_int_equal(hsm_find(h, "R", id, NULL), E_NOTFOUND);
	free(pub);
	hsm_close(h);
}

static void
test_ecdsa_13(void **state)
{
	(void)state;
	check_ecdsa(13, 256);
}
static void
test_ecdsa_14(void **state)
{
	(void)state;
	check_ecdsa(14, 384);
}

static void
test_ed25519(void **state)
{
	struct fixture fx;
	hsm_t *h = NULL;
	char id[HSM_ID_HEX_LEN + 1];
	struct hsm_key k;
	uint8_t *pub = NULL;
	size_t publen = 0;
	int ret;

	(void)state;
	fixture_one(&fx, module, "ods-a", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	ret = hsm_generate(h, "R", 15, 0, id, NULL, NULL);
	if (!have_eddsa) {
		print_message("# token lacks CKM_EC_EDWARDS_KEY_PAIR_GEN: checking the refusal\n");
		assert_int_equal(ret, E_UNSUPPORTED);
		assert_string_equal(hsm_errmsg(h),
			"token does not support Ed25519 (CKM_EC_EDWARDS_KEY_PAIR_GEN)");
		hsm_close(h);
		return;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(hsm_find(h, "R", id, &k), 0);
	assert_int_equal(k.family, HSM_FAMILY_EDDSA);
	assert_int_equal(k.bits, 256);
	assert_int_equal(hsm_dnskey_public(h, "R", id, 15, &pub, &publen), 0);
	assert_int_equal(publen, 32);
	sign_verify(h, "R", id, 15, pub, publen);
	assert_int_equal(hsm_delete(h, "R", id), 0);
	free(pub);
	hsm_close(h);
}

static void
test_bad_module(void **state)
{
	struct fixture fx;
	hsm_t *h = NULL;

	(void)state;
	fixture_one(&fx, "/nonexistent/libnothing.so", "ods-a", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_repository_open(h, "R"), E_IO);
	assert_non_null(
		strstr(hsm_errmsg(h), "cannot load PKCS#11 module /nonexistent/libnothing.so: "));
	hsm_close(h);

	fixture_one(&fx, "/lib/x86_64-linux-gnu/libc.so.6", "ods-a", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_repository_open(h, "R"), E_IO);
	assert_string_equal(hsm_errmsg(h),
		"/lib/x86_64-linux-gnu/libc.so.6 is not a PKCS#11 module "
		"(no C_GetFunctionList)");
	hsm_close(h);
}

static void
test_token_errors(void **state)
{
	struct fixture fx;
	hsm_t *h = NULL;
	char id[HSM_ID_HEX_LEN + 1];
	char want[1200];

	(void)state;
	fixture_one(&fx, module, "no-such-token", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_repository_open(h, "R"), E_NOTFOUND);
	snprintf(want, sizeof want, "token no-such-token not found in %s", module);
	assert_string_equal(hsm_errmsg(h), want);
	assert_int_equal(hsm_repository_open(h, "Nope"), E_NOTFOUND);
	assert_string_equal(hsm_errmsg(h), "repository Nope not found in conf.xml");
	hsm_close(h);

	/* a label that is a prefix of a real one is not that one */
	fixture_one(&fx, module, "ods-", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_repository_open(h, "R"), E_NOTFOUND);
	hsm_close(h);

	fixture_one(&fx, module, "ods-a", NULL);
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_generate(h, "R", 13, 0, id, NULL, NULL), E_DENIED);
	assert_string_equal(hsm_errmsg(h), "repository R has no PIN in conf.xml");
	hsm_close(h);

	fixture_one(&fx, module, "ods-a", "9999");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_repository_open(h, "R"), E_DENIED);
	assert_string_equal(hsm_errmsg(h), "wrong PIN for repository R");
	hsm_close(h);
}

/*
 * SoftHSM 2.6.1 does not lock a user PIN: after many wrong PINs it only sets
 * CKF_USER_PIN_COUNT_LOW, and the right PIN still works. That is what we
 * check on the real token; the locked answer comes from the shim.
 */
static void
test_locked(void **state)
{
	struct fixture fx;
	hsm_t *h = NULL;
	char want[300];

	(void)state;
	fixture_one(&fx, module, "ods-b", "0000");
	for (int i = 0; i < 12; i++) {
		assert_int_equal(hsm_open(&fx.conf, &h), 0);
		assert_int_equal(hsm_repository_open(h, "R"), E_DENIED);
		assert_string_equal(hsm_errmsg(h), "wrong PIN for repository R");
		hsm_close(h);
	}
	fixture_one(&fx, module, "ods-b", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_repository_open(h, "R"), 0);
	hsm_close(h);

	if (access(shim, R_OK) != 0) {
		fail_msg("shim module %s missing (build tests/unit/p11shim.so)", shim);
		return;
	}
	setenv("P11SHIM_LOGIN_RV", "0xa4", 1); /* CKR_PIN_LOCKED */
	fixture_one(&fx, shim, "ods-b", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_repository_open(h, "R"), E_DENIED);
	snprintf(want, sizeof want, "token ods-b of repository R is locked");
	assert_string_equal(hsm_errmsg(h), want);
	hsm_close(h);
	/* the shim passes the real answer through when told nothing */
	unsetenv("P11SHIM_LOGIN_RV");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_repository_open(h, "R"), 0);
	hsm_close(h);
}

static void
test_bad_input(void **state)
{
	static const char *bad_ids[] = {
		"",
		"xyz",
		"0123456789abcdef0123456789abcde",
		"0123456789abcdef0123456789abcdef0",
		"0123456789abcdef0123456789abcdeg",
		" 123456789abcdef0123456789abcdef",
	};
	struct fixture fx;
	hsm_t *h = NULL;
	char id[HSM_ID_HEX_LEN + 1] = "unchanged";
	char want[200];
	uint8_t *pub = NULL;
	size_t publen = 0;

	(void)state;
	fixture_one(&fx, module, "ods-a", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_generate(h, "R", 8, 512, id, NULL, NULL), E_UNSUPPORTED);
	assert_string_equal(
		hsm_errmsg(h), "RSA key size 512 for algorithm 8 is out of range 1024-4096");
	assert_int_equal(hsm_generate(h, "R", 8, 8192, id, NULL, NULL), E_UNSUPPORTED);
	assert_int_equal(hsm_generate(h, "R", 10, 1023, id, NULL, NULL), E_UNSUPPORTED);
	assert_int_equal(hsm_generate(h, "R", 3, 1024, id, NULL, NULL), E_UNSUPPORTED);
	assert_string_equal(hsm_errmsg(h), "algorithm 3 is not supported");
	assert_int_equal(hsm_generate(h, "R", 16, 0, id, NULL, NULL), E_UNSUPPORTED);
	assert_string_equal(id, "unchanged");
	assert_int_equal(hsm_alg_family(8), HSM_FAMILY_RSA);
	assert_int_equal(hsm_alg_family(14), HSM_FAMILY_ECDSA);
	assert_int_equal(hsm_alg_family(15), HSM_FAMILY_EDDSA);
	assert_int_equal(hsm_alg_family(6), 0);

	for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
		assert_int_equal(hsm_find(h, "R", bad_ids[i], NULL), E_INVAL);
		snprintf(want, sizeof want, "malformed key id \"%s\": want 32 hex digits",
			bad_ids[i]);
		assert_string_equal(hsm_errmsg(h), want);
		assert_int_equal(hsm_delete(h, "R", bad_ids[i]), E_INVAL);
		assert_int_equal(hsm_dnskey_public(h, "R", bad_ids[i], 8, &pub, &publen), E_INVAL);
	}
	assert_int_equal(hsm_find(h, "R", "0123456789abcdef0123456789abcdef", NULL), E_NOTFOUND);
	assert_string_equal(
		hsm_errmsg(h), "key 0123456789abcdef0123456789abcdef not found in repository R");
	assert_int_equal(hsm_find(h, NULL, "0123456789abcdef0123456789abcdef", NULL), E_NOTFOUND);
	assert_string_equal(hsm_errmsg(h), "key 0123456789abcdef0123456789abcdef not found");
	assert_int_equal(
		hsm_dnskey_public(h, "R", "0123456789ABCDEF0123456789abcdef", 8, &pub, &publen),
		E_NOTFOUND);
	assert_null(pub);
	hsm_close(h);
	hsm_close(NULL);
}

/* Keys in two repositories on one module: list, find across, capacity count. */
static void
test_list(void **state)
{
	struct fixture fx;
	hsm_t *h = NULL;
	char a1[HSM_ID_HEX_LEN + 1], a2[HSM_ID_HEX_LEN + 1], b1[HSM_ID_HEX_LEN + 1];
	struct hsm_key *keys = NULL, k;
	size_t n = 99, bad = 99;
	char *info = NULL;
	const char *argv[] = { "pkcs11-tool", "--module", module, "--token-label", "ods-list",
		"--login", "--pin", "1234", "--keypairgen", "--key-type", "EC:prime256v1", "--id",
		"01", "--label", "foreign", NULL };
	struct spawn_result res;

	(void)state;
	memset(&fx, 0, sizeof fx);
	repo_set(&fx, 0, "L", module, "ods-list", "1234");
	repo_set(&fx, 1, "B", module, "ods-b", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_list(h, "L", &keys, &n, &bad), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bad, 0);
	free(keys);

	assert_int_equal(hsm_generate(h, "L", 8, 1024, a1, NULL, NULL), 0);
	assert_int_equal(hsm_generate(h, "L", 13, 0, a2, NULL, NULL), 0);
	assert_int_equal(hsm_generate(h, "B", 14, 0, b1, NULL, NULL), 0);
	/* a key pair made by another tool with a 1-byte CKA_ID: not usable by us */
	assert_int_equal(run(argv, &res), 0);
	spawn_result_free(&res);

	assert_int_equal(hsm_list(h, "L", &keys, &n, &bad), 0);
	assert_int_equal(n, 2);
	assert_int_equal(bad, 1);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(keys[i].repository, "L");
		if (strcmp(keys[i].id, a1) == 0) {
			assert_int_equal(keys[i].family, HSM_FAMILY_RSA);
			assert_int_equal(keys[i].bits, 1024);
		} else {
			assert_string_equal(keys[i].id, a2);
			assert_int_equal(keys[i].family, HSM_FAMILY_ECDSA);
			assert_int_equal(keys[i].bits, 256);
		}
	}
	free(keys);
	assert_int_equal(hsm_list(h, NULL, &keys, &n, NULL), 0);
	assert_int_equal(n, 3);
	free(keys);

	assert_int_equal(hsm_find(h, NULL, b1, &k), 0);
	assert_string_equal(k.repository, "B");
	assert_int_equal(k.bits, 384);
	assert_int_equal(hsm_find(h, "L", b1, &k), E_NOTFOUND);

	assert_int_equal(hsm_info(h, "L", &info), 0);
	assert_non_null(strstr(info, "Repository:            L\n"));
	assert_non_null(strstr(info, "Token Label:           ods-list\n"));
	assert_non_null(strstr(info, "Manufacturer:          SoftHSM project\n"));
	assert_non_null(strstr(info, "Keys:                  2 used (1 not usable) / "
				     "capacity unlimited\n"));
	free(info);
	assert_int_equal(hsm_info(h, NULL, &info), 0);
	assert_non_null(strstr(info, "Token Label:           ods-b\n"));
	free(info);

	assert_int_equal(hsm_delete(h, NULL, a1), 0);
	assert_int_equal(hsm_delete(h, "L", a2), 0);
	assert_int_equal(hsm_delete(h, "B", b1), 0);
	assert_int_equal(hsm_list(h, NULL, &keys, &n, &bad), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bad, 1);
	free(keys);
	hsm_close(h);
	/* both objects of each pair are gone; only the foreign pair is left */
	assert_int_equal(tool_count("ods-list", "pubkey"), 1);
	assert_int_equal(tool_count("ods-list", "privkey"), 1);
}

/* SkipPublicKey: RSA keeps no public object, ECDSA keeps it (no point on the private key). */
static void
test_skip_public(void **state)
{
	struct fixture fx;
	hsm_t *h = NULL;
	char r1[HSM_ID_HEX_LEN + 1], e1[HSM_ID_HEX_LEN + 1];
	uint8_t *pub = NULL;
	size_t publen = 0;
	int pub0 = tool_count("ods-b", "pubkey");

	(void)state;
	fixture_one(&fx, module, "ods-b", "1234");
	fx.repos[0].skip_public_key = 1;
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_generate(h, "R", 8, 1024, r1, NULL, NULL), 0);
	assert_int_equal(hsm_generate(h, "R", 13, 0, e1, NULL, NULL), 0);
	hsm_close(h);
	assert_int_equal(tool_count("ods-b", "pubkey"), pub0 + 1);

	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_dnskey_public(h, "R", r1, 8, &pub, &publen), 0);
	sign_verify(h, "R", r1, 8, pub, publen);
	free(pub);
	assert_int_equal(hsm_dnskey_public(h, "R", e1, 13, &pub, &publen), 0);
	sign_verify(h, "R", e1, 13, pub, publen);
	free(pub);
	assert_int_equal(hsm_delete(h, "R", r1), 0);
	assert_int_equal(hsm_delete(h, "R", e1), 0);
	hsm_close(h);
	assert_int_equal(tool_count("ods-b", "pubkey"), pub0);
}

/* Session public keys of this process (any session sees them), by a session of our own. */
static int
session_pubkeys(CK_FUNCTION_LIST_PTR f, CK_SLOT_ID slot)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &no, sizeof no } };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE v[64];
	CK_ULONG got = 0;

	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return -1;
	if (f->C_FindObjectsInit(s, tmpl, 2) == CKR_OK) {
		f->C_FindObjects(s, v, 64, &got);
		f->C_FindObjectsFinal(s);
	}
	f->C_CloseSession(s);
	return (int)got;
}

/* The loaded module (dlopen gives the same instance) and the slot of label. */
static void *
module_slot(const char *label, CK_FUNCTION_LIST_PTR *f, CK_SLOT_ID *slot)
{
	void *dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	CK_C_GetFunctionList getlist;
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	CK_TOKEN_INFO ti;
	size_t len = strlen(label);

	assert_non_null(dl);
	*(void **)&getlist = dlsym(dl, "C_GetFunctionList");
	assert_non_null(getlist);
	assert_int_equal(getlist(f), CKR_OK);
	assert_int_equal((*f)->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++) {
		if ((*f)->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
			memcmp(ti.label, label, len) == 0 && ti.label[len] == ' ') {
			*slot = slots[i];
			return dl;
		}
	}
	fail_msg("token %s not found", label);
	return NULL;
}

/* SkipPublicKey in a long-lived handle: no session public key is left behind. */
static void
test_skip_public_session(void **state)
{
	struct fixture fx;
	hsm_t *h = NULL;
	char id[HSM_ID_HEX_LEN + 1];
	CK_FUNCTION_LIST_PTR f = NULL;
	CK_SLOT_ID slot = 0;
	void *dl;

	(void)state;
	fixture_one(&fx, module, "ods-b", "1234");
	fx.repos[0].skip_public_key = 1;
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_generate(h, "R", 8, 1024, id, NULL, NULL), 0);
	dl = module_slot("ods-b", &f, &slot);
	assert_int_equal(session_pubkeys(f, slot), 0);
	assert_int_equal(hsm_delete(h, "R", id), 0);
	hsm_close(h);
	dlclose(dl);
}

/* Two handles share the module; closing one leaves the other working. */
static void
test_two_handles(void **state)
{
	struct fixture fx;
	hsm_t *h1 = NULL, *h2 = NULL;
	char id[HSM_ID_HEX_LEN + 1];

	(void)state;
	fixture_one(&fx, module, "ods-a", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h1), 0);
	assert_int_equal(hsm_open(&fx.conf, &h2), 0);
	assert_int_equal(hsm_generate(h1, "R", 13, 0, id, NULL, NULL), 0);
	assert_int_equal(hsm_find(h2, "R", id, NULL), 0);
	hsm_close(h1);
	assert_int_equal(hsm_delete(h2, "R", id), 0);
	hsm_close(h2);
}

/*
 * One library under two names (symlink and real path): one module entry,
 * so closing the first handle does not C_Finalize under the second.
 */
static void
test_module_alias(void **state)
{
	struct fixture fx1, fx2;
	hsm_t *h1 = NULL, *h2 = NULL;
	char *real = realpath(module, NULL);
	char id[HSM_ID_HEX_LEN + 1];
	struct hsm_key *keys = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(real);
	fixture_one(&fx1, module, "ods-a", "1234");
	fixture_one(&fx2, real, "ods-a", "1234");
	assert_int_equal(hsm_open(&fx1.conf, &h1), 0);
	assert_int_equal(hsm_open(&fx2.conf, &h2), 0);
	assert_int_equal(hsm_generate(h1, "R", 13, 0, id, NULL, NULL), 0);
	assert_int_equal(hsm_find(h2, "R", id, NULL), 0);
	hsm_close(h1);
	assert_int_equal(hsm_list(h2, "R", &keys, &n, NULL), 0);
	free(keys);
	assert_int_equal(hsm_delete(h2, "R", id), 0);
	hsm_close(h2);

	/* and both names in one handle */
	memset(&fx1, 0, sizeof fx1);
	repo_set(&fx1, 0, "A", module, "ods-a", "1234");
	repo_set(&fx1, 1, "B", real, "ods-b", "1234");
	assert_int_equal(hsm_open(&fx1.conf, &h1), 0);
	assert_int_equal(hsm_list(h1, "A", &keys, &n, NULL), 0);
	free(keys);
	assert_int_equal(hsm_list(h1, "B", &keys, &n, NULL), 0);
	free(keys);
	hsm_close(h1);
	free(real);
}

/*
 * Sessions closed behind the layer's back (as after a token reset): the
 * next call fails, the one after opens and logs in again.
 */
static void
test_session_lost(void **state)
{
	struct fixture fx;
	hsm_t *h = NULL;
	char id[HSM_ID_HEX_LEN + 1];
	CK_FUNCTION_LIST_PTR f = NULL;
	CK_SLOT_ID slot = 0;
	void *dl;

	(void)state;
	fixture_one(&fx, module, "ods-a", "1234");
	assert_int_equal(hsm_open(&fx.conf, &h), 0);
	assert_int_equal(hsm_generate(h, "R", 13, 0, id, NULL, NULL), 0);

	dl = module_slot("ods-a", &f, &slot);
	assert_int_equal(f->C_CloseAllSessions(slot), CKR_OK);

	assert_int_equal(hsm_find(h, "R", id, NULL), E_IO);
	assert_non_null(strstr(hsm_errmsg(h), "CKR_SESSION_HANDLE_INVALID"));
	assert_int_equal(hsm_find(h, "R", id, NULL), 0);
	assert_int_equal(hsm_delete(h, "R", id), 0);
	hsm_close(h);
	dlclose(dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_8_1024),
		cmocka_unit_test(test_rsa_8_2048),
		cmocka_unit_test(test_rsa_10_2048),
		cmocka_unit_test(test_rsa_5_1024),
		cmocka_unit_test(test_ecdsa_13),
		cmocka_unit_test(test_ecdsa_14),
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_bad_module),
		cmocka_unit_test(test_token_errors),
		cmocka_unit_test(test_locked),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_skip_public),
		cmocka_unit_test(test_skip_public_session),
		cmocka_unit_test(test_two_handles),
		cmocka_unit_test(test_module_alias),
		cmocka_unit_test(test_session_lost),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("hsm", tests, group_setup, group_teardown);
}
