/*
 * migrate_internal.h - what the files of the migration runner share.
 * Private to db/migrate*.c: migrate_dialect.c (the engines' differences and
 * their catalogues), migrate_probe.c (the compiled-in set, where a database
 * stands, adoption of a 1.4 database), migrate.c (applying, reset, dump).
 * Like the runner it uses only db/db.h and db/error.h of the database layer.
 */
#ifndef DB_MIGRATE_INTERNAL_H
#define DB_MIGRATE_INTERNAL_H

#include <stddef.h>

#include "db/db.h"
#include "db/migrate.h"

/* How long migrate_up() / migrate_reset() wait for another migrator. */
#define MIGRATE_LOCK_WAIT_MS 30000
#define MIGRATE_LOCK_NAME "migrate"

/* dbadmin.version of an OpenDNSSEC 1.4 database. */
#define ODS14_DBADMIN_VERSION 4

#define HISTORY_TABLE "schema_migrations"

/* What differs between engines, as far as the runner is concerned. */
struct dialect {
	const char *name;
	/* Rows (kind, name) with kind "table" or "view": the user's objects. */
	const char *objects_sql;
	/* Rows (kind, name, definition) for the schema dump; NULL: no dump. */
	const char *dump_sql;
	char quote;                /* identifier quote */
	const char *drop_prelude;  /* run before dropping everything, or NULL */
	const char *drop_epilogue; /* run after dropping (also on failure), or NULL */
	const char *drop_suffix;   /* appended to DROP TABLE / DROP VIEW */
	int ddl_in_txn;            /* DDL is transactional */
};

/* The user's tables and views, as the engine's catalogue lists them. */
struct object {
	int is_view;
	char *name;
};

struct catalog {
	struct object *obj;
	size_t n;
};

/* ------------------------------------------------------- migrate_dialect.c */

/* The dialect of db in *out; E_UNSUPPORTED (with the message) for none. */
int migrate_get_dialect(db_t *db, const struct dialect **out);

/* Prefix the handle's message with a line of context, keeping the code. */
int migrate_wrap_error(db_t *db, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Load the user's objects of db into *out; free with migrate_catalog_free(). */
int migrate_catalog_load(db_t *db, const struct dialect *d, struct catalog *out);
void migrate_catalog_free(struct catalog *cat);
int migrate_catalog_has_table(const struct catalog *cat, const char *name);

/* --------------------------------------------------------- migrate_probe.c */

/* Where db stands (migrate_status() for a known dialect). */
int migrate_probe(db_t *db, const struct dialect *d, struct migrate_status *out);

#endif
