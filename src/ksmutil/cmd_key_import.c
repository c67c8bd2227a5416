/*
 * cmd_key_import.c - `key import` of ods-ksmutil (ksmutil-cli.md §5.3): a key
 * made elsewhere recorded for a zone in a given state; its option checks,
 * ksm_key_import_check(), are also run by tests/fuzz/fuzz_keyimport.c.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/str.h"
#include "common/timeparse.h"
#include "hsm/hsm.h"
#include "ksmutil/cmd_key_internal.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* ------------------------------------------------------------- key import */

/* The algorithm keywords of 1.x `key import`, and the newer curves. */
static const struct {
	const char *name;
	int number;
} alg_names[] = {
	{ "rsamd5", 1 },
	{ "dh", 2 },
	{ "dsa", 3 },
	{ "rsasha1", 5 },
	{ "dsa-nsec3-sha1", 6 },
	{ "rsasha1-nsec3-sha1", 7 },
	{ "rsasha256", 8 },
	{ "rsasha512", 10 },
	{ "ecdsap256sha256", 13 },
	{ "ecdsap384sha384", 14 },
	{ "ed25519", 15 },
	{ "indirect", 252 },
	{ "domain", 253 },
	{ "oid", 254 },
};

/* A number, or a name: exact, else a unique case-insensitive prefix. */
static int
parse_algorithm(const char *text, int *out)
{
	size_t i, len = strlen(text);
	int64_t v;
	int found = -1;

	if (str_all_digits(text)) {
		if (str_to_int64(text, &v) != 0 || v > 255)
			return -1;
		*out = (int)v;
		return 0;
	}
	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (strcasecmp(text, alg_names[i].name) == 0) {
			*out = alg_names[i].number;
			return 0;
		}
	}
	for (i = 0; len > 0 && i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (strncasecmp(text, alg_names[i].name, len) == 0) {
			if (found >= 0)
				return -1;
			found = (int)i;
		}
	}
	if (found < 0)
		return -1;
	*out = alg_names[found].number;
	return 0;
}

struct import_txn {
	const char *zone, *repository, *locator;
	/* read */
	int64_t repo_id;
	struct store_zone *z;
	struct kasp_policy *pol;
	int what; /* what was missing: 1 repository, 2 zone, 3 duplicate */
	/* write */
	struct store_key_import imp;
};

static int
import_check_txn(db_t *db, void *arg)
{
	struct import_txn *t = arg;
	struct store_keypair *dup = NULL;
	int rc;

	store_zone_free(t->z);
	t->z = NULL;
	kasp_policy_free(t->pol);
	t->pol = NULL;
	t->what = 1;
	rc = store_repository_id(db, t->repository, &t->repo_id);
	if (rc < 0)
		goto out;
	t->what = 2;
	rc = ksm_find_zone(db, t->zone, &t->z);
	if (rc < 0)
		goto out;
	t->what = 3;
	rc = store_key_find(db, t->locator, &dup);
	if (rc == 0) {
		rc = E_EXISTS;
		goto out;
	}
	if (rc != E_NOTFOUND)
		goto out;
	t->what = 0;
	rc = store_policy_get(db, t->z->policy, &t->pol);
out:
	store_keypair_free(dup);
	return rc;
}

static int
import_txn(db_t *db, void *arg)
{
	struct import_txn *t = arg;

	return store_key_import(db, &t->imp, NULL);
}

/*
 * Steps 6.-11. of `key import` (see ksmutil.h): the option values, checked
 * in the order 1.x checked them, nothing printed.
 */
enum ksm_import_check
ksm_key_import_check(const struct ksm_opts *o, time_t now, struct ksm_import_values *v)
{
	memset(v, 0, sizeof(*v));
	if (ksm_parse_keytype(o->keytype, &v->keytype) != 0)
		return KSM_IMPORT_BAD_KEYTYPE;
	if (!str_all_digits(o->bits) || str_to_int64(o->bits, &v->bits) != 0 || v->bits > 65535)
		return KSM_IMPORT_BAD_BITS;
	if (v->bits == 0)
		return KSM_IMPORT_ZERO_BITS;
	if (parse_algorithm(o->algorithm, &v->algorithm) != 0 || hsm_alg_family(v->algorithm) == 0)
		return KSM_IMPORT_BAD_ALGORITHM;
	if (key_parse_state(o->keystate, STORE_STATE_RETIRE, &v->state) != 0)
		return KSM_IMPORT_BAD_STATE;
	if (time_parse(o->time, now, &v->at) != 0)
		return KSM_IMPORT_BAD_TIME;
	if (o->retire == NULL)
		return KSM_IMPORT_OK;
	if (v->state != STORE_STATE_ACTIVE)
		return KSM_IMPORT_RETIRE_STATE;
	if (time_parse(o->retire, now, &v->retire) != 0)
		return KSM_IMPORT_BAD_RETIRE;
	/* a key cannot retire before it became active */
	if (v->retire < v->at)
		return KSM_IMPORT_RETIRE_EARLY;
	return KSM_IMPORT_OK;
}

/*
 * Print why ksm_key_import_check() refused the values (chk; v and when as
 * it left them); returns the exit status, KSM_OK when it did not refuse.
 */
static int
import_check_report(const struct ksm_opts *o, enum ksm_import_check chk,
	const struct ksm_import_values *v, const char *when)
{
	char rwhen[TIME_STR_LEN];

	switch (chk) {
	case KSM_IMPORT_OK: return KSM_OK;
	case KSM_IMPORT_BAD_KEYTYPE: return ksm_keytype_error(o->keytype);
	case KSM_IMPORT_BAD_BITS:
		printf("Error: Bits \"%s\"; should be numeric only\n", o->bits);
		break;
	case KSM_IMPORT_ZERO_BITS:
		printf("Error: Bits \"%s\"; a key has at least one bit\n", o->bits);
		break;
	case KSM_IMPORT_BAD_ALGORITHM:
		/* quirk 10: this is a failure (1.x exited 0) */
		printf("Error: Key algorithm %s not supported; try one of RSASHA1, "
		       "RSASHA1-NSEC3-SHA1 or RSASHA256\n",
			o->algorithm);
		break;
	case KSM_IMPORT_BAD_STATE:
		printf("Error: Unrecognised state %s; should be one of GENERATE, PUBLISH, READY, "
		       "ACTIVE or RETIRE\n",
			o->keystate);
		break;
	case KSM_IMPORT_BAD_TIME:
		printf("Error: unable to convert \"%s\" into a date\n", o->time);
		fputs(time_help_text, stderr);
		break;
	case KSM_IMPORT_RETIRE_STATE:
		printf("Error: unable to specify retire time for a key in state \"%s\"\n",
			o->keystate);
		break;
	case KSM_IMPORT_BAD_RETIRE:
		printf("Error: unable to convert retire time \"%s\" into a date\n", o->retire);
		fputs(time_help_text, stderr);
		break;
	case KSM_IMPORT_RETIRE_EARLY:
		time_format_local(v->retire, rwhen);
		printf("Error: retire time %s is before the key's time %s\n", rwhen, when);
		break;
	}
	return KSM_EUSAGE;
}

int
cmd_key_import(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct import_txn t;
	hsm_t *hsm = NULL;
	char when[TIME_STR_LEN];
	int64_t bits = 0;
	enum ksm_exit status;
	int rc, keytype = 0, alg = 0, state = 0;
	time_t at = 0, retire = 0;
	struct ksm_import_values v;
	enum ksm_import_check chk;
	memset(&t, 0, sizeof(t));
	/* 1. every option is required */
	if (o->cka_id == NULL)
		printf("Error: please specify a CKA_ID with the --cka_id <CKA_ID>\n");
	else if (o->repository == NULL)
		printf("Error: please specify a repository with the --repository <repository>\n");
	else if (o->zone == NULL)
		printf("Error: please specify a zone with the --zone <zone>\n");
	else if (o->bits == NULL)
		printf("Error: please specify the number of bits with the --bits <size>\n");
	else if (o->algorithm == NULL)
		printf("Error: please specify the algorithm with the --algorithm <algorithm>\n");
	else if (o->keystate == NULL)
		printf("Error: please specify the state with the --keystate <state>\n");
	else if (o->keytype == NULL)
		printf("Error: please specify a keytype, KSK or ZSK, with the --keytype <type>\n");
	else if (o->time == NULL)
		printf("Error: please specify the time of when the key entered the given state "
		       "with the --time <time>\n");
	if (!o->cka_id || !o->repository || !o->zone || !o->bits || !o->algorithm || !o->keystate ||
		!o->keytype || !o->time)
		return KSM_EUSAGE;
	if (!ksm_cka_id_ok(o->cka_id)) {
		printf("Error: CKA_ID \"%s\" is not a hexadecimal string of %d digits\n", o->cka_id,
			HSM_ID_HEX_LEN);
		return KSM_EUSAGE;
	}
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;

	/* 2. the key in the HSM (any repository) */
	if ((status = key_open_hsm(ctx, &hsm)) != KSM_OK)
		goto out;
	rc = hsm_find(hsm, NULL, o->cka_id, NULL);
	if (rc == E_NOTFOUND) {
		if (o->check_repository) {
			fprintf(stderr,
				"Error: No key with the CKA_ID %-33s exists in the repository "
				"%s. When the option [--check-repository] is used the key MUST exist in "
				"the repository for the key to be imported. \n",
				o->cka_id, o->repository);
			status = KSM_EUSAGE;
			goto out;
		}
		printf("Warning: No key with the CKA_ID %-33s exists in the repository %s. The key "
		       "will be imported into the database anyway. \n",
			o->cka_id, o->repository);
	} else if (rc != 0) {
		printf("Error: %s\n", hsm_errmsg(hsm));
		status = KSM_ERUNTIME;
		goto out;
	}

	/* 3.-5. repository, zone, duplicate */
	t.zone = o->zone;
	t.repository = o->repository;
	t.locator = o->cka_id;
	rc = db_transact(ctx->db, DB_TXN_READ, import_check_txn, &t);
	if (rc == E_NOTFOUND && t.what == 1) {
		printf("Error: unable to find a repository named \"%s\" in database\n",
			o->repository);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_NOTFOUND && t.what == 2) {
		ksm_zone_not_found(o);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_EXISTS && t.what == 3) {
		printf("Error: key with CKA_ID \"%s\" already exists in database\n", o->cka_id);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}

	/* 6.-11. keytype, bits, algorithm, state, times */
	chk = ksm_key_import_check(o, clock_now(), &v);
	if (chk == KSM_IMPORT_OK || chk >= KSM_IMPORT_RETIRE_STATE) {
		time_format_local(v.at, when);
		printf("Converted time is %s\n", when);
	}
	if ((status = import_check_report(o, chk, &v, when)) != KSM_OK)
		goto out;
	keytype = v.keytype;
	alg = v.algorithm;
	state = v.state;
	bits = v.bits;
	at = v.at;
	retire = v.retire;

	/* 12. shared keys go to every zone of the policy */
	if (t.pol->share_keys &&
		!ksm_confirm(ctx, "*WARNING* This zone shares keys with others, "
				  "the key will be added to all; are you sure? [y/N] ")) {
		status = KSM_OK;
		goto out;
	}
	t.imp.locator = o->cka_id;
	t.imp.algorithm = alg;
	t.imp.bits = (int)bits;
	t.imp.repository_id = t.repo_id;
	t.imp.zone_id = t.z->id;
	t.imp.share = t.pol->share_keys;
	t.imp.keytype = keytype;
	t.imp.state = state;
	t.imp.time = at;
	t.imp.retire = retire;
	t.imp.rfc5011 = keytype == STORE_KSK && (o->rfc5011 || t.pol->ksk.rfc5011);
	rc = db_transact(ctx->db, DB_TXN_WRITE, import_txn, &t);
	if (rc == E_EXISTS) {
		printf("Error: key with CKA_ID \"%s\" already exists in database\n", o->cka_id);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		printf("Error: couldn't import key\n");
		goto out;
	}
	printf("Key imported into zone(s)\n");
	status = KSM_OK;
out:
	hsm_close(hsm);
	store_zone_free(t.z);
	kasp_policy_free(t.pol);
	return status;
}
