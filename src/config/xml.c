/*
 * xml.c - read, validate and pick apart the project's XML files (see xml.h).
 *
 * libxml2 reports problems through callbacks. We point them at a collector
 * that keeps the first error (with the line it is on) and swallows the rest,
 * so the caller gets one line and nothing is printed behind its back. The
 * handlers that were installed before are put back on every exit path.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>

#include "common/err.h"
#include "common/duration.h"
#include "common/str.h"
#include "config/xml.h"

/* libxml2 2.12 made the structured handler take a const error. */
#if LIBXML_VERSION >= 21200
#define XML_ERR_CONST const
#else
#define XML_ERR_CONST
#endif

/* What the collector keeps: the first error, and a line for it. */
struct collect {
	int have;      /* msg holds an error */
	long line;     /* 0 = not known (yet) */
	char elem[64]; /* element the error is about, "" if none */
	char msg[512]; /* libxml2's text, on one line */
};

/* The handlers in force before ours, put back by handlers_restore(). */
struct handlers {
	xmlStructuredErrorFunc serror;
	void *sctx;
	xmlGenericErrorFunc gerror;
	void *gctx;
};

/* Copy src into dst as one line: control characters become spaces, and
 * trailing space is dropped. */
static void
one_line(char *dst, size_t len, const char *src)
{
	size_t i;
	size_t n = 0;

	if (len == 0)
		return;
	for (i = 0; src != NULL && src[i] != '\0' && n + 1 < len; i++)
		dst[n++] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? ' ' : src[i];
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

static void
collect_structured(void *arg, XML_ERR_CONST xmlError *error)
{
	struct collect *c = arg;
	long line;

	if (c == NULL || error == NULL || error->level < XML_ERR_ERROR)
		return;
	line = error->line;
	if (!c->have) {
		c->have = 1;
		one_line(c->msg, sizeof(c->msg), error->message);
		if (c->msg[0] == '\0')
			one_line(c->msg, sizeof(c->msg), "unknown error");
		c->line = line > 0 ? line : 0;
		c->elem[0] = '\0';
		if (error->node != NULL && ((xmlNode *)error->node)->type == XML_ELEMENT_NODE)
			one_line(
			    c->elem, sizeof(c->elem), (const char *)((xmlNode *)error->node)->name);
		return;
	}
	/* Some errors come without a place (RelaxNG interleave); the next one
	 * that has a place is about the same spot. */
	if (c->line == 0 && line > 0) {
		c->line = line;
		if (c->elem[0] == '\0' && error->node != NULL &&
		    ((xmlNode *)error->node)->type == XML_ELEMENT_NODE)
			one_line(
			    c->elem, sizeof(c->elem), (const char *)((xmlNode *)error->node)->name);
	}
}

/* Messages that bypass the structured channel: keep the first as a
 * fallback, print nothing. */
static void
collect_generic(void *arg, const char *fmt, ...)
{
	struct collect *c = arg;
	char buf[512];
	va_list ap;

	if (c == NULL || c->have)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	one_line(c->msg, sizeof(c->msg), buf);
	if (c->msg[0] != '\0')
		c->have = 1;
}

static void
handlers_install(struct handlers *saved, struct collect *c)
{
	saved->serror = xmlStructuredError;
	saved->sctx = xmlStructuredErrorContext;
	saved->gerror = xmlGenericError;
	saved->gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(c, collect_structured);
	xmlSetGenericErrorFunc(c, collect_generic);
}

static void
handlers_restore(const struct handlers *saved)
{
	xmlSetStructuredErrorFunc(saved->sctx, saved->serror);
	xmlSetGenericErrorFunc(saved->gctx, saved->gerror);
}

/* Write err as "<path>[:<line>][: element <name>]: <what>: <msg>". */
static void
collect_report(
    const struct collect *c, const char *path, const char *what, char *err, size_t errlen)
{
	char where[96] = "";
	char elem[96] = "";

	if (err == NULL || errlen == 0)
		return;
	if (c->line > 0)
		snprintf(where, sizeof(where), ":%ld", c->line);
	if (c->elem[0] != '\0')
		snprintf(elem, sizeof(elem), " element %s:", c->elem);
	snprintf(err, errlen, "%s%s:%s %s: %s", path, where, elem, what,
	    c->have ? c->msg : "no detail given");
}

void
xml_errf(char *err, size_t errlen, const char *path, const xmlNode *node, const char *fmt, ...)
{
	char buf[1024];
	int n;
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	if (node != NULL)
		n = snprintf(buf, sizeof(buf), "%s:%ld: element %s: ", path,
		    xmlGetLineNo((xmlNode *)node), (const char *)node->name);
	else
		n = snprintf(buf, sizeof(buf), "%s: ", path);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(buf)) {
		va_start(ap, fmt);
		vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	one_line(err, errlen, buf);
}

/* Whether doc has a DTD that could define or load entities. */
static int
declares_entities(const xmlDoc *doc)
{
	return doc->extSubset != NULL ||
	    (doc->intSubset != NULL &&
	        (doc->intSubset->entities != NULL || doc->intSubset->pentities != NULL ||
	            doc->intSubset->ExternalID != NULL || doc->intSubset->SystemID != NULL));
}

int
xml_read(const char *path, xmlDoc **out, char *err, size_t errlen)
{
	struct collect c = {0};
	struct handlers saved;
	xmlParserCtxt *ctxt = NULL;
	xmlDoc *doc = NULL;
	struct stat st;
	int fd = -1;
	int ret;
	/* no network, no CDATA nodes, line numbers past 65535; and NOT
	 * XML_PARSE_NOENT / XML_PARSE_DTDLOAD: nothing outside the file is
	 * ever read and no entity is substituted */
	const int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;

	if (path == NULL || out == NULL) {
		ret = E_INVAL;
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		ret = E_IO;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(EISDIR));
		ret = E_IO;
		goto out;
	}

	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	handlers_install(&saved, &c);
	doc = xmlCtxtReadFd(ctxt, fd, path, NULL, options);
	handlers_restore(&saved);
	if (doc == NULL || c.have) {
		if (!c.have)
			one_line(c.msg, sizeof(c.msg), "not an XML document");
		c.have = 1;
		c.elem[0] = '\0';
		collect_report(&c, path, "not well-formed XML", err, errlen);
		ret = E_PARSE;
		goto out;
	}
	if (xmlDocGetRootElement(doc) == NULL) {
		xml_errf(err, errlen, path, NULL, "not well-formed XML: no root element");
		ret = E_PARSE;
		goto out;
	}
	/* Nothing we read needs entities; refusing them keeps entity
	 * expansion tricks out for good. */
	if (declares_entities(doc)) {
		xml_errf(err, errlen, path, NULL,
		    "external DTDs and entity declarations are not allowed");
		ret = E_PARSE;
		goto out;
	}
	*out = doc;
	doc = NULL;
	ret = 0;
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	if (ctxt != NULL)
		xmlFreeParserCtxt(ctxt);
	if (fd >= 0)
		close(fd);
	return ret;
}

int
xml_validate(
    xmlDoc *doc, const char *path, const char *rng, size_t rnglen, char *err, size_t errlen)
{
	struct collect c = {0};
	struct handlers saved;
	xmlRelaxNGParserCtxt *pctxt = NULL;
	xmlRelaxNG *schema = NULL;
	xmlRelaxNGValidCtxt *vctxt = NULL;
	int installed = 0;
	int rc;
	int ret;

	if (doc == NULL || path == NULL || rng == NULL || rnglen > INT_MAX) {
		ret = E_INVAL;
		goto out;
	}
	xmlInitParser();
	handlers_install(&saved, &c);
	installed = 1;

	pctxt = xmlRelaxNGNewMemParserCtxt(rng, (int)rnglen);
	if (pctxt == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	xmlRelaxNGSetParserStructuredErrors(pctxt, collect_structured, &c);
	schema = xmlRelaxNGParse(pctxt);
	if (schema == NULL) {
		/* our own schema is broken: a build problem, not the user's */
		collect_report(&c, "embedded schema", "does not compile", err, errlen);
		ret = E_PARSE;
		goto out;
	}
	vctxt = xmlRelaxNGNewValidCtxt(schema);
	if (vctxt == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	c.have = 0;
	c.line = 0;
	xmlRelaxNGSetValidStructuredErrors(vctxt, collect_structured, &c);
	rc = xmlRelaxNGValidateDoc(vctxt, doc);
	if (rc != 0) {
		collect_report(&c, path, "fails to validate", err, errlen);
		ret = rc > 0 ? E_INVAL : E_NOMEM;
		goto out;
	}
	ret = 0;
out:
	if (vctxt != NULL)
		xmlRelaxNGFreeValidCtxt(vctxt);
	if (schema != NULL)
		xmlRelaxNGFree(schema);
	if (pctxt != NULL)
		xmlRelaxNGFreeParserCtxt(pctxt);
	if (installed)
		handlers_restore(&saved);
	return ret;
}

int
xml_load(const char *path, const char *rng, size_t rnglen, xmlDoc **out, char *err, size_t errlen)
{
	xmlDoc *doc = NULL;
	int ret;

	if (out == NULL) {
		ret = E_INVAL;
		goto out;
	}
	ret = xml_read(path, &doc, err, errlen);
	if (ret != 0)
		goto out;
	ret = xml_validate(doc, path, rng, rnglen, err, errlen);
	if (ret != 0)
		goto out;
	*out = doc;
	doc = NULL;
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	return ret;
}

int
xml_open(const char *path, const void *out, const char *what, const char *rng, size_t rnglen,
    int (*check)(void *ctx, const xmlNode *root), void *ctx, xmlDoc **doc, char *err,
    size_t errlen)
{
	xmlDoc *d = NULL;
	int ret;

	if (path == NULL || out == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "no %s given", what);
		ret = E_INVAL;
		goto out;
	}
	ret = xml_read(path, &d, err, errlen);
	if (ret != 0)
		goto out;
	if (check != NULL) {
		ret = check(ctx, xmlDocGetRootElement(d));
		if (ret != 0)
			goto out;
	}
	ret = xml_validate(d, path, rng, rnglen, err, errlen);
	if (ret != 0)
		goto out;
	*doc = d;
	d = NULL;
out:
	if (d != NULL)
		xmlFreeDoc(d);
	return ret;
}

xmlNode *
xml_child(const xmlNode *parent, const char *name)
{
	xmlNode *n;

	if (parent == NULL || name == NULL)
		return NULL;
	for (n = parent->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *)name))
			return n;
	return NULL;
}

xmlNode *
xml_next(const xmlNode *node)
{
	xmlNode *n;

	if (node == NULL)
		return NULL;
	for (n = node->next; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, node->name))
			return n;
	return NULL;
}

/* ------------------------------------------------------------ characters */

int
xml_char_ok(uint32_t cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	    (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Eight bytes at a time (sixteen with SSE2) while they are plain printable ASCII. */
int
xml_chars_ok(const char *s, size_t len)
{
	const unsigned char *b = (const unsigned char *)s;
	const uint64_t high = 0x8080808080808080ULL, spaces = 0x2020202020202020ULL;
	size_t i = 0;

	while (i < len) {
#ifdef __SSE2__
		/* sixteen at a time: as signed bytes, both >= 0x80 and < 0x20 are < 0x20 */
		if (len - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
			__m128i odd = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));

			odd = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), odd);
			odd = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), odd);
			odd = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), odd);
			if (_mm_movemask_epi8(odd) == 0) {
				i += 16;
				continue;
			}
		}
#endif
		if (len - i >= 8) {
			uint64_t w;

			memcpy(&w, b + i, 8);
			/* no byte >= 0x80 and none < 0x20 */
			if (((w | ((w - spaces) & ~w)) & high) == 0) {
				i += 8;
				continue;
			}
		}
		unsigned char c = b[i];
		uint32_t cp;
		size_t n;

		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return 0;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((b[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (b[i + k] & 0x3F);
		}
		/* shortest form only, and a character XML allows */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || !xml_char_ok(cp))
			return 0;
		i += n + 1;
	}
	return 1;
}

int
xml_text(const xmlNode *node, int trim, char **out)
{
	xmlChar *content = NULL;
	char *copy = NULL;
	const char *s;
	int ret;

	if (node == NULL || out == NULL) {
		ret = E_INVAL;
		goto out;
	}
	content = xmlNodeGetContent(node);
	if (content == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	s = (const char *)content;
	copy = str_dup(trim ? str_trim((char *)content) : s);
	if (copy == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	*out = copy;
	ret = 0;
out:
	if (content != NULL)
		xmlFree(content);
	return ret;
}

int
xml_attr(const xmlNode *node, const char *name, char **out)
{
	xmlChar *value = NULL;
	char *copy;
	int ret;

	if (node == NULL || name == NULL || out == NULL) {
		ret = E_INVAL;
		goto out;
	}
	if (xmlHasProp(node, (const xmlChar *)name) == NULL) {
		ret = E_NOTFOUND;
		goto out;
	}
	value = xmlGetProp(node, (const xmlChar *)name);
	if (value == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	copy = str_dup((const char *)value);
	if (copy == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	*out = copy;
	ret = 0;
out:
	if (value != NULL)
		xmlFree(value);
	return ret;
}

int
xml_duration(
    const char *path, const xmlNode *node, int64_t *seconds, int *approx, char *err, size_t errlen)
{
	char *text = NULL;
	int64_t value;
	int ap = 0;
	int ret;

	ret = xml_text(node, 1, &text);
	if (ret != 0)
		goto out;
	ret = duration_parse(text, &value, &ap);
	if (ret == E_RANGE) {
		xml_errf(err, errlen, path, node, "\"%s\" is out of range", text);
		goto out;
	}
	if (ret != 0) {
		xml_errf(err, errlen, path, node, "\"%s\" is not a valid duration", text);
		ret = E_PARSE;
		goto out;
	}
	if (seconds != NULL)
		*seconds = value;
	if (approx != NULL)
		*approx = ap;
out:
	free(text);
	return ret;
}

int
xml_integer(const char *path, const xmlNode *node, int64_t min, int64_t max, int64_t *out,
    char *err, size_t errlen)
{
	char *text = NULL;
	const char *digits;
	int64_t value;
	int ret;

	ret = xml_text(node, 1, &text);
	if (ret != 0)
		goto out;
	/* xsd integers may carry a '+' */
	digits = text[0] == '+' && text[1] != '-' ? text + 1 : text;
	ret = str_to_int64(digits, &value);
	if (ret == E_RANGE) {
		xml_errf(err, errlen, path, node, "\"%s\" is out of range", text);
		goto out;
	}
	if (ret != 0) {
		xml_errf(err, errlen, path, node, "\"%s\" is not an integer", text);
		ret = E_PARSE;
		goto out;
	}
	if (value < min || value > max) {
		if (max == INT64_MAX)
			xml_errf(err, errlen, path, node, "\"%s\" must be at least %lld", text,
			    (long long)min);
		else
			xml_errf(err, errlen, path, node, "\"%s\" must be between %lld and %lld",
			    text, (long long)min, (long long)max);
		ret = E_RANGE;
		goto out;
	}
	if (out != NULL)
		*out = value;
out:
	free(text);
	return ret;
}

/* 1 when text is nothing but XML white space. */
static int
blank(const xmlChar *text)
{
	for (; text != NULL && *text != '\0'; text++)
		if (*text != ' ' && *text != '\t' && *text != '\n' && *text != '\r')
			return 0;
	return 1;
}

void
xml_strip_blanks(xmlNode *node)
{
	xmlNode *child, *next;
	int structured = 0;

	if (node == NULL)
		return;
	for (child = node->children; child != NULL; child = child->next)
		if (child->type == XML_ELEMENT_NODE || child->type == XML_COMMENT_NODE ||
		    child->type == XML_PI_NODE)
			structured = 1;
	for (child = node->children; child != NULL; child = next) {
		next = child->next;
		if (structured && child->type == XML_TEXT_NODE && blank(child->content)) {
			xmlUnlinkNode(child);
			xmlFreeNode(child);
		} else if (child->type == XML_ELEMENT_NODE) {
			xml_strip_blanks(child);
		}
	}
}

/* The indentation settings are libxml2 globals (per thread); newer releases
 * mark them deprecated in favour of per-context setters we cannot rely on. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
int
xml_dump(xmlDoc *doc, const char *indent, char **out, size_t *len)
{
	const char *saved_indent;
	int saved_output, saved_noempty;
	xmlChar *buf = NULL;
	char *copy;
	int size = 0;
	int ret;

	if (doc == NULL || indent == NULL || out == NULL || len == NULL) {
		ret = E_INVAL;
		goto out;
	}
	saved_indent = xmlTreeIndentString;
	saved_output = xmlIndentTreeOutput;
	saved_noempty = xmlSaveNoEmptyTags;
	xmlTreeIndentString = indent;
	xmlIndentTreeOutput = 1;
	xmlSaveNoEmptyTags = 0;
	xmlDocDumpFormatMemory(doc, &buf, &size, 1);
	xmlTreeIndentString = saved_indent;
	xmlIndentTreeOutput = saved_output;
	xmlSaveNoEmptyTags = saved_noempty;
	if (buf == NULL || size < 0) {
		ret = E_NOMEM;
		goto out;
	}
	/* ours is malloc()ed whatever allocator libxml2 was given */
	copy = malloc((size_t)size + 1);
	if (copy == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	memcpy(copy, buf, (size_t)size);
	copy[size] = '\0';
	*out = copy;
	*len = (size_t)size;
	ret = 0;
out:
	if (buf != NULL)
		xmlFree(buf);
	return ret;
}
#pragma GCC diagnostic pop

xmlNode *
xml_add(struct xml_builder *b, xmlNode *parent, const char *name, const char *text)
{
	xmlNode *node;

	if (b->failed || parent == NULL)
		return NULL;
	node = xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
	if (node == NULL)
		b->failed = 1;
	return node;
}

void
xml_add_attr(struct xml_builder *b, xmlNode *node, const char *name, const char *value)
{
	if (b->failed || node == NULL)
		return;
	if (xmlNewProp(node, (const xmlChar *)name, (const xmlChar *)(value ? value : "")) == NULL)
		b->failed = 1;
}

/*
 * Streaming (xml_stream_*): xmlTextReader with the parser options of
 * xml_read() and the schema checked node by node as the reader walks.
 * Errors go through the same collector; stream_error() also notes whether
 * the first one came from the validator, to word the message as
 * xml_read() (not well-formed) or xml_validate() (fails to validate) do.
 */
struct xml_stream {
	xmlTextReader *reader;
	xmlRelaxNG *schema;
	const char *path;       /* borrowed from the caller of xml_stream_open() */
	struct collect c;
	int validity;           /* the first error came from the schema */
	int started;            /* the root element was reached */
	int pending;            /* the reader sits on a node xml_stream_element() has not seen */
	int ended;              /* ... or at the end of the document */
	int fd;
	/* the reader's document once xmlTextReaderCurrentDoc() was called:
	 * from then on it is ours to free, not the reader's */
	xmlDoc *doc;
};

/*
 * Is node (not dereferenced) the reader's current node or one of its
 * ancestors, which the reader keeps while it is there?
 */
static int
stream_node_live(struct xml_stream *s, const void *node)
{
	for (xmlNode *n = s->reader != NULL ? xmlTextReaderCurrentNode(s->reader) : NULL;
	     n != NULL; n = n->parent) {
		if ((const void *)n == node)
			return 1;
	}
	return 0;
}

/*
 * The node of a streamed error is looked at only while the reader holds
 * it: the reader frees nodes as it moves on, and libxml2 2.9.14's schema
 * check raises errors about nodes it has freed already (a fuzz finding:
 * heap-use-after-free in the message's element name).
 */
static void
stream_error(void *arg, XML_ERR_CONST xmlError *error)
{
	struct xml_stream *s = arg;
	xmlError copy;

	if (error == NULL)
		return;
	if (error->level >= XML_ERR_ERROR && !s->c.have)
		s->validity = error->domain == XML_FROM_RELAXNGV;
	copy = *error;
	if (copy.node != NULL && !stream_node_live(s, copy.node))
		copy.node = NULL;
	collect_structured(&s->c, &copy);
}

/* Write the collected error into err; E_INVAL for the schema, else E_PARSE. */
static int
stream_failure(struct xml_stream *s, char *err, size_t errlen)
{
	if (s->validity && s->c.have) {
		collect_report(&s->c, s->path, "fails to validate", err, errlen);
		return E_INVAL;
	}
	if (!s->c.have)
		one_line(s->c.msg, sizeof(s->c.msg), "not an XML document");
	s->c.have = 1;
	s->c.elem[0] = '\0';
	collect_report(&s->c, s->path, "not well-formed XML", err, errlen);
	return E_PARSE;
}

int
xml_stream_open(const char *path, const char *rng, size_t rnglen, struct xml_stream **out,
    char *err, size_t errlen)
{
	const int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;
	struct xml_stream *s = NULL;
	xmlRelaxNGParserCtxt *pctxt = NULL;
	struct handlers saved;
	struct stat st;
	int ret;

	if (path == NULL || out == NULL || rng == NULL || rnglen > INT_MAX) {
		ret = E_INVAL;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	s->path = path;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0 || fstat(s->fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot read %s: %s", path,
			    s->fd >= 0 && S_ISDIR(st.st_mode) ? strerror(EISDIR) : strerror(errno));
		ret = E_IO;
		goto out;
	}
	xmlInitParser();
	handlers_install(&saved, &s->c);
	pctxt = xmlRelaxNGNewMemParserCtxt(rng, (int)rnglen);
	if (pctxt != NULL) {
		xmlRelaxNGSetParserStructuredErrors(pctxt, collect_structured, &s->c);
		s->schema = xmlRelaxNGParse(pctxt);
	}
	handlers_restore(&saved);
	if (pctxt == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	if (s->schema == NULL) {
		collect_report(&s->c, "embedded schema", "does not compile", err, errlen);
		ret = E_PARSE;
		goto out;
	}
	s->c.have = 0;
	s->c.line = 0;
	s->reader = xmlReaderForFd(s->fd, path, NULL, options);
	if (s->reader == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	xmlTextReaderSetStructuredErrorHandler(s->reader, stream_error, s);
	if (xmlTextReaderRelaxNGSetSchema(s->reader, s->schema) != 0) {
		ret = E_NOMEM;
		goto out;
	}
	*out = s;
	s = NULL;
	ret = 0;
out:
	if (pctxt != NULL)
		xmlRelaxNGFreeParserCtxt(pctxt);
	xml_stream_close(s);
	return ret;
}

void
xml_stream_close(struct xml_stream *s)
{
	if (s == NULL)
		return;
	if (s->reader != NULL)
		xmlFreeTextReader(s->reader);
	if (s->doc != NULL)
		xmlFreeDoc(s->doc);
	if (s->schema != NULL)
		xmlRelaxNGFree(s->schema);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

/*
 * One step of the reader (next == 0: into the node, 1: past its subtree).
 * Returns 1 on a node, 0 at the end, or an error with err written.
 */
static int
stream_step(struct xml_stream *s, int next, char *err, size_t errlen)
{
	struct handlers saved;
	xmlDoc *doc;
	int rc;

	handlers_install(&saved, &s->c);
	rc = next ? xmlTextReaderNext(s->reader) : xmlTextReaderRead(s->reader);
	handlers_restore(&saved);
	if (rc < 0 || s->c.have)
		return stream_failure(s, err, errlen);
	if (rc == 1 && !s->started && xmlTextReaderNodeType(s->reader) == XML_READER_TYPE_ELEMENT) {
		/* the internal subset, if any, came before the root: refuse entities as xml_read() */
		s->started = 1;
		doc = xmlTextReaderCurrentDoc(s->reader);
		s->doc = doc;
		if (doc != NULL && declares_entities(doc)) {
			xml_errf(err, errlen, s->path, NULL,
			    "external DTDs and entity declarations are not allowed");
			return E_PARSE;
		}
	}
	if (rc == 0 && !s->started) {
		xml_errf(err, errlen, s->path, NULL, "not well-formed XML: no root element");
		return E_PARSE;
	}
	if (rc == 0 && xmlTextReaderIsValid(s->reader) != 1) {
		s->validity = 1;
		s->c.have = 1;
		one_line(s->c.msg, sizeof(s->c.msg), "the document does not match the schema");
		return stream_failure(s, err, errlen);
	}
	return rc;
}

/*
 * The element of the subtree (node or below) whose text or attribute
 * holds bytes that are not XML characters in UTF-8, or NULL. libxml2
 * 2.9.14's reader lets such bytes through in CDATA, where its document
 * parser refuses them; every element a stream hands out is checked, so
 * that a stream reads what xml_read() reads.
 */
static const xmlNode *
bad_chars(const xmlNode *node)
{
	for (const xmlAttr *a = node->properties; a != NULL; a = a->next) {
		for (const xmlNode *t = a->children; t != NULL; t = t->next) {
			if (t->content != NULL &&
			    !xml_chars_ok((const char *)t->content, strlen((const char *)t->content)))
				return node;
		}
	}
	for (const xmlNode *c = node->children; c != NULL; c = c->next) {
		const xmlNode *bad = NULL;

		if (c->type == XML_ELEMENT_NODE)
			bad = bad_chars(c);
		else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		    c->content != NULL &&
		    !xml_chars_ok((const char *)c->content, strlen((const char *)c->content)))
			bad = node;
		if (bad != NULL)
			return bad;
	}
	return NULL;
}

int
xml_stream_element(struct xml_stream *s, int depth, xmlNode **node, char *err, size_t errlen)
{
	xmlNode *n;
	const xmlNode *bad;
	int rc;

	for (;;) {
		if (s->pending) {
			/* xml_stream_pass() left the reader on a node not looked at yet */
			s->pending = 0;
			rc = s->ended ? 0 : 1;
		} else {
			rc = stream_step(s, 0, err, errlen);
		}
		if (rc <= 0)
			return rc;
		if (xmlTextReaderNodeType(s->reader) == XML_READER_TYPE_ELEMENT &&
		    xmlTextReaderDepth(s->reader) == depth)
			break;
	}
	n = xmlTextReaderExpand(s->reader);
	if (n == NULL || s->c.have)
		return stream_failure(s, err, errlen);
	bad = bad_chars(n);
	if (bad != NULL) {
		xml_errf(err, errlen, s->path, bad, "not proper UTF-8");
		return E_PARSE;
	}
	*node = n;
	return 1;
}

int
xml_stream_pass(struct xml_stream *s, char *err, size_t errlen)
{
	int rc = stream_step(s, 1, err, errlen);

	if (rc < 0)
		return rc;
	/* Next() stops on the node after the subtree, or at the end */
	s->pending = 1;
	s->ended = rc == 0;
	return 0;
}
