/*
 * test_mysql.c - what only the MySQL/MariaDB driver does: session set-up,
 * error classes from server error numbers, deadlocks retried by
 * db_transact(), GET_LOCK names, read-only sessions and servers, a server
 * that is down, connections killed inside and outside a transaction, and
 * backups through mariadb-dump. Runs only when ODS_TEST_BACKEND=mysql.
 *
 * ODS_TEST_MYSQL_SOCKET (root over the server's socket, as
 * tests/lib/mysql-server.sh gives it) enables the checks that need an
 * administrator: a user with a hard password, and, only with
 * ODS_TEST_MYSQL_GLOBAL=1 as well, a server in read_only mode. That one
 * makes the whole server refuse writes for a moment, which would fail
 * other test programs running against it at the same time (make -j):
 *
 *	ODS_TEST_MYSQL_GLOBAL=1 make check TESTS=tests/db/test_mysql
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
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
#include "common/fileio.h"
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
open_with_table(struct dbtest *t)
{
	db_t *db = NULL;

	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(dbtest_create_table(db), 0);
	return db;
}

/* The text of the first column of the first row of sql, in buf ("" for NULL). */
static void
query_text(db_t *db, const char *sql, char *buf, size_t len)
{
	db_stmt_t *st = NULL;
	const char *s;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	s = db_column_text(st, 0);
	(void)snprintf(buf, len, "%s", s != NULL ? s : "");
	db_finalize(st);
}

/* An administrator's connection to the test's database, or NULL without one. */
static db_t *
open_admin(struct dbtest *t)
{
	const char *sock = getenv("ODS_TEST_MYSQL_SOCKET");
	struct db_config cfg = { .backend = DB_BACKEND_MYSQL };
	char err[512] = "";
	db_t *db = NULL;

	if (sock == NULL || sock[0] == '\0')
		return NULL;
	cfg.socket = sock;
	cfg.user = "root";
	cfg.database = t->cfg.database;
	if (db_open(&cfg, &db, err, sizeof(err)) != 0)
		fail_msg("admin connection over %s: %s", sock, err);
	return db;
}

static int64_t
connection_id(db_t *db)
{
	return dbtest_query_int(db, "SELECT CONNECTION_ID()");
}

/* Kill the session of victim from another connection to the same server. */
static void
kill_session(struct dbtest *t, db_t *victim)
{
	char sql[64];
	db_t *killer = NULL;

	(void)snprintf(sql, sizeof(sql), "KILL %lld", (long long)connection_id(victim));
	assert_int_equal(dbtest_open(t, &killer), 0);
	exec_ok(killer, sql);
	db_close(killer);
	dbtest_sleep_ms(50); /* let the server close the socket */
}

/*
 * 1 when the password can be looked for in text that names the user, host
 * and database (the test server's "ods"/"ods" cannot).
 */
static int
secret_distinct(const struct db_config *cfg)
{
	const char *pw = cfg->password;

	return pw != NULL && pw[0] != '\0' &&
	       (cfg->user == NULL || strstr(cfg->user, pw) == NULL) &&
	       (cfg->host == NULL || strstr(cfg->host, pw) == NULL) &&
	       strstr(cfg->database, pw) == NULL && strstr("127.0.0.1", pw) == NULL;
}

/* ---------------------------------------------------------------- session */

static void
test_session(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;
	char buf[512], *big;
	time_t when = 0;
	size_t i, n = 300000;

	/* The location names user, server and database, never the password. */
	(void)snprintf(buf, sizeof(buf), "%s@%s:%u/%s", t->cfg.user,
		t->cfg.host != NULL ? t->cfg.host : "127.0.0.1", t->cfg.port, t->cfg.database);
	if (t->cfg.socket == NULL)
		assert_string_equal(db_location(db), buf);
	if (secret_distinct(&t->cfg))
		assert_null(strstr(db_location(db), t->cfg.password));

	query_text(db, "SELECT @@session.time_zone", buf, sizeof(buf));
	assert_string_equal(buf, "+00:00");
	query_text(db, "SELECT @@session.sql_mode", buf, sizeof(buf));
	assert_non_null(strstr(buf, "ANSI_QUOTES"));
	assert_non_null(strstr(buf, "NO_BACKSLASH_ESCAPES"));
	assert_non_null(strstr(buf, "STRICT_TRANS_TABLES"));
	/* Standard SQL text means the same as on the other engines. */
	query_text(db, "SELECT 'a\\b' || 'c'", buf, sizeof(buf));
	assert_string_equal(buf, "a\\bc");
	exec_ok(db, "INSERT INTO t (id, \"i\") VALUES (1, 5)");

	/* Matched rows, not only changed ones (CLIENT_FOUND_ROWS). */
	exec_ok(db, "UPDATE t SET i = 5 WHERE id = 1");
	assert_int_equal(db_changes(db), 1);
	/* A SELECT leaves the count of the last write alone. */
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 1);
	assert_int_equal(db_changes(db), 1);

	/* TIMESTAMP columns (1.4 databases) hold our UTC text under the UTC session. */
	exec_ok(db, "CREATE TABLE stamps (id INTEGER PRIMARY KEY, at TIMESTAMP NULL DEFAULT NULL, "
		    "big LONGTEXT, dec_ DECIMAL(10,3), u BIGINT UNSIGNED) ENGINE=InnoDB");
	big = malloc(n + 1);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	assert_int_equal(db_prepare(db,
				 "INSERT INTO stamps VALUES (1, ?, ?, 12.5, "
				 "18446744073709551615)",
				 &st),
		0);
	assert_int_equal(db_bind_time(st, 1, (time_t)1700000000), 0);
	assert_int_equal(db_bind_text(st, 2, big), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	assert_int_equal(dbtest_query_int(db, "SELECT UNIX_TIMESTAMP(at) FROM stamps"), 1700000000);
	assert_int_equal(
		db_prepare(db, "SELECT at, big, dec_, u, 0.1e0, NULL FROM stamps", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "2023-11-14 22:13:20");
	assert_int_equal(db_column_time(st, 0, &when), 0);
	assert_int_equal((int64_t)when, 1700000000);
	assert_string_equal(db_column_text(st, 1), big);
	assert_string_equal(db_column_text(st, 2), "12.500");
	assert_true(db_column_double(st, 2) == 12.5);
	assert_int_equal(db_column_int(st, 2), 12);
	assert_string_equal(db_column_text(st, 3), "18446744073709551615");
	assert_string_equal(db_column_text(st, 4), "0.1");
	assert_true(db_column_double(st, 4) == 0.1);
	assert_true(db_column_is_null(st, 5));
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	free(big);
	db_close(db);
}

/* ----------------------------------------------------------------- errors */

static void
test_error_classes(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);

	exec_ok(db, "INSERT INTO t (id, u) VALUES (1, 'a')");
	assert_int_equal(db_exec(db, "INSERT INTO t (id, u) VALUES (2, 'a')"), DB_E_CONSTRAINT);
	assert_non_null(strstr(db_errmsg(db), "1062"));
	assert_int_equal(db_exec(db, "INSERT INTO t (id, nn) VALUES (3, NULL)"), DB_E_CONSTRAINT);
	exec_ok(db, "CREATE TABLE parent (id INTEGER PRIMARY KEY) ENGINE=InnoDB");
	exec_ok(db, "CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER NOT NULL, "
		    "FOREIGN KEY (p) REFERENCES parent (id)) ENGINE=InnoDB");
	assert_int_equal(db_exec(db, "INSERT INTO child VALUES (1, 7)"), DB_E_CONSTRAINT);
	assert_non_null(strstr(db_errmsg(db), "1452"));
	exec_ok(db, "INSERT INTO parent VALUES (7); INSERT INTO child VALUES (1, 7)");
	assert_int_equal(db_exec(db, "DELETE FROM parent"), DB_E_CONSTRAINT);
	assert_int_equal(db_exec(db, "SELECT nosuch FROM t"), DB_E_SQL);
	assert_non_null(strstr(db_errmsg(db), "1054"));
	assert_int_equal(db_exec(db, "SELECT 1 FROM nosuchtable"), DB_E_SQL);
	/* The handle is fine afterwards. */
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM child"), 1);
	db_close(db);
}

/*
 * Two processes read row 1 in SERIALIZABLE write transactions (shared
 * locks), meet, and both update it: InnoDB kills one as a deadlock victim
 * (DB_E_BUSY), db_transact() runs it again, and no update is lost.
 */
struct bump {
	int to, from; /* pipes to the other process */
	int runs;
	int busy; /* times the update failed with DB_E_BUSY */
};

static int
read_meet_update(db_t *db, void *arg)
{
	struct bump *b = arg;
	db_stmt_t *st = NULL;
	int64_t v;
	int rc;

	b->runs++;
	v = dbtest_query_int(db, "SELECT i FROM t WHERE id = 1");
	if (v < 0)
		return DB_E_SQL;
	if (b->runs == 1) {
		(void)dbtest_send(b->to, 'R');
		if (dbtest_recv(b->from, 10000) != 'R')
			return E_INVAL; /* the other process did not come */
	}
	rc = db_prepare(db, "UPDATE t SET i = ? WHERE id = 1", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, v + 1);
	if (rc == 0)
		rc = db_step(st);
	db_finalize(st);
	if (rc == DB_E_BUSY)
		b->busy++;
	return rc < 0 ? rc : 0;
}

static void
test_deadlock_retried(void **state)
{
	struct dbtest *t = dbtest_get(state);
	struct bump b = { 0, 0, 0, 0 };
	int p2c[2], c2p[2], status, rc, child_busy;
	db_t *db = open_with_table(t);
	pid_t pid;

	exec_ok(db, "INSERT INTO t (id, i) VALUES (1, 0)");
	db_close(db);
	db = NULL;
	assert_int_equal(pipe(p2c), 0);
	assert_int_equal(pipe(c2p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bump cb = { c2p[1], p2c[0], 0, 0 };
		db_t *c = NULL;

		rc = db_open(&t->cfg, &c, NULL, 0);
		if (rc == 0)
			rc = db_transact(c, DB_TXN_WRITE, read_meet_update, &cb);
		db_close(c);
		(void)dbtest_send(c2p[1], cb.busy > 0 ? 'B' : 'N');
		_exit(rc == 0 ? 0 : 1);
	}
	assert_int_equal(dbtest_open(t, &db), 0);
	b.to = p2c[1];
	b.from = c2p[0];
	rc = db_transact(db, DB_TXN_WRITE, read_meet_update, &b);
	if (rc != 0)
		print_error("db_transact: %s\n", db_errmsg(db));
	assert_int_equal(rc, 0);
	/* The child's 'R' may still be unread when the parent went first: skip it. */
	do {
		child_busy = dbtest_recv(c2p[0], 15000);
	} while (child_busy == 'R');
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(b.busy > 0 || child_busy == 'B');
	assert_int_equal(dbtest_query_int(db, "SELECT i FROM t WHERE id = 1"), 2);
	(void)close(p2c[0]);
	(void)close(p2c[1]);
	(void)close(c2p[0]);
	(void)close(c2p[1]);
	db_close(db);
}

/*
 * After a deadlock the server has rolled back and ended the transaction:
 * what follows must not run in autocommit, nor COMMIT report success. The
 * deadlock is raised with SIGNAL: the client sees error 1213 all the same.
 * A lock that cannot be released meanwhile stays on the list.
 */
static void
test_deadlock_ends_txn(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);

	assert_int_equal(db_lock(db, "dl", 0), 0);
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	exec_ok(db, "INSERT INTO t (id, i) VALUES (1, 1)");
	assert_int_equal(db_exec(db, "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213,"
				     " MESSAGE_TEXT = 'Deadlock found'"),
		DB_E_BUSY);
	assert_int_equal(db_exec(db, "INSERT INTO t (id, i) VALUES (2, 2)"), DB_E_BUSY);
	assert_non_null(strstr(db_errmsg(db), "rolled back by the server (deadlock)"));
	assert_int_equal(db_unlock(db, "dl"), DB_E_BUSY);
	assert_int_equal(db_commit(db), DB_E_BUSY);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(db_unlock(db, "dl"), 0);
	assert_int_equal(db_unlock(db, "dl"), DB_E_MISUSE);
	assert_int_equal(dbtest_query_int(db, "SELECT count(*) FROM t"), 0);
	/* a new transaction runs as before */
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	exec_ok(db, "INSERT INTO t (id, i) VALUES (3, 3)");
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(dbtest_query_int(db, "SELECT count(*) FROM t"), 1);
	db_close(db);
}

/* ------------------------------------------------------------------ locks */

static void
test_lock_server_names(void **state)
{
	static const char n1[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
	static const char n2[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2";
	struct dbtest *t = dbtest_get(state);
	db_t *a = NULL, *b = NULL;
	db_stmt_t *st = NULL;
	char name[200];
	int to[2], from[2], status;
	pid_t pid;

	/* Another process holds it until we say so; then it dies holding another. */
	assert_int_equal(pipe(to), 0);
	assert_int_equal(pipe(from), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		db_t *c = NULL;
		int ok = db_open(&t->cfg, &c, NULL, 0) == 0 && db_lock(c, "enforcer", 0) == 0;

		(void)dbtest_send(from[1], ok ? 'L' : 'E');
		(void)dbtest_recv(to[0], 30000);
		_exit(0); /* the session ends with the process, and the lock with it */
	}
	assert_int_equal(dbtest_recv(from[0], 10000), 'L');
	assert_int_equal(dbtest_open(t, &a), 0);
	assert_int_equal(db_lock(a, "enforcer", 0), DB_E_LOCKED);
	assert_non_null(strstr(db_errmsg(a), "enforcer"));

	/* The server-side name carries the database: GET_LOCK is server-wide. */
	(void)snprintf(name, sizeof(name), "kasp-enforcer:%s:enforcer", t->cfg.database);
	assert_int_equal(db_prepare(a, "SELECT IS_USED_LOCK(?)", &st), 0);
	assert_int_equal(db_bind_text(st, 1, name), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_false(db_column_is_null(st, 0));
	db_finalize(st);

	(void)dbtest_send(to[1], 'q');
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(db_lock(a, "enforcer", 2000), 0);

	/* Names too long for the server are shortened without running together. */
	assert_int_equal(dbtest_open(t, &b), 0);
	assert_int_equal(db_lock(a, n1, 0), 0);
	assert_int_equal(db_lock(b, n2, 0), 0);
	assert_int_equal(db_lock(b, n1, 0), DB_E_LOCKED);
	assert_int_equal(db_unlock(a, n1), 0);
	assert_int_equal(db_lock(b, n1, 0), 0);
	db_close(a);
	db_close(b);
	(void)close(to[0]);
	(void)close(to[1]);
	(void)close(from[0]);
	(void)close(from[1]);
}

/* -------------------------------------------------------------- read-only */

static int
insert_one(db_t *db, void *arg)
{
	(void)arg;
	return db_exec(db, "INSERT INTO t (id) VALUES (42)");
}

static void
test_read_only_session(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	int ro = -1;

	/* A READ transaction refuses writes instead of running them unprotected. */
	assert_int_equal(db_transact(db, DB_TXN_READ, insert_one, NULL), DB_E_READONLY);
	assert_int_equal(db_read_only(db, &ro), 0);
	assert_int_equal(ro, 0);

	exec_ok(db, "SET SESSION TRANSACTION READ ONLY");
	assert_int_equal(db_read_only(db, &ro), 0);
	assert_int_equal(ro, 1);
	assert_int_equal(db_exec(db, "INSERT INTO t (id) VALUES (1)"), DB_E_READONLY);
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 0);
	db_close(db);
}

static void
test_read_only_server(void **state)
{
	struct dbtest *t = dbtest_get(state);
	const char *global = getenv("ODS_TEST_MYSQL_GLOBAL");
	db_t *db = NULL, *admin = NULL;
	int ro = -1, ro_rc, write_rc, count;

	if (global == NULL || strcmp(global, "1") != 0) {
		print_message("# ODS_TEST_MYSQL_GLOBAL not 1: read_only server not checked\n");
		return;
	}
	admin = open_admin(t);
	if (admin == NULL) {
		print_message("# ODS_TEST_MYSQL_SOCKET not set: read_only server not checked\n");
		return;
	}
	db = open_with_table(t);
	exec_ok(db, "INSERT INTO t (id) VALUES (1)");
	/* Keep the window short: the whole server refuses writes meanwhile. */
	exec_ok(admin, "SET GLOBAL read_only = 1");
	ro_rc = db_read_only(db, &ro);
	write_rc = db_exec(db, "INSERT INTO t (id) VALUES (2)");
	count = (int)dbtest_query_int(db, "SELECT COUNT(*) FROM t");
	exec_ok(admin, "SET GLOBAL read_only = 0");
	db_close(admin);

	assert_int_equal(ro_rc, 0);
	assert_int_equal(ro, 1);
	assert_int_equal(write_rc, DB_E_READONLY);
	assert_int_equal(count, 1);
	assert_int_equal(db_read_only(db, &ro), 0);
	assert_int_equal(ro, 0);
	exec_ok(db, "INSERT INTO t (id) VALUES (2)");
	db_close(db);
}

/* ------------------------------------------------------------ connections */

/* A loopback port nobody listens on (bound and released again). */
static unsigned
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	unsigned port;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

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

static void
test_server_down(void **state)
{
	struct dbtest *t = dbtest_get(state);
	struct db_config cfg = t->cfg;
	char err[512] = "", where[64];
	db_t *db = NULL;

	cfg.socket = NULL;
	cfg.host = "127.0.0.1";
	cfg.port = closed_port();
	cfg.password = "pw-that-must-not-show";
	assert_int_equal(db_open(&cfg, &db, err, sizeof(err)), DB_E_CONNECT);
	assert_null(db);
	(void)snprintf(where, sizeof(where), "127.0.0.1:%u", cfg.port);
	assert_non_null(strstr(err, where));
	assert_null(strstr(err, cfg.password));
}

static void
test_killed_connection(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *ins = NULL;
	db_t *other = NULL;
	int64_t before;

	assert_int_equal(db_prepare(db, "INSERT INTO t (id) VALUES (?)", &ins), 0);

	/* Inside a transaction: DB_E_CONNECT, no retry, and nothing of it stays. */
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_int_equal(db_bind_int(ins, 1, 1), 0);
	assert_int_equal(db_step(ins), DB_DONE);
	assert_int_equal(db_reset(ins), 0);
	kill_session(t, db);
	assert_int_equal(db_bind_int(ins, 1, 2), 0);
	assert_int_equal(db_step(ins), DB_E_CONNECT);
	assert_int_equal(db_reset(ins), 0);
	assert_int_equal(db_exec(db, "INSERT INTO t (id) VALUES (3)"), DB_E_CONNECT);
	assert_non_null(strstr(db_errmsg(db), "transaction"));
	assert_int_equal(db_commit(db), DB_E_CONNECT);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(dbtest_open(t, &other), 0);
	assert_int_equal(dbtest_query_int(other, "SELECT COUNT(*) FROM t"), 0);

	/* Outside one: the next statement reconnects; the prepared one prepares again. */
	before = connection_id(db);
	assert_true(before > 0);
	assert_int_equal(db_bind_int(ins, 1, 4), 0);
	assert_int_equal(db_step(ins), DB_DONE);
	assert_int_equal(db_changes(db), 1);
	assert_int_equal(db_reset(ins), 0);

	/* Killed while idle: noticed before sending, so even a write goes through. */
	before = connection_id(db);
	kill_session(t, db);
	assert_int_equal(db_bind_int(ins, 1, 5), 0);
	assert_int_equal(db_step(ins), DB_DONE);
	assert_true(connection_id(db) != before);
	assert_int_equal(dbtest_query_int(other, "SELECT COUNT(*) FROM t"), 2);
	assert_int_equal(dbtest_query_int(other, "SELECT SUM(id) FROM t"), 9);
	db_finalize(ins);
	db_close(other);
	db_close(db);
}

static void
test_killed_holding_lock(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_t *other = NULL;

	assert_int_equal(db_lock(db, "enforcer", 0), 0);
	kill_session(t, db);
	/* The lock went with the session: say so instead of carrying on. */
	assert_int_equal(db_exec(db, "INSERT INTO t (id) VALUES (1)"), DB_E_CONNECT);
	assert_non_null(strstr(db_errmsg(db), "enforcer"));
	assert_int_equal(dbtest_open(t, &other), 0);
	assert_int_equal(db_lock(other, "enforcer", 0), 0);
	/* Letting go of what is gone clears the way to reconnect. */
	assert_int_equal(db_unlock(db, "enforcer"), 0);
	exec_ok(db, "INSERT INTO t (id) VALUES (1)");
	assert_int_equal(db_lock(db, "enforcer", 0), DB_E_LOCKED);
	db_close(other);
	assert_int_equal(db_lock(db, "enforcer", 1000), 0);
	db_close(db);
}

/* ----------------------------------------------------------------- backup */

static int
file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* Load dump into cfg's database with the mariadb (or mysql) client. */
static void
restore_dump(struct dbtest *t, const struct db_config *cfg, const char *dump)
{
	static const char *const clients[] = { "mariadb", "mysql" };
	char opt[1200], a_opt[1300], a_host[300], a_port[32], a_user[300], *data = NULL;
	const char *argv[] = { NULL, a_opt, a_host, a_port, a_user, cfg->database, NULL };
	struct spawn_result res;
	size_t len, i;
	FILE *f;
	int rc = E_NOTFOUND;

	(void)snprintf(opt, sizeof(opt), "%s/restore.cnf", t->dir);
	f = fopen(opt, "w");
	assert_non_null(f);
	(void)fprintf(f, "[client]\npassword=%s\n", cfg->password != NULL ? cfg->password : "");
	assert_int_equal(fclose(f), 0);
	(void)snprintf(a_opt, sizeof(a_opt), "--defaults-file=%s", opt);
	(void)snprintf(a_host, sizeof(a_host), "--host=%s", cfg->host);
	(void)snprintf(a_port, sizeof(a_port), "--port=%u", cfg->port);
	(void)snprintf(a_user, sizeof(a_user), "--user=%s", cfg->user);
	assert_int_equal(file_read_all(dump, 0, &data, &len), 0);
	for (i = 0; i < 2 && rc == E_NOTFOUND; i++) {
		argv[0] = clients[i];
		rc = spawn_run(argv, NULL, data, len, &res);
	}
	free(data);
	assert_int_equal(rc, 0);
	if (!res.exited || res.status != 0)
		fail_msg("%s: %s", argv[0], res.err);
	spawn_result_free(&res);
	(void)unlink(opt);
}

static void
test_backup_restore(void **state)
{
	static const unsigned char blob[] = { 0, 1, 0xff, '\'', '"', '\\', '\n', 0 };
	static const char utf8[] = "Z\xc3\xbcrich \xf0\x9f\x94\x91 'quoted' \\ back";
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t), *copy = NULL;
	void *state2 = NULL;
	struct dbtest *t2;
	db_stmt_t *st = NULL;
	char dest[1200], tmp[1300];
	const void *p;
	size_t len;
	int i;

	assert_int_equal(
		db_prepare(db, "INSERT INTO t (id, s, b, ts) VALUES (?, ?, ?, ?)", &st), 0);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(db_bind_int(st, 1, i), 0);
		assert_int_equal(db_bind_text(st, 2, utf8), 0);
		assert_int_equal(db_bind_blob(st, 3, blob, sizeof(blob)), 0);
		assert_int_equal(db_bind_time(st, 4, (time_t)1700000000 + i), 0);
		assert_int_equal(db_step(st), DB_DONE);
		assert_int_equal(db_reset(st), 0);
	}
	db_finalize(st);

	(void)snprintf(dest, sizeof(dest), "%s/nodir/backup.sql", t->dir);
	assert_int_equal(db_backup(db, dest), E_IO);
	(void)snprintf(dest, sizeof(dest), "%s/backup.sql", t->dir);
	assert_int_equal(db_backup(db, dest), 0);
	assert_true(file_exists(dest));
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", dest, (long)getpid());
	assert_false(file_exists(tmp));

	/* Into a fresh database: the same rows. */
	assert_int_equal(dbtest_setup(&state2), 0);
	t2 = state2;
	restore_dump(t, &t2->cfg, dest);
	assert_int_equal(dbtest_open(t2, &copy), 0);
	assert_int_equal(db_prepare(copy, "SELECT id, s, b, ts FROM t ORDER BY id", &st), 0);
	for (i = 1; i <= 3; i++) {
		time_t when = 0;

		assert_int_equal(db_step(st), DB_ROW);
		assert_int_equal(db_column_int(st, 0), i);
		assert_string_equal(db_column_text(st, 1), utf8);
		p = db_column_blob(st, 2, &len);
		assert_int_equal(len, sizeof(blob));
		assert_memory_equal(p, blob, sizeof(blob));
		assert_int_equal(db_column_time(st, 3, &when), 0);
		assert_int_equal((int64_t)when, (int64_t)1700000000 + i);
	}
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	db_close(copy);
	assert_int_equal(dbtest_teardown(&state2), 0);
	db_close(db);
}

/*
 * Stand-in dump tools first in PATH are never run: the tool that is handed
 * the password is found in the system directories, and its option file is
 * a memfd, so nothing is written to $TMPDIR. A dump the tool gives up on
 * fails with its own words and leaves no file behind.
 */
static void
test_backup_tool_use(void **state)
{
	static const char *const names[] = { "mariadb-dump", "mysqldump" };
	struct dbtest *t = dbtest_get(state);
	db_t *db = NULL;
	char bin[1100], tool[1200], dest[1200], marker[1200], tmpdir[1200], script[1400];
	char path[4200], msg[512];
	char *old_path = getenv("PATH") != NULL ? strdup(getenv("PATH")) : NULL;
	char *old_tmp = getenv("TMPDIR") != NULL ? strdup(getenv("TMPDIR")) : NULL;
	char *text = NULL;
	struct stat sb;
	size_t i, len;
	int rc;

	assert_int_equal(dbtest_open(t, &db), 0);
	(void)snprintf(bin, sizeof(bin), "%s/bin", t->dir);
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", t->dir);
	(void)snprintf(marker, sizeof(marker), "%s/stand-in-ran", t->dir);
	assert_int_equal(mkdir(bin, 0755), 0);
	assert_int_equal(mkdir(tmpdir, 0700), 0);
	(void)snprintf(script, sizeof(script), "#!/bin/sh\n: > '%s'\nexit 1\n", marker);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(tool, sizeof(tool), "%s/%s", bin, names[i]);
		assert_int_equal(file_write_atomic(tool, script, strlen(script), 0755), 0);
	}
	(void)snprintf(path, sizeof(path), "%s:%s", bin, old_path != NULL ? old_path : "/usr/bin");
	(void)snprintf(dest, sizeof(dest), "%s/out.sql", t->dir);

	assert_int_equal(setenv("PATH", path, 1), 0);
	assert_int_equal(setenv("TMPDIR", tmpdir, 1), 0);
	rc = db_backup(db, dest);
	(void)snprintf(msg, sizeof(msg), "%s", db_errmsg(db));
	if (old_path != NULL)
		(void)setenv("PATH", old_path, 1);
	else
		(void)unsetenv("PATH");
	free(old_path);
	if (old_tmp != NULL)
		(void)setenv("TMPDIR", old_tmp, 1);
	else
		(void)unsetenv("TMPDIR");
	free(old_tmp);
	if (rc != 0)
		fail_msg("backup beside the stand-in tools: %s", msg);
	assert_false(file_exists(marker));
	assert_int_equal(dbtest_count_prefixed(tmpdir, ""), 2); /* . and .. */
	assert_int_equal(stat(dest, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(file_read_all(dest, 0, &text, &len), 0);
	assert_non_null(strstr(text, "-- Dump completed"));
	free(text);
	assert_int_equal(dbtest_count_prefixed(t->dir, "out.sql.tmp."), 0);

	/* A failing dump: a view whose table is gone stops the tool. */
	(void)unlink(dest);
	exec_ok(db, "CREATE TABLE gone_t (x INT)");
	exec_ok(db, "CREATE VIEW broken_v AS SELECT x FROM gone_t");
	exec_ok(db, "DROP TABLE gone_t");
	rc = db_backup(db, dest);
	(void)snprintf(msg, sizeof(msg), "%s", db_errmsg(db));
	exec_ok(db, "DROP VIEW broken_v");
	assert_int_equal(rc, E_SPAWN);
	assert_non_null(strstr(msg, "broken_v"));
	if (secret_distinct(&t->cfg))
		assert_null(strstr(msg, t->cfg.password));
	assert_false(file_exists(dest));
	assert_int_equal(dbtest_count_prefixed(t->dir, "out.sql"), 0);
	db_close(db);
}

/* The password reaches the tool intact, whatever it holds (needs an administrator). */
static void
test_backup_hard_password(void **state)
{
	/* As an SQL literal under our sql_mode: only the ' doubled, the \\ as it is. */
	static const char pw[] = "p\"w'#x\\y; z";
	static const char pw_sql[] = "'p\"w''#x\\y; z'";
	struct dbtest *t = dbtest_get(state);
	db_t *admin = open_admin(t), *db = NULL;
	struct db_config cfg = t->cfg;
	char dest[1200];
	int rc;

	if (admin == NULL) {
		print_message("# ODS_TEST_MYSQL_SOCKET not set: hard password not checked\n");
		return;
	}
	{
		char sql[300];

		(void)snprintf(sql, sizeof(sql),
			"CREATE OR REPLACE USER 'kt_hardpw'@'127.0.0.1' IDENTIFIED BY %s", pw_sql);
		exec_ok(admin, sql);
		(void)snprintf(sql, sizeof(sql), "GRANT ALL ON %s.* TO 'kt_hardpw'@'127.0.0.1'",
			t->cfg.database);
		exec_ok(admin, sql);
	}
	cfg.user = "kt_hardpw";
	cfg.password = pw;
	assert_int_equal(db_open(&cfg, &db, NULL, 0), 0);
	exec_ok(db, "CREATE TABLE x (id INTEGER PRIMARY KEY)");
	(void)snprintf(dest, sizeof(dest), "%s/hard.sql", t->dir);
	rc = db_backup(db, dest);
	if (rc != 0)
		print_error("backup: %s\n", db_errmsg(db));
	db_close(db);
	exec_ok(admin, "DROP USER 'kt_hardpw'@'127.0.0.1'");
	db_close(admin);
	assert_int_equal(rc, 0);
	assert_true(file_exists(dest));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_session, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_error_classes, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_deadlock_retried, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_deadlock_ends_txn, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_lock_server_names, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_read_only_session, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_read_only_server, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_server_down, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_killed_connection, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_killed_holding_lock, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_backup_restore, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_backup_tool_use, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_backup_hard_password, dbtest_setup, dbtest_teardown),
	};
	int rc = dbtest_start("mysql");

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
