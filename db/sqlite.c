/*
 * sqlite.c - the SQLite driver.
 *
 * One database file; WAL journal so readers (and online backups) never block
 * the writer; advisory locks are flock()ed files beside the database. The
 * only file of the project that includes sqlite3.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/clock.h"
#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/sqlite_internal.h"
#include "db/util.h"

#define DEFAULT_BUSY_MS 5000
/* db_lock() with a wait: how often to try again. */
#define LOCK_POLL_MS 20
/* db_backup(): how long to keep trying while the source is locked. */
#define BACKUP_BUSY_MS 30000

struct conn {
	sqlite3 *h;
	char *path;
	int read_only;              /* opened with SQLITE_OPEN_READONLY */
	struct db_held_lock *locks; /* each with its open lock file */
};

static struct conn *
conn_of(db_t *db)
{
	return db->priv;
}

static sqlite3_stmt *
stmt_of(db_stmt_t *st)
{
	return st->priv;
}

/*
 * A file or directory counts as read-only when we may not write it, and also
 * when its mode has no write bit at all: root may write anything, but an
 * operator (or CI, running as root) who chmods the database 0444 means it.
 */
static int
not_writable(const char *path)
{
	struct stat sb;

	if (access(path, W_OK) != 0)
		return 1;
	if (stat(path, &sb) != 0)
		return 1;
	return (sb.st_mode & 0222) == 0;
}

/* Turn an SQLite result code into ours and record a message on the handle. */
static int
fail(db_t *db, int src, const char *what)
{
	struct conn *c = conn_of(db);
	const char *path = c != NULL && c->path != NULL ? c->path : "(none)";
	const char *msg = c != NULL && c->h != NULL ? sqlite3_errmsg(c->h) : sqlite3_errstr(src);

	if (what == NULL)
		what = "database";
	switch (src & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return db_set_error(db, DB_E_BUSY, "%s: %s: %s", what, path, msg);
	case SQLITE_CONSTRAINT:
		db_set_message(db, "%s", msg);
		if (c != NULL && c->h != NULL)
			sq_name_index(db, c->h, src, db_errmsg(db));
		return DB_E_CONSTRAINT;
	case SQLITE_READONLY:
		return db_set_error(db, DB_E_READONLY, "database %s is read-only", path);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return db_set_error(db, DB_E_CORRUPT, "%s is not a database or is corrupt", path);
	case SQLITE_CANTOPEN:
		return db_set_error(db, DB_E_CONNECT, "cannot open database %s: %s", path, msg);
	case SQLITE_NOMEM: return db_set_error(db, E_NOMEM, "%s: out of memory", what);
	case SQLITE_MISUSE: return db_set_error(db, DB_E_MISUSE, "%s: %s", what, msg);
	case SQLITE_RANGE: return db_set_error(db, E_INVAL, "%s: %s", what, msg);
	case SQLITE_TOOBIG: return db_set_error(db, E_RANGE, "%s: %s", what, msg);
	case SQLITE_IOERR:
	case SQLITE_FULL: return db_set_error(db, E_IO, "%s %s: %s", what, path, msg);
	}
	return db_set_error(db, DB_E_SQL, "%s", msg);
}

/* Run a statement that may return rows; the first column of the first row goes to buf. */
static int
query_text(db_t *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	int src, rc = 0;

	src = sqlite3_prepare_v2(conn_of(db)->h, sql, -1, &s, NULL);
	if (src != SQLITE_OK) {
		rc = fail(db, src, sql);
		goto out;
	}
	src = sqlite3_step(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE) {
		rc = fail(db, src, sql);
		goto out;
	}
	if (buf != NULL && len > 0) {
		t = src == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
		(void)snprintf(buf, len, "%s", t != NULL ? (const char *)t : "");
	}
out:
	sqlite3_finalize(s);
	return rc;
}

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	db_util_locks_free(&c->locks);
	/* close_v2: never fails; a forgotten statement keeps the memory until finalized. */
	if (c->h != NULL)
		(void)sqlite3_close_v2(c->h);
	free(c->path);
	free(c);
}

/*
 * Reopen a read-only database as immutable. A WAL-mode file needs its -shm
 * file even for reading; in a directory we cannot write, with no -shm left
 * by a writer, SQLite cannot create one and refuses to read. No -shm means
 * no writer is at work, and such a file is in practice a replica or an
 * archived copy, so we read it without locks as a file that does not
 * change. (A writer that starts later, with rights we lack, is not seen.)
 */
static int
reopen_immutable(db_t *db, struct conn *c)
{
	static const char hex[] = "0123456789ABCDEF";
	char *uri;
	const char *p;
	size_t n = 0;
	int src, rc = 0;

	uri = malloc(strlen(c->path) * 3 + 32);
	if (uri == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	n += (size_t)sprintf(uri, "file:");
	for (p = c->path; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '%' || ch == '?' || ch == '#' || ch < 0x20 || ch >= 0x7f) {
			uri[n++] = '%';
			uri[n++] = hex[ch >> 4];
			uri[n++] = hex[ch & 15];
		} else {
			uri[n++] = (char)ch;
		}
	}
	(void)strcpy(uri + n, "?immutable=1");

	(void)sqlite3_close_v2(c->h);
	c->h = NULL;
	src = sqlite3_open_v2(uri, &c->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	if (src != SQLITE_OK)
		rc = fail(db, src, "open");
	free(uri);
	return rc;
}

static int
sq_open(db_t *db, const struct db_config *cfg)
{
	char dir[PATH_MAX], mode[32];
	struct conn *c;
	struct stat sb;
	int flags, src, rc = 0;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	c->path = strdup(cfg->path);
	if (c->path == NULL) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	(void)snprintf(db->location, sizeof(db->location), "%s", cfg->path);
	db_util_dir_of(cfg->path, dir, sizeof(dir));

	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		rc = db_set_error(db, DB_E_CONNECT,
			"cannot %s database %s: directory %s does not exist",
			cfg->create ? "create" : "open", cfg->path, dir);
		goto out;
	}
	if (stat(cfg->path, &sb) != 0) {
		if (errno != ENOENT) {
			rc = db_set_error(db, DB_E_CONNECT, "cannot open database %s: %s",
				cfg->path, strerror(errno));
			goto out;
		}
		if (!cfg->create) {
			rc = db_set_error(
				db, E_NOTFOUND, "database file %s does not exist", cfg->path);
			goto out;
		}
		if (not_writable(dir)) {
			rc = db_set_error(db, DB_E_READONLY,
				"cannot create database %s: directory %s is not writable",
				cfg->path, dir);
			goto out;
		}
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	} else if (!S_ISREG(sb.st_mode)) {
		rc = db_set_error(
			db, DB_E_CONNECT, "cannot open database %s: not a regular file", cfg->path);
		goto out;
	} else if (cfg->read_only || not_writable(cfg->path) || not_writable(dir)) {
		/* SQLite needs the directory too, for its journal and WAL files. */
		flags = SQLITE_OPEN_READONLY;
		c->read_only = 1;
	} else {
		flags = SQLITE_OPEN_READWRITE;
	}

	src = sqlite3_open_v2(cfg->path, &c->h, flags, NULL);
	db->priv = c;
	if (src != SQLITE_OK) {
		rc = fail(db, src, "open");
		goto out;
	}
	(void)sqlite3_extended_result_codes(c->h, 1);
	(void)sqlite3_busy_timeout(c->h,
		cfg->lock_timeout_ms > 0
			? (int)(cfg->lock_timeout_ms > INT_MAX ? INT_MAX : cfg->lock_timeout_ms)
			: DEFAULT_BUSY_MS);

	/* Read something: a file that is not a database fails here, not later. */
	rc = query_text(db, "PRAGMA schema_version", NULL, 0);
	if (c->read_only && (rc == DB_E_READONLY || rc == DB_E_CONNECT)) {
		rc = reopen_immutable(db, c);
		if (rc != 0)
			goto out;
		(void)sqlite3_extended_result_codes(c->h, 1);
		rc = query_text(db, "PRAGMA schema_version", NULL, 0);
	}
	if (rc != 0)
		goto out;

	/*
	 * Foreign keys stay off (SQLite's default): the 1.4 schema has rows that
	 * outlive what they refer to (keys of a deleted zone, dnsseckeys of a
	 * purged policy) and the enforcer relies on that.
	 *
	 * WAL lets readers and online backups run beside the writer. A read-only
	 * handle may not change the journal mode; a failure to switch is not
	 * fatal (another process may hold the database), the file then keeps the
	 * mode it has.
	 */
	if (!c->read_only) {
		rc = query_text(db, "PRAGMA journal_mode", mode, sizeof(mode));
		if (rc == DB_E_CORRUPT)
			goto out;
		if (rc == 0 && strcmp(mode, "wal") != 0) {
			rc = query_text(db, "PRAGMA journal_mode=WAL", NULL, 0);
			if (rc == DB_E_CORRUPT)
				goto out;
		}
	}
	rc = query_text(db, "PRAGMA synchronous=NORMAL", NULL, 0);
	if (rc != 0)
		goto out;
	c = NULL;
out:
	if (rc != 0) {
		conn_free(c);
		db->priv = NULL;
	}
	return rc;
}

static void
sq_close(db_t *db)
{
	conn_free(conn_of(db));
	db->priv = NULL;
}

/* ------------------------------------------------------------- statements */

static int
sq_prepare(db_t *db, db_stmt_t *st, const char *sql, int nparams)
{
	sqlite3_stmt *s = NULL;
	int src, rc = 0;

	src = sqlite3_prepare_v2(conn_of(db)->h, sql, -1, &s, NULL);
	if (src != SQLITE_OK) {
		rc = fail(db, src, "prepare");
		goto out;
	}
	if (s == NULL) {
		rc = db_set_error(db, E_INVAL, "db_prepare: no statement in the SQL text");
		goto out;
	}
	if (sqlite3_bind_parameter_count(s) != nparams) {
		/* Only plain '?' is ours; ?NNN, :name and the like are not. */
		rc = db_set_error(db, E_INVAL,
			"db_prepare: %d placeholders counted, SQLite sees %d", nparams,
			sqlite3_bind_parameter_count(s));
		goto out;
	}
	st->priv = s;
	st->ncols = sqlite3_column_count(s);
	s = NULL;
out:
	sqlite3_finalize(s);
	return rc;
}

static int
bind_result(db_stmt_t *st, int src)
{
	return src == SQLITE_OK ? 0 : fail(st->db, src, "bind");
}

static int
sq_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	return bind_result(st, sqlite3_bind_int64(stmt_of(st), idx, (sqlite3_int64)v));
}

static int
sq_bind_text(db_stmt_t *st, int idx, const char *v, size_t len)
{
	if (len > INT_MAX)
		return db_set_error(st->db, E_RANGE, "text of %zu bytes is too long", len);
	return bind_result(st, sqlite3_bind_text(stmt_of(st), idx, v, (int)len, SQLITE_TRANSIENT));
}

static int
sq_bind_blob(db_stmt_t *st, int idx, const void *v, size_t len)
{
	if (len > INT_MAX)
		return db_set_error(st->db, E_RANGE, "blob of %zu bytes is too long", len);
	/* SQLite binds a zero-length blob from a non-NULL pointer; keep it non-NULL. */
	if (len == 0)
		return bind_result(st, sqlite3_bind_zeroblob(stmt_of(st), idx, 0));
	return bind_result(st, sqlite3_bind_blob(stmt_of(st), idx, v, (int)len, SQLITE_TRANSIENT));
}

static int
sq_bind_double(db_stmt_t *st, int idx, double v)
{
	return bind_result(st, sqlite3_bind_double(stmt_of(st), idx, v));
}

static int
sq_bind_null(db_stmt_t *st, int idx)
{
	return bind_result(st, sqlite3_bind_null(stmt_of(st), idx));
}

static int
sq_step(db_stmt_t *st)
{
	int src = sqlite3_step(stmt_of(st));

	if (src == SQLITE_ROW)
		return DB_ROW;
	if (src == SQLITE_DONE)
		return DB_DONE;
	return fail(st->db, src, "step");
}

static int
sq_column_count(db_stmt_t *st)
{
	return sqlite3_column_count(stmt_of(st));
}

static int
sq_column_is_null(db_stmt_t *st, int col)
{
	return sqlite3_column_type(stmt_of(st), col) == SQLITE_NULL;
}

static int64_t
sq_column_int(db_stmt_t *st, int col)
{
	return (int64_t)sqlite3_column_int64(stmt_of(st), col);
}

static double
sq_column_double(db_stmt_t *st, int col)
{
	return sqlite3_column_double(stmt_of(st), col);
}

static const char *
sq_column_text(db_stmt_t *st, int col)
{
	return (const char *)sqlite3_column_text(stmt_of(st), col);
}

static const void *
sq_column_blob(db_stmt_t *st, int col, size_t *len)
{
	sqlite3_stmt *s = stmt_of(st);
	const void *p;

	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return NULL;
	p = sqlite3_column_blob(s, col);
	*len = (size_t)sqlite3_column_bytes(s, col);
	/* SQLite gives NULL for an empty value; we promise non-NULL for non-NULL. */
	return p != NULL ? p : "";
}

static int
sq_reset(db_stmt_t *st)
{
	int src = sqlite3_reset(stmt_of(st));

	/* sqlite3_reset repeats the error of the last step; that one was reported already. */
	(void)src;
	return 0;
}

static void
sq_finalize(db_stmt_t *st)
{
	(void)sqlite3_finalize(stmt_of(st));
	st->priv = NULL;
}

static int64_t
sq_changes(db_t *db)
{
#if SQLITE_VERSION_NUMBER >= 3037000
	return (int64_t)sqlite3_changes64(conn_of(db)->h);
#else
	return (int64_t)sqlite3_changes(conn_of(db)->h);
#endif
}

static int
sq_exec(db_t *db, const char *sql)
{
	char *msg = NULL;
	int src, rc = 0;

	src = sqlite3_exec(conn_of(db)->h, sql, NULL, NULL, &msg);
	if (src != SQLITE_OK)
		rc = fail(db, src, "exec");
	sqlite3_free(msg);
	return rc;
}

/* ----------------------------------------------------------- transactions */

static int
sq_begin(db_t *db, enum db_txn kind)
{
	/* IMMEDIATE takes the write lock now, so a writer never fails halfway on BUSY. */
	return sq_exec(db, kind == DB_TXN_WRITE ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

static int
sq_commit(db_t *db)
{
	return sq_exec(db, "COMMIT");
}

static int
sq_rollback(db_t *db)
{
	/* SQLite rolls back by itself after some errors; then there is nothing to do. */
	if (sqlite3_get_autocommit(conn_of(db)->h))
		return 0;
	return sq_exec(db, "ROLLBACK");
}

/* ---------------------------------------------------------- advisory locks */

/*
 * flock() locks belong to the open file description: two handles of one
 * process exclude each other as two processes do, and the kernel drops the
 * lock when the holder dies. The file itself is never removed (removing it
 * would let a newcomer lock a fresh file while an old holder keeps the
 * unlinked one).
 */
static int
sq_lock(db_t *db, const char *name, int wait_ms)
{
	struct conn *c = conn_of(db);
	struct db_held_lock *l = NULL;
	char path[PATH_MAX + 64], dir[PATH_MAX];
	int64_t deadline;
	int fd = -1, rc;

	rc = db_util_lock_check(db, c->locks, name);
	if (rc != 0)
		goto out;
	if ((size_t)snprintf(path, sizeof(path), "%s.lock.%s", c->path, name) >= sizeof(path)) {
		rc = db_set_error(db, E_INVAL, "lock file name for %s is too long", c->path);
		goto out;
	}
	db_util_dir_of(path, dir, sizeof(dir));
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		if (not_writable(dir)) {
			rc = db_set_error(db, DB_E_READONLY,
				"cannot create lock file %s: directory %s is read-only", path, dir);
			goto out;
		}
		/* shared by every process that locks: created once, never replaced */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (fd < 0) {
		rc = db_set_error(db, errno == EACCES || errno == EROFS ? DB_E_READONLY : E_IO,
			"cannot open lock file %s: %s", path, strerror(errno));
		goto out;
	}

	deadline = clock_mono_ms() + wait_ms;
	for (;;) {
		struct timespec ts = { 0, LOCK_POLL_MS * 1000000L };

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = db_set_error(db, E_IO, "cannot lock %s: %s", path, strerror(errno));
			goto out;
		}
		if (clock_mono_ms() >= deadline) {
			rc = db_set_error(db, DB_E_LOCKED,
				"lock '%s' (%s) is held by another process", name, path);
			goto out;
		}
		(void)nanosleep(&ts, NULL);
	}

	rc = db_util_lock_new(db, name, &l);
	if (rc != 0)
		goto out;
	l->fd = fd;
	l->next = c->locks;
	c->locks = l;
	fd = -1;
out:
	if (fd >= 0)
		(void)close(fd); /* also drops a lock taken just before a failure */
	return rc;
}

static int
sq_unlock(db_t *db, const char *name)
{
	struct conn *c = conn_of(db);
	struct db_held_lock **pp, *l;
	int rc;

	rc = db_util_lock_find(db, &c->locks, name, &pp);
	if (rc != 0)
		return rc;
	l = *pp;
	*pp = l->next;
	(void)flock(l->fd, LOCK_UN);
	(void)close(l->fd);
	free(l);
	return 0;
}

/* ------------------------------------------------------------ maintenance */

static int
sq_read_only(db_t *db, int *out)
{
	struct conn *c = conn_of(db);
	char dir[PATH_MAX];

	db_util_dir_of(c->path, dir, sizeof(dir));
	*out = c->read_only || sqlite3_db_readonly(c->h, "main") == 1 || not_writable(c->path) ||
	       not_writable(dir);
	return 0;
}

static void
remove_temp(const char *tmp)
{
	static const char *const suffix[] = { "", "-journal", "-wal", "-shm" };
	char path[PATH_MAX + 80];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s%s", tmp, suffix[i]);
		(void)unlink(path);
	}
}

/* Check the copy: journal in the file itself (no -wal beside it), and sound. */
static int
finish_copy(db_t *db, sqlite3 *dst, const char *dest)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	int src, rows = 0, ok = 0, rc = 0;

	src = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = db_set_error(db, E_IO, "backup %s: %s", dest, sqlite3_errmsg(dst));
		goto out;
	}
	src = sqlite3_prepare_v2(dst, "PRAGMA integrity_check", -1, &s, NULL);
	if (src != SQLITE_OK) {
		rc = db_set_error(db, DB_E_CORRUPT, "backup %s: %s", dest, sqlite3_errmsg(dst));
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		t = sqlite3_column_text(s, 0);
		rows++;
		ok = t != NULL && strcmp((const char *)t, "ok") == 0;
	}
	if (src != SQLITE_DONE || rows != 1 || !ok) {
		rc = db_set_error(db, DB_E_CORRUPT, "backup %s failed its integrity check", dest);
		goto out;
	}
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * The online backup API copies every page inside one read transaction when
 * asked for all pages at once (step -1): the copy is one consistent
 * snapshot, and with WAL the writers go on meanwhile.
 */
static int
sq_backup(db_t *db, const char *dest)
{
	struct conn *c = conn_of(db);
	char dir[PATH_MAX], tmp[PATH_MAX + 32];
	sqlite3 *dst = NULL;
	sqlite3_backup *b = NULL;
	struct stat sa, sb;
	int64_t deadline;
	int src, fd = -1, committed = 0, rc = 0;

	db_util_dir_of(dest, dir, sizeof(dir));
	rc = db_util_backup_dir(db, dest, dir);
	if (rc != 0)
		goto out;
	if (stat(dest, &sb) == 0 && stat(c->path, &sa) == 0 && sa.st_dev == sb.st_dev &&
		sa.st_ino == sb.st_ino) {
		rc = db_set_error(db, E_INVAL, "backup %s: that is the database itself", dest);
		goto out;
	}
	/*
	 * A new file of a random name, mode 0600, removed again if a signal
	 * ends us first; SQLite then opens that file (empty: an empty
	 * database), never a link put in its place.
	 */
	tmp[0] = '\0';
	rc = db_util_backup_begin(db, dest, tmp, sizeof(tmp), &fd);
	if (rc != 0)
		goto out;
	src = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (src != SQLITE_OK) {
		rc = db_set_error(db, E_IO, "cannot create %s: %s", tmp,
			dst != NULL ? sqlite3_errmsg(dst) : sqlite3_errstr(src));
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", c->h, "main");
	if (b == NULL) {
		rc = db_set_error(db, E_IO, "backup %s: %s", dest, sqlite3_errmsg(dst));
		goto out;
	}
	deadline = clock_mono_ms() + BACKUP_BUSY_MS;
	for (;;) {
		src = sqlite3_backup_step(b, -1);
		if (src == SQLITE_DONE)
			break;
		if (((src & 0xff) == SQLITE_BUSY || (src & 0xff) == SQLITE_LOCKED) &&
			clock_mono_ms() < deadline) {
			(void)sqlite3_sleep(20);
			continue;
		}
		break;
	}
	src = sqlite3_backup_finish(b);
	b = NULL;
	if (src != SQLITE_OK) {
		if ((src & 0xff) == SQLITE_BUSY || (src & 0xff) == SQLITE_LOCKED)
			rc = db_set_error(db, DB_E_BUSY, "backup %s: database %s stayed locked",
				dest, c->path);
		else
			rc = db_set_error(db, (src & 0xff) == SQLITE_CORRUPT ? DB_E_CORRUPT : E_IO,
				"backup %s: %s", dest, sqlite3_errmsg(dst));
		goto out;
	}
	rc = finish_copy(db, dst, dest);
	if (rc != 0)
		goto out;
	src = sqlite3_close(dst);
	dst = NULL;
	if (src != SQLITE_OK) {
		rc = db_set_error(db, E_IO, "backup %s: cannot close %s", dest, tmp);
		goto out;
	}
	rc = db_util_backup_commit(db, tmp, dest, dir);
	committed = rc == 0;
out:
	if (b != NULL)
		(void)sqlite3_backup_finish(b);
	if (dst != NULL)
		(void)sqlite3_close(dst);
	if (fd >= 0) {
		db_util_backup_end(tmp, fd, committed);
		if (!committed)
			remove_temp(tmp);
	}
	return rc;
}

static int
sq_check_config(const struct db_config *cfg, char *err, size_t errlen)
{
	if (cfg->path == NULL || cfg->path[0] == '\0') {
		(void)snprintf(err, errlen, "no SQLite database file given");
		return E_INVAL;
	}
	return 0;
}

const struct db_driver db_driver_sqlite = {
	.version = DB_DRIVER_VERSION,
	.backend = DB_BACKEND_SQLITE,
	.name = "SQLite",
	.dialect = "sqlite",
	.check_config = sq_check_config,
	.open = sq_open,
	.close = sq_close,
	.prepare = sq_prepare,
	.bind_int = sq_bind_int,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_double = sq_bind_double,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.column_count = sq_column_count,
	.column_is_null = sq_column_is_null,
	.column_int = sq_column_int,
	.column_double = sq_column_double,
	.column_text = sq_column_text,
	.column_blob = sq_column_blob,
	.reset = sq_reset,
	.finalize = sq_finalize,
	.changes = sq_changes,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lock = sq_lock,
	.unlock = sq_unlock,
	.read_only = sq_read_only,
	.backup = sq_backup,
};
