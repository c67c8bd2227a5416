/*
 * xml.c - read and validate the project's XML files and find elements in
 * them (see xml.h). The values in elements are read in xml_value.c; a file
 * read element by element is xml_stream.c.
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

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#include "common/err.h"
#include "config/xml.h"
#include "config/xml_internal.h"

/* Copy src into dst as one line: control characters become spaces, and
 * trailing space is dropped. */
void
xml_one_line(char *dst, size_t len, const char *src)
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

void
xml_collect_structured(void *arg, XML_ERR_CONST xmlError *error)
{
	struct xml_collect *c = arg;
	long line;

	if (c == NULL || error == NULL || error->level < XML_ERR_ERROR)
		return;
	line = error->line;
	if (!c->have) {
		c->have = 1;
		xml_one_line(c->msg, sizeof(c->msg), error->message);
		if (c->msg[0] == '\0')
			xml_one_line(c->msg, sizeof(c->msg), "unknown error");
		c->line = line > 0 ? line : 0;
		c->elem[0] = '\0';
		if (error->node != NULL && ((xmlNode *)error->node)->type == XML_ELEMENT_NODE)
			xml_one_line(c->elem, sizeof(c->elem),
				(const char *)((xmlNode *)error->node)->name);
		return;
	}
	/* Some errors come without a place (RelaxNG interleave); the next one
	 * that has a place is about the same spot. */
	if (c->line == 0 && line > 0) {
		c->line = line;
		if (c->elem[0] == '\0' && error->node != NULL &&
			((xmlNode *)error->node)->type == XML_ELEMENT_NODE)
			xml_one_line(c->elem, sizeof(c->elem),
				(const char *)((xmlNode *)error->node)->name);
	}
}

/* Messages that bypass the structured channel: keep the first as a
 * fallback, print nothing. */
static void
collect_generic(void *arg, const char *fmt, ...)
{
	struct xml_collect *c = arg;
	char buf[512];
	va_list ap;

	if (c == NULL || c->have)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	xml_one_line(c->msg, sizeof(c->msg), buf);
	if (c->msg[0] != '\0')
		c->have = 1;
}

void
xml_handlers_install(struct xml_handlers *saved, struct xml_collect *c)
{
	saved->serror = xmlStructuredError;
	saved->sctx = xmlStructuredErrorContext;
	saved->gerror = xmlGenericError;
	saved->gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(c, xml_collect_structured);
	xmlSetGenericErrorFunc(c, collect_generic);
}

void
xml_handlers_restore(const struct xml_handlers *saved)
{
	xmlSetStructuredErrorFunc(saved->sctx, saved->serror);
	xmlSetGenericErrorFunc(saved->gctx, saved->gerror);
}

/* Write err as "<path>[:<line>][: element <name>]: <what>: <msg>". */
void
xml_collect_report(
	const struct xml_collect *c, const char *path, const char *what, char *err, size_t errlen)
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
	xml_one_line(err, errlen, buf);
}

/* Whether doc has a DTD that could define or load entities. */
int
xml_declares_entities(const xmlDoc *doc)
{
	return doc->extSubset != NULL ||
	       (doc->intSubset != NULL &&
		       (doc->intSubset->entities != NULL || doc->intSubset->pentities != NULL ||
			       doc->intSubset->ExternalID != NULL ||
			       doc->intSubset->SystemID != NULL));
}

int
xml_read(const char *path, xmlDoc **out, char *err, size_t errlen)
{
	struct xml_collect c = { 0 };
	struct xml_handlers saved;
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
	xml_handlers_install(&saved, &c);
	doc = xmlCtxtReadFd(ctxt, fd, path, NULL, options);
	xml_handlers_restore(&saved);
	if (doc == NULL || c.have) {
		if (!c.have)
			xml_one_line(c.msg, sizeof(c.msg), "not an XML document");
		c.have = 1;
		c.elem[0] = '\0';
		xml_collect_report(&c, path, "not well-formed XML", err, errlen);
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
	if (xml_declares_entities(doc)) {
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
	struct xml_collect c = { 0 };
	struct xml_handlers saved;
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
	xml_handlers_install(&saved, &c);
	installed = 1;

	pctxt = xmlRelaxNGNewMemParserCtxt(rng, (int)rnglen);
	if (pctxt == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	xmlRelaxNGSetParserStructuredErrors(pctxt, xml_collect_structured, &c);
	schema = xmlRelaxNGParse(pctxt);
	if (schema == NULL) {
		/* our own schema is broken: a build problem, not the user's */
		xml_collect_report(&c, "embedded schema", "does not compile", err, errlen);
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
	xmlRelaxNGSetValidStructuredErrors(vctxt, xml_collect_structured, &c);
	rc = xmlRelaxNGValidateDoc(vctxt, doc);
	if (rc != 0) {
		xml_collect_report(&c, path, "fails to validate", err, errlen);
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
		xml_handlers_restore(&saved);
	return ret;
}

/*
 * xml_load() and xml_open(): read, run check (if any) on the root, then
 * validate; *doc is set only when all of it passed.
 */
static int
read_checked(const char *path, const char *rng, size_t rnglen,
	int (*check)(void *ctx, const xmlNode *root), void *ctx, xmlDoc **doc, char *err,
	size_t errlen)
{
	xmlDoc *d = NULL;
	int ret;

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

int
xml_load(const char *path, const char *rng, size_t rnglen, xmlDoc **out, char *err, size_t errlen)
{
	if (out == NULL)
		return E_INVAL;
	return read_checked(path, rng, rnglen, NULL, NULL, out, err, errlen);
}

int
xml_open(const char *path, const void *out, const char *what, const char *rng, size_t rnglen,
	int (*check)(void *ctx, const xmlNode *root), void *ctx, xmlDoc **doc, char *err,
	size_t errlen)
{
	if (path == NULL || out == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "no %s given", what);
		return E_INVAL;
	}
	return read_checked(path, rng, rnglen, check, ctx, doc, err, errlen);
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
