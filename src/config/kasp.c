/*
 * kasp.c - read kasp.xml into a struct kasp, and write policies back out as
 * `policy export` does (see kasp.h).
 *
 * Reading goes like conf.c: parse; check the values we convert ourselves
 * (durations, numbers, algorithm numbers, serial names) so that a bad one
 * gets a message naming it; validate against the embedded schema; then
 * copy the values out and apply the rules the schema cannot express (a KSK
 * and a ZSK are required, names are unique).
 *
 * Choices made here:
 * - A policy without a KSK or without a ZSK is refused, although the 1.4
 *   schema allowed it: the enforcer cannot sign a zone without both, and
 *   1.4 silently stored algorithm 0 for the missing one.
 * - Only the DNSSEC algorithms in use are accepted for KSK and ZSK
 *   (dnssec_algorithm() below); the NSEC3 hash algorithm is a separate
 *   registry and only range-checked (ods-kaspcheck judges it).
 * - A negative duration is refused; none of them makes sense negative.
 * - Description and Repository are trimmed; the policy name is taken as
 *   written.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "common/duration.h"
#include "common/err.h"
#include "common/str.h"
#include "config/kasp.h"
#include "config/xml.h"

/* kasp.rng, compiled in by tools/embed.sh (kasp_rng.embed.c) */
extern const char kasp_rng[];
extern const unsigned long kasp_rng_len;

/* What kasp_load() passes around while reading. */
struct reader {
	const char *path;
	char *err;
	size_t errlen;
	struct kasp *kasp; /* being filled; NULL during the checks */
	size_t approx_cap;
};

static const struct {
	enum kasp_serial serial;
	const char *name;
} serial_names[] = {
	{ KASP_SERIAL_UNIXTIME, "unixtime" },
	{ KASP_SERIAL_COUNTER, "counter" },
	{ KASP_SERIAL_DATECOUNTER, "datecounter" },
	{ KASP_SERIAL_KEEP, "keep" },
};

const char *
kasp_serial_name(enum kasp_serial serial)
{
	size_t i;

	for (i = 0; i < sizeof(serial_names) / sizeof(serial_names[0]); i++)
		if (serial_names[i].serial == serial)
			return serial_names[i].name;
	return NULL;
}

int
kasp_serial_from_name(const char *name, enum kasp_serial *out)
{
	size_t i;

	if (name == NULL || out == NULL)
		return E_INVAL;
	for (i = 0; i < sizeof(serial_names) / sizeof(serial_names[0]); i++) {
		if (strcmp(serial_names[i].name, name) == 0) {
			*out = serial_names[i].serial;
			return 0;
		}
	}
	return E_NOTFOUND;
}

/* 1 for the DNSKEY algorithm numbers a policy may name (IANA registry, the
 * ones assigned to signing algorithms and not withdrawn). */
static int
dnssec_algorithm(int64_t n)
{
	switch (n) {
	case 1:  /* RSAMD5 */
	case 3:  /* DSA */
	case 5:  /* RSASHA1 */
	case 6:  /* DSA-NSEC3-SHA1 */
	case 7:  /* RSASHA1-NSEC3-SHA1 */
	case 8:  /* RSASHA256 */
	case 10: /* RSASHA512 */
	case 12: /* ECC-GOST */
	case 13: /* ECDSAP256SHA256 */
	case 14: /* ECDSAP384SHA384 */
	case 15: /* ED25519 */
	case 16: /* ED448 */ return 1;
	default: return 0;
	}
}

/* The grandchild node/child/grandchild, or NULL when one of them is missing. */
static xmlNode *
at(const xmlNode *node, const char *child, const char *grandchild)
{
	if (node != NULL)
		node = xml_child(node, child);
	return node != NULL ? xml_child(node, grandchild) : NULL;
}

/* The last element child of parent named name, or NULL. */
static xmlNode *
last_child(const xmlNode *parent, const char *name)
{
	xmlNode *n, *last = NULL;

	for (n = xml_child(parent, name); n != NULL; n = xml_next(n))
		last = n;
	return last;
}

/* 1 when node is an element named name. */
static int
named(const xmlNode *node, const char *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE &&
	       xmlStrEqual(node->name, (const xmlChar *)name);
}

/* The name of the policy node is in, for messages, into buf ("" if none). */
static const char *
policy_of(const xmlNode *node, char *buf, size_t len)
{
	xmlChar *value;

	while (node != NULL && !named(node, "Policy"))
		node = node->parent;
	buf[0] = '\0';
	if (node != NULL && (value = xmlGetProp(node, (const xmlChar *)"name")) != NULL) {
		snprintf(buf, len, "%s", (const char *)value);
		xmlFree(value);
	}
	return buf;
}

/* Remember text as one that used Y or a month M. */
static int
approx_add(struct reader *r, const char *text)
{
	struct kasp *k = r->kasp;
	char **grown;
	size_t cap;

	if (k->approx == NULL || k->napprox >= r->approx_cap) {
		cap = r->approx_cap == 0 ? 8 : 2 * r->approx_cap;
		grown = realloc(k->approx, cap * sizeof(*grown));
		if (grown == NULL)
			return E_NOMEM;
		k->approx = grown;
		r->approx_cap = cap;
	}
	k->approx[k->napprox] = str_dup(text);
	if (k->approx[k->napprox] == NULL)
		return E_NOMEM;
	k->napprox++;
	return 0;
}

/*
 * The duration in node, not negative. When reading (r->kasp set) a text
 * with Y or month M is added to approx[]. out may be NULL.
 */
static int
get_duration(struct reader *r, const xmlNode *node, int64_t *out)
{
	char *text = NULL;
	int64_t value;
	int approx = 0;
	int ret;

	if (node == NULL) {
		/* the schema makes this unreachable */
		xml_errf(r->err, r->errlen, r->path, NULL, "a required duration is missing");
		ret = E_INVAL;
		goto out;
	}
	ret = xml_duration(r->path, node, &value, &approx, r->err, r->errlen);
	if (ret != 0)
		goto out;
	if (value < 0) {
		xml_errf(r->err, r->errlen, r->path, node, "a negative duration is not allowed");
		ret = E_RANGE;
		goto out;
	}
	if (approx && r->kasp != NULL) {
		ret = xml_text(node, 1, &text);
		if (ret != 0)
			goto out;
		ret = approx_add(r, text);
		if (ret != 0)
			goto out;
	}
	if (out != NULL)
		*out = value;
out:
	free(text);
	return ret;
}

/* The integer in node, within [min, max]. out may be NULL. */
static int
get_int(struct reader *r, const xmlNode *node, int64_t min, int64_t max, int *out)
{
	int64_t value;
	int ret;

	ret = xml_integer(r->path, node, min, max, &value, r->err, r->errlen);
	if (ret == 0 && out != NULL)
		*out = (int)value;
	return ret;
}

/* Attribute attr of node as an integer within [min, max]; *out is left
 * alone when there is no such attribute. out may be NULL. */
static int
get_attr_int(
	struct reader *r, const xmlNode *node, const char *attr, int64_t min, int64_t max, int *out)
{
	char *text = NULL;
	const char *digits;
	int64_t value;
	int ret;

	ret = xml_attr(node, attr, &text);
	if (ret == E_NOTFOUND) {
		ret = 0;
		goto out;
	}
	if (ret != 0)
		goto out;
	digits = str_trim(text);
	if (digits[0] == '+' && digits[1] != '-')
		digits++;
	ret = str_to_int64(digits, &value);
	if (ret != 0 || value < min || value > max) {
		xml_errf(r->err, r->errlen, r->path, node,
			"attribute %s: \"%s\" is not a number from %lld to %lld", attr, text,
			(long long)min, (long long)max);
		ret = ret == E_RANGE || ret == 0 ? E_RANGE : E_PARSE;
		goto out;
	}
	if (out != NULL)
		*out = (int)value;
out:
	free(text);
	return ret;
}

/* The serial mode named in node. out may be NULL. */
static int
get_serial(struct reader *r, const xmlNode *node, enum kasp_serial *out)
{
	enum kasp_serial serial;
	char *text = NULL;
	int ret;

	ret = xml_text(node, 1, &text);
	if (ret != 0)
		goto out;
	if (kasp_serial_from_name(text, &serial) != 0) {
		xml_errf(r->err, r->errlen, r->path, node,
			"\"%s\" is not a serial mode (counter, datecounter, unixtime or keep)",
			text);
		ret = E_INVAL;
		goto out;
	}
	if (out != NULL)
		*out = serial;
out:
	free(text);
	return ret;
}

/* The key algorithm in node (Algorithm under KSK or ZSK). */
static int
get_key_algorithm(struct reader *r, const xmlNode *node, int *out)
{
	char name[256];
	int value;
	int ret;

	ret = get_int(r, node, 0, 255, &value);
	if (ret != 0)
		goto out;
	if (!dnssec_algorithm(value)) {
		xml_errf(r->err, r->errlen, r->path, node,
			"policy \"%s\": %s algorithm %d is not a DNSSEC algorithm",
			policy_of(node, name, sizeof(name)), (const char *)node->parent->name,
			value);
		ret = E_INVAL;
		goto out;
	}
	if (out != NULL)
		*out = value;
out:
	return ret;
}

/* One element met by check_values(): check it if it holds a value. */
static int
check_node(struct reader *r, const xmlNode *node)
{
	static const char *const durations[] = { "Resign", "Refresh", "Jitter", "InceptionOffset",
		"TTL", "Resalt", "RetireSafety", "PublishSafety", "Purge", "Lifetime",
		"PropagationDelay", "Minimum" };
	const xmlNode *parent = node->parent;
	size_t i;

	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++)
		if (named(node, durations[i]))
			return get_duration(r, node, NULL);
	if ((named(node, "Default") || named(node, "Denial")) && named(parent, "Validity"))
		return get_duration(r, node, NULL);
	if (named(node, "Serial"))
		return get_serial(r, node, NULL);
	if (named(node, "Iterations"))
		return get_int(r, node, 0, 65535, NULL);
	if (named(node, "Standby"))
		return get_int(r, node, 0, INT_MAX, NULL);
	if (named(node, "Salt"))
		return get_attr_int(r, node, "length", 0, 255, NULL);
	if (named(node, "Algorithm") && named(parent, "Hash"))
		return get_int(r, node, 0, 255, NULL);
	if (named(node, "Algorithm") && (named(parent, "KSK") || named(parent, "ZSK"))) {
		int ret = get_attr_int(r, node, "length", 0, INT_MAX, NULL);

		return ret != 0 ? ret : get_key_algorithm(r, node, NULL);
	}
	return 0;
}

/*
 * The values the schema would only reject with a vague message, or not at
 * all: check them first, in document order, so the user learns which value
 * is wrong and why.
 */
static int
check_values(void *ctx, const xmlNode *node)
{
	struct reader *r = ctx;
	const xmlNode *child;
	int ret = 0;

	for (child = node->children; child != NULL && ret == 0; child = child->next) {
		if (child->type != XML_ELEMENT_NODE)
			continue;
		ret = check_node(r, child);
		if (ret == 0)
			ret = check_values(r, child);
	}
	return ret;
}

/* Everything owned by policy, not policy itself. */
static void
policy_clear(struct kasp_policy *policy)
{
	free(policy->name);
	free(policy->description);
	free(policy->ksk.repository);
	free(policy->zsk.repository);
}

static int
read_key(struct reader *r, const xmlNode *keys, const char *which, struct kasp_keydef *key)
{
	const xmlNode *node, *alg;
	char name[256];
	int ret;

	node = last_child(keys, which);
	if (node == NULL) {
		xml_errf(r->err, r->errlen, r->path, keys, "policy \"%s\" has no %s",
			policy_of(keys, name, sizeof(name)), which);
		ret = E_INVAL;
		goto out;
	}
	alg = xml_child(node, "Algorithm");
	ret = get_key_algorithm(r, alg, &key->algorithm);
	if (ret != 0)
		goto out;
	ret = get_attr_int(r, alg, "length", 0, INT_MAX, &key->bits);
	if (ret != 0)
		goto out;
	ret = get_duration(r, xml_child(node, "Lifetime"), &key->lifetime);
	if (ret != 0)
		goto out;
	ret = xml_text(xml_child(node, "Repository"), 1, &key->repository);
	if (ret != 0)
		goto out;
	if ((alg = xml_child(node, "Standby")) != NULL) {
		ret = get_int(r, alg, 0, INT_MAX, &key->standby);
		if (ret != 0)
			goto out;
	}
	key->manual_rollover = xml_child(node, "ManualRollover") != NULL;
	key->rfc5011 = xml_child(node, "RFC5011") != NULL;
out:
	return ret;
}

static int
read_denial(struct reader *r, const xmlNode *policy, struct kasp_policy *p)
{
	const xmlNode *nsec3, *hash, *node;
	int ret = 0;

	nsec3 = at(policy, "Denial", "NSEC3");
	if (nsec3 == NULL)
		goto out;
	p->nsec3 = 1;
	if ((node = xml_child(nsec3, "TTL")) != NULL) {
		ret = get_duration(r, node, &p->nsec3_ttl);
		if (ret != 0)
			goto out;
	}
	p->optout = xml_child(nsec3, "OptOut") != NULL;
	ret = get_duration(r, xml_child(nsec3, "Resalt"), &p->resalt);
	if (ret != 0)
		goto out;
	hash = xml_child(nsec3, "Hash");
	ret = get_int(r, xml_child(hash, "Algorithm"), 0, 255, &p->hash_algorithm);
	if (ret != 0)
		goto out;
	ret = get_int(r, xml_child(hash, "Iterations"), 0, 65535, &p->iterations);
	if (ret != 0)
		goto out;
	ret = get_attr_int(r, xml_child(hash, "Salt"), "length", 0, 255, &p->salt_length);
out:
	return ret;
}

/* Fill p from the <Policy> element (validated). Durations in file order. */
static int
read_policy(struct reader *r, const xmlNode *policy, struct kasp_policy *p)
{
	const xmlNode *sig, *keys, *zone, *parent, *node;
	int ret;

	p->purge = -1;
	ret = xml_attr(policy, "name", &p->name);
	if (ret != 0)
		goto out;
	ret = xml_text(xml_child(policy, "Description"), 1, &p->description);
	if (ret != 0)
		goto out;

	sig = xml_child(policy, "Signatures");
	if ((ret = get_duration(r, xml_child(sig, "Resign"), &p->resign)) != 0 ||
		(ret = get_duration(r, xml_child(sig, "Refresh"), &p->refresh)) != 0 ||
		(ret = get_duration(r, at(sig, "Validity", "Default"), &p->valdefault)) != 0 ||
		(ret = get_duration(r, at(sig, "Validity", "Denial"), &p->valdenial)) != 0 ||
		(ret = get_duration(r, xml_child(sig, "Jitter"), &p->jitter)) != 0 ||
		(ret = get_duration(r, xml_child(sig, "InceptionOffset"), &p->inception_offset)) !=
			0)
		goto out;

	ret = read_denial(r, policy, p);
	if (ret != 0)
		goto out;

	keys = xml_child(policy, "Keys");
	if ((ret = get_duration(r, xml_child(keys, "TTL"), &p->key_ttl)) != 0 ||
		(ret = get_duration(r, xml_child(keys, "RetireSafety"), &p->retire_safety)) != 0 ||
		(ret = get_duration(r, xml_child(keys, "PublishSafety"), &p->publish_safety)) != 0)
		goto out;
	p->share_keys = xml_child(keys, "ShareKeys") != NULL;
	if ((node = xml_child(keys, "Purge")) != NULL) {
		ret = get_duration(r, node, &p->purge);
		if (ret != 0)
			goto out;
	}
	ret = read_key(r, keys, "KSK", &p->ksk);
	if (ret != 0)
		goto out;
	ret = read_key(r, keys, "ZSK", &p->zsk);
	if (ret != 0)
		goto out;
	p->zsk.rfc5011 = 0;

	zone = xml_child(policy, "Zone");
	if ((ret = get_duration(r, xml_child(zone, "PropagationDelay"), &p->zone_propdelay)) != 0 ||
		(ret = get_duration(r, at(zone, "SOA", "TTL"), &p->zone_soa_ttl)) != 0 ||
		(ret = get_duration(r, at(zone, "SOA", "Minimum"), &p->zone_soa_min)) != 0 ||
		(ret = get_serial(r, at(zone, "SOA", "Serial"), &p->serial)) != 0)
		goto out;

	parent = xml_child(policy, "Parent");
	if ((ret = get_duration(r, xml_child(parent, "PropagationDelay"), &p->parent_propdelay)) !=
			0 ||
		(ret = get_duration(r, at(parent, "DS", "TTL"), &p->parent_ds_ttl)) != 0 ||
		(ret = get_duration(r, at(parent, "SOA", "TTL"), &p->parent_soa_ttl)) != 0 ||
		(ret = get_duration(r, at(parent, "SOA", "Minimum"), &p->parent_soa_min)) != 0)
		goto out;
	/* <Audit> (1.3) is accepted and ignored */
out:
	return ret;
}

static int
read_policies(struct reader *r, const xmlNode *root)
{
	struct kasp *k = r->kasp;
	const xmlNode *node;
	size_t n = 0, i;
	int ret = 0;

	for (node = xml_child(root, "Policy"); node != NULL; node = xml_next(node))
		n++;
	if (n == 0)
		goto out;
	k->policies = calloc(n, sizeof(*k->policies));
	if (k->policies == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	for (node = xml_child(root, "Policy"); node != NULL; node = xml_next(node)) {
		/* counted as we go, so kasp_free() sees what was filled */
		struct kasp_policy *p = &k->policies[k->npolicies++];

		ret = read_policy(r, node, p);
		if (ret != 0)
			goto out;
		for (i = 0; i + 1 < k->npolicies; i++) {
			if (strcmp(k->policies[i].name, p->name) == 0) {
				xml_errf(r->err, r->errlen, r->path, node,
					"policy \"%s\" is defined twice", p->name);
				ret = E_EXISTS;
				goto out;
			}
		}
	}
out:
	return ret;
}

int
kasp_load(const char *path, struct kasp **out, char *err, size_t errlen)
{
	struct reader r = { .path = path, .err = err, .errlen = errlen };
	struct kasp *k = NULL;
	xmlDoc *doc = NULL;
	const xmlNode *root;
	int ret;

	ret = xml_open(path, out, "policy file", kasp_rng, kasp_rng_len, check_values, &r, &doc,
		err, errlen);
	if (ret != 0)
		goto out;
	root = xmlDocGetRootElement(doc);

	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	r.kasp = k;
	ret = read_policies(&r, root);
	if (ret != 0)
		goto out;
	*out = k;
	k = NULL;
out:
	if (ret == E_NOMEM && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", path != NULL ? path : "kasp.xml");
	kasp_free(k);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return ret;
}

void
kasp_free(struct kasp *kasp)
{
	size_t i;

	if (kasp == NULL)
		return;
	for (i = 0; i < kasp->npolicies; i++)
		policy_clear(&kasp->policies[i]);
	free(kasp->policies);
	for (i = 0; i < kasp->napprox; i++)
		free(kasp->approx[i]);
	free(kasp->approx);
	free(kasp);
}

void
kasp_policy_free(struct kasp_policy *policy)
{
	if (policy == NULL)
		return;
	policy_clear(policy);
	free(policy);
}

const struct kasp_policy *
kasp_find(const struct kasp *kasp, const char *name)
{
	size_t i;

	if (kasp == NULL || name == NULL)
		return NULL;
	for (i = 0; i < kasp->npolicies; i++)
		if (kasp->policies[i].name != NULL && strcmp(kasp->policies[i].name, name) == 0)
			return &kasp->policies[i];
	return NULL;
}

/*
 * Writing. The tree is built with libxml2, which escapes text and attribute
 * values when it serialises. Once an allocation fails every later add is a
 * no-op, and the failure is noticed once at the end.
 */
static void
add_duration(struct xml_builder *b, xmlNode *parent, const char *name, int64_t seconds)
{
	char buf[DURATION_STR_LEN];

	if (duration_format(seconds, buf, sizeof(buf)) != 0) {
		b->failed = 1;
		return;
	}
	xml_add(b, parent, name, buf);
}

static xmlNode *
add_int(struct xml_builder *b, xmlNode *parent, const char *name, long long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", value);
	return xml_add(b, parent, name, buf);
}

static void
add_attr_int(struct xml_builder *b, xmlNode *node, const char *name, long long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", value);
	xml_add_attr(b, node, name, buf);
}

static void
add_key(struct xml_builder *b, xmlNode *keys, const char *which, const struct kasp_keydef *key,
	int is_ksk)
{
	xmlNode *node = xml_add(b, keys, which, NULL);
	xmlNode *alg;

	alg = add_int(b, node, "Algorithm", key->algorithm);
	add_attr_int(b, alg, "length", key->bits);
	add_duration(b, node, "Lifetime", key->lifetime);
	xml_add(b, node, "Repository", key->repository != NULL ? key->repository : "");
	add_int(b, node, "Standby", key->standby);
	if (key->manual_rollover)
		xml_add(b, node, "ManualRollover", NULL);
	if (is_ksk && key->rfc5011)
		xml_add(b, node, "RFC5011", NULL);
}

static void
add_policy(struct xml_builder *b, xmlNode *root, const struct kasp_policy *p)
{
	xmlNode *pol, *sig, *val, *den, *nsec3, *hash, *salt, *keys, *zone, *soa, *parent;
	const char *serial = kasp_serial_name(p->serial);

	pol = xml_add(b, root, "Policy", NULL);
	xml_add_attr(b, pol, "name", p->name);
	xml_add(b, pol, "Description", p->description);

	sig = xml_add(b, pol, "Signatures", NULL);
	add_duration(b, sig, "Resign", p->resign);
	add_duration(b, sig, "Refresh", p->refresh);
	val = xml_add(b, sig, "Validity", NULL);
	add_duration(b, val, "Default", p->valdefault);
	add_duration(b, val, "Denial", p->valdenial);
	add_duration(b, sig, "Jitter", p->jitter);
	add_duration(b, sig, "InceptionOffset", p->inception_offset);

	den = xml_add(b, pol, "Denial", NULL);
	if (!p->nsec3) {
		xml_add(b, den, "NSEC", NULL);
	} else {
		nsec3 = xml_add(b, den, "NSEC3", NULL);
		if (p->nsec3_ttl != 0)
			add_duration(b, nsec3, "TTL", p->nsec3_ttl);
		if (p->optout)
			xml_add(b, nsec3, "OptOut", NULL);
		add_duration(b, nsec3, "Resalt", p->resalt);
		hash = xml_add(b, nsec3, "Hash", NULL);
		add_int(b, hash, "Algorithm", p->hash_algorithm);
		add_int(b, hash, "Iterations", p->iterations);
		salt = xml_add(b, hash, "Salt", NULL);
		add_attr_int(b, salt, "length", p->salt_length);
	}

	keys = xml_add(b, pol, "Keys", NULL);
	add_duration(b, keys, "TTL", p->key_ttl);
	add_duration(b, keys, "RetireSafety", p->retire_safety);
	add_duration(b, keys, "PublishSafety", p->publish_safety);
	if (p->share_keys)
		xml_add(b, keys, "ShareKeys", NULL);
	if (p->purge >= 0)
		add_duration(b, keys, "Purge", p->purge);
	add_key(b, keys, "KSK", &p->ksk, 1);
	add_key(b, keys, "ZSK", &p->zsk, 0);

	zone = xml_add(b, pol, "Zone", NULL);
	add_duration(b, zone, "PropagationDelay", p->zone_propdelay);
	soa = xml_add(b, zone, "SOA", NULL);
	add_duration(b, soa, "TTL", p->zone_soa_ttl);
	add_duration(b, soa, "Minimum", p->zone_soa_min);
	/* an unknown mode gives a document that will not validate: say so */
	if (serial == NULL)
		b->failed = 1;
	xml_add(b, soa, "Serial", serial);

	parent = xml_add(b, pol, "Parent", NULL);
	add_duration(b, parent, "PropagationDelay", p->parent_propdelay);
	add_duration(b, xml_add(b, parent, "DS", NULL), "TTL", p->parent_ds_ttl);
	soa = xml_add(b, parent, "SOA", NULL);
	add_duration(b, soa, "TTL", p->parent_soa_ttl);
	add_duration(b, soa, "Minimum", p->parent_soa_min);
}

int
kasp_format(const struct kasp_policy *const *policies, size_t n, char **out, size_t *len)
{
	struct xml_builder b = { 0 };
	xmlDoc *doc = NULL;
	xmlNode *root;
	size_t i;
	int ret;

	if ((policies == NULL && n > 0) || out == NULL || len == NULL) {
		ret = E_INVAL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (policies[i] == NULL || kasp_serial_name(policies[i]->serial) == NULL) {
			ret = E_INVAL;
			goto out;
		}
	}
	doc = xmlNewDoc((const xmlChar *)"1.0");
	if (doc == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	root = xmlNewDocNode(doc, NULL, (const xmlChar *)"KASP", NULL);
	if (root == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	xmlDocSetRootElement(doc, root);
	for (i = 0; i < n && !b.failed; i++)
		add_policy(&b, root, policies[i]);
	if (b.failed) {
		ret = E_NOMEM;
		goto out;
	}
	ret = xml_dump(doc, "    ", out, len);
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	return ret;
}
