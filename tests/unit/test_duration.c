/*
 * test_duration.c - duration_parse() / duration_format() (src/common/duration.h)
 * against the examples of enforcer.md 0 and ksmutil-cli.md 8, the range
 * limit and malformed input.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/duration.h"

#define DAY INT64_C(86400)

static const struct {
	const char *text;
	int64_t seconds;
	int approx;
} good[] = {
	/* the spec examples */
	{ "P2Y6M", 2 * 365 * DAY + 6 * 31 * DAY, 1 },
	{ "PT12H30M", 12 * 3600 + 30 * 60, 0 },
	{ "P1W", 7 * DAY, 0 },
	{ "PT3600S", 3600, 0 },
	{ "3600", 3600, 0 },
	/* every unit */
	{ "P1Y", 365 * DAY, 1 },
	{ "P1M", 31 * DAY, 1 },
	{ "PT1M", 60, 0 },
	{ "P1D", DAY, 0 },
	{ "PT1H", 3600, 0 },
	{ "PT1S", 1, 0 },
	{ "P1Y1M1W1DT1H1M1S", 365 * DAY + 31 * DAY + 7 * DAY + DAY + 3600 + 60 + 1, 1 },
	/* P is optional, '-' negates */
	{ "1D", DAY, 0 },
	{ "T5M", 300, 0 },
	{ "-PT1H", -3600, 0 },
	{ "-P1Y", -365 * DAY, 1 },
	{ "-30", -30, 0 },
	/* bare trailing number = seconds, before T only */
	{ "P1D30", DAY + 30, 0 },
	{ "P30", 30, 0 },
	{ "5", 5, 0 },
	{ "05", 5, 0 },
	/* H and S before T, as 1.x accepted */
	{ "P1S", 1, 0 },
	{ "P2H", 7200, 0 },
	{ "P1DT0S", DAY, 0 },
	/* leading zeros, zero */
	{ "PT0007M", 420, 0 },
	{ "PT0S", 0, 0 },
	{ "-PT0S", 0, 0 },
	/* kasp.xml values of the shipped default policy */
	{ "PT7200S", 7200, 0 },
	{ "P3D", 3 * DAY, 0 },
	{ "P14D", 14 * DAY, 0 },
	{ "PT12H", 43200, 0 },
	/* the limits */
	{ "P68Y", 68 * 365 * DAY, 1 },
	{ "PT2147483647S", 2147483647, 0 },
	{ "-PT2147483647S", -2147483647, 0 },
	{ "P24855DT3H14M7S", 2147483647, 0 },
	{ "2147483647", 2147483647, 0 },
};

static const struct {
	const char *text;
	int code;
} bad[] = {
	{ "", E_INVAL },
	{ "P", E_PARSE },
	{ "PT", E_PARSE },
	{ "-", E_PARSE },
	{ "-P", E_PARSE },
	{ "T", E_PARSE },
	{ "P1DT", E_PARSE },
	{ "P1X", E_PARSE },
	{ "PT5", E_PARSE },
	{ "PT1H5", E_PARSE },
	{ "P1.5D", E_PARSE },
	{ "PT1,5S", E_PARSE },
	{ "P1D2D", E_PARSE }, /* repeated unit */
	{ "P1D1Y", E_PARSE }, /* out of order */
	{ "PT1S1M", E_PARSE },
	{ "PT1D", E_PARSE }, /* D after T */
	{ "PT1Y", E_PARSE },
	{ "P1DT1HT1M", E_PARSE },
	{ "P1HT1H", E_PARSE },
	{ "P5ST1M", E_PARSE },
	{ "P5S30", E_PARSE }, /* bare seconds after S */
	{ "p1d", E_PARSE },   /* designators are upper case */
	{ "P-1D", E_PARSE },
	{ "--P1D", E_PARSE },
	{ "+P1D", E_PARSE },
	{ "PP1D", E_PARSE },
	{ " P1D", E_PARSE },
	{ "P1D ", E_PARSE },
	{ "P 1D", E_PARSE },
	{ "P1D\n", E_PARSE },
	{ "1e3", E_PARSE },
	{ "0x10", E_PARSE },
	{ "P99999999999999999999999999YX", E_PARSE }, /* malformed beats too big */
	{ "P99999999999999999999999999X", E_PARSE },
	{ "P99999999999YT", E_PARSE },
	/* overflow: never a wrapped value */
	{ "P99999999999Y", E_RANGE },
	{ "P69Y", E_RANGE },
	{ "PT2147483648S", E_RANGE },
	{ "-PT2147483648S", E_RANGE },
	{ "P24855DT3H14M8S", E_RANGE },
	{ "P24856D", E_RANGE },
	{ "99999999999999999999999999999", E_RANGE },
	{ "P60Y9999W", E_RANGE },
};

static void
test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t s = -12345;
		int approx = -1, rc;

		rc = duration_parse(good[i].text, &s, &approx);
		if (rc != 0 || s != good[i].seconds || approx != good[i].approx)
			fail_msg("\"%s\": rc %d, %lld s, approx %d; want %lld s, approx %d",
				good[i].text, rc, (long long)s, approx, (long long)good[i].seconds,
				good[i].approx);
	}
}

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t s = -12345;
		int approx = -7, rc;

		rc = duration_parse(bad[i].text, &s, &approx);
		if (rc != bad[i].code)
			fail_msg("\"%s\": rc %d, want %d", bad[i].text, rc, bad[i].code);
		/* out-params only on success */
		if (s != -12345 || approx != -7)
			fail_msg("\"%s\": output written on failure", bad[i].text);
	}
}

static void
test_null(void **state)
{
	int64_t s = 1;

	(void)state;
	assert_int_equal(duration_parse(NULL, &s, NULL), E_INVAL);
	assert_int_equal(duration_parse("P1D", NULL, NULL), E_INVAL);
	assert_int_equal(s, 1);
	/* approx may be NULL */
	assert_int_equal(duration_parse("P1Y", &s, NULL), 0);
	assert_int_equal(s, 365 * DAY);
}

static void
test_format(void **state)
{
	char buf[DURATION_STR_LEN];
	char small[8];

	(void)state;
	assert_int_equal(duration_format(3600, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "PT3600S");
	assert_int_equal(duration_format(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "PT0S");
	assert_int_equal(duration_format(-90, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "-PT90S");
	assert_int_equal(duration_format(INT64_MAX, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "PT9223372036854775807S");
	assert_int_equal(duration_format(INT64_MIN, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "-PT9223372036854775808S");

	/* exactly fitting, one byte short (buffer untouched) */
	memset(small, 'x', sizeof(small));
	assert_int_equal(duration_format(1234, small, 8), 0);
	assert_string_equal(small, "PT1234S");
	memset(small, 'x', sizeof(small));
	assert_int_equal(duration_format(12345, small, 8), E_RANGE);
	assert_int_equal(small[0], 'x');
	assert_int_equal(duration_format(1, small, 0), E_RANGE);
	assert_int_equal(duration_format(1, NULL, 10), E_INVAL);
}

/* Everything format writes parses back to the same value. */
static void
test_roundtrip(void **state)
{
	static const int64_t values[] = { 0, 1, -1, 59, 3600, 86399, 2678400, 2147483647,
		-2147483647 };
	char buf[DURATION_STR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int64_t back;
		int approx;

		assert_int_equal(duration_format(values[i], buf, sizeof(buf)), 0);
		assert_int_equal(duration_parse(buf, &back, &approx), 0);
		assert_int_equal(back, values[i]);
		assert_int_equal(approx, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
