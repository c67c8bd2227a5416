#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/str.h"

/* The process logger. ident is kept alive while syslog is open (openlog keeps the pointer). */
static char *log_ident;
static int log_facility = LOG_DAEMON;
static unsigned log_flags = LOG_TO_STDERR;

/*
 * Whether a syslog daemon listens on _PATH_LOG, looked at again at most
 * once a second. Without one, glibc's syslog() opens, fails to connect and
 * closes a socket for every message, which is most of the cost of a pass
 * over many zones; the message would be lost either way.
 */
static int syslog_listening = 1;
static time_t syslog_checked;

static int
syslog_present(void)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 1;
	if (syslog_checked == 0 || now.tv_sec != syslog_checked) {
		syslog_checked = now.tv_sec;
		syslog_listening = access(_PATH_LOG, F_OK) == 0;
	}
	return syslog_listening;
}

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "USER", LOG_USER },
	{ "KERN", LOG_KERN },
	{ "MAIL", LOG_MAIL },
	{ "DAEMON", LOG_DAEMON },
	{ "AUTH", LOG_AUTH },
	{ "SYSLOG", LOG_SYSLOG },
	{ "LPR", LOG_LPR },
	{ "NEWS", LOG_NEWS },
	{ "UUCP", LOG_UUCP },
#ifdef LOG_AUDIT
	{ "AUDIT", LOG_AUDIT },
#endif
	{ "CRON", LOG_CRON },
	{ "LOCAL0", LOG_LOCAL0 },
	{ "LOCAL1", LOG_LOCAL1 },
	{ "LOCAL2", LOG_LOCAL2 },
	{ "LOCAL3", LOG_LOCAL3 },
	{ "LOCAL4", LOG_LOCAL4 },
	{ "LOCAL5", LOG_LOCAL5 },
	{ "LOCAL6", LOG_LOCAL6 },
	{ "LOCAL7", LOG_LOCAL7 },
};

void
log_open(const char *ident, int facility, unsigned flags)
{
	char *copy = str_dup(ident);

	if (log_flags & LOG_TO_SYSLOG)
		closelog();
	if (copy != NULL || ident == NULL) {
		free(log_ident);
		log_ident = copy;
	}
	log_facility = facility;
	log_flags = flags;
	syslog_checked = 0; /* look for the daemon afresh */
	if (log_flags & LOG_TO_SYSLOG)
		openlog(log_ident, 0, log_facility);
}

void
log_set_facility(int facility)
{
	log_facility = facility;
	if (log_flags & LOG_TO_SYSLOG) {
		closelog();
		openlog(log_ident, 0, log_facility);
	}
}

int
log_facility_from_name(const char *name, int *facility)
{
	int ret = E_NOTFOUND;

	if (name == NULL || facility == NULL) {
		ret = E_INVAL;
		goto out;
	}
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		if (str_prefix_ci(name, facilities[i].name)) {
			*facility = facilities[i].facility;
			ret = 0;
			break;
		}
	}
out:
	return ret;
}

/*
 * Format into small (of size smallsz) or, when that is too short, into a
 * malloc()ed buffer returned in *heap (truncating into small when that
 * fails). Drops one trailing newline. Returns the text.
 */
static char *
format_text(char *small, size_t smallsz, char **heap, const char *fmt, va_list ap)
{
	va_list ap2;
	char *text = small;
	int n;

	*heap = NULL;
	va_copy(ap2, ap);
	n = vsnprintf(small, smallsz, fmt, ap);
	if (n < 0) {
		small[0] = '\0';
		n = 0;
	} else if ((size_t)n >= smallsz) {
		char *big = malloc((size_t)n + 1);

		if (big != NULL && vsnprintf(big, (size_t)n + 1, fmt, ap2) == n) {
			*heap = big;
			text = big;
		} else {
			free(big);
			n = (int)strlen(small);
		}
	}
	va_end(ap2);
	if (n > 0 && text[n - 1] == '\n')
		text[n - 1] = '\0';
	return text;
}

void
log_msg(int priority, const char *fmt, ...)
{
	char small[512];
	char *heap, *text;
	va_list ap;

	va_start(ap, fmt);
	text = format_text(small, sizeof(small), &heap, fmt, ap);
	va_end(ap);
	if ((log_flags & LOG_TO_SYSLOG) && syslog_present())
		syslog(priority, "%s", text);
	if (log_flags & LOG_TO_STDERR) {
		if (log_ident != NULL)
			fprintf(stderr, "%s: %s\n", log_ident, text);
		else
			fprintf(stderr, "%s\n", text);
		fflush(stderr);
	}
	free(heap);
}

void
log_close(void)
{
	if (log_flags & LOG_TO_SYSLOG)
		closelog();
	free(log_ident);
	log_ident = NULL;
	log_facility = LOG_DAEMON;
	log_flags = LOG_TO_STDERR;
}

void
log_syslog_once(const char *ident, int facility, int priority, const char *fmt, ...)
{
	char small[512];
	char *heap, *text;
	va_list ap;

	va_start(ap, fmt);
	text = format_text(small, sizeof(small), &heap, fmt, ap);
	va_end(ap);
	openlog(ident, 0, facility);
	syslog(priority, "%s", text);
	closelog();
	if (log_flags & LOG_TO_SYSLOG)
		openlog(log_ident, 0, log_facility);
	free(heap);
}
