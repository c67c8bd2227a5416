/*
 * forecast.c - run one zone's key-state machine forward (forecast.h).
 *
 * Each step is one daemon pass at time t: state_decide() on the zone's
 * keys with a spare pool of new key pairs, then what changed is reported by
 * comparing the keys with a copy taken before. The next step is the first
 * pass at or after the zone's next due date, or the next pass when this one
 * changed something.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "enforcer/forecast.h"
#include "enforcer/plan.h"

/*
 * Key pair ids of key pairs not generated yet: above any stored id, so
 * that "lowest id first" (Q19) takes stored ones before them, as the daemon
 * does; the zone's n-th new pair is NEW_BASE + n.
 */
#define NEW_BASE (INT64_C(1) << 62)

/* How many times the notify pass after an assumed ds-seen may find another to do. */
#define SEEN_ROUNDS 4

struct fc {
	const struct forecast_params *fp;
	struct state_zone z;
	struct state_key *saved; /* the keys before the pass */
	size_t nsaved, capsaved;
	struct state_key *tmpl[2]; /* spare templates per plan_role */
	size_t ntmpl[2];
	struct state_pool pool[2];
	long made; /* new key pairs allocated so far */
	int first; /* the zone's first pass of the plan */
	struct state_result res;
	forecast_emit_fn emit;
	void *ctx;
};

static int
grow(struct state_key **arr, size_t *cap, size_t want)
{
	struct state_key *grown;
	size_t cap2;

	if (*arr != NULL && want <= *cap)
		return 0;
	cap2 = *cap ? *cap : 8;
	while (cap2 < want)
		cap2 *= 2;
	grown = realloc(*arr, cap2 * sizeof(*grown));
	if (grown == NULL)
		return E_NOMEM;
	*arr = grown;
	*cap = cap2;
	return 0;
}

/* Fresh templates of new key pairs, enough for what one pass may allocate. */
static int
refill(struct fc *f)
{
	int64_t next = NEW_BASE + f->made + 1;

	for (int role = 0; role < 2; role++) {
		size_t want = (size_t)plan_needed_per_zone(
				      f->fp->policy, (enum plan_role)role, f->fp->interval) +
			      1;
		const struct kasp_keydef *def =
			role == PLAN_KSK ? &f->fp->policy->ksk : &f->fp->policy->zsk;
		size_t cap = f->ntmpl[role];

		if (grow(&f->tmpl[role], &cap, want) != 0)
			return E_NOMEM;
		f->ntmpl[role] = cap;
		for (size_t i = 0; i < want; i++) {
			struct state_key *k = &f->tmpl[role][i];

			memset(k, 0, sizeof(*k));
			k->keypair_id = next++;
			k->algorithm = def->algorithm;
			k->repository_id = f->fp->repository_id[role];
			k->require_backup = f->fp->require_backup[role];
			/* the operator is assumed to back up what the repository requires */
			k->backed_up = 1;
		}
		f->pool[role] = (struct state_pool){ f->tmpl[role], want, 0 };
	}
	return 0;
}

static int
waiting(const struct state_key *k)
{
	return k->keytype == STORE_KSK &&
	       ((k->state == STORE_STATE_READY && !k->rfc5011) || k->state == STORE_STATE_DSSUB);
}

/* The state keys[i] had before the pass (GENERATE for one allocated in it). */
static int
state_before(const struct fc *f, const struct state_key *k)
{
	if (k->allocated)
		return STORE_STATE_GENERATE;
	for (size_t i = 0; i < f->nsaved; i++) {
		if (f->saved[i].keypair_id == k->keypair_id && f->saved[i].keytype == k->keytype)
			return f->saved[i].state;
	}
	return STORE_STATE_GENERATE;
}

static int
emit_key(struct fc *f, time_t t, enum forecast_kind kind, const struct state_key *k, int from,
	int by_seen)
{
	struct forecast_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.when = t;
	ev.kind = kind;
	ev.keytype = k->keytype;
	if (k->keypair_id > NEW_BASE) {
		ev.new_key = (long)(k->keypair_id - NEW_BASE);
	} else {
		ev.keypair_id = k->keypair_id;
		ev.locator = k->locator;
	}
	ev.from = from;
	ev.to = k->state;
	ev.by_ds_seen = by_seen;
	ev.revoked = k->revoked;
	return f->emit(f->ctx, &ev);
}

/* Drop the DEAD keys: the daemon loads a zone's keys that are not DEAD. */
static void
drop_dead(struct state_zone *z)
{
	size_t i, n = 0;

	for (i = 0; i < z->nkeys; i++) {
		if (z->keys[i].state != STORE_STATE_DEAD)
			z->keys[n++] = z->keys[i];
	}
	z->nkeys = n;
}

/*
 * One pass at t: decide, number the new key pairs, report. *changed is set
 * when the pass changed a key.
 */
static int
pass(struct fc *f, time_t t, int *changed)
{
	struct state_params par = { f->fp->policy, f->fp->interval, t, 0 };
	struct state_spares sp[2];
	int rc;

	if (grow(&f->saved, &f->capsaved, f->z.nkeys) != 0 || refill(f) != 0)
		return E_NOMEM;
	if (f->z.nkeys > 0)
		memcpy(f->saved, f->z.keys, f->z.nkeys * sizeof(*f->saved));
	f->nsaved = f->z.nkeys;
	for (int role = 0; role < 2; role++)
		sp[role] = (struct state_spares){ NULL, 0, 0, &f->pool[role] };
	rc = state_decide(&par, &f->z, sp, &f->res);
	if (rc != 0)
		return rc;
	if (f->res.nomem)
		return E_NOMEM;
	if (f->res.abort_zone) {
		/* the daemon stores nothing of such a pass: the zone stays as it was */
		memcpy(f->z.keys, f->saved, f->nsaved * sizeof(*f->saved));
		f->z.nkeys = f->nsaved;
		return 0;
	}
	/* new pairs in id order, after every one before them: ordering is kept */
	for (size_t i = 0; i < f->z.nkeys; i++) {
		if (f->z.keys[i].allocated)
			f->z.keys[i].keypair_id = NEW_BASE + ++f->made;
	}
	*changed |= f->res.changed;
	for (size_t i = 0; i < f->z.nkeys && rc == 0; i++) {
		const struct state_key *k = &f->z.keys[i];
		int from = state_before(f, k);

		if (from != k->state)
			rc = emit_key(f, t, FC_STATE, k, from, 0);
		if (rc == 0 && waiting(k) && (from != k->state || f->first))
			rc = emit_key(f, t, FC_DS_SEEN_NEEDED, k, k->state, 0);
	}
	if (rc == 0 && f->res.new_ds) {
		struct forecast_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.when = t;
		ev.kind = FC_DS_SUBMIT;
		rc = f->emit(f->ctx, &ev);
	}
	f->first = 0;
	drop_dead(&f->z);
	return rc;
}

/* The operator's ds-seen on every waiting KSK (dsseen.c); *done: how many. */
static int
ds_seen(struct fc *f, time_t t, int *done)
{
	const struct kasp_policy *p = f->fp->policy;
	int rc = 0;

	*done = 0;
	for (size_t i = 0; i < f->z.nkeys && rc == 0; i++) {
		struct state_key *k = &f->z.keys[i];
		int from = k->state;
		size_t old;

		if (!waiting(k))
			continue;
		if (from == STORE_STATE_DSSUB) {
			state_seen_standby(p, k, t);
		} else {
			/* the command refuses it, as the daemon would (Q12) */
			if (k->require_backup && !k->backed_up)
				continue;
			state_seen_activate(p, k, t);
		}
		(*done)++;
		rc = emit_key(f, t, FC_DS_SEEN, k, from, 1);
		if (rc == 0)
			rc = emit_key(f, t, FC_STATE, k, from, 1);
		if (rc != 0 || from == STORE_STATE_DSSUB)
			continue;
		old = state_seen_retiree(f->z.keys, f->z.nkeys, i);
		if (old != (size_t)-1) {
			state_retire_now(p, &f->z.keys[old], t);
			rc = emit_key(f, t, FC_STATE, &f->z.keys[old], STORE_STATE_ACTIVE, 1);
		}
	}
	return rc;
}

/* The first pass time at or after x: from + k * interval. */
static time_t
on_grid(const struct forecast_params *fp, time_t x)
{
	int64_t steps;

	if (x <= fp->from)
		return fp->from;
	steps = ((int64_t)x - fp->from + fp->interval - 1) / fp->interval;
	return fp->from + (time_t)(steps * fp->interval);
}

int
forecast_zone(const struct forecast_params *fp, const struct state_key *keys, size_t n,
	forecast_emit_fn emit, void *ctx)
{
	struct fc f;
	time_t t = fp->from;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.fp = fp;
	f.emit = emit;
	f.ctx = ctx;
	f.first = 1;
	if (fp->interval <= 0 || grow(&f.z.keys, &f.z.cap, n + 8) != 0)
		return fp->interval <= 0 ? E_INVAL : E_NOMEM;
	if (n > 0)
		memcpy(f.z.keys, keys, n * sizeof(*keys));
	f.z.nkeys = n;
	while (rc == 0 && t <= fp->until) {
		int changed = 0, seen = 0;

		rc = pass(&f, t, &changed);
		for (int round = 0; rc == 0 && fp->assume_ds_seen && round < SEEN_ROUNDS; round++) {
			rc = ds_seen(&f, t, &seen);
			if (rc != 0 || seen == 0)
				break;
			/* ds-seen notifies the daemon: a pass at once */
			changed = 1;
			rc = pass(&f, t, &changed);
		}
		if (rc != 0)
			break;
		if (changed)
			t += (time_t)fp->interval;
		else if (f.res.next != 0)
			t = on_grid(fp, f.res.next);
		else
			break; /* nothing is ever due again */
	}
	free(f.z.keys);
	free(f.saved);
	free(f.tmpl[0]);
	free(f.tmpl[1]);
	state_result_free(&f.res);
	return rc;
}
