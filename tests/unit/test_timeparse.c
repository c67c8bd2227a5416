/*
 * test_timeparse.c - time_parse(), time_format_local() and time_help_text
 * (src/common/timeparse.h): every example of ksmutil-cli.md 9, each form,
 * range checks, malformed input, and local-time interpretation in UTC and
 * Europe/Amsterdam.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/timeparse.h"

static void
set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static int
setup_utc(void **state)
{
	(void)state;
	set_tz("UTC");
	return 0;
}

/* The instant of the given local wall-clock time, under the current TZ. */
static time_t
local(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static const struct {
	const char *text;
	int y, mo, d, h, mi, s;
} good[] = {
	/* the examples of the spec and of existing test suites */
	{ "2014-01-26 14:10:10", 2014, 1, 26, 14, 10, 10 },
	{ "26-01-2014:14:10", 2014, 1, 26, 14, 10, 0 },
	{ "01-01-2010 12:00", 2010, 1, 1, 12, 0, 0 },
	{ "01-01-2010 12:03:40", 2010, 1, 1, 12, 3, 40 },
	{ "20100101", 2010, 1, 1, 0, 0, 0 },
	{ "2010010112", 2010, 1, 1, 12, 0, 0 },
	{ "201001011200", 2010, 1, 1, 12, 0, 0 },
	{ "20100101120340", 2010, 1, 1, 12, 3, 40 },
	{ "1-Jan-2010", 2010, 1, 1, 0, 0, 0 },
	{ "2010-jan-01 12:00", 2010, 1, 1, 12, 0, 0 },
	/* every hyphen layout, with and without a time */
	{ "5-Feb-2011", 2011, 2, 5, 0, 0, 0 },
	{ "5-feb-2011 7", 2011, 2, 5, 7, 0, 0 },
	{ "15-MAR-2012:23:59:59", 2012, 3, 15, 23, 59, 59 },
	{ "2013-Dec-31", 2013, 12, 31, 0, 0, 0 },
	{ "2013-dec-31 00:00:01", 2013, 12, 31, 0, 0, 1 },
	{ "7-08-2015", 2015, 8, 7, 0, 0, 0 },
	{ "7-08-2015 06:05", 2015, 8, 7, 6, 5, 0 },
	{ "17-09-2016", 2016, 9, 17, 0, 0, 0 },
	{ "2017-10-11", 2017, 10, 11, 0, 0, 0 },
	{ "2017-10-11:9:5:3", 2017, 10, 11, 9, 5, 3 },
	{ "2010-may-01", 2010, 5, 1, 0, 0, 0 },
	{ "2010-Jun-01", 2010, 6, 1, 0, 0, 0 },
	{ "2010-JUL-01", 2010, 7, 1, 0, 0, 0 },
	{ "2010-aug-01", 2010, 8, 1, 0, 0, 0 },
	{ "2010-sep-01", 2010, 9, 1, 0, 0, 0 },
	{ "2010-oct-01", 2010, 10, 1, 0, 0, 0 },
	{ "2010-nov-01", 2010, 11, 1, 0, 0, 0 },
	{ "2010-apr-30", 2010, 4, 30, 0, 0, 0 },
	/* trimmed */
	{ "  2010-01-01 12:00 \t\n", 2010, 1, 1, 12, 0, 0 },
	{ "2010-01-01 ", 2010, 1, 1, 0, 0, 0 },
	/* leap years */
	{ "2012-02-29", 2012, 2, 29, 0, 0, 0 },
	{ "2000-02-29", 2000, 2, 29, 0, 0, 0 },
	{ "29-feb-2016", 2016, 2, 29, 0, 0, 0 },
	/* the edges */
	{ "19700101", 1970, 1, 1, 0, 0, 0 },
	{ "19691231235959", 1969, 12, 31, 23, 59, 59 },
	{ "20380119031408", 2038, 1, 19, 3, 14, 8 },
	{ "99991231235959", 9999, 12, 31, 23, 59, 59 },
};

static const struct {
	const char *text;
	int code;
} bad[] = {
	{ "", E_INVAL },
	{ "   ", E_INVAL },
	/* shape */
	{ "2010010", E_PARSE },
	{ "201001011", E_PARSE },
	{ "2010010112034", E_PARSE },
	{ "201001011203400", E_PARSE },
	{ "2010", E_PARSE },
	{ "2010-01-01x", E_PARSE },
	{ "2010-01-01 12:00x", E_PARSE },
	{ "2010-01-01 12:00:00:00", E_PARSE },
	{ "2010-01-01  12:00", E_PARSE },
	{ "2010-01-01T12:00", E_PARSE },
	{ "2010-01-01:", E_PARSE },
	{ "2010-01-01 123", E_PARSE },
	{ "2010-01-01 12:", E_PARSE },
	{ "2010-01-01 12:3a", E_PARSE },
	{ "2010-1-01", E_PARSE },
	{ "1-1-2010", E_PARSE },
	{ "2010-01", E_PARSE },
	{ "01-2010", E_PARSE },
	{ "2010/01/01", E_PARSE },
	{ "2010-abc-01", E_PARSE },
	{ "1-Jam-2010", E_PARSE },
	{ "1-Jan-10", E_PARSE },
	{ "01-jan-201O", E_PARSE },
	{ "yesterday", E_PARSE },
	{ "nowx", E_PARSE },
	{ "-2010-01-01", E_PARSE },
	{ "+20100101", E_PARSE },
	{ "2010-01-01 12:00:00 and a very long tail of text well past any sane length", E_PARSE },
	/* ranges */
	{ "2010-13-01", E_RANGE },
	{ "2010-00-01", E_RANGE },
	{ "2010-02-30", E_RANGE },
	{ "2010-02-29", E_RANGE },
	{ "1900-02-29", E_RANGE },
	{ "31-04-2010", E_RANGE },
	{ "2010-01-00", E_RANGE },
	{ "2010-01-32", E_RANGE },
	{ "20101301", E_RANGE },
	{ "2010010124", E_RANGE },
	{ "201001012360", E_RANGE },
	{ "20100101235960", E_RANGE },
	{ "2010-01-01 24:00", E_RANGE },
	{ "2010-01-01 23:60", E_RANGE },
	{ "2010-01-01 23:59:60", E_RANGE },
	{ "00000101", E_RANGE },
	{ "30-feb-2010", E_RANGE },
};

static void
test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		time_t want =
			local(good[i].y, good[i].mo, good[i].d, good[i].h, good[i].mi, good[i].s);
		time_t t = 42;
		int rc = time_parse(good[i].text, 1000, &t);

		if (rc != 0 || t != want)
			fail_msg("\"%s\": rc %d, %lld; want %lld", good[i].text, rc, (long long)t,
				(long long)want);
	}
}

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		time_t t = 42;
		int rc = time_parse(bad[i].text, 1000, &t);

		if (rc != bad[i].code)
			fail_msg("\"%s\": rc %d, want %d", bad[i].text, rc, bad[i].code);
		if (rc != 0 && t != 42)
			fail_msg("\"%s\": output written on failure", bad[i].text);
	}
}

/* Fixed instants under UTC, independent of mktime. */
static void
test_utc_values(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(time_parse("01-01-2010 12:00", 0, &t), 0);
	assert_int_equal(t, 1262347200);
	assert_int_equal(time_parse("2014-01-26 14:10:10", 0, &t), 0);
	assert_int_equal(t, 1390745410);
	assert_int_equal(time_parse("19700101", 0, &t), 0);
	assert_int_equal(t, 0);
	/* one second before the epoch is a real time, not the mktime error */
	assert_int_equal(time_parse("19691231235959", 0, &t), 0);
	assert_int_equal(t, -1);
}

static void
test_now(void **state)
{
	time_t t = 0;

	(void)state;
	assert_int_equal(time_parse("now", 1234567, &t), 0);
	assert_int_equal(t, 1234567);
	assert_int_equal(time_parse(" NoW ", 7, &t), 0);
	assert_int_equal(t, 7);
}

static void
test_null(void **state)
{
	time_t t = 5;

	(void)state;
	assert_int_equal(time_parse(NULL, 0, &t), E_INVAL);
	assert_int_equal(time_parse("20100101", 0, NULL), E_INVAL);
	assert_int_equal(t, 5);
}

/* The same text is a different instant in Amsterdam: local interpretation. */
static void
test_amsterdam(void **state)
{
	char buf[TIME_STR_LEN];
	time_t t;

	(void)state;
	set_tz("Europe/Amsterdam");
	/* CET (UTC+1) in winter */
	assert_int_equal(time_parse("01-01-2010 12:00", 0, &t), 0);
	assert_int_equal(t, 1262343600);
	/* CEST (UTC+2) in summer */
	assert_int_equal(time_parse("2010-jul-01 12:00", 0, &t), 0);
	assert_int_equal(t, 1277978400);
	time_format_local(1262347200, buf);
	assert_string_equal(buf, "2010-01-01 13:00:00");
	/* 02:30 on 2010-03-28 does not exist there; mktime moves it forward */
	assert_int_equal(time_parse("2010-03-28 02:30", 0, &t), 0);
	time_format_local(t, buf);
	assert_string_equal(buf, "2010-03-28 03:30:00");
	set_tz("UTC");
}

static void
test_format(void **state)
{
	char buf[TIME_STR_LEN];

	(void)state;
	time_format_local(1262347200, buf);
	assert_string_equal(buf, "2010-01-01 12:00:00");
	time_format_local(0, buf);
	assert_string_equal(buf, "1970-01-01 00:00:00");
	time_format_local(1390745410, buf);
	assert_string_equal(buf, "2014-01-26 14:10:10");
	time_format_local(-1, buf);
	assert_string_equal(buf, "1969-12-31 23:59:59");
	/* year 10000 does not fit the format */
	time_format_local((time_t)253402300800LL, buf);
	assert_string_equal(buf, "0000-00-00 00:00:00");
	/* year 999 is zero-padded */
	time_format_local((time_t)-30641760000LL, buf);
	assert_string_equal(buf, "0999-01-01 00:00:00");
}

/* What time_format_local writes is accepted back by time_parse. */
static void
test_roundtrip(void **state)
{
	static const time_t values[] = { 0, 1262347200, 1390745410, 951782400, 2147483647,
		4102444799 };
	char buf[TIME_STR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		time_t back = 0;

		time_format_local(values[i], buf);
		assert_int_equal(time_parse(buf, 0, &back), 0);
		assert_int_equal(back, values[i]);
	}
}

static void
test_help_text(void **state)
{
	const char *p = time_help_text;
	size_t lines = 0;

	(void)state;
	assert_true(strncmp(p, "\n\tAllowed date/time strings are of the form:\n", 45) == 0);
	assert_non_null(strstr(p, "\n\tYYYYMMDD[HH[MM[SS]]]                (all numeric)\n"));
	assert_non_null(strstr(p, "\n\tor  D-MMM-YYYY[:| ]HH[:MM[:SS]]     (alphabetic  month)\n"));
	assert_non_null(strstr(p, "\n\tor  YYYY-MMM-DD[:| ]HH[:MM[:SS]]    (alphabetic month)\n"));
	assert_non_null(strstr(p, "\n\tD-MM-YYYY[:| ]HH[:MM[:SS]]          (numeric month)\n"));
	assert_non_null(strstr(p, "\n\tor  YYYY-MM-DD[:| ]HH[:MM[:SS]]     (numeric month)\n"));
	for (; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 14);
	assert_true(strcmp(time_help_text + strlen(time_help_text) - 9, "hyphens.\n") == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_utc_values),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_amsterdam),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_help_text),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, setup_utc, NULL);
}
