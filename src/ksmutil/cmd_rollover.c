/*
 * cmd_rollover.c - the commands of ods-ksmutil that force rollovers, and
 * the list of coming rollovers (ksmutil-cli.md §5.6, §6.1; enforcer.md
 * §3.6); the verbs that move one KSK by hand (ksk-retire, ds-seen,
 * ksk-revoke) are in cmd_rollover_ksk.c:
 *
 *   key rollover   flag the active keys of a zone or policy for a forced roll
 *   rollover list  the next rollover of every zone
 *
 * Fixed 1.x quirks: Q8 (promoted standbys get publish = now), Q24 (the
 * rollover SQL has no empty lists), quirk 9 of ksmutil-cli.md §12
 * (rollover rejects an unknown --keytype), quirk 13 (zones named as
 * typed); rollover list takes no lock, makes no backup and only reads.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/str.h"
#include "common/timeparse.h"
#include "enforcer/state.h"
#include "hsm/dnskey.h"
#include "hsm/hsm.h"
#include "ksmutil/cmd_rollover_internal.h"
#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* ---------------------------------------------------------------- helpers */

void
rollover_syslog(const char *line)
{
	log_syslog_once("ods-ksmutil", LOG_DAEMON, LOG_INFO, "%s", line);
}

/* ---------------------------------------------------------- key rollover */

struct roll_read {
	const char *zone, *policy; /* one of them */
	/* out */
	struct store_zone *z;
	struct kasp_policy *pol;
	int64_t policy_id;
	int zones;   /* zones on the policy (--policy) */
	int missing; /* 1: no such zone, 2: no such policy */
};

static void
roll_read_clear(struct roll_read *r)
{
	store_zone_free(r->z);
	r->z = NULL;
	kasp_policy_free(r->pol);
	r->pol = NULL;
	r->missing = 0;
}

static int
roll_read_txn(db_t *db, void *arg)
{
	struct roll_read *r = arg;
	struct store_policy *sum = NULL;
	int rc;

	roll_read_clear(r);
	if (r->zone != NULL) {
		rc = ksm_find_zone(db, r->zone, &r->z);
		if (rc == E_NOTFOUND)
			r->missing = 1;
		if (rc == 0)
			rc = store_policy_get(db, r->z->policy, &r->pol);
		return rc;
	}
	rc = store_policy_get(db, r->policy, &r->pol);
	if (rc == E_NOTFOUND)
		r->missing = 2;
	if (rc == 0)
		rc = store_policy_summary(db, r->policy, &sum);
	if (rc == 0) {
		r->policy_id = sum->id;
		r->zones = sum->zones;
		store_policy_free_array(sum, 1);
	}
	return rc;
}

static int
roll_txn(db_t *db, void *arg)
{
	return store_key_roll(db, arg, NULL);
}

int
cmd_key_rollover(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct roll_read rd;
	struct store_roll roll;
	char logmsg[ROLLOVER_LOGMSG_LEN], *typed = NULL, *word = NULL;
	enum ksm_exit status;
	int rc, keytype = 0;

	memset(&rd, 0, sizeof(rd));
	memset(&roll, 0, sizeof(roll));
	if ((o->zone == NULL) == (o->policy == NULL)) {
		printf("Please provide either a zone OR a policy to rollover\n");
		ksm_usage(ctx, USAGE_KEY, 0);
		return KSM_EUSAGE;
	}
	if (o->keytype == NULL && !o->all) {
		printf("Please specify either a keytype, KSK or ZSK, with the --keytype <type> "
		       "option or use the --all option\n");
		ksm_usage(ctx, USAGE_KEY, 0);
		return KSM_EUSAGE;
	}
	/* quirk 9: 1.x rolled nothing, silently, for an unknown type */
	if (o->keytype != NULL && ksm_parse_keytype(o->keytype, &keytype) != 0)
		return ksm_keytype_error(o->keytype);
	/* the type as typed, lower case, in the messages (1.x) */
	word = str_dup(o->keytype != NULL ? o->keytype : "all");
	typed = o->zone != NULL ? ksm_zone_typed(o) : str_dup(o->policy);
	if (word == NULL || typed == NULL) {
		printf("Error: out of memory\n");
		status = KSM_ERUNTIME;
		goto out;
	}
	str_lower(word);
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		goto out;
	rd.zone = o->zone;
	rd.policy = o->policy;
	rc = db_transact(ctx->db, DB_TXN_READ, roll_read_txn, &rd);
	if (rc == E_NOTFOUND && rd.missing == 1) {
		printf("Error, can't find zone : %s\n", typed);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_NOTFOUND && rd.missing == 2) {
		printf("Error, can't find policy : %s\n", o->policy);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (o->zone != NULL) {
		/* the active key may be other zones' too */
		if (rd.pol->share_keys &&
			!ksm_confirm(ctx,
				"*WARNING* This zone shares keys with "
				"others, all instances of the active key on this zone will be retired; are you "
				"sure? [y/N] ")) {
			status = KSM_OK;
			goto out;
		}
		roll.zone_id = rd.z->id;
	} else {
		if (!ksm_confirm(ctx, "*WARNING* This will roll all keys on the policy; are you "
				      "sure? [y/N] ")) {
			status = KSM_OK;
			goto out;
		}
		if (rd.zones == 0) {
			printf("No zones on policy; nothing to roll\n");
			status = KSM_OK;
			goto out;
		}
		roll.policy_id = rd.policy_id;
	}
	roll.ksk = keytype != STORE_ZSK;
	roll.zsk = keytype != STORE_KSK;
	roll.now = clock_now();
	/* Q8: a promoted standby is published now and waits as a new KSK would */
	roll.standby_active = roll.now + (time_t)state_publish_wait(rd.pol);
	rc = db_transact(ctx->db, DB_TXN_WRITE, roll_txn, &roll);
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	snprintf(logmsg, sizeof(logmsg), "Manual key rollover for key type %s on %s %s initiated",
		word, o->zone != NULL ? "zone" : "policy", typed);
	printf("%s%s\n", o->zone != NULL ? "\n" : "", logmsg);
	rollover_syslog(logmsg);
	ksm_notify_enforcer(ctx);
	status = KSM_OK;
out:
	roll_read_clear(&rd);
	free(typed);
	free(word);
	return status;
}

/* --------------------------------------------------------- rollover list */

struct rl_txn {
	const char *zone; /* NULL: every zone */
	int verbose;
	struct store_key *keys;
	size_t n;
	struct kasp_policy **pols; /* -v: the policies of the waiting KSKs */
	size_t npols;
};

static void
rl_clear(struct rl_txn *r)
{
	store_key_free_array(r->keys, r->n);
	r->keys = NULL;
	r->n = 0;
	for (size_t i = 0; i < r->npols; i++)
		kasp_policy_free(r->pols[i]);
	free(r->pols);
	r->pols = NULL;
	r->npols = 0;
}

static const struct kasp_policy *
rl_policy(const struct rl_txn *r, const char *name)
{
	for (size_t i = 0; name != NULL && i < r->npols; i++) {
		if (strcmp(r->pols[i]->name, name) == 0)
			return r->pols[i];
	}
	return NULL;
}

/* A KSK waiting for its DS to be seen at the parent. */
static int
waiting(const struct store_key *k)
{
	return k->keytype == STORE_KSK &&
	       (k->state == STORE_STATE_READY || k->state == STORE_STATE_DSSUB);
}

static int
rl_txn(db_t *db, void *arg)
{
	struct rl_txn *r = arg;
	struct store_zone *z = NULL;
	struct store_key_filter f;
	int rc;

	rl_clear(r);
	memset(&f, 0, sizeof(f));
	if (r->zone != NULL) {
		rc = ksm_find_zone(db, r->zone, &z);
		if (rc < 0)
			goto out;
		f.zone_id = z->id;
	}
	f.states = 1u << STORE_STATE_READY | 1u << STORE_STATE_ACTIVE | 1u << STORE_STATE_DSSUB;
	/* one query; it orders by zone id */
	rc = store_key_list(db, &f, &r->keys, &r->n);
	for (size_t i = 0; rc == 0 && r->verbose && i < r->n; i++) {
		struct kasp_policy **grown;

		if (!waiting(&r->keys[i]) || r->keys[i].policy == NULL ||
			rl_policy(r, r->keys[i].policy) != NULL)
			continue;
		grown = realloc(r->pols, (r->npols + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = E_NOMEM;
			break;
		}
		r->pols = grown;
		rc = store_policy_get(db, r->keys[i].policy, &r->pols[r->npols]);
		if (rc == 0)
			r->npols++;
		else if (rc == E_NOTFOUND)
			rc = 0; /* printed with TTL 0 */
	}
out:
	store_zone_free(z);
	return rc;
}

/*
 * The DNSKEY record of one waiting KSK for rollover list -v, with single
 * spaces for its tabs as 1.x printed it; *line is malloc'd. Returns 0 or an
 * exit status after printing why.
 */
static int
waiting_dnskey(struct ksm_ctx *ctx, hsm_t **hsm, const struct store_key *k,
	const struct kasp_policy *pol, char **line)
{
	struct dnskey dk;
	uint8_t *key = NULL;
	int rc;

	*line = NULL;
	rc = ksm_key_dnskey(ctx, hsm, k->repository, k->locator, k->algorithm, k->pubkey,
		DNSKEY_FLAGS_KSK, &dk, &key);
	if (rc == E_NOTFOUND) {
		printf("Key %s in DB but not repository\n", k->locator);
		return KSM_ERUNTIME;
	}
	if (rc != 0) {
		printf("Error: %s\n", ksm_hsm_errmsg(*hsm, rc));
		return KSM_ERUNTIME;
	}
	rc = dnskey_format(k->zone, pol != NULL ? (uint32_t)pol->key_ttl : 0, &dk, line);
	free(key);
	if (rc != 0) {
		printf("Error: cannot format the DNSKEY of key %s: %s\n", k->locator, err_str(rc));
		return KSM_ERUNTIME;
	}
	for (char *p = *line; *p; p++) {
		if (*p == '\t')
			*p = ' ';
	}
	return KSM_OK;
}

/* The DNSKEY block of rollover list -v for one waiting KSK; 0 or an exit status. */
static int
print_waiting(
	struct ksm_ctx *ctx, hsm_t **hsm, const struct store_key *k, const struct kasp_policy *pol)
{
	char *line;
	int rc;

	if ((rc = waiting_dnskey(ctx, hsm, k, pol, &line)) != KSM_OK)
		return rc;
	printf("\n*** Found DNSKEY RECORD involved with rollover:\n%s\n", line);
	printf("\nOnce the DS record for this DNSKEY is seen in DNS you can issue the ds-seen "
	       "command for zone %s with the cka_id %s\n",
		k->zone, k->locator);
	free(line);
	return KSM_OK;
}

/*
 * --json: one entry per row of the text, with the key's CKA_ID; with -v a
 * waiting KSK also carries its DNSKEY record. Returns an exit status.
 */
static int
rollover_list_json(struct ksm_ctx *ctx, const struct rl_txn *r, hsm_t **hsm)
{
	struct jdoc d;
	int failed = 0, rc;

	jdoc_begin(&d);
	jdoc_array_begin(&d, "rollovers");
	for (size_t i = 0; i < r->n; i++) {
		const struct store_key *k = &r->keys[i];
		int wait = waiting(k);
		char *line = NULL;
		json_t *o;

		if (k->state != STORE_STATE_ACTIVE && !wait)
			continue;
		if (wait && ctx->opt.verbose &&
			waiting_dnskey(ctx, hsm, k, rl_policy(r, k->policy), &line) != KSM_OK)
			failed = 1;
		o = json_object();
		rc = jset(o, "zone", jstr(k->zone));
		rc |= jset(o, "key_type", jstr(k->keytype == STORE_KSK ? "KSK" : "ZSK"));
		rc |= jset(o, "cka_id", jstr(k->locator));
		rc |= jset_time(o, "rollover_expected", k->retire, !wait && k->retire != 0);
		rc |= jset(o, "waiting_for_ds_seen", jbool(wait));
		if (wait && ctx->opt.verbose)
			rc |= jset(o, "dnskey", jstr(line));
		free(line);
		jdoc_array_add(&d, jdone(o, rc));
	}
	jdoc_array_end(&d);
	rc = jdoc_end(&d);
	return failed ? KSM_ERUNTIME : rc;
}

int
cmd_rollover_list(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct rl_txn r;
	hsm_t *hsm = NULL;
	size_t i, nwaiting = 0;
	enum ksm_exit status;
	int rc, failed = 0;

	memset(&r, 0, sizeof(r));
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	r.zone = o->zone;
	r.verbose = o->verbose;
	/* read-only: 1.x took the lock and rewrote the backup for this */
	rc = db_transact(ctx->db, DB_TXN_READ, rl_txn, &r);
	if (rc == E_NOTFOUND && o->zone != NULL) {
		ksm_zone_not_found(o);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		printf("Error: failed to list rollovers\n");
		goto out;
	}
	if (o->json) {
		status = rollover_list_json(ctx, &r, &hsm);
		goto out;
	}
	printf("Rollovers:\n");
	printf("Zone:                           Keytype:      Rollover expected:\n");
	for (i = 0; i < r.n; i++) {
		const struct store_key *k = &r.keys[i];
		char when[TIME_STR_LEN];

		if (k->state == STORE_STATE_ACTIVE) {
			if (k->retire != 0)
				time_format_local(k->retire, when);
			else
				snprintf(when, sizeof(when), "(not scheduled)");
			printf("%-31s %-13s %s\n", k->zone, k->keytype == STORE_KSK ? "KSK" : "ZSK",
				when);
		} else if (waiting(k)) {
			printf("%-31s %-13s %s\n", k->zone, "KSK", "waiting for ds-seen");
			nwaiting++;
		}
	}
	printf("\n");
	for (i = 0; o->verbose && nwaiting > 0 && i < r.n; i++) {
		/* the HSM is opened only for a key whose public key is not cached */
		if (waiting(&r.keys[i]) && print_waiting(ctx, &hsm, &r.keys[i],
						   rl_policy(&r, r.keys[i].policy)) != KSM_OK)
			failed = 1;
	}
	status = failed ? KSM_ERUNTIME : KSM_OK;
out:
	hsm_close(hsm);
	rl_clear(&r);
	return status;
}
