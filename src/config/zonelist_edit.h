/*
 * zonelist_edit.h - `zone add` and `zone delete` editing zonelist.xml in
 * place, at a cost that does not grow with a parse of the whole file.
 *
 * An edit session holds an exclusive lock (flock) on the file from
 * zonelist_edit_open() to zonelist_edit_close(), so that the re-read, the
 * change and the replacement of the file by concurrent `zone add`/`zone
 * delete` runs on one host are serialised and none is lost; commands
 * that read the file to change the database (`update zonelist`) take the
 * same lock with zonelist_lock().
 *
 * The file is read once and scanned (zonelist_scan.h); a zone is added by
 * splicing its element in before </ZoneList> and removed by cutting its
 * bytes out, so comments, layout and the other zones stay as they were.
 * Only the new <Zone> is checked against the schema. A file the scanner
 * does not accept is read by libxml2 instead: when it is valid, it is
 * written back re-indented (as 1.x did); when it is not, the session
 * fails with libxml2's one-line error and nothing is written.
 *
 * Saving copies the old file to "<path>.backup" (a hard link when the file
 * system allows, else a copy; the backup keeps the old file's owner and
 * mode) and replaces the file atomically with one that has the old file's
 * owner, group and mode. A symbolic link named by path is followed: the
 * file it points to is replaced and the link stays.
 */
#ifndef CONFIG_ZONELIST_EDIT_H
#define CONFIG_ZONELIST_EDIT_H

#include <stddef.h>

#include "config/zonelist.h"

struct zonelist_edit;

/* zonelist_edit_open() flags */
enum {
	/* a file that does not exist is an empty list (created 0644 on save) */
	ZONELIST_EDIT_MAY_BE_MISSING = 1,
	/*
	 * the session is for an add: the text before </ZoneList> is written
	 * to the new file, and made durable, by a second thread while this
	 * one scans, so that the device works while the CPU scans (a
	 * session that adds nothing in the end removes it)
	 */
	ZONELIST_EDIT_FOR_ADD = 2,
};

/*
 * Lock the zone list file at path for this process (blocking), open and
 * scan it, as flags say. zone, when not NULL, is the zone the session is
 * for: the whole file is still checked, but only that zone's element is
 * remembered (a question about another zone scans again). Errors, with
 * one line naming the file in err: E_IO (cannot read), E_PARSE (not
 * well-formed), E_INVAL (does not validate), E_NOMEM.
 */
int zonelist_edit_open(const char *path, unsigned flags, const char *zone,
	struct zonelist_edit **out, char *err, size_t errlen);

/*
 * Does the file list a zone that normalises to name (a dname_normalise()
 * result, no dot)? 1 or 0; E_NOMEM where a scan for name fails.
 */
int zonelist_edit_listed(struct zonelist_edit *e, const char *name);

/* Append zone (the caller has checked it is new). Errors: E_INVAL, E_NOMEM. */
int zonelist_edit_add(
	struct zonelist_edit *e, const struct zonelist_zone *zone, char *err, size_t errlen);

/*
 * Remove every <Zone> whose name is exactly name (every zone when name is
 * NULL); *signconfs (when not NULL) gets their SignerConfiguration paths,
 * NULL-terminated (zonelist_strv_free()). Errors: E_NOMEM.
 */
int zonelist_edit_remove(
	struct zonelist_edit *e, const char *name, char ***signconfs, char *err, size_t errlen);

/*
 * Write the changed file beside the old one and start its write-back,
 * without putting it in place (nothing to do without changes, or when the
 * file did not exist): a caller with other slow work to do before the
 * save (a database commit) lets the device work meanwhile. The save puts
 * it in place; another edit, or closing without a save, removes it.
 * Errors: E_IO ("cannot write <path>: ..."), E_NOMEM; the file is then
 * unchanged.
 */
int zonelist_edit_stage(struct zonelist_edit *e, char *err, size_t errlen);
/*
 * Write the changes, if any (nothing is written, backup included, when
 * there are none), staging them first unless that is done. Errors: E_IO
 * ("cannot back up <path> to <backup>: ..." or "cannot write <path>:
 * ..."; the file is then unchanged), E_NOMEM.
 */
int zonelist_edit_save(struct zonelist_edit *e, char *err, size_t errlen);

/* Unlock and free (NULL is fine). Unsaved changes are dropped. */
void zonelist_edit_close(struct zonelist_edit *e);

/*
 * The lock of the edit sessions alone, for a reader that must not see the
 * file change under it: returns a descriptor for zonelist_unlock(), or -1
 * when the file (or, while it is missing, its directory) cannot be opened
 * (then the caller cannot read the file either and reports that).
 */
int zonelist_lock(const char *path);
void zonelist_unlock(int fd);

/*
 * One-shot forms: open, add or remove, save, close. zonelist_file_add
 * accepts a missing file; zonelist_file_remove does not.
 */
int zonelist_file_add(const char *path, const struct zonelist_zone *zone, char *err, size_t errlen);
int zonelist_file_remove(
	const char *path, const char *name, char ***signconfs, char *err, size_t errlen);

#endif
