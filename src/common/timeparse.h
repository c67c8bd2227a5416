/*
 * timeparse.h - the date/time strings of `ods-ksmutil key import --time`,
 * `--retire`, `ksk-revoke --tdead` and ENFORCER_TIMESHIFT (ksmutil-cli.md
 * section 9), and the one display format of dates.
 *
 * Accepted (after trimming white space and lower-casing):
 *
 *   now                                   the caller's "now"
 *   YYYYMMDD[HH[MM[SS]]]                  all digits, even length 8 to 14
 *   D-MMM-YYYY  DD-MMM-YYYY  YYYY-MMM-DD  MMM = jan ... dec (any case)
 *   D-MM-YYYY   DD-MM-YYYY   YYYY-MM-DD   numeric month, one or two digits
 *                                         as the hyphen positions say
 *
 * A hyphen form may be followed by one separator, ':' or ' ', and a time
 * H[H], H[H]:M[M] or H[H]:M[M]:S[S]. Missing time fields are 0. The form is
 * chosen by where the first two hyphens are, exactly as the help text says.
 *
 * Fields are range-checked (month 1-12, day valid for the month with leap
 * years, hour 0-23, minute and second 0-59, year 1-9999); nothing may follow
 * the recognised form.
 *
 * The result is LOCAL time (mktime() with tm_isdst = -1, as 1.x did), so
 * the process's TZ decides the instant. A wall-clock time that does not
 * exist (skipped by a DST change) is moved forward by mktime(); an
 * ambiguous one (repeated hour) gets whichever offset mktime() picks.
 */
#ifndef COMMON_TIMEPARSE_H
#define COMMON_TIMEPARSE_H

#include <time.h>

/* Size of the buffer of time_format_local(): "YYYY-MM-DD HH:MM:SS" + NUL. */
#define TIME_STR_LEN 20

/*
 * Parse text. The word "now" yields now unchanged.
 *
 * Returns 0 and writes *out on success; E_INVAL when text or out is NULL or
 * text is empty after trimming; E_PARSE when text has none of the forms
 * above or carries anything after one; E_RANGE when a field is out of range
 * (2010-13-01, 2010-02-30, 31-04-2010, 24:00) or the instant does not fit in
 * time_t. Nothing is written on failure.
 */
int time_parse(const char *text, time_t now, time_t *out);

/*
 * Write t as "YYYY-MM-DD HH:MM:SS" in local time (how 1.x shows every date),
 * NUL-terminated, into buf. A t whose local year is outside 0-9999 (or that
 * localtime_r() rejects) is written as "0000-00-00 00:00:00".
 */
void time_format_local(time_t t, char buf[TIME_STR_LEN]);

/*
 * The help block ksmutil prints after `Error: unable to convert "<w>" into
 * a date`: exactly the text of ksmutil-cli.md section 9, starting with an
 * empty line, lines indented with one tab, ending in a newline.
 */
extern const char time_help_text[];

#endif
