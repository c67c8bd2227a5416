/*
 * test_zonelist_edit.c - the byte scanner and in-place editor of
 * zonelist.xml (src/config/zonelist_scan.c, zonelist_edit.c).
 *
 * The scanner must never accept what libxml2 and the schema refuse (it
 * decides alone whether a file is spliced), so every one-byte deletion and
 * a set of hand-made breakages of a real file are run through both. The
 * editor must keep the file's owner, mode, comments and layout, write
 * through a symlink, and after many random edits leave a file that reads
 * back as the list of zones the edits made.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "config/zonelist.h"
#include "config/zonelist_edit.h"
#include "config/zonelist_scan.h"
#include "dir_entries.h"
#include "lease_probe.h"

#define ERRLEN 4096

static char tmpdir[4096];

static char *
fixture(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *path = str_printf("%s/tests/data/zonelist/%s", top != NULL ? top : ".", name);
	char *text = NULL;
	size_t len;

	assert_non_null(path);
	assert_int_equal(file_read_all(path, 0, &text, &len), 0);
	free(path);
	return text;
}

static char *
tmp(const char *name)
{
	char *path = str_printf("%s/%s", tmpdir, name);

	assert_non_null(path);
	return path;
}

static char *
slurp(const char *path)
{
	char *text = NULL;
	size_t len;

	if (file_read_all(path, 0, &text, &len) != 0)
		return NULL;
	return text;
}

static void
put(const char *path, const char *text, size_t len)
{
	assert_int_equal(file_write_atomic(path, text, len, 0644), 0);
}

/* Does libxml2 (with the schema) accept the document? */
static int
libxml_accepts(const char *text, size_t len)
{
	char *path = tmp("judge.xml");
	struct zonelist *zl = NULL;
	char err[ERRLEN];
	int ok;

	put(path, text, len);
	ok = zonelist_load(path, &zl, err, sizeof(err)) == 0;
	zonelist_free(zl);
	unlink(path);
	free(path);
	return ok;
}

/* Scanner accepts => libxml2 accepts, with the same zone names and signconfs. */
static void
check_sound(const char *text, size_t len)
{
	struct zonelist_scan s = { 0 };
	struct zonelist *zl = NULL;
	char *path, *v, err[ERRLEN];

	if (zonelist_scan(text, len, &s) != 0)
		return;
	if (!libxml_accepts(text, len)) {
		print_error("scanner accepted what libxml2 refuses:\n%.*s\n", (int)len, text);
		fail();
	}
	path = tmp("judge.xml");
	put(path, text, len);
	assert_int_equal(zonelist_load(path, &zl, err, sizeof(err)), 0);
	assert_int_equal(zl->nzones, s.nzones);
	for (size_t i = 0; i < s.nzones; i++) {
		assert_int_equal(
			zonelist_scan_attr(text, s.zones[i].name_off, s.zones[i].name_len, &v), 0);
		assert_string_equal(v, zl->zones[i].name);
		free(v);
		assert_int_equal(
			zonelist_scan_text(text, s.zones[i].sc_off, s.zones[i].sc_len, &v), 0);
		assert_string_equal(v, zl->zones[i].signconf);
		free(v);
	}
	zonelist_free(zl);
	unlink(path);
	free(path);
	zonelist_scan_free(&s);
}

static void
test_scan_fixtures(void **state)
{
	static const char *const good[] = { "edit.xml", "mixed.xml", "empty.xml" };
	static const char *const bad[] = { "bad-adapter-type.xml", "bad-no-policy.xml",
		"bad-notxml.xml" };
	struct zonelist_scan s = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *text = fixture(good[i]);

		assert_int_equal(zonelist_scan(text, strlen(text), &s), 0);
		check_sound(text, strlen(text));
		free(text);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = fixture(bad[i]);

		assert_int_equal(zonelist_scan(text, strlen(text), &s), E_PARSE);
		assert_null(s.zones);
		free(text);
	}
	zonelist_scan_free(&s);
}

/* Every document one byte short of mixed.xml: the scanner is never the laxer one. */
static void
test_scan_never_laxer(void **state)
{
	char *text = fixture("mixed.xml");
	size_t len = strlen(text);
	char *cut = malloc(len);

	(void)state;
	assert_non_null(cut);
	for (size_t i = 0; i < len; i++) {
		memcpy(cut, text, i);
		memcpy(cut + i, text + i + 1, len - i - 1);
		check_sound(cut, len - 1);
	}
	free(cut);
	free(text);
}

/* Breakages a careless hand makes; the scanner must refuse each one. */
static void
test_scan_refuses(void **state)
{
	static const char *const docs[] = {
		"<ZoneList><Zone name=\"a\"><Policy>p</Policy></Zone></ZoneList>",
		"<ZoneList><Zone><Policy>p</Policy><SignerConfiguration>s</SignerConfiguration>"
		"<Adapters><Input><File>i</File></Input><Output><File>o</File></Output></Adapters>"
		"</Zone></ZoneList>",
		"<ZoneList><Zone name=\"a\" name=\"b\"/></ZoneList>",
		"<ZoneList><Zone name=\"a&b\"><Policy>p</Policy></Zone></ZoneList>",
		"<ZoneList>text</ZoneList>",
		"<ZoneList></ZoneLis>",
		"<ZoneList>",
		"<ZoneList/><ZoneList/>",
		"<ZoneList/>trailing",
		"<!DOCTYPE ZoneList [<!ENTITY e \"x\">]><ZoneList/>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><ZoneList/>",
		"<ZoneList><!-- a -- b --></ZoneList>",
		"<ZoneList x=\"1\"/>",
		"<Zones/>",
		"<ZoneList>\x01</ZoneList>",
		"<ZoneList>\xc3</ZoneList>",
		"<ZoneList>\xed\xa0\x80</ZoneList>",
		"<ZoneList>&#0;</ZoneList>",
		"",
	};
	struct zonelist_scan s = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		if (zonelist_scan(docs[i], strlen(docs[i]), &s) != E_PARSE) {
			print_error("accepted: %s\n", docs[i]);
			fail();
		}
	}
	assert_int_equal(zonelist_scan("<ZoneList/>", 11, &s), 0);
	assert_int_equal(s.root_empty, 1);
	assert_int_equal(s.root_close, 9);
	zonelist_scan_free(&s);
}

/*
 * A comment before or after the root that opens with "<!-->" or "<!--->"
 * and runs past libxml2's first block: the streaming reader refuses it, so
 * the scanner must too. The same comment opened with "<!--x" stays good.
 */
static void
test_scan_misc_comment(void **state)
{
	static const char *const opens[] = { "<!-->", "<!--->", "<!--x" };
	char doc[2048], body[1001];

	(void)state;
	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
		for (int epilog = 0; epilog <= 1; epilog++) {
			struct zonelist_scan s = { 0 };
			int n = snprintf(doc, sizeof(doc), "%s%s%s-->%s",
				epilog ? "<ZoneList/>" : "", opens[i], body,
				epilog ? "" : "<ZoneList/>");
			int want = opens[i][4] == 'x' ? 0 : E_PARSE;

			assert_true(n > 0 && (size_t)n < sizeof(doc));
			assert_int_equal(zonelist_scan(doc, (size_t)n, &s), want);
			assert_int_equal(libxml_accepts(doc, (size_t)n), want == 0);
			zonelist_scan_free(&s);
		}
	}
}

/*
 * A scan for one zone records only the elements that may be it (up to case
 * and a final dot, or written with a reference), but checks the whole file;
 * a session opened for one zone still answers for, and removes, another.
 */
static void
test_scan_for_one(void **state)
{
	static const char doc[] =
		"<ZoneList>\n"
		"<Zone name=\"a.example\"><Policy>p</Policy><SignerConfiguration>/sc/a"
		"</SignerConfiguration><Adapters><Input><File>i</File></Input><Output><File>o</File>"
		"</Output></Adapters></Zone>\n"
		"<Zone name=\"B.Example.\"><Policy>p</Policy><SignerConfiguration>/sc/b"
		"</SignerConfiguration><Adapters><Input><File>i</File></Input><Output><File>o</File>"
		"</Output></Adapters></Zone>\n"
		"<Zone name=\"&#x63;.example\"><Policy>p</Policy><SignerConfiguration>/sc/c"
		"</SignerConfiguration><Adapters><Input><File>i</File></Input><Output><File>o</File>"
		"</Output></Adapters></Zone>\n"
		"</ZoneList>\n";
	struct zonelist_scan s = { 0 };
	struct zonelist_edit *e = NULL;
	struct zonelist *zl = NULL;
	char *path = tmp("focus.xml"), *backup = tmp("focus.xml.backup"), **removed = NULL;
	char err[ERRLEN] = "", *v;

	(void)state;
	assert_int_equal(zonelist_scan_for(doc, sizeof(doc) - 1, "b.example", &s), 0);
	assert_int_equal(s.total, 3);
	assert_int_equal(s.nzones, 2);
	assert_int_equal(zonelist_scan_text(doc, s.zones[0].sc_off, s.zones[0].sc_len, &v), 0);
	assert_string_equal(v, "/sc/b");
	free(v);
	assert_int_equal(zonelist_scan_text(doc, s.zones[1].sc_off, s.zones[1].sc_len, &v), 0);
	assert_string_equal(v, "/sc/c");
	free(v);
	assert_int_equal(zonelist_scan_for(doc, sizeof(doc) - 1, "d.example", &s), 0);
	assert_int_equal(s.nzones, 1); /* the one written with a reference */
	/* the rest of the file is checked all the same */
	assert_int_equal(zonelist_scan_for(doc, sizeof(doc) - 12, "a.example", &s), E_PARSE);
	zonelist_scan_free(&s);

	put(path, doc, sizeof(doc) - 1);
	assert_int_equal(zonelist_edit_open(path, 0, "a.example", &e, err, sizeof(err)), 0);
	assert_int_equal(zonelist_edit_listed(e, "a.example"), 1);
	assert_int_equal(zonelist_edit_listed(e, "b.example"), 1);
	assert_int_equal(zonelist_edit_listed(e, "e.example"), 0);
	assert_int_equal(zonelist_edit_remove(e, "c.example", &removed, err, sizeof(err)), 0);
	assert_non_null(removed[0]);
	assert_string_equal(removed[0], "/sc/c");
	assert_null(removed[1]);
	zonelist_strv_free(removed);
	assert_int_equal(zonelist_edit_save(e, err, sizeof(err)), 0);
	zonelist_edit_close(e);
	assert_int_equal(zonelist_load(path, &zl, err, sizeof(err)), 0);
	assert_int_equal(zl->nzones, 2);
	assert_string_equal(zl->zones[0].name, "a.example");
	assert_string_equal(zl->zones[1].name, "B.Example.");
	zonelist_free(zl);
	unlink(path);
	unlink(backup);
	free(path);
	free(backup);
}

static const struct zonelist_zone zone_a = { "a.example", "default", "/sc/a.xml", "/in/a", "File",
	"/out/a", "File" };

/* zone_a's element as an add writes it */
static const char zone_a_text[] = "\t<Zone name=\"a.example\">\n"
				  "\t\t<Policy>default</Policy>\n"
				  "\t\t<SignerConfiguration>/sc/a.xml</SignerConfiguration>\n"
				  "\t\t<Adapters>\n"
				  "\t\t\t<Input>\n"
				  "\t\t\t\t<Adapter type=\"File\">/in/a</Adapter>\n"
				  "\t\t\t</Input>\n"
				  "\t\t\t<Output>\n"
				  "\t\t\t\t<Adapter type=\"File\">/out/a</Adapter>\n"
				  "\t\t\t</Output>\n"
				  "\t\t</Adapters>\n"
				  "\t</Zone>\n";

/* An add keeps the owner, group and mode of the file, and writes through a symlink. */
static void
test_keep_owner_and_link(void **state)
{
	char *dir = tmp("real"), *real = tmp("real/zonelist.xml"), *link = tmp("zonelist.xml");
	char *backup = tmp("zonelist.xml.backup"), *orig = fixture("edit.xml");
	char err[ERRLEN] = "";
	char **removed = NULL;
	struct stat st, lst;
	int root = geteuid() == 0;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	put(real, orig, strlen(orig));
	assert_int_equal(chmod(real, 0640), 0);
	if (root)
		assert_int_equal(chown(real, 65534, 65534), 0);
	assert_int_equal(symlink(real, link), 0);

	assert_int_equal(zonelist_file_add(link, &zone_a, err, sizeof(err)), 0);
	assert_int_equal(lstat(link, &lst), 0);
	assert_true(S_ISLNK(lst.st_mode));
	assert_int_equal(stat(real, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	if (root) {
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(st.st_gid, 65534);
	}
	{
		char *now = slurp(real);

		assert_non_null(strstr(now, "<Zone name=\"a.example\">"));
		free(now);
	}
	/* the backup is beside the name the configuration uses, as it was */
	{
		char *b = slurp(backup);

		assert_non_null(b);
		assert_string_equal(b, orig);
		free(b);
	}
	assert_int_equal(zonelist_file_remove(link, "a.example", &removed, err, sizeof(err)), 0);
	assert_string_equal(removed[0], "/sc/a.xml");
	zonelist_strv_free(removed);
	assert_int_equal(lstat(link, &lst), 0);
	assert_true(S_ISLNK(lst.st_mode));
	{
		char *now = slurp(real);

		assert_string_equal(now, orig);
		free(now);
	}
	unlink(link);
	unlink(backup);
	unlink(real);
	rmdir(dir);
	free(orig);
	free(backup);
	free(link);
	free(real);
	free(dir);
}

/* Entries of tmpdir. */
static int
dir_entries(void)
{
	return dir_entry_count(tmpdir);
}

/*
 * dir_entries() once it reaches want, or after ten seconds: an add's early
 * write runs in a thread of its own, which a busy machine may start late.
 */
static int
dir_entries_reach(int want)
{
	int n = dir_entries();

	for (int i = 0; i < 10000 && n != want; i++) {
		usleep(1000);
		n = dir_entries();
	}
	return n;
}

/*
 * A staged edit leaves the file alone until the save; closing without a
 * save (the database refused the zone) leaves nothing behind; another
 * edit after the stage is saved too.
 */
static void
test_stage(void **state)
{
	static const struct zonelist_zone zone_b = { "b.example", "default", "/sc/b.xml", "/in/b",
		"File", "/out/b", "File" };
	char *path = tmp("zonelist.xml"), *backup = tmp("zonelist.xml.backup");
	char *orig = fixture("edit.xml"), *now, err[ERRLEN] = "";
	struct zonelist_edit *e = NULL;

	(void)state;
	put(path, orig, strlen(orig));

	/* staged, then dropped */
	assert_int_equal(zonelist_edit_open(path, 0, NULL, &e, err, sizeof(err)), 0);
	assert_int_equal(zonelist_edit_add(e, &zone_a, err, sizeof(err)), 0);
	assert_int_equal(zonelist_edit_stage(e, err, sizeof(err)), 0);
	assert_int_equal(dir_entries(), 2); /* the file and the staged one */
	now = slurp(path);
	assert_string_equal(now, orig);
	free(now);
	zonelist_edit_close(e);
	assert_int_equal(dir_entries(), 1);
	now = slurp(path);
	assert_string_equal(now, orig);
	free(now);

	/*
	 * for an add, the text before </ZoneList> is written at the open;
	 * a session that adds nothing, or a file that turns out broken,
	 * leaves nothing of it
	 */
	assert_int_equal(
		zonelist_edit_open(path, ZONELIST_EDIT_FOR_ADD, NULL, &e, err, sizeof(err)), 0);
	assert_int_equal(dir_entries_reach(2), 2);
	assert_true(zonelist_edit_listed(e, "one.example"));
	zonelist_edit_close(e);
	assert_int_equal(dir_entries(), 1);
	{
		static const char broken[] = "<ZoneList>\n<Zone>\n</ZoneList>\n";

		put(path, broken, sizeof(broken) - 1);
	}
	assert_int_not_equal(
		zonelist_edit_open(path, ZONELIST_EDIT_FOR_ADD, NULL, &e, err, sizeof(err)), 0);
	assert_int_equal(dir_entries(), 1);
	put(path, orig, strlen(orig));

	/* staged, edited again (the stage is redone by the save), saved */
	assert_int_equal(zonelist_edit_open(path, 0, NULL, &e, err, sizeof(err)), 0);
	assert_int_equal(zonelist_edit_add(e, &zone_a, err, sizeof(err)), 0);
	assert_int_equal(zonelist_edit_stage(e, err, sizeof(err)), 0);
	assert_int_equal(zonelist_edit_stage(e, err, sizeof(err)), 0);
	assert_int_equal(zonelist_edit_add(e, &zone_b, err, sizeof(err)), 0);
	assert_int_equal(dir_entries(), 1);
	assert_int_equal(zonelist_edit_save(e, err, sizeof(err)), 0);
	zonelist_edit_close(e);
	assert_int_equal(dir_entries(), 2); /* the file and its backup */
	now = slurp(path);
	assert_non_null(strstr(now, "<Zone name=\"a.example\">"));
	assert_non_null(strstr(now, "<Zone name=\"b.example\">"));
	free(now);
	now = slurp(backup);
	assert_string_equal(now, orig);
	free(now);

	unlink(backup);
	unlink(path);
	free(orig);
	free(backup);
	free(path);
}

/*
 * The new file is written over the last backup where no one has that
 * file open: a save then leaves the file as it was as the backup, and a
 * reader of the old backup keeps reading what it opened. An add given up
 * after its early write leaves the backup as it was.
 */
static void
test_backup_reused(void **state)
{
	static const struct zonelist_zone zone_b = { "b.example", "default", "/sc/b.xml", "/in/b",
		"File", "/out/b", "File" };
	char *path = tmp("reuse.xml"), *backup = tmp("reuse.xml.backup");
	char *orig = fixture("edit.xml"), *v1, *v2, *now, err[ERRLEN] = "", held[6];
	struct zonelist_edit *e = NULL;
	struct stat was, st;
	int leases = leases_work(tmpdir), fd;

	(void)state;
	put(path, orig, strlen(orig));
	put(backup, "stale", 5);
	assert_int_equal(stat(backup, &was), 0);
	assert_int_equal(zonelist_file_add(path, &zone_a, err, sizeof(err)), 0);
	v1 = slurp(path);
	assert_non_null(strstr(v1, "<Zone name=\"a.example\">"));
	now = slurp(backup);
	assert_string_equal(now, orig);
	free(now);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino == was.st_ino, leases);
	assert_int_equal(dir_entries(), 2);

	/* the backup held open by a reader: a new file, and the reader's bytes stay */
	fd = open(backup, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &was), 0);
	assert_int_equal(zonelist_file_add(path, &zone_b, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_ino != was.st_ino);
	assert_int_equal(pread(fd, held, 5, 0), 5);
	assert_memory_equal(held, orig, 5);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, (off_t)strlen(orig));
	close(fd);
	v2 = slurp(path);
	now = slurp(backup);
	assert_string_equal(now, v1);
	free(now);

	/* an add given up after its early write (the zone is listed): both files as they were */
	assert_int_equal(stat(backup, &was), 0);
	assert_int_equal(
		zonelist_edit_open(path, ZONELIST_EDIT_FOR_ADD, NULL, &e, err, sizeof(err)), 0);
	assert_true(zonelist_edit_listed(e, "a.example"));
	zonelist_edit_close(e);
	now = slurp(path);
	assert_string_equal(now, v2);
	free(now);
	now = slurp(backup);
	assert_string_equal(now, v1);
	free(now);
	assert_int_equal(stat(backup, &st), 0);
	assert_true(st.st_ino == was.st_ino);
	assert_int_equal(dir_entries(), 2);

	/* a delete staged over the backup, then given up: the backup as it was */
	assert_int_equal(zonelist_edit_open(path, 0, NULL, &e, err, sizeof(err)), 0);
	assert_int_equal(zonelist_edit_remove(e, "a.example", NULL, err, sizeof(err)), 0);
	assert_int_equal(zonelist_edit_stage(e, err, sizeof(err)), 0);
	assert_int_equal(dir_entries(), leases ? 2 : 3);
	zonelist_edit_close(e);
	now = slurp(backup);
	assert_string_equal(now, v1);
	free(now);
	assert_int_equal(dir_entries(), 2);

	unlink(backup);
	unlink(path);
	free(v1);
	free(v2);
	free(orig);
	free(backup);
	free(path);
}

/* A file the scanner does not take (Latin-1, a DOCTYPE) is read by libxml2 and rewritten. */
static void
test_fallback(void **state)
{
	static const char latin1[] =
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
		"<!DOCTYPE ZoneList>\n"
		"<ZoneList>\n"
		"  <Zone name=\"caf\xe9.example\">\n"
		"    <Policy>default</Policy>\n"
		"    <SignerConfiguration>/sc/caf\xe9.xml</SignerConfiguration>\n"
		"    <Adapters><Input><File>/in</File></Input>"
		"<Output><File>/out</File></Output></Adapters>\n"
		"  </Zone>\n"
		"</ZoneList>\n";
	char *path = tmp("latin1.xml"), *backup = tmp("latin1.xml.backup"), *text;
	struct zonelist *zl = NULL;
	char err[ERRLEN] = "";

	(void)state;
	put(path, latin1, sizeof(latin1) - 1);
	assert_int_equal(zonelist_file_add(path, &zone_a, err, sizeof(err)), 0);
	text = slurp(path);
	assert_non_null(strstr(text, "encoding=\"UTF-8\""));
	assert_non_null(strstr(text, "caf\xc3\xa9.example"));
	assert_null(strstr(text, "DOCTYPE"));
	free(text);
	assert_int_equal(zonelist_load(path, &zl, err, sizeof(err)), 0);
	assert_int_equal(zl->nzones, 2);
	assert_string_equal(zl->zones[0].signconf, "/sc/caf\xc3\xa9.xml");
	assert_string_equal(zl->zones[1].name, "a.example");
	zonelist_free(zl);
	unlink(path);
	unlink(backup);
	free(backup);
	free(path);
}

/* Text with all white space and comments taken out, and no XML declaration. */
static char *
squeeze(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *p = text;

	assert_non_null(out);
	if (strncmp(p, "<?xml", 5) == 0)
		p = strstr(p, "?>") + 2;
	while (*p) {
		if (strncmp(p, "<!--", 4) == 0) {
			p = strstr(p, "-->") + 3;
		} else if (*p == ' ' || *p == '\t' || *p == '\n') {
			p++;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/*
 * 1,000 random adds and deletes on a file with comments: it still
 * validates, lists exactly the zones of the model in order, equals what
 * `zonelist export` writes of them (but for white space and comments),
 * and keeps its comments.
 */
static void
test_random_edits(void **state)
{
	enum { SLOTS = 60, ROUNDS = 1000 };
	static const char start[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				    "<!-- kept: before the list -->\n"
				    "<ZoneList>\n"
				    "\t<!-- kept: inside the list -->\n"
				    "</ZoneList>\n"
				    "<!-- kept: after the list -->\n";
	char *path = tmp("random.xml"), *backup = tmp("random.xml.backup");
	struct zonelist_zone model[SLOTS];
	char names[SLOTS][32], sc[SLOTS][48];
	int present[SLOTS] = { 0 };
	size_t order[SLOTS], n = 0;
	struct zonelist *zl = NULL;
	char err[ERRLEN] = "", *text, *export, *a, *b;
	size_t len;
	unsigned seed = 10;

	(void)state;
	put(path, start, sizeof(start) - 1);
	for (int i = 0; i < SLOTS; i++) {
		snprintf(names[i], sizeof(names[i]), "z%d.example", i);
		snprintf(sc[i], sizeof(sc[i]), "/sc/z%d & <%d>.xml", i, i);
		model[i] = (struct zonelist_zone){ names[i], i % 2 ? "default" : "lab", sc[i],
			"/in", "File", "/out", i % 3 ? "File" : "DNS" };
	}
	for (int r = 0; r < ROUNDS; r++) {
		int i = rand_r(&seed) % SLOTS;

		if (!present[i]) {
			assert_int_equal(zonelist_file_add(path, &model[i], err, sizeof(err)), 0);
			order[n++] = (size_t)i;
		} else {
			char **removed = NULL;
			size_t k = 0;

			assert_int_equal(
				zonelist_file_remove(path, names[i], &removed, err, sizeof(err)),
				0);
			assert_string_equal(removed[0], sc[i]);
			assert_null(removed[1]);
			zonelist_strv_free(removed);
			while (order[k] != (size_t)i)
				k++;
			memmove(order + k, order + k + 1, (n - k - 1) * sizeof(order[0]));
			n--;
		}
		present[i] = !present[i];
	}
	assert_int_equal(zonelist_load(path, &zl, err, sizeof(err)), 0);
	assert_int_equal(zl->nzones, n);
	for (size_t k = 0; k < n; k++)
		assert_string_equal(zl->zones[k].name, names[order[k]]);
	zonelist_free(zl);

	{
		struct zonelist_zone listed[SLOTS];

		for (size_t k = 0; k < n; k++)
			listed[k] = model[order[k]];
		assert_int_equal(
			zonelist_format(listed, n, ZONELIST_STYLE_EXPORT, &export, &len), 0);
	}
	text = slurp(path);
	assert_non_null(strstr(text, "<!-- kept: before the list -->"));
	assert_non_null(strstr(text, "<!-- kept: inside the list -->"));
	assert_non_null(strstr(text, "<!-- kept: after the list -->"));
	a = squeeze(text);
	b = squeeze(export);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(text);
	free(export);
	unlink(path);
	unlink(backup);
	free(backup);
	free(path);
}

/* Layouts the splice must handle: <ZoneList/>, a one-line list, an element sharing a line. */
static void
test_splice_layouts(void **state)
{
	static const struct {
		const char *before, *after_add;
	} cases[] = {
		{ "<ZoneList/>\n", "<ZoneList>\n@</ZoneList>\n" },
		{ "<ZoneList></ZoneList>", "<ZoneList>\n@</ZoneList>" },
		{ "<ZoneList>\n  </ZoneList>\n", "<ZoneList>\n@  </ZoneList>\n" },
		/* the add's early write stops at the last "</ZoneList": here a comment's */
		{ "<ZoneList>\n</ZoneList>\n<!-- </ZoneList> -->\n",
			"<ZoneList>\n@</ZoneList>\n<!-- </ZoneList> -->\n" },
		{ "<ZoneList>\n<!-- </ZoneList -->\n</ZoneList>",
			"<ZoneList>\n<!-- </ZoneList -->\n@</ZoneList>" },
	};
	char *path = tmp("layout.xml"), *backup = tmp("layout.xml.backup"), *text, *want;
	char err[ERRLEN] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *at = strchr(cases[i].after_add, '@');

		put(path, cases[i].before, strlen(cases[i].before));
		assert_int_equal(zonelist_file_add(path, &zone_a, err, sizeof(err)), 0);
		want = str_printf("%.*s%s%s", (int)(at - cases[i].after_add), cases[i].after_add,
			zone_a_text, at + 1);
		text = slurp(path);
		assert_string_equal(text, want);
		free(text);
		free(want);
		/* and out again: the zone's lines go, the rest stays */
		assert_int_equal(
			zonelist_file_remove(path, "a.example", NULL, err, sizeof(err)), 0);
		text = slurp(path);
		assert_true(libxml_accepts(text, strlen(text)));
		assert_null(strstr(text, "a.example"));
		free(text);
	}
	/* an element that shares its line loses only itself */
	{
		static const char one_line[] =
			"<ZoneList><!-- c --><Zone name=\"a.example\">"
			"<Policy>p</Policy><SignerConfiguration>s</SignerConfiguration><Adapters>"
			"<Input><File>i</File></Input><Output><File>o</File></Output></Adapters>"
			"</Zone></ZoneList>\n";

		put(path, one_line, sizeof(one_line) - 1);
	}
	assert_int_equal(zonelist_file_remove(path, "a.example", NULL, err, sizeof(err)), 0);
	text = slurp(path);
	assert_string_equal(text, "<ZoneList><!-- c --></ZoneList>\n");
	free(text);
	unlink(path);
	unlink(backup);
	free(backup);
	free(path);
}

/*
 * A list large enough that an add's early part is flushed in its own
 * thread (64 KiB and more) and written in more than one piece (256 KiB
 * each): the new element lands before </ZoneList>, every byte around it
 * as it was, and nothing else is left in the directory but the file and
 * its backup.
 */
static void
test_large_add(void **state)
{
	char *path = tmp("large.xml"), *backup = tmp("large.xml.backup"), *text, *want;
	char err[ERRLEN] = "", *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&body, &len);
	assert_non_null(f);
	for (int i = 0; i < 1000; i++)
		fprintf(f,
			"\t<Zone name=\"z%d.example\">\n\t\t<Policy>default</Policy>\n"
			"\t\t<SignerConfiguration>/var/lib/opendnssec/signconf/z%d.example.xml"
			"</SignerConfiguration>\n\t\t<Adapters>\n\t\t\t<Input>\n\t\t\t\t<File>/in/z%d"
			"</File>\n\t\t\t</Input>\n\t\t\t<Output>\n\t\t\t\t<File>/out/z%d</File>\n"
			"\t\t\t</Output>\n\t\t</Adapters>\n\t</Zone>\n",
			i, i, i, i);
	assert_int_equal(fclose(f), 0);
	assert_true(len > 256 * 1024);
	text = str_printf(
		"<?xml version=\"1.0\"?>\n<ZoneList>\n%s</ZoneList>\n<!-- end -->\n", body);
	assert_non_null(text);
	put(path, text, strlen(text));
	free(text);
	assert_int_equal(zonelist_file_add(path, &zone_a, err, sizeof(err)), 0);
	want = str_printf("<?xml version=\"1.0\"?>\n<ZoneList>\n%s%s</ZoneList>\n<!-- end -->\n",
		body, zone_a_text);
	text = slurp(path);
	assert_string_equal(text, want);
	assert_int_equal(dir_entries(), 2);
	free(text);
	free(want);
	free(body);
	unlink(path);
	unlink(backup);
	free(backup);
	free(path);
}

/* Is the lock exclusive between two sessions of one process? (flock is per open file.) */
static void
test_lock(void **state)
{
	char *path = tmp("locked.xml");
	int a, b;
	pid_t pid;
	int status;

	(void)state;
	put(path, "<ZoneList/>", 11);
	a = zonelist_lock(path);
	assert_true(a >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child may not get it while the parent holds it */
		int fd = open(path, O_RDONLY);

		_exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	zonelist_unlock(a);
	b = zonelist_lock(path);
	assert_true(b >= 0);
	zonelist_unlock(b);
	unlink(path);
	free(path);
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_zonelist_edit.XXXXXX",
		base != NULL && base[0] != '\0' ? base : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_fixtures),
		cmocka_unit_test(test_scan_never_laxer),
		cmocka_unit_test(test_scan_refuses),
		cmocka_unit_test(test_scan_misc_comment),
		cmocka_unit_test(test_scan_for_one),
		cmocka_unit_test(test_keep_owner_and_link),
		cmocka_unit_test(test_stage),
		cmocka_unit_test(test_backup_reused),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_random_edits),
		cmocka_unit_test(test_splice_layouts),
		cmocka_unit_test(test_large_add),
		cmocka_unit_test(test_lock),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
