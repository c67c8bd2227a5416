/*
 * cmd_key_list.c - `key list` and `key export` of ods-ksmutil (ksmutil-cli.md
 * §5.1, §5.2): the keys in the database as rows, or as their DNSKEY or DS
 * records, in text or --json; public keys come from the cache when they can.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/timeparse.h"
#include "hsm/dnskey.h"
#include "hsm/hsm.h"
#include "ksmutil/cmd_key_internal.h"
#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* ---------------------------------------------------------- list / export */

/* The DNSKEY flags of an allocation. */
static unsigned
key_flags(const struct store_key *k)
{
	if (k->keytype != STORE_KSK)
		return DNSKEY_FLAGS_ZSK;
	return k->revoked ? DNSKEY_FLAGS_KSK | DNSKEY_FLAG_REVOKE : DNSKEY_FLAGS_KSK;
}

/* The DNSKEY of a listed key: ksm_key_dnskey() for a struct store_key. */
static int
load_dnskey(struct ksm_ctx *ctx, hsm_t **hsm, const struct store_key *k, struct dnskey *dk,
	uint8_t **key)
{
	return ksm_key_dnskey(ctx, hsm, k->repository, k->locator, k->algorithm, k->pubkey,
		key_flags(k), dk, key);
}

struct list_txn {
	const char *zone; /* NULL: every zone */
	struct store_key_filter filter;
	int want_policies;
	struct store_key *keys;
	size_t n;
	struct kasp_policy **pols; /* one per distinct key policy (export), by name */
	size_t npols;
};

static void
list_txn_clear(struct list_txn *l)
{
	size_t i;

	store_key_free_array(l->keys, l->n);
	l->keys = NULL;
	l->n = 0;
	for (i = 0; i < l->npols; i++)
		kasp_policy_free(l->pols[i]);
	free(l->pols);
	l->pols = NULL;
	l->npols = 0;
}

static const struct kasp_policy *
list_policy(const struct list_txn *l, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < l->npols; i++) {
		if (strcmp(l->pols[i]->name, name) == 0)
			return l->pols[i];
	}
	return NULL;
}

static int
list_txn(db_t *db, void *arg)
{
	struct list_txn *l = arg;
	struct store_zone *z = NULL;
	size_t i;
	int rc;

	list_txn_clear(l);
	l->filter.zone_id = 0;
	if (l->zone != NULL) {
		rc = ksm_find_zone(db, l->zone, &z);
		if (rc < 0)
			goto out;
		l->filter.zone_id = z->id;
	}
	rc = store_key_list(db, &l->filter, &l->keys, &l->n);
	if (rc < 0 || !l->want_policies)
		goto out;
	for (i = 0; i < l->n; i++) {
		struct kasp_policy **grown;

		if (l->keys[i].policy == NULL || list_policy(l, l->keys[i].policy) != NULL)
			continue;
		grown = realloc(l->pols, (l->npols + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = E_NOMEM;
			goto out;
		}
		l->pols = grown;
		rc = store_policy_get(db, l->keys[i].policy, &l->pols[l->npols]);
		if (rc < 0)
			goto out;
		l->npols++;
	}
out:
	store_zone_free(z);
	return rc;
}

/*
 * The "date of next transition" column and the verbose tag of one row;
 * returns that date, or 0 when the column holds a phrase or nothing is
 * scheduled.
 */
static time_t
next_transition(const struct store_key *k, char when[TIME_STR_LEN + 8], const char **tag)
{
	time_t t = 0;

	when[0] = '\0';
	switch (k->state) {
	case 0:
	case STORE_STATE_GENERATE:
		t = k->publish;
		*tag = "(publish)";
		break;
	case STORE_STATE_PUBLISH:
		t = k->ready;
		*tag = k->rfc5011 ? "(active)" : "(ready)";
		break;
	case STORE_STATE_READY:
		snprintf(when, TIME_STR_LEN + 8, "%s",
			k->keytype == STORE_KSK ? "waiting for ds-seen" : "next rollover");
		*tag = "(active)";
		return 0;
	case STORE_STATE_ACTIVE:
		t = k->retire;
		*tag = "(retire)";
		break;
	case STORE_STATE_RETIRE:
		t = k->dead;
		*tag = "(dead)";
		break;
	case STORE_STATE_DEAD:
		snprintf(when, TIME_STR_LEN + 8, "to be deleted");
		*tag = "(deleted)";
		return 0;
	case STORE_STATE_DSSUB:
		snprintf(when, TIME_STR_LEN + 8, "waiting for ds-seen");
		*tag = "(dspub)";
		return 0;
	case STORE_STATE_DSPUBLISH:
		t = k->ready;
		*tag = "(dsready)";
		break;
	case STORE_STATE_DSREADY:
		snprintf(when, TIME_STR_LEN + 8, "When required");
		*tag = "(keypub)";
		return 0;
	case STORE_STATE_KEYPUBLISH:
		t = k->active;
		*tag = "(active)";
		break;
	default: *tag = ""; break;
	}
	if (t != 0)
		time_format_local(t, when);
	else
		snprintf(when, TIME_STR_LEN + 8, "(not scheduled)");
	return t;
}

static const char *
row_state_name(const struct store_key *k)
{
	if (k->state == STORE_STATE_RETIRE && k->revoked)
		return "revoke";
	if (k->state >= 1 && k->state <= STORE_STATE_MAX)
		return store_state_name(k->state);
	return k->state == 0 ? "generate" : "unknown";
}

/* key list: one row as the query gives it. */
struct list_print {
	struct ksm_ctx *ctx;
	hsm_t *hsm;        /* opened for the first key whose public key is not cached */
	int hsm_failed;    /* the HSM's error was printed */
	struct jdoc *json; /* --json: the document, else NULL */
};

/*
 * What a key waits for when the text column shows a phrase instead of a
 * date (--json "waiting_for"); NULL when it has a date.
 */
static const char *
waiting_for(const struct store_key *k)
{
	switch (k->state) {
	case STORE_STATE_READY: return k->keytype == STORE_KSK ? "ds-seen" : "rollover";
	case STORE_STATE_DEAD: return "deletion";
	case STORE_STATE_DSSUB: return "ds-seen";
	case STORE_STATE_DSREADY: return "request";
	default: return NULL;
	}
}

/*
 * One key of --json: the text columns (the next transition as a time, its
 * target state without parentheses) plus every stored time. The key tag
 * needs the public key, so it is there with --verbose only, as in the text.
 */
static int
list_key_json(struct list_print *p, const struct store_key *k)
{
	const char *tag = "", *wait = waiting_for(k);
	char when[TIME_STR_LEN + 8], next[16] = "";
	json_t *o;
	time_t t;
	int rc = 0, hrc, keytag = -1, in_repo = -1;

	t = next_transition(k, when, &tag);
	if (tag[0] == '(')
		(void)snprintf(next, sizeof(next), "%.*s", (int)strlen(tag) - 2, tag + 1);
	if (p->ctx->opt.verbose && k->zone_id != 0) {
		struct dnskey dk;
		uint8_t *key = NULL;

		hrc = load_dnskey(p->ctx, &p->hsm, k, &dk, &key);
		if (hrc == 0) {
			keytag = dnskey_keytag(&dk);
			in_repo = 1;
			free(key);
		} else if (hrc == E_NOTFOUND) {
			in_repo = 0;
		} else {
			printf("Error: %s\n", ksm_hsm_errmsg(p->hsm, hrc));
			p->hsm_failed = 1;
			return hrc < 0 ? hrc : E_IO;
		}
	}
	o = json_object();
	rc |= jset(o, "zone", jstr(k->zone_id ? k->zone : NULL));
	rc |= jset(o, "key_type", k->zone_id ? jstr(key_keytype_name(k->keytype)) : json_null());
	rc |= jset(o, "state", jstr(row_state_name(k)));
	rc |= jset(o, "next_state", next[0] ? jstr(next) : json_null());
	rc |= jset_time(o, "next_transition", t, t != 0);
	rc |= jset(o, "waiting_for", jstr(wait));
	rc |= jset(o, "bits", jint(k->bits));
	rc |= jset(o, "algorithm", jint(k->algorithm));
	rc |= jset(o, "cka_id", jstr(k->locator));
	rc |= jset(o, "repository", jstr(k->repository));
	rc |= jset(o, "policy", jstr(k->policy));
	rc |= jset(o, "key_tag", keytag >= 0 ? jint(keytag) : json_null());
	rc |= jset(o, "in_repository", in_repo >= 0 ? jbool(in_repo) : json_null());
	rc |= jset_time(o, "publish", k->publish, k->publish != 0);
	rc |= jset_time(o, "ready", k->ready, k->ready != 0);
	rc |= jset_time(o, "active", k->active, k->active != 0);
	rc |= jset_time(o, "retire", k->retire, k->retire != 0);
	rc |= jset_time(o, "dead", k->dead, k->dead != 0);
	rc |= jset(o, "rfc5011", jbool(k->rfc5011));
	rc |= jset(o, "revoked", jbool(k->revoked));
	jdoc_array_add(p->json, jdone(o, rc));
	return 0;
}

static int
list_key_row(void *arg, const struct store_key *k)
{
	struct list_print *p = arg;
	const char *tag = "", *repo = k->repository ? k->repository : "";
	char when[TIME_STR_LEN + 8];
	struct dnskey dk;
	uint8_t *key = NULL;
	int rc;

	if (p->json != NULL)
		return list_key_json(p, k);
	(void)next_transition(k, when, &tag);
	printf("%-31s %-13s %-9s %-20s", k->zone_id ? k->zone : "NOT ALLOCATED",
		key_keytype_name(k->keytype), row_state_name(k), when);
	if (!p->ctx->opt.verbose) {
		printf("\n");
		return 0;
	}
	printf("%-11s%-7d %-12d", tag, k->bits, k->algorithm);
	if (k->zone_id == 0) {
		printf("%-33s %s\n", k->locator, repo);
		return 0;
	}
	rc = load_dnskey(p->ctx, &p->hsm, k, &dk, &key);
	if (rc == E_NOTFOUND) {
		printf("%-33s %s NOT IN repository\n", k->locator, repo);
		return 0;
	}
	if (rc != 0) {
		printf("\nError: %s\n", ksm_hsm_errmsg(p->hsm, rc));
		p->hsm_failed = 1;
		return rc < 0 ? rc : E_IO;
	}
	printf("%-33s %-33s %d\n", k->locator, repo, dnskey_keytag(&dk));
	free(key);
	return 0;
}

/* Printed row by row from one query: memory holds one key whatever their number. */
int
cmd_key_list(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct store_key_filter filter;
	struct list_print p = { ctx, NULL, 0, NULL };
	struct store_zone *z = NULL;
	struct jdoc d;
	enum ksm_exit status;
	int rc, state = 0, keytype = 0;

	memset(&filter, 0, sizeof(filter));
	if (o->keystate != NULL && o->all) {
		printf("Error: --keystate and --all option cannot be given together\n");
		printf("Error: failed to list keys\n");
		return KSM_EUSAGE;
	}
	if (o->keystate != NULL && key_parse_state(o->keystate, STORE_STATE_MAX, &state) != 0)
		return key_state_error(o->keystate);
	if (o->keytype != NULL && ksm_parse_keytype(o->keytype, &keytype) != 0)
		return ksm_keytype_error(o->keytype);
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;

	filter.keytype = keytype;
	if (state != 0) {
		filter.states = 1u << state;
		filter.unallocated = state == STORE_STATE_GENERATE;
	} else if (o->all) {
		filter.unallocated = 1;
	} else {
		/* by default GENERATE (and unallocated) and DEAD keys are not shown */
		for (int s = 1; s <= STORE_STATE_MAX; s++) {
			if (s != STORE_STATE_GENERATE && s != STORE_STATE_DEAD)
				filter.states |= 1u << s;
		}
	}
	if (o->zone != NULL) {
		rc = ksm_find_zone(ctx->db, o->zone, &z);
		if (rc == E_NOTFOUND) {
			ksm_zone_not_found(o);
			status = KSM_EUSAGE;
			goto out;
		}
		if (rc != 0)
			goto db_failed;
		filter.zone_id = z->id;
	}
	if (o->json) {
		jdoc_begin(&d);
		jdoc_array_begin(&d, "keys");
		p.json = &d;
	} else {
		printf("Keys:\n");
		if (o->verbose)
			printf("Zone:                           Keytype:      State:    "
			       "Date of next transition (to):  Size:   Algorithm:  CKA_ID:     "
			       "                      Repository:                       Keytag:\n");
		else
			printf("Zone:                           Keytype:      State:    "
			       "Date of next transition:\n");
	}
	rc = store_key_each(ctx->db, &filter, list_key_row, &p);
	if (p.json != NULL) {
		/* closed whatever happened: stdout holds one document */
		jdoc_array_end(&d);
		if (jdoc_end(&d) != KSM_OK && rc == 0 && !p.hsm_failed) {
			status = KSM_ERUNTIME;
			goto out;
		}
	}
	if (p.hsm_failed) {
		status = KSM_ERUNTIME;
		goto out;
	}
	if (rc != 0)
		goto db_failed;
	if (p.json == NULL)
		printf("\n");
	status = KSM_OK;
	goto out;
db_failed:
	status = ksm_db_fail(ctx, rc);
	printf("Error: failed to list keys\n");
out:
	hsm_close(p.hsm);
	store_zone_free(z);
	return status;
}

/*
 * One exported record, with what the DS warnings of its zone need: the
 * zone's flags over all its exported keys, and whether it is the zone's
 * last record in output order (the warnings follow it).
 */
struct export_row {
	const struct store_key *k;
	int zone_ready, zone_active;
	int zone_last;
};

/* Zone, then state, then key pair: a zone's records in output order, together. */
static int
export_zone_cmp(const void *pa, const void *pb)
{
	const struct export_row *a = pa, *b = pb;

	if (a->k->zone_id != b->k->zone_id)
		return a->k->zone_id < b->k->zone_id ? -1 : 1;
	if (a->k->state != b->k->state)
		return a->k->state < b->k->state ? -1 : 1;
	if (a->k->keypair_id != b->k->keypair_id)
		return a->k->keypair_id < b->k->keypair_id ? -1 : 1;
	return 0;
}

/* Output order (ksmutil-cli.md §5.2): by state, then zone, then key pair. */
static int
export_cmp(const void *pa, const void *pb)
{
	const struct export_row *a = pa, *b = pb;

	if (a->k->state != b->k->state)
		return a->k->state < b->k->state ? -1 : 1;
	if (a->k->zone_id != b->k->zone_id)
		return a->k->zone_id < b->k->zone_id ? -1 : 1;
	if (a->k->keypair_id != b->k->keypair_id)
		return a->k->keypair_id < b->k->keypair_id ? -1 : 1;
	return 0;
}

/*
 * Sort the rows for output, working out the warnings of each zone first
 * (quirk 12: 1.x judged each zone by the keys printed so far).
 */
static void
export_order(struct export_row *rows, size_t n)
{
	size_t i, j;

	qsort(rows, n, sizeof(*rows), export_zone_cmp);
	for (i = 0; i < n; i = j) {
		int ready = 0, active = 0;

		for (j = i; j < n && rows[j].k->zone_id == rows[i].k->zone_id; j++) {
			ready |= rows[j].k->state == STORE_STATE_READY;
			active |= rows[j].k->state == STORE_STATE_ACTIVE;
		}
		for (size_t m = i; m < j; m++) {
			rows[m].zone_ready = ready;
			rows[m].zone_active = active;
		}
		rows[j - 1].zone_last = 1;
	}
	qsort(rows, n, sizeof(*rows), export_cmp);
}

static void
ds_warnings(int seen_ready, int seen_active)
{
	if (!seen_ready && !seen_active)
		printf("\nWARNING: No active or ready keys seen for this zone. Do not load any DS "
		       "records to the parent unless you understand the possible consequences.\n");
	else if (seen_ready && seen_active)
		printf("\nWARNING: BOTH ready and active keys seen for this zone. Probably a key "
		       "rollover is happening and you may only want the ready key to be submitted.\n");
}

static const int export_digests[] = { 1, 2 };
static const char *const export_digest_names[] = { "SHA1", "SHA256" };

/*
 * The records key export shows for one key: its DNSKEY, or with ds its DS
 * records (SHA1, SHA256), malloc'd into lines[], and its key tag. Returns
 * 0, or an exit status after printing the error.
 */
static int
export_records(struct ksm_ctx *ctx, hsm_t **hsm, const struct store_key *k,
	const struct kasp_policy *pol, int ds, char *lines[2], int *keytag)
{
	struct dnskey dk;
	uint8_t *key = NULL;
	int rc;

	lines[0] = lines[1] = NULL;
	rc = load_dnskey(ctx, hsm, k, &dk, &key);
	if (rc == E_NOTFOUND) {
		printf("Key %s in DB but not repository\n", k->locator);
		return KSM_ERUNTIME;
	}
	if (rc != 0) {
		printf("Error: %s\n", ksm_hsm_errmsg(*hsm, rc));
		return KSM_ERUNTIME;
	}
	*keytag = dnskey_keytag(&dk);
	if (!ds)
		rc = dnskey_format(k->zone, pol ? (uint32_t)pol->key_ttl : 0, &dk, &lines[0]);
	for (int i = 0; ds && i < 2 && rc == 0; i++)
		rc = dnskey_format_ds(k->zone, pol ? (uint32_t)pol->parent_ds_ttl : 0, &dk,
			export_digests[i], &lines[i]);
	free(key);
	if (rc != 0) {
		free(lines[0]);
		free(lines[1]);
		lines[0] = lines[1] = NULL;
		printf("Error: cannot format the records of key %s: %s\n", k->locator, err_str(rc));
		return KSM_ERUNTIME;
	}
	return KSM_OK;
}

/* Print one key's records; returns 0 or an exit status after printing the error. */
static int
export_one(struct ksm_ctx *ctx, hsm_t **hsm, const struct store_key *k,
	const struct kasp_policy *pol, int ds)
{
	char *lines[2];
	int rc, keytag;

	if ((rc = export_records(ctx, hsm, k, pol, ds, lines, &keytag)) != KSM_OK)
		return rc;
	if (!ds)
		printf("\n;%s %s DNSKEY record:\n%s\n", store_state_name(k->state),
			key_keytype_name(k->keytype), lines[0]);
	for (int i = 0; ds && i < 2; i++)
		printf("\n;%s %s DS record (%s):\n%s\n", store_state_name(k->state),
			key_keytype_name(k->keytype), export_digest_names[i], lines[i]);
	free(lines[0]);
	free(lines[1]);
	return KSM_OK;
}

/*
 * --json: one entry per key in the text's order, its DNSKEY record or (with
 * --ds) its DS records; with --ds also the warnings the text prints per zone.
 */
static int
export_one_json(struct ksm_ctx *ctx, hsm_t **hsm, const struct export_row *row,
	const struct kasp_policy *pol, int ds, struct jdoc *d)
{
	const struct store_key *k = row->k;
	char *lines[2];
	json_t *o, *list = NULL;
	int rc, keytag;

	if ((rc = export_records(ctx, hsm, k, pol, ds, lines, &keytag)) != KSM_OK)
		return rc;
	o = json_object();
	rc = jset(o, "zone", jstr(k->zone));
	rc |= jset(o, "key_type", jstr(key_keytype_name(k->keytype)));
	rc |= jset(o, "state", jstr(store_state_name(k->state)));
	rc |= jset(o, "cka_id", jstr(k->locator));
	rc |= jset(o, "key_tag", jint(keytag));
	if (!ds) {
		rc |= jset(o, "dnskey", jstr(lines[0]));
	} else {
		list = json_array();
		for (int i = 0; i < 2; i++) {
			json_t *r = json_object();
			int rrc = jset(r, "digest_type", jint(export_digests[i]));

			rrc |= jset(r, "digest", jstr(export_digest_names[i]));
			rrc |= jset(r, "record", jstr(lines[i]));
			if (list == NULL || json_array_append_new(list, jdone(r, rrc)) != 0)
				rc = -1;
		}
		rc |= jset(o, "ds", list);
		if (row->zone_last && !row->zone_ready && !row->zone_active)
			rc |= jset(o, "zone_warning", jstr("no active or ready keys"));
		else if (row->zone_last && row->zone_ready && row->zone_active)
			rc |= jset(o, "zone_warning", jstr("both ready and active keys"));
	}
	free(lines[0]);
	free(lines[1]);
	jdoc_array_add(d, jdone(o, rc));
	return KSM_OK;
}

int
cmd_key_export(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct list_txn l;
	struct export_row *rows = NULL;
	hsm_t *hsm = NULL;
	struct jdoc d;
	size_t i;
	enum ksm_exit status;
	int rc, state = 0, keytype = STORE_KSK;

	memset(&l, 0, sizeof(l));
	/* --all and no --zone mean the same: every zone (quirk 12: both are accepted) */
	if (o->keystate != NULL && key_parse_state(o->keystate, STORE_STATE_MAX, &state) != 0)
		return key_state_error(o->keystate);
	/* the type defaults to KSK, as in 1.x (documented in the man page) */
	if (o->keytype != NULL && ksm_parse_keytype(o->keytype, &keytype) != 0)
		return ksm_keytype_error(o->keytype);
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;

	l.zone = o->zone;
	l.want_policies = 1;
	l.filter.keytype = keytype;
	if (state != 0)
		l.filter.states = 1u << state;
	else
		l.filter.states = 1u << STORE_STATE_READY | 1u << STORE_STATE_ACTIVE |
				  1u << STORE_STATE_DSSUB | 1u << STORE_STATE_DSPUBLISH |
				  1u << STORE_STATE_DSREADY | 1u << STORE_STATE_KEYPUBLISH;
	rc = db_transact(ctx->db, DB_TXN_READ, list_txn, &l);
	if (rc == E_NOTFOUND && o->zone != NULL) {
		ksm_zone_not_found(o);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (l.n == 0 && o->json) {
		jdoc_begin(&d);
		jdoc_array_begin(&d, "keys");
		jdoc_array_end(&d);
		status = jdoc_end(&d);
		goto out;
	}
	if (l.n == 0) {
		if (state != 0)
			printf("No keys in %s state to export.\n", o->keystate);
		else
			printf("No keys in READY state or higher to export.\n");
		status = KSM_OK;
		goto out;
	}
	rows = calloc(l.n, sizeof(*rows));
	if (rows == NULL) {
		printf("Error: out of memory\n");
		status = KSM_ERUNTIME;
		goto out;
	}
	for (i = 0; i < l.n; i++)
		rows[i].k = &l.keys[i];
	export_order(rows, l.n);
	if (o->json) {
		jdoc_begin(&d);
		jdoc_array_begin(&d, "keys");
	}
	for (i = 0; i < l.n; i++) {
		const struct store_key *k = rows[i].k;

		/* the HSM is opened only for a key whose public key is not cached */
		if (o->json) {
			status = export_one_json(
				ctx, &hsm, &rows[i], list_policy(&l, k->policy), o->ds, &d);
		} else {
			status = export_one(ctx, &hsm, k, list_policy(&l, k->policy), o->ds);
			if (status == KSM_OK && o->ds && rows[i].zone_last)
				ds_warnings(rows[i].zone_ready, rows[i].zone_active);
		}
		if (status != KSM_OK)
			break;
	}
	if (o->json) {
		/* closed after a failure too: stdout holds one document */
		jdoc_array_end(&d);
		if (jdoc_end(&d) != KSM_OK && status == KSM_OK)
			status = KSM_ERUNTIME;
	}
out:
	free(rows);
	hsm_close(hsm);
	list_txn_clear(&l);
	return status;
}
