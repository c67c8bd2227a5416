/*
 * zonelist.h - zonelist.xml: the zones to sign, their policy, signconf
 * path and input/output adapters. Read for `update zonelist` / `zonelist
 * import`; written for `zonelist export`; edited in place (keeping the
 * operator's comments and order) by `zone add` and `zone delete`.
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

/*
 * Edit the file at path in place: parse it, change the document, copy the
 * old file to "<path>.backup", then write the new one with tab indentation
 * through an atomic replace. Comments and other zones are kept.
 * zonelist_file_add appends a <Zone> (the caller has checked it is new).
 * zonelist_file_remove removes every <Zone> whose name equals name exactly
 * (all zones when name is NULL) and returns the SignerConfiguration paths of
 * what it removed in *signconfs (NULL-terminated, caller frees with
 * zonelist_strv_free; may be NULL when the caller does not want them).
 * A missing file counts as an empty <ZoneList> for add (created with mode
 * 0644, no backup); an existing file keeps its permission bits, and so does
 * its backup. When remove matches no zone, nothing is written (no backup
 * either) and *signconfs is an empty vector.
 * Errors name the file: E_IO (cannot read the file, or cannot write the
 * backup or the file; the file is then unchanged, and so is the backup
 * when it was the backup that failed), E_PARSE (not well-formed), E_INVAL
 * (does not validate), E_NOMEM.
 */
int zonelist_file_add(const char *path, const struct zonelist_zone *zone, char *err,
	size_t errlen);
int zonelist_file_remove(const char *path, const char *name, char ***signconfs, char *err,
	size_t errlen);
void zonelist_strv_free(char **v);

#endif
