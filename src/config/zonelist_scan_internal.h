/*
 * zonelist_scan_internal.h - what the pieces of the zonelist.xml scanner
 * share: the cursor over the text and its small primitives (inline: they
 * run per byte), and the lexing functions one piece calls in another.
 * Private to src/config/zonelist_scan*.c.
 */
#ifndef CONFIG_ZONELIST_SCAN_INTERNAL_H
#define CONFIG_ZONELIST_SCAN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct zonelist_scan_lexer {
	const char *b;
	size_t len;
	size_t p;
};

static inline int
zonelist_scan_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline int
zonelist_scan_at_n(const struct zonelist_scan_lexer *l, const char *lit, size_t n)
{
	return l->len - l->p >= n && memcmp(l->b + l->p, lit, n) == 0;
}

/* Does the text at the cursor start with the string literal lit? */
#define zonelist_scan_at(l, lit) zonelist_scan_at_n((l), (lit), sizeof(lit) - 1)

/*
 * The byte loops work on a local copy of the cursor: l->b is char, which
 * may alias l->p, so a loop on l->p itself stores and reloads it per byte.
 */
static inline void
zonelist_scan_skip_ws(struct zonelist_scan_lexer *l)
{
	const char *b = l->b;
	size_t p = l->p, len = l->len;

	while (p < len && zonelist_scan_is_ws((unsigned char)b[p]))
		p++;
	l->p = p;
}

/* zonelist_scan.c */
int zonelist_scan_skip_past(struct zonelist_scan_lexer *l, const char *lit);
size_t zonelist_scan_lex_name(struct zonelist_scan_lexer *l);
int zonelist_scan_decode_ref(const char *b, size_t len, size_t *i, uint32_t *cp);

/* zonelist_scan_markup.c: each -1 when the text is not what it should be */
int zonelist_scan_lex_comment(struct zonelist_scan_lexer *l);
int zonelist_scan_lex_cdata(struct zonelist_scan_lexer *l);
int zonelist_scan_lex_pi(struct zonelist_scan_lexer *l);
int zonelist_scan_lex_misc(struct zonelist_scan_lexer *l);
int zonelist_scan_lex_eq_quoted(struct zonelist_scan_lexer *l, size_t *off, size_t *len);
int zonelist_scan_lex_decl(struct zonelist_scan_lexer *l);

#endif
