/*
 * pidfile.c - the daemon's pid file (enforcer.md 4.1 step 6, 7.2).
 *
 * The file is made with O_CREAT|O_EXCL|O_NOFOLLOW, so an existing file or
 * a symbolic link planted at the path is never written through. An
 * existing file is read (again without following a link) to decide
 * whether a daemon is running: its process answering kill(pid, 0), or
 * refusing it with EPERM (another user's process), counts as alive. A
 * stale file is removed, but only if the path still names the very file
 * that was read, and creation is tried again, a few times, in case another
 * starter races us.
 *
 * Two daemons started at the same instant can still both come up (one may
 * see the other's file before the pid is in it and take it for stale); the
 * "enforcer" lock in the database keeps their passes apart.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/log.h"
#include "enforcerd/enforcerd.h"

#define PIDFILE_TRIES 5

int
pidfile_mkdir(const char *path, uid_t uid, gid_t gid, int chown_ids)
{
	struct stat st;
	char *dir = NULL;
	int ret;

	ret = path_dirname(path, &dir);
	if (ret != 0) {
		log_msg(LOG_ERR, "cannot create directory for %s: %s", path, err_str(ret));
		goto out;
	}
	ret = E_IO;
	if (stat(dir, &st) == 0) {
		ret = 0;
		goto out;
	}
	if (errno != ENOENT) {
		log_msg(LOG_ERR, "cannot stat directory %s: %s", dir, strerror(errno));
		goto out;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_msg(LOG_ERR, "cannot create directory %s: %s", dir, strerror(errno));
		goto out;
	}
	if (chown_ids && chown(dir, uid, gid) != 0) {
		log_msg(LOG_ERR, "cannot chown(%ld,%ld) %s: %s", (long)uid, (long)gid, dir,
			strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(dir);
	return ret;
}

/*
 * The pid held by the text: digits with optional white space around them,
 * > 0. 0 when there is none.
 */
static pid_t
parse_pid(const char *text)
{
	char *end;
	long v;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	if (*text < '0' || *text > '9')
		return 0;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || v <= 0 || v > INT_MAX)
		return 0;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	return *end == '\0' ? (pid_t)v : 0;
}

/*
 * Open path without following a link and read the pid in it. *pid is 0
 * when the text holds none. st receives the file's identity. Returns 0,
 * E_NOTFOUND (gone meanwhile) or E_IO (logged).
 */
static int
read_pidfile(const char *path, pid_t *pid, struct stat *st)
{
	char buf[64];
	ssize_t n;
	int fd = -1;
	int ret = E_IO;

	/* O_NONBLOCK: a FIFO at the path must not hang us */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			ret = E_NOTFOUND;
		else
			log_msg(LOG_ERR, "cannot read pidfile %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, st) != 0) {
		log_msg(LOG_ERR, "cannot stat pidfile %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		log_msg(LOG_ERR, "cannot read pidfile %s: not a regular file", path);
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		log_msg(LOG_ERR, "cannot read pidfile %s: %s", path, strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	*pid = parse_pid(buf);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Our pid into the new file fd; on failure the file is removed again. */
static int
write_pid(const char *path, int fd)
{
	char buf[32];
	ssize_t n;
	int len, ret = E_IO;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	/* whatever the umask: readable by ods-control and by monitoring */
	if (fchmod(fd, 0644) != 0) {
		log_msg(LOG_ERR, "cannot write the pidfile %s: %s", path, strerror(errno));
		goto out;
	}
	n = write(fd, buf, (size_t)len);
	if (n < 0) {
		log_msg(LOG_ERR, "write failed: %s", strerror(errno));
		goto out;
	}
	if (n != len) {
		log_msg(LOG_ERR, "short write (disk full?)");
		goto out;
	}
	ret = 0;
out:
	if (close(fd) != 0 && ret == 0) {
		log_msg(LOG_ERR, "write failed: %s", strerror(errno));
		ret = E_IO;
	}
	if (ret != 0)
		unlink(path);
	return ret;
}

int
pidfile_create(const char *path)
{
	struct stat st, now;
	pid_t pid;
	int fd, ret = E_IO;

	for (int tries = 0; tries < PIDFILE_TRIES; tries++) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			ret = write_pid(path, fd);
			goto out;
		}
		if (errno != EEXIST) {
			log_msg(LOG_ERR, "cannot write the pidfile %s: %s", path, strerror(errno));
			goto out;
		}
		ret = read_pidfile(path, &pid, &st);
		if (ret == E_NOTFOUND)
			continue; /* removed meanwhile: try again */
		if (ret != 0)
			goto out;
		/* our own pid can only be a leftover (a container restarting as pid 1) */
		if (pid > 0 && pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM)) {
			log_msg(LOG_ERR,
				"pidfile %s already exists, a process with pid %ld is already running. "
				"If no ods-enforcerd process is running, a previous instance didn't "
				"shutdown cleanly, please remove this file and try again.",
				path, (long)pid);
			ret = E_EXISTS;
			goto out;
		}
		if (pid > 0)
			log_msg(LOG_WARNING,
				"pidfile %s already exists, but no process with pid %ld is running. A "
				"previous instance didn't shutdown cleanly, this pidfile is stale.",
				path, (long)pid);
		else
			log_msg(LOG_WARNING,
				"pidfile %s already exists, but holds no process id. A previous "
				"instance didn't shutdown cleanly, this pidfile is stale.",
				path);
		/* remove it only if the path still names the file just read */
		if (lstat(path, &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino &&
			unlink(path) != 0 && errno != ENOENT) {
			log_msg(LOG_ERR, "unlink pidfile %s failed: %s", path, strerror(errno));
			ret = E_IO;
			goto out;
		}
		ret = E_IO;
	}
	log_msg(LOG_ERR, "cannot write the pidfile %s: %s", path, strerror(EEXIST));
out:
	return ret;
}

void
pidfile_remove(const char *path)
{
	struct stat st;
	pid_t pid = 0;

	if (read_pidfile(path, &pid, &st) != 0)
		return;
	if (pid != getpid()) {
		log_msg(LOG_WARNING, "pidfile %s holds pid %ld, not ours: left in place", path,
			(long)pid);
		return;
	}
	if (unlink(path) != 0)
		log_msg(LOG_ERR, "unlink pidfile %s failed: %s", path, strerror(errno));
}
