/*
 * enforce.c - what the enforce pass reads and writes (store.h, "the
 * enforce pass"). Each read serves a whole batch of zones or a whole
 * policy: the number of statements of a pass grows with the number of
 * batches, never with the number of zones.
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

/* ----------------------------------------------------------------- policies */

static void
enf_policy_clear(void *elem)
{
	struct store_enf_policy *p = elem;

	kasp_policy_free(p->kasp);
	free(p->salt);
}

void
store_enf_policy_free_array(struct store_enf_policy *p, size_t n)
{
	store_free_array(p, n, sizeof(*p), enf_policy_clear);
}

/* Row: id, name (kept in kasp later), salt, salt_stamp, zone count. */
static int
enf_policy_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_enf_policy *p = elem;

	(void)ctx;
	p->id = db_column_int(st, 0);
	p->salt_stamp = store_column_time0(st, 3);
	p->zones = db_column_int(st, 4);
	/* the name rides in salt's place until the parameters are read */
	return store_column_strdup(st, 1, &p->salt);
}

/* Fill the parameters and repositories of p, whose name is in p->salt. */
static int
enf_policy_complete(
	db_t *db, struct store_enf_policy *p, const struct store_repository *repos, size_t nrepos)
{
	db_stmt_t *st = NULL;
	char *name = p->salt;
	int rc, role;

	p->salt = NULL;
	rc = store_policy_get(db, name, &p->kasp);
	if (rc < 0)
		goto out;
	rc = db_prepare(db, "SELECT salt FROM policies WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, p->id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_ROW)
		rc = store_column_strdup(st, 0, &p->salt);
	else if (rc == DB_DONE)
		rc = E_NOTFOUND;
	if (rc < 0)
		goto out;
	for (role = 0; role < 2; role++) {
		const char *r = role == 0 ? p->kasp->ksk.repository : p->kasp->zsk.repository;

		for (size_t i = 0; r != NULL && i < nrepos; i++) {
			if (strcmp(repos[i].name, r) == 0) {
				p->repo_id[role] = repos[i].id;
				p->capacity[role] = repos[i].capacity;
				p->require_backup[role] = repos[i].require_backup;
			}
		}
	}
	rc = 0;
out:
	free(name);
	db_finalize(st);
	return rc;
}

int
store_enf_policies(db_t *db, const char *only, struct store_enf_policy **out, size_t *n)
{
	struct store_repository *repos = NULL;
	size_t nrepos = 0, count = 0, i;
	void *rows = NULL;
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || out == NULL || n == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = store_repository_list(db, &repos, &nrepos);
	if (rc < 0)
		goto out;
	rc = db_prepare(db,
		only != NULL ? "SELECT p.id, p.name, p.salt, p.salt_stamp,"
			       " (SELECT COUNT(*) FROM zones z WHERE z.policy_id = p.id)"
			       " FROM policies p WHERE p.name = ? ORDER BY p.id"
			     : "SELECT p.id, p.name, p.salt, p.salt_stamp,"
			       " (SELECT COUNT(*) FROM zones z WHERE z.policy_id = p.id)"
			       " FROM policies p ORDER BY p.id",
		&st);
	if (rc == 0 && only != NULL)
		rc = db_bind_text(st, 1, only);
	if (rc == 0)
		rc = store_rows(st, sizeof(**out), enf_policy_from_row, NULL, enf_policy_clear,
			NULL, &rows, &count);
	if (rc < 0)
		goto out;
	if (only != NULL && count == 0) {
		rc = E_NOTFOUND;
		goto out;
	}
	for (i = 0; i < count; i++) {
		rc = enf_policy_complete(db, &((struct store_enf_policy *)rows)[i], repos, nrepos);
		if (rc < 0)
			goto out;
	}
	*out = rows;
	*n = count;
	rows = NULL;
	rc = 0;
out:
	store_enf_policy_free_array(rows, count);
	store_repository_free_array(repos, nrepos);
	db_finalize(st);
	return rc;
}

int
store_enf_set_salt(db_t *db, int64_t policy_id, const char *salt, time_t stamp)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || salt == NULL)
		return E_INVAL;
	rc = store_limit_check(STORE_F_POLICY_SALT, salt, NULL, 0);
	if (rc < 0)
		return rc;
	rc = db_prepare(db, "UPDATE policies SET salt = ?, salt_stamp = ? WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_text(st, 1, salt);
	if (rc == 0)
		rc = db_bind_time(st, 2, stamp);
	if (rc == 0)
		rc = db_bind_int(st, 3, policy_id);
	if (rc == 0)
		rc = store_step_changed(db, st);
	db_finalize(st);
	return rc;
}

/* -------------------------------------------------------------------- zones */

static void
enf_zone_clear(void *elem)
{
	struct store_enf_zone *z = elem;

	free(z->name);
	free(z->signconf);
}

void
store_enf_zone_free_array(struct store_enf_zone *z, size_t n)
{
	store_free_array(z, n, sizeof(*z), enf_zone_clear);
}

static int
enf_zone_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_enf_zone *z = elem;
	const char *sc;
	int rc;

	(void)ctx;
	z->id = db_column_int(st, 0);
	z->policy_id = db_column_int(st, 2);
	z->ds_pending = db_column_int(st, 4) != 0;
	rc = store_column_strdup(st, 1, &z->name);
	/* an empty path is no path */
	sc = db_column_text(st, 3);
	if (rc == 0 && sc != NULL && *sc != '\0')
		rc = store_strdup(sc, &z->signconf);
	return rc;
}

int
store_enf_zones(db_t *db, int64_t after_id, size_t max, int64_t policy_id,
	struct store_enf_zone **out, size_t *n)
{
	const int64_t v[] = { after_id, policy_id > 0 ? policy_id : 0, (int64_t)max };
	void *rows = NULL;
	int rc;

	if (db == NULL || out == NULL || n == NULL || max == 0)
		return E_INVAL;
	rc = store_query_rows(db,
		policy_id > 0 ? "SELECT id, name, policy_id, signconf, ds_pending FROM zones"
				" WHERE id > ? AND policy_id = ? ORDER BY id LIMIT ?"
			      : "SELECT id, name, policy_id, signconf, ds_pending FROM zones"
				" WHERE id > ? AND 0 = ? ORDER BY id LIMIT ?",
		v, 3, sizeof(**out), enf_zone_from_row, enf_zone_clear, &rows, n);
	if (rc == 0)
		*out = rows;
	return rc;
}

/* --------------------------------------------------------------------- keys */

static void
enf_key_clear(void *elem)
{
	struct store_enf_key *k = elem;

	free(k->locator);
}

void
store_enf_key_free_array(struct store_enf_key *k, size_t n)
{
	store_free_array(k, n, sizeof(*k), enf_key_clear);
}

static int
enf_key_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_enf_key *k = elem;

	(void)ctx;
	k->zone_id = db_column_int(st, 0);
	k->a.zone_id = k->zone_id;
	k->a.keypair_id = db_column_int(st, 1);
	k->a.keytype = (int)db_column_int(st, 2);
	k->a.state = (int)db_column_int(st, 3);
	k->a.publish = store_column_time0(st, 4);
	k->a.ready = store_column_time0(st, 5);
	k->a.active = store_column_time0(st, 6);
	k->a.retire = store_column_time0(st, 7);
	k->a.dead = store_column_time0(st, 8);
	k->a.rfc5011 = db_column_int(st, 9) != 0;
	k->a.revoked = db_column_int(st, 10) != 0;
	k->algorithm = (int)db_column_int(st, 12);
	k->bits = (int)db_column_int(st, 13);
	k->repository_id = db_column_int(st, 14);
	k->compromised = db_column_int(st, 15) != 0;
	k->fixed_date = db_column_int(st, 16) != 0;
	k->backed_up = !db_column_is_null(st, 17);
	k->require_backup = db_column_int(st, 18) != 0;
	return store_column_strdup(st, 11, &k->locator);
}

int
store_enf_keys(db_t *db, int64_t first, int64_t last, struct store_enf_key **out, size_t *n)
{
	const int64_t v[] = { first, last, STORE_STATE_DEAD };
	void *rows = NULL;
	int rc;

	if (db == NULL || out == NULL || n == NULL)
		return E_INVAL;
	rc = store_query_rows(db,
		"SELECT d.zone_id, d.keypair_id, d.keytype, d.state, d.publish,"
		" d.ready, d.active, d.retire, d.dead, d.rfc5011, d.revoked,"
		" k.HSMkey_id, k.algorithm, k.size, k.securitymodule_id, k.compromisedflag,"
		" k.fixedDate, k.backup, s.requirebackup"
		" FROM dnsseckeys d JOIN keypairs k ON k.id = d.keypair_id"
		" LEFT JOIN securitymodules s ON s.id = k.securitymodule_id"
		" WHERE d.zone_id >= ? AND d.zone_id <= ? AND d.state <> ?"
		" ORDER BY d.zone_id, d.keypair_id",
		v, 3, sizeof(**out), enf_key_from_row, enf_key_clear, &rows, n);
	if (rc == 0)
		*out = rows;
	return rc;
}

/* ------------------------------------------------------------------- spares */

static void
spare_clear(void *elem)
{
	struct store_enf_spare *s = elem;

	free(s->locator);
}

void
store_enf_spare_free_array(struct store_enf_spare *s, size_t n)
{
	store_free_array(s, n, sizeof(*s), spare_clear);
}

/* Row: id, locator, algorithm, backup, requirebackup, keytype (or NULL). */
static int
spare_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_enf_spare *s = elem;

	(void)ctx;
	s->id = db_column_int(st, 0);
	s->algorithm = (int)db_column_int(st, 2);
	s->backed_up = !db_column_is_null(st, 3);
	s->require_backup = db_column_int(st, 4) != 0;
	s->keytype = (int)db_column_int(st, 5);
	return store_column_strdup(st, 1, &s->locator);
}

/* Bind a pool's four values at 1..4. */
/* A pool's filters, in the order of the spare queries' first parameters. */
#define POOL_INTS 4

static void
pool_ints(const struct store_key_pool *pool, int64_t *v)
{
	v[0] = pool->policy_id;
	v[1] = pool->repository_id;
	v[2] = pool->algorithm;
	v[3] = pool->bits;
}

int
store_enf_unallocated(db_t *db, const struct store_key_pool *pool, int64_t after_id, size_t max,
	struct store_enf_spare **out, size_t *n)
{
	int64_t v[POOL_INTS + 2];
	void *rows = NULL;
	int rc;

	if (db == NULL || pool == NULL || out == NULL || n == NULL || max == 0)
		return E_INVAL;
	pool_ints(pool, v);
	v[POOL_INTS] = after_id;
	v[POOL_INTS + 1] = (int64_t)max;
	rc = store_query_rows(db,
		"SELECT k.id, k.HSMkey_id, k.algorithm, k.backup, s.requirebackup,"
		" NULL FROM keypairs k LEFT JOIN securitymodules s ON s.id = k.securitymodule_id"
		" WHERE k.policy_id = ? AND k.securitymodule_id = ? AND k.algorithm = ?"
		" AND k.size = ? AND k.id > ?"
		" AND NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id)"
		" ORDER BY k.id LIMIT ?",
		v, POOL_INTS + 2, sizeof(**out), spare_from_row, spare_clear, &rows, n);
	if (rc == 0)
		*out = rows;
	return rc;
}

int
store_enf_shared(
	db_t *db, const struct store_key_pool *pool, struct store_enf_spare **out, size_t *n)
{
	int64_t v[POOL_INTS + 2];
	void *rows = NULL;
	int rc;

	if (db == NULL || pool == NULL || out == NULL || n == NULL)
		return E_INVAL;
	pool_ints(pool, v);
	v[POOL_INTS] = STORE_STATE_RETIRE;
	v[POOL_INTS + 1] = STORE_STATE_DEAD;
	/* one role per key pair (Q7): a pair that somehow has two is offered to neither */
	rc = store_query_rows(db,
		"SELECT k.id, k.HSMkey_id, k.algorithm, k.backup, s.requirebackup,"
		" MIN(d.keytype)"
		" FROM keypairs k JOIN dnsseckeys d ON d.keypair_id = k.id"
		" LEFT JOIN securitymodules s ON s.id = k.securitymodule_id"
		" WHERE k.policy_id = ? AND k.securitymodule_id = ? AND k.algorithm = ?"
		" AND k.size = ?"
		" GROUP BY k.id, k.HSMkey_id, k.algorithm, k.backup, s.requirebackup"
		" HAVING MIN(d.keytype) = MAX(d.keytype)"
		" AND SUM(CASE WHEN d.state IN (?, ?) THEN 1 ELSE 0 END) = 0"
		" ORDER BY k.id",
		v, POOL_INTS + 2, sizeof(**out), spare_from_row, spare_clear, &rows, n);
	if (rc == 0)
		*out = rows;
	return rc;
}

/* ------------------------------------------------------ DS, public keys, purge */

int
store_enf_set_ds_pending(db_t *db, int64_t zone_id, int pending)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL)
		return E_INVAL;
	rc = db_prepare(db, "UPDATE zones SET ds_pending = ? WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, pending ? 1 : 0);
	if (rc == 0)
		rc = db_bind_int(st, 2, zone_id);
	if (rc == 0)
		rc = store_step_done(st);
	db_finalize(st);
	return rc;
}

void
store_enf_strings_free(char **s, size_t n)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

int
store_enf_pubkeys(db_t *db, const int64_t *ids, size_t n, char ***out)
{
	char **keys = NULL;
	db_stmt_t *st = NULL;
	size_t i;
	int rc;

	if (db == NULL || out == NULL || (ids == NULL && n > 0)) {
		rc = E_INVAL;
		goto out;
	}
	keys = calloc(n ? n : 1, sizeof(*keys));
	if (keys == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	/* a DS set holds a handful of keys: one prepared lookup, run per key */
	rc = db_prepare(db, "SELECT publickey FROM keypairs WHERE id = ?", &st);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = db_reset(st);
		if (rc == 0)
			rc = db_bind_int(st, 1, ids[i]);
		if (rc == 0)
			rc = db_step(st);
		if (rc == DB_ROW)
			rc = store_column_strdup(st, 0, &keys[i]);
		else if (rc == DB_DONE)
			rc = 0;
	}
	if (rc < 0)
		goto out;
	*out = keys;
	keys = NULL;
	rc = 0;
out:
	store_enf_strings_free(keys, n);
	db_finalize(st);
	return rc;
}
