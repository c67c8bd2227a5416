/*
 * pkcs11_internal.h - the structs and helpers shared by the files of the
 * PKCS#11 layer. Private to src/hsm/pkcs11*.c: callers use hsm.h.
 *
 * pkcs11_module.c   the process-wide module table (dlopen, C_Initialize)
 * pkcs11_session.c  the handle, repositories, sessions and login; messages
 * pkcs11_object.c   ids, object search, attributes, key kind, locate
 * pkcs11_keygen.c   hsm_generate()
 * pkcs11_export.c   the DNSKEY public key field, hsm_dnskey_public()
 * pkcs11.c          find, sign, delete, list, info
 *
 * Helpers return 0 or a negative code of common/err.h and, unless said
 * otherwise, leave the detail on the handle (hsm->errmsg). Out-parameters
 * are written only on success; a malloc()ed one is the caller's to free.
 */
#ifndef HSM_PKCS11_INTERNAL_H
#define HSM_PKCS11_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "hsm/hsm.h"

/* CKA_ID of the keys this layer makes: HSM_ID_HEX_LEN hex digits. */
#define ID_BYTES 16

/* A loaded module, shared by every handle in the process. */
struct module {
	char *path;
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	int finalize; /* we initialised it, so we finalise it */
	unsigned refs;
	struct module *next;
};

struct repo {
	const struct conf_repository *conf;
	struct module *mod; /* NULL until opened */
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE sess;
	int ready; /* session open and logged in */
};

struct hsm {
	const struct conf *conf;
	struct repo *repos;
	size_t nrepos;
	char errmsg[512];
};

/* DER encodings of the curve OIDs (CKA_EC_PARAMS); pkcs11_object.c. */
extern const CK_BYTE p11_oid_p256[10];
extern const CK_BYTE p11_oid_p384[7];
extern const CK_BYTE p11_oid_ed25519[5];

/* ------------------------------------------------- errors (pkcs11_session.c) */

/* The CKR_ name of rv, or "CKR 0x..." (a static buffer) for one not known. */
const char *p11_rv_name(CK_RV rv);

/* printf() into the handle's message. */
void p11_set_message(hsm_t *hsm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Set the handle's message and yield code. A macro, so that the analyzer
 * sees the code a failure path returns (it does not follow variadic calls).
 */
#define fail(hsm, code, ...) (p11_set_message((hsm), __VA_ARGS__), (code))

/*
 * A failed PKCS#11 call: "repository R: C_Xxx: CKR_..." with a class for rv.
 * When rv says the session (or its login) is gone, drop it: the next call
 * opens a session and logs in afresh.
 */
int p11_fail_rv(hsm_t *hsm, struct repo *r, const char *call, CK_RV rv);

/* ----------------------------------------------------- modules (pkcs11_module.c) */

/* The module at path, loaded and initialised on first use; one reference more. */
int p11_module_get(hsm_t *hsm, const char *path, struct module **out);

/* One reference less; the last finalises (if we initialised it) and closes. NULL: no-op. */
void p11_module_release(struct module *m);

/* -------------------------------------------------- repositories (pkcs11_session.c) */

/* The repository called name in conf.xml; E_NOTFOUND. */
int p11_repo_lookup(hsm_t *hsm, const char *name, struct repo **out);

/* Open r's session and log in, unless r is ready already. */
int p11_repo_ready(hsm_t *hsm, struct repo *r);

/* ------------------------------------------------------- objects (pkcs11_object.c) */

/* Even-length hex of 1 to max bytes into out; *len the byte count. -1 for anything else. */
int p11_hex_to_bytes(const char *hex, CK_BYTE *out, CK_ULONG max, CK_ULONG *len);

/* id as HSM_ID_HEX_LEN lower-case hex digits and a NUL. */
void p11_id_to_hex(const CK_BYTE id[ID_BYTES], char hex[HSM_ID_HEX_LEN + 1]);

/* Every object matching tmpl: a malloc()ed array in *all, the count in *n. */
int p11_find_objects(hsm_t *hsm, struct repo *r, CK_ATTRIBUTE *tmpl, CK_ULONG ntmpl,
	CK_OBJECT_HANDLE **all, CK_ULONG *n);

/*
 * The first object of class cls (CKO_PRIVATE_KEY, CKO_PUBLIC_KEY) with
 * CKA_ID id (idlen bytes) in r: *obj, or E_NOTFOUND (no message set).
 */
int p11_find_key(hsm_t *hsm, struct repo *r, CK_OBJECT_CLASS cls, const CK_BYTE *id, CK_ULONG idlen,
	CK_OBJECT_HANDLE *obj);

/* One variable-length attribute of obj, malloc()ed into *val. */
int p11_get_attr(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
	CK_BYTE **val, CK_ULONG *len);

/* One CK_ULONG attribute of obj; E_NOTFOUND (no message set). */
int p11_get_ulong(struct repo *r, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, CK_ULONG *out);

/*
 * Family and size of the private key obj; E_UNSUPPORTED (no message) when
 * it is of a kind we do not use.
 */
int p11_key_kind(
	hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE obj, enum hsm_family *fam, unsigned *bits);

/*
 * The repository holding the private key with CKA_ID id (idlen bytes): the
 * one named, or the first that has it. hexid names the key in messages.
 * E_NOTFOUND with the message "key <id> not found" (in repository R).
 */
int p11_locate_raw(hsm_t *hsm, const char *repository, const char *hexid, const CK_BYTE *id,
	CK_ULONG idlen, struct repo **rout, CK_OBJECT_HANDLE *obj);

/* p11_locate_raw() of a key id as this layer makes them (HSM_ID_HEX_LEN hex digits). */
int p11_locate(hsm_t *hsm, const char *repository, const char *hexid, struct repo **rout,
	CK_OBJECT_HANDLE *obj, CK_BYTE id[ID_BYTES]);

/* ---------------------------------------------------- public key (pkcs11_export.c) */

/*
 * The RFC 3110 key field of an RSA key pair: from the private object's
 * public attributes, else from its public object (pubh when the caller
 * knows it, CK_INVALID_HANDLE to look it up by id). *key is malloc()ed.
 */
int p11_rsa_field(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pubh,
	const CK_BYTE id[ID_BYTES], uint8_t **key, size_t *keylen);

/* The key field of an ECDSA or Ed25519 key pair, from its public object (pubh or by id). */
int p11_curve_field(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE pubh, const CK_BYTE id[ID_BYTES],
	enum hsm_family fam, unsigned bits, uint8_t **key, size_t *keylen);

/* Does the key (fam, bits) serve DNSSEC algorithm alg? */
int p11_alg_matches(int alg, enum hsm_family fam, unsigned bits);

#endif
