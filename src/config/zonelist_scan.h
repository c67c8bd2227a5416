/*
 * zonelist_scan.h - one pass over the bytes of a zonelist.xml that finds
 * where each <Zone> element starts and ends, without building a tree.
 *
 * `zone add` and `zone delete` edit the file by splicing bytes at these
 * offsets (zonelist_edit.c), so their cost stays a copy of the file rather
 * than a parse into libxml2 nodes. The scanner checks what zonelist.rng
 * says (root ZoneList holding Zone elements, each with a name attribute,
 * Policy, SignerConfiguration and Adapters/Input|Output holding File or
 * Adapter type=...) and the parts of XML well-formedness a splice relies
 * on (UTF-8, tags nested and matched, comments, CDATA, processing
 * instructions, references, attribute quoting). It is deliberately
 * strict: a document it does not accept (another encoding, a DOCTYPE, a
 * named entity other than the five predefined ones, attributes it does
 * not know) is handed to libxml2 by the caller, which either reports the
 * real error or rewrites the file in a form the scanner accepts.
 */
#ifndef CONFIG_ZONELIST_SCAN_H
#define CONFIG_ZONELIST_SCAN_H

#include <stddef.h>

/* One <Zone> element; offsets are into the scanned buffer. */
struct zonelist_scan_zone {
	size_t start;    /* the '<' of <Zone */
	size_t end;      /* just past the '>' of </Zone> */
	size_t name_off; /* the name attribute's value, as written */
	size_t name_len;
	size_t sc_off; /* SignerConfiguration's content, as written */
	size_t sc_len;
};

struct zonelist_scan {
	struct zonelist_scan_zone *zones; /* in file order */
	size_t nzones;
	size_t total; /* zones in the file, recorded or not */
	size_t cap;
	/* where a new last zone goes: the '<' of </ZoneList>, or, for an
	 * empty <ZoneList/>, the '/' of its "/>" (then root_empty is 1) */
	size_t root_close;
	int root_empty;
};

/*
 * Scan len bytes of buf (need not be NUL-terminated). Returns 0, E_PARSE
 * when the document is not one the scanner accepts (nothing more is said:
 * the caller asks libxml2 why), or E_NOMEM. s is reset first; free its
 * zones with zonelist_scan_free().
 */
int zonelist_scan(const char *buf, size_t len, struct zonelist_scan *s);

/*
 * The same check, recording only the zones whose name may read only (up
 * to ASCII case and a final dot; a name written with a reference, a tab
 * or a line break always may): one zone's edit then keeps no record of
 * the other 100,000. only NULL records every zone.
 */
int zonelist_scan_for(const char *buf, size_t len, const char *only, struct zonelist_scan *s);

/* Are a (alen bytes) and b one zone name up to ASCII case and a final dot? */
int zonelist_name_eq(const char *a, size_t alen, const char *b);
void zonelist_scan_free(struct zonelist_scan *s);

/*
 * The value of the raw text at buf[off, off+len) as a reader sees it,
 * malloc()ed into *out: references resolved, line ends normalised and,
 * for content, CDATA sections unwrapped, comments and processing
 * instructions dropped and the ends trimmed of white space; for an
 * attribute value, tab, CR and LF become spaces. The range must come
 * from a successful zonelist_scan(). Errors: E_NOMEM.
 */
int zonelist_scan_attr(const char *buf, size_t off, size_t len, char **out);
int zonelist_scan_text(const char *buf, size_t off, size_t len, char **out);

#endif
