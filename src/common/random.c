/*
 * random.c - random bytes from getrandom(2) (see random.h).
 */
#include "config.h"

#include <errno.h>
#include <sys/random.h>

#include "common/err.h"
#include "common/random.h"

int
random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return E_IO;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}
