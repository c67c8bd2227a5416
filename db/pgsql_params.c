/*
 * pgsql_params.c - '?' placeholders numbered $1, $2, ... for PostgreSQL
 * (db/pgsql_params.h). Pure text work, no libpq: unit-tested on its own.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/pgsql_params.h"

static int
ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

/*
 * The end of the quoted string or comment starting at p, or p when none
 * starts there. The same rules as db_count_params() (db.c), so that both
 * agree on the number of placeholders: '...', "..." and `...` with a
 * doubled quote standing for itself, -- to the end of the line, and
 * unnested block comments. Unterminated ones run to the end of the text.
 * (E'...' strings with backslash escapes and $$-quoted strings are not
 * understood: a '?' inside them is miscounted and makes db_prepare fail
 * with E_INVAL. Neither belongs in a statement with parameters.)
 */
static const char *
skip_literal(const char *p)
{
	char q;

	if (p[0] == '-' && p[1] == '-') {
		for (p += 2; *p != '\0' && *p != '\n'; p++)
			;
		return p;
	}
	if (p[0] == '/' && p[1] == '*') {
		for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++)
			;
		return *p != '\0' ? p + 2 : p;
	}
	if (*p != '\'' && *p != '"' && *p != '`')
		return p;
	q = *p++;
	while (*p != '\0') {
		if (*p == q && p[1] == q) {
			p += 2;
		} else if (*p == q) {
			return p + 1;
		} else {
			p++;
		}
	}
	return p;
}

/*
 * A copy of sql with its '?' placeholders numbered $1, $2, ... (a blank is
 * put between a number and a neighbouring identifier character, so that
 * "?1" or "??" cannot fuse into one token). *count gets the number of
 * placeholders, *empty is 1 when sql holds nothing but blanks, ';' and
 * comments. NULL when out of memory; the caller frees the result.
 */
char *
pgsql_rewrite_params(const char *sql, int *count, int *empty)
{
	const char *p, *next;
	size_t nq = 0, n = 0;
	char *out;
	int k = 0;

	for (p = sql; *p != '\0'; p++)
		nq += *p == '?';
	out = malloc(strlen(sql) + nq * 14 + 1);
	if (out == NULL)
		return NULL;
	*empty = 1;
	for (p = sql; *p != '\0';) {
		next = skip_literal(p);
		if (next != p) {
			if (*p != '-' && *p != '/')
				*empty = 0;
			memcpy(out + n, p, (size_t)(next - p));
			n += (size_t)(next - p);
			p = next;
			continue;
		}
		if (*p == '?') {
			if (n > 0 && ident_char(out[n - 1]))
				out[n++] = ' ';
			n += (size_t)sprintf(out + n, "$%d", ++k);
			if (ident_char(p[1]))
				out[n++] = ' ';
			*empty = 0;
			p++;
			continue;
		}
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ';')
			*empty = 0;
		out[n++] = *p++;
	}
	out[n] = '\0';
	*count = k;
	return out;
}
