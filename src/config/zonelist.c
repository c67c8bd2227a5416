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

int
zonelist_load(const char *path, struct zonelist **out, char *err, size_t errlen)
{
	struct zonelist *zl = NULL;
	xmlDoc *doc = NULL;
	const xmlNode *root, *node;
	size_t n = 0;
	int ret;

	ret = xml_open(path, out, "zone list file", zonelist_rng, zonelist_rng_len, NULL, NULL,
	    &doc, err, errlen);
	if (ret != 0)
		goto out;
	root = xmlDocGetRootElement(doc);
	zl = calloc(1, sizeof(*zl));
	if (zl == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	for (node = xml_child(root, "Zone"); node != NULL; node = xml_next(node))
		n++;
	if (n > 0) {
		zl->zones = calloc(n, sizeof(*zl->zones));
		if (zl->zones == NULL) {
			ret = E_NOMEM;
			goto out;
		}
	}
	for (node = xml_child(root, "Zone"); node != NULL; node = xml_next(node)) {
		/* counted as we go, so zonelist_free() sees what was filled */
		ret = read_zone(node, &zl->zones[zl->nzones++]);
		if (ret != 0)
			goto out;
	}
	*out = zl;
	zl = NULL;
out:
	if (ret == E_NOMEM && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", path != NULL ? path : "zonelist.xml");
	zonelist_free(zl);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return ret;
}

/*
 * Building. Once an allocation fails every later add is a no-op; the
 * failure is noticed once at the end.
 */
static void
add_adapter(
        struct xml_builder *b, xmlNode *parent, const char *name, const char *text, const char *type)
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
	struct xml_builder b = {0};
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
