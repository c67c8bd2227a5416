/*
 * verify.c - DNSSEC signature check from a DNSKEY public field (libcrypto 3).
 */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "hsm/crypto_api.h"

#include "common/err.h"
#include "hsm/verify.h"

/* An EVP_PKEY from an RFC 3110 field. */
static int
rsa_key(const uint8_t *pub, size_t len, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *n = NULL, *e = NULL;
	size_t explen, hdr;
	int ret = E_INVAL;

	if (len < 1)
		goto out;
	if (pub[0] != 0) {
		explen = pub[0];
		hdr = 1;
	} else {
		if (len < 3)
			goto out;
		explen = ((size_t)pub[1] << 8) | pub[2];
		hdr = 3;
	}
	if (explen == 0 || hdr + explen >= len)
		goto out;
	e = BN_bin2bn(pub + hdr, (int)explen, NULL);
	n = BN_bin2bn(pub + hdr + explen, (int)(len - hdr - explen), NULL);
	bld = OSSL_PARAM_BLD_new();
	ret = E_NOMEM;
	if (e == NULL || n == NULL || bld == NULL ||
		!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
		(params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
		(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL)
		goto out;
	ret = E_INVAL;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return ret;
}

static int
ec_key(const char *group, const uint8_t *pub, size_t len, EVP_PKEY **out)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char point[1 + 96];
	int ret = E_INVAL;

	if (len != 64 && len != 96)
		goto out;
	point[0] = 0x04;
	memcpy(point + 1, pub, len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, len + 1);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

/* r|s (2 * half bytes) to the DER ECDSA-Sig-Value libcrypto verifies. */
static int
ecdsa_der(const uint8_t *sig, size_t siglen, size_t half, unsigned char **der, int *derlen)
{
	ECDSA_SIG *s = NULL;
	BIGNUM *r = NULL, *sv = NULL;
	int ret = E_INVAL;

	*der = NULL;
	if (siglen != 2 * half)
		goto out;
	r = BN_bin2bn(sig, (int)half, NULL);
	sv = BN_bin2bn(sig + half, (int)half, NULL);
	s = ECDSA_SIG_new();
	if (r == NULL || sv == NULL || s == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	ECDSA_SIG_set0(s, r, sv);
	r = sv = NULL;
	*derlen = i2d_ECDSA_SIG(s, der);
	if (*derlen <= 0) {
		ret = E_NOMEM;
		goto out;
	}
	ret = 0;
out:
	ECDSA_SIG_free(s);
	BN_free(r);
	BN_free(sv);
	return ret;
}

int
hsm_verify(int alg, const uint8_t *pub, size_t publen, const uint8_t *data, size_t datalen,
	const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;
	const EVP_MD *hash = NULL;
	unsigned char *der = NULL;
	char why[256];
	int derlen = 0, ret;

	if (crypto_api_load(why, sizeof(why)) != 0)
		return E_UNSUPPORTED;
	switch (alg) {
	case 5:
	case 7:
	case 8:
	case 10:
		hash = alg == 8 ? EVP_sha256() : alg == 10 ? EVP_sha512() : EVP_sha1();
		ret = rsa_key(pub, publen, &key);
		break;
	case 13:
	case 14:
		hash = alg == 13 ? EVP_sha256() : EVP_sha384();
		ret = publen == (alg == 13 ? 64u : 96u)
			      ? ec_key(alg == 13 ? "P-256" : "P-384", pub, publen, &key)
			      : E_INVAL;
		if (ret == 0)
			ret = ecdsa_der(sig, siglen, publen / 2, &der, &derlen);
		if (ret == 0) {
			sig = der;
			siglen = (size_t)derlen;
		}
		break;
	case 15:
		ret = E_INVAL;
		if (publen == 32) {
			key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, publen);
			ret = key != NULL ? 0 : E_INVAL;
		}
		break;
	default: ret = E_UNSUPPORTED; break;
	}
	if (ret != 0)
		goto out;
	md = EVP_MD_CTX_new();
	if (md == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	ret = E_INVAL;
	if (EVP_DigestVerifyInit(md, NULL, hash, NULL, key) != 1)
		goto out;
	if (EVP_DigestVerify(md, sig, siglen, data, datalen) != 1)
		goto out;
	ret = 0;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return ret;
}
