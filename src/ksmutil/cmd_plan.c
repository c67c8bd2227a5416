/*
 * cmd_plan.c - `ods-ksmutil rollover plan [--zone Z | --policy P]
 * [--until DATE|DURATION] [--no-ds-seen] [--json]`: every key transition
 * the daemon will make from the stored state on, with its date, found by
 * running the state machine forward (src/enforcer/forecast.h). Reads only:
 * nothing is written, no key is generated, and it answers on a replica.
 *
 * Zones are read in batches, each in its own read transaction (as the
 * daemon reads them), and each zone is planned and printed before the next
 * batch, so memory does not grow with the number of zones.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/timeparse.h"
#include "enforcer/forecast.h"
#include "enforcer/run.h"
#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* How far ahead the plan looks without --until: a year, one KSK lifetime of the shipped policy. */
#define PLAN_DEFAULT_SECONDS (INT64_C(365) * 86400)

struct plan {
	struct ksm_ctx *ctx;
	time_t from, until;
	int64_t interval;
	int assume_ds_seen;
	const char *policy; /* --policy, or NULL */
	int64_t zone_id;    /* --zone: only this zone (0: all) */
	struct store_enf_policy *pols;
	size_t npols;
	/* the batch in hand */
	int64_t after;
	struct store_enf_zone *zones;
	size_t nzones;
	struct store_enf_key *keys;
	size_t nkeys;
	/* printing */
	const char *zone_name; /* of the zone being planned */
	struct jdoc *json;
	size_t events;
	int refused; /* E_NOTFOUND came from the zone, not the policy */
};

/* --until: a date as `key import --time` takes it, or a duration from now (P...). */
static int
parse_until(const char *text, time_t now, time_t *until)
{
	int64_t secs;
	int approx;

	if (text == NULL) {
		*until = now + (time_t)PLAN_DEFAULT_SECONDS;
		return 0;
	}
	if (text[0] == 'P' || text[0] == 'p' || text[0] == '-') {
		if (duration_parse(text, &secs, &approx) != 0 || secs < 0)
			return -1;
		*until = now + (time_t)secs;
		return 0;
	}
	return time_parse(text, now, until) != 0 ? -1 : 0;
}

static int
policies_txn(db_t *db, void *arg)
{
	struct plan *pl = arg;
	struct store_zone *z = NULL;
	int rc;

	store_enf_policy_free_array(pl->pols, pl->npols);
	pl->pols = NULL;
	pl->npols = 0;
	pl->refused = 0;
	if (pl->ctx->opt.zone != NULL) {
		rc = ksm_find_zone(db, pl->ctx->opt.zone, &z);
		if (rc != 0) {
			pl->refused = rc == E_NOTFOUND;
			return rc;
		}
		pl->zone_id = z->id;
		store_zone_free(z);
	}
	return store_enf_policies(db, pl->policy, &pl->pols, &pl->npols);
}

static void
batch_clear(struct plan *pl)
{
	store_enf_zone_free_array(pl->zones, pl->nzones);
	store_enf_key_free_array(pl->keys, pl->nkeys);
	pl->zones = NULL;
	pl->keys = NULL;
	pl->nzones = pl->nkeys = 0;
}

/* The next zones after pl->after (of the policy, or the one zone) and their keys. */
static int
batch_txn(db_t *db, void *arg)
{
	struct plan *pl = arg;
	int64_t policy_id = pl->policy != NULL && pl->npols > 0 ? pl->pols[0].id : 0;
	int rc;

	batch_clear(pl);
	if (pl->zone_id != 0)
		rc = pl->after >= pl->zone_id
			     ? 0
			     : store_enf_zones(db, pl->zone_id - 1, 1, 0, &pl->zones, &pl->nzones);
	else
		rc = store_enf_zones(
			db, pl->after, RUN_BATCH_ZONES, policy_id, &pl->zones, &pl->nzones);
	if (rc != 0 || pl->nzones == 0)
		return rc;
	return store_enf_keys(
		db, pl->zones[0].id, pl->zones[pl->nzones - 1].id, &pl->keys, &pl->nkeys);
}

static const struct store_enf_policy *
policy_of(const struct plan *pl, int64_t id)
{
	for (size_t i = 0; i < pl->npols; i++) {
		if (pl->pols[i].id == id)
			return &pl->pols[i];
	}
	return NULL;
}

static const char *
type_word(int keytype)
{
	return keytype == STORE_KSK ? "KSK" : keytype == STORE_ZSK ? "ZSK" : NULL;
}

static const char *
event_word(enum forecast_kind kind)
{
	switch (kind) {
	case FC_STATE: return "transition";
	case FC_DS_SUBMIT: return "ds_submit";
	case FC_DS_SEEN_NEEDED: return "ds_seen_needed";
	case FC_DS_SEEN: return "ds_seen";
	}
	return "";
}

static int
print_json(struct plan *pl, const struct forecast_event *ev)
{
	int state = ev->kind == FC_STATE;
	json_t *o = json_object();
	int rc;

	rc = jset(o, "zone", jstr(pl->zone_name));
	rc |= jset_time(o, "time", ev->when, 1);
	rc |= jset(o, "event", jstr(event_word(ev->kind)));
	rc |= jset(o, "key_type", ev->keytype ? jstr(type_word(ev->keytype)) : json_null());
	rc |= jset(o, "from_state", state ? jstr(store_state_name(ev->from)) : json_null());
	rc |= jset(o, "to_state", state ? jstr(store_state_name(ev->to)) : json_null());
	rc |= jset(o, "cka_id", ev->locator != NULL ? jstr(ev->locator) : json_null());
	rc |= jset(o, "new_key", ev->new_key > 0 ? jint(ev->new_key) : json_null());
	rc |= jset(o, "by_ds_seen", jbool(ev->by_ds_seen));
	rc |= jset(o, "revoked", jbool(ev->revoked));
	jdoc_array_add(pl->json, jdone(o, rc));
	return 0;
}

static int
print_event(void *arg, const struct forecast_event *ev)
{
	struct plan *pl = arg;
	char when[TIME_STR_LEN], what[64], key[40];
	const char *keytext = key;
	const char *type = type_word(ev->keytype);

	pl->events++;
	if (pl->json != NULL)
		return print_json(pl, ev);
	time_format_local(ev->when, when);
	switch (ev->kind) {
	case FC_STATE:
		snprintf(what, sizeof(what), "%s -> %s%s%s", store_state_name(ev->from),
			store_state_name(ev->to), ev->by_ds_seen ? " (ds-seen)" : "",
			ev->revoked ? " (revoked)" : "");
		break;
	case FC_DS_SUBMIT: snprintf(what, sizeof(what), "DS set submitted"); break;
	case FC_DS_SEEN_NEEDED: snprintf(what, sizeof(what), "ds-seen needed"); break;
	case FC_DS_SEEN: snprintf(what, sizeof(what), "ds-seen (assumed)"); break;
	}
	if (ev->new_key > 0)
		snprintf(key, sizeof(key), "(new key %ld)", ev->new_key);
	else
		key[0] = '\0';
	if (ev->locator != NULL)
		keytext = ev->locator;
	/* no key (a DS submission): the line ends after the event, without padding */
	if (printf("%-31s %-8s %s  %-*s%s%s\n", pl->zone_name, type != NULL ? type : "-", when,
		    keytext[0] ? 28 : 0, what, keytext[0] ? " " : "", keytext) < 0)
		return E_IO;
	return 0;
}

/* Plan every zone of the batch in hand. */
static int
plan_batch(struct plan *pl)
{
	struct state_key *keys = NULL;
	size_t k = 0;
	int rc = 0;

	keys = calloc(pl->nkeys + 1, sizeof(*keys));
	if (keys == NULL)
		return E_NOMEM;
	for (size_t i = 0; i < pl->nzones && rc == 0; i++) {
		const struct store_enf_zone *z = &pl->zones[i];
		const struct store_enf_policy *pol = policy_of(pl, z->policy_id);
		struct forecast_params fp;
		size_t first;

		/* both lists are ordered by zone id */
		while (k < pl->nkeys && pl->keys[k].zone_id < z->id)
			k++;
		for (first = k; k < pl->nkeys && pl->keys[k].zone_id == z->id; k++)
			run_state_key(&pl->keys[k], &keys[k - first]);
		if (pol == NULL)
			continue; /* a policy made since the policies were read */
		memset(&fp, 0, sizeof(fp));
		fp.policy = pol->kasp;
		fp.interval = pl->interval;
		fp.from = pl->from;
		fp.until = pl->until;
		fp.assume_ds_seen = pl->assume_ds_seen;
		for (int role = 0; role < 2; role++) {
			fp.repository_id[role] = pol->repo_id[role];
			fp.require_backup[role] = pol->require_backup[role];
		}
		pl->zone_name = z->name;
		rc = forecast_zone(&fp, keys, k - first, print_event, pl);
	}
	free(keys);
	return rc;
}

/* Read batch after batch and plan it. */
static int
plan_all(struct plan *pl)
{
	int rc;

	for (;;) {
		rc = db_transact(pl->ctx->db, DB_TXN_READ, batch_txn, pl);
		if (rc != 0 || pl->nzones == 0)
			break;
		pl->after = pl->zones[pl->nzones - 1].id;
		rc = plan_batch(pl);
		if (rc != 0)
			break;
	}
	batch_clear(pl);
	return rc;
}

static void
header(const struct plan *pl)
{
	char from[TIME_STR_LEN], until[TIME_STR_LEN];

	time_format_local(pl->from, from);
	time_format_local(pl->until, until);
	printf("Rollover plan from %s to %s (a pass every %" PRId64 " seconds; %s):\n", from, until,
		pl->interval,
		pl->assume_ds_seen ? "ds-seen assumed when due" : "ds-seen never given");
	printf("Zone:                           Keytype: Date:                Event:"
	       "                       Key:\n");
}

int
cmd_rollover_plan(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct plan pl;
	struct jdoc d;
	enum ksm_exit status;
	int rc;

	memset(&pl, 0, sizeof(pl));
	pl.ctx = ctx;
	pl.policy = o->policy;
	pl.assume_ds_seen = !o->no_ds_seen;
	if (o->zone != NULL && o->policy != NULL) {
		printf("Error: rollover plan takes --zone or --policy, not both\n");
		return KSM_EUSAGE;
	}
	pl.from = clock_now();
	if (parse_until(o->until, pl.from, &pl.until) != 0) {
		printf("Error: --until: '%s' is neither a date nor a duration (P...)\n", o->until);
		return KSM_EUSAGE;
	}
	if (pl.until < pl.from) {
		printf("Error: --until: '%s' is in the past\n", o->until);
		return KSM_EUSAGE;
	}
	/* the longest duration kasp.xml can say: a plan beyond it is a typo, and would run long */
	if ((int64_t)pl.until - (int64_t)pl.from > DURATION_MAX) {
		printf("Error: --until: '%s' is more than 68 years ahead\n", o->until);
		return KSM_EUSAGE;
	}
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	pl.interval = ctx->conf->interval > 0 ? ctx->conf->interval : 3600;
	rc = db_transact(ctx->db, DB_TXN_READ, policies_txn, &pl);
	if (rc == E_NOTFOUND && pl.refused) {
		ksm_zone_not_found(o);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_NOTFOUND) {
		printf("Error, can't find policy : %s\n", o->policy);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (o->json) {
		pl.json = &d;
		jdoc_begin(&d);
		jdoc_field_time(&d, "from", pl.from);
		jdoc_field_time(&d, "until", pl.until);
		jdoc_field(&d, "interval", jint(pl.interval));
		jdoc_field(&d, "assume_ds_seen", jbool(pl.assume_ds_seen));
		jdoc_array_begin(&d, "events");
	} else {
		header(&pl);
	}
	rc = plan_all(&pl);
	if (pl.json != NULL) {
		jdoc_array_end(&d);
		/* closed even after a failure, so that stdout holds a whole document */
		if (jdoc_end(&d) != KSM_OK && rc == 0) {
			status = KSM_ERUNTIME; /* jdoc_end() has said why */
			goto out;
		}
	}
	if (rc == E_IO) {
		fprintf(stderr, "Error: cannot write the plan: %s\n", strerror(errno));
		status = KSM_ERUNTIME;
	} else if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
	} else {
		if (pl.json == NULL && pl.events == 0)
			printf("No key transitions in this time.\n");
		status = KSM_OK;
	}
out:
	store_enf_policy_free_array(pl.pols, pl.npols);
	return status;
}
