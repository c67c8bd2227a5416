#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/str.h"

char *
str_dup(const char *s)
{
	if (s == NULL)
		return NULL;
	return strdup(s);
}

char *
str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	return s;
}

char *
str_replace_all(const char *s, const char *from, const char *to)
{
	size_t flen, tlen, n = 0, len;
	const char *p;
	char *out, *o;

	if (s == NULL || from == NULL || to == NULL || *from == '\0')
		return NULL;
	flen = strlen(from);
	tlen = strlen(to);
	for (p = strstr(s, from); p != NULL; p = strstr(p + flen, from))
		n++;
	len = strlen(s) + n * tlen - n * flen;
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	for (o = out; (p = strstr(s, from)) != NULL; s = p + flen) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, to, tlen);
		o += tlen;
	}
	strcpy(o, s);
	return out;
}

void
str_lower(char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

char *
str_trim(char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	s[n] = '\0';
	return s;
}

int
str_all_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
	}
	return 1;
}

int
str_prefix_ci(const char *s, const char *prefix)
{
	if (s == NULL || prefix == NULL)
		return 0;
	for (; *prefix != '\0'; s++, prefix++) {
		if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
			return 0;
	}
	return 1;
}

int
str_to_int64(const char *s, int64_t *out)
{
	const char *p;
	int neg = 0;
	uint64_t v = 0;
	/* magnitude limit: INT64_MAX, or INT64_MAX + 1 for a negative number */
	uint64_t limit;
	int ret;

	if (s == NULL || *s == '\0' || out == NULL) {
		ret = E_INVAL;
		goto out;
	}
	p = s;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p == '\0') {
		ret = E_PARSE;
		goto out;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *p != '\0'; p++) {
		unsigned d;

		if (*p < '0' || *p > '9') {
			ret = E_PARSE;
			goto out;
		}
		d = (unsigned)(*p - '0');
		if (v > (limit - d) / 10) {
			ret = E_RANGE;
			goto out;
		}
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	ret = 0;
out:
	return ret;
}
