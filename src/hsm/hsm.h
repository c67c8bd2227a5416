/*
 * hsm.h - keys in PKCS#11 tokens (the <RepositoryList> of conf.xml).
 *
 * A repository is a (module, token label, PIN) triple. The module is
 * dlopen()ed once per path; the token is found by its label (never by slot
 * number: SoftHSM renumbers slots); one logged-in session per repository
 * per process, opened on first use and reused. Keys are found by CKA_ID,
 * 16 random bytes shown as 32 lower-case hex digits: the "locator" stored
 * in keypairs.HSMkey_id.
 *
 * Errors: 0 or a negative code of common/err.h; the detail (which
 * repository, which PKCS#11 call, the CKR_ name) is hsm_errmsg(). Never
 * prints. Not thread-safe: one hsm_t per thread (and the module table is
 * process-wide: use the layer from one thread).
 *
 * PINs come from conf.xml only: a repository without <PIN> fails with
 * E_DENIED (no prompt). PKCS#11 login state belongs to the process, so a
 * second repository (or handle) on an already logged-in token is not asked
 * for its PIN again. <SkipPublicKey/>: RSA public keys are made as session
 * objects and never stored (the DNSKEY comes from the private key's
 * modulus and exponent); ECDSA/Ed25519 keep the public object, the only
 * place the curve point is.
 */
#ifndef HSM_HSM_H
#define HSM_HSM_H

#include <stddef.h>
#include <stdint.h>

#include "config/conf.h"

typedef struct hsm hsm_t;

#define HSM_ID_HEX_LEN 32 /* CKA_ID as hex, without the NUL */

/* Key families a token holds; DNSSEC algorithms map onto them. */
enum hsm_family {
	HSM_FAMILY_RSA = 1,   /* DNSSEC 5, 7, 8, 10 */
	HSM_FAMILY_ECDSA = 2, /* 13 (P-256), 14 (P-384) */
	HSM_FAMILY_EDDSA = 3, /* 15 (Ed25519) */
};

struct hsm_key {
	char id[HSM_ID_HEX_LEN + 1];
	const char *repository; /* borrowed from the conf */
	enum hsm_family family;
	unsigned bits; /* RSA modulus bits; 256/384 for ECDSA; 256 for Ed25519 */
};

/*
 * Prepare the repositories of conf (borrowed: must outlive the handle).
 * Nothing is loaded or logged into until a repository is used.
 */
int hsm_open(const struct conf *conf, hsm_t **out);
void hsm_close(hsm_t *hsm); /* NULL is a no-op */
const char *hsm_errmsg(const hsm_t *hsm);

/*
 * Load the module, find the token and log in, now (e.g. `ods-hsmutil
 * login`, or to fail early). E_NOTFOUND: no such repository in conf;
 * E_IO: the module cannot be loaded or is not PKCS#11; E_NOTFOUND: no
 * token with that label; E_DENIED: wrong PIN or locked token.
 */
int hsm_repository_open(hsm_t *hsm, const char *repository);

/*
 * Generate a key pair for DNSSEC algorithm alg (bits for RSA; ignored for
 * the curves) on the token, as token objects: the private key sensitive and
 * not extractable unless the repository has <AllowExtraction/>. id
 * receives the new CKA_ID: 16 random bytes, not searched for on the token
 * first (a search costs a scan of every object on SoftHSM). When pub and
 * publen are not NULL, *pub (malloc()ed) receives the public key as the
 * DNSKEY key field (see hsm_dnskey_public()), read from the new objects;
 * if that fails, the new key pair is destroyed again and the call fails.
 * E_UNSUPPORTED: the algorithm, or the token refuses the mechanism or size
 * (the message says which).
 */
int hsm_generate(hsm_t *hsm, const char *repository, int alg, unsigned bits,
	char id[HSM_ID_HEX_LEN + 1], uint8_t **pub, size_t *publen);

/*
 * Look a key up by CKA_ID (hex, any case) in repository, or in every
 * repository when repository is NULL (stopping at the first repository
 * that cannot be opened). *out (may be NULL) describes it; family and bits
 * are 0 for a key of a kind we cannot use. E_NOTFOUND when no private key
 * has that id (or no such repository); E_INVAL for a malformed id.
 */
int hsm_find(hsm_t *hsm, const char *repository, const char *id, struct hsm_key *out);

/*
 * The public key of a key pair as the DNSKEY public key field for DNSSEC
 * algorithm alg (RFC 3110 for RSA, RFC 6605 x|y for ECDSA, RFC 8080 for
 * Ed25519). *key is malloc()ed. E_NOTFOUND, E_INVAL (alg does not match
 * the key's family or curve).
 */
int hsm_dnskey_public(
	hsm_t *hsm, const char *repository, const char *id, int alg, uint8_t **key, size_t *len);

/*
 * Sign data with the private key for DNSSEC algorithm alg; *sig (malloc()ed)
 * is in the DNSSEC wire form: PKCS#1 v1.5 for RSA (SHA-1 for 5/7, SHA-256
 * for 8, SHA-512 for 10), r|s for ECDSA (the data is hashed here with
 * SHA-256/384, the token signs with raw CKM_ECDSA), CKM_EDDSA for 15.
 * For `ods-hsmutil test` and a future signer. E_NOTFOUND, E_INVAL (alg
 * does not fit the key).
 */
int hsm_sign(hsm_t *hsm, const char *repository, const char *id, int alg, const uint8_t *data,
	size_t datalen, uint8_t **sig, size_t *siglen);

/*
 * Delete the key pair (private and public objects). id may also be the
 * shorter (or longer, up to 64 bytes) CKA_ID of a key made by another
 * program or an older build, as even-length hex. E_NOTFOUND when absent.
 */
int hsm_delete(hsm_t *hsm, const char *repository, const char *id);

/* Is id a CKA_ID hsm_delete() can look for (even-length hex, 1 to 64 bytes)? */
int hsm_delete_id_ok(const char *id);

/*
 * Every key pair in repository (NULL: all), for `ods-hsmutil list`,
 * capacity checks and the orphan sweep. *out is malloc()ed (free()), *n
 * its count. Objects the layer cannot use are counted in *unusable (may be
 * NULL).
 */
int hsm_list(hsm_t *hsm, const char *repository, struct hsm_key **out, size_t *n, size_t *unusable);

/* Token facts for `ods-hsmutil info`: one malloc()ed text block per repository. */
int hsm_info(hsm_t *hsm, const char *repository, char **text);

/* The DNSKEY algorithm's family, or 0 when we cannot generate it. */
enum hsm_family hsm_alg_family(int alg);

#endif
