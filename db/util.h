/*
 * util.h - what the database drivers share. Private to db/ (not part of
 * db.h): the drivers (sqlite.c, pgsql.c, mysql.c) and db.c include it.
 *
 * Each helper is logic the drivers had written out alike, with the same
 * messages; what differs by engine stays in the driver. Functions that can
 * fail return 0 or a negative code of common/err.h and set the handle's
 * message with db_set_error(), as driver ops do.
 */
#ifndef DB_UTIL_H
#define DB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* ----------------------------------------------------------- advisory locks */

/*
 * One name a handle holds with db_lock(), in a singly linked list headed in
 * the driver's connection. The drivers keep the list to refuse a second
 * db_lock() of a held name and a db_unlock() of one not held, whatever the
 * engine's own locks allow.
 */
struct db_held_lock {
	struct db_held_lock *next;
	int fd;                 /* SQLite's lock file (its flock() is the lock); else -1 */
	char name[];
};

/* DB_E_MISUSE when list already holds name, else 0. */
int db_util_lock_check(db_t *db, const struct db_held_lock *list, const char *name);

/* A new entry for name, fd -1, not linked, in *out; E_NOMEM on failure. Free with free(). */
int db_util_lock_new(db_t *db, const char *name, struct db_held_lock **out);

/*
 * In *out, the link of list that points at name's entry (so the caller can
 * unlink it); DB_E_MISUSE when the handle does not hold name.
 */
int db_util_lock_find(db_t *db, struct db_held_lock **list, const char *name,
	struct db_held_lock ***out);

/* Free every entry (closing an fd that is not -1) and empty the list. */
void db_util_locks_free(struct db_held_lock **list);

/* 64-bit FNV-1a of s, continuing from h (DB_UTIL_FNV1A64_INIT to start). */
#define DB_UTIL_FNV1A64_INIT 0xcbf29ce484222325ULL
uint64_t db_util_fnv1a64(uint64_t h, const char *s);

/* Milliseconds of CLOCK_MONOTONIC, for lock and busy deadlines. */
int64_t db_util_mono_ms(void);

/* ------------------------------------------------------------------ backups */

/* The directory part of path, in buf; "." when path has no '/'. */
void db_util_dir_of(const char *path, char *buf, size_t len);

/*
 * Fail with E_IO unless dir (that of backup file dest) is an existing
 * directory we may write.
 */
int db_util_backup_dir(db_t *db, const char *dest, const char *dir);

/*
 * The name of the temporary file a backup is written to before it becomes
 * dest: "<dest>.tmp.<pid>", in tmp. E_INVAL when it does not fit.
 */
int db_util_backup_temp(db_t *db, const char *dest, char *tmp, size_t len);

/*
 * Make the finished temporary file tmp the backup dest: sync it, rename it
 * over dest, sync dir (dest's directory). On failure tmp is left for the
 * caller to remove.
 */
int db_util_backup_commit(db_t *db, const char *tmp, const char *dest, const char *dir);

/* ------------------------------------------------------------------ secrets */

/* Wipe and free a password (or a string holding one); NULL is a no-op. */
void db_util_free_secret(char *s);

#endif
