/*
 * pgsql.c - the PostgreSQL driver, on libpq: the driver table,
 * transactions, advisory locks and backups. Connections are in
 * pgsql_conn.c, statements in pgsql_stmt.c, the placeholder rewriter in
 * pgsql_params.c; they share pgsql_internal.h, which (with pq_api.h) is the
 * only header of the project that includes libpq-fe.h.
 *
 * Statements. db_prepare() turns each '?' (outside quotes and comments, by
 * the rules of db_count_params()) into $1, $2, ... and makes a named
 * server-side prepared statement ("s<n>", unique per connection), so any
 * number of statements can be alive at once. Values go as text, blobs in
 * binary; results come back as text and are converted when read. The whole
 * result of a statement is fetched by its first db_step().
 *
 * Transactions. DB_TXN_WRITE is SERIALIZABLE: no update is lost whatever
 * the callers lock, and a conflict fails with SQLSTATE 40001, which
 * db_transact() retries. DB_TXN_READ is REPEATABLE READ (one snapshot); it
 * is not declared READ ONLY, so a caller that writes anyway is not refused.
 *
 * Lost connections. Before a statement outside a transaction, a connection
 * found dead (the server restarted, or ended our session) is re-established
 * once with PQreset(): the session settings are applied again, prepared
 * statements are prepared again when next used, and the advisory locks the
 * handle held are taken again. When one of those locks is now held by
 * someone else, the statement fails with DB_E_CONNECT and the lock is no
 * longer counted as held. Inside a transaction a lost connection is always
 * DB_E_CONNECT: the server discarded the transaction's work, and only the
 * caller may decide to redo it. A statement whose connection breaks while it
 * runs is not repeated either (it may or may not have been applied); nor is
 * a COMMIT, whose DB_E_CONNECT leaves the outcome unknown.
 *
 * Advisory locks are session-level pg_try_advisory_lock() locks. The key is
 * the 64-bit FNV-1a hash of "kasp-enforcer:" followed by the lock name,
 * taken as a signed bigint, so other tools can compute it too. They live as
 * long as the session on the server: db_close() releases them before it
 * returns, but those of a process that died are freed only when the server
 * notices the closed connection (at once for a crash on a live host, about a
 * minute, by TCP keepalives, when the host itself vanished).
 *
 * Backups run pg_dump (custom format, for pg_restore), found by absolute
 * path, with the password in a password file that lives only in memory
 * (PGPASSFILE=/dev/fd/3), never on its command line, in its environment or
 * on a disk.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "db/dump.h"
#include "db/error.h"
#include "db/pgsql_internal.h"
#include "db/pq_api.h"

/* ----------------------------------------------------------- transactions */

static int
pg_begin(db_t *db, enum db_txn kind)
{
	PGresult *res;
	const char *state;
	int rc;

	rc = pgsql_ensure_conn(db);
	if (rc != 0)
		goto out;
	res = PQexec(conn_of(db)->pg, kind == DB_TXN_WRITE
					      ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
					      : "BEGIN ISOLATION LEVEL REPEATABLE READ");
	if (res == NULL) {
		rc = pgsql_fail_nores(db, "begin");
		goto out;
	}
	if (!pgsql_res_ok(res)) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* A hot standby refuses serializable transactions: it takes no writes at all. */
		if (kind == DB_TXN_WRITE && state != NULL && strcmp(state, "0A000") == 0)
			rc = db_set_error(db, DB_E_READONLY,
				"database %s is read-only (a standby server)", db->location);
		else
			rc = pgsql_fail(db, res, "begin");
	}
	PQclear(res);
out:
	return rc;
}

static int
pg_commit(db_t *db)
{
	struct conn *c = conn_of(db);
	PGresult *res = NULL;
	int rc;

	if (PQstatus(c->pg) != CONNECTION_OK) {
		rc = pgsql_fail(db, NULL, "commit");
		goto out;
	}
	rc = pgsql_run(db, "COMMIT", &res);
	if (rc != 0)
		goto out;
	pgsql_flush_stale(db);
	/* COMMIT of a transaction that had failed rolls it back, without an error. */
	if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		rc = db_set_error(db, DB_E_SQL,
			"commit: the transaction had failed and was rolled back instead");
		goto out;
	}
out:
	PQclear(res);
	return rc;
}

static int
pg_rollback(db_t *db)
{
	struct conn *c = conn_of(db);
	int rc = 0;

	/* A lost session lost its transaction: nothing is left to roll back. */
	if (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		goto out;
	rc = pgsql_run(db, "ROLLBACK", NULL);
out:
	pgsql_flush_stale(db);
	return rc;
}

/* ---------------------------------------------------------- advisory locks */

static int
pg_lock(db_t *db, const char *name, int wait_ms)
{
	struct conn *c = conn_of(db);
	struct db_held_lock *l = NULL;
	int64_t deadline, left;
	int got = 0, rc = 0;

	rc = db_util_lock_check(db, c->locks, name);
	if (rc == 0)
		rc = db_util_lock_new(db, name, &l);
	if (rc != 0)
		return rc;

	deadline = clock_mono_ms() + wait_ms;
	for (;;) {
		struct timespec ts;

		rc = pgsql_ensure_conn(db);
		if (rc == 0)
			rc = pgsql_try_lock(db, name, &got);
		if (rc != 0 || got)
			break;
		left = deadline - clock_mono_ms();
		if (left <= 0) {
			rc = db_set_error(db, DB_E_LOCKED,
				"lock '%s' is held by another session of %s", name, c->where);
			break;
		}
		if (left > LOCK_POLL_MS)
			left = LOCK_POLL_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		(void)nanosleep(&ts, NULL);
	}
	if (rc != 0) {
		free(l);
		return rc;
	}
	l->next = c->locks;
	c->locks = l;
	return 0;
}

static int
pg_unlock(db_t *db, const char *name)
{
	struct conn *c = conn_of(db);
	struct db_held_lock **pp, *l;
	char key[32];
	int released = 0, rc;

	rc = db_util_lock_find(db, &c->locks, name, &pp);
	if (rc != 0)
		return rc;
	l = *pp;
	/* A lost session released its locks with it. */
	if (PQstatus(c->pg) == CONNECTION_OK) {
		pgsql_lock_key(name, key, sizeof(key));
		rc = pgsql_query_bool(db, "SELECT pg_advisory_unlock($1::bigint)", key, &released);
		if (rc != 0 && PQstatus(c->pg) == CONNECTION_OK)
			return rc; /* still held (an aborted transaction refuses it) */
	}
	*pp = l->next;
	free(l);
	return 0;
}

/* ------------------------------------------------------------ maintenance */

static int
pg_read_only(db_t *db, int *out)
{
	int ro = 0, rc;

	rc = pgsql_ensure_conn(db);
	if (rc == 0)
		rc = pgsql_query_bool(db,
			"SELECT pg_is_in_recovery()"
			" OR current_setting('transaction_read_only') = 'on'"
			" OR current_setting('default_transaction_read_only') = 'on'",
			NULL, &ro);
	if (rc == 0)
		*out = ro;
	return rc;
}

/*
 * head, then s with a backslash before each of its characters in special,
 * then tail, in a new string (NULL: out of memory).
 */
static char *
escaped(const char *head, const char *s, const char *special, const char *tail)
{
	char *out;
	size_t n;

	out = malloc(strlen(head) + strlen(s) * 2 + strlen(tail) + 1);
	if (out == NULL)
		return NULL;
	n = strlen(head);
	memcpy(out, head, n);
	for (; *s != '\0'; s++) {
		if (strchr(special, *s) != NULL)
			out[n++] = '\\';
		out[n++] = *s;
	}
	memcpy(out + n, tail, strlen(tail) + 1);
	return out;
}

/*
 * A database name for pg_dump's --dbname. pg_dump reads a value holding
 * '=' (or a URI) as a connection string; such a name is therefore passed as
 * "dbname='...'" with its quotes and backslashes escaped.
 */
static char *
dump_dbname(const char *name)
{
	char *out;

	if (strchr(name, '=') == NULL && strncmp(name, "postgresql:", 11) != 0 &&
		strncmp(name, "postgres:", 9) != 0) {
		if (asprintf(&out, "--dbname=%s", name) < 0)
			return NULL;
		return out;
	}
	return escaped("--dbname=dbname='", name, "'\\", "'");
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/*
 * The password as a libpq password file ("host:port:db:user:password", every
 * field a wildcard here; ':' and '\\' escaped) in a memfd: see
 * db_util_secret_fd(). *fd stays -1 when there is no password.
 */
static int
passfile_fd(db_t *db, const char *password, int *fd)
{
	char *line;
	int rc;

	*fd = -1;
	if (password == NULL)
		return 0;
	/* a password file holds one entry a line, with no escape for a line break */
	if (strpbrk(password, "\r\n") != NULL)
		return db_set_error(db, E_INVAL,
			"a password holding a line break cannot be "
			"given to pg_dump");
	line = escaped("*:*:*:*:", password, ":\\", "\n");
	if (line == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	rc = db_util_secret_fd(db, line, strlen(line), fd);
	db_util_free_secret(line);
	return rc;
}

/*
 * pg_dump, found by absolute path, writes the custom format to its stdout:
 * a file we created with mkstemp() beside dest (db_util_backup_begin()),
 * renamed to dest once the tool succeeded. The password reaches it as a
 * password file in memory, /dev/fd/3 (PGPASSFILE); PGPASSWORD is emptied,
 * so one in our own environment does not win over it.
 */
static int
pg_backup(db_t *db, const char *dest)
{
	static const char *const tools[] = { "pg_dump", NULL };
	struct conn *c = conn_of(db);
	struct db_dump d;
	char *host = NULL, *port = NULL, *user = NULL, *dbarg = NULL;
	char *mode = NULL, *ca = NULL, *cert = NULL, *key = NULL;
	const char *argv[12], *env[11];
	int n = 0, e = 0, rc, pass_fd = -1;

	rc = db_dump_prepare(db, dest, tools, "postgresql-client", &d);
	if (rc != 0)
		goto out;

	/* A clear message now if the server is gone, and a live session to copy from. */
	rc = pgsql_ensure_conn(db);
	if (rc != 0)
		goto out;
	/* What this session really connected to (the socket directory for a local one). */
	if (asprintf(&host, "--host=%s", or_empty(PQhost(c->pg))) < 0 ||
		asprintf(&port, "--port=%s", or_empty(PQport(c->pg))) < 0 ||
		asprintf(&user, "--username=%s", or_empty(PQuser(c->pg))) < 0 ||
		(dbarg = dump_dbname(c->dbname)) == NULL) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	argv[n++] = d.tool;
	argv[n++] = "--format=custom";
	argv[n++] = "--no-password";
	if (strcmp(host, "--host=") != 0)
		argv[n++] = host;
	if (strcmp(port, "--port=") != 0)
		argv[n++] = port;
	if (strcmp(user, "--username=") != 0)
		argv[n++] = user;
	argv[n++] = dbarg;
	argv[n] = NULL;

	rc = passfile_fd(db, c->password, &pass_fd);
	if (rc != 0)
		goto out;
	if (pass_fd >= 0) {
		env[e++] = "PGPASSFILE=/dev/fd/3";
		env[e++] = "PGPASSWORD=";
	}
	/* The same TLS as our own connection: pg_dump is libpq too. */
	if (asprintf(&mode, "PGSSLMODE=%s", pgsql_sslmode(c->tls)) < 0 ||
		(c->tls_ca != NULL && asprintf(&ca, "PGSSLROOTCERT=%s", c->tls_ca) < 0) ||
		(c->tls_cert != NULL && asprintf(&cert, "PGSSLCERT=%s", c->tls_cert) < 0) ||
		(c->tls_key != NULL && asprintf(&key, "PGSSLKEY=%s", c->tls_key) < 0)) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	env[e++] = mode;
	if (c->tls != DB_TLS_DISABLE) {
		if (ca != NULL)
			env[e++] = ca;
		if (cert != NULL)
			env[e++] = cert;
		if (key != NULL)
			env[e++] = key;
	}
	env[e++] = "PGCONNECT_TIMEOUT=" CONNECT_TIMEOUT_S;
	env[e++] = "PGAPPNAME=" APPLICATION_NAME;
	env[e] = NULL;

	rc = db_dump_run(db, &d, argv, env, pass_fd, NULL);
	pass_fd = -1; /* closed by the runner */
out:
	if (pass_fd >= 0)
		(void)close(pass_fd);
	free(host);
	free(port);
	free(user);
	free(dbarg);
	free(mode);
	free(ca);
	free(cert);
	free(key);
	return rc;
}

static int
pg_check_config(const struct db_config *cfg, char *err, size_t errlen)
{
	return db_util_check_server_config("PostgreSQL", cfg, err, errlen);
}

const struct db_driver db_driver_pgsql = {
	.version = DB_DRIVER_VERSION,
	.backend = DB_BACKEND_PGSQL,
	.name = "PostgreSQL",
	.dialect = "pgsql",
	.check_config = pg_check_config,
	.open = pgsql_open,
	.close = pgsql_close,
	.prepare = pgsql_prepare,
	.bind_int = pgsql_bind_int,
	.bind_text = pgsql_bind_text,
	.bind_blob = pgsql_bind_blob,
	.bind_double = pgsql_bind_double,
	.bind_null = pgsql_bind_null,
	.step = pgsql_step,
	.column_count = pgsql_column_count,
	.column_is_null = pgsql_column_is_null,
	.column_int = pgsql_column_int,
	.column_double = pgsql_column_double,
	.column_text = pgsql_column_text,
	.column_blob = pgsql_column_blob,
	.reset = pgsql_reset,
	.finalize = pgsql_finalize,
	.changes = pgsql_changes,
	.exec = pgsql_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.read_only = pg_read_only,
	.backup = pg_backup,
};
