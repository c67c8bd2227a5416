/*
 * zonelist_edit_change.c - the edits of a zonelist.xml session (add and
 * remove a zone) and their save: staged, backed up, then put in place
 * (see zonelist_edit.h). The session itself is zonelist_edit.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "config/zonelist.h"
#include "config/zonelist_edit.h"
#include "config/zonelist_edit_internal.h"
#include "config/zonelist_scan.h"

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
	zonelist_edit_unstage(e);
}

int
zonelist_edit_add(
	struct zonelist_edit *e, const struct zonelist_zone *zone, char *err, size_t errlen)
{
	struct zonelist_scan one = { 0 };
	char *text = NULL;
	size_t len, bs, ins, at;
	int rc;

	if (e == NULL || zone == NULL)
		return E_INVAL;
	rc = zonelist_edit_ready(e);
	if (rc != 0)
		goto out;
	/* The new element as `zonelist export` would write it, checked by the same scan. */
	rc = zonelist_format(zone, 1, ZONELIST_STYLE_FILE, &text, &len);
	if (rc != 0)
		goto out;
	if (zonelist_scan(text, len, &one) != 0 || one.nzones != 1) {
		rc = E_INVAL;
		zonelist_edit_say(err, errlen, "%s: zone %s does not make a valid <Zone> element",
			e->path, zone->name);
		goto out;
	}
	bs = zonelist_edit_line_start(text, one.zones[0].start);
	ins = e->scan.root_close;
	e->piece[1] = (struct iovec){ text + bs, one.root_close - bs };
	if (e->scan.root_empty) {
		/* <ZoneList/> becomes <ZoneList> ... </ZoneList> */
		e->piece[0] = (struct iovec){ (void *)e->buf, ins };
		set_added(e, text, ">\n", "</ZoneList>", e->buf + ins + 2);
	} else {
		/* a line of its own: a line break first where the splice is mid-line */
		at = zonelist_edit_splice_at(e->buf, ins);
		e->piece[0] = (struct iovec){ (void *)e->buf, at };
		set_added(e, text, at > 0 && e->buf[at - 1] != '\n' ? "\n" : "", "", e->buf + at);
	}
	text = NULL;
	rc = e->added != NULL ? 0 : E_NOMEM;
out:
	if (rc == E_NOMEM)
		zonelist_edit_say(err, errlen, "%s: out of memory", e->path);
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
cut_range(const char *buf, size_t len, const struct zonelist_scan_zone *z, size_t *from, size_t *to)
{
	size_t ls = zonelist_edit_line_start(buf, z->start), eol = z->end;

	while (eol < len && (buf[eol] == ' ' || buf[eol] == '\t'))
		eol++;
	if (zonelist_edit_blank(buf, ls, z->start) && (eol == len || buf[eol] == '\n')) {
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
zonelist_edit_remove(
	struct zonelist_edit *e, const char *name, char ***signconfs, char *err, size_t errlen)
{
	char **removed = NULL, *decoded = NULL;
	struct iovec *cuts = NULL;
	size_t nremoved = 0, ncuts = 0, kept = 0, from, to;
	int rc, match;

	if (e == NULL)
		return E_INVAL;
	rc = zonelist_edit_ready_for(e, name);
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
		zonelist_edit_unstage(e);
	}
	if (signconfs != NULL) {
		*signconfs = removed;
		removed = NULL;
	}
out:
	if (rc == E_NOMEM)
		zonelist_edit_say(err, errlen, "%s: out of memory", e->path);
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

/*
 * The pending text written out: a file that did not exist is written in
 * one go (new_file), an existing one is staged over its backup.
 */
static int
write_pieces(struct zonelist_edit *e, int new_file)
{
	const struct iovec *iov;
	size_t n;

	iov = zonelist_edit_pieces(e, &n);
	if (new_file)
		return file_write_atomic_iov(
			e->target, iov, n, ZONELIST_EDIT_NEW_FILE_MODE, (uid_t)-1, (gid_t)-1);
	return zonelist_edit_stage_new(e, iov, n, NULL, &e->staged);
}

int
zonelist_edit_stage(struct zonelist_edit *e, char *err, size_t errlen)
{
	int rc;

	if (e == NULL)
		return E_INVAL;
	/* a new file is written in one go by the save */
	if (!e->dirty || !e->existed || e->staged != NULL)
		return 0;
	if (!zonelist_edit_finish_prewrite(e, &rc))
		rc = write_pieces(e, 0);
	if (rc == E_IO)
		zonelist_edit_say(err, errlen, "cannot write %s: %s", e->path, strerror(errno));
	else if (rc == E_NOMEM)
		zonelist_edit_say(err, errlen, "%s: out of memory", e->path);
	return rc;
}

int
zonelist_edit_save(struct zonelist_edit *e, char *err, size_t errlen)
{
	int rc;

	if (e == NULL)
		return E_INVAL;
	if (!e->dirty)
		return 0;
	if (!e->existed) {
		rc = write_pieces(e, 1);
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
			zonelist_edit_say(err, errlen, "cannot back up %s to %s: %s", e->path,
				e->backup, strerror(errno));
		zonelist_edit_unstage(e);
		goto out;
	}
	rc = file_stage_commit(e->staged);
	e->staged = NULL;
written:
	if (rc == E_IO)
		zonelist_edit_say(err, errlen, "cannot write %s: %s", e->path, strerror(errno));
	if (rc == 0) {
		/* a later save in this session backs up and keeps what is there now */
		e->dirty = 0;
		if (stat(e->target, &e->st) == 0)
			e->existed = 1;
	}
out:
	if (rc == E_NOMEM)
		zonelist_edit_say(err, errlen, "%s: out of memory", e->path);
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
