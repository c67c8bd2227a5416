/*
 * fuzz_dnskey.c - fuzz target for DNSKEY and DS records made from arbitrary
 * public keys (src/hsm/dnskey.c): RSA modulus/exponent fields, EC points,
 * anything, under any algorithm and flags, with an arbitrary owner name.
 *
 * Input: octet 0 the algorithm, octets 1-2 the flags, octet 3 the length n
 * of the owner text that follows (n = 0: "example.com"), then the key field.
 * Checks, beyond memory safety:
 *  - the RDATA is flags, 3, algorithm, key;
 *  - the key tag equals the RFC 4034 Appendix B sum computed here over the
 *    RDATA (for algorithm 1 the octets third and second from the end);
 *  - the bits of an RSA key equal the modulus length worked out here from
 *    the RFC 3110 field, leading zero bits not counted;
 *  - an owner accepted in wire form is well formed: labels of 1..63 octets,
 *    lower case, the root label last, 255 octets at most;
 *  - DS digests are lower-case hex of 40, 64, 96 digits and equal the
 *    digest of owner wire + RDATA computed here with libcrypto;
 *  - base64 of the key decodes back to it; the DNSKEY line names the key
 *    tag and size.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "hsm/dnskey.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t
tag_here(const uint8_t *rdata, size_t len, int alg)
{
	uint32_t sum = 0;

	if (alg == 1)
		return len >= 4 + 3 ? (uint16_t)(rdata[len - 3] << 8 | rdata[len - 2]) : 0;
	for (size_t i = 0; i < len; i++)
		sum += (i % 2 == 0) ? (uint32_t)rdata[i] << 8 : rdata[i];
	sum += sum >> 16;
	return (uint16_t)sum;
}

static unsigned
rsa_bits_here(const uint8_t *key, size_t len)
{
	size_t elen, start;
	unsigned bits;

	if (len == 0)
		return 0;
	if (key[0] != 0) {
		elen = key[0];
		start = 1 + elen;
	} else {
		if (len < 3)
			return 0;
		elen = (size_t)key[1] * 256 + key[2];
		start = 3 + elen;
	}
	if (start > len)
		return 0;
	while (start < len && key[start] == 0)
		start++;
	if (start == len)
		return 0;
	bits = (unsigned)(len - start) * 8;
	for (int b = 7; b >= 0 && !(key[start] & (1u << b)); b--)
		bits--;
	return bits;
}

static void
check_wire(const uint8_t *w, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > 255)
		abort();
	for (;;) {
		size_t l;

		if (i >= len)
			abort();
		l = w[i];
		if (l == 0)
			break;
		if (l > 63 || i + 1 + l >= len)
			abort();
		for (size_t j = i + 1; j <= i + l; j++) {
			if (w[j] >= 'A' && w[j] <= 'Z')
				abort();
		}
		i += 1 + l;
	}
	if (i != len - 1)
		abort();
}

static void
check_ds(const char *owner, const struct dnskey *k, const uint8_t *wire, size_t wlen,
	const uint8_t *rdata, size_t rlen)
{
	static const struct {
		int type;
		size_t hexlen;
		const char *md;
	} types[] = { { 1, 40, "SHA1" }, { 2, 64, "SHA256" }, { 4, 96, "SHA384" } };

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		char *hex = NULL, want[2 * EVP_MAX_MD_SIZE + 1];
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();

		if (dnskey_ds_digest(owner, k, types[t].type, &hex) != 0)
			abort();
		if (strlen(hex) != types[t].hexlen ||
			strspn(hex, "0123456789abcdef") != types[t].hexlen)
			abort();
		if (ctx == NULL ||
			EVP_DigestInit_ex(ctx, EVP_get_digestbyname(types[t].md), NULL) != 1 ||
			EVP_DigestUpdate(ctx, wire, wlen) != 1 ||
			EVP_DigestUpdate(ctx, rdata, rlen) != 1 ||
			EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
			abort();
		EVP_MD_CTX_free(ctx);
		for (unsigned i = 0; i < mdlen; i++)
			(void)snprintf(want + 2 * i, 3, "%02x", md[i]);
		if (strcmp(want, hex) != 0)
			abort();
		free(hex);
	}
	if (dnskey_ds_digest(owner, k, 3, &(char *){ NULL }) != E_UNSUPPORTED)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnskey k;
	uint8_t *rdata = NULL, *back = NULL, wire[255];
	char *owner, *b64 = NULL, *line = NULL, want[64];
	size_t rlen, wlen, blen, olen;
	int owner_ok;

	if (size < 4 || size > 70000)
		return 0;
	olen = data[3];
	if (olen > size - 4)
		return 0;
	owner = olen == 0 ? strdup("example.com") : fuzz_cstr(data + 4, olen);
	if (owner == NULL)
		abort();
	k.algorithm = data[0];
	k.flags = (uint16_t)(data[1] << 8 | data[2]);
	k.protocol = 3;
	k.key = data + 4 + olen;
	k.keylen = size - 4 - olen;

	if (dnskey_rdata(&k, &rdata, &rlen) != 0) {
		/* only an RDATA over 65535 octets is refused */
		if (k.keylen + 4 <= 65535)
			abort();
		goto out;
	}
	if (rlen != 4 + k.keylen || rdata[0] != data[1] || rdata[1] != data[2] || rdata[2] != 3 ||
		rdata[3] != k.algorithm ||
		(k.keylen > 0 && memcmp(rdata + 4, k.key, k.keylen) != 0))
		abort();
	if (dnskey_keytag(&k) != tag_here(rdata, rlen, k.algorithm))
		abort();
	if ((k.algorithm == 1 || k.algorithm == 5 || k.algorithm == 7 || k.algorithm == 8 ||
		    k.algorithm == 10) &&
		dnskey_bits(&k) != rsa_bits_here(k.key, k.keylen))
		abort();

	if (dnskey_key_base64(k.key, k.keylen, &b64) != 0 || strlen(b64) != (k.keylen + 2) / 3 * 4)
		abort();
	/* an empty field encodes as "", which is not a block of base64 to decode */
	if (k.keylen > 0 && (dnskey_key_unbase64(b64, &back, &blen) != 0 || blen != k.keylen ||
				    memcmp(back, k.key, blen) != 0))
		abort();

	owner_ok = dnskey_owner_wire(owner, wire, &wlen) == 0;
	if (owner_ok) {
		check_wire(wire, wlen);
		check_ds(owner, &k, wire, wlen, rdata, rlen);
		if (dnskey_format(owner, 3600, &k, &line) != 0)
			abort();
		(void)snprintf(want, sizeof(want), ";{id = %u (%s), size = %ub}", dnskey_keytag(&k),
			(k.flags & DNSKEY_FLAG_SEP) ? "ksk" : "zsk", dnskey_bits(&k));
		/* the owner is printed as given (dnskey.h): a newline only from it */
		if (strstr(line, want) == NULL ||
			(strchr(line, '\n') != NULL && strchr(owner, '\n') == NULL))
			abort();
	} else {
		if (dnskey_ds_digest(owner, &k, 2, &(char *){ NULL }) != E_INVAL)
			abort();
	}
out:
	free(line);
	free(back);
	free(b64);
	free(rdata);
	free(owner);
	return 0;
}

#include "tests/fuzz/replay.h"
