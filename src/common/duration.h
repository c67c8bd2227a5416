/*
 * duration.h - the ISO 8601 style durations of kasp.xml, conf.xml and
 * `ods-ksmutil key generate --interval` (enforcer.md section 0,
 * ksmutil-cli.md section 8).
 *
 * Grammar accepted by duration_parse():
 *
 *   [-] [P] [nY] [nM] [nW] [nD] [nH] [nS | n] [T [nH] [nM] [nS]]
 *
 * - n is one or more ASCII digits; no sign, no fraction, no exponent.
 * - Y = 365 days, M before T = 31 days, W = 7 days, D = 1 day, H = 3600 s,
 *   M after T = 60 s, S = 1 s. Designators are upper case only.
 * - H and S are also taken before T ("P1S", "P2H"): 1.x accepted them and
 *   they are not ambiguous. M before T always means months.
 * - Each unit appears at most once, in the order Y M W D H M S, with the
 *   T anywhere before the first time-only group. The 1.x parser accepted
 *   repeats and any order; configuration files hold xsd:duration values,
 *   which are always ordered, so nothing valid is lost.
 * - A number without a designator at the very end counts as seconds, but
 *   only when no T was seen ("3600", "P1D30"); after T it is an error
 *   ("PT5").
 * - At least one number is required, and a T must be followed by at least
 *   one group: "", "P", "-", "PT", "P1DT" are all errors.
 * - The spec's "minimum length 2 characters" of 1.x is not a separate
 *   rule here: every one-character string is already an error under the
 *   grammar except a single digit, which we accept as that many seconds
 *   (1.x rejected "5" but accepted "05"; there is no reason to keep that).
 *
 * Range (fix of the 1.x QUIRK that truncated the sum to 32 bits without a
 * check): the result must lie within [-DURATION_MAX, DURATION_MAX], i.e. fit
 * in the plain 32-bit int columns of the 1.x schema. Anything larger is
 * E_RANGE, never a wrapped value. P68Y (2144448000 s) is the largest whole
 * number of years that fits.
 */
#ifndef COMMON_DURATION_H
#define COMMON_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Largest magnitude duration_parse() returns: INT32_MAX seconds (~68 years). */
#define DURATION_MAX INT64_C(2147483647)

/* Enough room for duration_format() of any int64_t ("-PT" + 19 digits + "S"). */
#define DURATION_STR_LEN 32

/*
 * Parse text into seconds.
 *
 * Returns 0 on success, E_INVAL when text or seconds is NULL or text is
 * empty, E_PARSE when text does not follow the grammar above (anywhere),
 * E_RANGE when it does but a group or the total exceeds DURATION_MAX.
 *
 * On success *seconds receives the value and, when approx is not NULL,
 * *approx is set to 1 when Y or a month M was used (the value is then an
 * approximation; callers print "Info: converting <text> to seconds; M
 * interpreted as 31 days, Y interpreted as 365 days"), else 0. Nothing is
 * written on failure.
 */
int duration_parse(const char *text, int64_t *seconds, int *approx);

/*
 * Write seconds as "PT<n>S" (or "-PT<n>S" for a negative value) into buf of
 * len bytes, NUL-terminated. Returns 0, E_INVAL when buf is NULL, or
 * E_RANGE when len is too small (buf is then left untouched).
 */
int duration_format(int64_t seconds, char *buf, size_t len);

#endif
