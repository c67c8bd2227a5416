/*
 * plan.c - key generation planning (enforcer.md §4.3 with Q4 and Q6 fixed).
 * See plan.h.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "enforcer/plan.h"

static const struct kasp_keydef *
keydef(const struct kasp_policy *p, enum plan_role role)
{
	return role == PLAN_KSK ? &p->ksk : &p->zsk;
}

int64_t
plan_window(const struct kasp_policy *p, enum plan_role role, int64_t interval)
{
	/* one window for both roles (Q4) ... */
	int64_t w = interval + p->publish_safety + p->zone_propdelay + p->key_ttl;

	/* ... plus the add hold-down an RFC 5011 successor waits out (Q21) */
	if (role == PLAN_KSK && p->ksk.rfc5011)
		w += p->key_ttl > PLAN_HOLDDOWN ? p->key_ttl : PLAN_HOLDDOWN;
	return w;
}

int64_t
plan_needed_per_zone(const struct kasp_policy *p, enum plan_role role, int64_t interval)
{
	const struct kasp_keydef *k = keydef(p, role);
	int64_t span;

	if (k->lifetime <= 0)
		return (int64_t)k->standby + 1;
	if (role == PLAN_KSK)
		span = plan_window(p, role, interval);
	else
		span = interval + p->publish_safety;
	if (span < 0)
		span = 0;
	return span / k->lifetime + k->standby + 1;
}

int64_t
plan_needed(const struct kasp_policy *p, enum plan_role role, int64_t interval, int64_t zones)
{
	int64_t one = plan_needed_per_zone(p, role, interval);

	if (p->share_keys || zones <= 0)
		return zones <= 0 ? 0 : one;
	return one * zones;
}

int
plan_same_pool(const struct kasp_policy *p)
{
	if (p->ksk.algorithm != p->zsk.algorithm || p->ksk.bits != p->zsk.bits)
		return 0;
	if (p->ksk.repository == NULL || p->zsk.repository == NULL)
		return p->ksk.repository == p->zsk.repository;
	return strcmp(p->ksk.repository, p->zsk.repository) == 0;
}

static int64_t
max0(int64_t v)
{
	return v < 0 ? 0 : v;
}

/*
 * Fit want keys into a repository of capacity (0: no limit) holding used
 * key pairs, of which *room is still free (updated).
 */
static int64_t
fit(int64_t want, int64_t capacity, int64_t used, int64_t *room, enum plan_capacity *cap)
{
	*cap = PLAN_CAP_OK;
	if (want <= 0 || capacity <= 0)
		return max0(want);
	if (used >= capacity) {
		*cap = PLAN_CAP_FULL;
		return 0;
	}
	if (want > *room) {
		*cap = PLAN_CAP_REDUCED;
		want = *room;
	}
	*room -= want;
	return want;
}

void
plan_keys(const struct plan_input *in, struct plan_result *out)
{
	int64_t room[2];

	memset(out, 0, sizeof(*out));
	out->needed[PLAN_KSK] = max0(in->needed[PLAN_KSK]);
	out->needed[PLAN_ZSK] = max0(in->needed[PLAN_ZSK]);
	if (in->same_pool) {
		/* one supply for both demands; the KSKs draw first */
		int64_t supply = max0(in->available[PLAN_KSK]);

		out->available[PLAN_KSK] =
			supply < out->needed[PLAN_KSK] ? supply : out->needed[PLAN_KSK];
		out->available[PLAN_ZSK] = supply - out->available[PLAN_KSK];
	} else {
		out->available[PLAN_KSK] = max0(in->available[PLAN_KSK]);
		out->available[PLAN_ZSK] = max0(in->available[PLAN_ZSK]);
	}
	out->wanted[PLAN_KSK] = max0(out->needed[PLAN_KSK] - out->available[PLAN_KSK]);
	out->wanted[PLAN_ZSK] = max0(out->needed[PLAN_ZSK] - out->available[PLAN_ZSK]);

	room[PLAN_KSK] = in->capacity[PLAN_KSK] - max0(in->in_repository[PLAN_KSK]);
	room[PLAN_ZSK] = in->capacity[PLAN_ZSK] - max0(in->in_repository[PLAN_ZSK]);
	out->create[PLAN_KSK] = fit(out->wanted[PLAN_KSK], in->capacity[PLAN_KSK],
		max0(in->in_repository[PLAN_KSK]), &room[PLAN_KSK], &out->cap[PLAN_KSK]);
	if (in->same_repository) {
		/* one repository: the ZSKs get what the KSKs leave */
		out->create[PLAN_ZSK] = fit(out->wanted[PLAN_ZSK], in->capacity[PLAN_KSK],
			max0(in->in_repository[PLAN_KSK]), &room[PLAN_KSK], &out->cap[PLAN_ZSK]);
	} else {
		out->create[PLAN_ZSK] = fit(out->wanted[PLAN_ZSK], in->capacity[PLAN_ZSK],
			max0(in->in_repository[PLAN_ZSK]), &room[PLAN_ZSK], &out->cap[PLAN_ZSK]);
	}
}
