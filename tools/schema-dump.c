/*
 * schema-dump - print the schema the migrations build, for sql/schema.sqlite.sql.
 *
 * Creates a new SQLite database in a temporary directory, applies every
 * migration, prints migrate_dump_schema() to stdout and removes the
 * directory again. Exit status 0 on success, 1 with a message on stderr.
 * Used by `make update-schema` and tests/unit/schema-drift.sh.
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

int
main(void)
{
	struct db_config cfg;
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], path[PATH_MAX + 16], err[512];
	char *schema = NULL;
	db_t *db = NULL;
	int rc, status = 1, have_dir = 0;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/schema-dump.XXXXXX", tmp) >= sizeof(dir)) {
		fprintf(stderr, "schema-dump: TMPDIR is too long\n");
		goto out;
	}
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "schema-dump: cannot create a directory in %s: %s\n", tmp,
			strerror(errno));
		goto out;
	}
	have_dir = 1;
	(void)snprintf(path, sizeof(path), "%s/kasp.db", dir);

	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = DB_BACKEND_SQLITE;
	cfg.path = path;
	cfg.create = 1;
	rc = db_open(&cfg, &db, err, sizeof(err));
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
	if (have_dir)
		remove_dir(dir);
	return status;
}
