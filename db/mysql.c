/*
 * mysql.c - the MySQL/MariaDB driver, on MariaDB Connector/C (libmariadb):
 * transactions, advisory locks, maintenance and the driver's table here;
 * errors and connecting in mysql_conn.c, statements in mysql_stmt.c.
 *
 * mysql_internal.h and mysql_api.h are the only files of the project that
 * include mysql.h. Choices worth knowing:
 *
 *  - Session: utf8mb4; time_zone '+00:00', so TIMESTAMP columns (what 1.4
 *    databases have) read and write our canonical UTC text; autocommit on;
 *    innodb_lock_wait_timeout from lock_timeout_ms. sql_mode (see
 *    SESSION_SQL_MODE in mysql_conn.c) makes MySQL read SQL text the way
 *    SQLite, PostgreSQL and db.c's placeholder scanner do.
 *  - CLIENT_FOUND_ROWS: db_changes() counts the rows an UPDATE matched, not
 *    only those whose value really changed, as SQLite and PostgreSQL count
 *    them. A caller that checks "exactly one row" after setting a column to
 *    the value it already has is not misled into seeing a missing row.
 *  - Statements are server-side prepared; every result is buffered on the
 *    client (mysql_stmt_store_result), so a caller may run other statements
 *    on the handle while it walks the rows of a SELECT, as with SQLite.
 *  - Transactions: WRITE is SERIALIZABLE (InnoDB then turns plain SELECTs
 *    into shared-locking reads, so a read-modify-write cannot lose an
 *    update: the loser gets a deadlock or lock wait timeout, DB_E_BUSY, and
 *    db_transact() runs it again). READ is a REPEATABLE READ consistent
 *    snapshot declared READ ONLY: db.h says a read transaction intends no
 *    writes, and a write slipped into one would run without the protection
 *    of SERIALIZABLE, so it fails loudly (DB_E_READONLY) instead.
 *  - A lost connection: inside a transaction every call fails with
 *    DB_E_CONNECT until the caller rolls back (the server has rolled back
 *    already). Outside one, the next call reconnects (same settings, the
 *    session set up again) and statements are prepared again on first use.
 *    A statement is run again by itself only when it surely did not reach
 *    the server (CR_SERVER_GONE_ERROR) or only reads; "lost during query"
 *    after a write is reported, since the write may have happened. Before
 *    each round trip outside a transaction the idle socket is checked, so a
 *    connection the server closed meanwhile (KILL, wait_timeout, restart) is
 *    replaced before anything is sent on it.
 *  - Advisory locks are GET_LOCK() locks, which belong to the server
 *    session: a handle that holds one never reconnects by itself, as the
 *    lock went with the old session and the caller must learn that. After
 *    a loss, db_unlock() of the held names (or db_close()) clears the way.
 *
 * All of it follows the ownership rules of driver.h: the handle owns its
 * statements' buffers; column text is borrowed until the next step, reset
 * or finalize.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/dump.h"
#include "db/mysql_internal.h"
#include "db/util.h"

/* Server-side names of our advisory locks: PREFIX<database>:<name>, at most 64 chars. */
#define LOCK_PREFIX "kasp-enforcer:"
#define SERVER_LOCK_MAX 64

/* ----------------------------------------------------------- transactions */

static int
my_begin(db_t *db, enum db_txn kind)
{
	conn_of(db)->txn_aborted = 0;
	/* SET TRANSACTION (without SESSION) applies to the next transaction only. */
	if (kind == DB_TXN_WRITE)
		return my_run_text(db,
			"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; START TRANSACTION", "begin",
			0);
	return my_run_text(db,
		"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; "
		"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
		"begin", 0);
}

static int
my_commit(db_t *db)
{
	struct conn *c = conn_of(db);
	unsigned err;
	int rc;

	rc = my_conn_ready(db);
	if (rc != 0)
		return rc;
	if (mysql_real_query(c->h, "COMMIT", 6) == 0)
		return my_drain_results(db, c->h, "commit", 0);
	err = mysql_errno(c->h);
	rc = my_fail_conn(db, "commit");
	if (err == CR_SERVER_LOST || err == CR_SERVER_LOST_EXTENDED)
		rc = db_set_error(db, DB_E_CONNECT,
			"connection to %s was lost during COMMIT: the transaction may or may "
			"not have been committed",
			db->location);
	return rc;
}

static int
my_rollback(db_t *db)
{
	struct conn *c = conn_of(db);
	unsigned err;

	c->txn_aborted = 0;
	/* A lost session took its transaction with it: nothing left to undo. */
	if (c->lost)
		return 0;
	if (mysql_real_query(c->h, "ROLLBACK", 8) == 0)
		return my_drain_results(db, c->h, "rollback", 0);
	err = mysql_errno(c->h);
	if (my_is_lost(err)) {
		c->lost = 1;
		return 0;
	}
	return my_fail_conn(db, "rollback");
}

/* ---------------------------------------------------------- advisory locks */

/*
 * GET_LOCK names are server-wide, so ours carry the database name as well:
 * "kasp-enforcer:<database>:<name>". One longer than MySQL's 64 characters
 * keeps its first 47 and ends in '#' and 16 hex digits of a digest of the
 * whole, so it stays unique and readable in the processlist.
 */
static void
server_lock_name(const struct conn *c, const char *name, char *buf, size_t len)
{
	char full[512];
	size_t n;

	n = (size_t)snprintf(full, sizeof(full), LOCK_PREFIX "%s:%s", c->database, name);
	if (n <= SERVER_LOCK_MAX && n < len) {
		memcpy(buf, full, n + 1);
		return;
	}
	(void)snprintf(buf, len, "%.47s#%016llx", full,
		(unsigned long long)db_util_fnv1a64(DB_UTIL_FNV1A64_INIT, full));
}

/*
 * Run a one-row query with an optional text and double parameter; *isnull
 * and *val get the first column. The statement lives on our stack, using
 * the same code paths (and reconnect rules) as the caller's statements.
 */
static int
query_one(db_t *db, const char *sql, const char *text, const double *num, int *isnull, int64_t *val)
{
	db_stmt_t st;
	int rc, idx = 1;

	memset(&st, 0, sizeof(st));
	st.db = db;
	st.nparams = (text != NULL) + (num != NULL);
	rc = my_prepare(db, &st, sql, st.nparams);
	if (rc != 0)
		return rc;
	if (text != NULL)
		rc = my_bind_text(&st, idx++, text, strlen(text));
	if (rc == 0 && num != NULL)
		rc = my_bind_double(&st, idx, *num);
	if (rc == 0)
		rc = my_step(&st);
	if (rc == DB_ROW) {
		*isnull = my_column_is_null(&st, 0);
		*val = my_column_int(&st, 0);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = db_set_error(db, DB_E_SQL, "%s: no row", sql);
	}
	my_finalize(&st);
	return rc;
}

static int
my_lock(db_t *db, const char *name, int wait_ms)
{
	struct conn *c = conn_of(db);
	struct db_held_lock *l = NULL;
	char sname[SERVER_LOCK_MAX + 1];
	double secs = wait_ms / 1000.0;
	int64_t got = 0;
	int isnull = 1, rc;

	rc = db_util_lock_check(db, c->locks, name);
	if (rc == 0)
		rc = db_util_lock_new(db, name, &l);
	if (rc != 0)
		return rc;
	server_lock_name(c, name, sname, sizeof(sname));
	/* MariaDB and MySQL take fractions of a second; 0 tries once. */
	rc = query_one(db, "SELECT GET_LOCK(?, ?)", sname, &secs, &isnull, &got);
	if (rc != 0)
		goto out;
	if (isnull) {
		rc = db_set_error(db, DB_E_SQL, "GET_LOCK('%s') failed", sname);
		goto out;
	}
	if (got != 1) {
		rc = db_set_error(db, DB_E_LOCKED,
			"lock '%s' (%s on %s) is held by another session", name, sname,
			db->location);
		goto out;
	}
	l->next = c->locks;
	c->locks = l;
	l = NULL;
out:
	free(l);
	return rc;
}

static int
my_unlock(db_t *db, const char *name)
{
	struct conn *c = conn_of(db);
	struct db_held_lock **pp, *l;
	char sname[SERVER_LOCK_MAX + 1];
	int64_t got = 0;
	int isnull = 1, rc;

	rc = db_util_lock_find(db, &c->locks, name, &pp);
	if (rc != 0)
		return rc;
	l = *pp;
	server_lock_name(c, name, sname, sizeof(sname));
	/* A lost session took the lock with it; there is nothing to release. */
	if (!c->lost && my_idle_socket_dead(c->h))
		c->lost = 1;
	if (!c->lost) {
		rc = query_one(db, "SELECT RELEASE_LOCK(?)", sname, NULL, &isnull, &got);
		if (rc == DB_E_CONNECT)
			rc = 0;
		else if (rc != 0)
			return rc; /* still held: the caller may try again */
		else if (isnull || got != 1)
			rc = db_set_error(db, DB_E_LOCKED,
				"lock '%s' (%s) was no longer held by this session", name, sname);
	}
	*pp = l->next;
	free(l);
	return rc;
}

/* ------------------------------------------------------------ maintenance */

static int
value_is_on(const char *v)
{
	return v != NULL && v[0] != '\0' && strcasecmp(v, "OFF") != 0 && strcmp(v, "0") != 0;
}

/*
 * Read-only when any of these says so. read_only (replicas) does not stop a
 * user with SUPER / READ_ONLY ADMIN, but the enforcer's user should have
 * neither. super_read_only (MySQL) and transaction_read_only (MySQL 8) may
 * not exist: SHOW VARIABLES simply leaves them out.
 */
static int
my_read_only(db_t *db, int *out)
{
	db_stmt_t st;
	int ro = 0, rc;

	memset(&st, 0, sizeof(st));
	st.db = db;
	rc = my_prepare(db, &st,
		"SHOW VARIABLES WHERE Variable_name IN ('read_only', 'super_read_only', "
		"'innodb_read_only', 'tx_read_only', 'transaction_read_only')",
		0);
	if (rc != 0)
		return rc;
	while ((rc = my_step(&st)) == DB_ROW) {
		if (value_is_on(my_column_text(&st, 1)))
			ro = 1;
	}
	my_finalize(&st);
	if (rc < 0)
		return rc;
	*out = ro;
	return 0;
}

/* Write one option as name="value" with the escapes MySQL option files know. */
static void
put_option(FILE *f, const char *name, const char *value)
{
	const char *p;

	(void)fprintf(f, "%s=\"", name);
	for (p = value; *p != '\0'; p++) {
		switch (*p) {
		case '\\': (void)fputs("\\\\", f); break;
		case '"': (void)fputs("\\\"", f); break;
		case '\'': (void)fputs("\\'", f); break;
		case '\n': (void)fputs("\\n", f); break;
		case '\r': (void)fputs("\\r", f); break;
		case '\t': (void)fputs("\\t", f); break;
		case '\b': (void)fputs("\\b", f); break;
		default: (void)fputc(*p, f); break;
		}
	}
	(void)fputs("\"\n", f);
}

/*
 * The secrets of the dump tool's connection as an option file that has no
 * name and lives only in memory (db_util_secret_fd()), in *fd: the password
 * never appears in argv, the environment or on a disk, even when we are
 * killed.
 */
static int
option_fd(db_t *db, const struct conn *c, int *fd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	f = open_memstream(&buf, &len);
	if (f == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	(void)fputs("[client]\n", f);
	if (c->password != NULL)
		put_option(f, "password", c->password);
	/*
	 * The same TLS as our own connection. MariaDB's clients know --ssl and
	 * --ssl-verify-server-cert, MySQL 8's --ssl-mode: "loose-" skips the other.
	 */
	switch (c->tls) {
	case DB_TLS_DEFAULT: break;
	case DB_TLS_DISABLE: (void)fputs("loose-skip-ssl\nloose-ssl-mode=DISABLED\n", f); break;
	case DB_TLS_REQUIRE:
		(void)fputs("loose-ssl\nloose-skip-ssl-verify-server-cert\n"
			    "loose-ssl-mode=REQUIRED\n",
			f);
		break;
	case DB_TLS_VERIFY_CA:
		(void)fputs("loose-ssl\nloose-skip-ssl-verify-server-cert\n"
			    "loose-ssl-mode=VERIFY_CA\n",
			f);
		break;
	case DB_TLS_VERIFY_FULL:
		(void)fputs("loose-ssl\nloose-ssl-verify-server-cert\n"
			    "loose-ssl-mode=VERIFY_IDENTITY\n",
			f);
		break;
	}
	if (c->tls != DB_TLS_DISABLE) {
		if (c->tls_ca != NULL)
			put_option(f, "ssl-ca", c->tls_ca);
		if (c->tls_cert != NULL) {
			put_option(f, "ssl-cert", c->tls_cert);
			put_option(f, "ssl-key", c->tls_key);
		}
	}
	if (fclose(f) != 0 || buf == NULL) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	rc = db_util_secret_fd(db, buf, len, fd);
out:
	db_util_free_secret(buf);
	return rc;
}

/* 1 when the dump ends as a finished mysqldump/mariadb-dump file does. */
static int
dump_complete(const char *path)
{
	char tail[512];
	struct stat sb;
	ssize_t n;
	off_t from;
	int fd, ok = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) != 0)
		goto out;
	from = sb.st_size > (off_t)sizeof(tail) - 1 ? sb.st_size - (off_t)sizeof(tail) + 1 : 0;
	n = pread(fd, tail, sizeof(tail) - 1, from);
	if (n <= 0)
		goto out;
	tail[n] = '\0';
	ok = strstr(tail, "-- Dump completed") != NULL;
out:
	(void)close(fd);
	return ok;
}

/*
 * mariadb-dump (or mysqldump) of our database: one consistent snapshot
 * (--single-transaction on InnoDB), with routines and triggers, binary
 * data as hex, utf8mb4. The tool is found by absolute path and writes to
 * its stdout: a file we created with mkstemp() beside dest
 * (db_util_backup_begin()), which becomes dest only when the tool succeeded
 * and the file ends with its "Dump completed" trailer.
 *
 * The tool reads only our option file, a memfd it gets as descriptor 3
 * (--defaults-file=/dev/fd/3, which must come first): with
 * --defaults-extra-file a [client] password in the user's ~/.my.cnf, read
 * after it, would win over ours.
 *
 * The dump is kept as the tool writes it. Since the May 2024 releases
 * (10.11.8 and later) MariaDB's first line is a versioned comment holding
 * "M!999999\- enable the sandbox mode", which older MariaDB and all Oracle
 * MySQL command-line clients refuse ("Unknown command '\-'"): restore with
 * a MariaDB client as new, or drop that first line when restoring
 * elsewhere (see the CI recipes, section 2.2).
 */
static int
my_backup(db_t *db, const char *dest)
{
	static const char *const tools[] = { "mariadb-dump", "mysqldump", NULL };
	struct conn *c = conn_of(db);
	struct db_dump d;
	char a_host[600], a_port[32], a_user[600];
	const char *argv[16];
	size_t n = 0;
	int rc, pass_fd = -1;

	rc = db_dump_prepare(db, dest, tools, "mariadb-client", &d);
	if (rc != 0)
		return rc;
	if (c->database[0] == '-')
		return db_set_error(db, E_INVAL,
			"database name '%s' cannot be given to a dump tool", c->database);

	argv[n++] = d.tool;
	argv[n++] = "--defaults-file=/dev/fd/3";
	argv[n++] = "--single-transaction";
	argv[n++] = "--routines";
	argv[n++] = "--triggers";
	argv[n++] = "--no-tablespaces";
	argv[n++] = "--hex-blob";
	argv[n++] = "--default-character-set=utf8mb4";
	if (c->socket != NULL) {
		(void)snprintf(a_host, sizeof(a_host), "--socket=%s", c->socket);
		argv[n++] = a_host;
	} else {
		(void)snprintf(a_host, sizeof(a_host), "--host=%s", c->host);
		(void)snprintf(a_port, sizeof(a_port), "--port=%u", c->port);
		argv[n++] = a_host;
		argv[n++] = a_port;
	}
	if (c->user != NULL) {
		(void)snprintf(a_user, sizeof(a_user), "--user=%s", c->user);
		argv[n++] = a_user;
	}
	argv[n++] = c->database;
	argv[n] = NULL;

	rc = option_fd(db, c, &pass_fd);
	if (rc != 0)
		return rc;
	return db_dump_run(db, &d, argv, NULL, pass_fd, dump_complete);
}

static int
my_check_config(const struct db_config *cfg, char *err, size_t errlen)
{
	return db_util_check_server_config("MySQL", cfg, err, errlen);
}

const struct db_driver db_driver_mysql = {
	.version = DB_DRIVER_VERSION,
	.backend = DB_BACKEND_MYSQL,
	.name = "MySQL",
	.dialect = "mysql",
	.check_config = my_check_config,
	.open = my_open,
	.close = my_close,
	.prepare = my_prepare,
	.bind_int = my_bind_int,
	.bind_text = my_bind_text,
	.bind_blob = my_bind_blob,
	.bind_double = my_bind_double,
	.bind_null = my_bind_null,
	.step = my_step,
	.column_count = my_column_count,
	.column_is_null = my_column_is_null,
	.column_int = my_column_int,
	.column_double = my_column_double,
	.column_text = my_column_text,
	.column_blob = my_column_blob,
	.reset = my_reset,
	.finalize = my_finalize,
	.changes = my_changes,
	.exec = my_exec,
	.begin = my_begin,
	.commit = my_commit,
	.rollback = my_rollback,
	.lock = my_lock,
	.unlock = my_unlock,
	.read_only = my_read_only,
	.backup = my_backup,
};
