/*
 * dbtest.c - fixtures of the database tests (see dbtest.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "db/db.h"
#include "tests/db/dbtest.h"
#include "tools/conninfo.h"

/* Databases made by this process so far: their names are kt_<pid>_<n>. */
static unsigned created;

const char *
dbtest_backend(void)
{
	const char *b = getenv("ODS_TEST_BACKEND");

	return b != NULL && b[0] != '\0' ? b : "sqlite";
}

static int
make_tempdir(struct dbtest *t)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if ((size_t)snprintf(t->dir, sizeof(t->dir), "%s/dbtest.XXXXXX", base) >= sizeof(t->dir))
		return -1;
	if (mkdtemp(t->dir) == NULL) {
		print_error("mkdtemp %s: %s\n", t->dir, strerror(errno));
		t->dir[0] = '\0';
		return -1;
	}
	return 0;
}

/* The environment variable naming the server of a server backend. */
static const char *
server_env(enum db_backend backend)
{
	return backend == DB_BACKEND_PGSQL ? "ODS_TEST_PGSQL" : "ODS_TEST_MYSQL";
}

/* NULL when the backend can run here, else why not. */
static const char *
unavailable(const char *b)
{
	enum db_backend backend;
	const char *env;

	if (strcmp(b, "sqlite") == 0)
		return NULL;
	if (strcmp(b, "pgsql") == 0)
		backend = DB_BACKEND_PGSQL;
	else if (strcmp(b, "mysql") == 0)
		backend = DB_BACKEND_MYSQL;
	else
		return "unknown";
	if (!db_backend_available(backend))
		return backend == DB_BACKEND_PGSQL ? "the PostgreSQL driver is not built"
						   : "the MySQL driver is not built";
	env = getenv(server_env(backend));
	if (env == NULL || env[0] == '\0')
		return backend == DB_BACKEND_PGSQL ? "ODS_TEST_PGSQL is not set"
						   : "ODS_TEST_MYSQL is not set";
	return NULL;
}

/*
 * Run one statement on the server's own database (the one the connection
 * string names): CREATE or DROP DATABASE of a test database.
 */
static int
admin_exec(const struct db_config *server, const char *sql)
{
	char err[512] = "";
	db_t *db = NULL;
	int rc;

	rc = db_open(server, &db, err, sizeof(err));
	if (rc != 0) {
		print_error("db_open (admin): %s (%s)\n", err, err_str(rc));
		return rc;
	}
	if (server->backend == DB_BACKEND_MYSQL) {
		/* A connection a failed test left open must not stall the drop for long. */
		(void)db_exec(db, "SET SESSION lock_wait_timeout = 20");
	}
	rc = db_exec(db, sql);
	if (rc != 0)
		print_error("%s: %s (%s)\n", sql, db_errmsg(db), err_str(rc));
	db_close(db);
	return rc;
}

/* Create the test's own database on the server and point t->cfg at it. */
static int
server_setup(struct dbtest *t, enum db_backend backend)
{
	const char *env = getenv(server_env(backend));
	char sql[160];
	int rc;

	rc = conninfo_parse(env, backend, &t->server, &t->conninfo);
	if (rc != 0) {
		print_error("%s: cannot parse '%s'\n", server_env(backend), env);
		return -1;
	}
	(void)snprintf(t->dbname, sizeof(t->dbname), "kt_%ld_%u", (long)getpid(), ++created);
	(void)snprintf(sql, sizeof(sql), "CREATE DATABASE %s", t->dbname);
	if (admin_exec(&t->server, sql) != 0) {
		t->dbname[0] = '\0';
		return -1;
	}
	t->cfg = t->server;
	t->cfg.database = t->dbname;
	return 0;
}

static void
server_teardown(struct dbtest *t)
{
	char sql[160];

	if (t->dbname[0] == '\0')
		return;
	if (t->server.backend == DB_BACKEND_PGSQL)
		(void)snprintf(
			sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->dbname);
	else
		(void)snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", t->dbname);
	(void)admin_exec(&t->server, sql);
	t->dbname[0] = '\0';
}

int
dbtest_start(const char *only)
{
	const char *b = dbtest_backend();
	const char *why = unavailable(b);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (why != NULL && strcmp(why, "unknown") == 0) {
		printf("Bail out! ODS_TEST_BACKEND=%s: expected sqlite, pgsql or mysql\n", b);
		return 1;
	}
	if (why != NULL) {
		printf("1..0 # SKIP backend %s: %s\n", b, why);
		return 0;
	}
	if (only != NULL && strcmp(only, b) != 0) {
		printf("1..0 # SKIP only for backend %s (testing %s)\n", only, b);
		return 0;
	}
	return -1;
}

int
dbtest_setup(void **state)
{
	struct dbtest *t;
	const char *b = dbtest_backend();

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -1;
	t->owner = getpid();
	if (make_tempdir(t) != 0) {
		free(t);
		return -1;
	}
	if (strcmp(b, "sqlite") == 0) {
		(void)snprintf(t->path, sizeof(t->path), "%s/test.db", t->dir);
		t->cfg.backend = DB_BACKEND_SQLITE;
		t->cfg.path = t->path;
		t->cfg.create = 1;
	} else if (strcmp(b, "pgsql") == 0 || strcmp(b, "mysql") == 0) {
		if (server_setup(t,
			    strcmp(b, "pgsql") == 0 ? DB_BACKEND_PGSQL : DB_BACKEND_MYSQL) != 0) {
			free(t->conninfo);
			(void)rmdir(t->dir);
			free(t);
			return -1;
		}
	} else {
		print_error("ODS_TEST_BACKEND=%s: no fixture for this backend\n", b);
		(void)rmdir(t->dir);
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
chmod_dirs(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		(void)chmod(path, 0700);
	return 0;
}

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

int
dbtest_teardown(void **state)
{
	struct dbtest *t = *state;

	if (t == NULL)
		return 0;
	/* A forked child must not drop the database its parent still uses. */
	if (t->owner == getpid())
		server_teardown(t);
	free(t->conninfo);
	if (t->dir[0] != '\0') {
		/* Tests make directories read-only; give them back before removing. */
		(void)nftw(t->dir, chmod_dirs, 16, FTW_PHYS);
		(void)nftw(t->dir, remove_entry, 16, FTW_PHYS | FTW_DEPTH);
	}
	free(t);
	*state = NULL;
	return 0;
}

struct dbtest *
dbtest_get(void **state)
{
	struct dbtest *t = *state;

	assert_non_null(t);
	return t;
}

int
dbtest_open(struct dbtest *t, db_t **out)
{
	char err[512] = "";
	int rc;

	rc = db_open(&t->cfg, out, err, sizeof(err));
	if (rc != 0)
		print_error("db_open: %s (%s)\n", err, err_str(rc));
	return rc;
}

int
dbtest_create_table(db_t *db)
{
	const char *dialect = db_dialect(db);
	const char *sql;

	if (strcmp(dialect, "pgsql") == 0)
		sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, "
		      "s TEXT, b BYTEA, ts VARCHAR(32), u VARCHAR(64) UNIQUE, "
		      "nn INTEGER NOT NULL DEFAULT 0)";
	else if (strcmp(dialect, "mysql") == 0)
		sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE, "
		      "s LONGTEXT, b LONGBLOB, ts VARCHAR(32), u VARCHAR(64) UNIQUE, "
		      "nn INTEGER NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
	else
		sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, "
		      "s TEXT, b BLOB, ts VARCHAR(32), u VARCHAR(64) UNIQUE, "
		      "nn INTEGER NOT NULL DEFAULT 0)";
	return db_exec(db, sql);
}

int64_t
dbtest_query_int(db_t *db, const char *sql)
{
	db_stmt_t *st = NULL;
	int64_t v = -1;

	if (db_prepare(db, sql, &st) != 0)
		goto out;
	if (db_step(st) != DB_ROW)
		goto out;
	v = db_column_int(st, 0);
out:
	db_finalize(st);
	return v;
}

int64_t
dbtest_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
dbtest_sleep_ms(int ms)
{
	struct timespec req = { ms / 1000, (long)(ms % 1000) * 1000000L }, rem;

	while (nanosleep(&req, &rem) != 0 && errno == EINTR)
		req = rem;
}

int
dbtest_send(int fd, char c)
{
	ssize_t n;

	do {
		n = write(fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

int
dbtest_recv(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned char c;
	ssize_t n;
	int r;

	do {
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	do {
		n = read(fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? c : -1;
}

int
dbtest_count_prefixed(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	(void)closedir(d);
	return n;
}
