/*
 * random.h - bytes from the kernel's random source (getrandom(2)), for
 * key identifiers and NSEC3 salts, without starting OpenSSL.
 */
#ifndef COMMON_RANDOM_H
#define COMMON_RANDOM_H

#include <stddef.h>

/* Fill buf with n random bytes. 0, or E_IO with errno set. */
int random_bytes(void *buf, size_t n);

#endif
