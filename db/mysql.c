/*
 * mysql.c - the MySQL/MariaDB driver, on MariaDB Connector/C (libmariadb).
 *
 * The only file of the project that includes mysql.h. Choices worth knowing:
 *
 *  - Session: utf8mb4; time_zone '+00:00', so TIMESTAMP columns (what 1.4
 *    databases have) read and write our canonical UTC text; autocommit on;
 *    innodb_lock_wait_timeout from lock_timeout_ms. sql_mode (see
 *    SESSION_SQL_MODE) makes MySQL read SQL text the way SQLite, PostgreSQL
 *    and db.c's placeholder scanner do.
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

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/dump.h"
#include "db/mysql_api.h"
#include "db/util.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 3306
#define CONNECT_TIMEOUT_S 10
#define DEFAULT_LOCK_MS 5000

/* Server-side names of our advisory locks: PREFIX<database>:<name>, at most 64 chars. */
#define LOCK_PREFIX "kasp-enforcer:"
#define SERVER_LOCK_MAX 64

/* Smallest buffer of a text column; larger values get what max_length says. */
#define MIN_TEXT_CAP 64

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
#define SESSION_SQL_MODE \
	"ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES," \
	"ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

/* The client library's boolean (my_bool in Connector/C, bool in MySQL 8's). */
typedef __typeof__(*((MYSQL_BIND *)0)->is_null) flag_t;

struct conn {
	MYSQL *h;
	unsigned gen;             /* bumped at every connect: older statements prepare again */
	int lost;                 /* the connection broke; see conn_ready() */
	int txn_aborted;          /* the server rolled our transaction back (deadlock) */
	int64_t changes;          /* rows of the last INSERT/UPDATE/DELETE/REPLACE */
	struct db_held_lock *locks;
	/* What (re)connecting needs. */
	char *host;               /* NULL with a socket */
	char *socket;
	char *database;
	char *user;
	char *password;
	unsigned port;
	enum db_tls_mode tls;     /* effective (db_tls_effective()); DB_TLS_DEFAULT = none asked */
	char *tls_ca, *tls_cert, *tls_key; /* NULL = none */
	unsigned lock_timeout_ms;
};

enum col_kind { COL_TEXT, COL_INT, COL_DOUBLE };

struct param {
	int64_t i;
	double d;
	char *buf;                /* text or blob value, owned */
	unsigned long len;
	flag_t is_null;
};

struct column {
	enum col_kind kind;
	int is_unsigned;
	char *buf;                /* COL_TEXT: the value and a NUL */
	unsigned long cap;        /* bytes allocated at buf */
	unsigned long len;
	int64_t i;
	double d;
	flag_t is_null;
	flag_t error;
	char num[40];             /* COL_INT / COL_DOUBLE as text, made on demand */
	int num_ok;
};

enum st_state { ST_IDLE, ST_ROWS, ST_DONE };

struct stmt {
	MYSQL_STMT *s;            /* NULL until prepared on the current connection */
	unsigned gen;             /* connection generation s belongs to */
	char *sql;
	int is_write;             /* INSERT/UPDATE/DELETE/REPLACE: sets db_changes() */
	int rerunnable;           /* only reads: may run again after a lost connection */
	int nparams;
	struct param *pv;
	MYSQL_BIND *pb;
	int ncols;                /* columns of the current result (cols / rb) */
	struct column *cols;
	MYSQL_BIND *rb;
	enum st_state state;
};

static struct conn *
conn_of(db_t *db)
{
	return db->priv;
}

static struct stmt *
stmt_of(db_stmt_t *st)
{
	return st->priv;
}

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
static int
is_lost(unsigned err)
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
	if (is_lost(err))
		return DB_E_CONNECT;
	switch (err) {
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_USER_LOCK_DEADLOCK:
		return DB_E_BUSY;
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
	case ER_CONSTRAINT_FAILED:
		return DB_E_CONSTRAINT;
	case ER_OPTION_PREVENTS_STATEMENT:     /* --read-only */
	case ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION:
	case ER_OPEN_AS_READONLY:
	case ER_READ_ONLY_MODE:
		return DB_E_READONLY;
	case CR_OUT_OF_MEMORY:
		return E_NOMEM;
	case CR_COMMANDS_OUT_OF_SYNC:
		return DB_E_MISUSE;
	}
	return DB_E_SQL;
}

/*
 * Record a failure (message with the error number) and return our code. A
 * lost session is remembered so that the next call deals with it.
 */
static int
fail_num(db_t *db, unsigned err, const char *msg, const char *what)
{
	struct conn *c = conn_of(db);

	if (is_lost(err) && c != NULL)
		c->lost = 1;
	/*
	 * A deadlock rolls back and ends the whole transaction; what followed
	 * would run in autocommit. conn_ready() refuses it until the rollback.
	 * (A lost session inside a transaction is refused there already.)
	 */
	if (err == ER_LOCK_DEADLOCK && c != NULL && db->in_txn)
		c->txn_aborted = 1;
	if (err == 0)
		return db_set_error(db, DB_E_SQL, "%s: %s", what, msg != NULL ? msg : "failed");
	return db_set_error(db, code_of(err), "%s: %s (MySQL error %u)", what, msg, err);
}

static int
fail_conn(db_t *db, const char *what)
{
	MYSQL *h = conn_of(db)->h;

	return fail_num(db, mysql_errno(h), mysql_error(h), what);
}

static int
fail_stmt(db_t *db, MYSQL_STMT *s, const char *what)
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
static int
drain_results(db_t *db, MYSQL *h, const char *what, int count_writes)
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
		"SESSION autocommit = 1, SESSION innodb_lock_wait_timeout = %u", secs);
	if (mysql_real_query(h, sql, (unsigned long)strlen(sql)) != 0)
		return fail_num(db, mysql_errno(h), mysql_error(h), "session setup");
	return drain_results(db, h, "session setup", 0);
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
	case DB_TLS_DISABLE:
		bad = mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &off) != 0;
		break;
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
			"TLS mode %s: %s", where, db_tls_mode_name(c->tls), mysql_error(h));
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
	if (mysql_real_connect(h, c->socket != NULL ? "localhost" : c->host, c->user,
		    c->password, c->database, c->port, c->socket,
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
			c->user != NULL ? c->user : "", c->user != NULL ? "'" : "",
			mysql_error(h), mysql_errno(h));
		goto out;
	}
	if (c->tls != DB_TLS_DISABLE && c->tls != DB_TLS_DEFAULT && mysql_get_ssl_cipher(h) == NULL) {
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
static int
idle_socket_dead(MYSQL *h)
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
static int
conn_ready(db_t *db)
{
	struct conn *c = conn_of(db);

	if (!c->lost && idle_socket_dead(c->h))
		c->lost = 1;
	if (!c->lost && c->txn_aborted && db->in_txn)
		return db_set_error(db, DB_E_BUSY, "transaction was rolled back by the server"
			" (deadlock); roll back and retry");
	if (!c->lost)
		return 0;
	if (db->in_txn)
		return db_set_error(db, DB_E_CONNECT,
			"connection to %s was lost inside a transaction (the server rolled it "
			"back): roll back", db->location);
	if (c->locks != NULL)
		return db_set_error(db, DB_E_CONNECT,
			"connection to %s was lost while holding lock '%s', which went with it: "
			"release the lock or reopen", db->location, c->locks->name);
	return reconnect(db);
}

/*
 * After a failure with client/server error err: reconnect and run the
 * statement again? Only outside a transaction, holding no lock, when the
 * statement surely never reached the server or only reads.
 */
static int
may_rerun(db_t *db, unsigned err, int rerunnable)
{
	struct conn *c = conn_of(db);

	if (!is_lost(err) || db->in_txn || c->locks != NULL)
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

static int
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
		c->host = dup_or_null(cfg->host != NULL && cfg->host[0] != '\0' ? cfg->host :
			DEFAULT_HOST, &oom);
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

static void
my_close(db_t *db)
{
	conn_free(conn_of(db));
	db->priv = NULL;
}

/* ------------------------------------------------------------- statements */

/* The first keyword of sql, upper-cased into buf, skipping blanks, comments and '('. */
static void
first_word(const char *sql, char *buf, size_t len)
{
	const char *p = sql;
	size_t n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '(')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '#') {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			p += 2;
			while (*p != '\0' && !(p[0] == '*' && p[1] == '/'))
				p++;
			if (*p != '\0')
				p += 2;
		} else {
			break;
		}
	}
	while (n + 1 < len && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		buf[n++] = (char)(*p++ & ~0x20);
	buf[n] = '\0';
}

static int
word_is_write(const char *w)
{
	return strcmp(w, "INSERT") == 0 || strcmp(w, "UPDATE") == 0 || strcmp(w, "DELETE") == 0 ||
	       strcmp(w, "REPLACE") == 0;
}

static void
free_columns(struct stmt *ms)
{
	int i;

	for (i = 0; i < ms->ncols; i++)
		free(ms->cols[i].buf);
	free(ms->cols);
	free(ms->rb);
	ms->cols = NULL;
	ms->rb = NULL;
	ms->ncols = 0;
}

/* Drop the server statement (if any); a detached one is only freed. */
static void
drop_server_stmt(struct stmt *ms)
{
	if (ms->s != NULL)
		(void)mysql_stmt_close(ms->s);
	ms->s = NULL;
}

/* Prepare ms->sql on the current connection. */
static int
compile(db_t *db, struct stmt *ms)
{
	struct conn *c = conn_of(db);
	MYSQL_STMT *s;
	flag_t on = 1;
	int rc = 0;

	drop_server_stmt(ms);
	s = mysql_stmt_init(c->h);
	if (s == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	if (mysql_stmt_prepare(s, ms->sql, (unsigned long)strlen(ms->sql)) != 0) {
		rc = fail_stmt(db, s, "prepare");
		goto out;
	}
	if (mysql_stmt_param_count(s) != (unsigned long)ms->nparams) {
		/* Only plain '?' is ours. */
		rc = db_set_error(db, E_INVAL,
			"db_prepare: %d placeholders counted, MySQL sees %lu", ms->nparams,
			mysql_stmt_param_count(s));
		goto out;
	}
	/* Have store_result() measure the longest value of each column. */
	if (mysql_stmt_attr_set(s, STMT_ATTR_UPDATE_MAX_LENGTH, &on) != 0) {
		rc = fail_stmt(db, s, "prepare");
		goto out;
	}
	ms->s = s;
	ms->gen = c->gen;
	s = NULL;
out:
	if (s != NULL)
		(void)mysql_stmt_close(s);
	return rc;
}

static void
stmt_free(struct stmt *ms)
{
	int i;

	if (ms == NULL)
		return;
	drop_server_stmt(ms);
	free_columns(ms);
	for (i = 0; i < ms->nparams; i++)
		free(ms->pv[i].buf);
	free(ms->pv);
	free(ms->pb);
	free(ms->sql);
	free(ms);
}

static int
my_prepare(db_t *db, db_stmt_t *st, const char *sql, int nparams)
{
	struct stmt *ms;
	char word[16];
	int i, tries, rc = 0;

	ms = calloc(1, sizeof(*ms));
	if (ms == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	ms->sql = strdup(sql);
	ms->nparams = nparams;
	if (nparams > 0) {
		ms->pv = calloc((size_t)nparams, sizeof(*ms->pv));
		ms->pb = calloc((size_t)nparams, sizeof(*ms->pb));
	}
	if (ms->sql == NULL || (nparams > 0 && (ms->pv == NULL || ms->pb == NULL))) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	/* Unbound parameters are NULL, as in SQLite. */
	for (i = 0; i < nparams; i++) {
		ms->pv[i].is_null = 1;
		ms->pb[i].buffer_type = MYSQL_TYPE_NULL;
		ms->pb[i].is_null = &ms->pv[i].is_null;
	}
	first_word(sql, word, sizeof(word));
	ms->is_write = word_is_write(word);
	ms->rerunnable = strcmp(word, "SELECT") == 0 || strcmp(word, "SHOW") == 0;

	/* Preparing twice does no harm: a lost connection is replaced and we try again. */
	for (tries = 0;; tries++) {
		rc = conn_ready(db);
		if (rc != 0)
			goto out;
		rc = compile(db, ms);
		if (rc == 0)
			break;
		if (rc != DB_E_CONNECT || tries > 0 || !may_rerun(db, CR_SERVER_GONE_ERROR, 1))
			goto out;
	}
	st->ncols = (int)mysql_stmt_field_count(ms->s);
	st->priv = ms;
	ms = NULL;
out:
	stmt_free(ms);
	return rc;
}

static struct param *
param_at(db_stmt_t *st, int idx, MYSQL_BIND **b)
{
	struct stmt *ms = stmt_of(st);

	*b = &ms->pb[idx - 1];
	memset(*b, 0, sizeof(**b));
	(*b)->is_null = &ms->pv[idx - 1].is_null;
	ms->pv[idx - 1].is_null = 0;
	return &ms->pv[idx - 1];
}

static int
my_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	MYSQL_BIND *b;
	struct param *p = param_at(st, idx, &b);

	p->i = v;
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = &p->i;
	return 0;
}

static int
my_bind_double(db_stmt_t *st, int idx, double v)
{
	MYSQL_BIND *b;
	struct param *p = param_at(st, idx, &b);

	p->d = v;
	b->buffer_type = MYSQL_TYPE_DOUBLE;
	b->buffer = &p->d;
	return 0;
}

static int
bind_bytes(db_stmt_t *st, int idx, const void *v, size_t len, enum enum_field_types type)
{
	MYSQL_BIND *b;
	struct param *p;
	char *copy;

	if (len > UINT32_MAX)
		return db_set_error(st->db, E_RANGE, "value of %zu bytes is too long", len);
	/* One byte more, so that an empty value still has a buffer (non-NULL). */
	copy = malloc(len + 1);
	if (copy == NULL)
		return db_set_error(st->db, E_NOMEM, "out of memory");
	if (len > 0)
		memcpy(copy, v, len);
	copy[len] = '\0';
	p = param_at(st, idx, &b);
	free(p->buf);
	p->buf = copy;
	p->len = (unsigned long)len;
	b->buffer_type = type;
	b->buffer = p->buf;
	b->buffer_length = p->len;
	b->length = &p->len;
	return 0;
}

static int
my_bind_text(db_stmt_t *st, int idx, const char *v, size_t len)
{
	return bind_bytes(st, idx, v, len, MYSQL_TYPE_STRING);
}

static int
my_bind_blob(db_stmt_t *st, int idx, const void *v, size_t len)
{
	return bind_bytes(st, idx, v, len, MYSQL_TYPE_BLOB);
}

static int
my_bind_null(db_stmt_t *st, int idx)
{
	struct stmt *ms = stmt_of(st);
	MYSQL_BIND *b;

	(void)param_at(st, idx, &b);
	b->buffer_type = MYSQL_TYPE_NULL;
	ms->pv[idx - 1].is_null = 1;
	return 0;
}

static enum col_kind
kind_of(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return COL_INT;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
		return COL_DOUBLE;
	default:
		/* Strings, blobs, DECIMAL, dates and times (as "YYYY-MM-DD HH:MM:SS"). */
		return COL_TEXT;
	}
}

/* Result buffers for the result the statement just produced. */
static int
bind_columns(db_t *db, struct stmt *ms)
{
	MYSQL_RES *meta;
	MYSQL_FIELD *f;
	unsigned n, i;
	int rc = 0;

	meta = mysql_stmt_result_metadata(ms->s);
	if (meta == NULL) {
		rc = mysql_stmt_errno(ms->s) != 0 ? fail_stmt(db, ms->s, "step") :
			db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	n = mysql_num_fields(meta);
	f = mysql_fetch_fields(meta);
	if ((int)n != ms->ncols) {
		free_columns(ms);
		ms->cols = calloc(n > 0 ? n : 1, sizeof(*ms->cols));
		ms->rb = calloc(n > 0 ? n : 1, sizeof(*ms->rb));
		if (ms->cols == NULL || ms->rb == NULL) {
			free(ms->cols);
			free(ms->rb);
			ms->cols = NULL;
			ms->rb = NULL;
			rc = db_set_error(db, E_NOMEM, "out of memory");
			goto out;
		}
		ms->ncols = (int)n;
	}
	for (i = 0; i < n; i++) {
		struct column *col = &ms->cols[i];
		MYSQL_BIND *b = &ms->rb[i];

		memset(b, 0, sizeof(*b));
		col->kind = kind_of(f[i].type);
		col->is_unsigned = (f[i].flags & UNSIGNED_FLAG) != 0;
		b->is_null = &col->is_null;
		b->length = &col->len;
		b->error = &col->error;
		if (col->kind == COL_INT) {
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &col->i;
			b->is_unsigned = col->is_unsigned;
			continue;
		}
		if (col->kind == COL_DOUBLE) {
			b->buffer_type = MYSQL_TYPE_DOUBLE;
			b->buffer = &col->d;
			continue;
		}
		if (col->cap < f[i].max_length + 1 || col->cap < MIN_TEXT_CAP) {
			unsigned long cap = f[i].max_length + 1 > MIN_TEXT_CAP ?
				f[i].max_length + 1 : MIN_TEXT_CAP;
			char *buf = realloc(col->buf, cap);

			if (buf == NULL) {
				rc = db_set_error(db, E_NOMEM, "out of memory");
				goto out;
			}
			col->buf = buf;
			col->cap = cap;
		}
		b->buffer_type = MYSQL_TYPE_STRING;
		b->buffer = col->buf;
		b->buffer_length = col->cap - 1;     /* room for our NUL */
	}
	if (mysql_stmt_bind_result(ms->s, ms->rb) != 0)
		rc = fail_stmt(db, ms->s, "step");
out:
	mysql_free_result(meta);
	return rc;
}

/* Fetch again, whole, the text columns that did not fit their buffers. */
static int
refetch_truncated(db_t *db, struct stmt *ms)
{
	int i, rebind = 0, rc = 0;

	for (i = 0; i < ms->ncols; i++) {
		struct column *col = &ms->cols[i];
		MYSQL_BIND b;
		char *buf;

		if (col->kind != COL_TEXT || !col->error || col->is_null)
			continue;
		if (col->len >= ULONG_MAX - 1) {
			rc = db_set_error(db, E_RANGE, "column %d is too long", i);
			goto out;
		}
		buf = realloc(col->buf, col->len + 1);
		if (buf == NULL) {
			rc = db_set_error(db, E_NOMEM, "out of memory");
			goto out;
		}
		col->buf = buf;
		col->cap = col->len + 1;
		ms->rb[i].buffer = col->buf;
		ms->rb[i].buffer_length = col->cap - 1;
		rebind = 1;
		b = ms->rb[i];
		if (mysql_stmt_fetch_column(ms->s, &b, (unsigned)i, 0) != 0) {
			rc = fail_stmt(db, ms->s, "step");
			goto out;
		}
		col->error = 0;
	}
out:
	/* The next fetch must write into the grown buffers. */
	if (rebind && mysql_stmt_bind_result(ms->s, ms->rb) != 0 && rc == 0)
		rc = fail_stmt(db, ms->s, "step");
	return rc;
}

static int
fetch_row(db_stmt_t *st)
{
	struct stmt *ms = stmt_of(st);
	int i, r, rc;

	r = mysql_stmt_fetch(ms->s);
	if (r == MYSQL_NO_DATA) {
		ms->state = ST_DONE;
		return DB_DONE;
	}
	if (r == 1) {
		ms->state = ST_DONE;
		return fail_stmt(st->db, ms->s, "step");
	}
	if (r == MYSQL_DATA_TRUNCATED) {
		rc = refetch_truncated(st->db, ms);
		if (rc != 0) {
			ms->state = ST_DONE;
			return rc;
		}
	}
	for (i = 0; i < ms->ncols; i++) {
		struct column *col = &ms->cols[i];

		col->num_ok = 0;
		if (col->kind == COL_TEXT)
			col->buf[col->len < col->cap ? col->len : col->cap - 1] = '\0';
	}
	return DB_ROW;
}

/* Execute once; on failure *err is the error number (0 when not from MySQL). */
static int
execute(db_stmt_t *st, unsigned *err)
{
	struct stmt *ms = stmt_of(st);
	struct conn *c = conn_of(st->db);
	int rc;

	*err = 0;
	rc = conn_ready(st->db);
	if (rc != 0)
		goto out;
	if (ms->s == NULL || ms->gen != c->gen) {
		rc = compile(st->db, ms);
		if (rc != 0) {
			/* A statement that failed to prepare did not run: safe to try again. */
			*err = rc == DB_E_CONNECT ? CR_SERVER_GONE_ERROR : 0;
			goto out;
		}
	}
	if (ms->nparams > 0 && mysql_stmt_bind_param(ms->s, ms->pb) != 0) {
		rc = fail_stmt(st->db, ms->s, "bind");
		goto out;
	}
	if (mysql_stmt_execute(ms->s) != 0) {
		*err = mysql_stmt_errno(ms->s);
		rc = fail_stmt(st->db, ms->s, "step");
		goto out;
	}
	if (mysql_stmt_field_count(ms->s) == 0) {
		if (ms->is_write)
			c->changes = (int64_t)mysql_stmt_affected_rows(ms->s);
		ms->state = ST_DONE;
		st->ncols = 0;
		rc = DB_DONE;
		goto out;
	}
	if (mysql_stmt_store_result(ms->s) != 0) {
		*err = mysql_stmt_errno(ms->s);
		rc = fail_stmt(st->db, ms->s, "step");
		goto out;
	}
	rc = bind_columns(st->db, ms);
	if (rc != 0) {
		(void)mysql_stmt_free_result(ms->s);
		goto out;
	}
	st->ncols = ms->ncols;
	ms->state = ST_ROWS;
	rc = fetch_row(st);
out:
	return rc;
}

static int
my_step(db_stmt_t *st)
{
	struct stmt *ms = stmt_of(st);
	unsigned err;
	int rc;

	if (ms->state == ST_DONE)
		return DB_DONE;
	if (ms->state == ST_ROWS)
		return fetch_row(st);
	rc = execute(st, &err);
	if (rc < 0 && may_rerun(st->db, err, ms->rerunnable))
		rc = execute(st, &err);
	return rc;
}

static int
my_column_count(db_stmt_t *st)
{
	return st->ncols;
}

static struct column *
col_at(db_stmt_t *st, int col)
{
	struct stmt *ms = stmt_of(st);

	if (ms->state != ST_ROWS || col < 0 || col >= ms->ncols)
		return NULL;
	return &ms->cols[col];
}

static int
my_column_is_null(db_stmt_t *st, int col)
{
	struct column *c = col_at(st, col);

	return c == NULL || c->is_null;
}

static int64_t
my_column_int(db_stmt_t *st, int col)
{
	struct column *c = col_at(st, col);

	if (c == NULL || c->is_null)
		return 0;
	switch (c->kind) {
	case COL_INT:
		return c->i;
	case COL_DOUBLE:
		if (isnan(c->d))
			return 0;
		if (c->d >= 9223372036854775807.0)
			return INT64_MAX;
		if (c->d <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)c->d;
	case COL_TEXT:
		break;
	}
	return (int64_t)strtoll(c->buf, NULL, 10);
}

static double
my_column_double(db_stmt_t *st, int col)
{
	struct column *c = col_at(st, col);

	if (c == NULL || c->is_null)
		return 0.0;
	switch (c->kind) {
	case COL_INT:
		return c->is_unsigned ? (double)(uint64_t)c->i : (double)c->i;
	case COL_DOUBLE:
		return c->d;
	case COL_TEXT:
		break;
	}
	return strtod(c->buf, NULL);
}

/* A number column as text: integers exactly, doubles in the fewest digits that read back. */
static const char *
number_text(struct column *c)
{
	if (c->num_ok)
		return c->num;
	if (c->kind == COL_INT) {
		if (c->is_unsigned)
			(void)snprintf(c->num, sizeof(c->num), "%llu",
				(unsigned long long)(uint64_t)c->i);
		else
			(void)snprintf(c->num, sizeof(c->num), "%lld", (long long)c->i);
	} else {
		(void)snprintf(c->num, sizeof(c->num), "%.15g", c->d);
		if (strtod(c->num, NULL) != c->d)
			(void)snprintf(c->num, sizeof(c->num), "%.17g", c->d);
	}
	c->num_ok = 1;
	return c->num;
}

static const char *
my_column_text(db_stmt_t *st, int col)
{
	struct column *c = col_at(st, col);

	if (c == NULL || c->is_null)
		return NULL;
	if (c->kind == COL_TEXT)
		return c->buf;
	return number_text(c);
}

static const void *
my_column_blob(db_stmt_t *st, int col, size_t *len)
{
	struct column *c = col_at(st, col);
	const char *t;

	if (c == NULL || c->is_null)
		return NULL;
	if (c->kind == COL_TEXT) {
		*len = c->len < c->cap ? c->len : c->cap - 1;
		return c->buf;
	}
	t = number_text(c);
	*len = strlen(t);
	return t;
}

static int
my_reset(db_stmt_t *st)
{
	struct stmt *ms = stmt_of(st);
	struct conn *c = conn_of(st->db);

	if (ms->s != NULL && ms->gen != c->gen)
		drop_server_stmt(ms);     /* of a closed connection: prepared again on use */
	else if (ms->s != NULL && ms->state != ST_IDLE)
		(void)mysql_stmt_free_result(ms->s);    /* client-side only: results are stored */
	ms->state = ST_IDLE;
	return 0;
}

static void
my_finalize(db_stmt_t *st)
{
	stmt_free(stmt_of(st));
	st->priv = NULL;
}

static int64_t
my_changes(db_t *db)
{
	return conn_of(db)->changes;
}

/*
 * Run SQL text (one or more statements) and drop any rows. Only a failure
 * that surely sent nothing is retried; a later statement's failure leaves
 * the earlier ones done, as with SQLite's exec.
 */
static int
run_text(db_t *db, const char *sql, const char *what, int count_writes)
{
	struct conn *c = conn_of(db);
	unsigned err;
	int tries, rc;

	for (tries = 0;; tries++) {
		rc = conn_ready(db);
		if (rc != 0)
			goto out;
		if (mysql_real_query(c->h, sql, (unsigned long)strlen(sql)) == 0)
			break;
		err = mysql_errno(c->h);
		rc = fail_conn(db, what);
		if (tries > 0 || !may_rerun(db, err, 0))
			goto out;
	}
	rc = drain_results(db, c->h, what, count_writes);
out:
	return rc;
}

static int
my_exec(db_t *db, const char *sql)
{
	char word[16];

	/* Blank text is no statement (SQLite agrees); the server would say "Query was empty". */
	if (sql[strspn(sql, " \t\r\n")] == '\0')
		return 0;
	first_word(sql, word, sizeof(word));
	return run_text(db, sql, "exec", word_is_write(word));
}

/* ----------------------------------------------------------- transactions */

static int
my_begin(db_t *db, enum db_txn kind)
{
	conn_of(db)->txn_aborted = 0;
	/* SET TRANSACTION (without SESSION) applies to the next transaction only. */
	if (kind == DB_TXN_WRITE)
		return run_text(db,
			"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; START TRANSACTION", "begin",
			0);
	return run_text(db,
		"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; "
		"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", "begin", 0);
}

static int
my_commit(db_t *db)
{
	struct conn *c = conn_of(db);
	unsigned err;
	int rc;

	rc = conn_ready(db);
	if (rc != 0)
		return rc;
	if (mysql_real_query(c->h, "COMMIT", 6) == 0)
		return drain_results(db, c->h, "commit", 0);
	err = mysql_errno(c->h);
	rc = fail_conn(db, "commit");
	if (err == CR_SERVER_LOST || err == CR_SERVER_LOST_EXTENDED)
		rc = db_set_error(db, DB_E_CONNECT,
			"connection to %s was lost during COMMIT: the transaction may or may "
			"not have been committed", db->location);
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
		return drain_results(db, c->h, "rollback", 0);
	err = mysql_errno(c->h);
	if (is_lost(err)) {
		c->lost = 1;
		return 0;
	}
	return fail_conn(db, "rollback");
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
	(void)snprintf(buf, len, "%.47s#%016llx", full, (unsigned long long)db_util_fnv1a64(DB_UTIL_FNV1A64_INIT, full));
}

/*
 * Run a one-row query with an optional text and double parameter; *isnull
 * and *val get the first column. The statement lives on our stack, using
 * the same code paths (and reconnect rules) as the caller's statements.
 */
static int
query_one(db_t *db, const char *sql, const char *text, const double *num, int *isnull,
	  int64_t *val)
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
	if (!c->lost && idle_socket_dead(c->h))
		c->lost = 1;
	if (!c->lost) {
		rc = query_one(db, "SELECT RELEASE_LOCK(?)", sname, NULL, &isnull, &got);
		if (rc == DB_E_CONNECT)
			rc = 0;
		else if (rc != 0)
			return rc;      /* still held: the caller may try again */
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
		"'innodb_read_only', 'tx_read_only', 'transaction_read_only')", 0);
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
	case DB_TLS_DEFAULT:
		break;
	case DB_TLS_DISABLE:
		(void)fputs("loose-skip-ssl\nloose-ssl-mode=DISABLED\n", f);
		break;
	case DB_TLS_REQUIRE:
		(void)fputs("loose-ssl\nloose-skip-ssl-verify-server-cert\n"
			    "loose-ssl-mode=REQUIRED\n", f);
		break;
	case DB_TLS_VERIFY_CA:
		(void)fputs("loose-ssl\nloose-skip-ssl-verify-server-cert\n"
			    "loose-ssl-mode=VERIFY_CA\n", f);
		break;
	case DB_TLS_VERIFY_FULL:
		(void)fputs("loose-ssl\nloose-ssl-verify-server-cert\n"
			    "loose-ssl-mode=VERIFY_IDENTITY\n", f);
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
		return db_set_error(db, E_INVAL, "database name '%s' cannot be given to a dump tool",
			c->database);

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
