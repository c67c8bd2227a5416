/*
 * pkcs11_keygen.c - key pair generation: RSA, ECDSA P-256/P-384 and Ed25519
 * key pairs with fresh random ids (see pkcs11.c).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/err.h"
#include "common/random.h"
#include "hsm/pkcs11_internal.h"

/* --------------------------------------------------------------- generate */

enum hsm_family
hsm_alg_family(int alg)
{
	switch (alg) {
	case 5:
	case 7:
	case 8:
	case 10: return HSM_FAMILY_RSA;
	case 13:
	case 14: return HSM_FAMILY_ECDSA;
	case 15: return HSM_FAMILY_EDDSA;
	default: return 0;
	}
}

/* Is mech offered by the token? *info receives its details. */
static int
has_mechanism(hsm_t *hsm, struct repo *r, CK_MECHANISM_TYPE mech, CK_MECHANISM_INFO *info)
{
	CK_RV rv = r->mod->f->C_GetMechanismInfo(r->slot, mech, info);

	(void)hsm;
	return rv == CKR_OK;
}

/*
 * A fresh random id: 16 bytes from the CSPRNG. Looking for it on the token
 * first would cost a scan of every object per key (SoftHSM searches
 * linearly, so generating N keys took O(N^2)); a collision of two 128-bit
 * random values is not a risk worth that (1 in 10^26 for a million keys).
 */
static int
new_id(hsm_t *hsm, CK_BYTE id[ID_BYTES])
{
	if (random_bytes(id, ID_BYTES) != 0)
		return fail(hsm, E_IO, "no random bytes for a key id: %s", strerror(errno));
	return 0;
}

int
hsm_generate(hsm_t *hsm, const char *repository, int alg, unsigned bits,
	char id[HSM_ID_HEX_LEN + 1], uint8_t **pubkey, size_t *pubkeylen)
{
	static const CK_BYTE exponent[] = { 0x01, 0x00, 0x01 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BBOOL pubtoken = CK_TRUE, extract;
	CK_OBJECT_CLASS pubcls = CKO_PUBLIC_KEY, privcls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE ktype;
	CK_ULONG modbits = bits;
	CK_BYTE keyid[ID_BYTES];
	char hex[HSM_ID_HEX_LEN + 1];
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_MECHANISM_INFO mi;
	CK_ATTRIBUTE pub[10], priv[12];
	CK_ULONG npub = 0, npriv = 0;
	CK_OBJECT_HANDLE hpub, hpriv;
	const CK_BYTE *params = NULL;
	size_t paramslen = 0;
	const char *what;
	struct repo *r;
	CK_RV rv;
	int ret;

	if (hsm == NULL || repository == NULL || id == NULL)
		return E_INVAL;
	ret = p11_repo_lookup(hsm, repository, &r);
	if (ret != 0)
		goto out;
	switch (hsm_alg_family(alg)) {
	case HSM_FAMILY_RSA:
		if (bits < 1024 || bits > 4096) {
			ret = fail(hsm, E_UNSUPPORTED,
				"RSA key size %u for algorithm %d is out of range 1024-4096", bits,
				alg);
			goto out;
		}
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		ktype = CKK_RSA;
		what = "RSA (CKM_RSA_PKCS_KEY_PAIR_GEN)";
		break;
	case HSM_FAMILY_ECDSA:
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		ktype = CKK_EC;
		params = alg == 13 ? p11_oid_p256 : p11_oid_p384;
		paramslen = alg == 13 ? sizeof p11_oid_p256 : sizeof p11_oid_p384;
		what = "ECDSA (CKM_EC_KEY_PAIR_GEN)";
		break;
	case HSM_FAMILY_EDDSA:
		mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
		ktype = CKK_EC_EDWARDS;
		params = p11_oid_ed25519;
		paramslen = sizeof p11_oid_ed25519;
		what = "Ed25519 (CKM_EC_EDWARDS_KEY_PAIR_GEN)";
		break;
	default: ret = fail(hsm, E_UNSUPPORTED, "algorithm %d is not supported", alg); goto out;
	}
	ret = p11_repo_ready(hsm, r);
	if (ret != 0)
		goto out;
	if (!has_mechanism(hsm, r, mech.mechanism, &mi)) {
		ret = fail(hsm, E_UNSUPPORTED, "token does not support %s", what);
		goto out;
	}
	if (ktype == CKK_RSA && mi.ulMaxKeySize != 0 &&
		(bits < mi.ulMinKeySize || bits > mi.ulMaxKeySize)) {
		ret = fail(hsm, E_UNSUPPORTED, "token refuses RSA key size %u (range %lu-%lu)",
			bits, (unsigned long)mi.ulMinKeySize, (unsigned long)mi.ulMaxKeySize);
		goto out;
	}
	ret = new_id(hsm, keyid);
	if (ret != 0)
		goto out;
	p11_id_to_hex(keyid, hex);
	extract = r->conf->allow_extraction ? CK_TRUE : CK_FALSE;
	if (ktype == CKK_RSA && r->conf->skip_public_key)
		pubtoken = CK_FALSE;

#define ADD(t, n, a_type, a_val, a_len)                                                            \
	do {                                                                                       \
		t[n].type = (a_type);                                                              \
		t[n].pValue = (void *)(a_val);                                                     \
		t[n].ulValueLen = (a_len);                                                         \
		n++;                                                                               \
	} while (0)
	ADD(pub, npub, CKA_CLASS, &pubcls, sizeof pubcls);
	ADD(pub, npub, CKA_KEY_TYPE, &ktype, sizeof ktype);
	ADD(pub, npub, CKA_TOKEN, &pubtoken, sizeof pubtoken);
	ADD(pub, npub, CKA_VERIFY, &yes, sizeof yes);
	ADD(pub, npub, CKA_ID, keyid, sizeof keyid);
	ADD(pub, npub, CKA_LABEL, hex, HSM_ID_HEX_LEN);
	if (ktype == CKK_RSA) {
		ADD(pub, npub, CKA_ENCRYPT, &no, sizeof no);
		ADD(pub, npub, CKA_WRAP, &no, sizeof no);
		ADD(pub, npub, CKA_MODULUS_BITS, &modbits, sizeof modbits);
		ADD(pub, npub, CKA_PUBLIC_EXPONENT, exponent, sizeof exponent);
	} else {
		ADD(pub, npub, CKA_EC_PARAMS, params, paramslen);
	}
	ADD(priv, npriv, CKA_CLASS, &privcls, sizeof privcls);
	ADD(priv, npriv, CKA_KEY_TYPE, &ktype, sizeof ktype);
	ADD(priv, npriv, CKA_TOKEN, &yes, sizeof yes);
	ADD(priv, npriv, CKA_PRIVATE, &yes, sizeof yes);
	ADD(priv, npriv, CKA_SENSITIVE, &yes, sizeof yes);
	ADD(priv, npriv, CKA_EXTRACTABLE, &extract, sizeof extract);
	ADD(priv, npriv, CKA_SIGN, &yes, sizeof yes);
	ADD(priv, npriv, CKA_ID, keyid, sizeof keyid);
	ADD(priv, npriv, CKA_LABEL, hex, HSM_ID_HEX_LEN);
	if (ktype == CKK_RSA) {
		ADD(priv, npriv, CKA_DECRYPT, &no, sizeof no);
		ADD(priv, npriv, CKA_UNWRAP, &no, sizeof no);
	}
#undef ADD
	rv = r->mod->f->C_GenerateKeyPair(r->sess, &mech, pub, npub, priv, npriv, &hpub, &hpriv);
	if (rv != CKR_OK) {
		ret = p11_fail_rv(hsm, r, "C_GenerateKeyPair", rv);
		goto out;
	}
	/* the DNSKEY field, read from the new objects: no search of the token */
	if (pubkey != NULL && pubkeylen != NULL) {
		if (ktype == CKK_RSA)
			ret = p11_rsa_field(hsm, r, hpriv, hpub, keyid, pubkey, pubkeylen);
		else
			ret = p11_curve_field(hsm, r, hpub, keyid,
				ktype == CKK_EC ? HSM_FAMILY_ECDSA : HSM_FAMILY_EDDSA,
				alg == 14 ? 384 : 256, pubkey, pubkeylen);
	}
	/*
	 * A session public key would live as long as the session: drop it now,
	 * the DNSKEY comes from the private object's CKA_MODULUS.
	 */
	if (pubtoken == CK_FALSE)
		(void)r->mod->f->C_DestroyObject(r->sess, hpub);
	if (ret != 0) {
		/* the caller never hears of this id: do not leave it on the token */
		(void)r->mod->f->C_DestroyObject(r->sess, hpriv);
		if (pubtoken == CK_TRUE)
			(void)r->mod->f->C_DestroyObject(r->sess, hpub);
		goto out;
	}
	memcpy(id, hex, sizeof hex);
	ret = 0;
out:
	return ret;
}
