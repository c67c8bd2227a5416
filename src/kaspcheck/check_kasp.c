/*
 * check_kasp.c - the checks of one kasp.xml policy: names, durations and
 * their relations, serial, key lengths, repositories, lifetimes, and
 * whether its keys can be used at all.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "common/duration.h"
#include "common/err.h"
#include "common/str.h"
#include "config/conf.h"
#include "config/kasp.h"
#include "config/xml.h"
#include "kaspcheck/check.h"
#include "store/limits.h"

/* Seconds in a day, and the most re-signs a day a datecounter serial can count. */
#define DAY 86400
#define DATECOUNTER_MAX 99

static long long
ll(int64_t v)
{
	return (long long)v;
}

/* ---------------------------------------------------------------- kasp.xml checks */

int
kc_check_policy_names(struct kc_findings *f, const char *const *names, size_t n, const char *file)
{
	size_t i, j, k;
	int seen, have_default = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "default") == 0)
			have_default = 1;
		seen = 0;
		for (k = 0; k < i && !seen; k++)
			seen = strcmp(names[k], names[i]) == 0;
		for (j = i + 1; j < n && !seen; j++) {
			if (strcmp(names[j], names[i]) != 0)
				continue;
			kc_add(f, KC_ERROR, "Policy name '%s' is used more than once in %s",
				names[i], file);
			seen = 1;
		}
	}
	if (!have_default)
		kc_add(f, KC_WARNING,
			"No policy named 'default' in %s. This means you will need to refer "
			"explicitly to the policy for each zone",
			file);
	return kc_status(f);
}

/* The duration elements of a <Policy>, as paths below it. */
static const char *const policy_durations[] = {
	"Signatures/Resign",
	"Signatures/Refresh",
	"Signatures/Validity/Default",
	"Signatures/Validity/Denial",
	"Signatures/Jitter",
	"Signatures/InceptionOffset",
	"Denial/NSEC3/TTL",
	"Denial/NSEC3/Resalt",
	"Keys/TTL",
	"Keys/RetireSafety",
	"Keys/PublishSafety",
	"Keys/Purge",
	"Keys/KSK/Lifetime",
	"Keys/ZSK/Lifetime",
	"Zone/PropagationDelay",
	"Zone/SOA/TTL",
	"Zone/SOA/Minimum",
	"Parent/PropagationDelay",
	"Parent/DS/TTL",
	"Parent/SOA/TTL",
	"Parent/SOA/Minimum",
};

/*
 * Check every element reached by the rest of path ("a/b/c") below node,
 * same-named siblings included (a policy may hold several <KSK>).
 */
static int
durations_below(struct kc_findings *f, const xmlNode *node, const char *path, const char *field,
	const char *where, const char *file)
{
	char name[64];
	const char *slash;
	const xmlNode *child;
	char *text;
	size_t len;

	slash = strchr(path, '/');
	len = slash != NULL ? (size_t)(slash - path) : strlen(path);
	if (len >= sizeof(name))
		goto out;
	memcpy(name, path, len);
	name[len] = '\0';
	for (child = xml_child(node, name); child != NULL; child = xml_next(child)) {
		if (slash != NULL) {
			durations_below(f, child, slash + 1, field, where, file);
			continue;
		}
		if (xml_text(child, 1, &text) != 0) {
			f->nomem = 1;
			break;
		}
		kc_check_duration_text(f, where, field, text, file);
		free(text);
	}
out:
	return kc_status(f);
}

int
kc_check_policy_durations(struct kc_findings *f, const xmlNode *policy, const char *file)
{
	char *name = NULL, *where = NULL;
	size_t i;
	int ret;

	ret = xml_attr(policy, "name", &name);
	if (ret != 0 && ret != E_NOTFOUND) {
		f->nomem = 1;
		goto out;
	}
	where = str_printf("policy %s", name != NULL ? name : "");
	if (where == NULL) {
		f->nomem = 1;
		goto out;
	}
	for (i = 0; i < sizeof(policy_durations) / sizeof(policy_durations[0]); i++)
		durations_below(f, policy, policy_durations[i], policy_durations[i], where, file);
out:
	free(name);
	free(where);
	return kc_status(f);
}

/* A <KSK>/<ZSK> was given (the 1.4 schema allowed a policy without). */
static int
key_present(const struct kasp_keydef *k)
{
	return k->algorithm != 0 || k->repository != NULL;
}

int
kc_check_refresh(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	if (p->refresh <= p->resign)
		kc_add(f, KC_ERROR,
			"The Refresh interval (%lld seconds) for %s policy in %s is less than or "
			"equal to the Resign interval (%lld seconds)",
			ll(p->refresh), p->name, file, ll(p->resign));
	return kc_status(f);
}

int
kc_check_validity(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	if (p->valdefault <= p->refresh)
		kc_add(f, KC_ERROR,
			"Validity/Default (%lld seconds) for %s policy in %s is less than or equal "
			"to the Refresh interval (%lld seconds)",
			ll(p->valdefault), p->name, file, ll(p->refresh));
	if (p->valdenial <= p->refresh)
		kc_add(f, KC_ERROR,
			"Validity/Denial (%lld seconds) for %s policy in %s is less than or equal "
			"to the Refresh interval (%lld seconds)",
			ll(p->valdenial), p->name, file, ll(p->refresh));
	return kc_status(f);
}

int
kc_check_jitter(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	int64_t longest = p->valdefault > p->valdenial ? p->valdefault : p->valdenial;

	if (p->jitter * 2 > longest)
		kc_add(f, KC_WARNING,
			"Jitter (%lld seconds) for %s policy in %s is more than half of the longest "
			"Validity (%lld seconds)",
			ll(p->jitter), p->name, file, ll(longest));
	if (p->jitter > p->valdefault)
		kc_add(f, KC_ERROR,
			"Jitter (%lld seconds) for %s policy in %s is longer than Validity/Default "
			"(%lld seconds)",
			ll(p->jitter), p->name, file, ll(p->valdefault));
	if (p->jitter > p->valdenial)
		kc_add(f, KC_ERROR,
			"Jitter (%lld seconds) for %s policy in %s is longer than Validity/Denial "
			"(%lld seconds)",
			ll(p->jitter), p->name, file, ll(p->valdenial));
	return kc_status(f);
}

int
kc_check_inception(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	if (p->inception_offset > 3600)
		kc_add(f, KC_WARNING,
			"InceptionOffset (%lld seconds) for %s policy in %s is more than one hour",
			ll(p->inception_offset), p->name, file);
	return kc_status(f);
}

/* One safety margin against the key TTL: between 0.1 and 5 times it. */
static void
safety(struct kc_findings *f, const char *what, int64_t value, const struct kasp_policy *p,
	const char *file)
{
	if (value * 10 < p->key_ttl)
		kc_add(f, KC_WARNING,
			"%s (%lld seconds) for %s policy in %s is less than 0.1 * Keys/TTL "
			"(%lld seconds)",
			what, ll(value), p->name, file, ll(p->key_ttl));
	else if (value > p->key_ttl * 5)
		kc_add(f, KC_WARNING,
			"%s (%lld seconds) for %s policy in %s is more than 5 * Keys/TTL "
			"(%lld seconds)",
			what, ll(value), p->name, file, ll(p->key_ttl));
}

int
kc_check_safety(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	safety(f, "PublishSafety", p->publish_safety, p, file);
	safety(f, "RetireSafety", p->retire_safety, p, file);
	return kc_status(f);
}

int
kc_check_nsec3(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	const struct kasp_keydef *keys[2] = { &p->ksk, &p->zsk };
	static const char *const types[2] = { "KSK", "ZSK" };
	size_t i;

	if (!p->nsec3)
		goto out;
	/*
	 * Algorithms up to 5 (RSAMD5, DH, DSA, reserved, RSASHA1) have no NSEC3
	 * form: a validator that does not know NSEC3 must be able to treat the
	 * zone as unsigned, which the NSEC3 aliases 6 (DSA-NSEC3-SHA1), 7
	 * (RSASHA1-NSEC3-SHA1) and everything after 7 see to.
	 */
	for (i = 0; i < 2; i++)
		if (key_present(keys[i]) && keys[i]->algorithm <= 5)
			kc_add(f, KC_ERROR,
				"Algorithm %d used for %s in %s policy in %s cannot be used with "
				"NSEC3",
				keys[i]->algorithm, types[i], p->name, file);
	if (p->hash_algorithm != 1)
		kc_add(f, KC_ERROR,
			"NSEC3 Hash/Algorithm (%d) for %s policy in %s is not 1 (SHA-1, the only "
			"one defined)",
			p->hash_algorithm, p->name, file);
	if (p->resalt < p->resign)
		kc_add(f, KC_WARNING,
			"NSEC3 Resalt (%lld seconds) for %s policy in %s is less than the Resign "
			"interval (%lld seconds)",
			ll(p->resalt), p->name, file, ll(p->resign));
out:
	return kc_status(f);
}

int
kc_check_serial(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	if (p->serial != KASP_SERIAL_DATECOUNTER)
		goto out;
	/* YYYYMMDDnn: two digits count the changes of one day. */
	if (p->resign <= 0)
		kc_add(f, KC_ERROR,
			"Serial type datecounter for %s policy in %s allows at most %d re-signs a "
			"day, but a Resign interval of 0 seconds asks for continuous re-signing",
			p->name, file, DATECOUNTER_MAX);
	else if (DAY / p->resign > DATECOUNTER_MAX)
		kc_add(f, KC_ERROR,
			"Serial type datecounter for %s policy in %s allows at most %d re-signs a "
			"day, but the Resign interval (%lld seconds) asks for %lld",
			p->name, file, DATECOUNTER_MAX, ll(p->resign), ll(DAY / p->resign));
out:
	return kc_status(f);
}

static void
key_length(struct kc_findings *f, const char *type, const struct kasp_keydef *k,
	const struct kasp_policy *p, const char *file)
{
	int want;

	if (!key_present(k) || k->bits == 0)
		return;
	switch (k->algorithm) {
	case 5:  /* RSASHA1 */
	case 7:  /* RSASHA1-NSEC3-SHA1 */
	case 8:  /* RSASHA256 */
	case 10: /* RSASHA512 */
		if (k->bits < 1024)
			kc_add(f, KC_WARNING,
				"Key length of %d used for %s in %s policy in %s. Should probably be "
				"1024 or more",
				k->bits, type, p->name, file);
		else if (k->bits > 4096)
			kc_add(f, KC_ERROR,
				"Key length of %d used for %s in %s policy in %s. Should not be more "
				"than 4096",
				k->bits, type, p->name, file);
		break;
	case 13: /* ECDSAP256SHA256 */
	case 14: /* ECDSAP384SHA384 */
		want = k->algorithm == 13 ? 256 : 384;
		if (k->bits != want)
			kc_add(f, KC_WARNING,
				"Key length of %d used for %s in %s policy in %s. Algorithm %d keys "
				"are always %d bits",
				k->bits, type, p->name, file, k->algorithm, want);
		break;
	default: break;
	}
}

int
kc_check_key_lengths(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	key_length(f, "KSK", &p->ksk, p, file);
	key_length(f, "ZSK", &p->zsk, p, file);
	return kc_status(f);
}

int
kc_check_repositories(struct kc_findings *f, const struct conf *conf, const struct kasp_policy *p,
	const char *file)
{
	if (conf == NULL)
		goto out;
	if (p->ksk.repository != NULL && conf_repository(conf, p->ksk.repository) == NULL)
		kc_add(f, KC_ERROR, "Unknown repository (%s) defined for KSK in %s policy in %s",
			p->ksk.repository, p->name, file);
	if (p->zsk.repository != NULL && conf_repository(conf, p->zsk.repository) == NULL)
		kc_add(f, KC_ERROR, "Unknown repository (%s) defined for ZSK in %s policy in %s",
			p->zsk.repository, p->name, file);
out:
	return kc_status(f);
}

int
kc_check_lifetimes(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	/* A lifetime of 0 means the key never rolls: longer than any other. */
	if (!key_present(&p->ksk) || !key_present(&p->zsk) || p->ksk.lifetime == 0)
		goto out;
	if (p->zsk.lifetime == 0)
		kc_add(f, KC_WARNING,
			"KSK lifetime (%lld seconds) for %s policy in %s is shorter than the ZSK "
			"lifetime (the ZSK never rolls)",
			ll(p->ksk.lifetime), p->name, file);
	else if (p->ksk.lifetime < p->zsk.lifetime)
		kc_add(f, KC_WARNING,
			"KSK lifetime (%lld seconds) for %s policy in %s is shorter than the ZSK "
			"lifetime (%lld seconds)",
			ll(p->ksk.lifetime), p->name, file, ll(p->zsk.lifetime));
out:
	return kc_status(f);
}

int
kc_check_usable(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	/*
	 * A new key is usable once its DNSKEY is in every cache: the key TTL,
	 * the time the zone takes to reach all its servers, and the safety
	 * margin. A KSK then also needs its DS at the parent, propagated and
	 * cached. A key that rolls sooner than that starts the next rollover
	 * before the last one has finished.
	 */
	int64_t zsk_need = p->key_ttl + p->zone_propdelay + p->publish_safety;
	int64_t ksk_need = zsk_need + p->parent_propdelay + p->parent_ds_ttl;

	if (key_present(&p->zsk) && p->zsk.lifetime != 0 && p->zsk.lifetime < zsk_need)
		kc_add(f, KC_WARNING,
			"ZSK lifetime (%lld seconds) for %s policy in %s is shorter than the time a "
			"new ZSK needs to become usable (%lld seconds: Keys/TTL + "
			"Zone/PropagationDelay + Keys/PublishSafety)",
			ll(p->zsk.lifetime), p->name, file, ll(zsk_need));
	if (key_present(&p->ksk) && p->ksk.lifetime != 0 && p->ksk.lifetime < ksk_need)
		kc_add(f, KC_WARNING,
			"KSK lifetime (%lld seconds) for %s policy in %s is shorter than the time a "
			"new KSK needs to become usable (%lld seconds: Keys/TTL + "
			"Zone/PropagationDelay + Keys/PublishSafety + Parent/PropagationDelay + "
			"Parent/DS/TTL)",
			ll(p->ksk.lifetime), p->name, file, ll(ksk_need));
	return kc_status(f);
}

int
kc_check_policy(struct kc_findings *f, const struct conf *conf, const struct kasp_policy *p,
	const char *file)
{
	char msg[256];

	kc_check_limits(f, store_limit_policy(p, msg, sizeof(msg)), msg, file);
	kc_check_refresh(f, p, file);
	kc_check_validity(f, p, file);
	kc_check_jitter(f, p, file);
	kc_check_inception(f, p, file);
	kc_check_safety(f, p, file);
	kc_check_nsec3(f, p, file);
	kc_check_serial(f, p, file);
	kc_check_key_lengths(f, p, file);
	kc_check_repositories(f, conf, p, file);
	kc_check_lifetimes(f, p, file);
	kc_check_usable(f, p, file);
	return kc_status(f);
}
