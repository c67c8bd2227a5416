/*
 * crypto_api.h - OpenSSL's libcrypto, loaded with dlopen() the first time
 * a digest or a signature check is needed rather than linked into every
 * program: starting it costs a few milliseconds that `zone add` and the
 * other commands without keys should not pay. The files of src/hsm that
 * use libcrypto include this header after the OpenSSL ones, and call
 * crypto_api_load() before their first libcrypto call; each call then
 * goes through the table crypto_api.
 *
 * Adding a call: add the function to CRYPTO_API below.
 */
#ifndef HSM_CRYPTO_API_H
#define HSM_CRYPTO_API_H

#include <stddef.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#define CRYPTO_API(X)                                                                              \
	X(EVP_sha1)                                                                                \
	X(EVP_sha256)                                                                              \
	X(EVP_sha384)                                                                              \
	X(EVP_sha512)                                                                              \
	X(EVP_MD_CTX_new)                                                                          \
	X(EVP_MD_CTX_free)                                                                         \
	X(EVP_DigestInit_ex)                                                                       \
	X(EVP_DigestUpdate)                                                                        \
	X(EVP_DigestFinal_ex)                                                                      \
	X(EVP_Digest)                                                                              \
	X(EVP_DigestVerifyInit)                                                                    \
	X(EVP_DigestVerify)                                                                        \
	X(EVP_PKEY_CTX_new_from_name)                                                              \
	X(EVP_PKEY_CTX_free)                                                                       \
	X(EVP_PKEY_fromdata_init)                                                                  \
	X(EVP_PKEY_fromdata)                                                                       \
	X(EVP_PKEY_new_raw_public_key)                                                             \
	X(EVP_PKEY_free)                                                                           \
	X(BN_bin2bn)                                                                               \
	X(BN_free)                                                                                 \
	X(OSSL_PARAM_BLD_new)                                                                      \
	X(OSSL_PARAM_BLD_push_BN)                                                                  \
	X(OSSL_PARAM_BLD_to_param)                                                                 \
	X(OSSL_PARAM_BLD_free)                                                                     \
	X(OSSL_PARAM_free)                                                                         \
	X(OSSL_PARAM_construct_utf8_string)                                                        \
	X(OSSL_PARAM_construct_octet_string)                                                       \
	X(OSSL_PARAM_construct_end)                                                                \
	X(ECDSA_SIG_new)                                                                           \
	X(ECDSA_SIG_set0)                                                                          \
	X(ECDSA_SIG_free)                                                                          \
	X(i2d_ECDSA_SIG)                                                                           \
	X(CRYPTO_free)

struct crypto_api {
#define CRYPTO_API_MEMBER(f) __typeof__(f) *f;
	CRYPTO_API(CRYPTO_API_MEMBER)
#undef CRYPTO_API_MEMBER
};

extern struct crypto_api crypto_api;

/*
 * Load libcrypto once (later calls return at once). 0, or E_NOTFOUND with
 * one line in why saying which library or symbol is missing.
 */
int crypto_api_load(char *why, size_t whylen);

#ifndef CRYPTO_API_SELF
#define EVP_sha1 (crypto_api.EVP_sha1)
#define EVP_sha256 (crypto_api.EVP_sha256)
#define EVP_sha384 (crypto_api.EVP_sha384)
#define EVP_sha512 (crypto_api.EVP_sha512)
#define EVP_MD_CTX_new (crypto_api.EVP_MD_CTX_new)
#define EVP_MD_CTX_free (crypto_api.EVP_MD_CTX_free)
#define EVP_DigestInit_ex (crypto_api.EVP_DigestInit_ex)
#define EVP_DigestUpdate (crypto_api.EVP_DigestUpdate)
#define EVP_DigestFinal_ex (crypto_api.EVP_DigestFinal_ex)
#define EVP_Digest (crypto_api.EVP_Digest)
#define EVP_DigestVerifyInit (crypto_api.EVP_DigestVerifyInit)
#define EVP_DigestVerify (crypto_api.EVP_DigestVerify)
#define EVP_PKEY_CTX_new_from_name (crypto_api.EVP_PKEY_CTX_new_from_name)
#define EVP_PKEY_CTX_free (crypto_api.EVP_PKEY_CTX_free)
#define EVP_PKEY_fromdata_init (crypto_api.EVP_PKEY_fromdata_init)
#define EVP_PKEY_fromdata (crypto_api.EVP_PKEY_fromdata)
#define EVP_PKEY_new_raw_public_key (crypto_api.EVP_PKEY_new_raw_public_key)
#define EVP_PKEY_free (crypto_api.EVP_PKEY_free)
#define BN_bin2bn (crypto_api.BN_bin2bn)
#define BN_free (crypto_api.BN_free)
#define OSSL_PARAM_BLD_new (crypto_api.OSSL_PARAM_BLD_new)
#define OSSL_PARAM_BLD_push_BN (crypto_api.OSSL_PARAM_BLD_push_BN)
#define OSSL_PARAM_BLD_to_param (crypto_api.OSSL_PARAM_BLD_to_param)
#define OSSL_PARAM_BLD_free (crypto_api.OSSL_PARAM_BLD_free)
#define OSSL_PARAM_free (crypto_api.OSSL_PARAM_free)
#define OSSL_PARAM_construct_utf8_string (crypto_api.OSSL_PARAM_construct_utf8_string)
#define OSSL_PARAM_construct_octet_string (crypto_api.OSSL_PARAM_construct_octet_string)
#define OSSL_PARAM_construct_end (crypto_api.OSSL_PARAM_construct_end)
#define ECDSA_SIG_new (crypto_api.ECDSA_SIG_new)
#define ECDSA_SIG_set0 (crypto_api.ECDSA_SIG_set0)
#define ECDSA_SIG_free (crypto_api.ECDSA_SIG_free)
#define i2d_ECDSA_SIG (crypto_api.i2d_ECDSA_SIG)
#define CRYPTO_free (crypto_api.CRYPTO_free)
#endif

#endif
