/*
 * driver.h - what a database driver implements. Private to db/.
 *
 * db.c owns the generic parts (the handle, parameter checks, time
 * formatting, the retry loop, the lock-name rules) and calls a driver
 * through one const table. A driver's files (sqlite.c, pgsql*.c, mysql*.c)
 * export exactly one `const struct db_driver db_driver_<name>`, keep
 * everything else static or in a private header (pgsql_internal.h,
 * mysql_internal.h), and
 * are, with the server drivers' dlopen() shims (pq_api.[ch],
 * mysql_api.[ch]), the only files that include their engine's header.
 *
 * Every op returns 0 or a negative code of common/err.h and, on failure,
 * sets the message with db_set_error() (db/error.h). Statements and
 * connections carry a driver-private pointer.
 */
#ifndef DB_DRIVER_H
#define DB_DRIVER_H

#include <stdarg.h>

#include "db/db.h"
#include "db/error.h"

#define DB_DRIVER_VERSION 3

struct db_driver {
	int version; /* DB_DRIVER_VERSION */
	enum db_backend backend;
	const char *name;    /* "SQLite" */
	const char *dialect; /* "sqlite" */

	/*
	 * What this engine requires of cfg before open() (a file name, a
	 * database name): 0, or E_INVAL with one line in err (which may be
	 * NULL when errlen is 0, as db_open() allows).
	 */
	int (*check_config)(const struct db_config *cfg, char *err, size_t errlen);

	/*
	 * cfg has passed check_config(); store the private state in db->priv and
	 * the display location in db->location. On failure free everything and
	 * leave db->priv NULL: close() is then not called.
	 */
	int (*open)(db_t *db, const struct db_config *cfg);
	void (*close)(db_t *db);

	/*
	 * sql uses '?' placeholders; nparams is their count (outside quotes).
	 * Store the statement in st->priv and its column count in st->ncols.
	 */
	int (*prepare)(db_t *db, db_stmt_t *st, const char *sql, int nparams);
	int (*bind_int)(db_stmt_t *st, int idx, int64_t v);
	int (*bind_text)(db_stmt_t *st, int idx, const char *v, size_t len);
	int (*bind_blob)(db_stmt_t *st, int idx, const void *v, size_t len);
	int (*bind_double)(db_stmt_t *st, int idx, double v);
	int (*bind_null)(db_stmt_t *st, int idx);
	int (*step)(db_stmt_t *st);
	int (*column_count)(db_stmt_t *st);
	int (*column_is_null)(db_stmt_t *st, int col);
	int64_t (*column_int)(db_stmt_t *st, int col);
	double (*column_double)(db_stmt_t *st, int col);
	const char *(*column_text)(db_stmt_t *st, int col);
	const void *(*column_blob)(db_stmt_t *st, int col, size_t *len);
	int (*reset)(db_stmt_t *st);
	void (*finalize)(db_stmt_t *st);
	int64_t (*changes)(db_t *db);

	int (*exec)(db_t *db, const char *sql);
	int (*begin)(db_t *db, enum db_txn kind);
	int (*commit)(db_t *db);
	int (*rollback)(db_t *db);

	/* name is validated by db.c; wait_ms as in db_lock(). */
	int (*lock)(db_t *db, const char *name, int wait_ms);
	int (*unlock)(db_t *db, const char *name);

	int (*read_only)(db_t *db, int *out);
	int (*backup)(db_t *db, const char *dest);
};

/* The handle. Drivers may read every field and own priv. */
struct db {
	const struct db_driver *drv;
	void *priv;
	int in_txn;
	int read_only;       /* db_config.read_only: refuse write transactions */
	int64_t retry_ms;    /* db_transact()'s patience (db_config.retry_ms) */
	uint64_t statements; /* statements run (db_statements()) */
	char location[512];
	char errmsg[512];
	/*
	 * The unique index the last failure violated (db_constraint()), set by
	 * the driver with db_set_constraint() after the message; every new
	 * message clears it.
	 */
	char constraint[128];
};

struct db_stmt {
	db_t *db;
	void *priv;
	int nparams;
	int ncols;
	int stepped; /* db_step() ran since the prepare or the last reset */
};

/* Count '?' placeholders outside quoted strings and comments. */
int db_count_params(const char *sql);

extern const struct db_driver db_driver_sqlite;
#ifdef HAVE_PGSQL
extern const struct db_driver db_driver_pgsql;
#endif
#ifdef HAVE_MYSQL
extern const struct db_driver db_driver_mysql;
#endif

#endif
