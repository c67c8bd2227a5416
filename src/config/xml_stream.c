/*
 * xml_stream.c - an XML file read element by element (xml_stream_*, see
 * xml.h), so that memory stays that of one element whatever the size of
 * the file. Errors go through the collector of xml.c (xml_internal.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/relaxng.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>

#include "common/err.h"
#include "config/xml.h"
#include "config/xml_internal.h"

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
	const char *path; /* borrowed from the caller of xml_stream_open() */
	struct xml_collect c;
	int validity; /* the first error came from the schema */
	int started;  /* the root element was reached */
	int pending;  /* the reader sits on a node xml_stream_element() has not seen */
	int ended;    /* ... or at the end of the document */
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
	for (xmlNode *n = s->reader != NULL ? xmlTextReaderCurrentNode(s->reader) : NULL; n != NULL;
		n = n->parent) {
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
	xml_collect_structured(&s->c, &copy);
}

/* Write the collected error into err; E_INVAL for the schema, else E_PARSE. */
static int
stream_failure(struct xml_stream *s, char *err, size_t errlen)
{
	if (s->validity && s->c.have) {
		xml_collect_report(&s->c, s->path, "fails to validate", err, errlen);
		return E_INVAL;
	}
	if (!s->c.have)
		xml_one_line(s->c.msg, sizeof(s->c.msg), "not an XML document");
	s->c.have = 1;
	s->c.elem[0] = '\0';
	xml_collect_report(&s->c, s->path, "not well-formed XML", err, errlen);
	return E_PARSE;
}

int
xml_stream_open(const char *path, const char *rng, size_t rnglen, struct xml_stream **out,
	char *err, size_t errlen)
{
	const int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;
	struct xml_stream *s = NULL;
	xmlRelaxNGParserCtxt *pctxt = NULL;
	struct xml_handlers saved;
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
				s->fd >= 0 && S_ISDIR(st.st_mode) ? strerror(EISDIR)
								  : strerror(errno));
		ret = E_IO;
		goto out;
	}
	xmlInitParser();
	xml_handlers_install(&saved, &s->c);
	pctxt = xmlRelaxNGNewMemParserCtxt(rng, (int)rnglen);
	if (pctxt != NULL) {
		xmlRelaxNGSetParserStructuredErrors(pctxt, xml_collect_structured, &s->c);
		s->schema = xmlRelaxNGParse(pctxt);
	}
	xml_handlers_restore(&saved);
	if (pctxt == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	if (s->schema == NULL) {
		xml_collect_report(&s->c, "embedded schema", "does not compile", err, errlen);
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
	struct xml_handlers saved;
	xmlDoc *doc;
	int rc;

	xml_handlers_install(&saved, &s->c);
	rc = next ? xmlTextReaderNext(s->reader) : xmlTextReaderRead(s->reader);
	xml_handlers_restore(&saved);
	if (rc < 0 || s->c.have)
		return stream_failure(s, err, errlen);
	if (rc == 1 && !s->started && xmlTextReaderNodeType(s->reader) == XML_READER_TYPE_ELEMENT) {
		/* the internal subset, if any, came before the root: refuse entities as xml_read() */
		s->started = 1;
		doc = xmlTextReaderCurrentDoc(s->reader);
		s->doc = doc;
		if (doc != NULL && xml_declares_entities(doc)) {
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
		xml_one_line(s->c.msg, sizeof(s->c.msg), "the document does not match the schema");
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
			if (t->content != NULL && !xml_chars_ok((const char *)t->content,
							  strlen((const char *)t->content)))
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
