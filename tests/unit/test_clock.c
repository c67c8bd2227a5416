/*
 * test_clock.c - clock_init() / clock_now() / clock_timeshift()
 * (src/common/clock.h). In a build with --enable-timeshift the variable
 * ENFORCER_TIMESHIFT freezes "now"; in other builds it must be ignored.
 * Which of the two is asserted follows config.h.
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
#include "common/clock.h"

static int
setup(void **state)
{
	(void)state;
	if (setenv("TZ", "UTC", 1) != 0)
		return -1;
	tzset();
	return unsetenv(CLOCK_TIMESHIFT_ENV);
}

/* now is the real clock: within a few seconds of time(NULL) */
static void
assert_real_clock(void)
{
	time_t before = time(NULL);
	time_t now = clock_now();
	time_t after = time(NULL);

	assert_true(now >= before && now <= after);
}

/* Before clock_init() the real clock is used, even with the variable set. */
static void
test_before_init(void **state)
{
	(void)state;
	assert_int_equal(setenv(CLOCK_TIMESHIFT_ENV, "01-01-2010 12:00", 1), 0);
	assert_real_clock();
	assert_null(clock_timeshift());
	assert_int_equal(unsetenv(CLOCK_TIMESHIFT_ENV), 0);
}

static void
test_unset(void **state)
{
	char err[128] = "untouched";

	(void)state;
	assert_int_equal(clock_init(err, sizeof(err)), 0);
	assert_string_equal(err, "untouched");
	assert_null(clock_timeshift());
	assert_real_clock();
}

static void
test_dashed(void **state)
{
	char err[128] = "";

	(void)state;
	assert_int_equal(setenv(CLOCK_TIMESHIFT_ENV, "01-01-2010 12:00", 1), 0);
	assert_int_equal(clock_init(err, sizeof(err)), 0);
#ifdef ENFORCER_TIMESHIFT
	assert_int_equal(clock_now(), 1262347200); /* 2010-01-01 12:00:00 UTC */
	assert_string_equal(clock_timeshift(), "01-01-2010 12:00");
	/* frozen: the same value later */
	assert_int_equal(clock_now(), 1262347200);
#else
	assert_null(clock_timeshift());
	assert_real_clock();
#endif
}

static void
test_numeric(void **state)
{
	(void)state;
	assert_int_equal(setenv(CLOCK_TIMESHIFT_ENV, "20100101120340", 1), 0);
	assert_int_equal(clock_init(NULL, 0), 0);
#ifdef ENFORCER_TIMESHIFT
	assert_int_equal(clock_now(), 1262347200 + 3 * 60 + 40);
	assert_string_equal(clock_timeshift(), "20100101120340");
	/* the stored value is a copy: changing the environment later does not matter */
	assert_int_equal(setenv(CLOCK_TIMESHIFT_ENV, "20200101", 1), 0);
	assert_string_equal(clock_timeshift(), "20100101120340");
	assert_int_equal(clock_now(), 1262347200 + 3 * 60 + 40);
#else
	assert_null(clock_timeshift());
	assert_real_clock();
#endif
}

static void
test_unparsable(void **state)
{
	char err[128] = "untouched";

	(void)state;
	/* first make the timeshift active (in a timeshift build) */
	assert_int_equal(setenv(CLOCK_TIMESHIFT_ENV, "20100101", 1), 0);
	assert_int_equal(clock_init(NULL, 0), 0);

	assert_int_equal(setenv(CLOCK_TIMESHIFT_ENV, "tomorrow", 1), 0);
#ifdef ENFORCER_TIMESHIFT
	assert_int_equal(clock_init(err, sizeof(err)), E_PARSE);
	assert_string_equal(err, "Couldn't turn \"tomorrow\" into a date, quitting...");
	/* a short buffer is truncated, still terminated */
	assert_int_equal(clock_init(err, 10), E_PARSE);
	assert_string_equal(err, "Couldn't ");
	/* NULL err is fine */
	assert_int_equal(clock_init(NULL, 0), E_PARSE);
	assert_int_equal(setenv(CLOCK_TIMESHIFT_ENV, "2010-02-30", 1), 0);
	assert_int_equal(clock_init(err, sizeof(err)), E_PARSE);
	assert_string_equal(err, "Couldn't turn \"2010-02-30\" into a date, quitting...");
	assert_int_equal(setenv(CLOCK_TIMESHIFT_ENV, "", 1), 0);
	assert_int_equal(clock_init(err, sizeof(err)), E_PARSE);
	assert_string_equal(err, "Couldn't turn \"\" into a date, quitting...");
#else
	assert_int_equal(clock_init(err, sizeof(err)), 0);
	assert_string_equal(err, "untouched");
#endif
	/* after a failure the real clock is in use */
	assert_null(clock_timeshift());
	assert_real_clock();
}

/* Unsetting the variable and re-initialising switches the timeshift off. */
static void
test_off_again(void **state)
{
	(void)state;
	assert_int_equal(setenv(CLOCK_TIMESHIFT_ENV, "2-Jan-2010", 1), 0);
	assert_int_equal(clock_init(NULL, 0), 0);
#ifdef ENFORCER_TIMESHIFT
	assert_int_equal(clock_now(), 1262390400);
#endif
	assert_int_equal(unsetenv(CLOCK_TIMESHIFT_ENV), 0);
	assert_int_equal(clock_init(NULL, 0), 0);
	assert_null(clock_timeshift());
	assert_real_clock();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_before_init),
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_dashed),
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_unparsable),
		cmocka_unit_test(test_off_again),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, setup, NULL);
}
