/*
 * bigmem.h - zeroed memory for large tables (hash maps of 100,000 zone
 * names and the like), on transparent huge pages where the kernel offers
 * them.
 *
 * A table of several megabytes filled in random order touches every one
 * of its 4 KiB pages, and each first touch is a page fault: some 1,500
 * faults for a 6 MB map, which under virtualisation cost more than the
 * hashing itself. Backed by 2 MiB pages, the same table takes three.
 * Smaller blocks, or a kernel with huge pages off, get plain calloc().
 */
#ifndef COMMON_BIGMEM_H
#define COMMON_BIGMEM_H

#include <stddef.h>

/* n * size zeroed bytes, or NULL (overflow, no memory). Release with free(). */
void *bigmem_calloc(size_t n, size_t size);

#endif
