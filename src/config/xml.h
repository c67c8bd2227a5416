/*
 * xml.h - shared helpers of the XML readers in src/config (conf.xml,
 * kasp.xml, zonelist.xml): read a file into a libxml2 document safely,
 * validate it against a RelaxNG schema held in memory, and read values out
 * of elements with one-line error messages of the form
 *
 *   <path>:<line>: element <Name>: <what is wrong>
 *
 * Error buffers: every function taking (err, errlen) writes exactly one
 * line, without a final newline, on failure (truncated to errlen bytes;
 * err may be NULL when errlen is 0). Nothing is written on success.
 *
 * Ownership: a document returned by xml_read()/xml_load() is the caller's,
 * freed with xmlFreeDoc(). Strings returned through char ** are malloc()ed
 * and the caller frees them with free(). xmlNode pointers are borrowed from
 * their document.
 *
 * libxml2 error reporting: while these functions run, libxml2's global
 * (per-thread) error handlers point at a collector; the previous handlers
 * are put back before they return, and libxml2 never prints by itself.
 * Other threads are not affected.
 */
#ifndef CONFIG_XML_H
#define CONFIG_XML_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

/*
 * Read and parse the file at path. The parser never touches the network,
 * loads no external DTD or entity, and does not substitute entities; a
 * document that declares entities is refused. CDATA sections are merged
 * into text.
 * Errors: E_IO (cannot read: "cannot read <path>: <strerror>"), E_PARSE
 * (not well-formed: "<path>:<line>: not well-formed XML: <detail>"),
 * E_NOMEM. On success *out is the document.
 */
int xml_read(const char *path, xmlDoc **out, char *err, size_t errlen);

/*
 * Validate doc against the RelaxNG schema text rng (rnglen bytes, normally
 * a schema embedded with tools/embed.sh). path names the document in the
 * message. The first error libxml2 reports is kept:
 *   "<path>:<line>: element <Name>: fails to validate: <detail>".
 * Errors: E_INVAL (doc does not validate), E_PARSE (the schema itself does
 * not compile: a build error), E_NOMEM.
 */
int xml_validate(
	xmlDoc *doc, const char *path, const char *rng, size_t rnglen, char *err, size_t errlen);

/* xml_read() then xml_validate(); the document is freed on a failure. */
int xml_load(
	const char *path, const char *rng, size_t rnglen, xmlDoc **out, char *err, size_t errlen);

/*
 * The opening that conf_load(), kasp_load() and zonelist_load() share. With
 * path or out NULL: "no <what> given" and E_INVAL (out is only tested, as
 * the loaders write it only on success). Otherwise xml_read(), then
 * check(ctx, root) when check is not NULL, then xml_validate(). check runs
 * before the schema so that a bad value gets a message that says which
 * value is wrong and why, rather than the schema's vaguer one; it writes
 * its own message. On success *doc is the document; on failure it is freed.
 */
int xml_open(const char *path, const void *out, const char *what, const char *rng, size_t rnglen,
	int (*check)(void *ctx, const xmlNode *root), void *ctx, xmlDoc **doc, char *err,
	size_t errlen);

/* The first element child of parent named name, or NULL (parent may be NULL). */
xmlNode *xml_child(const xmlNode *parent, const char *name);

/* The next element sibling after node with the same name as node, or NULL. */
xmlNode *xml_next(const xmlNode *node);

/* Is cp a character an XML document may hold? */
int xml_char_ok(uint32_t cp);

/*
 * 1 when the len bytes of s are UTF-8, shortest form, for characters an
 * XML document may hold; else 0.
 */
int xml_chars_ok(const char *s, size_t len);

/*
 * The text content of node (entity references and child text joined),
 * malloc()ed. With trim, leading and trailing white space is removed.
 * Errors: E_NOMEM.
 */
int xml_text(const xmlNode *node, int trim, char **out);

/*
 * The value of attribute name of node, malloc()ed, not trimmed.
 * Errors: E_NOTFOUND (no such attribute), E_NOMEM.
 */
int xml_attr(const xmlNode *node, const char *name, char **out);

/*
 * The trimmed text of node as a duration (common/duration.h). *approx is
 * set to 1 when Y or a month M was used. Errors: E_PARSE
 * ("element Interval: \"P1X\" is not a valid duration"), E_RANGE ("... is out
 * of range"), E_NOMEM.
 */
int xml_duration(const char *path, const xmlNode *node, int64_t *seconds, int *approx, char *err,
	size_t errlen);

/*
 * The trimmed text of node as a decimal integer within [min, max].
 * Errors: E_PARSE (not a decimal integer), E_RANGE (outside [min, max]),
 * E_NOMEM.
 */
int xml_integer(const char *path, const xmlNode *node, int64_t min, int64_t max, int64_t *out,
	char *err, size_t errlen);

/*
 * Format "<path>:<line>: element <Name>: " followed by fmt into err. With
 * node NULL the line and element parts are left out.
 */
void xml_errf(char *err, size_t errlen, const char *path, const xmlNode *node, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Remove the text nodes made only of white space that sit beside element
 * or comment siblings (the indentation of a file), everywhere under node,
 * so that xml_dump() can indent the tree afresh. Text that is an element's
 * only content is kept as it is. Never fails.
 */
void xml_strip_blanks(xmlNode *node);

/*
 * Serialise doc with one line per element, each level indented by indent
 * (e.g. "\t" or "    "), after the XML declaration: `<?xml version="1.0"
 * encoding="E"?>` when doc->encoding is E, `<?xml version="1.0"?>` when it
 * is NULL. Text and attribute values are escaped by libxml2. *out is
 * malloc()ed and NUL-terminated, *len its length without the NUL.
 * Errors: E_INVAL, E_NOMEM.
 */
int xml_dump(xmlDoc *doc, const char *indent, char **out, size_t *len);

/*
 * Building a document for output (policy export, zonelist export): a
 * builder remembers the first failure, so a writer can add a whole tree and
 * check once at the end. Both functions do nothing once it has failed or
 * when parent/node is NULL. Text and attribute values are escaped by libxml2.
 */
struct xml_builder {
	int failed;
};

/* A child element of parent holding text (NULL: empty); NULL on failure. */
xmlNode *xml_add(struct xml_builder *b, xmlNode *parent, const char *name, const char *text);

/* An attribute of node (a NULL value writes ""). */
void xml_add_attr(struct xml_builder *b, xmlNode *node, const char *name, const char *value);

/*
 * Streaming: read a document node by node (libxml2's xmlTextReader) and
 * validate it against a RelaxNG schema as it is read, so that memory stays
 * that of one element whatever the size of the file. The parser options,
 * the refusal of entity declarations and the messages are those of
 * xml_read() and xml_validate(); an error is reported at the node where
 * it is found, so elements before it may already have been handed out:
 * callers that act on them must be able to undo (a transaction).
 *
 * xml_stream_open(): errors E_IO, E_PARSE (schema), E_NOMEM; path is
 * borrowed until xml_stream_close() (NULL is a no-op).
 * xml_stream_element(): the next element at depth (1 = the root's
 * children), expanded into a subtree borrowed until the next call; 1 with
 * *node, 0 at the end of a valid document, or E_PARSE / E_INVAL / E_NOMEM
 * with err written. The subtree is validated only by xml_stream_pass(),
 * which moves past it: an element counts as valid once that returned 0.
 */
struct xml_stream;

int xml_stream_open(const char *path, const char *rng, size_t rnglen, struct xml_stream **out,
	char *err, size_t errlen);
int xml_stream_element(struct xml_stream *s, int depth, xmlNode **node, char *err, size_t errlen);
int xml_stream_pass(struct xml_stream *s, char *err, size_t errlen);
void xml_stream_close(struct xml_stream *s);

#endif
