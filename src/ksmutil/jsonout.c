/*
 * jsonout.c - the --json document writer (see jsonout.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"

/* The real stdout once jsonout_take_stdout() has run. */
static FILE *doc_out;

int
jsonout_take_stdout(void)
{
	int fd;

	(void)fflush(stdout);
	if ((fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
		return -1;
	if ((doc_out = fdopen(fd, "w")) == NULL) {
		int saved = errno;

		(void)close(fd);
		errno = saved;
		return -1;
	}
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return -1;
	/* messages interleave with stderr's in the order they are printed */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
}

/* Write one value compactly; marks the document failed on NULL or an error. */
static void
put_value(struct jdoc *d, json_t *value)
{
	if (value == NULL) {
		d->failed = 1;
		(void)fputs("null", d->out);
		return;
	}
	if (json_dumpf(value, d->out, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) != 0)
		d->failed = 1;
	json_decref(value);
}

static void
put_key(struct jdoc *d, const char *key)
{
	if (d->fields++ > 0)
		(void)fputc(',', d->out);
	put_value(d, json_string(key));
	(void)fputc(':', d->out);
}

void
jdoc_begin(struct jdoc *d)
{
	memset(d, 0, sizeof(*d));
	d->out = doc_out != NULL ? doc_out : stdout;
	(void)fputc('{', d->out);
}

void
jdoc_field(struct jdoc *d, const char *key, json_t *value)
{
	put_key(d, key);
	put_value(d, value);
}

void
jdoc_array_begin(struct jdoc *d, const char *key)
{
	put_key(d, key);
	(void)fputc('[', d->out);
	d->in_array = 0;
}

/* One element per line: a long list stays readable and greppable. */
void
jdoc_array_add(struct jdoc *d, json_t *value)
{
	(void)fputs(d->in_array++ > 0 ? ",\n" : "\n", d->out);
	put_value(d, value);
}

void
jdoc_array_end(struct jdoc *d)
{
	(void)fputs(d->in_array > 0 ? "\n]" : "]", d->out);
	d->in_array = 0;
}

int
jdoc_end(struct jdoc *d)
{
	(void)fputs("}\n", d->out);
	if (fflush(d->out) != 0 || ferror(d->out)) {
		fprintf(stderr, "Error: cannot write the JSON output: %s\n", strerror(errno));
		return KSM_ERUNTIME;
	}
	if (d->failed) {
		/* the document is incomplete: say so, and do not exit 0 */
		fprintf(stderr, "Error: out of memory while writing the JSON output\n");
		return KSM_ERUNTIME;
	}
	return KSM_OK;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned int c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
		(c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

json_t *
jstr(const char *s)
{
	const unsigned char *p;
	char *fixed, *w;
	json_t *v;

	if (s == NULL)
		return json_null();
	if ((v = json_string(s)) != NULL)
		return v;
	/* not UTF-8 (a path from an old database, say): replace what is not */
	if ((fixed = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (p = (const unsigned char *)s, w = fixed; *p != '\0';) {
		size_t n = utf8_len(p);

		if (n == 0) {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
			p++;
		} else {
			memcpy(w, p, n);
			w += n;
			p += n;
		}
	}
	*w = '\0';
	v = json_string(fixed);
	free(fixed);
	return v;
}

json_t *
jint(int64_t v)
{
	return json_integer((json_int_t)v);
}

json_t *
jbool(int v)
{
	return json_boolean(v);
}

int
jset(json_t *obj, const char *key, json_t *value)
{
	if (obj == NULL || value == NULL) {
		json_decref(value);
		return -1;
	}
	return json_object_set_new(obj, key, value) == 0 ? 0 : -1;
}

json_t *
jdone(json_t *obj, int rc)
{
	if (rc != 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* t as RFC 3339 UTC into text; 0, or -1 when it has no such form. */
static int
rfc3339(int64_t t, char text[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(text, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

int
jset_time(json_t *obj, const char *name, int64_t t, int set)
{
	char key[64], text[32];
	int rc = 0;

	if (set && rfc3339(t, text) != 0)
		set = 0;
	rc |= jset(obj, name, set ? json_string(text) : json_null());
	(void)snprintf(key, sizeof(key), "%s_epoch", name);
	rc |= jset(obj, key, set ? jint(t) : json_null());
	return rc;
}

void
jdoc_field_time(struct jdoc *d, const char *name, int64_t t)
{
	char key[64], text[32];
	int set = rfc3339(t, text) == 0;

	jdoc_field(d, name, set ? json_string(text) : json_null());
	(void)snprintf(key, sizeof(key), "%s_epoch", name);
	jdoc_field(d, key, set ? jint(t) : json_null());
}
