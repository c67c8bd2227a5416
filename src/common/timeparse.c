#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/str.h"
#include "common/timeparse.h"

const char time_help_text[] =
	"\n"
	"\tAllowed date/time strings are of the form:\n"
	"\tYYYYMMDD[HH[MM[SS]]]                (all numeric)\n"
	"\n"
	"\tor  D-MMM-YYYY[:| ]HH[:MM[:SS]]     (alphabetic  month)\n"
	"\tor  DD-MMM-YYYY[:| ]HH[:MM[:SS]]    (alphabetic  month)\n"
	"\tor  YYYY-MMM-DD[:| ]HH[:MM[:SS]]    (alphabetic month)\n"
	"\n"
	"\tD-MM-YYYY[:| ]HH[:MM[:SS]]          (numeric month)\n"
	"\tDD-MM-YYYY[:| ]HH[:MM[:SS]]         (numeric month)\n"
	"\tor  YYYY-MM-DD[:| ]HH[:MM[:SS]]     (numeric month)\n"
	"\n"
	"\t... and the distinction between them is given by the location of the\n"
	"\thyphens.\n";

/* Longest input worth looking at: "yyyy-mmm-dd hh:mm:ss" is 20 characters. */
#define TIME_TEXT_MAX 64

static const char *const month_names[12] = {
	"jan",
	"feb",
	"mar",
	"apr",
	"may",
	"jun",
	"jul",
	"aug",
	"sep",
	"oct",
	"nov",
	"dec",
};

/* One hyphen layout: where the two hyphens are and what the fields hold. */
struct date_layout {
	int hyphen1, hyphen2; /* offsets of the two hyphens */
	int day_at, day_len;
	int month_at, month_len; /* month_len 3 = alphabetic */
	int year_at;             /* always 4 digits */
	int len;                 /* length of the whole date */
};

static const struct date_layout layouts[] = {
	{ 1, 5, 0, 1, 2, 3, 6, 10 }, /* D-MMM-YYYY */
	{ 2, 6, 0, 2, 3, 3, 7, 11 }, /* DD-MMM-YYYY */
	{ 4, 8, 9, 2, 5, 3, 0, 11 }, /* YYYY-MMM-DD */
	{ 1, 4, 0, 1, 2, 2, 5, 9 },  /* D-MM-YYYY */
	{ 2, 5, 0, 2, 3, 2, 6, 10 }, /* DD-MM-YYYY */
	{ 4, 7, 8, 2, 5, 2, 0, 10 }, /* YYYY-MM-DD */
};

struct fields {
	int year, month, day, hour, minute, second;
};

/* Value of n digits at s; -1 when any of them is not a digit. */
static int
digits_at(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Read one time field of one or two digits at *sp into *v and advance *sp.
 * Returns 0, or E_PARSE when there is no digit.
 */
static int
time_field(const char **sp, int *v)
{
	const char *s = *sp;
	int n = 0;

	if (s[0] < '0' || s[0] > '9')
		return E_PARSE;
	n = s[0] - '0';
	s++;
	if (s[0] >= '0' && s[0] <= '9') {
		n = n * 10 + (s[0] - '0');
		s++;
	}
	*v = n;
	*sp = s;
	return 0;
}

static int
parse_numeric(const char *s, size_t len, struct fields *f)
{
	if (len < 8 || len > 14 || len % 2 != 0)
		return E_PARSE;
	f->year = digits_at(s, 4);
	f->month = digits_at(s + 4, 2);
	f->day = digits_at(s + 6, 2);
	f->hour = len >= 10 ? digits_at(s + 8, 2) : 0;
	f->minute = len >= 12 ? digits_at(s + 10, 2) : 0;
	f->second = len >= 14 ? digits_at(s + 12, 2) : 0;
	return 0;
}

static int
parse_hyphenated(const char *s, size_t len, struct fields *f)
{
	const struct date_layout *l = NULL;
	const char *h1, *h2, *p;
	int ret;

	h1 = strchr(s, '-');
	h2 = h1 != NULL ? strchr(h1 + 1, '-') : NULL;
	if (h2 == NULL) {
		ret = E_PARSE;
		goto out;
	}
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (layouts[i].hyphen1 == h1 - s && layouts[i].hyphen2 == h2 - s) {
			l = &layouts[i];
			break;
		}
	}
	if (l == NULL || len < (size_t)l->len) {
		ret = E_PARSE;
		goto out;
	}
	f->year = digits_at(s + l->year_at, 4);
	f->day = digits_at(s + l->day_at, l->day_len);
	if (f->year < 0 || f->day < 0) {
		ret = E_PARSE;
		goto out;
	}
	if (l->month_len == 3) {
		f->month = -1;
		for (int m = 0; m < 12; m++) {
			if (memcmp(s + l->month_at, month_names[m], 3) == 0) {
				f->month = m + 1;
				break;
			}
		}
	} else {
		f->month = digits_at(s + l->month_at, 2);
	}
	if (f->month < 0) {
		ret = E_PARSE;
		goto out;
	}

	f->hour = f->minute = f->second = 0;
	p = s + l->len;
	if (*p != '\0') {
		if (*p != ':' && *p != ' ') {
			ret = E_PARSE;
			goto out;
		}
		p++;
		if ((ret = time_field(&p, &f->hour)) != 0)
			goto out;
		if (*p == ':') {
			p++;
			if ((ret = time_field(&p, &f->minute)) != 0)
				goto out;
			if (*p == ':') {
				p++;
				if ((ret = time_field(&p, &f->second)) != 0)
					goto out;
			}
		}
		if (*p != '\0') {
			ret = E_PARSE;
			goto out;
		}
	}
	ret = 0;
out:
	return ret;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
fields_valid(const struct fields *f)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int dim;

	if (f->year < 1 || f->year > 9999 || f->month < 1 || f->month > 12)
		return 0;
	dim = mdays[f->month - 1] + (f->month == 2 && is_leap(f->year));
	return f->day >= 1 && f->day <= dim && f->hour >= 0 && f->hour <= 23 && f->minute >= 0 &&
	       f->minute <= 59 && f->second >= 0 && f->second <= 59;
}

int
time_parse(const char *text, time_t now, time_t *out)
{
	char copy[TIME_TEXT_MAX + 1];
	char *s;
	size_t len;
	struct fields f;
	struct tm tm;
	time_t t;
	int ret;

	if (text == NULL || out == NULL) {
		ret = E_INVAL;
		goto out;
	}
	while (isspace((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0) {
		ret = E_INVAL;
		goto out;
	}
	if (len > TIME_TEXT_MAX) {
		ret = E_PARSE;
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	s = copy;
	str_lower(s);
	if (strcmp(s, "now") == 0) {
		*out = now;
		ret = 0;
		goto out;
	}
	if (strspn(s, "0123456789") == len)
		ret = parse_numeric(s, len, &f);
	else
		ret = parse_hyphenated(s, len, &f);
	if (ret != 0)
		goto out;
	if (!fields_valid(&f)) {
		ret = E_RANGE;
		goto out;
	}

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = f.year - 1900;
	tm.tm_mon = f.month - 1;
	tm.tm_mday = f.day;
	tm.tm_hour = f.hour;
	tm.tm_min = f.minute;
	tm.tm_sec = f.second;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1) {
		/* also the second before the epoch: genuine only if it reads back */
		struct tm chk;

		if (localtime_r(&t, &chk) == NULL || chk.tm_year != f.year - 1900 ||
			chk.tm_mon != f.month - 1 || chk.tm_mday != f.day ||
			chk.tm_hour != f.hour || chk.tm_min != f.minute || chk.tm_sec != f.second) {
			ret = E_RANGE;
			goto out;
		}
	}
	*out = t;
	ret = 0;
out:
	return ret;
}

void
time_format_local(time_t t, char buf[TIME_STR_LEN])
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		memcpy(buf, "0000-00-00 00:00:00", TIME_STR_LEN);
		return;
	}
	snprintf(buf, TIME_STR_LEN, "%04u-%02u-%02u %02u:%02u:%02u",
		(unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		(unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		(unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}
