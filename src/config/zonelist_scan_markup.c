/*
 * zonelist_scan_markup.c - the markup of a zone list other than elements
 * and text, for the scanner of zonelist_scan.c: comments, processing
 * instructions, CDATA sections and the XML declaration, each checked
 * against what libxml2 would take.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "config/zonelist_scan_internal.h"

/* "<!--" at the cursor: past its "-->"; "--" inside is not allowed. */
int
zonelist_scan_lex_comment(struct zonelist_scan_lexer *l)
{
	const char *q;

	l->p += 4;
	q = memmem(l->b + l->p, l->len - l->p, "--", 2);
	if (q == NULL || (size_t)(q - l->b) + 2 >= l->len || q[2] != '>')
		return -1;
	l->p = (size_t)(q - l->b) + 3;
	return 0;
}

/*
 * "<![CDATA[" at the cursor: past its "]]>". A CR inside is refused: the
 * XML rules make CR LF and a lone CR a line feed, but libxml2's streaming
 * reader (2.9.14), which loads zonelist.xml, drops a lone CR and keeps
 * the CR of a CR LF in CDATA, so the scanner would read another value;
 * the caller's libxml2 rewrite settles such a file.
 */
int
zonelist_scan_lex_cdata(struct zonelist_scan_lexer *l)
{
	size_t from = l->p + 9;

	if (zonelist_scan_skip_past(l, "]]>") != 0)
		return -1;
	return memchr(l->b + from, '\r', l->p - 3 - from) != NULL ? -1 : 0;
}

/* "<?" at the cursor: a processing instruction other than <?xml ...?>. */
int
zonelist_scan_lex_pi(struct zonelist_scan_lexer *l)
{
	size_t s, n;

	l->p += 2;
	s = l->p;
	n = zonelist_scan_lex_name(l);
	/* libxml2 (namespaces on) refuses a colon in the target */
	if (n == 0 || (n == 3 && strncasecmp(l->b + s, "xml", 3) == 0) ||
		memchr(l->b + s, ':', n) != NULL)
		return -1;
	if (!zonelist_scan_at(l, "?>") &&
		(l->p >= l->len || !zonelist_scan_is_ws((unsigned char)l->b[l->p])))
		return -1;
	return zonelist_scan_skip_past(l, "?>");
}

/*
 * Comments, processing instructions and white space (before and after the
 * root). A comment there that opens with "<!-->" or "<!--->" is refused
 * although XML allows it: libxml2 2.9.14's streaming reader, which loads
 * zonelist.xml, takes that "-->" for the comment's end when the comment
 * runs past the block it was handed, and then refuses the file.
 */
int
zonelist_scan_lex_misc(struct zonelist_scan_lexer *l)
{
	for (;;) {
		zonelist_scan_skip_ws(l);
		if (zonelist_scan_at(l, "<!--")) {
			if (zonelist_scan_at(l, "<!-->") || zonelist_scan_at(l, "<!--->") ||
				zonelist_scan_lex_comment(l) != 0)
				return -1;
		} else if (zonelist_scan_at(l, "<?")) {
			if (zonelist_scan_lex_pi(l) != 0)
				return -1;
		} else {
			return 0;
		}
	}
}

/*
 * Eq and a quoted value: S? '=' S? then '...' or "...", the cursor moved
 * past the closing quote; the value's place in *off and *len. -1 for
 * anything else.
 */
int
zonelist_scan_lex_eq_quoted(struct zonelist_scan_lexer *l, size_t *off, size_t *len)
{
	const char *q;
	char quote;

	zonelist_scan_skip_ws(l);
	if (!zonelist_scan_at(l, "="))
		return -1;
	l->p++;
	zonelist_scan_skip_ws(l);
	if (l->p >= l->len || (l->b[l->p] != '"' && l->b[l->p] != '\''))
		return -1;
	quote = l->b[l->p++];
	q = memchr(l->b + l->p, quote, l->len - l->p);
	if (q == NULL)
		return -1;
	*off = l->p;
	*len = (size_t)(q - l->b) - l->p;
	l->p = (size_t)(q - l->b) + 1;
	return 0;
}

/*
 * One pseudo-attribute of the XML declaration: S name Eq quoted-value.
 * The value goes to *val and *vlen. -1 when the text is not that.
 */
static int
lex_pseudo_attr(struct zonelist_scan_lexer *l, const char *name, const char **val, size_t *vlen)
{
	size_t n = strlen(name), off;

	if (l->p >= l->len || !zonelist_scan_is_ws((unsigned char)l->b[l->p]))
		return -1;
	zonelist_scan_skip_ws(l);
	if (!zonelist_scan_at_n(l, name, n))
		return -1;
	l->p += n;
	if (zonelist_scan_lex_eq_quoted(l, &off, vlen) != 0)
		return -1;
	*val = l->b + off;
	return 0;
}

static int
value_is(const char *val, size_t vlen, const char *want)
{
	return vlen == strlen(want) && strncasecmp(val, want, vlen) == 0;
}

/*
 * The XML declaration, if any: version 1.0, then optionally an encoding
 * of UTF-8 (or its ASCII subset) and standalone yes or no, in that order.
 */
int
zonelist_scan_lex_decl(struct zonelist_scan_lexer *l)
{
	const char *val;
	size_t vlen, mark;

	if (!zonelist_scan_at(l, "<?xml") || l->len - l->p < 6 ||
		!zonelist_scan_is_ws((unsigned char)l->b[l->p + 5]))
		return 0;
	l->p += 5;
	if (lex_pseudo_attr(l, "version", &val, &vlen) != 0 || vlen != 3 ||
		memcmp(val, "1.0", 3) != 0)
		return -1;
	mark = l->p;
	if (lex_pseudo_attr(l, "encoding", &val, &vlen) == 0) {
		if (!value_is(val, vlen, "UTF-8") && !value_is(val, vlen, "US-ASCII"))
			return -1;
	} else {
		l->p = mark;
	}
	mark = l->p;
	if (lex_pseudo_attr(l, "standalone", &val, &vlen) == 0) {
		if ((vlen != 3 || memcmp(val, "yes", 3) != 0) &&
			(vlen != 2 || memcmp(val, "no", 2) != 0))
			return -1;
	} else {
		l->p = mark;
	}
	zonelist_scan_skip_ws(l);
	if (!zonelist_scan_at(l, "?>"))
		return -1;
	l->p += 2;
	return 0;
}
