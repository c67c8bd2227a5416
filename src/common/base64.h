/*
 * base64.h - RFC 4648 base64 with padding, as DNSKEY records hold it.
 * Our own, so that printing or reading a key does not start OpenSSL.
 */
#ifndef COMMON_BASE64_H
#define COMMON_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Bytes base64_encode() writes for len bytes, the final NUL included. */
#define BASE64_ENCODED_SIZE(len) (((len) + 2) / 3 * 4 + 1)

/* Encode len bytes of in into out (BASE64_ENCODED_SIZE(len) bytes), NUL-terminated. */
void base64_encode(const uint8_t *in, size_t len, char *out);

/*
 * Decode len characters of in (a multiple of 4, padding only at the end,
 * no white space) into out, which holds len / 4 * 3 bytes; *outlen is the
 * decoded length. -1 for anything else.
 */
int base64_decode(const char *in, size_t len, uint8_t *out, size_t *outlen);

#endif
