/*
 * test_state.c - the key-state machine (src/enforcer/state.h).
 *
 * Two kinds of test. The walks run zones of a policy through two years of
 * simulated time, one enforcer interval per step, with an operator who
 * confirms every new KSK's DS (ds-seen) as soon as it is asked for; every
 * transition is checked against its formula (it must happen at the first
 * step at or after its due time, never earlier, never later) and the zone
 * must be signed with exactly one active ZSK and at least one signing KSK
 * at every step. The scenarios put one zone into a given situation and
 * check the decision: forced, manual and emergency rollovers, standby
 * KSKs, RFC 5011, RequireBackup, shortages, the DS set, the event texts.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "common/err.h"
#include "enforcer/state.h"

#define DAY INT64_C(86400)
#define T0 ((time_t)1262347200) /* 2010-01-01 12:00:00 UTC */

/* ---------------------------------------------------------------- policies */

/* The shipped "default" policy (contrib/kasp.xml, enforcer.md Appendix A). */
static void
policy_default(struct kasp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->valdefault = p->valdenial = 14 * DAY;
	p->jitter = 12 * 3600;
	p->key_ttl = 3600;
	p->retire_safety = p->publish_safety = 3600;
	p->zone_propdelay = 43200;
	p->parent_propdelay = 9999;
	p->parent_ds_ttl = 3600;
	p->purge = 14 * DAY;
	p->ksk.algorithm = 8;
	p->ksk.bits = 2048;
	p->ksk.lifetime = 365 * DAY;
	p->ksk.repository = "SoftHSM";
	p->zsk.algorithm = 8;
	p->zsk.bits = 1024;
	p->zsk.lifetime = 90 * DAY;
	p->zsk.repository = "SoftHSM";
}

/* The shipped "lab" policy: hours instead of months. */
static void
policy_lab(struct kasp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->valdefault = p->valdenial = 3600;
	p->jitter = 120;
	p->key_ttl = 300;
	p->retire_safety = p->publish_safety = 360;
	p->zone_propdelay = 300;
	p->parent_propdelay = 600;
	p->parent_ds_ttl = 300;
	p->purge = DAY;
	p->ksk.algorithm = 13;
	p->ksk.bits = 256;
	p->ksk.lifetime = 3 * 3600;
	p->ksk.repository = "SoftHSM";
	p->zsk.algorithm = 13;
	p->zsk.bits = 256;
	p->zsk.lifetime = 2 * 3600;
	p->zsk.repository = "SoftHSM";
}

/* The 1.x test suites' fast policy with <ShareKeys/>: shared keys, days. */
static void
policy_shared(struct kasp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->valdefault = p->valdenial = 3600;
	p->jitter = 60;
	p->key_ttl = 600;
	p->retire_safety = p->publish_safety = 600;
	p->zone_propdelay = 1800;
	p->parent_propdelay = 1200;
	p->parent_ds_ttl = 600;
	p->share_keys = 1;
	p->purge = DAY;
	p->ksk.algorithm = 8;
	p->ksk.bits = 2048;
	p->ksk.lifetime = 4 * DAY;
	p->ksk.repository = "SoftHSM";
	p->zsk.algorithm = 8;
	p->zsk.bits = 2048;
	p->zsk.lifetime = DAY;
	p->zsk.repository = "SoftHSM";
}

/* ------------------------------------------------------------ the world */

#define MAXZONES 3
#define MAXPAIRS 100000

/* A simulated database: zones with their allocations, and a key-pair counter. */
struct world {
	struct kasp_policy p;
	int64_t interval;
	int nzones;
	struct state_zone zones[MAXZONES];
	int64_t next_id;
	/* per key pair: the role it was first allocated with (malloc()ed, MAXPAIRS) */
	int *role;
	/* per key pair: retired or dead in some zone, so never offered again */
	char *spent;
	size_t dead_zsk; /* ZSKs of the first zone that died */
	time_t now;
	size_t steps, transitions;
};

static void
world_init(struct world *w, void (*policy)(struct kasp_policy *), int64_t interval, int nzones)
{
	static const char *const names[MAXZONES] = { "a.example", "b.example", "c.example" };
	int i;

	memset(w, 0, sizeof(*w));
	policy(&w->p);
	w->interval = interval;
	w->nzones = nzones;
	w->next_id = 1;
	w->role = calloc(MAXPAIRS, sizeof(*w->role));
	w->spent = calloc(MAXPAIRS, 1);
	assert_non_null(w->role);
	assert_non_null(w->spent);
	for (i = 0; i < nzones; i++)
		w->zones[i].name = names[i];
	w->now = T0;
}

static void
world_free(struct world *w)
{
	for (int i = 0; i < w->nzones; i++)
		free(w->zones[i].keys);
	free(w->role);
	free(w->spent);
}

/* The allocation of key pair id in zone z, or NULL. */
static struct state_key *
find_key(struct state_zone *z, int64_t id)
{
	for (size_t i = 0; i < z->nkeys; i++) {
		if (z->keys[i].keypair_id == id)
			return &z->keys[i];
	}
	return NULL;
}

/*
 * The key pairs other zones use in a role and no zone has retired, which
 * a zone of a shared policy takes before new ones (as the enforce pass
 * offers them).
 */
static size_t
reuse_for(struct world *w, int zi, int keytype, struct state_key *out, size_t max)
{
	size_t n = 0;
	int64_t id;

	for (id = 1; w->p.share_keys && id < w->next_id && n < max; id++) {
		if (w->role[id] != keytype || w->spent[id] || find_key(&w->zones[zi], id) != NULL)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].keypair_id = id;
		out[n].backed_up = 1;
		n++;
	}
	return n;
}

/* Fresh key pairs first..first+n-1: generated, never allocated. */
static void
fresh_pool(struct state_pool *pool, struct state_key *keys, int64_t first, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&keys[i], 0, sizeof(keys[i]));
		keys[i].keypair_id = first + (int64_t)i;
		keys[i].backed_up = 1;
	}
	*pool = (struct state_pool){ keys, n, 0 };
}

/* What each key looked like before the step. */
struct snapshot {
	int64_t id;
	int keytype, state;
	time_t publish, ready, active, retire, dead;
};

/* The active key of a type before the step (the one being replaced), or NULL. */
static const struct snapshot *
old_active(const struct snapshot *s, size_t n, int keytype)
{
	const struct snapshot *best = NULL;

	for (size_t i = 0; i < n; i++) {
		if (s[i].keytype == keytype && s[i].state == STORE_STATE_ACTIVE &&
			(best == NULL || (s[i].retire != 0 && s[i].retire < best->retire)))
			best = &s[i];
	}
	return best;
}

/* A due time t was met at the first step at or after it: prev < t <= now. */
static void
due_now(const struct world *w, time_t t, const char *what, int64_t id)
{
	if (!(t <= w->now && t > w->now - (time_t)w->interval)) {
		print_error("%s of key %lld at %lld: due at %lld (interval %lld)\n", what,
			(long long)id, (long long)(w->now - T0), (long long)(t - T0),
			(long long)w->interval);
		fail();
	}
}

/* Check every transition of zone z in the step just made. */
static void
check_transitions(struct world *w, struct state_zone *z, const struct snapshot *before, size_t nb,
	int first_step)
{
	const struct kasp_policy *p = &w->p;
	size_t i;

	for (i = 0; i < z->nkeys; i++) {
		const struct state_key *k = &z->keys[i];
		const struct snapshot *b = NULL;
		const struct snapshot *old = old_active(before, nb, k->keytype);
		int64_t win =
			plan_window(p, k->keytype == STORE_KSK ? PLAN_KSK : PLAN_ZSK, w->interval);

		for (size_t j = 0; j < nb; j++) {
			if (before[j].id == k->keypair_id)
				b = &before[j];
		}
		if (b == NULL || b->state == k->state)
			continue;
		w->transitions++;
		switch (k->state) {
		case STORE_STATE_PUBLISH:
			assert_int_equal(b->state, STORE_STATE_GENERATE);
			assert_int_equal(k->publish, w->now);
			/* a successor goes out when the active key retires within the window */
			if (!first_step) {
				assert_non_null(old);
				due_now(w, old->retire - (time_t)win, "successor publication",
					k->keypair_id);
			}
			break;
		case STORE_STATE_READY:
			assert_int_equal(b->state, STORE_STATE_PUBLISH);
			due_now(w, b->publish + (time_t)state_publish_wait(p), "ready",
				k->keypair_id);
			assert_int_equal(k->ready, w->now);
			break;
		case STORE_STATE_ACTIVE:
			assert_int_equal(k->active, w->now);
			assert_int_equal(k->retire, state_retire_date(p, k->keytype, w->now));
			if (first_step) {
				assert_int_equal(b->state, STORE_STATE_PUBLISH);
				break;
			}
			/* through READY, possibly within this same run */
			if (b->state == STORE_STATE_PUBLISH) {
				assert_int_equal(k->ready, w->now);
				due_now(w, b->publish + (time_t)state_publish_wait(p), "ready",
					k->keypair_id);
			} else {
				assert_int_equal(b->state, STORE_STATE_READY);
			}
			/* a ZSK takes over when the old one's lifetime is up */
			if (k->keytype == STORE_ZSK) {
				assert_non_null(old);
				due_now(w, old->retire, "ZSK activation", k->keypair_id);
			}
			break;
		case STORE_STATE_RETIRE:
			assert_int_equal(b->state, STORE_STATE_ACTIVE);
			assert_int_equal(k->retire, w->now);
			assert_int_equal(k->dead,
				w->now + (time_t)state_retire_wait(p, k->keytype, k->rfc5011));
			if (k->keytype == STORE_ZSK)
				due_now(w, b->retire, "ZSK retirement", k->keypair_id);
			break;
		case STORE_STATE_DEAD:
			assert_int_equal(b->state, STORE_STATE_RETIRE);
			due_now(w, b->retire + (time_t)state_retire_wait(p, k->keytype, k->rfc5011),
				"death", k->keypair_id);
			assert_int_equal(k->dead, w->now);
			break;
		default: fail_msg("unexpected transition %d -> %d", b->state, k->state);
		}
	}
}

/* The zone is signed: one active ZSK and at least one KSK that signs. */
static void
check_signed(const struct state_zone *z)
{
	size_t i, zsk = 0, ksk = 0;
	struct state_issue is;

	for (i = 0; i < z->nkeys; i++) {
		if (!state_key_issued(&z->keys[i], &is))
			continue;
		zsk += is.zsk;
		ksk += is.ksk;
	}
	assert_int_equal(zsk, 1);
	assert_true(ksk >= 1);
}

/* The operator: ds-seen for every READY KSK, as ksmutil-cli.md §5.8 does it. */
static void
operator_ds_seen(struct world *w, struct state_zone *z)
{
	const struct kasp_policy *p = &w->p;
	size_t i;

	for (i = 0; i < z->nkeys; i++) {
		struct state_key *k = &z->keys[i], *oldest = NULL;
		size_t active = 0, j;

		if (k->keytype != STORE_KSK || k->state != STORE_STATE_READY)
			continue;
		k->state = STORE_STATE_ACTIVE;
		k->active = w->now;
		k->retire = state_retire_date(p, STORE_KSK, w->now);
		for (j = 0; j < z->nkeys; j++) {
			struct state_key *o = &z->keys[j];

			if (o->keytype != STORE_KSK || o->state != STORE_STATE_ACTIVE)
				continue;
			active++;
			if (oldest == NULL ||
				(o->retire != 0 &&
					(oldest->retire == 0 || o->retire < oldest->retire)))
				oldest = o;
		}
		if (active >= 2) {
			oldest->state = STORE_STATE_RETIRE;
			oldest->retire = w->now;
			oldest->dead = w->now + (time_t)state_retire_wait(p, STORE_KSK, 0);
		}
	}
}

/* One enforcer run over every zone at w->now; returns the earliest next change. */
static time_t
step(struct world *w, int first_step)
{
	time_t next = 0;

	for (int zi = 0; zi < w->nzones; zi++) {
		struct state_zone *z = &w->zones[zi];
		struct state_key reuse[2][8], fresh[2][8];
		struct state_pool pool[2];
		struct state_spares sp[2];
		struct snapshot before[64];
		struct state_params par = { &w->p, w->interval, w->now, 0 };
		struct state_result res;
		size_t nb = z->nkeys, i;
		int same = plan_same_pool(&w->p);

		assert_true(nb <= 64);
		for (i = 0; i < nb; i++) {
			const struct state_key *k = &z->keys[i];

			before[i] = (struct snapshot){ k->keypair_id, k->keytype, k->state,
				k->publish, k->ready, k->active, k->retire, k->dead };
		}
		/* one pool when both roles draw from it, else two with distinct ids */
		fresh_pool(&pool[0], fresh[0], w->next_id, 8);
		fresh_pool(&pool[1], fresh[1], w->next_id + 8, 8);
		sp[PLAN_KSK] = (struct state_spares){ reuse[PLAN_KSK],
			reuse_for(w, zi, STORE_KSK, reuse[PLAN_KSK], 8), 0, &pool[0] };
		sp[PLAN_ZSK] = (struct state_spares){ reuse[PLAN_ZSK],
			reuse_for(w, zi, STORE_ZSK, reuse[PLAN_ZSK], 8), 0, &pool[same ? 0 : 1] };
		memset(&res, 0, sizeof(res));
		assert_int_equal(state_decide(&par, z, sp, &res), 0);
		assert_false(res.nomem);
		assert_false(res.abort_zone);
		for (i = 0; i < z->nkeys; i++) {
			struct state_key *k = &z->keys[i];

			if (k->allocated) {
				/* new key pairs enter the shared pool with their first role */
				assert_true(k->keypair_id < MAXPAIRS);
				if (w->role[k->keypair_id] == 0)
					w->role[k->keypair_id] = k->keytype;
				/* Q7: a key pair never serves two roles */
				assert_int_equal(w->role[k->keypair_id], k->keytype);
				if (k->keypair_id >= w->next_id)
					w->next_id = k->keypair_id + 1;
			}
		}
		for (i = 0; i < res.nevents; i++) {
			/* the pools never run dry here and the keys are backed up */
			assert_int_not_equal(res.events[i].kind, EV_ALLOC_SHORT);
			assert_int_not_equal(res.events[i].kind, EV_SHORTAGE);
			assert_int_not_equal(res.events[i].kind, EV_BACKUP_REFUSED);
			/* a ZSK successor is always ready on time */
			assert_false(res.events[i].kind == EV_ROLL_NOT_COMPLETED &&
				     res.events[i].keytype == STORE_ZSK);
		}
		check_transitions(w, z, before, nb, first_step);
		/* the KSK needs the operator: then the DS set must change */
		operator_ds_seen(w, z);
		check_signed(z);
		/* the pass reads no DEAD rows: drop them, remembering what retired */
		for (i = 0; i < z->nkeys;) {
			struct state_key *k = &z->keys[i];

			if (k->state == STORE_STATE_RETIRE || k->state == STORE_STATE_DEAD)
				w->spent[k->keypair_id] = 1;
			if (k->state != STORE_STATE_DEAD) {
				i++;
				continue;
			}
			if (zi == 0 && k->keytype == STORE_ZSK)
				w->dead_zsk++;
			*k = z->keys[--z->nkeys];
		}
		if (res.next != 0 && (next == 0 || res.next < next))
			next = res.next;
		state_result_free(&res);
	}
	w->steps++;
	return next;
}

/* Walk two years; count the rolls to be sure the walk went somewhere. */
static void
walk(void (*policy)(struct kasp_policy *), int64_t interval, int nzones, size_t min_zsk_rolls)
{
	struct world w;
	time_t end;
	size_t i;

	world_init(&w, policy, interval, nzones);
	end = T0 + (time_t)(2 * 365 * DAY);
	step(&w, 1);
	for (w.now = T0 + (time_t)interval; w.now <= end; w.now += (time_t)interval)
		step(&w, 0);
	print_message("# %zu steps, %zu transitions, %zu dead ZSKs in zone %s\n", w.steps,
		w.transitions, w.dead_zsk, w.zones[0].name);
	assert_true(w.dead_zsk >= min_zsk_rolls);
	if (w.p.share_keys) {
		/* every zone holds the same key pairs */
		for (int z = 1; z < nzones; z++) {
			assert_int_equal(w.zones[z].nkeys, w.zones[0].nkeys);
			for (i = 0; i < w.zones[0].nkeys; i++)
				assert_non_null(
					find_key(&w.zones[z], w.zones[0].keys[i].keypair_id));
		}
	}
	world_free(&w);
}

static void
test_walk_default(void **state)
{
	(void)state;
	walk(policy_default, 3600, 2, 7);
}
static void
test_walk_lab(void **state)
{
	(void)state;
	walk(policy_lab, 300, 2, 8000);
}
static void
test_walk_shared(void **state)
{
	(void)state;
	walk(policy_shared, 3600, 3, 700);
}

/* ---------------------------------------------------------- one zone */

struct one {
	struct kasp_policy p;
	struct state_zone z;
	struct state_key spare[2][4];
	struct state_pool pool[2];
	struct state_result res;
	int64_t interval;
};

/* Two pools of four key pairs: KSKs take ids 100.., ZSKs 200.. */
static void
one_init(struct one *o, void (*policy)(struct kasp_policy *))
{
	memset(o, 0, sizeof(*o));
	policy(&o->p);
	o->z.name = "z.example";
	o->interval = 3600;
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < 4; i++) {
			o->spare[r][i].keypair_id = 100 * (r + 1) + i;
			o->spare[r][i].backed_up = 1;
		}
		o->pool[r] = (struct state_pool){ o->spare[r], 4, 0 };
	}
}

static void
one_free(struct one *o)
{
	free(o->z.keys);
	state_result_free(&o->res);
}

/* Add an allocation as the database would hold it. */
static struct state_key *
one_key(struct one *o, int64_t id, int keytype, int state)
{
	struct state_key *k;

	if (o->z.nkeys == o->z.cap) {
		o->z.cap = o->z.cap ? o->z.cap * 2 : 8;
		o->z.keys = realloc(o->z.keys, o->z.cap * sizeof(*o->z.keys));
		assert_non_null(o->z.keys);
	}
	k = &o->z.keys[o->z.nkeys++];
	memset(k, 0, sizeof(*k));
	k->keypair_id = id;
	k->keytype = keytype;
	k->state = state;
	k->backed_up = 1;
	return k;
}

static void
one_run(struct one *o, time_t now)
{
	struct state_spares sp[2] = {
		{ NULL, 0, 0, &o->pool[0] },
		{ NULL, 0, 0, &o->pool[1] },
	};
	struct state_params par = { &o->p, o->interval, now, 0 };

	assert_int_equal(state_decide(&par, &o->z, sp, &o->res), 0);
}

static struct state_key *
one_get(struct one *o, int64_t id)
{
	struct state_key *k = find_key(&o->z, id);

	assert_non_null(k);
	return k;
}

static int
has_event(const struct one *o, enum state_event_kind kind, int keytype)
{
	for (size_t i = 0; i < o->res.nevents; i++) {
		if (o->res.events[i].kind == kind && o->res.events[i].keytype == keytype)
			return 1;
	}
	return 0;
}

/* A new zone: allocate, ZSK active at once, KSK published and signing. */
static void
test_first_pass(void **state)
{
	struct one o;
	struct state_issue is;

	(void)state;
	one_init(&o, policy_default);
	one_run(&o, T0);
	assert_int_equal(o.z.nkeys, 2);
	assert_int_equal(o.res.allocated[PLAN_KSK], 1);
	assert_int_equal(o.res.allocated[PLAN_ZSK], 1);
	assert_true(o.res.changed);
	assert_int_equal(one_get(&o, 200)->state, STORE_STATE_ACTIVE);
	assert_int_equal(one_get(&o, 200)->active, T0);
	assert_int_equal(one_get(&o, 200)->retire, T0 + 90 * DAY);
	assert_int_equal(one_get(&o, 100)->state, STORE_STATE_PUBLISH);
	assert_int_equal(one_get(&o, 100)->ready, T0 + 50400); /* Appendix A: 14 h */
	assert_true(has_event(&o, EV_FIRST_PASS_PROMOTE, STORE_ZSK));
	assert_false(o.res.new_ds);
	assert_true(state_key_issued(one_get(&o, 100), &is));
	assert_int_equal(is.flags, 257);
	assert_true(is.ksk && is.publish && !is.zsk);
	assert_int_equal(o.res.next, T0 + 50400);
	/* the next run changes nothing until the KSK is ready */
	one_run(&o, T0 + 3600);
	assert_false(o.res.changed);
	/* nothing to roll yet: no "rollover not completed" warning (1.x gave one every run) */
	assert_false(has_event(&o, EV_ROLL_NOT_COMPLETED, STORE_KSK));
	one_run(&o, T0 + 50400);
	assert_int_equal(one_get(&o, 100)->state, STORE_STATE_READY);
	assert_true(o.res.new_ds);
	assert_true(has_event(&o, EV_NEW_DS, STORE_KSK));
	assert_true(has_event(&o, EV_KSK_READY, STORE_KSK));
	one_free(&o);
}

/* Lifetime 0: never retires (Q2), and no successor is ever published. */
static void
test_infinite_lifetime(void **state)
{
	struct one o;

	(void)state;
	one_init(&o, policy_default);
	o.p.zsk.lifetime = 0;
	one_run(&o, T0);
	assert_int_equal(one_get(&o, 200)->retire, 0);
	one_run(&o, T0 + 100 * 365 * DAY);
	assert_int_equal(one_get(&o, 200)->state, STORE_STATE_ACTIVE);
	for (size_t i = 0; i < o.z.nkeys; i++)
		assert_false(o.z.keys[i].keytype == STORE_ZSK &&
			     o.z.keys[i].state == STORE_STATE_PUBLISH);
	one_free(&o);
}

/* <ManualRollover/>: the successor waits in READY until `key rollover`. */
static void
test_manual_rollover(void **state)
{
	struct one o;
	struct state_key *a, *b;

	(void)state;
	one_init(&o, policy_default);
	o.p.zsk.manual_rollover = 1;
	a = one_key(&o, 1, STORE_ZSK, STORE_STATE_ACTIVE);
	a->active = T0;
	b = one_key(&o, 2, STORE_ZSK, STORE_STATE_READY);
	b->publish = T0;
	b->ready = T0 + 50400;
	one_key(&o, 3, STORE_KSK, STORE_STATE_ACTIVE)->active = T0;
	one_run(&o, T0 + 90 * DAY + 60);
	assert_true(has_event(&o, EV_MANUAL_DUE, STORE_ZSK));
	assert_int_equal(one_get(&o, 1)->state, STORE_STATE_ACTIVE);
	assert_int_equal(one_get(&o, 2)->state, STORE_STATE_READY);
	/* the operator's key rollover: retire now, compromised */
	a = one_get(&o, 1);
	a->compromised = 1;
	a->fixed_date = 1;
	a->retire = T0 + 91 * DAY;
	one_run(&o, T0 + 91 * DAY);
	assert_int_equal(one_get(&o, 2)->state, STORE_STATE_ACTIVE);
	assert_int_equal(one_get(&o, 1)->state, STORE_STATE_RETIRE);
	assert_int_equal(one_get(&o, 1)->dead, T0 + 91 * DAY + 14 * DAY + 43200 + 3600);
	assert_true(has_event(&o, EV_ROLLED, STORE_ZSK));
	one_free(&o);
}

/* A forced roll with no successor ready: publish one, warn, then roll when ready. */
static void
test_emergency_rollover(void **state)
{
	struct one o;
	struct state_key *a;
	time_t t = T0 + 10 * DAY;

	(void)state;
	one_init(&o, policy_default);
	a = one_key(&o, 1, STORE_ZSK, STORE_STATE_ACTIVE);
	a->active = T0;
	a->compromised = 1;
	a->fixed_date = 1;
	a->retire = t;
	one_key(&o, 3, STORE_KSK, STORE_STATE_ACTIVE)->active = T0;
	one_run(&o, t);
	assert_true(has_event(&o, EV_ROLL_NOT_COMPLETED, STORE_ZSK));
	assert_int_equal(one_get(&o, 1)->state, STORE_STATE_ACTIVE);
	assert_int_equal(one_get(&o, 200)->state, STORE_STATE_PUBLISH);
	assert_int_equal(one_get(&o, 200)->publish, t);
	one_run(&o, t + 50400 - 1);
	assert_int_equal(one_get(&o, 200)->state, STORE_STATE_PUBLISH);
	one_run(&o, t + 50400);
	assert_int_equal(one_get(&o, 200)->state, STORE_STATE_ACTIVE);
	assert_int_equal(one_get(&o, 1)->state, STORE_STATE_RETIRE);
	one_free(&o);
}

/* Standby KSK: DSSUB on the first pass; a forced roll brings it in via KEYPUBLISH. */
static void
test_standby_ksk(void **state)
{
	struct one o;
	struct state_key *k, *s;
	time_t t = T0 + 100 * DAY;

	(void)state;
	one_init(&o, policy_default);
	o.p.ksk.standby = 1;
	one_run(&o, T0);
	assert_int_equal(o.res.allocated[PLAN_KSK], 2);
	/* the standby takes the lower id (step 6 runs before step 7) */
	assert_int_equal(one_get(&o, 100)->state, STORE_STATE_DSSUB);
	assert_int_equal(one_get(&o, 101)->state, STORE_STATE_PUBLISH);
	/* the first KSK's DS submission carries the standby: no DS change yet */
	assert_false(o.res.new_ds);

	/* ds-seen on the standby, then its DS propagates (the DS TTL: Q4) */
	s = one_get(&o, 100);
	s->state = STORE_STATE_DSPUBLISH;
	s->publish = T0 + DAY;
	one_run(&o, T0 + DAY + 3600 + 9999 + 3600);
	assert_int_equal(one_get(&o, 100)->state, STORE_STATE_DSREADY);

	/* the first KSK is active; key rollover promotes the standby (publish = now: Q8) */
	k = one_get(&o, 101);
	k->state = STORE_STATE_ACTIVE;
	k->active = T0 + 2 * DAY;
	k->compromised = 1;
	k->fixed_date = 1;
	k->retire = t;
	s = one_get(&o, 100);
	s->state = STORE_STATE_KEYPUBLISH;
	s->publish = t;
	one_run(&o, t);
	assert_int_equal(one_get(&o, 100)->active, t + 50400);
	assert_int_equal(one_get(&o, 101)->state, STORE_STATE_ACTIVE);
	/* the standby is in service: a new one is taken and its DS is owed */
	assert_int_equal(one_get(&o, 102)->state, STORE_STATE_DSSUB);
	assert_true(o.res.new_ds);
	one_run(&o, t + 50400);
	assert_int_equal(one_get(&o, 100)->state, STORE_STATE_ACTIVE);
	assert_int_equal(one_get(&o, 101)->state, STORE_STATE_RETIRE);
	assert_int_equal(one_get(&o, 101)->dead, t + 50400 + 3600 + 9999 + 3600);
	assert_false(o.res.new_ds);
	one_free(&o);
}

/* An emergency with no active KSK left: every DSREADY standby goes to KEYPUBLISH. */
static void
test_emergency_standby(void **state)
{
	struct one o;
	struct state_key *k, *s;
	time_t t = T0 + 400 * DAY;

	(void)state;
	one_init(&o, policy_default);
	o.p.ksk.standby = 1;
	k = one_key(&o, 1, STORE_KSK, STORE_STATE_ACTIVE);
	k->active = T0;
	k->compromised = 1;
	k->fixed_date = 1;
	k->retire = t;
	s = one_key(&o, 2, STORE_KSK, STORE_STATE_DSREADY);
	s->publish = T0;
	s->ready = T0 + DAY;
	one_key(&o, 5, STORE_ZSK, STORE_STATE_ACTIVE)->active = t - DAY;
	one_run(&o, t);
	assert_int_equal(one_get(&o, 2)->state, STORE_STATE_KEYPUBLISH);
	assert_int_equal(one_get(&o, 2)->publish, t);
	assert_true(has_event(&o, EV_ROLL_NOT_COMPLETED, STORE_KSK));
	one_free(&o);
}

/* RFC 5011: early successor (Q21), activation after the hold-down, revoke, longer death. */
/*
 * A new zone's standby KSK whose DS is ready before the first KSK is: no
 * key is in service, so there is nothing to roll and the standby stays
 * DSREADY (the emergency promotion needs a key going out of service).
 */
static void
test_standby_before_first_ksk(void **state)
{
	struct one o;
	struct state_key *s;

	(void)state;
	one_init(&o, policy_default);
	o.p.ksk.standby = 1;
	one_run(&o, T0);
	s = one_get(&o, 100);
	assert_int_equal(s->state, STORE_STATE_DSSUB);
	s->state = STORE_STATE_DSPUBLISH;
	s->publish = T0 + 60;
	one_run(&o, T0 + 60 + 3600 + 9999 + 3600);
	assert_int_equal(one_get(&o, 100)->state, STORE_STATE_DSREADY);
	assert_int_equal(one_get(&o, 101)->state, STORE_STATE_PUBLISH);
	assert_false(has_event(&o, EV_ROLL_NOT_COMPLETED, STORE_KSK));
	one_free(&o);
}

/* zone add on a shared policy (§3.7): keys allocated, none moved, no event but the counts */
static void
test_allocate_only(void **state)
{
	struct one o;
	struct state_spares sp[2];
	struct state_params par;

	(void)state;
	one_init(&o, policy_default);
	sp[0] = (struct state_spares){ NULL, 0, 0, &o.pool[0] };
	sp[1] = (struct state_spares){ NULL, 0, 0, &o.pool[1] };
	par = (struct state_params){ &o.p, o.interval, T0, 1 };
	assert_int_equal(state_decide(&par, &o.z, sp, &o.res), 0);
	assert_int_equal(o.res.allocated[PLAN_KSK], 1);
	assert_int_equal(o.res.allocated[PLAN_ZSK], 1);
	assert_int_equal(o.z.nkeys, 2);
	for (size_t i = 0; i < o.z.nkeys; i++) {
		assert_int_equal(o.z.keys[i].state, STORE_STATE_GENERATE);
		assert_int_equal(o.z.keys[i].changed, 0);
		assert_true(o.z.keys[i].allocated);
	}
	assert_int_equal(o.res.nevents, 0);
	assert_false(o.res.new_ds);
	/* the first pass after it finds the keys and moves them as usual */
	one_run(&o, T0);
	assert_int_equal(o.res.allocated[PLAN_KSK] + o.res.allocated[PLAN_ZSK], 0);
	assert_int_equal(one_get(&o, 200)->state, STORE_STATE_ACTIVE);
	assert_int_equal(one_get(&o, 100)->state, STORE_STATE_PUBLISH);
	one_free(&o);
}

static void
test_rfc5011(void **state)
{
	struct one o;
	struct state_key *k;
	int64_t hold = 30 * DAY, win;
	time_t retire, pub;

	(void)state;
	one_init(&o, policy_default);
	o.p.ksk.rfc5011 = 1;
	one_run(&o, T0);
	/* first pass: published and active at once */
	k = one_get(&o, 100);
	assert_int_equal(k->state, STORE_STATE_ACTIVE);
	assert_true(k->rfc5011);
	retire = k->retire;
	assert_int_equal(retire, T0 + 365 * DAY);
	win = plan_window(&o.p, PLAN_KSK, 3600);
	assert_int_equal(win, 54000 + hold);
	/* not yet within the window */
	one_run(&o, retire - (time_t)win - 1);
	assert_null(find_key(&o.z, 101));
	pub = retire - (time_t)win;
	one_run(&o, pub);
	k = one_get(&o, 101);
	assert_int_equal(k->state, STORE_STATE_PUBLISH);
	assert_int_equal(k->active, pub + 50400 + hold);
	assert_false(o.res.new_ds);
	/* published but not yet signing */
	{
		struct state_issue is;

		assert_true(state_key_issued(k, &is));
		assert_false(is.ksk);
		assert_true(is.rfc5011);
	}
	/* trusted before the old key's retire date: the roll happens on time */
	assert_true(k->active <= retire);
	one_run(&o, retire);
	assert_int_equal(one_get(&o, 101)->state, STORE_STATE_ACTIVE);
	k = one_get(&o, 100);
	assert_int_equal(k->state, STORE_STATE_RETIRE);
	assert_true(k->revoked);
	assert_int_equal(k->dead, retire + 3600 + 9999 + 3600 + hold);
	assert_true(has_event(&o, EV_ROLLED, STORE_KSK));
	{
		struct state_issue is;

		assert_true(state_key_issued(k, &is));
		assert_int_equal(is.flags, 385);
	}
	one_free(&o);
}

/* RequireBackup (Q12): a key not backed up never becomes active. */
static void
test_require_backup(void **state)
{
	struct one o;
	struct state_key *a, *b;

	(void)state;
	/* first pass: the zone waits, nothing is applied (1.x) */
	one_init(&o, policy_default);
	o.spare[PLAN_ZSK][0].backed_up = 0;
	o.spare[PLAN_ZSK][0].require_backup = 1;
	one_run(&o, T0);
	assert_true(o.res.abort_zone);
	assert_true(has_event(&o, EV_BACKUP_REFUSED, STORE_ZSK));
	one_free(&o);

	/* a rollover: the old key stays active */
	one_init(&o, policy_default);
	a = one_key(&o, 1, STORE_ZSK, STORE_STATE_ACTIVE);
	a->active = T0;
	b = one_key(&o, 2, STORE_ZSK, STORE_STATE_READY);
	b->publish = T0;
	b->ready = T0 + DAY;
	b->backed_up = 0;
	b->require_backup = 1;
	one_key(&o, 3, STORE_KSK, STORE_STATE_ACTIVE)->active = T0;
	one_run(&o, T0 + 90 * DAY);
	assert_false(o.res.abort_zone);
	assert_true(has_event(&o, EV_BACKUP_REFUSED, STORE_ZSK));
	assert_int_equal(one_get(&o, 1)->state, STORE_STATE_ACTIVE);
	assert_int_equal(one_get(&o, 2)->state, STORE_STATE_READY);
	/* backed up now: the roll goes ahead */
	one_get(&o, 2)->backed_up = 1;
	one_run(&o, T0 + 90 * DAY + 3600);
	assert_int_equal(one_get(&o, 2)->state, STORE_STATE_ACTIVE);
	assert_int_equal(one_get(&o, 1)->state, STORE_STATE_RETIRE);
	one_free(&o);

	/* not required: a warning, and it goes ahead */
	one_init(&o, policy_default);
	o.spare[PLAN_ZSK][0].backed_up = 0;
	one_run(&o, T0);
	assert_false(o.res.abort_zone);
	assert_true(has_event(&o, EV_BACKUP_WARNING, STORE_ZSK));
	assert_int_equal(one_get(&o, 200)->state, STORE_STATE_ACTIVE);
	one_free(&o);
}

/* Q15: no spare key pairs: the allocation is short, the rest of the zone goes on. */
static void
test_shortage(void **state)
{
	struct one o;
	struct state_key *r;

	(void)state;
	one_init(&o, policy_default);
	o.pool[PLAN_ZSK].n = 0;
	o.pool[PLAN_KSK].n = 0;
	r = one_key(&o, 9, STORE_ZSK, STORE_STATE_RETIRE);
	r->retire = T0;
	one_run(&o, T0 + 30 * DAY);
	assert_true(has_event(&o, EV_ALLOC_SHORT, STORE_ZSK));
	assert_true(has_event(&o, EV_ALLOC_SHORT, STORE_KSK));
	assert_true(has_event(&o, EV_SHORTAGE, STORE_ZSK));
	/* the old key still died on time */
	assert_int_equal(one_get(&o, 9)->state, STORE_STATE_DEAD);
	for (size_t i = 0; i < o.res.nevents; i++) {
		const struct state_event *ev = &o.res.events[i];

		if (ev->kind == EV_ALLOC_SHORT && ev->keytype == STORE_ZSK) {
			assert_int_equal(ev->n, 1); /* keys to allocate */
			assert_int_equal(ev->m, 1); /* failed on the first */
			assert_int_equal(ev->a, 1); /* needed */
			assert_int_equal(ev->b, 0); /* queued */
			assert_int_equal(ev->c, 0); /* pending retirement */
		}
	}
	one_free(&o);
}

/* Q10: the DS set after the pending change. */
static void
test_ds_set(void **state)
{
	struct one o;
	size_t idx[8], n;

	(void)state;
	one_init(&o, policy_default);
	one_key(&o, 1, STORE_KSK, STORE_STATE_ACTIVE)->retire = T0 + DAY;
	one_key(&o, 2, STORE_KSK, STORE_STATE_ACTIVE)->retire = T0 + 2 * DAY;
	one_key(&o, 3, STORE_KSK, STORE_STATE_DSSUB);
	one_key(&o, 4, STORE_KSK, STORE_STATE_RETIRE);
	one_key(&o, 5, STORE_KSK, STORE_STATE_PUBLISH);
	one_key(&o, 6, STORE_ZSK, STORE_STATE_ACTIVE);
	/* a standby joins: both active KSKs stay (1.x dropped one) */
	n = state_ds_set(&o.z, idx, 8);
	assert_int_equal(n, 3);
	assert_int_equal(o.z.keys[idx[0]].keypair_id, 1);
	assert_int_equal(o.z.keys[idx[1]].keypair_id, 2);
	assert_int_equal(o.z.keys[idx[2]].keypair_id, 3);
	/* a new KSK is ready: it replaces the active one retiring first */
	o.z.keys[4].state = STORE_STATE_READY;
	n = state_ds_set(&o.z, idx, 8);
	assert_int_equal(n, 3);
	assert_int_equal(o.z.keys[idx[0]].keypair_id, 2);
	assert_int_equal(o.z.keys[idx[1]].keypair_id, 3);
	assert_int_equal(o.z.keys[idx[2]].keypair_id, 5);
	/* too small a buffer still counts them all */
	assert_int_equal(state_ds_set(&o.z, idx, 1), 3);
	one_free(&o);
}

/* The exact 1.x texts (enforcer.md §7.4). */
static void
test_event_texts(void **state)
{
	static const struct {
		struct state_event ev;
		int prio;
		const char *text;
	} cases[] = {
		{ { EV_FIRST_PASS_PROMOTE, STORE_ZSK, 0, 0, 0, 0, 0 }, LOG_INFO,
			"INFO: Promoting ZSK from publish to active as this is the first pass for the zone" },
		{ { EV_ROLL_NOT_COMPLETED, STORE_KSK, 0, 0, 0, 0, 0 }, LOG_WARNING,
			"WARNING: KSK rollover for zone 'z.example' not completed as there are no keys in "
			"the 'ready' state; ods-enforcerd will try again when it runs next" },
		{ { EV_MANUAL_DUE, STORE_ZSK, 0, 0, 0, 0, 0 }, LOG_INFO,
			"INFO: Manual rollover due for ZSK of zone z.example" },
		{ { EV_ROLLED, STORE_ZSK, 0, 0, 0, 0, 0 }, LOG_INFO,
			"INFO: ZSK has been rolled for z.example " },
		{ { EV_KSK_READY, STORE_KSK, 0, 0, 0, 0, 0 }, LOG_WARNING,
			"WARNING: New KSK has reached the ready state; please submit the DS for z.example "
			"and use ods-ksmutil key ds-seen when the DS appears in the DNS." },
		{ { EV_NEW_DS, STORE_KSK, 0, 0, 0, 0, 0 }, LOG_INFO,
			"INFO: New DS records needed for the zone z.example; details will follow" },
		{ { EV_SHORTAGE, STORE_ZSK, 0, 2, 0, 0, 0 }, LOG_INFO,
			"INFO: 0 zsks available in 'generate' state (need 2) - unable to promote until "
			"more keys generated" },
		{ { EV_BACKUP_REFUSED, STORE_KSK, 0, 0, 0, 0, 0 }, LOG_ERR,
			"ERROR: Trying to make non-backed up KSK active when RequireBackup flag is set" },
		{ { EV_BACKUP_WARNING, STORE_ZSK, 0, 0, 0, 0, 0 }, LOG_WARNING,
			"WARNING: Making non-backed up ZSK active, PLEASE make sure that you know the "
			"potential problems of using keys which are not recoverable" },
	};
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(state_event_text(&cases[i].ev, "z.example", buf, sizeof(buf)),
			cases[i].prio);
		assert_string_equal(buf, cases[i].text);
	}
}

/* The formulas of Appendix A. */
static void
test_formulas(void **state)
{
	struct kasp_policy p;

	(void)state;
	policy_default(&p);
	assert_int_equal(state_publish_wait(&p), 50400);
	assert_int_equal(state_ds_wait(&p), 3600 + 9999 + 3600);
	assert_int_equal(state_retire_wait(&p, STORE_KSK, 0), 17199);
	assert_int_equal(state_retire_wait(&p, STORE_KSK, 1), 17199 + 30 * DAY);
	assert_int_equal(state_retire_wait(&p, STORE_ZSK, 0), 1256400);
	/* Q22: the longer of the two validities */
	p.valdenial = 21 * DAY;
	assert_int_equal(state_retire_wait(&p, STORE_ZSK, 0), 21 * DAY + 43200 + 3600);
	assert_int_equal(state_retire_date(&p, STORE_ZSK, T0), T0 + 90 * DAY);
	assert_int_equal(state_retire_date(&p, STORE_ZSK, 0), 0);
	p.ksk.lifetime = 0;
	assert_int_equal(state_retire_date(&p, STORE_KSK, T0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formulas),
		cmocka_unit_test(test_event_texts),
		cmocka_unit_test(test_first_pass),
		cmocka_unit_test(test_infinite_lifetime),
		cmocka_unit_test(test_manual_rollover),
		cmocka_unit_test(test_emergency_rollover),
		cmocka_unit_test(test_standby_ksk),
		cmocka_unit_test(test_emergency_standby),
		cmocka_unit_test(test_standby_before_first_ksk),
		cmocka_unit_test(test_allocate_only),
		cmocka_unit_test(test_rfc5011),
		cmocka_unit_test(test_require_backup),
		cmocka_unit_test(test_shortage),
		cmocka_unit_test(test_ds_set),
		cmocka_unit_test(test_walk_default),
		cmocka_unit_test(test_walk_lab),
		cmocka_unit_test(test_walk_shared),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
