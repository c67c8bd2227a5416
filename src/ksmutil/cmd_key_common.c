/*
 * cmd_key_common.c - the vocabulary of ods-ksmutil's key commands: option
 * values (--keystate, --keytype, --cka_id, --zone), the zone of --zone, the
 * HSM opened with its error printed, a key's DNSKEY from the cache or its
 * repository. Declared in ksmutil.h (shared with cmd_rollover.c) or in
 * cmd_key_internal.h (shared by the cmd_key_*.c files only).
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dname.h"
#include "common/err.h"
#include "common/str.h"
#include "hsm/dnskey.h"
#include "hsm/hsm.h"
#include "ksmutil/cmd_key_internal.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* ------------------------------------------------------------ vocabulary */

/*
 * A --keystate value: a state name (case-insensitive; the value must start
 * with it, as 1.x compared) or its number, which must match exactly
 * (quirk 11: 1.x took "10" for GENERATE). Only states 1..max are accepted.
 */
int
key_parse_state(const char *text, int max, int *out)
{
	int64_t v;
	int s;

	if (str_all_digits(text)) {
		if (str_to_int64(text, &v) != 0 || v < 1 || v > max)
			return -1;
		*out = (int)v;
		return 0;
	}
	for (s = 1; s <= max; s++) {
		if (str_prefix_ci(text, store_state_name(s))) {
			*out = s;
			return 0;
		}
	}
	return -1;
}

/* --keytype: KSK or 257, ZSK or 256 (names by prefix, numbers exactly). */
int
ksm_parse_keytype(const char *text, int *out)
{
	if (str_prefix_ci(text, "KSK") || strcmp(text, "257") == 0)
		*out = STORE_KSK;
	else if (str_prefix_ci(text, "ZSK") || strcmp(text, "256") == 0)
		*out = STORE_ZSK;
	else
		return -1;
	return 0;
}

const char *
key_keytype_name(int keytype)
{
	return keytype == STORE_KSK ? "KSK" : keytype == STORE_ZSK ? "ZSK" : "";
}

int
key_state_error(const char *text)
{
	printf("Error: Unrecognised state %s; should be one of GENERATE, PUBLISH, READY, ACTIVE, "
	       "RETIRE, DEAD, DSSUB, DSPUBLISH, DSREADY or KEYPUBLISH\n",
		text);
	return KSM_EUSAGE;
}

int
ksm_keytype_error(const char *text)
{
	printf("Error: Unrecognised keytype %s; should be one of KSK or ZSK\n", text);
	return KSM_EUSAGE;
}

/* A CKA_ID as the user typed it: exactly the HSM layer's 32 hexadecimal digits. */
int
ksm_cka_id_ok(const char *id)
{
	if (strlen(id) != HSM_ID_HEX_LEN)
		return 0;
	for (; *id; id++) {
		if (!isxdigit((unsigned char)*id))
			return 0;
	}
	return 1;
}

/* The zone as the user typed it, for messages (quirk 13). */
char *
ksm_zone_typed(const struct ksm_opts *o)
{
	return str_printf("%s%s", o->zone, o->zone_had_dot ? "." : "");
}

/*
 * The zone of --zone, trying the name without and then with a final dot
 * (ksmutil-cli.md §2.6). Inside a transaction. E_NOTFOUND.
 */
int
ksm_find_zone(db_t *db, const char *zone, struct store_zone **out)
{
	char err[256], *name = NULL, *dotted = NULL;
	int rc;

	if (dname_normalise(zone, 0, &name, err, sizeof(err)) != 0) {
		rc = E_NOTFOUND;
		goto out;
	}
	rc = store_zone_get(db, name, out);
	if (rc != E_NOTFOUND || strcmp(name, ".") == 0)
		goto out;
	dotted = str_printf("%s.", name);
	if (dotted == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	rc = store_zone_get(db, dotted, out);
out:
	free(name);
	free(dotted);
	return rc;
}

void
ksm_zone_not_found(const struct ksm_opts *o)
{
	char *typed = ksm_zone_typed(o);

	printf("Error: unable to find a zone named \"%s\" in database\n", typed ? typed : o->zone);
	free(typed);
}

/* Open the HSM layer; prints the error. */
int
key_open_hsm(struct ksm_ctx *ctx, hsm_t **out)
{
	int rc = hsm_open(ctx->conf, out);

	if (rc != 0) {
		printf("Error: cannot use the HSM: %s\n", err_str(rc));
		return KSM_ERUNTIME;
	}
	return KSM_OK;
}

int
ksm_key_dnskey(struct ksm_ctx *ctx, hsm_t **hsm, const char *repository, const char *locator,
	int algorithm, const char *pubkey, unsigned flags, struct dnskey *dk, uint8_t **key)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	/* the cache first: a search of the token costs a scan of every object on SoftHSM */
	if (pubkey != NULL && dnskey_key_unbase64(pubkey, &buf, &len) == 0 && len > 0)
		goto have;
	free(buf);
	buf = NULL;
	if (repository == NULL)
		return E_NOTFOUND;
	if (*hsm == NULL && (rc = hsm_open(ctx->conf, hsm)) != 0)
		return rc;
	rc = hsm_dnskey_public(*hsm, repository, locator, algorithm, &buf, &len);
	if (rc == E_INVAL)
		rc = E_NOTFOUND; /* an object that is not this key */
	if (rc != 0)
		return rc;
have:
	memset(dk, 0, sizeof(*dk));
	dk->flags = (uint16_t)flags;
	dk->protocol = 3;
	dk->algorithm = (uint8_t)algorithm;
	dk->key = buf;
	dk->keylen = len;
	*key = buf;
	return 0;
}

const char *
ksm_hsm_errmsg(const hsm_t *hsm, int rc)
{
	return hsm != NULL ? hsm_errmsg(hsm) : err_str(rc);
}
