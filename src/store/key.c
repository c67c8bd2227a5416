/*
 * key.c - key pairs, their allocations to zones, and backups (store.h).
 *
 * Every statement is portable SQL with every value bound, numeric
 * constants included. Time comparisons work on the canonical UTC text
 * db_bind_time() writes (string order is time order) and on the native
 * timestamp types of the server engines alike.
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

/* ------------------------------------------------------------------ helpers */

/* A time column, 0 for NULL (or an unreadable value). */
static time_t
column_time0(db_stmt_t *st, int col)
{
	time_t t = 0;

	if (db_column_time(st, col, &t) != 0)
		return 0;
	return t;
}

/* Bind an int at idx, then idx + 1 ... for n values. */
static int
bind_ints(db_stmt_t *st, int idx, const int64_t *v, int n)
{
	int rc = 0, i;

	for (i = 0; i < n && rc == 0; i++)
		rc = db_bind_int(st, idx + i, v[i]);
	return rc;
}

/* One COUNT(*) style value of a prepared statement. */
static int
step_count(db_stmt_t *st, int64_t *n)
{
	int rc = db_step(st);

	if (rc < 0)
		return rc;
	if (rc != DB_ROW)
		return DB_E_SQL;
	*n = db_column_int(st, 0);
	return 0;
}

/* --------------------------------------------------------------- key pairs */

static void
keypair_clear(void *elem)
{
	struct store_keypair *k = elem;

	free(k->locator);
	free(k->repository);
	free(k->policy);
	free(k->pubkey);
}

void
store_keypair_free(struct store_keypair *k)
{
	if (k == NULL)
		return;
	keypair_clear(k);
	free(k);
}

void
store_keypair_free_array(struct store_keypair *k, size_t n)
{
	store_free_array(k, n, sizeof(*k), keypair_clear);
}

/*
 * The key pair columns: the two counts take binds 1 and 2 (GENERATE and
 * DEAD), so conditions appended after the FROM clause start at bind 3.
 */
#define KEYPAIR_SELECT \
	"SELECT k.id, k.HSMkey_id, k.algorithm, k.size, k.securitymodule_id, s.name," \
	" k.policy_id, p.name, k.generate," \
	" (SELECT COUNT(*) FROM dnsseckeys d WHERE d.keypair_id = k.id)," \
	" (SELECT COUNT(*) FROM dnsseckeys d WHERE d.keypair_id = k.id" \
	"   AND (d.state IS NULL OR d.state NOT IN (?, ?)))," \
	" k.publickey" \
	" FROM keypairs k" \
	" LEFT JOIN securitymodules s ON s.id = k.securitymodule_id" \
	" LEFT JOIN policies p ON p.id = k.policy_id"

static int
keypair_prepare(db_t *db, const char *sql, db_stmt_t **out)
{
	db_stmt_t *st = NULL;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, STORE_STATE_GENERATE);
	if (rc == 0)
		rc = db_bind_int(st, 2, STORE_STATE_DEAD);
	if (rc < 0) {
		db_finalize(st);
		return rc;
	}
	*out = st;
	return 0;
}

/* Fill *k (zeroed by the caller) from a KEYPAIR_SELECT row; on failure k holds what was copied. */
static int
keypair_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_keypair *k = elem;
	int rc;

	(void)ctx;
	k->id = db_column_int(st, 0);
	rc = store_column_strdup(st, 1, &k->locator);
	if (rc == 0)
		rc = store_column_strdup(st, 5, &k->repository);
	if (rc == 0)
		rc = store_column_strdup(st, 7, &k->policy);
	if (rc == 0)
		rc = store_column_strdup(st, 11, &k->pubkey);
	if (rc < 0)
		return rc;
	k->algorithm = (int)db_column_int(st, 2);
	k->bits = (int)db_column_int(st, 3);
	k->repository_id = db_column_int(st, 4);
	k->policy_id = db_column_int(st, 6);
	k->generate = column_time0(st, 8);
	k->allocations = (int)db_column_int(st, 9);
	k->in_use = (int)db_column_int(st, 10);
	return 0;
}

/* All rows of a prepared key pair query. */
static int
keypair_rows(db_stmt_t *st, struct store_keypair **out, size_t *n)
{
	void *rows = NULL;
	int rc;

	rc = store_rows(st, sizeof(**out), keypair_from_row, NULL, keypair_clear, NULL, &rows, n);
	if (rc == 0)
		*out = rows;
	return rc;
}

int
store_key_insert(db_t *db, const char *locator, int algorithm, int bits,
	int64_t repository_id, int64_t policy_id, time_t now, const char *pubkey, int64_t *id)
{
	db_stmt_t *st = NULL;
	int64_t kid = 0;
	int rc;

	if (db == NULL || locator == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = store_limit_check(STORE_F_KEY_LOCATOR, locator, NULL, 0);
	if (rc < 0)
		goto out;
	/* the public key is only a cache: one too long for the column is not kept */
	if (store_limit_check(STORE_F_KEY_PUBKEY, pubkey, NULL, 0) < 0)
		pubkey = NULL;
	rc = db_prepare(db, "INSERT INTO keypairs (HSMkey_id, algorithm, size, securitymodule_id,"
		" policy_id, generate, compromisedflag, fixedDate, publickey)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc == 0)
		rc = db_bind_text(st, 1, locator);
	if (rc == 0)
		rc = bind_ints(st, 2, (const int64_t[]){ algorithm, bits, repository_id, policy_id },
		    4);
	if (rc == 0)
		rc = db_bind_time(st, 6, now);
	if (rc == 0)
		rc = bind_ints(st, 7, (const int64_t[]){ 0, 0 }, 2);
	if (rc == 0)
		rc = db_bind_text(st, 9, pubkey);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc < 0 || id == NULL)
		goto out;
	db_finalize(st);
	st = NULL;
	rc = db_prepare(db, "SELECT MAX(id) FROM keypairs WHERE HSMkey_id = ?", &st);
	if (rc == 0)
		rc = db_bind_text(st, 1, locator);
	if (rc == 0)
		rc = step_count(st, &kid);
	if (rc < 0)
		goto out;
	/* cppcheck-suppress ctunullpointer ; id == NULL left above, before the SELECT */
	*id = kid;
out:
	db_finalize(st);
	return rc;
}

int
store_key_set_pubkey(db_t *db, int64_t id, const char *pubkey)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || pubkey == NULL) {
		rc = E_INVAL;
		goto out;
	}
	if (store_limit_check(STORE_F_KEY_PUBKEY, pubkey, NULL, 0) < 0) {
		rc = 0;         /* a cache: too long for the column, not kept */
		goto out;
	}
	rc = db_prepare(db, "UPDATE keypairs SET publickey = ? WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_text(st, 1, pubkey);
	if (rc == 0)
		rc = db_bind_int(st, 2, id);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc == 0 && db_changes(db) == 0)
		rc = E_NOTFOUND;
out:
	db_finalize(st);
	return rc;
}

int
store_key_find(db_t *db, const char *locator, struct store_keypair **out)
{
	struct store_keypair *k = NULL;
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || locator == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = keypair_prepare(db, KEYPAIR_SELECT " WHERE k.HSMkey_id = ? ORDER BY k.id", &st);
	if (rc == 0)
		rc = db_bind_text(st, 3, locator);
	if (rc == 0)
		rc = db_step(st);
	if (rc < 0)
		goto out;
	if (rc == DB_DONE) {
		rc = E_NOTFOUND;
		goto out;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	rc = keypair_from_row(st, k, NULL);
	if (rc < 0)
		goto out;
	*out = k;
	k = NULL;
out:
	store_keypair_free(k);
	db_finalize(st);
	return rc;
}

int
store_key_all(db_t *db, struct store_keypair **out, size_t *n)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = keypair_prepare(db, KEYPAIR_SELECT " ORDER BY k.id", &st);
	if (rc == 0)
		rc = keypair_rows(st, out, n);
out:
	db_finalize(st);
	return rc;
}

int
store_key_delete(db_t *db, int64_t id)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = db_prepare(db, "DELETE FROM dnsseckeys WHERE keypair_id = ?", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, id);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc < 0)
		goto out;
	db_finalize(st);
	st = NULL;
	rc = db_prepare(db, "DELETE FROM keypairs WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, id);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc == 0 && db_changes(db) == 0)
		rc = E_NOTFOUND;
out:
	db_finalize(st);
	return rc;
}

int
store_key_purgeable(db_t *db, int64_t zone_id, int64_t policy_id,
	struct store_keypair **out, size_t *n)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	if (zone_id > 0) {
		rc = keypair_prepare(db, KEYPAIR_SELECT
			" WHERE EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
			"   AND d.zone_id = ? AND d.state = ?)"
			" AND NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
			"   AND (d.state IS NULL OR d.state <> ?))"
			" ORDER BY k.id", &st);
		if (rc == 0)
			rc = bind_ints(st, 3, (const int64_t[]){ zone_id, STORE_STATE_DEAD,
			    STORE_STATE_DEAD }, 3);
	} else {
		rc = keypair_prepare(db, KEYPAIR_SELECT
			" WHERE k.policy_id = ?"
			" AND EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
			"   AND d.state = ?)"
			" AND NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
			"   AND (d.state IS NULL OR d.state <> ?))"
			" ORDER BY k.id", &st);
		if (rc == 0)
			rc = bind_ints(st, 3, (const int64_t[]){ policy_id, STORE_STATE_DEAD,
			    STORE_STATE_DEAD }, 3);
	}
	if (rc == 0)
		rc = keypair_rows(st, out, n);
out:
	db_finalize(st);
	return rc;
}

int
store_enf_purgeable(db_t *db, int64_t policy_id, time_t cutoff, struct store_keypair **out,
	size_t *n)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || out == NULL || n == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = keypair_prepare(db, KEYPAIR_SELECT
		" WHERE k.policy_id = ?"
		" AND EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id)"
		" AND NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
		"   AND (d.state IS NULL OR d.state <> ? OR d.dead IS NULL OR d.dead > ?))"
		" ORDER BY k.id", &st);
	if (rc == 0)
		rc = bind_ints(st, 3, (const int64_t[]){ policy_id, STORE_STATE_DEAD }, 2);
	if (rc == 0)
		rc = db_bind_time(st, 5, cutoff);
	if (rc == 0)
		rc = keypair_rows(st, out, n);
out:
	db_finalize(st);
	return rc;
}

int
store_key_count_repository(db_t *db, int64_t repository_id, int64_t *n)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || n == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = db_prepare(db, "SELECT COUNT(*) FROM keypairs WHERE securitymodule_id = ?", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, repository_id);
	if (rc == 0)
		rc = step_count(st, n);
out:
	db_finalize(st);
	return rc;
}

int
store_key_count_good(db_t *db, const struct store_key_pool *pool, time_t limit, int64_t *n)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || pool == NULL || n == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = db_prepare(db, "SELECT COUNT(*) FROM keypairs k"
		" WHERE k.policy_id = ? AND k.securitymodule_id = ? AND k.algorithm = ?"
		" AND k.size = ?"
		" AND NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
		"   AND (d.state IS NULL OR d.state IN (?, ?) OR d.retire <= ?))", &st);
	if (rc == 0)
		rc = bind_ints(st, 1, (const int64_t[]){ pool->policy_id, pool->repository_id,
		    pool->algorithm, pool->bits, STORE_STATE_RETIRE, STORE_STATE_DEAD }, 6);
	if (rc == 0)
		rc = db_bind_time(st, 7, limit);
	if (rc == 0)
		rc = step_count(st, n);
out:
	db_finalize(st);
	return rc;
}

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
		k->publish = column_time0(st, 11);
		k->ready = column_time0(st, 12);
		k->active = column_time0(st, 13);
		k->retire = column_time0(st, 14);
		k->dead = column_time0(st, 15);
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
	    f->unallocated && f->zone_id == 0 && f->keytype == 0 ?
	    "(d.id IS NULL OR z.id IS NOT NULL)" : "z.id IS NOT NULL");
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
	    " ORDER BY CASE WHEN d.id IS NULL THEN 0 ELSE 1 END, d.zone_id, k.id, d.id", cond);
	if (len >= sizeof(sql)) {
		rc = E_RANGE;
		goto out;
	}
	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = bind_ints(st, 1, binds, nb);
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
		[STORE_STATE_GENERATE] = "INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
		    " state, rfc5011, revoked, retire) VALUES (?, ?, ?, ?, ?, ?, ?)",
		[STORE_STATE_PUBLISH] = "INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
		    " state, rfc5011, revoked, retire, publish) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		[STORE_STATE_READY] = "INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
		    " state, rfc5011, revoked, retire, ready) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		[STORE_STATE_ACTIVE] = "INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
		    " state, rfc5011, revoked, retire, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		[STORE_STATE_RETIRE] = "INSERT INTO dnsseckeys (keypair_id, zone_id, keytype,"
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
			rc = bind_ints(st, 1, (const int64_t[]){ 1, kid }, 2);
		if (rc == 0)
			rc = store_step_done(st);
		if (rc < 0)
			goto out;
		db_finalize(st);
		st = NULL;
	}

	/* the zone, or with shared keys every zone of its policy */
	rc = db_prepare(db, imp->share ? "SELECT id FROM zones WHERE policy_id = ? ORDER BY id" :
	    "SELECT id FROM zones WHERE id = ?", &zq);
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
			rc = bind_ints(st, 1, (const int64_t[]){ kid, db_column_int(zq, 0),
			    imp->keytype, imp->state, imp->rfc5011 ? 1 : 0, 0 }, 6);
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

/* ------------------------------------------------------------------ backups */

int
store_backup_mark(db_t *db, enum store_backup_op op, int64_t repository_id, time_t now,
	int64_t *changed)
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

	r->pre_backup = verbose ? column_time0(st, 0) : 0;
	r->backup = column_time0(st, 1);
	return store_column_strdup(st, 2, &r->repository);
}

int
store_backup_list(db_t *db, int64_t repository_id, int verbose,
	struct store_backup_row **out, size_t *n)
{
	char sql[512];
	void *rows = NULL;
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	snprintf(sql, sizeof(sql), "SELECT DISTINCT %s, s.name FROM keypairs k"
	    " LEFT JOIN securitymodules s ON s.id = k.securitymodule_id WHERE %s%s",
	    verbose ? "k.pre_backup, k.backup" : "k.backup, k.backup",
	    verbose ? "(k.pre_backup IS NOT NULL OR k.backup IS NOT NULL)" :
	    "k.backup IS NOT NULL",
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
store_backup_status(db_t *db, int64_t repository_id, struct store_backup_state **out,
	size_t *n)
{
	void *rows = NULL;
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = db_prepare(db, repository_id > 0 ?
	    "SELECT s.name, s.requirebackup,"
	    " (SELECT COUNT(*) FROM keypairs k WHERE k.securitymodule_id = s.id"
	    "   AND k.backup IS NULL),"
	    " (SELECT COUNT(*) FROM keypairs k WHERE k.securitymodule_id = s.id"
	    "   AND k.pre_backup IS NOT NULL AND k.backup IS NULL)"
	    " FROM securitymodules s WHERE s.id = ?" :
	    "SELECT s.name, s.requirebackup,"
	    " (SELECT COUNT(*) FROM keypairs k WHERE k.securitymodule_id = s.id"
	    "   AND k.backup IS NULL),"
	    " (SELECT COUNT(*) FROM keypairs k WHERE k.securitymodule_id = s.id"
	    "   AND k.pre_backup IS NOT NULL AND k.backup IS NULL)"
	    " FROM securitymodules s", &st);
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
