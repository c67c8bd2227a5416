#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"

/* A temporary file on its way to replace a target. */
struct atomic_file {
	char *target;
	char *tmp;
	int fd;
};

/* Write all of len bytes of data to fd; -1 with errno on failure. */
static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Remove the temporary file and free af, keeping errno. */
static void
atomic_abort(struct atomic_file *af)
{
	int saved = errno;

	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp != NULL)
		unlink(af->tmp);
	free(af->tmp);
	free(af->target);
	af->fd = -1;
	af->tmp = NULL;
	af->target = NULL;
	errno = saved;
}

/* Create the temporary file for path with mode. Returns 0, E_NOMEM or E_IO. */
static int
atomic_begin(struct atomic_file *af, const char *path, mode_t mode)
{
	int ret;

	af->fd = -1;
	af->target = str_dup(path);
	af->tmp = str_printf("%s.tmp.XXXXXX", path);
	if (af->target == NULL || af->tmp == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	af->fd = mkostemp(af->tmp, O_CLOEXEC);
	if (af->fd < 0) {
		/* nothing was created: do not let atomic_abort() unlink the template */
		free(af->tmp);
		af->tmp = NULL;
		ret = E_IO;
		goto out;
	}
	if (fchmod(af->fd, mode) != 0) {
		ret = E_IO;
		goto out;
	}
	ret = 0;
out:
	if (ret != 0)
		atomic_abort(af);
	return ret;
}

/* fsync the directory holding path. */
static int
sync_dir_of(const char *path)
{
	char *dir = NULL;
	int fd = -1, ret, saved;

	ret = path_dirname(path, &dir);
	if (ret != 0)
		goto out;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = E_IO;
		goto out;
	}
	/* some file systems cannot sync a directory; that is not a failure */
	if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP) {
		ret = E_IO;
		goto out;
	}
	ret = 0;
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	errno = saved;
	return ret;
}

/* fsync, close and rename the temporary file over the target; frees af. */
static int
atomic_commit(struct atomic_file *af)
{
	int ret, fd = af->fd;

	if (fsync(fd) != 0) {
		ret = E_IO;
		goto fail;
	}
	af->fd = -1;
	if (close(fd) != 0) {
		ret = E_IO;
		goto fail;
	}
	if (rename(af->tmp, af->target) != 0) {
		ret = E_IO;
		goto fail;
	}
	free(af->tmp);
	af->tmp = NULL;
	ret = sync_dir_of(af->target);
	free(af->target);
	af->target = NULL;
	goto out;
fail:
	atomic_abort(af);
out:
	return ret;
}

int
file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct iovec iov = { (void *)data, len };

	if (data == NULL && len > 0)
		return E_INVAL;
	return file_write_atomic_iov(path, &iov, 1, mode, (uid_t)-1, (gid_t)-1);
}

/* Write all of the n pieces to fd; -1 with errno on failure. */
static int
writev_all(int fd, const struct iovec *iov, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (write_all(fd, iov[i].iov_base, iov[i].iov_len) != 0)
			return -1;
	}
	return 0;
}

/* Does every piece have its bytes? */
static int
iov_ok(const struct iovec *iov, size_t n)
{
	if (iov == NULL)
		return n == 0;
	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_base == NULL && iov[i].iov_len > 0)
			return 0;
	}
	return 1;
}

/* A replacement written but not yet renamed into place (fileio.h). */
struct file_staged {
	struct atomic_file af;
};

int
file_stage_iov(const char *path, const struct iovec *iov, size_t n, mode_t mode, uid_t uid,
    gid_t gid, struct file_staged **out)
{
	struct file_staged *st = NULL;
	int ret;

	if (path == NULL || *path == '\0' || out == NULL || !iov_ok(iov, n))
		return E_INVAL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return E_NOMEM;
	ret = atomic_begin(&st->af, path, mode);
	if (ret != 0)
		goto out;
	/*
	 * Give the file to the old file's owner. Only root may give a file
	 * away; anyone else keeps the new file as theirs rather than fail.
	 */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(st->af.fd, uid, gid) != 0 &&
	    (errno != EPERM || geteuid() == 0)) {
		atomic_abort(&st->af);
		ret = E_IO;
		goto out;
	}
	/* chown may have cleared set-id bits: put the mode back */
	if (fchmod(st->af.fd, mode) != 0 || writev_all(st->af.fd, iov, n) != 0) {
		atomic_abort(&st->af);
		ret = E_IO;
		goto out;
	}
#ifdef SYNC_FILE_RANGE_WRITE
	/* start the write-back now, so the fsync at commit waits less (advice only) */
	(void)sync_file_range(st->af.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
out:
	if (ret != 0) {
		free(st);
		st = NULL;
	}
	*out = st;
	return ret;
}

int
file_stage_append_iov(struct file_staged *st, const struct iovec *iov, size_t n)
{
	if (st == NULL || !iov_ok(iov, n))
		return E_INVAL;
	if (writev_all(st->af.fd, iov, n) != 0)
		return E_IO;
#ifdef SYNC_FILE_RANGE_WRITE
	(void)sync_file_range(st->af.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
	return 0;
}

int
file_stage_sync(struct file_staged *st)
{
	if (st == NULL)
		return E_INVAL;
	return fdatasync(st->af.fd) == 0 ? 0 : E_IO;
}

int
file_stage_commit(struct file_staged *st)
{
	int ret;

	if (st == NULL)
		return E_INVAL;
	ret = atomic_commit(&st->af);
	free(st);
	return ret;
}

void
file_stage_abort(struct file_staged *st)
{
	if (st == NULL)
		return;
	atomic_abort(&st->af);
	free(st);
}

int
file_write_atomic_iov(const char *path, const struct iovec *iov, size_t n, mode_t mode, uid_t uid,
    gid_t gid)
{
	struct file_staged *st;
	int ret = file_stage_iov(path, iov, n, mode, uid, gid, &st);

	return ret != 0 ? ret : file_stage_commit(st);
}

int
file_read_all(const char *path, size_t max, char **data, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, used = 0;
	int fd = -1, ret, saved;

	if (path == NULL || data == NULL || len == NULL) {
		ret = E_INVAL;
		goto out;
	}
	if (max == 0 || max > SIZE_MAX / 2)
		max = SIZE_MAX / 2;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = E_IO;
		goto out;
	}
	for (;;) {
		ssize_t n;

		/* always keep one byte beyond the data: for the NUL, and to
		 * read one byte past max so an oversized file is noticed */
		if (cap - used < 2) {
			size_t ncap = cap == 0 ? 4096 : cap * 2;
			char *nbuf;

			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= cap) {
				ret = E_RANGE;
				goto out;
			}
			nbuf = realloc(buf, ncap);
			if (nbuf == NULL) {
				ret = E_NOMEM;
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = E_IO;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			ret = E_RANGE;
			goto out;
		}
	}
	if (buf == NULL) {
		buf = malloc(1);
		if (buf == NULL) {
			ret = E_NOMEM;
			goto out;
		}
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	buf = NULL;
	ret = 0;
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = saved;
	return ret;
}

int
file_copy(const char *src, const char *dst, mode_t mode)
{
	struct atomic_file af;
	char buf[65536];
	int in = -1, ret, saved;

	if (src == NULL || dst == NULL || *dst == '\0') {
		ret = E_INVAL;
		goto out;
	}
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		ret = E_IO;
		goto out;
	}
	ret = atomic_begin(&af, dst, mode);
	if (ret != 0)
		goto out;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && write_all(af.fd, buf, (size_t)n) != 0)) {
			atomic_abort(&af);
			ret = E_IO;
			goto out;
		}
		if (n == 0)
			break;
	}
	ret = atomic_commit(&af);
out:
	saved = errno;
	if (in >= 0)
		close(in);
	errno = saved;
	return ret;
}

int
path_dirname(const char *path, char **out)
{
	size_t n;
	char *d;
	int ret;

	if (path == NULL || out == NULL) {
		ret = E_INVAL;
		goto out;
	}
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/') /* trailing slashes */
		n--;
	while (n > 0 && path[n - 1] != '/') /* the last component */
		n--;
	while (n > 1 && path[n - 1] == '/') /* the slashes before it */
		n--;
	if (n == 0)
		d = strdup(".");
	else
		d = strndup(path, n);
	if (d == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	*out = d;
	ret = 0;
out:
	return ret;
}

int
path_resolve(const char *base_dir, const char *path, char **out)
{
	size_t blen;
	char *r;
	int ret;

	if (path == NULL || *path == '\0' || out == NULL) {
		ret = E_INVAL;
		goto out;
	}
	if (path[0] == '/' || base_dir == NULL || base_dir[0] == '\0') {
		r = strdup(path);
	} else {
		blen = strlen(base_dir);
		while (blen > 1 && base_dir[blen - 1] == '/')
			blen--;
		if (blen == 1 && base_dir[0] == '/')
			r = str_printf("/%s", path);
		else
			r = str_printf("%.*s/%s", (int)blen, base_dir, path);
	}
	if (r == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	*out = r;
	ret = 0;
out:
	return ret;
}
