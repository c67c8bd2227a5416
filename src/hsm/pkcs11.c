/*
 * pkcs11.c - the repositories of conf.xml as PKCS#11 tokens (hsm.h): find,
 * sign, delete, list and info here; the rest of the layer is in pkcs11_*.c,
 * sharing the private pkcs11_internal.h (which says what lives where).
 *
 * Modules are shared process-wide: one dlopen() and one C_Initialize per
 * path, reference counted over every hsm_t that uses it, C_Finalize and
 * dlclose() when the last one lets go. A module that another part of the
 * process had already initialised (CKR_CRYPTOKI_ALREADY_INITIALIZED) is
 * used but never finalised by us. Modules are opened RTLD_NODELETE: many
 * (SoftHSM among them) leave libcrypto state or exit handlers pointing into
 * their code, so unmapping them after C_Finalize is not safe, and a module
 * that stays mapped also keeps its frames readable in sanitizer reports.
 *
 * Each repository gets one read/write session on the token whose label
 * matches, opened and logged in on first use. The PIN comes from conf.xml
 * only: asking on the terminal is not this library's business, so a
 * repository without <PIN> is refused (E_DENIED).
 *
 * Key pairs: CKA_ID is 16 random bytes (getrandom(2); not looked up on
 * the token first, see new_id() in pkcs11_keygen.c), CKA_LABEL its 32 hex
 * digits. With <SkipPublicKey/> an RSA public key is made as a session
 * object only, so it never lands on the token; the DNSKEY is then read
 * from the private object's CKA_MODULUS and CKA_PUBLIC_EXPONENT (always
 * the first choice for RSA anyway). Curve keys keep their public object
 * whatever the setting: the private object has no CKA_EC_POINT to read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "hsm/crypto_api.h"

#include "common/err.h"
#include "common/strbuf.h"
#include "hsm/pkcs11_internal.h"

/* The longest CKA_ID key delete takes: keys made elsewhere or by older builds. */
#define ID_MAX 64

/* ------------------------------------------------------------------- find */

int
hsm_find(hsm_t *hsm, const char *repository, const char *id, struct hsm_key *out)
{
	struct repo *r = NULL;
	CK_OBJECT_HANDLE obj;
	CK_BYTE raw[ID_BYTES];
	struct hsm_key k;
	int ret;

	if (hsm == NULL || id == NULL)
		return E_INVAL;
	ret = p11_locate(hsm, repository, id, &r, &obj, raw);
	if (ret != 0)
		goto out;
	memset(&k, 0, sizeof k);
	p11_id_to_hex(raw, k.id);
	k.repository = r->conf->name;
	if (p11_key_kind(hsm, r, obj, &k.family, &k.bits) != 0) {
		k.family = 0;
		k.bits = 0;
	}
	if (out != NULL)
		*out = k;
	ret = 0;
out:
	return ret;
}

/* ------------------------------------------------------------------ sign */

int
hsm_sign(hsm_t *hsm, const char *repository, const char *id, int alg, const uint8_t *data,
	size_t datalen, uint8_t **sig, size_t *siglen)
{
	struct repo *r = NULL;
	CK_OBJECT_HANDLE obj;
	CK_BYTE raw[ID_BYTES];
	CK_MECHANISM mech = { 0, NULL, 0 };
	enum hsm_family fam;
	unsigned bits;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char why[256];
	const uint8_t *in = data;
	CK_ULONG inlen = datalen, outlen = 0;
	uint8_t *buf = NULL;
	CK_RV rv;
	int ret;

	if (hsm == NULL || id == NULL || (data == NULL && datalen > 0) || sig == NULL ||
		siglen == NULL)
		return E_INVAL;
	ret = p11_locate(hsm, repository, id, &r, &obj, raw);
	if (ret != 0)
		goto out;
	if (p11_key_kind(hsm, r, obj, &fam, &bits) != 0 || !p11_alg_matches(alg, fam, bits)) {
		ret = fail(hsm, E_INVAL, "key %s does not fit algorithm %d", id, alg);
		goto out;
	}
	switch (alg) {
	case 5:
	case 7: mech.mechanism = CKM_SHA1_RSA_PKCS; break;
	case 8: mech.mechanism = CKM_SHA256_RSA_PKCS; break;
	case 10: mech.mechanism = CKM_SHA512_RSA_PKCS; break;
	case 13:
	case 14:
		/* Hash here: many tokens (SoftHSM 2.6) lack CKM_ECDSA_SHA256/384. */
		if (crypto_api_load(why, sizeof(why)) != 0) {
			ret = fail(hsm, E_IO, "%s", why);
			goto out;
		}
		if (EVP_Digest(data, datalen, md, &mdlen, alg == 13 ? EVP_sha256() : EVP_sha384(),
			    NULL) != 1) {
			ret = fail(hsm, E_IO, "digest failed");
			goto out;
		}
		in = md;
		inlen = mdlen;
		mech.mechanism = CKM_ECDSA;
		break;
	default: mech.mechanism = CKM_EDDSA; break;
	}
	/*
	 * Size the buffer before C_SignInit: a C_Sign that only asks for the
	 * length (or gets CKR_BUFFER_TOO_SMALL) leaves the operation active.
	 */
	if (fam == HSM_FAMILY_RSA)
		outlen = (bits + 7) / 8;
	else if (fam == HSM_FAMILY_ECDSA)
		outlen = 2 * ((bits + 7) / 8);
	else
		outlen = 64;
	buf = malloc(outlen);
	if (buf == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	rv = r->mod->f->C_SignInit(r->sess, &mech, obj);
	if (rv != CKR_OK) {
		ret = p11_fail_rv(hsm, r, "C_SignInit", rv);
		goto out;
	}
	rv = r->mod->f->C_Sign(r->sess, (CK_BYTE_PTR)in, inlen, buf, &outlen);
	if (rv != CKR_OK) {
		ret = p11_fail_rv(hsm, r, "C_Sign", rv);
		goto out;
	}
	*sig = buf;
	*siglen = outlen;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	return ret;
}

/* ----------------------------------------------------------------- delete */

int
hsm_delete_id_ok(const char *id)
{
	CK_BYTE raw[ID_MAX];
	CK_ULONG len;

	return p11_hex_to_bytes(id, raw, ID_MAX, &len) == 0;
}

int
hsm_delete(hsm_t *hsm, const char *repository, const char *id)
{
	struct repo *r = NULL;
	CK_OBJECT_HANDLE obj, *v = NULL;
	CK_BYTE raw[ID_MAX];
	CK_ULONG n = 0, rawlen = 0;
	CK_ATTRIBUTE tmpl[] = { { CKA_ID, raw, 0 } };
	CK_RV rv;
	int ret;

	if (hsm == NULL || id == NULL)
		return E_INVAL;
	/* ids of any even length: older builds made keys with shorter ones */
	if (p11_hex_to_bytes(id, raw, ID_MAX, &rawlen) != 0)
		return fail(hsm, E_INVAL,
			"malformed key id \"%s\": want an even number of hex "
			"digits, at most %d",
			id, 2 * ID_MAX);
	tmpl[0].ulValueLen = rawlen;
	ret = p11_locate_raw(hsm, repository, id, raw, rawlen, &r, &obj);
	if (ret != 0)
		goto out;
	ret = p11_find_objects(hsm, r, tmpl, 1, &v, &n);
	if (ret != 0)
		goto out;
	/*
	 * Everything but the private key first: once it is gone the others can
	 * no longer be found (locate and list go by the private key).
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (CK_ULONG i = 0; i < n; i++) {
			CK_ULONG cls;
			int priv = p11_get_ulong(r, v[i], CKA_CLASS, &cls) == 0 &&
				   cls == CKO_PRIVATE_KEY;

			if (priv != pass)
				continue;
			rv = r->mod->f->C_DestroyObject(r->sess, v[i]);
			if (rv != CKR_OK) {
				ret = p11_fail_rv(hsm, r, "C_DestroyObject", rv);
				goto out;
			}
		}
	}
	ret = 0;
out:
	free(v);
	return ret;
}

/* ------------------------------------------------------------------- list */

static int
list_repo(
	hsm_t *hsm, struct repo *r, struct hsm_key **keys, size_t *n, size_t *cap, size_t *unusable)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof cls } };
	CK_OBJECT_HANDLE *v = NULL;
	CK_ULONG nobj = 0;
	CK_BYTE *id = NULL;
	CK_ULONG idlen = 0;
	struct hsm_key k;
	int ret;

	ret = p11_repo_ready(hsm, r);
	if (ret != 0)
		goto out;
	ret = p11_find_objects(hsm, r, tmpl, 1, &v, &nobj);
	if (ret != 0)
		goto out;
	for (CK_ULONG i = 0; i < nobj; i++) {
		free(id);
		id = NULL;
		memset(&k, 0, sizeof k);
		if (p11_get_attr(hsm, r, v[i], CKA_ID, &id, &idlen) != 0 || idlen != ID_BYTES ||
			p11_key_kind(hsm, r, v[i], &k.family, &k.bits) != 0) {
			(*unusable)++;
			continue;
		}
		p11_id_to_hex(id, k.id);
		k.repository = r->conf->name;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			struct hsm_key *nk = realloc(*keys, nc * sizeof *nk);

			if (nk == NULL) {
				ret = fail(hsm, E_NOMEM, "out of memory");
				goto out;
			}
			*keys = nk;
			*cap = nc;
		}
		(*keys)[(*n)++] = k;
	}
	ret = 0;
out:
	free(id);
	free(v);
	return ret;
}

int
hsm_list(hsm_t *hsm, const char *repository, struct hsm_key **out, size_t *n, size_t *unusable)
{
	struct hsm_key *keys = NULL;
	size_t count = 0, cap = 0, bad = 0;
	struct repo *r;
	int ret;

	if (hsm == NULL || out == NULL || n == NULL)
		return E_INVAL;
	if (repository != NULL) {
		ret = p11_repo_lookup(hsm, repository, &r);
		if (ret == 0)
			ret = list_repo(hsm, r, &keys, &count, &cap, &bad);
		if (ret != 0)
			goto out;
	} else {
		for (size_t i = 0; i < hsm->nrepos; i++) {
			ret = list_repo(hsm, &hsm->repos[i], &keys, &count, &cap, &bad);
			if (ret != 0)
				goto out;
		}
	}
	*out = keys;
	*n = count;
	if (unusable != NULL)
		*unusable = bad;
	keys = NULL;
	ret = 0;
out:
	free(keys);
	return ret;
}

/* ------------------------------------------------------------------- info */

static int
blank_len(const CK_UTF8CHAR *s, int n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
		n--;
	return n;
}

static void
fmt_count(char *dst, size_t dstlen, CK_ULONG v)
{
	if (v == CK_UNAVAILABLE_INFORMATION)
		snprintf(dst, dstlen, "unknown");
	else if (v == CK_EFFECTIVELY_INFINITE)
		snprintf(dst, dstlen, "unlimited");
	else
		snprintf(dst, dstlen, "%lu", (unsigned long)v);
}

/* Append the description of one repository to text. */
static int
info_repo(hsm_t *hsm, struct repo *r, struct strbuf *text)
{
	CK_TOKEN_INFO ti;
	struct hsm_key *keys = NULL;
	size_t n = 0, cap = 0, bad = 0;
	char freemem[32], totalmem[32], capacity[32];
	CK_RV rv;
	int ret;

	ret = list_repo(hsm, r, &keys, &n, &cap, &bad);
	if (ret != 0)
		goto out;
	rv = r->mod->f->C_GetTokenInfo(r->slot, &ti);
	if (rv != CKR_OK) {
		ret = p11_fail_rv(hsm, r, "C_GetTokenInfo", rv);
		goto out;
	}
	fmt_count(freemem, sizeof freemem, ti.ulFreePublicMemory);
	fmt_count(totalmem, sizeof totalmem, ti.ulTotalPublicMemory);
	if (r->conf->capacity > 0)
		snprintf(capacity, sizeof capacity, "%ld", r->conf->capacity);
	else
		snprintf(capacity, sizeof capacity, "unlimited");
	strbuf_printf(text,
		"Repository:            %s\n"
		"Module:                %s\n"
		"Slot:                  %lu\n"
		"Token Label:           %.*s\n"
		"Manufacturer:          %.*s\n"
		"Model:                 %.*s\n"
		"Serial:                %.*s\n"
		"Keys:                  %zu used (%zu not usable) / capacity %s\n"
		"Public memory:         %s free / %s total\n",
		r->conf->name, r->conf->module, (unsigned long)r->slot, blank_len(ti.label, 32),
		(const char *)ti.label, blank_len(ti.manufacturerID, 32),
		(const char *)ti.manufacturerID, blank_len(ti.model, 16), (const char *)ti.model,
		blank_len(ti.serialNumber, 16), (const char *)ti.serialNumber, n, bad, capacity,
		freemem, totalmem);
	ret = strbuf_status(text);
	if (ret != 0)
		ret = fail(hsm, ret, "out of memory");
out:
	free(keys);
	return ret;
}

int
hsm_info(hsm_t *hsm, const char *repository, char **text)
{
	struct strbuf buf = STRBUF_INIT;
	struct repo *r;
	char *s;
	int ret;

	if (hsm == NULL || text == NULL)
		return E_INVAL;
	if (repository != NULL) {
		ret = p11_repo_lookup(hsm, repository, &r);
		if (ret == 0)
			ret = info_repo(hsm, r, &buf);
		if (ret != 0)
			goto out;
	} else {
		for (size_t i = 0; i < hsm->nrepos; i++) {
			if (i > 0) {
				strbuf_str(&buf, "\n");
				if ((ret = strbuf_status(&buf)) != 0)
					goto out;
			}
			ret = info_repo(hsm, &hsm->repos[i], &buf);
			if (ret != 0)
				goto out;
		}
	}
	/* no repository at all gives "", not NULL */
	s = strbuf_take(&buf);
	if (s == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	*text = s;
	ret = 0;
out:
	strbuf_free(&buf);
	return ret;
}
