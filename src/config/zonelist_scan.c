/*
 * zonelist_scan.c - the byte scanner of zonelist_scan.h.
 *
 * Two passes: the characters (valid UTF-8, no characters XML forbids),
 * then the markup, with a stack of open elements checked against the
 * shape zonelist.rng allows. Both are linear and allocate only the zone
 * table, so a 10,000-zone file is scanned in a few milliseconds.
 *
 * This file holds the names, references, elements and text; comments,
 * processing instructions, CDATA and the XML declaration are lexed in
 * zonelist_scan_markup.c, and values decoded in zonelist_scan_decode.c.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/err.h"
#include "config/xml.h"
#include "config/zonelist_scan.h"
#include "config/zonelist_scan_internal.h"

enum kind {
	K_ZONELIST,
	K_ZONE,
	K_POLICY,
	K_SIGNCONF,
	K_ADAPTERS,
	K_INPUT,
	K_OUTPUT,
	K_FILE,
	K_ADAPTER,
	K_UNKNOWN,
};

#define NAME(s)                                                                                    \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}
static const struct {
	const char *name;
	size_t len;
} kind_name[] = {
	NAME("ZoneList"),
	NAME("Zone"),
	NAME("Policy"),
	NAME("SignerConfiguration"),
	NAME("Adapters"),
	NAME("Input"),
	NAME("Output"),
	NAME("File"),
	NAME("Adapter"),
};
#undef NAME

/* The children each element has, in order, when the sequence is fixed. */
static const enum kind zone_seq[] = { K_POLICY, K_SIGNCONF, K_ADAPTERS };
static const enum kind adapters_seq[] = { K_INPUT, K_OUTPUT };

/* Elements that hold text and nothing else. */
static int
is_leaf(enum kind k)
{
	return k == K_POLICY || k == K_SIGNCONF || k == K_FILE || k == K_ADAPTER;
}

struct frame {
	enum kind kind;
	size_t name_off; /* of the start tag's name, for matching the end tag */
	size_t name_len;
	unsigned children;
};

/* The deepest valid nesting: ZoneList/Zone/Adapters/Input/Adapter. */
#define MAX_DEPTH 5

/*
 * Names are ASCII here. Every name the schema knows is, and a name with
 * other characters (a processing instruction's target, say) ends at the
 * first of them, which then breaks the syntax: the file goes to libxml2,
 * which knows which of them XML takes (U+00B7 yes, U+EEFF no).
 */
static int
name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
}

static int
name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* name_char() of every byte, looked up rather than computed: names are the hot path. */
static unsigned char name_table[256];

static void
name_table_init(void)
{
	if (name_table['a'])
		return;
	for (unsigned c = 0; c < 256; c++)
		name_table[c] = (unsigned char)name_char((unsigned char)c);
}

/* Move past the next occurrence of lit; -1 when there is none. */
int
zonelist_scan_skip_past(struct zonelist_scan_lexer *l, const char *lit)
{
	const char *q = memmem(l->b + l->p, l->len - l->p, lit, strlen(lit));

	if (q == NULL)
		return -1;
	l->p = (size_t)(q - l->b) + strlen(lit);
	return 0;
}

/* A name at the cursor: its length (0: none). */
size_t
zonelist_scan_lex_name(struct zonelist_scan_lexer *l)
{
	const char *b = l->b;
	size_t s = l->p, p = l->p, len = l->len;

	if (p >= len || !name_start((unsigned char)b[p]))
		return 0;
	while (p < len && name_table[(unsigned char)b[p]])
		p++;
	l->p = p;
	return p - s;
}

/*
 * Is the name at the cursor name (n bytes, itself a name)? What
 * zonelist_scan_lex_name() and a comparison would say, without the byte loop: the
 * bytes equal and the one after them ends the name.
 */
static int
at_name(const struct zonelist_scan_lexer *l, const char *name, size_t n)
{
	return l->len - l->p > n && memcmp(l->b + l->p, name, n) == 0 &&
	       !name_table[(unsigned char)l->b[l->p + n]];
}

/*
 * The reference starting at b[*i] ('&'), checked and decoded: the code
 * point in *cp, *i moved past the ';'. -1 for anything but the five
 * predefined entities and character references.
 */
int
zonelist_scan_decode_ref(const char *b, size_t len, size_t *i, uint32_t *cp)
{
	static const struct {
		const char *text;
		char c;
	} named[] = {
		{ "&amp;", '&' },
		{ "&lt;", '<' },
		{ "&gt;", '>' },
		{ "&quot;", '"' },
		{ "&apos;", '\'' },
	};
	size_t p = *i, n;
	uint32_t v = 0;
	int hex, digits = 0;

	for (n = 0; n < sizeof(named) / sizeof(named[0]); n++) {
		size_t tl = strlen(named[n].text);

		if (len - p >= tl && memcmp(b + p, named[n].text, tl) == 0) {
			*cp = (unsigned char)named[n].c;
			*i = p + tl;
			return 0;
		}
	}
	if (len - p < 4 || b[p + 1] != '#')
		return -1;
	p += 2;
	hex = b[p] == 'x';
	if (hex)
		p++;
	for (; p < len && b[p] != ';'; p++, digits++) {
		unsigned d;
		char c = b[p];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (hex && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (hex && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = v * (hex ? 16 : 10) + d;
		if (v > 0x10FFFF)
			return -1;
	}
	if (p >= len || digits == 0 || !xml_char_ok(v))
		return -1;
	*cp = v;
	*i = p + 1;
	return 0;
}

/*
 * Text is most of a zone list (paths, policy names, indentation): skip16
 * moves p sixteen bytes at a time while none of them needs a look, to the
 * first '<', '&' or '>' (a '>' only matters after "]]"), or with blank to
 * the first byte that is not blank; or to within 16 bytes of the end.
 * Without SSE2 it does nothing and the byte loops do it all.
 */
static size_t
skip16(const char *b, size_t len, size_t p, int blank)
{
#ifdef __SSE2__
	while (len - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + p));
		int m;

		if (blank)
			m = _mm_movemask_epi8(
				    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
							 _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
					    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
						    _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))))) ^
			    0xFFFF;
		else
			m = _mm_movemask_epi8(
				_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
						     _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))),
					_mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));
		if (m != 0)
			return p + (size_t)__builtin_ctz((unsigned)m);
		p += 16;
	}
#else
	(void)b;
	(void)len;
	(void)blank;
#endif
	return p;
}

static enum kind
kind_of(const char *name, size_t len)
{
	enum kind k;

	/* the lengths differ but for Input/Zone/File and Policy/Output/Adapter */
	switch (len) {
	case 4: k = name[0] == 'Z' ? K_ZONE : K_FILE; break;
	case 5: k = K_INPUT; break;
	case 6: k = name[0] == 'P' ? K_POLICY : K_OUTPUT; break;
	case 7: k = K_ADAPTER; break;
	case 8: k = name[0] == 'Z' ? K_ZONELIST : K_ADAPTERS; break;
	case 19: k = K_SIGNCONF; break;
	default: return K_UNKNOWN;
	}
	return memcmp(kind_name[k].name, name, len) == 0 ? k : K_UNKNOWN;
}

/* What a start tag held that the scan keeps. */
struct tag {
	size_t name_off, name_len;
	enum kind kind;
	int empty; /* <X/> */
	int nattrs;
	size_t attr_off; /* of the only attribute's value */
	size_t attr_len;
	size_t attr_name_off, attr_name_len;
};

/* Eq and a quoted attribute value: no '<', only valid references. */
static int
lex_attr_value(struct zonelist_scan_lexer *l, size_t *off, size_t *len)
{
	size_t i, end;
	uint32_t cp;

	if (zonelist_scan_lex_eq_quoted(l, off, len) != 0)
		return -1;
	end = *off + *len;
	for (i = *off; i < end;) {
		if (l->b[i] == '<')
			return -1;
		if (l->b[i] == '&') {
			if (zonelist_scan_decode_ref(l->b, end, &i, &cp) != 0)
				return -1;
		} else {
			i++;
		}
	}
	return 0;
}

/*
 * A start tag, cursor at its '<'. At most one attribute is ever needed.
 * expect is the kind the parent takes next (K_UNKNOWN: none in
 * particular); its name is tried before the byte loop of zonelist_scan_lex_name().
 */
static int
lex_start_tag(struct zonelist_scan_lexer *l, struct tag *t, enum kind expect)
{
	memset(t, 0, sizeof(*t));
	l->p++;
	t->name_off = l->p;
	if (expect != K_UNKNOWN && at_name(l, kind_name[expect].name, kind_name[expect].len)) {
		t->name_len = kind_name[expect].len;
		t->kind = expect;
		l->p += t->name_len;
	} else {
		t->name_len = zonelist_scan_lex_name(l);
		if (t->name_len == 0)
			return -1;
		t->kind = kind_of(l->b + t->name_off, t->name_len);
	}
	for (;;) {
		size_t before = l->p, an_off, an_len, v_off, v_len;

		zonelist_scan_skip_ws(l);
		if (zonelist_scan_at(l, ">")) {
			l->p++;
			return 0;
		}
		if (zonelist_scan_at(l, "/>")) {
			l->p += 2;
			t->empty = 1;
			return 0;
		}
		if (l->p == before || t->nattrs == 1)
			return -1;
		an_off = l->p;
		an_len = zonelist_scan_lex_name(l);
		if (an_len == 0 || lex_attr_value(l, &v_off, &v_len) != 0)
			return -1;
		t->nattrs = 1;
		t->attr_name_off = an_off;
		t->attr_name_len = an_len;
		t->attr_off = v_off;
		t->attr_len = v_len;
	}
}

/* The attribute the schema requires of an element (NULL: none allowed). */
static const char *
required_attr(enum kind k)
{
	return k == K_ZONE ? "name" : k == K_ADAPTER ? "type" : NULL;
}

static int
attrs_ok(const struct zonelist_scan_lexer *l, const struct tag *t)
{
	const char *want = required_attr(t->kind);

	if (want == NULL)
		return t->nattrs == 0 ? 0 : -1;
	return t->nattrs == 1 && t->attr_name_len == strlen(want) &&
			       memcmp(l->b + t->attr_name_off, want, t->attr_name_len) == 0
		       ? 0
		       : -1;
}

/* May an element of kind child come next inside parent? */
static int
child_ok(const struct frame *parent, enum kind child)
{
	switch (parent->kind) {
	case K_ZONELIST: return child == K_ZONE;
	case K_ZONE: return parent->children < 3 && zone_seq[parent->children] == child;
	case K_ADAPTERS: return parent->children < 2 && adapters_seq[parent->children] == child;
	case K_INPUT:
	case K_OUTPUT: return parent->children == 0 && (child == K_FILE || child == K_ADAPTER);
	default: return 0;
	}
}

/*
 * The child parent most likely takes next, tried first: the one kind that
 * fits, or in Input/Output the Adapter that zone add writes (K_UNKNOWN:
 * no guess). A wrong guess costs only the byte loop it was to save.
 */
static enum kind
expected_child(const struct frame *parent)
{
	switch (parent->kind) {
	case K_ZONELIST: return K_ZONE;
	case K_ZONE: return parent->children < 3 ? zone_seq[parent->children] : K_UNKNOWN;
	case K_ADAPTERS: return parent->children < 2 ? adapters_seq[parent->children] : K_UNKNOWN;
	case K_INPUT:
	case K_OUTPUT:
		/* File or Adapter: the one zone add writes */
		return K_ADAPTER;
	default: return K_UNKNOWN;
	}
}

/* Has an element seen all the children it needs? */
static int
complete(const struct frame *f)
{
	switch (f->kind) {
	case K_ZONE: return f->children == 3;
	case K_ADAPTERS: return f->children == 2;
	case K_INPUT:
	case K_OUTPUT: return f->children == 1;
	default: return 1;
	}
}

/*
 * Character data up to the next '<': only white space outside the leaves.
 * One pass byte by byte: the runs are short (indentation, a policy name,
 * a path), where calls to memchr() cost more than they save.
 */
static int
lex_text(struct zonelist_scan_lexer *l, int leaf)
{
	const char *b = l->b;
	size_t p = l->p, start = l->p;
	uint32_t cp;

	if (!leaf) {
		p = skip16(b, l->len, p, 1);
		for (; p < l->len && b[p] != '<'; p++) {
			if (!zonelist_scan_is_ws((unsigned char)b[p]))
				return -1;
		}
		l->p = p;
		return 0;
	}
	while (p < l->len && b[p] != '<') {
		p = skip16(b, l->len, p, 0);
		if (p >= l->len || b[p] == '<')
			break;
		if (b[p] == '&') {
			if (zonelist_scan_decode_ref(b, l->len, &p, &cp) != 0)
				return -1;
			continue;
		}
		/* "]]>" may not appear in text */
		if (b[p] == '>' && p - start >= 2 && b[p - 1] == ']' && b[p - 2] == ']')
			return -1;
		p++;
	}
	l->p = p;
	return 0;
}

int
zonelist_name_eq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen > 1 && a[alen - 1] == '.')
		alen--;
	if (blen > 1 && b[blen - 1] == '.')
		blen--;
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

/*
 * Might the raw name attribute text read only? Text with a reference, tab
 * or line break is decoded later by whoever asks, so it might.
 */
static int
may_be(const char *raw, size_t len, const char *only)
{
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '&' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r')
			return 1;
	}
	return zonelist_name_eq(raw, len, only);
}

/* A whole <Zone>: recorded unless the scan is for another zone. */
static int
add_zone(struct zonelist_scan *s, const char *b, const struct zonelist_scan_zone *zone,
	const char *only)
{
	s->total++;
	if (only != NULL && !may_be(b + zone->name_off, zone->name_len, only))
		return 0;
	if (s->nzones == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct zonelist_scan_zone *z = realloc(s->zones, cap * sizeof(*z));

		if (z == NULL)
			return E_NOMEM;
		s->zones = z;
		s->cap = cap;
	}
	s->zones[s->nzones++] = *zone;
	return 0;
}

/* Pass 2, from the root's start tag (cursor at its '<') to its end. */
static int
lex_root(struct zonelist_scan_lexer *l, struct zonelist_scan *s, const char *only)
{
	struct frame stack[MAX_DEPTH];
	struct frame *top;
	struct zonelist_scan_zone zone = { 0 }; /* the one being read */
	struct tag t;
	size_t depth = 0, start;
	int rc;

	if (lex_start_tag(l, &t, K_ZONELIST) != 0 || t.kind != K_ZONELIST || attrs_ok(l, &t) != 0)
		return E_PARSE;
	if (t.empty) {
		s->root_empty = 1;
		s->root_close = l->p - 2;
		return 0;
	}
	stack[depth++] = (struct frame){ K_ZONELIST, t.name_off, t.name_len, 0 };
	while (depth > 0) {
		top = &stack[depth - 1];
		if (l->p >= l->len)
			return E_PARSE;
		if (l->b[l->p] != '<') {
			if (lex_text(l, is_leaf(top->kind)) != 0)
				return E_PARSE;
		} else if (l->p + 1 < l->len && l->b[l->p + 1] == '!') {
			if (zonelist_scan_at(l, "<!--")) {
				if (zonelist_scan_lex_comment(l) != 0)
					return E_PARSE;
			} else if (!zonelist_scan_at(l, "<![CDATA[") || !is_leaf(top->kind) ||
				   zonelist_scan_lex_cdata(l) != 0) {
				return E_PARSE;
			}
		} else if (l->p + 1 < l->len && l->b[l->p + 1] == '?') {
			if (zonelist_scan_lex_pi(l) != 0)
				return E_PARSE;
		} else if (l->p + 1 < l->len && l->b[l->p + 1] == '/') {
			start = l->p;
			l->p += 2;
			if (!at_name(l, l->b + top->name_off, top->name_len))
				return E_PARSE;
			l->p += top->name_len;
			zonelist_scan_skip_ws(l);
			if (!zonelist_scan_at(l, ">") || !complete(top))
				return E_PARSE;
			l->p++;
			if (top->kind == K_ZONE) {
				zone.end = l->p;
				if ((rc = add_zone(s, l->b, &zone, only)) != 0)
					return rc;
			} else if (top->kind == K_SIGNCONF) {
				zone.sc_len = start - zone.sc_off;
			} else if (top->kind == K_ZONELIST)
				s->root_close = start;
			depth--;
		} else {
			start = l->p;
			if (lex_start_tag(l, &t, expected_child(top)) != 0 ||
				!child_ok(top, t.kind) || attrs_ok(l, &t) != 0)
				return E_PARSE;
			top->children++;
			if (t.kind == K_ZONE)
				zone = (struct zonelist_scan_zone){ .start = start,
					.name_off = t.attr_off,
					.name_len = t.attr_len };
			if (t.kind == K_SIGNCONF) {
				zone.sc_off = l->p;
				zone.sc_len = 0;
			}
			if (t.empty) {
				/* only the leaves may be empty */
				if (!is_leaf(t.kind))
					return E_PARSE;
			} else {
				if (depth == MAX_DEPTH)
					return E_PARSE;
				stack[depth++] =
					(struct frame){ t.kind, t.name_off, t.name_len, 0 };
			}
		}
	}
	return 0;
}

void
zonelist_scan_free(struct zonelist_scan *s)
{
	free(s->zones);
	memset(s, 0, sizeof(*s));
}

int
zonelist_scan(const char *buf, size_t len, struct zonelist_scan *s)
{
	return zonelist_scan_for(buf, len, NULL, s);
}

int
zonelist_scan_for(const char *buf, size_t len, const char *only, struct zonelist_scan *s)
{
	struct zonelist_scan_lexer l = { buf, len, 0 };
	int rc;

	zonelist_scan_free(s);
	name_table_init();
	if (!xml_chars_ok(buf, len))
		return E_PARSE;
	if (zonelist_scan_at(&l, "\xEF\xBB\xBF"))
		l.p += 3;
	if (zonelist_scan_lex_decl(&l) != 0 || zonelist_scan_lex_misc(&l) != 0 ||
		!zonelist_scan_at(&l, "<") || zonelist_scan_at(&l, "<!"))
		return E_PARSE;
	rc = lex_root(&l, s, only);
	if (rc == 0 && (zonelist_scan_lex_misc(&l) != 0 || l.p != l.len))
		rc = E_PARSE;
	if (rc != 0)
		zonelist_scan_free(s);
	return rc;
}
