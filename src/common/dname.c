#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dname.h"
#include "common/err.h"

#define DNAME_MAX_LABEL 63
#define DNAME_MAX_NAME 253 /* presentation length without the final dot */
#define SHOW_MAX 80        /* bytes of a bad name quoted in a message */

static int
allowed_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/*
 * Append c to buf (size bytes, at *len) so that it can be shown on a terminal
 * or in a log line: printable ASCII as is (quote and backslash escaped with a
 * backslash), everything else as \xNN.
 */
static void
show_char(char *buf, size_t size, size_t *len, unsigned char c, char quote)
{
	char tmp[8];

	if (c == (unsigned char)quote || c == '\\')
		(void)snprintf(tmp, sizeof(tmp), "\\%c", c);
	else if (c >= 0x20 && c < 0x7f)
		(void)snprintf(tmp, sizeof(tmp), "%c", c);
	else
		(void)snprintf(tmp, sizeof(tmp), "\\x%02x", c);
	if (*len + strlen(tmp) < size) {
		memcpy(buf + *len, tmp, strlen(tmp) + 1);
		*len += strlen(tmp);
	}
}

/* The name, made safe to print and cut to SHOW_MAX bytes ("..." appended). */
static void
show_name(const char *text, char *buf, size_t size)
{
	size_t len = 0, i;

	buf[0] = '\0';
	for (i = 0; i < SHOW_MAX && text[i] != '\0'; i++)
		show_char(buf, size, &len, (unsigned char)text[i], '"');
	if (text[i] != '\0' && len + 4 <= size) {
		memcpy(buf + len, "...", 4);
		len += 3;
	}
}

/* err = `zone name "<text>" <problem>`; the problem is printf-formatted. */
static void set_err(char *err, size_t errlen, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
set_err(char *err, size_t errlen, const char *text, const char *fmt, ...)
{
	char shown[SHOW_MAX * 4 + 8], problem[128];
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	show_name(text, shown, sizeof(shown));
	va_start(ap, fmt);
	(void)vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	(void)snprintf(err, errlen, "zone name \"%s\" %s", shown, problem);
}

int
dname_normalise(const char *text, int keep_dot, char **out, char *err, size_t errlen)
{
	size_t len, body, i, label;
	char shown[8], *copy;
	size_t n = 0;
	int rc;

	if (text == NULL) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "no zone name given");
		rc = E_INVAL;
		goto out;
	}
	len = strlen(text);
	if (len == 0) {
		set_err(err, errlen, text, "is empty");
		rc = E_INVAL;
		goto out;
	}
	if (strcmp(text, ".") == 0) {
		copy = strdup(".");
		if (copy == NULL) {
			rc = E_NOMEM;
			goto out;
		}
		*out = copy;
		rc = 0;
		goto out;
	}

	/* Characters first: the most useful message for names typed by hand. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '.' || allowed_char(c))
			continue;
		if (c == '*' && i == 0 && (text[1] == '.' || text[1] == '\0')) {
			set_err(err, errlen, text, "is a wildcard, which cannot be a zone");
			rc = E_INVAL;
			goto out;
		}
		n = 0;
		show_char(shown, sizeof(shown), &n, c, '\'');
		set_err(err, errlen, text, "has a character that is not allowed ('%s')", shown);
		rc = E_INVAL;
		goto out;
	}

	body = text[len - 1] == '.' ? len - 1 : len;
	if (body > DNAME_MAX_NAME) {
		set_err(err, errlen, text, "is longer than %d characters", DNAME_MAX_NAME);
		rc = E_INVAL;
		goto out;
	}
	if (text[0] == '-') {
		/* legal in DNS, but the name is passed as an argument to other programs */
		set_err(err, errlen, text, "starts with '-'");
		rc = E_INVAL;
		goto out;
	}
	label = 0;
	for (i = 0; i <= body; i++) {
		if (i < body && text[i] != '.') {
			label++;
			continue;
		}
		if (label == 0) {
			set_err(err, errlen, text, "has an empty label");
			rc = E_INVAL;
			goto out;
		}
		if (label > DNAME_MAX_LABEL) {
			set_err(err, errlen, text, "has a label longer than %d characters",
				DNAME_MAX_LABEL);
			rc = E_INVAL;
			goto out;
		}
		label = 0;
	}

	n = keep_dot ? len : body;
	copy = malloc(n + 1);
	if (copy == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		char c = text[i];

		copy[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	copy[n] = '\0';
	*out = copy;
	rc = 0;
out:
	return rc;
}

int
dname_other_spelling(const char *name, char **out)
{
	size_t len;
	char *s;
	int rc;

	if (name == NULL || name[0] == '\0') {
		rc = E_INVAL;
		goto out;
	}
	if (strcmp(name, ".") == 0) {
		rc = E_NOTFOUND;
		goto out;
	}
	len = strlen(name);
	s = malloc(len + 2);
	if (s == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	memcpy(s, name, len + 1);
	if (name[len - 1] == '.')
		s[len - 1] = '\0';
	else {
		s[len] = '.';
		s[len + 1] = '\0';
	}
	*out = s;
	rc = 0;
out:
	return rc;
}
