/*
 * test_migrate.c - the migration runner (db/migrate.c) on SQLite files.
 *
 * db_exec is linked with -Wl,--wrap=db_exec: when fail_match is set, a
 * db_exec whose SQL contains it runs and then fails, so a test can break a
 * migration halfway and check that nothing of it stays behind.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "db/db.h"
#include "db/migrate.h"

/* The newest migration of migrations/ (0006_cluster). */
#define LATEST 6

/* ------------------------------------------------------------ fault hook */

int __real_db_exec(db_t *db, const char *sql);
int __wrap_db_exec(db_t *db, const char *sql);

static const char *fail_match;

int
__wrap_db_exec(db_t *db, const char *sql)
{
	int rc = __real_db_exec(db, sql);

	if (rc == 0 && fail_match != NULL && sql != NULL && strstr(sql, fail_match) != NULL)
		rc = __real_db_exec(db, "SELECT no_such_column FROM injected_failure");
	return rc;
}

/* -------------------------------------------------------------- fixtures */

static char tmpdir[512];
static int file_seq;

static void
rm_tree(const char *dir)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	struct stat sb;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			rm_tree(path);
		else
			(void)unlink(path);
	}
	(void)closedir(d);
	(void)rmdir(dir);
}

static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/test_migrate.XXXXXX", base);
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rm_tree(tmpdir);
	return 0;
}

/* A new database file name (not created) below tmpdir. */
static void
new_path(char *out, size_t len)
{
	int n = snprintf(out, len, "%s/db%d.sqlite", tmpdir, ++file_seq);

	assert_true(n > 0 && (size_t)n < len);
}

static db_t *
open_db(const char *path)
{
	struct db_config cfg;
	char err[512];
	db_t *db = NULL;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = DB_BACKEND_SQLITE;
	cfg.path = path;
	cfg.create = 1;
	rc = db_open(&cfg, &db, err, sizeof(err));
	if (rc != 0)
		print_error("db_open %s: %s\n", path, err);
	assert_int_equal(rc, 0);
	return db;
}

static db_t *
fresh_db(char *path, size_t len)
{
	new_path(path, len);
	return open_db(path);
}

static void
exec_ok(db_t *db, const char *sql)
{
	int rc = db_exec(db, sql);

	if (rc != 0)
		print_error("db_exec: %s\n", db_errmsg(db));
	assert_int_equal(rc, 0);
}

static int64_t
query_int(db_t *db, const char *sql)
{
	db_stmt_t *st = NULL;
	int64_t v;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	v = db_column_int(st, 0);
	db_finalize(st);
	return v;
}

/* The first column of the first row as a new string ("(null)" for NULL). */
static char *
query_text(db_t *db, const char *sql)
{
	db_stmt_t *st = NULL;
	const char *s;
	char *v;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	s = db_column_text(st, 0);
	v = strdup(s != NULL ? s : "(null)");
	assert_non_null(v);
	db_finalize(st);
	return v;
}

static void
assert_text(db_t *db, const char *sql, const char *want)
{
	char *got = query_text(db, sql);

	if (strcmp(got, want) != 0)
		print_error("%s\n  got  '%s'\n  want '%s'\n", sql, got, want);
	assert_string_equal(got, want);
	free(got);
}

/* Growable text for dumps. */
struct text {
	char *s;
	size_t len;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	t->s = realloc(t->s, t->len + (size_t)n + 1);
	assert_non_null(t->s);
	va_start(ap, fmt);
	(void)vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Every row of sql, columns separated by '|', rows by '\n'. */
static void
dump_rows(db_t *db, const char *sql, struct text *t)
{
	db_stmt_t *st = NULL;
	const char *s;
	int rc, i, n;

	rc = db_prepare(db, sql, &st);
	if (rc != 0)
		print_error("%s: %s\n", sql, db_errmsg(db));
	assert_int_equal(rc, 0);
	while ((rc = db_step(st)) == DB_ROW) {
		n = db_column_count(st);
		for (i = 0; i < n; i++) {
			s = db_column_text(st, i);
			text_add(t, "%s%s", i ? "|" : "", s != NULL ? s : "\\N");
		}
		text_add(t, "\n");
	}
	assert_int_equal(rc, DB_DONE);
	db_finalize(st);
}

/* Names of the objects of one kind, in order (for building queries). */
static char **
object_names(db_t *db, const char *kind, size_t *count)
{
	char sql[256];
	char **names = NULL;
	db_stmt_t *st = NULL;
	size_t n = 0;

	(void)snprintf(sql, sizeof(sql),
		"SELECT name FROM sqlite_master WHERE type = '%s'"
		" AND name NOT LIKE 'sqlite\\_%%' ESCAPE '\\' ORDER BY name",
		kind);
	assert_int_equal(db_prepare(db, sql, &st), 0);
	while (db_step(st) == DB_ROW) {
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n] = strdup(db_column_text(st, 0));
		assert_non_null(names[n]);
		n++;
	}
	db_finalize(st);
	*count = n;
	return names;
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The whole database as text: every definition and every row of every table. */
static char *
dump_all(db_t *db)
{
	struct text t = { NULL, 0 };
	char sql[512];
	char **tables;
	size_t n, i;

	text_add(&t, "%s", "");
	dump_rows(db, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name", &t);
	tables = object_names(db, "table", &n);
	for (i = 0; i < n; i++) {
		text_add(&t, "== %s\n", tables[i]);
		(void)snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY rowid", tables[i]);
		dump_rows(db, sql, &t);
	}
	free_names(tables, n);
	return t.s;
}

/*
 * The shape of the 1.4 part of a database: columns, foreign keys and indexes
 * of each 1.4 table, the columns of the views, and the seed rows (ids, names,
 * categories; not the free-text descriptions).
 */
static char *
dump_shape14(db_t *db)
{
	static const char *const tables[] = {
		"dbadmin",
		"securitymodules",
		"categories",
		"parameters",
		"serialmodes",
		"policies",
		"zones",
		"keypairs",
		"dnsseckeys",
		"parameters_policies",
		"PARAMETER_VIEW",
		"PARAMETER_LIST",
		"KEYDATA_VIEW",
		"KEYALLOC_VIEW",
	};
	static const char *const indexes[] = {
		"idx1",
		"idx2",
		"idx3",
		"idx4",
		"idx5",
		"idx6",
		"idx7",
		"idx8",
	};
	struct text t = { NULL, 0 };
	char sql[256];
	size_t i;

	text_add(&t, "%s", "");
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		text_add(&t, "== %s\n", tables[i]);
		(void)snprintf(sql, sizeof(sql),
			"SELECT name, upper(type), \"notnull\", upper(dflt_value), pk"
			" FROM pragma_table_info('%s')",
			tables[i]);
		dump_rows(db, sql, &t);
		(void)snprintf(sql, sizeof(sql),
			"SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('%s')"
			" ORDER BY \"from\"",
			tables[i]);
		dump_rows(db, sql, &t);
	}
	for (i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
		(void)snprintf(sql, sizeof(sql),
			"SELECT m.tbl_name, i.name FROM sqlite_master m, pragma_index_info('%s') i"
			" WHERE m.name = '%s'",
			indexes[i], indexes[i]);
		text_add(&t, "== %s\n", indexes[i]);
		dump_rows(db, sql, &t);
	}
	dump_rows(db, "SELECT id, name FROM categories ORDER BY id", &t);
	dump_rows(db, "SELECT id, name FROM serialmodes ORDER BY id", &t);
	dump_rows(db, "SELECT id, name, category_id FROM parameters ORDER BY id", &t);
	dump_rows(db, "SELECT version FROM dbadmin", &t);
	return t.s;
}

static char *
read_file(const char *path)
{
	struct text t = { NULL, 0 };
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		print_error("cannot open %s: %s\n", path, strerror(errno));
	assert_non_null(f);
	text_add(&t, "%s", "");
	while ((n = fread(chunk, 1, sizeof(chunk) - 1, f)) > 0) {
		chunk[n] = '\0';
		text_add(&t, "%s", chunk);
	}
	(void)fclose(f);
	return t.s;
}

/* Load the OpenDNSSEC 1.4 fixture into db. */
static void
load_ods14(db_t *db)
{
	const char *top = getenv("top_srcdir");
	char path[PATH_MAX];
	char *sql;

	assert_non_null(top);
	(void)snprintf(path, sizeof(path), "%s/tests/data/ods14/kasp-1.4.sqlite.sql", top);
	sql = read_file(path);
	exec_ok(db, sql);
	free(sql);
}

static void
set_tz(const char *tz)
{
	if (tz == NULL)
		assert_int_equal(unsetenv("TZ"), 0);
	else
		assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static void
up_ok(db_t *db, int want_applied)
{
	int applied = -1, rc;

	rc = migrate_up(db, &applied);
	if (rc != 0)
		print_error("migrate_up: %s\n", db_errmsg(db));
	assert_int_equal(rc, 0);
	assert_int_equal(applied, want_applied);
}

static struct migrate_status
status_of(db_t *db)
{
	struct migrate_status s;

	memset(&s, 0xff, sizeof(s));
	assert_int_equal(migrate_status(db, &s), 0);
	return s;
}

static void
assert_errmsg_has(db_t *db, const char *part)
{
	if (strstr(db_errmsg(db), part) == NULL)
		print_error("message '%s' lacks '%s'\n", db_errmsg(db), part);
	assert_non_null(strstr(db_errmsg(db), part));
}

/* 64 lower-case hex digits. */
static int
is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[64] == '\0';
}

/* ----------------------------------------------------------------- tests */

/* Every file in migrations/ is compiled in, byte for byte, and nothing else. */
static void
test_table_matches_files(void **state)
{
	const char *top = getenv("top_srcdir");
	char dir[PATH_MAX], path[PATH_MAX + 256], name[256], dialect[16];
	const struct migration *m;
	struct dirent *e;
	size_t files = 0, i;
	char *text, *dot;
	int v, latest;
	DIR *d;

	(void)state;
	assert_non_null(top);
	(void)snprintf(dir, sizeof(dir), "%s/migrations", top);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len < 9 || strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		files++;
		v = atoi(e->d_name);
		(void)snprintf(name, sizeof(name), "%.*s", (int)(len - 9), e->d_name + 5);
		dialect[0] = '\0';
		dot = strchr(name, '.');
		if (dot != NULL) {
			(void)snprintf(dialect, sizeof(dialect), "%s", dot + 1);
			*dot = '\0';
		}
		m = NULL;
		for (i = 0; i < migrate_table_count; i++) {
			if (migrate_table[i].version == v &&
				strcmp(migrate_table[i].dialect ? migrate_table[i].dialect : "",
					dialect) == 0)
				m = &migrate_table[i];
		}
		if (m == NULL)
			print_error("%s is not compiled in (list it in migrations/local.mk)\n",
				e->d_name);
		assert_non_null(m);
		assert_string_equal(m->name, name);
		(void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		text = read_file(path);
		assert_int_equal(strlen(text), m->sql_len);
		assert_string_equal(text, m->sql);
		free(text);
	}
	(void)closedir(d);
	assert_int_equal(files, migrate_table_count);

	latest = migrate_latest();
	assert_int_equal(latest, LATEST);
	for (v = 1; v <= latest; v++)
		assert_non_null(migrate_find(v, "sqlite"));
	assert_int_equal(migrate_find(1, "sqlite")->version, 1);
	assert_string_equal(migrate_find(1, "sqlite")->name, "baseline");
	assert_non_null(migrate_find(1, "pgsql")); /* each dialect has its own baseline */
	assert_string_equal(migrate_find(1, "pgsql")->dialect, "pgsql");
	assert_null(migrate_find(latest + 1, "sqlite"));
	assert_null(migrate_find(0, "sqlite"));
}

/* The build-time SHA-256 of every compiled-in migration is that of its text. */
static void
test_checksum(void **state)
{
	static const char hex[] = "0123456789abcdef";
	static const struct migration broken = { 9, "abc", NULL, "abc", 3, "ba78" };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	char sum[65], want[65];

	(void)state;
	for (size_t i = 0; i < migrate_table_count; i++) {
		const struct migration *m = &migrate_table[i];

		assert_int_equal(EVP_Digest(m->sql, m->sql_len, md, &mdlen, EVP_sha256(), NULL), 1);
		assert_int_equal(mdlen, 32);
		for (unsigned k = 0; k < mdlen; k++) {
			want[2 * k] = hex[md[k] >> 4];
			want[2 * k + 1] = hex[md[k] & 0x0f];
		}
		want[64] = '\0';
		assert_int_equal(migrate_checksum(m, sum), 0);
		assert_string_equal(sum, want);
	}
	assert_int_equal(migrate_checksum(&broken, sum), E_IO);
	assert_int_equal(migrate_checksum(NULL, sum), E_INVAL);
}

static void
test_fresh(void **state)
{
	char path[PATH_MAX], sum[65];
	struct migrate_status s;
	db_t *db;
	char *v;

	(void)state;
	db = fresh_db(path, sizeof(path));
	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_EMPTY);
	assert_int_equal(s.current, 0);
	assert_int_equal(s.latest, LATEST);
	assert_int_equal(s.pending, LATEST);

	up_ok(db, LATEST);
	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_CURRENT);
	assert_int_equal(s.current, LATEST);
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.checksum_mismatch, 0);
	assert_int_equal(migrate_require_current(db), 0);

	assert_int_equal(query_int(db, "SELECT count(*) FROM schema_migrations"), LATEST);
	assert_text(db,
		"SELECT group_concat(version || ':' || name, ',') FROM"
		" (SELECT * FROM schema_migrations ORDER BY version)",
		"1:baseline,2:schema_migrations,3:zone_names,4:ds_pending,5:zone_canon,6:cluster");
	v = query_text(db, "SELECT checksum FROM schema_migrations WHERE version = 1");
	assert_true(is_sha256_hex(v));
	assert_int_equal(migrate_checksum(migrate_find(1, "sqlite"), sum), 0);
	assert_string_equal(v, sum);
	free(v);
	v = query_text(db, "SELECT checksum FROM schema_migrations WHERE version = 2");
	assert_true(is_sha256_hex(v));
	free(v);
	/* applied_at is canonical UTC text, about now */
	assert_int_equal(
		query_int(db, "SELECT count(*) FROM schema_migrations WHERE"
			      " applied_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
			      " [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'"
			      " AND abs(strftime('%s', applied_at) - strftime('%s', 'now')) < 600"),
		LATEST);

	assert_int_equal(query_int(db, "SELECT version FROM dbadmin"), 5);
	assert_int_equal(query_int(db, "SELECT count(*) FROM dbadmin"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM dbadmin WHERE description LIKE"
				       "'%UTC%' AND description LIKE '%schema_migrations%'"),
		1);
	assert_int_equal(
		query_int(db,
			"SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			" AND name IN ('dbadmin', 'securitymodules', 'categories', 'parameters',"
			" 'serialmodes', 'policies', 'zones', 'keypairs', 'dnsseckeys',"
			" 'parameters_policies', 'schema_migrations')"),
		11);
	assert_int_equal(
		query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'view'"
			      " AND name IN ('PARAMETER_VIEW', 'PARAMETER_LIST', 'KEYDATA_VIEW',"
			      " 'KEYALLOC_VIEW')"),
		4);
	assert_int_equal(
		query_int(db,
			"SELECT count(*) FROM sqlite_master WHERE type = 'index'"
			" AND name IN ('idx1','idx2','idx3','idx4','idx5','idx6','idx7','idx8')"),
		8);
	assert_text(db, "SELECT group_concat(name, ',') FROM pragma_index_info('idx9')",
		"zone_id,keytype,state");

	assert_int_equal(query_int(db, "SELECT count(*) FROM parameters"), 45);
	assert_int_equal(query_int(db, "SELECT count(*) FROM categories"), 8);
	assert_int_equal(query_int(db, "SELECT count(*) FROM serialmodes"), 4);
	assert_int_equal(query_int(db, "SELECT count(*) FROM parameters WHERE description IS NULL"
				       " OR description = ''"),
		0);
	/* a few ids of the 1.4 catalogue */
	assert_text(db,
		"SELECT name || '/' || category FROM PARAMETER_LIST WHERE parameter_id ="
		" 9",
		"version/denial");
	assert_text(db,
		"SELECT name || '/' || category FROM PARAMETER_LIST WHERE parameter_id ="
		" 24",
		"revoked/ksk");
	assert_text(db,
		"SELECT name || '/' || category FROM PARAMETER_LIST WHERE parameter_id ="
		" 41",
		"zones_share_keys/keys");
	assert_text(db,
		"SELECT name || '/' || category FROM PARAMETER_LIST WHERE parameter_id ="
		" 45",
		"purge/keys");
	assert_text(db,
		"SELECT group_concat(name, ',') FROM (SELECT name FROM categories"
		" ORDER BY id)",
		"signature,denial,ksk,zsk,keys,enforcer,zone,parent");
	assert_text(db,
		"SELECT group_concat(name, ',') FROM (SELECT name FROM serialmodes"
		" ORDER BY id)",
		"unixtime,counter,datecounter,keep");
	/* the views work */
	assert_int_equal(query_int(db, "SELECT count(*) FROM KEYDATA_VIEW"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM KEYALLOC_VIEW"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM PARAMETER_VIEW"), 0);
	db_close(db);
}

static void
test_idempotent(void **state)
{
	char path[PATH_MAX];
	char *before, *after;
	db_t *db;

	(void)state;
	db = fresh_db(path, sizeof(path));
	up_ok(db, LATEST);
	before = dump_all(db);
	up_ok(db, 0);
	db_close(db);

	/* and from another connection */
	db = open_db(path);
	up_ok(db, 0);
	after = dump_all(db);
	assert_string_equal(before, after);
	assert_int_equal(status_of(db).state, MIGRATE_CURRENT);
	free(before);
	free(after);
	db_close(db);
}

/* The fixture written as 1.4 has the same tables, views, indexes and seeds as 0001. */
static void
test_baseline_is_ods14(void **state)
{
	char path[PATH_MAX];
	char *a, *b;
	db_t *db;

	(void)state;
	db = fresh_db(path, sizeof(path));
	load_ods14(db);
	a = dump_shape14(db);
	db_close(db);

	db = fresh_db(path, sizeof(path));
	exec_ok(db, migrate_find(1, "sqlite")->sql);
	b = dump_shape14(db);
	assert_int_equal(status_of(db).state, MIGRATE_ODS14);
	db_close(db);

	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void
test_adopt_ods14(void **state)
{
	char path[PATH_MAX];
	struct migrate_status s;
	db_t *db;

	(void)state;
	set_tz("Europe/Amsterdam");
	db = fresh_db(path, sizeof(path));
	load_ods14(db);
	/* a value no date parser understands must survive */
	exec_ok(db, "UPDATE dnsseckeys SET dead = 'not a date' WHERE id = 2");

	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_ODS14);
	assert_int_equal(s.current, 1);
	assert_int_equal(s.pending, LATEST - 1);
	assert_int_equal(migrate_require_current(db), DB_E_SCHEMA);
	assert_errmsg_has(db, "1.4");

	up_ok(db, LATEST - 1);
	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_CURRENT);
	assert_int_equal(s.current, LATEST);
	assert_int_equal(s.checksum_mismatch, 0);
	assert_text(db,
		"SELECT group_concat(version || ':' || name, ',') FROM"
		" (SELECT * FROM schema_migrations ORDER BY version)",
		"1:baseline,2:schema_migrations,3:zone_names,4:ds_pending,5:zone_canon,6:cluster");
	assert_int_equal(query_int(db, "SELECT version FROM dbadmin"), 5);

	/* rows kept with their ids */
	assert_text(db, "SELECT id || ' ' || name || ' ' || salt FROM policies",
		"1 default a1b2c3d4e5f60718");
	assert_text(db,
		"SELECT group_concat(parameter_id || '=' || value, ',') FROM"
		" (SELECT * FROM parameters_policies WHERE policy_id = 1 ORDER BY id)",
		"1=7200,20=31536000,27=7776000,29=1");
	assert_text(db, "SELECT id || ' ' || name || ' ' || policy_id || ' ' || in_type FROM zones",
		"1 example.com 1 File");
	assert_text(db, "SELECT id || ' ' || name || ' ' || capacity FROM securitymodules",
		"1 SoftHSM 0");
	assert_int_equal(query_int(db, "SELECT count(*) FROM keypairs"), 2);
	assert_int_equal(query_int(db, "SELECT count(*) FROM dnsseckeys"), 2);
	assert_text(db, "SELECT HSMkey_id || ' ' || size FROM keypairs WHERE id = 1",
		"6a8c5d1e0f9b4c2aa3e7d2b1c0f9e8d7 2048");
	assert_text(db,
		"SELECT keypair_id || ' ' || zone_id || ' ' || keytype || ' ' || state"
		" FROM dnsseckeys WHERE id = 1",
		"1 1 257 4");

	/* times now UTC: CET is UTC+1, CEST UTC+2 */
	assert_text(db, "SELECT salt_stamp FROM policies", "2010-01-01 11:00:00");
	assert_text(db, "SELECT generate FROM keypairs WHERE id = 1", "2010-01-01 11:00:00");
	assert_text(db, "SELECT pre_backup FROM keypairs WHERE id = 1", "2010-07-01 12:00:00");
	assert_text(db, "SELECT backup FROM keypairs WHERE id = 1", "2010-07-01 12:30:00");
	assert_text(db, "SELECT backup FROM keypairs WHERE id = 2", "(null)");
	assert_text(db,
		"SELECT publish || ',' || ready || ',' || active || ',' || retire"
		" FROM dnsseckeys WHERE id = 1",
		"2010-01-01 11:00:00,2010-01-02 11:00:00,2010-07-01 12:00:00,2011-07-01 12:00:00");
	assert_text(db, "SELECT dead FROM dnsseckeys WHERE id = 1", "(null)");
	assert_text(db, "SELECT retire FROM dnsseckeys WHERE id = 2", "2010-03-31 11:00:00");
	assert_text(db, "SELECT dead FROM dnsseckeys WHERE id = 2", "not a date");
	/* the views still serve the rows */
	assert_int_equal(query_int(db, "SELECT count(*) FROM KEYDATA_VIEW WHERE zone_id = 1"), 2);
	assert_int_equal(query_int(db, "SELECT count(*) FROM KEYALLOC_VIEW"), 2);
	assert_int_equal(query_int(db, "SELECT value FROM PARAMETER_VIEW WHERE name = 'lifetime'"
				       " AND category = 'zsk' AND policy_id = 1"),
		7776000);

	/* once is enough: a second run converts nothing again */
	db_close(db);
	db = open_db(path);
	up_ok(db, 0);
	assert_text(db, "SELECT generate FROM keypairs WHERE id = 1", "2010-01-01 11:00:00");
	db_close(db);
	set_tz(NULL);
}

static void
test_newer(void **state)
{
	char path[PATH_MAX], sql[256];
	struct migrate_status s;
	char *before, *after;
	int applied = 77;
	db_t *db;

	(void)state;
	db = fresh_db(path, sizeof(path));
	up_ok(db, LATEST);
	(void)snprintf(sql, sizeof(sql),
		"INSERT INTO schema_migrations VALUES (%d, 'future',"
		" '%064d', '2030-01-01 00:00:00')",
		migrate_latest() + 1, 0);
	exec_ok(db, sql);

	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_NEWER);
	assert_int_equal(s.current, migrate_latest() + 1);
	assert_int_equal(s.checksum_mismatch, 0);

	before = dump_all(db);
	assert_int_equal(migrate_up(db, &applied), DB_E_SCHEMA);
	assert_int_equal(applied, 77);
	assert_errmsg_has(db, "newer");
	assert_errmsg_has(db, "database schema version 7 is newer than this program"
			      " (supports up to 6); upgrade kasp-enforcer");
	assert_int_equal(migrate_require_current(db), DB_E_SCHEMA);
	assert_errmsg_has(db, "newer");
	after = dump_all(db);
	assert_string_equal(before, after);
	free(before);
	free(after);
	db_close(db);
}

static void
test_unknown(void **state)
{
	char path[PATH_MAX];
	struct migrate_status s;
	char *before, *after;
	db_t *db;

	(void)state;
	/* an OpenDNSSEC 1.3 database */
	db = fresh_db(path, sizeof(path));
	load_ods14(db);
	exec_ok(db, "UPDATE dbadmin SET version = 3");
	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_UNKNOWN);
	before = dump_all(db);
	assert_int_equal(migrate_up(db, NULL), DB_E_SCHEMA);
	assert_errmsg_has(db, "1.3 or older");
	assert_errmsg_has(db, "OpenDNSSEC 1.4 migration scripts");
	after = dump_all(db);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(migrate_require_current(db), DB_E_SCHEMA);
	assert_errmsg_has(db, "1.3 or older");
	db_close(db);

	/* something else entirely */
	db = fresh_db(path, sizeof(path));
	exec_ok(db, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)");
	assert_int_equal(status_of(db).state, MIGRATE_UNKNOWN);
	assert_int_equal(migrate_up(db, NULL), DB_E_SCHEMA);
	assert_errmsg_has(db, "not a KASP database");
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master"), 1);
	db_close(db);

	/* dbadmin with two rows */
	db = fresh_db(path, sizeof(path));
	load_ods14(db);
	exec_ok(db, "INSERT INTO dbadmin VALUES (4, 'again')");
	assert_int_equal(status_of(db).state, MIGRATE_UNKNOWN);
	assert_int_equal(migrate_up(db, NULL), DB_E_SCHEMA);
	assert_errmsg_has(db, "dbadmin holds 2 rows");
	db_close(db);

	/* 1.4's dbadmin but a table missing */
	db = fresh_db(path, sizeof(path));
	load_ods14(db);
	exec_ok(db, "DROP VIEW KEYDATA_VIEW; DROP VIEW KEYALLOC_VIEW; DROP TABLE dnsseckeys");
	assert_int_equal(status_of(db).state, MIGRATE_UNKNOWN);
	assert_int_equal(migrate_up(db, NULL), DB_E_SCHEMA);
	assert_errmsg_has(db, "dnsseckeys");
	db_close(db);

	/*
	 * An empty history table: only where DDL commits at once (MySQL) can an
	 * adoption leave it so, and only there does 0002 run again over itself.
	 * Here 0002 would convert the times twice: the database stays unknown.
	 */
	db = fresh_db(path, sizeof(path));
	load_ods14(db);
	up_ok(db, LATEST - 1);
	exec_ok(db, "DELETE FROM schema_migrations");
	assert_int_equal(status_of(db).state, MIGRATE_UNKNOWN);
	before = dump_all(db);
	assert_int_equal(migrate_up(db, NULL), DB_E_SCHEMA);
	assert_errmsg_has(db, "is empty");
	after = dump_all(db);
	assert_string_equal(before, after);
	free(before);
	free(after);
	db_close(db);
}

static void
test_require_current(void **state)
{
	char path[PATH_MAX];
	struct migrate_status s;
	db_t *db;

	(void)state;
	db = fresh_db(path, sizeof(path));
	assert_int_equal(migrate_require_current(db), DB_E_SCHEMA);
	assert_errmsg_has(db, "setup");

	up_ok(db, LATEST);
	assert_int_equal(migrate_require_current(db), 0);

	/* pretend the latest migration is still to come */
	exec_ok(db, "DELETE FROM schema_migrations WHERE version = 6");
	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_PENDING);
	assert_int_equal(s.current, LATEST - 1);
	assert_int_equal(s.pending, 1);
	assert_int_equal(migrate_require_current(db), DB_E_SCHEMA);
	assert_errmsg_has(db, "version 5 is older than this program (version 6)");

	exec_ok(db, "INSERT INTO schema_migrations VALUES (6, 'x', 'y', '2020-01-01 00:00:00'),"
		    " (7, 'x', 'y', '2020-01-01 00:00:00')");
	assert_int_equal(migrate_require_current(db), DB_E_SCHEMA);
	assert_errmsg_has(db, "newer");

	/* an empty history table */
	exec_ok(db, "DELETE FROM schema_migrations");
	assert_int_equal(status_of(db).state, MIGRATE_UNKNOWN);
	assert_int_equal(migrate_require_current(db), DB_E_SCHEMA);
	assert_errmsg_has(db, "schema_migrations is empty");
	db_close(db);
}

static void
test_checksum_mismatch(void **state)
{
	char path[PATH_MAX];
	struct migrate_status s;
	db_t *db;

	(void)state;
	db = fresh_db(path, sizeof(path));
	up_ok(db, LATEST);
	exec_ok(db, "UPDATE schema_migrations SET checksum = upper(checksum) WHERE version = 1");
	assert_int_equal(status_of(db).checksum_mismatch, 0); /* hex case does not matter */
	exec_ok(db, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2");
	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_CURRENT);
	assert_int_equal(s.checksum_mismatch, 1);
	db_close(db);
}

/* A migration that fails leaves nothing of itself; the next run carries on. */
static void
test_failed_migration(void **state)
{
	char path[PATH_MAX];
	struct migrate_status s;
	int applied = 77;
	db_t *db;

	(void)state;
	db = fresh_db(path, sizeof(path));
	fail_match = "CREATE TABLE schema_migrations";
	assert_int_not_equal(migrate_up(db, &applied), 0);
	fail_match = NULL;
	assert_int_equal(applied, 77);
	assert_errmsg_has(db, "migration 0002_schema_migrations failed");
	assert_errmsg_has(db, "injected_failure");

	/* 0001 was committed on its own; 0002 is gone entirely */
	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_ODS14);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name ="
				       " 'schema_migrations'"),
		0);
	assert_int_equal(query_int(db, "SELECT version FROM dbadmin"), 4);

	up_ok(db, LATEST - 1);
	assert_int_equal(status_of(db).state, MIGRATE_CURRENT);
	assert_int_equal(query_int(db, "SELECT count(*) FROM schema_migrations"), LATEST);
	db_close(db);
}

static void
test_reset(void **state)
{
	char path[PATH_MAX];
	struct migrate_status s;
	char *fresh, *after;
	db_t *db;

	(void)state;
	/* what a fresh database looks like, rows included (but not the times applied) */
	db = fresh_db(path, sizeof(path));
	up_ok(db, LATEST);
	exec_ok(db, "UPDATE schema_migrations SET applied_at = 'x'");
	fresh = dump_all(db);
	db_close(db);

	db = fresh_db(path, sizeof(path));
	load_ods14(db);
	up_ok(db, LATEST - 1);
	exec_ok(db, "CREATE TABLE scratch (x); CREATE VIEW scratch_view AS SELECT * FROM scratch;"
		    " INSERT INTO scratch VALUES (1)");
	exec_ok(db, "PRAGMA foreign_keys = ON");
	assert_int_equal(migrate_reset(db), 0);
	s = status_of(db);
	assert_int_equal(s.state, MIGRATE_CURRENT);
	assert_int_equal(query_int(db, "SELECT count(*) FROM zones"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM keypairs"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM policies"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM parameters"), 45);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE"
				       " 'scratch%'"),
		0);
	exec_ok(db, "UPDATE schema_migrations SET applied_at = 'x'");
	after = dump_all(db);
	assert_string_equal(fresh, after); /* ids start at 1 again, too */
	free(after);

	/* an empty file resets as well */
	db_close(db);
	db = fresh_db(path, sizeof(path));
	assert_int_equal(migrate_reset(db), 0);
	assert_int_equal(status_of(db).state, MIGRATE_CURRENT);
	exec_ok(db, "UPDATE schema_migrations SET applied_at = 'x'");
	after = dump_all(db);
	assert_string_equal(fresh, after);
	free(after);
	free(fresh);
	db_close(db);
}

/* A reset that fails halfway (in 0002, after the drop and 0001) changes nothing. */
static void
test_reset_failure(void **state)
{
	char path[PATH_MAX];
	char *before, *after;
	db_t *db;

	(void)state;
	db = fresh_db(path, sizeof(path));
	load_ods14(db);
	up_ok(db, LATEST - 1);
	before = dump_all(db);

	fail_match = "CREATE TABLE schema_migrations";
	assert_int_not_equal(migrate_reset(db), 0);
	fail_match = NULL;
	assert_errmsg_has(db, "cannot reset the database");
	assert_errmsg_has(db, "0002_schema_migrations");
	assert_false(db_in_transaction(db));
	after = dump_all(db);
	assert_string_equal(before, after);
	free(after);
	db_close(db);

	/* from a second connection, too */
	db = open_db(path);
	after = dump_all(db);
	assert_string_equal(before, after);
	assert_int_equal(query_int(db, "SELECT count(*) FROM zones"), 1);
	free(after);
	free(before);
	db_close(db);
}

/* setup's import inside the reset: it sees the new schema, and its failure undoes the reset. */
static int
fill_zone(db_t *db, void *arg)
{
	int *calls = arg;

	(*calls)++;
	assert_int_equal(query_int(db, "SELECT count(*) FROM zones"), 0);
	return db_exec(db, "INSERT INTO policies (name) VALUES ('filled');"
			   "INSERT INTO zones (name, policy_id) VALUES ('filled.example', 1)");
}

static int
fill_fail(db_t *db, void *arg)
{
	int *calls = arg;

	(*calls)++;
	(void)db_exec(db, "INSERT INTO policies (name) VALUES ('half-done')");
	return db_exec(db, "INSERT INTO no_such_table VALUES (1)");
}

static void
test_reset_fill(void **state)
{
	char path[PATH_MAX];
	char *before, *after;
	int calls = 0;
	db_t *db;

	(void)state;
	db = fresh_db(path, sizeof(path));
	load_ods14(db);
	up_ok(db, LATEST - 1);
	before = dump_all(db);

	/* A failing fill: the old database, rows and schema, is as it was. */
	assert_int_equal(migrate_reset_fill(db, fill_fail, &calls), DB_E_SQL);
	assert_int_equal(calls, 1);
	assert_errmsg_has(db, "no_such_table");
	assert_false(db_in_transaction(db));
	after = dump_all(db);
	assert_string_equal(before, after);
	free(after);
	free(before);

	/* A good one: the fresh schema holds exactly what fill wrote. */
	calls = 0;
	assert_int_equal(migrate_reset_fill(db, fill_zone, &calls), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM zones"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM policies WHERE name = 'filled'"), 1);
	assert_int_equal(migrate_require_current(db), 0);
	db_close(db);
}

/* Two processes migrate one new file at the same moment. */
static void
test_concurrent(void **state)
{
	char path[PATH_MAX];
	int go[2], res[2], status, i, applied, got[2] = { -1, -1 }, total = 0;
	pid_t pid[2];
	char buf[16];
	ssize_t n;
	db_t *db;

	(void)state;
	new_path(path, sizeof(path));
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(res), 0);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			struct db_config cfg;
			char err[256], c;
			int rc, code = 1;

			(void)close(go[1]);
			(void)close(res[0]);
			/* wait for the start: EOF when the parent closes its end */
			while (read(go[0], &c, 1) > 0)
				;
			memset(&cfg, 0, sizeof(cfg));
			cfg.backend = DB_BACKEND_SQLITE;
			cfg.path = path;
			cfg.create = 1;
			applied = -1;
			rc = db_open(&cfg, &db, err, sizeof(err));
			if (rc == 0) {
				rc = migrate_up(db, &applied);
				if (rc != 0)
					fprintf(stderr, "# child %d: %s\n", i, db_errmsg(db));
				db_close(db);
			} else {
				fprintf(stderr, "# child %d: %s\n", i, err);
			}
			if (rc == 0) {
				(void)snprintf(buf, sizeof(buf), "%d", applied);
				if (write(res[1], buf, 1) == 1)
					code = 0;
			}
			_exit(code);
		}
	}
	(void)close(go[0]);
	(void)close(res[1]);
	(void)close(go[1]); /* both children start now */
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	n = read(res[0], buf, 2);
	(void)close(res[0]);
	assert_int_equal(n, 2);
	for (i = 0; i < 2; i++) {
		got[i] = buf[i] - '0';
		total += got[i];
	}
	/* one did all the work, the other found nothing to do */
	assert_int_equal(total, LATEST);
	assert_true(got[0] == 0 || got[1] == 0);

	db = open_db(path);
	assert_int_equal(status_of(db).state, MIGRATE_CURRENT);
	assert_int_equal(query_int(db, "SELECT count(*) FROM schema_migrations"), LATEST);
	assert_int_equal(query_int(db, "SELECT count(*) FROM parameters"), 45);
	assert_int_equal(query_int(db, "SELECT count(*) FROM dbadmin"), 1);
	db_close(db);
}

static void
test_dump(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[PATH_MAX], file[PATH_MAX];
	char *out = (char *)"untouched", *committed, *t, *i, *v;
	db_t *db;

	(void)state;
	db = fresh_db(path, sizeof(path));
	up_ok(db, LATEST);
	assert_int_equal(migrate_dump_schema(db, &out), 0);
	assert_true(strncmp(out,
			    "-- generated from migrations/ by tools/schema-dump; do not"
			    " edit\n-- dialect sqlite, schema version 6\n\n",
			    100) == 0);
	t = strstr(out, "CREATE TABLE categories");
	i = strstr(out, "CREATE INDEX idx1 ");
	v = strstr(out, "CREATE VIEW KEYALLOC_VIEW");
	assert_true(t != NULL && i != NULL && v != NULL && t < i && i < v);
	assert_non_null(strstr(out, "CREATE TABLE schema_migrations"));
	assert_null(strstr(out, "INSERT"));
	assert_null(strstr(out, "sqlite_sequence"));
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_int_equal(out[strlen(out) - 2], ';');

	/* the committed copy (the drift test compares it too, from the tool) */
	assert_non_null(top);
	(void)snprintf(file, sizeof(file), "%s/sql/schema.sqlite.sql", top);
	committed = read_file(file);
	assert_string_equal(out, committed);
	free(committed);
	free(out);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_files),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_baseline_is_ods14),
		cmocka_unit_test(test_adopt_ods14),
		cmocka_unit_test(test_newer),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_require_current),
		cmocka_unit_test(test_checksum_mismatch),
		cmocka_unit_test(test_failed_migration),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_reset_failure),
		cmocka_unit_test(test_reset_fill),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_dump),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
