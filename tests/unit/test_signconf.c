/*
 * test_signconf.c - the signconf writer (src/enforcer/signconf.c): texts
 * against the golden files in tests/data/signconf/, validation against the
 * embedded schema, and signconf_write() in a fresh temp directory.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "config/kasp.h"
#include "enforcer/signconf.h"

#define ERRLEN 1024

/* A temporary directory for the test program, removed at the end. */
static char tmpdir[4096];

/* ---------------------------------------------------------------- helpers */

/* path of a golden file of tests/data/signconf (static buffer) */
static const char *
golden(const char *name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/tests/data/signconf/%s", top != NULL ? top : ".", name);
	return path;
}

/* "<tmpdir>/<name>"; the caller frees. */
static char *
tpath(const char *name)
{
	char *p = str_printf("%s/%s", tmpdir, name);

	assert_non_null(p);
	return p;
}

/* The policy of the NSEC3 golden file. */
static void
policy_nsec3(struct kasp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->resign = 7200;
	p->refresh = 259200;
	p->valdefault = 604800;
	p->valdenial = 1209600;
	p->jitter = 43200;
	p->inception_offset = 3600;
	p->nsec3 = 1;
	p->nsec3_ttl = 300;
	p->optout = 1;
	p->resalt = 8640000;
	p->hash_algorithm = 1;
	p->iterations = 5;
	p->salt_length = 8;
	p->key_ttl = 3600;
	p->zone_soa_ttl = 3600;
	p->zone_soa_min = 3600;
	p->serial = KASP_SERIAL_UNIXTIME;
}

/* The policy of the NSEC golden file. */
static void
policy_nsec(struct kasp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->resign = 7200;
	p->refresh = 259200;
	p->valdefault = 604800;
	p->valdenial = 604800;
	p->jitter = 43200;
	p->inception_offset = 3600;
	p->nsec3 = 0;
	p->key_ttl = 3600;
	p->zone_soa_ttl = 86400;
	p->zone_soa_min = 300;
	p->serial = KASP_SERIAL_COUNTER;
}

/* Two KSKs (one revoked) and three ZSKs. */
static const struct signconf_key keys_nsec3[] = {
	{ 257, 8, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", 1, 0, 1, 1 },
	{ 385, 8, "11111111222222223333333344444444", 1, 0, 1, 1 },
	{ 256, 8, "aaaaaaaabbbbbbbbccccccccdddddddd", 0, 1, 1, 0 },
	{ 256, 8, "eeeeeeeeffffffff0000000011111111", 0, 0, 1, 0 },
	{ 256, 13, "0123456789abcdef0123456789abcdef", 0, 1, 1, 1 },
};

static const struct signconf_key keys_nsec[] = {
	{ 257, 8, "6bd0d7ca4b1e4a9c98cc3e8c1ef2bd71", 1, 0, 1, 0 },
	{ 256, 8, "3c55a3d1e7a04a5e8b5fd7e4c1f4b2aa", 0, 1, 1, 0 },
};

/* Format, or fail the test. The caller frees *out. */
static void
format_ok(const char *zone, const struct kasp_policy *p, const char *salt,
	const struct signconf_key *keys, size_t nkeys, char **out, size_t *len)
{
	int ret = signconf_format(zone, p, salt, keys, nkeys, out, len);

	assert_int_equal(ret, 0);
	assert_non_null(*out);
	assert_int_equal(strlen(*out), *len);
}

static void
validates(const char *text, size_t len)
{
	char err[ERRLEN] = "";
	int ret = signconf_validate(text, len, err, sizeof(err));

	if (ret != 0)
		print_error("signconf_validate = %d: %s\n", ret, err);
	assert_int_equal(ret, 0);
	assert_string_equal(err, "");
}

/* text must fail validation with code and a one-line message. */
static void
invalid(const char *text, int code)
{
	char err[ERRLEN] = "";
	int ret = signconf_validate(text, strlen(text), err, sizeof(err));

	assert_int_equal(ret, code);
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
}

/* Compare text with a golden file byte for byte, and check it validates. */
static void
matches_golden(const char *text, size_t len, const char *name)
{
	char *want = NULL;
	size_t wlen = 0;
	int ret = file_read_all(golden(name), 0, &want, &wlen);

	if (ret != 0)
		print_error("cannot read %s: %s\n", golden(name), strerror(errno));
	assert_int_equal(ret, 0);
	if (len != wlen || memcmp(text, want, len) != 0)
		print_error("--- want %s\n%s--- got\n%s", name, want, text);
	assert_int_equal(len, wlen);
	assert_memory_equal(text, want, len);
	validates(want, wlen);
	free(want);
}

/* Write text to path with signconf_write(); returns *written. */
static int
write_ok(const char *path, const char *text)
{
	char err[ERRLEN] = "";
	int written = -1;
	int ret = signconf_write(path, text, strlen(text), &written, err, sizeof(err));

	if (ret != 0)
		print_error("signconf_write(%s) = %d: %s\n", path, ret, err);
	assert_int_equal(ret, 0);
	assert_string_equal(err, "");
	assert_true(written == 0 || written == 1);
	return written;
}

/* path holds exactly text. */
static void
holds(const char *path, const char *text)
{
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(file_read_all(path, 0, &data, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(data, text, len);
	free(data);
}

/* The names in tmpdir, besides . and .., are exactly the n given (so no
 * temporary file was left behind). */
static void
dir_holds(size_t n, ...)
{
	const char *want[16];
	int seen[16] = { 0 };
	struct dirent *e;
	DIR *d;
	size_t i;
	va_list ap;

	assert_true(n <= 16);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		want[i] = va_arg(ap, const char *);
	va_end(ap);
	d = opendir(tmpdir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(e->d_name, want[i]) == 0)
				break;
		if (i == n)
			print_error("unexpected file in %s: %s\n", tmpdir, e->d_name);
		assert_true(i < n);
		seen[i] = 1;
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		if (!seen[i])
			print_error("missing file in %s: %s\n", tmpdir, want[i]);
		assert_true(seen[i]);
	}
}

/* Remove every file of tmpdir (the write tests leave no directories but
 * the ones they remove themselves). */
static void
empty_dir(void)
{
	struct dirent *e;
	DIR *d = opendir(tmpdir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = str_printf("%s/%s", tmpdir, e->d_name);
		if (p != NULL && unlink(p) != 0 && errno == EISDIR)
			rmdir(p);
		free(p);
	}
	closedir(d);
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_signconf.XXXXXX",
		base != NULL && *base != '\0' ? base : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	empty_dir();
	rmdir(tmpdir);
	return 0;
}

/* Each write test starts with an empty directory. */
static int
clean(void **state)
{
	(void)state;
	empty_dir();
	return 0;
}

/* ------------------------------------------------------------- formatting */

static void
test_golden_nsec3(void **state)
{
	struct kasp_policy p;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	policy_nsec3(&p);
	format_ok("example.com", &p, "a1b2c3d4e5f60718", keys_nsec3,
		sizeof(keys_nsec3) / sizeof(keys_nsec3[0]), &text, &len);
	matches_golden(text, len, "nsec3-optout.xml");
	validates(text, len);
	free(text);
}

static void
test_golden_nsec(void **state)
{
	struct kasp_policy p;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	policy_nsec(&p);
	format_ok("nsec.example", &p, "", keys_nsec, 2, &text, &len);
	matches_golden(text, len, "nsec.xml");
	validates(text, len);
	free(text);
}

static void
test_golden_escaped(void **state)
{
	struct kasp_policy p;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	policy_nsec(&p);
	p.serial = KASP_SERIAL_DATECOUNTER;
	format_ok("a&b<c>\"d'e.example", &p, NULL, keys_nsec, 2, &text, &len);
	matches_golden(text, len, "escaped-name.xml");
	validates(text, len);
	free(text);
}

/* No NSEC3 TTL when it is 0, no OptOut when off, "-" for a NULL or empty
 * salt, and the keep serial. */
static void
test_nsec3_optional_parts(void **state)
{
	static const char *salts[] = { NULL, "" };
	struct kasp_policy p;
	char *text = NULL;
	size_t len = 0;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		policy_nsec3(&p);
		p.nsec3_ttl = 0;
		p.optout = 0;
		p.serial = KASP_SERIAL_KEEP;
		format_ok("example.org", &p, salts[i], keys_nsec, 2, &text, &len);
		assert_non_null(strstr(text, "\t\t\t<NSEC3>\n\t\t\t\t<Hash>\n\t\t\t\t\t<Algorithm>1"
					     "</Algorithm>\n\t\t\t\t\t<Iterations>5</Iterations>\n"
					     "\t\t\t\t\t<Salt>-</Salt>\n\t\t\t\t</Hash>\n"));
		assert_null(strstr(text, "OptOut"));
		assert_non_null(strstr(text, "\t\t\t<Serial>keep</Serial>\n"));
		validates(text, len);
		free(text);
	}
}

/* The same input gives the same bytes; zero keys formats (the schema then
 * refuses it). */
static void
test_deterministic(void **state)
{
	struct kasp_policy p;
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	(void)state;
	policy_nsec3(&p);
	format_ok("example.com", &p, "a1b2c3d4e5f60718", keys_nsec3, 5, &a, &alen);
	format_ok("example.com", &p, "a1b2c3d4e5f60718", keys_nsec3, 5, &b, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);

	format_ok("example.com", &p, NULL, NULL, 0, &a, &alen);
	assert_non_null(strstr(a, "\t\t<Keys>\n\t\t\t<TTL>PT3600S</TTL>\n\t\t</Keys>\n"));
	invalid(a, E_INVAL);
	free(a);
}

/* Bad arguments: E_INVAL and the outputs untouched. */
static void
test_format_inval(void **state)
{
	struct kasp_policy p;
	struct signconf_key nolocator = { 257, 8, NULL, 1, 0, 1, 0 };
	char *sentinel = (char *)&sentinel;
	char *text = sentinel;
	size_t len = 77;

	(void)state;
	policy_nsec(&p);
	assert_int_equal(signconf_format(NULL, &p, NULL, keys_nsec, 2, &text, &len), E_INVAL);
	assert_int_equal(
		signconf_format("x.example", NULL, NULL, keys_nsec, 2, &text, &len), E_INVAL);
	assert_int_equal(
		signconf_format("x.example", &p, NULL, &nolocator, 1, &text, &len), E_INVAL);
	assert_int_equal(signconf_format("x.example", &p, NULL, NULL, 1, &text, &len), E_INVAL);
	assert_int_equal(signconf_format("x.example", &p, NULL, keys_nsec, 2, NULL, &len), E_INVAL);
	p.serial = (enum kasp_serial)0;
	assert_int_equal(
		signconf_format("x.example", &p, NULL, keys_nsec, 2, &text, &len), E_INVAL);
	p.serial = (enum kasp_serial)99;
	assert_int_equal(
		signconf_format("x.example", &p, NULL, keys_nsec, 2, &text, &len), E_INVAL);
	assert_ptr_equal(text, sentinel);
	assert_int_equal(len, 77);
}

/* ------------------------------------------------------------- validation */

/* The golden NSEC text with one substring replaced; the caller frees. */
static char *
nsec_with(const char *from, const char *to)
{
	char *text = NULL, *hit, *res;
	size_t len = 0;

	assert_int_equal(file_read_all(golden("nsec.xml"), 0, &text, &len), 0);
	hit = strstr(text, from);
	assert_non_null(hit);
	*hit = '\0';
	res = str_printf("%s%s%s", text, to, hit + strlen(from));
	assert_non_null(res);
	free(text);
	return res;
}

static void
test_validate_rejects(void **state)
{
	char *t;
	char err[ERRLEN];

	(void)state;
	/* no <Key> at all */
	{
		struct kasp_policy p;
		char *text = NULL;
		size_t len = 0;
		char *k, *end;

		policy_nsec(&p);
		format_ok("nsec.example", &p, NULL, keys_nsec, 2, &text, &len);
		/* cut both <Key> elements out */
		k = strstr(text, "\t\t\t<Key>");
		end = strstr(text, "\t\t</Keys>");
		assert_non_null(k);
		assert_non_null(end);
		memmove(k, end, strlen(end) + 1);
		invalid(text, E_INVAL);
		free(text);
	}
	/* a Key without Locator */
	t = nsec_with("\t\t\t\t<Locator>6bd0d7ca4b1e4a9c98cc3e8c1ef2bd71</Locator>\n", "");
	invalid(t, E_INVAL);
	free(t);
	/* a bad serial */
	t = nsec_with("<Serial>counter</Serial>", "<Serial>(null)</Serial>");
	invalid(t, E_INVAL);
	free(t);
	/* a duration that is not one */
	t = nsec_with("<Resign>PT7200S</Resign>", "<Resign>7200</Resign>");
	invalid(t, E_INVAL);
	free(t);
	/* flags out of range */
	t = nsec_with("<Flags>257</Flags>", "<Flags>65536</Flags>");
	invalid(t, E_INVAL);
	free(t);
	/* elements out of order */
	t = nsec_with(
		"\t\t\t\t<KSK />\n\t\t\t\t<Publish />\n", "\t\t\t\t<Publish />\n\t\t\t\t<KSK />\n");
	invalid(t, E_INVAL);
	free(t);
	/* Deactivate is allowed by the schema (1.x never writes it) */
	t = nsec_with("\t\t\t\t<KSK />\n\t\t\t\t<Publish />\n",
		"\t\t\t\t<KSK />\n\t\t\t\t<Publish />\n\t\t\t\t<Deactivate />\n");
	validates(t, strlen(t));
	free(t);
	/* not well-formed */
	t = nsec_with("</SignerConfiguration>", "</SignerConfig>");
	invalid(t, E_PARSE);
	free(t);
	invalid("", E_PARSE);
	/* entities are refused */
	invalid("<!DOCTYPE SignerConfiguration [<!ENTITY x \"y\">]>\n"
		"<SignerConfiguration>&x;</SignerConfiguration>\n",
		E_PARSE);
	assert_int_equal(signconf_validate(NULL, 0, err, sizeof(err)), E_INVAL);
}

/* The NSEC3 salt: hex pairs or "-". */
static void
test_validate_salt(void **state)
{
	struct kasp_policy p;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	policy_nsec3(&p);
	format_ok("example.com", &p, "abc", keys_nsec, 2, &text, &len);
	invalid(text, E_INVAL);
	free(text);
	format_ok("example.com", &p, "</Salt>", keys_nsec, 2, &text, &len);
	assert_non_null(strstr(text, "<Salt>&lt;/Salt&gt;</Salt>"));
	invalid(text, E_INVAL);
	free(text);
	format_ok("example.com", &p, "00FF", keys_nsec, 2, &text, &len);
	validates(text, len);
	free(text);
}

/* ---------------------------------------------------------------- writing */

static void
test_write_create_and_same(void **state)
{
	char *path = tpath("example.com.xml");
	struct stat a, b;

	(void)state;
	umask(022);
	assert_int_equal(write_ok(path, "one\n"), 1);
	holds(path, "one\n");
	assert_int_equal(lstat(path, &a), 0);
	assert_true(S_ISREG(a.st_mode));
	assert_int_equal(a.st_mode & 07777, 0644);
	dir_holds(1, "example.com.xml");

	/* the same bytes again: nothing touched */
	usleep(20000);
	assert_int_equal(write_ok(path, "one\n"), 0);
	assert_int_equal(lstat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	assert_int_equal(a.st_ctim.tv_nsec, b.st_ctim.tv_nsec);
	dir_holds(1, "example.com.xml");

	/* a new file under a strict umask still gets 0644 */
	free(path);
	path = tpath("strict.xml");
	umask(077);
	assert_int_equal(write_ok(path, ""), 1);
	umask(022);
	assert_int_equal(lstat(path, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0644);
	assert_int_equal(a.st_size, 0);
	assert_int_equal(write_ok(path, ""), 0);
	dir_holds(2, "example.com.xml", "strict.xml");
	free(path);
}

static void
test_write_change_keeps_old(void **state)
{
	char *path = tpath("z.xml");
	char *old = tpath("z.xml.OLD");
	struct stat a, b;

	(void)state;
	assert_int_equal(write_ok(path, "first\n"), 1);
	assert_int_equal(lstat(path, &a), 0);
	assert_int_equal(write_ok(path, "second, longer\n"), 1);
	holds(path, "second, longer\n");
	holds(old, "first\n");
	/* .OLD is the old file itself */
	assert_int_equal(lstat(old, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(b.st_nlink, 1);
	dir_holds(2, "z.xml", "z.xml.OLD");

	/* same length, different bytes; an older .OLD is replaced */
	assert_int_equal(write_ok(path, "second, LONGER\n"), 1);
	holds(path, "second, LONGER\n");
	holds(old, "second, longer\n");
	/* shorter */
	assert_int_equal(write_ok(path, "x"), 1);
	holds(path, "x");
	holds(old, "second, LONGER\n");
	dir_holds(2, "z.xml", "z.xml.OLD");
	free(path);
	free(old);
}

static void
test_write_keeps_mode(void **state)
{
	char *path = tpath("private.xml");
	struct stat st;

	(void)state;
	assert_int_equal(file_write_atomic(path, "a\n", 2, 0600), 0);
	assert_int_equal(write_ok(path, "b\n"), 1);
	holds(path, "b\n");
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(write_ok(path, "c\n"), 1);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	dir_holds(2, "private.xml", "private.xml.OLD");
	free(path);
}

/* A symbolic link at path is refused and its target left alone. */
static void
test_write_refuses_symlink(void **state)
{
	char *path = tpath("link.xml");
	char *target = tpath("target");
	char err[ERRLEN] = "";
	int written = 42;
	struct stat st;
	int ret;

	(void)state;
	assert_int_equal(file_write_atomic(target, "keep\n", 5, 0644), 0);
	assert_int_equal(symlink(target, path), 0);
	ret = signconf_write(path, "new\n", 4, &written, err, sizeof(err));
	assert_int_equal(ret, E_IO);
	assert_int_equal(written, 42);
	assert_non_null(strstr(err, path));
	assert_null(strchr(err, '\n'));
	holds(target, "keep\n");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* also when the link dangles */
	assert_int_equal(unlink(target), 0);
	ret = signconf_write(path, "new\n", 4, &written, err, sizeof(err));
	assert_int_equal(ret, E_IO);
	dir_holds(1, "link.xml");
	assert_int_equal(lstat(target, &st), -1);
	free(path);
	free(target);
}

/* The signer's notice: made with a new file only, kept until removed, never through a link. */
static void
test_write_noted(void **state)
{
	char *path = tpath("z.xml");
	char *note = tpath("z.xml.notify");
	char *target = tpath("elsewhere");
	char err[ERRLEN] = "";
	int written = -1;
	struct stat st;

	(void)state;
	assert_int_equal(signconf_write_noted(path, "one\n", 4, &written, err, sizeof(err)), 0);
	assert_int_equal(written, 1);
	assert_true(signconf_noted(path));
	assert_int_equal(lstat(note, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 0);
	signconf_unnote(path);
	assert_false(signconf_noted(path));
	/* unchanged bytes: no file written, no notice owed */
	assert_int_equal(signconf_write_noted(path, "one\n", 4, &written, err, sizeof(err)), 0);
	assert_int_equal(written, 0);
	assert_false(signconf_noted(path));
	/* a notice still owed survives the next write */
	assert_int_equal(signconf_note(path), 0);
	assert_int_equal(signconf_write_noted(path, "two\n", 4, &written, err, sizeof(err)), 0);
	assert_true(signconf_noted(path));
	signconf_unnote(path);
	/* a link at the notice's name: refused, and the new file is not put in place */
	assert_int_equal(symlink(target, note), 0);
	assert_int_equal(signconf_note(path), E_IO);
	assert_false(signconf_noted(path));
	assert_int_equal(
		signconf_write_noted(path, "three\n", 6, &written, err, sizeof(err)), E_IO);
	assert_non_null(strstr(err, path));
	holds(path, "two\n");
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(unlink(note), 0);
	free(path);
	free(note);
	free(target);
}

/* A directory at path is refused. */
static void
test_write_refuses_directory(void **state)
{
	char *path = tpath("dir.xml");
	char err[ERRLEN] = "";
	int written = 42;

	(void)state;
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(signconf_write(path, "x", 1, &written, err, sizeof(err)), E_IO);
	assert_non_null(strstr(err, path));
	assert_int_equal(written, 42);
	dir_holds(1, "dir.xml");
	assert_int_equal(rmdir(path), 0);
	free(path);
}

/* A symbolic link at <path>.OLD is replaced, never written through. */
static void
test_write_old_symlink(void **state)
{
	char *path = tpath("o.xml");
	char *old = tpath("o.xml.OLD");
	char *target = tpath("victim");
	struct stat st;

	(void)state;
	assert_int_equal(file_write_atomic(target, "victim\n", 7, 0644), 0);
	assert_int_equal(write_ok(path, "1\n"), 1);
	assert_int_equal(symlink(target, old), 0);
	assert_int_equal(write_ok(path, "2\n"), 1);
	holds(path, "2\n");
	holds(target, "victim\n");
	assert_int_equal(lstat(old, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	holds(old, "1\n");
	dir_holds(3, "o.xml", "o.xml.OLD", "victim");
	free(path);
	free(old);
	free(target);
}

/* A missing directory: E_IO naming the file; nothing is created. */
static void
test_write_missing_dir(void **state)
{
	char *path = tpath("no/such/dir/z.xml");
	char err[ERRLEN] = "";
	int written = 42;
	int ret;

	(void)state;
	ret = signconf_write(path, "x", 1, &written, err, sizeof(err));
	assert_int_equal(ret, E_IO);
	assert_int_equal(written, 42);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_null(strchr(err, '\n'));
	dir_holds(0);
	free(path);
}

/* A directory we may not write into (skipped as root, who may). */
static void
test_write_readonly_dir(void **state)
{
	char *dir = tpath("ro");
	char *path = tpath("ro/z.xml");
	char err[ERRLEN] = "";
	int written = 42;
	int ret;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(write_ok(path, "old\n"), 1);
	assert_int_equal(chmod(dir, 0555), 0);
	if (geteuid() != 0) {
		ret = signconf_write(path, "new\n", 4, &written, err, sizeof(err));
		assert_int_equal(ret, E_IO);
		assert_int_equal(written, 42);
		assert_non_null(strstr(err, path));
		holds(path, "old\n");
	}
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
	free(path);
}

static void
test_write_inval(void **state)
{
	char err[ERRLEN] = "";
	int written = 42;
	char *path = tpath("i.xml");

	(void)state;
	assert_int_equal(signconf_write(NULL, "x", 1, &written, err, sizeof(err)), E_INVAL);
	assert_int_equal(signconf_write(path, NULL, 1, &written, err, sizeof(err)), E_INVAL);
	assert_int_equal(signconf_write(path, "x", 1, NULL, err, sizeof(err)), E_INVAL);
	assert_int_equal(written, 42);
	dir_holds(0);
	free(path);
}

/* A golden text written, then flushed: the whole path of a pass. */
static void
test_write_golden_and_sync(void **state)
{
	struct kasp_policy p;
	char *path = tpath("example.com.xml");
	char *text = NULL;
	size_t len = 0;
	int written = 0;
	char err[ERRLEN] = "";

	(void)state;
	policy_nsec3(&p);
	format_ok("example.com", &p, "a1b2c3d4e5f60718", keys_nsec3, 5, &text, &len);
	validates(text, len);
	assert_int_equal(signconf_write(path, text, len, &written, err, sizeof(err)), 0);
	assert_int_equal(written, 1);
	signconf_sync(path);
	signconf_sync("/no/such/dir/x.xml");
	signconf_sync("relative.xml");
	signconf_sync(NULL);
	assert_int_equal(signconf_write(path, text, len, &written, err, sizeof(err)), 0);
	assert_int_equal(written, 0);
	matches_golden(text, len, "nsec3-optout.xml");
	dir_holds(1, "example.com.xml");
	free(text);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_nsec3),
		cmocka_unit_test(test_golden_nsec),
		cmocka_unit_test(test_golden_escaped),
		cmocka_unit_test(test_nsec3_optional_parts),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_format_inval),
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_validate_salt),
		cmocka_unit_test_setup(test_write_create_and_same, clean),
		cmocka_unit_test_setup(test_write_change_keeps_old, clean),
		cmocka_unit_test_setup(test_write_keeps_mode, clean),
		cmocka_unit_test_setup(test_write_refuses_symlink, clean),
		cmocka_unit_test_setup(test_write_refuses_directory, clean),
		cmocka_unit_test_setup(test_write_old_symlink, clean),
		cmocka_unit_test_setup(test_write_missing_dir, clean),
		cmocka_unit_test_setup(test_write_readonly_dir, clean),
		cmocka_unit_test_setup(test_write_inval, clean),
		cmocka_unit_test_setup(test_write_noted, clean),
		cmocka_unit_test_setup(test_write_golden_and_sync, clean),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
