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
#include "enforcer/signconf.h"
#include "enforcer/state.h"
#include "hsm/dnskey.h"
#include "store/store.h"

/* Key pairs made in the HSM before their rows are written in one transaction. */
#define KEYGEN_ROWS_PER_TXN 64

struct pass {
	const struct run_config *cfg;
	struct run_stats *st;
	struct store_enf_policy *pol;
	size_t npol;
	struct store_repository *repos;
	size_t nrepos;
	int signer_off;                 /* a signer call failed: no more this pass */
};

static int
stopping(const struct pass *p)
{
	return p->cfg->stop != NULL && *p->cfg->stop;
}

/* Is there a signer to tell of new signconf files? */
static int
signer_set(const struct pass *p)
{
	return p->cfg->signer_cmd != NULL && p->cfg->signer_cmd[0] != NULL;
}

static const char *
repo_name(const struct pass *p, int64_t id)
{
	for (size_t i = 0; i < p->nrepos; i++) {
		if (p->repos[i].id == id)
			return p->repos[i].name;
	}
	return NULL;
}

static struct store_enf_policy *
policy_by_id(const struct pass *p, int64_t id)
{
	for (size_t i = 0; i < p->npol; i++) {
		if (p->pol[i].id == id)
			return &p->pol[i];
	}
	return NULL;
}

static const char *
role_word(int role, int upper)
{
	if (role == PLAN_KSK)
		return upper ? "KSK" : "ksk";
	return upper ? "ZSK" : "zsk";
}

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

static int
pass_write(const struct pass *p, int (*fn)(db_t *db, void *arg), void *arg)
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
	rc = pass_write(p, salt_txn, &s);
	if (rc != 0) {
		log_msg(LOG_ERR, "Error (%d) updating salt for %s", rc, k->name);
		return;
	}
	free(pol->salt);
	pol->salt = str_dup(hex);
	pol->salt_stamp = now;
}

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
			rc = store_key_count_repository(db, c->pool[role].repository_id,
			    &c->in_repo[role]);
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
	const struct kasp_keydef *def = nk->role == PLAN_KSK ? &nk->pol->kasp->ksk :
	    &nk->pol->kasp->zsk;
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
			nk.pub[nk.n] = NULL;    /* filled from the HSM when needed */
		free(pub);
		log_msg(LOG_DEBUG, "Created key in repository %s", def->repository);
		log_msg(LOG_INFO, "Created %s size: %d, alg: %d with id: %s in repository: %s and "
		    "database.", role_word(role, 1), def->bits, def->algorithm, nk.id[nk.n],
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
static int
keygen(struct pass *p, const struct store_enf_policy *pol)
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
			log_msg(LOG_ERR, "Could not predict %s requirement for next interval%sfor %s",
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
		c.limit[role] = cfg->now + (time_t)plan_window(k, (enum plan_role)role,
		    cfg->conf->interval);
		c.count_repo[role] = pol->capacity[role] > 0;
		in.needed[role] = plan_needed(k, (enum plan_role)role, cfg->conf->interval,
		    pol->zones);
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
			log_msg(LOG_ERR, "Repository %s is full, cannot create more %ss for policy %s",
			    def[role]->repository, t, k->name);
			continue;
		}
		if (res.cap[role] == PLAN_CAP_REDUCED)
			log_msg(LOG_WARNING, "Repository %s is nearly full, will create %lld %ss for "
			    "policy %s (reduced from %lld)", def[role]->repository,
			    (long long)res.create[role], t, k->name, (long long)res.wanted[role]);
		if (res.wanted[role] == 0) {
			log_msg(LOG_INFO, "No new %ss need to be created.", t);
			continue;
		}
		log_msg(LOG_INFO, "%lld new %s(s) (%d bits) need to be created for policy %s: "
		    "keys_to_generate(%lld) = keys_needed(%lld) - keys_available(%lld).",
		    (long long)res.wanted[role], t, def[role]->bits, k->name,
		    (long long)res.wanted[role], (long long)res.needed[role],
		    (long long)res.available[role]);
		rc = generate_role(p, pol, role, res.create[role]);
		if (rc == 0 && res.create[role] > 0 && pol->require_backup[role] &&
		    !(role == PLAN_ZSK && in.same_repository && res.create[PLAN_KSK] > 0))
			log_msg(LOG_INFO, "NOTE: keys generated in repository %s will not become "
			    "active until they have been backed up", def[role]->repository);
	}
out:
	if (locked && db_unlock(cfg->db, STORE_KEYGEN_LOCK) != 0)
		log_msg(LOG_ERR, "cannot release the %s lock: %s", STORE_KEYGEN_LOCK, db_errmsg(cfg->db));
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
static void
purge(struct pass *p, const struct store_enf_policy *pol)
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

		rc = pass_write(p, purge_one_txn, (void *)&k->id);
		if (rc != 0) {
			log_msg(LOG_ERR, "SQL failed: %s", db_errmsg(p->cfg->db));
			break;
		}
		p->st->keys_purged++;
		rc = k->repository != NULL ? hsm_delete(p->cfg->hsm, k->repository, k->locator) :
		    E_NOTFOUND;
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

/* ---------------------------------------------------------------- the zones */

/* The spare key pairs of one pool, read in chunks while a batch needs them. */
struct pool {
	struct store_key_pool key;
	int loaded;
	int64_t cursor;                 /* id of the last key pair taken before this chunk */
	struct store_enf_spare **chunks; /* every chunk read stays until the batch ends */
	size_t *nchunk;
	size_t nchunks;
	struct state_key *tmpl;         /* the current chunk as templates */
	struct state_pool sp;
	int exhausted;                  /* the last read found no more */
	/* <ShareKeys/>: key pairs in use per role, growing as zones take new ones */
	struct state_key *shared[2];
	size_t nshared[2], capshared[2];
	int shared_loaded;
};

struct zone_work {
	struct store_enf_zone *z;
	struct store_enf_policy *pol;
	struct state_zone sz;
	struct state_result res;
	int decided;
};

struct batch {
	struct pass *pass;
	int64_t after;
	int64_t only_policy_id;
	size_t limit;                   /* zones per batch (0: RUN_BATCH_ZONES) */
	int link_only;                  /* zone add: allocate, move nothing (§3.7) */
	struct store_enf_zone *zones;
	size_t nzones;
	struct store_enf_key *keys;
	size_t nkeys;
	struct zone_work *w;
	struct pool **pools;            /* each allocated alone: zones keep pointers to them */
	size_t npools;
	struct state_key *saved;        /* a zone's keys before a decision that ran short */
	size_t savedcap;
};

static void
pool_free(struct pool *pl)
{
	for (size_t i = 0; i < pl->nchunks; i++)
		store_enf_spare_free_array(pl->chunks[i], pl->nchunk[i]);
	free(pl->chunks);
	free(pl->nchunk);
	free(pl->tmpl);
	free(pl->shared[0]);
	free(pl->shared[1]);
}

static void
batch_reset(struct batch *b)
{
	size_t i;

	for (i = 0; b->w != NULL && i < b->nzones; i++) {
		free(b->w[i].sz.keys);
		state_result_free(&b->w[i].res);
	}
	free(b->w);
	b->w = NULL;
	store_enf_zone_free_array(b->zones, b->nzones);
	b->zones = NULL;
	b->nzones = 0;
	store_enf_key_free_array(b->keys, b->nkeys);
	b->keys = NULL;
	b->nkeys = 0;
	for (i = 0; i < b->npools; i++) {
		pool_free(b->pools[i]);
		free(b->pools[i]);
	}
	free(b->pools);
	b->pools = NULL;
	b->npools = 0;
}

static void
spare_tmpl(const struct store_enf_spare *s, struct state_key *k)
{
	memset(k, 0, sizeof(*k));
	k->keypair_id = s->id;
	k->algorithm = s->algorithm;
	k->locator = s->locator;
	k->backed_up = s->backed_up;
	k->require_backup = s->require_backup;
}

/* The pool of a policy's role, created on first use (not read yet). */
static struct pool *
pool_for(struct batch *b, const struct store_enf_policy *pol, int role)
{
	const struct kasp_keydef *def = role == PLAN_KSK ? &pol->kasp->ksk : &pol->kasp->zsk;
	struct store_key_pool key = { pol->id, pol->repo_id[role], def->algorithm, def->bits };
	struct pool **grown, *pl;

	for (size_t i = 0; i < b->npools; i++) {
		struct store_key_pool *k = &b->pools[i]->key;

		if (k->policy_id == key.policy_id && k->repository_id == key.repository_id &&
		    k->algorithm == key.algorithm && k->bits == key.bits)
			return b->pools[i];
	}
	grown = realloc(b->pools, (b->npools + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	b->pools = grown;
	pl = calloc(1, sizeof(*pl));
	if (pl == NULL)
		return NULL;
	pl->key = key;
	b->pools[b->npools++] = pl;
	return pl;
}

/*
 * Read the next chunk of unallocated key pairs into pl, starting after the
 * last one taken (zones decided earlier in the batch have taken some that
 * the database does not know are gone: their rows are written at the end).
 * The earlier chunks stay readable: decided zones borrow their locators.
 */
static int
pool_read(db_t *db, struct pool *pl, size_t want)
{
	struct store_enf_spare *rows = NULL, **chunks;
	struct state_key *tmpl;
	size_t n = 0, *nchunk;
	int rc;

	if (pl->loaded && pl->sp.used > 0)
		pl->cursor = pl->sp.keys[pl->sp.used - 1].keypair_id;
	rc = store_enf_unallocated(db, &pl->key, pl->cursor, want, &rows, &n);
	if (rc < 0)
		return rc;
	chunks = realloc(pl->chunks, (pl->nchunks + 1) * sizeof(*chunks));
	if (chunks != NULL)
		pl->chunks = chunks;
	nchunk = realloc(pl->nchunk, (pl->nchunks + 1) * sizeof(*nchunk));
	if (nchunk != NULL)
		pl->nchunk = nchunk;
	tmpl = malloc((n ? n : 1) * sizeof(*tmpl));
	if (chunks == NULL || nchunk == NULL || tmpl == NULL) {
		store_enf_spare_free_array(rows, n);
		free(tmpl);
		return E_NOMEM;
	}
	pl->chunks[pl->nchunks] = rows;
	pl->nchunk[pl->nchunks++] = n;
	for (size_t i = 0; i < n; i++) {
		spare_tmpl(&rows[i], &tmpl[i]);
		tmpl[i].repository_id = pl->key.repository_id;
	}
	free(pl->tmpl);
	pl->tmpl = tmpl;
	pl->sp = (struct state_pool){ tmpl, n, 0 };
	pl->exhausted = n < want;
	pl->loaded = 1;
	return 0;
}

static int
shared_add(struct pool *pl, int role, const struct state_key *k)
{
	if (pl->nshared[role] == pl->capshared[role]) {
		size_t cap = pl->capshared[role] ? 2 * pl->capshared[role] : 8;
		struct state_key *grown = realloc(pl->shared[role], cap * sizeof(*grown));

		if (grown == NULL)
			return E_NOMEM;
		pl->shared[role] = grown;
		pl->capshared[role] = cap;
	}
	pl->shared[role][pl->nshared[role]++] = *k;
	return 0;
}

/* <ShareKeys/>: the key pairs in use and not retired, by role. */
static int
pool_read_shared(db_t *db, struct pool *pl)
{
	struct store_enf_spare *rows = NULL, **chunks;
	size_t n = 0, *nchunk;
	int rc = 0;

	rc = store_enf_shared(db, &pl->key, &rows, &n);
	if (rc < 0)
		return rc;
	/* kept with the chunks: the templates borrow their locators */
	chunks = realloc(pl->chunks, (pl->nchunks + 1) * sizeof(*chunks));
	if (chunks != NULL)
		pl->chunks = chunks;
	nchunk = realloc(pl->nchunk, (pl->nchunks + 1) * sizeof(*nchunk));
	if (nchunk != NULL)
		pl->nchunk = nchunk;
	if (chunks == NULL || nchunk == NULL) {
		store_enf_spare_free_array(rows, n);
		return E_NOMEM;
	}
	pl->chunks[pl->nchunks] = rows;
	pl->nchunk[pl->nchunks++] = n;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct state_key k;

		spare_tmpl(&rows[i], &k);
		k.repository_id = pl->key.repository_id;
		rc = shared_add(pl, rows[i].keytype == STORE_KSK ? PLAN_KSK : PLAN_ZSK, &k);
	}
	pl->shared_loaded = 1;
	return rc;
}

void
run_state_key(const struct store_enf_key *r, struct state_key *k)
{
	state_key_of_alloc(&r->a, k);
	k->algorithm = r->algorithm;
	k->locator = r->locator;
	k->repository_id = r->repository_id;
	k->compromised = r->compromised;
	k->fixed_date = r->fixed_date;
	k->backed_up = r->backed_up;
	k->require_backup = r->require_backup;
}

/* A zone's keys as the state machine takes them, from the batch's rows. */
static int
zone_keys(struct zone_work *w, const struct store_enf_key *rows, size_t n)
{
	w->sz.keys = calloc(n + 8, sizeof(*w->sz.keys));
	if (w->sz.keys == NULL)
		return E_NOMEM;
	w->sz.cap = n + 8;
	w->sz.nkeys = n;
	for (size_t i = 0; i < n; i++)
		run_state_key(&rows[i], &w->sz.keys[i]);
	w->sz.name = w->z->name;
	return 0;
}

/* Is key pair id allocated to the zone? */
static int
zone_has(const struct state_zone *sz, int64_t id)
{
	for (size_t i = 0; i < sz->nkeys; i++) {
		if (sz->keys[i].keypair_id == id)
			return 1;
	}
	return 0;
}

/* The reuse candidates of a shared pool for one zone: those it does not hold yet. */
static int
zone_reuse(const struct pool *pl, int role, const struct state_zone *sz, struct state_key **out,
	size_t *n)
{
	struct state_key *r;
	size_t m = 0;

	*out = NULL;
	*n = 0;
	if (pl == NULL || pl->nshared[role] == 0)
		return 0;
	r = malloc(pl->nshared[role] * sizeof(*r));
	if (r == NULL)
		return E_NOMEM;
	for (size_t i = 0; i < pl->nshared[role]; i++) {
		if (!zone_has(sz, pl->shared[role][i].keypair_id))
			r[m++] = pl->shared[role][i];
	}
	*out = r;
	*n = m;
	return 0;
}

/* Did the decision run short of spare key pairs for a role? */
static int
ran_short(const struct state_result *res, int keytype)
{
	for (size_t i = 0; i < res->nevents; i++) {
		if (res->events[i].kind == EV_ALLOC_SHORT && res->events[i].keytype == keytype)
			return 1;
	}
	return 0;
}

/*
 * Decide one zone. The first try uses the pools as they stand; a try that
 * runs short reads more (the unallocated pool, and with ShareKeys the pairs
 * in use) and decides again from the saved keys and the pools as they were.
 */
static int
decide_zone(struct batch *b, struct zone_work *w, db_t *db)
{
	const struct run_config *cfg = b->pass->cfg;
	struct state_params par = { w->pol->kasp, cfg->conf->interval, cfg->now, b->link_only };
	struct pool *pl[2];
	struct state_key *reuse[2] = { NULL, NULL };
	size_t nreuse[2] = { 0, 0 }, used[2], nkeys = w->sz.nkeys;
	int shared = w->pol->kasp->share_keys;
	int rc = 0, role, attempt;

	for (role = 0; role < 2; role++) {
		pl[role] = pool_for(b, w->pol, role);
		if (pl[role] == NULL)
			return E_NOMEM;
	}
	if (nkeys > b->savedcap) {
		struct state_key *s = realloc(b->saved, nkeys * sizeof(*s));

		if (s == NULL)
			return E_NOMEM;
		b->saved = s;
		b->savedcap = nkeys;
	}
	if (nkeys > 0)
		memcpy(b->saved, w->sz.keys, nkeys * sizeof(*b->saved));

	/* at most: the first try, one after reading the shared pairs, one after a chunk */
	for (attempt = 0; attempt < 3; attempt++) {
		struct state_spares sp[2];
		int read_shared[2] = { 0, 0 }, read_pool[2] = { 0, 0 };

		for (role = 0; role < 2; role++) {
			free(reuse[role]);
			reuse[role] = NULL;
			nreuse[role] = 0;
			if (shared) {
				rc = zone_reuse(pl[role], role, &w->sz, &reuse[role], &nreuse[role]);
				if (rc != 0)
					goto out;
			}
			used[role] = pl[role]->sp.used;
			sp[role] = (struct state_spares){ reuse[role], nreuse[role], 0,
			    pl[role]->loaded ? &pl[role]->sp : NULL };
		}
		rc = state_decide(&par, &w->sz, sp, &w->res);
		if (rc != 0)
			goto out;
		for (role = 0; role < 2; role++) {
			if (!ran_short(&w->res, role == PLAN_KSK ? STORE_KSK : STORE_ZSK))
				continue;
			read_shared[role] = shared && !pl[role]->shared_loaded;
			read_pool[role] = !pl[role]->loaded ||
			    (pl[role]->sp.used >= pl[role]->sp.n && !pl[role]->exhausted);
		}
		if (!read_shared[0] && !read_shared[1] && !read_pool[0] && !read_pool[1])
			break;
		/* undo the try (both roles may share one pool: same value twice) */
		w->sz.nkeys = nkeys;
		if (nkeys > 0)
			memcpy(w->sz.keys, b->saved, nkeys * sizeof(*b->saved));
		pl[0]->sp.used = used[0];
		pl[1]->sp.used = used[1];
		for (role = 0; role < 2 && rc == 0; role++) {
			if (read_shared[role] && !pl[role]->shared_loaded)
				rc = pool_read_shared(db, pl[role]);
			if (rc == 0 && read_pool[role] && (role == 0 || pl[1] != pl[0] ||
			    !read_pool[0]))
				rc = pool_read(db, pl[role], RUN_BATCH_ZONES * (size_t)
				    (plan_needed_per_zone(w->pol->kasp, (enum plan_role)role,
				    cfg->conf->interval) + 1));
		}
		if (rc != 0)
			goto out;
	}
	/*
	 * The reuse lists follow the zone: a pair it took from the pool joins
	 * them, a pair it retired leaves them, for the zones decided after it.
	 */
	for (size_t i = 0; shared && i < w->sz.nkeys && rc == 0; i++) {
		const struct state_key *k = &w->sz.keys[i];
		int r = k->keytype == STORE_KSK ? PLAN_KSK : PLAN_ZSK;
		int spent = k->state == STORE_STATE_RETIRE || k->state == STORE_STATE_DEAD;
		size_t j, found = (size_t)-1;

		if (!k->allocated && !spent)
			continue;
		for (j = 0; j < pl[r]->nshared[r]; j++) {
			if (pl[r]->shared[r][j].keypair_id == k->keypair_id)
				found = j;
		}
		if (spent && found != (size_t)-1)
			pl[r]->shared[r][found] = pl[r]->shared[r][--pl[r]->nshared[r]];
		else if (!spent && found == (size_t)-1)
			rc = shared_add(pl[r], r, k);
	}
	w->decided = rc == 0;
out:
	free(reuse[0]);
	free(reuse[1]);
	return rc;
}

/* --------------------------------------------------------------- one batch */

/* The batch's transaction: read, decide, write. Runs again from scratch on contention. */
static int
batch_txn(db_t *db, void *arg)
{
	struct batch *b = arg;
	struct store_alloc_writer wr = { NULL, NULL, NULL };
	size_t i, k = 0;
	int rc;

	batch_reset(b);
	rc = store_enf_zones(db, b->after, b->limit ? b->limit : RUN_BATCH_ZONES, b->only_policy_id,
	    &b->zones, &b->nzones);
	if (rc != 0 || b->nzones == 0)
		return rc;
	rc = store_enf_keys(db, b->zones[0].id, b->zones[b->nzones - 1].id, &b->keys, &b->nkeys);
	if (rc != 0)
		return rc;
	b->w = calloc(b->nzones, sizeof(*b->w));
	if (b->w == NULL)
		return E_NOMEM;
	for (i = 0; i < b->nzones; i++) {
		struct zone_work *w = &b->w[i];
		size_t first;

		w->z = &b->zones[i];
		/* both lists are ordered by zone id: walk them together */
		while (k < b->nkeys && b->keys[k].zone_id < w->z->id)
			k++;
		first = k;
		while (k < b->nkeys && b->keys[k].zone_id == w->z->id)
			k++;
		rc = zone_keys(w, &b->keys[first], k - first);
		if (rc != 0)
			return rc;
		w->pol = policy_by_id(b->pass, w->z->policy_id);
		if (w->pol == NULL)
			continue;       /* a policy made after the pass began: next pass */
		if (b->pass->cfg->read_only) {
			/* a replica: the keys as the primary left them, nothing decided */
			w->decided = 1;
			continue;
		}
		rc = decide_zone(b, w, db);
		if (rc != 0)
			return rc;
	}

	if (b->pass->cfg->read_only)
		return 0;
	/* write what changed */
	rc = store_alloc_writer_init(db, &wr);
	for (i = 0; i < b->nzones && rc == 0; i++) {
		struct zone_work *w = &b->w[i];

		if (!w->decided || w->res.abort_zone)
			continue;
		for (size_t j = 0; j < w->sz.nkeys && rc == 0; j++) {
			const struct state_key *sk = &w->sz.keys[j];
			struct store_alloc a;

			if (!sk->changed && !sk->allocated)
				continue;
			a = (struct store_alloc){ sk->keypair_id, w->z->id, sk->keytype, sk->state,
			    sk->publish, sk->ready, sk->active, sk->retire, sk->dead, sk->rfc5011,
			    sk->revoked };
			rc = store_alloc_write(&wr, &a, sk->allocated);
		}
		if (rc == 0 && w->res.new_ds && !w->z->ds_pending) {
			rc = store_enf_set_ds_pending(db, w->z->id, 1);
			w->z->ds_pending = 1;
		}
	}
	store_alloc_writer_fini(&wr);
	return rc;
}

/* ------------------------------------------------------------ after a commit */

static void
emit_log(void *ctx, int prio, const char *line)
{
	(void)ctx;
	log_msg(prio, "%s", line);
}

/* The 1.x lines of a zone that could not allocate what its policy needs (§7.3 D). */
static void
alloc_short_lines(int manual, const char *zone, const struct state_event *ev, run_emit_fn emit,
	void *ctx)
{
	int ksk = ev->keytype == STORE_KSK;
	const char *t = ksk ? "ksk" : "zsk";
	int prio = manual && ksk ? LOG_ERR : LOG_WARNING;
	char line[512];

	snprintf(line, sizeof(line), "Not enough keys to satisfy %s policy for zone: %s. "
	    "keys_to_allocate(%ld) = keys_needed(%ld) - (keys_available(%ld) - "
	    "keys_pending_retirement(%ld))", t, zone, ev->n, ev->a, ev->b, ev->c);
	emit(ctx, prio, line);
	snprintf(line, sizeof(line), "Tried to allocate %ld keys, failed on allocating key number "
	    "%ld", ev->n, ev->m);
	emit(ctx, prio, line);
	if (manual)
		emit(ctx, LOG_ERR, "please use \"ods-ksmutil key generate\" to create some more keys.");
	else
		emit(ctx, LOG_WARNING, "ods-enforcerd will create some more keys on its next run");
}

/* "<type> key allocation for zone <zone>: <n> key(s) allocated", when any were. */
static void
allocated_line(const char *zone, int keytype, size_t n, run_emit_fn emit, void *ctx)
{
	char line[512];

	if (n == 0)
		return;
	snprintf(line, sizeof(line), "%s key allocation for zone %s: %zu key(s) allocated",
	    keytype == STORE_KSK ? "KSK" : "ZSK", zone, n);
	emit(ctx, LOG_DEBUG, line);
}

static void
log_alloc_short(const struct pass *p, const struct zone_work *w, const struct state_event *ev)
{
	alloc_short_lines(p->cfg->conf->manual_keygen, w->z->name, ev, emit_log, NULL);
	log_msg(LOG_ERR, "Error allocating %ss to zone %s", ev->keytype == STORE_KSK ? "ksk" : "zsk",
	    w->z->name);
}

static int
issue_cmp(const void *pa, const void *pb)
{
	const struct signconf_key *a = pa, *b = pb;

	/* KSKs first, then ZSKs; the caller's order (key pair id) within each */
	return (b->flags & 1) - (a->flags & 1);
}

/*
 * Write the zone's signconf when its bytes change. Returns 1 when written,
 * 0 when unchanged or not written (logged).
 */
static int
write_signconf(struct pass *p, struct zone_work *w, int *short_role)
{
	struct signconf_key *keys = NULL;
	char *text = NULL, err[512];
	size_t n = 0, len = 0;
	int rc, written = 0;

	keys = calloc(w->sz.nkeys ? w->sz.nkeys : 1, sizeof(*keys));
	if (keys == NULL) {
		log_msg(LOG_ERR, "Error writing signconf for %s: out of memory", w->z->name);
		goto out;
	}
	for (size_t i = 0; i < w->sz.nkeys; i++) {
		struct state_issue is;

		if (!state_key_issued(&w->sz.keys[i], &is))
			continue;
		keys[n] = (struct signconf_key){ is.flags, w->sz.keys[i].algorithm,
		    w->sz.keys[i].locator, is.ksk, is.zsk, is.publish, is.rfc5011 };
		n++;
	}
	/* a stable sort: qsort is not, so order by (type, id) explicitly through the index */
	for (size_t i = 1; i < n; i++) {
		struct signconf_key t = keys[i];
		size_t j = i;

		while (j > 0 && issue_cmp(&keys[j - 1], &t) > 0) {
			keys[j] = keys[j - 1];
			j--;
		}
		keys[j] = t;
	}
	if (n == 0 || w->res.abort_zone) {
		const char *hint = p->cfg->conf->manual_keygen ?
		    "please use \"ods-ksmutil key generate\" to create some." :
		    "ods-enforcerd will create some on its next run.";

		if (*short_role >= 0)
			log_msg(p->cfg->conf->manual_keygen ? LOG_ERR : LOG_WARNING,
			    "There are no %ss in the generate state; %s",
			    *short_role == PLAN_KSK ? "KSK" : "ZSK", hint);
		log_msg(LOG_ERR, "Signconf not written for %s", w->z->name);
		goto out;
	}
	if (w->z->signconf == NULL) {
		log_msg(LOG_ERR, "Error writing signconf for %s: the zone has no signconf path",
		    w->z->name);
		goto out;
	}
	rc = signconf_format(w->z->name, w->pol->kasp, w->pol->salt, keys, n, &text, &len);
	if (rc != 0) {
		log_msg(LOG_ERR, "Error writing signconf for %s: %s", w->z->name, err_str(rc));
		goto out;
	}
	/* with a signer to tell, the notice is owed until it is told (crash safety) */
	if (signer_set(p))
		rc = signconf_write_noted(w->z->signconf, text, len, &written, err, sizeof(err));
	else
		rc = signconf_write(w->z->signconf, text, len, &written, err, sizeof(err));
	if (rc != 0) {
		log_msg(LOG_ERR, "%s", err);
		log_msg(LOG_ERR, "Error writing signconf for %s", w->z->name);
		written = 0;
	}
out:
	free(keys);
	free(text);
	return written;
}

/* "argv[0] argv[1] ...", for messages; malloc()ed or NULL. */
static char *
signer_line(const char *const *argv)
{
	char *line = NULL, *next;

	for (size_t i = 0; argv[i] != NULL; i++) {
		next = str_printf("%s%s%s", line ? line : "", line ? " " : "", argv[i]);
		free(line);
		line = next;
		if (line == NULL)
			break;
	}
	return line;
}

/* Tell the signer to read the new signconf of zone (1.x: ods-signer update <zone>). */
static void
notify_signer(struct pass *p, const char *zone, const char *signconf)
{
	const char *const *cmd = p->cfg->signer_cmd;
	const char *argv[32];
	struct spawn_result res;
	char *line;
	size_t i;
	int rc;

	if (cmd == NULL || cmd[0] == NULL || p->signer_off)
		return;
	char *words[32] = { NULL };

	for (i = 0; i < sizeof(argv) / sizeof(argv[0]) - 1 && cmd[i] != NULL; i++) {
		/* every "%zone", also inside a word ("--zone=%zone"), is the zone */
		words[i] = str_replace_all(cmd[i], "%zone", zone);
		argv[i] = words[i] != NULL ? words[i] : cmd[i];
	}
	argv[i] = NULL;
	line = signer_line(argv);
	rc = spawn_run(argv, NULL, NULL, 0, &res);
	if (rc == 0 && res.exited && res.status == 0) {
		log_msg(LOG_INFO, "Called signer engine: %s", line ? line : argv[0]);
		signconf_unnote(signconf);
	} else {
		log_msg(LOG_ERR, "Could not call signer engine");
		log_msg(LOG_INFO, "Will continue: call '%s' to manually update the zone",
		    line ? line : argv[0]);
		p->signer_off = 1;
	}
	if (rc == 0)
		spawn_result_free(&res);
	free(line);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		free(words[i]);
}

/* enforcer.md §3.11: warn of a KSK rollover within RolloverNotification. */
static void
rollover_notice(const struct pass *p, const struct zone_work *w)
{
	time_t first = 0;
	int active = 0;
	char when[TIME_STR_LEN];

	if (p->cfg->conf->rollover_notification < 0)
		return;
	for (size_t i = 0; i < w->sz.nkeys; i++) {
		const struct state_key *k = &w->sz.keys[i];

		if (k->keytype != STORE_KSK || k->state != STORE_STATE_ACTIVE)
			continue;
		active = 1;
		if (k->retire != 0 && (first == 0 || k->retire < first))
			first = k->retire;
	}
	if (!active) {
		log_msg(LOG_INFO, "No active KSKs yet for zone %s, can't check for impending rollover",
		    w->z->name);
		return;
	}
	if (first == 0 || first - p->cfg->now > (time_t)p->cfg->conf->rollover_notification)
		return;
	time_format_local(first, when);
	log_msg(LOG_INFO, "Rollover of KSK expected at %s for %s", when, w->z->name);
}

/* ------------------------------------------------------------ DS submission */

struct pubkey_txn {
	const int64_t *ids;
	size_t n;
	char **keys;
};

static int
pubkey_txn(db_t *db, void *arg)
{
	struct pubkey_txn *t = arg;

	store_enf_strings_free(t->keys, t->n);
	t->keys = NULL;
	return store_enf_pubkeys(db, t->ids, t->n, &t->keys);
}

struct pending_txn {
	int64_t zone_id;
};

static int
clear_pending_txn(db_t *db, void *arg)
{
	return store_enf_set_ds_pending(db, ((struct pending_txn *)arg)->zone_id, 0);
}

/*
 * The DNSKEY of a KSK: from the key cache, else from the HSM. *line is the
 * presentation line with ldns's comment; malloc()ed.
 */
static int
ds_dnskey(struct pass *p, const struct zone_work *w, const struct state_key *k,
	const char *cached, char **line)
{
	const char *repo = repo_name(p, k->repository_id);
	uint8_t *key = NULL;
	size_t len = 0;
	struct dnskey dk;
	int rc;

	if (cached != NULL)
		rc = dnskey_key_unbase64(cached, &key, &len);
	else if (repo != NULL)
		rc = hsm_dnskey_public(p->cfg->hsm, repo, k->locator, k->algorithm, &key, &len);
	else
		rc = E_NOTFOUND;
	if (rc != 0)
		return rc;
	dk.flags = (uint16_t)(DNSKEY_FLAGS_KSK | (k->revoked ? DNSKEY_FLAG_REVOKE : 0));
	dk.protocol = 3;
	dk.algorithm = (uint8_t)k->algorithm;
	dk.key = key;
	dk.keylen = len;
	rc = dnskey_format(w->z->name, (uint32_t)w->pol->kasp->key_ttl, &dk, line);
	free(key);
	return rc;
}

/* The submit command as an argv: the whole text when it names a file (1.x), else its words. */
static int
ds_argv(const char *cmd, char **words, const char **argv, size_t max)
{
	struct stat sb;
	size_t n = 0;
	char *save = NULL, *tok;

	if (stat(cmd, &sb) == 0) {
		argv[0] = cmd;
		argv[1] = NULL;
		return 0;
	}
	*words = str_dup(cmd);
	if (*words == NULL)
		return E_NOMEM;
	for (tok = strtok_r(*words, " \t", &save); tok != NULL && n + 1 < max;
	    tok = strtok_r(NULL, " \t", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	return n > 0 ? 0 : E_INVAL;
}

/* Feed the DNSKEY records to DelegationSignerSubmitCommand; 0 when it ran and exited 0. */
static int
ds_run(const struct pass *p, const char *input, size_t len)
{
	const char *cmd = p->cfg->conf->ds_submit_cmd;
	const char *argv[64];
	char *words = NULL;
	struct spawn_result res;
	struct stat sb;
	int rc;

	rc = ds_argv(cmd, &words, argv, sizeof(argv) / sizeof(argv[0]));
	if (rc != 0) {
		log_msg(LOG_WARNING, "Cannot stat file %s: %s", cmd, strerror(ENOENT));
		goto out;
	}
	if (stat(argv[0], &sb) != 0) {
		log_msg(LOG_WARNING, "Cannot stat file %s: %s", argv[0], strerror(errno));
		rc = E_NOTFOUND;
		goto out;
	}
	if (S_ISREG(sb.st_mode) && !(sb.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
		log_msg(LOG_WARNING, "File %s is not executable", argv[0]);
		rc = E_DENIED;
		goto out;
	}
	rc = spawn_run(argv, NULL, input, len, &res);
	if (rc != 0) {
		log_msg(LOG_ERR, "Failed to run command: %s: %s", cmd, strerror(errno));
		goto out;
	}
	/* Q11: the exit status counts; a failed submission is tried again next pass */
	if (!res.exited || res.status != 0) {
		log_msg(LOG_ERR, "DS submit command %s %s %d; it runs again on the next pass", cmd,
		    res.exited ? "exited with status" : "was killed by signal", res.status);
		rc = E_SPAWN;
	}
	spawn_result_free(&res);
out:
	free(words);
	return rc;
}

/*
 * enforcer.md §4.6 with Q10 and Q11 fixed: the DS set the parent should hold
 * after the pending change, one DNSKEY per line (each followed by its
 * "; {cka_id = ...}" line with the --cka_id option), to the command's stdin.
 * The zone's ds_pending flag is cleared once that has been done.
 */
static void
submit_ds(struct pass *p, const struct zone_work *w)
{
	const struct conf *conf = p->cfg->conf;
	size_t idx[64], n, i;
	int64_t ids[64];
	struct pubkey_txn pk = { ids, 0, NULL };
	char *input = NULL, *ckas = NULL, *next;
	size_t inlen = 0;
	int rc, ok = 1;

	n = state_ds_set(&w->sz, idx, sizeof(idx) / sizeof(idx[0]));
	if (n > sizeof(idx) / sizeof(idx[0]))
		n = sizeof(idx) / sizeof(idx[0]);
	for (i = 0; i < n; i++)
		ids[i] = w->sz.keys[idx[i]].keypair_id;
	pk.n = n;
	log_msg(LOG_INFO, "DSChanged");
	if (n == 0)
		goto done;
	rc = db_transact(p->cfg->db, DB_TXN_READ, pubkey_txn, &pk);
	if (rc != 0) {
		log_msg(LOG_ERR, "SQL failed: %s", db_errmsg(p->cfg->db));
		goto out;
	}
	log_msg(LOG_INFO, "DS Record set has changed, the current set looks like:");
	for (i = 0; i < n; i++) {
		const struct state_key *k = &w->sz.keys[idx[i]];
		char *line = NULL, *shown, *c;

		if (ds_dnskey(p, w, k, pk.keys[i], &line) != 0) {
			log_msg(LOG_ERR, "Key %s in DB but not repository.", k->locator);
			goto out;
		}
		/* the log shows the record as ldns printed it, tabs as spaces */
		shown = str_dup(line);
		for (c = shown; c != NULL && *c; c++) {
			if (*c == '\t')
				*c = ' ';
		}
		log_msg(LOG_INFO, "%s", shown ? shown : line);
		free(shown);
		/* stdin gets the record without the comment, every line ended (Q11) */
		c = strstr(line, " ;{");
		if (c != NULL)
			*c = '\0';
		next = str_printf("%s%s\n%s%s%s", input ? input : "", line,
		    conf->ds_submit_cka_id ? "; {cka_id = " : "",
		    conf->ds_submit_cka_id ? k->locator : "", conf->ds_submit_cka_id ? "}\n" : "");
		free(input);
		input = next;
		next = str_printf("%s, %s", ckas ? ckas : "", k->locator);
		free(ckas);
		ckas = next;
		free(line);
		if (input == NULL || ckas == NULL)
			goto out;
	}
	inlen = strlen(input);
	if (conf->ds_submit_cmd != NULL && ds_run(p, input, inlen) != 0)
		ok = 0;
done:
	log_msg(LOG_INFO, "Once the new DS records are seen in DNS please issue the ds-seen "
	    "command for zone %s with the following cka_ids%s", w->z->name, ckas ? ckas : "");
	if (ok) {
		struct pending_txn t = { w->z->id };

		if (pass_write(p, clear_pending_txn, &t) != 0)
			log_msg(LOG_ERR, "SQL failed: %s", db_errmsg(p->cfg->db));
		else
			p->st->ds_submitted++;
	}
out:
	store_enf_strings_free(pk.keys, pk.n);
	free(input);
	free(ckas);
}

/* Everything a committed batch owes: the log lines, the files, the DS, the signer. */
static void
batch_after(struct pass *p, struct batch *b)
{
	struct zone_work **notify = NULL;
	size_t nnotify = 0, i;

	notify = calloc(b->nzones ? b->nzones : 1, sizeof(*notify));
	if (notify == NULL)
		log_msg(LOG_ERR, "out of memory: the signer is told of this batch's zones next pass");
	for (i = 0; i < b->nzones; i++) {
		struct zone_work *w = &b->w[i];
		int short_role = -1;

		log_msg(LOG_INFO, "Zone %s found.", w->z->name);
		if (w->pol == NULL || !w->decided) {
			log_msg(LOG_ERR, "Error reading policy");
			continue;
		}
		p->st->zones++;
		log_msg(LOG_INFO, "Policy for %s set to %s.", w->z->name, w->pol->kasp->name);
		log_msg(LOG_INFO, "Config will be output to %s.",
		    w->z->signconf ? w->z->signconf : "");
		/* 1.x: ZSKs first */
		allocated_line(w->z->name, STORE_ZSK, w->res.allocated[PLAN_ZSK], emit_log, NULL);
		allocated_line(w->z->name, STORE_KSK, w->res.allocated[PLAN_KSK], emit_log, NULL);
		for (size_t e = 0; e < w->res.nevents; e++) {
			const struct state_event *ev = &w->res.events[e];
			char text[512];
			int prio;

			if (ev->kind == EV_ALLOC_SHORT) {
				log_alloc_short(p, w, ev);
				short_role = ev->keytype == STORE_KSK ? PLAN_KSK : PLAN_ZSK;
				continue;
			}
			if (ev->kind == EV_SHORTAGE)
				short_role = ev->keytype == STORE_KSK ? PLAN_KSK : PLAN_ZSK;
			prio = state_event_text(ev, w->z->name, text, sizeof(text));
			log_msg(prio, "%s", text);
		}
		if (!w->res.abort_zone) {
			for (size_t k = 0; k < w->sz.nkeys; k++)
				p->st->transitions += w->sz.keys[k].changed || w->sz.keys[k].allocated;
		}
		if (write_signconf(p, w, &short_role)) {
			p->st->signconfs_written++;
			if (notify != NULL)
				notify[nnotify++] = w;
		} else if (w->z->signconf != NULL && !w->res.abort_zone) {
			log_msg(LOG_INFO, "No change to: %s", w->z->signconf);
			/* an earlier run wrote it and stopped before telling the signer */
			if (notify != NULL && signer_set(p) && signconf_noted(w->z->signconf))
				notify[nnotify++] = w;
		}
		/* on a replica, the primary submits (and clears ds_pending) */
		if (w->z->ds_pending && !p->cfg->read_only)
			submit_ds(p, w);
		rollover_notice(p, w);
	}
	/* the signer reads what is on disk: make it stay there first */
	if (nnotify > 0) {
		for (i = 0; i < b->nzones; i++) {
			if (b->w[i].z->signconf != NULL) {
				signconf_sync(b->w[i].z->signconf);
				break;
			}
		}
	}
	for (i = 0; i < nnotify; i++)
		notify_signer(p, notify[i]->z->name, notify[i]->z->signconf);
	free(notify);
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
	if (cfg->epoch != 0 && (rc = pass_write(&p, nothing_txn, NULL)) != 0) {
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
			rc = keygen(&p, pol);
			/* the zones still move (RETIRE -> DEAD, signconf) without new keys */
			if (rc != 0 && failure == 0)
				failure = rc;
		}
		purge(&p, pol);
	}

	b.pass = &p;
	b.only_policy_id = cfg->only_policy != NULL && p.npol > 0 ? p.pol[0].id : 0;
	while (!stopping(&p)) {
		rc = cfg->read_only ? db_transact(cfg->db, DB_TXN_READ, batch_txn, &b) :
		    pass_write(&p, batch_txn, &b);
		if (rc == DB_E_FENCED)
			goto out;
		if (rc != 0) {
			log_msg(LOG_ERR, "Error processing the zones after id %lld: %s",
			    (long long)b.after, db_errmsg(cfg->db));
			goto out;
		}
		if (b.nzones == 0)
			break;
		batch_after(&p, &b);
		b.after = b.zones[b.nzones - 1].id;
		if (cfg->tick != NULL)
			cfg->tick(cfg->tick_arg);
	}
	p.st->stopped = stopping(&p);
	rc = failure;
out:
	batch_reset(&b);
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
run_link_zone(db_t *db, const struct conf *conf, time_t now, int64_t zone_id,
	const char *policy, struct run_link *out)
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
		goto done;              /* each zone gets its own keys from the daemon */
	p.pol = rp.pol;
	p.npol = rp.npol;
	b.pass = &p;
	b.after = zone_id - 1;
	b.limit = 1;
	b.only_policy_id = rp.pol[0].id;
	b.link_only = 1;
	rc = batch_txn(db, &b);
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
	batch_reset(&b);
	free(b.saved);
	store_enf_policy_free_array(rp.pol, rp.npol);
	store_repository_free_array(rp.repos, rp.nrepos);
	return rc;
}

void
run_link_lines(const struct run_link *l, const char *zone, int manual, run_emit_fn emit,
	void *ctx)
{
	if (!l->linked)
		return;
	for (int role = PLAN_ZSK;; role = PLAN_KSK) {
		if (l->short_of[role])
			alloc_short_lines(manual, zone, &l->shortage[role], emit, ctx);
		else
			allocated_line(zone, role == PLAN_KSK ? STORE_KSK : STORE_ZSK,
			    l->allocated[role], emit, ctx);
		if (role == PLAN_KSK)
			break;
	}
}
