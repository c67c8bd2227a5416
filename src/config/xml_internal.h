/*
 * xml_internal.h - what the pieces of the XML helpers (xml.c, xml_stream.c)
 * share: the collector libxml2's errors are pointed at, and the swap of
 * libxml2's handlers around a call. Private to src/config/xml*.c.
 */
#ifndef CONFIG_XML_INTERNAL_H
#define CONFIG_XML_INTERNAL_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* libxml2 2.12 made the structured handler take a const error. */
#if LIBXML_VERSION >= 21200
#define XML_ERR_CONST const
#else
#define XML_ERR_CONST
#endif

/* What the collector keeps: the first error, and a line for it. */
struct xml_collect {
	int have;      /* msg holds an error */
	long line;     /* 0 = not known (yet) */
	char elem[64]; /* element the error is about, "" if none */
	char msg[512]; /* libxml2's text, on one line */
};

/* The handlers in force before ours, put back by xml_handlers_restore(). */
struct xml_handlers {
	xmlStructuredErrorFunc serror;
	void *sctx;
	xmlGenericErrorFunc gerror;
	void *gctx;
};

/* Copy src into dst as one line (control characters become spaces). */
void xml_one_line(char *dst, size_t len, const char *src);
/* libxml2's structured error handler: keeps the first error in arg. */
void xml_collect_structured(void *arg, XML_ERR_CONST xmlError *error);
/* Point libxml2's handlers at c, keeping the ones in force in saved. */
void xml_handlers_install(struct xml_handlers *saved, struct xml_collect *c);
void xml_handlers_restore(const struct xml_handlers *saved);
/* Write err as "<path>[:<line>][: element <name>]: <what>: <msg>". */
void xml_collect_report(
	const struct xml_collect *c, const char *path, const char *what, char *err, size_t errlen);
/* Whether doc has a DTD that could define or load entities. */
int xml_declares_entities(const xmlDoc *doc);

#endif
