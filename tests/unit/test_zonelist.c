/*
 * test_zonelist.c - zonelist.xml reading, writing and in-place editing
 * (src/config/zonelist.c) against the fixtures in tests/data/zonelist/.
 *
 * "Not writable": tests run as root in CI, and root ignores directory
 * permission bits. The directory test therefore drops the effective uid to
 * 65534 (nobody) around the call when it runs as root; two checks that do
 * not depend on permissions run always: "<path>.backup" being a directory
 * (the backup cannot be written) and a path that goes through a regular
 * file (ENOTDIR).
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "config/zonelist.h"
#include "config/zonelist_edit.h"

#define ERRLEN 8192

static char tmpdir[4096];

/* path of a file under top_srcdir (static buffer) */
static const char *
src(const char *name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", name);
	return path;
}

/* path of a fixture of tests/data/zonelist (static buffer) */
static const char *
data(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s", src("tests/data/zonelist/"));
	strncat(path, name, sizeof(path) - strlen(path) - 1);
	return path;
}

/* a malloc()ed path in tmpdir */
static char *
tmp(const char *name)
{
	char *path = str_printf("%s/%s", tmpdir, name);

	assert_non_null(path);
	return path;
}

/* the whole file (malloc()ed), or NULL when it does not exist */
static char *
slurp(const char *path)
{
	char *text = NULL;
	size_t len;
	int ret;

	ret = file_read_all(path, 0, &text, &len);
	if (ret == E_IO && errno == ENOENT)
		return NULL;
	assert_int_equal(ret, 0);
	return text;
}

static void
assert_file(const char *path, const char *want)
{
	char *text = slurp(path);

	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

static struct zonelist *
load_ok(const char *path)
{
	struct zonelist *zl = NULL;
	char err[ERRLEN] = "";
	int ret;

	ret = zonelist_load(path, &zl, err, sizeof(err));
	if (ret != 0)
		print_error("zonelist_load(%s) = %d: %s\n", path, ret, err);
	assert_int_equal(ret, 0);
	assert_non_null(zl);
	return zl;
}

static void
assert_zone(const struct zonelist_zone *z, const char *name, const char *policy,
	const char *signconf, const char *input, const char *input_type, const char *output,
	const char *output_type)
{
	assert_string_equal(z->name, name);
	assert_string_equal(z->policy, policy);
	assert_string_equal(z->signconf, signconf);
	assert_string_equal(z->input, input);
	assert_string_equal(z->input_type, input_type);
	assert_string_equal(z->output, output);
	assert_string_equal(z->output_type, output_type);
}

static void
assert_mixed(const struct zonelist *zl)
{
	assert_int_equal(zl->nzones, 3);
	assert_zone(&zl->zones[0], "example.com", "default",
		"/var/lib/opendnssec/signconf/example.com.xml",
		"/var/lib/opendnssec/unsigned/example.com", "File",
		"/var/lib/opendnssec/signed/example.com", "File");
	assert_zone(&zl->zones[1], "dns.example.", "lab",
		"/var/lib/opendnssec/signconf/dns.example.xml", "/etc/opendnssec/addns.xml", "DNS",
		"/var/lib/opendnssec/signed/dns.example", "File");
	assert_zone(&zl->zones[2], "a&b<c\"d", "x&y", "/tmp/\"quoted\" & <odd>.xml", "in&",
		"DNS&\"", "out<", "File");
}

static void
test_load(void **state)
{
	struct zonelist *zl;

	(void)state;
	zl = load_ok(data("mixed.xml"));
	assert_mixed(zl);
	zonelist_free(zl);

	zl = load_ok(src("contrib/zonelist.xml"));
	assert_int_equal(zl->nzones, 1);
	assert_zone(&zl->zones[0], "example.com", "default",
		"/var/lib/opendnssec/signconf/example.com.xml",
		"/var/lib/opendnssec/unsigned/example.com", "File",
		"/var/lib/opendnssec/signed/example.com", "File");
	zonelist_free(zl);

	zl = load_ok(data("empty.xml"));
	assert_int_equal(zl->nzones, 0);
	assert_null(zl->zones);
	zonelist_free(zl);
	zonelist_free(NULL);
}

static void
load_fails(const char *path, int code, const char *want)
{
	struct zonelist *sentinel = (struct zonelist *)&sentinel;
	struct zonelist *zl = sentinel;
	char err[ERRLEN] = "";
	int ret;

	ret = zonelist_load(path, &zl, err, sizeof(err));
	if (ret != code || strcmp(err, want) != 0)
		print_error("zonelist_load(%s) = %d: '%s'; wanted %d with '%s'\n", path, ret, err,
			code, want);
	assert_int_equal(ret, code);
	assert_ptr_equal(zl, sentinel);
	assert_string_equal(err, want);
}

static void
test_load_bad(void **state)
{
	char want[ERRLEN];

	(void)state;
	assert_true(
		(size_t)snprintf(want, sizeof(want),
			"%s:4: not well-formed XML: Opening and ending tag mismatch: Zone line 3 and "
			"ZoneList",
			data("bad-notxml.xml")) < sizeof(want));
	load_fails(data("bad-notxml.xml"), E_PARSE, want);
	assert_true(
		(size_t)snprintf(want, sizeof(want),
			"%s:4: element SignerConfiguration: fails to validate: Did not expect element "
			"SignerConfiguration there",
			data("bad-no-policy.xml")) < sizeof(want));
	load_fails(data("bad-no-policy.xml"), E_INVAL, want);
	assert_true(
		(size_t)snprintf(want, sizeof(want),
			"%s:9: element Adapter: fails to validate: Element Adapter failed to validate "
			"attributes",
			data("bad-adapter-type.xml")) < sizeof(want));
	load_fails(data("bad-adapter-type.xml"), E_INVAL, want);
	assert_true(
		(size_t)snprintf(want, sizeof(want), "cannot read %s: No such file or directory",
			data("no-such.xml")) < sizeof(want));
	load_fails(data("no-such.xml"), E_IO, want);
}

/* The shape of ksmutil-cli.md 4.1's gold excerpt, with a second zone. */
static const char gold_file[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<ZoneList>\n"
	"\t<Zone name=\"ods0\">\n"
	"\t\t<Policy>default</Policy>\n"
	"\t\t<SignerConfiguration>install_dir/var/opendnssec/signconf/ods0.xml"
	"</SignerConfiguration>\n"
	"\t\t<Adapters>\n"
	"\t\t\t<Input>\n"
	"\t\t\t\t<Adapter type=\"File\">install_dir/var/opendnssec/unsigned/ods0</Adapter>\n"
	"\t\t\t</Input>\n"
	"\t\t\t<Output>\n"
	"\t\t\t\t<Adapter type=\"File\">install_dir/var/opendnssec/signed/ods0</Adapter>\n"
	"\t\t\t</Output>\n"
	"\t\t</Adapters>\n"
	"\t</Zone>\n"
	"\t<Zone name=\"ods1.\">\n"
	"\t\t<Policy>lab</Policy>\n"
	"\t\t<SignerConfiguration>/sc/ods1.xml</SignerConfiguration>\n"
	"\t\t<Adapters>\n"
	"\t\t\t<Input>\n"
	"\t\t\t\t<Adapter type=\"DNS\">/etc/addns.xml</Adapter>\n"
	"\t\t\t</Input>\n"
	"\t\t\t<Output>\n"
	"\t\t\t\t<Adapter type=\"File\">/out/ods1</Adapter>\n"
	"\t\t\t</Output>\n"
	"\t\t</Adapters>\n"
	"\t</Zone>\n"
	"</ZoneList>\n";

/* The same as `zonelist export` writes it (4.4). */
static const char gold_export[] =
	"<?xml version=\"1.0\"?>\n"
	"<ZoneList>\n"
	"    <Zone name=\"ods0\">\n"
	"        <Policy>default</Policy>\n"
	"        <SignerConfiguration>install_dir/var/opendnssec/signconf/ods0.xml"
	"</SignerConfiguration>\n"
	"        <Adapters>\n"
	"            <Input>\n"
	"                <Adapter "
	"type=\"File\">install_dir/var/opendnssec/unsigned/ods0</Adapter>\n"
	"            </Input>\n"
	"            <Output>\n"
	"                <Adapter type=\"File\">install_dir/var/opendnssec/signed/ods0</Adapter>\n"
	"            </Output>\n"
	"        </Adapters>\n"
	"    </Zone>\n"
	"    <Zone name=\"ods1.\">\n"
	"        <Policy>lab</Policy>\n"
	"        <SignerConfiguration>/sc/ods1.xml</SignerConfiguration>\n"
	"        <Adapters>\n"
	"            <Input>\n"
	"                <Adapter type=\"DNS\">/etc/addns.xml</Adapter>\n"
	"            </Input>\n"
	"            <Output>\n"
	"                <Adapter type=\"File\">/out/ods1</Adapter>\n"
	"            </Output>\n"
	"        </Adapters>\n"
	"    </Zone>\n"
	"</ZoneList>\n";

static const struct zonelist_zone gold_zones[] = {
	/* no types given: "File" */
	{ "ods0", "default", "install_dir/var/opendnssec/signconf/ods0.xml",
		"install_dir/var/opendnssec/unsigned/ods0", NULL,
		"install_dir/var/opendnssec/signed/ods0", "" },
	{ "ods1.", "lab", "/sc/ods1.xml", "/etc/addns.xml", "DNS", "/out/ods1", "File" },
};

static void
test_format(void **state)
{
	char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(zonelist_format(gold_zones, 2, ZONELIST_STYLE_FILE, &out, &len), 0);
	assert_string_equal(out, gold_file);
	assert_int_equal(len, strlen(gold_file));
	free(out);
	assert_int_equal(zonelist_format(gold_zones, 2, ZONELIST_STYLE_EXPORT, &out, &len), 0);
	assert_string_equal(out, gold_export);
	assert_int_equal(len, strlen(gold_export));
	free(out);

	assert_int_equal(zonelist_format(NULL, 0, ZONELIST_STYLE_EXPORT, &out, &len), 0);
	assert_string_equal(out, "<?xml version=\"1.0\"?>\n<ZoneList/>\n");
	free(out);
	assert_int_equal(zonelist_format(NULL, 0, ZONELIST_STYLE_FILE, &out, &len), 0);
	assert_string_equal(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ZoneList/>\n");
	free(out);
	out = NULL;
	assert_int_equal(zonelist_format(NULL, 1, ZONELIST_STYLE_FILE, &out, &len), E_INVAL);
	assert_null(out);
}

/* mixed.xml (escaping everywhere) written in both styles and read back. */
static void
test_format_escape(void **state)
{
	struct zonelist *zl = load_ok(data("mixed.xml")), *back;
	char *path = tmp("escape.xml");
	char *out = NULL;
	size_t len;
	int style;

	(void)state;
	for (style = ZONELIST_STYLE_FILE; style <= ZONELIST_STYLE_EXPORT; style++) {
		assert_int_equal(zonelist_format(zl->zones, zl->nzones, style, &out, &len), 0);
		assert_non_null(strstr(out, "<Zone name=\"a&amp;b&lt;c&quot;d\">"));
		assert_non_null(strstr(out, "<Adapter type=\"DNS&amp;&quot;\">in&amp;</Adapter>"));
		assert_int_equal(file_write_atomic(path, out, len, 0600), 0);
		free(out);
		back = load_ok(path);
		assert_mixed(back);
		zonelist_free(back);
	}
	unlink(path);
	free(path);
	zonelist_free(zl);
}

/* What the streaming writer gives for zones[0..n) in style, malloc()ed. */
static char *
write_streamed(const struct zonelist_zone *zones, size_t n, enum zonelist_style style)
{
	struct zonelist_writer *w = NULL;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(zonelist_writer_open(f, style, &w), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(zonelist_writer_add(w, &zones[i]), 0);
	assert_int_equal(zonelist_writer_close(w), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* The writer, zone by zone, is byte for byte zonelist_format(), escaping included. */
static void
test_writer(void **state)
{
	struct zonelist *zl = load_ok(data("mixed.xml"));
	struct zonelist_zone odd = gold_zones[0];
	char *want, *got;
	size_t len, n;
	int style;

	(void)state;
	odd.name = (char *)"caf\xc3\xa9.example"; /* non-ASCII: escaped only in export */
	odd.signconf = (char *)"/a\nb\t\"c\"";
	odd.policy = NULL;
	for (style = ZONELIST_STYLE_FILE; style <= ZONELIST_STYLE_EXPORT; style++) {
		for (n = 0; n <= 2; n++) {
			assert_int_equal(zonelist_format(gold_zones, n, style, &want, &len), 0);
			got = write_streamed(gold_zones, n, style);
			assert_string_equal(got, want);
			free(got);
			free(want);
		}
		assert_int_equal(zonelist_format(zl->zones, zl->nzones, style, &want, &len), 0);
		got = write_streamed(zl->zones, zl->nzones, style);
		assert_string_equal(got, want);
		free(got);
		free(want);
		assert_int_equal(zonelist_format(&odd, 1, style, &want, &len), 0);
		got = write_streamed(&odd, 1, style);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
	zonelist_writer_free(NULL);
	zonelist_free(zl);
}

/* The reader hands out the zones zonelist_load() lists, and stops at the first bad one. */
static void
test_reader(void **state)
{
	struct zonelist *zl = load_ok(data("mixed.xml"));
	struct zonelist_reader *r = NULL;
	struct zonelist_zone *z;
	char err[ERRLEN] = "", want[ERRLEN];
	size_t i;

	(void)state;
	assert_int_equal(zonelist_reader_open(data("mixed.xml"), &r, err, sizeof(err)), 0);
	for (i = 0; i < zl->nzones; i++) {
		assert_int_equal(zonelist_reader_next(r, &z, err, sizeof(err)), 1);
		assert_zone(z, zl->zones[i].name, zl->zones[i].policy, zl->zones[i].signconf,
			zl->zones[i].input, zl->zones[i].input_type, zl->zones[i].output,
			zl->zones[i].output_type);
	}
	assert_int_equal(zonelist_reader_next(r, &z, err, sizeof(err)), 0);
	zonelist_reader_close(r);
	zonelist_reader_close(NULL);
	zonelist_free(zl);

	/* the schema's verdict on a zone comes before the zone is handed out */
	assert_int_equal(
		zonelist_reader_open(data("bad-adapter-type.xml"), &r, err, sizeof(err)), 0);
	assert_int_equal(zonelist_reader_next(r, &z, err, sizeof(err)), E_INVAL);
	assert_true(
		(size_t)snprintf(want, sizeof(want),
			"%s:9: element Adapter: fails to validate: Element Adapter failed to validate "
			"attributes",
			data("bad-adapter-type.xml")) < sizeof(want));
	assert_string_equal(err, want);
	zonelist_reader_close(r);
}

/* What xml_read() refuses, the streaming reader refuses too. */
static void
test_reader_hostile(void **state)
{
	static const char *const docs[] = {
		"<!DOCTYPE ZoneList [<!ENTITY e \"x\">]><ZoneList/>",
		"<!DOCTYPE ZoneList SYSTEM \"file:///etc/passwd\"><ZoneList/>",
		"<!DOCTYPE ZoneList [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">"
		"<!ENTITY c \"&b;&b;&b;&b;&b;&b;\">]><ZoneList>&c;</ZoneList>",
	};
	struct zonelist *sentinel = (struct zonelist *)&sentinel, *zl;
	char *path = tmp("hostile.xml");
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		zl = sentinel;
		assert_int_equal(file_write_atomic(path, docs[i], strlen(docs[i]), 0600), 0);
		err[0] = '\0';
		assert_int_equal(zonelist_load(path, &zl, err, sizeof(err)), E_PARSE);
		assert_ptr_equal(zl, sentinel);
		/* the nested one may be caught earlier, by libxml2's own guard against loops */
		if (strstr(err, "external DTDs and entity declarations are not allowed") == NULL &&
			(i < 2 || strstr(err, "not well-formed XML: ") == NULL)) {
			print_error("%s: %s\n", docs[i], err);
			fail();
		}
	}
	assert_int_equal(file_write_atomic(path, "", 0, 0600), 0);
	assert_int_equal(zonelist_load(path, &zl, err, sizeof(err)), E_PARSE);
	assert_non_null(strstr(err, ": not well-formed XML: "));
	unlink(path);
	free(path);
}

/*
 * Bytes that are not UTF-8 in CDATA, which libxml2 2.9.14's reader lets
 * through (a fuzz finding): refused as its document parser refuses them.
 */
static void
test_reader_bad_utf8(void **state)
{
	static const char doc[] =
		"<ZoneList><Zone name=\"a.example\"><Policy>default</Policy>"
		"<SignerConfiguration><![CDATA[/sc/\xC1\x9C"
		"a.xml]]></SignerConfiguration>"
		"<Adapters><Input><File>/in</File></Input><Output><File>/out</File></Output>"
		"</Adapters></Zone></ZoneList>";
	struct zonelist *sentinel = (struct zonelist *)&sentinel, *zl = sentinel;
	char *path = tmp("bad-utf8.xml");
	char err[ERRLEN] = "";

	(void)state;
	assert_int_equal(file_write_atomic(path, doc, sizeof(doc) - 1, 0600), 0);
	assert_int_equal(zonelist_load(path, &zl, err, sizeof(err)), E_PARSE);
	assert_ptr_equal(zl, sentinel);
	assert_non_null(strstr(err, "not proper UTF-8"));
	unlink(path);
	free(path);
}

/* edit.xml after adding three: spliced in before </ZoneList>, the rest as it was. */
static const char gold_added[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!-- Zones signed here (kept by zone add and zone delete). -->\n"
	"<ZoneList>\n"
	"  <!-- the first zone -->\n"
	"  <Zone name=\"one.example\">\n"
	"    <Policy>default</Policy>\n"
	"    <SignerConfiguration>/sc/one.example.xml</SignerConfiguration>\n"
	"    <Adapters>\n"
	"      <Input><File>/in/one.example</File></Input>\n"
	"      <Output><File>/out/one.example</File></Output>\n"
	"    </Adapters>\n"
	"  </Zone>\n"
	"\n"
	"  <Zone name=\"two.example.\">\n"
	"    <Policy>lab</Policy>\n"
	"    <SignerConfiguration>/sc/two.example.xml</SignerConfiguration>\n"
	"    <Adapters>\n"
	"      <Input><Adapter type=\"DNS\">/etc/addns.xml</Adapter></Input>\n"
	"      <Output><Adapter type=\"File\">/out/two.example</Adapter></Output>\n"
	"    </Adapters>\n"
	"  </Zone>\n"
	"\t<Zone name=\"three&amp;&lt;&quot;\">\n"
	"\t\t<Policy>default</Policy>\n"
	"\t\t<SignerConfiguration>/sc/three&amp;&lt;\".xml</SignerConfiguration>\n"
	"\t\t<Adapters>\n"
	"\t\t\t<Input>\n"
	"\t\t\t\t<Adapter type=\"File\">/in/three</Adapter>\n"
	"\t\t\t</Input>\n"
	"\t\t\t<Output>\n"
	"\t\t\t\t<Adapter type=\"DNS\">/etc/addns.xml</Adapter>\n"
	"\t\t\t</Output>\n"
	"\t\t</Adapters>\n"
	"\t</Zone>\n"
	"</ZoneList>\n";

/* gold_added without one.example: its lines cut out, the blank line after it kept. */
static const char gold_removed[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!-- Zones signed here (kept by zone add and zone delete). -->\n"
	"<ZoneList>\n"
	"  <!-- the first zone -->\n"
	"\n"
	"  <Zone name=\"two.example.\">\n"
	"    <Policy>lab</Policy>\n"
	"    <SignerConfiguration>/sc/two.example.xml</SignerConfiguration>\n"
	"    <Adapters>\n"
	"      <Input><Adapter type=\"DNS\">/etc/addns.xml</Adapter></Input>\n"
	"      <Output><Adapter type=\"File\">/out/two.example</Adapter></Output>\n"
	"    </Adapters>\n"
	"  </Zone>\n"
	"\t<Zone name=\"three&amp;&lt;&quot;\">\n"
	"\t\t<Policy>default</Policy>\n"
	"\t\t<SignerConfiguration>/sc/three&amp;&lt;\".xml</SignerConfiguration>\n"
	"\t\t<Adapters>\n"
	"\t\t\t<Input>\n"
	"\t\t\t\t<Adapter type=\"File\">/in/three</Adapter>\n"
	"\t\t\t</Input>\n"
	"\t\t\t<Output>\n"
	"\t\t\t\t<Adapter type=\"DNS\">/etc/addns.xml</Adapter>\n"
	"\t\t\t</Output>\n"
	"\t\t</Adapters>\n"
	"\t</Zone>\n"
	"</ZoneList>\n";

/* and without every zone: comments and blank lines stay. */
static const char gold_emptied[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!-- Zones signed here (kept by zone add and zone delete). -->\n"
	"<ZoneList>\n"
	"  <!-- the first zone -->\n"
	"\n"
	"</ZoneList>\n";

static const struct zonelist_zone three = { "three&<\"", "default", "/sc/three&<\".xml",
	"/in/three", NULL, "/etc/addns.xml", "DNS" };

static void
test_edit(void **state)
{
	char *path = tmp("zonelist.xml");
	char *backup = tmp("zonelist.xml.backup");
	char *orig = slurp(data("edit.xml"));
	char err[ERRLEN] = "";
	char **removed = NULL;
	struct zonelist *zl;
	struct stat st;

	(void)state;
	assert_non_null(orig);
	assert_int_equal(file_write_atomic(path, orig, strlen(orig), 0640), 0);

	assert_int_equal(zonelist_file_add(path, &three, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_file(path, gold_added);
	assert_file(backup, orig);
	/* the file keeps its mode, and so does the backup */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(stat(backup, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	zl = load_ok(path);
	assert_int_equal(zl->nzones, 3);
	assert_zone(&zl->zones[2], "three&<\"", "default", "/sc/three&<\".xml", "/in/three", "File",
		"/etc/addns.xml", "DNS");
	zonelist_free(zl);

	/* exact names only: the dotted form is another zone */
	assert_int_equal(zonelist_file_remove(path, "one.example.", &removed, err, sizeof(err)), 0);
	assert_non_null(removed);
	assert_null(removed[0]);
	zonelist_strv_free(removed);
	/* nothing removed: nothing written, the backup still holds edit.xml */
	assert_file(path, gold_added);
	assert_file(backup, orig);

	assert_int_equal(zonelist_file_remove(path, "one.example", &removed, err, sizeof(err)), 0);
	assert_string_equal(removed[0], "/sc/one.example.xml");
	assert_null(removed[1]);
	zonelist_strv_free(removed);
	assert_file(path, gold_removed);
	assert_file(backup, gold_added);

	/* all zones; the caller does not want the paths */
	assert_int_equal(zonelist_file_remove(path, NULL, NULL, err, sizeof(err)), 0);
	assert_file(path, gold_emptied);
	assert_file(backup, gold_removed);
	zl = load_ok(path);
	assert_int_equal(zl->nzones, 0);
	zonelist_free(zl);

	/* and one added again to the empty list */
	assert_int_equal(zonelist_file_add(path, &three, err, sizeof(err)), 0);
	zl = load_ok(path);
	assert_int_equal(zl->nzones, 1);
	zonelist_free(zl);
	assert_file(backup, gold_emptied);

	unlink(path);
	unlink(backup);
	free(orig);
	free(backup);
	free(path);
}

static void
test_remove_all_signconfs(void **state)
{
	char *path = tmp("all.xml");
	char *backup = tmp("all.xml.backup");
	char *orig = slurp(data("mixed.xml"));
	char err[ERRLEN] = "";
	char **removed = NULL;

	(void)state;
	assert_int_equal(file_write_atomic(path, orig, strlen(orig), 0600), 0);
	assert_int_equal(zonelist_file_remove(path, NULL, &removed, err, sizeof(err)), 0);
	assert_string_equal(removed[0], "/var/lib/opendnssec/signconf/example.com.xml");
	assert_string_equal(removed[1], "/var/lib/opendnssec/signconf/dns.example.xml");
	assert_string_equal(removed[2], "/tmp/\"quoted\" & <odd>.xml");
	assert_null(removed[3]);
	zonelist_strv_free(removed);
	assert_file(path, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<!-- Both adapter forms, a trailing dot, and names that need escaping. "
			  "-->\n"
			  "<ZoneList>\n"
			  "\t<!-- a zone transferred in and out -->\n"
			  "</ZoneList>\n");
	assert_file(backup, orig);
	zonelist_strv_free(NULL);
	unlink(path);
	unlink(backup);
	free(orig);
	free(backup);
	free(path);
}

/* A missing file is an empty list for add: created, no backup. */
static void
test_add_new_file(void **state)
{
	char *path = tmp("new.xml");
	char *backup = tmp("new.xml.backup");
	char err[ERRLEN] = "";
	char **removed = NULL;
	char want[ERRLEN];
	struct zonelist_zone z = gold_zones[0];
	char *gold;
	struct stat st;

	(void)state;
	assert_int_equal(zonelist_file_add(path, &z, err, sizeof(err)), 0);
	/* the first zone of gold_file, alone */
	gold = str_printf("%.*s</ZoneList>\n",
		(int)(strstr(gold_file, "\t<Zone name=\"ods1.\">") - gold_file), gold_file);
	assert_file(path, gold);
	free(gold);
	assert_null(slurp(backup));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	unlink(path);

	/* but not for remove */
	assert_true((size_t)snprintf(want, sizeof(want),
			    "cannot read %s: No such file or directory", path) < sizeof(want));
	assert_int_equal(zonelist_file_remove(path, "ods0", &removed, err, sizeof(err)), E_IO);
	assert_string_equal(err, want);
	assert_null(removed);
	assert_null(slurp(path));
	free(backup);
	free(path);
}

/* An invalid file is not touched. */
static void
test_edit_bad_file(void **state)
{
	char *path = tmp("bad.xml");
	char *orig = slurp(data("bad-no-policy.xml"));
	char err[ERRLEN] = "";
	char want[ERRLEN];

	(void)state;
	assert_int_equal(file_write_atomic(path, orig, strlen(orig), 0600), 0);
	assert_true(
		(size_t)snprintf(want, sizeof(want),
			"%s:4: element SignerConfiguration: fails to validate: Did not expect element "
			"SignerConfiguration there",
			path) < sizeof(want));
	assert_int_equal(zonelist_file_add(path, &three, err, sizeof(err)), E_INVAL);
	assert_string_equal(err, want);
	assert_int_equal(zonelist_file_remove(path, NULL, NULL, err, sizeof(err)), E_INVAL);
	assert_string_equal(err, want);
	assert_file(path, orig);
	unlink(path);
	free(orig);
	free(path);
}

/* add and remove must fail with E_IO and message want, changing nothing. */
static void
edit_fails(const char *path, const char *orig, const char *backup_orig, const char *want)
{
	char err[ERRLEN] = "";
	char **removed = NULL;
	char *backup = str_printf("%s.backup", path);
	char *text;

	assert_non_null(backup);
	assert_int_equal(zonelist_file_add(path, &three, err, sizeof(err)), E_IO);
	assert_string_equal(err, want);
	err[0] = '\0';
	assert_int_equal(zonelist_file_remove(path, NULL, &removed, err, sizeof(err)), E_IO);
	assert_string_equal(err, want);
	assert_null(removed);
	text = slurp(path);
	if (orig == NULL) {
		assert_null(text);
	} else {
		assert_non_null(text);
		assert_string_equal(text, orig);
	}
	free(text);
	if (backup_orig != NULL)
		assert_file(backup, backup_orig);
	free(backup);
}

static void
test_not_writable(void **state)
{
	char *dir = tmp("ro");
	char *path = tmp("ro/zonelist.xml");
	char *backup = tmp("ro/zonelist.xml.backup");
	char *file = tmp("plain");
	char *through = tmp("plain/zonelist.xml");
	char *nodir = tmp("no-such-dir/zonelist.xml");
	char *orig = slurp(data("edit.xml"));
	char want[ERRLEN];
	char err[ERRLEN] = "";
	struct stat st;
	int root = geteuid() == 0;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(file_write_atomic(path, orig, strlen(orig), 0644), 0);

	/* 1. the backup cannot be written: it is a directory */
	assert_int_equal(mkdir(backup, 0755), 0);
	assert_true((size_t)snprintf(want, sizeof(want), "cannot back up %s to %s: Is a directory",
			    path, backup) < sizeof(want));
	edit_fails(path, orig, NULL, want);
	assert_int_equal(stat(backup, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(rmdir(backup), 0);

	/* 2. the directory is not writable (as nobody, when we are root) */
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(chmod(tmpdir, 0711), 0);
	if (!root || seteuid(65534) == 0) {
		/* the new file is written before the backup, so that is what fails */
		assert_true((size_t)snprintf(want, sizeof(want),
				    "cannot write %s: Permission denied", path) < sizeof(want));
		edit_fails(path, orig, NULL, want);
		if (root)
			assert_int_equal(seteuid(0), 0);
		assert_null(slurp(backup));
	} else {
		printf("# cannot drop privileges (%s): read-only directory not tested\n",
			strerror(errno));
	}
	assert_int_equal(chmod(tmpdir, 0700), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_file(path, orig);

	/* 3. a path through a regular file (not "missing": add fails too) */
	assert_int_equal(file_write_atomic(file, "x", 1, 0600), 0);
	assert_true((size_t)snprintf(want, sizeof(want), "cannot read %s: Not a directory",
			    through) < sizeof(want));
	assert_int_equal(zonelist_file_add(through, &three, err, sizeof(err)), E_IO);
	assert_string_equal(err, want);
	assert_int_equal(zonelist_file_remove(through, NULL, NULL, err, sizeof(err)), E_IO);
	assert_string_equal(err, want);
	assert_file(file, "x");

	/* 4. a directory that does not exist */
	assert_true((size_t)snprintf(want, sizeof(want),
			    "cannot write %s: No such file or directory", nodir) < sizeof(want));
	assert_int_equal(zonelist_file_add(nodir, &three, err, sizeof(err)), E_IO);
	assert_string_equal(err, want);

	unlink(file);
	unlink(path);
	rmdir(dir);
	free(orig);
	free(nodir);
	free(through);
	free(file);
	free(backup);
	free(path);
	free(dir);
}

/* 20,000 zones: written, read back, edited in place. */
static void
test_many(void **state)
{
	enum { N = 20000 };
	struct zonelist_zone *zones = calloc(N, sizeof(*zones));
	char *path = tmp("many.xml");
	char *backup = tmp("many.xml.backup");
	char err[ERRLEN] = "";
	char **removed = NULL;
	struct zonelist *zl;
	char *out = NULL;
	size_t len, i;
	int style;

	(void)state;
	assert_non_null(zones);
	for (i = 0; i < N; i++) {
		zones[i].name = str_printf("zone%zu.example", i);
		zones[i].policy = i % 2 ? "default" : "lab";
		zones[i].signconf = str_printf("/sc/zone%zu.xml", i);
		zones[i].input = str_printf("/in/zone%zu", i);
		zones[i].output = str_printf("/out/zone%zu", i);
		zones[i].output_type = "DNS";
		assert_non_null(zones[i].name);
		assert_non_null(zones[i].signconf);
		assert_non_null(zones[i].input);
		assert_non_null(zones[i].output);
	}
	for (style = ZONELIST_STYLE_FILE; style <= ZONELIST_STYLE_EXPORT; style++) {
		assert_int_equal(zonelist_format(zones, N, style, &out, &len), 0);
		assert_int_equal(file_write_atomic(path, out, len, 0600), 0);
		free(out);
		zl = load_ok(path);
		assert_int_equal(zl->nzones, N);
		assert_zone(&zl->zones[0], "zone0.example", "lab", "/sc/zone0.xml", "/in/zone0",
			"File", "/out/zone0", "DNS");
		assert_zone(&zl->zones[N - 1], "zone19999.example", "default", "/sc/zone19999.xml",
			"/in/zone19999", "File", "/out/zone19999", "DNS");
		zonelist_free(zl);
	}
	assert_int_equal(zonelist_file_add(path, &three, err, sizeof(err)), 0);
	assert_int_equal(
		zonelist_file_remove(path, "zone10000.example", &removed, err, sizeof(err)), 0);
	assert_string_equal(removed[0], "/sc/zone10000.xml");
	assert_null(removed[1]);
	zonelist_strv_free(removed);
	zl = load_ok(path);
	assert_int_equal(zl->nzones, N);
	assert_string_equal(zl->zones[9999].name, "zone9999.example");
	assert_string_equal(zl->zones[10000].name, "zone10001.example");
	assert_string_equal(zl->zones[N - 1].name, "three&<\"");
	zonelist_free(zl);

	for (i = 0; i < N; i++) {
		free(zones[i].name);
		free(zones[i].signconf);
		free(zones[i].input);
		free(zones[i].output);
	}
	free(zones);
	unlink(path);
	unlink(backup);
	free(backup);
	free(path);
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_zonelist.XXXXXX",
		base != NULL && base[0] != '\0' ? base : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	/* every test removes what it made */
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_bad),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_escape),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_reader_hostile),
		cmocka_unit_test(test_reader_bad_utf8),
		cmocka_unit_test(test_edit),
		cmocka_unit_test(test_remove_all_signconfs),
		cmocka_unit_test(test_add_new_file),
		cmocka_unit_test(test_edit_bad_file),
		cmocka_unit_test(test_not_writable),
		cmocka_unit_test(test_many),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
