/*
 * xml_value.c - the values the XML helpers read out of elements (checked
 * characters, text, attributes, durations, integers) and what they write:
 * blank-free trees, indented dumps, built elements (see xml.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/err.h"
#include "common/duration.h"
#include "common/str.h"
#include "config/xml.h"

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
xml_duration(const char *path, const xmlNode *node, int64_t *seconds, int *approx, char *err,
	size_t errlen)
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
