/*
 * keycmd.c - what the key-state commands of ods-ksmutil read and write:
 * allocations with their key pair facts, the fixedDate pin, and the
 * set-based `key rollover` (store.h, "key commands").
 *
 * `key rollover --policy` may touch thousands of zones, so it is written
 * as a fixed handful of statements over sub-selects instead of a loop over
 * zones or keys. MySQL refuses an UPDATE whose own sub-select reads the
 * table being updated (error 1093) unless that sub-select is a derived
 * table it must materialise first; the sub-selects on dnsseckeys are
 * therefore wrapped as "(SELECT x.c FROM (SELECT DISTINCT ...) x)", which
 * SQLite and PostgreSQL accept as they are.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/store.h"

/* ------------------------------------------------------------ zone keys */

static void
zone_key_clear(void *elem)
{
	struct store_zone_key *k = elem;

	free(k->zone);
	free(k->policy);
	free(k->locator);
	free(k->repository);
	free(k->pubkey);
}

void
store_zone_key_free_array(struct store_zone_key *k, size_t n)
{
	store_free_array(k, n, sizeof(*k), zone_key_clear);
}

static int
zone_key_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_zone_key *k = elem;
	int rc;

	(void)ctx;
	k->keypair_id = db_column_int(st, 0);
	k->zone_id = db_column_int(st, 1);
	rc = store_column_strdup(st, 2, &k->zone);
	if (rc == 0)
		rc = store_column_strdup(st, 3, &k->policy);
	if (rc == 0)
		rc = store_column_strdup(st, 4, &k->locator);
	if (rc == 0)
		rc = store_column_strdup(st, 5, &k->repository);
	if (rc == 0)
		rc = store_column_strdup(st, 6, &k->pubkey);
	if (rc < 0)
		return rc;
	k->algorithm = (int)db_column_int(st, 7);
	k->keytype = (int)db_column_int(st, 8);
	k->state = (int)db_column_int(st, 9);
	k->publish = store_column_time0(st, 10);
	k->ready = store_column_time0(st, 11);
	k->active = store_column_time0(st, 12);
	k->retire = store_column_time0(st, 13);
	k->dead = store_column_time0(st, 14);
	k->rfc5011 = db_column_int(st, 15) != 0;
	k->revoked = db_column_int(st, 16) != 0;
	k->fixed_date = db_column_int(st, 17) != 0;
	k->backed_up = db_column_int(st, 18) != 0;
	k->require_backup = db_column_int(st, 19) != 0;
	return 0;
}

int
store_zone_keys(db_t *db, int64_t zone_id, int keytype, unsigned states,
	struct store_zone_key **out, size_t *n)
{
	/* the text varies only in how many placeholders it has, never in values */
	char sql[2048], in[4 * STORE_STATE_MAX + 1] = "";
	int64_t binds[STORE_STATE_MAX + 2];
	void *rows = NULL;
	int nb = 0, rc;

	if (db == NULL || out == NULL || n == NULL ||
		(states & (((1u << STORE_STATE_MAX) - 1) << 1)) == 0)
		return E_INVAL;
	for (int s = 1; s <= STORE_STATE_MAX; s++) {
		if (!(states & (1u << s)))
			continue;
		strcat(in, nb ? ", ?" : "?");
		binds[nb++] = s;
	}
	if (zone_id > 0)
		binds[nb++] = zone_id;
	if (keytype != 0)
		binds[nb++] = keytype;
	snprintf(sql, sizeof(sql),
		"SELECT d.keypair_id, d.zone_id, z.name, p.name, k.HSMkey_id, s.name, k.publickey,"
		" k.algorithm, d.keytype, d.state, d.publish, d.ready, d.active, d.retire, d.dead,"
		" d.rfc5011, d.revoked, k.fixedDate,"
		" CASE WHEN k.backup IS NULL THEN 0 ELSE 1 END, s.requirebackup"
		" FROM dnsseckeys d"
		" JOIN zones z ON z.id = d.zone_id"
		" JOIN keypairs k ON k.id = d.keypair_id"
		" LEFT JOIN securitymodules s ON s.id = k.securitymodule_id"
		" LEFT JOIN policies p ON p.id = z.policy_id"
		" WHERE d.state IN (%s)%s%s"
		" ORDER BY d.zone_id, d.keypair_id, d.id",
		in, zone_id > 0 ? " AND d.zone_id = ?" : "",
		keytype != 0 ? " AND d.keytype = ?" : "");
	rc = store_query_rows(
		db, sql, binds, nb, sizeof(**out), zone_key_from_row, zone_key_clear, &rows, n);
	if (rc == 0)
		*out = rows;
	return rc;
}

int
store_keypair_fix_dates(db_t *db, int64_t keypair_id)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL)
		return E_INVAL;
	rc = db_prepare(db, "UPDATE keypairs SET fixedDate = ? WHERE id = ?", &st);
	if (rc == 0)
		rc = store_bind_ints(st, 1, (const int64_t[]){ 1, keypair_id }, 2);
	if (rc == 0)
		rc = store_step_changed(db, st);
	db_finalize(st);
	return rc;
}

/* -------------------------------------------------------- key rollover */

/*
 * The key pairs that roll: an ACTIVE allocation of a rolling role in the
 * zone (z.id = ?) or in a zone of the policy (z.policy_id = ?). Four binds:
 * ACTIVE, role, role, zone or policy id.
 */
#define ROLLED(target)                                                                             \
	"SELECT DISTINCT d.keypair_id FROM dnsseckeys d JOIN zones z ON z.id = d.zone_id"          \
	" WHERE d.state = ? AND d.keytype IN (?, ?) AND z." target " = ?"

/* The statements of one target ("id" or "policy_id"), in the order they run. */
#define ROLL_STATEMENTS(target)                                                                                    \
	{                                                                                                          \
		"UPDATE keypairs SET compromisedflag = ?, fixedDate = ? WHERE id IN (" ROLLED(                     \
			target) ")",                                                                               \
			"UPDATE dnsseckeys SET retire = ? WHERE state = ? AND keypair_id IN"                       \
			" (SELECT x.keypair_id FROM (" ROLLED(target) ") x)",                                      \
			"UPDATE dnsseckeys SET state = ?, dead = ? WHERE (state IS NULL OR state NOT IN (?, ?))"   \
			" AND keypair_id IN (SELECT x.keypair_id FROM (" ROLLED(target) ") x)",                    \
			"UPDATE dnsseckeys SET state = ?, publish = ?, active = ? WHERE state = ? AND keytype = ?" \
			" AND zone_id IN (SELECT y.zone_id FROM (SELECT DISTINCT a.zone_id FROM dnsseckeys a"      \
			"   WHERE a.state = ? AND a.keypair_id IN (" ROLLED(                                       \
				target) ")) y)"                                                                    \
					" AND zone_id NOT IN (SELECT w.zone_id FROM (SELECT DISTINCT b.zone_id"    \
					"   FROM dnsseckeys b WHERE b.zone_id IS NOT NULL AND b.keytype = ?"       \
					"   AND b.state IN (?, ?)) w)",                                            \
	}

static const char *const roll_zone_sql[4] = ROLL_STATEMENTS("id");
static const char *const roll_policy_sql[4] = ROLL_STATEMENTS("policy_id");

/* Bind the four values of ROLLED at idx. */
static int
bind_rolled(db_stmt_t *st, int idx, int64_t kt1, int64_t kt2, int64_t target)
{
	return store_bind_ints(
		st, idx, (const int64_t[]){ STORE_STATE_ACTIVE, kt1, kt2, target }, 4);
}

/* Prepare step number step of sql, bind its values, run it and count the rows it matched. */
static int
roll_step(db_t *db, const char *sql, const struct store_roll *r, int step, int64_t target,
	int64_t *changed)
{
	int64_t kt1 = r->ksk ? STORE_KSK : STORE_ZSK, kt2 = r->zsk ? STORE_ZSK : STORE_KSK;
	db_stmt_t *st = NULL;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc < 0)
		goto out;
	switch (step) {
	case 0: /* flag the key pairs */
		rc = store_bind_ints(st, 1, (const int64_t[]){ 1, 1 }, 2);
		if (rc == 0)
			rc = bind_rolled(st, 3, kt1, kt2, target);
		break;
	case 1: /* retire their ACTIVE allocations now */
		rc = db_bind_time(st, 1, r->now);
		if (rc == 0)
			rc = db_bind_int(st, 2, STORE_STATE_ACTIVE);
		if (rc == 0)
			rc = bind_rolled(st, 3, kt1, kt2, target);
		break;
	case 2: /* kill their other live allocations */
		rc = db_bind_int(st, 1, STORE_STATE_DEAD);
		if (rc == 0)
			rc = db_bind_time(st, 2, r->now);
		if (rc == 0)
			rc = db_bind_int(st, 3, STORE_STATE_ACTIVE);
		if (rc == 0)
			rc = db_bind_int(st, 4, STORE_STATE_DEAD);
		if (rc == 0)
			rc = bind_rolled(st, 5, kt1, kt2, target);
		break;
	default: /* promote KSK standbys where no successor is on its way (Q8) */
		rc = db_bind_int(st, 1, STORE_STATE_KEYPUBLISH);
		if (rc == 0)
			rc = db_bind_time(st, 2, r->now);
		if (rc == 0)
			rc = r->standby_active != 0 ? db_bind_time(st, 3, r->standby_active)
						    : db_bind_null(st, 3);
		if (rc == 0)
			rc = store_bind_ints(st, 4,
				(const int64_t[]){
					STORE_STATE_DSREADY, STORE_KSK, STORE_STATE_ACTIVE },
				3);
		if (rc == 0)
			rc = bind_rolled(st, 7, STORE_KSK, STORE_KSK, target);
		if (rc == 0)
			rc = store_bind_ints(st, 11,
				(const int64_t[]){
					STORE_KSK, STORE_STATE_PUBLISH, STORE_STATE_READY },
				3);
		break;
	}
	if (rc == 0)
		rc = store_step_done(st);
	if (rc == 0)
		*changed = db_changes(db);
out:
	db_finalize(st);
	return rc;
}

int
store_key_roll(db_t *db, const struct store_roll *r, struct store_roll_result *res)
{
	struct store_roll_result tmp = { 0, 0, 0, 0 };
	int64_t *counts[4] = { &tmp.keypairs, &tmp.retired, &tmp.killed, &tmp.promoted };
	const char *const *sql;
	int64_t target;
	int rc = 0;

	if (db == NULL || r == NULL || (!r->ksk && !r->zsk) ||
		(r->zone_id <= 0 && r->policy_id <= 0))
		return E_INVAL;
	sql = r->zone_id > 0 ? roll_zone_sql : roll_policy_sql;
	target = r->zone_id > 0 ? r->zone_id : r->policy_id;
	for (int step = 0; step < 4 && rc == 0; step++) {
		if (step == 3 && !r->ksk)
			break;
		rc = roll_step(db, sql[step], r, step, target, counts[step]);
	}
	if (rc == 0 && res != NULL)
		*res = tmp;
	return rc;
}
