/*
 * run_keygen.c - the enforce pass's key generation (spare key pairs made in
 * the HSM for what the policies will need) and the purge of dead keys.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/random.h"
#include "common/spawn.h"
#include "common/str.h"
#include "common/timeparse.h"
#include "enforcer/plan.h"
#include "enforcer/run.h"
#include "enforcer/run_internal.h"
#include "enforcer/signconf.h"
#include "enforcer/state.h"
#include "hsm/dnskey.h"
#include "store/store.h"

/* ---------------------------------------------------------- key generation */

struct count_txn {
	struct store_key_pool pool[2];
	time_t limit[2];
	int64_t good[2];
	int64_t in_repo[2];
	int count_repo[2];
};

static int
count_txn(db_t *db, void *arg)
{
	struct count_txn *c = arg;
	int rc = 0, role;

	for (role = 0; role < 2 && rc == 0; role++) {
		rc = store_key_count_good(db, &c->pool[role], c->limit[role], &c->good[role]);
		if (rc == 0 && c->count_repo[role])
			rc = store_key_count_repository(
				db, c->pool[role].repository_id, &c->in_repo[role]);
	}
	return rc;
}

/* Rows of key pairs generated in the HSM, written together. */
struct new_keys {
	const struct store_enf_policy *pol;
	int role;
	time_t now;
	size_t n;
	char id[KEYGEN_ROWS_PER_TXN][HSM_ID_HEX_LEN + 1];
	char *pub[KEYGEN_ROWS_PER_TXN];
};

static int
insert_keys_txn(db_t *db, void *arg)
{
	const struct new_keys *nk = arg;
	const struct kasp_keydef *def =
		nk->role == PLAN_KSK ? &nk->pol->kasp->ksk : &nk->pol->kasp->zsk;
	int rc = 0;

	for (size_t i = 0; i < nk->n && rc == 0; i++)
		rc = store_key_insert(db, nk->id[i], def->algorithm, def->bits,
			nk->pol->repo_id[nk->role], nk->pol->id, nk->now, nk->pub[i], NULL);
	return rc;
}

/* Write the rows collected so far; the HSM objects exist already. */
static int
flush_keys(struct pass *p, struct new_keys *nk)
{
	int rc = 0;

	if (nk->n > 0) {
		/*
		 * Not fenced: the HSM objects exist already, and rows for them
		 * (spare keys, in no zone) are better than orphans; the keygen
		 * lock and the fence at the start of the pass keep two daemons
		 * from generating at once.
		 */
		rc = db_transact(p->cfg->db, DB_TXN_WRITE, insert_keys_txn, nk);
		if (rc != 0)
			log_msg(LOG_ERR, "Error creating key in Database");
		else
			p->st->keys_generated += nk->n;
	}
	for (size_t i = 0; i < nk->n; i++) {
		free(nk->pub[i]);
		nk->pub[i] = NULL;
	}
	nk->n = 0;
	return rc;
}

static int
generate_role(struct pass *p, const struct store_enf_policy *pol, int role, int64_t count)
{
	const struct kasp_keydef *def = role == PLAN_KSK ? &pol->kasp->ksk : &pol->kasp->zsk;
	struct new_keys nk;
	int rc = 0;

	memset(&nk, 0, sizeof(nk));
	nk.pol = pol;
	nk.role = role;
	nk.now = p->cfg->now;
	for (int64_t i = 0; i < count && rc == 0; i++) {
		uint8_t *pub = NULL;
		size_t publen = 0;

		rc = hsm_generate(p->cfg->hsm, def->repository, def->algorithm, (unsigned)def->bits,
			nk.id[nk.n], &pub, &publen);
		if (rc != 0) {
			log_msg(LOG_ERR, "Error creating key in repository %s: %s", def->repository,
				hsm_errmsg(p->cfg->hsm));
			break;
		}
		if (dnskey_key_base64(pub, publen, &nk.pub[nk.n]) != 0)
			nk.pub[nk.n] = NULL; /* filled from the HSM when needed */
		free(pub);
		log_msg(LOG_DEBUG, "Created key in repository %s", def->repository);
		log_msg(LOG_INFO,
			"Created %s size: %d, alg: %d with id: %s in repository: %s and "
			"database.",
			role_word(role, 1), def->bits, def->algorithm, nk.id[nk.n],
			def->repository);
		if (++nk.n == KEYGEN_ROWS_PER_TXN)
			rc = flush_keys(p, &nk);
		/* an HSM can take seconds a key: the heartbeat says we are not stuck */
		if (p->cfg->tick != NULL)
			p->cfg->tick(p->cfg->tick_arg);
	}
	if (flush_keys(p, &nk) != 0 && rc == 0)
		rc = E_IO;
	return rc;
}

/*
 * enforcer.md §4.3 with the shared prediction of plan.c (Q4, Q6). The
 * repository's fill is the number of key pairs the database records in
 * it: counting the token's objects would scan all of them on every pass.
 */
int
run_keygen(struct pass *p, const struct store_enf_policy *pol)
{
	const struct kasp_policy *k = pol->kasp;
	const struct kasp_keydef *def[2] = { &k->ksk, &k->zsk };
	const struct run_config *cfg = p->cfg;
	struct count_txn c;
	struct plan_input in;
	struct plan_result res;
	int rc, role, locked = 0;

	log_msg(LOG_INFO, "%s", k->share_keys ? "Key sharing is On" : "Key sharing is Off.");
	if (pol->zones == 0) {
		log_msg(LOG_INFO, "No zones on policy %s, skipping...", k->name);
		return 0;
	}
	log_msg(LOG_INFO, "%lld zone(s) found on policy \"%s\"", (long long)pol->zones, k->name);
	for (role = 0; role < 2; role++) {
		if (pol->repo_id[role] == 0 || hsm_alg_family(def[role]->algorithm) == 0) {
			log_msg(LOG_ERR,
				"Could not predict %s requirement for next interval%sfor %s",
				role_word(role, 0), role == PLAN_KSK ? " " : "", k->name);
			return 0;
		}
	}
	/* one generator at a time: two would both see the same shortfall */
	rc = db_lock(cfg->db, STORE_KEYGEN_LOCK, STORE_KEYGEN_LOCK_WAIT_MS);
	if (rc != 0) {
		log_msg(LOG_ERR, "Could not count current ksk numbers for policy %s: %s", k->name,
			db_errmsg(cfg->db));
		return 0;
	}
	locked = 1;
	memset(&c, 0, sizeof(c));
	memset(&in, 0, sizeof(in));
	for (role = 0; role < 2; role++) {
		c.pool[role] = (struct store_key_pool){ pol->id, pol->repo_id[role],
			def[role]->algorithm, def[role]->bits };
		c.limit[role] = cfg->now +
				(time_t)plan_window(k, (enum plan_role)role, cfg->conf->interval);
		c.count_repo[role] = pol->capacity[role] > 0;
		in.needed[role] =
			plan_needed(k, (enum plan_role)role, cfg->conf->interval, pol->zones);
		in.capacity[role] = pol->capacity[role];
	}
	rc = db_transact(cfg->db, DB_TXN_READ, count_txn, &c);
	if (rc != 0) {
		log_msg(LOG_ERR, "Could not count current ksk numbers for policy %s", k->name);
		goto out;
	}
	in.available[PLAN_KSK] = c.good[PLAN_KSK];
	in.available[PLAN_ZSK] = c.good[PLAN_ZSK];
	in.in_repository[PLAN_KSK] = c.in_repo[PLAN_KSK];
	in.in_repository[PLAN_ZSK] = c.in_repo[PLAN_ZSK];
	in.same_pool = plan_same_pool(k);
	in.same_repository = pol->repo_id[PLAN_KSK] == pol->repo_id[PLAN_ZSK];
	plan_keys(&in, &res);

	for (role = 0; role < 2 && rc == 0; role++) {
		const char *t = role_word(role, 1);

		if (res.cap[role] == PLAN_CAP_FULL) {
			log_msg(LOG_ERR,
				"Repository %s is full, cannot create more %ss for policy %s",
				def[role]->repository, t, k->name);
			continue;
		}
		if (res.cap[role] == PLAN_CAP_REDUCED)
			log_msg(LOG_WARNING,
				"Repository %s is nearly full, will create %lld %ss for "
				"policy %s (reduced from %lld)",
				def[role]->repository, (long long)res.create[role], t, k->name,
				(long long)res.wanted[role]);
		if (res.wanted[role] == 0) {
			log_msg(LOG_INFO, "No new %ss need to be created.", t);
			continue;
		}
		log_msg(LOG_INFO,
			"%lld new %s(s) (%d bits) need to be created for policy %s: "
			"keys_to_generate(%lld) = keys_needed(%lld) - keys_available(%lld).",
			(long long)res.wanted[role], t, def[role]->bits, k->name,
			(long long)res.wanted[role], (long long)res.needed[role],
			(long long)res.available[role]);
		rc = generate_role(p, pol, role, res.create[role]);
		if (rc == 0 && res.create[role] > 0 && pol->require_backup[role] &&
			!(role == PLAN_ZSK && in.same_repository && res.create[PLAN_KSK] > 0))
			log_msg(LOG_INFO,
				"NOTE: keys generated in repository %s will not become "
				"active until they have been backed up",
				def[role]->repository);
	}
out:
	if (locked && db_unlock(cfg->db, STORE_KEYGEN_LOCK) != 0)
		log_msg(LOG_ERR, "cannot release the %s lock: %s", STORE_KEYGEN_LOCK,
			db_errmsg(cfg->db));
	return rc;
}

/* -------------------------------------------------------------------- purge */

struct purge_txn {
	int64_t policy_id;
	time_t cutoff;
	struct store_keypair *keys;
	size_t n;
};

static int
purge_list_txn(db_t *db, void *arg)
{
	struct purge_txn *t = arg;

	store_keypair_free_array(t->keys, t->n);
	t->keys = NULL;
	t->n = 0;
	return store_enf_purgeable(db, t->policy_id, t->cutoff, &t->keys, &t->n);
}

static int
purge_one_txn(db_t *db, void *arg)
{
	return store_key_delete(db, *(const int64_t *)arg);
}

/*
 * enforcer.md §3.8 with Q23 fixed: the rows go first, then the HSM object;
 * a key already gone from the HSM is reported and the purge goes on.
 */
void
run_purge(struct pass *p, const struct store_enf_policy *pol)
{
	struct purge_txn t;
	int rc;

	if (pol->kasp->purge < 0)
		return;
	log_msg(LOG_DEBUG, "Purging keys...");
	memset(&t, 0, sizeof(t));
	t.policy_id = pol->id;
	t.cutoff = p->cfg->now - (time_t)pol->kasp->purge;
	rc = db_transact(p->cfg->db, DB_TXN_READ, purge_list_txn, &t);
	if (rc != 0) {
		log_msg(LOG_ERR, "SQL failed: %s", db_errmsg(p->cfg->db));
		goto out;
	}
	for (size_t i = 0; i < t.n && !stopping(p); i++) {
		const struct store_keypair *k = &t.keys[i];

		rc = run_pass_write(p, purge_one_txn, (void *)&k->id);
		if (rc != 0) {
			log_msg(LOG_ERR, "SQL failed: %s", db_errmsg(p->cfg->db));
			break;
		}
		p->st->keys_purged++;
		rc = k->repository != NULL ? hsm_delete(p->cfg->hsm, k->repository, k->locator)
					   : E_NOTFOUND;
		if (rc == 0)
			log_msg(LOG_INFO, "Key remove successful: %s", k->locator);
		else if (rc == E_NOTFOUND)
			log_msg(LOG_ERR, "Key not found: %s", k->locator);
		else
			log_msg(LOG_ERR, "Key remove failed: %s (%s)", k->locator,
				hsm_errmsg(p->cfg->hsm));
	}
out:
	store_keypair_free_array(t.keys, t.n);
}
