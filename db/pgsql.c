/*
 * pgsql.c - the PostgreSQL driver, on libpq.
 *
 * The only file of the project that includes libpq-fe.h.
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

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "common/clock.h"
#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/dump.h"
#include "db/pq_api.h"
#include "db/util.h"

#define DEFAULT_LOCK_TIMEOUT_MS 5000
#define CONNECT_TIMEOUT_S "10"
#define APPLICATION_NAME "kasp-enforcer"
/* TCP keepalives, both ways: a peer that vanished is noticed in about a minute. */
#define KEEPALIVE_IDLE_S "30"
#define KEEPALIVE_INTERVAL_S "10"
#define KEEPALIVE_COUNT "3"
/* db_lock() with a wait: how often to try again. */
#define LOCK_POLL_MS 50
/* The prefix of every advisory lock key (see the top of this file). */
#define LOCK_KEY_PREFIX "kasp-enforcer:"

/* Type OIDs of the built-in types we read specially (fixed in PostgreSQL). */
#define OID_BOOL 16
#define OID_BYTEA 17

struct conn {
	PGconn *pg;
	char *host;             /* host name or socket directory; NULL = libpq default */
	char *dbname;
	char *user;
	char *password;         /* kept for pg_dump; never printed */
	unsigned port;          /* 0 = libpq default */
	enum db_tls_mode tls;   /* effective (db_tls_effective()); DB_TLS_DEFAULT = prefer */
	char *tls_ca, *tls_cert, *tls_key; /* NULL = libpq's default */
	unsigned lock_timeout_ms;
	char where[300];        /* "host:port", for messages */
	unsigned long next_id;  /* for statement names */
	unsigned long session;  /* counts reconnects: statements of older sessions are gone */
	int64_t changes;
	struct db_held_lock *locks;
	int needs_setup;        /* reconnected: session_setup() has not succeeded yet */
	int needs_locks;        /* reconnected: the locks have not been taken again yet */
	unsigned long *stale;   /* statements to DEALLOCATE once the transaction ends */
	size_t nstale, capstale;
};

enum { ST_IDLE, ST_ROWS, ST_DONE };

struct pstmt {
	unsigned long id;       /* the server-side name is "s<id>" */
	unsigned long session;  /* session it was prepared in; 0 = not prepared */
	char *sql;              /* the text with $n placeholders */
	int nparams;
	char **values;          /* NULL = SQL NULL */
	int *lengths;
	int *formats;           /* 0 text, 1 binary (blobs) */
	PGresult *res;
	int state;
	int row;                /* current row of res */
	int ncols;
	unsigned char **blobs;  /* decoded bytea of the current row, per column */
	size_t *bloblens;
};

static struct conn *
conn_of(db_t *db)
{
	return db->priv;
}

static struct pstmt *
stmt_of(db_stmt_t *st)
{
	return st->priv;
}

/* The first line of s, without trailing blanks, in buf. */
static void
first_line(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	if (s != NULL) {
		while (s[n] != '\0' && s[n] != '\n' && n + 1 < len)
			n++;
		memcpy(buf, s, n);
	}
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
}

/* Notices and warnings go nowhere: a library does not print. */
static void
quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/* --------------------------------------------------------------- errors */

static int
state_is(const char *state, const char *prefix)
{
	return strncmp(state, prefix, strlen(prefix)) == 0;
}

/*
 * Turn a failed result (or, with res NULL, the connection's last error)
 * into our code and message. The class comes from the SQLSTATE.
 */
static int
fail(db_t *db, const PGresult *res, const char *what)
{
	struct conn *c = conn_of(db);
	const char *state = NULL, *primary = NULL, *detail = NULL;
	char msg[320];

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	}
	if (primary != NULL)
		first_line(primary, msg, sizeof(msg));
	else
		first_line(res != NULL ? PQresultErrorMessage(res) : "", msg, sizeof(msg));
	if (msg[0] == '\0')
		first_line(PQerrorMessage(c->pg), msg, sizeof(msg));
	if (msg[0] == '\0')
		(void)snprintf(msg, sizeof(msg), "%s failed", what);
	if (state == NULL)
		state = "";

	if (PQstatus(c->pg) == CONNECTION_BAD || state_is(state, "08") ||
	    state_is(state, "57P0") || state_is(state, "28") || strcmp(state, "3D000") == 0)
		return db_set_error(db, DB_E_CONNECT, "lost the connection to PostgreSQL at %s%s: %s",
			c->where, db->in_txn ? " (the open transaction is lost)" : "", msg);
	if (state[0] == '\0')
		return db_set_error(db, DB_E_SQL, "%s: %s", what, msg);
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return db_set_error(db, DB_E_BUSY, "%s (SQLSTATE %s)", msg, state);
	if (state_is(state, "23") || strcmp(state, "40002") == 0) {
		if (detail != NULL)
			return db_set_error(db, DB_E_CONSTRAINT, "%s: %.160s (SQLSTATE %s)", msg,
				detail, state);
		return db_set_error(db, DB_E_CONSTRAINT, "%s (SQLSTATE %s)", msg, state);
	}
	if (strcmp(state, "25006") == 0)
		return db_set_error(db, DB_E_READONLY, "database %s is read-only: %s (SQLSTATE %s)",
			db->location, msg, state);
	return db_set_error(db, DB_E_SQL, "%s (SQLSTATE %s)", msg, state);
}

/* A message of our own for a failed query that has no result at all. */
static int
fail_nores(db_t *db, const char *what)
{
	struct conn *c = conn_of(db);

	if (PQstatus(c->pg) == CONNECTION_BAD)
		return fail(db, NULL, what);
	return db_set_error(db, E_NOMEM, "%s: out of memory", what);
}

/* ---------------------------------------------------- small query helpers */

/* 1 for PGRES_COMMAND_OK / PGRES_TUPLES_OK. */
static int
res_ok(const PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Remember the row count of an INSERT, UPDATE, DELETE or MERGE. */
static void
note_changes(struct conn *c, PGresult *res)
{
	const char *tag = PQcmdStatus(res);

	if (tag == NULL)
		return;
	if (strncmp(tag, "INSERT ", 7) == 0 || strncmp(tag, "UPDATE ", 7) == 0 ||
	    strncmp(tag, "DELETE ", 7) == 0 || strncmp(tag, "MERGE ", 6) == 0)
		c->changes = strtoll(PQcmdTuples(res), NULL, 10);
}

/*
 * Run one command without parameters on the connection as it is (no
 * reconnect). With out, the result is handed over on success (PQclear it);
 * without, it is dropped.
 */
static int
run(db_t *db, const char *sql, PGresult **out)
{
	PGresult *res = PQexec(conn_of(db)->pg, sql);
	int rc = 0;

	if (res == NULL) {
		rc = fail_nores(db, sql);
		goto out;
	}
	if (!res_ok(res)) {
		rc = fail(db, res, sql);
		goto out;
	}
	note_changes(conn_of(db), res);
	if (out != NULL) {
		*out = res;
		res = NULL;
	}
out:
	PQclear(res);
	return rc;
}

/*
 * One boolean from a query with a single bigint parameter (locks), on the
 * connection as it is.
 */
static int
query_bool(db_t *db, const char *sql, const char *param, int *out)
{
	PGresult *res;
	const char *v;
	int rc = 0;

	res = PQexecParams(conn_of(db)->pg, sql, param != NULL ? 1 : 0, NULL, &param, NULL, NULL,
		0);
	if (res == NULL) {
		rc = fail_nores(db, sql);
		goto out;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = fail(db, res, sql);
		goto out;
	}
	if (PQntuples(res) != 1 || PQnfields(res) != 1 || PQgetisnull(res, 0, 0)) {
		rc = db_set_error(db, DB_E_SQL, "%s: unexpected result", sql);
		goto out;
	}
	v = PQgetvalue(res, 0, 0);
	*out = v[0] == 't';
out:
	PQclear(res);
	return rc;
}

/* --------------------------------------------------------- the session */

/* Settings every session of ours runs with; applied after each (re)connect. */
static int
session_setup(db_t *db)
{
	struct conn *c = conn_of(db);
	char sql[400];

	/*
	 * Times are read back as text, so the session fixes the zone (UTC) and
	 * the date style (ISO: "YYYY-MM-DD HH:MM:SS") whatever the server's
	 * defaults are. The keepalives make the server end our session (and
	 * free its locks: think of the leader's lock) about a minute after our
	 * host vanished without closing the connection; they do nothing on a
	 * local socket.
	 */
	(void)snprintf(sql, sizeof(sql),
		"SET client_min_messages = warning; SET TIME ZONE 'UTC'; "
		"SET DateStyle = 'ISO, YMD'; "
		"SET standard_conforming_strings = on; SET lock_timeout = %u; "
		"SET tcp_keepalives_idle = " KEEPALIVE_IDLE_S "; "
		"SET tcp_keepalives_interval = " KEEPALIVE_INTERVAL_S "; "
		"SET tcp_keepalives_count = " KEEPALIVE_COUNT, c->lock_timeout_ms);
	return run(db, sql, NULL);
}

/* 64-bit FNV-1a of "kasp-enforcer:" + name, as the decimal text of a signed bigint. */
static void
lock_key(const char *name, char *buf, size_t len)
{
	uint64_t h = db_util_fnv1a64(DB_UTIL_FNV1A64_INIT, LOCK_KEY_PREFIX);

	h = db_util_fnv1a64(h, name);
	(void)snprintf(buf, len, "%lld", (long long)(int64_t)h);
}

static int
try_lock(db_t *db, const char *name, int *got)
{
	char key[32];

	lock_key(name, key, sizeof(key));
	return query_bool(db, "SELECT pg_try_advisory_lock($1::bigint)", key, got);
}

/*
 * After a reconnect: take again every lock the handle held. A lock that
 * someone else took meanwhile is dropped from the list and reported; so
 * are, after a failure, the locks not taken again: the list holds only
 * what the session holds, and db_lock() can take the others anew.
 */
static int
retake_locks(db_t *db)
{
	struct conn *c = conn_of(db);
	struct db_held_lock **pp = &c->locks, *l;
	char lost[160] = "";
	int got, rc = 0, rc1;

	while (*pp != NULL) {
		l = *pp;
		got = 0;
		rc1 = try_lock(db, l->name, &got);
		if (rc1 != 0) {
			rc = rc1;
			while (*pp != NULL) {
				l = *pp;
				*pp = l->next;
				free(l);
			}
			break;
		}
		if (got) {
			pp = &l->next;
			continue;
		}
		if (lost[0] == '\0')
			(void)snprintf(lost, sizeof(lost), "%s", l->name);
		*pp = l->next;
		free(l);
	}
	if (rc == 0 && lost[0] != '\0')
		rc = db_set_error(db, DB_E_CONNECT,
			"the connection to PostgreSQL at %s was lost, and lock '%s' is now held "
			"by someone else", c->where, lost);
	return rc;
}

/*
 * An idle connection may have been closed by the server since its last
 * use (restart, pg_terminate_backend, idle timeout). Read what is pending,
 * so that libpq notices the end of the connection now rather than on the
 * statement we are about to send.
 */
static void
probe_idle(struct conn *c)
{
	struct pollfd p;
	int i;

	p.fd = PQsocket(c->pg);
	if (p.fd < 0)
		return;
	p.events = POLLIN;
	for (i = 0; i < 4 && PQstatus(c->pg) == CONNECTION_OK; i++) {
		p.revents = 0;
		if (poll(&p, 1, 0) <= 0 || p.revents == 0)
			break;
		if (!PQconsumeInput(c->pg))
			break;
	}
}

/*
 * For a connect error, first line in why: the words that go before it in
 * our message. When the server's certificate did not verify, that is
 * "server certificate does not verify: " and why loses libpq's lead
 * 'connection to server at "h" (a), port p failed: ', which our message
 * says in its own words; else "".
 */
static const char *
tls_reason(const struct conn *c, char *why)
{
	static const char lead[] = "connection to server ";
	const char *p;

	if (c->tls == DB_TLS_DISABLE || !db_util_tls_verify_failed(why))
		return "";
	if (strncmp(why, lead, sizeof(lead) - 1) == 0 && (p = strstr(why, " failed: ")) != NULL)
		memmove(why, p + 9, strlen(p + 9) + 1);
	return "server certificate does not verify: ";
}

/*
 * Make the connection usable for a new statement: see the top of the file.
 */
static int
ensure_conn(db_t *db)
{
	struct conn *c = conn_of(db);
	const char *reason;
	char why[400];
	int rc = 0;

	if (!db->in_txn)
		probe_idle(c);
	if (PQstatus(c->pg) == CONNECTION_OK)
		goto setup;
	first_line(PQerrorMessage(c->pg), why, sizeof(why));
	if (db->in_txn) {
		rc = db_set_error(db, DB_E_CONNECT,
			"lost the connection to PostgreSQL at %s (the open transaction is lost)%s%s",
			c->where, why[0] != '\0' ? ": " : "", why);
		goto out;
	}
	c->needs_setup = 1;
	c->needs_locks = 1;
	PQreset(c->pg);
	c->session++;
	c->nstale = 0;          /* the old session took its statements along */
	if (PQstatus(c->pg) != CONNECTION_OK) {
		first_line(PQerrorMessage(c->pg), why, sizeof(why));
		reason = tls_reason(c, why);
		rc = db_set_error(db, DB_E_CONNECT,
			"lost the connection to PostgreSQL at %s and cannot reconnect: %s%s", c->where,
			reason, why);
		goto out;
	}
setup:
	/* Until both succeeded, every call tries again. */
	if (c->needs_setup) {
		rc = session_setup(db);
		if (rc != 0)
			goto out;
		c->needs_setup = 0;
	}
	if (c->needs_locks) {
		/* Once: a failure leaves on the list only the locks held. */
		c->needs_locks = 0;
		rc = retake_locks(db);
	}
out:
	return rc;
}

/* DEALLOCATE the statements finalized while the transaction had failed. */
static void
flush_stale(db_t *db)
{
	struct conn *c = conn_of(db);
	char sql[48];
	size_t i;

	if (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		return;
	for (i = 0; i < c->nstale; i++) {
		(void)snprintf(sql, sizeof(sql), "DEALLOCATE s%lu", c->stale[i]);
		PQclear(PQexec(c->pg, sql));
	}
	c->nstale = 0;
}

/*
 * Drop statement s<id> on the server. Errors are ignored: a dead session
 * took its statements along. A failed transaction refuses DEALLOCATE until
 * it ends; the name is then kept for flush_stale() (and forgotten, at worst
 * leaving the statement to the end of the session, when memory is short).
 */
static void
deallocate(struct conn *c, unsigned long id)
{
	unsigned long *grown;
	char sql[48];

	if (PQstatus(c->pg) != CONNECTION_OK)
		return;
	if (PQtransactionStatus(c->pg) == PQTRANS_INERROR) {
		if (c->nstale == c->capstale) {
			grown = realloc(c->stale, (c->capstale * 2 + 8) * sizeof(*c->stale));
			if (grown == NULL)
				return;
			c->stale = grown;
			c->capstale = c->capstale * 2 + 8;
		}
		c->stale[c->nstale++] = id;
		return;
	}
	(void)snprintf(sql, sizeof(sql), "DEALLOCATE s%lu", id);
	PQclear(PQexec(c->pg, sql));
}

/* ------------------------------------------------------------ connections */

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	db_util_locks_free(&c->locks);
	/* Ending the session releases its advisory locks and rolls back. */
	if (c->pg != NULL)
		PQfinish(c->pg);
	free(c->host);
	free(c->dbname);
	free(c->user);
	db_util_free_secret(c->password);
	free(c->tls_ca);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->stale);
	free(c);
}

static int
dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	*out = strdup(s);
	return *out != NULL ? 0 : E_NOMEM;
}

/*
 * cfg->socket is where the server listens locally. libpq wants the
 * directory (given as host); a path to the socket file itself
 * (".../.s.PGSQL.5432", as MySQL users are used to) is accepted too, and
 * then also gives the port.
 */
static int
socket_dir(const char *sock, char **dir, unsigned *port)
{
	const char *slash = strrchr(sock, '/');
	struct stat sb;
	unsigned long p;
	char *end;

	*dir = NULL;
	if (slash != NULL && stat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
		if (strncmp(slash + 1, ".s.PGSQL.", 9) == 0 && *port == 0) {
			errno = 0;
			p = strtoul(slash + 10, &end, 10);
			if (errno == 0 && *end == '\0' && p > 0 && p < 65536)
				*port = (unsigned)p;
		}
		*dir = strndup(sock, slash == sock ? 1 : (size_t)(slash - sock));
	} else {
		*dir = strdup(sock);
	}
	return *dir != NULL ? 0 : E_NOMEM;
}

/* libpq's sslmode for an effective mode. */
static const char *
sslmode(enum db_tls_mode mode)
{
	switch (mode) {
	case DB_TLS_DISABLE:
		return "disable";
	case DB_TLS_REQUIRE:
		return "require";
	case DB_TLS_VERIFY_CA:
		return "verify-ca";
	case DB_TLS_VERIFY_FULL:
		return "verify-full";
	case DB_TLS_DEFAULT:
		break;
	}
	return "prefer";
}

static int
pg_open(db_t *db, const struct db_config *cfg)
{
	const char *kw[24], *val[24];
	char portbuf[16], why[400];
	const char *shown_host, *shown_port, *reason;
	struct conn *c;
	int n = 0, rc = 0;

	if (pq_api_load(why, sizeof(why)) != 0)
		return db_set_error(db, E_NOTFOUND, "%s (install libpq5)", why);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	db->priv = c;
	c->port = cfg->port;
	if (cfg->socket != NULL && cfg->socket[0] != '\0')
		rc = socket_dir(cfg->socket, &c->host, &c->port);
	else
		rc = dup_opt(cfg->host, &c->host);
	if (rc == 0)
		rc = dup_opt(cfg->database, &c->dbname);
	if (rc == 0)
		rc = dup_opt(cfg->user, &c->user);
	if (rc == 0)
		rc = dup_opt(cfg->password, &c->password);
	if (rc == 0 && cfg->tls_ca != NULL && cfg->tls_ca[0] != '\0')
		rc = dup_opt(cfg->tls_ca, &c->tls_ca);
	if (rc == 0 && cfg->tls_cert != NULL && cfg->tls_cert[0] != '\0')
		rc = dup_opt(cfg->tls_cert, &c->tls_cert);
	if (rc == 0 && cfg->tls_key != NULL && cfg->tls_key[0] != '\0')
		rc = dup_opt(cfg->tls_key, &c->tls_key);
	if (rc != 0) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	if (c->port > 65535) {
		rc = db_set_error(db, E_INVAL, "PostgreSQL port %u is out of range", c->port);
		goto out;
	}
	c->lock_timeout_ms = cfg->lock_timeout_ms > 0 ?
		(cfg->lock_timeout_ms > INT_MAX ? INT_MAX : cfg->lock_timeout_ms) :
		DEFAULT_LOCK_TIMEOUT_MS;

	/* For messages before we know better: what libpq will try. */
	shown_host = c->host != NULL ? c->host : getenv("PGHOST");
	if (shown_host == NULL || shown_host[0] == '\0')
		shown_host = "localhost";
	(void)snprintf(portbuf, sizeof(portbuf), "%u", c->port);
	shown_port = c->port != 0 ? portbuf : getenv("PGPORT");
	if (shown_port == NULL || shown_port[0] == '\0')
		shown_port = "5432";
	(void)snprintf(c->where, sizeof(c->where), "%s:%s", shown_host, shown_port);
	(void)snprintf(db->location, sizeof(db->location), "%s%s%s/%s",
		c->user != NULL ? c->user : "", c->user != NULL ? "@" : "", c->where, c->dbname);

	/* Local or not by what libpq will use: the host, PGHOST, or the socket. */
	c->tls = db_tls_effective(cfg, c->host != NULL ? c->host : getenv("PGHOST"));
	rc = db_util_tls_check(db, cfg, c->tls, "PostgreSQL", c->where);
	if (rc != 0)
		goto out;

	if (c->host != NULL) {
		kw[n] = "host";
		val[n++] = c->host;
	}
	if (c->port != 0) {
		kw[n] = "port";
		val[n++] = portbuf;
	}
	kw[n] = "dbname";
	val[n++] = c->dbname;
	if (c->user != NULL) {
		kw[n] = "user";
		val[n++] = c->user;
	}
	if (c->password != NULL) {
		kw[n] = "password";
		val[n++] = c->password;
	}
	kw[n] = "sslmode";
	val[n++] = sslmode(c->tls);
	if (c->tls != DB_TLS_DISABLE) {
		if (c->tls_ca != NULL) {
			kw[n] = "sslrootcert";
			val[n++] = c->tls_ca;
		}
		if (c->tls_cert != NULL) {
			kw[n] = "sslcert";
			val[n++] = c->tls_cert;
			kw[n] = "sslkey";
			val[n++] = c->tls_key;
		}
	}
	kw[n] = "connect_timeout";
	val[n++] = CONNECT_TIMEOUT_S;
	kw[n] = "application_name";
	val[n++] = APPLICATION_NAME;
	kw[n] = "client_encoding";
	val[n++] = "UTF8";
	/* Notice a server (or network) that vanished, instead of waiting for hours. */
	kw[n] = "keepalives";
	val[n++] = "1";
	kw[n] = "keepalives_idle";
	val[n++] = KEEPALIVE_IDLE_S;
	kw[n] = "keepalives_interval";
	val[n++] = KEEPALIVE_INTERVAL_S;
	kw[n] = "keepalives_count";
	val[n++] = KEEPALIVE_COUNT;
	kw[n] = NULL;
	val[n] = NULL;

	/* expand_dbname 0: a database name is only a name, never a connection string. */
	c->pg = PQconnectdbParams(kw, val, 0);
	if (c->pg == NULL) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	(void)PQsetNoticeReceiver(c->pg, quiet, NULL);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		first_line(PQerrorMessage(c->pg), why, sizeof(why));
		reason = tls_reason(c, why);
		rc = db_set_error(db, DB_E_CONNECT, "cannot connect to PostgreSQL at %s: %s%s",
			c->where, reason, why);
		goto out;
	}
	/* Now the facts, as libpq resolved them. */
	(void)snprintf(c->where, sizeof(c->where), "%s:%s", PQhost(c->pg), PQport(c->pg));
	(void)snprintf(db->location, sizeof(db->location), "%s@%s/%s", PQuser(c->pg), c->where,
		PQdb(c->pg));
	c->session = 1;
	rc = session_setup(db);
out:
	if (rc != 0) {
		conn_free(c);
		db->priv = NULL;
	}
	return rc;
}

static void
pg_close(db_t *db)
{
	struct conn *c = conn_of(db);

	/*
	 * PQfinish() does not wait for the server, which ends the session (and
	 * drops its locks, rolls back its transaction) a moment later. Do both
	 * here, so that they are done when db_close() returns.
	 */
	if (PQstatus(c->pg) == CONNECTION_OK) {
		if (PQtransactionStatus(c->pg) != PQTRANS_IDLE)
			PQclear(PQexec(c->pg, "ROLLBACK"));
		if (c->locks != NULL)
			PQclear(PQexec(c->pg, "SELECT pg_advisory_unlock_all()"));
	}
	conn_free(c);
	db->priv = NULL;
}

/* ------------------------------------------------------------- statements */

static int
ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

/*
 * The end of the quoted string or comment starting at p, or p when none
 * starts there. The same rules as db_count_params() (db.c), so that both
 * agree on the number of placeholders: '...', "..." and `...` with a
 * doubled quote standing for itself, -- to the end of the line, and
 * unnested block comments. Unterminated ones run to the end of the text.
 * (E'...' strings with backslash escapes and $$-quoted strings are not
 * understood: a '?' inside them is miscounted and makes db_prepare fail
 * with E_INVAL. Neither belongs in a statement with parameters.)
 */
static const char *
skip_literal(const char *p)
{
	char q;

	if (p[0] == '-' && p[1] == '-') {
		for (p += 2; *p != '\0' && *p != '\n'; p++)
			;
		return p;
	}
	if (p[0] == '/' && p[1] == '*') {
		for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++)
			;
		return *p != '\0' ? p + 2 : p;
	}
	if (*p != '\'' && *p != '"' && *p != '`')
		return p;
	q = *p++;
	while (*p != '\0') {
		if (*p == q && p[1] == q) {
			p += 2;
		} else if (*p == q) {
			return p + 1;
		} else {
			p++;
		}
	}
	return p;
}

/*
 * A copy of sql with its '?' placeholders numbered $1, $2, ... (a blank is
 * put between a number and a neighbouring identifier character, so that
 * "?1" or "??" cannot fuse into one token). *count gets the number of
 * placeholders, *empty is 1 when sql holds nothing but blanks, ';' and
 * comments. NULL when out of memory; the caller frees the result.
 */
static char *
rewrite_params(const char *sql, int *count, int *empty)
{
	const char *p, *next;
	size_t nq = 0, n = 0;
	char *out;
	int k = 0;

	for (p = sql; *p != '\0'; p++)
		nq += *p == '?';
	out = malloc(strlen(sql) + nq * 14 + 1);
	if (out == NULL)
		return NULL;
	*empty = 1;
	for (p = sql; *p != '\0';) {
		next = skip_literal(p);
		if (next != p) {
			if (*p != '-' && *p != '/')
				*empty = 0;
			memcpy(out + n, p, (size_t)(next - p));
			n += (size_t)(next - p);
			p = next;
			continue;
		}
		if (*p == '?') {
			if (n > 0 && ident_char(out[n - 1]))
				out[n++] = ' ';
			n += (size_t)sprintf(out + n, "$%d", ++k);
			if (ident_char(p[1]))
				out[n++] = ' ';
			*empty = 0;
			p++;
			continue;
		}
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ';')
			*empty = 0;
		out[n++] = *p++;
	}
	out[n] = '\0';
	*count = k;
	return out;
}

static void
clear_row_cache(struct pstmt *s)
{
	int i;

	if (s->blobs == NULL)
		return;
	for (i = 0; i < s->ncols; i++) {
		if (s->blobs[i] != NULL)
			PQfreemem(s->blobs[i]);
		s->blobs[i] = NULL;
	}
}

static void
clear_result(struct pstmt *s)
{
	clear_row_cache(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->state = ST_IDLE;
}

static void
pstmt_free(struct pstmt *s)
{
	int i;

	if (s == NULL)
		return;
	clear_result(s);
	if (s->values != NULL) {
		for (i = 0; i < s->nparams; i++)
			free(s->values[i]);
	}
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->blobs);
	free(s->bloblens);
	free(s->sql);
	free(s);
}

/*
 * Prepare s on the server under its name, and check that the server sees
 * as many parameters as we counted. *ncols gets the number of columns.
 */
static int
server_prepare(db_t *db, struct pstmt *s, int *ncols)
{
	struct conn *c = conn_of(db);
	PGresult *res = NULL;
	char name[32];
	int rc = 0, prepared = 0;

	(void)snprintf(name, sizeof(name), "s%lu", s->id);
	res = PQprepare(c->pg, name, s->sql, 0, NULL);
	if (res == NULL) {
		rc = fail_nores(db, "prepare");
		goto out;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = fail(db, res, "prepare");
		goto out;
	}
	prepared = 1;
	PQclear(res);
	res = PQdescribePrepared(c->pg, name);
	if (res == NULL) {
		rc = fail_nores(db, "prepare");
		goto out;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = fail(db, res, "prepare");
		goto out;
	}
	if (PQnparams(res) != s->nparams) {
		/* Only plain '?' is ours: a literal $1 in the text is not. */
		rc = db_set_error(db, E_INVAL,
			"db_prepare: %d placeholders counted, PostgreSQL sees %d", s->nparams,
			PQnparams(res));
		goto out;
	}
	*ncols = PQnfields(res);
	s->session = c->session;
out:
	PQclear(res);
	if (rc != 0 && prepared)
		deallocate(c, s->id);
	return rc;
}

static int
pg_prepare(db_t *db, db_stmt_t *st, const char *sql, int nparams)
{
	struct conn *c = conn_of(db);
	struct pstmt *s;
	int count = 0, empty = 1, ncols = 0, rc = 0;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	s->row = -1;
	s->sql = rewrite_params(sql, &count, &empty);
	if (s->sql == NULL) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	if (empty) {
		rc = db_set_error(db, E_INVAL, "db_prepare: no statement in the SQL text");
		goto out;
	}
	if (count != nparams) {
		rc = db_set_error(db, E_INVAL, "db_prepare: %d placeholders expected, %d found",
			nparams, count);
		goto out;
	}
	s->nparams = nparams;
	if (nparams > 0) {
		s->values = calloc((size_t)nparams, sizeof(*s->values));
		s->lengths = calloc((size_t)nparams, sizeof(*s->lengths));
		s->formats = calloc((size_t)nparams, sizeof(*s->formats));
		if (s->values == NULL || s->lengths == NULL || s->formats == NULL) {
			rc = db_set_error(db, E_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = ensure_conn(db);
	if (rc != 0)
		goto out;
	s->id = ++c->next_id;
	rc = server_prepare(db, s, &ncols);
	if (rc != 0)
		goto out;
	s->ncols = ncols;
	if (ncols > 0) {
		s->blobs = calloc((size_t)ncols, sizeof(*s->blobs));
		s->bloblens = calloc((size_t)ncols, sizeof(*s->bloblens));
		if (s->blobs == NULL || s->bloblens == NULL) {
			rc = db_set_error(db, E_NOMEM, "out of memory");
			goto out;
		}
	}
	st->priv = s;
	st->ncols = ncols;
	s = NULL;
out:
	if (s != NULL && s->session == c->session)
		deallocate(c, s->id);   /* prepared, but failed afterwards */
	pstmt_free(s);
	return rc;
}

/* Keep a copy of one parameter value; format 0 text (NUL added), 1 binary. */
static int
set_param(db_stmt_t *st, int idx, const void *v, size_t len, int format)
{
	struct pstmt *s = stmt_of(st);
	char *copy = NULL;

	if (v != NULL) {
		if (len > INT_MAX - 1)
			return db_set_error(st->db, E_RANGE, "value of %zu bytes is too long", len);
		copy = malloc(len + 1);
		if (copy == NULL)
			return db_set_error(st->db, E_NOMEM, "out of memory");
		if (len > 0)
			memcpy(copy, v, len);
		copy[len] = '\0';
	}
	free(s->values[idx - 1]);
	s->values[idx - 1] = copy;
	s->lengths[idx - 1] = (int)len;
	s->formats[idx - 1] = format;
	return 0;
}

static int
pg_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	return set_param(st, idx, buf, (size_t)n, 0);
}

static int
pg_bind_text(db_stmt_t *st, int idx, const char *v, size_t len)
{
	if (memchr(v, '\0', len) != NULL)
		return db_set_error(st->db, E_INVAL, "text holds a NUL byte");
	return set_param(st, idx, v, len, 0);
}

static int
pg_bind_blob(db_stmt_t *st, int idx, const void *v, size_t len)
{
	/* An empty blob still gets a buffer: NULL would mean SQL NULL. */
	return set_param(st, idx, len > 0 ? v : "", len, 1);
}

static int
pg_bind_double(db_stmt_t *st, int idx, double v)
{
	char buf[40];
	int n;

	if (isnan(v))
		n = snprintf(buf, sizeof(buf), "NaN");
	else if (isinf(v))
		n = snprintf(buf, sizeof(buf), "%sInfinity", v < 0 ? "-" : "");
	else
		n = snprintf(buf, sizeof(buf), "%.17g", v);
	return set_param(st, idx, buf, (size_t)n, 0);
}

static int
pg_bind_null(db_stmt_t *st, int idx)
{
	return set_param(st, idx, NULL, 0, 0);
}

/* Run the statement: its whole result is kept for the following steps. */
static int
execute(db_stmt_t *st)
{
	db_t *db = st->db;
	struct conn *c = conn_of(db);
	struct pstmt *s = stmt_of(st);
	PGresult *res = NULL;
	char name[32];
	int ncols = 0, rc;

	clear_result(s);
	rc = ensure_conn(db);
	if (rc != 0)
		goto out;
	if (s->session != c->session) {
		/* A new session since it was prepared (a reconnect): prepare again. */
		rc = server_prepare(db, s, &ncols);
		if (rc != 0)
			goto out;
		if (ncols != s->ncols) {
			rc = db_set_error(db, DB_E_SQL,
				"statement now has %d columns instead of %d (the schema changed)",
				ncols, s->ncols);
			goto out;
		}
	}
	(void)snprintf(name, sizeof(name), "s%lu", s->id);
	res = PQexecPrepared(c->pg, name, s->nparams, (const char *const *)s->values, s->lengths,
		s->formats, 0);
	if (res == NULL) {
		rc = fail_nores(db, "step");
		goto out;
	}
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
		note_changes(c, res);
		s->res = res;
		res = NULL;
		s->state = ST_ROWS;
		break;
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		note_changes(c, res);
		s->state = ST_DONE;
		break;
	default:
		rc = fail(db, res, "step");
		break;
	}
out:
	PQclear(res);
	return rc;
}

static int
pg_step(db_stmt_t *st)
{
	struct pstmt *s = stmt_of(st);
	int rc;

	/* As in SQLite, a step after the end (or a failure) runs the statement again. */
	if (s->state != ST_ROWS) {
		rc = execute(st);
		if (rc != 0)
			return rc;
	}
	if (s->state == ST_DONE)
		return DB_DONE;
	clear_row_cache(s);
	s->row++;
	if (s->row >= PQntuples(s->res)) {
		PQclear(s->res);
		s->res = NULL;
		s->row = -1;
		s->state = ST_DONE;
		return DB_DONE;
	}
	return DB_ROW;
}

static int
pg_column_count(db_stmt_t *st)
{
	return stmt_of(st)->ncols;
}

/* The current row's value of col, or NULL (no row, or SQL NULL). */
static const char *
cell(db_stmt_t *st, int col)
{
	struct pstmt *s = stmt_of(st);

	if (s->res == NULL || s->row < 0 || col >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

static int
pg_column_is_null(db_stmt_t *st, int col)
{
	return cell(st, col) == NULL;
}

static int
is_bool(db_stmt_t *st, int col)
{
	return PQftype(stmt_of(st)->res, col) == OID_BOOL;
}

static int64_t
pg_column_int(db_stmt_t *st, int col)
{
	const char *v = cell(st, col);
	char *end;
	long long n;
	double d;

	if (v == NULL)
		return 0;
	if (is_bool(st, col))
		return v[0] == 't';
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E' || *end == 'N' || *end == 'I' ||
	    (end == v && *end == '-')) {
		/* A real number: truncate it, as SQLite does, within range. */
		d = strtod(v, NULL);
		if (isnan(d))
			return 0;
		if (d >= 9223372036854775807.0)
			return INT64_MAX;
		if (d <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)d;
	}
	return (int64_t)n;
}

static double
pg_column_double(db_stmt_t *st, int col)
{
	const char *v = cell(st, col);

	if (v == NULL)
		return 0.0;
	if (is_bool(st, col))
		return v[0] == 't' ? 1.0 : 0.0;
	return strtod(v, NULL);
}

static const char *
pg_column_text(db_stmt_t *st, int col)
{
	return cell(st, col);
}

/* bytea arrives as text (\x...); it is decoded once per row and column. */
static const void *
pg_column_blob(db_stmt_t *st, int col, size_t *len)
{
	struct pstmt *s = stmt_of(st);
	const char *v = cell(st, col);
	size_t n = 0;

	if (v == NULL)
		return NULL;
	if (PQftype(s->res, col) != OID_BYTEA) {
		*len = (size_t)PQgetlength(s->res, s->row, col);
		return v;
	}
	if (s->blobs[col] == NULL) {
		s->blobs[col] = PQunescapeBytea((const unsigned char *)v, &n);
		if (s->blobs[col] == NULL) {
			(void)db_set_error(st->db, E_NOMEM, "out of memory");
			return NULL;
		}
		s->bloblens[col] = n;
	}
	*len = s->bloblens[col];
	return s->blobs[col];
}

static int
pg_reset(db_stmt_t *st)
{
	clear_result(stmt_of(st));
	return 0;
}

static void
pg_finalize(db_stmt_t *st)
{
	struct conn *c = conn_of(st->db);
	struct pstmt *s = stmt_of(st);

	if (s == NULL)
		return;
	if (s->session == c->session)
		deallocate(c, s->id);
	pstmt_free(s);
	st->priv = NULL;
}

static int64_t
pg_changes(db_t *db)
{
	return conn_of(db)->changes;
}

/* Several statements, no parameters: the simple query protocol. Rows are dropped. */
static int
pg_exec(db_t *db, const char *sql)
{
	struct conn *c = conn_of(db);
	PGresult *res;
	char *buf;
	int rc;

	rc = ensure_conn(db);
	if (rc != 0)
		goto out;
	if (!PQsendQuery(c->pg, sql)) {
		rc = fail(db, NULL, "exec");
		goto out;
	}
	while ((res = PQgetResult(c->pg)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
			note_changes(c, res);
			break;
		case PGRES_EMPTY_QUERY:
			break;
		case PGRES_COPY_IN:
			(void)PQputCopyEnd(c->pg, "COPY FROM STDIN is not supported by db_exec");
			break;
		case PGRES_COPY_OUT:
			while (PQgetCopyData(c->pg, &buf, 0) > 0)
				PQfreemem(buf);
			break;
		default:
			if (rc == 0)
				rc = fail(db, res, "exec");
			break;
		}
		PQclear(res);
		if (PQstatus(c->pg) == CONNECTION_BAD)
			break;
	}
	if (rc == 0 && PQstatus(c->pg) == CONNECTION_BAD)
		rc = fail(db, NULL, "exec");
out:
	return rc;
}

/* ----------------------------------------------------------- transactions */

static int
pg_begin(db_t *db, enum db_txn kind)
{
	PGresult *res;
	const char *state;
	int rc;

	rc = ensure_conn(db);
	if (rc != 0)
		goto out;
	res = PQexec(conn_of(db)->pg, kind == DB_TXN_WRITE ?
		"BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL REPEATABLE READ");
	if (res == NULL) {
		rc = fail_nores(db, "begin");
		goto out;
	}
	if (!res_ok(res)) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* A hot standby refuses serializable transactions: it takes no writes at all. */
		if (kind == DB_TXN_WRITE && state != NULL && strcmp(state, "0A000") == 0)
			rc = db_set_error(db, DB_E_READONLY,
				"database %s is read-only (a standby server)", db->location);
		else
			rc = fail(db, res, "begin");
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
		rc = fail(db, NULL, "commit");
		goto out;
	}
	rc = run(db, "COMMIT", &res);
	if (rc != 0)
		goto out;
	flush_stale(db);
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
	rc = run(db, "ROLLBACK", NULL);
out:
	flush_stale(db);
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

		rc = ensure_conn(db);
		if (rc == 0)
			rc = try_lock(db, name, &got);
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
		lock_key(name, key, sizeof(key));
		rc = query_bool(db, "SELECT pg_advisory_unlock($1::bigint)", key, &released);
		if (rc != 0 && PQstatus(c->pg) == CONNECTION_OK)
			return rc;      /* still held (an aborted transaction refuses it) */
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

	rc = ensure_conn(db);
	if (rc == 0)
		rc = query_bool(db,
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
		return db_set_error(db, E_INVAL, "a password holding a line break cannot be "
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
	rc = ensure_conn(db);
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
	if (asprintf(&mode, "PGSSLMODE=%s", sslmode(c->tls)) < 0 ||
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
	pass_fd = -1;           /* closed by the runner */
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
	.open = pg_open,
	.close = pg_close,
	.prepare = pg_prepare,
	.bind_int = pg_bind_int,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_double = pg_bind_double,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.column_count = pg_column_count,
	.column_is_null = pg_column_is_null,
	.column_int = pg_column_int,
	.column_double = pg_column_double,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.changes = pg_changes,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.read_only = pg_read_only,
	.backup = pg_backup,
};
