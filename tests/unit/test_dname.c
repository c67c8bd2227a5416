/*
 * test_dname.c - zone name checks and normal form (src/common/dname.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/dname.h"
#include "common/err.h"

/* Normalise text; expect success with want as the result. */
static void
ok_name(const char *text, int keep_dot, const char *want)
{
	char err[256] = "untouched", *out = NULL;
	int rc;

	rc = dname_normalise(text, keep_dot, &out, err, sizeof(err));
	if (rc != 0)
		fail_msg("\"%s\" (keep_dot %d): rc %d: %s", text, keep_dot, rc, err);
	assert_non_null(out);
	assert_string_equal(out, want);
	assert_string_equal(err, "untouched");
	free(out);
}

/* Expect E_INVAL, *out untouched and exactly the message want. */
static void
bad_name(const char *text, const char *want)
{
	char err[256] = "", *out = (char *)"sentinel";

	assert_int_equal(dname_normalise(text, 1, &out, err, sizeof(err)), E_INVAL);
	assert_string_equal(out, "sentinel");
	assert_string_equal(err, want);
	err[0] = '\0';
	assert_int_equal(dname_normalise(text, 0, &out, err, sizeof(err)), E_INVAL);
	assert_string_equal(out, "sentinel");
	assert_string_equal(err, want);
}

static void
test_good(void **state)
{
	char label63[64], name253[260];

	(void)state;
	ok_name("example.com", 0, "example.com");
	ok_name("example.com", 1, "example.com");
	ok_name("Example.COM.", 1, "example.com.");
	ok_name("Example.COM.", 0, "example.com");
	ok_name(".", 0, ".");
	ok_name(".", 1, ".");
	ok_name("com", 1, "com");
	ok_name("_dmarc.Example-1.org", 1, "_dmarc.example-1.org");
	ok_name("xn--bcher-kva.example", 1, "xn--bcher-kva.example");
	ok_name("a-.b_", 1, "a-.b_");
	ok_name("0.2.192.in-addr.arpa.", 1, "0.2.192.in-addr.arpa.");

	/* 63-octet label; 253 characters in all (plus the dot) */
	memset(label63, 'A', 63);
	label63[63] = '\0';
	ok_name(label63, 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	(void)snprintf(
		name253, sizeof(name253), "%s.%s.%s.%.61s.", label63, label63, label63, label63);
	assert_int_equal(strlen(name253), 254);
	{
		char *out = NULL, err[200];

		assert_int_equal(dname_normalise(name253, 1, &out, err, sizeof(err)), 0);
		assert_int_equal(strlen(out), 254);
		free(out);
		assert_int_equal(dname_normalise(name253, 0, &out, err, sizeof(err)), 0);
		assert_int_equal(strlen(out), 253);
		free(out);
	}
}

static void
test_bad(void **state)
{
	char label64[65], long300[301], name254[260];
	char err[400], *out = (char *)"sentinel";

	(void)state;
	bad_name("", "zone name \"\" is empty");
	bad_name("a b.example",
		"zone name \"a b.example\" has a character that is not allowed (' ')");
	bad_name(" example.com", "zone name \" example.com\" has a character that is not allowed"
				 " (' ')");
	bad_name("o'neil.example",
		"zone name \"o'neil.example\" has a character that is not allowed ('\\'')");
	bad_name("x;rm -rf.example",
		"zone name \"x;rm -rf.example\" has a character that is not allowed (';')");
	bad_name("back\\slash", "zone name \"back\\\\slash\" has a character that is not allowed"
				" ('\\\\')");
	bad_name("quo\"te", "zone name \"quo\\\"te\" has a character that is not allowed ('\"')");
	bad_name("tab\there", "zone name \"tab\\x09here\" has a character that is not allowed"
			      " ('\\x09')");
	bad_name("new\nline", "zone name \"new\\x0aline\" has a character that is not allowed"
			      " ('\\x0a')");
	bad_name("b\xc3\xbc"
		 "cher.example",
		"zone name \"b\\xc3\\xbccher.example\" has a"
		" character that is not allowed ('\\xc3')");
	bad_name("a/b", "zone name \"a/b\" has a character that is not allowed ('/')");
	bad_name("..", "zone name \"..\" has an empty label");
	bad_name("a..b", "zone name \"a..b\" has an empty label");
	bad_name(".example", "zone name \".example\" has an empty label");
	bad_name("example..", "zone name \"example..\" has an empty label");
	bad_name("-", "zone name \"-\" starts with '-'");
	bad_name("-v.example", "zone name \"-v.example\" starts with '-'");
	bad_name("*", "zone name \"*\" is a wildcard, which cannot be a zone");
	bad_name("*.example.", "zone name \"*.example.\" is a wildcard, which cannot be a zone");
	bad_name("a*.example", "zone name \"a*.example\" has a character that is not allowed"
			       " ('*')");

	memset(label64, 'x', 64);
	label64[64] = '\0';
	bad_name(label64, "zone name \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			  "xxxxx\" has a label longer than 63 characters");

	/* 300 characters: the message quotes the first 80 and says it was cut */
	for (int i = 0; i < 300; i++)
		long300[i] = (i % 10 == 9) ? '.' : 'a';
	long300[300] = '\0';
	assert_int_equal(dname_normalise(long300, 1, &out, err, sizeof(err)), E_INVAL);
	assert_string_equal(out, "sentinel");
	assert_true(strncmp(err, "zone name \"aaaaaaaaa.aaaaaaaaa.", 31) == 0);
	assert_non_null(strstr(err, "...\" is longer than 253 characters"));
	assert_true(strlen(err) < 140);

	/* 254 characters without the final dot */
	memset(name254, 'a', 254);
	for (int i = 50; i < 254; i += 50)
		name254[i] = '.';
	name254[254] = '\0';
	assert_int_equal(dname_normalise(name254, 0, &out, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "is longer than 253 characters"));

	/* a short buffer is cut, not overrun; a NULL buffer is fine */
	assert_int_equal(dname_normalise("a b", 1, &out, err, 10), E_INVAL);
	assert_string_equal(err, "zone name");
	assert_int_equal(dname_normalise("a b", 1, &out, NULL, 0), E_INVAL);
	assert_int_equal(dname_normalise(NULL, 1, &out, err, sizeof(err)), E_INVAL);
	assert_string_equal(out, "sentinel");
}

static void
test_other_spelling(void **state)
{
	char *out = (char *)"sentinel";

	(void)state;
	assert_int_equal(dname_other_spelling("foo", &out), 0);
	assert_string_equal(out, "foo.");
	free(out);
	assert_int_equal(dname_other_spelling("foo.example.", &out), 0);
	assert_string_equal(out, "foo.example");
	free(out);
	out = (char *)"sentinel";
	assert_int_equal(dname_other_spelling(".", &out), E_NOTFOUND);
	assert_int_equal(dname_other_spelling("", &out), E_INVAL);
	assert_int_equal(dname_other_spelling(NULL, &out), E_INVAL);
	assert_string_equal(out, "sentinel");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_other_spelling),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
