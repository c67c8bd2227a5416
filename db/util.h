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
	int fd; /* SQLite's lock file (its flock() is the lock); else -1 */
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
int db_util_lock_find(
	db_t *db, struct db_held_lock **list, const char *name, struct db_held_lock ***out);

/* Free every entry (closing an fd that is not -1) and empty the list. */
void db_util_locks_free(struct db_held_lock **list);

/* 64-bit FNV-1a of s, continuing from h (DB_UTIL_FNV1A64_INIT to start). */
#define DB_UTIL_FNV1A64_INIT 0xcbf29ce484222325ULL
uint64_t db_util_fnv1a64(uint64_t h, const char *s);

/*
 * The check_config op of a server driver named drv_name: a database name
 * is required. 0, or E_INVAL with the message in err.
 */
int db_util_check_server_config(
	const char *drv_name, const struct db_config *cfg, char *err, size_t errlen);

/* ------------------------------------------------------------------ backups */

/* The directory part of path, in buf; "." when path has no '/'. */
void db_util_dir_of(const char *path, char *buf, size_t len);

/*
 * Fail with E_IO unless dir (that of backup file dest) is an existing
 * directory we may write.
 */
int db_util_backup_dir(db_t *db, const char *dest, const char *dir);

/*
 * Make the finished temporary file tmp the backup dest: sync it, rename it
 * over dest, sync dir (dest's directory). On failure tmp is left for the
 * caller to remove.
 */
int db_util_backup_commit(db_t *db, const char *tmp, const char *dest, const char *dir);

/*
 * Backups: a dump tool writes the descriptor we opened (servers), or
 * SQLite's backup API the file of that name (SQLite).
 *
 * db_util_backup_begin() creates "<dest>.tmp.XXXXXX" with mkstemp() in
 * dest's directory (mode 0600, a new file: never a link someone planted),
 * its name in tmp and its descriptor in *fd. From then until
 * db_util_backup_end(), SIGINT, SIGTERM and SIGHUP remove that file and stop
 * the dump tool whose pid db_util_backup_child() recorded (give it as
 * spawn_io.started), then end the process by the same signal. E_INVAL for
 * a dest that exists and is not a regular file or a name too long; E_IO
 * when the file cannot be created.
 */
int db_util_backup_begin(db_t *db, const char *dest, char *tmp, size_t len, int *fd);
void db_util_backup_child(void *arg, long pid);

/*
 * Undo db_util_backup_begin(): close fd, restore the signal handlers,
 * remove tmp unless committed (it was renamed to dest).
 */
void db_util_backup_end(const char *tmp, int fd, int committed);

/*
 * The absolute path of the first of names (a NULL-terminated list) found as
 * an executable file in a fixed list of system directories (the newest
 * /usr/lib/postgresql/<version>/bin first, then /usr/local/bin, /usr/bin,
 * /bin, /usr/local/pgsql/bin, /usr/local/mysql/bin); never through $PATH,
 * since the tool is handed a secret. E_NOTFOUND with a message naming the
 * tools and what to install (hint) when none is there.
 */
int db_util_find_tool(
	db_t *db, const char *const names[], const char *hint, char *path, size_t len);

/* ---------------------------------------------------------------------- TLS */

/*
 * Before connecting with mode (the effective one) to engine ("PostgreSQL",
 * "MySQL") at where ("host:port"): E_INVAL for verify-ca without a CA file
 * or a client certificate without its key (or the reverse), E_IO naming
 * the file for a CA, certificate or key file we cannot open. Messages
 * start "cannot connect to <engine> at <where>: ". Nothing is checked for
 * DB_TLS_DISABLE.
 */
int db_util_tls_check(db_t *db, const struct db_config *cfg, enum db_tls_mode mode,
	const char *engine, const char *where);

/* 1 when a client library's connect error msg says the server's certificate did not verify. */
int db_util_tls_verify_failed(const char *msg);

/* ------------------------------------------------------------------ secrets */

/*
 * A file with no name holding len bytes of data (a password file for a
 * tool): a sealed memfd of mode 0600, close-on-exec, in *fd. It exists only
 * while a process holds it open, so no kill leaves it on a disk. Hand it to
 * a child with spawn_io.pass_fd; close it afterwards. E_IO on failure.
 */
int db_util_secret_fd(db_t *db, const char *data, size_t len, int *fd);

/* Wipe and free a password (or a string holding one); NULL is a no-op. */
void db_util_free_secret(char *s);

#endif
