/*
 * test_fileio.c - atomic write, whole-file read, copy and path helpers
 * (src/common/fileio.h), in a fresh temp directory.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "dir_entries.h"
#include "lease_probe.h"

static char tmpdir[4096];

/* "<tmpdir>/<name>"; the caller frees. */
static char *
tpath(const char *name)
{
	char *p = str_printf("%s/%s", tmpdir, name);

	assert_non_null(p);
	return p;
}

/* rm -r of dir (one level of subdirectories is all the tests make). */
static void
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = str_printf("%s/%s", dir, e->d_name);
		if (p == NULL)
			continue;
		if (unlink(p) != 0 && errno == EISDIR)
			remove_tree(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_fileio.XXXXXX",
		base != NULL && *base != '\0' ? base : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	remove_tree(tmpdir);
	return 0;
}

/* Number of entries in tmpdir (without . and ..). */
static int
count_entries(void)
{
	return dir_entry_count(tmpdir);
}

static void
assert_content(const char *path, const char *want, size_t wantlen)
{
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(file_read_all(path, 0, &data, &len), 0);
	assert_int_equal(len, wantlen);
	assert_memory_equal(data, want, wantlen);
	assert_int_equal(data[len], '\0');
	free(data);
}

static void
test_write_atomic(void **state)
{
	char *p = tpath("zonelist.xml");
	struct stat st;
	int before = count_entries();

	(void)state;
	assert_int_equal(file_write_atomic(p, "first\n", 6, 0640), 0);
	assert_content(p, "first\n", 6);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* replacing: new content and the new mode, exactly (no umask) */
	umask(077);
	assert_int_equal(file_write_atomic(p, "second, longer\n", 15, 0664), 0);
	umask(022);
	assert_content(p, "second, longer\n", 15);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0664);

	/* empty content, NULL data allowed with len 0 */
	assert_int_equal(file_write_atomic(p, NULL, 0, 0600), 0);
	assert_content(p, "", 0);

	/* no temporary file left behind */
	assert_int_equal(count_entries(), before + 1);
	unlink(p);
	free(p);
}

/* file_stage_iov(): nothing changes at path until the commit; an abort leaves nothing */
static void
test_stage(void **state)
{
	char *p = tpath("staged.xml");
	struct iovec iov[2] = { { "new ", 4 }, { "content\n", 8 } };
	struct file_staged *st = NULL;
	struct stat sb;
	int before;

	(void)state;
	assert_int_equal(file_write_atomic(p, "old\n", 4, 0644), 0);
	before = count_entries();

	assert_int_equal(file_stage_iov(p, iov, 2, 0640, (uid_t)-1, (gid_t)-1, &st), 0);
	assert_non_null(st);
	assert_content(p, "old\n", 4);
	assert_int_equal(count_entries(), before + 1); /* the temporary file */
	assert_int_equal(file_stage_commit(st), 0);
	assert_content(p, "new content\n", 12);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_int_equal(count_entries(), before);

	assert_int_equal(file_stage_iov(p, iov, 1, 0600, (uid_t)-1, (gid_t)-1, &st), 0);
	file_stage_abort(st);
	assert_content(p, "new content\n", 12);
	assert_int_equal(count_entries(), before);

	/* written in two steps, the first made durable on its own: the whole at the commit */
	assert_int_equal(file_stage_iov(p, iov, 1, 0644, (uid_t)-1, (gid_t)-1, &st), 0);
	assert_int_equal(file_stage_sync(st), 0);
	assert_int_equal(file_stage_append_iov(st, iov + 1, 1), 0);
	assert_content(p, "new content\n", 12);
	assert_int_equal(file_stage_commit(st), 0);
	assert_content(p, "new content\n", 12);
	assert_int_equal(count_entries(), before);
	assert_int_equal(file_stage_iov(p, iov + 1, 1, 0644, (uid_t)-1, (gid_t)-1, &st), 0);
	assert_int_equal(file_stage_append_iov(st, iov, 2), 0);
	assert_int_equal(file_stage_commit(st), 0);
	assert_content(p, "content\nnew content\n", 20);

	/* bad arguments, and a directory that does not exist */
	assert_int_equal(file_stage_iov(p, iov, 2, 0600, (uid_t)-1, (gid_t)-1, NULL), E_INVAL);
	assert_int_equal(file_stage_commit(NULL), E_INVAL);
	assert_int_equal(file_stage_sync(NULL), E_INVAL);
	assert_int_equal(file_stage_append_iov(NULL, iov, 1), E_INVAL);
	file_stage_abort(NULL);
	free(p);
	p = tpath("missing/staged.xml");
	st = (struct file_staged *)p;
	assert_int_equal(file_stage_iov(p, iov, 2, 0600, (uid_t)-1, (gid_t)-1, &st), E_IO);
	assert_null(st);
	free(p);
}

#define OLD_TEXT "shared start, old end\n"

/* Stage p over old with text, committed; asserts how much was kept. */
static void
stage_over(const char *p, const char *old, const char *text, size_t want_kept)
{
	struct iovec iov = { (void *)text, strlen(text) };
	struct file_staged *st = NULL;
	size_t kept = 99;

	assert_int_equal(
		file_stage_over_iov(p, old, &iov, 1, 0640, getuid(), getgid(), &kept, &st), 0);
	assert_int_equal(kept, want_kept);
	assert_int_equal(file_stage_commit(st), 0);
	assert_content(p, text, strlen(text));
}

/* A file that file_stage_over_iov() must leave alone: not taken, and as it was. */
static void
refused(const char *p, const char *old)
{
	stage_over(p, old, "shared start, new end\n", 0);
	assert_content(old, OLD_TEXT, strlen(OLD_TEXT));
}

static void
test_stage_over(void **state)
{
	char *p = tpath("over.xml"), *old = tpath("over.xml.backup"), *other = tpath("other");
	const size_t shared = strlen("shared start, ");
	struct iovec iov[2] = { { "shared start, ", 14 },
		{ "a new end, longer than the old\n", 31 } };
	struct file_staged *st = NULL;
	struct stat was, now;
	int fd, before, leases = leases_work(tmpdir);
	size_t kept = 99;
	char *big;
	void *map;

	(void)state;
	assert_int_equal(file_write_atomic(p, "current\n", 8, 0640), 0);
	assert_int_equal(file_write_atomic(old, OLD_TEXT, strlen(OLD_TEXT), 0640), 0);
	assert_int_equal(stat(old, &was), 0);
	before = count_entries();

	/* taken: what it shares with the content kept, the rest written, in old's inode */
	assert_int_equal(
		file_stage_over_iov(p, old, iov, 2, 0640, getuid(), getgid(), &kept, &st), 0);
	assert_int_equal(kept, leases ? shared : 0);
	assert_content(p, "current\n", 8);
	assert_int_equal(count_entries(), leases ? before : before + 1);
	assert_int_equal(file_stage_commit(st), 0);
	assert_content(p, "shared start, a new end, longer than the old\n", 45);
	assert_int_equal(stat(p, &now), 0);
	assert_int_equal(now.st_mode & 07777, 0640);
	assert_int_equal(now.st_ino == was.st_ino, leases);
	assert_int_equal(count_entries(), leases ? before - 1 : before);

	/* shorter than the file written over: cut to its length; the same content: nothing written */
	assert_int_equal(file_write_atomic(old, OLD_TEXT, strlen(OLD_TEXT), 0640), 0);
	stage_over(p, old, "shared", leases ? 6 : 0);
	assert_int_equal(file_write_atomic(old, OLD_TEXT, strlen(OLD_TEXT), 0640), 0);
	stage_over(p, old, OLD_TEXT, leases ? strlen(OLD_TEXT) : 0);

	/* aborted after taking it: old back as it was, under its name, nothing left over */
	assert_int_equal(file_write_atomic(old, OLD_TEXT, strlen(OLD_TEXT), 0640), 0);
	assert_int_equal(stat(old, &was), 0);
	before = count_entries();
	assert_int_equal(
		file_stage_over_iov(p, old, iov, 2, 0640, getuid(), getgid(), &kept, &st), 0);
	file_stage_abort(st);
	assert_content(p, OLD_TEXT, strlen(OLD_TEXT));
	assert_content(old, OLD_TEXT, strlen(OLD_TEXT));
	assert_int_equal(stat(old, &now), 0);
	assert_true(now.st_ino == was.st_ino);
	assert_int_equal(count_entries(), before);

	/*
	 * Not taken, and left as it was: a file with a second name, one open
	 * elsewhere, one only mapped, another mode, an owner not given, a
	 * symbolic link, a FIFO (not blocked on), a missing file, and one with
	 * more than 1 MiB not in common with the content.
	 */
	assert_int_equal(link(old, other), 0);
	refused(p, old);
	assert_content(other, OLD_TEXT, strlen(OLD_TEXT));
	assert_int_equal(unlink(other), 0);

	fd = open(old, O_RDONLY);
	assert_true(fd >= 0);
	refused(p, old);
	map = mmap(NULL, strlen(OLD_TEXT), PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	close(fd);
	refused(p, old);
	assert_memory_equal(map, OLD_TEXT, strlen(OLD_TEXT));
	munmap(map, strlen(OLD_TEXT));

	assert_int_equal(chmod(old, 0600), 0);
	refused(p, old);
	assert_int_equal(chmod(old, 0640), 0);
	assert_int_equal(
		file_stage_over_iov(p, old, iov, 2, 0640, (uid_t)-1, (gid_t)-1, &kept, &st), 0);
	assert_int_equal(kept, 0);
	file_stage_abort(st);
	assert_content(old, OLD_TEXT, strlen(OLD_TEXT));

	assert_int_equal(rename(old, other), 0);
	assert_int_equal(symlink(other, old), 0);
	stage_over(p, old, "shared start, new end\n", 0);
	assert_content(other, OLD_TEXT, strlen(OLD_TEXT));
	assert_int_equal(lstat(old, &now), 0);
	assert_true(S_ISLNK(now.st_mode));
	assert_int_equal(unlink(old), 0);
	assert_int_equal(unlink(other), 0);

	assert_int_equal(mkfifo(old, 0640), 0);
	stage_over(p, old, "shared start, new end\n", 0);
	assert_int_equal(lstat(old, &now), 0);
	assert_true(S_ISFIFO(now.st_mode));
	assert_int_equal(unlink(old), 0);

	stage_over(p, old, "shared start, new end\n", 0);

	big = malloc(3 << 20);
	assert_non_null(big);
	memset(big, 'x', 3 << 20);
	assert_int_equal(file_write_atomic(old, big, 3 << 20, 0640), 0);
	big[(1 << 20) + 10] = 'y';
	stage_over(p, old, "", 0);
	{
		struct iovec b = { big, 3 << 20 };

		assert_int_equal(
			file_stage_over_iov(p, old, &b, 1, 0640, getuid(), getgid(), &kept, &st),
			0);
		assert_int_equal(kept, 0);
		file_stage_abort(st);
	}
	memset(big, 'x', 3 << 20);
	assert_content(old, big, 3 << 20);
	free(big);

	assert_int_equal(
		file_stage_over_iov(p, old, iov, 1, 0644, (uid_t)-1, (gid_t)-1, &kept, NULL),
		E_INVAL);
	free(p);
	free(old);
	free(other);
}

static void
test_write_atomic_fails(void **state)
{
	char *missing = tpath("no/such/dir/file");
	char *dir = tpath("adir");
	char *inside = tpath("adir/keep");
	struct stat st;
	int before;

	(void)state;
	errno = 0;
	assert_int_equal(file_write_atomic(missing, "x", 1, 0644), E_IO);
	assert_int_equal(errno, ENOENT);

	/* the target is a non-empty directory: rename fails, nothing is left over */
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(file_write_atomic(inside, "keep", 4, 0644), 0);
	before = count_entries();
	errno = 0;
	assert_int_equal(file_write_atomic(dir, "x", 1, 0644), E_IO);
	assert_true(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
	assert_int_equal(count_entries(), before);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_content(inside, "keep", 4);

	assert_int_equal(file_write_atomic(NULL, "x", 1, 0644), E_INVAL);
	assert_int_equal(file_write_atomic("", "x", 1, 0644), E_INVAL);
	assert_int_equal(file_write_atomic(inside, NULL, 1, 0644), E_INVAL);
	assert_content(inside, "keep", 4);

	unlink(inside);
	rmdir(dir);
	free(missing);
	free(dir);
	free(inside);
}

static void
test_read_all(void **state)
{
	char *p = tpath("data");
	char *big = malloc(300000);
	char *data = (char *)"untouched";
	size_t len = 77;
	int fd;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < 300000; i++)
		big[i] = (char)(i * 7 + 3); /* includes NUL bytes */
	assert_int_equal(file_write_atomic(p, big, 300000, 0600), 0);

	/* larger than the first buffer: grows; exactly max is fine */
	assert_content(p, big, 300000);
	assert_int_equal(file_read_all(p, 300000, &data, &len), 0);
	assert_int_equal(len, 300000);
	assert_memory_equal(data, big, 300000);
	free(data);

	/* one byte over max */
	data = (char *)"untouched";
	len = 77;
	assert_int_equal(file_read_all(p, 299999, &data, &len), E_RANGE);
	assert_int_equal(file_read_all(p, 1, &data, &len), E_RANGE);
	assert_string_equal(data, "untouched");
	assert_int_equal(len, 77);

	/* missing file: E_IO with ENOENT, outputs untouched */
	unlink(p);
	errno = 0;
	assert_int_equal(file_read_all(p, 0, &data, &len), E_IO);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(data, "untouched");

	/* an empty file gives an empty, terminated buffer */
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(file_read_all(p, 0, &data, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);

	/* a directory cannot be read */
	data = (char *)"untouched";
	assert_int_equal(file_read_all(tmpdir, 0, &data, &len), E_IO);
	assert_string_equal(data, "untouched");

	assert_int_equal(file_read_all(NULL, 0, &data, &len), E_INVAL);
	assert_int_equal(file_read_all(p, 0, NULL, &len), E_INVAL);
	assert_int_equal(file_read_all(p, 0, &data, NULL), E_INVAL);
	unlink(p);
	free(p);
	free(big);
}

static void
test_copy(void **state)
{
	char *src = tpath("kasp.db");
	char *dst = tpath("kasp.db.backup");
	char *missing = tpath("missing");
	char *big = malloc(200001);
	struct stat st;
	int before;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < 200001; i++)
		big[i] = (char)(i % 251);
	assert_int_equal(file_write_atomic(src, big, 200001, 0600), 0);
	assert_int_equal(file_write_atomic(dst, "old", 3, 0600), 0);

	assert_int_equal(file_copy(src, dst, 0640), 0);
	assert_content(dst, big, 200001);
	assert_int_equal(stat(dst, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* a missing source leaves the destination alone and no temp file */
	before = count_entries();
	errno = 0;
	assert_int_equal(file_copy(missing, dst, 0644), E_IO);
	assert_int_equal(errno, ENOENT);
	assert_content(dst, big, 200001);
	assert_int_equal(count_entries(), before);

	/* a directory as the source fails while copying: temp file removed */
	assert_int_equal(file_copy(tmpdir, dst, 0644), E_IO);
	assert_int_equal(errno, EISDIR);
	assert_content(dst, big, 200001);
	assert_int_equal(count_entries(), before);

	assert_int_equal(file_copy(NULL, dst, 0644), E_INVAL);
	assert_int_equal(file_copy(src, NULL, 0644), E_INVAL);
	unlink(src);
	unlink(dst);
	free(src);
	free(dst);
	free(missing);
	free(big);
}

static void
test_dirname(void **state)
{
	static const struct {
		const char *in, *out;
	} table[] = {
		{ "/etc/opendnssec/conf.xml", "/etc/opendnssec" },
		{ "a/b", "a" },
		{ "a/b/", "a" },
		{ "a//b", "a" },
		{ "a/b//", "a" },
		{ "b", "." },
		{ "b/", "." },
		{ "/b", "/" },
		{ "//b", "/" },
		{ "/", "/" },
		{ "//", "/" },
		{ "", "." },
		{ "./x", "." },
		{ "../x/y", "../x" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		char *out = NULL;

		assert_int_equal(path_dirname(table[i].in, &out), 0);
		if (strcmp(out, table[i].out) != 0)
			fail_msg("dirname(\"%s\") = \"%s\", want \"%s\"", table[i].in, out,
				table[i].out);
		free(out);
	}
	assert_int_equal(path_dirname(NULL, &(char *){ NULL }), E_INVAL);
	assert_int_equal(path_dirname("a", NULL), E_INVAL);
}

static void
test_resolve(void **state)
{
	static const struct {
		const char *base, *path, *out;
	} table[] = {
		{ "/etc/opendnssec", "zonelist.xml", "/etc/opendnssec/zonelist.xml" },
		{ "/etc/opendnssec/", "zonelist.xml", "/etc/opendnssec/zonelist.xml" },
		{ "/etc/opendnssec//", "sub/z.xml", "/etc/opendnssec/sub/z.xml" },
		{ "/etc/opendnssec", "/var/kasp.db", "/var/kasp.db" },
		{ "/", "x", "/x" },
		{ "rel", "x", "rel/x" },
		{ NULL, "x", "x" },
		{ "", "x", "x" },
		{ "/a", "../b", "/a/../b" },
	};
	char *out = (char *)"untouched";

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		char *r = NULL;

		assert_int_equal(path_resolve(table[i].base, table[i].path, &r), 0);
		assert_string_equal(r, table[i].out);
		free(r);
	}
	assert_int_equal(path_resolve("/a", NULL, &out), E_INVAL);
	assert_int_equal(path_resolve("/a", "", &out), E_INVAL);
	assert_int_equal(path_resolve("/a", "b", NULL), E_INVAL);
	assert_string_equal(out, "untouched");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_write_atomic_fails),
		cmocka_unit_test(test_stage),
		cmocka_unit_test(test_stage_over),
		cmocka_unit_test(test_read_all),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_dirname),
		cmocka_unit_test(test_resolve),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
