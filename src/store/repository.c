#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/limits.h"
#include "store/store.h"

static void
repo_clear(void *elem)
{
	struct store_repository *r = elem;

	free(r->name);
}

void
store_repository_free_array(struct store_repository *r, size_t n)
{
	store_free_array(r, n, sizeof(*r), repo_clear);
}

/* Byte order of names (collations differ between engines), then id. */
static int
repo_cmp_name(const void *a, const void *b)
{
	const struct store_repository *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
repo_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_repository *r = elem;

	(void)ctx;
	r->id = db_column_int(st, 0);
	r->capacity = (long)db_column_int(st, 2);
	r->require_backup = db_column_int(st, 3) != 0;
	return store_column_strdup(st, 1, &r->name);
}

int
store_repository_list(db_t *db, struct store_repository **out, size_t *n)
{
	db_stmt_t *st = NULL;
	void *rows = NULL;
	int rc;

	rc = db_prepare(db,
		"SELECT id, name, capacity, requirebackup FROM securitymodules"
		" ORDER BY id",
		&st);
	if (rc == 0)
		rc = store_rows(st, sizeof(**out), repo_from_row, NULL, repo_clear, repo_cmp_name,
			&rows, n);
	if (rc == 0)
		*out = rows;
	db_finalize(st);
	return rc;
}

int
store_repository_id(db_t *db, const char *name, int64_t *id)
{
	if (name == NULL)
		return E_INVAL;
	return store_lookup_id(
		db, "SELECT id FROM securitymodules WHERE name = ? ORDER BY id", name, id);
}

int
store_repositories_import(db_t *db, const struct conf_repository *repos, size_t n)
{
	struct store_repository *have = NULL;
	db_stmt_t *ins = NULL, *upd = NULL;
	size_t nhave = 0, cap, i, j;
	int rc;

	if (n > 0 && repos == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = store_repository_list(db, &have, &nhave);
	if (rc != 0)
		goto out;
	cap = nhave;
	rc = db_prepare(db,
		"INSERT INTO securitymodules (name, capacity, requirebackup)"
		" VALUES (?, ?, ?)",
		&ins);
	if (rc < 0)
		goto out;
	/* by name: should a 1.4 database hold a name twice, every row is kept in step */
	rc = db_prepare(db,
		"UPDATE securitymodules SET capacity = ?, requirebackup = ?"
		" WHERE name = ?",
		&upd);
	if (rc < 0)
		goto out;

	for (i = 0; i < n; i++) {
		const struct conf_repository *r = &repos[i];
		int64_t backup = r->require_backup ? 1 : 0;
		int found = 0, same = 1;
		db_stmt_t *st;

		if (r->name == NULL || r->capacity < 0) {
			rc = E_INVAL;
			goto out;
		}
		rc = store_limit_repository(r, NULL, 0);
		if (rc < 0)
			goto out;
		for (j = 0; j < nhave; j++) {
			if (strcmp(have[j].name, r->name) != 0)
				continue;
			found = 1;
			if (have[j].capacity != r->capacity || have[j].require_backup != backup)
				same = 0;
		}
		if (found && same)
			continue;
		st = found ? upd : ins;
		rc = db_reset(st);
		if (rc < 0)
			goto out;
		if (found) {
			rc = db_bind_int(st, 1, r->capacity);
			if (rc == 0)
				rc = db_bind_int(st, 2, backup);
			if (rc == 0)
				rc = db_bind_text(st, 3, r->name);
		} else {
			rc = db_bind_text(st, 1, r->name);
			if (rc == 0)
				rc = db_bind_int(st, 2, r->capacity);
			if (rc == 0)
				rc = db_bind_int(st, 3, backup);
		}
		if (rc == 0)
			rc = store_step_done(st);
		if (rc < 0)
			goto out;
		if (!found) {
			/* a name given twice in one import: the second one updates */
			rc = store_grow(&have, &cap, nhave + 1, sizeof(*have));
			if (rc < 0)
				goto out;
			memset(&have[nhave], 0, sizeof(*have));
			have[nhave].name = strdup(r->name);
			if (have[nhave].name == NULL) {
				rc = E_NOMEM;
				goto out;
			}
			have[nhave].capacity = r->capacity;
			have[nhave].require_backup = (int)backup;
			nhave++;
		}
	}
	rc = 0;
out:
	db_finalize(ins);
	db_finalize(upd);
	store_repository_free_array(have, nhave);
	return rc;
}
