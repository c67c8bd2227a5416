/*
 * run.c - one enforce pass (run.h): policies, then zones in batches.
 *
 * A batch is one write transaction: read the batch's zones and their live
 * key allocations (two statements), decide every zone with state.c, write
 * the rows that changed. db_transact() may run the batch more than once
 * (contention), so nothing leaves the process before the commit: the log
 * lines, the signconf files, the signer calls and the DS submissions all
 * come after it, from what the committed attempt decided.
 *
 * Spare key pairs are read only when a zone needs one: a zone is decided
 * with the pools the batch has loaded so far, and when that leaves it
 * short the pool is read and the zone decided again from its saved keys.
 * A pass with nothing to allocate never reads a pool.
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

/* ------------------------------------------------------------ reading policies */

struct read_policies {
	const char *only;
	struct store_enf_policy *pol;
	size_t npol;
	struct store_repository *repos;
	size_t nrepos;
};

/*
 * A write transaction of the pass. With a leader epoch it first checks
 * that the epoch is still ours, in the same transaction (fencing), so that
 * a daemon that lost the lead without noticing commits nothing more.
 */
struct fenced {
	int (*fn)(db_t *db, void *arg);
	void *arg;
	int64_t epoch;
};

static int
fenced_txn(db_t *db, void *arg)
{
	const struct fenced *f = arg;
	int rc = store_cluster_fence(db, f->epoch);

	return rc != 0 ? rc : f->fn(db, f->arg);
}

int
run_pass_write(const struct pass *p, int (*fn)(db_t *db, void *arg), void *arg)
{
	struct fenced f = { fn, arg, p->cfg->epoch };

	if (p->cfg->epoch == 0)
		return db_transact(p->cfg->db, DB_TXN_WRITE, fn, arg);
	return db_transact(p->cfg->db, DB_TXN_WRITE, fenced_txn, &f);
}

static int
nothing_txn(db_t *db, void *arg)
{
	(void)db;
	(void)arg;
	return 0;
}

static int
read_policies_txn(db_t *db, void *arg)
{
	struct read_policies *r = arg;
	int rc;

	store_enf_policy_free_array(r->pol, r->npol);
	store_repository_free_array(r->repos, r->nrepos);
	r->pol = NULL;
	r->repos = NULL;
	r->npol = r->nrepos = 0;
	rc = store_enf_policies(db, r->only, &r->pol, &r->npol);
	if (rc == 0)
		rc = store_repository_list(db, &r->repos, &r->nrepos);
	return rc;
}

/* --------------------------------------------------------------------- salt */

struct salt_txn {
	int64_t policy_id;
	const char *salt;
	time_t now;
};

static int
salt_txn(db_t *db, void *arg)
{
	const struct salt_txn *s = arg;

	return store_enf_set_salt(db, s->policy_id, s->salt, s->now);
}

/* enforcer.md §4.2 step 5.2, with Q13 fixed: a CSPRNG, and a salt of length 0 is kept. */
static void
resalt(struct pass *p, struct store_enf_policy *pol)
{
	const struct kasp_policy *k = pol->kasp;
	time_t now = p->cfg->now;
	unsigned char raw[255];
	char hex[2 * sizeof(raw) + 1];
	struct salt_txn s;
	int rc, i;

	if (!k->nsec3)
		return;
	if (pol->salt != NULL && pol->salt_stamp != 0 && now - pol->salt_stamp < k->resalt &&
		strlen(pol->salt) == 2 * (size_t)k->salt_length)
		return;
	if (k->salt_length < 0 || k->salt_length > (int)sizeof(raw) ||
		(k->salt_length > 0 && random_bytes(raw, (size_t)k->salt_length) != 0)) {
		log_msg(LOG_ERR, "Error (%d) updating salt for %s", E_IO, k->name);
		return;
	}
	for (i = 0; i < k->salt_length; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	hex[2 * k->salt_length] = '\0';
	s.policy_id = pol->id;
	s.salt = hex;
	s.now = now;
	rc = run_pass_write(p, salt_txn, &s);
	if (rc != 0) {
		log_msg(LOG_ERR, "Error (%d) updating salt for %s", rc, k->name);
		return;
	}
	free(pol->salt);
	pol->salt = str_dup(hex);
	pol->salt_stamp = now;
}

int
run_pass(const struct run_config *cfg, struct run_stats *stats)
{
	struct run_stats local = { 0 };
	struct read_policies rp;
	struct batch b;
	struct pass p;
	uint64_t q0;
	int rc, failure = 0, locked = 0;

	memset(&p, 0, sizeof(p));
	memset(&rp, 0, sizeof(rp));
	memset(&b, 0, sizeof(b));
	p.cfg = cfg;
	p.st = stats != NULL ? stats : &local;
	memset(p.st, 0, sizeof(*p.st));
	if (cfg == NULL || cfg->conf == NULL || cfg->db == NULL || cfg->hsm == NULL)
		return E_INVAL;
	q0 = db_statements(cfg->db);

	if (!cfg->lock_held && !cfg->read_only) {
		rc = db_lock(cfg->db, STORE_ENFORCER_LOCK, cfg->lock_wait_ms);
		if (rc != 0) {
			if (rc != DB_E_LOCKED)
				log_msg(LOG_ERR, "Error getting db lock: %s", db_errmsg(cfg->db));
			goto out;
		}
		locked = 1;
	}
	/* a daemon that no longer leads does not even start */
	if (cfg->epoch != 0 && (rc = run_pass_write(&p, nothing_txn, NULL)) != 0) {
		if (rc != DB_E_FENCED)
			log_msg(LOG_ERR, "Error checking the lead: %s", db_errmsg(cfg->db));
		goto out;
	}

	rp.only = cfg->only_policy;
	rc = db_transact(cfg->db, DB_TXN_READ, read_policies_txn, &rp);
	if (rc == E_NOTFOUND && cfg->only_policy != NULL) {
		log_msg(LOG_ERR, "Policy \"%s\" not found. Exiting.", cfg->only_policy);
		goto out;
	}
	if (rc != 0) {
		log_msg(LOG_ERR, "Error querying KASP DB for policies.");
		goto out;
	}
	p.pol = rp.pol;
	p.npol = rp.npol;
	p.repos = rp.repos;
	p.nrepos = rp.nrepos;

	for (size_t i = 0; i < p.npol && !stopping(&p); i++) {
		struct store_enf_policy *pol = &p.pol[i];

		log_msg(LOG_INFO, "Policy %s found.", pol->kasp->name);
		p.st->policies++;
		if (cfg->read_only)
			continue;
		resalt(&p, pol);
		if (!cfg->conf->manual_keygen) {
			rc = run_keygen(&p, pol);
			/* the zones still move (RETIRE -> DEAD, signconf) without new keys */
			if (rc != 0 && failure == 0)
				failure = rc;
		}
		run_purge(&p, pol);
	}

	b.pass = &p;
	b.only_policy_id = cfg->only_policy != NULL && p.npol > 0 ? p.pol[0].id : 0;
	while (!stopping(&p)) {
		rc = cfg->read_only ? db_transact(cfg->db, DB_TXN_READ, run_batch_txn, &b)
				    : run_pass_write(&p, run_batch_txn, &b);
		if (rc == DB_E_FENCED)
			goto out;
		if (rc != 0) {
			log_msg(LOG_ERR, "Error processing the zones after id %lld: %s",
				(long long)b.after, db_errmsg(cfg->db));
			goto out;
		}
		if (b.nzones == 0)
			break;
		run_batch_after(&p, &b);
		b.after = b.zones[b.nzones - 1].id;
		if (cfg->tick != NULL)
			cfg->tick(cfg->tick_arg);
	}
	p.st->stopped = stopping(&p);
	rc = failure;
out:
	run_batch_reset(&b);
	free(b.saved);
	store_enf_policy_free_array(rp.pol, rp.npol);
	store_repository_free_array(rp.repos, rp.nrepos);
	if (locked && db_unlock(cfg->db, STORE_ENFORCER_LOCK) != 0)
		log_msg(LOG_ERR, "Error releasing db lock");
	p.st->queries = db_statements(cfg->db) - q0;
	return rc;
}

/* ------------------------------------------------------- zone add (§3.7) */

int
run_link_zone(db_t *db, const struct conf *conf, time_t now, int64_t zone_id, const char *policy,
	struct run_link *out)
{
	struct run_config cfg;
	struct read_policies rp;
	struct batch b;
	struct pass p;
	struct run_stats st;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&cfg, 0, sizeof(cfg));
	memset(&rp, 0, sizeof(rp));
	memset(&b, 0, sizeof(b));
	memset(&p, 0, sizeof(p));
	cfg.conf = conf;
	cfg.db = db;
	cfg.now = now;
	p.cfg = &cfg;
	p.st = &st;
	/* the policy alone (no repositories: allocation does not name them) */
	rc = store_enf_policies(db, policy, &rp.pol, &rp.npol);
	if (rc != 0)
		goto done;
	if (rp.npol != 1 || !rp.pol[0].kasp->share_keys)
		goto done; /* each zone gets its own keys from the daemon */
	p.pol = rp.pol;
	p.npol = rp.npol;
	b.pass = &p;
	b.after = zone_id - 1;
	b.limit = 1;
	b.only_policy_id = rp.pol[0].id;
	b.link_only = 1;
	rc = run_batch_txn(db, &b);
	if (rc == 0 && (b.nzones != 1 || b.zones[0].id != zone_id || !b.w[0].decided))
		rc = E_NOTFOUND;
	if (rc != 0)
		goto done;
	out->linked = 1;
	out->allocated[PLAN_KSK] = b.w[0].res.allocated[PLAN_KSK];
	out->allocated[PLAN_ZSK] = b.w[0].res.allocated[PLAN_ZSK];
	for (size_t e = 0; e < b.w[0].res.nevents; e++) {
		const struct state_event *ev = &b.w[0].res.events[e];
		int role = ev->keytype == STORE_KSK ? PLAN_KSK : PLAN_ZSK;

		if (ev->kind == EV_ALLOC_SHORT) {
			out->short_of[role] = 1;
			out->shortage[role] = *ev;
		}
	}
done:
	run_batch_reset(&b);
	free(b.saved);
	store_enf_policy_free_array(rp.pol, rp.npol);
	store_repository_free_array(rp.repos, rp.nrepos);
	return rc;
}

void
run_link_lines(const struct run_link *l, const char *zone, int manual, run_emit_fn emit, void *ctx)
{
	if (!l->linked)
		return;
	for (int role = PLAN_ZSK;; role = PLAN_KSK) {
		if (l->short_of[role])
			run_alloc_short_lines(manual, zone, &l->shortage[role], emit, ctx);
		else
			run_allocated_line(zone, role == PLAN_KSK ? STORE_KSK : STORE_ZSK,
				l->allocated[role], emit, ctx);
		if (role == PLAN_KSK)
			break;
	}
}
