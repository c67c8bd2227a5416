/*
 * test_pgsql_params.c - the PostgreSQL driver's placeholder rewriter
 * (db/pgsql_params.h): '?' numbered $1, $2, ... outside quotes and
 * comments, never fused with a neighbouring token, counted as
 * db_count_params() counts them. Needs no server.
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

#include "db/pgsql_params.h"

/* The rewrite of sql must be want, with count placeholders and empty as given. */
static void
check(const char *sql, const char *want, int count, int empty)
{
	int n = -1, e = -1;
	char *out = pgsql_rewrite_params(sql, &n, &e);

	assert_non_null(out);
	assert_string_equal(out, want);
	assert_int_equal(n, count);
	assert_int_equal(e, empty);
	free(out);
}

static void
test_numbering(void **state)
{
	(void)state;
	check("SELECT 1", "SELECT 1", 0, 0);
	check("SELECT id FROM zones WHERE name = ?", "SELECT id FROM zones WHERE name = $1", 1, 0);
	check("INSERT INTO t (a, b, c) VALUES (?, ?, ?)",
		"INSERT INTO t (a, b, c) VALUES ($1, $2, $3)", 3, 0);
	/* beyond nine: the numbers grow, the text around them does not move */
	check("VALUES (?,?,?,?,?,?,?,?,?,?,?)", "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)", 11,
		0);
}

static void
test_no_fusing(void **state)
{
	(void)state;
	/* an identifier character on either side is kept apart by a blank */
	check("SELECT ?1", "SELECT $1 1", 1, 0);
	check("SELECT ??", "SELECT $1 $2", 2, 0);
	check("SELECT a?", "SELECT a $1", 1, 0);
	check("SELECT ?+?", "SELECT $1+$2", 2, 0);
}

static void
test_quotes_and_comments(void **state)
{
	(void)state;
	check("SELECT '?', ?", "SELECT '?', $1", 1, 0);
	check("SELECT 'it''s ?' || ?", "SELECT 'it''s ?' || $1", 1, 0);
	check("SELECT \"odd?name\" FROM t WHERE x = ?", "SELECT \"odd?name\" FROM t WHERE x = $1",
		1, 0);
	check("SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2", 2, 0);
	check("SELECT /* ? */ ?", "SELECT /* ? */ $1", 1, 0);
	/* unterminated: to the end of the text, as db_count_params() reads it */
	check("SELECT 'open ?", "SELECT 'open ?", 0, 0);
	check("SELECT ? /* open ?", "SELECT $1 /* open ?", 1, 0);
}

static void
test_empty(void **state)
{
	(void)state;
	check("", "", 0, 1);
	check("  ;\n\t", "  ;\n\t", 0, 1);
	check("-- nothing\n/* at all */ ;", "-- nothing\n/* at all */ ;", 0, 1);
	check("'' ;", "'' ;", 0, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbering),
		cmocka_unit_test(test_no_fusing),
		cmocka_unit_test(test_quotes_and_comments),
		cmocka_unit_test(test_empty),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
