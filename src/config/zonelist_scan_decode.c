/*
 * zonelist_scan_decode.c - the text and attribute values the scanner
 * found, decoded into malloc()ed strings (zonelist_scan_attr(),
 * zonelist_scan_text(); see zonelist_scan.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/zonelist_scan.h"
#include "config/zonelist_scan_internal.h"

/* ------------------------------------------------------------ decoding */

static size_t
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Copy raw text, normalising line ends (CR LF and lone CR become LF), and
 * with attr also turning tab, LF into spaces. Returns bytes written.
 */
static size_t
copy_chars(char *o, const char *b, size_t from, size_t to, int attr)
{
	size_t n = 0;

	for (size_t i = from; i < to; i++) {
		char c = b[i];

		if (c == '\r') {
			if (i + 1 < to && b[i + 1] == '\n')
				i++;
			c = '\n';
		}
		if (attr && (c == '\n' || c == '\t'))
			c = ' ';
		o[n++] = c;
	}
	return n;
}

static int
decode(const char *b, size_t off, size_t len, int attr, char **out)
{
	/* a reference is never shorter than what it stands for */
	char *o = malloc(len + 1);
	size_t i = off, end = off + len, n = 0, s, e;
	uint32_t cp;

	if (o == NULL)
		return E_NOMEM;
	while (i < end) {
		const char *q;

		if (b[i] == '&') {
			/* checked by the scan */
			if (zonelist_scan_decode_ref(b, end, &i, &cp) != 0)
				cp = 0xFFFD;
			n += put_utf8(o + n, cp);
			continue;
		}
		if (!attr && b[i] == '<') {
			if (end - i >= 9 && memcmp(b + i, "<![CDATA[", 9) == 0) {
				q = memmem(b + i + 9, end - i - 9, "]]>", 3);
				e = q ? (size_t)(q - b) : end;
				n += copy_chars(o + n, b, i + 9, e, 0);
				i = q ? e + 3 : end;
			} else {
				/* a comment or a processing instruction */
				const char *close = b[i + 1] == '!' ? "-->" : "?>";

				q = memmem(b + i, end - i, close, strlen(close));
				i = q ? (size_t)(q - b) + strlen(close) : end;
			}
			continue;
		}
		s = i;
		while (i < end && b[i] != '&' && (attr || b[i] != '<'))
			i++;
		n += copy_chars(o + n, b, s, i, attr);
	}
	o[n] = '\0';
	if (!attr) {
		size_t a = 0;

		while (n > 0 && zonelist_scan_is_ws((unsigned char)o[n - 1]))
			o[--n] = '\0';
		while (a < n && zonelist_scan_is_ws((unsigned char)o[a]))
			a++;
		memmove(o, o + a, n - a + 1);
	}
	*out = o;
	return 0;
}

int
zonelist_scan_attr(const char *buf, size_t off, size_t len, char **out)
{
	return decode(buf, off, len, 1, out);
}

int
zonelist_scan_text(const char *buf, size_t off, size_t len, char **out)
{
	return decode(buf, off, len, 0, out);
}
