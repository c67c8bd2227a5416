/*
 * cmd_rollover_ksk.c - the commands of ods-ksmutil that move one KSK
 * between states by hand (ksmutil-cli.md §5.7, §5.8, §5.10; enforcer.md
 * §3.6); `key rollover` and `rollover list` are in cmd_rollover.c:
 *
 *   key ksk-retire retire an active KSK now
 *   key ds-seen    the parent holds a KSK's DS: READY -> ACTIVE, DSSUB -> DSPUBLISH
 *   key ksk-revoke mark a retired KSK revoked (hidden)
 *
 * Every command does all its reading and writing in one write transaction,
 * so a key changed meanwhile by another host (or the daemon) is seen as it
 * is now; a refusal rolls back, leaving the database as it was. The new
 * dates come from the formulas of enforcer/state.h, the ones the daemon
 * recomputes them with.
 *
 * Fixed 1.x quirks: Q4 (ksk-retire always waits the DS TTL before the key
 * is dead), Q9 (ds-seen takes only READY and DSSUB keys), Q12 (ds-seen
 * does not activate an unbacked key whose repository requires backups),
 * quirk 13 of ksmutil-cli.md §12 (zones named as typed).
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
#include "common/str.h"
#include "common/timeparse.h"
#include "enforcer/state.h"
#include "hsm/dnskey.h"
#include "hsm/hsm.h"
#include "ksmutil/cmd_rollover_internal.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/*
 * 1.x ended these refusals with status 255 (an internal -1) and the spec
 * keeps it: "key is already active", "no matching key", "would leave no
 * active key", "more than one key matched".
 */
#define KSM_EREFUSED 255

/* The states 1.x looked for a named KSK in (ds-seen, ksk-retire, ksk-revoke). */
#define CANDIDATE_STATES                                                                           \
	(1u << STORE_STATE_READY | 1u << STORE_STATE_ACTIVE | 1u << STORE_STATE_DSSUB |            \
		1u << STORE_STATE_RETIRE)

/* ---------------------------------------------------------------- helpers */

/* How the user named a key: --cka_id wins when both are given (1.x). */
struct key_spec {
	const char *cka_id; /* NULL: by keytag, or not named at all */
	long keytag;        /* -1: no keytag */
};

static int
key_named(const struct key_spec *spec)
{
	return spec->cka_id != NULL || spec->keytag >= 0;
}

/* --keytag must be digits (1.x's message); a value above 65535 simply matches nothing. */
static int
parse_key_spec(const struct ksm_opts *o, struct key_spec *spec)
{
	int64_t v;

	spec->cka_id = o->cka_id;
	spec->keytag = -1;
	if (o->keytag == NULL)
		return 0;
	if (!str_all_digits(o->keytag)) {
		printf("Error: keytag \"%s\"; should be numeric only\n", o->keytag);
		return -1;
	}
	if (str_to_int64(o->keytag, &v) != 0 || v > 65535)
		v = 65536;
	spec->keytag = (long)v;
	return 0;
}

/* Notify the daemon; ds-seen and ksk-revoke say "Performed a HUP ods-enforcerd" when it went. */
static void
notify_and_report(struct ksm_ctx *ctx)
{
	if (ksm_notify_enforcer(ctx))
		printf("Performed a HUP ods-enforcerd\n");
}

/* An allocation as store_alloc_update() writes it. */
static struct store_alloc
alloc_of(const struct store_zone_key *k)
{
	struct store_alloc a;

	memset(&a, 0, sizeof(a));
	a.keypair_id = k->keypair_id;
	a.zone_id = k->zone_id;
	a.keytype = k->keytype;
	a.state = k->state;
	a.publish = k->publish;
	a.ready = k->ready;
	a.active = k->active;
	a.retire = k->retire;
	a.dead = k->dead;
	a.rfc5011 = k->rfc5011;
	a.revoked = k->revoked;
	return a;
}

/*
 * The keys of keys[0..n) that spec names, as indexes into idx (room for n)
 * and their number in *nmatch, in list order. A --cka_id must equal the
 * stored one; a keytag is computed with the KSK flags (+ REVOKE when
 * revoked) from the cached public key, or from the HSM when there is none.
 * Appends "Found key with CKA_ID <c>" per match, and 1.x's "NOT IN
 * repository" line per key the HSM does not hold. Returns 0, or the HSM
 * failure (nothing is matched then).
 */
static int
match_keys(struct ksm_ctx *ctx, hsm_t **hsm, struct strbuf *t, const struct store_zone_key *keys,
	size_t n, const struct key_spec *spec, size_t *idx, size_t *nmatch)
{
	size_t i, m = 0;
	int rc;

	for (i = 0; i < n; i++) {
		const struct store_zone_key *k = &keys[i];
		int match;

		if (spec->cka_id != NULL) {
			match = strcmp(k->locator, spec->cka_id) == 0;
		} else {
			unsigned flags = DNSKEY_FLAGS_KSK | (k->revoked ? DNSKEY_FLAG_REVOKE : 0);
			struct dnskey dk;
			uint8_t *key = NULL;

			rc = ksm_key_dnskey(ctx, hsm, k->repository, k->locator, k->algorithm,
				k->pubkey, flags, &dk, &key);
			if (rc == E_NOTFOUND) {
				strbuf_printf(t, "cka_id %-33s in DB but NOT IN repository\n",
					k->locator);
				continue;
			}
			if (rc != 0)
				return rc;
			match = dnskey_keytag(&dk) == spec->keytag;
			free(key);
		}
		if (!match)
			continue;
		idx[m++] = i;
		strbuf_printf(t, "Found key with CKA_ID %s\n", k->locator);
	}
	*nmatch = m;
	return 0;
}

/* ----------------------------------------------------- the named-key txn */

/*
 * What the transactions of ds-seen, ksk-retire and ksk-revoke share: the
 * zone, its KSK candidates, the named key among them, the policy. A
 * refusal sets outcome and returns E_DENIED so that nothing is written.
 */
enum outcome {
	OUT_NONE = 0,
	OUT_NO_ZONE,     /* --zone names no zone */
	OUT_HSM,         /* a keytag could not be computed: hsm_rc */
	OUT_AMBIGUOUS,   /* more than one key matched */
	OUT_NO_MATCH,    /* no key (in the right state) matched */
	OUT_ACTIVE,      /* ds-seen: the key is active already */
	OUT_LAST_ACTIVE, /* ksk-retire: it would leave no active KSK */
	OUT_BACKUP,      /* ds-seen: not backed up, and its repository requires it */
	OUT_NO_REVOKE,   /* ksk-revoke: the zone has no retired KSK left to revoke */
	OUT_NO_POLICY,   /* the zone's policy is not in the database */
	OUT_DONE,        /* changed */
};

struct key_txn {
	struct ksm_ctx *ctx;
	const char *zone; /* NULL: every zone (retire, revoke of a named key) */
	struct key_spec spec;
	time_t now;
	hsm_t *hsm; /* opened on first need, kept across retries */
	/* per attempt */
	struct store_zone_key *keys;
	size_t n;
	size_t *idx; /* matches */
	size_t nmatch;
	struct kasp_policy *pol;
	enum outcome outcome;
	int hsm_rc;
	struct strbuf text; /* what the attempt prints */
};

static void
key_txn_clear(struct key_txn *t)
{
	store_zone_key_free_array(t->keys, t->n);
	t->keys = NULL;
	t->n = 0;
	free(t->idx);
	t->idx = NULL;
	t->nmatch = 0;
	kasp_policy_free(t->pol);
	t->pol = NULL;
	t->outcome = OUT_NONE;
	t->hsm_rc = 0;
	strbuf_reset(&t->text);
}

static void
key_txn_free(struct key_txn *t)
{
	key_txn_clear(t);
	strbuf_free(&t->text);
	hsm_close(t->hsm);
	t->hsm = NULL;
}

/* Stop the attempt with a refusal: nothing it wrote stays. */
static int
refuse(struct key_txn *t, enum outcome why)
{
	t->outcome = why;
	return E_DENIED;
}

/*
 * Start an attempt: the zone (if named), its KSKs in the candidate states
 * (or every zone's), and the keys the spec names (when it names one).
 */
static int
key_txn_begin(db_t *db, struct key_txn *t)
{
	struct store_zone *z = NULL;
	int64_t zone_id = 0;
	int rc;

	key_txn_clear(t);
	if (t->zone != NULL) {
		rc = ksm_find_zone(db, t->zone, &z);
		if (rc == E_NOTFOUND)
			rc = refuse(t, OUT_NO_ZONE);
		if (rc < 0)
			goto out;
		zone_id = z->id;
	}
	rc = store_zone_keys(db, zone_id, STORE_KSK, CANDIDATE_STATES, &t->keys, &t->n);
	if (rc < 0)
		goto out;
	t->idx = calloc(t->n + 1, sizeof(*t->idx));
	if (t->idx == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	if (key_named(&t->spec)) {
		rc = match_keys(
			t->ctx, &t->hsm, &t->text, t->keys, t->n, &t->spec, t->idx, &t->nmatch);
		if (rc != 0) {
			t->hsm_rc = rc;
			t->outcome = OUT_HSM;
		}
	}
out:
	store_zone_free(z);
	return rc;
}

/* The policy of the zone of k (into t->pol). */
static int
load_policy(db_t *db, struct key_txn *t, const struct store_zone_key *k)
{
	int rc;

	if (k->policy == NULL)
		return refuse(t, OUT_NO_POLICY);
	rc = store_policy_get(db, k->policy, &t->pol);
	if (rc == E_NOTFOUND)
		rc = refuse(t, OUT_NO_POLICY);
	return rc;
}

/* ACTIVE KSKs of a zone among the candidates, leaving out the one at skip (n: none). */
static size_t
count_active(const struct key_txn *t, int64_t zone_id, size_t skip, size_t *oldest)
{
	size_t i, c = 0;

	for (i = 0; i < t->n; i++) {
		const struct store_zone_key *k = &t->keys[i];

		if (i == skip || k->zone_id != zone_id || k->state != STORE_STATE_ACTIVE)
			continue;
		/* the earliest retire date; keys come by key pair, so a tie goes to the lowest */
		if (c == 0 || state_retires_earlier(k->retire, t->keys[*oldest].retire))
			*oldest = i;
		c++;
	}
	return c;
}

/* Retire t->keys[i] now; it is dead once its DS has left the parent's caches (Q4). */
static int
retire_now(db_t *db, struct key_txn *t, size_t i)
{
	struct store_alloc a = alloc_of(&t->keys[i]);
	struct state_key k;

	state_key_of_alloc(&a, &k);
	state_retire_now(t->pol, &k, t->now);
	state_key_to_alloc(&k, &a);
	return store_alloc_update(db, &a);
}

/*
 * The message of a refusal or failure of a key_txn, after its text; the
 * exit status. not_state: the state name of the "No keys in the <S> state"
 * message.
 */
static int
key_txn_report(struct ksm_ctx *ctx, struct key_txn *t, int rc, const char *not_state)
{
	ksm_text_flush(&t->text);
	switch (t->outcome) {
	case OUT_NO_ZONE: ksm_zone_not_found(&ctx->opt); return KSM_EUSAGE;
	case OUT_HSM: printf("Error: %s\n", ksm_hsm_errmsg(t->hsm, t->hsm_rc)); return KSM_ERUNTIME;
	case OUT_AMBIGUOUS:
		printf("More than one key matched your parameters, please include more "
		       "information from the above keys\n");
		return KSM_EREFUSED;
	case OUT_ACTIVE: printf("Key is already active\n"); return KSM_EREFUSED;
	case OUT_NO_MATCH:
		printf("No keys in the %s state matched your parameters, please check the "
		       "parameters\n",
			not_state);
		return KSM_EREFUSED;
	case OUT_LAST_ACTIVE:
		printf("Error: completing this action would leave no active keys on zone, "
		       "quitting...\n");
		return KSM_EREFUSED;
	case OUT_BACKUP:
		printf("Error: Trying to make non-backed up KSK active when RequireBackup flag "
		       "is set\n");
		return KSM_EREFUSED;
	case OUT_NO_REVOKE:
		printf("Error: Could not find a key to revoke, quitting...\n");
		return KSM_EREFUSED;
	case OUT_NO_POLICY: printf("Error: failed to find policy for zone\n"); return KSM_ERUNTIME;
	default: return ksm_db_fail(ctx, rc);
	}
}

/* ---------------------------------------------------------- key ds-seen */

struct seen_txn {
	struct key_txn t;
	int no_retire;
	/* out */
	int made_active; /* else made into standby */
	char *locator;
	int retire_blocked; /* the old key stays: it would leave no active KSK */
};

static int
seen_txn(db_t *db, void *arg)
{
	struct seen_txn *s = arg;
	struct key_txn *t = &s->t;
	const struct store_zone_key *k;
	struct store_alloc a;
	struct state_key sk;
	size_t chosen, oldest = 0, others, i;
	int rc, retired = 0;

	free(s->locator);
	s->locator = NULL;
	s->made_active = s->retire_blocked = 0;
	rc = key_txn_begin(db, t);
	if (rc != 0)
		return rc;
	if (t->nmatch > 1)
		return refuse(t, OUT_AMBIGUOUS);
	if (t->nmatch == 1 && t->keys[t->idx[0]].state == STORE_STATE_ACTIVE)
		return refuse(t, OUT_ACTIVE);
	/* Q9: a RETIRE key is a candidate, but is not made a standby again */
	if (t->nmatch == 0 || (t->keys[t->idx[0]].state != STORE_STATE_READY &&
				      t->keys[t->idx[0]].state != STORE_STATE_DSSUB))
		return refuse(t, OUT_NO_MATCH);
	chosen = t->idx[0];
	k = &t->keys[chosen];
	if ((rc = load_policy(db, t, k)) != 0)
		return rc;
	s->locator = str_dup(k->locator);
	if (s->locator == NULL)
		return E_NOMEM;
	a = alloc_of(k);
	state_key_of_alloc(&a, &sk);
	if (k->state == STORE_STATE_DSSUB) {
		/* a standby: its DS is at the parent, and propagates */
		state_seen_standby(t->pol, &sk, t->now);
		state_key_to_alloc(&sk, &a);
		rc = store_alloc_update(db, &a);
		if (rc == 0)
			strbuf_printf(&t->text, "Key %s made into standby\n", k->locator);
		t->outcome = OUT_DONE;
		return rc;
	}
	/* Q12: the backup requirement holds for this activation too */
	if (k->require_backup && !k->backed_up)
		return refuse(t, OUT_BACKUP);
	state_seen_activate(t->pol, &sk, t->now);
	state_key_to_alloc(&sk, &a);
	rc = store_alloc_update(db, &a);
	if (rc != 0)
		return rc;
	s->made_active = 1;
	t->outcome = OUT_DONE;
	strbuf_printf(&t->text, "Key %s made active\n", k->locator);
	if (s->no_retire) {
		strbuf_printf(&t->text, "Old key NOT retired\n");
		return 0;
	}
	/* the oldest other active KSK goes, when there is one */
	others = count_active(t, k->zone_id, chosen, &oldest);
	if (others > 0) {
		rc = retire_now(db, t, oldest);
		if (rc == 0)
			strbuf_printf(&t->text, "Old key retired\n");
		return rc;
	}
	for (i = 0; i < t->n; i++) {
		retired |=
			t->keys[i].zone_id == k->zone_id && t->keys[i].state == STORE_STATE_RETIRE;
	}
	/* no other active KSK: a new zone is fine; after a retirement it is odd */
	s->retire_blocked = retired;
	return 0;
}

int
cmd_key_ds_seen(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct seen_txn s;
	char logmsg[ROLLOVER_LOGMSG_LEN];
	enum ksm_exit status;
	int rc;

	memset(&s, 0, sizeof(s));
	if (o->keytag == NULL && o->cka_id == NULL) {
		/* 1.x's text, without its closing parenthesis */
		printf("Please provide a keytag or a CKA_ID for the key (CKA_ID will be used if "
		       "both are provided\n");
		ksm_usage(ctx, USAGE_KEY, 0);
		return KSM_EUSAGE;
	}
	if (o->zone == NULL) {
		printf("Please specify a zone using the --zone flag\n");
		ksm_usage(ctx, USAGE_KEY, 0);
		return KSM_EUSAGE;
	}
	if (parse_key_spec(o, &s.t.spec) != 0)
		return KSM_EUSAGE;
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	s.t.ctx = ctx;
	s.t.zone = o->zone;
	s.t.now = clock_now();
	s.no_retire = o->no_retire;
	rc = db_transact(ctx->db, DB_TXN_WRITE, seen_txn, &s);
	if (rc != 0) {
		status = key_txn_report(ctx, &s.t, rc, "READY");
		goto out;
	}
	ksm_text_flush(&s.t.text);
	snprintf(logmsg, sizeof(logmsg), "Key %s made %s", s.locator,
		s.made_active ? "active" : "into standby");
	rollover_syslog(logmsg);
	status = KSM_OK;
	if (s.retire_blocked) {
		/* the activation stands (the zone needs its KSK); only the retirement is skipped */
		printf("Error: retiring a key would leave no active keys on zone, skipping...\n");
		status = KSM_EREFUSED;
	}
	if (o->no_notify) {
		printf("No HUP ods-enforcerd was performed as the '--no-notify' flag was "
		       "specified.\n");
		printf("Warning: The enforcer must be manually notified or the changes will not "
		       "take full effect until the next scheduled enforcer run.\n");
	} else {
		notify_and_report(ctx);
	}
out:
	free(s.locator);
	key_txn_free(&s.t);
	return status;
}

/* -------------------------------------------------------- key ksk-retire */

static int
retire_txn(db_t *db, void *arg)
{
	struct key_txn *t = arg;
	size_t chosen = 0, oldest = 0;
	int rc;

	rc = key_txn_begin(db, t);
	if (rc != 0)
		return rc;
	if (!key_named(&t->spec)) {
		/* the active KSK with the earliest retire date, if another stays active */
		if (count_active(t, t->n > 0 ? t->keys[0].zone_id : 0, t->n, &oldest) < 2)
			return refuse(t, OUT_LAST_ACTIVE);
		chosen = oldest;
	} else {
		if (t->nmatch > 1)
			return refuse(t, OUT_AMBIGUOUS);
		if (t->nmatch == 0 || t->keys[t->idx[0]].state != STORE_STATE_ACTIVE)
			return refuse(t, OUT_NO_MATCH);
		chosen = t->idx[0];
		if (count_active(t, t->keys[chosen].zone_id, t->n, &oldest) < 2)
			return refuse(t, OUT_LAST_ACTIVE);
	}
	if ((rc = load_policy(db, t, &t->keys[chosen])) != 0)
		return rc;
	rc = retire_now(db, t, chosen);
	if (rc != 0)
		return rc;
	t->outcome = OUT_DONE;
	if (key_named(&t->spec))
		strbuf_printf(&t->text, "Key %s retired\n", t->keys[chosen].locator);
	else
		strbuf_printf(&t->text, "Old key retired\n");
	return 0;
}

int
cmd_key_ksk_retire(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct key_txn t;
	enum ksm_exit status;
	int rc;

	memset(&t, 0, sizeof(t));
	/* 1.x asks before anything else */
	if (!ksm_confirm(ctx, "*WARNING* This will retire the currently active KSK; are you sure? "
			      "[y/N] "))
		return KSM_OK;
	if (parse_key_spec(o, &t.spec) != 0)
		return KSM_EUSAGE;
	if (o->zone == NULL && !key_named(&t.spec)) {
		printf("Please provide a zone or details of the key to roll\n");
		ksm_usage(ctx, USAGE_KEY, 0);
		return KSM_EUSAGE;
	}
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	t.ctx = ctx;
	t.zone = o->zone;
	t.now = clock_now();
	rc = db_transact(ctx->db, DB_TXN_WRITE, retire_txn, &t);
	if (rc != 0) {
		status = key_txn_report(ctx, &t, rc, "ACTIVE");
		goto out;
	}
	/* 1.x did not notify here: the daemon picks the change up on its next run */
	ksm_text_flush(&t.text);
	status = KSM_OK;
out:
	key_txn_free(&t);
	return status;
}

/* -------------------------------------------------------- key ksk-revoke */

struct revoke_txn {
	struct key_txn t;
	time_t tdead;
};

static int
revoke_txn(db_t *db, void *arg)
{
	struct revoke_txn *r = arg;
	struct key_txn *t = &r->t;
	struct store_alloc a;
	size_t chosen = 0, i;
	int rc, found = 0;

	rc = key_txn_begin(db, t);
	if (rc != 0)
		return rc;
	if (!key_named(&t->spec)) {
		/* the retired KSK of the zone that dies first, among those not yet revoked */
		for (i = 0; i < t->n; i++) {
			const struct store_zone_key *k = &t->keys[i];

			if (k->state != STORE_STATE_RETIRE || k->revoked)
				continue;
			if (!found || state_retires_earlier(k->dead, t->keys[chosen].dead))
				chosen = i;
			found = 1;
		}
		if (!found)
			return refuse(t, OUT_NO_REVOKE);
	} else {
		if (t->nmatch > 1)
			return refuse(t, OUT_AMBIGUOUS);
		if (t->nmatch == 0 || t->keys[t->idx[0]].state != STORE_STATE_RETIRE)
			return refuse(t, OUT_NO_MATCH);
		chosen = t->idx[0];
	}
	a = alloc_of(&t->keys[chosen]);
	a.revoked = 1;
	a.dead = r->tdead;
	rc = store_alloc_update(db, &a);
	/* the daemon keeps this dead date (fixedDate) */
	if (rc == 0)
		rc = store_keypair_fix_dates(db, a.keypair_id);
	if (rc != 0)
		return rc;
	t->outcome = OUT_DONE;
	if (key_named(&t->spec))
		strbuf_printf(&t->text, "Key %s revoked\n", t->keys[chosen].locator);
	else
		strbuf_printf(&t->text, "Old key revoked\n");
	return 0;
}

int
cmd_key_ksk_revoke(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct revoke_txn r;
	struct tm tm;
	enum ksm_exit status;
	int rc;

	memset(&r, 0, sizeof(r));
	if (parse_key_spec(o, &r.t.spec) != 0)
		return KSM_EUSAGE;
	if (o->zone == NULL && !key_named(&r.t.spec)) {
		printf("Please provide a zone or details of the key to roll\n");
		return KSM_EUSAGE;
	}
	r.t.now = clock_now();
	if (o->tdead != NULL) {
		if (time_parse(o->tdead, r.t.now, &r.tdead) != 0) {
			printf("Error: unable to convert \"%s\" into a date\n", o->tdead);
			fputs(time_help_text, stderr);
			return KSM_EUSAGE;
		}
	} else {
		/* 30 days on the local calendar, as 1.x counted them */
		localtime_r(&r.t.now, &tm);
		tm.tm_mday += 30;
		tm.tm_isdst = -1;
		r.tdead = mktime(&tm);
	}
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	r.t.ctx = ctx;
	r.t.zone = o->zone;
	rc = db_transact(ctx->db, DB_TXN_WRITE, revoke_txn, &r);
	if (rc != 0) {
		status = key_txn_report(ctx, &r.t, rc, "RETIRE");
		goto out;
	}
	ksm_text_flush(&r.t.text);
	notify_and_report(ctx);
	status = KSM_OK;
out:
	key_txn_free(&r.t);
	return status;
}
