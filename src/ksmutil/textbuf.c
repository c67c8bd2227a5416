/*
 * textbuf.c - output collected while a transaction runs, printed once when
 * it is over (see struct ksm_text in ksmutil.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksmutil/ksmutil.h"

void
ksm_text_reset(struct ksm_text *t)
{
	t->len = 0;
	t->nomem = 0;
	if (t->buf)
		t->buf[0] = '\0';
}

static int
grow(struct ksm_text *t, size_t need)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *p;

	while (cap < need)
		cap *= 2;
	if (cap == t->cap)
		return 0;
	p = realloc(t->buf, cap);
	if (!p)
		return -1;
	t->buf = p;
	t->cap = cap;
	return 0;
}

void
ksm_text_printf(struct ksm_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->nomem)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(t, t->len + (size_t)n + 1) != 0) {
		t->nomem = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void
ksm_text_flush(struct ksm_text *t)
{
	if (t->len)
		fwrite(t->buf, 1, t->len, stdout);
	if (t->nomem)
		printf("Error: out of memory; some messages were lost\n");
	ksm_text_reset(t);
}

void
ksm_text_free(struct ksm_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}
