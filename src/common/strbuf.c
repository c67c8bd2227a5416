/*
 * strbuf.c - the growable string of strbuf.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/strbuf.h"

#define FIRST_CAP 256

/* Room for need more bytes and the NUL; 0, or -1 (and b->nomem) when short. */
static int
reserve(struct strbuf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->nomem)
		return -1;
	if (need > SIZE_MAX - b->len - 1)
		goto nomem;
	if (b->s != NULL && b->len + need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : FIRST_CAP;
	while (cap < b->len + need + 1) {
		if (cap > SIZE_MAX / 2)
			goto nomem;
		cap *= 2;
	}
	p = realloc(b->s, cap);
	if (p == NULL)
		goto nomem;
	b->s = p;
	b->cap = cap;
	return 0;
nomem:
	b->nomem = 1;
	return -1;
}

void
strbuf_add(struct strbuf *b, const char *text, size_t n)
{
	if (reserve(b, n) != 0)
		return;
	if (n > 0)
		memcpy(b->s + b->len, text, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_str(struct strbuf *b, const char *text)
{
	strbuf_add(b, text, strlen(text));
}

void
strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		b->nomem = 1; /* only an impossible format fails; nothing is appended */
	} else if (reserve(b, (size_t)n) == 0) {
		(void)vsnprintf(b->s + b->len, b->cap - b->len, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
}

void
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

int
strbuf_status(const struct strbuf *b)
{
	return b->nomem ? E_NOMEM : 0;
}

const char *
strbuf_text(const struct strbuf *b)
{
	return b->s != NULL ? b->s : "";
}

void
strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	b->nomem = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

char *
strbuf_take(struct strbuf *b)
{
	char *s;

	if (b->nomem) {
		strbuf_free(b);
		return NULL;
	}
	s = b->s != NULL ? b->s : strdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
strbuf_free(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->nomem = 0;
}
