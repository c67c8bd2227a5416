/*
 * state.c - the key-state machine of one zone (state.h; enforcer.md §3).
 *
 * One call decides one zone: allocate spare key pairs, bring the
 * predicted dates up to date, run the KSK transitions then the ZSK ones,
 * and update the predictions again. Every rule of enforcer.md §3.3 is a
 * step below, numbered as there; where we depart from 1.4 the quirk is
 * named (enforcer.md §6).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "enforcer/plan.h"
#include "enforcer/state.h"
#include "enforcer/state_internal.h"

/* ------------------------------------------------------------ one zone */

struct decide {
	const struct state_params *sp;
	const struct kasp_policy *p;
	struct state_zone *z;
	struct state_result *res;
	time_t now;
};

static void
emit(struct decide *d, enum state_event_kind kind, int keytype, long n, long m)
{
	struct state_result *res = d->res;
	struct state_event *ev;

	if (res->nevents == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 8;
		struct state_event *grown = realloc(res->events, cap * sizeof(*grown));

		if (grown == NULL) {
			res->nomem = 1;
			return;
		}
		res->events = grown;
		res->cap = cap;
	}
	ev = &res->events[res->nevents++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->keytype = keytype;
	ev->n = n;
	ev->m = m;
}

static void
set_state(struct state_key *k, int state)
{
	if (k->state != state) {
		k->state = state;
		k->changed |= STATE_CH_STATE;
	}
}

static void
set_time(struct state_key *k, time_t *col, unsigned bit, time_t t)
{
	if (*col != t) {
		*col = t;
		k->changed |= bit;
	}
}

/* Keys of a type in a state, counted. */
static size_t
count(const struct decide *d, int keytype, int state)
{
	size_t i, n = 0;

	for (i = 0; i < d->z->nkeys; i++)
		n += d->z->keys[i].keytype == keytype && d->z->keys[i].state == state;
	return n;
}

/* ACTIVE keys of a type retiring by limit (0: "never" does not count). */
static size_t
count_retiring(const struct decide *d, int keytype, time_t limit)
{
	size_t i, n = 0;

	for (i = 0; i < d->z->nkeys; i++) {
		const struct state_key *k = &d->z->keys[i];

		n += k->keytype == keytype && k->state == STORE_STATE_ACTIVE && k->retire != 0 &&
		     k->retire <= limit;
	}
	return n;
}

/*
 * The backup rule (§4.9, applied to every activation: Q12). 1 when the key
 * may become active.
 */
static int
backup_allows(struct decide *d, const struct state_key *k)
{
	if (k->backed_up)
		return 1;
	if (k->require_backup) {
		emit(d, EV_BACKUP_REFUSED, k->keytype, 0, 0);
		return 0;
	}
	emit(d, EV_BACKUP_WARNING, k->keytype, 0, 0);
	return 1;
}

/* Move up to n keys of a type from one state to another, lowest key pair id first (Q19). */
static size_t
move_n(struct decide *d, int keytype, int from, int to, size_t n,
	time_t *(*col)(struct state_key *), unsigned bit)
{
	size_t i, moved = 0;

	for (i = 0; i < d->z->nkeys && moved < n; i++) {
		struct state_key *k = &d->z->keys[i];

		if (k->keytype != keytype || k->state != from)
			continue;
		set_state(k, to);
		set_time(k, col(k), bit, d->now);
		moved++;
	}
	return moved;
}

static time_t *
col_publish(struct state_key *k)
{
	return &k->publish;
}
static time_t *
col_ready(struct state_key *k)
{
	return &k->ready;
}
static time_t *
col_dead(struct state_key *k)
{
	return &k->dead;
}

/*
 * The "conditional" transitions: every key of a type in `from` whose date
 * column `due` has come moves to `to`, that column set to now.
 */
static size_t
move_due(struct decide *d, int keytype, int from, int to, time_t *(*due)(struct state_key *),
	unsigned bit)
{
	size_t i, moved = 0;

	for (i = 0; i < d->z->nkeys; i++) {
		struct state_key *k = &d->z->keys[i];
		time_t *t = due(k);

		if (k->keytype != keytype || k->state != from || *t == 0 || *t > d->now)
			continue;
		set_state(k, to);
		set_time(k, t, bit, d->now);
		moved++;
	}
	return moved;
}

/* Retire the ACTIVE keys of a type whose retire date has come (1.4 "ACTIVE -> RETIRE"). */
static size_t
retire_due(struct decide *d, int keytype, int revoke)
{
	size_t i, n = 0;

	for (i = 0; i < d->z->nkeys; i++) {
		struct state_key *k = &d->z->keys[i];

		if (k->keytype != keytype || k->state != STORE_STATE_ACTIVE || k->retire == 0 ||
			k->retire > d->now)
			continue;
		set_state(k, STORE_STATE_RETIRE);
		set_time(k, &k->retire, STATE_CH_RETIRE, d->now);
		if (revoke && !k->revoked) {
			k->revoked = 1;
			k->changed |= STATE_CH_REVOKED;
		}
		n++;
	}
	return n;
}

/* Activate one key, if the backup rule lets it; 1 when it moved. */
static int
activate(struct decide *d, struct state_key *k)
{
	if (!backup_allows(d, k))
		return 0;
	set_state(k, STORE_STATE_ACTIVE);
	set_time(k, &k->active, STATE_CH_ACTIVE, d->now);
	return 1;
}

/* §3.2: the predicted date of each key's next state. */
static void
predict(struct decide *d)
{
	const struct kasp_policy *p = d->p;
	size_t i;

	for (i = 0; i < d->z->nkeys; i++) {
		struct state_key *k = &d->z->keys[i];
		int ksk = k->keytype == STORE_KSK;

		switch (k->state) {
		case STORE_STATE_PUBLISH:
			if (k->publish == 0)
				break;
			if (ksk && k->rfc5011) {
				time_t t = k->publish +
					   (time_t)(state_publish_wait(p) + state_holddown(p));

				set_time(k, &k->ready, STATE_CH_READY, t);
				set_time(k, &k->active, STATE_CH_ACTIVE, t);
			} else {
				set_time(k, &k->ready, STATE_CH_READY,
					k->publish + (time_t)state_publish_wait(p));
			}
			break;
		case STORE_STATE_READY:
			if (ksk && k->rfc5011 && k->ready != 0)
				set_time(k, &k->active, STATE_CH_ACTIVE, k->ready);
			break;
		case STORE_STATE_ACTIVE:
			if (!k->fixed_date && k->active != 0)
				set_time(k, &k->retire, STATE_CH_RETIRE,
					state_retire_date(p, k->keytype, k->active));
			break;
		case STORE_STATE_RETIRE:
			/* a pinned date (forced roll, ksk-revoke, import) stays once set */
			if (k->retire != 0 && !(k->fixed_date && k->dead != 0))
				set_time(k, &k->dead, STATE_CH_DEAD,
					k->retire + (time_t)state_retire_wait(
							    p, k->keytype, k->rfc5011));
			break;
		case STORE_STATE_DSPUBLISH:
			if (k->publish != 0)
				set_time(k, &k->ready, STATE_CH_READY,
					k->publish + (time_t)state_ds_wait(p));
			break;
		case STORE_STATE_KEYPUBLISH:
			if (k->publish != 0)
				set_time(k, &k->active, STATE_CH_ACTIVE,
					k->publish + (time_t)state_publish_wait(p));
			break;
		default: break;
		}
	}
}

/* Keys of a type in the states that count as "in the zone's queue" (§4.4). */
static size_t
queued(const struct decide *d, int keytype)
{
	static const int states[] = {
		STORE_STATE_GENERATE,
		STORE_STATE_PUBLISH,
		STORE_STATE_READY,
		STORE_STATE_ACTIVE,
		STORE_STATE_DSSUB,
		STORE_STATE_DSPUBLISH,
		STORE_STATE_DSREADY,
		STORE_STATE_KEYPUBLISH,
	};
	size_t i, n = 0;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		n += count(d, keytype, states[i]);
	return n;
}

/* The next spare key pair for a role, or NULL: reuse candidates first, then the pool. */
static const struct state_key *
next_spare(struct state_spares *sp)
{
	if (sp->reused < sp->nreuse)
		return &sp->reuse[sp->reused++];
	if (sp->pool != NULL && sp->pool->used < sp->pool->n)
		return &sp->pool->keys[sp->pool->used++];
	return NULL;
}

/* §4.4: allocate spare key pairs so the zone holds what its policy needs. */
static int
allocate(struct decide *d, int keytype, struct state_spares *sp)
{
	struct state_zone *z = d->z;
	int64_t needed = plan_needed_per_zone(d->p, state_role_of(keytype), d->sp->interval);
	int64_t queue = (int64_t)queued(d, keytype);
	int64_t pendret =
		(int64_t)count_retiring(d, keytype, d->now + (time_t)state_window(d->sp, keytype));
	int64_t want = needed - (queue - pendret), i;

	for (i = 0; i < want; i++) {
		const struct state_key *tmpl;
		struct state_key *k;

		if (z->nkeys == z->cap) {
			size_t cap = z->cap ? z->cap * 2 : 8;
			struct state_key *grown = realloc(z->keys, cap * sizeof(*grown));

			if (grown == NULL)
				return E_NOMEM;
			z->keys = grown;
			z->cap = cap;
		}
		tmpl = next_spare(sp);
		if (tmpl == NULL) {
			emit(d, EV_ALLOC_SHORT, keytype, (long)want, (long)i + 1);
			if (d->res->nevents > 0 && !d->res->nomem) {
				struct state_event *ev = &d->res->events[d->res->nevents - 1];

				ev->a = (long)needed;
				ev->b = (long)queue;
				ev->c = (long)pendret;
			}
			break;
		}
		k = &z->keys[z->nkeys++];
		*k = *tmpl;
		k->keytype = keytype;
		k->state = STORE_STATE_GENERATE;
		k->publish = k->ready = k->active = k->retire = k->dead = 0;
		k->rfc5011 = keytype == STORE_KSK && d->p->ksk.rfc5011;
		k->revoked = 0;
		k->compromised = 0;
		k->changed = 0;
		k->allocated = 1;
		d->res->allocated[state_role_of(keytype)]++;
	}
	return 0;
}

/* Move n GENERATE keys on to `to`, logging the shortage when there are too few. */
static size_t
promote_generate(struct decide *d, int keytype, int to, size_t n)
{
	size_t have = count(d, keytype, STORE_STATE_GENERATE);

	if (have < n)
		/* Q15: only this promotion waits; the rest of the zone goes on */
		emit(d, EV_SHORTAGE, keytype, (long)have, (long)n);
	return move_n(d, keytype, STORE_STATE_GENERATE, to, n, col_publish, STATE_CH_PUBLISH);
}

/* §3.3 for one key type. */
static void
run_type(struct decide *d, int keytype)
{
	const struct kasp_keydef *def = state_keydef(d->p, keytype);
	int ksk = keytype == STORE_KSK;
	int rfc5011 = ksk && d->p->ksk.rfc5011;
	int rollover = 0, first_pass = 1, new_ds = 0;
	size_t i, ready;
	int64_t want;

	/* 0. first pass: no key of the type has been used yet (Q18: flags start at 0) */
	for (i = 0; i < d->z->nkeys; i++) {
		const struct state_key *k = &d->z->keys[i];

		if (k->keytype == keytype && k->state != STORE_STATE_GENERATE &&
			k->state != STORE_STATE_DEAD)
			first_pass = 0;
		/* 1. a forced roll (`key rollover`) marked the active key pair */
		if (k->keytype == keytype && k->state == STORE_STATE_ACTIVE && k->compromised)
			rollover = 1;
	}

	/* 2. a standby KSK brought into service becomes active, the old one retires */
	if (ksk) {
		size_t moved = 0;

		for (i = 0; i < d->z->nkeys; i++) {
			struct state_key *k = &d->z->keys[i];

			if (k->keytype == STORE_KSK && k->state == STORE_STATE_KEYPUBLISH &&
				k->active != 0 && k->active <= d->now)
				moved += (size_t)activate(d, k);
		}
		if (moved > 0)
			retire_due(d, STORE_KSK, rfc5011);
	}

	/* 3. retired keys whose signatures and DS have expired everywhere die */
	move_due(d, keytype, STORE_STATE_RETIRE, STORE_STATE_DEAD, col_dead, STATE_CH_DEAD);

	/* 4. published keys that have propagated become ready */
	if (move_due(d, keytype, STORE_STATE_PUBLISH, STORE_STATE_READY, col_ready,
		    STATE_CH_READY) > 0 &&
		ksk && !rfc5011) {
		new_ds = 1;
		emit(d, EV_NEW_DS, keytype, 0, 0);
	}

	if (ksk) {
		int64_t standby;

		/* 5. a standby's DS has propagated */
		move_due(d, keytype, STORE_STATE_DSPUBLISH, STORE_STATE_DSREADY, col_ready,
			STATE_CH_READY);
		/* 6. top up the standby KSKs: their DS goes to the parent first */
		standby = def->standby - (int64_t)(count(d, keytype, STORE_STATE_DSSUB) +
						   count(d, keytype, STORE_STATE_DSPUBLISH) +
						   count(d, keytype, STORE_STATE_DSREADY));
		if (standby > 0 &&
			promote_generate(d, keytype, STORE_STATE_DSSUB, (size_t)standby) > 0 &&
			!rfc5011)
			new_ds = 1;
		/* the first KSK's READY carries the DS set for the standbys too */
		if (first_pass)
			new_ds = 0;
	}

	/* 7. publish successors for the keys that retire within the window */
	want = (ksk ? 1 : 1 + (int64_t)def->standby) -
	       ((int64_t)(count(d, keytype, STORE_STATE_PUBLISH) +
			  count(d, keytype, STORE_STATE_READY) +
			  count(d, keytype, STORE_STATE_ACTIVE) +
			  count(d, keytype, STORE_STATE_KEYPUBLISH)) -
		       (int64_t)count_retiring(
			       d, keytype, d->now + (time_t)state_window(d->sp, keytype)));
	if (want > 0)
		promote_generate(d, keytype, STORE_STATE_PUBLISH, (size_t)want);

	/* 8-9. nothing more to do while an active key has time left, unless forced */
	for (i = 0; i < d->z->nkeys; i++) {
		const struct state_key *k = &d->z->keys[i];

		if (k->keytype == keytype && k->state == STORE_STATE_ACTIVE &&
			(k->retire == 0 || k->retire > d->now) && !rollover)
			goto done;
	}
	ready = count(d, keytype, STORE_STATE_READY);
	if (ready == 0) {
		if (first_pass) {
			/* a new zone signs at once: publish and activate together */
			if (!ksk || rfc5011) {
				for (i = 0; i < d->z->nkeys; i++) {
					struct state_key *k = &d->z->keys[i];

					if (k->keytype != keytype ||
						k->state != STORE_STATE_PUBLISH)
						continue;
					if (!activate(d, k)) {
						/* 1.x: the zone waits for its backup, signing nothing */
						d->res->abort_zone = 1;
						break;
					}
					emit(d, EV_FIRST_PASS_PROMOTE, keytype, 0, 0);
					break;
				}
			}
			/* a first KSK waits for READY and ds-seen */
		} else if (!rfc5011 && (count(d, keytype, STORE_STATE_ACTIVE) > 0 ||
					       count(d, keytype, STORE_STATE_RETIRE) > 0)) {
			/*
			 * A key in service is due to go and no successor is ready:
			 * bring every standby KSK with its DS at the parent into
			 * service. A zone whose first key is still on its way has
			 * nothing to roll, so it waits without the warning (1.x
			 * warned on every run until the first ds-seen).
			 */
			if (ksk)
				move_n(d, keytype, STORE_STATE_DSREADY, STORE_STATE_KEYPUBLISH,
					(size_t)-1, col_publish, STATE_CH_PUBLISH);
			emit(d, EV_ROLL_NOT_COMPLETED, keytype, 0, 0);
		}
	} else if (def->manual_rollover && !rollover) {
		emit(d, EV_MANUAL_DUE, keytype, 0, 0);
	} else if (rfc5011) {
		size_t moved = 0;

		for (i = 0; i < d->z->nkeys; i++) {
			struct state_key *k = &d->z->keys[i];

			if (k->keytype == keytype && k->state == STORE_STATE_READY &&
				k->active != 0 && k->active <= d->now)
				moved += (size_t)activate(d, k);
		}
		if (moved > 0) {
			/* the old key stays published with the REVOKE bit set */
			retire_due(d, keytype, 1);
			emit(d, EV_ROLLED, keytype, 0, 0);
		}
	} else if (ksk) {
		/* no automatic promotion: the operator confirms the DS with ds-seen (Q20) */
		emit(d, EV_KSK_READY, keytype, 0, 0);
	} else {
		for (i = 0; i < d->z->nkeys; i++) {
			struct state_key *k = &d->z->keys[i];

			if (k->keytype != keytype || k->state != STORE_STATE_READY)
				continue;
			if (activate(d, k)) {
				retire_due(d, keytype, 0);
				emit(d, EV_ROLLED, keytype, 0, 0);
			}
			break;
		}
	}
done:
	if (new_ds)
		d->res->new_ds = 1;
}

/* The earliest time after now at which some transition of the zone is due. */
static time_t
next_change(const struct decide *d)
{
	time_t next = 0;
	size_t i;

#define CONSIDER(t)                                                                                \
	do {                                                                                       \
		time_t t_ = (t);                                                                   \
		if (t_ > d->now && (next == 0 || t_ < next))                                       \
			next = t_;                                                                 \
	} while (0)
	for (i = 0; i < d->z->nkeys; i++) {
		const struct state_key *k = &d->z->keys[i];

		switch (k->state) {
		case STORE_STATE_PUBLISH: CONSIDER(k->ready); break;
		case STORE_STATE_READY:
			if (k->rfc5011)
				CONSIDER(k->active);
			break;
		case STORE_STATE_ACTIVE:
			if (k->retire != 0) {
				CONSIDER(k->retire - (time_t)state_window(d->sp, k->keytype));
				CONSIDER(k->retire);
			}
			break;
		case STORE_STATE_RETIRE: CONSIDER(k->dead); break;
		case STORE_STATE_DSPUBLISH: CONSIDER(k->ready); break;
		case STORE_STATE_KEYPUBLISH: CONSIDER(k->active); break;
		default: break;
		}
	}
#undef CONSIDER
	return next;
}

static int
key_cmp(const void *pa, const void *pb)
{
	const struct state_key *a = pa, *b = pb;

	if (a->keypair_id != b->keypair_id)
		return a->keypair_id < b->keypair_id ? -1 : 1;
	return a->keytype - b->keytype;
}

int
state_decide(const struct state_params *sp, struct state_zone *zone, struct state_spares spares[2],
	struct state_result *res)
{
	struct decide d;
	size_t i;
	int rc;

	state_result_reset(res);
	d.sp = sp;
	d.p = sp->policy;
	d.z = zone;
	d.res = res;
	d.now = sp->now;

	for (i = 0; i < zone->nkeys; i++) {
		zone->keys[i].changed = 0;
		zone->keys[i].allocated = 0;
	}
	/* the predictions first: allocation counts the keys that retire soon */
	predict(&d);
	/* 1.x allocates ZSKs, then KSKs */
	rc = allocate(&d, STORE_ZSK, &spares[PLAN_ZSK]);
	if (rc == 0)
		rc = allocate(&d, STORE_KSK, &spares[PLAN_KSK]);
	if (rc != 0)
		return rc;
	/* Q19: "the first N keys" are the lowest key pair ids */
	qsort(zone->keys, zone->nkeys, sizeof(*zone->keys), key_cmp);

	if (!sp->allocate_only) {
		run_type(&d, STORE_KSK);
		run_type(&d, STORE_ZSK);
		predict(&d);
	}

	for (i = 0; i < zone->nkeys; i++) {
		if (zone->keys[i].changed || zone->keys[i].allocated)
			res->changed = 1;
	}
	res->next = next_change(&d);
	return 0;
}
