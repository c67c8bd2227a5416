/*
 * test_conformance.c - what every database driver must do, written once
 * against db.h. The backend comes from ODS_TEST_BACKEND (tests/db/README);
 * each test gets a fresh, empty database from dbtest.c.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "db/db.h"
#include "db/driver.h" /* db_count_params(), which db.c exports for drivers */
#include "tests/db/dbtest.h"

/* A fresh database with table t, opened. */
static db_t *
open_with_table(struct dbtest *t)
{
	db_t *db = NULL;

	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(dbtest_create_table(db), 0);
	return db;
}

static void
exec_ok(db_t *db, const char *sql)
{
	int rc = db_exec(db, sql);

	if (rc != 0)
		print_error("%s: %s\n", sql, db_errmsg(db));
	assert_int_equal(rc, 0);
}

/* ------------------------------------------------------------ connections */

static void
test_open_close(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = NULL;
	int ro = -1;

	assert_int_equal(dbtest_open(t, &db), 0);
	assert_non_null(db);
	assert_string_equal(db_dialect(db), dbtest_backend());
	assert_true(db_backend_available(db_backend(db)));
	assert_true(strlen(db_location(db)) > 0);
	assert_string_not_equal(db_backend_name(db_backend(db)), "unknown");
	assert_non_null(db_errmsg(db));
	assert_int_equal(db_read_only(db, &ro), 0);
	assert_int_equal(ro, 0);
	assert_int_equal(db_in_transaction(db), 0);
	db_close(db);
	db_close(NULL);
}

static void
test_open_bad_arguments(void **state)
{
	struct db_config cfg = { .backend = (enum db_backend)99 };
	char err[256] = "";
	db_t *db = (db_t *)&cfg; /* must stay untouched */

	(void)dbtest_get(state);
	assert_int_equal(db_open(&cfg, &db, err, sizeof(err)), E_INVAL);
	assert_ptr_equal(db, (db_t *)&cfg);
	assert_non_null(strstr(err, "backend"));
	assert_int_equal(db_open(NULL, &db, err, sizeof(err)), E_INVAL);
	cfg.backend = DB_BACKEND_SQLITE;
	cfg.path = NULL;
	assert_int_equal(db_open(&cfg, &db, NULL, 0), E_INVAL);
	assert_ptr_equal(db, (db_t *)&cfg);
	/* each driver's own configuration check names what is missing */
	assert_int_equal(db_open(&cfg, &db, err, sizeof(err)), E_INVAL);
	assert_string_equal(err, "no SQLite database file given");
	if (db_backend_available(DB_BACKEND_PGSQL)) {
		cfg.backend = DB_BACKEND_PGSQL;
		cfg.database = "";
		assert_int_equal(db_open(&cfg, &db, err, sizeof(err)), E_INVAL);
		assert_string_equal(err, "no PostgreSQL database name given");
	}
	if (db_backend_available(DB_BACKEND_MYSQL)) {
		cfg.backend = DB_BACKEND_MYSQL;
		cfg.database = NULL;
		assert_int_equal(db_open(&cfg, &db, err, sizeof(err)), E_INVAL);
		assert_string_equal(err, "no MySQL database name given");
	}
	assert_ptr_equal(db, (db_t *)&cfg);
}

static void
test_nodriver_message(void **state)
{
	static const struct {
		enum db_backend backend;
		const char *option;
	} b[] = { { DB_BACKEND_PGSQL, "--with-pgsql" }, { DB_BACKEND_MYSQL, "--with-mysql" } };
	size_t i, tried = 0;

	(void)dbtest_get(state);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		struct db_config cfg = { .backend = b[i].backend, .database = "kasp" };
		char err[256] = "";
		db_t *db = NULL;

		if (db_backend_available(b[i].backend))
			continue;
		tried++;
		assert_int_equal(db_open(&cfg, &db, err, sizeof(err)), DB_E_NODRIVER);
		assert_null(db);
		assert_non_null(strstr(err, b[i].option));
		assert_non_null(strstr(err, db_backend_name(b[i].backend)));
	}
	if (tried == 0)
		print_message("# every backend is built in: no message to check\n");
}

/* ------------------------------------------------------------------ binds */

static void
test_bind_types(void **state)
{
	static const unsigned char blob[] = { 'a', 0, 'b', 0, 0, 0xff, 0x80, 0 };
	static const char utf8[] = "Z\xc3\xbcrich \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac";
	static const int64_t ints[] = { INT64_MIN, INT64_MAX, 0, -1, 4294967296LL };
	static const double dbls[] = { 0.1, -1e300, 1.5, 0.0, 12345.678 };
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;
	const void *p;
	size_t i, len;

	assert_int_equal(
		db_prepare(db, "INSERT INTO t (id, i, d, s, b) VALUES (?, ?, ?, ?, ?)", &st), 0);
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		assert_int_equal(db_bind_int(st, 1, (int64_t)i + 1), 0);
		assert_int_equal(db_bind_int(st, 2, ints[i]), 0);
		assert_int_equal(db_bind_double(st, 3, dbls[i]), 0);
		assert_int_equal(db_bind_text(st, 4, i == 0 ? utf8 : ""), 0);
		assert_int_equal(db_bind_blob(st, 5, blob, i == 0 ? sizeof(blob) : 0), 0);
		assert_int_equal(db_step(st), DB_DONE);
		assert_int_equal(db_changes(db), 1);
		assert_int_equal(db_reset(st), 0);
	}
	/* Row 6: NULL through each route. */
	assert_int_equal(db_bind_int(st, 1, 6), 0);
	assert_int_equal(db_bind_null(st, 2), 0);
	assert_int_equal(db_bind_null(st, 3), 0);
	assert_int_equal(db_bind_text(st, 4, NULL), 0);
	assert_int_equal(db_bind_blob(st, 5, NULL, 0), 0);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_bind_blob(st, 5, NULL, 3), E_INVAL);
	db_finalize(st);
	st = NULL;

	assert_int_equal(db_prepare(db, "SELECT id, i, d, s, b FROM t ORDER BY id", &st), 0);
	assert_int_equal(db_column_count(st), 5);
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		assert_int_equal(db_step(st), DB_ROW);
		assert_int_equal(db_column_int(st, 0), (int64_t)i + 1);
		assert_true(db_column_int(st, 1) == ints[i]);
		assert_true(db_column_double(st, 2) == dbls[i]);
		assert_false(db_column_is_null(st, 3));
		assert_string_equal(db_column_text(st, 3), i == 0 ? utf8 : "");
		assert_false(db_column_is_null(st, 4));
		p = db_column_blob(st, 4, &len);
		assert_non_null(p);
		if (i == 0) {
			assert_int_equal(len, sizeof(blob));
			assert_memory_equal(p, blob, sizeof(blob));
		} else {
			assert_int_equal(len, 0);
		}
	}
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 6);
	for (i = 1; i < 5; i++)
		assert_true(db_column_is_null(st, (int)i));
	assert_int_equal(db_column_int(st, 1), 0);
	assert_true(db_column_double(st, 2) == 0.0);
	assert_null(db_column_text(st, 3));
	len = 99;
	assert_null(db_column_blob(st, 4, &len));
	assert_int_equal(len, 0);
	/* Columns that do not exist read as NULL. */
	assert_null(db_column_text(st, 5));
	assert_null(db_column_text(st, -1));
	assert_true(db_column_is_null(st, 5));
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	db_finalize(NULL);
	db_close(db);
}

static void
test_bind_utf8_length(void **state)
{
	/* 4-byte UTF-8 and a long text survive unchanged. */
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;
	char big[70000];

	memset(big, 'x', sizeof(big) - 5);
	memcpy(big + sizeof(big) - 5, "\xf0\x9f\x94\x91", 5);
	assert_int_equal(db_prepare(db, "INSERT INTO t (id, s) VALUES (1, ?)", &st), 0);
	assert_int_equal(db_bind_text(st, 1, big), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	assert_int_equal(db_prepare(db, "SELECT s FROM t WHERE id = 1", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), big);
	db_finalize(st);
	db_close(db);
}

/* ------------------------------------------------------------------ times */

static void
insert_time(db_t *db, int64_t id, time_t v)
{
	db_stmt_t *st = NULL;

	assert_int_equal(db_prepare(db, "INSERT INTO t (id, ts) VALUES (?, ?)", &st), 0);
	assert_int_equal(db_bind_int(st, 1, id), 0);
	assert_int_equal(db_bind_time(st, 2, v), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
}

static void
test_time_round_trip(void **state)
{
	static const time_t times[] = {
		0,
		1,
		1700000000,
		951782400 /* 2000-02-29 */,
		-86400 * 365,
		(time_t)253402300799LL /* 9999-12-31 23:59:59 */,
		(time_t)-62167219200LL /* 0000-01-01 00:00:00 */,
	};
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;
	time_t got;
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		insert_time(db, (int64_t)i + 1, times[i]);
	assert_int_equal(db_prepare(db, "SELECT ts FROM t ORDER BY id", &st), 0);
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		assert_int_equal(db_step(st), DB_ROW);
		got = 12345;
		assert_int_equal(db_column_time(st, 0, &got), 0);
		assert_int_equal((int64_t)got, (int64_t)times[i]);
	}
	db_finalize(st);

	/* Outside 0000..9999 does not fit the text form. */
	assert_int_equal(db_prepare(db, "INSERT INTO t (id, ts) VALUES (99, ?)", &st), 0);
	assert_int_equal(db_bind_time(st, 1, (time_t)253402300800LL), E_RANGE);
	assert_int_equal(db_bind_time(st, 1, (time_t)-62167219201LL), E_RANGE);
	db_finalize(st);
	db_close(db);
}

static void
test_time_stored_as_utc(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;
	char *old = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;
	time_t got = 0;

	/* A zone far from UTC, given as a POSIX rule so no zoneinfo is needed. */
	assert_int_equal(setenv("TZ", "XST+09:30XDT,M3.2.0,M11.1.0", 1), 0);
	tzset();
	insert_time(db, 1, (time_t)1700000000); /* 2023-11-14 22:13:20 UTC */
	insert_time(db, 2, (time_t)1689000000); /* 2023-07-10 14:40:00 UTC, summer */
	assert_int_equal(db_prepare(db, "SELECT ts FROM t ORDER BY id", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "2023-11-14 22:13:20");
	assert_int_equal(db_column_time(st, 0, &got), 0);
	assert_int_equal((int64_t)got, 1700000000);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "2023-07-10 14:40:00");
	assert_int_equal(db_column_time(st, 0, &got), 0);
	assert_int_equal((int64_t)got, 1689000000);
	db_finalize(st);

	if (old != NULL)
		(void)setenv("TZ", old, 1);
	else
		(void)unsetenv("TZ");
	tzset();
	free(old);
	db_close(db);
}

static void
test_time_parse_errors(void **state)
{
	static const char *const bad[] = {
		"2023-11-14T22:13:20",
		"2023-11-14 22:13:20Z",
		"2023-13-01 00:00:00",
		"2023-02-29 00:00:00",
		"2023-04-31 00:00:00",
		"2023-11-14 24:00:00",
		"2023-11-14 23:60:00",
		"2023-11-14 23:59:60",
		"2023-11-14 22:13",
		" 2023-11-14 22:13:20",
		"2023-11-14 22:13:20 ",
		"abc",
		"",
		"2023-1-14 22:13:20",
		"+023-11-14 22:13:20",
		"2023-11-14 22:13:2x",
		"1700000000",
	};
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *ins = NULL, *st = NULL;
	time_t got;
	size_t i;

	assert_int_equal(db_prepare(db, "INSERT INTO t (id, ts) VALUES (?, ?)", &ins), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(db_bind_int(ins, 1, (int64_t)i + 1), 0);
		assert_int_equal(db_bind_text(ins, 2, bad[i]), 0);
		assert_int_equal(db_step(ins), DB_DONE);
		assert_int_equal(db_reset(ins), 0);
	}
	assert_int_equal(db_bind_int(ins, 1, 1000), 0);
	assert_int_equal(db_bind_null(ins, 2), 0);
	assert_int_equal(db_step(ins), DB_DONE);
	db_finalize(ins);

	assert_int_equal(db_prepare(db, "SELECT ts FROM t ORDER BY id", &st), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(db_step(st), DB_ROW);
		got = 4242;
		if (db_column_time(st, 0, &got) != E_PARSE)
			fail_msg("'%s' was accepted as a time", bad[i]);
		assert_int_equal((int64_t)got, 4242);
	}
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_time(st, 0, &got), E_NOTFOUND);
	assert_int_equal((int64_t)got, 4242);
	assert_int_equal(db_column_time(st, 7, &got), E_INVAL);
	db_finalize(st);
	db_close(db);
}

/* ----------------------------------------------------------- placeholders */

static void
test_count_params(void **state)
{
	(void)dbtest_get(state);
	assert_int_equal(db_count_params("SELECT 1"), 0);
	assert_int_equal(db_count_params("SELECT ?"), 1);
	assert_int_equal(db_count_params("SELECT ?, ?,?"), 3);
	assert_int_equal(db_count_params("SELECT '?'"), 0);
	assert_int_equal(db_count_params("SELECT 'it''s ?', ?"), 1);
	assert_int_equal(db_count_params("SELECT \"a?b\", ?"), 1);
	assert_int_equal(db_count_params("SELECT `a?b`, ?"), 1);
	assert_int_equal(db_count_params("-- what? \nSELECT ?"), 1);
	assert_int_equal(db_count_params("SELECT /* ? ' */ ? /* ?"), 1);
	assert_int_equal(db_count_params("SELECT '?"), 0);
	assert_int_equal(db_count_params(NULL), 0);
}

static void
test_bind_index_checks(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;

	assert_int_equal(db_prepare(db, "SELECT '?', ? -- ?", &st), 0);
	assert_int_equal(db_bind_int(st, 0, 1), E_INVAL);
	assert_non_null(strstr(db_errmsg(db), "index"));
	assert_int_equal(db_bind_int(st, 2, 1), E_INVAL);
	assert_int_equal(db_bind_text(st, 2, "x"), E_INVAL);
	assert_int_equal(db_bind_null(st, -1), E_INVAL);
	assert_int_equal(db_bind_double(st, 2, 1.0), E_INVAL);
	assert_int_equal(db_bind_blob(st, 2, "x", 1), E_INVAL);
	assert_int_equal(db_bind_time(st, 2, 0), E_INVAL);
	assert_int_equal(db_bind_text(st, 1, "value"), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "?");
	assert_string_equal(db_column_text(st, 1), "value");
	/* Bindings survive a reset. */
	assert_int_equal(db_reset(st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 1), "value");
	db_finalize(st);
	db_close(db);
}

static void
test_prepare_errors(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = (db_stmt_t *)db; /* must stay untouched */

	assert_int_equal(db_prepare(db, "SELECT 1; SELECT 2", &st), E_INVAL);
	assert_int_equal(db_prepare(db, NULL, &st), E_INVAL);
	assert_int_equal(db_prepare(db, "SELEC 1", &st), DB_E_SQL);
	assert_true(strlen(db_errmsg(db)) > 0);
	assert_int_equal(db_prepare(db, "SELECT nosuchcolumn FROM t", &st), DB_E_SQL);
	assert_ptr_equal(st, (db_stmt_t *)db);
	/* A trailing ';', blanks and a comment are one statement. */
	st = NULL;
	assert_int_equal(db_prepare(db, "SELECT ';' ;  \n-- done\n", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), ";");
	db_finalize(st);
	db_close(db);
}

/* ------------------------------------------------------------ constraints */

static void
test_constraint(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;

	exec_ok(db, "INSERT INTO t (id, u) VALUES (1, 'a')");
	assert_int_equal(db_exec(db, "INSERT INTO t (id, u) VALUES (2, 'a')"), DB_E_CONSTRAINT);
	assert_true(strlen(db_errmsg(db)) > 0);
	assert_int_equal(db_exec(db, "INSERT INTO t (id) VALUES (1)"), DB_E_CONSTRAINT);
	assert_int_equal(db_prepare(db, "INSERT INTO t (id, nn) VALUES (?, ?)", &st), 0);
	assert_int_equal(db_bind_int(st, 1, 3), 0);
	assert_int_equal(db_bind_null(st, 2), 0);
	assert_int_equal(db_step(st), DB_E_CONSTRAINT);
	/* The statement is usable again after the failure. */
	assert_int_equal(db_reset(st), 0);
	assert_int_equal(db_bind_int(st, 2, 7), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 2);
	db_close(db);
}

/* db_constraint() names the unique index a duplicate hit, on every engine. */
static void
test_constraint_names_index(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);

	exec_ok(db, "CREATE UNIQUE INDEX t_ts ON t (ts)");
	exec_ok(db, "CREATE UNIQUE INDEX t_i_nn ON t (i, nn)");
	exec_ok(db, "INSERT INTO t (id, i, ts, u) VALUES (1, 5, 'x', 'a')");
	assert_string_equal(db_constraint(db), "");

	assert_int_equal(db_exec(db, "INSERT INTO t (id, ts) VALUES (2, 'x')"), DB_E_CONSTRAINT);
	assert_string_equal(db_constraint(db), "t_ts");
	assert_int_equal(db_exec(db, "INSERT INTO t (id, i) VALUES (3, 5)"), DB_E_CONSTRAINT);
	assert_string_equal(db_constraint(db), "t_i_nn");
	/* an unnamed UNIQUE column gets a name the engine chose; it is still named */
	assert_int_equal(db_exec(db, "INSERT INTO t (id, u) VALUES (4, 'a')"), DB_E_CONSTRAINT);
	assert_true(strlen(db_constraint(db)) > 0);
	assert_string_not_equal(db_constraint(db), "t_ts");
	assert_string_not_equal(db_constraint(db), "t_i_nn");

	/* a NULL in a NOT NULL column is no unique index */
	assert_int_equal(db_exec(db, "INSERT INTO t (id, ts) VALUES (2, 'x')"), DB_E_CONSTRAINT);
	assert_int_equal(db_exec(db, "INSERT INTO t (id, nn) VALUES (5, NULL)"), DB_E_CONSTRAINT);
	assert_string_equal(db_constraint(db), "");
	/* nor is any other failure, which clears what the last one named */
	assert_int_equal(db_exec(db, "INSERT INTO t (id, ts) VALUES (2, 'x')"), DB_E_CONSTRAINT);
	assert_int_not_equal(db_exec(db, "SELECT nosuch FROM t"), 0);
	assert_string_equal(db_constraint(db), "");
	assert_string_equal(db_constraint(NULL), "");
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 1);
	db_close(db);
}

static void
test_exec(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);

	exec_ok(db, "CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER);\n"
		    "INSERT INTO a VALUES (1); INSERT INTO b VALUES (2); -- rows\n"
		    "SELECT * FROM a;");
	assert_int_equal(dbtest_query_int(db, "SELECT x FROM a"), 1);
	assert_int_equal(dbtest_query_int(db, "SELECT y FROM b"), 2);
	assert_int_equal(db_exec(db, "CREATE TABLE a (x INTEGER)"), DB_E_SQL);
	assert_true(strlen(db_errmsg(db)) > 0);
	assert_int_equal(db_exec(db, "this is not sql"), DB_E_SQL);
	assert_int_equal(db_exec(db, NULL), E_INVAL);
	db_close(db);
}

static void
test_changes(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);

	exec_ok(db, "INSERT INTO t (id, i) VALUES (1, 1)");
	exec_ok(db, "INSERT INTO t (id, i) VALUES (2, 1)");
	exec_ok(db, "INSERT INTO t (id, i) VALUES (3, 2)");
	assert_int_equal(db_changes(db), 1);
	exec_ok(db, "UPDATE t SET d = 1.0 WHERE i = 1");
	assert_int_equal(db_changes(db), 2);
	exec_ok(db, "DELETE FROM t");
	assert_int_equal(db_changes(db), 3);
	exec_ok(db, "DELETE FROM t");
	assert_int_equal(db_changes(db), 0);
	db_close(db);
}

/* ----------------------------------------------------------- transactions */

/* db_statements() counts executions, not rows or prepares. */
static void
test_statement_count(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	db_stmt_t *st = NULL;
	uint64_t n0;

	exec_ok(db, "INSERT INTO t (id, i) VALUES (1, 1)");
	exec_ok(db, "INSERT INTO t (id, i) VALUES (2, 1)");
	n0 = db_statements(db);
	assert_int_equal(db_prepare(db, "SELECT id FROM t ORDER BY id", &st), 0);
	assert_int_equal(db_statements(db), n0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_statements(db), n0 + 1);
	assert_int_equal(db_reset(st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_statements(db), n0 + 2);
	db_finalize(st);
	exec_ok(db, "DELETE FROM t");
	assert_int_equal(db_statements(db), n0 + 3);
	assert_int_equal(db_statements(NULL), 0);
	db_close(db);
}

static void
test_transactions(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);

	assert_int_equal(db_rollback(db), 0); /* none open: fine */
	assert_int_equal(db_commit(db), DB_E_MISUSE);

	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_true(db_in_transaction(db));
	assert_int_equal(db_begin(db, DB_TXN_READ), DB_E_MISUSE);
	exec_ok(db, "INSERT INTO t (id) VALUES (1)");
	assert_int_equal(db_commit(db), 0);
	assert_false(db_in_transaction(db));

	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	exec_ok(db, "INSERT INTO t (id) VALUES (2)");
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 2);
	assert_int_equal(db_rollback(db), 0);
	assert_false(db_in_transaction(db));
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 1);

	assert_int_equal(db_begin(db, DB_TXN_READ), 0);
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 1);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(db_begin(db, (enum db_txn)7), E_INVAL);
	db_close(db);
}

static void
test_close_rolls_back(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);

	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	exec_ok(db, "INSERT INTO t (id) VALUES (1)");
	db_close(db);
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 0);
	db_close(db);
}

struct txn_probe {
	int runs;
	int busy_first; /* return DB_E_BUSY on this many first runs */
	int fail_with;  /* then return this */
};

static int
insert_run(db_t *db, void *arg)
{
	struct txn_probe *p = arg;
	db_stmt_t *st = NULL;
	int rc;

	p->runs++;
	assert_true(db_in_transaction(db));
	rc = db_prepare(db, "INSERT INTO t (id) VALUES (?)", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, p->runs);
	if (rc == 0)
		rc = db_step(st);
	db_finalize(st);
	if (rc < 0)
		return rc;
	if (p->runs <= p->busy_first)
		return db_set_error(db, DB_E_BUSY, "pretend contention, run %d", p->runs);
	return p->fail_with;
}

static void
test_transact(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	struct txn_probe p = { 0, 0, 0 };

	/* Commits. */
	assert_int_equal(db_transact(db, DB_TXN_WRITE, insert_run, &p), 0);
	assert_int_equal(p.runs, 1);
	assert_false(db_in_transaction(db));
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t WHERE id = 1"), 1);

	/* Any failure but BUSY rolls back at once, with the message of fn. */
	exec_ok(db, "DELETE FROM t");
	p = (struct txn_probe){ 0, 0, E_INVAL };
	(void)db_set_error(db, E_INVAL, "from fn");
	assert_int_equal(db_transact(db, DB_TXN_WRITE, insert_run, &p), E_INVAL);
	assert_int_equal(p.runs, 1);
	assert_false(db_in_transaction(db));
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 0);

	/* BUSY: rolled back and run again; only the last run's row stays. */
	p = (struct txn_probe){ 0, 2, 0 };
	assert_int_equal(db_transact(db, DB_TXN_WRITE, insert_run, &p), 0);
	assert_int_equal(p.runs, 3);
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 1);
	assert_int_equal(dbtest_query_int(db, "SELECT id FROM t"), 3);

	/* Not inside another transaction. */
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	p = (struct txn_probe){ 0, 0, 0 };
	assert_int_equal(db_transact(db, DB_TXN_WRITE, insert_run, &p), DB_E_MISUSE);
	assert_int_equal(p.runs, 0);
	assert_int_equal(db_rollback(db), 0);
	db_close(db);
}

/*
 * BUSY for ever: db_transact() gives up after its patience (retry_ms), with
 * one message that says so and keeps the engine's last word.
 */
static void
test_transact_gives_up(void **state)
{
	struct dbtest *t = dbtest_get(state);
	struct txn_probe p = { 0, 1 << 30, 0 };
	db_t *db;

	t->cfg.retry_ms = 200;
	db = open_with_table(t);
	t->cfg.retry_ms = 0;
	assert_int_equal(db_transact(db, DB_TXN_WRITE, insert_run, &p), DB_E_BUSY);
	assert_true(p.runs > 1);
	assert_false(db_in_transaction(db));
	assert_non_null(strstr(db_errmsg(db), "gave up after "));
	assert_non_null(strstr(db_errmsg(db), "ms of retries"));
	assert_non_null(strstr(db_errmsg(db), "last error: pretend contention, run "));
	assert_int_equal(dbtest_query_int(db, "SELECT COUNT(*) FROM t"), 0);
	db_close(db);
}

static int
bump_ten(db_t *db, void *arg)
{
	int *runs = arg;

	(*runs)++;
	return db_exec(db, "UPDATE t SET i = i + 10 WHERE id = 1");
}

/*
 * Real contention: a child process holds a write transaction on row 1 for
 * HOLD_MS. Our connection waits only 50 ms for a lock (lock_timeout_ms), so
 * a single attempt fails with DB_E_BUSY (checked first), and db_transact()
 * must get through by retrying. Both updates must land.
 */
#define HOLD_MS 600

static void
test_transact_retries_under_contention(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = open_with_table(t);
	int tochild[2], fromchild[2], status, runs = 0, rc;
	int64_t held_at, took;
	pid_t pid;

	exec_ok(db, "INSERT INTO t (id, i) VALUES (1, 0)");
	db_close(db);
	db = NULL;
	assert_int_equal(pipe(tochild), 0);
	assert_int_equal(pipe(fromchild), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		db_t *c = NULL;
		int ok;

		(void)close(tochild[1]);
		(void)close(fromchild[0]);
		ok = db_open(&t->cfg, &c, NULL, 0) == 0 && db_begin(c, DB_TXN_WRITE) == 0 &&
		     db_exec(c, "UPDATE t SET i = i + 1 WHERE id = 1") == 0;
		(void)dbtest_send(fromchild[1], ok ? 'H' : 'E');
		dbtest_sleep_ms(HOLD_MS);
		ok = ok && db_commit(c) == 0;
		db_close(c);
		_exit(ok ? 0 : 1);
	}
	(void)close(tochild[0]);
	(void)close(fromchild[1]);

	t->cfg.lock_timeout_ms = 50;
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(dbtest_recv(fromchild[0], 10000), 'H');
	held_at = dbtest_now_ms();

	/* One attempt alone fails: the lock timeout really is short. */
	rc = db_begin(db, DB_TXN_WRITE);
	if (rc == 0)
		rc = db_exec(db, "UPDATE t SET i = i + 100 WHERE id = 1");
	assert_int_equal(rc, DB_E_BUSY);
	assert_int_equal(db_rollback(db), 0);
	assert_true(dbtest_now_ms() - held_at < HOLD_MS);

	rc = db_transact(db, DB_TXN_WRITE, bump_ten, &runs);
	took = dbtest_now_ms() - held_at;
	if (rc != 0)
		print_error("db_transact: %s\n", db_errmsg(db));
	assert_int_equal(rc, 0);
	assert_true(runs >= 1);
	assert_true(took >= HOLD_MS - 100);

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(dbtest_query_int(db, "SELECT i FROM t WHERE id = 1"), 11);
	(void)close(tochild[1]);
	(void)close(fromchild[0]);
	db_close(db);
}

/* ---------------------------------------------------------- advisory locks */

static void
test_lock_names(void **state)
{
	static const char *const bad[] = {
		"", "Enforcer", "a b", "../x", "x/y", "na.me", "x\n", "\xc3\xa9",
		"0123456789012345678901234567890123456789012345678", /* 49 */
	};
	struct dbtest *t = dbtest_get(state);
	db_t *db = NULL;
	size_t i;

	assert_int_equal(dbtest_open(t, &db), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (db_lock(db, bad[i], 0) != E_INVAL)
			fail_msg("lock name '%s' was accepted", bad[i]);
	}
	assert_int_equal(db_lock(db, NULL, 0), E_INVAL);
	assert_int_equal(db_unlock(db, "BAD"), E_INVAL);
	assert_int_equal(db_lock(db, "ok", -1), E_INVAL);
	assert_int_equal(db_lock(db, "012345678901234567890123456789012345678901234567", 0), 0);
	assert_int_equal(db_lock(db, "a-z_0-9", 0), 0);
	assert_int_equal(db_unlock(db, "a-z_0-9"), 0);
	db_close(db);
}

static void
test_lock_two_handles(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *a = NULL, *b = NULL;

	assert_int_equal(dbtest_open(t, &a), 0);
	assert_int_equal(dbtest_open(t, &b), 0);
	assert_int_equal(db_lock(a, "enforcer", 0), 0);
	assert_int_equal(db_lock(a, "enforcer", 0), DB_E_MISUSE);
	assert_int_equal(db_lock(b, "enforcer", 0), DB_E_LOCKED);
	assert_non_null(strstr(db_errmsg(b), "enforcer"));
	/* Other names are independent. */
	assert_int_equal(db_lock(b, "other", 0), 0);
	assert_int_equal(db_lock(a, "other", 0), DB_E_LOCKED);
	assert_int_equal(db_unlock(b, "enforcer"), DB_E_MISUSE);
	assert_int_equal(db_unlock(a, "enforcer"), 0);
	assert_int_equal(db_unlock(a, "enforcer"), DB_E_MISUSE);
	assert_int_equal(db_lock(b, "enforcer", 0), 0);
	/* Closing releases everything the handle held. */
	db_close(b);
	assert_int_equal(db_lock(a, "enforcer", 0), 0);
	assert_int_equal(db_lock(a, "other", 0), 0);
	db_close(a);
}

/*
 * The child takes the lock, says 'L', and then on 'u' releases it and says
 * 'U'; on 'q' (or EOF) it exits. With hold_ms > 0 it instead waits for 'w'
 * and releases by itself hold_ms after that, so a parent that reads its
 * clock before sending 'w' knows the lock cannot be free sooner than
 * hold_ms later, however slowly either side runs. Call it while the parent
 * has no connection
 * open: an engine's client state must not be carried across fork().
 */
static pid_t
spawn_holder(struct dbtest *t, const char *name, int hold_ms, int *to, int *from)
{
	int tochild[2], fromchild[2];
	pid_t pid;

	assert_int_equal(pipe(tochild), 0);
	assert_int_equal(pipe(fromchild), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		db_t *c = NULL;
		int cmd;

		(void)close(tochild[1]);
		(void)close(fromchild[0]);
		if (db_open(&t->cfg, &c, NULL, 0) != 0 || db_lock(c, name, 0) != 0) {
			(void)dbtest_send(fromchild[1], 'E');
			_exit(1);
		}
		(void)dbtest_send(fromchild[1], 'L');
		if (hold_ms > 0 && dbtest_recv(tochild[0], 30000) == 'w') {
			dbtest_sleep_ms(hold_ms);
			(void)db_unlock(c, name);
			(void)dbtest_send(fromchild[1], 'U');
		}
		while ((cmd = dbtest_recv(tochild[0], 30000)) == 'u') {
			(void)db_unlock(c, name);
			(void)dbtest_send(fromchild[1], 'U');
		}
		db_close(c);
		_exit(0);
	}
	(void)close(tochild[0]);
	(void)close(fromchild[1]);
	*to = tochild[1];
	*from = fromchild[0];
	assert_int_equal(dbtest_recv(*from, 10000), 'L');
	return pid;
}

static void
reap(pid_t pid, int to, int from)
{
	int status;

	(void)dbtest_send(to, 'q');
	(void)close(to);
	(void)close(from);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void
test_lock_two_processes(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = NULL;
	int to, from;
	pid_t pid;

	pid = spawn_holder(t, "enforcer", 0, &to, &from);
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(db_lock(db, "enforcer", 0), DB_E_LOCKED);
	assert_int_equal(dbtest_send(to, 'u'), 0);
	assert_int_equal(dbtest_recv(from, 10000), 'U');
	assert_int_equal(db_lock(db, "enforcer", 0), 0);
	reap(pid, to, from);
	db_close(db);
}

static void
test_lock_dies_with_holder(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = NULL;
	int to, from, status;
	pid_t pid;

	pid = spawn_holder(t, "enforcer", 0, &to, &from);
	assert_int_equal(dbtest_open(t, &db), 0);
	assert_int_equal(db_lock(db, "enforcer", 0), DB_E_LOCKED);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	/* A server frees the lock once it notices the dead session, a moment later. */
	assert_int_equal(db_lock(db, "enforcer", 2000), 0);
	(void)close(to);
	(void)close(from);
	db_close(db);
}

static void
test_lock_wait(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = NULL;
	int64_t start, took;
	int to, from;
	pid_t pid;

	/* A short wait runs out while the holder keeps it. */
	pid = spawn_holder(t, "leader", 0, &to, &from);
	assert_int_equal(dbtest_open(t, &db), 0);
	start = dbtest_now_ms();
	assert_int_equal(db_lock(db, "leader", 150), DB_E_LOCKED);
	took = dbtest_now_ms() - start;
	assert_true(took >= 150);
	reap(pid, to, from);
	db_close(db);

	/*
	 * A long wait succeeds once the holder lets go, 300 ms after it is
	 * told to: the clock starts before the word, so no delay in starting
	 * the wait (a slow connect under a sanitizer) can eat into it.
	 */
	pid = spawn_holder(t, "leader", 300, &to, &from);
	assert_int_equal(dbtest_open(t, &db), 0);
	start = dbtest_now_ms();
	assert_int_equal(dbtest_send(to, 'w'), 0);
	assert_int_equal(db_lock(db, "leader", 10000), 0);
	took = dbtest_now_ms() - start;
	assert_true(took >= 300);
	reap(pid, to, from);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_close, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_open_bad_arguments, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_nodriver_message, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_bind_types, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_bind_utf8_length, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_time_round_trip, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_time_stored_as_utc, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_time_parse_errors, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_count_params, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_bind_index_checks, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_prepare_errors, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_constraint, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_constraint_names_index, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_exec, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_changes, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_statement_count, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_transactions, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_close_rolls_back, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_transact, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_transact_gives_up, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_transact_retries_under_contention, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_lock_names, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_lock_two_handles, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_lock_two_processes, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(
			test_lock_dies_with_holder, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_lock_wait, dbtest_setup, dbtest_teardown),
	};
	int rc = dbtest_start(NULL);

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
