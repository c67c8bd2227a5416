/*
 * key.c - key pairs (store.h): the keypairs rows, their lookups and counts.
 * The allocations of keys to zones are read in keyalloc.c, the backup
 * dates in backup.c.
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
#define KEYPAIR_SELECT                                                                             \
	"SELECT k.id, k.HSMkey_id, k.algorithm, k.size, k.securitymodule_id, s.name,"              \
	" k.policy_id, p.name, k.generate,"                                                        \
	" (SELECT COUNT(*) FROM dnsseckeys d WHERE d.keypair_id = k.id),"                          \
	" (SELECT COUNT(*) FROM dnsseckeys d WHERE d.keypair_id = k.id"                            \
	"   AND (d.state IS NULL OR d.state NOT IN (?, ?))),"                                      \
	" k.publickey"                                                                             \
	" FROM keypairs k"                                                                         \
	" LEFT JOIN securitymodules s ON s.id = k.securitymodule_id"                               \
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
	k->generate = store_column_time0(st, 8);
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
store_key_insert(db_t *db, const char *locator, int algorithm, int bits, int64_t repository_id,
	int64_t policy_id, time_t now, const char *pubkey, int64_t *id)
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
	rc = db_prepare(db,
		"INSERT INTO keypairs (HSMkey_id, algorithm, size, securitymodule_id,"
		" policy_id, generate, compromisedflag, fixedDate, publickey)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&st);
	if (rc == 0)
		rc = db_bind_text(st, 1, locator);
	if (rc == 0)
		rc = store_bind_ints(
			st, 2, (const int64_t[]){ algorithm, bits, repository_id, policy_id }, 4);
	if (rc == 0)
		rc = db_bind_time(st, 6, now);
	if (rc == 0)
		rc = store_bind_ints(st, 7, (const int64_t[]){ 0, 0 }, 2);
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
		rc = 0; /* a cache: too long for the column, not kept */
		goto out;
	}
	rc = db_prepare(db, "UPDATE keypairs SET publickey = ? WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_text(st, 1, pubkey);
	if (rc == 0)
		rc = db_bind_int(st, 2, id);
	if (rc == 0)
		rc = store_step_changed(db, st);
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
		rc = store_step_changed(db, st);
out:
	db_finalize(st);
	return rc;
}

int
store_key_purgeable(
	db_t *db, int64_t zone_id, int64_t policy_id, struct store_keypair **out, size_t *n)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL) {
		rc = E_INVAL;
		goto out;
	}
	if (zone_id > 0) {
		rc = keypair_prepare(db,
			KEYPAIR_SELECT
			" WHERE EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
			"   AND d.zone_id = ? AND d.state = ?)"
			" AND NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
			"   AND (d.state IS NULL OR d.state <> ?))"
			" ORDER BY k.id",
			&st);
		if (rc == 0)
			rc = store_bind_ints(st, 3,
				(const int64_t[]){ zone_id, STORE_STATE_DEAD, STORE_STATE_DEAD },
				3);
	} else {
		rc = keypair_prepare(db,
			KEYPAIR_SELECT
			" WHERE k.policy_id = ?"
			" AND EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
			"   AND d.state = ?)"
			" AND NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
			"   AND (d.state IS NULL OR d.state <> ?))"
			" ORDER BY k.id",
			&st);
		if (rc == 0)
			rc = store_bind_ints(st, 3,
				(const int64_t[]){ policy_id, STORE_STATE_DEAD, STORE_STATE_DEAD },
				3);
	}
	if (rc == 0)
		rc = keypair_rows(st, out, n);
out:
	db_finalize(st);
	return rc;
}

int
store_enf_purgeable(
	db_t *db, int64_t policy_id, time_t cutoff, struct store_keypair **out, size_t *n)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || out == NULL || n == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = keypair_prepare(db,
		KEYPAIR_SELECT
		" WHERE k.policy_id = ?"
		" AND EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id)"
		" AND NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
		"   AND (d.state IS NULL OR d.state <> ? OR d.dead IS NULL OR d.dead > ?))"
		" ORDER BY k.id",
		&st);
	if (rc == 0)
		rc = store_bind_ints(st, 3, (const int64_t[]){ policy_id, STORE_STATE_DEAD }, 2);
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
	rc = db_prepare(db,
		"SELECT COUNT(*) FROM keypairs k"
		" WHERE k.policy_id = ? AND k.securitymodule_id = ? AND k.algorithm = ?"
		" AND k.size = ?"
		" AND NOT EXISTS (SELECT 1 FROM dnsseckeys d WHERE d.keypair_id = k.id"
		"   AND (d.state IS NULL OR d.state IN (?, ?) OR d.retire <= ?))",
		&st);
	if (rc == 0)
		rc = store_bind_ints(st, 1,
			(const int64_t[]){ pool->policy_id, pool->repository_id, pool->algorithm,
				pool->bits, STORE_STATE_RETIRE, STORE_STATE_DEAD },
			6);
	if (rc == 0)
		rc = db_bind_time(st, 7, limit);
	if (rc == 0)
		rc = step_count(st, n);
out:
	db_finalize(st);
	return rc;
}
