/*
 * dbtest.h - what the database tests share: a fresh, empty database per
 * test on the backend that ODS_TEST_BACKEND names (see tests/db/README).
 *
 * Use from cmocka tests only. cmocka 1.1's skip() prints "not ok # SKIP",
 * which automake's TAP driver counts as a failure, so a program whose
 * backend cannot run here skips as a whole with a "1..0 # SKIP" plan:
 *
 *	int rc = dbtest_start(NULL);
 *	if (rc >= 0)
 *		return rc;       (skipped: 0, or a bad ODS_TEST_BACKEND: 1)
 *	return cmocka_run_group_tests(...);
 */
#ifndef TESTS_DB_DBTEST_H
#define TESTS_DB_DBTEST_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "db/db.h"

struct dbtest {
	char dir[1024];       /* this test's own temp dir, removed afterwards */
	char path[1100];      /* SQLite: the database file in dir */
	struct db_config cfg; /* connects to this test's database */
	/*
	 * Server backends: each test gets a database kt_<pid>_<n> of its own,
	 * created through a connection to the database the connection string
	 * names (ODS_TEST_PGSQL / ODS_TEST_MYSQL, see tools/conninfo.h) and
	 * dropped again in teardown.
	 */
	struct db_config server; /* the server's own database */
	char dbname[64];         /* this test's database; "" for SQLite */
	char *conninfo;          /* storage behind the strings of server and cfg */
	pid_t owner;             /* the process that made the fixture */
};

/* cmocka group setup / teardown: create the database and the temp dir, drop both. */
int dbtest_setup(void **state);
int dbtest_teardown(void **state);

/*
 * Call first in main(): sets stdout line-buffered and checks the backend.
 * Returns -1 when the tests can run; otherwise it has printed a TAP plan
 * that skips the program (returns 0) or a "Bail out!" (returns 1). A
 * program that needs one backend passes its name as only (else NULL).
 */
int dbtest_start(const char *only);

/* The fixture of a test. */
struct dbtest *dbtest_get(void **state);

/* "sqlite", "pgsql" or "mysql": the backend under test. */
const char *dbtest_backend(void);

/*
 * Open a connection to the test's database. Returns db_open()'s code and
 * prints its message on failure (for the test log).
 */
int dbtest_open(struct dbtest *t, db_t **out);

/*
 * Create table t of the conformance tests in the dialect of db:
 *   t(id integer primary key, i 64-bit integer, d double, s text, b blob,
 *     ts varchar(32), u varchar(64) unique, nn integer not null default 0)
 * (ts is wider than a time so that malformed times longer than one fit; s
 * holds 64 KiB and more on every engine)
 */
int dbtest_create_table(db_t *db);

/* The integer in the first column of the first row of sql, or -1 on any failure. */
int64_t dbtest_query_int(db_t *db, const char *sql);

/* Milliseconds of a monotonic clock. */
int64_t dbtest_now_ms(void);

/* How many entries of directory dir have a name starting with prefix. */
int dbtest_count_prefixed(const char *dir, const char *prefix);

/* Sleep ms milliseconds. */
void dbtest_sleep_ms(int ms);

/*
 * Pipe helpers for tests that fork: write one byte; read one byte waiting
 * at most timeout_ms (returns the byte, or -1 on timeout, EOF or error).
 */
int dbtest_send(int fd, char c);
int dbtest_recv(int fd, int timeout_ms);

#endif
