#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/random.h"
#include "common/str.h"

/*
 * A new file's write-back is started every this many bytes, so that the
 * device begins after the first piece, not the last.
 */
#define WRITEBACK_PIECE (256 * 1024)

/* The most of an older file's bytes a stage keeps to give back (file_stage_over_iov()). */
#define TAKEN_TAIL_MAX (1024 * 1024)

/* A temporary file on its way to replace a target. */
struct atomic_file {
	char *target;
	char *tmp;
	int fd;
	/* when fd is an older file taken over (file_stage_over_iov()): */
	char *old;      /* its name, given back on abort */
	char *old_tail; /* its bytes from `from` on, as they were */
	size_t old_tail_len;
	off_t from; /* where the new content first differed */
};

int
file_write_all(int fd, const void *data, size_t len)
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

/* Forget the older file af took over (its bytes and name). */
static void
forget_old(struct atomic_file *af)
{
	free(af->old);
	free(af->old_tail);
	af->old = NULL;
	af->old_tail = NULL;
	af->old_tail_len = 0;
}

/*
 * Put a taken-over file back as it was, under its name again (not over
 * a file made under that name meanwhile). The caller then drops af->tmp.
 */
static void
give_back(struct atomic_file *af)
{
	if (lseek(af->fd, af->from, SEEK_SET) == af->from &&
		file_write_all(af->fd, af->old_tail, af->old_tail_len) == 0 &&
		ftruncate(af->fd, af->from + (off_t)af->old_tail_len) == 0)
		(void)link(af->tmp, af->old);
}

/* Remove the temporary file (or give a taken-over one back) and free af, keeping errno. */
static void
atomic_abort(struct atomic_file *af)
{
	int saved = errno;

	if (af->old != NULL && af->fd >= 0 && af->tmp != NULL)
		give_back(af);
	forget_old(af);
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
	af->old = af->old_tail = NULL;
	af->old_tail_len = 0;
	af->from = 0;
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

/*
 * The clean-up at a function's end: close fd (when open) and free p, keeping
 * errno, so that the caller still sees the cause of the call that failed.
 */
static void
close_free(int fd, void *p)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	free(p);
	errno = saved;
}

/* fsync the directory holding path. */
static int
sync_dir_of(const char *path)
{
	char *dir = NULL;
	int fd = -1, ret;

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
	close_free(fd, dir);
	return ret;
}

/* fsync, close and rename the temporary file over the target; frees af. */
static int
atomic_commit(struct atomic_file *af)
{
	int ret, fd = af->fd;
	off_t end;

	/* a taken-over file may be longer than what it holds now */
	if (af->old != NULL && ((end = lseek(fd, 0, SEEK_CUR)) < 0 || ftruncate(fd, end) != 0)) {
		ret = E_IO;
		goto fail;
	}
	if (fsync(fd) != 0) {
		ret = E_IO;
		goto fail;
	}
	/* the new content is on the device: a taken-over file is not given back from here on */
	forget_old(af);
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

/*
 * Write the n pieces to fd but for their first skip bytes, starting the
 * write-back every WRITEBACK_PIECE bytes; -1 with errno on failure.
 */
static int
write_pieces(int fd, const struct iovec *iov, size_t n, size_t skip)
{
	size_t since = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		p += skip;
		len -= skip;
		skip = 0;
		while (len > 0) {
			size_t m = len < WRITEBACK_PIECE - since ? len : WRITEBACK_PIECE - since;

			if (file_write_all(fd, p, m) != 0)
				return -1;
			p += m;
			len -= m;
			since += m;
			if (since == WRITEBACK_PIECE) {
#ifdef SYNC_FILE_RANGE_WRITE
				/* advice only: the fsync at commit then waits less */
				(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
				since = 0;
			}
		}
	}
#ifdef SYNC_FILE_RANGE_WRITE
	if (since > 0)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
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

/*
 * How many leading bytes of fd (size bytes) equal those of the n pieces
 * of iov; -1 with errno on a read error.
 */
static off_t
common_prefix(int fd, off_t size, const struct iovec *iov, size_t n)
{
	char buf[64 * 1024];
	size_t i = 0, in = 0; /* the piece compared, and how far into it */
	off_t done = 0;

	while (done < size) {
		size_t want =
			size - done < (off_t)sizeof(buf) ? (size_t)(size - done) : sizeof(buf);
		ssize_t got = pread(fd, buf, want, done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		for (size_t k = 0; k < (size_t)got;) {
			const char *p;
			size_t m, j;

			while (i < n && in == iov[i].iov_len) {
				i++;
				in = 0;
			}
			if (i == n)
				return done + (off_t)k;
			p = (const char *)iov[i].iov_base + in;
			m = iov[i].iov_len - in < (size_t)got - k ? iov[i].iov_len - in
								  : (size_t)got - k;
			if (memcmp(p, buf + k, m) != 0) {
				for (j = 0; p[j] == buf[k + j]; j++)
					;
				return done + (off_t)(k + j);
			}
			k += m;
			in += m;
		}
		done += got;
	}
	return done;
}

/* "<path>.tmp.XXXXXX" with random letters for the Xs, as mkstemp() names; NULL when out of memory. */
static char *
tmp_name(const char *path)
{
	static const char letters[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[6];
	char *name;

	if (random_bytes(r, sizeof(r)) != 0)
		return NULL;
	name = str_printf("%s.tmp.XXXXXX", path);
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(r); i++)
		name[strlen(name) - sizeof(r) + i] = letters[r[i] % (sizeof(letters) - 1)];
	return name;
}

#if defined(F_SETLEASE) && defined(HAVE_RENAMEAT2) && defined(RENAME_NOREPLACE)
/*
 * A write lease is granted only while no other descriptor or mapping of
 * the file is open. Someone who opens the file by name while it is held
 * breaks it, which signals the holder: SIGURG, ignored by default, rather
 * than SIGIO, which would end the process; the opener waits until the
 * lease is let go.
 */
static int
lease(int fd)
{
	return fcntl(fd, F_SETSIG, SIGURG) == 0 && fcntl(fd, F_SETLEASE, F_WRLCK) == 0;
}

/*
 * Take the file old over as af's file (file_stage_over_iov()), renamed
 * to a temporary name for path, af->from then saying how much of the
 * content (n pieces of iov) it holds already. 1 when taken (af filled
 * in), 0 when not (old as it was, or at worst under the temporary name
 * when someone raced for that name).
 */
static int
take_over(struct atomic_file *af, const char *path, const char *old, mode_t mode, uid_t uid,
	gid_t gid, const struct iovec *iov, size_t n)
{
	struct stat before, st, now;
	char *name = NULL, *tmp = NULL, *target = NULL, *tail = NULL;
	size_t len = 0;
	off_t same;
	int fd, saved;

	/* looked at before it is opened: opening a device or a FIFO can have effects */
	if (lstat(old, &before) != 0 || !S_ISREG(before.st_mode) || before.st_nlink != 1 ||
		(before.st_mode & 07777) != mode || before.st_uid != uid || before.st_gid != gid)
		return 0;
	fd = open(old, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || st.st_dev != before.st_dev || st.st_ino != before.st_ino ||
		!lease(fd))
		goto out;
	same = common_prefix(fd, st.st_size, iov, n);
	if (same < 0 || st.st_size - same > TAKEN_TAIL_MAX)
		goto unlease;
	len = (size_t)(st.st_size - same);
	name = str_dup(old);
	target = str_dup(path);
	tmp = tmp_name(path);
	tail = malloc(len > 0 ? len : 1);
	if (name == NULL || target == NULL || tmp == NULL || tail == NULL)
		goto unlease;
	for (size_t got = 0; got < len;) {
		ssize_t r = pread(fd, tail + got, len - got, same + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto unlease;
		got += (size_t)r;
	}
	if (lseek(fd, same, SEEK_SET) != same ||
		renameat2(AT_FDCWD, old, AT_FDCWD, tmp, RENAME_NOREPLACE) != 0)
		goto unlease;
	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	/*
	 * Whoever opened it while the lease was held has it open still: a
	 * second lease says no one did, so no one reads it while it changes.
	 * The name must lead to it, and no other name.
	 */
	if (!lease(fd) || lstat(tmp, &now) != 0 || now.st_dev != st.st_dev ||
		now.st_ino != st.st_ino || fstat(fd, &st) != 0 || st.st_nlink != 1) {
		/* fails only where a file of old's name was made meanwhile: that one stands */
		(void)renameat2(AT_FDCWD, tmp, AT_FDCWD, old, RENAME_NOREPLACE);
		goto unlease;
	}
	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	af->target = target;
	af->tmp = tmp;
	af->fd = fd;
	af->old = name;
	af->old_tail = tail;
	af->old_tail_len = len;
	af->from = same;
	return 1;
unlease:
	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
out:
	saved = errno;
	close(fd);
	free(name);
	free(target);
	free(tmp);
	free(tail);
	errno = saved;
	return 0;
}
#else
static int
take_over(struct atomic_file *af, const char *path, const char *old, mode_t mode, uid_t uid,
	gid_t gid, const struct iovec *iov, size_t n)
{
	(void)af;
	(void)path;
	(void)old;
	(void)mode;
	(void)uid;
	(void)gid;
	(void)iov;
	(void)n;
	return 0;
}
#endif

int
file_stage_over_iov(const char *path, const char *old, const struct iovec *iov, size_t n,
	mode_t mode, uid_t uid, gid_t gid, size_t *kept, struct file_staged **out)
{
	struct file_staged *st = NULL;
	int ret = 0, taken = 0;

	if (kept != NULL)
		*kept = 0;
	if (path == NULL || *path == '\0' || out == NULL || !iov_ok(iov, n))
		return E_INVAL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return E_NOMEM;
	st->af.fd = -1;
	if (old != NULL && uid != (uid_t)-1 && gid != (gid_t)-1)
		taken = take_over(&st->af, path, old, mode, uid, gid, iov, n);
	if (!taken) {
		ret = atomic_begin(&st->af, path, mode);
		if (ret != 0)
			goto out;
	}
	/*
	 * Give a new file to the old file's owner. Only root may give a file
	 * away; anyone else keeps the new file as theirs rather than fail.
	 * A file taken over has the owner and mode already.
	 */
	if (!taken && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(st->af.fd, uid, gid) != 0 &&
		(errno != EPERM || geteuid() == 0)) {
		atomic_abort(&st->af);
		ret = E_IO;
		goto out;
	}
	/* chown may have cleared set-id bits: put the mode back */
	if ((!taken && fchmod(st->af.fd, mode) != 0) ||
		write_pieces(st->af.fd, iov, n, (size_t)st->af.from) != 0) {
		atomic_abort(&st->af);
		ret = E_IO;
		goto out;
	}
	if (kept != NULL)
		*kept = (size_t)st->af.from;
out:
	if (ret != 0) {
		free(st);
		st = NULL;
	}
	*out = st;
	return ret;
}

int
file_stage_iov(const char *path, const struct iovec *iov, size_t n, mode_t mode, uid_t uid,
	gid_t gid, struct file_staged **out)
{
	return file_stage_over_iov(path, NULL, iov, n, mode, uid, gid, NULL, out);
}

int
file_stage_append_iov(struct file_staged *st, const struct iovec *iov, size_t n)
{
	if (st == NULL || !iov_ok(iov, n))
		return E_INVAL;
	return write_pieces(st->af.fd, iov, n, 0) == 0 ? 0 : E_IO;
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
file_write_atomic_iov(
	const char *path, const struct iovec *iov, size_t n, mode_t mode, uid_t uid, gid_t gid)
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
	int fd = -1, ret;

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
	close_free(fd, buf);
	return ret;
}

int
file_copy(const char *src, const char *dst, mode_t mode)
{
	struct atomic_file af;
	char buf[65536];
	int in = -1, ret;

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
		if (n < 0 || (n > 0 && file_write_all(af.fd, buf, (size_t)n) != 0)) {
			atomic_abort(&af);
			ret = E_IO;
			goto out;
		}
		if (n == 0)
			break;
	}
	ret = atomic_commit(&af);
out:
	close_free(in, NULL);
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
