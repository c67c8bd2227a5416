/*
 * state_formula.c - the dates and waits of the key-state machine (state.h;
 * enforcer.md §3.1, §3.4): how long each transition waits, when a key retires,
 * what a key puts in the zone and which KSKs the parent's DS set holds. Pure,
 * like the rest of state*.c; state.c applies these to one zone.
 */
#include "config.h"

#include <string.h>

#include "enforcer/plan.h"
#include "enforcer/state.h"
#include "enforcer/state_internal.h"

/* ----------------------------------------------------------- formulas */

const struct kasp_keydef *
state_keydef(const struct kasp_policy *p, int keytype)
{
	return keytype == STORE_KSK ? &p->ksk : &p->zsk;
}

enum plan_role
state_role_of(int keytype)
{
	return keytype == STORE_KSK ? PLAN_KSK : PLAN_ZSK;
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

int64_t
state_publish_wait(const struct kasp_policy *p)
{
	return p->key_ttl + p->zone_propdelay + p->publish_safety;
}

int64_t
state_ds_wait(const struct kasp_policy *p)
{
	/* Q4: the DS record's own TTL, not the DNSKEY's */
	return p->parent_ds_ttl + p->parent_propdelay + p->publish_safety;
}

/* How long an RFC 5011 key waits beyond the usual: the hold-down. */
int64_t
state_holddown(const struct kasp_policy *p)
{
	return max64(p->key_ttl, PLAN_HOLDDOWN);
}

int64_t
state_retire_wait(const struct kasp_policy *p, int keytype, int rfc5011)
{
	if (keytype == STORE_KSK) {
		/* the old DS must leave the parent and its caches (Q4: always TTLds) */
		int64_t w = p->parent_ds_ttl + p->parent_propdelay + p->retire_safety;

		return rfc5011 ? w + PLAN_HOLDDOWN : w;
	}
	/* Q22: denial signatures may live longer than the others */
	return max64(p->valdefault, p->valdenial) + p->zone_propdelay + p->retire_safety;
}

time_t
state_retire_date(const struct kasp_policy *p, int keytype, time_t active)
{
	int64_t life = state_keydef(p, keytype)->lifetime;

	/* Q2: no lifetime means never, not 68 years from now */
	if (life <= 0 || active == 0)
		return 0;
	return active + (time_t)life;
}

/* The look-ahead window of a role: plan.h, shared with key generation (Q4, Q21). */
int64_t
state_window(const struct state_params *sp, int keytype)
{
	return plan_window(sp->policy, state_role_of(keytype), sp->interval);
}

int
state_key_issued(const struct state_key *k, struct state_issue *out)
{
	struct state_issue is;

	switch (k->state) {
	case STORE_STATE_PUBLISH:
	case STORE_STATE_READY:
	case STORE_STATE_ACTIVE:
	case STORE_STATE_RETIRE:
	case STORE_STATE_KEYPUBLISH: break;
	default: return 0;
	}
	memset(&is, 0, sizeof(is));
	is.flags = k->keytype == STORE_KSK ? 257 : 256;
	if (k->keytype == STORE_KSK && k->revoked)
		is.flags |= 0x80;
	/* a KSK signs the DNSKEY set from publication on: the double-signature roll */
	is.ksk = k->keytype == STORE_KSK && !(k->rfc5011 && k->state == STORE_STATE_PUBLISH);
	is.zsk = k->keytype == STORE_ZSK && k->state == STORE_STATE_ACTIVE;
	is.publish = 1;
	is.rfc5011 = k->rfc5011 != 0;
	*out = is;
	return 1;
}

size_t
state_ds_set(const struct state_zone *zone, size_t *idx, size_t max)
{
	size_t i, n = 0, oldest = (size_t)-1;
	int ready = 0;

	for (i = 0; i < zone->nkeys; i++) {
		const struct state_key *k = &zone->keys[i];

		if (k->keytype != STORE_KSK)
			continue;
		if (k->state == STORE_STATE_READY)
			ready = 1;
		/* the ACTIVE key a ds-seen would retire: the earliest retire date */
		if (k->state == STORE_STATE_ACTIVE &&
			(oldest == (size_t)-1 ||
				(k->retire != 0 && (zone->keys[oldest].retire == 0 ||
							   k->retire < zone->keys[oldest].retire))))
			oldest = i;
	}
	for (i = 0; i < zone->nkeys; i++) {
		const struct state_key *k = &zone->keys[i];

		if (k->keytype != STORE_KSK)
			continue;
		switch (k->state) {
		case STORE_STATE_ACTIVE:
			if (ready && i == oldest)
				continue;
			break;
		case STORE_STATE_READY:
		case STORE_STATE_DSSUB:
		case STORE_STATE_DSPUBLISH:
		case STORE_STATE_DSREADY:
		case STORE_STATE_KEYPUBLISH: break;
		default: continue;
		}
		if (n < max)
			idx[n] = i;
		n++;
	}
	return n;
}
