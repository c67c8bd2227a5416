/*
 * test_forecast.c - `rollover plan`'s forward run (src/enforcer/forecast.h)
 * and the ds-seen rules it shares with the command (dsseen.c).
 *
 * The events of a new zone on the shipped "default" policy over two years
 * are checked against the formulas: every date on the pass grid and at the
 * first pass at or after its due time, in time order, within `until`; the
 * KSK activated by the assumed ds-seen, or never without it; stored keys
 * reported by their locator; a refused activation; a stop asked by the
 * callback; and the input left as it was.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "enforcer/forecast.h"
#include "enforcer/plan.h"

#define DAY INT64_C(86400)
#define HOUR INT64_C(3600)
#define T0 ((time_t)1798761600) /* 2027-01-01 00:00:00 UTC */

/* The shipped "default" policy (contrib/kasp.xml). */
static void
policy_default(struct kasp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->valdefault = p->valdenial = 14 * DAY;
	p->jitter = 12 * HOUR;
	p->key_ttl = HOUR;
	p->retire_safety = p->publish_safety = HOUR;
	p->zone_propdelay = 43200;
	p->parent_propdelay = 9999;
	p->parent_ds_ttl = HOUR;
	p->purge = 14 * DAY;
	p->ksk.algorithm = 8;
	p->ksk.bits = 2048;
	p->ksk.lifetime = 365 * DAY;
	p->zsk.algorithm = 8;
	p->zsk.bits = 1024;
	p->zsk.lifetime = 90 * DAY;
}

struct log {
	struct forecast_event ev[1024];
	size_t n;
	size_t stop_at; /* return 7 at this event (0: never) */
};

static int
record(void *ctx, const struct forecast_event *ev)
{
	struct log *l = ctx;

	assert_true(l->n < sizeof(l->ev) / sizeof(l->ev[0]));
	l->ev[l->n++] = *ev;
	return l->stop_at != 0 && l->n == l->stop_at ? 7 : 0;
}

static void
params(struct forecast_params *fp, const struct kasp_policy *p, int64_t years, int seen)
{
	memset(fp, 0, sizeof(*fp));
	fp->policy = p;
	fp->interval = HOUR;
	fp->from = T0;
	fp->until = T0 + (time_t)(years * 365 * DAY);
	fp->assume_ds_seen = seen;
}

/* The first pass at or after t. */
static time_t
grid(time_t t)
{
	return T0 + (time_t)(((t - T0) + HOUR - 1) / HOUR * HOUR);
}

static size_t
count(const struct log *l, enum forecast_kind kind, int keytype, int to)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->ev[i].kind == kind && (keytype == 0 || l->ev[i].keytype == keytype) &&
		     (to == 0 || l->ev[i].to == to);
	return n;
}

/* The first transition of a key type to a state at or after index from; -1 when none. */
static long
find(const struct log *l, size_t from, int keytype, int to)
{
	for (size_t i = from; i < l->n; i++) {
		if (l->ev[i].kind == FC_STATE && l->ev[i].keytype == keytype && l->ev[i].to == to)
			return (long)i;
	}
	return -1;
}

static void
test_new_zone(void **state)
{
	struct kasp_policy p;
	struct forecast_params fp;
	struct log *l = calloc(1, sizeof(*l));
	long ready, act, zpub, zact;
	time_t prev = 0;

	(void)state;
	policy_default(&p);
	params(&fp, &p, 2, 1);
	assert_int_equal(forecast_zone(&fp, NULL, 0, record, l), 0);
	/* the first pass: the KSK published, the ZSK active at once */
	assert_true(l->n > 4);
	assert_int_equal(l->ev[0].when, T0);
	assert_int_equal(l->ev[0].keytype, STORE_KSK);
	assert_int_equal(l->ev[0].from, STORE_STATE_GENERATE);
	assert_int_equal(l->ev[0].to, STORE_STATE_PUBLISH);
	assert_int_equal(l->ev[0].new_key, 1);
	assert_null(l->ev[0].locator);
	assert_int_equal(l->ev[1].keytype, STORE_ZSK);
	assert_int_equal(l->ev[1].to, STORE_STATE_ACTIVE);
	assert_int_equal(l->ev[1].new_key, 2);
	/* ready at the first pass after TTLk + Dz + Sp; ds-seen makes it active there */
	ready = find(l, 0, STORE_KSK, STORE_STATE_READY);
	assert_true(ready > 0);
	assert_int_equal(l->ev[ready].when, grid(T0 + (time_t)state_publish_wait(&p)));
	act = find(l, (size_t)ready, STORE_KSK, STORE_STATE_ACTIVE);
	assert_true(act > ready);
	assert_int_equal(l->ev[act].when, l->ev[ready].when);
	assert_true(l->ev[act].by_ds_seen);
	assert_int_equal(count(l, FC_DS_SUBMIT, 0, 0), 2);
	/* the first ZSK's successor: published a window before its retirement */
	zpub = find(l, 2, STORE_ZSK, STORE_STATE_PUBLISH);
	assert_true(zpub > 0);
	assert_int_equal(l->ev[zpub].when,
		grid(T0 + (time_t)(p.zsk.lifetime - plan_window(&p, PLAN_ZSK, HOUR))));
	zact = find(l, (size_t)zpub, STORE_ZSK, STORE_STATE_ACTIVE);
	assert_int_equal(l->ev[zact].when, T0 + (time_t)p.zsk.lifetime);
	/* eight ZSK rolls in two years, one KSK roll; all on the grid, in order */
	assert_int_equal(count(l, FC_STATE, STORE_ZSK, STORE_STATE_ACTIVE), 9);
	assert_int_equal(count(l, FC_STATE, STORE_KSK, STORE_STATE_ACTIVE), 2);
	assert_int_equal(count(l, FC_STATE, STORE_KSK, STORE_STATE_RETIRE), 1);
	for (size_t i = 0; i < l->n; i++) {
		assert_true(l->ev[i].when >= prev);
		assert_true(l->ev[i].when <= fp.until);
		assert_int_equal((l->ev[i].when - T0) % HOUR, 0);
		prev = l->ev[i].when;
	}
	free(l);
}

static void
test_never_seen(void **state)
{
	struct kasp_policy p;
	struct forecast_params fp;
	struct log *l = calloc(1, sizeof(*l));

	(void)state;
	policy_default(&p);
	params(&fp, &p, 2, 0);
	assert_int_equal(forecast_zone(&fp, NULL, 0, record, l), 0);
	assert_int_equal(count(l, FC_STATE, STORE_KSK, STORE_STATE_ACTIVE), 0);
	assert_int_equal(count(l, FC_DS_SEEN, 0, 0), 0);
	/* asked for once, when the KSK becomes ready; the ZSKs roll on */
	assert_int_equal(count(l, FC_DS_SEEN_NEEDED, STORE_KSK, 0), 1);
	assert_int_equal(count(l, FC_STATE, STORE_ZSK, STORE_STATE_ACTIVE), 9);
	free(l);
}

/* A zone with stored keys: they are named by locator, and left as they were. */
static void
test_stored_keys(void **state)
{
	struct kasp_policy p;
	struct forecast_params fp;
	struct log *l = calloc(1, sizeof(*l));
	struct state_key keys[2], copy[2];
	long zret;

	(void)state;
	policy_default(&p);
	params(&fp, &p, 1, 1);
	memset(keys, 0, sizeof(keys));
	keys[0] = (struct state_key){ .keypair_id = 3,
		.keytype = STORE_KSK,
		.state = STORE_STATE_ACTIVE,
		.publish = T0 - 10 * DAY,
		.ready = T0 - 9 * DAY,
		.active = T0 - 9 * DAY,
		.locator = "aa01",
		.backed_up = 1 };
	keys[1] = (struct state_key){ .keypair_id = 4,
		.keytype = STORE_ZSK,
		.state = STORE_STATE_ACTIVE,
		.publish = T0 - 10 * DAY,
		.active = T0 - 10 * DAY,
		.locator = "bb02",
		.backed_up = 1 };
	memcpy(copy, keys, sizeof(keys));
	assert_int_equal(forecast_zone(&fp, keys, 2, record, l), 0);
	assert_memory_equal(keys, copy, sizeof(keys));
	/* the stored ZSK retires 90 days after it became active */
	zret = find(l, 0, STORE_ZSK, STORE_STATE_RETIRE);
	assert_true(zret >= 0);
	assert_string_equal(l->ev[zret].locator, "bb02");
	assert_int_equal(l->ev[zret].keypair_id, 4);
	assert_int_equal(l->ev[zret].new_key, 0);
	assert_int_equal(l->ev[zret].when, grid(T0 - 10 * DAY + 90 * DAY));
	/* its successor is the zone's first new key pair */
	assert_int_equal(l->ev[find(l, 0, STORE_ZSK, STORE_STATE_PUBLISH)].new_key, 1);
	free(l);
}

/* ds-seen is refused for a key the repository wants backed up and is not. */
static void
test_backup_refused(void **state)
{
	struct kasp_policy p;
	struct forecast_params fp;
	struct log *l = calloc(1, sizeof(*l));
	struct state_key k;

	(void)state;
	policy_default(&p);
	params(&fp, &p, 1, 1);
	memset(&k, 0, sizeof(k));
	k = (struct state_key){ .keypair_id = 9,
		.keytype = STORE_KSK,
		.state = STORE_STATE_READY,
		.publish = T0 - DAY,
		.ready = T0 - HOUR,
		.locator = "cc03",
		.require_backup = 1 };
	assert_int_equal(forecast_zone(&fp, &k, 1, record, l), 0);
	assert_int_equal(count(l, FC_DS_SEEN_NEEDED, STORE_KSK, 0), 1);
	assert_int_equal(count(l, FC_DS_SEEN, 0, 0), 0);
	assert_int_equal(count(l, FC_STATE, STORE_KSK, STORE_STATE_ACTIVE), 0);
	free(l);
}

static void
test_stop_and_errors(void **state)
{
	struct kasp_policy p;
	struct forecast_params fp;
	struct log *l = calloc(1, sizeof(*l));

	(void)state;
	policy_default(&p);
	params(&fp, &p, 2, 1);
	l->stop_at = 3;
	assert_int_equal(forecast_zone(&fp, NULL, 0, record, l), 7);
	assert_int_equal(l->n, 3);
	fp.interval = 0;
	assert_int_equal(forecast_zone(&fp, NULL, 0, record, l), E_INVAL);
	/* nothing before until: until == from still runs the pass at from */
	l->n = 0;
	l->stop_at = 0;
	params(&fp, &p, 0, 1);
	assert_int_equal(forecast_zone(&fp, NULL, 0, record, l), 0);
	for (size_t i = 0; i < l->n; i++)
		assert_int_equal(l->ev[i].when, T0);
	assert_true(l->n >= 2);
	free(l);
}

/* The rules of dsseen.c that the command and the plan share. */
static void
test_seen_rules(void **state)
{
	struct kasp_policy p;
	struct state_key k[4];

	(void)state;
	policy_default(&p);
	assert_true(state_retires_earlier(5, 6));
	assert_false(state_retires_earlier(6, 5));
	assert_true(state_retires_earlier(5, 0));
	assert_false(state_retires_earlier(0, 5));
	assert_false(state_retires_earlier(0, 0));
	memset(k, 0, sizeof(k));
	k[0] = (struct state_key){ .keytype = STORE_KSK, .state = STORE_STATE_ACTIVE, .retire = 0 };
	k[1] = (struct state_key){
		.keytype = STORE_KSK, .state = STORE_STATE_ACTIVE, .retire = 900
	};
	k[2] = (struct state_key){
		.keytype = STORE_ZSK, .state = STORE_STATE_ACTIVE, .retire = 100
	};
	k[3] = (struct state_key){ .keytype = STORE_KSK, .state = STORE_STATE_READY };
	assert_int_equal(state_seen_retiree(k, 4, 3), 1);
	assert_int_equal(state_seen_retiree(k, 4, 1), 0);
	assert_int_equal(state_seen_retiree(k, 1, 0), (size_t)-1);
	state_seen_activate(&p, &k[3], T0);
	assert_int_equal(k[3].state, STORE_STATE_ACTIVE);
	assert_int_equal(k[3].active, T0);
	assert_int_equal(k[3].retire, T0 + 365 * DAY);
	state_retire_now(&p, &k[1], T0);
	assert_int_equal(k[1].state, STORE_STATE_RETIRE);
	assert_int_equal(k[1].retire, T0);
	assert_int_equal(k[1].dead, T0 + (time_t)state_retire_wait(&p, STORE_KSK, 0));
	k[0].state = STORE_STATE_DSSUB;
	state_seen_standby(&p, &k[0], T0);
	assert_int_equal(k[0].state, STORE_STATE_DSPUBLISH);
	assert_int_equal(k[0].publish, T0);
	assert_int_equal(k[0].ready, T0 + (time_t)state_ds_wait(&p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_zone),
		cmocka_unit_test(test_never_seen),
		cmocka_unit_test(test_stored_keys),
		cmocka_unit_test(test_backup_refused),
		cmocka_unit_test(test_stop_and_errors),
		cmocka_unit_test(test_seen_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
