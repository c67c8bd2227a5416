#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "store/limits.h"

/*
 * The varchar(N) of each column the store writes. One row per field, in the
 * order of enum store_field; tests/unit/schema-limits.sh reads these rows
 * (one per line, this layout) and checks them against the server schemas.
 */
static const struct store_limit limits[STORE_F_COUNT] = {
	[STORE_F_REPOSITORY_NAME] = { "securitymodules", "name", "repository name", 30 },
	[STORE_F_POLICY_NAME] = { "policies", "name", "policy name", 30 },
	[STORE_F_POLICY_DESCRIPTION] = { "policies", "description", "policy description", 255 },
	[STORE_F_POLICY_SALT] = { "policies", "salt", "NSEC3 salt", 512 },
	[STORE_F_ZONE_NAME] = { "zones", "name", "zone name", 300 },
	[STORE_F_ZONE_SIGNCONF] = { "zones", "signconf", "signer configuration path", 4096 },
	[STORE_F_ZONE_INPUT] = { "zones", "input", "input path", 4096 },
	[STORE_F_ZONE_OUTPUT] = { "zones", "output", "output path", 4096 },
	[STORE_F_ZONE_INPUT_TYPE] = { "zones", "in_type", "input adapter type", 512 },
	[STORE_F_ZONE_OUTPUT_TYPE] = { "zones", "out_type", "output adapter type", 512 },
	[STORE_F_KEY_LOCATOR] = { "keypairs", "HSMkey_id", "CKA_ID", 255 },
	[STORE_F_KEY_PUBKEY] = { "keypairs", "publickey", "public key", 1024 },
};

static _Thread_local char last_msg[256];

const struct store_limit *
store_limit(enum store_field f)
{
	assert(f >= 0 && f < STORE_F_COUNT);
	return &limits[f];
}

size_t
store_text_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		/* continuation bytes 10xxxxxx belong to the character before */
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

int
store_limit_check(enum store_field f, const char *value, char *err, size_t errlen)
{
	const struct store_limit *l = store_limit(f);
	size_t n;

	/* a value of at most max bytes has at most max characters: no count needed */
	if (value == NULL || strnlen(value, l->max + 1) <= l->max)
		return 0;
	n = store_text_chars(value);
	if (n <= l->max)
		return 0;
	(void)snprintf(last_msg, sizeof(last_msg),
		"%s is %zu characters long; at most %zu are"
		" allowed",
		l->what, n, l->max);
	if (err != NULL && errlen > 0)
		(void)snprintf(err, errlen, "%s", last_msg);
	return E_RANGE;
}

int
store_limit_repository(const struct conf_repository *r, char *err, size_t errlen)
{
	return store_limit_check(STORE_F_REPOSITORY_NAME, r->name, err, errlen);
}

int
store_limit_policy(const struct kasp_policy *p, char *err, size_t errlen)
{
	int rc = store_limit_check(STORE_F_POLICY_NAME, p->name, err, errlen);

	if (rc == 0)
		rc = store_limit_check(STORE_F_POLICY_DESCRIPTION, p->description, err, errlen);
	return rc;
}

int
store_limit_zone(const char *name, const char *signconf, const char *input, const char *input_type,
	const char *output, const char *output_type, char *err, size_t errlen)
{
	const struct {
		enum store_field f;
		const char *value;
	} v[] = {
		{ STORE_F_ZONE_NAME, name },
		{ STORE_F_ZONE_SIGNCONF, signconf },
		{ STORE_F_ZONE_INPUT, input },
		{ STORE_F_ZONE_INPUT_TYPE, input_type },
		{ STORE_F_ZONE_OUTPUT, output },
		{ STORE_F_ZONE_OUTPUT_TYPE, output_type },
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]) && rc == 0; i++)
		rc = store_limit_check(v[i].f, v[i].value, err, errlen);
	return rc;
}

int
store_limit_zonelist_zone(const struct zonelist_zone *z, char *err, size_t errlen)
{
	return store_limit_zone(z->name, z->signconf, z->input, z->input_type, z->output,
		z->output_type, err, errlen);
}

const char *
store_limit_errmsg(void)
{
	return last_msg;
}
