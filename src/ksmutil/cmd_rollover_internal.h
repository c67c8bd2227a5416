/*
 * cmd_rollover_internal.h - what the two files of ods-ksmutil's manual
 * rollover commands share beyond ksmutil.h; private: included only by
 * src/ksmutil/cmd_rollover.c (key rollover, rollover list) and
 * src/ksmutil/cmd_rollover_ksk.c (key ds-seen, ksk-retire, ksk-revoke).
 */
#ifndef KSMUTIL_CMD_ROLLOVER_INTERNAL_H
#define KSMUTIL_CMD_ROLLOVER_INTERNAL_H

/* The syslog lines are at most this long, as in 1.x. */
#define ROLLOVER_LOGMSG_LEN 256

/* One line to syslog as "ods-ksmutil" (LOG_DAEMON, LOG_INFO), as 1.x logged its changes. */
void rollover_syslog(const char *line);

#endif
