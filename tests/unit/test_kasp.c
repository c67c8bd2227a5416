/*
 * test_kasp.c - kasp.xml reading and `policy export` writing
 * (src/config/kasp.c) against the fixtures in tests/data/kasp/ and the
 * shipped contrib/kasp.xml.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "config/kasp.h"

#define ERRLEN 8192
#define DAY INT64_C(86400)

/* A temporary directory for the test program, removed at the end. */
static char tmpdir[4096];

/* path of a file under top_srcdir (static buffer, valid until the next call) */
static const char *
src(const char *name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", name);
	return path;
}

/* path of a fixture of tests/data/kasp (static buffer) */
static const char *
data(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s", src("tests/data/kasp/"));
	strncat(path, name, sizeof(path) - strlen(path) - 1);
	return path;
}

static struct kasp *
load_ok(const char *path)
{
	struct kasp *k = NULL;
	char err[ERRLEN] = "";
	int ret;

	ret = kasp_load(path, &k, err, sizeof(err));
	if (ret != 0)
		print_error("kasp_load(%s) = %d: %s\n", path, ret, err);
	assert_int_equal(ret, 0);
	assert_non_null(k);
	assert_string_equal(err, "");
	return k;
}

/* Load a file that must fail with code and exactly the message
 * "<path><rest>"; *out must stay untouched. */
static void
load_fails(const char *path, int code, const char *rest)
{
	struct kasp *sentinel = (struct kasp *)&sentinel;
	struct kasp *k = sentinel;
	char err[ERRLEN] = "";
	char want[ERRLEN];
	int ret;

	snprintf(want, sizeof(want), "%s%s", path, rest);
	ret = kasp_load(path, &k, err, sizeof(err));
	if (ret != code || strcmp(err, want) != 0)
		print_error("kasp_load(%s) = %d: '%s'; wanted %d with '%s'\n", path, ret, err, code,
			want);
	assert_int_equal(ret, code);
	assert_ptr_equal(k, sentinel);
	assert_string_equal(err, want);
}

/* Write text to a new file in tmpdir; returns its path (static buffer). */
static const char *
write_tmp(const char *name, const char *text)
{
	static char path[4200];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600), 0);
	return path;
}

/* minimal.xml's first policy with from replaced by to, written to tmpdir. */
static const char *
variant(const char *from, const char *to)
{
	char *text = NULL, *hit, *out;
	size_t len;
	const char *path;

	assert_int_equal(file_read_all(data("minimal.xml"), 0, &text, &len), 0);
	hit = strstr(text, from);
	assert_non_null(hit);
	*hit = '\0';
	out = str_printf("%s%s%s", text, to, hit + strlen(from));
	assert_non_null(out);
	path = write_tmp("variant.xml", out);
	free(out);
	free(text);
	return path;
}

static void
test_full(void **state)
{
	struct kasp *k = load_ok(data("full.xml"));
	const struct kasp_policy *p;

	(void)state;
	assert_int_equal(k->npolicies, 1);
	p = &k->policies[0];
	assert_string_equal(p->name, "full & <more>");
	/* trimmed */
	assert_string_equal(p->description, "Policy with \"everything\" & <more>");
	assert_int_equal(p->resign, 7200);
	assert_int_equal(p->refresh, 3 * DAY);
	assert_int_equal(p->valdefault, 14 * DAY);
	assert_int_equal(p->valdenial, 15 * DAY);
	assert_int_equal(p->jitter, 12 * 3600);
	assert_int_equal(p->inception_offset, 3601);
	assert_int_equal(p->nsec3, 1);
	assert_int_equal(p->nsec3_ttl, 7);
	assert_int_equal(p->optout, 1);
	assert_int_equal(p->resalt, 31 * DAY);
	assert_int_equal(p->hash_algorithm, 1);
	assert_int_equal(p->iterations, 65535);
	assert_int_equal(p->salt_length, 255);
	assert_int_equal(p->key_ttl, 3602);
	assert_int_equal(p->retire_safety, 3603);
	assert_int_equal(p->publish_safety, 3604);
	assert_int_equal(p->share_keys, 1);
	assert_int_equal(p->purge, 2 * DAY);
	/* the last KSK and ZSK count */
	assert_int_equal(p->ksk.algorithm, 10);
	assert_int_equal(p->ksk.bits, 4096);
	assert_int_equal(p->ksk.lifetime, 365 * DAY);
	assert_string_equal(p->ksk.repository, "SoftHSM");
	assert_int_equal(p->ksk.standby, 2);
	assert_int_equal(p->ksk.manual_rollover, 1);
	assert_int_equal(p->ksk.rfc5011, 1);
	assert_int_equal(p->zsk.algorithm, 13);
	assert_int_equal(p->zsk.bits, 256);
	assert_int_equal(p->zsk.lifetime, 62 * DAY);
	assert_string_equal(p->zsk.repository, "HSM2");
	assert_int_equal(p->zsk.standby, 3);
	assert_int_equal(p->zsk.manual_rollover, 1);
	assert_int_equal(p->zsk.rfc5011, 0);
	assert_int_equal(p->zone_propdelay, 43200);
	assert_int_equal(p->zone_soa_ttl, 3605);
	assert_int_equal(p->zone_soa_min, 3606);
	assert_int_equal(p->serial, KASP_SERIAL_DATECOUNTER);
	assert_int_equal(p->parent_propdelay, 9999);
	assert_int_equal(p->parent_ds_ttl, 3607);
	assert_int_equal(p->parent_soa_ttl, 172800);
	assert_int_equal(p->parent_soa_min, 10800);

	/* Y and month M texts, in file order (the first KSK's P9D is exact) */
	assert_int_equal(k->napprox, 3);
	assert_string_equal(k->approx[0], "P1M");
	assert_string_equal(k->approx[1], "P1Y");
	assert_string_equal(k->approx[2], "P2M");

	assert_ptr_equal(kasp_find(k, "full & <more>"), p);
	assert_null(kasp_find(k, "full"));
	assert_null(kasp_find(k, NULL));
	assert_null(kasp_find(NULL, "full"));
	kasp_free(k);
}

static void
test_minimal(void **state)
{
	struct kasp *k = load_ok(data("minimal.xml"));
	const struct kasp_policy *p;
	size_t i;

	(void)state;
	assert_int_equal(k->npolicies, 2);
	assert_int_equal(k->napprox, 0);
	assert_null(k->approx);
	for (i = 0; i < 2; i++) {
		p = &k->policies[i];
		assert_string_equal(p->description, "");
		assert_int_equal(p->resign, 60);
		assert_int_equal(p->refresh, 61);
		assert_int_equal(p->valdefault, 62);
		assert_int_equal(p->valdenial, 63);
		assert_int_equal(p->jitter, 0);
		assert_int_equal(p->inception_offset, 64);
		assert_int_equal(p->nsec3_ttl, 0);
		assert_int_equal(p->optout, 0);
		assert_int_equal(p->key_ttl, 65);
		assert_int_equal(p->retire_safety, 66);
		assert_int_equal(p->publish_safety, 67);
		assert_int_equal(p->share_keys, 0);
		assert_int_equal(p->purge, -1);
		assert_int_equal(p->ksk.algorithm, 8);
		assert_int_equal(p->ksk.bits, 0);
		assert_int_equal(p->ksk.lifetime, 0);
		assert_string_equal(p->ksk.repository, "SoftHSM");
		assert_int_equal(p->ksk.standby, 0);
		assert_int_equal(p->ksk.manual_rollover, 0);
		assert_int_equal(p->ksk.rfc5011, 0);
		assert_int_equal(p->zsk.algorithm, 15);
		assert_int_equal(p->zsk.bits, 0);
		assert_int_equal(p->zsk.lifetime, 68);
		assert_int_equal(p->zsk.standby, 0);
		assert_int_equal(p->zsk.manual_rollover, 0);
		assert_int_equal(p->zone_propdelay, 69);
		assert_int_equal(p->zone_soa_ttl, 70);
		assert_int_equal(p->zone_soa_min, 71);
		assert_int_equal(p->serial, KASP_SERIAL_KEEP);
		assert_int_equal(p->parent_propdelay, 72);
		assert_int_equal(p->parent_ds_ttl, 73);
		assert_int_equal(p->parent_soa_ttl, 74);
		assert_int_equal(p->parent_soa_min, 75);
	}
	p = &k->policies[0];
	assert_string_equal(p->name, "lab.");
	assert_int_equal(p->nsec3, 0);
	assert_int_equal(p->resalt, 0);
	assert_int_equal(p->salt_length, 0);
	p = &k->policies[1];
	assert_string_equal(p->name, "nsec3");
	assert_int_equal(p->nsec3, 1);
	assert_int_equal(p->resalt, 76);
	assert_int_equal(p->hash_algorithm, 0);
	assert_int_equal(p->iterations, 0);
	assert_int_equal(p->salt_length, 0);
	assert_ptr_equal(kasp_find(k, "nsec3"), p);
	kasp_free(k);
}

static void
test_contrib(void **state)
{
	struct kasp *k = load_ok(src("contrib/kasp.xml"));
	const struct kasp_policy *p;

	(void)state;
	assert_int_equal(k->npolicies, 2);
	p = kasp_find(k, "default");
	assert_non_null(p);
	assert_string_equal(
		p->description, "A default policy that will amaze you and your friends");
	assert_int_equal(p->resign, 7200);
	assert_int_equal(p->nsec3, 1);
	assert_int_equal(p->resalt, 100 * DAY);
	assert_int_equal(p->salt_length, 8);
	assert_int_equal(p->purge, 14 * DAY);
	assert_int_equal(p->ksk.algorithm, 8);
	assert_int_equal(p->ksk.bits, 2048);
	assert_int_equal(p->ksk.lifetime, 365 * DAY);
	assert_int_equal(p->zsk.bits, 1024);
	assert_int_equal(p->zsk.lifetime, 90 * DAY);
	assert_int_equal(p->serial, KASP_SERIAL_UNIXTIME);
	assert_int_equal(p->parent_soa_ttl, 172800);
	assert_int_equal(k->napprox, 1);
	assert_string_equal(k->approx[0], "P1Y");

	/* the short-lived policy for trying rollovers out */
	p = kasp_find(k, "lab");
	assert_non_null(p);
	assert_int_equal(p->ksk.algorithm, 13);
	assert_int_equal(p->ksk.bits, 256);
	assert_int_equal(p->ksk.lifetime, 3 * 3600);
	assert_int_equal(p->zsk.algorithm, 13);
	assert_int_equal(p->zsk.lifetime, 2 * 3600);
	assert_int_equal(p->purge, DAY);
	kasp_free(k);
}

static void
test_bad_files(void **state)
{
	(void)state;
	load_fails(data("bad-notxml.xml"), E_PARSE,
		":51: not well-formed XML: Opening and ending tag mismatch: Keys line 19 and "
		"Policy");
	load_fails(data("bad-no-signatures.xml"), E_INVAL,
		":6: element Denial: fails to validate: Did not expect element Denial there");
	load_fails(data("bad-unknown.xml"), E_INVAL,
		":14: element Wobble: fails to validate: Did not expect element Wobble there");
	load_fails(data("bad-duration.xml"), E_PARSE,
		":8: element Refresh: \"P1X\" is not a valid duration");
	load_fails(data("bad-negative.xml"), E_RANGE,
		":45: element TTL: a negative duration is not allowed");
	load_fails(data("bad-algorithm.xml"), E_INVAL,
		":24: element Algorithm: policy \"lab.\": KSK algorithm 4 is not a DNSSEC "
		"algorithm");
	load_fails(data("bad-duplicate.xml"), E_EXISTS,
		":53: element Policy: policy \"lab.\" is defined twice");
	load_fails(data("bad-serial.xml"), E_INVAL,
		":39: element Serial: \"weekly\" is not a serial mode (counter, datecounter, "
		"unixtime or keep)");
	load_fails(
		data("bad-no-ksk.xml"), E_INVAL, ":19: element Keys: policy \"lab.\" has no KSK");
	load_fails(
		data("bad-no-zsk.xml"), E_INVAL, ":19: element Keys: policy \"lab.\" has no ZSK");
	load_fails(data("bad-iterations.xml"), E_RANGE,
		":70: element Iterations: \"65536\" must be between 0 and 65535");
}

static void
test_missing_file(void **state)
{
	struct kasp *k = NULL;
	char err[ERRLEN] = "";
	char want[ERRLEN];

	(void)state;
	snprintf(want, sizeof(want), "cannot read %s: No such file or directory",
		data("no-such-file.xml"));
	assert_int_equal(kasp_load(data("no-such-file.xml"), &k, err, sizeof(err)), E_IO);
	assert_string_equal(err, want);
	assert_null(k);
	assert_int_equal(kasp_load(NULL, &k, err, sizeof(err)), E_INVAL);
	assert_int_equal(kasp_load(data("full.xml"), NULL, NULL, 0), E_INVAL);
}

/* Every algorithm number is checked: the DNSSEC ones load, others fail. */
static void
test_algorithms(void **state)
{
	static const int good[] = { 1, 3, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16 };
	static const int bad[] = { 0, 2, 4, 9, 11, 17, 200, 252, 253, 254, 255 };
	char tag[64], rest[256];
	const char *path;
	struct kasp *k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(tag, sizeof(tag), "<Algorithm>%d</Algorithm>", good[i]);
		path = variant("<Algorithm>15</Algorithm>", tag);
		k = load_ok(path);
		assert_int_equal(k->policies[0].zsk.algorithm, good[i]);
		kasp_free(k);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(tag, sizeof(tag), "<Algorithm>%d</Algorithm>", bad[i]);
		path = variant("<Algorithm>15</Algorithm>", tag);
		snprintf(rest, sizeof(rest),
			":30: element Algorithm: policy \"lab.\": ZSK algorithm %d is not a DNSSEC "
			"algorithm",
			bad[i]);
		load_fails(path, E_INVAL, rest);
	}
	path = variant("<Algorithm>15</Algorithm>", "<Algorithm>256</Algorithm>");
	load_fails(path, E_RANGE, ":30: element Algorithm: \"256\" must be between 0 and 255");
	path = variant("<Algorithm>15</Algorithm>", "<Algorithm length=\"x\">15</Algorithm>");
	load_fails(path, E_PARSE,
		":30: element Algorithm: attribute length: \"x\" is not a number from 0 to "
		"2147483647");
	/* an explicit length of 0 means "not given" */
	path = variant("<Algorithm>15</Algorithm>", "<Algorithm length=\"0\">15</Algorithm>");
	k = load_ok(path);
	assert_int_equal(k->policies[0].zsk.bits, 0);
	kasp_free(k);
}

/* Durations in every form 1.4 accepted, and approximations collected. */
static void
test_durations(void **state)
{
	struct kasp *k;

	(void)state;
	k = load_ok(variant("<Jitter>PT0S</Jitter>", "<Jitter>P1Y2M3DT4H5M6S</Jitter>"));
	assert_int_equal(k->policies[0].jitter, 365 * DAY + 62 * DAY + 3 * DAY + 4 * 3600 + 306);
	assert_int_equal(k->napprox, 1);
	assert_string_equal(k->approx[0], "P1Y2M3DT4H5M6S");
	kasp_free(k);
	k = load_ok(variant("<Jitter>PT0S</Jitter>", "<Jitter>P2D</Jitter>"));
	assert_int_equal(k->policies[0].jitter, 2 * DAY);
	assert_int_equal(k->napprox, 0);
	kasp_free(k);
	load_fails(variant("<Jitter>PT0S</Jitter>", "<Jitter>P99Y</Jitter>"), E_RANGE,
		":14: element Jitter: \"P99Y\" is out of range");
	load_fails(variant("<Jitter>PT0S</Jitter>", "<Jitter>PT1.5S</Jitter>"), E_PARSE,
		":14: element Jitter: \"PT1.5S\" is not a valid duration");
	/* weeks are ours, not xsd:duration's: the schema refuses them as 1.4 did */
	load_fails(variant("<Jitter>PT0S</Jitter>", "<Jitter>P2W</Jitter>"), E_INVAL,
		":14: element Jitter: fails to validate: Type duration doesn't allow value 'P2W'");
}

static void
test_serial_names(void **state)
{
	enum kasp_serial s = KASP_SERIAL_KEEP;

	(void)state;
	assert_string_equal(kasp_serial_name(KASP_SERIAL_UNIXTIME), "unixtime");
	assert_string_equal(kasp_serial_name(KASP_SERIAL_COUNTER), "counter");
	assert_string_equal(kasp_serial_name(KASP_SERIAL_DATECOUNTER), "datecounter");
	assert_string_equal(kasp_serial_name(KASP_SERIAL_KEEP), "keep");
	assert_null(kasp_serial_name((enum kasp_serial)0));
	assert_int_equal(kasp_serial_from_name("datecounter", &s), 0);
	assert_int_equal(s, KASP_SERIAL_DATECOUNTER);
	assert_int_equal(kasp_serial_from_name("Counter", &s), E_NOTFOUND);
	assert_int_equal(s, KASP_SERIAL_DATECOUNTER);
	assert_int_equal(kasp_serial_from_name(NULL, &s), E_INVAL);
}

/* The policy of the `policy export` example in ksmutil-cli.md 6.3. */
static const char gold_default[] = "<?xml version=\"1.0\"?>\n"
				   "<KASP>\n"
				   "    <Policy name=\"default\">\n"
				   "        <Description>default fast test policy</Description>\n"
				   "        <Signatures>\n"
				   "            <Resign>PT180S</Resign>\n"
				   "            <Refresh>PT900S</Refresh>\n"
				   "            <Validity>\n"
				   "                <Default>PT3600S</Default>\n"
				   "                <Denial>PT3600S</Denial>\n"
				   "            </Validity>\n"
				   "            <Jitter>PT60S</Jitter>\n"
				   "            <InceptionOffset>PT60S</InceptionOffset>\n"
				   "        </Signatures>\n"
				   "        <Denial>\n"
				   "            <NSEC3>\n"
				   "                <OptOut/>\n"
				   "                <Resalt>PT864000S</Resalt>\n"
				   "                <Hash>\n"
				   "                    <Algorithm>1</Algorithm>\n"
				   "                    <Iterations>5</Iterations>\n"
				   "                    <Salt length=\"8\"/>\n"
				   "                </Hash>\n"
				   "            </NSEC3>\n"
				   "        </Denial>\n"
				   "        <Keys>\n"
				   "            <TTL>PT600S</TTL>\n"
				   "            <RetireSafety>PT600S</RetireSafety>\n"
				   "            <PublishSafety>PT600S</PublishSafety>\n"
				   "            <ShareKeys/>\n"
				   "            <Purge>PT86400S</Purge>\n"
				   "            <KSK>\n"
				   "                <Algorithm length=\"2048\">7</Algorithm>\n"
				   "                <Lifetime>PT345600S</Lifetime>\n"
				   "                <Repository>SoftHSM</Repository>\n"
				   "                <Standby>0</Standby>\n"
				   "            </KSK>\n"
				   "            <ZSK>\n"
				   "                <Algorithm length=\"1024\">7</Algorithm>\n"
				   "                <Lifetime>PT86400S</Lifetime>\n"
				   "                <Repository>SoftHSM</Repository>\n"
				   "                <Standby>0</Standby>\n"
				   "            </ZSK>\n"
				   "        </Keys>\n"
				   "        <Zone>\n"
				   "            <PropagationDelay>PT1800S</PropagationDelay>\n"
				   "            <SOA>\n"
				   "                <TTL>PT600S</TTL>\n"
				   "                <Minimum>PT300S</Minimum>\n"
				   "                <Serial>unixtime</Serial>\n"
				   "            </SOA>\n"
				   "        </Zone>\n"
				   "        <Parent>\n"
				   "            <PropagationDelay>PT1200S</PropagationDelay>\n"
				   "            <DS>\n"
				   "                <TTL>PT600S</TTL>\n"
				   "            </DS>\n"
				   "            <SOA>\n"
				   "                <TTL>PT18000S</TTL>\n"
				   "                <Minimum>PT7200S</Minimum>\n"
				   "            </SOA>\n"
				   "        </Parent>\n"
				   "    </Policy>\n"
				   "</KASP>\n";

static void
fill_default(struct kasp_policy *p, char *name, char *description)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->description = description;
	p->resign = 180;
	p->refresh = 900;
	p->valdefault = 3600;
	p->valdenial = 3600;
	p->jitter = 60;
	p->inception_offset = 60;
	p->nsec3 = 1;
	p->optout = 1;
	p->resalt = 864000;
	p->hash_algorithm = 1;
	p->iterations = 5;
	p->salt_length = 8;
	p->key_ttl = 600;
	p->retire_safety = 600;
	p->publish_safety = 600;
	p->share_keys = 1;
	p->purge = 86400;
	p->ksk.algorithm = 7;
	p->ksk.bits = 2048;
	p->ksk.lifetime = 345600;
	p->ksk.repository = "SoftHSM";
	p->zsk.algorithm = 7;
	p->zsk.bits = 1024;
	p->zsk.lifetime = 86400;
	p->zsk.repository = "SoftHSM";
	/* not written for a ZSK */
	p->zsk.rfc5011 = 1;
	p->zone_propdelay = 1800;
	p->zone_soa_ttl = 600;
	p->zone_soa_min = 300;
	p->serial = KASP_SERIAL_UNIXTIME;
	p->parent_propdelay = 1200;
	p->parent_ds_ttl = 600;
	p->parent_soa_ttl = 18000;
	p->parent_soa_min = 7200;
}

static void
test_format_gold(void **state)
{
	struct kasp_policy p;
	const struct kasp_policy *list[1] = { &p };
	char *out = NULL;
	size_t len = 0;

	(void)state;
	fill_default(&p, "default", "default fast test policy");
	assert_int_equal(kasp_format(list, 1, &out, &len), 0);
	assert_string_equal(out, gold_default);
	assert_int_equal(len, strlen(gold_default));
	free(out);

	/* nothing to export */
	assert_int_equal(kasp_format(NULL, 0, &out, &len), 0);
	assert_string_equal(out, "<?xml version=\"1.0\"?>\n<KASP/>\n");
	assert_int_equal(len, strlen(out));
	free(out);

	/* an unknown serial mode cannot be written */
	p.serial = (enum kasp_serial)9;
	out = NULL;
	assert_int_equal(kasp_format(list, 1, &out, &len), E_INVAL);
	assert_null(out);
}

/* full.xml exported: compared with the stored gold file. */
static void
test_format_full(void **state)
{
	struct kasp *k = load_ok(data("full.xml"));
	const struct kasp_policy *list[1] = { &k->policies[0] };
	char *out = NULL, *gold = NULL;
	size_t len = 0, gold_len = 0;

	(void)state;
	assert_int_equal(kasp_format(list, 1, &out, &len), 0);
	assert_int_equal(file_read_all(data("export-full.gold"), 0, &gold, &gold_len), 0);
	assert_string_equal(out, gold);
	assert_int_equal(len, gold_len);
	/* escaped by libxml2 */
	assert_non_null(strstr(out, "<Policy name=\"full &amp; &lt;more&gt;\">"));
	free(gold);
	free(out);
	kasp_free(k);
}

static void
assert_key_equal(const struct kasp_keydef *a, const struct kasp_keydef *b)
{
	assert_int_equal(a->algorithm, b->algorithm);
	assert_int_equal(a->bits, b->bits);
	assert_int_equal(a->lifetime, b->lifetime);
	assert_string_equal(a->repository, b->repository);
	assert_int_equal(a->standby, b->standby);
	assert_int_equal(a->manual_rollover, b->manual_rollover);
	assert_int_equal(a->rfc5011, b->rfc5011);
}

static void
assert_policy_equal(const struct kasp_policy *a, const struct kasp_policy *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->description, b->description);
	assert_int_equal(a->resign, b->resign);
	assert_int_equal(a->refresh, b->refresh);
	assert_int_equal(a->valdefault, b->valdefault);
	assert_int_equal(a->valdenial, b->valdenial);
	assert_int_equal(a->jitter, b->jitter);
	assert_int_equal(a->inception_offset, b->inception_offset);
	assert_int_equal(a->nsec3, b->nsec3);
	assert_int_equal(a->nsec3_ttl, b->nsec3_ttl);
	assert_int_equal(a->optout, b->optout);
	assert_int_equal(a->resalt, b->resalt);
	assert_int_equal(a->hash_algorithm, b->hash_algorithm);
	assert_int_equal(a->iterations, b->iterations);
	assert_int_equal(a->salt_length, b->salt_length);
	assert_int_equal(a->key_ttl, b->key_ttl);
	assert_int_equal(a->retire_safety, b->retire_safety);
	assert_int_equal(a->publish_safety, b->publish_safety);
	assert_int_equal(a->share_keys, b->share_keys);
	assert_int_equal(a->purge, b->purge);
	assert_key_equal(&a->ksk, &b->ksk);
	assert_key_equal(&a->zsk, &b->zsk);
	assert_int_equal(a->zone_propdelay, b->zone_propdelay);
	assert_int_equal(a->zone_soa_ttl, b->zone_soa_ttl);
	assert_int_equal(a->zone_soa_min, b->zone_soa_min);
	assert_int_equal(a->serial, b->serial);
	assert_int_equal(a->parent_propdelay, b->parent_propdelay);
	assert_int_equal(a->parent_ds_ttl, b->parent_ds_ttl);
	assert_int_equal(a->parent_soa_ttl, b->parent_soa_ttl);
	assert_int_equal(a->parent_soa_min, b->parent_soa_min);
}

/* load -> format -> load gives the same policies, and formatting again
 * gives the same text. */
static void
round_trip(const char *path)
{
	struct kasp *a = load_ok(path), *b;
	const struct kasp_policy **list;
	char *text = NULL, *again = NULL;
	size_t len, len2, i;

	list = calloc(a->npolicies + 1, sizeof(*list));
	assert_non_null(list);
	for (i = 0; i < a->npolicies; i++)
		list[i] = &a->policies[i];
	assert_int_equal(kasp_format(list, a->npolicies, &text, &len), 0);
	b = load_ok(write_tmp("roundtrip.xml", text));
	assert_int_equal(b->npolicies, a->npolicies);
	for (i = 0; i < a->npolicies; i++)
		assert_policy_equal(&a->policies[i], &b->policies[i]);
	/* every duration is written in seconds: nothing approximate is left */
	assert_int_equal(b->napprox, 0);
	for (i = 0; i < b->npolicies; i++)
		list[i] = &b->policies[i];
	assert_int_equal(kasp_format(list, b->npolicies, &again, &len2), 0);
	assert_string_equal(again, text);
	free(again);
	free(text);
	free(list);
	kasp_free(b);
	kasp_free(a);
}

static void
test_round_trip(void **state)
{
	struct kasp_policy p;
	const struct kasp_policy *list[1] = { &p };
	struct kasp *k;
	char *text = NULL;
	size_t len;

	(void)state;
	round_trip(src("contrib/kasp.xml"));
	round_trip(data("full.xml"));
	round_trip(data("minimal.xml"));

	/* hand-made: characters that need escaping, a description over lines */
	fill_default(&p, "a<b>&\"c\"", "line one & <two>\n\"three\"");
	p.zsk.rfc5011 = 0;
	p.nsec3_ttl = 5;
	assert_int_equal(kasp_format(list, 1, &text, &len), 0);
	k = load_ok(write_tmp("escape.xml", text));
	assert_int_equal(k->npolicies, 1);
	assert_policy_equal(&k->policies[0], &p);
	kasp_free(k);
	free(text);
}

static void
test_policy_free(void **state)
{
	struct kasp_policy *p = calloc(1, sizeof(*p));

	(void)state;
	assert_non_null(p);
	p->name = str_dup("x");
	p->description = str_dup("y");
	p->ksk.repository = str_dup("r");
	kasp_policy_free(p);
	kasp_policy_free(NULL);
	kasp_free(NULL);
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_kasp.XXXXXX",
		base != NULL && base[0] != '\0' ? base : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	static const char *const names[] = { "variant.xml", "roundtrip.xml", "escape.xml" };
	char path[4200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_contrib),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_serial_names),
		cmocka_unit_test(test_format_gold),
		cmocka_unit_test(test_format_full),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_policy_free),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
