/*
 * bigmem.c - zeroed memory for large tables (bigmem.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/bigmem.h"

/* the size of a huge page on x86-64 and arm64 (4 KiB base pages) */
#define HUGE_PAGE ((size_t)2 << 20)

void *
bigmem_calloc(size_t n, size_t size)
{
	void *p;
	size_t bytes;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if (bytes < HUGE_PAGE)
		return calloc(n, size);
	if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	/* advice only: without huge pages the block is an ordinary one */
	(void)madvise(p, bytes - bytes % HUGE_PAGE, MADV_HUGEPAGE);
#endif
	memset(p, 0, bytes);
	return p;
}
