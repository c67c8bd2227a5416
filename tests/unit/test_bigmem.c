/*
 * test_bigmem.c - src/common/bigmem.c: zeroed memory of every size, a
 * large block aligned to a huge page, and no block for a size that
 * overflows.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/bigmem.h"

/* Every byte of p[0, n) is zero. */
static int
all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0)
			return 0;
	}
	return 1;
}

static void
test_zeroed(void **state)
{
	static const size_t sizes[] = { 1, 4096, (2u << 20) - 1, 2u << 20, (6u << 20) + 24 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = bigmem_calloc(sizes[i], 1);

		assert_non_null(p);
		assert_true(all_zero(p, sizes[i]));
		/* writable to the last byte, and released by free() */
		memset(p, 0xA5, sizes[i]);
		free(p);
	}
}

static void
test_large_aligned(void **state)
{
	void *p = bigmem_calloc(3u << 20, 2);

	(void)state;
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % (2u << 20), 0);
	free(p);
}

static void
test_overflow(void **state)
{
	(void)state;
	assert_null(bigmem_calloc(SIZE_MAX / 2 + 1, 2));
	assert_null(bigmem_calloc(SIZE_MAX, SIZE_MAX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeroed),
		cmocka_unit_test(test_large_aligned),
		cmocka_unit_test(test_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
