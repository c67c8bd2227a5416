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

struct zonelist_zone {
	char *name;             /* as written in the file (trailing dot kept) */
	char *policy;
	char *signconf;         /* SignerConfiguration */
	char *input;            /* adapter text (path or adapter config) */
	char *input_type;       /* <Adapter type="X"> → "X"; <File> → "File" */
	char *output;
	char *output_type;
};

struct zonelist {
	struct zonelist_zone *zones;    /* in file order */
	size_t nzones;
};

/*
 * Read and validate path against the embedded zonelist.rng. On failure *out
 * is untouched and err holds one line naming the file, line and element.
 */
int zonelist_load(const char *path, struct zonelist **out, char *err, size_t errlen);
void zonelist_free(struct zonelist *zl);

enum zonelist_style {
	ZONELIST_STYLE_FILE,    /* zonelist.xml as `zone add` writes it: UTF-8 declaration, tabs */
	ZONELIST_STYLE_EXPORT,  /* `zonelist export`: `<?xml version="1.0"?>`, 4 spaces */
};

/*
 * A whole ZoneList document with the n zones in the order given; every
 * adapter is written as <Adapter type="T"> (T defaults to "File").
 * *out is malloc()ed and NUL-terminated. No zones gives `<ZoneList/>`.
 */
int zonelist_format(const struct zonelist_zone *zones, size_t n, enum zonelist_style style,
	char **out, size_t *len);

/* Free a NULL-terminated vector of strings (NULL is fine). */
void zonelist_strv_free(char **v);

#endif
