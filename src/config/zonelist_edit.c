/*
 * zonelist_edit.c - in-place edits of zonelist.xml (see zonelist_edit.h).
 *
 * The session maps the file and scans it; an edit describes the new text
 * as pieces (ranges of the old text and the new element) that the save
 * writes with no copy in memory. A second edit in the same session first
 * joins the pieces into one buffer and scans that.
 *
 * This file holds the session (its lock, text, scan and early write);
 * the edits and the save are in zonelist_edit_change.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "config/xml.h"
#include "config/zonelist.h"
#include "config/zonelist_edit.h"
#include "config/zonelist_edit_internal.h"
#include "config/zonelist_scan.h"

/* zonelist.rng, compiled in by tools/embed.sh (zonelist_rng.embed.c) */
extern const char zonelist_rng[];
extern const unsigned long zonelist_rng_len;

/* From this size on (some 160 zones) an add's early write is flushed in its thread. */
#define PREWRITE_SYNC_MIN (64 * 1024)

/* What a missing file counts as: the list zone add starts a new file from. */
static const char empty_list[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				 "<ZoneList>\n"
				 "</ZoneList>\n";

static void prewrite_join(struct zonelist_edit *e);

/* Drop a staged file that no longer says what the session holds. */
void
zonelist_edit_unstage(struct zonelist_edit *e)
{
	if (e->staged != NULL)
		file_stage_abort(e->staged);
	e->staged = NULL;
}

/*
 * Stage the new text, n pieces of iov, written over the last backup where
 * it may be had: the save replaces the backup anyway, and it holds most of
 * the new text already (fileio.h). *kept (may be NULL) says how many
 * leading bytes the backup had already.
 */
int
zonelist_edit_stage_new(struct zonelist_edit *e, const struct iovec *iov, size_t n, size_t *kept,
	struct file_staged **st)
{
	return file_stage_over_iov(e->target, e->backup, iov, n, e->st.st_mode & 07777,
		e->st.st_uid, e->st.st_gid, kept, st);
}

void __attribute__((format(printf, 3, 4)))
zonelist_edit_say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* flock() fd, waiting; -1 (fd closed) on failure. */
static int
lock_fd(int fd)
{
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * The lock is the file itself, so that nothing is left beside it: since
 * a writer replaces the file rather than rewriting it, a lock is only won
 * once the name still leads to the locked file afterwards; otherwise the
 * newer file is tried. While there is no file yet, its directory is the
 * lock, until one appears.
 */
int
zonelist_lock(const char *name)
{
	struct stat held, now;
	char *dir = NULL, *real = NULL;
	const char *path = name;
	int fd;

	/* a symbolic link: the file it leads to is the one writers replace */
	if (lstat(name, &now) == 0 && S_ISLNK(now.st_mode)) {
		real = realpath(name, NULL);
		if (real == NULL)
			return -1;
		path = real;
	}
	for (int tries = 0; tries < 1000; tries++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 && errno == ENOENT) {
			if (dir == NULL && path_dirname(path, &dir) != 0)
				return -1;
			fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0 || lock_fd(fd) < 0)
				break;
			if (lstat(path, &now) != 0 && errno == ENOENT) {
				free(dir);
				free(real);
				return fd;
			}
			close(fd);
			continue;
		}
		if (fd < 0)
			break;
		if (fstat(fd, &held) != 0 || !S_ISREG(held.st_mode)) {
			close(fd);
			break;
		}
		if (lock_fd(fd) < 0)
			break;
		if (stat(path, &now) == 0 && now.st_dev == held.st_dev &&
			now.st_ino == held.st_ino) {
			free(dir);
			free(real);
			return fd;
		}
		close(fd);
	}
	free(dir);
	free(real);
	return -1;
}

void
zonelist_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Start of the line holding buf[off]. */
size_t
zonelist_edit_line_start(const char *buf, size_t off)
{
	while (off > 0 && buf[off - 1] != '\n')
		off--;
	return off;
}

int
zonelist_edit_blank(const char *buf, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		if (buf[i] != ' ' && buf[i] != '\t')
			return 0;
	}
	return 1;
}

/*
 * Where an added element goes, given the offset of "</ZoneList": at the
 * start of its line when only blanks precede it there (the element then
 * takes the closing tag's indentation's place), else right before it.
 */
size_t
zonelist_edit_splice_at(const char *buf, size_t close)
{
	size_t ls = zonelist_edit_line_start(buf, close);

	return zonelist_edit_blank(buf, ls, close) ? ls : close;
}

/* Drop what buf was (mapping or buffer), any pending edit and what was written of buf. */
static void
drop_text(struct zonelist_edit *e)
{
	prewrite_join(e);
	file_stage_abort(e->pre);
	e->pre = NULL;
	if (e->map != NULL)
		munmap(e->map, e->maplen);
	free(e->owned);
	free(e->cuts);
	free(e->added);
	e->map = NULL;
	e->owned = NULL;
	e->cuts = NULL;
	e->added = NULL;
	e->npieces = e->ncuts = 0;
	e->buf = NULL;
	e->len = 0;
	e->scanned = 0;
}

/* Make text (malloc()ed, len bytes) the session's text. */
static void
own_text(struct zonelist_edit *e, char *text, size_t len)
{
	drop_text(e);
	e->owned = text;
	e->buf = text;
	e->len = len;
}

/* The text to write: the pending edit's pieces, or buf as it is. */
const struct iovec *
zonelist_edit_pieces(const struct zonelist_edit *e, size_t *n)
{
	if (e->cuts != NULL) {
		*n = e->ncuts;
		return e->cuts;
	}
	*n = e->npieces;
	return e->piece;
}

/* Before a second edit: the pending one joined into one buffer, to scan afresh. */
static int
join(struct zonelist_edit *e)
{
	const struct iovec *iov;
	size_t n, len = 0, at = 0;
	char *text;

	if (e->cuts == NULL && e->npieces == 0)
		return 0;
	iov = zonelist_edit_pieces(e, &n);
	for (size_t i = 0; i < n; i++)
		len += iov[i].iov_len;
	text = malloc(len + 1);
	if (text == NULL)
		return E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		memcpy(text + at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	text[len] = '\0';
	own_text(e, text, len);
	return 0;
}

static int
rescan(struct zonelist_edit *e)
{
	int rc;

	if (e->scanned)
		return 0;
	rc = zonelist_scan_for(e->buf, e->len, e->focus, &e->scan);
	e->scanned = rc == 0;
	return rc;
}

/*
 * Before an edit or a question about zone name (NULL: every zone): one
 * buffer, scanned for it. A session opened for another zone scans again,
 * for all of them.
 */
int
zonelist_edit_ready_for(struct zonelist_edit *e, const char *name)
{
	if (e->focus != NULL && (name == NULL || !zonelist_name_eq(name, strlen(name), e->focus))) {
		free(e->focus);
		e->focus = NULL;
		e->scanned = 0;
	}
	return zonelist_edit_ready(e);
}

/* Before an edit: one buffer, scanned. */
int
zonelist_edit_ready(struct zonelist_edit *e)
{
	int rc = join(e);

	return rc != 0 ? rc : rescan(e);
}

/*
 * A file the scanner refused: ask libxml2. A valid one is rewritten in
 * libxml2's own layout (UTF-8, tab indentation), which the scanner takes;
 * an invalid one gives libxml2's message.
 */
static int
normalise(struct zonelist_edit *e, char *err, size_t errlen)
{
	xmlDoc *doc = NULL;
	xmlDtd *dtd;
	char *text = NULL;
	size_t len;
	int rc;

	rc = xml_load(e->path, zonelist_rng, zonelist_rng_len, &doc, err, errlen);
	if (rc != 0)
		goto out;
	dtd = xmlGetIntSubset(doc);
	if (dtd != NULL) {
		xmlUnlinkNode((xmlNode *)dtd);
		xmlFreeDtd(dtd);
	}
	xmlFree((xmlChar *)doc->encoding);
	doc->encoding = xmlStrdup((const xmlChar *)"UTF-8");
	if (doc->encoding == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	xml_strip_blanks(xmlDocGetRootElement(doc));
	rc = xml_dump(doc, "\t", &text, &len);
	if (rc != 0)
		goto out;
	own_text(e, text, len);
	text = NULL;
	rc = rescan(e);
	if (rc == E_PARSE)
		zonelist_edit_say(err, errlen,
			"%s: cannot edit this zone list in place; run \"ods-ksmutil "
			"zonelist export\" to rewrite it",
			e->path);
out:
	if (rc == E_NOMEM)
		zonelist_edit_say(err, errlen, "%s: out of memory", e->path);
	free(text);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return rc;
}

/*
 * Map the (locked) file. Writers replace the file rather than truncate
 * it, so the mapping stays whole while the lock is held.
 */
static int
map_file(struct zonelist_edit *e)
{
	int fd = open(e->target, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	void *map;

	if (fd < 0)
		return E_IO;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return E_IO;
	}
	if (st.st_size == 0) {
		close(fd);
		e->buf = "";
		return 0;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return E_IO;
	e->map = map;
	e->maplen = (size_t)st.st_size;
	e->buf = map;
	e->len = e->maplen;
	return 0;
}

/*
 * For an add: the new element goes in at zonelist_edit_splice_at() of </ZoneList>, so
 * everything before that is known before the scan. A thread of its own
 * stages it while the scan runs: over the last backup, which mostly holds
 * it already, or else in a new file that it writes and waits for the
 * device on (at 10,000 zones each is a few milliseconds of a 4 MB file).
 * Where the scan puts the element elsewhere, or finds the file broken,
 * the early stage is dropped (and a backup written over given back).
 * Best effort: a failure here is left for the stage to meet.
 */
static void
prewrite(struct zonelist_edit *e)
{
	static const char close_tag[] = "</ZoneList";
	const size_t n = sizeof(close_tag) - 1;
	size_t at = e->len, kept;
	struct iovec iov;

	while (at > 0) {
		const char *q = memrchr(e->buf, '<', at);

		if (q == NULL)
			return;
		at = (size_t)(q - e->buf);
		if (e->len - at >= n && memcmp(q, close_tag, n) == 0)
			break;
	}
	if (at == 0)
		return;
	at = zonelist_edit_splice_at(e->buf, at);
	iov = (struct iovec){ (void *)e->buf, at };
	if (zonelist_edit_stage_new(e, &iov, 1, &kept, &e->pre) != 0)
		return;
	/*
	 * On the device before the transaction commits: the journal commit
	 * behind the database's sync would otherwise wait for these blocks.
	 * A small write is not worth the extra flush.
	 */
	if (at - kept >= PREWRITE_SYNC_MIN && file_stage_sync(e->pre) != 0)
		goto fail;
	e->pre_len = at;
	return;
fail:
	file_stage_abort(e->pre);
	e->pre = NULL;
}

static void *
prewrite_run(void *arg)
{
	prewrite(arg);
	return NULL;
}

/* The early write, beside the scan where a thread can be had. */
static void
prewrite_start(struct zonelist_edit *e)
{
	e->prewriting = pthread_create(&e->prewriter, NULL, prewrite_run, e) == 0;
	if (!e->prewriting)
		prewrite(e);
}

/* Wait for the early write: before pre is used, or buf dropped. */
static void
prewrite_join(struct zonelist_edit *e)
{
	if (e->prewriting) {
		pthread_join(e->prewriter, NULL);
		e->prewriting = 0;
	}
}

/*
 * The pending add's pieces written to the early file: what the scan
 * found between its end and the insertion, then the element and the
 * rest. 1 when done, 0 when the early file does not fit (dropped).
 */
int
zonelist_edit_finish_prewrite(struct zonelist_edit *e, int *rc)
{
	struct iovec iov[3];

	prewrite_join(e);
	if (e->pre == NULL)
		return 0;
	/* an add's piece[0] is buf up to the splice: the early part must lie within it */
	if (e->cuts != NULL || e->npieces != 3 || e->piece[0].iov_len < e->pre_len) {
		file_stage_abort(e->pre);
		e->pre = NULL;
		return 0;
	}
	iov[0] = (struct iovec){ (void *)(e->buf + e->pre_len), e->piece[0].iov_len - e->pre_len };
	iov[1] = e->piece[1];
	iov[2] = e->piece[2];
	*rc = file_stage_append_iov(e->pre, iov, 3);
	if (*rc == 0)
		e->staged = e->pre;
	else
		file_stage_abort(e->pre);
	e->pre = NULL;
	return 1;
}

int
zonelist_edit_open(const char *path, unsigned flags, const char *zone, struct zonelist_edit **out,
	char *err, size_t errlen)
{
	struct zonelist_edit *e;
	struct stat lst;
	int rc;

	if (path == NULL || out == NULL)
		return E_INVAL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return E_NOMEM;
	e->lock = -1;
	e->path = str_dup(path);
	e->backup = str_printf("%s.backup", path);
	e->focus = zone != NULL ? str_dup(zone) : NULL;
	if (e->path == NULL || e->backup == NULL || (zone != NULL && e->focus == NULL)) {
		rc = E_NOMEM;
		goto out;
	}
	/* write through a symbolic link: the link stays, its file changes */
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		e->target = realpath(path, NULL);
		if (e->target == NULL) {
			rc = E_IO;
			zonelist_edit_say(err, errlen, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
	} else {
		e->target = str_dup(path);
	}
	if (e->target == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	e->lock = zonelist_lock(e->target);
	if (stat(e->target, &e->st) == 0) {
		if (!S_ISREG(e->st.st_mode)) {
			rc = E_IO;
			zonelist_edit_say(err, errlen, "cannot read %s: %s", path,
				S_ISDIR(e->st.st_mode) ? strerror(EISDIR) : "not a regular file");
			goto out;
		}
		e->existed = 1;
		rc = map_file(e);
		if (rc == 0 && (flags & ZONELIST_EDIT_FOR_ADD))
			prewrite_start(e);
	} else if (errno == ENOENT && (flags & ZONELIST_EDIT_MAY_BE_MISSING)) {
		e->buf = empty_list;
		e->len = sizeof(empty_list) - 1;
		rc = 0;
	} else {
		rc = E_IO;
	}
	if (rc == E_IO) {
		zonelist_edit_say(err, errlen, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = rescan(e);
	if (rc == E_PARSE)
		rc = normalise(e, err, errlen);
out:
	if (rc == E_NOMEM)
		zonelist_edit_say(err, errlen, "%s: out of memory", path);
	if (rc != 0)
		zonelist_edit_close(e);
	else
		*out = e;
	return rc;
}

void
zonelist_edit_close(struct zonelist_edit *e)
{
	if (e == NULL)
		return;
	/* the early write ends, and a backup written over is given back, before the lock is let go */
	prewrite_join(e);
	zonelist_edit_unstage(e);
	file_stage_abort(e->pre);
	e->pre = NULL;
	zonelist_unlock(e->lock);
	zonelist_scan_free(&e->scan);
	drop_text(e);
	free(e->target);
	free(e->path);
	free(e->backup);
	free(e->focus);
	free(e);
}

int
zonelist_edit_listed(struct zonelist_edit *e, const char *name)
{
	const struct zonelist_scan *s = &e->scan;
	size_t nlen = strlen(name);
	char *decoded;
	int found = 0, rc;

	rc = zonelist_edit_ready_for(e, name);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < s->nzones && !found; i++) {
		const struct zonelist_scan_zone *z = &s->zones[i];

		/*
		 * A reference ("&lt;" at the shortest) stands for fewer bytes
		 * than it takes, so raw text shorter than name, or not longer
		 * than name and a dot yet holding one, cannot be name.
		 */
		if (z->name_len < nlen)
			continue;
		if (z->name_len <= nlen + 1) {
			found = zonelist_name_eq(e->buf + z->name_off, z->name_len, name) &&
				memchr(e->buf + z->name_off, '&', z->name_len) == NULL;
		} else if (memchr(e->buf + z->name_off, '&', z->name_len) == NULL) {
			found = zonelist_name_eq(e->buf + z->name_off, z->name_len, name);
		} else if (zonelist_scan_attr(e->buf, z->name_off, z->name_len, &decoded) == 0) {
			found = zonelist_name_eq(decoded, strlen(decoded), name);
			free(decoded);
		}
	}
	return found;
}
