/*
 * schema-dump - print the schema the migrations build, for sql/schema.<dialect>.sql.
 *
 *   schema-dump                       SQLite
 *   schema-dump sqlite
 *   schema-dump pgsql [CONNINFO]      PostgreSQL
 *   schema-dump mysql [CONNINFO]      MySQL/MariaDB
 *
 * SQLite: a new database in a temporary directory. A server: CONNINFO (or,
 * without it, $ODS_TEST_PGSQL / $ODS_TEST_MYSQL; the form is described in
 * tools/conninfo.h) names a database the user can connect to and create
 * databases from; a new database kt_schema_<pid> is created there, every
 * migration applied, the schema printed and the database dropped again.
 *
 * Prints migrate_dump_schema() to stdout. Exit status 0 on success, 77 when
 * the driver of the backend is not built into this program, 1 with a message
 * on stderr otherwise. Used by `make update-schema` and the drift tests.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "db/db.h"
#include "db/migrate.h"
#include "tools/conninfo.h"

#define EXIT_NODRIVER 77

/* Remove dir and the plain files in it (the database, its WAL and lock files). */
static void
remove_dir(const char *dir)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	d = opendir(dir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
				sizeof(path))
				(void)unlink(path);
		}
		(void)closedir(d);
	}
	(void)rmdir(dir);
}

/* Migrate the database cfg names and print its schema. 0 or 1. */
static int
dump(const struct db_config *cfg)
{
	char err[512];
	char *schema = NULL;
	db_t *db = NULL;
	int rc, status = 1;

	rc = db_open(cfg, &db, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "schema-dump: %s\n", err);
		goto out;
	}
	rc = migrate_up(db, NULL);
	if (rc == 0)
		rc = migrate_dump_schema(db, &schema);
	if (rc != 0) {
		fprintf(stderr, "schema-dump: %s\n", db_errmsg(db));
		goto out;
	}
	if (fputs(schema, stdout) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "schema-dump: cannot write the schema: %s\n", strerror(errno));
		goto out;
	}
	status = 0;
out:
	free(schema);
	db_close(db);
	return status;
}

static int
dump_sqlite(void)
{
	struct db_config cfg;
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int status;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/schema-dump.XXXXXX", tmp) >= sizeof(dir)) {
		fprintf(stderr, "schema-dump: TMPDIR is too long\n");
		return 1;
	}
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "schema-dump: cannot create a directory in %s: %s\n", tmp,
			strerror(errno));
		return 1;
	}
	(void)snprintf(path, sizeof(path), "%s/kasp.db", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = DB_BACKEND_SQLITE;
	cfg.path = path;
	cfg.create = 1;
	status = dump(&cfg);
	remove_dir(dir);
	return status;
}

/* Run one statement on the server's own database. 0 or 1. */
static int
admin_exec(const struct db_config *server, const char *sql)
{
	char err[512];
	db_t *db = NULL;
	int rc;

	rc = db_open(server, &db, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "schema-dump: %s\n", err);
		return 1;
	}
	rc = db_exec(db, sql);
	if (rc != 0)
		fprintf(stderr, "schema-dump: %s: %s\n", sql, db_errmsg(db));
	db_close(db);
	return rc != 0;
}

static int
dump_server(enum db_backend backend, const char *conninfo)
{
	const char *env = backend == DB_BACKEND_PGSQL ? "ODS_TEST_PGSQL" : "ODS_TEST_MYSQL";
	struct db_config server, cfg;
	char *storage = NULL;
	char name[64], sql[160];
	int status;

	if (!db_backend_available(backend)) {
		fprintf(stderr, "schema-dump: the %s driver is not built into this program\n",
			db_backend_name(backend));
		return EXIT_NODRIVER;
	}
	if (conninfo == NULL)
		conninfo = getenv(env);
	if (conninfo == NULL || *conninfo == '\0') {
		fprintf(stderr, "schema-dump: no connection string: give one or set %s\n", env);
		return 1;
	}
	if (conninfo_parse(conninfo, backend, &server, &storage) != 0) {
		fprintf(stderr, "schema-dump: cannot parse the connection string\n");
		return 1;
	}
	(void)snprintf(name, sizeof(name), "kt_schema_%ld", (long)getpid());
	(void)snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	status = admin_exec(&server, sql);
	if (status == 0) {
		cfg = server;
		cfg.database = name;
		status = dump(&cfg);
		(void)snprintf(sql, sizeof(sql), "DROP DATABASE %s%s", name,
			backend == DB_BACKEND_PGSQL ? " WITH (FORCE)" : "");
		if (admin_exec(&server, sql) != 0)
			status = 1;
	}
	free(storage);
	return status;
}

int
main(int argc, char **argv)
{
	const char *backend = argc > 1 ? argv[1] : "sqlite";

	if (argc > 3 || (argc > 2 && strcmp(backend, "sqlite") == 0)) {
		fprintf(stderr,
			"usage: schema-dump [sqlite | pgsql [CONNINFO] | mysql [CONNINFO]]\n");
		return 1;
	}
	if (strcmp(backend, "sqlite") == 0)
		return dump_sqlite();
	if (strcmp(backend, "pgsql") == 0)
		return dump_server(DB_BACKEND_PGSQL, argc > 2 ? argv[2] : NULL);
	if (strcmp(backend, "mysql") == 0)
		return dump_server(DB_BACKEND_MYSQL, argc > 2 ? argv[2] : NULL);
	fprintf(stderr, "schema-dump: unknown backend '%s' (sqlite, pgsql or mysql)\n", backend);
	return 1;
}
