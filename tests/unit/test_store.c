/*
 * test_store.c - the store layer (src/store) on SQLite databases built by
 * the migrations: repositories, policies (kasp.xml <-> parameter rows),
 * zones and the zonelist batch import.
 *
 * Rows the store has no function for yet (key pairs, key allocations, a
 * salt) are written with plain SQL here. STORE_BULK_ZONES (default 20000)
 * sets the size of the bulk import test; its time is printed as a comment.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "config/conf.h"
#include "config/kasp.h"
#include "config/zonelist.h"
#include "db/db.h"
#include "db/migrate.h"
#include "store/store.h"

/* 2023-11-14 22:13:20 UTC */
#define NOW ((time_t)1700000000)
#define NOW_TEXT "2023-11-14 22:13:20"

/* -------------------------------------------------------------- fixtures */

static char tmpdir[512];
static int file_seq;

static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/test_store.XXXXXX", base);
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	(void)state;
	d = opendir(tmpdir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			(void)snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
			(void)unlink(path);
		}
		(void)closedir(d);
	}
	(void)rmdir(tmpdir);
	return 0;
}

/* A new database with the current schema (the file is left for teardown). */
static db_t *
fresh_db(void)
{
	struct db_config cfg;
	char path[PATH_MAX], err[512];
	db_t *db = NULL;
	int rc;

	(void)snprintf(path, sizeof(path), "%s/db%d.sqlite", tmpdir, ++file_seq);
	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = DB_BACKEND_SQLITE;
	cfg.path = path;
	cfg.create = 1;
	rc = db_open(&cfg, &db, err, sizeof(err));
	if (rc != 0)
		print_error("db_open %s: %s\n", path, err);
	assert_int_equal(rc, 0);
	rc = migrate_up(db, NULL);
	if (rc != 0)
		print_error("migrate_up: %s\n", db_errmsg(db));
	assert_int_equal(rc, 0);
	return db;
}

static void
exec_ok(db_t *db, const char *sql)
{
	int rc = db_exec(db, sql);

	if (rc != 0)
		print_error("db_exec: %s: %s\n", sql, db_errmsg(db));
	assert_int_equal(rc, 0);
}

/* The first column of the first row as an integer; -999 when there is no row, -998 NULL. */
static int64_t
query_int(db_t *db, const char *sql)
{
	db_stmt_t *st = NULL;
	int64_t v = -999;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc != 0)
		print_error("db_prepare: %s: %s\n", sql, db_errmsg(db));
	assert_int_equal(rc, 0);
	rc = db_step(st);
	assert_true(rc == DB_ROW || rc == DB_DONE);
	if (rc == DB_ROW)
		v = db_column_is_null(st, 0) ? -998 : db_column_int(st, 0);
	db_finalize(st);
	return v;
}

/* The first column of the first row as text, or "(null)" / "(none)". */
static void
assert_query_text(db_t *db, const char *sql, const char *want)
{
	db_stmt_t *st = NULL;
	const char *v = "(none)";
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc != 0)
		print_error("db_prepare: %s: %s\n", sql, db_errmsg(db));
	assert_int_equal(rc, 0);
	rc = db_step(st);
	assert_true(rc == DB_ROW || rc == DB_DONE);
	if (rc == DB_ROW)
		v = db_column_text(st, 0) != NULL ? db_column_text(st, 0) : "(null)";
	if (strcmp(v, want) != 0)
		print_error("%s: got '%s', want '%s'\n", sql, v, want);
	assert_string_equal(v, want);
	db_finalize(st);
}

/* The value of parameter name/category of policy pol; -999 when there is no row. */
static int64_t
param_value(db_t *db, const char *pol, const char *name, const char *category)
{
	char sql[512];

	(void)snprintf(sql, sizeof(sql),
		"SELECT value FROM PARAMETER_VIEW v JOIN policies p"
		" ON p.id = v.policy_id WHERE p.name = '%s' AND v.name = '%s'"
		" AND v.category = '%s'",
		pol, name, category);
	return query_int(db, sql);
}

static int64_t
count_rows(db_t *db, const char *table)
{
	char sql[128];

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return query_int(db, sql);
}

/* ------------------------------------------------------------ test data */

static const struct conf_repository repos[] = {
	{ .name = (char *)"SoftHSM", .capacity = 1000, .require_backup = 1 },
	{ .name = (char *)"Another", .capacity = 0, .require_backup = 0 },
};

static void
seed_repos(db_t *db)
{
	assert_int_equal(store_repositories_import(db, repos, 2), 0);
}

/* Every option set, NSEC3, values distinct from each other and from the defaults. */
static void
policy_full(struct kasp_policy *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = (char *)name;
	p->description = (char *)"everything set";
	p->resign = 7201;
	p->refresh = 259202;
	p->valdefault = 1209603;
	p->valdenial = 1209604;
	p->jitter = 43205;
	p->inception_offset = 3606;
	p->nsec3 = 1;
	p->nsec3_ttl = 3607;
	p->optout = 1;
	p->resalt = 8640008;
	p->hash_algorithm = 1;
	p->iterations = 9;
	p->salt_length = 8;
	p->key_ttl = 3610;
	p->retire_safety = 3611;
	p->publish_safety = 3612;
	p->share_keys = 1;
	p->purge = 1209613;
	p->ksk.algorithm = 13;
	p->ksk.bits = 256;
	p->ksk.lifetime = 31536014;
	p->ksk.repository = (char *)"Another";
	p->ksk.standby = 2;
	p->ksk.manual_rollover = 1;
	p->ksk.rfc5011 = 1;
	p->zsk.algorithm = 8;
	p->zsk.bits = 2048;
	p->zsk.lifetime = 7776015;
	p->zsk.repository = (char *)"SoftHSM";
	p->zsk.standby = 3;
	p->zsk.manual_rollover = 1;
	p->zone_propdelay = 9016;
	p->zone_soa_ttl = 3617;
	p->zone_soa_min = 3618;
	p->serial = KASP_SERIAL_DATECOUNTER;
	p->parent_propdelay = 9019;
	p->parent_ds_ttl = 3620;
	p->parent_soa_ttl = 172821;
	p->parent_soa_min = 10822;
}

/* Every option unset (as the kasp.xml reader leaves them), NSEC. */
static void
policy_bare(struct kasp_policy *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = (char *)name;
	p->description = (char *)"";
	p->resign = 7200;
	p->refresh = 259200;
	p->valdefault = 1209600;
	p->valdenial = 1209600;
	p->jitter = 43200;
	p->inception_offset = 3600;
	p->nsec3 = 0;
	p->key_ttl = 3600;
	p->retire_safety = 3600;
	p->publish_safety = 3600;
	p->purge = -1;
	p->ksk.algorithm = 8;
	p->ksk.bits = 2048;
	p->ksk.lifetime = 31536000;
	p->ksk.repository = (char *)"SoftHSM";
	p->zsk.algorithm = 8;
	p->zsk.bits = 1024;
	p->zsk.lifetime = 7776000;
	p->zsk.repository = (char *)"SoftHSM";
	p->zone_propdelay = 9000;
	p->zone_soa_ttl = 3600;
	p->zone_soa_min = 3600;
	p->serial = KASP_SERIAL_UNIXTIME;
	p->parent_propdelay = 9000;
	p->parent_ds_ttl = 3600;
	p->parent_soa_ttl = 172800;
	p->parent_soa_min = 10800;
}

/* What store_policy_get() returns is freed like kasp_policy_free() would. */
static void
policy_free(struct kasp_policy *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->description);
	free(p->ksk.repository);
	free(p->zsk.repository);
	free(p);
}

static void
str_equal(const char *what, const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		if (a != b)
			fail_msg("%s: '%s' vs '%s'", what, a ? a : "(null)", b ? b : "(null)");
		return;
	}
	if (strcmp(a, b) != 0)
		fail_msg("%s: '%s' vs '%s'", what, a, b);
}

#define FIELD(f)                                                                                   \
	do {                                                                                       \
		if ((int64_t)(a->f) != (int64_t)(b->f))                                            \
			fail_msg("field " #f ": %lld vs %lld", (long long)(a->f),                  \
				(long long)(b->f));                                                \
	} while (0)

/* Every field of two policies, one by one, so a failure names the field. */
static void
policy_equal(const struct kasp_policy *a, const struct kasp_policy *b)
{
	str_equal("name", a->name, b->name);
	str_equal("description", a->description, b->description);
	FIELD(resign);
	FIELD(refresh);
	FIELD(valdefault);
	FIELD(valdenial);
	FIELD(jitter);
	FIELD(inception_offset);
	FIELD(nsec3);
	FIELD(nsec3_ttl);
	FIELD(optout);
	FIELD(resalt);
	FIELD(hash_algorithm);
	FIELD(iterations);
	FIELD(salt_length);
	FIELD(key_ttl);
	FIELD(retire_safety);
	FIELD(publish_safety);
	FIELD(share_keys);
	FIELD(purge);
	FIELD(ksk.algorithm);
	FIELD(ksk.bits);
	FIELD(ksk.lifetime);
	str_equal("ksk.repository", a->ksk.repository, b->ksk.repository);
	FIELD(ksk.standby);
	FIELD(ksk.manual_rollover);
	FIELD(ksk.rfc5011);
	FIELD(zsk.algorithm);
	FIELD(zsk.bits);
	FIELD(zsk.lifetime);
	str_equal("zsk.repository", a->zsk.repository, b->zsk.repository);
	FIELD(zsk.standby);
	FIELD(zsk.manual_rollover);
	FIELD(zsk.rfc5011);
	FIELD(zone_propdelay);
	FIELD(zone_soa_ttl);
	FIELD(zone_soa_min);
	FIELD(serial);
	FIELD(parent_propdelay);
	FIELD(parent_ds_ttl);
	FIELD(parent_soa_ttl);
	FIELD(parent_soa_min);
}

static void
import_ok(db_t *db, const struct kasp_policy *p, int want_created)
{
	int created = -1, rc;

	rc = store_policy_import(db, p, &created);
	if (rc != 0)
		print_error("store_policy_import %s: %d %s\n", p->name, rc, db_errmsg(db));
	assert_int_equal(rc, 0);
	assert_int_equal(created, want_created);
}

/* Import p, read it back and compare with want (p itself when NULL). */
static void
round_trip(db_t *db, const struct kasp_policy *p, const struct kasp_policy *want)
{
	struct kasp_policy *got = NULL;

	assert_int_equal(store_policy_get(db, p->name, &got), 0);
	assert_non_null(got);
	policy_equal(got, want != NULL ? want : p);
	policy_free(got);
}

/* ------------------------------------------------------------ repositories */

static void
test_repositories(void **state)
{
	struct conf_repository again[3];
	struct store_repository *list = NULL;
	int64_t id = -1, id2 = -1;
	size_t n = 99;
	db_t *db;

	(void)state;
	db = fresh_db();
	assert_int_equal(store_repository_list(db, &list, &n), 0);
	assert_int_equal(n, 0);
	store_repository_free_array(list, n);

	seed_repos(db);
	assert_int_equal(store_repository_list(db, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "Another"); /* by name, not by insertion */
	assert_int_equal(list[0].capacity, 0);
	assert_int_equal(list[0].require_backup, 0);
	assert_string_equal(list[1].name, "SoftHSM");
	assert_int_equal(list[1].capacity, 1000);
	assert_int_equal(list[1].require_backup, 1);
	assert_int_equal(store_repository_id(db, "SoftHSM", &id), 0);
	assert_int_equal(id, list[1].id);
	store_repository_free_array(list, n);
	id2 = 12345;
	assert_int_equal(store_repository_id(db, "softhsm", &id2), E_NOTFOUND);
	assert_int_equal(id2, 12345);

	/* update one, leave one out (it stays), add one, name one twice */
	again[0] = (struct conf_repository){ .name = (char *)"SoftHSM", .capacity = 5 };
	again[1] = (struct conf_repository){
		.name = (char *)"Backup-HSM", .capacity = 7, .require_backup = 1
	};
	again[2] = (struct conf_repository){
		.name = (char *)"Backup-HSM", .capacity = 8, .require_backup = 1
	};
	assert_int_equal(store_repositories_import(db, again, 3), 0);
	assert_int_equal(count_rows(db, "securitymodules"), 3);
	assert_int_equal(store_repository_list(db, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "Another");
	assert_string_equal(list[1].name, "Backup-HSM");
	assert_int_equal(list[1].capacity, 8);
	assert_int_equal(list[1].require_backup, 1);
	assert_string_equal(list[2].name, "SoftHSM");
	assert_int_equal(list[2].capacity, 5);
	assert_int_equal(list[2].require_backup, 0);
	assert_int_equal(list[2].id, id); /* updated in place */
	store_repository_free_array(list, n);
	assert_query_text(
		db, "SELECT requirebackup FROM securitymodules WHERE name = 'SoftHSM'", "0");

	/* nothing to import, and nothing changes */
	assert_int_equal(store_repositories_import(db, NULL, 0), 0);
	assert_int_equal(count_rows(db, "securitymodules"), 3);
	store_repository_free_array(NULL, 0);
	db_close(db);
}

/* ---------------------------------------------------------------- policies */

static void
test_policy_round_trip(void **state)
{
	struct kasp_policy full, bare;
	db_t *db;

	(void)state;
	db = fresh_db();
	seed_repos(db);
	policy_full(&full, "full");
	policy_bare(&bare, "bare");
	import_ok(db, &full, 1);
	import_ok(db, &bare, 1);
	round_trip(db, &full, NULL);
	round_trip(db, &bare, NULL);

	/* the 1.4 rows, by (name, category) */
	assert_int_equal(param_value(db, "full", "clockskew", "signature"), 3606);
	assert_int_equal(param_value(db, "full", "resign", "signature"), 7201);
	assert_int_equal(param_value(db, "full", "version", "denial"), 3);
	assert_int_equal(param_value(db, "full", "ttl", "denial"), 3607);
	assert_int_equal(param_value(db, "full", "algorithm", "denial"), 1);
	assert_int_equal(param_value(db, "full", "ttl", "keys"), 3610);
	assert_int_equal(param_value(db, "full", "zones_share_keys", "keys"), 1);
	assert_int_equal(param_value(db, "full", "purge", "keys"), 1209613);
	assert_int_equal(param_value(db, "full", "algorithm", "ksk"), 13);
	assert_int_equal(param_value(db, "full", "rfc5011", "ksk"), 1);
	assert_int_equal(param_value(db, "full", "rfc5011", "zsk"), -999);
	assert_int_equal(param_value(db, "full", "ttl", "zone"), 3617);
	assert_int_equal(param_value(db, "full", "ttl", "parent"), 172821);
	assert_int_equal(param_value(db, "full", "ttlds", "parent"), 3620);
	assert_int_equal(param_value(db, "full", "repository", "ksk"),
		query_int(db, "SELECT id FROM securitymodules WHERE name = 'Another'"));
	assert_int_equal(param_value(db, "full", "repository", "zsk"),
		query_int(db, "SELECT id FROM securitymodules WHERE name = 'SoftHSM'"));
	assert_int_equal(param_value(db, "full", "serial", "zone"),
		query_int(db, "SELECT id FROM serialmodes WHERE name = 'datecounter'"));
	assert_int_equal(param_value(db, "full", "revoked", "ksk"), -999);
	assert_int_equal(param_value(db, "bare", "version", "denial"), 1);
	assert_int_equal(param_value(db, "bare", "optout", "denial"), -999);
	assert_int_equal(param_value(db, "bare", "purge", "keys"), -999);
	assert_int_equal(param_value(db, "bare", "standby", "ksk"), 0);
	assert_int_equal(param_value(db, "bare", "manual_rollover", "zsk"), 0);
	assert_int_equal(param_value(db, "bare", "zones_share_keys", "keys"), 0);
	/* 39 parameters; NSEC writes 6 fewer, and no purge */
	assert_int_equal(
		query_int(db, "SELECT count(*) FROM parameters_policies pp"
			      " JOIN policies p ON p.id = pp.policy_id WHERE p.name = 'full'"),
		39);
	assert_int_equal(
		query_int(db, "SELECT count(*) FROM parameters_policies pp"
			      " JOIN policies p ON p.id = pp.policy_id WHERE p.name = 'bare'"),
		32);
	assert_query_text(
		db, "SELECT description FROM policies WHERE name = 'full'", "everything set");

	/* a description that is absent stays absent */
	bare.name = (char *)"nodesc";
	bare.description = NULL;
	import_ok(db, &bare, 1);
	round_trip(db, &bare, NULL);
	db_close(db);
}

static void
test_policy_missing_rows(void **state)
{
	struct kasp_policy bare, *got = (struct kasp_policy *)0x1;
	db_t *db;

	(void)state;
	db = fresh_db();
	assert_int_equal(store_policy_get(db, "nosuch", &got), E_NOTFOUND);
	assert_ptr_equal(got, (struct kasp_policy *)0x1);

	/* a policy row without parameters reads as the library defaults */
	exec_ok(db, "INSERT INTO policies (name, description) VALUES ('empty', 'x')");
	assert_int_equal(store_policy_get(db, "empty", &got), 0);
	memset(&bare, 0, sizeof(bare));
	bare.name = (char *)"empty";
	bare.description = (char *)"x";
	bare.inception_offset = 3600;
	bare.resign = 7200;
	bare.valdefault = 432000;
	bare.key_ttl = 172800;
	bare.retire_safety = 172800;
	bare.publish_safety = 172800;
	bare.purge = -1;
	bare.ksk.lifetime = 63072000;
	bare.ksk.standby = 1;
	bare.zsk.lifetime = 2592000;
	bare.zsk.standby = 1;
	bare.zone_propdelay = 3600;
	bare.zone_soa_ttl = 172800;
	bare.zone_soa_min = 7200;
	bare.parent_propdelay = 3600;
	policy_equal(got, &bare);
	policy_free(got);
	db_close(db);
}

static void
test_policy_reimport(void **state)
{
	struct kasp_policy p, want;
	int64_t rows;
	db_t *db;

	(void)state;
	db = fresh_db();
	seed_repos(db);
	policy_full(&p, "pol");
	import_ok(db, &p, 1);
	rows = count_rows(db, "parameters_policies");
	import_ok(db, &p, 0);
	assert_int_equal(count_rows(db, "parameters_policies"), rows);
	assert_int_equal(count_rows(db, "policies"), 1);
	round_trip(db, &p, NULL);

	/* changed values are updated in place */
	p.description = (char *)"changed";
	p.resign = 60;
	p.ksk.repository = (char *)"SoftHSM";
	p.serial = KASP_SERIAL_KEEP;
	p.optout = 0;
	p.purge = 86400;
	import_ok(db, &p, 0);
	assert_int_equal(count_rows(db, "parameters_policies"), rows);
	round_trip(db, &p, NULL);

	/* NSEC3 -> NSEC: version 1, the NSEC3 rows stay as they were */
	want = p;
	p.nsec3 = 0;
	p.nsec3_ttl = p.resalt = 0;
	p.hash_algorithm = p.iterations = p.salt_length = 0;
	import_ok(db, &p, 0);
	assert_int_equal(count_rows(db, "parameters_policies"), rows);
	assert_int_equal(param_value(db, "pol", "version", "denial"), 1);
	assert_int_equal(param_value(db, "pol", "iterations", "denial"), 9);
	assert_int_equal(param_value(db, "pol", "resalt", "denial"), 8640008);
	round_trip(db, &p, NULL); /* and read as NSEC: no NSEC3 values */
	/* back to NSEC3: as before */
	import_ok(db, &want, 0);
	round_trip(db, &want, NULL);

	/* Purge removed from kasp.xml: the row stays (1.4) */
	want.purge = -1;
	import_ok(db, &want, 0);
	assert_int_equal(param_value(db, "pol", "purge", "keys"), 86400);
	want.purge = 86400;
	round_trip(db, &want, NULL);
	assert_int_equal(count_rows(db, "parameters_policies"), rows);
	db_close(db);
}

static void
test_salt_stamp(void **state)
{
	struct kasp_policy p;
	db_t *db;

	(void)state;
	db = fresh_db();
	seed_repos(db);
	policy_full(&p, "pol");
	import_ok(db, &p, 1);
	exec_ok(db, "UPDATE policies SET salt = 'abcdef0123456789',"
		    " salt_stamp = '2020-01-01 00:00:00' WHERE name = 'pol'");

	/* same length, other values: the salt stays */
	p.iterations = 5;
	p.resalt = 100;
	import_ok(db, &p, 0);
	assert_query_text(
		db, "SELECT salt_stamp FROM policies WHERE name = 'pol'", "2020-01-01 00:00:00");

	/* another length: a new salt is due */
	p.salt_length = 16;
	import_ok(db, &p, 0);
	assert_query_text(db, "SELECT salt_stamp FROM policies WHERE name = 'pol'", "(null)");
	assert_int_equal(param_value(db, "pol", "saltlength", "denial"), 16);

	/* the other policies keep theirs */
	policy_full(&p, "other");
	import_ok(db, &p, 1);
	exec_ok(db, "UPDATE policies SET salt_stamp = '2021-01-01 00:00:00'");
	p.name = (char *)"pol";
	p.salt_length = 4;
	import_ok(db, &p, 0);
	assert_query_text(
		db, "SELECT salt_stamp FROM policies WHERE name = 'other'", "2021-01-01 00:00:00");
	assert_query_text(db, "SELECT salt_stamp FROM policies WHERE name = 'pol'", "(null)");
	db_close(db);
}

struct two_policies {
	struct kasp_policy good, bad;
	int rc_good;
};

static int
import_two(db_t *db, void *arg)
{
	struct two_policies *t = arg;
	int created;

	t->rc_good = store_policy_import(db, &t->good, &created);
	if (t->rc_good != 0)
		return t->rc_good;
	return store_policy_import(db, &t->bad, &created);
}

static void
test_policy_unknown_repository(void **state)
{
	struct two_policies t;
	int created = 7;
	db_t *db;

	(void)state;
	db = fresh_db();
	seed_repos(db);
	policy_full(&t.good, "good");
	policy_full(&t.bad, "bad");
	t.bad.zsk.repository = (char *)"NoSuchHSM";
	assert_int_equal(db_transact(db, DB_TXN_WRITE, import_two, &t), E_NOTFOUND);
	assert_int_equal(t.rc_good, 0);
	/* the whole unit of work is rolled back, the good policy too */
	assert_int_equal(count_rows(db, "policies"), 0);
	assert_int_equal(count_rows(db, "parameters_policies"), 0);

	/* on its own it writes nothing at all */
	assert_int_equal(store_policy_import(db, &t.bad, &created), E_NOTFOUND);
	assert_int_equal(created, 7);
	assert_int_equal(count_rows(db, "policies"), 0);

	/* a serial mode outside the enum */
	t.good.serial = (enum kasp_serial)9;
	assert_int_equal(store_policy_import(db, &t.good, &created), E_INVAL);
	assert_int_equal(count_rows(db, "policies"), 0);
	db_close(db);
}

static void
test_policy_list_delete(void **state)
{
	struct store_policy *list = NULL;
	struct kasp_policy p;
	struct store_zone z;
	int64_t id_b = 0, id_c = 0;
	size_t n = 0;
	db_t *db;

	(void)state;
	db = fresh_db();
	seed_repos(db);
	policy_bare(&p, "b-policy");
	import_ok(db, &p, 1);
	policy_bare(&p, "a-policy");
	p.description = (char *)"first by name";
	import_ok(db, &p, 1);
	policy_bare(&p, "c-policy");
	import_ok(db, &p, 1);

	memset(&z, 0, sizeof(z));
	z.policy = (char *)"b-policy";
	z.name = (char *)"one.example";
	assert_int_equal(store_zone_add(db, &z, NULL, NULL), 0);
	z.name = (char *)"two.example";
	assert_int_equal(store_zone_add(db, &z, NULL, NULL), 0);
	exec_ok(db, "INSERT INTO keypairs (HSMkey_id, algorithm, size, policy_id)"
		    " SELECT 'abc', 8, 2048, id FROM policies WHERE name = 'c-policy'");

	assert_int_equal(store_policy_list(db, STORE_ORDER_ID, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "b-policy");
	assert_int_equal(list[0].zones, 2);
	assert_int_equal(list[0].keypairs, 0);
	assert_string_equal(list[0].description, "");
	assert_string_equal(list[1].name, "a-policy");
	assert_string_equal(list[1].description, "first by name");
	assert_int_equal(list[1].zones, 0);
	assert_int_equal(list[1].keypairs, 0);
	assert_string_equal(list[2].name, "c-policy");
	assert_int_equal(list[2].zones, 0);
	assert_int_equal(list[2].keypairs, 1);
	id_b = list[0].id;
	id_c = list[2].id;
	assert_true(list[0].id < list[1].id && list[1].id < list[2].id);
	store_policy_free_array(list, n);

	assert_int_equal(store_policy_list(db, STORE_ORDER_NAME, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "a-policy");
	assert_string_equal(list[1].name, "b-policy");
	assert_string_equal(list[2].name, "c-policy");

	/* in use: refused */
	assert_int_equal(store_policy_delete(db, id_b), E_EXISTS);
	assert_int_equal(store_policy_delete(db, id_c), E_EXISTS);
	assert_int_equal(count_rows(db, "policies"), 3);
	/* unused: gone, parameters and all */
	assert_int_equal(store_policy_delete(db, list[0].id), 0);
	assert_int_equal(count_rows(db, "policies"), 2);
	assert_int_equal(count_rows(db, "parameters_policies"), 2 * 32);
	assert_int_equal(store_policy_delete(db, list[0].id), E_NOTFOUND);
	assert_int_equal(store_policy_delete(db, 9999), E_NOTFOUND);
	store_policy_free_array(list, n);
	store_policy_free_array(NULL, 0);
	db_close(db);
}

/* ------------------------------------------------------------------- zones */

static db_t *
db_with_policies(void)
{
	struct kasp_policy p;
	db_t *db = fresh_db();

	seed_repos(db);
	policy_bare(&p, "A");
	import_ok(db, &p, 1);
	policy_full(&p, "B");
	import_ok(db, &p, 1);
	return db;
}

/* store_policy_summary(): the entry store_policy_list() has for one policy, by name. */
static void
test_policy_summary(void **state)
{
	struct store_policy *list = NULL, *sum = NULL;
	struct store_zone z = { .name = (char *)"one.example", .policy = (char *)"B" };
	size_t n = 0, i;
	db_t *db = db_with_policies();

	(void)state;
	assert_int_equal(store_zone_add(db, &z, NULL, NULL), 0);
	assert_int_equal(store_policy_list(db, STORE_ORDER_ID, &list, &n), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_int_equal(store_policy_summary(db, list[i].name, &sum), 0);
		assert_int_equal(sum->id, list[i].id);
		assert_string_equal(sum->name, list[i].name);
		assert_string_equal(sum->description, list[i].description);
		assert_int_equal(sum->zones, list[i].zones);
		assert_int_equal(sum->keypairs, list[i].keypairs);
		store_policy_free_array(sum, 1);
	}
	assert_int_equal(list[1].zones, 1);
	store_policy_free_array(list, n);

	/* not found: E_NOTFOUND with *out untouched; names match exactly, bound not quoted */
	sum = NULL;
	assert_int_equal(store_policy_summary(db, "nosuch", &sum), E_NOTFOUND);
	assert_int_equal(store_policy_summary(db, "b", &sum), E_NOTFOUND);
	assert_int_equal(store_policy_summary(db, "B' OR '1'='1", &sum), E_NOTFOUND);
	assert_null(sum);
	db_close(db);
}

static void
test_zone_add_get(void **state)
{
	struct store_zone z, *got = NULL, *list = NULL;
	int64_t id = -1, id2 = -1;
	int clash = -1;
	size_t n = 0;
	db_t *db;

	(void)state;
	db = db_with_policies();
	memset(&z, 0, sizeof(z));
	z.name = (char *)"example.com";
	z.policy = (char *)"B";
	z.signconf = (char *)"/var/signconf/example.com.xml";
	z.input = (char *)"/var/unsigned/example.com";
	z.output = (char *)"/var/signed/example.com";
	assert_int_equal(store_zone_add(db, &z, &id, &clash), 0);
	assert_int_equal(clash, -1); /* only written on E_EXISTS */
	assert_true(id > 0);

	assert_int_equal(store_zone_get(db, "example.com", &got), 0);
	assert_int_equal(got->id, id);
	assert_string_equal(got->name, "example.com");
	assert_string_equal(got->policy, "B");
	assert_int_equal(got->policy_id, query_int(db, "SELECT id FROM policies WHERE name = 'B'"));
	assert_string_equal(got->signconf, "/var/signconf/example.com.xml");
	assert_string_equal(got->input, "/var/unsigned/example.com");
	assert_string_equal(got->output, "/var/signed/example.com");
	assert_string_equal(got->input_type, "File");
	assert_string_equal(got->output_type, "File");
	store_zone_free(got);
	got = (struct store_zone *)0x1;
	assert_int_equal(store_zone_get(db, "example.com.", &got), E_NOTFOUND);
	assert_int_equal(store_zone_get(db, "EXAMPLE.COM", &got), E_NOTFOUND);
	assert_ptr_equal(got, (struct store_zone *)0x1);

	/* the same name, and the other spelling */
	id2 = 4242;
	assert_int_equal(store_zone_add(db, &z, &id2, &clash), E_EXISTS);
	assert_int_equal(clash, 0);
	assert_int_equal(id2, 4242);
	z.name = (char *)"example.com.";
	assert_int_equal(store_zone_add(db, &z, &id2, &clash), E_EXISTS);
	assert_int_equal(clash, 1);
	assert_int_equal(store_zone_add(db, &z, NULL, NULL), E_EXISTS);
	assert_int_equal(count_rows(db, "zones"), 1);

	/* dotted first, then undotted */
	z.name = (char *)"dotted.example.";
	z.policy = (char *)"A";
	z.input_type = (char *)"DNS";
	z.output_type = (char *)"DNS";
	assert_int_equal(store_zone_add(db, &z, &id2, NULL), 0);
	assert_true(id2 > id);
	z.name = (char *)"dotted.example";
	assert_int_equal(store_zone_add(db, &z, NULL, &clash), E_EXISTS);
	assert_int_equal(clash, 1);
	assert_int_equal(store_zone_get(db, "dotted.example.", &got), 0);
	assert_string_equal(got->input_type, "DNS");
	assert_string_equal(got->output_type, "DNS");
	assert_string_equal(got->policy, "A");
	store_zone_free(got);

	/* the root has one spelling */
	z.name = (char *)".";
	assert_int_equal(store_zone_add(db, &z, NULL, NULL), 0);
	clash = -1;
	assert_int_equal(store_zone_add(db, &z, NULL, &clash), E_EXISTS);
	assert_int_equal(clash, 0);

	/* unknown policy */
	z.name = (char *)"new.example";
	z.policy = (char *)"nosuch";
	assert_int_equal(store_zone_add(db, &z, NULL, NULL), E_NOTFOUND);
	assert_int_equal(count_rows(db, "zones"), 3);

	/* lists */
	assert_int_equal(store_zone_list(db, STORE_ORDER_NAME, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, ".");
	assert_string_equal(list[1].name, "dotted.example.");
	assert_string_equal(list[2].name, "example.com");
	store_zone_free_array(list, n);
	assert_int_equal(store_zone_list(db, STORE_ORDER_ID, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "dotted.example."); /* policy A first */
	assert_string_equal(list[1].name, ".");
	assert_string_equal(list[2].name, "example.com");
	assert_string_equal(list[2].policy, "B");
	store_zone_free_array(list, n);
	store_zone_free_array(NULL, 0);
	store_zone_free(NULL);
	db_close(db);
}

static void
test_zone_unique(void **state)
{
	struct store_zone z;
	db_stmt_t *st = NULL;
	int clash = -1;
	db_t *db;

	(void)state;
	db = db_with_policies();
	memset(&z, 0, sizeof(z));
	z.name = (char *)"race.example";
	z.policy = (char *)"A";
	assert_int_equal(store_zone_add(db, &z, NULL, NULL), 0);

	/* what a second writer gets from the database itself */
	assert_int_equal(
		db_prepare(db, "INSERT INTO zones (name, policy_id) VALUES (?, 1)", &st), 0);
	assert_int_equal(db_bind_text(st, 1, "race.example"), 0);
	assert_int_equal(db_step(st), DB_E_CONSTRAINT);
	assert_string_equal(db_constraint(db), "zones_name");
	db_finalize(st);
	assert_int_equal(count_rows(db, "zones"), 1);

	/*
	 * A writer that slips in between store_zone_add's check and its insert,
	 * played by a trigger: the insert then fails on the unique index, and
	 * that is "already exists" too.
	 */
	exec_ok(db, "CREATE TRIGGER sneak BEFORE INSERT ON zones WHEN NEW.name = 'late.example'"
		    " BEGIN INSERT INTO zones (name, policy_id) VALUES ('late.example', 1); END");
	z.name = (char *)"late.example";
	assert_int_equal(store_zone_add(db, &z, NULL, &clash), E_EXISTS);
	assert_int_equal(clash, 0);

	/* the racer adds the other spelling: the insert fails on zones_canon */
	exec_ok(db, "CREATE TRIGGER sneak2 BEFORE INSERT ON zones WHEN NEW.name = 'late2.example'"
		    " BEGIN INSERT INTO zones (name, policy_id, canon)"
		    " VALUES ('late2.example.', 1, 'late2.example'); END");
	z.name = (char *)"late2.example";
	assert_int_equal(store_zone_add(db, &z, NULL, &clash), E_EXISTS);
	assert_int_equal(clash, 1);
	/* a failed statement undoes its trigger's insert too */
	assert_int_equal(count_rows(db, "zones"), 1);
	db_close(db);
}

/* A key pair of policy A with allocations to zone zid in the given states. */
static void
add_keys(db_t *db, const char *zone, const int *states, size_t n)
{
	char sql[512];
	size_t i;

	exec_ok(db, "INSERT INTO keypairs (HSMkey_id, algorithm, size, policy_id)"
		    " VALUES ('0123abcd', 8, 2048, 1)");
	for (i = 0; i < n; i++) {
		(void)snprintf(sql, sizeof(sql),
			"INSERT INTO dnsseckeys (keypair_id, zone_id,"
			" keytype, state, dead) SELECT (SELECT max(id) FROM keypairs), id, 257,"
			" %d, %s FROM zones WHERE name = '%s'",
			states[i], states[i] == 6 ? "'2020-01-01 00:00:00'" : "NULL", zone);
		exec_ok(db, sql);
	}
}

static void
test_zone_delete(void **state)
{
	static const int states[] = { 1, 4, 7, 6, 2 };
	static const int other[] = { 4 };
	struct store_zone z;
	int64_t zid = 0;
	size_t n = 99;
	db_t *db;

	(void)state;
	db = db_with_policies();
	memset(&z, 0, sizeof(z));
	z.policy = (char *)"A";
	z.name = (char *)"gone.example";
	assert_int_equal(store_zone_add(db, &z, &zid, NULL), 0);
	z.name = (char *)"stays.example";
	assert_int_equal(store_zone_add(db, &z, NULL, NULL), 0);
	exec_ok(db, "INSERT INTO zones (name, policy_id) VALUES ('also.example.', 1)");
	add_keys(db, "gone.example", states, 5);
	add_keys(db, "stays.example", other, 1);

	assert_int_equal(store_zone_delete(db, "gone.example.", NOW), E_NOTFOUND);
	assert_int_equal(store_zone_delete(db, "nosuch", NOW), E_NOTFOUND);
	assert_int_equal(store_zone_delete(db, "gone.example", NOW), 0);
	assert_int_equal(count_rows(db, "zones"), 2);
	assert_int_equal(count_rows(db, "dnsseckeys"), 6); /* rows are kept */
	{
		char sql[256];

		(void)snprintf(sql, sizeof(sql),
			"SELECT count(*) FROM dnsseckeys WHERE zone_id ="
			" %lld AND state = 6",
			(long long)zid);
		assert_int_equal(query_int(db, sql), 5);
		(void)snprintf(sql, sizeof(sql),
			"SELECT count(*) FROM dnsseckeys WHERE zone_id ="
			" %lld AND dead = '" NOW_TEXT "'",
			(long long)zid);
		assert_int_equal(query_int(db, sql), 4);
		(void)snprintf(sql, sizeof(sql),
			"SELECT count(*) FROM dnsseckeys WHERE zone_id ="
			" %lld AND dead = '2020-01-01 00:00:00'",
			(long long)zid);
		assert_int_equal(query_int(db, sql), 1); /* the earlier death stands */
	}
	assert_query_text(db,
		"SELECT state || ' ' || coalesce(dead, '-') FROM dnsseckeys d"
		" JOIN zones z ON z.id = d.zone_id WHERE z.name = 'stays.example'",
		"4 -");

	/* every zone */
	assert_int_equal(store_zone_delete_all(db, NOW + 60, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(count_rows(db, "zones"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM dnsseckeys WHERE state = 6"), 6);
	assert_int_equal(query_int(db, "SELECT count(*) FROM dnsseckeys"
				       " WHERE dead = '2023-11-14 22:14:20'"),
		1);
	assert_int_equal(store_zone_delete_all(db, NOW, NULL), 0);
	assert_int_equal(store_zone_delete_all(db, NOW, &n), 0);
	assert_int_equal(n, 0);
	db_close(db);
}

/* -------------------------------------------------------- zonelist import */

static const char *const ev_names[] = { "FOUND", "ADDED", "UPDATED", "REMOVED", "NO_POLICY",
	"DOT_CLASH" };

struct events {
	char buf[4096]; /* "EVENT zone policy\n" lines (small tests only) */
	size_t count[6];
	int lines;
};

static void
record(void *arg, enum store_zl_event ev, const char *zone, const char *policy)
{
	struct events *e = arg;
	size_t len = strlen(e->buf);

	assert_true(ev <= STORE_ZL_DOT_CLASH);
	e->count[ev]++;
	if (e->lines)
		(void)snprintf(e->buf + len, sizeof(e->buf) - len, "%s %s %s\n", ev_names[ev], zone,
			policy != NULL ? policy : "(null)");
}

struct zl_job {
	const struct zonelist *zl;
	struct events ev;
	int rc;
};

static int
zl_import(db_t *db, void *arg)
{
	struct zl_job *job = arg;

	/* may run again after a rollback: start the record afresh */
	memset(job->ev.count, 0, sizeof(job->ev.count));
	job->ev.buf[0] = '\0';
	job->rc = store_zonelist_import(db, job->zl, NOW, record, &job->ev);
	return job->rc;
}

/* Import zl in one write transaction; returns the code, events in job. */
static int
run_import(db_t *db, const struct zonelist *zl, struct zl_job *job, int lines)
{
	memset(job, 0, sizeof(*job));
	job->zl = zl;
	job->ev.lines = lines;
	return db_transact(db, DB_TXN_WRITE, zl_import, job);
}

static struct zonelist_zone
zz(const char *name, const char *policy, const char *in_type)
{
	struct zonelist_zone z;

	memset(&z, 0, sizeof(z));
	z.name = (char *)name;
	z.policy = (char *)policy;
	z.signconf = (char *)"/sc";
	z.input = (char *)"/in";
	z.input_type = (char *)in_type;
	z.output = (char *)"/out";
	z.output_type = (char *)"File";
	return z;
}

/* Zones as "name:policy:in_type" lines in name order. */
static void
assert_zones(db_t *db, const char *want)
{
	struct store_zone *list = NULL;
	char buf[2048] = "";
	size_t n = 0, i;

	assert_int_equal(store_zone_list(db, STORE_ORDER_NAME, &list, &n), 0);
	for (i = 0; i < n; i++) {
		size_t len = strlen(buf);

		(void)snprintf(buf + len, sizeof(buf) - len, "%s:%s:%s\n", list[i].name,
			list[i].policy, list[i].input_type);
	}
	store_zone_free_array(list, n);
	if (strcmp(buf, want) != 0)
		print_error("zones:\n%swant:\n%s", buf, want);
	assert_string_equal(buf, want);
}

static void
test_zonelist_import(void **state)
{
	struct zonelist_zone f1[3], f2[4];
	struct zonelist zl;
	struct zl_job job;
	db_t *db;
	static const int states[] = { 4, 1 };

	(void)state;
	db = db_with_policies();
	f1[0] = zz("a.example", "A", "File");
	f1[1] = zz("b.example", "A", "File");
	f1[2] = zz("c.example.", "B", NULL);
	zl.zones = f1;
	zl.nzones = 3;
	assert_int_equal(run_import(db, &zl, &job, 1), 0);
	assert_string_equal(job.ev.buf, "FOUND a.example A\nADDED a.example A\n"
					"FOUND b.example A\nADDED b.example A\n"
					"FOUND c.example. B\nADDED c.example. B\n");
	assert_zones(db, "a.example:A:File\nb.example:A:File\nc.example.:B:File\n");
	add_keys(db, "a.example", states, 2);

	/* the same file again: found, nothing else */
	assert_int_equal(run_import(db, &zl, &job, 1), 0);
	assert_string_equal(job.ev.buf, "FOUND a.example A\nFOUND b.example A\n"
					"FOUND c.example. B\n");

	/* b changes policy, c stays, d is new, e is new with DNS input, a goes */
	f2[0] = zz("b.example", "B", "File");
	f2[1] = zz("c.example.", "B", "File");
	f2[2] = zz("d.example", "A", "File");
	f2[3] = zz("e.example", "A", "DNS");
	zl.zones = f2;
	zl.nzones = 4;
	assert_int_equal(run_import(db, &zl, &job, 1), 0);
	assert_string_equal(job.ev.buf, "FOUND b.example B\nUPDATED b.example B\n"
					"FOUND c.example. B\n"
					"FOUND d.example A\nADDED d.example A\n"
					"FOUND e.example A\nADDED e.example A\n"
					"REMOVED a.example A\n");
	assert_zones(db, "b.example:B:File\nc.example.:B:File\nd.example:A:File\n"
			 "e.example:A:DNS\n");
	assert_int_equal(query_int(db, "SELECT count(*) FROM dnsseckeys WHERE state = 6"
				       " AND dead = '" NOW_TEXT "'"),
		2);

	/* each field counts as a change */
	f2[0].signconf = (char *)"/sc2";
	f2[1].input = (char *)"/in2";
	f2[2].output = (char *)"/out2";
	f2[3].output_type = (char *)"DNS";
	assert_int_equal(run_import(db, &zl, &job, 0), 0);
	assert_int_equal(job.ev.count[STORE_ZL_FOUND], 4);
	assert_int_equal(job.ev.count[STORE_ZL_UPDATED], 4);
	assert_int_equal(job.ev.count[STORE_ZL_ADDED], 0);
	assert_int_equal(job.ev.count[STORE_ZL_REMOVED], 0);
	assert_query_text(db, "SELECT signconf FROM zones WHERE name = 'b.example'", "/sc2");
	assert_query_text(db, "SELECT input FROM zones WHERE name = 'c.example.'", "/in2");
	assert_query_text(db, "SELECT output FROM zones WHERE name = 'd.example'", "/out2");
	assert_query_text(db, "SELECT out_type FROM zones WHERE name = 'e.example'", "DNS");
	f2[3].output_type = NULL; /* an unnamed type is File */
	f2[3].input_type = NULL;
	assert_int_equal(run_import(db, &zl, &job, 0), 0);
	assert_int_equal(job.ev.count[STORE_ZL_UPDATED], 1);
	assert_query_text(
		db, "SELECT in_type || out_type FROM zones WHERE name = 'e.example'", "FileFile");

	/* a zone named twice: the later entry wins, once */
	f2[1] = zz("b.example", "A", "File");
	assert_int_equal(run_import(db, &zl, &job, 1), 0);
	assert_string_equal(job.ev.buf, "FOUND b.example B\n"
					"FOUND b.example A\nUPDATED b.example A\n"
					"FOUND d.example A\nFOUND e.example A\n"
					"REMOVED c.example. B\n");
	assert_zones(db, "b.example:A:File\nd.example:A:File\ne.example:A:File\n");

	/* an empty file empties the table */
	zl.nzones = 0;
	zl.zones = NULL;
	assert_int_equal(run_import(db, &zl, &job, 0), 0);
	assert_int_equal(job.ev.count[STORE_ZL_REMOVED], 3);
	assert_int_equal(count_rows(db, "zones"), 0);
	db_close(db);
}

static void
test_zonelist_errors(void **state)
{
	struct zonelist_zone f[3];
	struct zonelist zl;
	struct zl_job job;
	const char *before = "a.example:A:File\nb.example.:A:File\n";
	db_t *db;

	(void)state;
	db = db_with_policies();
	f[0] = zz("a.example", "A", "File");
	f[1] = zz("b.example.", "A", "File");
	zl.zones = f;
	zl.nzones = 2;
	assert_int_equal(run_import(db, &zl, &job, 1), 0);
	assert_zones(db, before);

	/* an unknown policy: reported, and nothing changes */
	f[0] = zz("new.example", "A", "File");
	f[1] = zz("b.example.", "C", "File");
	assert_int_equal(run_import(db, &zl, &job, 1), E_NOTFOUND);
	assert_string_equal(job.ev.buf, "FOUND new.example A\nADDED new.example A\n"
					"FOUND b.example. C\nNO_POLICY b.example. C\n");
	assert_zones(db, before);

	/* a name with and without the dot in the file: the zones come one by one,
	 * so the clash shows at the second spelling (and the whole import is undone) */
	f[0] = zz("a.example", "B", "File");
	f[1] = zz("b.example.", "A", "File");
	f[2] = zz("a.example.", "A", "File");
	zl.nzones = 3;
	assert_int_equal(run_import(db, &zl, &job, 1), E_EXISTS);
	assert_string_equal(job.ev.buf,
		"FOUND a.example B\nUPDATED a.example B\n"
		"FOUND b.example. A\nFOUND a.example. A\nDOT_CLASH a.example. A\n");
	assert_zones(db, before);

	/* the file's spelling clashes with the database's */
	f[0] = zz("a.example", "A", "File");
	f[1] = zz("b.example", "A", "File");
	zl.nzones = 2;
	assert_int_equal(run_import(db, &zl, &job, 1), E_EXISTS);
	assert_string_equal(job.ev.buf, "FOUND a.example A\nFOUND b.example A\n"
					"DOT_CLASH b.example A\n");
	assert_zones(db, before);

	/* the root is nobody's other spelling */
	f[1] = zz(".", "A", "File");
	f[2] = zz("b.example.", "A", "File");
	zl.nzones = 3;
	assert_int_equal(run_import(db, &zl, &job, 1), 0);
	assert_zones(db, ".:A:File\na.example:A:File\nb.example.:A:File\n");

	/* no callback is fine */
	zl.nzones = 1;
	assert_int_equal(store_zonelist_import(db, &zl, NOW, NULL, NULL), 0);
	assert_zones(db, "a.example:A:File\n");
	db_close(db);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_zonelist_bulk(void **state)
{
	const char *env = getenv("STORE_BULK_ZONES");
	size_t n = env != NULL && atol(env) > 0 ? (size_t)atol(env) : 20000, i;
	struct zonelist_zone *zones;
	struct timespec t0;
	struct zonelist zl;
	struct zl_job job;
	char *names;
	db_t *db;

	(void)state;
	db = db_with_policies();
	zones = calloc(n, sizeof(*zones));
	names = malloc(n * 48);
	assert_non_null(zones);
	assert_non_null(names);
	for (i = 0; i < n; i++) {
		(void)snprintf(names + i * 48, 48, "zone%zu.example%s", i, i % 3 == 0 ? "." : "");
		zones[i] = zz(names + i * 48, i % 2 ? "A" : "B", "File");
	}
	zl.zones = zones;
	zl.nzones = n;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_import(db, &zl, &job, 0), 0);
	printf("# %zu zones imported in %.2f s\n", n, seconds_since(&t0));
	assert_int_equal(job.ev.count[STORE_ZL_FOUND], n);
	assert_int_equal(job.ev.count[STORE_ZL_ADDED], n);
	assert_int_equal(count_rows(db, "zones"), (int64_t)n);

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_import(db, &zl, &job, 0), 0);
	printf("# the same %zu zones again in %.2f s\n", n, seconds_since(&t0));
	assert_int_equal(job.ev.count[STORE_ZL_FOUND], n);
	assert_int_equal(job.ev.count[STORE_ZL_ADDED], 0);
	assert_int_equal(job.ev.count[STORE_ZL_UPDATED], 0);
	assert_int_equal(job.ev.count[STORE_ZL_REMOVED], 0);

	/* keep every other zone; move a tenth of those to the other policy */
	for (i = 0; i < n / 2; i++) {
		zones[i] = zones[2 * i];
		if (i % 10 == 0)
			zones[i].policy = (char *)(strcmp(zones[i].policy, "A") == 0 ? "B" : "A");
	}
	zl.nzones = n / 2;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_import(db, &zl, &job, 0), 0);
	printf("# half of them removed in %.2f s\n", seconds_since(&t0));
	assert_int_equal(job.ev.count[STORE_ZL_REMOVED], n - n / 2);
	assert_int_equal(job.ev.count[STORE_ZL_UPDATED], (n / 2 + 9) / 10);
	assert_int_equal(job.ev.count[STORE_ZL_ADDED], 0);
	assert_int_equal(count_rows(db, "zones"), (int64_t)(n / 2));
	assert_int_equal(
		query_int(db, "SELECT count(*) FROM zones WHERE name = 'zone1.example'"), 0);
	assert_int_equal(
		query_int(db, "SELECT count(*) FROM zones WHERE name = 'zone0.example.'"
			      " AND policy_id = (SELECT id FROM policies WHERE name = 'A')"),
		1);
	free(zones);
	free(names);
	db_close(db);
}

/* ------------------------------------------------------------ key commands */

/* A key pair of policy A in repository repo (NULL: one that is unknown), with cache and backup. */
static int64_t
kc_keypair(db_t *db, const char *locator, const char *repo, const char *pubkey, int backed_up)
{
	char sql[1024], repo_sql[128], pub_sql[128];

	if (repo != NULL)
		(void)snprintf(repo_sql, sizeof(repo_sql),
			"(SELECT id FROM securitymodules WHERE name = '%s')", repo);
	else
		(void)snprintf(repo_sql, sizeof(repo_sql), "99");
	if (pubkey != NULL)
		(void)snprintf(pub_sql, sizeof(pub_sql), "'%s'", pubkey);
	else
		(void)snprintf(pub_sql, sizeof(pub_sql), "NULL");
	(void)snprintf(sql, sizeof(sql),
		"INSERT INTO keypairs (HSMkey_id, algorithm, size,"
		" securitymodule_id, policy_id, compromisedflag, fixedDate, publickey, backup)"
		" VALUES ('%s', 8, 2048, %s, (SELECT id FROM policies WHERE name = 'A'), 0, 0, %s,"
		" %s)",
		locator, repo_sql, pub_sql, backed_up ? "'2020-01-01 00:00:00'" : "NULL");
	exec_ok(db, sql);
	return query_int(db, "SELECT max(id) FROM keypairs");
}

/* An allocation of key pair kp to zone (by name; "-" for zone id 999, a zone that is gone). */
static void
kc_alloc(db_t *db, int64_t kp, const char *zone, int keytype, const char *state, const char *active,
	const char *retire, const char *dead)
{
	char sql[1024], zid[128];

	if (strcmp(zone, "-") == 0)
		(void)snprintf(zid, sizeof(zid), "999");
	else
		(void)snprintf(zid, sizeof(zid), "(SELECT id FROM zones WHERE name = '%s')", zone);
	(void)snprintf(sql, sizeof(sql),
		"INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
		" state, active, retire, dead, rfc5011, revoked) VALUES (%lld, %s, %d, %s, %s%s%s,"
		" %s%s%s, %s%s%s, 0, 0)",
		(long long)kp, zid, keytype, state, active ? "'" : "", active ? active : "NULL",
		active ? "'" : "", retire ? "'" : "", retire ? retire : "NULL", retire ? "'" : "",
		dead ? "'" : "", dead ? dead : "NULL", dead ? "'" : "");
	exec_ok(db, sql);
}

/* Zones za, zb, zd of policy A and zc of policy B. */
static db_t *
kc_db(void)
{
	static const char *const names[] = { "za", "zb", "zc", "zd" };
	struct store_zone z;
	db_t *db = db_with_policies();

	for (size_t i = 0; i < 4; i++) {
		memset(&z, 0, sizeof(z));
		z.name = (char *)names[i];
		z.policy = (char *)(strcmp(names[i], "zc") == 0 ? "B" : "A");
		assert_int_equal(store_zone_add(db, &z, NULL, NULL), 0);
	}
	return db;
}

/* "state|publish|active|retire|dead" of kp's allocation to zone. */
static void
kc_row(db_t *db, int64_t kp, const char *zone, const char *want)
{
	char sql[512];

	(void)snprintf(sql, sizeof(sql),
		"SELECT coalesce(d.state, 'null') || '|' ||"
		" coalesce(d.publish, '') || '|' || coalesce(d.active, '') || '|' ||"
		" coalesce(d.retire, '') || '|' || coalesce(d.dead, '') FROM dnsseckeys d"
		" JOIN zones z ON z.id = d.zone_id WHERE d.keypair_id = %lld AND z.name = '%s'",
		(long long)kp, zone);
	assert_query_text(db, sql, want);
}

static void
kc_flags(db_t *db, int64_t kp, const char *want)
{
	char sql[256];

	(void)snprintf(sql, sizeof(sql),
		"SELECT compromisedflag || '|' || fixedDate FROM keypairs"
		" WHERE id = %lld",
		(long long)kp);
	assert_query_text(db, sql, want);
}

#define KC_CANDIDATES                                                                              \
	(1u << STORE_STATE_READY | 1u << STORE_STATE_ACTIVE | 1u << STORE_STATE_DSSUB |            \
		1u << STORE_STATE_RETIRE)

static void
test_keycmd_zone_keys(void **state)
{
	struct store_zone_key *k = (struct store_zone_key *)0x1;
	int64_t k1, k2, k3, k4, za;
	size_t n = 99;
	db_t *db;

	(void)state;
	db = kc_db();
	za = query_int(db, "SELECT id FROM zones WHERE name = 'za'");
	k1 = kc_keypair(db, "k1", "SoftHSM", "AwEAAQ==", 1);
	kc_alloc(db, k1, "za", 257, "4", "2020-01-01 00:00:00", "2021-01-01 00:00:00", NULL);
	k2 = kc_keypair(db, "k2", "Another", NULL, 0);
	kc_alloc(db, k2, "za", 257, "3", NULL, NULL, NULL);
	kc_alloc(db, k2, "zb", 257, "5", NULL, "2020-06-01 00:00:00", "2020-07-01 00:00:00");
	exec_ok(db, "UPDATE dnsseckeys SET revoked = 1, rfc5011 = 1 WHERE state = 5");
	k3 = kc_keypair(db, "k3", "SoftHSM", NULL, 0);
	kc_alloc(db, k3, "za", 256, "4", NULL, NULL, NULL);
	k4 = kc_keypair(db, "k4", NULL, NULL, 0);
	kc_alloc(db, k4, "za", 257, "7", NULL, NULL, NULL);
	kc_alloc(db, k4, "-", 257, "3", NULL, NULL, NULL); /* a zone that is gone */
	exec_ok(db, "UPDATE keypairs SET fixedDate = 1 WHERE HSMkey_id = 'k4'");

	/* the KSK candidates of one zone, by key pair */
	assert_int_equal(store_zone_keys(db, za, STORE_KSK, KC_CANDIDATES, &k, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(k[0].keypair_id, k1);
	assert_int_equal(k[0].zone_id, za);
	assert_string_equal(k[0].zone, "za");
	assert_string_equal(k[0].policy, "A");
	assert_string_equal(k[0].locator, "k1");
	assert_string_equal(k[0].repository, "SoftHSM");
	assert_string_equal(k[0].pubkey, "AwEAAQ==");
	assert_int_equal(k[0].algorithm, 8);
	assert_int_equal(k[0].keytype, STORE_KSK);
	assert_int_equal(k[0].state, STORE_STATE_ACTIVE);
	assert_int_equal(k[0].active, (time_t)1577836800);
	assert_int_equal(k[0].retire, (time_t)1609459200);
	assert_int_equal(k[0].publish, 0);
	assert_int_equal(k[0].dead, 0);
	assert_int_equal(k[0].backed_up, 1);
	assert_int_equal(k[0].require_backup, 1);
	assert_int_equal(k[0].fixed_date, 0);
	assert_int_equal(k[1].keypair_id, k2);
	assert_int_equal(k[1].state, STORE_STATE_READY);
	assert_string_equal(k[1].repository, "Another");
	assert_null(k[1].pubkey);
	assert_int_equal(k[1].backed_up, 0);
	assert_int_equal(k[1].require_backup, 0);
	assert_int_equal(k[2].keypair_id, k4);
	assert_int_equal(k[2].state, STORE_STATE_DSSUB);
	assert_null(k[2].repository);
	assert_int_equal(k[2].require_backup, 0);
	assert_int_equal(k[2].fixed_date, 1);
	store_zone_key_free_array(k, n);

	/* every zone, both roles, one state: by zone, then key pair */
	assert_int_equal(store_zone_keys(db, 0, 0, 1u << STORE_STATE_ACTIVE, &k, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(k[0].keypair_id, k1);
	assert_int_equal(k[1].keypair_id, k3);
	assert_int_equal(k[1].keytype, STORE_ZSK);
	store_zone_key_free_array(k, n);
	assert_int_equal(store_zone_keys(db, 0, STORE_KSK, 1u << STORE_STATE_RETIRE, &k, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(k[0].zone, "zb");
	assert_int_equal(k[0].revoked, 1);
	assert_int_equal(k[0].rfc5011, 1);
	assert_int_equal(k[0].retire, (time_t)1590969600);
	assert_int_equal(k[0].dead, (time_t)1593561600);
	store_zone_key_free_array(k, n);
	/* READY everywhere: the allocation to a zone that is gone is left out */
	assert_int_equal(store_zone_keys(db, 0, STORE_KSK, 1u << STORE_STATE_READY, &k, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(k[0].keypair_id, k2);
	store_zone_key_free_array(k, n);
	assert_int_equal(store_zone_keys(db, za, STORE_ZSK, 1u << STORE_STATE_DEAD, &k, &n), 0);
	assert_int_equal(n, 0);
	store_zone_key_free_array(k, n);

	/* no state is no query */
	k = (struct store_zone_key *)0x1;
	n = 99;
	assert_int_equal(store_zone_keys(db, za, 0, 0, &k, &n), E_INVAL);
	assert_int_equal(store_zone_keys(db, za, 0, 1u, &k, &n), E_INVAL);
	assert_int_equal(store_zone_keys(db, za, 0, 1u << (STORE_STATE_MAX + 1), &k, &n), E_INVAL);
	assert_int_equal(store_zone_keys(NULL, za, 0, KC_CANDIDATES, &k, &n), E_INVAL);
	assert_ptr_equal(k, (struct store_zone_key *)0x1);
	assert_int_equal(n, 99);
	store_zone_key_free_array(NULL, 0);
	db_close(db);
}

static void
test_keycmd_fix_dates(void **state)
{
	int64_t kp;
	db_t *db;

	(void)state;
	db = kc_db();
	kp = kc_keypair(db, "k1", "SoftHSM", NULL, 0);
	kc_flags(db, kp, "0|0");
	assert_int_equal(store_keypair_fix_dates(db, kp), 0);
	kc_flags(db, kp, "0|1");
	assert_int_equal(store_keypair_fix_dates(db, kp), 0); /* already: still found */
	kc_flags(db, kp, "0|1");
	assert_int_equal(store_keypair_fix_dates(db, kp + 100), E_NOTFOUND);
	assert_int_equal(store_keypair_fix_dates(NULL, kp), E_INVAL);
	db_close(db);
}

static void
test_keycmd_roll(void **state)
{
	struct store_roll r;
	struct store_roll_result res;
	int64_t ka1, ks1, ks2, kr, kz1, kb, kold, za, zc, pa;
	db_t *db;

	(void)state;
	db = kc_db();
	za = query_int(db, "SELECT id FROM zones WHERE name = 'za'");
	zc = query_int(db, "SELECT id FROM zones WHERE name = 'zc'");
	pa = query_int(db, "SELECT id FROM policies WHERE name = 'A'");
	/* ka1: active in za and zb, published in zc, unallocated state in zd */
	ka1 = kc_keypair(db, "ka1", "SoftHSM", NULL, 0);
	kc_alloc(db, ka1, "za", 257, "4", "2023-01-01 00:00:00", NULL, NULL);
	kc_alloc(db, ka1, "zb", 257, "4", "2023-01-01 00:00:00", NULL, NULL);
	kc_alloc(db, ka1, "zc", 257, "2", NULL, NULL, NULL);
	kc_alloc(db, ka1, "zd", 257, "NULL", NULL, NULL, NULL);
	/* kold: an earlier death of ka1's kind in zb stays as it was */
	kold = kc_keypair(db, "kold", "SoftHSM", NULL, 0);
	kc_alloc(db, kold, "zb", 257, "6", NULL, NULL, "2023-06-01 00:00:00");
	/* standbys: za has no successor on its way, zb has a ready one */
	ks1 = kc_keypair(db, "ks1", "SoftHSM", NULL, 0);
	kc_alloc(db, ks1, "za", 257, "9", NULL, NULL, NULL);
	ks2 = kc_keypair(db, "ks2", "SoftHSM", NULL, 0);
	kc_alloc(db, ks2, "zb", 257, "9", NULL, NULL, NULL);
	kr = kc_keypair(db, "kr", "SoftHSM", NULL, 0);
	kc_alloc(db, kr, "zb", 257, "3", NULL, NULL, NULL);
	kz1 = kc_keypair(db, "kz1", "SoftHSM", NULL, 0);
	kc_alloc(db, kz1, "za", 256, "4", "2023-01-01 00:00:00", NULL, NULL);
	kb = kc_keypair(db, "kb", "SoftHSM", NULL, 0);
	kc_alloc(db, kb, "zc", 257, "4", "2023-01-01 00:00:00", NULL, NULL);

	memset(&r, 0, sizeof(r));
	r.now = NOW;
	r.standby_active = NOW + 5300;
	/* bad requests */
	assert_int_equal(store_key_roll(db, &r, &res), E_INVAL); /* no role, no target */
	r.ksk = 1;
	assert_int_equal(store_key_roll(db, &r, &res), E_INVAL); /* no target */
	r.zone_id = za;
	assert_int_equal(store_key_roll(NULL, &r, &res), E_INVAL);
	assert_int_equal(store_key_roll(db, NULL, &res), E_INVAL);

	/* the KSK of za: every instance, and za's standby */
	memset(&res, 0xff, sizeof(res));
	assert_int_equal(store_key_roll(db, &r, &res), 0);
	assert_int_equal(res.keypairs, 1);
	assert_int_equal(res.retired, 2);
	assert_int_equal(res.killed, 2);
	assert_int_equal(res.promoted, 1);
	kc_flags(db, ka1, "1|1");
	kc_row(db, ka1, "za", "4||2023-01-01 00:00:00|" NOW_TEXT "|");
	kc_row(db, ka1, "zb", "4||2023-01-01 00:00:00|" NOW_TEXT "|");
	kc_row(db, ka1, "zc", "6||||" NOW_TEXT);
	kc_row(db, ka1, "zd", "6||||" NOW_TEXT);
	kc_row(db, kold, "zb", "6||||2023-06-01 00:00:00");
	kc_row(db, ks1, "za", "10|" NOW_TEXT "|2023-11-14 23:41:40||");
	kc_row(db, ks2, "zb", "9||||");
	kc_row(db, kr, "zb", "3||||");
	kc_row(db, kz1, "za", "4||2023-01-01 00:00:00||");
	kc_flags(db, kz1, "0|0");
	kc_row(db, kb, "zc", "4||2023-01-01 00:00:00||");
	kc_flags(db, kb, "0|0");

	/* the ZSKs of policy A; no standby step for ZSKs */
	r.zone_id = 0;
	r.policy_id = pa;
	r.ksk = 0;
	r.zsk = 1;
	r.now = NOW + 60;
	assert_int_equal(store_key_roll(db, &r, &res), 0);
	assert_int_equal(res.keypairs, 1);
	assert_int_equal(res.retired, 1);
	assert_int_equal(res.killed, 0);
	assert_int_equal(res.promoted, 0);
	kc_flags(db, kz1, "1|1");
	kc_row(db, kz1, "za", "4||2023-01-01 00:00:00|2023-11-14 22:14:20|");
	kc_row(db, ka1, "za", "4||2023-01-01 00:00:00|" NOW_TEXT "|");
	kc_row(db, kb, "zc", "4||2023-01-01 00:00:00||");

	/* both roles of zone zc (policy B): its own KSK only */
	r.policy_id = 0;
	r.zone_id = zc;
	r.ksk = 1;
	assert_int_equal(store_key_roll(db, &r, NULL), 0);
	kc_row(db, kb, "zc", "4||2023-01-01 00:00:00|2023-11-14 22:14:20|");
	kc_flags(db, kb, "1|1");
	kc_row(db, ka1, "zc", "6||||" NOW_TEXT);

	/* a zone without active keys: nothing */
	r.zone_id = query_int(db, "SELECT id FROM zones WHERE name = 'zd'");
	assert_int_equal(store_key_roll(db, &r, &res), 0);
	assert_int_equal(res.keypairs + res.retired + res.killed + res.promoted, 0);
	db_close(db);
}

/* ---------------------------------------------------------------- cluster */

/* The leader epoch: each take raises it; a fence of an old epoch fails. */
static void
test_cluster_epoch(void **state)
{
	db_t *db = fresh_db();
	struct store_leader l;
	int64_t e1 = 0, e2 = 0;

	(void)state;
	assert_int_equal(store_cluster_leader(db, &l), 0);
	assert_int_equal(l.epoch, 0);
	assert_null(l.node);
	assert_int_equal(l.since, 0);

	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_int_equal(store_cluster_take(db, "a.example:10", 1000, &e1), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(e1, 1);
	assert_int_equal(store_cluster_leader(db, &l), 0);
	assert_int_equal(l.epoch, 1);
	assert_string_equal(l.node, "a.example:10");
	assert_int_equal(l.since, 1000);
	store_leader_clear(&l);

	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_int_equal(store_cluster_fence(db, e1), 0);
	assert_int_equal(db_commit(db), 0);

	/* another daemon takes the lead: the first is fenced off */
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_int_equal(store_cluster_take(db, "b.example:20", 2000, &e2), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(e2, 2);
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_int_equal(store_cluster_fence(db, e1), DB_E_FENCED);
	assert_int_equal(store_cluster_fence(db, e2), 0);
	assert_int_equal(db_rollback(db), 0);

	/* the lead taken from a stuck leader: only while the epoch is the one seen */
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_int_equal(store_cluster_take_from(db, "c.example:30", 3000, e1, &e1), DB_E_FENCED);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
	assert_int_equal(store_cluster_take_from(db, "c.example:30", 3000, e2, &e1), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(e1, 3);
	assert_int_equal(store_cluster_leader(db, &l), 0);
	assert_int_equal(l.epoch, 3);
	assert_string_equal(l.node, "c.example:30");
	assert_int_equal(l.since, 3000);
	store_leader_clear(&l);
	assert_int_equal(store_cluster_take_from(db, "c.example:30", 3000, -1, &e1), E_INVAL);
	db_close(db);
}

/* The daemons' rows: first beat inserts, later ones update; passes recorded. */
static void
test_cluster_nodes(void **state)
{
	db_t *db = fresh_db();
	struct store_node a = { .host = "b.example",
		.pid = 7,
		.role = "standby",
		.version = "1.4.14",
		.started = 100 };
	struct store_node b = {
		.host = "a.example", .pid = 9, .role = "leader", .version = "1.4.14", .started = 200
	};
	struct store_node *v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(store_node_beat(db, &a, 110), 0);
	assert_int_equal(store_node_beat(db, &b, 210), 0);
	a.role = "leader";
	assert_int_equal(store_node_beat(db, &a, 120), 0);
	assert_int_equal(store_node_pass(db, "b.example", 7, 121, 0, NULL), 0);
	assert_int_equal(store_node_pass(db, "a.example", 9, 211, 215, "ok"), 0);
	assert_int_equal(store_node_pass(db, "c.example", 1, 1, 2, "ok"), E_NOTFOUND);
	assert_int_equal(store_node_beat(db, &(struct store_node){ .host = "x" }, 1), E_INVAL);

	assert_int_equal(store_node_list(db, &v, &n), 0);
	assert_int_equal(n, 2);
	/* by host */
	assert_string_equal(v[0].host, "a.example");
	assert_int_equal(v[0].pid, 9);
	assert_string_equal(v[0].role, "leader");
	assert_int_equal(v[0].started, 200);
	assert_int_equal(v[0].heartbeat, 210);
	assert_int_equal(v[0].pass_started, 211);
	assert_int_equal(v[0].pass_finished, 215);
	assert_string_equal(v[0].pass_outcome, "ok");
	assert_string_equal(v[1].host, "b.example");
	assert_string_equal(v[1].role, "leader");
	assert_string_equal(v[1].version, "1.4.14");
	assert_int_equal(v[1].heartbeat, 120);
	assert_int_equal(v[1].pass_started, 121);
	assert_int_equal(v[1].pass_finished, 0);
	assert_null(v[1].pass_outcome);
	store_node_free_array(v, n);

	/* the whole picture: the row of the daemon the epoch names */
	{
		struct store_cluster c;
		int64_t e = 0;

		memset(&c, 0, sizeof(c));
		assert_int_equal(store_cluster_read(db, &c), 0);
		assert_null(c.lead);
		assert_int_equal(c.n, 2);
		assert_int_equal(db_begin(db, DB_TXN_WRITE), 0);
		assert_int_equal(store_cluster_take(db, "b.example:7", 130, &e), 0);
		assert_int_equal(db_commit(db), 0);
		assert_int_equal(store_cluster_read(db, &c), 0);
		assert_non_null(c.lead);
		assert_string_equal(c.lead->host, "b.example");
		assert_int_equal(c.lead->heartbeat, 120);
		assert_int_equal(c.leader.epoch, e);
		store_cluster_clear(&c);
		assert_null(c.nodes);
	}
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repositories),
		cmocka_unit_test(test_policy_round_trip),
		cmocka_unit_test(test_policy_missing_rows),
		cmocka_unit_test(test_policy_reimport),
		cmocka_unit_test(test_salt_stamp),
		cmocka_unit_test(test_policy_unknown_repository),
		cmocka_unit_test(test_policy_list_delete),
		cmocka_unit_test(test_policy_summary),
		cmocka_unit_test(test_zone_add_get),
		cmocka_unit_test(test_zone_unique),
		cmocka_unit_test(test_zone_delete),
		cmocka_unit_test(test_zonelist_import),
		cmocka_unit_test(test_zonelist_errors),
		cmocka_unit_test(test_zonelist_bulk),
		cmocka_unit_test(test_keycmd_zone_keys),
		cmocka_unit_test(test_keycmd_fix_dates),
		cmocka_unit_test(test_keycmd_roll),
		cmocka_unit_test(test_cluster_epoch),
		cmocka_unit_test(test_cluster_nodes),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
