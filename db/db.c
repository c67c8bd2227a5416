/*
 * db.c - the engine-independent half of the database layer: the handle.
 *
 * Picks the driver, checks arguments, keeps the handle's error text and
 * transaction state, runs the retry loop of db_transact(), advisory locks
 * and maintenance. Statements (placeholders, binds, columns and the one
 * canonical time text) are in db_stmt.c. Everything that talks to an
 * engine goes through db->drv.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/error.h"

/* db_transact(): back-off bounds and default total patience, in milliseconds. */
#define RETRY_FIRST_MS 10
#define RETRY_MAX_MS 500
#define RETRY_TOTAL_MS 10000

#define LOCK_NAME_MAX 48

/*
 * The drivers built in: SQLite always, the servers' when configure found
 * their client headers (HAVE_PGSQL, HAVE_MYSQL; driver.h declares them).
 */
static const struct db_driver *const drivers[] = {
	&db_driver_sqlite,
#ifdef HAVE_PGSQL
	&db_driver_pgsql,
#endif
#ifdef HAVE_MYSQL
	&db_driver_mysql,
#endif
};

static const struct db_driver *
find_driver(enum db_backend backend)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (drivers[i]->backend == backend)
			return drivers[i];
	}
	return NULL;
}

static void put_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
put_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ connections */

const char *
db_backend_name(enum db_backend backend)
{
	switch (backend) {
	case DB_BACKEND_SQLITE: return "SQLite";
	case DB_BACKEND_PGSQL: return "PostgreSQL";
	case DB_BACKEND_MYSQL: return "MySQL";
	}
	return "unknown";
}

int
db_backend_available(enum db_backend backend)
{
	return find_driver(backend) != NULL;
}

int
db_open(const struct db_config *cfg, db_t **out, char *err, size_t errlen)
{
	const struct db_driver *drv;
	db_t *db = NULL;
	int rc;

	if (cfg == NULL || out == NULL) {
		put_err(err, errlen, "db_open: no configuration or result pointer");
		rc = E_INVAL;
		goto out;
	}
	drv = find_driver(cfg->backend);
	if (drv == NULL) {
		switch (cfg->backend) {
		case DB_BACKEND_PGSQL:
		case DB_BACKEND_MYSQL:
			put_err(err, errlen, "%s support is not built in (configure --with-%s)",
				db_backend_name(cfg->backend),
				cfg->backend == DB_BACKEND_PGSQL ? "pgsql" : "mysql");
			rc = DB_E_NODRIVER;
			break;
		default:
			put_err(err, errlen, "unknown database backend %d", (int)cfg->backend);
			rc = E_INVAL;
			break;
		}
		goto out;
	}
	if (drv->version != DB_DRIVER_VERSION) {
		put_err(err, errlen, "%s driver has version %d, expected %d", drv->name,
			drv->version, DB_DRIVER_VERSION);
		rc = DB_E_NODRIVER;
		goto out;
	}
	rc = drv->check_config(cfg, err, errlen);
	if (rc != 0)
		goto out;

	db = calloc(1, sizeof(*db));
	if (db == NULL) {
		put_err(err, errlen, "out of memory");
		rc = E_NOMEM;
		goto out;
	}
	db->drv = drv;
	rc = drv->open(db, cfg);
	if (rc != 0) {
		put_err(err, errlen, "%s", db->errmsg[0] != '\0' ? db->errmsg : err_str(rc));
		free(db);
		db = NULL;
		goto out;
	}
	db->errmsg[0] = '\0';
	db->read_only = cfg->read_only != 0;
	db->retry_ms = cfg->retry_ms != 0 ? cfg->retry_ms : RETRY_TOTAL_MS;
	*out = db;
out:
	return rc;
}

void
db_close(db_t *db)
{
	if (db == NULL)
		return;
	if (db->priv != NULL)
		db->drv->close(db);
	free(db);
}

enum db_backend
db_backend(const db_t *db)
{
	return db->drv->backend;
}

const char *
db_dialect(const db_t *db)
{
	return db->drv->dialect;
}

const char *
db_location(const db_t *db)
{
	return db->location;
}

/* ----------------------------------------------------------- transactions */

int
db_begin(db_t *db, enum db_txn kind)
{
	int rc;

	if (db == NULL)
		return E_INVAL;
	if (kind != DB_TXN_READ && kind != DB_TXN_WRITE)
		return db_set_error(
			db, E_INVAL, "db_begin: unknown transaction kind %d", (int)kind);
	if (db->in_txn)
		return db_set_error(db, DB_E_MISUSE, "db_begin: a transaction is already open");
	if (kind == DB_TXN_WRITE && db->read_only)
		return db_set_error(
			db, DB_E_READONLY, "database %s is configured read-only", db->location);
	rc = db->drv->begin(db, kind);
	if (rc == 0)
		db->in_txn = 1;
	return rc;
}

int
db_commit(db_t *db)
{
	int rc;

	if (db == NULL)
		return E_INVAL;
	if (!db->in_txn)
		return db_set_error(db, DB_E_MISUSE, "db_commit: no transaction is open");
	rc = db->drv->commit(db);
	if (rc == 0)
		db->in_txn = 0;
	return rc;
}

int
db_rollback(db_t *db)
{
	int rc = 0;

	if (db == NULL)
		return E_INVAL;
	if (db->in_txn) {
		rc = db->drv->rollback(db);
		/* Whatever the engine said, we are no longer inside our transaction. */
		db->in_txn = 0;
	}
	return rc;
}

int
db_in_transaction(const db_t *db)
{
	return db != NULL && db->in_txn;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec req, rem;

	req.tv_sec = (time_t)(ms / 1000);
	req.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&req, &rem) != 0 && errno == EINTR)
		req = rem;
}

/* A cheap generator for back-off jitter; not for anything secret. */
static uint32_t
jitter_next(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

int
db_transact(db_t *db, enum db_txn kind, int (*fn)(db_t *db, void *arg), void *arg)
{
	char saved[sizeof(db->errmsg)], saved_index[sizeof(db->constraint)];
	struct timespec ts;
	int64_t start, delay = RETRY_FIRST_MS, wait;
	uint32_t seed;
	int rc;

	if (db == NULL)
		return E_INVAL;
	if (fn == NULL)
		return db_set_error(db, E_INVAL, "db_transact: no function");
	if (db->in_txn)
		return db_set_error(db, DB_E_MISUSE, "db_transact: a transaction is already open");

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	seed = (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 16) ^ (uint32_t)(uintptr_t)db;
	if (seed == 0)
		seed = 1;
	start = clock_mono_ms();
	for (;;) {
		rc = db_begin(db, kind);
		if (rc == 0) {
			rc = fn(db, arg);
			if (rc == 0)
				rc = db_commit(db);
		}
		if (rc == 0)
			goto out;

		/* Keep the message of the real failure, not of the rollback. */
		memcpy(saved, db->errmsg, sizeof(saved));
		memcpy(saved_index, db->constraint, sizeof(saved_index));
		(void)db_rollback(db);
		memcpy(db->errmsg, saved, sizeof(saved));
		memcpy(db->constraint, saved_index, sizeof(saved_index));
		if (rc != DB_E_BUSY)
			goto out;

		wait = delay / 2 + (int64_t)(jitter_next(&seed) % (uint32_t)(delay / 2 + 1));
		if (clock_mono_ms() - start + wait > db->retry_ms) {
			/* one message naming the wait, not only the engine's last word */
			rc = db_set_error(db, DB_E_BUSY,
				"gave up after %lld ms of retries: another "
				"connection (an ods-ksmutil, or a pass of ods-enforcerd) kept holding what "
				"this needs; last error: %s",
				(long long)(clock_mono_ms() - start), saved);
			goto out;
		}
		sleep_ms(wait);
		delay = delay * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : delay * 2;
	}
out:
	return rc;
}

/* ---------------------------------------------------------- advisory locks */

static int
check_lock_name(db_t *db, const char *name)
{
	size_t i, n;

	if (name == NULL)
		return db_set_error(db, E_INVAL, "no lock name");
	n = strlen(name);
	if (n == 0 || n > LOCK_NAME_MAX)
		return db_set_error(db, E_INVAL, "lock name '%.60s' must have 1 to %d characters",
			name, LOCK_NAME_MAX);
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return db_set_error(db, E_INVAL,
				"lock name '%s' may only hold a-z, 0-9, '_' and '-'", name);
	}
	return 0;
}

int
db_lock(db_t *db, const char *name, int wait_ms)
{
	int rc;

	if (db == NULL)
		return E_INVAL;
	rc = check_lock_name(db, name);
	if (rc != 0)
		goto out;
	if (wait_ms < 0) {
		rc = db_set_error(db, E_INVAL, "db_lock: negative wait %d", wait_ms);
		goto out;
	}
	rc = db->drv->lock(db, name, wait_ms);
out:
	return rc;
}

int
db_unlock(db_t *db, const char *name)
{
	int rc;

	if (db == NULL)
		return E_INVAL;
	rc = check_lock_name(db, name);
	if (rc == 0)
		rc = db->drv->unlock(db, name);
	return rc;
}

/* ------------------------------------------------------------ maintenance */

int
db_read_only(db_t *db, int *out)
{
	int ro = 0;
	int rc;

	if (db == NULL || out == NULL)
		return E_INVAL;
	if (db->read_only) {
		*out = 1;
		return 0;
	}
	rc = db->drv->read_only(db, &ro);
	if (rc == 0)
		*out = ro != 0;
	return rc;
}

int
db_backup(db_t *db, const char *dest)
{
	if (db == NULL)
		return E_INVAL;
	if (dest == NULL || dest[0] == '\0')
		return db_set_error(db, E_INVAL, "no backup destination given");
	return db->drv->backup(db, dest);
}
