/*
 * dsseen.c - what the operator's `key ds-seen` does to the keys (state.h),
 * as pure functions: the command applies them to the rows it read, and
 * `rollover plan` to the keys it runs forward, so both follow one rule;
 * and the machine's view of an allocation row, both ways.
 */
#include "config.h"

#include <string.h>

#include "enforcer/state.h"

/*
 * The fields a state_key and a store_alloc share, named once so that the
 * two copies below cannot drift apart.
 */
#define SHARED_FIELDS(X)                                                                           \
	X(state) X(publish) X(ready) X(active) X(retire) X(dead) X(rfc5011) X(revoked)

void
state_key_of_alloc(const struct store_alloc *a, struct state_key *k)
{
	memset(k, 0, sizeof(*k));
	k->keypair_id = a->keypair_id;
	k->keytype = a->keytype;
#define FROM_ALLOC(f) k->f = a->f;
	SHARED_FIELDS(FROM_ALLOC)
#undef FROM_ALLOC
}

void
state_key_to_alloc(const struct state_key *k, struct store_alloc *a)
{
#define TO_ALLOC(f) a->f = k->f;
	SHARED_FIELDS(TO_ALLOC)
#undef TO_ALLOC
}

int
state_retires_earlier(time_t a, time_t b)
{
	/* an unset retire date means never: it sorts last */
	if (a == 0)
		return 0;
	return b == 0 || a < b;
}

void
state_seen_standby(const struct kasp_policy *p, struct state_key *k, time_t now)
{
	/* the DS of a standby KSK is at the parent and propagates from now */
	k->state = STORE_STATE_DSPUBLISH;
	k->publish = now;
	k->ready = now + (time_t)state_ds_wait(p);
}

void
state_seen_activate(const struct kasp_policy *p, struct state_key *k, time_t now)
{
	k->state = STORE_STATE_ACTIVE;
	k->active = now;
	k->retire = state_retire_date(p, STORE_KSK, now);
}

void
state_retire_now(const struct kasp_policy *p, struct state_key *k, time_t now)
{
	/* Q4: it is dead once its DS has left the parent and its caches */
	k->state = STORE_STATE_RETIRE;
	k->retire = now;
	k->dead = now + (time_t)state_retire_wait(p, STORE_KSK, k->rfc5011);
}

size_t
state_seen_retiree(const struct state_key *keys, size_t n, size_t chosen)
{
	size_t i, oldest = (size_t)-1;

	for (i = 0; i < n; i++) {
		const struct state_key *k = &keys[i];

		if (i == chosen || k->keytype != STORE_KSK || k->state != STORE_STATE_ACTIVE)
			continue;
		/* the earliest retire date; keys come by key pair id, so a tie takes the lowest */
		if (oldest == (size_t)-1 || state_retires_earlier(k->retire, keys[oldest].retire))
			oldest = i;
	}
	return oldest;
}
