/*
 * error.h - the handle's error message. Private to db/: db.c, util.c,
 * the drivers and the migration runner (migrate.c) set it; programs read it
 * with db_errmsg() (db/db.h). It does not open the handle's struct, so a
 * file that needs only this stays on the public side of driver.h.
 *
 * Kept apart from db.c so that the helpers of util.c can set a message
 * without util.c and db.c depending on each other.
 */
#ifndef DB_ERROR_H
#define DB_ERROR_H

#include <stddef.h>

#include "db/db.h"

/* Set the handle's message (printf style); nothing with a NULL handle. */
void db_set_message(db_t *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Set the message and yield code, for `return db_set_error(db, E_..., "...")`.
 * A macro, so that the compiler and the analyzer see which code a failure
 * path returns (a call into another file would hide it).
 */
#define db_set_error(db, code, ...) (db_set_message((db), __VA_ARGS__), (code))

/*
 * Record which unique index the failure just set violated: len bytes of
 * name (no NUL needed), or nothing when name is NULL or empty. Call it after
 * db_set_message(), which clears it.
 */
void db_set_constraint(db_t *db, const char *name, size_t len);

#endif
