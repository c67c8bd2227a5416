/*
 * test_log.c - the logger (src/common/log.h).
 *
 * stderr output is captured by pointing fd 2 at a temp file. syslog is not
 * needed: the program is linked with -Wl,--wrap for openlog, syslog,
 * closelog (and __syslog_chk for fortified builds), so the calls the logger
 * makes are recorded below and checked, whether or not a syslog daemon runs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/log.h"

/* ---------------------------------------------------------------- syslog recorder */

#define MAX_CALLS 16

struct call {
	char kind;       /* 'o' openlog, 's' syslog, 'c' closelog */
	char text[1024]; /* ident for 'o', message for 's' */
	int option, facility, priority;
};

static struct call calls[MAX_CALLS];
static int ncalls;

static struct call *
record(char kind)
{
	struct call *c;

	if (ncalls >= MAX_CALLS)
		fail_msg("too many syslog calls");
	c = &calls[ncalls++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	return c;
}

/*
 * The logger skips syslog() while no daemon listens on _PATH_LOG; here one
 * always does (the recorder), whether or not the machine runs one. Set
 * syslog_gone to see the logger stop calling syslog().
 */
static int syslog_gone;
int __real_access(const char *path, int mode);
int __wrap_access(const char *path, int mode);

int
__wrap_access(const char *path, int mode)
{
	if (strcmp(path, _PATH_LOG) == 0) {
		if (syslog_gone) {
			errno = ENOENT;
			return -1;
		}
		return 0;
	}
	return __real_access(path, mode);
}

void __wrap_openlog(const char *ident, int option, int facility);
void __wrap_syslog(int priority, const char *fmt, ...);
void __wrap___syslog_chk(int priority, int flag, const char *fmt, ...);
void __wrap_closelog(void);

void
__wrap_openlog(const char *ident, int option, int facility)
{
	struct call *c = record('o');

	snprintf(c->text, sizeof(c->text), "%s", ident != NULL ? ident : "(null)");
	c->option = option;
	c->facility = facility;
}

static void
record_syslog(int priority, const char *fmt, va_list ap)
{
	struct call *c = record('s');

	c->priority = priority;
	vsnprintf(c->text, sizeof(c->text), fmt, ap);
}

void
__wrap_syslog(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_syslog(priority, fmt, ap);
	va_end(ap);
}

void
__wrap___syslog_chk(int priority, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	record_syslog(priority, fmt, ap);
	va_end(ap);
}

void
__wrap_closelog(void)
{
	record('c');
}

static void
expect_open(int i, const char *ident, int facility)
{
	assert_true(i < ncalls);
	assert_int_equal(calls[i].kind, 'o');
	assert_string_equal(calls[i].text, ident);
	assert_int_equal(calls[i].option, 0); /* no LOG_PID, LOG_CONS, LOG_NDELAY */
	assert_int_equal(calls[i].facility, facility);
}

static void
expect_syslog(int i, int priority, const char *text)
{
	assert_true(i < ncalls);
	assert_int_equal(calls[i].kind, 's');
	assert_int_equal(calls[i].priority, priority);
	assert_string_equal(calls[i].text, text);
}

static void
expect_close(int i)
{
	assert_true(i < ncalls);
	assert_int_equal(calls[i].kind, 'c');
}

/* ---------------------------------------------------------------- stderr capture */

struct capture {
	int saved_fd;
	FILE *tmp;
};

static void
capture_start(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved_fd = dup(STDERR_FILENO);
	assert_true(c->saved_fd >= 0);
	assert_true(dup2(fileno(c->tmp), STDERR_FILENO) >= 0);
}

/* Stop capturing; returns what was written to stderr (caller frees). */
static char *
capture_stop(struct capture *c)
{
	long n;
	char *buf;

	fflush(stderr);
	assert_true(dup2(c->saved_fd, STDERR_FILENO) >= 0);
	close(c->saved_fd);
	n = ftell(c->tmp);
	assert_true(n >= 0);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	rewind(c->tmp);
	assert_int_equal(fread(buf, 1, (size_t)n, c->tmp), (size_t)n);
	fclose(c->tmp);
	return buf;
}

static int
reset(void **state)
{
	(void)state;
	log_close();
	ncalls = 0;
	return 0;
}

/* ---------------------------------------------------------------- tests */

static void
test_facility_names(void **state)
{
	static const struct {
		const char *name;
		int facility;
	} table[] = {
		{ "USER", LOG_USER },
		{ "user", LOG_USER },
		{ "KERN", LOG_KERN },
		{ "MAIL", LOG_MAIL },
		{ "daemon", LOG_DAEMON },
		{ "Daemon", LOG_DAEMON },
		{ "AUTH", LOG_AUTH },
		{ "syslog", LOG_SYSLOG },
		{ "LPR", LOG_LPR },
		{ "news", LOG_NEWS },
		{ "UUCP", LOG_UUCP },
		{ "cron", LOG_CRON },
		{ "LOCAL0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 },
		{ "Local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 },
		{ "LOCAL4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 },
		{ "LoCaL7", LOG_LOCAL7 },
		/* a prefix match: the name starts with the facility word */
		{ "daemons", LOG_DAEMON },
		{ "local3 ", LOG_LOCAL3 },
		{ "authpriv", LOG_AUTH },
	};
	static const char *const unknown[] = {
		"",
		"LOG_LOCAL3",
		"LOG_DAEMON",
		"loc",
		"local",
		"local8",
		"dae",
		" daemon",
		"ftp",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int f = -1;

		if (log_facility_from_name(table[i].name, &f) != 0 || f != table[i].facility)
			fail_msg("\"%s\": got %d, want %d", table[i].name, f, table[i].facility);
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		int f = -1;

		assert_int_equal(log_facility_from_name(unknown[i], &f), E_NOTFOUND);
		assert_int_equal(f, -1);
	}
	assert_int_equal(log_facility_from_name(NULL, &(int){ 0 }), E_INVAL);
	assert_int_equal(log_facility_from_name("daemon", NULL), E_INVAL);
}

static void
test_stderr(void **state)
{
	struct capture cap;
	char long_text[2000];
	char *got, *want;

	(void)state;
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';

	capture_start(&cap);
	log_open("ods-enforcerd", LOG_DAEMON, LOG_TO_STDERR);
	log_msg(LOG_INFO, "started (pid %d)", 42);
	log_msg(LOG_ERR, "one newline dropped\n");
	log_msg(LOG_ERR, "only one\n\n");
	log_msg(LOG_DEBUG, "%s", long_text);
	log_msg(LOG_INFO, "%s", "");
	got = capture_stop(&cap);

	want = calloc(1, 4096);
	assert_non_null(want);
	snprintf(want, 4096,
		"ods-enforcerd: started (pid 42)\n"
		"ods-enforcerd: one newline dropped\n"
		"ods-enforcerd: only one\n\n"
		"ods-enforcerd: %s\n"
		"ods-enforcerd: \n",
		long_text);
	assert_string_equal(got, want);
	free(got);
	free(want);
	/* stderr only: syslog untouched */
	assert_int_equal(ncalls, 0);
}

/* Before log_open() messages reach stderr without a prefix. */
static void
test_default(void **state)
{
	struct capture cap;
	char *got;

	(void)state;
	capture_start(&cap);
	log_msg(LOG_WARNING, "early %s\n", "message");
	got = capture_stop(&cap);
	assert_string_equal(got, "early message\n");
	free(got);
	assert_int_equal(ncalls, 0);
}

/* No destination: nothing anywhere. */
static void
test_silent(void **state)
{
	struct capture cap;
	char *got;

	(void)state;
	capture_start(&cap);
	log_open("x", LOG_DAEMON, 0);
	log_msg(LOG_ERR, "lost");
	got = capture_stop(&cap);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(ncalls, 0);
}

static void
test_syslog(void **state)
{
	struct capture cap;
	char ident[32] = "ods-enforcerd";
	char *got;

	(void)state;
	capture_start(&cap);
	log_open(ident, LOG_DAEMON, LOG_TO_SYSLOG);
	/* the ident was copied */
	strcpy(ident, "changed");
	log_msg(LOG_WARNING, "WARNING: New KSK has reached the ready state\n");
	log_set_facility(LOG_LOCAL3);
	log_msg(LOG_INFO, "zone '%s': signconf written", "example.com");
	log_close();
	log_msg(LOG_INFO, "after close");
	got = capture_stop(&cap);

	assert_int_equal(ncalls, 6);
	expect_open(0, "ods-enforcerd", LOG_DAEMON);
	expect_syslog(1, LOG_WARNING, "WARNING: New KSK has reached the ready state");
	expect_close(2);
	expect_open(3, "ods-enforcerd", LOG_LOCAL3);
	expect_syslog(4, LOG_INFO, "zone 'example.com': signconf written");
	expect_close(5);
	/* syslog only until log_close(), then the stderr default */
	assert_string_equal(got, "after close\n");
	free(got);
}

static void
test_both(void **state)
{
	struct capture cap;
	char *got;

	(void)state;
	capture_start(&cap);
	log_open("enf", LOG_LOCAL0, LOG_TO_SYSLOG | LOG_TO_STDERR);
	log_msg(LOG_NOTICE, "both %d\n", 2);
	got = capture_stop(&cap);
	assert_string_equal(got, "enf: both 2\n");
	free(got);
	assert_int_equal(ncalls, 2);
	expect_open(0, "enf", LOG_LOCAL0);
	expect_syslog(1, LOG_NOTICE, "both 2");
}

/* No syslog daemon: nothing is sent to syslog (it would be lost), stderr still works. */
static void
test_no_daemon(void **state)
{
	struct capture cap;
	char *got;

	(void)state;
	syslog_gone = 1;
	capture_start(&cap);
	log_open("enf", LOG_DAEMON, LOG_TO_SYSLOG | LOG_TO_STDERR);
	log_msg(LOG_INFO, "nobody listens");
	got = capture_stop(&cap);
	syslog_gone = 0;
	assert_string_equal(got, "enf: nobody listens\n");
	free(got);
	assert_int_equal(ncalls, 1);
	expect_open(0, "enf", LOG_DAEMON);
	log_close();
}

/* set_facility without syslog does not open it, but is remembered. */
static void
test_facility_without_syslog(void **state)
{
	(void)state;
	log_open("enf", LOG_DAEMON, LOG_TO_STDERR);
	log_set_facility(LOG_LOCAL5);
	assert_int_equal(ncalls, 0);
}

static void
test_once(void **state)
{
	struct capture cap;
	char *got;

	(void)state;
	/* alone */
	capture_start(&cap);
	log_syslog_once("ods-ksmutil", LOG_DAEMON, LOG_INFO,
		"Manual key rollover for key type %s on zone %s initiated\n", "ksk", "example.com");
	got = capture_stop(&cap);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(ncalls, 3);
	expect_open(0, "ods-ksmutil", LOG_DAEMON);
	expect_syslog(
		1, LOG_INFO, "Manual key rollover for key type ksk on zone example.com initiated");
	expect_close(2);

	/* with the process logger on syslog: it is re-opened afterwards */
	ncalls = 0;
	log_open("ods-enforcerd", LOG_LOCAL2, LOG_TO_SYSLOG);
	log_syslog_once("ods-ksmutil", LOG_DAEMON, LOG_INFO, "Key %s made active", "abc");
	log_msg(LOG_ERR, "x");
	assert_int_equal(ncalls, 6);
	expect_open(0, "ods-enforcerd", LOG_LOCAL2);
	expect_open(1, "ods-ksmutil", LOG_DAEMON);
	expect_syslog(2, LOG_INFO, "Key abc made active");
	expect_close(3);
	expect_open(4, "ods-enforcerd", LOG_LOCAL2);
	expect_syslog(5, LOG_ERR, "x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_facility_names, reset, reset),
		cmocka_unit_test_setup_teardown(test_stderr, reset, reset),
		cmocka_unit_test_setup_teardown(test_default, reset, reset),
		cmocka_unit_test_setup_teardown(test_silent, reset, reset),
		cmocka_unit_test_setup_teardown(test_syslog, reset, reset),
		cmocka_unit_test_setup_teardown(test_no_daemon, reset, reset),
		cmocka_unit_test_setup_teardown(test_both, reset, reset),
		cmocka_unit_test_setup_teardown(test_facility_without_syslog, reset, reset),
		cmocka_unit_test_setup_teardown(test_once, reset, reset),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
