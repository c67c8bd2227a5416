/*
 * zonelist.c - read zonelist.xml, and write it out whole (`zonelist
 * export`, and the <Zone> element `zone add` splices into the file: see
 * zonelist_edit.c).
 *
 * Documents are built as libxml2 trees and serialised by xml_dump(), so
 * names and paths are always escaped by libxml2. Elements are appended
 * with xmlAddChild() (constant time: libxml2 keeps the last child), which
 * keeps reading and writing linear in the number of zones.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/tree.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "config/xml.h"
#include "config/zonelist.h"

/* zonelist.rng, compiled in by tools/embed.sh (zonelist_rng.embed.c) */
extern const char zonelist_rng[];
extern const unsigned long zonelist_rng_len;

static void
zone_clear(struct zonelist_zone *z)
{
	free(z->name);
	free(z->policy);
	free(z->signconf);
	free(z->input);
	free(z->input_type);
	free(z->output);
	free(z->output_type);
}

void
zonelist_free(struct zonelist *zl)
{
	size_t i;

	if (zl == NULL)
		return;
	for (i = 0; i < zl->nzones; i++)
		zone_clear(&zl->zones[i]);
	free(zl->zones);
	free(zl);
}

void
zonelist_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* The first element child of node, or NULL. */
static const xmlNode *
first_element(const xmlNode *node)
{
	const xmlNode *n;

	for (n = node != NULL ? node->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

/* Input or Output (validated): <File> or <Adapter type=...>. */
static int
read_adapter(const xmlNode *io, char **text, char **type)
{
	const xmlNode *adapter = first_element(io);
	int ret;

	ret = xml_text(adapter, 1, text);
	if (ret != 0)
		goto out;
	if (xmlStrEqual(adapter->name, (const xmlChar *)"File")) {
		*type = str_dup("File");
		ret = *type != NULL ? 0 : E_NOMEM;
	} else {
		ret = xml_attr(adapter, "type", type);
	}
out:
	return ret;
}

static int
read_zone(const xmlNode *node, struct zonelist_zone *z)
{
	const xmlNode *adapters;
	int ret;

	ret = xml_attr(node, "name", &z->name);
	if (ret != 0)
		goto out;
	ret = xml_text(xml_child(node, "Policy"), 1, &z->policy);
	if (ret != 0)
		goto out;
	ret = xml_text(xml_child(node, "SignerConfiguration"), 1, &z->signconf);
	if (ret != 0)
		goto out;
	adapters = xml_child(node, "Adapters");
	ret = read_adapter(xml_child(adapters, "Input"), &z->input, &z->input_type);
	if (ret != 0)
		goto out;
	ret = read_adapter(xml_child(adapters, "Output"), &z->output, &z->output_type);
out:
	return ret;
}

struct zonelist_reader {
	struct xml_stream *stream;
	struct zonelist_zone zone; /* the last zone handed out */
	char *path;
};

void
zonelist_reader_close(struct zonelist_reader *r)
{
	if (r == NULL)
		return;
	xml_stream_close(r->stream);
	zone_clear(&r->zone);
	free(r->path);
	free(r);
}

int
zonelist_reader_open(const char *path, struct zonelist_reader **out, char *err, size_t errlen)
{
	struct zonelist_reader *r = NULL;
	int ret;

	if (path == NULL || out == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "no zone list file given");
		ret = E_INVAL;
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->path = str_dup(path)) == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	ret = xml_stream_open(r->path, zonelist_rng, zonelist_rng_len, &r->stream, err, errlen);
	if (ret != 0)
		goto out;
	*out = r;
	r = NULL;
out:
	if (ret == E_NOMEM && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", path);
	zonelist_reader_close(r);
	return ret;
}

int
zonelist_reader_next(
	struct zonelist_reader *r, struct zonelist_zone **zone, char *err, size_t errlen)
{
	xmlNode *node;
	int ret, got;

	zone_clear(&r->zone);
	memset(&r->zone, 0, sizeof(r->zone));
	ret = xml_stream_element(r->stream, 1, &node, err, errlen);
	if (ret <= 0)
		goto out;
	/* read before the schema has seen the subtree: a failure here waits for its verdict */
	got = read_zone(node, &r->zone);
	if (got == E_NOMEM) {
		ret = E_NOMEM;
		goto out;
	}
	ret = xml_stream_pass(r->stream, err, errlen);
	if (ret < 0)
		goto out;
	if (got != 0) {
		xml_errf(err, errlen, r->path, NULL, "element Zone: incomplete");
		ret = E_INVAL;
		goto out;
	}
	*zone = &r->zone;
	ret = 1;
out:
	if (ret == E_NOMEM && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", r->path);
	return ret;
}

int
zonelist_load(const char *path, struct zonelist **out, char *err, size_t errlen)
{
	struct zonelist_reader *r = NULL;
	struct zonelist *zl = NULL;
	struct zonelist_zone *z;
	size_t cap = 0;
	int ret;

	if (out == NULL) {
		ret = E_INVAL;
		goto out;
	}
	ret = zonelist_reader_open(path, &r, err, errlen);
	if (ret != 0)
		goto out;
	zl = calloc(1, sizeof(*zl));
	if (zl == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	while ((ret = zonelist_reader_next(r, &z, err, errlen)) == 1) {
		if (zl->nzones == cap) {
			struct zonelist_zone *grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(zl->zones, cap * sizeof(*grown));
			if (grown == NULL) {
				ret = E_NOMEM;
				goto out;
			}
			zl->zones = grown;
		}
		/* the strings move to the list; the reader's copy is emptied */
		zl->zones[zl->nzones++] = *z;
		*z = (struct zonelist_zone){ 0 };
	}
	if (ret != 0)
		goto out;
	*out = zl;
	zl = NULL;
out:
	if (ret == E_NOMEM && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", path != NULL ? path : "zonelist.xml");
	zonelist_free(zl);
	zonelist_reader_close(r);
	return ret;
}

/*
 * Building. Once an allocation fails every later add is a no-op; the
 * failure is noticed once at the end.
 */
static void
add_adapter(struct xml_builder *b, xmlNode *parent, const char *name, const char *text,
	const char *type)
{
	xmlNode *adapter = xml_add(b, xml_add(b, parent, name, NULL), "Adapter", text);

	xml_add_attr(b, adapter, "type", type != NULL && type[0] != '\0' ? type : "File");
}

/* Append one <Zone> to root. */
static void
add_zone(struct xml_builder *b, xmlNode *root, const struct zonelist_zone *z)
{
	xmlNode *zone, *adapters;

	zone = xml_add(b, root, "Zone", NULL);
	xml_add_attr(b, zone, "name", z->name);
	xml_add(b, zone, "Policy", z->policy);
	xml_add(b, zone, "SignerConfiguration", z->signconf);
	adapters = xml_add(b, zone, "Adapters", NULL);
	add_adapter(b, adapters, "Input", z->input, z->input_type);
	add_adapter(b, adapters, "Output", z->output, z->output_type);
}

/* A document with an empty <ZoneList>; encoding NULL or e.g. "UTF-8". */
static int
new_doc(const char *encoding, xmlDoc **out)
{
	xmlDoc *doc;
	xmlNode *root;
	int ret;

	doc = xmlNewDoc((const xmlChar *)"1.0");
	if (doc == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	if (encoding != NULL && (doc->encoding = xmlStrdup((const xmlChar *)encoding)) == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	root = xmlNewDocNode(doc, NULL, (const xmlChar *)"ZoneList", NULL);
	if (root == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	xmlDocSetRootElement(doc, root);
	*out = doc;
	doc = NULL;
	ret = 0;
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	return ret;
}

int
zonelist_format(const struct zonelist_zone *zones, size_t n, enum zonelist_style style, char **out,
	size_t *len)
{
	struct xml_builder b = { 0 };
	xmlDoc *doc = NULL;
	xmlNode *root;
	size_t i;
	int ret;

	if ((zones == NULL && n > 0) || out == NULL || len == NULL ||
		(style != ZONELIST_STYLE_FILE && style != ZONELIST_STYLE_EXPORT)) {
		ret = E_INVAL;
		goto out;
	}
	ret = new_doc(style == ZONELIST_STYLE_FILE ? "UTF-8" : NULL, &doc);
	if (ret != 0)
		goto out;
	root = xmlDocGetRootElement(doc);
	for (i = 0; i < n && !b.failed; i++)
		add_zone(&b, root, &zones[i]);
	if (b.failed) {
		ret = E_NOMEM;
		goto out;
	}
	ret = xml_dump(doc, style == ZONELIST_STYLE_FILE ? "\t" : "    ", out, len);
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	return ret;
}

/*
 * Streaming output. Each zone is formatted by zonelist_format() as a
 * document of its own and only its <Zone> element is written: libxml2
 * lays out the children of <ZoneList> one by one, so the concatenation is
 * byte for byte what zonelist_format() gives for all the zones at once.
 */
struct zonelist_writer {
	FILE *out;
	enum zonelist_style style;
	size_t n;
};

int
zonelist_writer_open(FILE *out, enum zonelist_style style, struct zonelist_writer **w)
{
	struct zonelist_writer *nw;

	if (out == NULL || w == NULL ||
		(style != ZONELIST_STYLE_FILE && style != ZONELIST_STYLE_EXPORT))
		return E_INVAL;
	nw = calloc(1, sizeof(*nw));
	if (nw == NULL)
		return E_NOMEM;
	nw->out = out;
	nw->style = style;
	*w = nw;
	return 0;
}

/* Write text[from, to) to w->out. */
static int
write_span(struct zonelist_writer *w, const char *text, size_t from, size_t to)
{
	if (to > from && fwrite(text + from, 1, to - from, w->out) != to - from)
		return E_IO;
	return 0;
}

int
zonelist_writer_add(struct zonelist_writer *w, const struct zonelist_zone *z)
{
	static const char open_tag[] = "<ZoneList>\n", close_tag[] = "</ZoneList>\n";
	char *text = NULL, *start, *end;
	size_t len;
	int ret;

	ret = zonelist_format(z, 1, w->style, &text, &len);
	if (ret != 0)
		goto out;
	start = strstr(text, open_tag);
	end = len >= sizeof(close_tag) - 1 ? text + len - (sizeof(close_tag) - 1) : NULL;
	if (start == NULL || end == NULL || strcmp(end, close_tag) != 0 || end < start) {
		ret = E_INVAL; /* not the layout this relies on */
		goto out;
	}
	start += sizeof(open_tag) - 1;
	/* the declaration and the opening tag once, before the first zone */
	ret = write_span(w, text, w->n == 0 ? 0 : (size_t)(start - text), (size_t)(end - text));
	if (ret == 0)
		w->n++;
out:
	free(text);
	return ret;
}

void
zonelist_writer_free(struct zonelist_writer *w)
{
	free(w);
}

int
zonelist_writer_close(struct zonelist_writer *w)
{
	char *text = NULL;
	size_t len;
	int ret;

	if (w == NULL)
		return 0;
	if (w->n > 0) {
		ret = fputs("</ZoneList>\n", w->out) == EOF ? E_IO : 0;
	} else {
		ret = zonelist_format(NULL, 0, w->style, &text, &len);
		if (ret == 0)
			ret = write_span(w, text, 0, len);
	}
	if (ret == 0 && fflush(w->out) != 0)
		ret = E_IO;
	free(text);
	free(w);
	return ret;
}
