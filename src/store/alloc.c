/*
 * alloc.c - writing key allocations (dnsseckeys rows): their role, state
 * and dates (store.h, struct store_alloc).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/err.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/store.h"

int
store_alloc_writer_init(db_t *db, struct store_alloc_writer *w)
{
	struct store_alloc_writer tmp = { db, NULL, NULL };
	int rc;

	if (db == NULL || w == NULL)
		return E_INVAL;
	rc = db_prepare(db,
		"UPDATE dnsseckeys SET state = ?, publish = ?, ready = ?, active = ?,"
		" retire = ?, dead = ?, revoked = ? WHERE keypair_id = ? AND zone_id = ?",
		&tmp.update);
	if (rc == 0)
		rc = db_prepare(db,
			"INSERT INTO dnsseckeys (state, publish, ready, active, retire,"
			" dead, revoked, keypair_id, zone_id, keytype, rfc5011)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&tmp.insert);
	if (rc < 0) {
		store_alloc_writer_fini(&tmp);
		return rc;
	}
	*w = tmp;
	return 0;
}

static int
bind_time0(db_stmt_t *st, int idx, time_t t)
{
	return t != 0 ? db_bind_time(st, idx, t) : db_bind_null(st, idx);
}

int
store_alloc_write(struct store_alloc_writer *w, const struct store_alloc *a, int insert)
{
	db_stmt_t *st;
	int rc;

	if (w == NULL || a == NULL)
		return E_INVAL;
	st = insert ? w->insert : w->update;
	/* both statements start with the same seven columns, then the row's key */
	rc = db_reset(st);
	if (rc == 0)
		rc = db_bind_int(st, 1, a->state);
	if (rc == 0)
		rc = bind_time0(st, 2, a->publish);
	if (rc == 0)
		rc = bind_time0(st, 3, a->ready);
	if (rc == 0)
		rc = bind_time0(st, 4, a->active);
	if (rc == 0)
		rc = bind_time0(st, 5, a->retire);
	if (rc == 0)
		rc = bind_time0(st, 6, a->dead);
	if (rc == 0)
		rc = db_bind_int(st, 7, a->revoked ? 1 : 0);
	if (rc == 0)
		rc = db_bind_int(st, 8, a->keypair_id);
	if (rc == 0)
		rc = db_bind_int(st, 9, a->zone_id);
	if (rc == 0 && insert)
		rc = db_bind_int(st, 10, a->keytype);
	if (rc == 0 && insert)
		rc = db_bind_int(st, 11, a->rfc5011 ? 1 : 0);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc == 0 && !insert && db_changes(w->db) == 0)
		rc = E_NOTFOUND;
	return rc;
}

void
store_alloc_writer_fini(struct store_alloc_writer *w)
{
	if (w == NULL)
		return;
	db_finalize(w->update);
	db_finalize(w->insert);
	w->update = w->insert = NULL;
}

int
store_alloc_update(db_t *db, const struct store_alloc *a)
{
	struct store_alloc_writer w;
	int rc;

	rc = store_alloc_writer_init(db, &w);
	if (rc < 0)
		return rc;
	rc = store_alloc_write(&w, a, 0);
	store_alloc_writer_fini(&w);
	return rc;
}
