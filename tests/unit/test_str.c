/*
 * test_str.c - the string helpers (src/common/str.h).
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
#include "common/str.h"

static void
test_dup_printf(void **state)
{
	char *s;

	(void)state;
	assert_null(str_dup(NULL));
	s = str_dup("zone");
	assert_string_equal(s, "zone");
	free(s);
	s = str_printf("%s/%d", "dir", 42);
	assert_string_equal(s, "dir/42");
	free(s);
}

static void
test_lower_trim(void **state)
{
	char a[] = "2010-JAN-01 Now";
	char b[] = " \t padded \n";
	char c[] = "   ";
	char d[] = "x";

	(void)state;
	str_lower(a);
	assert_string_equal(a, "2010-jan-01 now");
	str_lower(NULL);
	assert_string_equal(str_trim(b), "padded");
	assert_string_equal(str_trim(c), "");
	assert_string_equal(str_trim(d), "x");
	assert_null(str_trim(NULL));
}

static void
test_all_digits(void **state)
{
	(void)state;
	assert_true(str_all_digits("0"));
	assert_true(str_all_digits("20240101"));
	assert_false(str_all_digits(""));
	assert_false(str_all_digits(NULL));
	assert_false(str_all_digits("-1"));
	assert_false(str_all_digits("+1"));
	assert_false(str_all_digits(" 1"));
	assert_false(str_all_digits("12a"));
	assert_false(str_all_digits("\xd9\xa3")); /* a non-ASCII digit */
}

static void
test_prefix_ci(void **state)
{
	(void)state;
	assert_true(str_prefix_ci("local3", "LOCAL3"));
	assert_true(str_prefix_ci("Daemons", "daemon"));
	assert_true(str_prefix_ci("abc", ""));
	assert_false(str_prefix_ci("loc", "LOCAL"));
	assert_false(str_prefix_ci("LOG_LOCAL3", "LOCAL3"));
	assert_false(str_prefix_ci(NULL, "x"));
	assert_false(str_prefix_ci("x", NULL));
}

static void
test_to_int64(void **state)
{
	static const struct {
		const char *s;
		int rc;
		int64_t v;
	} table[] = {
		{ "0", 0, 0 },
		{ "-0", 0, 0 },
		{ "42", 0, 42 },
		{ "-42", 0, -42 },
		{ "007", 0, 7 },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "9223372036854775808", E_RANGE, 0 },
		{ "-9223372036854775809", E_RANGE, 0 },
		{ "99999999999999999999999", E_RANGE, 0 },
		{ "", E_INVAL, 0 },
		{ "-", E_PARSE, 0 },
		{ "+1", E_PARSE, 0 },
		{ " 1", E_PARSE, 0 },
		{ "1 ", E_PARSE, 0 },
		{ "0x10", E_PARSE, 0 },
		{ "1e3", E_PARSE, 0 },
		{ "--1", E_PARSE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int64_t v = 12345;
		int rc = str_to_int64(table[i].s, &v);

		if (rc != table[i].rc || v != (rc == 0 ? table[i].v : 12345))
			fail_msg("\"%s\": rc %d, v %lld", table[i].s, rc, (long long)v);
	}
	assert_int_equal(str_to_int64(NULL, &(int64_t){ 0 }), E_INVAL);
	assert_int_equal(str_to_int64("1", NULL), E_INVAL);
}

static void
test_replace_all(void **state)
{
	static const struct {
		const char *s, *from, *to, *want;
	} cases[] = {
		{ "update %zone", "%zone", "example.com", "update example.com" },
		{ "--zone=%zone,%zone", "%zone", "a.b", "--zone=a.b,a.b" },
		{ "nothing", "%zone", "x", "nothing" },
		{ "%zone", "%zone", "", "" },
		{ "aaa", "a", "aa", "aaaaaa" }, /* replaced text is not scanned again */
		{ "", "x", "y", "" },
	};
	char *r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = str_replace_all(cases[i].s, cases[i].from, cases[i].to);
		assert_non_null(r);
		assert_string_equal(r, cases[i].want);
		free(r);
	}
	assert_null(str_replace_all("x", "", "y"));
	assert_null(str_replace_all(NULL, "x", "y"));
	assert_null(str_replace_all("x", NULL, "y"));
	assert_null(str_replace_all("x", "x", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dup_printf),
		cmocka_unit_test(test_replace_all),
		cmocka_unit_test(test_lower_trim),
		cmocka_unit_test(test_all_digits),
		cmocka_unit_test(test_prefix_ci),
		cmocka_unit_test(test_to_int64),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
