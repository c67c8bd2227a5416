/*
 * pkcs11_object.c - key objects on a token: ids, searches, attributes, the
 * kind and size of a key, and finding a key by id (see pkcs11.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "hsm/pkcs11_internal.h"

/* DER encodings of the curve OIDs (CKA_EC_PARAMS). */
const CK_BYTE p11_oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
const CK_BYTE p11_oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
const CK_BYTE p11_oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
/* PrintableString "edwards25519", the other form PKCS#11 3.0 allows. */
static const CK_BYTE str_ed25519[] = { 0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5',
	'1', '9' };

/* ---------------------------------------------------------------- objects */

/* Even-length hex of 1 to max bytes into out; *len the byte count. -1 for anything else. */
int
p11_hex_to_bytes(const char *hex, CK_BYTE *out, CK_ULONG max, CK_ULONG *len)
{
	size_t n = hex != NULL ? strlen(hex) : 0;

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = hex[2 * i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -1;
		}
		out[i] = (CK_BYTE)v;
	}
	*len = (CK_ULONG)(n / 2);
	return 0;
}

static int
hex_to_id(hsm_t *hsm, const char *hex, CK_BYTE id[ID_BYTES])
{
	CK_ULONG len;

	if (hex != NULL && strlen(hex) == HSM_ID_HEX_LEN &&
		p11_hex_to_bytes(hex, id, ID_BYTES, &len) == 0)
		return 0;
	return fail(hsm, E_INVAL, "malformed key id \"%s\": want %d hex digits",
		hex != NULL ? hex : "", HSM_ID_HEX_LEN);
}

void
p11_id_to_hex(const CK_BYTE id[ID_BYTES], char hex[HSM_ID_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < ID_BYTES; i++) {
		hex[2 * i] = digits[id[i] >> 4];
		hex[2 * i + 1] = digits[id[i] & 15];
	}
	hex[HSM_ID_HEX_LEN] = '\0';
}

/* Every object matching tmpl: a malloc()ed array in *all, the count in *n. */
int
p11_find_objects(hsm_t *hsm, struct repo *r, CK_ATTRIBUTE *tmpl, CK_ULONG ntmpl,
	CK_OBJECT_HANDLE **all, CK_ULONG *n)
{
	CK_FUNCTION_LIST_PTR f = r->mod->f;
	CK_OBJECT_HANDLE *v = NULL, *nv;
	CK_ULONG cap = 0, used = 0, got;
	CK_RV rv;
	int ret, active = 0;

	rv = f->C_FindObjectsInit(r->sess, tmpl, ntmpl);
	if (rv != CKR_OK) {
		ret = p11_fail_rv(hsm, r, "C_FindObjectsInit", rv);
		goto out;
	}
	active = 1;
	for (;;) {
		if (used == cap) {
			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof *v);
			if (nv == NULL) {
				ret = fail(hsm, E_NOMEM, "out of memory");
				goto out;
			}
			v = nv;
		}
		rv = f->C_FindObjects(r->sess, v + used, cap - used, &got);
		if (rv != CKR_OK) {
			ret = p11_fail_rv(hsm, r, "C_FindObjects", rv);
			goto out;
		}
		if (got == 0)
			break;
		used += got;
	}
	*all = v;
	*n = used;
	v = NULL;
	ret = 0;
out:
	if (active && r->ready)
		f->C_FindObjectsFinal(r->sess);
	free(v);
	return ret;
}

/*
 * The first object of class cls (CKO_PRIVATE_KEY, CKO_PUBLIC_KEY) with CKA_ID id
 * (idlen bytes) in r: *obj, or E_NOTFOUND (no message set).
 */
int
p11_find_key(hsm_t *hsm, struct repo *r, CK_OBJECT_CLASS cls, const CK_BYTE *id, CK_ULONG idlen,
	CK_OBJECT_HANDLE *obj)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_ID, (void *)id, idlen },
	};
	CK_OBJECT_HANDLE *v = NULL;
	CK_ULONG n = 0;
	int ret;

	ret = p11_find_objects(hsm, r, tmpl, 2, &v, &n);
	if (ret != 0)
		goto out;
	if (n == 0) {
		ret = E_NOTFOUND;
		goto out;
	}
	*obj = v[0];
	ret = 0;
out:
	free(v);
	return ret;
}

/* One variable-length attribute of obj, malloc()ed into *val. */
int
p11_get_attr(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
	CK_BYTE **val, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_BYTE *buf = NULL;
	CK_RV rv;
	int ret;

	rv = r->mod->f->C_GetAttributeValue(r->sess, obj, &a, 1);
	if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
		ret = p11_fail_rv(hsm, r, "C_GetAttributeValue",
			rv != CKR_OK ? rv : CKR_ATTRIBUTE_TYPE_INVALID);
		goto out;
	}
	buf = malloc(a.ulValueLen + 1);
	if (buf == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	a.pValue = buf;
	rv = r->mod->f->C_GetAttributeValue(r->sess, obj, &a, 1);
	if (rv != CKR_OK) {
		ret = p11_fail_rv(hsm, r, "C_GetAttributeValue", rv);
		goto out;
	}
	*val = buf;
	*len = a.ulValueLen;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	return ret;
}

int
p11_get_ulong(struct repo *r, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, CK_ULONG *out)
{
	CK_ULONG v;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	if (r->mod->f->C_GetAttributeValue(r->sess, obj, &a, 1) != CKR_OK ||
		a.ulValueLen != sizeof v)
		return E_NOTFOUND;
	*out = v;
	return 0;
}

static unsigned
bignum_bits(const CK_BYTE *p, CK_ULONG len)
{
	unsigned bits;

	while (len > 0 && *p == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	bits = (unsigned)(len - 1) * 8;
	for (CK_BYTE b = *p; b != 0; b >>= 1)
		bits++;
	return bits;
}

static int
params_eq(const CK_BYTE *p, CK_ULONG len, const CK_BYTE *want, size_t wlen)
{
	return len == wlen && memcmp(p, want, wlen) == 0;
}

/*
 * Family and size of the private key obj; E_UNSUPPORTED (no message) when
 * it is of a kind we do not use.
 */
int
p11_key_kind(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE obj, enum hsm_family *fam, unsigned *bits)
{
	CK_ULONG type, len = 0;
	CK_BYTE *val = NULL;
	int ret;

	if (p11_get_ulong(r, obj, CKA_KEY_TYPE, &type) != 0)
		return E_UNSUPPORTED;
	if (type == CKK_RSA) {
		ret = p11_get_attr(hsm, r, obj, CKA_MODULUS, &val, &len);
		if (ret != 0) {
			ret = E_UNSUPPORTED;
			goto out;
		}
		*fam = HSM_FAMILY_RSA;
		*bits = bignum_bits(val, len);
		ret = *bits > 0 ? 0 : E_UNSUPPORTED;
	} else if (type == CKK_EC || type == CKK_EC_EDWARDS) {
		ret = p11_get_attr(hsm, r, obj, CKA_EC_PARAMS, &val, &len);
		if (ret != 0) {
			ret = E_UNSUPPORTED;
			goto out;
		}
		ret = 0;
		if (type == CKK_EC && params_eq(val, len, p11_oid_p256, sizeof p11_oid_p256)) {
			*fam = HSM_FAMILY_ECDSA;
			*bits = 256;
		} else if (type == CKK_EC &&
			   params_eq(val, len, p11_oid_p384, sizeof p11_oid_p384)) {
			*fam = HSM_FAMILY_ECDSA;
			*bits = 384;
		} else if (type == CKK_EC_EDWARDS &&
			   (params_eq(val, len, p11_oid_ed25519, sizeof p11_oid_ed25519) ||
				   params_eq(val, len, str_ed25519, sizeof str_ed25519))) {
			*fam = HSM_FAMILY_EDDSA;
			*bits = 256;
		} else {
			ret = E_UNSUPPORTED;
		}
	} else {
		ret = E_UNSUPPORTED;
	}
out:
	free(val);
	return ret;
}

/*
 * The repository holding the private key with CKA_ID id (idlen bytes): the
 * one named, or the first that has it. hexid names the key in messages.
 */
int
p11_locate_raw(hsm_t *hsm, const char *repository, const char *hexid, const CK_BYTE *id,
	CK_ULONG idlen, struct repo **rout, CK_OBJECT_HANDLE *obj)
{
	struct repo *r = NULL;
	int ret;

	if (repository != NULL) {
		ret = p11_repo_lookup(hsm, repository, &r);
		if (ret == 0)
			ret = p11_repo_ready(hsm, r);
		if (ret == 0)
			ret = p11_find_key(hsm, r, CKO_PRIVATE_KEY, id, idlen, obj);
		if (ret == 0)
			*rout = r;
		else if (ret == E_NOTFOUND && r != NULL && r->ready)
			p11_set_message(
				hsm, "key %s not found in repository %s", hexid, repository);
		return ret;
	}
	for (size_t i = 0; i < hsm->nrepos; i++) {
		r = &hsm->repos[i];
		ret = p11_repo_ready(hsm, r);
		if (ret == 0)
			ret = p11_find_key(hsm, r, CKO_PRIVATE_KEY, id, idlen, obj);
		if (ret == 0) {
			*rout = r;
			return 0;
		}
		if (ret != E_NOTFOUND)
			return ret;
	}
	return fail(hsm, E_NOTFOUND, "key %s not found", hexid);
}

/* p11_locate_raw() of a key id as this layer makes them (HSM_ID_HEX_LEN hex digits). */
int
p11_locate(hsm_t *hsm, const char *repository, const char *hexid, struct repo **rout,
	CK_OBJECT_HANDLE *obj, CK_BYTE id[ID_BYTES])
{
	int ret = hex_to_id(hsm, hexid, id);

	return ret != 0 ? ret : p11_locate_raw(hsm, repository, hexid, id, ID_BYTES, rout, obj);
}
