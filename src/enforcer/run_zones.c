/*
 * run_zones.c - one batch of zones of the enforce pass: their keys and
 * spare pools read, each zone decided by the state machine, the changes
 * written in the batch's transaction.
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

/* ---------------------------------------------------------------- the zones */

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

void
run_batch_reset(struct batch *b)
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
 * Keep a chunk of n rows read from the store in pl, which frees it with the
 * pool; E_NOMEM leaves the rows to the caller.
 */
static int
chunk_keep(struct pool *pl, struct store_enf_spare *rows, size_t n)
{
	struct store_enf_spare **chunks;
	size_t *nchunk;

	chunks = realloc(pl->chunks, (pl->nchunks + 1) * sizeof(*chunks));
	if (chunks != NULL)
		pl->chunks = chunks;
	nchunk = realloc(pl->nchunk, (pl->nchunks + 1) * sizeof(*nchunk));
	if (nchunk != NULL)
		pl->nchunk = nchunk;
	if (chunks == NULL || nchunk == NULL)
		return E_NOMEM;
	pl->chunks[pl->nchunks] = rows;
	pl->nchunk[pl->nchunks++] = n;
	return 0;
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
	struct store_enf_spare *rows = NULL;
	struct state_key *tmpl;
	size_t n = 0;
	int rc;

	if (pl->loaded && pl->sp.used > 0)
		pl->cursor = pl->sp.keys[pl->sp.used - 1].keypair_id;
	rc = store_enf_unallocated(db, &pl->key, pl->cursor, want, &rows, &n);
	if (rc < 0)
		return rc;
	tmpl = malloc((n ? n : 1) * sizeof(*tmpl));
	if (tmpl == NULL || chunk_keep(pl, rows, n) != 0) {
		store_enf_spare_free_array(rows, n);
		free(tmpl);
		return E_NOMEM;
	}
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
	struct store_enf_spare *rows = NULL;
	size_t n = 0;
	int rc = 0;

	rc = store_enf_shared(db, &pl->key, &rows, &n);
	if (rc < 0)
		return rc;
	/* kept with the chunks: the templates borrow their locators */
	if (chunk_keep(pl, rows, n) != 0) {
		store_enf_spare_free_array(rows, n);
		return E_NOMEM;
	}
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
				rc = zone_reuse(
					pl[role], role, &w->sz, &reuse[role], &nreuse[role]);
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
			read_pool[role] =
				!pl[role]->loaded ||
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
			if (rc == 0 && read_pool[role] &&
				(role == 0 || pl[1] != pl[0] || !read_pool[0]))
				rc = pool_read(db, pl[role],
					RUN_BATCH_ZONES *
						(size_t)(plan_needed_per_zone(w->pol->kasp,
								 (enum plan_role)role,
								 cfg->conf->interval) +
							 1));
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
int
run_batch_txn(db_t *db, void *arg)
{
	struct batch *b = arg;
	struct store_alloc_writer wr = { NULL, NULL, NULL };
	size_t i, k = 0;
	int rc;

	run_batch_reset(b);
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
			continue; /* a policy made after the pass began: next pass */
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
				sk->publish, sk->ready, sk->active, sk->retire, sk->dead,
				sk->rfc5011, sk->revoked };
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
