/*
 * test_plan.c - key generation planning (src/enforcer/plan.h): the worked
 * numbers of enforcer.md Appendix A, the 1.x example counts, pooled
 * accounting (Q6) and the capacity clamp.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "enforcer/plan.h"

#define DAY INT64_C(86400)

/* The shipped default policy of Appendix A (contrib/kasp.xml). */
static void
default_policy(struct kasp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->key_ttl = 3600;
	p->retire_safety = 3600;
	p->publish_safety = 3600;
	p->zone_propdelay = 43200;
	p->parent_propdelay = 9999;
	p->parent_ds_ttl = 3600;
	p->ksk.algorithm = 8;
	p->ksk.bits = 2048;
	p->ksk.lifetime = 365 * DAY;
	p->ksk.repository = "SoftHSM";
	p->zsk.algorithm = 8;
	p->zsk.bits = 1024;
	p->zsk.lifetime = 90 * DAY;
	p->zsk.repository = "SoftHSM";
}

/* The fast test policy of ksmutil-cli.md §6.3 ("default", shared keys). */
static void
fast_policy(struct kasp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->key_ttl = 600;
	p->retire_safety = 600;
	p->publish_safety = 600;
	p->zone_propdelay = 1800;
	p->parent_propdelay = 1200;
	p->parent_ds_ttl = 600;
	p->share_keys = 1;
	p->ksk.algorithm = 7;
	p->ksk.bits = 2048;
	p->ksk.lifetime = 345600;
	p->ksk.repository = "SoftHSM";
	p->zsk.algorithm = 7;
	p->zsk.bits = 2048;
	p->zsk.lifetime = 86400;
	p->zsk.repository = "SoftHSM";
}

static void
test_appendix_a(void **state)
{
	struct kasp_policy p;

	(void)state;
	default_policy(&p);
	/* the ZSK successor window of Appendix A: 3600 + 43200 + 3600 + 3600 */
	assert_int_equal(plan_window(&p, PLAN_ZSK, 3600), 54000);
	/* Q4: the KSK uses the same window (Dz, not Dp) */
	assert_int_equal(plan_window(&p, PLAN_KSK, 3600), 54000);
	/* ZSK floor(7200 / 7776000) + 0 + 1; KSK floor(54000 / 31536000) + 0 + 1 */
	assert_int_equal(plan_needed_per_zone(&p, PLAN_ZSK, 3600), 1);
	assert_int_equal(plan_needed_per_zone(&p, PLAN_KSK, 3600), 1);
	/* not shared: times the zone count */
	assert_int_equal(plan_needed(&p, PLAN_ZSK, 3600, 7), 7);
	assert_int_equal(plan_needed(&p, PLAN_KSK, 3600, 7), 7);
	assert_int_equal(plan_needed(&p, PLAN_KSK, 3600, 0), 0);
	/* standby keys add one each */
	p.ksk.standby = 1;
	p.zsk.standby = 2;
	assert_int_equal(plan_needed_per_zone(&p, PLAN_KSK, 3600), 2);
	assert_int_equal(plan_needed_per_zone(&p, PLAN_ZSK, 3600), 3);
	/* lifetime 0 never rolls: standby + 1 */
	p.ksk.lifetime = 0;
	p.zsk.lifetime = 0;
	assert_int_equal(plan_needed_per_zone(&p, PLAN_KSK, 10 * 365 * DAY), 2);
	assert_int_equal(plan_needed_per_zone(&p, PLAN_ZSK, 10 * 365 * DAY), 3);
	assert_int_equal(plan_same_pool(&p), 0); /* 2048 vs 1024 bits */
}

/* A year of keys for the default policy: 1 + floor(...) each. */
static void
test_long_interval(void **state)
{
	struct kasp_policy p;

	(void)state;
	default_policy(&p);
	/* ZSK: floor((365 d + 3600) / 90 d) + 1 = 4 + 1 */
	assert_int_equal(plan_needed_per_zone(&p, PLAN_ZSK, 365 * DAY), 5);
	/* KSK: floor((365 d + 50400) / 365 d) + 1 = 2 */
	assert_int_equal(plan_needed_per_zone(&p, PLAN_KSK, 365 * DAY), 2);
	/* just under a lifetime: one key */
	assert_int_equal(plan_needed_per_zone(&p, PLAN_KSK, 365 * DAY - 50401), 1);
	assert_int_equal(plan_needed_per_zone(&p, PLAN_KSK, 365 * DAY - 50400), 2);
}

/*
 * The counts 1.x's own tests print: "This will create 22 KSKs" and "This
 * will create 1 KSKs (2048 bits) and 5 ZSKs (2048 bits)", reproduced with
 * the fast test policy (shared keys, so the zone count does not matter).
 */
static void
test_example_counts(void **state)
{
	struct kasp_policy p;
	struct plan_input in;
	struct plan_result r;

	(void)state;
	fast_policy(&p);
	/* KSK: floor((84 d + 600 + 1800 + 600) / 4 d) + 1 = 21 + 1 */
	assert_int_equal(plan_needed(&p, PLAN_KSK, 84 * DAY, 3), 22);
	/* ZSK over 4 days: floor((4 d + 600) / 1 d) + 1 = 5; KSK: 1 + 1 = 2 */
	assert_int_equal(plan_needed(&p, PLAN_ZSK, 4 * DAY, 3), 5);
	assert_int_equal(plan_needed(&p, PLAN_KSK, 4 * DAY, 3), 2);
	/* over 3 days the KSK needs 1 */
	assert_int_equal(plan_needed(&p, PLAN_KSK, 3 * DAY, 3), 1);
	assert_int_equal(plan_needed(&p, PLAN_ZSK, 3 * DAY, 3), 4);

	/* same pool: one supply; the KSK takes first, the ZSK the rest */
	assert_int_equal(plan_same_pool(&p), 1);
	memset(&in, 0, sizeof(in));
	in.needed[PLAN_KSK] = 1;
	in.needed[PLAN_ZSK] = 5;
	in.available[PLAN_KSK] = 0;
	in.same_pool = 1;
	in.same_repository = 1;
	plan_keys(&in, &r);
	assert_int_equal(r.create[PLAN_KSK], 1);
	assert_int_equal(r.create[PLAN_ZSK], 5);
	/* after generating them: 6 in the pool, nothing more to do (Q6) */
	in.available[PLAN_KSK] = 6;
	plan_keys(&in, &r);
	assert_int_equal(r.available[PLAN_KSK], 1);
	assert_int_equal(r.available[PLAN_ZSK], 5);
	assert_int_equal(r.create[PLAN_KSK], 0);
	assert_int_equal(r.create[PLAN_ZSK], 0);
	/* 4 in the pool: the KSK is covered, 2 ZSKs short */
	in.available[PLAN_KSK] = 4;
	plan_keys(&in, &r);
	assert_int_equal(r.create[PLAN_KSK], 0);
	assert_int_equal(r.available[PLAN_ZSK], 3);
	assert_int_equal(r.create[PLAN_ZSK], 2);
}

static void
test_separate_pools(void **state)
{
	struct plan_input in;
	struct plan_result r;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.needed[PLAN_KSK] = 3;
	in.needed[PLAN_ZSK] = 4;
	in.available[PLAN_KSK] = 5; /* more than needed: nothing, not negative */
	in.available[PLAN_ZSK] = 1;
	plan_keys(&in, &r);
	assert_int_equal(r.wanted[PLAN_KSK], 0);
	assert_int_equal(r.create[PLAN_KSK], 0);
	assert_int_equal(r.available[PLAN_ZSK], 1);
	assert_int_equal(r.create[PLAN_ZSK], 3);
	assert_int_equal(r.cap[PLAN_KSK], PLAN_CAP_OK);
	assert_int_equal(r.cap[PLAN_ZSK], PLAN_CAP_OK);
}

static void
test_capacity(void **state)
{
	struct plan_input in;
	struct plan_result r;

	(void)state;
	/* one repository of capacity 2, empty: 1 KSK + 1 ZSK fit exactly */
	memset(&in, 0, sizeof(in));
	in.needed[PLAN_KSK] = 1;
	in.needed[PLAN_ZSK] = 1;
	in.same_repository = 1;
	in.capacity[PLAN_KSK] = in.capacity[PLAN_ZSK] = 2;
	plan_keys(&in, &r);
	assert_int_equal(r.create[PLAN_KSK], 1);
	assert_int_equal(r.create[PLAN_ZSK], 1);
	assert_int_equal(r.cap[PLAN_KSK], PLAN_CAP_OK);
	assert_int_equal(r.cap[PLAN_ZSK], PLAN_CAP_OK);

	/* 3 + 3 wanted, room for 2: KSKs first, ZSKs reduced to 0 */
	in.needed[PLAN_KSK] = 3;
	in.needed[PLAN_ZSK] = 3;
	plan_keys(&in, &r);
	assert_int_equal(r.create[PLAN_KSK], 2);
	assert_int_equal(r.cap[PLAN_KSK], PLAN_CAP_REDUCED);
	assert_int_equal(r.create[PLAN_ZSK], 0);
	assert_int_equal(r.cap[PLAN_ZSK], PLAN_CAP_REDUCED);

	/* 1 + 3 wanted, 1 used of 4: KSK fits, ZSK reduced to 2 */
	in.needed[PLAN_KSK] = 1;
	in.capacity[PLAN_KSK] = in.capacity[PLAN_ZSK] = 4;
	in.in_repository[PLAN_KSK] = in.in_repository[PLAN_ZSK] = 1;
	plan_keys(&in, &r);
	assert_int_equal(r.create[PLAN_KSK], 1);
	assert_int_equal(r.cap[PLAN_KSK], PLAN_CAP_OK);
	assert_int_equal(r.create[PLAN_ZSK], 2);
	assert_int_equal(r.cap[PLAN_ZSK], PLAN_CAP_REDUCED);

	/* full before we start: both full */
	in.in_repository[PLAN_KSK] = in.in_repository[PLAN_ZSK] = 4;
	plan_keys(&in, &r);
	assert_int_equal(r.create[PLAN_KSK], 0);
	assert_int_equal(r.create[PLAN_ZSK], 0);
	assert_int_equal(r.cap[PLAN_KSK], PLAN_CAP_FULL);
	assert_int_equal(r.cap[PLAN_ZSK], PLAN_CAP_FULL);

	/* full, but nothing wanted: not an error */
	in.needed[PLAN_KSK] = 0;
	in.needed[PLAN_ZSK] = 0;
	plan_keys(&in, &r);
	assert_int_equal(r.cap[PLAN_KSK], PLAN_CAP_OK);
	assert_int_equal(r.cap[PLAN_ZSK], PLAN_CAP_OK);

	/* separate repositories: each its own room */
	memset(&in, 0, sizeof(in));
	in.needed[PLAN_KSK] = 2;
	in.needed[PLAN_ZSK] = 5;
	in.capacity[PLAN_KSK] = 0; /* no limit */
	in.capacity[PLAN_ZSK] = 3;
	in.in_repository[PLAN_KSK] = 1000;
	in.in_repository[PLAN_ZSK] = 1;
	plan_keys(&in, &r);
	assert_int_equal(r.create[PLAN_KSK], 2);
	assert_int_equal(r.cap[PLAN_KSK], PLAN_CAP_OK);
	assert_int_equal(r.create[PLAN_ZSK], 2);
	assert_int_equal(r.cap[PLAN_ZSK], PLAN_CAP_REDUCED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appendix_a),
		cmocka_unit_test(test_long_interval),
		cmocka_unit_test(test_example_counts),
		cmocka_unit_test(test_separate_pools),
		cmocka_unit_test(test_capacity),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
