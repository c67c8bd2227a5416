/*
 * log.h - the daemon's logging: syslog and/or stderr (enforcer.md 7.1).
 *
 * One process-wide logger. Before log_open() (and after log_close())
 * messages go to stderr only, without an ident prefix, so nothing is lost
 * during start-up. Not thread-safe with respect to log_open(),
 * log_set_facility() and log_close(); log_msg() itself may be called from
 * any thread once the logger is set up.
 *
 * Syslog is opened with option flags 0: no LOG_PID, no LOG_CONS, no
 * LOG_NDELAY (the 1.x daemon did the same; scripts match the header).
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <syslog.h>

enum {
	LOG_TO_SYSLOG = 1,
	LOG_TO_STDERR = 2,
};

/*
 * Start logging as ident (copied; normally the basename of argv[0]) to the
 * destinations in flags (LOG_TO_SYSLOG | LOG_TO_STDERR) with facility
 * (LOG_DAEMON, LOG_LOCAL3, ...). Calling it again replaces the settings.
 * When the copy of ident cannot be allocated the previous ident is kept.
 */
void log_open(const char *ident, int facility, unsigned flags);

/* Re-open syslog with a new facility (the conf.xml one); no-op without syslog. */
void log_set_facility(int facility);

/*
 * Facility from a conf.xml name (Common/Logging/Syslog/Facility). The name
 * matches a facility when it starts with the facility's word, ignoring case:
 * USER, KERN, MAIL, DAEMON, AUTH, SYSLOG, LPR, NEWS, UUCP, AUDIT (where the
 * platform has LOG_AUDIT), CRON, LOCAL0 .. LOCAL7. So "local3" and "Local3"
 * work, "LOG_LOCAL3" does not. Returns 0 and writes *facility, E_NOTFOUND for
 * an unknown name (callers keep LOG_DAEMON), E_INVAL for NULL arguments.
 */
int log_facility_from_name(const char *name, int *facility);

/*
 * Log one message at priority (LOG_ERR, LOG_INFO, ...). One trailing newline
 * of the formatted text is dropped. Sent to syslog when enabled, and to
 * stderr as "<ident>: <text>\n" when enabled.
 */
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Close syslog, forget the ident and go back to the stderr-only default. */
void log_close(void);

/*
 * Open syslog as ident with facility, log one line at priority, close it
 * again (how ods-ksmutil logs its few syslog lines). One trailing newline is
 * dropped. If the process logger has syslog open, it is re-opened afterwards
 * with its own ident and facility.
 */
void log_syslog_once(const char *ident, int facility, int priority, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
