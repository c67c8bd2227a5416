/*
 * fileio.h - whole-file reads, atomic file replacement, path helpers.
 *
 * Every failing call returns a negative code from err.h; for E_IO, errno
 * holds the cause of the system call that failed (the clean-up after it
 * does not change it). Returned char * belong to the caller (free()).
 */
#ifndef COMMON_FILEIO_H
#define COMMON_FILEIO_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/*
 * Replace path with len bytes of data, atomically: write a temporary file
 * "<path>.tmp.XXXXXX" in the same directory, set its mode to exactly mode
 * (umask is not applied), fsync it, rename it over path, fsync the
 * directory. Readers see either the old or the new content, never a part.
 * On failure the temporary file is removed and path is untouched, except
 * when only the final directory fsync fails (path then already holds the
 * new content). Returns 0, E_INVAL (NULL path, or NULL data with len > 0),
 * E_NOMEM, or E_IO with errno set.
 */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * file_write_atomic() of the n pieces of iov one after the other, giving
 * the new file to uid:gid ((uid_t)-1 and (gid_t)-1 leave either as the
 * process's), as a rewrite of someone else's file must. A process that
 * is not root and may not give the file away keeps it as its own instead
 * of failing.
 */
int file_write_atomic_iov(
	const char *path, const struct iovec *iov, size_t n, mode_t mode, uid_t uid, gid_t gid);

/*
 * file_write_atomic_iov() in two steps, for a caller with work to do
 * between writing the new content and putting it in place (zonelist.xml
 * makes its .backup there): file_stage_iov() writes the temporary file and
 * starts its write-back; file_stage_commit() fsyncs it and renames it over
 * path (then frees it, success or not), or file_stage_abort() removes it.
 * Until the commit, path is untouched. Same codes as file_write_atomic_iov().
 */
struct file_staged;
int file_stage_iov(const char *path, const struct iovec *iov, size_t n, mode_t mode, uid_t uid,
	gid_t gid, struct file_staged **out);
int file_stage_commit(struct file_staged *st);
void file_stage_abort(struct file_staged *st);

/*
 * file_stage_iov() that writes the new content over old, a file the
 * commit makes redundant (zonelist.xml's backup, which the commit
 * replaces by the file as it is), where old may be had: the bytes old has
 * in common with the start of the new content are kept, only the rest is
 * written, and no blocks are allocated or freed. At 10,000 zones a 4 MB
 * zonelist.xml then costs an add some hundred bytes of writing instead of
 * 4 MB written and 4 MB freed. *kept (if not NULL) says how many bytes
 * were kept: 0 when a new file was made instead.
 *
 * old is taken only when it is a regular file with one link, with mode,
 * uid and gid (both given, not -1) already, on path's file system, open
 * in no process (it must get a write lease, fcntl(2)), and all but at
 * most 1 MiB of it is in common with the content. From then on until the
 * stage ends old's name is gone: the commit cuts the file to what was
 * written and puts it in place; an abort writes old's bytes back and
 * gives it its name again.
 */
int file_stage_over_iov(const char *path, const char *old, const struct iovec *iov, size_t n,
	mode_t mode, uid_t uid, gid_t gid, size_t *kept, struct file_staged **out);

/*
 * Write more to the end of a staged file (and start its write-back), for
 * a caller that stages the part of the content it knows early. E_IO leaves
 * st to be aborted.
 */
int file_stage_append_iov(struct file_staged *st, const struct iovec *iov, size_t n);

/*
 * Wait until what is written so far is on the device (fdatasync), so that
 * the commit's fsync has only the rest to do: for a caller with a thread
 * to spare while the device works. E_IO leaves st to be aborted.
 */
int file_stage_sync(struct file_staged *st);

/*
 * Write all of len bytes of data to the open fd, again after EINTR and
 * after a short write. Returns 0, or -1 with errno set (not an err.h code:
 * the caller words its own message from errno).
 */
int file_write_all(int fd, const void *data, size_t len);

/*
 * Read the whole of path into a malloc()ed buffer with a NUL after the
 * last byte (the file may itself contain NULs; *len is the byte count).
 * max is the largest size accepted; 0 means no limit. Returns 0, E_INVAL,
 * E_NOMEM, E_RANGE (file larger than max), or E_IO with errno set (ENOENT
 * for a missing file). *data and *len are written only on success; the
 * caller frees *data.
 */
int file_read_all(const char *path, size_t max, char **data, size_t *len);

/*
 * Copy src to dst, replacing dst atomically as file_write_atomic() does,
 * with mode as dst's mode. Streams; no size limit. Returns 0, E_INVAL,
 * E_NOMEM or E_IO with errno set.
 */
int file_copy(const char *src, const char *dst, mode_t mode);

/*
 * Directory part of path, as dirname(3) would give it, without touching
 * path: "a/b" -> "a", "a/b/" -> "a", "b" -> ".", "/b" -> "/", "/" -> "/",
 * "" -> ".". Returns 0, E_INVAL (NULL) or E_NOMEM; *out is the caller's.
 */
int path_dirname(const char *path, char **out);

/*
 * path resolved against base_dir: an absolute path (leading '/') is copied
 * unchanged, a relative one becomes "<base_dir>/<path>" (no doubled '/').
 * A NULL or empty base_dir leaves path as it is. No "." or ".." folding and
 * no file system access. Returns 0, E_INVAL (NULL or empty path) or
 * E_NOMEM; *out is the caller's.
 */
int path_resolve(const char *base_dir, const char *path, char **out);

#endif
