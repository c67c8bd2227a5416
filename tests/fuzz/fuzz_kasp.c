/*
 * fuzz_kasp.c - fuzz target for kasp.xml: kasp_load() on the input written
 * to a file (schema validation and the checks beyond it included).
 *
 * Checks, beyond memory safety: a failure leaves *out alone and says why in
 * one non-empty line; on success every policy has a name that kasp_find()
 * finds (names are unique), known KSK/ZSK algorithms, durations that are
 * not negative (Purge -1 when absent), a serial mode with a name; and
 * `policy export` round-trips: kasp_format() of the policies, loaded
 * again, gives the same policies field by field.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/kasp.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
str_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
keydef_same(const struct kasp_keydef *a, const struct kasp_keydef *b)
{
	return a->algorithm == b->algorithm && a->bits == b->bits && a->lifetime == b->lifetime &&
	       str_same(a->repository, b->repository) && a->standby == b->standby &&
	       a->manual_rollover == b->manual_rollover && a->rfc5011 == b->rfc5011;
}

static int
policy_same(const struct kasp_policy *a, const struct kasp_policy *b)
{
	return str_same(a->name, b->name) && str_same(a->description, b->description) &&
	       a->resign == b->resign && a->refresh == b->refresh &&
	       a->valdefault == b->valdefault && a->valdenial == b->valdenial &&
	       a->jitter == b->jitter && a->inception_offset == b->inception_offset &&
	       a->nsec3 == b->nsec3 && a->nsec3_ttl == b->nsec3_ttl && a->optout == b->optout &&
	       a->resalt == b->resalt && a->hash_algorithm == b->hash_algorithm &&
	       a->iterations == b->iterations && a->salt_length == b->salt_length &&
	       a->key_ttl == b->key_ttl && a->retire_safety == b->retire_safety &&
	       a->publish_safety == b->publish_safety && a->share_keys == b->share_keys &&
	       a->purge == b->purge && keydef_same(&a->ksk, &b->ksk) &&
	       keydef_same(&a->zsk, &b->zsk) && a->zone_propdelay == b->zone_propdelay &&
	       a->zone_soa_ttl == b->zone_soa_ttl && a->zone_soa_min == b->zone_soa_min &&
	       a->serial == b->serial && a->parent_propdelay == b->parent_propdelay &&
	       a->parent_ds_ttl == b->parent_ds_ttl && a->parent_soa_ttl == b->parent_soa_ttl &&
	       a->parent_soa_min == b->parent_soa_min;
}

static int
signing_alg(int alg)
{
	return alg == 1 || alg == 3 || alg == 5 || alg == 6 || alg == 7 || alg == 8 || alg == 10 ||
	       (alg >= 12 && alg <= 16);
}

static void
check_policy(const struct kasp *k, const struct kasp_policy *p)
{
	const int64_t d[] = {
		p->resign,
		p->refresh,
		p->valdefault,
		p->valdenial,
		p->jitter,
		p->inception_offset,
		p->nsec3_ttl,
		p->resalt,
		p->key_ttl,
		p->retire_safety,
		p->publish_safety,
		p->ksk.lifetime,
		p->zsk.lifetime,
		p->zone_propdelay,
		p->zone_soa_ttl,
		p->zone_soa_min,
		p->parent_propdelay,
		p->parent_ds_ttl,
		p->parent_soa_ttl,
		p->parent_soa_min,
	};

	if (p->name == NULL || p->description == NULL || kasp_find(k, p->name) != p)
		abort();
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		if (d[i] < 0)
			abort();
	}
	if (p->purge < -1 || !signing_alg(p->ksk.algorithm) || !signing_alg(p->zsk.algorithm))
		abort();
	if (kasp_serial_name(p->serial) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kasp *k = (struct kasp *)&size, *k2 = (struct kasp *)&size;
	const struct kasp_policy **v = NULL;
	char err[512] = "", *text = NULL;
	size_t len;
	int rc;

	if (size > 64 * 1024)
		return 0;
	rc = kasp_load(fuzz_file("input.xml", data, size), &k, err, sizeof(err));
	if (rc != 0) {
		if (k != (struct kasp *)&size || err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		if (rc != E_IO && rc != E_PARSE && rc != E_RANGE && rc != E_INVAL &&
			rc != E_EXISTS && rc != E_NOMEM)
			abort();
		return 0;
	}
	v = calloc(k->npolicies + 1, sizeof(*v));
	if (v == NULL)
		abort();
	for (size_t i = 0; i < k->npolicies; i++) {
		check_policy(k, &k->policies[i]);
		v[i] = &k->policies[i];
	}
	for (size_t i = 0; i < k->napprox; i++) {
		if (k->approx[i] == NULL)
			abort();
	}

	/* policy export, then import: the same policies */
	if (kasp_format(v, k->npolicies, &text, &len) != 0 || strlen(text) != len)
		abort();
	err[0] = '\0';
	if (kasp_load(fuzz_file("again.xml", text, len), &k2, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_kasp: export does not load again: %s\n", err);
		abort();
	}
	if (k2->npolicies != k->npolicies || k2->napprox != 0)
		abort();
	for (size_t i = 0; i < k->npolicies; i++) {
		if (!policy_same(&k->policies[i], &k2->policies[i])) {
			fprintf(stderr, "fuzz_kasp: policy \"%s\" differs after export\n",
				k->policies[i].name);
			abort();
		}
	}
	free(text);
	free(v);
	kasp_free(k2);
	kasp_free(k);
	return 0;
}

#include "tests/fuzz/replay.h"
