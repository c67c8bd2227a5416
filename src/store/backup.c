/*
 * backup.c - the backup dates of key pairs: marking them, and listing them
 * per repository (store.h). Split from key.c, whose conventions it keeps:
 * portable SQL with every value bound.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/limits.h"
#include "store/store.h"

/* ------------------------------------------------------------------ backups */

int
store_backup_mark(
	db_t *db, enum store_backup_op op, int64_t repository_id, time_t now, int64_t *changed)
{
	static const char *const base[] = {
		[STORE_BACKUP_PREPARE] = "UPDATE keypairs SET pre_backup = ?"
					 " WHERE pre_backup IS NULL",
		[STORE_BACKUP_COMMIT] = "UPDATE keypairs SET backup = ?"
					" WHERE pre_backup IS NOT NULL AND backup IS NULL",
		[STORE_BACKUP_ROLLBACK] = "UPDATE keypairs SET pre_backup = NULL"
					  " WHERE pre_backup IS NOT NULL AND backup IS NULL",
	};
	char sql[256];
	db_stmt_t *st = NULL;
	int rc, idx = 1;

	if (db == NULL || (int)op < 0 || op > STORE_BACKUP_ROLLBACK) {
		rc = E_INVAL;
		goto out;
	}
	snprintf(sql, sizeof(sql), "%s%s", base[op],
		repository_id > 0 ? " AND securitymodule_id = ?" : "");
	rc = db_prepare(db, sql, &st);
	if (rc == 0 && op != STORE_BACKUP_ROLLBACK)
		rc = db_bind_time(st, idx++, now);
	if (rc == 0 && repository_id > 0)
		rc = db_bind_int(st, idx, repository_id);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc == 0 && changed != NULL)
		*changed = db_changes(db);
out:
	db_finalize(st);
	return rc;
}

static void
backup_row_clear(void *elem)
{
	struct store_backup_row *r = elem;

	free(r->repository);
}

void
store_backup_row_free_array(struct store_backup_row *r, size_t n)
{
	store_free_array(r, n, sizeof(*r), backup_row_clear);
}

/* NULL (0) first, as the engines disagree on where NULLs sort. */
static int
time_cmp(time_t a, time_t b)
{
	return a < b ? -1 : a > b;
}

static int
backup_row_cmp(const void *pa, const void *pb)
{
	const struct store_backup_row *a = pa, *b = pb;
	int c = time_cmp(a->pre_backup, b->pre_backup);

	if (c == 0)
		c = time_cmp(a->backup, b->backup);
	if (c == 0)
		c = strcmp(a->repository ? a->repository : "", b->repository ? b->repository : "");
	return c;
}

/* ctx: the verbose flag of store_backup_list(); without it column 0 repeats backup. */
static int
backup_row_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_backup_row *r = elem;
	int verbose = *(const int *)ctx;

	r->pre_backup = verbose ? store_column_time0(st, 0) : 0;
	r->backup = store_column_time0(st, 1);
	return store_column_strdup(st, 2, &r->repository);
}

int
store_backup_list(
	db_t *db, int64_t repository_id, int verbose, struct store_backup_row **out, size_t *n)
{
	char sql[512];
	void *rows = NULL;
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	snprintf(sql, sizeof(sql),
		"SELECT DISTINCT %s, s.name FROM keypairs k"
		" LEFT JOIN securitymodules s ON s.id = k.securitymodule_id WHERE %s%s",
		verbose ? "k.pre_backup, k.backup" : "k.backup, k.backup",
		verbose ? "(k.pre_backup IS NOT NULL OR k.backup IS NOT NULL)"
			: "k.backup IS NOT NULL",
		repository_id > 0 ? " AND k.securitymodule_id = ?" : "");
	rc = db_prepare(db, sql, &st);
	if (rc == 0 && repository_id > 0)
		rc = db_bind_int(st, 1, repository_id);
	if (rc == 0)
		rc = store_rows(st, sizeof(**out), backup_row_from_row, &verbose, backup_row_clear,
			backup_row_cmp, &rows, n);
	if (rc == 0)
		*out = rows;
out:
	db_finalize(st);
	return rc;
}

static void
backup_state_clear(void *elem)
{
	struct store_backup_state *s = elem;

	free(s->repository);
}

void
store_backup_state_free_array(struct store_backup_state *s, size_t n)
{
	store_free_array(s, n, sizeof(*s), backup_state_clear);
}

static int
backup_state_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_backup_state *s = elem;

	(void)ctx;
	s->require_backup = db_column_int(st, 1) != 0;
	s->unbacked = db_column_int(st, 2);
	s->uncommitted = db_column_int(st, 3);
	return store_column_strdup(st, 0, &s->repository);
}

static int
backup_state_cmp(const void *pa, const void *pb)
{
	const struct store_backup_state *a = pa, *b = pb;

	return strcmp(a->repository ? a->repository : "", b->repository ? b->repository : "");
}

int
store_backup_status(db_t *db, int64_t repository_id, struct store_backup_state **out, size_t *n)
{
	void *rows = NULL;
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = db_prepare(db,
		repository_id > 0
			? "SELECT s.name, s.requirebackup,"
			  " (SELECT COUNT(*) FROM keypairs k WHERE k.securitymodule_id = s.id"
			  "   AND k.backup IS NULL),"
			  " (SELECT COUNT(*) FROM keypairs k WHERE k.securitymodule_id = s.id"
			  "   AND k.pre_backup IS NOT NULL AND k.backup IS NULL)"
			  " FROM securitymodules s WHERE s.id = ?"
			: "SELECT s.name, s.requirebackup,"
			  " (SELECT COUNT(*) FROM keypairs k WHERE k.securitymodule_id = s.id"
			  "   AND k.backup IS NULL),"
			  " (SELECT COUNT(*) FROM keypairs k WHERE k.securitymodule_id = s.id"
			  "   AND k.pre_backup IS NOT NULL AND k.backup IS NULL)"
			  " FROM securitymodules s",
		&st);
	if (rc == 0 && repository_id > 0)
		rc = db_bind_int(st, 1, repository_id);
	if (rc == 0)
		rc = store_rows(st, sizeof(**out), backup_state_from_row, NULL, backup_state_clear,
			backup_state_cmp, &rows, n);
	if (rc == 0)
		*out = rows;
out:
	db_finalize(st);
	return rc;
}
