/*
 * fuzz_zonelist.c - fuzz target for zonelist.xml: zonelist_load() on the
 * input written to a file (libxml2 with the schema), and the byte scanner
 * `zone add` and `zone delete` edit the file with (zonelist_scan()).
 *
 * Checks, beyond memory safety:
 *  - a failed load leaves *out alone and says why in one non-empty line;
 *  - the scanner is never laxer than libxml2 with the schema: when it
 *    accepts a document, zonelist_load() accepts it too and finds the same
 *    zones in the same order, with the same names and SignerConfiguration
 *    paths as the scanner decodes them; its offsets lie inside the input,
 *    in order, each zone starting with "<Zone" and ending with '>';
 *  - `zonelist export` round-trips: zonelist_format() of the loaded zones
 *    (both styles) loads again to the same zones (an empty adapter type,
 *    which the schema allows, is written as "File", as zonelist.h says).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/zonelist.h"
#include "config/zonelist_scan.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static void
check_scan(const char *buf, size_t len, const struct zonelist_scan *s, const struct zonelist *zl)
{
	size_t prev_end = 0;

	if (zl->nzones != s->nzones) {
		fprintf(stderr, "fuzz_zonelist: scanner %zu zones, libxml2 %zu\n", s->nzones,
			zl->nzones);
		abort();
	}
	if (s->root_close >= len)
		abort();
	for (size_t i = 0; i < s->nzones; i++) {
		const struct zonelist_scan_zone *z = &s->zones[i];
		char *name = NULL, *sc = NULL;

		if (z->start < prev_end || z->end > len || z->start + 5 > z->end ||
			memcmp(buf + z->start, "<Zone", 5) != 0 || buf[z->end - 1] != '>' ||
			z->name_off < z->start || z->name_off + z->name_len > z->end ||
			z->sc_off < z->start || z->sc_off + z->sc_len > z->end ||
			z->end > s->root_close)
			abort();
		prev_end = z->end;
		if (zonelist_scan_attr(buf, z->name_off, z->name_len, &name) != 0 ||
			zonelist_scan_text(buf, z->sc_off, z->sc_len, &sc) != 0)
			abort();
		if (!same(name, zl->zones[i].name) || !same(sc, zl->zones[i].signconf)) {
			fprintf(stderr,
				"fuzz_zonelist: zone %zu: scanner \"%s\" \"%s\", "
				"libxml2 \"%s\" \"%s\"\n",
				i, name, sc, zl->zones[i].name, zl->zones[i].signconf);
			abort();
		}
		free(name);
		free(sc);
	}
}

/* An adapter type as zonelist_format() writes it: an empty one becomes "File". */
static const char *
written_type(const char *type)
{
	return type != NULL && type[0] == '\0' ? "File" : type;
}

static void
check_zone(const struct zonelist_zone *a, const struct zonelist_zone *b)
{
	if (!same(a->name, b->name) || !same(a->policy, b->policy) ||
		!same(a->signconf, b->signconf) || !same(a->input, b->input) ||
		!same(written_type(a->input_type), b->input_type) || !same(a->output, b->output) ||
		!same(written_type(a->output_type), b->output_type)) {
		fprintf(stderr,
			"fuzz_zonelist: zone \"%s\" differs after export: policy \"%s\" "
			"\"%s\", signconf \"%s\" \"%s\", input \"%s\" \"%s\" (%s %s), output \"%s\" "
			"\"%s\" (%s %s)\n",
			a->name, a->policy, b->policy, a->signconf, b->signconf, a->input, b->input,
			a->input_type, b->input_type, a->output, b->output, a->output_type,
			b->output_type);
		abort();
	}
}

static void
round_trip(const struct zonelist *zl, enum zonelist_style style)
{
	struct zonelist *again = NULL;
	char err[512] = "", *text = NULL;
	size_t len;

	if (zonelist_format(zl->zones, zl->nzones, style, &text, &len) != 0 || strlen(text) != len)
		abort();
	if (zonelist_load(fuzz_file("again.xml", text, len), &again, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_zonelist: export does not load again: %s\n", err);
		abort();
	}
	if (again->nzones != zl->nzones)
		abort();
	for (size_t i = 0; i < zl->nzones; i++)
		check_zone(&zl->zones[i], &again->zones[i]);
	zonelist_free(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zonelist *zl = (struct zonelist *)&size;
	struct zonelist_scan s;
	char err[512] = "";
	int rc, scanned;

	if (size > 64 * 1024)
		return 0;
	memset(&s, 0, sizeof(s));
	scanned = zonelist_scan((const char *)data, size, &s);
	if (scanned != 0 && scanned != E_PARSE && scanned != E_NOMEM)
		abort();
	rc = zonelist_load(fuzz_file("input.xml", data, size), &zl, err, sizeof(err));
	if (rc != 0) {
		if (scanned == 0) {
			fprintf(stderr,
				"fuzz_zonelist: the scanner accepts what libxml2 refuses: "
				"%s\n",
				err);
			abort();
		}
		if (zl != (struct zonelist *)&size || err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		zonelist_scan_free(&s);
		return 0;
	}
	for (size_t i = 0; i < zl->nzones; i++) {
		const struct zonelist_zone *z = &zl->zones[i];

		if (z->name == NULL || z->policy == NULL || z->signconf == NULL ||
			z->input == NULL || z->input_type == NULL || z->output == NULL ||
			z->output_type == NULL)
			abort();
	}
	if (scanned == 0)
		check_scan((const char *)data, size, &s, zl);
	round_trip(zl, ZONELIST_STYLE_FILE);
	round_trip(zl, ZONELIST_STYLE_EXPORT);
	zonelist_scan_free(&s);
	zonelist_free(zl);
	return 0;
}

#include "tests/fuzz/replay.h"
