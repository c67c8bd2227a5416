/*
 * test_sqlite.c - what only the SQLite driver does: the file and its
 * directory (missing, read-only, not a database), the lock files, and the
 * online backup. Runs only when the backend under test is sqlite.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "db/db.h"
#include "tests/db/dbtest.h"

static struct dbtest *
get(void **state)
{
	return dbtest_get(state);
}

static void
exec_ok(db_t *db, const char *sql)
{
	int rc = db_exec(db, sql);

	if (rc != 0)
		print_error("%s: %s\n", sql, db_errmsg(db));
	assert_int_equal(rc, 0);
}

static int
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* The whole file in a malloc()ed buffer. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	struct stat sb;
	FILE *f;

	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &sb), 0);
	buf = malloc((size_t)sb.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sb.st_size, f), (size_t)sb.st_size);
	(void)fclose(f);
	*len = (size_t)sb.st_size;
	return buf;
}

/* How many entries of dir have needle in their name. */
static int
count_entries(const char *dir, const char *needle)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, needle) != NULL)
			n++;
	}
	(void)closedir(d);
	return n;
}

static const char *
query_text(db_t *db, const char *sql, char *buf, size_t len)
{
	db_stmt_t *st = NULL;
	const char *s;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	s = db_column_text(st, 0);
	(void)snprintf(buf, len, "%s", s != NULL ? s : "(null)");
	db_finalize(st);
	return buf;
}

/* A database with n rows in table t (ids 1..n), closed again. */
static void
make_db(struct dbtest *t, int n)
{
	db_stmt_t *st = NULL;
	db_t *db = NULL;
	int i;

	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(dbtest_create_table(db), 0);
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_int_equal(db_prepare(db, "INSERT INTO t (id, s) VALUES (?, ?)", &st), 0);
	for (i = 1; i <= n; i++) {
		assert_int_equal(db_bind_int(st, 1, i), 0);
		assert_int_equal(db_bind_text(st, 2, "some text"), 0);
		assert_int_equal(db_step(st), DB_DONE);
		assert_int_equal(db_reset(st), 0);
	}
	db_finalize(st);
	assert_int_equal(db_commit(db), 0);
	db_close(db);
}

/* ------------------------------------------------------------------- open */

static void
test_missing_file(void **state)
{
	struct dbtest *t = get(state);
	char err[512] = "";
	db_t *db = NULL;

	t->cfg.create = 0;
	assert_int_equal(db_open(&t->cfg, &db, err, sizeof(err)), E_NOTFOUND);
	assert_null(db);
	assert_non_null(strstr(err, t->path));
	assert_non_null(strstr(err, "does not exist"));
	assert_false(exists(t->path));
}

static void
test_missing_directory(void **state)
{
	struct dbtest *t = get(state);
	char err[512] = "", dir[PATH_MAX + 8], path[PATH_MAX + 16];
	db_t *db = NULL;

	(void)snprintf(dir, sizeof(dir), "%s/nodir", t->dir);
	(void)snprintf(path, sizeof(path), "%s/kasp.db", dir);
	t->cfg.path = path;
	assert_int_equal(db_open(&t->cfg, &db, err, sizeof(err)), DB_E_CONNECT);
	assert_null(db);
	assert_non_null(strstr(err, "cannot create database"));
	assert_non_null(strstr(err, "directory"));
	assert_non_null(strstr(err, dir));
	t->cfg.create = 0;
	err[0] = '\0';
	assert_int_equal(db_open(&t->cfg, &db, err, sizeof(err)), DB_E_CONNECT);
	assert_non_null(strstr(err, dir));
	assert_false(exists(dir));
}

static void
test_create_in_read_only_directory(void **state)
{
	struct dbtest *t = get(state);
	char err[512] = "";
	db_t *db = NULL;

	assert_int_equal(chmod(t->dir, 0555), 0);
	assert_int_equal(db_open(&t->cfg, &db, err, sizeof(err)), DB_E_READONLY);
	assert_null(db);
	assert_non_null(strstr(err, t->dir));
	assert_false(exists(t->path));
	assert_int_equal(chmod(t->dir, 0700), 0);
}

static void
test_create_and_wal(void **state)
{
	struct dbtest *t = get(state);
	char buf[64];
	db_t *db = NULL;

	assert_false(exists(t->path));
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_true(exists(t->path));
	assert_string_equal(db_location(db), t->path);
	assert_string_equal(db_dialect(db), "sqlite");
	assert_int_equal(db_backend(db), DB_BACKEND_SQLITE);
	assert_string_equal(query_text(db, "PRAGMA journal_mode", buf, sizeof(buf)), "wal");
	/* Foreign keys stay off: the 1.4 schema keeps rows whose parent is gone. */
	assert_string_equal(query_text(db, "PRAGMA foreign_keys", buf, sizeof(buf)), "0");
	db_close(db);
	/* Opening an existing file needs no create. */
	t->cfg.create = 0;
	assert_int_equal(dbtest_open(t, &db), 0);
	db_close(db);
}

static void
test_not_a_regular_file(void **state)
{
	struct dbtest *t = get(state);
	char err[512] = "";
	db_t *db = NULL;

	assert_int_equal(mkdir(t->path, 0755), 0);
	assert_int_equal(db_open(&t->cfg, &db, err, sizeof(err)), DB_E_CONNECT);
	assert_non_null(strstr(err, t->path));
}

static void
test_corrupt_file(void **state)
{
	struct dbtest *t = get(state);
	unsigned char junk[8192], *after;
	char err[512] = "";
	uint32_t x = 2463534242u;
	db_t *db = NULL;
	size_t i, len;
	FILE *f;

	for (i = 0; i < sizeof(junk); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		junk[i] = (unsigned char)x;
	}
	junk[0] = 'x'; /* not "SQLite format 3" */
	f = fopen(t->path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	assert_int_equal(fclose(f), 0);

	assert_int_equal(db_open(&t->cfg, &db, err, sizeof(err)), DB_E_CORRUPT);
	assert_null(db);
	assert_non_null(strstr(err, t->path));
	assert_non_null(strstr(err, "not a database"));
	after = slurp(t->path, &len);
	assert_int_equal(len, sizeof(junk));
	assert_memory_equal(after, junk, sizeof(junk));
	free(after);
}

/* -------------------------------------------------------------- read-only */

static void
test_read_only_file(void **state)
{
	struct dbtest *t = get(state);
	unsigned char *before, *after;
	size_t blen, alen;
	db_t *db = NULL;
	int ro = -1, rc;

	make_db(t, 5);
	before = slurp(t->path, &blen);
	assert_int_equal(chmod(t->path, 0444), 0);

	t->cfg.create = 0;
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(db_read_only(db, &ro), 0);
	assert_int_equal(ro, 1);
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 5);
	assert_int_equal(db_exec(db, "INSERT INTO t (id) VALUES (6)"), DB_E_READONLY);
	assert_non_null(strstr(db_errmsg(db), "read-only"));
	assert_non_null(strstr(db_errmsg(db), t->path));
	rc = db_begin(db, DB_TXN_WRITE);
	if (rc == 0) {
		rc = db_exec(db, "UPDATE t SET s = 'changed'");
		(void)db_rollback(db);
	}
	assert_int_equal(rc, DB_E_READONLY);
	assert_int_equal(db_exec(db, "CREATE TABLE x (y INTEGER)"), DB_E_READONLY);
	db_close(db);

	after = slurp(t->path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);
}

static void
test_read_only_directory(void **state)
{
	struct dbtest *t = get(state);
	char lockfile[PATH_MAX + 32];
	db_t *db = NULL;
	int ro = -1;

	make_db(t, 3);
	assert_int_equal(chmod(t->dir, 0555), 0);
	t->cfg.create = 0;
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(db_read_only(db, &ro), 0);
	assert_int_equal(ro, 1);
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 3);
	assert_int_equal(db_lock(db, "enforcer", 0), DB_E_READONLY);
	assert_non_null(strstr(db_errmsg(db), "read-only"));
	(void)snprintf(lockfile, sizeof(lockfile), "%s.lock.enforcer", t->path);
	assert_false(exists(lockfile));
	db_close(db);
	assert_int_equal(chmod(t->dir, 0700), 0);

	/* An existing lock file is still usable in a read-only directory. */
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(db_lock(db, "enforcer", 0), 0);
	db_close(db);
	assert_int_equal(chmod(t->dir, 0555), 0);
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(db_lock(db, "enforcer", 0), 0);
	db_close(db);
	assert_int_equal(chmod(t->dir, 0700), 0);
}

/*
 * A WAL-mode database in a directory the reader cannot write, with no -shm
 * file left: SQLite alone refuses to read it. Root can always create the
 * -shm, so as root the reader is a child running as nobody.
 */
static void
test_read_only_directory_wal(void **state)
{
	struct dbtest *t = get(state);
	int status, ok;
	pid_t pid;

	make_db(t, 3);
	assert_int_equal(chmod(t->path, 0644), 0);
	assert_int_equal(chmod(t->dir, 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		db_t *db = NULL;
		int ro = 0;

		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(2);
		if (access(t->path, R_OK) != 0)
			_exit(3); /* nobody cannot reach $TMPDIR: not testable here */
		ok = db_open(&t->cfg, &db, NULL, 0) == 0 && db_read_only(db, &ro) == 0 && ro == 1 &&
		     dbtest_query_int(db, "SELECT COUNT(*) FROM t") == 3 &&
		     db_exec(db, "DELETE FROM t") == DB_E_READONLY;
		if (!ok && db != NULL)
			fprintf(stderr, "# child: %s\n", db_errmsg(db));
		db_close(db);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 3)
		print_message("# the temp dir is closed to nobody: not tested\n");
	else
		assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(chmod(t->dir, 0700), 0);
}

static void
test_read_only_turns_up_later(void **state)
{
	struct dbtest *t = get(state);
	db_t *db = NULL;
	int ro = -1;

	make_db(t, 1);
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(db_read_only(db, &ro), 0);
	assert_int_equal(ro, 0);
	assert_int_equal(chmod(t->path, 0444), 0);
	assert_int_equal(db_read_only(db, &ro), 0);
	assert_int_equal(ro, 1);
	db_close(db);
}

static void
test_lock_file(void **state)
{
	struct dbtest *t = get(state);
	char lockfile[PATH_MAX + 32];
	db_t *db = NULL;

	assert_int_equal(dbtest_open(t, &db), 0);
	(void)snprintf(lockfile, sizeof(lockfile), "%s.lock.enforcer", t->path);
	assert_false(exists(lockfile));
	assert_int_equal(db_lock(db, "enforcer", 0), 0);
	assert_true(exists(lockfile));
	assert_int_equal(db_unlock(db, "enforcer"), 0);
	db_close(db);
}

/* ----------------------------------------------------------------- backup */

/* Open a backup file, check it and return its row count; ids must be 1..count. */
static int64_t
check_backup(const char *path)
{
	struct db_config cfg = { .backend = DB_BACKEND_SQLITE, .path = path };
	char buf[64], wal[PATH_MAX + 8];
	db_t *db = NULL;
	int64_t n;
	char err[512] = "";

	(void)snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_false(exists(wal));
	if (db_open(&cfg, &db, err, sizeof(err)) != 0)
		fail_msg("cannot open backup: %s", err);
	assert_string_equal(query_text(db, "PRAGMA integrity_check", buf, sizeof(buf)), "ok");
	n = dbtest_query_int(db, "SELECT COUNT(*) FROM t");
	assert_true(n >= 0);
	if (n > 0) {
		assert_int_equal(dbtest_query_int(db, "SELECT MIN(id) FROM t"), 1);
		assert_int_equal(dbtest_query_int(db, "SELECT MAX(id) FROM t"), n);
	}
	db_close(db);
	return n;
}

static void
test_backup_basic(void **state)
{
	struct dbtest *t = get(state);
	char dest[PATH_MAX + 16], buf[64];
	struct db_config cfg = { .backend = DB_BACKEND_SQLITE };
	db_t *db = NULL, *b = NULL;
	unsigned char hdr[20];
	FILE *f;

	make_db(t, 100);
	(void)snprintf(dest, sizeof(dest), "%s/copy.db", t->dir);
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(db_backup(db, dest), 0);

	/*
	 * One self-contained file in rollback-journal mode (header bytes 18/19
	 * = 1; the source is in WAL mode, 2). Look before check_backup() opens
	 * it: a writable open switches it to WAL.
	 */
	f = fopen(dest, "rb");
	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	(void)fclose(f);
	assert_memory_equal(hdr, "SQLite format 3", 16);
	assert_int_equal(hdr[18], 1);
	assert_int_equal(hdr[19], 1);
	assert_int_equal(check_backup(dest), 100);
	cfg.path = dest;
	assert_int_equal(db_open(&cfg, &b, NULL, 0), 0);
	assert_string_equal(
		query_text(b, "SELECT s FROM t WHERE id = 42", buf, sizeof(buf)), "some text");
	db_close(b);

	/* A second backup replaces the first. */
	exec_ok(db, "DELETE FROM t WHERE id > 10");
	assert_int_equal(db_backup(db, dest), 0);
	assert_int_equal(check_backup(dest), 10);
	assert_int_equal(count_entries(t->dir, ".tmp."), 0);

	/* Never over the database itself. */
	assert_int_equal(db_backup(db, t->path), E_INVAL);
	assert_int_equal(db_backup(db, ""), E_INVAL);
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 10);
	db_close(db);
}

static void
test_backup_of_read_only(void **state)
{
	struct dbtest *t = get(state);
	char dest[PATH_MAX + 16];
	db_t *db = NULL;

	make_db(t, 7);
	assert_int_equal(chmod(t->path, 0444), 0);
	(void)snprintf(dest, sizeof(dest), "%s/copy.db", t->dir);
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(db_backup(db, dest), 0);
	db_close(db);
	assert_int_equal(check_backup(dest), 7);
}

static void
test_backup_errors(void **state)
{
	struct dbtest *t = get(state);
	char dest[PATH_MAX + 32], dir[PATH_MAX + 16];
	db_t *db = NULL;

	make_db(t, 3);
	assert_int_equal(dbtest_open(t, &db), 0);

	/* Into a missing directory: an error naming it, and nothing written. */
	(void)snprintf(dir, sizeof(dir), "%s/nodir", t->dir);
	(void)snprintf(dest, sizeof(dest), "%s/copy.db", dir);
	assert_int_equal(db_backup(db, dest), E_IO);
	assert_non_null(strstr(db_errmsg(db), dir));
	assert_false(exists(dir));

	/* Over a directory: refused before anything is written. */
	(void)snprintf(dest, sizeof(dest), "%s/adir", t->dir);
	assert_int_equal(mkdir(dest, 0755), 0);
	assert_int_equal(db_backup(db, dest), E_INVAL);
	assert_non_null(strstr(db_errmsg(db), dest));
	assert_int_equal(count_entries(t->dir, ".tmp."), 0);
	assert_int_equal(count_entries(dest, ""), 2); /* "." and ".." */

	/* The database is as it was. */
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 3);
	db_close(db);
}

#define WRITER_MS 1500

static int
insert_next(db_t *db, void *arg)
{
	static const char pad[] =
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	int64_t *next = arg;
	db_stmt_t *st = NULL;
	int rc;

	rc = db_prepare(db, "INSERT INTO t (id, s) VALUES (?, ?)", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, *next);
	if (rc == 0)
		rc = db_bind_text(st, 2, pad);
	if (rc == 0)
		rc = db_step(st);
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

/*
 * A child inserts rows 1, 2, 3, ... one transaction each, as fast as it
 * can, for WRITER_MS. Meanwhile we take three backups. Each must be a sound
 * database holding rows 1..n, where n lies between the counts seen just
 * before and just after the backup: a consistent prefix of the writes.
 */
static void
test_backup_during_writes(void **state)
{
	struct dbtest *t = get(state);
	char dest[PATH_MAX + 32];
	int fromchild[2], status, k;
	int64_t before, after, n, first = -1;
	db_t *db = NULL;
	pid_t pid;

	make_db(t, 0);
	assert_int_equal(pipe(fromchild), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		db_t *c = NULL;
		int64_t next = 1, end;
		int ok;

		(void)close(fromchild[0]);
		ok = db_open(&t->cfg, &c, NULL, 0) == 0;
		end = dbtest_now_ms() + WRITER_MS;
		while (ok && dbtest_now_ms() < end) {
			ok = db_transact(c, DB_TXN_WRITE, insert_next, &next) == 0;
			if (ok && next == 1)
				(void)dbtest_send(fromchild[1], 'S');
			next++;
		}
		if (!ok)
			(void)dbtest_send(fromchild[1], 'E');
		db_close(c);
		_exit(ok ? 0 : 1);
	}
	(void)close(fromchild[1]);
	assert_int_equal(dbtest_recv(fromchild[0], 10000), 'S');
	assert_int_equal(dbtest_open(t, &db), 0);

	for (k = 0; k < 3; k++) {
		(void)snprintf(dest, sizeof(dest), "%s/backup%d.db", t->dir, k);
		before = dbtest_query_int(db, "SELECT COUNT(*) FROM t");
		assert_int_equal(db_backup(db, dest), 0);
		after = dbtest_query_int(db, "SELECT COUNT(*) FROM t");
		n = check_backup(dest);
		print_message("# backup %d: %lld rows (before %lld, after %lld)\n", k, (long long)n,
			(long long)before, (long long)after);
		assert_true(before >= 1);
		assert_true(before <= n);
		assert_true(n <= after);
		if (first < 0)
			first = n;
		dbtest_sleep_ms(250);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The writer really went on while we copied. */
	after = dbtest_query_int(db, "SELECT COUNT(*) FROM t");
	assert_true(after > first);
	assert_int_equal(dbtest_query_int(db, "SELECT MAX(id) FROM t"), after);
	(void)close(fromchild[0]);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_file, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_missing_directory, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_create_in_read_only_directory, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_create_and_wal, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_not_a_regular_file, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_read_only_file, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_read_only_directory, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_read_only_directory_wal, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_read_only_turns_up_later, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_lock_file, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_backup_basic, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_backup_of_read_only, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_backup_errors, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_backup_during_writes, dbtest_setup, dbtest_teardown),
	};
	int rc = dbtest_start("sqlite");

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
