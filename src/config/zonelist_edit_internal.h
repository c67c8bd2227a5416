/*
 * zonelist_edit_internal.h - what the two halves of the zonelist.xml
 * editor share: the session (zonelist_edit.c) and the edits and save made
 * in it (zonelist_edit_change.c). Private to those two files.
 */
#ifndef CONFIG_ZONELIST_EDIT_INTERNAL_H
#define CONFIG_ZONELIST_EDIT_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "common/fileio.h"
#include "config/zonelist_scan.h"

/* Mode of a zonelist.xml that an edit creates. */
#define ZONELIST_EDIT_NEW_FILE_MODE 0644

struct zonelist_edit {
	char *path;   /* as configured: messages and the backup's name */
	char *target; /* the file replaced: path, or where its link points */
	char *backup; /* "<path>.backup" */
	int lock;     /* flock()ed descriptor, or -1 */
	int existed;
	struct stat st;  /* of target, when it existed */
	const char *buf; /* the text the scan is of: the mapping or owned */
	size_t len;
	void *map; /* the file, mapped (or NULL) */
	size_t maplen;
	char *owned; /* malloc()ed text (or NULL) */
	struct zonelist_scan scan;
	int scanned; /* scan describes buf */
	char *focus; /* the zone the scan records, or NULL for all */
	/* the text to write: pieces of buf, and of the added element */
	struct iovec piece[3];
	size_t npieces;     /* 0: no add pending */
	struct iovec *cuts; /* after a remove: the kept ranges of buf */
	size_t ncuts;
	char *added;                /* the element an add brought */
	int dirty;                  /* edited since opened or saved */
	struct file_staged *staged; /* the edited file, written, not yet in place */
	struct file_staged *pre;    /* for an add: buf's first pre_len bytes, written early */
	size_t pre_len;
	pthread_t prewriter; /* writing pre while the scan runs */
	int prewriting;
};

/* Drop a staged file that no longer says what the session holds. */
void zonelist_edit_unstage(struct zonelist_edit *e);
/* Stage the new text over the last backup where it may be had. */
int zonelist_edit_stage_new(struct zonelist_edit *e, const struct iovec *iov, size_t n,
	size_t *kept, struct file_staged **st);
/* Write a message into err (may be NULL when errlen is 0). */
void zonelist_edit_say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Start of the line holding buf[off]. */
size_t zonelist_edit_line_start(const char *buf, size_t off);
/* Whether buf[from..to) is only spaces and tabs. */
int zonelist_edit_blank(const char *buf, size_t from, size_t to);
/* Where an added element goes, given the offset of "</ZoneList". */
size_t zonelist_edit_splice_at(const char *buf, size_t close);
/* The text to write: the pending edit's pieces, or buf as it is. */
const struct iovec *zonelist_edit_pieces(const struct zonelist_edit *e, size_t *n);
/* Before an edit or a question about zone name: one buffer, scanned for it. */
int zonelist_edit_ready_for(struct zonelist_edit *e, const char *name);
/* Before an edit: one buffer, scanned. */
int zonelist_edit_ready(struct zonelist_edit *e);
/* An add's pieces appended to the early file; 1 when done (*rc set), 0 when it did not fit. */
int zonelist_edit_finish_prewrite(struct zonelist_edit *e, int *rc);

#endif
