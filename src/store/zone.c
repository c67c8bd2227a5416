#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dname.h"
#include "common/err.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/limits.h"
#include "store/store.h"

/* The columns zone_from_row() reads, in its order. */
#define ZONE_COLUMNS                                                                               \
	"z.id, z.name, z.policy_id, p.name, z.signconf,"                                           \
	" z.input, z.in_type, z.output, z.out_type"                                                \
	" FROM zones z LEFT JOIN policies p ON p.id = z.policy_id"

static void
zone_clear(void *elem)
{
	struct store_zone *z = elem;

	free(z->name);
	free(z->policy);
	free(z->signconf);
	free(z->input);
	free(z->input_type);
	free(z->output);
	free(z->output_type);
	memset(z, 0, sizeof(*z));
}

void
store_zone_free(struct store_zone *z)
{
	if (z == NULL)
		return;
	zone_clear(z);
	free(z);
}

void
store_zone_free_array(struct store_zone *z, size_t n)
{
	store_free_array(z, n, sizeof(*z), zone_clear);
}

/* Fill *z (zeroed by the caller) from a row of ZONE_COLUMNS; on failure z holds what was copied. */
static int
zone_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_zone *z = elem;
	int rc;

	(void)ctx;
	z->id = db_column_int(st, 0);
	z->policy_id = db_column_int(st, 2);
	rc = store_column_strdup(st, 1, &z->name);
	if (rc == 0)
		rc = store_column_strdup(st, 3, &z->policy);
	if (rc == 0)
		rc = store_column_strdup(st, 4, &z->signconf);
	if (rc == 0)
		rc = store_column_strdup(st, 5, &z->input);
	if (rc == 0)
		rc = store_column_strdup(st, 6, &z->input_type);
	if (rc == 0)
		rc = store_column_strdup(st, 7, &z->output);
	if (rc == 0)
		rc = store_column_strdup(st, 8, &z->output_type);
	return rc;
}

int
store_bind_zone_canon(db_stmt_t *st, int idx, const char *name)
{
	size_t len = strlen(name);
	char *canon;
	int rc;

	if (len < 2 || name[len - 1] != '.')
		return db_bind_text(st, idx, name); /* "x", and the root "." */
	canon = strndup(name, len - 1);
	if (canon == NULL)
		return E_NOMEM;
	rc = db_bind_text(st, idx, canon);
	free(canon);
	return rc;
}

/*
 * The insert failed on a unique index: the same name (zones_name) or its
 * other spelling (zones_canon) went in since we looked.
 */
static int
clash_is_other_spelling(db_t *db)
{
	return strcmp(db_constraint(db), "zones_canon") == 0;
}

int
store_zone_add(db_t *db, const struct store_zone *z, int64_t *id, int *dot_clash)
{
	db_stmt_t *st = NULL;
	char *other = NULL;
	int64_t pid = 0, zid = 0;
	int rc, clash = 0;

	if (db == NULL || z == NULL || z->name == NULL || z->policy == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = store_limit_zone(
		z->name, z->signconf, z->input, z->input_type, z->output, z->output_type, NULL, 0);
	if (rc < 0)
		goto out;
	rc = store_lookup_id(db, "SELECT id FROM policies WHERE name = ?", z->policy, &pid);
	if (rc < 0)
		goto out;

	rc = dname_other_spelling(z->name, &other);
	if (rc == E_NOTFOUND)
		rc = 0; /* the root has one spelling */
	if (rc < 0)
		goto out;
	rc = db_prepare(db, "SELECT name FROM zones WHERE name = ? OR name = ?", &st);
	if (rc == 0)
		rc = db_bind_text(st, 1, z->name);
	if (rc == 0)
		rc = db_bind_text(st, 2, other != NULL ? other : z->name);
	if (rc < 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		if (strcmp(db_column_text(st, 0), z->name) == 0) {
			clash = 0;
			break;
		}
		clash = 1;
	}
	if (rc < 0)
		goto out;
	if (rc == DB_ROW || clash) {
		rc = E_EXISTS;
		goto out;
	}
	db_finalize(st);
	st = NULL;

	rc = db_prepare(db,
		"INSERT INTO zones (name, policy_id, signconf, input, output,"
		" in_type, out_type, canon) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		&st);
	if (rc == 0)
		rc = db_bind_text(st, 1, z->name);
	if (rc == 0)
		rc = db_bind_int(st, 2, pid);
	if (rc == 0)
		rc = db_bind_text(st, 3, z->signconf);
	if (rc == 0)
		rc = db_bind_text(st, 4, z->input);
	if (rc == 0)
		rc = db_bind_text(st, 5, z->output);
	if (rc == 0)
		rc = db_bind_text(st, 6, z->input_type != NULL ? z->input_type : "File");
	if (rc == 0)
		rc = db_bind_text(st, 7, z->output_type != NULL ? z->output_type : "File");
	if (rc == 0)
		rc = store_bind_zone_canon(st, 8, z->name);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc == DB_E_CONSTRAINT) {
		/* another process added the name or its other spelling since we looked */
		clash = clash_is_other_spelling(db);
		rc = E_EXISTS;
	}
	if (rc < 0)
		goto out;
	rc = store_lookup_id(db, "SELECT id FROM zones WHERE name = ?", z->name, &zid);
	if (rc < 0)
		goto out;
	if (id != NULL)
		*id = zid;
	rc = 0;
out:
	if (rc == E_EXISTS && dot_clash != NULL)
		*dot_clash = clash;
	free(other);
	db_finalize(st);
	return rc;
}

int
store_zone_get(db_t *db, const char *name, struct store_zone **out)
{
	struct store_zone *z = NULL;
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || name == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = store_first_row(db, "SELECT " ZONE_COLUMNS " WHERE z.name = ?", name, &st);
	if (rc < 0)
		goto out;
	z = calloc(1, sizeof(*z));
	if (z == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	rc = zone_from_row(st, z, NULL);
	if (rc < 0)
		goto out;
	*out = z;
	z = NULL;
out:
	store_zone_free(z);
	db_finalize(st);
	return rc;
}

int
store_zone_delete(db_t *db, const char *name, time_t now)
{
	struct store_zone_deleter d = { NULL, NULL };
	int64_t id = 0;
	int rc;

	if (db == NULL || name == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = store_lookup_id(db, "SELECT id FROM zones WHERE name = ?", name, &id);
	if (rc < 0)
		goto out;
	rc = store_zone_deleter_init(db, now, &d);
	if (rc < 0)
		goto out;
	rc = store_zone_deleter_run(&d, id);
out:
	store_zone_deleter_fini(&d);
	return rc;
}

int
store_zone_delete_all(db_t *db, time_t now, size_t *n)
{
	db_stmt_t *st = NULL;
	int64_t gone;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = db_prepare(db,
		"UPDATE dnsseckeys SET state = ?, dead = ?"
		" WHERE (state IS NULL OR state <> ?) AND zone_id IN (SELECT id FROM zones)",
		&st);
	if (rc == 0)
		rc = db_bind_int(st, 1, STORE_KEY_STATE_DEAD);
	if (rc == 0)
		rc = db_bind_time(st, 2, now);
	if (rc == 0)
		rc = db_bind_int(st, 3, STORE_KEY_STATE_DEAD);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc < 0)
		goto out;
	db_finalize(st);
	st = NULL;
	rc = db_prepare(db, "DELETE FROM zones", &st);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc < 0)
		goto out;
	gone = db_changes(db);
	if (n != NULL)
		*n = gone > 0 ? (size_t)gone : 0;
out:
	db_finalize(st);
	return rc;
}

/*
 * Name order is byte order, sorted here: engines disagree on how collations
 * order '-', '_' and '.'.
 */
static int
zone_cmp_name(const void *a, const void *b)
{
	const struct store_zone *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
store_zone_list(db_t *db, enum store_order order, struct store_zone **out, size_t *n)
{
	db_stmt_t *st = NULL;
	void *rows = NULL;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = db_prepare(db,
		order == STORE_ORDER_NAME ? "SELECT " ZONE_COLUMNS " ORDER BY z.id"
					  : "SELECT " ZONE_COLUMNS " ORDER BY z.policy_id, z.id",
		&st);
	if (rc == 0)
		rc = store_rows(st, sizeof(**out), zone_from_row, NULL, zone_clear,
			order == STORE_ORDER_NAME ? zone_cmp_name : NULL, &rows, n);
	if (rc == 0)
		*out = rows;
out:
	db_finalize(st);
	return rc;
}

int
store_zone_each(db_t *db, store_zone_fn fn, void *arg)
{
	struct store_zone z;
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || fn == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = db_prepare(db, "SELECT " ZONE_COLUMNS " ORDER BY z.policy_id, z.id", &st);
	if (rc < 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		/* the row's own text, borrowed until the next step: nothing is copied */
		z.id = db_column_int(st, 0);
		z.name = (char *)db_column_text(st, 1);
		z.policy_id = db_column_int(st, 2);
		z.policy = (char *)db_column_text(st, 3);
		z.signconf = (char *)db_column_text(st, 4);
		z.input = (char *)db_column_text(st, 5);
		z.input_type = (char *)db_column_text(st, 6);
		z.output = (char *)db_column_text(st, 7);
		z.output_type = (char *)db_column_text(st, 8);
		rc = fn(arg, &z);
		if (rc < 0)
			goto out;
	}
out:
	db_finalize(st);
	return rc < 0 ? rc : 0;
}
