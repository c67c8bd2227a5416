/*
 * util.c - what the database drivers share; see util.h. No engine header
 * is included here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
			return db_set_error(
				db, DB_E_MISUSE, "lock '%s' is already held by this handle", name);
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
db_util_lock_find(
	db_t *db, struct db_held_lock **list, const char *name, struct db_held_lock ***out)
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

int
db_util_check_server_config(
	const char *drv_name, const struct db_config *cfg, char *err, size_t errlen)
{
	if (cfg->database == NULL || cfg->database[0] == '\0') {
		(void)snprintf(err, errlen, "no %s database name given", drv_name);
		return E_INVAL;
	}
	return 0;
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
		return db_set_error(
			db, E_IO, "cannot write backup %s: directory %s does not exist", dest, dir);
	if (access(dir, W_OK) != 0)
		return db_set_error(db, E_IO,
			"cannot write backup %s: directory %s is not writable", dest, dir);
	return 0;
}

/* The temporary name of backup dest, with suffix, in tmp (emptied on failure). */
static int
temp_name(db_t *db, const char *dest, const char *suffix, char *tmp, size_t len)
{
	struct stat sb;

	tmp[0] = '\0';
	/* a backup replaces an older backup, never a device, a link or a directory */
	if (lstat(dest, &sb) == 0 && !S_ISREG(sb.st_mode))
		return db_set_error(db, E_INVAL,
			"cannot write backup %s: it exists and is not a "
			"regular file",
			dest);
	if ((size_t)snprintf(tmp, len, "%s.tmp.%s", dest, suffix) >= len) {
		tmp[0] = '\0';
		return db_set_error(db, E_INVAL, "backup file name %s is too long", dest);
	}
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
		return db_set_error(
			db, E_IO, "backup %s: cannot seal %s: %s", dest, tmp, strerror(errno));
	/* rename() replaces dest at once: a reader sees the old backup or the new one. */
	if (rename(tmp, dest) != 0)
		return db_set_error(db, E_IO, "cannot write backup %s: %s", dest, strerror(errno));
	(void)sync_path(dir, 1);
	return 0;
}

/*
 * What the signal handler of a running server backup needs: the temporary
 * file's name and the dump tool's pid, both written before the handler can
 * see them (signals are blocked while they change).
 */
static const int guard_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define GUARD_N (sizeof(guard_signals) / sizeof(guard_signals[0]))
static char guard_path[PATH_MAX + 64];
static volatile sig_atomic_t guard_pid;
static struct sigaction guard_old[GUARD_N];

/* Only async-signal-safe calls: kill, unlink, sigaction, raise. */
static void
guard_handler(int sig)
{
	struct sigaction dfl;

	if (guard_pid > 0)
		(void)kill((pid_t)guard_pid, SIGTERM);
	if (guard_path[0] != '\0')
		(void)unlink(guard_path);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	(void)sigaction(sig, &dfl, NULL);
	/* delivered, with the default action, as soon as this handler returns */
	(void)raise(sig);
}

static void
guard_block(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < GUARD_N; i++)
		sigaddset(&set, guard_signals[i]);
	(void)sigprocmask(SIG_BLOCK, &set, old);
}

int
db_util_backup_begin(db_t *db, const char *dest, char *tmp, size_t len, int *fd)
{
	struct sigaction sa;
	sigset_t old;
	size_t i;
	int nfd, rc;

	rc = temp_name(
		db, dest, "XXXXXX", tmp, len < sizeof(guard_path) ? len : sizeof(guard_path));
	if (rc != 0)
		return rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_handler;
	sigfillset(&sa.sa_mask);
	guard_block(&old);
	/* a random name, O_EXCL, mode 0600: nothing planted beforehand is followed */
	nfd = mkostemp(tmp, O_CLOEXEC);
	if (nfd < 0) {
		rc = db_set_error(db, E_IO, "cannot write backup %s: cannot create %s: %s", dest,
			tmp, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	memcpy(guard_path, tmp, strlen(tmp) + 1);
	guard_pid = 0;
	for (i = 0; i < GUARD_N; i++) {
		/* a signal the caller ignores (nohup, a background job) stays ignored */
		(void)sigaction(guard_signals[i], NULL, &guard_old[i]);
		if (guard_old[i].sa_handler != SIG_IGN)
			(void)sigaction(guard_signals[i], &sa, NULL);
	}
	*fd = nfd;
out:
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void
db_util_backup_child(void *arg, long pid)
{
	(void)arg;
	guard_pid = (sig_atomic_t)pid;
}

void
db_util_backup_end(const char *tmp, int fd, int committed)
{
	sigset_t old;
	size_t i;

	if (tmp == NULL || tmp[0] == '\0')
		return;
	guard_block(&old);
	if (fd >= 0)
		(void)close(fd);
	if (!committed)
		(void)unlink(tmp);
	for (i = 0; i < GUARD_N; i++)
		(void)sigaction(guard_signals[i], &guard_old[i], NULL);
	guard_path[0] = '\0';
	guard_pid = 0;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
}

/* 1 when path names an executable regular file. */
static int
is_tool(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

/* strverscmp() for qsort(), newest first: /usr/lib/postgresql/17 before 9.6. */
static int
newest_first(const void *a, const void *b)
{
	return strverscmp(*(char *const *)b, *(char *const *)a);
}

int
db_util_find_tool(db_t *db, const char *const names[], const char *hint, char *path, size_t len)
{
	static const char *const dirs[] = { "/usr/local/bin", "/usr/bin", "/bin",
		"/usr/local/pgsql/bin", "/usr/local/mysql/bin" };
	char list[200] = "";
	glob_t g;
	size_t i, k, n = 0;
	int found = 0;

	/* Debian's per-version PostgreSQL binaries: the newest dumps any older server */
	if (glob("/usr/lib/postgresql/*/bin", GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g) == 0) {
		qsort(g.gl_pathv, g.gl_pathc, sizeof(*g.gl_pathv), newest_first);
		for (i = 0; i < g.gl_pathc && !found; i++) {
			for (k = 0; names[k] != NULL && !found; k++) {
				if ((size_t)snprintf(path, len, "%s/%s", g.gl_pathv[i], names[k]) <
						len &&
					is_tool(path))
					found = 1;
			}
		}
		globfree(&g);
	}
	for (k = 0; names[k] != NULL && !found; k++) {
		for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !found; i++) {
			if ((size_t)snprintf(path, len, "%s/%s", dirs[i], names[k]) < len &&
				is_tool(path))
				found = 1;
		}
	}
	if (found)
		return 0;
	for (k = 0; names[k] != NULL; k++) {
		n += (size_t)snprintf(
			list + n, sizeof(list) - n, "%s%s", k > 0 ? " or " : "", names[k]);
		if (n >= sizeof(list))
			break;
	}
	return db_set_error(db, E_NOTFOUND,
		"%s not found in /usr/lib/postgresql/*/bin, "
		"/usr/local/bin, /usr/bin, /bin, /usr/local/pgsql/bin or /usr/local/mysql/bin: "
		"install %s",
		list, hint);
}

/* ------------------------------------------------------------------ secrets */

int
db_util_secret_fd(db_t *db, const char *data, size_t len, int *fd)
{
	size_t off = 0;
	ssize_t w;
	int nfd, rc = 0;

	nfd = memfd_create("kasp-secret", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (nfd < 0)
		return db_set_error(
			db, E_IO, "cannot create a password file in memory: %s", strerror(errno));
	/* tools refuse a password file others could read (libpq) or write (MariaDB) */
	if (fchmod(nfd, 0600) != 0)
		goto fail;
	while (off < len) {
		w = write(nfd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fcntl(nfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
		goto fail;
	*fd = nfd;
	return 0;
fail:
	rc = db_set_error(db, E_IO, "cannot write a password file in memory: %s", strerror(errno));
	(void)close(nfd);
	return rc;
}

void
db_util_free_secret(char *s)
{
	if (s == NULL)
		return;
	/* Not left behind in freed memory, where a core dump would show it. */
	explicit_bzero(s, strlen(s));
	free(s);
}
