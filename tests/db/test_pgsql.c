/*
 * test_pgsql.c - what only the PostgreSQL driver does: placeholder
 * numbering, SQLSTATE classes (unique violation, serialization failure,
 * deadlock), the advisory lock key, read-only detection, a server that is
 * down, a session killed inside and outside a transaction, and backups with
 * pg_dump. Runs only when the backend under test is pgsql
 * (ODS_TEST_BACKEND=pgsql, ODS_TEST_PGSQL set; see tests/db/README).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/spawn.h"
#include "db/db.h"
#include "tests/db/dbtest.h"

static void
exec_ok(db_t *db, const char *sql)
{
	int rc = db_exec(db, sql);

	if (rc != 0)
		print_error("%s: %s\n", sql, db_errmsg(db));
	assert_int_equal(rc, 0);
}

static db_t *
open_ok(struct dbtest *t)
{
	db_t *db = NULL;

	assert_int_equal(dbtest_open(t, &db), 0);
	return db;
}

static db_t *
open_with_table(struct dbtest *t)
{
	db_t *db = open_ok(t);

	assert_int_equal(dbtest_create_table(db), 0);
	return db;
}

static int
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* ----------------------------------------------------------- placeholders */

/* Prepare sql, bind texts, step once; the first column's text in buf. */
static int
one_text(db_t *db, const char *sql, const char *const *binds, int nbinds, char *buf, size_t len)
{
	db_stmt_t *st = NULL;
	int i, rc;

	rc = db_prepare(db, sql, &st);
	for (i = 0; rc == 0 && i < nbinds; i++)
		rc = db_bind_text(st, i + 1, binds[i]);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_ROW) {
		(void)snprintf(buf, len, "%s",
			db_column_text(st, 0) != NULL ? db_column_text(st, 0) : "(null)");
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = E_NOTFOUND;
	}
	db_finalize(st);
	return rc;
}

static void
test_placeholders(void **state)
{
	static const char *const v[] = { "a", "b" };
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_ok(t);
	db_stmt_t *st = NULL;
	char buf[128];
	int i;

	/* '?' inside strings, quoted names and comments is not a placeholder. */
	assert_int_equal(
		one_text(db, "SELECT 'it''s ?' || ? /* ? ' */ -- ?", v, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "it's ?a");
	assert_int_equal(one_text(db, "SELECT \"q?\" FROM (SELECT ? AS \"q?\") AS x", v, 1, buf,
				 sizeof(buf)),
		0);
	assert_string_equal(buf, "a");
	assert_int_equal(one_text(db,
				 "SELECT '?"
				 "?' || ?",
				 v, 1, buf, sizeof(buf)),
		0);
	assert_string_equal(buf, "?"
				 "?a");
	/* Neighbours do not fuse with the number: ?||? is $1||$2. */
	assert_int_equal(one_text(db, "SELECT ?||?", v, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ab");
	assert_int_equal(one_text(db, "SELECT ?::text||'-'||?::text", v, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a-b");
	/* Placeholders past $9. */
	assert_int_equal(db_prepare(db,
				 "SELECT ?::int+?::int+?::int+?::int+?::int+?::int+"
				 "?::int+?::int+?::int+?::int+?::int+?::int",
				 &st),
		0);
	for (i = 1; i <= 12; i++)
		assert_int_equal(db_bind_int(st, i, i), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 78);
	db_finalize(st);
	st = NULL;

	/* "??" is two placeholders side by side: "$1 $2", a syntax error, not "$12". */
	assert_int_equal(db_prepare(db,
				 "SELECT ?"
				 "?",
				 &st),
		DB_E_SQL);
	/* "?1" is not SQLite's numbered placeholder: "$1 1", a syntax error too. */
	assert_int_equal(db_prepare(db, "SELECT ?1", &st), DB_E_SQL);
	/* A literal $1 is not ours: the server sees a parameter we did not count. */
	assert_int_equal(db_prepare(db, "SELECT $1::int", &st), E_INVAL);
	assert_non_null(strstr(db_errmsg(db), "placeholders"));
	/* Nothing but comments and blanks. */
	assert_int_equal(db_prepare(db, "  -- nothing\n /* here */ ;", &st), E_INVAL);
	assert_null(st);
	db_close(db);
}

static void
test_statements(void **state)
{
	static const unsigned char blob[] = { 0, 1, 2, 0xfe, 0xff, '\\', 'x' };
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *a = NULL, *b = NULL, *st = NULL;
	const void *p;
	size_t len;
	int i;

	/* Several statements alive and stepped in turn. */
	exec_ok(db, "INSERT INTO t (id, s) VALUES (1, 'x'), (2, 'y'), (3, 'z')");
	assert_int_equal(db_prepare(db, "SELECT id FROM t ORDER BY id", &a), 0);
	assert_int_equal(db_prepare(db, "SELECT s FROM t ORDER BY id DESC", &b), 0);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(db_step(a), DB_ROW);
		assert_int_equal(db_step(b), DB_ROW);
		assert_int_equal(db_column_int(a, 0), i);
		assert_string_equal(db_column_text(b, 0), i == 1 ? "z" : i == 2 ? "y" : "x");
	}
	assert_int_equal(db_step(a), DB_DONE);
	/* As in SQLite, a step after the end runs the statement again. */
	assert_int_equal(db_step(a), DB_ROW);
	assert_int_equal(db_column_int(a, 0), 1);
	db_finalize(a);
	db_finalize(b);

	/* Booleans read as 0/1; a blob read from a text column is its bytes. */
	assert_int_equal(db_prepare(db,
				 "SELECT true, false, 'abc'::text, 2.75::float8, "
				 "'1e3'::float8",
				 &st),
		0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 1);
	assert_int_equal(db_column_int(st, 1), 0);
	assert_true(db_column_double(st, 0) == 1.0);
	p = db_column_blob(st, 2, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "abc", 3);
	assert_int_equal(db_column_int(st, 3), 2);
	assert_int_equal(db_column_int(st, 4), 1000);
	db_finalize(st);

	/* A blob that looks like bytea's own text form survives. */
	assert_int_equal(db_prepare(db, "UPDATE t SET b = ? WHERE id = 1", &st), 0);
	assert_int_equal(db_bind_blob(st, 1, blob, sizeof(blob)), 0);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(db), 1);
	db_finalize(st);
	assert_int_equal(db_prepare(db, "SELECT b, b FROM t WHERE id = 1", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	p = db_column_blob(st, 0, &len);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(p, blob, sizeof(blob));
	/* Asked twice: the same decoded buffer. */
	assert_ptr_equal(db_column_blob(st, 0, &len), p);
	db_finalize(st);
	db_close(db);
}

/* Server-side prepared statements of this session. */
static int64_t
prepared_count(db_t *db)
{
	return dbtest_query_int(db, "SELECT COUNT(*) FROM pg_prepared_statements");
}

static void
test_finalize_in_failed_transaction(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;
	int64_t base;

	base = prepared_count(db);
	assert_true(base >= 0);
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_int_equal(db_prepare(db, "SELECT id FROM t", &st), 0);
	assert_int_equal(db_exec(db, "SELECT nosuchcolumn FROM t"), DB_E_SQL);
	/* The transaction refuses everything now, DEALLOCATE too: it waits for the end. */
	db_finalize(st);
	assert_int_equal(db_commit(db), DB_E_SQL);
	assert_non_null(strstr(db_errmsg(db), "rolled back"));
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(prepared_count(db), base);
	db_close(db);
}

/* ------------------------------------------------------------ SQLSTATEs */

static void
test_unique_violation(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;

	exec_ok(db, "INSERT INTO t (id, u) VALUES (1, 'dup')");
	assert_int_equal(db_prepare(db, "INSERT INTO t (id, u) VALUES (?, ?)", &st), 0);
	assert_int_equal(db_bind_int(st, 1, 2), 0);
	assert_int_equal(db_bind_text(st, 2, "dup"), 0);
	assert_int_equal(db_step(st), DB_E_CONSTRAINT);
	assert_non_null(strstr(db_errmsg(db), "23505"));
	assert_non_null(strstr(db_errmsg(db), "dup"));
	db_finalize(st);
	/* Not null (23502) and a bad value (22P02, just SQL). */
	assert_int_equal(db_exec(db, "INSERT INTO t (id, nn) VALUES (3, NULL)"), DB_E_CONSTRAINT);
	assert_int_equal(db_exec(db, "INSERT INTO t (id) VALUES ('x')"), DB_E_SQL);
	assert_non_null(strstr(db_errmsg(db), "SQLSTATE"));
	db_close(db);
}

static void
test_serialization_failure(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *a = open_with_table(t), *b = open_ok(t);

	exec_ok(a, "INSERT INTO t (id, i) VALUES (1, 0)");
	assert_int_equal(db_begin(a, DB_TXN_WRITE), 0);
	assert_int_equal(dbtest_query_int(a, "SELECT i FROM t WHERE id = 1"), 0);
	/* b changes the row a has seen, and commits first. */
	assert_int_equal(db_begin(b, DB_TXN_WRITE), 0);
	exec_ok(b, "UPDATE t SET i = i + 1 WHERE id = 1");
	assert_int_equal(db_commit(b), 0);
	assert_int_equal(db_exec(a, "UPDATE t SET i = i + 10 WHERE id = 1"), DB_E_BUSY);
	assert_non_null(strstr(db_errmsg(a), "40001"));
	assert_int_equal(db_rollback(a), 0);
	assert_int_equal(dbtest_query_int(a, "SELECT i FROM t WHERE id = 1"), 1);
	db_close(a);
	db_close(b);
}

struct crossing {
	int first, second;  /* rows to update, in this order */
	int fd_to, fd_from; /* meet the other side after the first update */
	int runs;
	int deadlocked; /* a run failed with SQLSTATE 40P01 */
};

static int
update_row(db_t *db, int id)
{
	char sql[64];

	(void)snprintf(sql, sizeof(sql), "UPDATE t SET i = i + 1 WHERE id = %d", id);
	return db_exec(db, sql);
}

static int
cross(db_t *db, void *arg)
{
	struct crossing *x = arg;
	int rc;

	x->runs++;
	rc = update_row(db, x->first);
	if (rc != 0)
		return rc;
	if (x->runs == 1) {
		/* Both sides hold their first row before either asks for its second. */
		(void)dbtest_send(x->fd_to, 'h');
		if (dbtest_recv(x->fd_from, 10000) != 'h')
			return E_IO; /* the other side did not come */
	}
	rc = update_row(db, x->second);
	if (rc == DB_E_BUSY && strstr(db_errmsg(db), "40P01") != NULL)
		x->deadlocked = 1;
	return rc;
}

static void
test_deadlock_retried(void **state)
{
	struct dbtest *t = dbtest_get(state);
	struct crossing x = { 0 };
	int p2c[2], c2p[2], status, rc, child_dl;
	db_t *db = open_with_table(t);
	pid_t pid;

	exec_ok(db, "INSERT INTO t (id, i) VALUES (1, 0), (2, 0)");
	db_close(db);
	db = NULL;
	assert_int_equal(pipe(p2c), 0);
	assert_int_equal(pipe(c2p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct crossing y = { 2, 1, c2p[1], p2c[0], 0, 0 };
		db_t *c = NULL;

		rc = db_open(&t->cfg, &c, NULL, 0);
		if (rc == 0)
			rc = db_transact(c, DB_TXN_WRITE, cross, &y);
		(void)dbtest_send(c2p[1], y.deadlocked ? 'D' : 'N');
		db_close(c);
		_exit(rc == 0 ? 0 : 1);
	}
	x = (struct crossing){ 1, 2, p2c[1], c2p[0], 0, 0 };
	db = open_ok(t);
	rc = db_transact(db, DB_TXN_WRITE, cross, &x);
	if (rc != 0)
		print_error("db_transact: %s\n", db_errmsg(db));
	assert_int_equal(rc, 0);
	child_dl = dbtest_recv(c2p[0], 20000);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* One side was chosen as the victim, saw DB_E_BUSY and ran again. */
	assert_true(child_dl == 'D' || child_dl == 'N');
	assert_int_equal(x.deadlocked + (child_dl == 'D'), 1);
	assert_int_equal(dbtest_query_int(db, "SELECT SUM(i) FROM t"), 4);
	(void)close(p2c[0]);
	(void)close(p2c[1]);
	(void)close(c2p[0]);
	(void)close(c2p[1]);
	db_close(db);
}

/* ---------------------------------------------------------- advisory locks */

/* The documented key: 64-bit FNV-1a of "kasp-enforcer:<name>" as a signed bigint. */
static int64_t
fnv_key(const char *name)
{
	char buf[128];
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *p;

	(void)snprintf(buf, sizeof(buf), "kasp-enforcer:%s", name);
	for (p = buf; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	return (int64_t)h;
}

static void
test_lock_key(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *a = open_ok(t), *b = open_ok(t);
	db_stmt_t *st = NULL;

	assert_int_equal(db_lock(a, "enforcer", 0), 0);
	/*
	 * Anyone can find (or take) it by the key, in its database: advisory
	 * locks are per database, and daemons of other tests on the same
	 * server hold the same key in theirs.
	 */
	assert_int_equal(
		db_prepare(b,
			"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' "
			"AND granted AND objsubid = 1 AND "
			"database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
			"((classid::bigint << 32) | objid::bigint) = ?",
			&st),
		0);
	assert_int_equal(db_bind_int(st, 1, fnv_key("enforcer")), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 1);
	db_finalize(st);
	st = NULL;
	assert_int_equal(db_prepare(b, "SELECT pg_try_advisory_lock(?)", &st), 0);
	assert_int_equal(db_bind_int(st, 1, fnv_key("enforcer")), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 0);
	db_finalize(st);
	/* A transaction that fails does not take the lock along. */
	assert_int_equal(db_begin(a, DB_TXN_WRITE), 0);
	assert_int_equal(db_exec(a, "SELECT nosuchthing"), DB_E_SQL);
	assert_int_equal(db_rollback(a), 0);
	assert_int_equal(db_lock(b, "enforcer", 0), DB_E_LOCKED);
	assert_int_equal(db_unlock(a, "enforcer"), 0);
	assert_int_equal(db_lock(b, "enforcer", 0), 0);
	db_close(a);
	db_close(b);
}

/* ------------------------------------------------------------- read-only */

static void
test_read_only(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *a = open_with_table(t), *b = NULL;
	char sql[256];
	int ro = -1;

	assert_int_equal(db_read_only(a, &ro), 0);
	assert_int_equal(ro, 0);
	(void)snprintf(sql, sizeof(sql),
		"ALTER DATABASE \"%s\" SET default_transaction_read_only = on", t->cfg.database);
	exec_ok(a, sql);
	/* New sessions are read-only. */
	b = open_ok(t);
	assert_int_equal(db_read_only(b, &ro), 0);
	assert_int_equal(ro, 1);
	assert_int_equal(dbtest_query_int(b, "SELECT COUNT(*) FROM t"), 0);
	assert_int_equal(db_exec(b, "INSERT INTO t (id) VALUES (1)"), DB_E_READONLY);
	assert_non_null(strstr(db_errmsg(b), "read-only"));
	assert_non_null(strstr(db_errmsg(b), t->cfg.database));
	assert_int_equal(db_begin(b, DB_TXN_WRITE), 0);
	assert_int_equal(db_exec(b, "UPDATE t SET i = 1"), DB_E_READONLY);
	assert_int_equal(db_rollback(b), 0);
	db_close(b);

	(void)snprintf(sql, sizeof(sql),
		"ALTER DATABASE \"%s\" RESET default_transaction_read_only", t->cfg.database);
	exec_ok(a, sql);
	b = open_ok(t);
	assert_int_equal(db_read_only(b, &ro), 0);
	assert_int_equal(ro, 0);
	exec_ok(b, "INSERT INTO t (id) VALUES (1)");
	db_close(b);
	db_close(a);
}

/* ------------------------------------------------------------ connections */

/* A TCP port on 127.0.0.1 that nothing listens on (just released by us). */
static unsigned
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	(void)close(fd);
	return port;
}

#define SECRET "Pw-not-to-be-shown-7f3a"

static void
test_server_down(void **state)
{
	struct dbtest *t = dbtest_get(state);
	struct db_config cfg = t->cfg;
	char err[512] = "", where[64];
	db_t *db = NULL;

	cfg.host = "127.0.0.1";
	cfg.socket = NULL;
	cfg.port = free_port();
	cfg.password = SECRET;
	assert_int_equal(db_open(&cfg, &db, err, sizeof(err)), DB_E_CONNECT);
	assert_null(db);
	(void)snprintf(where, sizeof(where), "127.0.0.1:%u", cfg.port);
	if (strstr(err, where) == NULL)
		fail_msg("'%s' does not name %s", err, where);
	assert_null(strstr(err, SECRET));
	assert_null(strchr(err, '\n'));

	/* A wrong password: refused, and not repeated back. */
	cfg = t->cfg;
	cfg.password = SECRET;
	assert_int_equal(db_open(&cfg, &db, err, sizeof(err)), DB_E_CONNECT);
	assert_null(strstr(err, SECRET));
}

static void
test_location(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_ok(t);
	const char *loc = db_location(db);

	assert_non_null(strstr(loc, t->cfg.database));
	assert_non_null(strchr(loc, '@'));
	assert_null(strstr(loc, "password"));
	if (t->cfg.password != NULL && strlen(t->cfg.password) >= 4 &&
		(t->cfg.user == NULL || strstr(t->cfg.user, t->cfg.password) == NULL))
		assert_null(strstr(loc, t->cfg.password));
	db_close(db);
}

/* Kill victim's session from killer and wait until it is really gone. */
static void
kill_session(db_t *killer, db_t *victim)
{
	db_stmt_t *st = NULL;
	int64_t pid = dbtest_query_int(victim, "SELECT pg_backend_pid()");
	int i;

	assert_true(pid > 0);
	assert_int_equal(db_prepare(killer, "SELECT pg_terminate_backend(?::int)", &st), 0);
	assert_int_equal(db_bind_int(st, 1, pid), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 1);
	db_finalize(st);
	st = NULL;
	assert_int_equal(
		db_prepare(killer, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?::int", &st),
		0);
	assert_int_equal(db_bind_int(st, 1, pid), 0);
	for (i = 0; i < 200; i++) {
		assert_int_equal(db_step(st), DB_ROW);
		if (db_column_int(st, 0) == 0)
			break;
		assert_int_equal(db_reset(st), 0);
		dbtest_sleep_ms(20);
	}
	assert_true(i < 200);
	db_finalize(st);
	/* Time for the end of the connection to reach the victim's socket. */
	dbtest_sleep_ms(50);
}

static void
test_killed_in_transaction(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *a = open_with_table(t), *b = open_ok(t);

	assert_int_equal(db_begin(a, DB_TXN_WRITE), 0);
	exec_ok(a, "INSERT INTO t (id) VALUES (1)");
	kill_session(b, a);
	/* The work is lost, and a is told so rather than carrying on in a new session. */
	assert_int_equal(db_exec(a, "INSERT INTO t (id) VALUES (2)"), DB_E_CONNECT);
	assert_non_null(strstr(db_errmsg(a), "transaction"));
	assert_int_equal(db_commit(a), DB_E_CONNECT);
	assert_true(db_in_transaction(a));
	assert_int_equal(db_rollback(a), 0);
	assert_false(db_in_transaction(a));
	/* Nothing of it was kept. */
	assert_int_equal(dbtest_query_int(b, "SELECT COUNT(*) FROM t"), 0);
	/* Outside a transaction the next statement reconnects by itself. */
	assert_int_equal(dbtest_query_int(a, "SELECT COUNT(*) FROM t"), 0);
	exec_ok(a, "INSERT INTO t (id) VALUES (3)");
	assert_int_equal(dbtest_query_int(b, "SELECT COUNT(*) FROM t"), 1);
	db_close(a);
	db_close(b);
}

static void
test_killed_idle(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *a = open_with_table(t), *b = open_ok(t);
	db_stmt_t *st = NULL;

	exec_ok(a, "INSERT INTO t (id, s) VALUES (1, 'one')");
	assert_int_equal(db_prepare(a, "SELECT s FROM t WHERE id = ?", &st), 0);
	assert_int_equal(db_bind_int(st, 1, 1), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_reset(st), 0);
	assert_int_equal(db_lock(a, "enforcer", 0), 0);
	assert_int_equal(db_lock(a, "leader", 0), 0);
	assert_int_equal(db_unlock(a, "leader"), 0);

	kill_session(b, a);
	/* The statement prepared before is prepared again in the new session. */
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "one");
	db_finalize(st);
	/* And the lock was taken again. */
	assert_int_equal(db_lock(b, "enforcer", 0), DB_E_LOCKED);

	/* A lock that someone else took meanwhile is reported, and no longer ours. */
	kill_session(b, a);
	assert_int_equal(db_lock(b, "enforcer", 0), 0);
	assert_int_equal(db_exec(a, "SELECT 1"), DB_E_CONNECT);
	assert_non_null(strstr(db_errmsg(a), "enforcer"));
	assert_int_equal(db_unlock(a, "enforcer"), DB_E_MISUSE);
	exec_ok(a, "SELECT 1");
	db_close(a);
	db_close(b);
}

/* ---------------------------------------------------------------- backups */

static void
fill(db_t *db)
{
	static const unsigned char blob[] = { 0, 0xff, 'k', 0 };
	db_stmt_t *st = NULL;
	int i;

	assert_int_equal(db_prepare(db, "INSERT INTO t (id, i, s, b) VALUES (?, ?, ?, ?)", &st), 0);
	for (i = 1; i <= 20; i++) {
		assert_int_equal(db_bind_int(st, 1, i), 0);
		assert_int_equal(db_bind_int(st, 2, (int64_t)i * 1000000007LL), 0);
		assert_int_equal(db_bind_text(st, 3, i % 2 ? "odd \xe2\x9c\x93" : "even"), 0);
		assert_int_equal(db_bind_blob(st, 4, blob, sizeof(blob)), 0);
		assert_int_equal(db_step(st), DB_DONE);
		assert_int_equal(db_reset(st), 0);
	}
	db_finalize(st);
}

/* A digest of table t that does not depend on the engine's row order. */
static int64_t
digest(db_t *db)
{
	return dbtest_query_int(db,
		"SELECT COUNT(*) * 1000003 + SUM(i % 99991) + SUM(length(s)) * 7 + "
		"SUM(length(b)) * 13 FROM t");
}

static int
run_tool(const char *const argv[], const char *password, char *err, size_t errlen)
{
	struct spawn_result res;
	char env0[256];
	const char *env[2] = { NULL, NULL };
	int rc;

	if (password != NULL) {
		(void)snprintf(env0, sizeof(env0), "PGPASSWORD=%s", password);
		env[0] = env0;
	}
	rc = spawn_run(argv, env, NULL, 0, &res);
	if (rc != 0)
		return rc;
	if (!res.exited || res.status != 0) {
		(void)snprintf(err, errlen, "%s", res.err);
		rc = E_SPAWN;
	}
	spawn_result_free(&res);
	return rc;
}

static void
admin(struct dbtest *t, const char *sql)
{
	db_t *db = NULL;

	assert_int_equal(db_open(&t->server, &db, NULL, 0), 0);
	exec_ok(db, sql);
	db_close(db);
}

static void
test_backup_restore(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t), *copy = NULL;
	char dest[1200], tmp[1300], name[128], sql[200], err[1024] = "";
	char host[1100], port[32], user[128], dbarg[160];
	struct db_config cfg;
	const char *argv[10];
	int64_t want;

	fill(db);
	want = digest(db);
	assert_true(want > 0);
	(void)snprintf(dest, sizeof(dest), "%s/kasp.dump", t->dir);
	if (db_backup(db, dest) != 0)
		fail_msg("db_backup: %s", db_errmsg(db));
	assert_true(exists(dest));
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", dest, (long)getpid());
	assert_false(exists(tmp));
	/* A missing directory. */
	(void)snprintf(tmp, sizeof(tmp), "%s/no/such/dir/x.dump", t->dir);
	assert_int_equal(db_backup(db, tmp), E_IO);

	/* Restore into a fresh database: the same rows. */
	(void)snprintf(name, sizeof(name), "%s_r", t->cfg.database);
	(void)snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", name);
	admin(t, sql);
	(void)snprintf(host, sizeof(host), "--host=%s",
		t->cfg.socket != NULL ? t->cfg.socket
		: t->cfg.host != NULL ? t->cfg.host
				      : "localhost");
	(void)snprintf(port, sizeof(port), "--port=%u", t->cfg.port != 0 ? t->cfg.port : 5432);
	(void)snprintf(user, sizeof(user), "--username=%s",
		t->cfg.user != NULL ? t->cfg.user : "postgres");
	(void)snprintf(dbarg, sizeof(dbarg), "--dbname=%s", name);
	argv[0] = "pg_restore";
	argv[1] = "--no-owner";
	argv[2] = "--exit-on-error";
	argv[3] = host;
	argv[4] = port;
	argv[5] = user;
	argv[6] = dbarg;
	argv[7] = dest;
	argv[8] = NULL;
	if (run_tool(argv, t->cfg.password, err, sizeof(err)) != 0)
		fail_msg("pg_restore: %s", err);
	cfg = t->cfg;
	cfg.database = name;
	assert_int_equal(db_open(&cfg, &copy, NULL, 0), 0);
	assert_int_equal(digest(copy), want);
	assert_int_equal(dbtest_query_int(copy, "SELECT COUNT(*) FROM t"), 20);
	db_close(copy);
	(void)snprintf(sql, sizeof(sql), "DROP DATABASE \"%s\" WITH (FORCE)", name);
	admin(t, sql);
	db_close(db);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * A stand-in pg_dump first in PATH is never run: the tool that is handed
 * the password is found in the system directories. A dump the server
 * refuses fails with pg_dump's own words and leaves no file behind.
 */
static void
test_backup_tool(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_ok(t);
	char bin[1100], script[1200], path[4200], dest[1200], marker[1200], file[2600];
	char sql[300];
	const char *old = getenv("PATH");
	char *saved = old != NULL ? strdup(old) : NULL;
	const char *pw = t->cfg.password;
	struct stat sb;
	int rc;

	(void)snprintf(bin, sizeof(bin), "%s/bin", t->dir);
	assert_int_equal(mkdir(bin, 0755), 0);
	(void)snprintf(script, sizeof(script), "%s/pg_dump", bin);
	(void)snprintf(marker, sizeof(marker), "%s/stand-in-ran", t->dir);
	(void)snprintf(file, sizeof(file), "#!/bin/sh\n: > '%s'\nexit 1\n", marker);
	write_file(script, file, 0755);
	(void)snprintf(path, sizeof(path), "%s:%s", bin, old != NULL ? old : "/usr/bin:/bin");
	assert_int_equal(setenv("PATH", path, 1), 0);

	(void)snprintf(dest, sizeof(dest), "%s/out.dump", t->dir);
	rc = db_backup(db, dest);
	if (saved != NULL)
		(void)setenv("PATH", saved, 1);
	else
		(void)unsetenv("PATH");
	free(saved);
	if (rc != 0)
		fail_msg("db_backup: %s", db_errmsg(db));
	assert_false(exists(marker));
	assert_int_equal(stat(dest, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(dbtest_count_prefixed(t->dir, "out.dump.tmp."), 0);

	/* A failing dump: the server refuses pg_dump's connection (not ours, made before). */
	(void)unlink(dest);
	(void)snprintf(
		sql, sizeof(sql), "ALTER DATABASE \"%s\" ALLOW_CONNECTIONS false", t->cfg.database);
	admin(t, sql);
	rc = db_backup(db, dest);
	(void)snprintf(
		sql, sizeof(sql), "ALTER DATABASE \"%s\" ALLOW_CONNECTIONS true", t->cfg.database);
	admin(t, sql);
	assert_int_equal(rc, E_SPAWN);
	assert_non_null(strstr(db_errmsg(db), "not currently accepting connections"));
	if (pw != NULL && strlen(pw) >= 4)
		assert_null(strstr(db_errmsg(db), pw));
	assert_false(exists(dest));
	assert_int_equal(dbtest_count_prefixed(t->dir, "out.dump"), 0);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_placeholders, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_statements, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_finalize_in_failed_transaction, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_unique_violation, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_serialization_failure, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_deadlock_retried, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_lock_key, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_read_only, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_server_down, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_location, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_killed_in_transaction, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_killed_idle, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_backup_restore, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_backup_tool, dbtest_setup, dbtest_teardown),
	};
	int rc = dbtest_start("pgsql");

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
