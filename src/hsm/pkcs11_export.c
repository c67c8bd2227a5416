/*
 * pkcs11_export.c - the DNSKEY public key field of a key pair, read from the
 * token's RSA or curve attributes (see pkcs11.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "hsm/pkcs11_internal.h"

/* ---------------------------------------------------------- public key */

/* Unwrap a DER OCTET STRING if p is one of exactly that length. */
static void
unwrap_octets(const CK_BYTE **p, CK_ULONG *len)
{
	const CK_BYTE *v = *p;
	CK_ULONG n = *len, body, hdr;

	if (n < 2 || v[0] != 0x04)
		return;
	if (v[1] < 0x80) {
		body = v[1];
		hdr = 2;
	} else if (v[1] == 0x81 && n >= 3) {
		body = v[2];
		hdr = 3;
	} else if (v[1] == 0x82 && n >= 4) {
		body = ((CK_ULONG)v[2] << 8) | v[3];
		hdr = 4;
	} else {
		return;
	}
	if (hdr + body != n)
		return;
	*p = v + hdr;
	*len = body;
}

/*
 * The RFC 3110 key field of an RSA key pair: from the private object's
 * public attributes, else from its public object (pubh when the caller
 * knows it, CK_INVALID_HANDLE to look it up by id).
 */
int
p11_rsa_field(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pubh,
	const CK_BYTE id[ID_BYTES], uint8_t **key, size_t *keylen)
{
	CK_BYTE *mod = NULL, *exp = NULL;
	CK_ULONG modlen = 0, explen = 0;
	const CK_BYTE *m, *e;
	CK_OBJECT_HANDLE pub;
	uint8_t *buf = NULL, *p;
	size_t len;
	int ret;

	ret = p11_get_attr(hsm, r, priv, CKA_MODULUS, &mod, &modlen);
	if (ret == 0)
		ret = p11_get_attr(hsm, r, priv, CKA_PUBLIC_EXPONENT, &exp, &explen);
	if (ret != 0) {
		/* Not readable on this token's private keys: try the public object. */
		free(mod);
		free(exp);
		mod = exp = NULL;
		pub = pubh;
		ret = pubh != CK_INVALID_HANDLE
			      ? 0
			      : p11_find_key(hsm, r, CKO_PUBLIC_KEY, id, ID_BYTES, &pub);
		if (ret == E_NOTFOUND)
			ret = fail(hsm, E_NOTFOUND, "repository %s: no public key readable",
				r->conf->name);
		if (ret == 0)
			ret = p11_get_attr(hsm, r, pub, CKA_MODULUS, &mod, &modlen);
		if (ret == 0)
			ret = p11_get_attr(hsm, r, pub, CKA_PUBLIC_EXPONENT, &exp, &explen);
		if (ret != 0)
			goto out;
	}
	m = mod;
	e = exp;
	while (modlen > 0 && *m == 0) {
		m++;
		modlen--;
	}
	while (explen > 0 && *e == 0) {
		e++;
		explen--;
	}
	if (modlen == 0 || explen == 0 || explen > 0xffff) {
		ret = fail(hsm, E_INVAL, "repository %s: bad RSA public key", r->conf->name);
		goto out;
	}
	len = (explen > 255 ? 3 : 1) + explen + modlen;
	buf = malloc(len);
	if (buf == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	p = buf;
	if (explen > 255) {
		*p++ = 0;
		*p++ = (uint8_t)(explen >> 8);
		*p++ = (uint8_t)explen;
	} else {
		*p++ = (uint8_t)explen;
	}
	memcpy(p, e, explen);
	memcpy(p + explen, m, modlen);
	*key = buf;
	*keylen = len;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	free(mod);
	free(exp);
	return ret;
}

/* The key field of an ECDSA or Ed25519 key pair, from its public object (pubh or by id). */
int
p11_curve_field(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE pubh, const CK_BYTE id[ID_BYTES],
	enum hsm_family fam, unsigned bits, uint8_t **key, size_t *keylen)
{
	CK_OBJECT_HANDLE pub = pubh;
	CK_BYTE *pt = NULL;
	CK_ULONG ptlen = 0;
	const CK_BYTE *p;
	size_t want = fam == HSM_FAMILY_ECDSA ? 2 * (bits / 8) : 32;
	uint8_t *buf = NULL;
	int ret;

	ret = pubh != CK_INVALID_HANDLE ? 0
					: p11_find_key(hsm, r, CKO_PUBLIC_KEY, id, ID_BYTES, &pub);
	if (ret == E_NOTFOUND)
		ret = fail(hsm, E_NOTFOUND, "repository %s: the public key object is missing",
			r->conf->name);
	if (ret != 0)
		goto out;
	ret = p11_get_attr(hsm, r, pub, CKA_EC_POINT, &pt, &ptlen);
	if (ret != 0)
		goto out;
	p = pt;
	if (fam == HSM_FAMILY_ECDSA) {
		/* Raw 04|x|y, or that inside an OCTET STRING. */
		if (ptlen != want + 1)
			unwrap_octets(&p, &ptlen);
		if (ptlen != want + 1 || p[0] != 0x04) {
			ret = fail(hsm, E_INVAL, "repository %s: unexpected CKA_EC_POINT",
				r->conf->name);
			goto out;
		}
		p++;
		ptlen--;
	} else if (ptlen != want) {
		unwrap_octets(&p, &ptlen);
		if (ptlen != want) {
			ret = fail(hsm, E_INVAL, "repository %s: unexpected CKA_EC_POINT",
				r->conf->name);
			goto out;
		}
	}
	buf = malloc(want);
	if (buf == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(buf, p, want);
	*key = buf;
	*keylen = want;
	ret = 0;
out:
	free(pt);
	return ret;
}

/* Does the key (fam, bits) serve DNSSEC algorithm alg? */
int
p11_alg_matches(int alg, enum hsm_family fam, unsigned bits)
{
	if (hsm_alg_family(alg) != fam)
		return 0;
	if (alg == 13)
		return bits == 256;
	if (alg == 14)
		return bits == 384;
	return 1;
}

int
hsm_dnskey_public(
	hsm_t *hsm, const char *repository, const char *id, int alg, uint8_t **key, size_t *len)
{
	struct repo *r = NULL;
	CK_OBJECT_HANDLE obj;
	CK_BYTE raw[ID_BYTES];
	enum hsm_family fam;
	unsigned bits;
	int ret;

	if (hsm == NULL || id == NULL || key == NULL || len == NULL)
		return E_INVAL;
	ret = p11_locate(hsm, repository, id, &r, &obj, raw);
	if (ret != 0)
		goto out;
	if (p11_key_kind(hsm, r, obj, &fam, &bits) != 0) {
		ret = fail(hsm, E_INVAL, "key %s is of a kind OpenDNSSEC cannot use", id);
		goto out;
	}
	if (!p11_alg_matches(alg, fam, bits)) {
		ret = fail(hsm, E_INVAL, "key %s (%s/%u) does not fit algorithm %d", id,
			fam == HSM_FAMILY_RSA     ? "RSA"
			: fam == HSM_FAMILY_ECDSA ? "ECDSA"
						  : "EDDSA",
			bits, alg);
		goto out;
	}
	if (fam == HSM_FAMILY_RSA)
		ret = p11_rsa_field(hsm, r, obj, CK_INVALID_HANDLE, raw, key, len);
	else
		ret = p11_curve_field(hsm, r, CK_INVALID_HANDLE, raw, fam, bits, key, len);
out:
	return ret;
}
