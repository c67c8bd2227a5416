/*
 * dnskey.c - DNSKEY RDATA, key tag, key size, owner wire form, DS digests
 * and the presentation lines ods-ksmutil prints (see dnskey.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "hsm/crypto_api.h"

#include "common/base64.h"
#include "common/err.h"
#include "hsm/dnskey.h"

#define RDATA_HDR 4     /* flags (2), protocol (1), algorithm (1) */
#define RDATA_MAX 65535 /* RDLENGTH is 16 bits */
#define WIRE_MAX_NAME 255
#define WIRE_MAX_LABEL 63

/* DNSSEC algorithm numbers this file treats specially. */
enum {
	ALG_RSAMD5 = 1,
	ALG_DSA = 3,
	ALG_RSASHA1 = 5,
	ALG_DSA_NSEC3_SHA1 = 6,
	ALG_RSASHA1_NSEC3_SHA1 = 7,
	ALG_RSASHA256 = 8,
	ALG_RSASHA512 = 10,
	ALG_ECDSAP256SHA256 = 13,
	ALG_ECDSAP384SHA384 = 14,
	ALG_ED25519 = 15,
	ALG_ED448 = 16,
};

static int
key_ok(const struct dnskey *k)
{
	if (k == NULL)
		return 0;
	if (k->key == NULL && k->keylen > 0)
		return 0;
	return k->keylen <= RDATA_MAX - RDATA_HDR;
}

static void
rdata_header(const struct dnskey *k, uint8_t hdr[RDATA_HDR])
{
	hdr[0] = (uint8_t)(k->flags >> 8);
	hdr[1] = (uint8_t)(k->flags & 0xff);
	hdr[2] = k->protocol;
	hdr[3] = k->algorithm;
}

int
dnskey_rdata(const struct dnskey *k, uint8_t **out, size_t *len)
{
	uint8_t *buf;
	int rc = 0;

	if (!key_ok(k) || out == NULL || len == NULL) {
		rc = E_INVAL;
		goto out;
	}
	buf = malloc(RDATA_HDR + k->keylen);
	if (buf == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	rdata_header(k, buf);
	if (k->keylen > 0)
		memcpy(buf + RDATA_HDR, k->key, k->keylen);
	*out = buf;
	*len = RDATA_HDR + k->keylen;
out:
	return rc;
}

uint16_t
dnskey_keytag(const struct dnskey *k)
{
	uint8_t hdr[RDATA_HDR];
	uint32_t acc = 0;
	uint16_t tag = 0;

	if (!key_ok(k))
		goto out;
	if (k->algorithm == ALG_RSAMD5) {
		/*
		 * RSA/MD5 keys take bits 8..23 of the modulus, which ends the
		 * key field: the octets third and second from the end.
		 */
		if (k->keylen >= 3)
			tag = (uint16_t)((k->key[k->keylen - 3] << 8) | k->key[k->keylen - 2]);
		goto out;
	}
	/*
	 * The RDATA read as big-endian 16-bit words (a final odd octet is the
	 * high half of a word), summed, and the carries folded in once.
	 */
	rdata_header(k, hdr);
	for (size_t i = 0; i < RDATA_HDR; i++)
		acc += (i & 1) ? hdr[i] : (uint32_t)hdr[i] << 8;
	for (size_t i = 0; i < k->keylen; i++)
		acc += ((RDATA_HDR + i) & 1) ? k->key[i] : (uint32_t)k->key[i] << 8;
	acc += (acc >> 16) & 0xffff;
	tag = (uint16_t)(acc & 0xffff);
out:
	return tag;
}

/*
 * Bits of an RFC 3110 RSA public key field: an exponent length of one octet
 * (or a zero octet and two more), the exponent, then the modulus. Leading
 * zero bits of the modulus do not count. 0 for a field too short to hold
 * what it announces.
 */
static unsigned
rsa_bits(const uint8_t *key, size_t keylen)
{
	size_t off, elen;
	unsigned bits = 0;
	uint8_t top;

	if (keylen < 1)
		goto out;
	elen = key[0];
	off = 1;
	if (elen == 0) {
		if (keylen < 3)
			goto out;
		elen = ((size_t)key[1] << 8) | key[2];
		off = 3;
	}
	if (elen > keylen - off)
		goto out;
	off += elen;
	while (off < keylen && key[off] == 0)
		off++;
	if (off == keylen)
		goto out;
	bits = (unsigned)(keylen - off) * 8;
	for (top = key[off]; (top & 0x80) == 0; top = (uint8_t)(top << 1))
		bits--;
out:
	return bits;
}

unsigned
dnskey_bits(const struct dnskey *k)
{
	unsigned bits = 0;

	if (!key_ok(k))
		goto out;
	switch (k->algorithm) {
	case ALG_RSAMD5:
	case ALG_RSASHA1:
	case ALG_RSASHA1_NSEC3_SHA1:
	case ALG_RSASHA256:
	case ALG_RSASHA512: bits = rsa_bits(k->key, k->keylen); break;
	case ALG_DSA:
	case ALG_DSA_NSEC3_SHA1:
		/* RFC 2536: the first octet T gives a prime of 512 + 64 * T bits. */
		if (k->keylen >= 1 && k->key[0] <= 8)
			bits = 512 + 64 * (unsigned)k->key[0];
		break;
	case ALG_ECDSAP256SHA256: bits = 256; break;
	case ALG_ECDSAP384SHA384: bits = 384; break;
	case ALG_ED25519: bits = 256; break;
	case ALG_ED448: bits = 456; break;
	default: bits = (unsigned)k->keylen * 8; break;
	}
out:
	return bits;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
dnskey_owner_wire(const char *owner, uint8_t out[255], size_t *len)
{
	uint8_t wire[WIRE_MAX_NAME];
	size_t n = 0;   /* octets of wire used */
	size_t lab = 0; /* where the current label's length octet is */
	const char *p;
	int rc = E_INVAL;

	if (owner == NULL || out == NULL || len == NULL || owner[0] == '\0')
		goto out;
	if (strcmp(owner, ".") == 0) {
		wire[n++] = 0;
		goto done;
	}
	wire[n++] = 0; /* length of the first label, filled in below */
	for (p = owner; *p != '\0'; p++) {
		unsigned c = (unsigned char)*p;

		if (c == '.') {
			if (n - lab - 1 == 0)
				goto out; /* empty label */
			if (p[1] == '\0')
				break; /* the final dot */
			if (n >= WIRE_MAX_NAME)
				goto out;
			lab = n;
			wire[n++] = 0;
			continue;
		}
		if (c == '\\') {
			p++;
			if (*p == '\0')
				goto out;
			if (is_digit(p[0])) {
				if (!is_digit(p[1]) || !is_digit(p[2]))
					goto out;
				c = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
				    (unsigned)(p[2] - '0');
				if (c > 255)
					goto out;
				p += 2;
			} else {
				c = (unsigned char)*p;
			}
		}
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (n - lab - 1 >= WIRE_MAX_LABEL || n >= WIRE_MAX_NAME)
			goto out;
		wire[n++] = (uint8_t)c;
		wire[lab] = (uint8_t)(n - lab - 1);
	}
	/* The root label closes the name. */
	if (n >= WIRE_MAX_NAME)
		goto out;
	wire[n++] = 0;
done:
	memcpy(out, wire, n);
	*len = n;
	rc = 0;
out:
	return rc;
}

static const EVP_MD *
digest_md(int digest_type)
{
	switch (digest_type) {
	case 1: return EVP_sha1();
	case 2: return EVP_sha256();
	case 4: return EVP_sha384();
	default: return NULL;
	}
}

int
dnskey_ds_digest(const char *owner, const struct dnskey *k, int digest_type, char **hex)
{
	static const char xdigits[] = "0123456789abcdef";
	uint8_t wire[WIRE_MAX_NAME], hdr[RDATA_HDR], md[EVP_MAX_MD_SIZE];
	size_t wlen;
	unsigned mdlen = 0;
	const EVP_MD *type;
	EVP_MD_CTX *ctx = NULL;
	char *s, why[256];
	int rc;

	if (!key_ok(k) || hex == NULL) {
		rc = E_INVAL;
		goto out;
	}
	/* libcrypto is part of the system; not finding it is a broken installation */
	if (crypto_api_load(why, sizeof(why)) != 0) {
		rc = E_UNSUPPORTED;
		goto out;
	}
	type = digest_md(digest_type);
	if (type == NULL) {
		rc = E_UNSUPPORTED;
		goto out;
	}
	rc = dnskey_owner_wire(owner, wire, &wlen);
	if (rc != 0)
		goto out;
	rdata_header(k, hdr);
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	if (EVP_DigestInit_ex(ctx, type, NULL) != 1 || EVP_DigestUpdate(ctx, wire, wlen) != 1 ||
		EVP_DigestUpdate(ctx, hdr, sizeof(hdr)) != 1 ||
		(k->keylen > 0 && EVP_DigestUpdate(ctx, k->key, k->keylen) != 1) ||
		EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
		/* The digests are built into libcrypto; failing here is a broken library. */
		rc = E_UNSUPPORTED;
		goto out;
	}
	s = malloc((size_t)mdlen * 2 + 1);
	if (s == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	for (unsigned i = 0; i < mdlen; i++) {
		s[2 * i] = xdigits[md[i] >> 4];
		s[2 * i + 1] = xdigits[md[i] & 0x0f];
	}
	s[2 * mdlen] = '\0';
	*hex = s;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * Whether the presentation name ends in a dot that ends the name, as
 * opposed to an escaped dot ("a\." is the one label "a.", relative).
 */
static int
has_final_dot(const char *owner)
{
	size_t n = strlen(owner), bs = 0;

	if (n == 0 || owner[n - 1] != '.')
		return 0;
	while (bs < n - 1 && owner[n - 2 - bs] == '\\')
		bs++;
	return bs % 2 == 0;
}

/* The owner check shared by the two formatters; *dot is "" or ".". */
static int
owner_check(const char *owner, const char **dot)
{
	uint8_t wire[WIRE_MAX_NAME];
	size_t wlen;
	int rc;

	rc = dnskey_owner_wire(owner, wire, &wlen);
	if (rc == 0)
		*dot = has_final_dot(owner) ? "" : ".";
	return rc;
}

int
dnskey_key_base64(const uint8_t *key, size_t keylen, char **out)
{
	char *b64;

	if (out == NULL || (key == NULL && keylen > 0) || keylen > 65535)
		return E_INVAL;
	b64 = malloc(BASE64_ENCODED_SIZE(keylen));
	if (b64 == NULL)
		return E_NOMEM;
	base64_encode(key, keylen, b64);
	*out = b64;
	return 0;
}

int
dnskey_key_unbase64(const char *b64, uint8_t **key, size_t *keylen)
{
	size_t len, pad = 0, n;
	uint8_t *buf;

	if (b64 == NULL || key == NULL || keylen == NULL)
		return E_INVAL;
	len = strlen(b64);
	/* one unbroken block, as dnskey_key_base64() writes it */
	if (len == 0 || len % 4 != 0 || len > 87384 ||
		strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789+/=") != len)
		return E_PARSE;
	if (b64[len - 1] == '=')
		pad++;
	if (b64[len - 2] == '=')
		pad++;
	if (memchr(b64, '=', len - pad) != NULL)
		return E_PARSE;
	buf = malloc(len / 4 * 3 + 1);
	if (buf == NULL)
		return E_NOMEM;
	if (base64_decode(b64, len, buf, &n) != 0) {
		free(buf);
		return E_PARSE;
	}
	*key = buf;
	*keylen = n;
	return 0;
}

int
dnskey_format(const char *owner, uint32_t ttl, const struct dnskey *k, char **line)
{
	const char *dot;
	char *b64 = NULL, *s = NULL;
	int rc, n;

	if (!key_ok(k) || line == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = owner_check(owner, &dot);
	if (rc != 0)
		goto out;
	rc = dnskey_key_base64(k->key, k->keylen, &b64);
	if (rc != 0)
		goto out;
	n = asprintf(&s, "%s%s\t%lu\tIN\tDNSKEY\t%u %u %u %s ;{id = %u (%s), size = %ub}", owner,
		dot, (unsigned long)ttl, (unsigned)k->flags, (unsigned)k->protocol,
		(unsigned)k->algorithm, b64, (unsigned)dnskey_keytag(k),
		(k->flags & DNSKEY_FLAG_SEP) ? "ksk" : "zsk", dnskey_bits(k));
	if (n < 0) {
		rc = E_NOMEM;
		goto out;
	}
	*line = s;
	rc = 0;
out:
	free(b64);
	return rc;
}

int
dnskey_format_ds(
	const char *owner, uint32_t ttl, const struct dnskey *k, int digest_type, char **line)
{
	const char *dot;
	char *hex = NULL, *s = NULL;
	int rc, n;

	if (line == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = dnskey_ds_digest(owner, k, digest_type, &hex);
	if (rc != 0)
		goto out;
	rc = owner_check(owner, &dot);
	if (rc != 0)
		goto out;
	n = asprintf(&s, "%s%s\t%lu\tIN\tDS\t%u %u %d %s", owner, dot, (unsigned long)ttl,
		(unsigned)dnskey_keytag(k), (unsigned)k->algorithm, digest_type, hex);
	if (n < 0) {
		rc = E_NOMEM;
		goto out;
	}
	*line = s;
	rc = 0;
out:
	free(hex);
	return rc;
}
