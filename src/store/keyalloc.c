/*
 * keyalloc.c - reading key allocations (dnsseckeys rows joined with their
 * key pairs, struct store_key) and importing a key with its allocation
 * (store.h). Split from key.c, whose conventions it keeps: portable SQL
 * with every value bound.
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

/* ------------------------------------------------------------- allocations */

static void
key_clear(void *elem)
{
	struct store_key *k = elem;

	free(k->locator);
	free(k->repository);
	free(k->policy);
	free(k->zone);
	free(k->pubkey);
}

void
store_key_free_array(struct store_key *k, size_t n)
{
	store_free_array(k, n, sizeof(*k), key_clear);
}

/* Fill *k (zeroed) from a store_key_list() row; on failure k holds what was copied. */
static int
key_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_key *k = elem;
	int rc;

	(void)ctx;
	k->keypair_id = db_column_int(st, 0);
	rc = store_column_strdup(st, 1, &k->locator);
	if (rc == 0)
		rc = store_column_strdup(st, 4, &k->repository);
	if (rc == 0 && !db_column_is_null(st, 7))
		rc = store_column_strdup(st, 8, &k->zone);
	if (rc == 0)
		rc = store_column_strdup(st, 18, &k->policy);
	if (rc == 0)
		rc = store_column_strdup(st, 19, &k->pubkey);
	if (rc < 0)
		return rc;
	k->algorithm = (int)db_column_int(st, 2);
	k->bits = (int)db_column_int(st, 3);
	k->policy_id = db_column_int(st, 5);
	k->fixed_date = db_column_int(st, 6) != 0;
	if (!db_column_is_null(st, 7)) {
		k->zone_id = db_column_int(st, 7);
		k->keytype = (int)db_column_int(st, 9);
		k->state = (int)db_column_int(st, 10);
		k->publish = store_column_time0(st, 11);
		k->ready = store_column_time0(st, 12);
		k->active = store_column_time0(st, 13);
		k->retire = store_column_time0(st, 14);
		k->dead = store_column_time0(st, 15);
		k->rfc5011 = db_column_int(st, 16) != 0;
		k->revoked = db_column_int(st, 17) != 0;
	}
	return 0;
}

/* The statement of store_key_list() and store_key_each() for filter f, bound. */
static int
key_list_prepare(db_t *db, const struct store_key_filter *f, db_stmt_t **out)
{
	/* the SQL text varies only in its number of placeholders, never in values */
	char sql[2048], cond[512];
	int64_t binds[STORE_STATE_MAX + 4];
	db_stmt_t *st = NULL;
	int nb = 0, nstates = 0, s, rc;
	size_t len;

	if (db == NULL || f == NULL) {
		rc = E_INVAL;
		goto out;
	}
	/* allocations to zones that are gone are left out; unallocated pairs when asked */
	snprintf(cond, sizeof(cond), "%s",
		f->unallocated && f->zone_id == 0 && f->keytype == 0
			? "(d.id IS NULL OR z.id IS NOT NULL)"
			: "z.id IS NOT NULL");
	if (f->zone_id > 0) {
		strcat(cond, " AND d.zone_id = ?");
		binds[nb++] = f->zone_id;
	}
	if (f->keytype != 0) {
		strcat(cond, " AND d.keytype = ?");
		binds[nb++] = f->keytype;
	}
	if (f->states != 0) {
		if ((f->states & (((1u << STORE_STATE_MAX) - 1) << 1)) == 0) {
			rc = E_INVAL;
			goto out;
		}
		strcat(cond, " AND (d.state IN (");
		for (s = 1; s <= STORE_STATE_MAX; s++) {
			if (!(f->states & (1u << s)))
				continue;
			strcat(cond, nstates ? ", ?" : "?");
			binds[nb++] = s;
			nstates++;
		}
		strcat(cond, f->unallocated ? ") OR d.id IS NULL)" : "))");
	}
	len = (size_t)snprintf(sql, sizeof(sql),
		"SELECT k.id, k.HSMkey_id, k.algorithm, k.size, s.name, k.policy_id, k.fixedDate,"
		" d.zone_id, z.name, d.keytype, d.state, d.publish, d.ready, d.active, d.retire,"
		" d.dead, d.rfc5011, d.revoked, p.name, k.publickey"
		" FROM keypairs k"
		" LEFT JOIN dnsseckeys d ON d.keypair_id = k.id"
		" LEFT JOIN zones z ON z.id = d.zone_id"
		" LEFT JOIN securitymodules s ON s.id = k.securitymodule_id"
		" LEFT JOIN policies p ON p.id = k.policy_id"
		" WHERE %s"
		" ORDER BY CASE WHEN d.id IS NULL THEN 0 ELSE 1 END, d.zone_id, k.id, d.id",
		cond);
	if (len >= sizeof(sql)) {
		rc = E_RANGE;
		goto out;
	}
	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = store_bind_ints(st, 1, binds, nb);
	if (rc == 0) {
		*out = st;
		st = NULL;
	}
out:
	db_finalize(st);
	return rc;
}

int
store_key_list(db_t *db, const struct store_key_filter *f, struct store_key **out, size_t *n)
{
	db_stmt_t *st = NULL;
	void *rows = NULL;
	int rc;

	rc = key_list_prepare(db, f, &st);
	if (rc == 0)
		rc = store_rows(st, sizeof(**out), key_from_row, NULL, key_clear, NULL, &rows, n);
	if (rc == 0)
		*out = rows;
	db_finalize(st);
	return rc;
}

int
store_key_each(db_t *db, const struct store_key_filter *f, store_key_fn fn, void *arg)
{
	struct store_key k;
	db_stmt_t *st = NULL;
	int rc;

	if (fn == NULL)
		return E_INVAL;
	rc = key_list_prepare(db, f, &st);
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		memset(&k, 0, sizeof(k));
		rc = key_from_row(st, &k, NULL);
		if (rc == 0)
			rc = fn(arg, &k);
		key_clear(&k);
	}
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The policy of a zone; E_NOTFOUND. */
static int
zone_policy(db_t *db, int64_t zone_id, int64_t *policy_id)
{
	db_stmt_t *st = NULL;
	int rc;

	rc = db_prepare(db, "SELECT policy_id FROM zones WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, zone_id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		rc = E_NOTFOUND;
	if (rc == DB_ROW) {
		*policy_id = db_column_int(st, 0);
		rc = 0;
	}
	db_finalize(st);
	return rc;
}

int
store_key_import(db_t *db, const struct store_key_import *imp, int64_t *id)
{
	/* the date column of the state the key is in (GENERATE and RETIRE: see below) */
	static const char *const ins_sql[] = {
		[STORE_STATE_GENERATE] =
			"INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
			" state, rfc5011, revoked, retire) VALUES (?, ?, ?, ?, ?, ?, ?)",
		[STORE_STATE_PUBLISH] =
			"INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
			" state, rfc5011, revoked, retire, publish) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		[STORE_STATE_READY] =
			"INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
			" state, rfc5011, revoked, retire, ready) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		[STORE_STATE_ACTIVE] =
			"INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
			" state, rfc5011, revoked, retire, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		[STORE_STATE_RETIRE] =
			"INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
			" state, rfc5011, revoked, retire) VALUES (?, ?, ?, ?, ?, ?, ?)",
	};
	struct store_keypair *dup = NULL;
	db_stmt_t *st = NULL, *zq = NULL;
	int64_t policy_id = 0, kid = 0;
	time_t retire;
	int rc;

	if (db == NULL || imp == NULL || imp->locator == NULL ||
		imp->state < STORE_STATE_GENERATE || imp->state > STORE_STATE_RETIRE) {
		rc = E_INVAL;
		goto out;
	}
	rc = store_key_find(db, imp->locator, &dup);
	if (rc == 0) {
		rc = E_EXISTS;
		goto out;
	}
	if (rc != E_NOTFOUND)
		goto out;
	rc = zone_policy(db, imp->zone_id, &policy_id);
	if (rc < 0)
		goto out;
	rc = store_key_insert(db, imp->locator, imp->algorithm, imp->bits, imp->repository_id,
		policy_id, imp->time, NULL, &kid);
	if (rc < 0)
		goto out;
	if (imp->retire != 0) {
		rc = db_prepare(db, "UPDATE keypairs SET fixedDate = ? WHERE id = ?", &st);
		if (rc == 0)
			rc = store_bind_ints(st, 1, (const int64_t[]){ 1, kid }, 2);
		if (rc == 0)
			rc = store_step_done(st);
		if (rc < 0)
			goto out;
		db_finalize(st);
		st = NULL;
	}

	/* the zone, or with shared keys every zone of its policy */
	rc = db_prepare(db,
		imp->share ? "SELECT id FROM zones WHERE policy_id = ? ORDER BY id"
			   : "SELECT id FROM zones WHERE id = ?",
		&zq);
	if (rc == 0)
		rc = db_bind_int(zq, 1, imp->share ? policy_id : imp->zone_id);
	if (rc == 0)
		rc = db_prepare(db, ins_sql[imp->state], &st);
	if (rc < 0)
		goto out;
	/* RETIRE keeps the time it entered the state in retire; ACTIVE may carry a fixed one */
	retire = imp->state == STORE_STATE_RETIRE ? imp->time : imp->retire;
	while ((rc = db_step(zq)) == DB_ROW) {
		rc = db_reset(st);
		if (rc == 0)
			rc = store_bind_ints(st, 1,
				(const int64_t[]){ kid, db_column_int(zq, 0), imp->keytype,
					imp->state, imp->rfc5011 ? 1 : 0, 0 },
				6);
		if (rc == 0)
			rc = retire != 0 ? db_bind_time(st, 7, retire) : db_bind_null(st, 7);
		if (rc == 0 && imp->state != STORE_STATE_GENERATE &&
			imp->state != STORE_STATE_RETIRE)
			rc = db_bind_time(st, 8, imp->time);
		if (rc == 0)
			rc = store_step_done(st);
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (id != NULL)
		*id = kid;
	rc = 0;
out:
	store_keypair_free(dup);
	db_finalize(zq);
	db_finalize(st);
	return rc;
}
