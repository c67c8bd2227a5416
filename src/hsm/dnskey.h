/*
 * dnskey.h - DNSKEY and DS records from a public key: wire form (RFC 4034),
 * key tag (RFC 4034 Appendix B), DS digests SHA-1, SHA-256, SHA-384
 * (libcrypto), and the presentation lines ods-ksmutil prints (the ldns
 * layout 1.x used, tab separated, with its ";{id = ...}" comment).
 * Pure functions: no HSM, no I/O.
 */
#ifndef HSM_DNSKEY_H
#define HSM_DNSKEY_H

#include <stddef.h>
#include <stdint.h>

#define DNSKEY_FLAG_ZONE 0x0100
#define DNSKEY_FLAG_REVOKE 0x0080
#define DNSKEY_FLAG_SEP 0x0001
#define DNSKEY_FLAGS_ZSK 256
#define DNSKEY_FLAGS_KSK 257

struct dnskey {
	uint16_t flags;         /* 256 ZSK, 257 KSK, +128 revoked */
	uint8_t protocol;       /* always 3 */
	uint8_t algorithm;
	const uint8_t *key;     /* the public key field (borrowed) */
	size_t keylen;
};

/* The RDATA: flags, protocol, algorithm, key. *out malloc()ed. */
int dnskey_rdata(const struct dnskey *k, uint8_t **out, size_t *len);

/* RFC 4034 Appendix B key tag of the RDATA (the algorithm 1 special case included). */
uint16_t dnskey_keytag(const struct dnskey *k);

/* Key size in bits as 1.x showed it: RSA modulus bits; 256/384 for ECDSA, 256 for Ed25519. */
unsigned dnskey_bits(const struct dnskey *k);

/*
 * The owner name in canonical wire form (lower case, absolute). E_INVAL for
 * a name that is not a valid presentation-form name. *len <= 255.
 */
int dnskey_owner_wire(const char *owner, uint8_t out[255], size_t *len);

/*
 * DS digest (hex, lower case, malloc()ed) of owner + RDATA for digest type
 * 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384). E_UNSUPPORTED for others.
 */
int dnskey_ds_digest(const char *owner, const struct dnskey *k, int digest_type, char **hex);

/*
 * "<owner>.\t<ttl>\tIN\tDNSKEY\t<flags> 3 <alg> <base64> ;{id = <tag> (ksk|zsk), size = <bits>b}"
 * (the owner gets a final dot unless it has one; "ksk" when the SEP bit is
 * set). No newline. *line malloc()ed.
 */
int dnskey_format(const char *owner, uint32_t ttl, const struct dnskey *k, char **line);

/* "<owner>.\t<ttl>\tIN\tDS\t<tag> <alg> <digest_type> <hex>". No newline. */
int dnskey_format_ds(const char *owner, uint32_t ttl, const struct dnskey *k, int digest_type,
	char **line);

#endif
