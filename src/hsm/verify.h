/*
 * verify.h - check a DNSSEC signature against a DNSKEY public key field
 * with libcrypto alone (no token). Used by `ods-hsmutil test` and the HSM
 * tests to prove that what the token signed matches what we export.
 */
#ifndef HSM_VERIFY_H
#define HSM_VERIFY_H

#include <stddef.h>
#include <stdint.h>

/*
 * 0 when sig (DNSSEC wire form, as hsm_sign() makes it) is a valid
 * signature of data under the public key field pub for DNSSEC algorithm
 * alg (5, 7, 8, 10, 13, 14, 15). E_INVAL: malformed key or signature, or
 * the signature does not verify; E_UNSUPPORTED: another algorithm;
 * E_NOMEM.
 */
int hsm_verify(int alg, const uint8_t *pub, size_t publen, const uint8_t *data, size_t datalen,
	const uint8_t *sig, size_t siglen);

#endif
