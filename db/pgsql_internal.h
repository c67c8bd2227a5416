/*
 * pgsql_internal.h - what the files of the PostgreSQL driver share. Private
 * to db/pgsql*.c: pgsql.c (the driver table, transactions, locks, backup),
 * pgsql_conn.c (errors, the session, connections), pgsql_stmt.c (prepared
 * statements and their results) and pgsql_params.c (the placeholder
 * rewriter). With pq_api.h, the only header that includes libpq-fe.h.
 */
#ifndef DB_PGSQL_INTERNAL_H
#define DB_PGSQL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "db/db.h"
#include "db/driver.h"
#include "db/pgsql_params.h"
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
	char *host; /* host name or socket directory; NULL = libpq default */
	char *dbname;
	char *user;
	char *password;       /* kept for pg_dump; never printed */
	unsigned port;        /* 0 = libpq default */
	enum db_tls_mode tls; /* effective (db_tls_effective()); DB_TLS_DEFAULT = prefer */
	char *tls_ca, *tls_cert, *tls_key; /* NULL = libpq's default */
	unsigned lock_timeout_ms;
	char where[300];       /* "host:port", for messages */
	unsigned long next_id; /* for statement names */
	unsigned long session; /* counts reconnects: statements of older sessions are gone */
	int64_t changes;
	struct db_held_lock *locks;
	int needs_setup;      /* reconnected: session_setup() has not succeeded yet */
	int needs_locks;      /* reconnected: the locks have not been taken again yet */
	unsigned long *stale; /* statements to DEALLOCATE once the transaction ends */
	size_t nstale, capstale;
};

enum { ST_IDLE, ST_ROWS, ST_DONE };

struct pstmt {
	unsigned long id;      /* the server-side name is "s<id>" */
	unsigned long session; /* session it was prepared in; 0 = not prepared */
	char *sql;             /* the text with $n placeholders */
	int nparams;
	char **values; /* NULL = SQL NULL */
	int *lengths;
	int *formats; /* 0 text, 1 binary (blobs) */
	PGresult *res;
	int state;
	int row; /* current row of res */
	int ncols;
	unsigned char **blobs; /* decoded bytea of the current row, per column */
	size_t *bloblens;
};

static inline struct conn *
conn_of(db_t *db)
{
	return db->priv;
}

static inline struct pstmt *
stmt_of(db_stmt_t *st)
{
	return st->priv;
}

/*
 * Each function is described where it is defined. They return 0 or a
 * negative code of common/err.h and set the handle's message on failure,
 * as driver ops do.
 */

/* ---------------------------------------------------------- pgsql_conn.c */

int pgsql_fail(db_t *db, const PGresult *res, const char *what);
int pgsql_fail_nores(db_t *db, const char *what);
int pgsql_res_ok(const PGresult *res);
void pgsql_note_changes(struct conn *c, PGresult *res);
int pgsql_run(db_t *db, const char *sql, PGresult **out);
int pgsql_query_bool(db_t *db, const char *sql, const char *param, int *out);
void pgsql_lock_key(const char *name, char *buf, size_t len);
int pgsql_try_lock(db_t *db, const char *name, int *got);
int pgsql_ensure_conn(db_t *db);
void pgsql_flush_stale(db_t *db);
void pgsql_deallocate(struct conn *c, unsigned long id);
const char *pgsql_sslmode(enum db_tls_mode mode);
int pgsql_open(db_t *db, const struct db_config *cfg);
void pgsql_close(db_t *db);

/* ---------------------------------------------------------- pgsql_stmt.c */

int pgsql_prepare(db_t *db, db_stmt_t *st, const char *sql, int nparams);
int pgsql_bind_int(db_stmt_t *st, int idx, int64_t v);
int pgsql_bind_text(db_stmt_t *st, int idx, const char *v, size_t len);
int pgsql_bind_blob(db_stmt_t *st, int idx, const void *v, size_t len);
int pgsql_bind_double(db_stmt_t *st, int idx, double v);
int pgsql_bind_null(db_stmt_t *st, int idx);
int pgsql_step(db_stmt_t *st);
int pgsql_column_count(db_stmt_t *st);
int pgsql_column_is_null(db_stmt_t *st, int col);
int64_t pgsql_column_int(db_stmt_t *st, int col);
double pgsql_column_double(db_stmt_t *st, int col);
const char *pgsql_column_text(db_stmt_t *st, int col);
const void *pgsql_column_blob(db_stmt_t *st, int col, size_t *len);
int pgsql_reset(db_stmt_t *st);
void pgsql_finalize(db_stmt_t *st);
int64_t pgsql_changes(db_t *db);
int pgsql_exec(db_t *db, const char *sql);

#endif
