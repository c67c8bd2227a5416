/*
 * test_base64.c - src/common/base64.c against RFC 4648's vectors and
 * OpenSSL-free round trips, and src/common/random.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/base64.h"
#include "common/random.h"

static void
test_vectors(void **state)
{
	/* RFC 4648 section 10 */
	static const struct {
		const char *plain, *coded;
	} v[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	char out[64];
	uint8_t back[64];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		base64_encode((const uint8_t *)v[i].plain, strlen(v[i].plain), out);
		assert_string_equal(out, v[i].coded);
		assert_int_equal(base64_decode(v[i].coded, strlen(v[i].coded), back, &n), 0);
		assert_int_equal(n, strlen(v[i].plain));
		assert_memory_equal(back, v[i].plain, n);
	}
}

static void
test_refused(void **state)
{
	static const char *const bad[] = { "Zg=", "Zm9", "Zm9v!A==", "Z===", "Zm 9", "Zm9v\n" };
	uint8_t back[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(base64_decode(bad[i], strlen(bad[i]), back, &n), -1);
}

/* Every length up to 300, every byte value: decode(encode(x)) == x. */
static void
test_round_trip(void **state)
{
	uint8_t in[300], back[300];
	char coded[BASE64_ENCODED_SIZE(300)];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(in); len++) {
		base64_encode(in, len, coded);
		assert_int_equal(strlen(coded), BASE64_ENCODED_SIZE(len) - 1);
		assert_int_equal(base64_decode(coded, strlen(coded), back, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(back, in, len);
	}
}

static void
test_random(void **state)
{
	uint8_t a[32], b[32], zero[32] = { 0 };

	(void)state;
	assert_int_equal(random_bytes(a, sizeof(a)), 0);
	assert_int_equal(random_bytes(b, sizeof(b)), 0);
	/* 2^-256: a failure here is a broken source, not bad luck */
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(random_bytes(a, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
