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

#include "db/db.h"

/*
 * Set the handle's message (printf style) and return code, for
 * `return db_set_error(db, E_..., "...")`. With a NULL handle only the code
 * is returned.
 */
int db_set_error(db_t *db, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
