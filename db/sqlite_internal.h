/*
 * sqlite_internal.h - what the SQLite driver's files share. Private to
 * sqlite.c and sqlite_index.c, the only files that include sqlite3.h.
 */
#ifndef DB_SQLITE_INTERNAL_H
#define DB_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "db/db.h"

/*
 * After a failure with extended code src and message msg (a copy: this runs
 * statements of its own on h), record the unique index it violated with
 * db_set_constraint(). SQLite names the columns, "UNIQUE constraint failed:
 * zones.canon", and only an index on expressions by name; the index is found
 * by its columns. Says nothing when no unique index has them.
 */
void sq_name_index(db_t *db, sqlite3 *h, int src, const char *msg);

#endif
