/*
 * db.h - the database layer: the whole public face.
 *
 * One API over several engines (SQLite always; PostgreSQL and MySQL/MariaDB
 * when configure found their client libraries). The engine is chosen at run
 * time from a struct db_config, normally filled from conf.xml <Datastore>.
 * Nothing above db/ includes an engine's own header.
 *
 * Conventions
 *  - Functions return 0 or a negative code of common/err.h. The engine's own
 *    message for the last failure is db_errmsg(db); it is never NULL.
 *  - SQL uses '?' placeholders; drivers rewrite them as their engine needs.
 *    Values are always bound, never formatted into SQL text.
 *  - Bind indexes are 1-based (as in SQLite); column indexes are 0-based.
 *  - Time values are bound and read as time_t and stored in one canonical
 *    form on every engine: UTC text "YYYY-MM-DD HH:MM:SS" (string order is
 *    time order). Hosts of a cluster may sit in different time zones.
 *  - A handle is used by one thread at a time.
 */
#ifndef DB_DB_H
#define DB_DB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum db_backend {
	DB_BACKEND_SQLITE = 1,
	DB_BACKEND_PGSQL = 2,
	DB_BACKEND_MYSQL = 3,
};

/*
 * How a server connection uses TLS (conf.xml <TLS><Mode>).
 * DB_TLS_DEFAULT resolves, in db_tls_effective(), to: DB_TLS_VERIFY_FULL when
 * a CA file is given; else DB_TLS_REQUIRE when the host is not local (see
 * db_host_is_local()) or a client certificate is given; else the engine's
 * own local behaviour, DB_TLS_DEFAULT (PostgreSQL: TLS when the server
 * offers it, unverified; MySQL: no TLS asked for).
 * DB_TLS_REQUIRE with a CA file also checks the chain (as libpq does).
 */
enum db_tls_mode {
	DB_TLS_DEFAULT = 0,
	DB_TLS_DISABLE = 1,     /* never TLS */
	DB_TLS_REQUIRE = 2,     /* TLS or no connection; the certificate is not checked */
	DB_TLS_VERIFY_CA = 3,   /* ... and its chain must end in the CA file */
	DB_TLS_VERIFY_FULL = 4, /* ... and it must name the host we asked for */
};

/*
 * Where the database is. The strings are borrowed by db_open() for the
 * duration of the call only. Unused fields are NULL / 0.
 */
struct db_config {
	enum db_backend backend;
	const char *path;     /* SQLite: database file */
	const char *host;     /* server: host name or address (NULL = default) */
	unsigned port;        /* server: TCP port (0 = engine default) */
	const char *socket;   /* server: UNIX socket path (instead of host) */
	const char *database; /* server: database name */
	const char *user;     /* server: user name */
	const char *password; /* server: password; never printed or logged */
	/*
	 * TLS to a server (SQLite ignores these). The paths are the PEM files
	 * handed to the client library (NULL = none / the library's default):
	 * tls_ca the certificates the server's chain must end in, tls_cert and
	 * tls_key our client certificate and its key (both or neither).
	 * db_open() refuses a file it cannot read before it connects.
	 */
	enum db_tls_mode tls_mode;
	const char *tls_ca;
	const char *tls_cert;
	const char *tls_key;
	int create; /* SQLite: create the file if it is missing */
	/*
	 * How long one statement waits for a lock another connection holds
	 * before it fails with DB_E_BUSY, in milliseconds; 0 = the driver's
	 * default (5000). db_transact() retries on top of this.
	 */
	unsigned lock_timeout_ms;
	/*
	 * Use the database for reading only (conf.xml <ReadOnly/>, for hosts
	 * that point at a replica): db_read_only() says yes whatever the
	 * server says, write transactions fail with DB_E_READONLY, and SQLite
	 * opens the file read-only.
	 */
	int read_only;
	/* db_transact()'s total patience in milliseconds; 0 = 10000. */
	unsigned retry_ms;
};

typedef struct db db_t;
typedef struct db_stmt db_stmt_t;

/* Results of db_step() besides the negative error codes. */
enum { DB_DONE = 0, DB_ROW = 1 };

/* Transaction kinds for db_begin(). */
enum db_txn {
	DB_TXN_READ = 0,  /* a consistent read; no writes intended */
	DB_TXN_WRITE = 1, /* takes the write lock up front (SQLite BEGIN IMMEDIATE) */
};

/* ------------------------------------------------------------ connections */

/*
 * Connect. On success *out is the new handle (free with db_close()). On
 * failure *out is untouched and, when err is not NULL, a one-line message
 * naming the problem (file or host:port, never the password) is written to
 * err (errlen bytes at most).
 * Errors: DB_E_NODRIVER, DB_E_CONNECT (cannot reach / open; SQLite: the
 * directory is missing), DB_E_CORRUPT, E_NOTFOUND (SQLite file missing and
 * cfg->create is 0), DB_E_READONLY (SQLite: cannot create the file in a
 * read-only directory), E_INVAL.
 * SQLite opens a file that is read-only (not writable by us, or with no
 * write bit in its mode even for root) or in a read-only directory in
 * read-only mode: reads work, writes fail with DB_E_READONLY.
 */
int db_open(const struct db_config *cfg, db_t **out, char *err, size_t errlen);

/* Disconnect, finalizing nothing: finalize statements first. NULL is a no-op. */
void db_close(db_t *db);

/* Message for the last failure on this handle; never NULL. */
const char *db_errmsg(const db_t *db);

/*
 * When the last failure was DB_E_CONSTRAINT on a unique index (or primary
 * key) that the engine names, that index's name ("zones_canon"); otherwise
 * "". Never NULL. Lets a caller tell which of a table's unique indexes a
 * racing insert hit without reading the message.
 */
const char *db_constraint(const db_t *db);

enum db_backend db_backend(const db_t *db);

/* "sqlite", "pgsql" or "mysql": the suffix of per-dialect migration files. */
const char *db_dialect(const db_t *db);

/* Human name of a backend ("SQLite", "PostgreSQL", "MySQL"). */
const char *db_backend_name(enum db_backend backend);

/* 1 when the driver for backend was built into this program. */
int db_backend_available(enum db_backend backend);

/*
 * Where the database is, for display: the file path or user@host:port/db.
 * Never contains the password. Borrowed, lives as long as the handle.
 */
const char *db_location(const db_t *db);

/* ------------------------------------------------------------------- TLS */

/* "disable", "require", "verify-ca", "verify-full" (conf.xml's names); "default". */
const char *db_tls_mode_name(enum db_tls_mode mode);

/*
 * 1 when host, as written (no name is looked up), is this machine: NULL or
 * "" (the library's default: a UNIX socket), a socket path ("/...", "@..."),
 * "localhost", an address in 127.0.0.0/8, ::1 (also "[::1]") or
 * ::ffff:127.x.x.x. A comma-separated libpq host list is local when every
 * host in it is. Any other name is not, even one that resolves to 127.0.0.1.
 */
int db_host_is_local(const char *host);

/*
 * The mode a connection to host (or the socket path in its place) with cfg
 * uses: cfg->tls_mode, or for DB_TLS_DEFAULT the rule at enum db_tls_mode.
 */
enum db_tls_mode db_tls_effective(const struct db_config *cfg, const char *host);

/* ------------------------------------------------------------- statements */

/*
 * Compile one statement (a trailing ';' is allowed; a second statement is
 * E_INVAL). *out is written only on success; free it with db_finalize().
 */
int db_prepare(db_t *db, const char *sql, db_stmt_t **out);

/*
 * Binds return E_INVAL for an index outside 1..(number of '?' in the SQL),
 * and E_RANGE for a time outside the years 0000..9999.
 */
int db_bind_int(db_stmt_t *st, int idx, int64_t value);
int db_bind_text(db_stmt_t *st, int idx, const char *value);             /* NULL binds NULL */
int db_bind_blob(db_stmt_t *st, int idx, const void *value, size_t len); /* NULL binds NULL */
int db_bind_double(db_stmt_t *st, int idx, double value);
int db_bind_null(db_stmt_t *st, int idx);
int db_bind_time(db_stmt_t *st, int idx, time_t value); /* canonical UTC text */

/* Run or advance: DB_ROW when a row is ready, DB_DONE at the end, or < 0. */
int db_step(db_stmt_t *st);

int db_column_count(db_stmt_t *st);
int db_column_is_null(db_stmt_t *st, int col);
int64_t db_column_int(db_stmt_t *st, int col); /* NULL reads 0 */
double db_column_double(db_stmt_t *st, int col);
/* Borrowed until the next db_step/db_reset/db_finalize; NULL for SQL NULL. */
const char *db_column_text(db_stmt_t *st, int col);
/* As db_column_text; a zero-length value is a non-NULL pointer with *len 0. */
const void *db_column_blob(db_stmt_t *st, int col, size_t *len);
/* Parse a time column written by db_bind_time(); E_PARSE, or E_NOTFOUND for NULL. */
int db_column_time(db_stmt_t *st, int col, time_t *out);

/* Rows changed by the last completed INSERT/UPDATE/DELETE on this handle. */
int64_t db_changes(db_t *db);

/* Make the statement runnable again; bindings are kept. */
int db_reset(db_stmt_t *st);

/* Free the statement. NULL is a no-op. */
void db_finalize(db_stmt_t *st);

/*
 * Run SQL text without parameters. It may hold several statements separated
 * by ';' (migrations). Rows are discarded.
 */
int db_exec(db_t *db, const char *sql);

/*
 * Statements run on this handle so far: each execution of a prepared
 * statement (its first db_step() after the prepare or a reset) and each
 * db_exec() counts once, whatever the rows. For figures, not logic.
 */
uint64_t db_statements(const db_t *db);

/* ----------------------------------------------------------- transactions */

/*
 * db_begin inside a transaction and db_commit outside one are DB_E_MISUSE.
 * When db_commit fails the transaction is still open: roll it back.
 */
int db_begin(db_t *db, enum db_txn kind);
int db_commit(db_t *db);
int db_rollback(db_t *db); /* safe to call when no transaction is open */
int db_in_transaction(const db_t *db);

/*
 * Run fn(db, arg) inside a transaction of the given kind and commit. When fn
 * or the commit fails with DB_E_BUSY (lock timeout, deadlock, serialization
 * failure) the transaction is rolled back and fn runs again after a short
 * randomised back-off, for retry_ms of db_config in all (10 s by default),
 * then DB_E_BUSY with a message saying how long it waited and for what. Any
 * other failure rolls back and is returned as is. fn must not begin or
 * commit itself, and must be safe to run more than once (keep side effects
 * outside the database out of it, or make them idempotent). Called inside a
 * transaction: DB_E_MISUSE.
 */
int db_transact(db_t *db, enum db_txn kind, int (*fn)(db_t *db, void *arg), void *arg);

/* ---------------------------------------------------------- advisory locks */

/*
 * Named advisory locks, held by this handle until released or closed (or
 * the process dies). Names are [a-z0-9_-]{1,48}. wait_ms = 0 tries once;
 * otherwise waits up to wait_ms. DB_E_LOCKED when another holder has it.
 * The same handle may not take a name twice, nor release one it does not
 * hold (DB_E_MISUSE). Invalid names are E_INVAL. SQLite: a lock file
 * "<database>.lock.<name>" beside the database; DB_E_READONLY when it cannot
 * be created there.
 */
int db_lock(db_t *db, const char *name, int wait_ms);
int db_unlock(db_t *db, const char *name);

/* ------------------------------------------------------------ maintenance */

/*
 * *out = 1 when writes are refused (read-only file or directory, a replica,
 * a server in read-only mode), 0 otherwise.
 */
int db_read_only(db_t *db, int *out);

/*
 * Write a consistent copy of the database to dest while others may keep
 * writing. SQLite: online backup API to a temporary file, checked with
 * PRAGMA integrity_check, then renamed over dest. Server engines delegate
 * to their dump tool. The backup is mode 0600. dest must be a new name or
 * a regular file (an older backup): anything else is E_INVAL, untouched.
 * E_IO when dest's directory is missing or not writable; no partial file
 * is left behind on failure.
 */
int db_backup(db_t *db, const char *dest);

#endif
