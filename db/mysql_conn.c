/*
 * mysql_conn.c - the MySQL/MariaDB driver's connection: error codes, connecting,
 * the session's set-up, reconnecting and closing (the choices are in mysql.c).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/mysql_internal.h"
#include "db/util.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 3306
#define CONNECT_TIMEOUT_S 10
#define DEFAULT_LOCK_MS 5000

/*
 * Why each mode:
 *  ANSI_QUOTES           "name" is an identifier, as in standard SQL and PostgreSQL, so
 *                        portable SQL can quote a reserved word the same way everywhere;
 *                        strings are single-quoted only (our rule anyway).
 *  PIPES_AS_CONCAT       || concatenates (as on SQLite and PostgreSQL), not OR.
 *  NO_BACKSLASH_ESCAPES  a backslash in a literal is itself, as db.c's scanner (which
 *                        counts '?' and finds ';' outside quotes) assumes.
 *  STRICT_TRANS_TABLES   bad or too long values fail instead of being cut silently.
 *  ERROR_FOR_DIVISION_BY_ZERO, NO_ENGINE_SUBSTITUTION   no silent surprises either.
 * Values are always bound, so none of this touches data, only SQL text.
 */
#define SESSION_SQL_MODE                                                                           \
	"ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES,"                    \
	"ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

static char *
dup_or_null(const char *s, int *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*oom = 1;
	return d;
}

/* ----------------------------------------------------------------- errors */

/* Errors after which the session is gone. */
int
my_is_lost(unsigned err)
{
	switch (err) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
	case ER_NET_READ_ERROR:
	case ER_NET_READ_INTERRUPTED:
	case ER_NET_ERROR_ON_WRITE:
	case ER_NET_WRITE_INTERRUPTED:
#ifdef CR_ERR_NET_READ
	case CR_ERR_NET_READ:
	case CR_ERR_NET_WRITE:
#endif
		return 1;
	}
	return 0;
}

/* Our code for a client or server error number. */
static int
code_of(unsigned err)
{
	if (my_is_lost(err))
		return DB_E_CONNECT;
	switch (err) {
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_USER_LOCK_DEADLOCK: return DB_E_BUSY;
	case ER_DUP_ENTRY:
	case ER_DUP_KEY:
	case ER_DUP_ENTRY_WITH_KEY_NAME:
	case ER_ROW_IS_REFERENCED:
	case ER_NO_REFERENCED_ROW:
	case ER_ROW_IS_REFERENCED_2:
	case ER_NO_REFERENCED_ROW_2:
	case ER_BAD_NULL_ERROR:
	case ER_WARN_NULL_TO_NOTNULL:
	case ER_NO_DEFAULT_FOR_FIELD:
	case ER_CONSTRAINT_FAILED: return DB_E_CONSTRAINT;
	case ER_OPTION_PREVENTS_STATEMENT: /* --read-only */
	case ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION:
	case ER_OPEN_AS_READONLY:
	case ER_READ_ONLY_MODE: return DB_E_READONLY;
	case CR_OUT_OF_MEMORY: return E_NOMEM;
	case CR_COMMANDS_OUT_OF_SYNC: return DB_E_MISUSE;
	}
	return DB_E_SQL;
}

/*
 * The index a duplicate-key message names: it ends "for key 'zones_canon'"
 * (MySQL 8 writes "for key 'zones.zones_canon'"). The server gives the
 * name nowhere else. The last " for key '" is the one: the duplicated value
 * quoted before it may hold the same words.
 */
static void
set_dup_index(db_t *db, const char *msg)
{
	static const char mark[] = " for key '";
	const char *p, *name = NULL, *dot;
	size_t len;

	for (p = msg; (p = strstr(p, mark)) != NULL; p++)
		name = p + sizeof(mark) - 1;
	if (name == NULL)
		return;
	len = strlen(name);
	if (len < 2 || name[len - 1] != '\'')
		return;
	len--;
	dot = memchr(name, '.', len);
	if (dot != NULL) {
		len -= (size_t)(dot + 1 - name);
		name = dot + 1;
	}
	db_set_constraint(db, name, len);
}

/*
 * Record a failure (message with the error number) and return our code. A
 * lost session is remembered so that the next call deals with it.
 */
static int
fail_num(db_t *db, unsigned err, const char *msg, const char *what)
{
	struct conn *c = conn_of(db);

	if (my_is_lost(err) && c != NULL)
		c->lost = 1;
	/*
	 * A deadlock rolls back and ends the whole transaction; what followed
	 * would run in autocommit. my_conn_ready() refuses it until the rollback.
	 * (A lost session inside a transaction is refused there already.)
	 */
	if (err == ER_LOCK_DEADLOCK && c != NULL && db->in_txn)
		c->txn_aborted = 1;
	if (err == 0)
		return db_set_error(db, DB_E_SQL, "%s: %s", what, msg != NULL ? msg : "failed");
	db_set_message(db, "%s: %s (MySQL error %u)", what, msg, err);
	if (err == ER_DUP_ENTRY || err == ER_DUP_ENTRY_WITH_KEY_NAME)
		set_dup_index(db, msg);
	return code_of(err);
}

int
my_fail_conn(db_t *db, const char *what)
{
	MYSQL *h = conn_of(db)->h;

	return fail_num(db, mysql_errno(h), mysql_error(h), what);
}

int
my_fail_stmt(db_t *db, MYSQL_STMT *s, const char *what)
{
	return fail_num(db, mysql_stmt_errno(s), mysql_stmt_error(s), what);
}

/* ------------------------------------------------------------- connecting */

static void
format_where(const struct conn *c, char *buf, size_t len)
{
	if (c->socket != NULL)
		(void)snprintf(buf, len, "unix(%s)", c->socket);
	else if (strchr(c->host, ':') != NULL)
		(void)snprintf(buf, len, "[%s]:%u", c->host, c->port);
	else
		(void)snprintf(buf, len, "%s:%u", c->host, c->port);
}

/* Consume every result of the statements just sent; the first error wins. */
int
my_drain_results(db_t *db, MYSQL *h, const char *what, int count_writes)
{
	MYSQL_RES *res;
	int status, rc = 0;

	for (;;) {
		if (mysql_field_count(h) > 0) {
			res = mysql_store_result(h);
			if (res == NULL && mysql_errno(h) != 0) {
				rc = fail_num(db, mysql_errno(h), mysql_error(h), what);
				goto out;
			}
			mysql_free_result(res);
		} else if (count_writes) {
			conn_of(db)->changes = (int64_t)mysql_affected_rows(h);
		}
		status = mysql_next_result(h);
		if (status < 0)
			break;
		if (status > 0) {
			rc = fail_num(db, mysql_errno(h), mysql_error(h), what);
			goto out;
		}
	}
out:
	return rc;
}

/* The session settings every new connection gets. */
static int
setup_session(db_t *db, struct conn *c, MYSQL *h)
{
	char sql[512];
	unsigned secs;

	/*
	 * innodb_lock_wait_timeout counts whole seconds; 0 (MariaDB) means do not
	 * wait at all. Round to the nearest second: db_transact() retries anyway.
	 */
	secs = (c->lock_timeout_ms + 500) / 1000;
	(void)snprintf(sql, sizeof(sql),
		"SET SESSION time_zone = '+00:00', SESSION sql_mode = '" SESSION_SQL_MODE "', "
		"SESSION autocommit = 1, SESSION innodb_lock_wait_timeout = %u",
		secs);
	if (mysql_real_query(h, sql, (unsigned long)strlen(sql)) != 0)
		return fail_num(db, mysql_errno(h), mysql_error(h), "session setup");
	return my_drain_results(db, h, "session setup", 0);
}

/*
 * The TLS options of c's effective mode on h. REQUIRE and VERIFY_CA turn
 * the library's host name check off (Connector/C 3.4 has it on by
 * default); a CA file makes the library check the chain in every mode.
 */
static int
tls_options(db_t *db, const struct conn *c, MYSQL *h, const char *where)
{
	flag_t off = 0, on = 1;
	int bad = 0;

	switch (c->tls) {
	case DB_TLS_DEFAULT:
		/* local and nothing asked: as before, the library's own choice */
		return 0;
	case DB_TLS_DISABLE: bad = mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &off) != 0; break;
	case DB_TLS_REQUIRE:
	case DB_TLS_VERIFY_CA:
		bad = mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &on) != 0 ||
		      mysql_options(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off) != 0;
		break;
	case DB_TLS_VERIFY_FULL:
		bad = mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &on) != 0 ||
		      mysql_options(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on) != 0;
		break;
	}
	if (!bad && c->tls != DB_TLS_DISABLE) {
		if (c->tls_ca != NULL)
			bad = mysql_options(h, MYSQL_OPT_SSL_CA, c->tls_ca) != 0;
		if (!bad && c->tls_cert != NULL)
			bad = mysql_options(h, MYSQL_OPT_SSL_CERT, c->tls_cert) != 0 ||
			      mysql_options(h, MYSQL_OPT_SSL_KEY, c->tls_key) != 0;
	}
	if (bad)
		return db_set_error(db, DB_E_CONNECT,
			"cannot connect to MySQL at %s: this MySQL client library does not take "
			"TLS mode %s: %s",
			where, db_tls_mode_name(c->tls), mysql_error(h));
	return 0;
}

/* A new, set-up connection with c's settings in *out. */
static int
connect_handle(db_t *db, struct conn *c, MYSQL **out)
{
	char where[300];
	unsigned int timeout = CONNECT_TIMEOUT_S;
	flag_t off = 0, on = 1;
	MYSQL *h;
	int rc = 0;

	format_where(c, where, sizeof(where));
	h = mysql_init(NULL);
	if (h == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	/*
	 * The library's own reconnect would silently drop session state,
	 * transactions and GET_LOCK locks: we reconnect ourselves, knowingly.
	 */
	if (mysql_options(h, MYSQL_OPT_CONNECT_TIMEOUT, &timeout) != 0 ||
		mysql_options(h, MYSQL_SET_CHARSET_NAME, "utf8mb4") != 0 ||
		mysql_options(h, MYSQL_OPT_RECONNECT, &off) != 0 ||
		mysql_options(h, MYSQL_REPORT_DATA_TRUNCATION, &on) != 0) {
		rc = db_set_error(db, DB_E_CONNECT, "cannot set connection options for %s: %s",
			where, mysql_error(h));
		goto out;
	}
	rc = tls_options(db, c, h, where);
	if (rc != 0)
		goto out;
	if (mysql_real_connect(h, c->socket != NULL ? "localhost" : c->host, c->user, c->password,
		    c->database, c->port, c->socket,
		    CLIENT_MULTI_STATEMENTS | CLIENT_FOUND_ROWS) == NULL) {
		if (c->tls != DB_TLS_DISABLE && c->tls != DB_TLS_DEFAULT &&
			mysql_errno(h) == CR_SSL_CONNECTION_ERROR &&
			db_util_tls_verify_failed(mysql_error(h))) {
			rc = db_set_error(db, DB_E_CONNECT,
				"cannot connect to MySQL at %s: server certificate does not verify: %s",
				where, mysql_error(h));
			goto out;
		}
		rc = db_set_error(db, mysql_errno(h) == CR_OUT_OF_MEMORY ? E_NOMEM : DB_E_CONNECT,
			"cannot connect to MySQL server %s, database '%s'%s%s%s: %s (error %u)",
			where, c->database, c->user != NULL ? ", user '" : "",
			c->user != NULL ? c->user : "", c->user != NULL ? "'" : "", mysql_error(h),
			mysql_errno(h));
		goto out;
	}
	if (c->tls != DB_TLS_DISABLE && c->tls != DB_TLS_DEFAULT &&
		mysql_get_ssl_cipher(h) == NULL) {
		rc = db_set_error(db, DB_E_CONNECT,
			"connection to %s is not encrypted (TLS required)", where);
		goto out;
	}
	rc = setup_session(db, c, h);
	if (rc != 0) {
		if (rc != E_NOMEM)
			rc = DB_E_CONNECT;
		goto out;
	}
	*out = h;
	h = NULL;
out:
	if (h != NULL)
		mysql_close(h);
	return rc;
}

/*
 * Replace a lost connection. Statements notice the new generation and
 * prepare again; the old MYSQL_STMTs were detached by mysql_close() and are
 * freed without talking to the server.
 */
static int
reconnect(db_t *db)
{
	struct conn *c = conn_of(db);
	MYSQL *h = NULL;
	int rc;

	rc = connect_handle(db, c, &h);
	if (rc != 0)
		goto out;
	mysql_close(c->h);
	c->h = h;
	c->gen++;
	c->lost = 0;
out:
	return rc;
}

/*
 * An idle connection has nothing to read. If the socket is readable, the
 * server closed it or sent its last words (killed, timed out, shutting
 * down): the session is gone. Under TLS a readable socket may carry
 * protocol records, so only a closed socket counts there.
 */
int
my_idle_socket_dead(MYSQL *h)
{
	struct pollfd p;
	char byte;
	ssize_t n;
	int fd = (int)mysql_get_socket(h);

	if (fd < 0)
		return 1;
	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLERR | POLLNVAL))
		return 1;
	n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		return 1;
	if (n < 0)
		return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
	return mysql_get_ssl_cipher(h) == NULL;
}

/* Before a round trip: make sure there is a session to talk to, if we may. */
int
my_conn_ready(db_t *db)
{
	struct conn *c = conn_of(db);

	if (!c->lost && my_idle_socket_dead(c->h))
		c->lost = 1;
	if (!c->lost && c->txn_aborted && db->in_txn)
		return db_set_error(db, DB_E_BUSY,
			"transaction was rolled back by the server"
			" (deadlock); roll back and retry");
	if (!c->lost)
		return 0;
	if (db->in_txn)
		return db_set_error(db, DB_E_CONNECT,
			"connection to %s was lost inside a transaction (the server rolled it "
			"back): roll back",
			db->location);
	if (c->locks != NULL)
		return db_set_error(db, DB_E_CONNECT,
			"connection to %s was lost while holding lock '%s', which went with it: "
			"release the lock or reopen",
			db->location, c->locks->name);
	return reconnect(db);
}

/*
 * After a failure with client/server error err: reconnect and run the
 * statement again? Only outside a transaction, holding no lock, when the
 * statement surely never reached the server or only reads.
 */
int
my_may_rerun(db_t *db, unsigned err, int rerunnable)
{
	struct conn *c = conn_of(db);

	if (!my_is_lost(err) || db->in_txn || c->locks != NULL)
		return 0;
	if (err != CR_SERVER_GONE_ERROR && !rerunnable)
		return 0;
	return reconnect(db) == 0;
}

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	/*
	 * Closing the session releases its GET_LOCK locks and rolls back, but
	 * the server notices the close in its own time: locks still held are
	 * released here first, so that another session (a standby daemon, the
	 * next command) can take them as soon as this returns. A server
	 * without RELEASE_ALL_LOCKS() (or a lost session) leaves it to the
	 * close.
	 */
	if (c->locks != NULL && c->h != NULL && !c->lost) {
		static const char release[] = "DO RELEASE_ALL_LOCKS()";

		(void)mysql_real_query(c->h, release, sizeof(release) - 1);
	}
	db_util_locks_free(&c->locks);
	if (c->h != NULL)
		mysql_close(c->h);
	db_util_free_secret(c->password);
	free(c->host);
	free(c->socket);
	free(c->database);
	free(c->user);
	free(c->tls_ca);
	free(c->tls_cert);
	free(c->tls_key);
	free(c);
}

int
my_open(db_t *db, const struct db_config *cfg)
{
	char where[300];
	struct conn *c;
	int oom = 0, rc = 0;

	if (mysql_api_load(where, sizeof(where)) != 0)
		return db_set_error(db, E_NOTFOUND, "%s (install libmariadb3)", where);
	if (cfg->port > 65535)
		return db_set_error(db, E_INVAL, "MySQL port %u is out of range", cfg->port);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	if (cfg->socket != NULL && cfg->socket[0] != '\0')
		c->socket = dup_or_null(cfg->socket, &oom);
	else
		c->host = dup_or_null(
			cfg->host != NULL && cfg->host[0] != '\0' ? cfg->host : DEFAULT_HOST, &oom);
	c->database = dup_or_null(cfg->database, &oom);
	c->user = dup_or_null(cfg->user, &oom);
	c->password = dup_or_null(cfg->password, &oom);
	if (cfg->tls_ca != NULL && cfg->tls_ca[0] != '\0')
		c->tls_ca = dup_or_null(cfg->tls_ca, &oom);
	if (cfg->tls_cert != NULL && cfg->tls_cert[0] != '\0')
		c->tls_cert = dup_or_null(cfg->tls_cert, &oom);
	if (cfg->tls_key != NULL && cfg->tls_key[0] != '\0')
		c->tls_key = dup_or_null(cfg->tls_key, &oom);
	if (oom) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	c->port = cfg->port != 0 ? cfg->port : DEFAULT_PORT;
	c->lock_timeout_ms = cfg->lock_timeout_ms != 0 ? cfg->lock_timeout_ms : DEFAULT_LOCK_MS;

	format_where(c, where, sizeof(where));
	(void)snprintf(db->location, sizeof(db->location), "%s%s%s/%s",
		c->user != NULL ? c->user : "", c->user != NULL ? "@" : "", where, c->database);
	c->tls = db_tls_effective(cfg, c->socket != NULL ? c->socket : c->host);
	rc = db_util_tls_check(db, cfg, c->tls, "MySQL", where);
	if (rc != 0)
		goto out;

	rc = connect_handle(db, c, &c->h);
	if (rc != 0)
		goto out;
	db->priv = c;
	c = NULL;
out:
	conn_free(c);
	return rc;
}

void
my_close(db_t *db)
{
	conn_free(conn_of(db));
	db->priv = NULL;
}
