/*
 * clock.h - the one "now" of the program (enforcer.md 0 and 4.13).
 *
 * Every component takes the current time from clock_now(). In a build
 * configured with --enable-timeshift (ENFORCER_TIMESHIFT in config.h), an
 * ENFORCER_TIMESHIFT environment variable read by clock_init() freezes
 * "now" at that date, parsed by time_parse() (every format of ksmutil-cli.md
 * section 9, e.g. "01-01-2010 12:00", local time). In other builds the
 * variable is ignored.
 *
 * Programs call clock_init() once at start-up, before the first
 * clock_now(); clock_now() before clock_init() simply returns time(NULL).
 * Not thread-safe: call clock_init() before starting threads.
 */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Name of the environment variable of the test clock. */
#define CLOCK_TIMESHIFT_ENV "ENFORCER_TIMESHIFT"

/*
 * (Re)read ENFORCER_TIMESHIFT. Returns 0 when the variable is absent (the
 * real clock is used), ignored (not a timeshift build) or parsed (the
 * timeshift is active). Returns E_PARSE when it cannot be parsed: the real
 * clock stays in use and err (if not NULL) receives
 *   Couldn't turn "<value>" into a date, quitting...
 * which the caller prints before exiting 1. E_NOMEM when the value cannot
 * be copied. Calling it again replaces the previous state.
 */
int clock_init(char *err, size_t errlen);

/* The frozen timeshift time when active, else time(NULL). */
time_t clock_now(void);

/*
 * The raw value of ENFORCER_TIMESHIFT while the timeshift is active (so
 * callers can print "DEBUG: Timeshift in operation; ENFORCER_TIMESHIFT set
 * to <v>"), else NULL. Owned by the clock module; valid until the next
 * clock_init().
 */
const char *clock_timeshift(void);

/*
 * Milliseconds of CLOCK_MONOTONIC, for deadlines and elapsed times (lock
 * waits, retries, pass durations). Never shifted: the test clock moves the
 * calendar, not the stopwatch.
 */
int64_t clock_mono_ms(void);

#endif
