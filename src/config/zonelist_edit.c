/*
 * zonelist_edit.c - in-place edits of zonelist.xml (see zonelist_edit.h).
 *
 * The session maps the file and scans it; an edit describes the new text
 * as pieces (ranges of the old text and the new element) that the save
 * writes with no copy in memory. A second edit in the same session first
 * joins the pieces into one buffer and scans that.
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
#include "config/zonelist_scan.h"

/* zonelist.rng, compiled in by tools/embed.sh (zonelist_rng.embed.c) */
extern const char zonelist_rng[];
extern const unsigned long zonelist_rng_len;

/* Mode of a zonelist.xml that an edit creates. */
#define NEW_FILE_MODE 0644

/* From this size on (some 160 zones) an add's early write is flushed in its thread. */
#define PREWRITE_SYNC_MIN (64 * 1024)

/* What a missing file counts as: the list zone add starts a new file from. */
static const char empty_list[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				 "<ZoneList>\n"
				 "</ZoneList>\n";

struct zonelist_edit {
	char *path;             /* as configured: messages and the backup's name */
	char *target;           /* the file replaced: path, or where its link points */
	char *backup;           /* "<path>.backup" */
	int lock;               /* flock()ed descriptor, or -1 */
	int existed;
	struct stat st;         /* of target, when it existed */
	const char *buf;        /* the text the scan is of: the mapping or owned */
	size_t len;
	void *map;              /* the file, mapped (or NULL) */
	size_t maplen;
	char *owned;            /* malloc()ed text (or NULL) */
	struct zonelist_scan scan;
	int scanned;            /* scan describes buf */
	char *focus;            /* the zone the scan records, or NULL for all */
	/* the text to write: pieces of buf, and of the added element */
	struct iovec piece[3];
	size_t npieces;         /* 0: no add pending */
	struct iovec *cuts;     /* after a remove: the kept ranges of buf */
	size_t ncuts;
	char *added;            /* the element an add brought */
	int dirty;              /* edited since opened or saved */
	struct file_staged *staged; /* the edited file, written, not yet in place */
	struct file_staged *pre; /* for an add: buf's first pre_len bytes, written early */
	size_t pre_len;
	pthread_t prewriter;    /* writing pre while the scan runs */
	int prewriting;
};

static void prewrite_join(struct zonelist_edit *e);
static int ready(struct zonelist_edit *e);

/* Drop a staged file that no longer says what the session holds. */
static void
unstage(struct zonelist_edit *e)
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
static int
stage_new(struct zonelist_edit *e, const struct iovec *iov, size_t n, size_t *kept,
    struct file_staged **st)
{
	return file_stage_over_iov(e->target, e->backup, iov, n, e->st.st_mode & 07777,
	    e->st.st_uid, e->st.st_gid, kept, st);
}

static void __attribute__((format(printf, 3, 4)))
say(char *err, size_t errlen, const char *fmt, ...)
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
static size_t
line_start(const char *buf, size_t off)
{
	while (off > 0 && buf[off - 1] != '\n')
		off--;
	return off;
}

static int
blank(const char *buf, size_t from, size_t to)
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
static size_t
splice_at(const char *buf, size_t close)
{
	size_t ls = line_start(buf, close);

	return blank(buf, ls, close) ? ls : close;
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
static const struct iovec *
pieces(const struct zonelist_edit *e, size_t *n)
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
	iov = pieces(e, &n);
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
static int
ready_for(struct zonelist_edit *e, const char *name)
{
	if (e->focus != NULL && (name == NULL || !zonelist_name_eq(name, strlen(name), e->focus))) {
		free(e->focus);
		e->focus = NULL;
		e->scanned = 0;
	}
	return ready(e);
}

/* Before an edit: one buffer, scanned. */
static int
ready(struct zonelist_edit *e)
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
		say(err, errlen, "%s: cannot edit this zone list in place; run \"ods-ksmutil "
		    "zonelist export\" to rewrite it", e->path);
out:
	if (rc == E_NOMEM)
		say(err, errlen, "%s: out of memory", e->path);
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
 * For an add: the new element goes in at splice_at() of </ZoneList>, so
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
	at = splice_at(e->buf, at);
	iov = (struct iovec){ (void *)e->buf, at };
	if (stage_new(e, &iov, 1, &kept, &e->pre) != 0)
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
static int
finish_prewrite(struct zonelist_edit *e, int *rc)
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
			say(err, errlen, "cannot read %s: %s", path, strerror(errno));
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
			say(err, errlen, "cannot read %s: %s", path,
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
		say(err, errlen, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = rescan(e);
	if (rc == E_PARSE)
		rc = normalise(e, err, errlen);
out:
	if (rc == E_NOMEM)
		say(err, errlen, "%s: out of memory", path);
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
	unstage(e);
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

	rc = ready_for(e, name);
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

/*
 * The pending add: piece[0] (set by the caller) is the text before the
 * insertion, then before + piece[1] + after (the new element wrapped as
 * the place needs) as one added string, then buf from rest to its end.
 */
static void
set_added(struct zonelist_edit *e, char *text, const char *before, const char *after,
    const char *rest)
{
	e->added = str_printf("%s%.*s%s", before, (int)e->piece[1].iov_len,
	    (const char *)e->piece[1].iov_base, after);
	free(text);
	if (e->added == NULL)
		return;
	e->piece[1] = (struct iovec){ e->added, strlen(e->added) };
	e->piece[2] = (struct iovec){ (void *)rest, (size_t)(e->buf + e->len - rest) };
	e->npieces = 3;
	e->dirty = 1;
	unstage(e);
}

int
zonelist_edit_add(struct zonelist_edit *e, const struct zonelist_zone *zone, char *err,
    size_t errlen)
{
	struct zonelist_scan one = { 0 };
	char *text = NULL;
	size_t len, bs, ins, at;
	int rc;

	if (e == NULL || zone == NULL)
		return E_INVAL;
	rc = ready(e);
	if (rc != 0)
		goto out;
	/* The new element as `zonelist export` would write it, checked by the same scan. */
	rc = zonelist_format(zone, 1, ZONELIST_STYLE_FILE, &text, &len);
	if (rc != 0)
		goto out;
	if (zonelist_scan(text, len, &one) != 0 || one.nzones != 1) {
		rc = E_INVAL;
		say(err, errlen, "%s: zone %s does not make a valid <Zone> element", e->path,
		    zone->name);
		goto out;
	}
	bs = line_start(text, one.zones[0].start);
	ins = e->scan.root_close;
	e->piece[1] = (struct iovec){ text + bs, one.root_close - bs };
	if (e->scan.root_empty) {
		/* <ZoneList/> becomes <ZoneList> ... </ZoneList> */
		e->piece[0] = (struct iovec){ (void *)e->buf, ins };
		set_added(e, text, ">\n", "</ZoneList>", e->buf + ins + 2);
	} else {
		/* a line of its own: a line break first where the splice is mid-line */
		at = splice_at(e->buf, ins);
		e->piece[0] = (struct iovec){ (void *)e->buf, at };
		set_added(e, text, at > 0 && e->buf[at - 1] != '\n' ? "\n" : "", "", e->buf + at);
	}
	text = NULL;
	rc = e->added != NULL ? 0 : E_NOMEM;
out:
	if (rc == E_NOMEM)
		say(err, errlen, "%s: out of memory", e->path);
	zonelist_scan_free(&one);
	free(text);
	return rc;
}

/* Append s to the NULL-terminated *v of *n entries. */
static int
strv_push(char ***v, size_t *n, char *s)
{
	char **grown = realloc(*v, (*n + 2) * sizeof(*grown));

	if (grown == NULL) {
		free(s);
		return E_NOMEM;
	}
	*v = grown;
	grown[(*n)++] = s;
	grown[*n] = NULL;
	return 0;
}

/*
 * The bytes a removed zone takes with it: its whole lines when nothing
 * else shares them, else just the element.
 */
static void
cut_range(const char *buf, size_t len, const struct zonelist_scan_zone *z, size_t *from,
    size_t *to)
{
	size_t ls = line_start(buf, z->start), eol = z->end;

	while (eol < len && (buf[eol] == ' ' || buf[eol] == '\t'))
		eol++;
	if (blank(buf, ls, z->start) && (eol == len || buf[eol] == '\n')) {
		*from = ls;
		*to = eol < len ? eol + 1 : eol;
	} else {
		*from = z->start;
		*to = z->end;
	}
}

/* Raw attribute text that decodes to itself: no reference, tab or line break. */
static int
verbatim(const char *raw, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '&' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r')
			return 0;
	}
	return 1;
}

/*
 * Does zone z's name attribute read exactly name? Decoding only shortens
 * the raw text, and leaves raw text without references, tabs or line
 * breaks as it is, so most zones are told apart without a copy.
 */
static int
name_is(const char *buf, const struct zonelist_scan_zone *z, const char *name, int *match)
{
	const char *raw = buf + z->name_off;
	size_t nlen = strlen(name);
	char *decoded;

	*match = 0;
	if (z->name_len < nlen)
		return 0;
	if (verbatim(raw, z->name_len)) {
		*match = z->name_len == nlen && memcmp(raw, name, nlen) == 0;
		return 0;
	}
	if (zonelist_scan_attr(buf, z->name_off, z->name_len, &decoded) != 0)
		return E_NOMEM;
	*match = strcmp(decoded, name) == 0;
	free(decoded);
	return 0;
}

int
zonelist_edit_remove(struct zonelist_edit *e, const char *name, char ***signconfs, char *err,
    size_t errlen)
{
	char **removed = NULL, *decoded = NULL;
	struct iovec *cuts = NULL;
	size_t nremoved = 0, ncuts = 0, kept = 0, from, to;
	int rc, match;

	if (e == NULL)
		return E_INVAL;
	rc = ready_for(e, name);
	if (rc != 0)
		goto out;
	removed = calloc(1, sizeof(*removed));
	/* the kept ranges: at most one between each two zones, and the ends */
	cuts = calloc(e->scan.nzones + 1, sizeof(*cuts));
	if (removed == NULL || cuts == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < e->scan.nzones; i++) {
		const struct zonelist_scan_zone *z = &e->scan.zones[i];

		if (name != NULL) {
			rc = name_is(e->buf, z, name, &match);
			if (rc != 0)
				goto out;
			if (!match)
				continue;
		}
		rc = zonelist_scan_text(e->buf, z->sc_off, z->sc_len, &decoded);
		if (rc == 0)
			rc = strv_push(&removed, &nremoved, decoded);
		decoded = NULL;
		if (rc != 0)
			goto out;
		cut_range(e->buf, e->len, z, &from, &to);
		cuts[ncuts++] = (struct iovec){ (void *)(e->buf + kept), from - kept };
		kept = to;
	}
	if (nremoved > 0) {
		cuts[ncuts++] = (struct iovec){ (void *)(e->buf + kept), e->len - kept };
		e->cuts = cuts;
		e->ncuts = ncuts;
		cuts = NULL;
		e->dirty = 1;
		unstage(e);
	}
	if (signconfs != NULL) {
		*signconfs = removed;
		removed = NULL;
	}
out:
	if (rc == E_NOMEM)
		say(err, errlen, "%s: out of memory", e->path);
	free(cuts);
	zonelist_strv_free(removed);
	return rc;
}

/*
 * "<path>.backup" := the file as it is now. A hard link to it is enough,
 * since the file itself is about to be replaced, not rewritten; where
 * links cannot be made the bytes are copied, with the file's mode.
 */
static int
backup(struct zonelist_edit *e, const char *to)
{
	char *tmp = NULL;
	int rc = E_IO;

	for (int tries = 0; tries < 100; tries++) {
		free(tmp);
		tmp = str_printf("%s.tmp.%ld.%d", to, (long)getpid(), tries);
		if (tmp == NULL)
			return E_NOMEM;
		if (link(e->target, tmp) == 0) {
			if (rename(tmp, to) == 0) {
				rc = 0;
			} else {
				int saved = errno;

				unlink(tmp);
				errno = saved;
			}
			goto out;
		}
		if (errno != EEXIST)
			break;
	}
	if (errno == EXDEV || errno == EPERM || errno == EMLINK || errno == ENOTSUP ||
	    errno == ENOSYS)
		rc = file_copy(e->target, to, e->st.st_mode & 07777);
out:
	free(tmp);
	return rc;
}

int
zonelist_edit_stage(struct zonelist_edit *e, char *err, size_t errlen)
{
	const struct iovec *iov;
	size_t n;
	int rc;

	if (e == NULL)
		return E_INVAL;
	/* a new file is written in one go by the save */
	if (!e->dirty || !e->existed || e->staged != NULL)
		return 0;
	if (!finish_prewrite(e, &rc)) {
		iov = pieces(e, &n);
		rc = stage_new(e, iov, n, NULL, &e->staged);
	}
	if (rc == E_IO)
		say(err, errlen, "cannot write %s: %s", e->path, strerror(errno));
	else if (rc == E_NOMEM)
		say(err, errlen, "%s: out of memory", e->path);
	return rc;
}

int
zonelist_edit_save(struct zonelist_edit *e, char *err, size_t errlen)
{
	const struct iovec *iov;
	size_t n;
	int rc;

	if (e == NULL)
		return E_INVAL;
	if (!e->dirty)
		return 0;
	if (!e->existed) {
		iov = pieces(e, &n);
		rc = file_write_atomic_iov(e->target, iov, n, NEW_FILE_MODE, (uid_t)-1, (gid_t)-1);
		goto written;
	}
	/*
	 * The new file is written (and its write-back under way) before the
	 * backup is made, usually over the old backup; the file itself is only
	 * replaced once the new backup is there.
	 */
	rc = zonelist_edit_stage(e, err, errlen);
	if (rc != 0)
		return rc;
	rc = backup(e, e->backup);
	if (rc != 0) {
		if (rc == E_IO)
			say(err, errlen, "cannot back up %s to %s: %s", e->path, e->backup,
			    strerror(errno));
		unstage(e);
		goto out;
	}
	rc = file_stage_commit(e->staged);
	e->staged = NULL;
written:
	if (rc == E_IO)
		say(err, errlen, "cannot write %s: %s", e->path, strerror(errno));
	if (rc == 0) {
		/* a later save in this session backs up and keeps what is there now */
		e->dirty = 0;
		if (stat(e->target, &e->st) == 0)
			e->existed = 1;
	}
out:
	if (rc == E_NOMEM)
		say(err, errlen, "%s: out of memory", e->path);
	return rc;
}

int
zonelist_file_add(const char *path, const struct zonelist_zone *zone, char *err, size_t errlen)
{
	struct zonelist_edit *e = NULL;
	int rc;

	if (path == NULL || zone == NULL)
		return E_INVAL;
	rc = zonelist_edit_open(path, ZONELIST_EDIT_MAY_BE_MISSING | ZONELIST_EDIT_FOR_ADD,
	    zone->name, &e, err, errlen);
	if (rc == 0)
		rc = zonelist_edit_add(e, zone, err, errlen);
	if (rc == 0)
		rc = zonelist_edit_save(e, err, errlen);
	zonelist_edit_close(e);
	return rc;
}

int
zonelist_file_remove(
    const char *path, const char *name, char ***signconfs, char *err, size_t errlen)
{
	struct zonelist_edit *e = NULL;
	char **removed = NULL;
	int rc;

	if (path == NULL)
		return E_INVAL;
	rc = zonelist_edit_open(path, 0, name, &e, err, errlen);
	if (rc == 0)
		rc = zonelist_edit_remove(e, name, &removed, err, errlen);
	if (rc == 0)
		rc = zonelist_edit_save(e, err, errlen);
	zonelist_edit_close(e);
	if (rc == 0 && signconfs != NULL)
		*signconfs = removed;
	else
		zonelist_strv_free(removed);
	return rc;
}
