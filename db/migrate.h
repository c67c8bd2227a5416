/*
 * migrate.h - schema migrations: what is compiled in, where a database
 * stands, and bringing it up to date.
 *
 * The migrations are the files migrations/NNNN_name.sql (every dialect) and
 * NNNN_name.DIALECT.sql (one dialect; preferred over the portable file when
 * both exist). They are compiled into the program, so an installed binary
 * needs no data files. The table schema_migrations records, per applied
 * version, its name, the SHA-256 of its text and the UTC time it was applied.
 *
 * Version 1 is the OpenDNSSEC 1.4 KASP schema (dbadmin version 4): a 1.4
 * database is adopted in place, recorded as being at version 1, and every
 * later migration is applied to it; no row is lost.
 *
 * Functions return 0 or a negative code of common/err.h; the detail is on the
 * handle (db_errmsg). Nothing here prints.
 */
#ifndef DB_MIGRATE_H
#define DB_MIGRATE_H

#include <stddef.h>

#include "db/db.h"

/* One compiled-in migration. Static data: never freed. */
struct migration {
	int version;         /* 1, 2, ... */
	const char *name;    /* "baseline": the file name without number and suffixes */
	const char *dialect; /* "sqlite", "pgsql", "mysql", or NULL for every dialect */
	const char *sql;     /* the file's text, NUL-terminated */
	size_t sql_len;      /* its length in bytes (the checksum covers exactly these) */
	const char *sha256;  /* their SHA-256 in lower-case hex, computed at build time */
};

/* Highest version compiled in. */
int migrate_latest(void);

/*
 * The migration of version for dialect: the dialect's own variant when there
 * is one, else the portable file, else NULL.
 */
const struct migration *migrate_find(int version, const char *dialect);

/*
 * SHA-256 of m's text as 64 lower-case hex digits plus NUL into out (the
 * digest worked out when the program was built). E_INVAL, or E_IO when m
 * carries no digest.
 */
int migrate_checksum(const struct migration *m, char out[65]);

enum migrate_state {
	MIGRATE_EMPTY,   /* no tables or views at all */
	MIGRATE_ODS14,   /* an OpenDNSSEC 1.4 database (dbadmin version 4), not adopted yet */
	MIGRATE_CURRENT, /* schema_migrations at migrate_latest() */
	MIGRATE_PENDING, /* schema_migrations below migrate_latest() */
	MIGRATE_NEWER,   /* written by a newer program than this one */
	MIGRATE_UNKNOWN, /* tables of something else, or of OpenDNSSEC 1.3 or older */
};

struct migrate_status {
	enum migrate_state state;
	int current;           /* version the database is at: 0 empty, 1 for an unadopted 1.4 db */
	int latest;            /* migrate_latest() */
	int pending;           /* migrations migrate_up() would apply */
	int checksum_mismatch; /* recorded versions whose checksum differs from the compiled text */
};

/* Short lower-case name of a state ("empty", "ods14", "current", ...). */
const char *migrate_state_name(enum migrate_state state);

/*
 * Where the database stands. *out is written only on success. A state that
 * migrate_up() would refuse (NEWER, UNKNOWN) is a success here; the reason is
 * left on the handle (db_errmsg) as well.
 */
int migrate_status(db_t *db, struct migrate_status *out);

/*
 * Apply every pending migration, adopting a 1.4 database first. Takes the
 * advisory lock "migrate" (waits up to 30 s; DB_E_LOCKED after that) and
 * looks at the database again once it has it, so when another process has
 * just done the work nothing is applied. Each migration runs in its own write
 * transaction together with its schema_migrations row. *applied (may be NULL)
 * is set to the number applied, on success only.
 * Errors: DB_E_SCHEMA (the database is newer than this program, or not a
 * KASP database, or too old to adopt), DB_E_LOCKED, E_UNSUPPORTED (no
 * migration for this dialect), and any error of the engine, with the message
 * naming the migration that failed.
 */
int migrate_up(db_t *db, int *applied);

/*
 * Drop every table and view, then apply all migrations: what `ods-ksmutil
 * setup` does. Takes the "migrate" lock. On SQLite the drop and all
 * migrations are one transaction: on failure the old database is untouched.
 */
int migrate_reset(db_t *db);

/*
 * migrate_reset(), then fill(db, arg) to load the new database (setup's
 * import of conf.xml, kasp.xml and zonelist.xml). Where DDL is
 * transactional (SQLite, PostgreSQL) the drop, the migrations and fill are
 * one transaction, so a failing fill leaves the old database untouched;
 * on MySQL fill runs in its own transaction after the schema is rebuilt.
 * fill may run more than once (retries on contention) and must not begin
 * or commit. Its failure code and message are returned unchanged.
 */
int migrate_reset_fill(db_t *db, int (*fill)(db_t *db, void *arg), void *arg);

/*
 * 0 when the schema is at migrate_latest(); else DB_E_SCHEMA with a message
 * on the handle saying what to do.
 */
int migrate_require_current(db_t *db);

/*
 * The schema as canonical text (sql/schema.<dialect>.sql): a header naming
 * the version, then every table, index, view and trigger definition, ordered
 * by kind then name, each ending in ";\n". Seed rows are not included. *out
 * is the caller's to free(), written only on success. E_UNSUPPORTED for
 * dialects without a dump yet.
 */
int migrate_dump_schema(db_t *db, char **out);

/* The compiled-in table, sorted by version then dialect (generated). */
extern const struct migration migrate_table[];
extern const size_t migrate_table_count;

#endif
