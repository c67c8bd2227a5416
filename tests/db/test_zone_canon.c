/*
 * test_zone_canon.c - the database itself refuses the second spelling of a
 * zone name (zones.canon and its unique index, migration 0005), not only
 * the store's look before it inserts. On every backend: "x." after "x", "x"
 * after "x." and the root. On PostgreSQL also the interleaving that the
 * look cannot catch: the second writer's snapshot predates the first
 * writer's commit, so its look finds nothing and only the index stops it.
 * (Write transactions are SERIALIZABLE and would stop it too; the
 * interleaving runs in a REPEATABLE READ transaction to show the index
 * holds on its own.) Runs on the backend of ODS_TEST_BACKEND.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "db/db.h"
#include "db/migrate.h"
#include "store/store.h"
#include "tests/db/dbtest.h"

/* A migrated database with one policy "p"; *out is the open handle. */
static void
open_migrated(struct dbtest *t, db_t **out)
{
	int applied = 0;

	assert_int_equal(dbtest_open(t, out), 0);
	assert_int_equal(migrate_up(*out, &applied), 0);
	assert_int_equal(db_exec(*out, "INSERT INTO policies (name) VALUES ('p')"), 0);
}

static int
add(db_t *db, const char *name, int *dot_clash)
{
	struct store_zone z;

	memset(&z, 0, sizeof(z));
	z.name = (char *)name;
	z.policy = (char *)"p";
	*dot_clash = -1;
	return store_zone_add(db, &z, NULL, dot_clash);
}

static void
test_sequential(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *db = NULL;
	int clash;

	open_migrated(t, &db);
	assert_int_equal(add(db, "x.example", &clash), 0);
	assert_int_equal(add(db, "x.example.", &clash), E_EXISTS);
	assert_int_equal(clash, 1);
	assert_int_equal(add(db, "y.example.", &clash), 0);
	assert_int_equal(add(db, "y.example", &clash), E_EXISTS);
	assert_int_equal(clash, 1);
	assert_int_equal(add(db, "y.example.", &clash), E_EXISTS);
	assert_int_equal(clash, 0);
	assert_int_equal(add(db, ".", &clash), 0);
	assert_int_equal(
		dbtest_query_int(db,
			"SELECT count(*) FROM zones WHERE canon IN ('x.example', 'y.example', '.')"),
		3);
	/* the index without the store: a row whose canon is taken is refused */
	assert_int_equal(db_exec(db, "INSERT INTO zones (name, policy_id, canon)"
				     " SELECT 'x.example.', id, 'x.example' FROM policies"),
		DB_E_CONSTRAINT);
	db_close(db);
}

static void
test_interleaved(void **state)
{
	struct dbtest *t = dbtest_get(state);
	db_t *a = NULL, *b = NULL;
	int clash;

	if (strcmp(dbtest_backend(), "pgsql") != 0) {
		/*
		 * SQLite has one writer at a time; MySQL's read transactions are
		 * READ ONLY and its SERIALIZABLE reads lock: there the look and
		 * the insert cannot be split by another writer's commit.
		 */
		print_message("interleaving: PostgreSQL only\n");
		return;
	}
	open_migrated(t, &a);
	assert_int_equal(dbtest_open(t, &b), 0);

	/* b's snapshot: no zone yet */
	assert_int_equal(db_begin(b, DB_TXN_READ), 0);
	assert_int_equal(dbtest_query_int(b, "SELECT count(*) FROM zones"), 0);

	/* a adds "x.example" and commits */
	assert_int_equal(db_begin(a, DB_TXN_WRITE), 0);
	assert_int_equal(add(a, "x.example", &clash), 0);
	assert_int_equal(db_commit(a), 0);

	/* b's look sees no zone, its insert of "x.example." meets the index */
	assert_int_equal(add(b, "x.example.", &clash), E_EXISTS);
	assert_int_equal(clash, 1);
	assert_int_equal(db_rollback(b), 0);
	assert_int_equal(dbtest_query_int(a, "SELECT count(*) FROM zones"), 1);
	db_close(b);
	db_close(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sequential, dbtest_setup, dbtest_teardown),
		cmocka_unit_test_setup_teardown(test_interleaved, dbtest_setup, dbtest_teardown),
	};
	int rc = dbtest_start(NULL);

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
