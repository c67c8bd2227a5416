/*
 * pgsql_conn.c - the PostgreSQL driver's connections: error mapping, the
 * session's settings and locks, lost connections found and re-established
 * (see the top of pgsql.c), opening and closing.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "db/error.h"
#include "db/pgsql_internal.h"
#include "db/pq_api.h"

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
int
pgsql_fail(db_t *db, const PGresult *res, const char *what)
{
	struct conn *c = conn_of(db);
	const char *state = NULL, *primary = NULL, *detail = NULL, *index = NULL;
	char msg[320];

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		index = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
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

	if (PQstatus(c->pg) == CONNECTION_BAD || state_is(state, "08") || state_is(state, "57P0") ||
		state_is(state, "28") || strcmp(state, "3D000") == 0)
		return db_set_error(db, DB_E_CONNECT,
			"lost the connection to PostgreSQL at %s%s: %s", c->where,
			db->in_txn ? " (the open transaction is lost)" : "", msg);
	if (state[0] == '\0')
		return db_set_error(db, DB_E_SQL, "%s: %s", what, msg);
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
		strcmp(state, "55P03") == 0)
		return db_set_error(db, DB_E_BUSY, "%s (SQLSTATE %s)", msg, state);
	if (state_is(state, "23") || strcmp(state, "40002") == 0) {
		if (detail != NULL)
			db_set_message(db, "%s: %.160s (SQLSTATE %s)", msg, detail, state);
		else
			db_set_message(db, "%s (SQLSTATE %s)", msg, state);
		/* 23505: a unique index, which the server names as the constraint */
		if (strcmp(state, "23505") == 0 && index != NULL)
			db_set_constraint(db, index, strlen(index));
		return DB_E_CONSTRAINT;
	}
	if (strcmp(state, "25006") == 0)
		return db_set_error(db, DB_E_READONLY, "database %s is read-only: %s (SQLSTATE %s)",
			db->location, msg, state);
	return db_set_error(db, DB_E_SQL, "%s (SQLSTATE %s)", msg, state);
}

/* A message of our own for a failed query that has no result at all. */
int
pgsql_fail_nores(db_t *db, const char *what)
{
	struct conn *c = conn_of(db);

	if (PQstatus(c->pg) == CONNECTION_BAD)
		return pgsql_fail(db, NULL, what);
	return db_set_error(db, E_NOMEM, "%s: out of memory", what);
}

/* ---------------------------------------------------- small query helpers */

/* 1 for PGRES_COMMAND_OK / PGRES_TUPLES_OK. */
int
pgsql_res_ok(const PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Remember the row count of an INSERT, UPDATE, DELETE or MERGE. */
void
pgsql_note_changes(struct conn *c, PGresult *res)
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
int
pgsql_run(db_t *db, const char *sql, PGresult **out)
{
	PGresult *res = PQexec(conn_of(db)->pg, sql);
	int rc = 0;

	if (res == NULL) {
		rc = pgsql_fail_nores(db, sql);
		goto out;
	}
	if (!pgsql_res_ok(res)) {
		rc = pgsql_fail(db, res, sql);
		goto out;
	}
	pgsql_note_changes(conn_of(db), res);
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
int
pgsql_query_bool(db_t *db, const char *sql, const char *param, int *out)
{
	PGresult *res;
	const char *v;
	int rc = 0;

	res = PQexecParams(
		conn_of(db)->pg, sql, param != NULL ? 1 : 0, NULL, &param, NULL, NULL, 0);
	if (res == NULL) {
		rc = pgsql_fail_nores(db, sql);
		goto out;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pgsql_fail(db, res, sql);
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
		"SET tcp_keepalives_count = " KEEPALIVE_COUNT,
		c->lock_timeout_ms);
	return pgsql_run(db, sql, NULL);
}

/* 64-bit FNV-1a of "kasp-enforcer:" + name, as the decimal text of a signed bigint. */
void
pgsql_lock_key(const char *name, char *buf, size_t len)
{
	uint64_t h = db_util_fnv1a64(DB_UTIL_FNV1A64_INIT, LOCK_KEY_PREFIX);

	h = db_util_fnv1a64(h, name);
	(void)snprintf(buf, len, "%lld", (long long)(int64_t)h);
}

int
pgsql_try_lock(db_t *db, const char *name, int *got)
{
	char key[32];

	pgsql_lock_key(name, key, sizeof(key));
	return pgsql_query_bool(db, "SELECT pg_try_advisory_lock($1::bigint)", key, got);
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
		rc1 = pgsql_try_lock(db, l->name, &got);
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
			"by someone else",
			c->where, lost);
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
int
pgsql_ensure_conn(db_t *db)
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
	c->nstale = 0; /* the old session took its statements along */
	if (PQstatus(c->pg) != CONNECTION_OK) {
		first_line(PQerrorMessage(c->pg), why, sizeof(why));
		reason = tls_reason(c, why);
		rc = db_set_error(db, DB_E_CONNECT,
			"lost the connection to PostgreSQL at %s and cannot reconnect: %s%s",
			c->where, reason, why);
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
void
pgsql_flush_stale(db_t *db)
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
void
pgsql_deallocate(struct conn *c, unsigned long id)
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
const char *
pgsql_sslmode(enum db_tls_mode mode)
{
	switch (mode) {
	case DB_TLS_DISABLE: return "disable";
	case DB_TLS_REQUIRE: return "require";
	case DB_TLS_VERIFY_CA: return "verify-ca";
	case DB_TLS_VERIFY_FULL: return "verify-full";
	case DB_TLS_DEFAULT: break;
	}
	return "prefer";
}

int
pgsql_open(db_t *db, const struct db_config *cfg)
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
	c->lock_timeout_ms =
		cfg->lock_timeout_ms > 0
			? (cfg->lock_timeout_ms > INT_MAX ? INT_MAX : cfg->lock_timeout_ms)
			: DEFAULT_LOCK_TIMEOUT_MS;

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
	val[n++] = pgsql_sslmode(c->tls);
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

void
pgsql_close(db_t *db)
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
