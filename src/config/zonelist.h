/*
 * zonelist.h - zonelist.xml: the zones to sign, their policy, signconf
 * path and input/output adapters. Read for `update zonelist` / `zonelist
 * import`; written for `zonelist export`. `zone add` and `zone delete`
 * edit it in place with zonelist_edit.h.
 *
 * Ownership: zonelist_free() frees everything reached from a struct
 * zonelist; strings are malloc()ed.
 */
#ifndef CONFIG_ZONELIST_H
#define CONFIG_ZONELIST_H

#include <stddef.h>
#include <stdio.h>

struct zonelist_zone {
	char *name; /* as written in the file (trailing dot kept) */
	char *policy;
	char *signconf;   /* SignerConfiguration */
	char *input;      /* adapter text (path or adapter config) */
	char *input_type; /* <Adapter type="X"> → "X"; <File> → "File" */
	char *output;
	char *output_type;
};

struct zonelist {
	struct zonelist_zone *zones; /* in file order */
	size_t nzones;
};

/*
 * Read and validate path against the embedded zonelist.rng. On failure *out
 * is untouched and err holds one line naming the file, line and element.
 * The whole list is in memory: for large files use the reader below.
 */
int zonelist_load(const char *path, struct zonelist **out, char *err, size_t errlen);

/*
 * The same file read zone by zone with a streaming parser, validated as it
 * is read: memory holds one zone, whatever the size of the file.
 *
 * zonelist_reader_open(): E_IO, E_INVAL (path NULL), E_NOMEM; a file that
 * is not XML at all fails at the first zonelist_reader_next().
 * zonelist_reader_next(): 1 with *zone, the next zone of the file (valid
 * against the schema); 0 at the end of a valid document; or E_PARSE /
 * E_INVAL / E_NOMEM with the one-line message zonelist_load() would give.
 * A file invalid at zone N fails at the N-th call, after N-1 zones were
 * handed out: callers that act on zones must be able to undo them.
 * *zone belongs to the reader and lives until the next call or the close;
 * the caller may replace its strings with other malloc()ed ones (the reader
 * frees them) or take them, leaving NULL behind.
 * zonelist_reader_close(): NULL is a no-op.
 */
struct zonelist_reader;

int zonelist_reader_open(const char *path, struct zonelist_reader **out, char *err, size_t errlen);
int zonelist_reader_next(
	struct zonelist_reader *r, struct zonelist_zone **zone, char *err, size_t errlen);
void zonelist_reader_close(struct zonelist_reader *r);
void zonelist_free(struct zonelist *zl);

enum zonelist_style {
	ZONELIST_STYLE_FILE,   /* zonelist.xml as `zone add` writes it: UTF-8 declaration, tabs */
	ZONELIST_STYLE_EXPORT, /* `zonelist export`: `<?xml version="1.0"?>`, 4 spaces */
};

/*
 * A whole ZoneList document with the n zones in the order given; every
 * adapter is written as <Adapter type="T"> (T defaults to "File").
 * *out is malloc()ed and NUL-terminated. No zones gives `<ZoneList/>`.
 */
int zonelist_format(const struct zonelist_zone *zones, size_t n, enum zonelist_style style,
	char **out, size_t *len);

/*
 * The same document written zone by zone to out, byte for byte what
 * zonelist_format() gives for all of them: open, add each zone in order,
 * close (which ends the document, `<ZoneList/>` when none was added, and
 * frees w). Memory holds one zone. Errors: E_INVAL, E_NOMEM, E_IO (a
 * write failed; close still frees w).
 */
struct zonelist_writer;

int zonelist_writer_open(FILE *out, enum zonelist_style style, struct zonelist_writer **w);
int zonelist_writer_add(struct zonelist_writer *w, const struct zonelist_zone *z);
int zonelist_writer_close(struct zonelist_writer *w);
/* Give up: free w without ending the document (NULL is a no-op). */
void zonelist_writer_free(struct zonelist_writer *w);

/* Free a NULL-terminated vector of strings (NULL is fine). */
void zonelist_strv_free(char **v);

#endif
