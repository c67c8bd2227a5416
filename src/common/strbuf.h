/*
 * strbuf.h - the project's one growable string.
 *
 * Start from STRBUF_INIT (or all zeroes). Appends never fail on the spot:
 * running out of memory is remembered, later appends do nothing, and
 * strbuf_status() reports it once the text is complete, so a builder of
 * many pieces checks one result instead of one per piece. The capacity
 * doubles as the text grows.
 *
 * Ownership: the buffer owns b->s until strbuf_take() hands it over or
 * strbuf_free() releases it.
 */
#ifndef COMMON_STRBUF_H
#define COMMON_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *s;    /* NUL-terminated once anything was appended; else NULL */
	size_t len; /* bytes of text, without the NUL */
	size_t cap; /* bytes allocated */
	int nomem;  /* an append ran out of memory */
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

/* Append n bytes of text (which need not be NUL-terminated). */
void strbuf_add(struct strbuf *b, const char *text, size_t n);

/* Append a NUL-terminated string. */
void strbuf_str(struct strbuf *b, const char *text);

/* Append printf-style text. */
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* 0, or E_NOMEM once an append since the last reset ran out of memory. */
int strbuf_status(const struct strbuf *b);

/* The text so far ("" when empty); valid until the next append, reset or free. */
const char *strbuf_text(const struct strbuf *b);

/* Empty the text and forget a failure; the memory is kept for reuse. */
void strbuf_reset(struct strbuf *b);

/*
 * Hand the text to the caller (a malloc()ed string, "" when empty; free()
 * it) and leave b empty. NULL when an append failed or memory is short;
 * b is then empty too.
 */
char *strbuf_take(struct strbuf *b);

/* Release the memory and leave b as STRBUF_INIT. */
void strbuf_free(struct strbuf *b);

#endif
