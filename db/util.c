/*
 * util.c - what the database drivers share; see util.h. No engine header
 * is included here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/util.h"

/* ----------------------------------------------------------- advisory locks */

int
db_util_lock_check(db_t *db, const struct db_held_lock *list, const char *name)
{
	const struct db_held_lock *l;

	for (l = list; l != NULL; l = l->next) {
		if (strcmp(l->name, name) == 0)
			return db_set_error(db, DB_E_MISUSE,
				"lock '%s' is already held by this handle", name);
	}
	return 0;
}

int
db_util_lock_new(db_t *db, const char *name, struct db_held_lock **out)
{
	struct db_held_lock *l;
	size_t nlen = strlen(name);

	l = malloc(sizeof(*l) + nlen + 1);
	if (l == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	l->next = NULL;
	l->fd = -1;
	memcpy(l->name, name, nlen + 1);
	*out = l;
	return 0;
}

int
db_util_lock_find(db_t *db, struct db_held_lock **list, const char *name,
	struct db_held_lock ***out)
{
	struct db_held_lock **pp;

	for (pp = list; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, name) == 0)
			break;
	}
	if (*pp == NULL)
		return db_set_error(db, DB_E_MISUSE, "lock '%s' is not held by this handle", name);
	*out = pp;
	return 0;
}

void
db_util_locks_free(struct db_held_lock **list)
{
	struct db_held_lock *l, *next;

	for (l = *list; l != NULL; l = next) {
		next = l->next;
		/* SQLite's flock() goes with the file; the server drivers' locks with the session. */
		if (l->fd >= 0)
			(void)close(l->fd);
		free(l);
	}
	*list = NULL;
}

uint64_t
db_util_fnv1a64(uint64_t h, const char *s)
{
	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int64_t
db_util_mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ backups */

void
db_util_dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		(void)snprintf(buf, len, ".");
	else if (slash == path)
		(void)snprintf(buf, len, "/");
	else
		(void)snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

int
db_util_backup_dir(db_t *db, const char *dest, const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return db_set_error(db, E_IO, "cannot write backup %s: directory %s does not exist",
			dest, dir);
	if (access(dir, W_OK) != 0)
		return db_set_error(db, E_IO, "cannot write backup %s: directory %s is not writable",
			dest, dir);
	return 0;
}

int
db_util_backup_temp(db_t *db, const char *dest, char *tmp, size_t len)
{
	struct stat sb;

	/* a backup replaces an older backup, never a device, a link or a directory */
	if (lstat(dest, &sb) == 0 && !S_ISREG(sb.st_mode))
		return db_set_error(db, E_INVAL, "cannot write backup %s: it exists and is not a "
			"regular file", dest);
	if ((size_t)snprintf(tmp, len, "%s.tmp.%ld", dest, (long)getpid()) >= len)
		return db_set_error(db, E_INVAL, "backup file name %s is too long", dest);
	return 0;
}

/*
 * A finished backup: mode 0600 (it holds the whole key database, whatever
 * the mode the tool created it with), then its data made durable. Never
 * through a symbolic link.
 */
static int
seal_backup(const char *path)
{
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) != 0 || fsync(fd) != 0)
		rc = -1;
	(void)close(fd);
	return rc;
}

/*
 * Make a finished file durable: its data, then (is_dir) its directory
 * entry. A directory that cannot be synced is not an error: the data is.
 * Read-only suffices for fsync() on the systems we build for.
 */
static int
sync_path(const char *path, int is_dir)
{
	int fd, rc = 0;

	fd = open(path, (is_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fsync(fd) != 0 && !is_dir)
		rc = -1;
	(void)close(fd);
	return rc;
}

int
db_util_backup_commit(db_t *db, const char *tmp, const char *dest, const char *dir)
{
	if (seal_backup(tmp) != 0)
		return db_set_error(db, E_IO, "backup %s: cannot seal %s: %s", dest, tmp,
			strerror(errno));
	/* rename() replaces dest at once: a reader sees the old backup or the new one. */
	if (rename(tmp, dest) != 0)
		return db_set_error(db, E_IO, "cannot write backup %s: %s", dest, strerror(errno));
	(void)sync_path(dir, 1);
	return 0;
}

/* ------------------------------------------------------------------ secrets */

void
db_util_free_secret(char *s)
{
	if (s == NULL)
		return;
	/* Not left behind in freed memory, where a core dump would show it. */
	explicit_bzero(s, strlen(s));
	free(s);
}
