/*
 * mysql_internal.h - what the files of the MySQL/MariaDB driver share:
 * mysql.c (transactions, advisory locks, maintenance, the driver's table),
 * mysql_conn.c (errors, connecting) and mysql_stmt.c (statements). Private
 * to db/mysql*.c; it is, with mysql_api.h, where mysql.h is included (and
 * errmsg.h and mysqld_error.h, for the CR_* and ER_* error numbers).
 *
 * The rest of db/ reaches the driver only through db_driver_mysql; the my_*
 * functions below are what one of its files calls in another. Ownership as
 * in driver.h: the handle (struct conn) owns its connection and settings.
 */
#ifndef DB_MYSQL_INTERNAL_H
#define DB_MYSQL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "db/db.h"
#include "db/driver.h"
#include "db/mysql_api.h"

/* The client library's boolean (my_bool in Connector/C, bool in MySQL 8's). */
typedef __typeof__(*((MYSQL_BIND *)0)->is_null) flag_t;

struct conn {
	MYSQL *h;
	unsigned gen;    /* bumped at every connect: older statements prepare again */
	int lost;        /* the connection broke; see my_conn_ready() */
	int txn_aborted; /* the server rolled our transaction back (deadlock) */
	int64_t changes; /* rows of the last INSERT/UPDATE/DELETE/REPLACE */
	struct db_held_lock *locks;
	/* What (re)connecting needs. */
	char *host; /* NULL with a socket */
	char *socket;
	char *database;
	char *user;
	char *password;
	unsigned port;
	enum db_tls_mode tls; /* effective (db_tls_effective()); DB_TLS_DEFAULT = none asked */
	char *tls_ca, *tls_cert, *tls_key; /* NULL = none */
	unsigned lock_timeout_ms;
};

static inline struct conn *
conn_of(db_t *db)
{
	return db->priv;
}

/* ------------------------------------------------ mysql_conn.c: errors */

/* 1 for a client or server error number after which the session is gone. */
int my_is_lost(unsigned err);

/* Record the handle's (the statement's) last error as db's message; our code. */
int my_fail_conn(db_t *db, const char *what);
int my_fail_stmt(db_t *db, MYSQL_STMT *s, const char *what);

/* -------------------------------------------- mysql_conn.c: connecting */

/* Consume every result of the text just sent on h; 0 or the first error. */
int my_drain_results(db_t *db, MYSQL *h, const char *what, int count_writes);

/* 1 when the server closed the idle connection h. */
int my_idle_socket_dead(MYSQL *h);

/* Before a round trip: a session to talk to (reconnected if we may), or the error. */
int my_conn_ready(db_t *db);

/* After a failure with error number err: 1 when reconnected and the statement may run again. */
int my_may_rerun(db_t *db, unsigned err, int rerunnable);

int my_open(db_t *db, const struct db_config *cfg);
void my_close(db_t *db);

/* -------------------------------------------- mysql_stmt.c: statements */

int my_prepare(db_t *db, db_stmt_t *st, const char *sql, int nparams);
int my_bind_int(db_stmt_t *st, int idx, int64_t v);
int my_bind_double(db_stmt_t *st, int idx, double v);
int my_bind_text(db_stmt_t *st, int idx, const char *v, size_t len);
int my_bind_blob(db_stmt_t *st, int idx, const void *v, size_t len);
int my_bind_null(db_stmt_t *st, int idx);
int my_step(db_stmt_t *st);
int my_column_count(db_stmt_t *st);
int my_column_is_null(db_stmt_t *st, int col);
int64_t my_column_int(db_stmt_t *st, int col);
double my_column_double(db_stmt_t *st, int col);
const char *my_column_text(db_stmt_t *st, int col);
const void *my_column_blob(db_stmt_t *st, int col, size_t *len);
int my_reset(db_stmt_t *st);
void my_finalize(db_stmt_t *st);
int64_t my_changes(db_t *db);

/* Run SQL text (one or more statements) and drop any rows. */
int my_run_text(db_t *db, const char *sql, const char *what, int count_writes);
int my_exec(db_t *db, const char *sql);

#endif
