/*
 * test_dnskey.c - DNSKEY RDATA, key tag, key size, owner wire form, DS
 * digests and presentation lines (src/hsm/dnskey.h).
 *
 * The published vectors are RFC 4034 section 5.4 (RSA/SHA-1), RFC 6605
 * section 6 (ECDSA P-256 and P-384) and RFC 8080 section 6 (Ed25519 and
 * Ed448). Every expected key tag, size, digest and line below was also
 * computed with two independent programs, ldns-key2ds / ldns-read-zone
 * (ldnsutils) and dnssec-dsfromkey (BIND 9.18), and they agree, except where
 * a comment says otherwise. The digests the RFCs do not print (other digest
 * types) come from those programs only.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "common/err.h"
#include "hsm/dnskey.h"

struct vector {
	const char *owner;
	uint32_t ttl;
	uint16_t flags;
	uint8_t algorithm;
	const char *b64; /* the public key field as published */
	uint16_t tag;
	unsigned bits;
	const char *line; /* dnskey_format() of the above (ldns-read-zone prints it so) */
};

static const struct vector vectors[] = {
	/* 0: RFC 4034 section 5.4 (a zone key without the SEP bit). */
	{ "dskey.example.com.", 86400, 256, 5,
		"AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZ"
		"DRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc"
		"nOf+EPbtG9DMBmADjFDc2w/rljwvFw==",
		60485, 1024,
		"dskey.example.com.\t86400\tIN\tDNSKEY\t256 3 5 "
		"AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZ"
		"DRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc"
		"nOf+EPbtG9DMBmADjFDc2w/rljwvFw== ;{id = 60485 (zsk), size = 1024b}" },
	/* 1: RFC 6605 section 6.1, ECDSA P-256. */
	{ "example.net.", 3600, 257, 13,
		"GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+"
		"Wi9xMWyQLc8NAA==",
		55648, 256,
		"example.net.\t3600\tIN\tDNSKEY\t257 3 13 "
		"GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+"
		"Wi9xMWyQLc8NAA== ;{id = 55648 (ksk), size = 256b}" },
	/* 2: RFC 6605 section 6.2, ECDSA P-384. */
	{ "example.net.", 3600, 257, 14,
		"xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X"
		"1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
		10771, 384,
		"example.net.\t3600\tIN\tDNSKEY\t257 3 14 "
		"xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X"
		"1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40"
		" ;{id = 10771 (ksk), size = 384b}" },
	/* 3: RFC 8080 section 6.1, Ed25519. */
	{ "example.com.", 3600, 257, 15, "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", 3613, 256,
		"example.com.\t3600\tIN\tDNSKEY\t257 3 15 "
		"l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4= ;{id = 3613 (ksk), size = 256b}" },
	/*
	 * 4: RFC 8080 section 6.2, Ed448. The DS digest is the RFC's; the key
	 * tag is 9713 as both ldns and BIND compute it from these key bytes.
	 */
	{ "example.com.", 3600, 257, 16,
		"3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA",
		9713, 456,
		"example.com.\t3600\tIN\tDNSKEY\t257 3 16 "
		"3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA"
		" ;{id = 9713 (ksk), size = 456b}" },
	/* 5: an RSA/SHA-256 2048-bit KSK made once with dnssec-keygen (public part only). */
	{ "example.org", 3600, 257, 8,
		"AwEAAe0jryRdUspWT16/eoKS9clJtVmR4XsNwV1afIHPEZIpVWjPOKCkbrFEul59rBUaJNjN"
		"0P8TjuVCNsroDqenbWDxq9KdXx2McA1SrOoaAmM3CNDT+NZRrTkjfJpsRMx4ABcQGP1zXntp"
		"Id6oFbN2b19JQXqIzInPqYUaPviBM9MdrzspvqInQJqFpfdryd5E/izRCf1reEfXlTO+6jW4"
		"SjHK+ul147a2pwoegNmJsP+NZgwsEmzssXBN0kvj2k9+B1+8plndml1COGT6SDXi8/dOdYtB"
		"6L0ZDURWkAvavBDaLjOmX545d2g8KSX5QnR6fvkPLV9h8r1o+yDdSfyDOY0=",
		31729, 2048,
		"example.org.\t3600\tIN\tDNSKEY\t257 3 8 "
		"AwEAAe0jryRdUspWT16/eoKS9clJtVmR4XsNwV1afIHPEZIpVWjPOKCkbrFEul59rBUaJNjN"
		"0P8TjuVCNsroDqenbWDxq9KdXx2McA1SrOoaAmM3CNDT+NZRrTkjfJpsRMx4ABcQGP1zXntp"
		"Id6oFbN2b19JQXqIzInPqYUaPviBM9MdrzspvqInQJqFpfdryd5E/izRCf1reEfXlTO+6jW4"
		"SjHK+ul147a2pwoegNmJsP+NZgwsEmzssXBN0kvj2k9+B1+8plndml1COGT6SDXi8/dOdYtB"
		"6L0ZDURWkAvavBDaLjOmX545d2g8KSX5QnR6fvkPLV9h8r1o+yDdSfyDOY0="
		" ;{id = 31729 (ksk), size = 2048b}" },
	/*
	 * 6: RSA/MD5 with a made-up key: exponent 3, a 512-bit modulus C0 11 .. 11
	 * AB CD EF. The tag is the modulus octets AB CD = 43981 (RFC 4034
	 * Appendix B.1), as ldns computes it; BIND 9.18 no longer special-cases
	 * algorithm 1 and reports the plain checksum, 37792.
	 */
	{ "md5.example", 3600, 257, 1,
		"AQPAERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERER"
		"ERERERERERERq83v",
		43981, 512,
		"md5.example.\t3600\tIN\tDNSKEY\t257 3 1 "
		"AQPAERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERER"
		"ERERERERERERq83v ;{id = 43981 (ksk), size = 512b}" },
	/* 7: the Ed25519 key of vector 3 at the root. */
	{ ".", 3600, 257, 15, "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", 3613, 256,
		".\t3600\tIN\tDNSKEY\t257 3 15 "
		"l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4= ;{id = 3613 (ksk), size = 256b}" },
	/* 8: the same key under a name in mixed case with an escaped dot in a label. */
	{ "a\\046B.Example.COM", 3600, 257, 15,
		"l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", 3613, 256,
		"a\\046B.Example.COM.\t3600\tIN\tDNSKEY\t257 3 15 "
		"l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4= ;{id = 3613 (ksk), size = 256b}" },
};

#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

struct ds_vector {
	size_t v; /* index into vectors[] */
	int type;
	const char *hex;
};

static const struct ds_vector ds_vectors[] = {
	/* RFC 4034 section 5.4 prints the SHA-1 one. */
	{ 0, 1, "2bb183af5f22588179a53b0a98631fad1a292118" },
	{ 0, 2, "d4b7d520e7bb5f0f67674a0cceb1e3e0614b93c4f9e99b8383f6a1e4469da50a" },
	{ 0, 4,
		"ab64dbebe13c0b6bae558b78ccab93b836f8ada4cbed2d4484a8715a819de7b9e846315e70ea5d884b"
		"377394bdaf16a3" },
	/* RFC 6605 section 6.1 prints the SHA-256 one. */
	{ 1, 1, "0a2548cae6e93218f225029af1aa3dcc09a4a889" },
	{ 1, 2, "b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17" },
	{ 1, 4,
		"3be4b980b34443e569255f4a347d4c8e8e18de755fb8072d7b355c44c56b50a61e8050ae636041b966"
		"4a04f05aef2680" },
	/* RFC 6605 section 6.2 prints the SHA-384 one. */
	{ 2, 1, "976ff27b0e38269538ddf393b2453c702d01646d" },
	{ 2, 2, "fde87f87d3a32ad8781eb0d79ac02f80d1381cecda3567c2352b4986645c2dd0" },
	{ 2, 4,
		"72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d288405c3"
		"008a946df983d6" },
	/* RFC 8080 section 6.1 prints the SHA-256 one. */
	{ 3, 1, "b2c63605467c4a40942b47a953e9c0d38f81083a" },
	{ 3, 2, "3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b" },
	{ 3, 4,
		"89389da437fca8372e67359dfc0dd4428fa2615df6e31bc5501677dd068514fea5c4efaf82188530a8"
		"a1645d9d3ef884" },
	/* RFC 8080 section 6.2 prints the SHA-256 one. */
	{ 4, 2, "6ccf18d5bc5d7fc2fceb1d59d17321402f2aa8d368048db93dd811f5cb2b19c7" },
	{ 4, 4,
		"d903f460b8595d08852e964f8b1714a44f087e8d286125d923b459f703b8ac66cee6b6cfe7325b0845"
		"5eff4dc4c13cc0" },
	{ 5, 1, "f7e40b37c560867424a592b07a61b4a4381491b6" },
	{ 5, 2, "21c19d8e30959ed2a7d8b62785116be19601fde8afd95c7169f484a0a7eebdc8" },
	{ 5, 4,
		"1ab244431049ed9598858e93ac41ca0c6e24fcece09de801650d23d5a71b365fc97819da0d591c23d3"
		"99d19f0da79c2f" },
	{ 6, 1, "71626cc678935904da8b993be9b731a6ae06b99a" },
	{ 7, 2, "f2475adfe4eb325e1be116d408d9998d151ecc8bc23a68e0fee4190b464075e3" },
	{ 8, 2, "cc5243022b04ff82ba0fa8ac51003adbaaf76effe5b3f9dd20de70c981ffd6fe" },
};

/* Decode a vector's key into buf (the caller frees) and fill k. */
static void
load(const struct vector *v, struct dnskey *k, uint8_t **buf)
{
	size_t n = strlen(v->b64);
	int len;

	*buf = malloc(n / 4 * 3 + 1);
	assert_non_null(*buf);
	len = EVP_DecodeBlock(*buf, (const unsigned char *)v->b64, (int)n);
	assert_true(len >= 0);
	/* EVP_DecodeBlock counts the '=' padding as zero octets. */
	for (size_t i = n; i > 0 && v->b64[i - 1] == '='; i--)
		len--;
	k->flags = v->flags;
	k->protocol = 3;
	k->algorithm = v->algorithm;
	k->key = *buf;
	k->keylen = (size_t)len;
}

static void
test_keytag_bits(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		struct dnskey k;
		uint8_t *buf;

		load(&vectors[i], &k, &buf);
		if (dnskey_keytag(&k) != vectors[i].tag)
			fail_msg("vector %zu: tag %u, want %u", i, dnskey_keytag(&k),
				vectors[i].tag);
		if (dnskey_bits(&k) != vectors[i].bits)
			fail_msg("vector %zu: %u bits, want %u", i, dnskey_bits(&k),
				vectors[i].bits);
		free(buf);
	}
}

static void
test_ds_digest(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ds_vectors) / sizeof(ds_vectors[0]); i++) {
		const struct ds_vector *d = &ds_vectors[i];
		struct dnskey k;
		uint8_t *buf;
		char *hex = NULL;
		int rc;

		load(&vectors[d->v], &k, &buf);
		rc = dnskey_ds_digest(vectors[d->v].owner, &k, d->type, &hex);
		if (rc != 0 || strcmp(hex, d->hex) != 0)
			fail_msg("vector %zu type %d: rc %d, %s", d->v, d->type, rc,
				hex != NULL ? hex : "(null)");
		free(hex);
		free(buf);
	}
}

static void
test_ds_digest_errors(void **state)
{
	struct dnskey k;
	uint8_t *buf;
	char *hex = (char *)"untouched";

	(void)state;
	load(&vectors[0], &k, &buf);
	assert_int_equal(dnskey_ds_digest("example.com", &k, 3, &hex), E_UNSUPPORTED);
	assert_int_equal(dnskey_ds_digest("example.com", &k, 0, &hex), E_UNSUPPORTED);
	assert_int_equal(dnskey_ds_digest("a..example", &k, 2, &hex), E_INVAL);
	assert_int_equal(dnskey_ds_digest(NULL, &k, 2, &hex), E_INVAL);
	assert_int_equal(dnskey_ds_digest("example.com", NULL, 2, &hex), E_INVAL);
	assert_string_equal(hex, "untouched");
	free(buf);
}

static void
test_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		struct dnskey k;
		uint8_t *buf;
		char *line = NULL;
		int rc;

		load(&vectors[i], &k, &buf);
		rc = dnskey_format(vectors[i].owner, vectors[i].ttl, &k, &line);
		if (rc != 0 || strcmp(line, vectors[i].line) != 0)
			fail_msg("vector %zu: rc %d\n got  %s\n want %s", i, rc,
				line != NULL ? line : "(null)", vectors[i].line);
		free(line);
		free(buf);
	}
}

static void
test_format_ds(void **state)
{
	/* As ldns-key2ds -n prints them. */
	static const struct {
		size_t v;
		int type;
		const char *line;
	} table[] = {
		{ 0, 1,
			"dskey.example.com.\t86400\tIN\tDS\t60485 5 1 "
			"2bb183af5f22588179a53b0a98631fad1a292118" },
		{ 1, 2,
			"example.net.\t3600\tIN\tDS\t55648 13 2 "
			"b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17" },
		{ 2, 4,
			"example.net.\t3600\tIN\tDS\t10771 14 4 "
			"72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d"
			"288405c3008a946df983d6" },
		{ 5, 2,
			"example.org.\t3600\tIN\tDS\t31729 8 2 "
			"21c19d8e30959ed2a7d8b62785116be19601fde8afd95c7169f484a0a7eebdc8" },
		{ 6, 1,
			"md5.example.\t3600\tIN\tDS\t43981 1 1 "
			"71626cc678935904da8b993be9b731a6ae06b99a" },
		{ 7, 2,
			".\t3600\tIN\tDS\t3613 15 2 "
			"f2475adfe4eb325e1be116d408d9998d151ecc8bc23a68e0fee4190b464075e3" },
	};
	struct dnskey k;
	uint8_t *buf;
	char *line = (char *)"untouched";

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct vector *v = &vectors[table[i].v];
		char *got = NULL;
		int rc;

		load(v, &k, &buf);
		rc = dnskey_format_ds(v->owner, v->ttl, &k, table[i].type, &got);
		if (rc != 0 || strcmp(got, table[i].line) != 0)
			fail_msg("row %zu: rc %d\n got  %s\n want %s", i, rc,
				got != NULL ? got : "(null)", table[i].line);
		free(got);
		free(buf);
	}
	load(&vectors[0], &k, &buf);
	assert_int_equal(dnskey_format_ds("example.com", 3600, &k, 3, &line), E_UNSUPPORTED);
	assert_int_equal(dnskey_format_ds("", 3600, &k, 2, &line), E_INVAL);
	assert_int_equal(dnskey_format("a..b", 3600, &k, &line), E_INVAL);
	assert_string_equal(line, "untouched");
	free(buf);
}

static void
test_format_owner_dot(void **state)
{
	static const uint8_t key[] = { 1, 2, 3, 4, 5 };
	struct dnskey k = { DNSKEY_FLAGS_ZSK, 3, 253, key, sizeof(key) };
	char *a = NULL, *b = NULL;

	(void)state;
	/*
	 * With and without the final dot: the same line. Key tag by hand:
	 * 0x0100 + 0x03fd + 0x0102 + 0x0304 + 0x0500 = 0x0e03 = 3587 (ldns agrees).
	 * Algorithm 253 has no known key size: keylen * 8 bits (ldns says 0).
	 */
	assert_int_equal(dnskey_format("Example.COM", 60, &k, &a), 0);
	assert_int_equal(dnskey_format("Example.COM.", 60, &k, &b), 0);
	assert_string_equal(a, b);
	assert_string_equal(a, "Example.COM.\t60\tIN\tDNSKEY\t256 3 253 AQIDBAU= "
			       ";{id = 3587 (zsk), size = 40b}");
	free(a);
	free(b);
	/* An escaped final dot belongs to the label: the name still needs its own. */
	assert_int_equal(dnskey_format("a\\.", 60, &k, &a), 0);
	assert_true(strncmp(a, "a\\..\t60\t", 8) == 0);
	free(a);
	assert_int_equal(dnskey_format("a\\\\.", 60, &k, &a), 0);
	assert_true(strncmp(a, "a\\\\.\t60\t", 8) == 0);
	free(a);
}

static void
test_rdata(void **state)
{
	static const uint8_t key[] = { 0xde, 0xad, 0xbe };
	struct dnskey k = { DNSKEY_FLAGS_KSK | DNSKEY_FLAG_REVOKE, 3, 8, key, sizeof(key) };
	static const uint8_t want[] = { 0x01, 0x81, 0x03, 0x08, 0xde, 0xad, 0xbe };
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(dnskey_rdata(&k, &out, &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	free(out);
	/*
	 * Key tag by hand: 0x0181 + 0x0308 + 0xdead + 0xbe00 = 0x1a136,
	 * folded: 0xa136 + 0x1 = 0xa137.
	 */
	assert_int_equal(dnskey_keytag(&k), 0xa137);
	assert_int_equal(dnskey_rdata(NULL, &out, &len), E_INVAL);
	k.key = NULL;
	assert_int_equal(dnskey_rdata(&k, &out, &len), E_INVAL);
	k.keylen = 0;
	assert_int_equal(dnskey_rdata(&k, &out, &len), 0);
	assert_int_equal(len, 4);
	free(out);
}

/* An RSA key field: exponent (in the short or the long length form), then modulus. */
static uint8_t *
rsa_key(int long_form, size_t elen, size_t zeros, uint8_t top, size_t mlen, size_t *len)
{
	uint8_t *p, *q;
	size_t hdr = long_form ? 3 : 1;

	*len = hdr + elen + zeros + mlen;
	p = malloc(*len);
	assert_non_null(p);
	if (long_form) {
		p[0] = 0;
		p[1] = (uint8_t)(elen >> 8);
		p[2] = (uint8_t)elen;
	} else {
		p[0] = (uint8_t)elen;
	}
	q = p + hdr;
	memset(q, 0x01, elen); /* the exponent's value does not matter */
	q += elen;
	memset(q, 0, zeros);
	q += zeros;
	q[0] = top;
	memset(q + 1, 0x5a, mlen - 1);
	return p;
}

static void
test_bits_rsa(void **state)
{
	static const struct {
		int long_form;
		size_t elen, zeros;
		uint8_t top;
		size_t mlen;
		unsigned bits;
	} table[] = {
		{ 0, 3, 0, 0x80, 128, 1024 }, /* exponent 65537: 01 00 01 */
		{ 0, 3, 2, 0xc1, 128, 1024 }, /* two leading zero octets */
		{ 0, 3, 1, 0x7f, 128, 1023 }, /* and a leading zero bit */
		{ 0, 3, 0, 0x01, 129, 1025 }, { 0, 3, 0, 0xff, 256, 2048 },
		{ 0, 1, 3, 0x80, 256, 2048 }, /* exponent 3 */
		{ 1, 3, 0, 0x80, 256, 2048 }, /* the 3-octet exponent length form */
		{ 1, 3, 1, 0x3f, 256, 2046 },
		{ 1, 300, 0, 0x80, 128, 1024 }, /* an exponent longer than 255 octets */
	};
	static const uint8_t short_key[] = { 3, 1, 0, 1 };      /* no modulus */
	static const uint8_t cut_key[] = { 0, 1 };              /* a cut length */
	static const uint8_t over_key[] = { 9, 1, 0, 1, 0xff }; /* exponent past the end */
	static const uint8_t zero_key[] = { 1, 3, 0, 0, 0 };    /* modulus all zero */
	struct dnskey k = { DNSKEY_FLAGS_ZSK, 3, 8, NULL, 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		size_t len;
		uint8_t *key = rsa_key(table[i].long_form, table[i].elen, table[i].zeros,
			table[i].top, table[i].mlen, &len);

		k.key = key;
		k.keylen = len;
		for (uint8_t alg = 5; alg <= 10; alg++) {
			if (alg == 6 || alg == 9)
				continue;
			k.algorithm = alg;
			if (dnskey_bits(&k) != table[i].bits)
				fail_msg("row %zu alg %u: %u bits, want %u", i, alg,
					dnskey_bits(&k), table[i].bits);
		}
		free(key);
	}
	k.algorithm = 8;
	k.key = short_key;
	k.keylen = sizeof(short_key);
	assert_int_equal(dnskey_bits(&k), 0);
	k.key = cut_key;
	k.keylen = sizeof(cut_key);
	assert_int_equal(dnskey_bits(&k), 0);
	k.key = over_key;
	k.keylen = sizeof(over_key);
	assert_int_equal(dnskey_bits(&k), 0);
	k.key = zero_key;
	k.keylen = sizeof(zero_key);
	assert_int_equal(dnskey_bits(&k), 0);
	k.keylen = 0;
	assert_int_equal(dnskey_bits(&k), 0);
}

static void
test_bits_other(void **state)
{
	static const uint8_t key[64] = { 0 };
	struct dnskey k = { DNSKEY_FLAGS_KSK, 3, 0, key, sizeof(key) };

	(void)state;
	k.algorithm = 13;
	assert_int_equal(dnskey_bits(&k), 256);
	k.algorithm = 14;
	assert_int_equal(dnskey_bits(&k), 384);
	k.algorithm = 15;
	assert_int_equal(dnskey_bits(&k), 256);
	k.algorithm = 16;
	assert_int_equal(dnskey_bits(&k), 456);
	k.algorithm = 12;
	assert_int_equal(dnskey_bits(&k), 512);
	k.keylen = 7;
	k.algorithm = 253;
	assert_int_equal(dnskey_bits(&k), 56);
}

static void
test_keytag_alg1(void **state)
{
	static const uint8_t key[] = { 1, 3, 0xc0, 0x12, 0x34, 0x56, 0x78, 0x9a };
	struct dnskey k = { DNSKEY_FLAGS_ZSK, 3, 1, key, sizeof(key) };

	(void)state;
	/* The modulus ends 34 56 78 9a: bits 8..23 are 0x5678. */
	assert_int_equal(dnskey_keytag(&k), 0x5678);
	k.keylen = 3;
	assert_int_equal(dnskey_keytag(&k), 0x0103);
	/* The flags do not enter: only the modulus. */
	k.keylen = sizeof(key);
	k.flags = DNSKEY_FLAGS_KSK;
	assert_int_equal(dnskey_keytag(&k), 0x5678);
	/* The same octets under algorithm 5 take the checksum. */
	k.algorithm = 5;
	assert_int_not_equal(dnskey_keytag(&k), 0x5678);
}

/* The key cache format: base64 of the key field, and back, for every length mod 3. */
static void
test_base64_roundtrip(void **state)
{
	static const uint8_t key[] = { 0x03, 0x01, 0x00, 0x01, 0xc0, 0xff, 0xee };
	uint8_t *back = NULL;
	size_t backlen = 0, n;
	char *b64 = NULL;

	(void)state;
	for (n = 1; n <= sizeof(key); n++) {
		assert_int_equal(dnskey_key_base64(key, n, &b64), 0);
		assert_int_equal(strlen(b64) % 4, 0);
		assert_int_equal(dnskey_key_unbase64(b64, &back, &backlen), 0);
		assert_int_equal(backlen, n);
		assert_memory_equal(back, key, n);
		free(b64);
		free(back);
	}
	assert_int_equal(dnskey_key_base64(key, 3, &b64), 0);
	assert_string_equal(b64, "AwEA");
	free(b64);
	/* anything but one padded block is refused */
	assert_int_equal(dnskey_key_unbase64("", &back, &backlen), E_PARSE);
	assert_int_equal(dnskey_key_unbase64("AwE", &back, &backlen), E_PARSE);
	assert_int_equal(dnskey_key_unbase64("Aw=A", &back, &backlen), E_PARSE);
	assert_int_equal(dnskey_key_unbase64("AwEA AwEA", &back, &backlen), E_PARSE);
	assert_int_equal(dnskey_key_unbase64("Aw*A", &back, &backlen), E_PARSE);
	assert_int_equal(dnskey_key_unbase64(NULL, &back, &backlen), E_INVAL);
}

static void
test_owner_wire(void **state)
{
	static const uint8_t example_com[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o',
		'm', 0 };
	static const uint8_t dotted[] = { 3, 'a', '.', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		0 };
	static const uint8_t escaped[] = { 3, 'a', ' ', 'b', 2, 'x', 'y', 0 };
	uint8_t out[255];
	char name[400];
	size_t len;

	(void)state;
	assert_int_equal(dnskey_owner_wire("Example.COM", out, &len), 0);
	assert_int_equal(len, sizeof(example_com));
	assert_memory_equal(out, example_com, len);
	assert_int_equal(dnskey_owner_wire("example.com.", out, &len), 0);
	assert_int_equal(len, sizeof(example_com));
	assert_memory_equal(out, example_com, len);
	assert_int_equal(dnskey_owner_wire(".", out, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(dnskey_owner_wire("a\\046b.EXAMPLE", out, &len), 0);
	assert_int_equal(len, sizeof(dotted));
	assert_memory_equal(out, dotted, len);
	assert_int_equal(dnskey_owner_wire("a\\.B.example.", out, &len), 0);
	assert_memory_equal(out, dotted, len);
	assert_int_equal(dnskey_owner_wire("a\\032b.\\X\\089", out, &len), 0);
	assert_int_equal(len, sizeof(escaped));
	assert_memory_equal(out, escaped, len);

	/* 63-octet labels are fine, 64 are not. */
	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	assert_int_equal(dnskey_owner_wire(name, out, &len), 0);
	assert_int_equal(len, 1 + 63 + 9);
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	len = 99;
	assert_int_equal(dnskey_owner_wire(name, out, &len), E_INVAL);
	assert_int_equal(len, 99);
	/* An escaped octet counts once. */
	memset(name, 'a', 62);
	strcpy(name + 62, "\\046");
	assert_int_equal(dnskey_owner_wire(name, out, &len), 0);
	assert_int_equal(len, 65);

	/* 255 wire octets: four labels of 63, 61 (4 * 64 - 2 + 1 = 255). */
	memset(name, 'b', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	assert_int_equal(dnskey_owner_wire(name, out, &len), 0);
	assert_int_equal(len, 255);
	name[253] = '.';
	name[254] = '\0';
	assert_int_equal(dnskey_owner_wire(name, out, &len), 0);
	assert_int_equal(len, 255);
	/* One octet more is too long. */
	name[253] = 'b';
	name[254] = '\0';
	assert_int_equal(dnskey_owner_wire(name, out, &len), E_INVAL);
	/* So is one more label. */
	name[253] = '.';
	name[254] = 'c';
	name[255] = '\0';
	assert_int_equal(dnskey_owner_wire(name, out, &len), E_INVAL);

	assert_int_equal(dnskey_owner_wire("", out, &len), E_INVAL);
	assert_int_equal(dnskey_owner_wire("..", out, &len), E_INVAL);
	assert_int_equal(dnskey_owner_wire(".example", out, &len), E_INVAL);
	assert_int_equal(dnskey_owner_wire("a..example", out, &len), E_INVAL);
	assert_int_equal(dnskey_owner_wire("example..", out, &len), E_INVAL);
	assert_int_equal(dnskey_owner_wire("a\\", out, &len), E_INVAL);
	assert_int_equal(dnskey_owner_wire("a\\25", out, &len), E_INVAL);
	assert_int_equal(dnskey_owner_wire("a\\25x", out, &len), E_INVAL);
	assert_int_equal(dnskey_owner_wire("a\\256", out, &len), E_INVAL);
	assert_int_equal(dnskey_owner_wire(NULL, out, &len), E_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keytag_bits),
		cmocka_unit_test(test_ds_digest),
		cmocka_unit_test(test_ds_digest_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_ds),
		cmocka_unit_test(test_format_owner_dot),
		cmocka_unit_test(test_rdata),
		cmocka_unit_test(test_bits_rsa),
		cmocka_unit_test(test_bits_other),
		cmocka_unit_test(test_keytag_alg1),
		cmocka_unit_test(test_owner_wire),
		cmocka_unit_test(test_base64_roundtrip),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
