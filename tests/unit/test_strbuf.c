/*
 * test_strbuf.c - the growable string (src/common/strbuf.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/strbuf.h"

static void
test_empty(void **state)
{
	struct strbuf b = STRBUF_INIT;
	char *s;

	(void)state;
	assert_string_equal(strbuf_text(&b), "");
	assert_int_equal(strbuf_status(&b), 0);
	s = strbuf_take(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	strbuf_free(&b);
}

static void
test_append(void **state)
{
	struct strbuf b = STRBUF_INIT;
	char *s;

	(void)state;
	strbuf_str(&b, "DROP TABLE ");
	strbuf_add(&b, "\"keys\"xyz", 6);
	strbuf_printf(&b, "; -- %d %s", 42, "rows");
	assert_int_equal(strbuf_status(&b), 0);
	assert_string_equal(strbuf_text(&b), "DROP TABLE \"keys\"; -- 42 rows");
	assert_int_equal(b.len, strlen("DROP TABLE \"keys\"; -- 42 rows"));
	s = strbuf_take(&b);
	assert_string_equal(s, "DROP TABLE \"keys\"; -- 42 rows");
	assert_null(b.s);
	assert_int_equal(b.len, 0);
	free(s);
}

/* Many small appends: the text is exact and the capacity grew by doubling. */
static void
test_growth(void **state)
{
	struct strbuf b = STRBUF_INIT;
	size_t i, grows = 0, cap = 0;

	(void)state;
	for (i = 0; i < 100000; i++) {
		strbuf_printf(&b, "%c", (char)('a' + i % 26));
		if (b.cap != cap) {
			grows++;
			assert_true(cap == 0 || b.cap == 2 * cap);
			cap = b.cap;
		}
	}
	assert_int_equal(strbuf_status(&b), 0);
	assert_int_equal(b.len, 100000);
	assert_int_equal(strlen(strbuf_text(&b)), 100000);
	assert_int_equal(b.s[99999], 'a' + 99999 % 26);
	assert_true(grows < 20);
	strbuf_free(&b);
	assert_null(b.s);
}

/* A failed append is remembered, later appends do nothing, reset forgets it. */
static void
test_sticky_failure(void **state)
{
	struct strbuf b = STRBUF_INIT;

	(void)state;
	strbuf_str(&b, "kept");
	strbuf_add(&b, "x", SIZE_MAX - 2); /* cannot be allocated */
	assert_int_equal(strbuf_status(&b), E_NOMEM);
	strbuf_str(&b, " lost");
	assert_string_equal(strbuf_text(&b), "kept");
	strbuf_reset(&b);
	assert_int_equal(strbuf_status(&b), 0);
	assert_string_equal(strbuf_text(&b), "");
	strbuf_str(&b, "again");
	assert_string_equal(strbuf_text(&b), "again");
	strbuf_add(&b, "x", SIZE_MAX - 2);
	assert_null(strbuf_take(&b)); /* the failure reaches the taker */
	assert_null(b.s);
	assert_int_equal(strbuf_status(&b), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_sticky_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
