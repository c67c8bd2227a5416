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
	uint16_t flags;   /* 256 ZSK, 257 KSK, +128 revoked */
	uint8_t protocol; /* always 3 */
	uint8_t algorithm;
	const uint8_t *key; /* the public key field (borrowed) */
	size_t keylen;
};

/*
 * The RDATA: flags, protocol, algorithm, key. *out malloc()ed. E_INVAL for
 * no key struct, a NULL key with keylen > 0, or RDATA over 65535 octets.
 */
int dnskey_rdata(const struct dnskey *k, uint8_t **out, size_t *len);

/*
 * RFC 4034 Appendix B key tag of the RDATA. Algorithm 1 (RSA/MD5) takes the
 * 3rd- and 2nd-to-last octets of the key field instead (0 if it is shorter
 * than 3 octets). 0 for an invalid struct (see dnskey_rdata()).
 */
uint16_t dnskey_keytag(const struct dnskey *k);

/*
 * Key size in bits as 1.x showed it: RSA (1, 5, 7, 8, 10) the modulus bits of
 * the RFC 3110 field, leading zero bits not counted (0 for a malformed
 * field); DSA (3, 6) 512 + 64 * T; ECDSA 13 256, 14 384; Ed25519 256; Ed448
 * 456; any other algorithm keylen * 8.
 */
unsigned dnskey_bits(const struct dnskey *k);

/*
 * The owner name in canonical wire form (lower case, absolute: a name
 * without the final dot is taken as absolute). "." is the root; \DDD and
 * \X escapes are understood. E_INVAL for a name that is not a valid
 * presentation-form name (empty label, label over 63 octets, bad escape, more
 * than 255 wire octets). *len <= 255.
 */
int dnskey_owner_wire(const char *owner, uint8_t out[255], size_t *len);

/*
 * DS digest (hex, lower case, malloc()ed) of owner (canonical wire form) +
 * RDATA for digest type 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384).
 * E_UNSUPPORTED for others, E_INVAL for a bad owner or key.
 */
int dnskey_ds_digest(const char *owner, const struct dnskey *k, int digest_type, char **hex);

/*
 * The public key field in base64 (RFC 4648, one unbroken line), as a
 * DNSKEY presentation line and the key cache of the database
 * (keypairs.publickey) hold it; *out malloc()ed. E_INVAL, E_NOMEM.
 */
int dnskey_key_base64(const uint8_t *key, size_t keylen, char **out);

/*
 * The reverse: *key malloc()ed, *keylen its length. E_PARSE for anything
 * but one block of base64 with correct padding; E_INVAL, E_NOMEM.
 */
int dnskey_key_unbase64(const char *b64, uint8_t **key, size_t *keylen);

/*
 * "<owner>.\t<ttl>\tIN\tDNSKEY\t<flags> 3 <alg> <base64> ;{id = <tag> (ksk|zsk), size = <bits>b}"
 * The owner is printed as given (case and escapes kept) and gets a final dot
 * unless it has one; "." stays "."; the 3 is k->protocol; the base64 is one
 * unbroken string; "ksk" when the SEP bit is set. No newline. *line
 * malloc()ed. E_INVAL for a bad owner or key.
 */
int dnskey_format(const char *owner, uint32_t ttl, const struct dnskey *k, char **line);

/*
 * "<owner>.\t<ttl>\tIN\tDS\t<tag> <alg> <digest_type> <hex>", the hex lower
 * case, the owner as for dnskey_format(). No newline. *line malloc()ed.
 * Errors as dnskey_ds_digest().
 */
int dnskey_format_ds(
	const char *owner, uint32_t ttl, const struct dnskey *k, int digest_type, char **line);

#endif
