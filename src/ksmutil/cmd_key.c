/*
 * cmd_key.c - the key commands of ods-ksmutil (ksmutil-cli.md §5):
 * generate, list, export, import, purge, delete, and the new `key orphans`.
 *
 * HSM and database: a key is first made in the HSM, then recorded in the
 * database (`key generate`); it is first removed from the database, then
 * from the HSM (`key purge`, `key delete`). Either way a crash in between
 * leaves an HSM object without a keypairs row, never a row whose key was
 * lost: `key orphans` lists those objects and `key orphans --delete`
 * removes them. Key generation and the orphan sweep both hold the
 * advisory lock "keygen", so the sweep never mistakes a key being
 * generated at that moment for an orphan.
 *
 * Public keys: `key generate` stores each new key's DNSKEY key field in
 * keypairs.publickey. List and export compute key tags and records from
 * that cache and open the HSM only for a key without one (a search costs
 * a scan of the whole token on SoftHSM), so with a full cache they never
 * touch the HSM.
 *
 * Fixed 1.x quirks (ksmutil-cli.md §12): 8 (purge goes on when a key is
 * already gone from the HSM), 10 (unsupported import algorithm and a
 * refused in-use delete exit non-zero), 11 (numeric states match exactly),
 * 12 (export is ordered by state as documented, and each zone's DS warning
 * is judged on all its exported keys), 13 (messages show the zone as
 * typed), 19 (generation uses the policy's algorithm).
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/dname.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/str.h"
#include "common/timeparse.h"
#include "enforcer/plan.h"
#include "hsm/dnskey.h"
#include "hsm/hsm.h"
#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* ------------------------------------------------------------ vocabulary */

static int
all_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return 0;
	}
	return 1;
}

/*
 * A --keystate value: a state name (case-insensitive; the value must start
 * with it, as 1.x compared) or its number, which must match exactly
 * (quirk 11: 1.x took "10" for GENERATE). Only states 1..max are accepted.
 */
static int
parse_state(const char *text, int max, int *out)
{
	int64_t v;
	int s;

	if (all_digits(text)) {
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

static const char *
keytype_name(int keytype)
{
	return keytype == STORE_KSK ? "KSK" : keytype == STORE_ZSK ? "ZSK" : "";
}

static int
state_error(const char *text)
{
	printf("Error: Unrecognised state %s; should be one of GENERATE, PUBLISH, READY, ACTIVE, "
	    "RETIRE, DEAD, DSSUB, DSPUBLISH, DSREADY or KEYPUBLISH\n", text);
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
static int
open_hsm(struct ksm_ctx *ctx, hsm_t **out)
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
		rc = E_NOTFOUND;        /* an object that is not this key */
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

/* ----------------------------------------------------------- key generate */

struct gen_read {
	const char *policy;             /* in: name */
	struct kasp_policy *pol;        /* out */
	int64_t policy_id;
	int64_t zones;
	int64_t repo_id[2];
	int missing_repo;               /* 1 + role of a repository not in the database */
};

static int
gen_read_txn(db_t *db, void *arg)
{
	struct gen_read *g = arg;
	struct store_policy *list = NULL;
	size_t n = 0, i;
	int rc, role;

	kasp_policy_free(g->pol);
	g->pol = NULL;
	g->missing_repo = 0;
	rc = store_policy_get(db, g->policy, &g->pol);
	if (rc < 0)
		goto out;
	rc = store_policy_list(db, STORE_ORDER_ID, &list, &n);
	if (rc < 0)
		goto out;
	rc = E_NOTFOUND;
	for (i = 0; i < n; i++) {
		if (strcmp(list[i].name, g->policy) == 0) {
			g->policy_id = list[i].id;
			g->zones = list[i].zones;
			rc = 0;
			break;
		}
	}
	if (rc < 0)
		goto out;
	for (role = 0; role < 2; role++) {
		const char *repo = role == PLAN_KSK ? g->pol->ksk.repository :
		    g->pol->zsk.repository;

		rc = store_repository_id(db, repo, &g->repo_id[role]);
		if (rc == E_NOTFOUND) {
			g->missing_repo = 1 + role;
			rc = 0;
		}
		if (rc < 0)
			goto out;
	}
out:
	store_policy_free_array(list, n);
	return rc;
}

struct gen_count {
	struct store_key_pool pool[2];
	time_t limit[2];
	int64_t good[2];
};

static int
gen_count_txn(db_t *db, void *arg)
{
	struct gen_count *c = arg;
	int rc, role;

	for (role = 0; role < 2; role++) {
		rc = store_key_count_good(db, &c->pool[role], c->limit[role], &c->good[role]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct gen_insert {
	const char *locator;
	int algorithm, bits;
	int64_t repo_id, policy_id;
	time_t now;
	const char *pubkey;             /* base64 DNSKEY key field */
};

static int
gen_insert_txn(db_t *db, void *arg)
{
	const struct gen_insert *g = arg;

	return store_key_insert(db, g->locator, g->algorithm, g->bits, g->repo_id, g->policy_id,
	    g->now, g->pubkey, NULL);
}

static const char *
interval_error(int rc)
{
	switch (rc) {
	case E_RANGE:
		return "interval too long to be an int. E.g. Maximum is ~68 years on a system "
		       "with 32-bit integers.";
	case E_INVAL:
		return "invalid pointers or text string NULL.";
	default:
		return "unable to translate string.";
	}
}

/* Key pairs now in a repository's token (what its Capacity limits). */
static int
hsm_count(hsm_t *hsm, const char *repo, int64_t *n)
{
	struct hsm_key *keys = NULL;
	size_t count = 0;
	int rc = hsm_list(hsm, repo, &keys, &count, NULL);

	if (rc == 0)
		*n = (int64_t)count;
	free(keys);
	return rc;
}

int
cmd_key_generate(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct gen_read g;
	struct gen_count c;
	struct plan_input in;
	struct plan_result res;
	const struct kasp_keydef *def[2];
	const struct conf_repository *crepo[2];
	hsm_t *hsm = NULL;
	int64_t interval = 0, zones, total = 0;
	int approx = 0, rc, role, locked = 0;
	int created[2] = { 0, 0 };
	time_t now;

	memset(&g, 0, sizeof(g));
	memset(&c, 0, sizeof(c));
	memset(&in, 0, sizeof(in));
	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		goto out;
	if (o->policy == NULL) {
		printf("Please provide a policy name with the --policy option\n");
		rc = KSM_EUSAGE;
		goto out;
	}
	if (o->interval == NULL) {
		printf("Please provide an interval with the --interval option\n");
		rc = KSM_EUSAGE;
		goto out;
	}
	g.policy = o->policy;
	rc = db_transact(ctx->db, DB_TXN_READ, gen_read_txn, &g);
	if (rc == E_NOTFOUND) {
		printf("Error: policy %s doesn't exist in database\n", o->policy);
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (g.missing_repo) {
		printf("Error: unable to find a repository named \"%s\" in database\n",
		    g.missing_repo == 1 ? g.pol->ksk.repository : g.pol->zsk.repository);
		rc = KSM_EUSAGE;
		goto out;
	}
	printf("Key sharing is %s\n", g.pol->share_keys ? "On" : "Off");
	rc = duration_parse(o->interval, &interval, &approx);
	if (rc != 0) {
		printf("Error: unable to convert Interval %s to seconds, error: %s\n", o->interval,
		    interval_error(rc));
		rc = KSM_EUSAGE;
		goto out;
	}
	if (approx)
		printf("Info: converting %s to seconds; M interpreted as 31 days, Y interpreted "
		    "as 365 days\n", o->interval);

	def[PLAN_KSK] = &g.pol->ksk;
	def[PLAN_ZSK] = &g.pol->zsk;
	for (role = 0; role < 2; role++) {
		crepo[role] = conf_repository(ctx->conf, def[role]->repository);
		if (crepo[role] == NULL) {
			printf("Error: repository %s of policy %s is not in %s\n",
			    def[role]->repository, o->policy, ctx->conf->path);
			rc = KSM_EUSAGE;
			goto out;
		}
		if (hsm_alg_family(def[role]->algorithm) == 0) {
			printf("Error: algorithm %d of the %s of policy %s cannot be generated\n",
			    def[role]->algorithm, role == PLAN_KSK ? "KSK" : "ZSK", o->policy);
			rc = KSM_EUSAGE;
			goto out;
		}
	}
	if ((rc = open_hsm(ctx, &hsm)) != KSM_OK)
		goto out;
	for (role = 0; role < 2; role++) {
		if (hsm_repository_open(hsm, def[role]->repository) != 0) {
			printf("Error: %s\n", hsm_errmsg(hsm));
			rc = KSM_ERUNTIME;
			goto out;
		}
	}
	printf("HSM opened successfully.\n");
	printf("Info: %lld zone(s) found on policy \"%s\"\n", (long long)g.zones, o->policy);
	zones = g.zones;
	if (o->zonetotal != NULL) {
		if (!all_digits(o->zonetotal) || str_to_int64(o->zonetotal, &total) != 0) {
			printf("Error: zonetotal \"%s\"; should be numeric only\n", o->zonetotal);
			rc = KSM_EUSAGE;
			goto out;
		}
		if (total < 1) {
			printf("Error: zonetotal parameter value of %lld is invalid - the value must "
			    "be greater than 0\n", (long long)total);
			rc = KSM_EUSAGE;
			goto out;
		}
		printf("Info: Keys will actually be generated for a total of %lld zone(s) as "
		    "specified by zone total parameter\n", (long long)total);
		zones = total;
	} else if (zones == 0) {
		printf("No zones on policy %s, skipping...\n", o->policy);
		rc = KSM_OK;
		goto out;
	}

	/* one generator at a time: two would both see the same shortfall */
	rc = db_lock(ctx->db, STORE_KEYGEN_LOCK, STORE_KEYGEN_LOCK_WAIT_MS);
	if (rc != 0) {
		printf("Error: another key generation is running (%s)\n", db_errmsg(ctx->db));
		rc = KSM_ERUNTIME;
		goto out;
	}
	locked = 1;

	now = clock_now();
	for (role = 0; role < 2; role++) {
		c.pool[role].policy_id = g.policy_id;
		c.pool[role].repository_id = g.repo_id[role];
		c.pool[role].algorithm = def[role]->algorithm;
		c.pool[role].bits = def[role]->bits;
		c.limit[role] = now + (time_t)plan_window(g.pol, (enum plan_role)role, interval);
		in.needed[role] = plan_needed(g.pol, (enum plan_role)role, interval, zones);
		in.capacity[role] = crepo[role]->capacity;
	}
	rc = db_transact(ctx->db, DB_TXN_READ, gen_count_txn, &c);
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		goto out;
	}
	in.available[PLAN_KSK] = c.good[PLAN_KSK];
	in.available[PLAN_ZSK] = c.good[PLAN_ZSK];
	in.same_pool = plan_same_pool(g.pol);
	in.same_repository = strcmp(def[PLAN_KSK]->repository, def[PLAN_ZSK]->repository) == 0;
	for (role = 0; role < 2; role++) {
		if (in.capacity[role] <= 0)
			continue;
		if (hsm_count(hsm, def[role]->repository, &in.in_repository[role]) != 0) {
			printf("Error: %s\n", hsm_errmsg(hsm));
			rc = KSM_ERUNTIME;
			goto out;
		}
	}
	plan_keys(&in, &res);

	for (role = 0; role < 2; role++) {
		printf("%lld new %s(s) (%d bits) need to be created for policy %s: "
		    "keys_to_generate(%lld) = keys_needed(%lld) - keys_available(%lld).\n",
		    (long long)res.wanted[role], role == PLAN_KSK ? "KSK" : "ZSK",
		    def[role]->bits, o->policy, (long long)res.wanted[role],
		    (long long)res.needed[role], (long long)res.available[role]);
	}
	for (role = 0; role < 2; role++) {
		if (res.cap[role] == PLAN_CAP_FULL) {
			printf("Repository %s is full, cannot create more keys for policy %s\n",
			    def[role]->repository, o->policy);
			rc = KSM_EUSAGE;
			goto out;
		}
	}
	for (role = 0; role < 2; role++) {
		if (res.cap[role] == PLAN_CAP_REDUCED)
			printf("Repository %s is nearly full, will create %lld %ss for policy %s "
			    "(reduced from %lld)\n", def[role]->repository,
			    (long long)res.create[role], role == PLAN_KSK ? "KSK" : "ZSK",
			    o->policy, (long long)res.wanted[role]);
	}
	if (res.create[PLAN_KSK] == 0 && res.create[PLAN_ZSK] == 0) {
		printf("No keys need to be created, quitting...\n");
		printf("all done!\n");
		rc = KSM_OK;
		goto out;
	}
	if (!o->auto_accept) {
		char prompt[256];

		snprintf(prompt, sizeof(prompt), "*WARNING* This will create %lld KSKs (%d bits) "
		    "and %lld ZSKs (%d bits)\nAre you sure? [y/N] \n",
		    (long long)res.create[PLAN_KSK], def[PLAN_KSK]->bits,
		    (long long)res.create[PLAN_ZSK], def[PLAN_ZSK]->bits);
		if (!ksm_confirm(ctx, prompt)) {
			rc = KSM_OK;
			goto out;
		}
	}

	for (role = 0; role < 2; role++) {
		for (int64_t i = 0; i < res.create[role]; i++) {
			char id[HSM_ID_HEX_LEN + 1], *b64 = NULL;
			struct gen_insert ins;
			uint8_t *pub = NULL;
			size_t publen = 0;

			rc = hsm_generate(hsm, def[role]->repository, def[role]->algorithm,
			    (unsigned)def[role]->bits, id, &pub, &publen);
			if (rc == 0 && dnskey_key_base64(pub, publen, &b64) != 0)
				b64 = NULL;     /* the cache is filled later */
			free(pub);
			if (rc != 0) {
				printf("Error: could not create a %s in repository %s: %s\n",
				    role == PLAN_KSK ? "KSK" : "ZSK", def[role]->repository,
				    hsm_errmsg(hsm));
				rc = KSM_ERUNTIME;
				goto out;
			}
			/* the object exists; its row follows in its own short transaction */
			ins.locator = id;
			ins.algorithm = def[role]->algorithm;
			ins.bits = def[role]->bits;
			ins.repo_id = g.repo_id[role];
			ins.policy_id = g.policy_id;
			ins.now = clock_now();
			ins.pubkey = b64;
			rc = db_transact(ctx->db, DB_TXN_WRITE, gen_insert_txn, &ins);
			free(b64);
			if (rc != 0) {
				rc = ksm_db_fail(ctx, rc);
				printf("Error: key %s was created in repository %s but not stored in "
				    "the database; \"ods-ksmutil key orphans --delete\" removes it\n",
				    id, def[role]->repository);
				goto out;
			}
			created[role]++;
			printf("Created %s size: %d, alg: %d with id: %s in repository: %s and "
			    "database.\n", role == PLAN_KSK ? "KSK" : "ZSK", def[role]->bits,
			    def[role]->algorithm, id, def[role]->repository);
			fflush(stdout);
		}
	}
	for (role = 0; role < 2; role++) {
		if (created[role] == 0 || !crepo[role]->require_backup)
			continue;
		if (role == PLAN_ZSK && created[PLAN_KSK] > 0 && in.same_repository)
			continue;       /* one note per repository */
		printf("NOTE: keys generated in repository %s will not become active until they "
		    "have been backed up\n", def[role]->repository);
	}
	printf("all done!\n");
	rc = KSM_OK;
out:
	if (locked)
		db_unlock(ctx->db, STORE_KEYGEN_LOCK);
	hsm_close(hsm);
	kasp_policy_free(g.pol);
	return rc;
}

/* ---------------------------------------------------------- list / export */

struct list_txn {
	const char *zone;               /* NULL: every zone */
	struct store_key_filter filter;
	int want_policies;
	struct store_key *keys;
	size_t n;
	struct kasp_policy **pols;      /* one per distinct key policy (export), by name */
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
	default:
		*tag = "";
		break;
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
	hsm_t *hsm;             /* opened for the first key whose public key is not cached */
	int hsm_failed;         /* the HSM's error was printed */
	struct jdoc *json;      /* --json: the document, else NULL */
};

/*
 * What a key waits for when the text column shows a phrase instead of a
 * date (--json "waiting_for"); NULL when it has a date.
 */
static const char *
waiting_for(const struct store_key *k)
{
	switch (k->state) {
	case STORE_STATE_READY:
		return k->keytype == STORE_KSK ? "ds-seen" : "rollover";
	case STORE_STATE_DEAD:
		return "deletion";
	case STORE_STATE_DSSUB:
		return "ds-seen";
	case STORE_STATE_DSREADY:
		return "request";
	default:
		return NULL;
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
	rc |= jset(o, "key_type", k->zone_id ? jstr(keytype_name(k->keytype)) : json_null());
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
	    keytype_name(k->keytype), row_state_name(k), when);
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
	int rc, state = 0, keytype = 0;

	memset(&filter, 0, sizeof(filter));
	if (o->keystate != NULL && o->all) {
		printf("Error: --keystate and --all option cannot be given together\n");
		printf("Error: failed to list keys\n");
		return KSM_EUSAGE;
	}
	if (o->keystate != NULL && parse_state(o->keystate, STORE_STATE_MAX, &state) != 0)
		return state_error(o->keystate);
	if (o->keytype != NULL && ksm_parse_keytype(o->keytype, &keytype) != 0)
		return ksm_keytype_error(o->keytype);
	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;

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
			rc = KSM_EUSAGE;
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
			rc = KSM_ERUNTIME;
			goto out;
		}
	}
	if (p.hsm_failed) {
		rc = KSM_ERUNTIME;
		goto out;
	}
	if (rc != 0)
		goto db_failed;
	if (p.json == NULL)
		printf("\n");
	rc = KSM_OK;
	goto out;
db_failed:
	rc = ksm_db_fail(ctx, rc);
	printf("Error: failed to list keys\n");
out:
	hsm_close(p.hsm);
	store_zone_free(z);
	return rc;
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
		    keytype_name(k->keytype), lines[0]);
	for (int i = 0; ds && i < 2; i++)
		printf("\n;%s %s DS record (%s):\n%s\n", store_state_name(k->state),
		    keytype_name(k->keytype), export_digest_names[i], lines[i]);
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
	rc |= jset(o, "key_type", jstr(keytype_name(k->keytype)));
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
	int rc, state = 0, keytype = STORE_KSK;

	memset(&l, 0, sizeof(l));
	/* --all and no --zone mean the same: every zone (quirk 12: both are accepted) */
	if (o->keystate != NULL && parse_state(o->keystate, STORE_STATE_MAX, &state) != 0)
		return state_error(o->keystate);
	/* the type defaults to KSK, as in 1.x (documented in the man page) */
	if (o->keytype != NULL && ksm_parse_keytype(o->keytype, &keytype) != 0)
		return ksm_keytype_error(o->keytype);
	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;

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
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (l.n == 0 && o->json) {
		jdoc_begin(&d);
		jdoc_array_begin(&d, "keys");
		jdoc_array_end(&d);
		rc = jdoc_end(&d);
		goto out;
	}
	if (l.n == 0) {
		if (state != 0)
			printf("No keys in %s state to export.\n", o->keystate);
		else
			printf("No keys in READY state or higher to export.\n");
		rc = KSM_OK;
		goto out;
	}
	rows = calloc(l.n, sizeof(*rows));
	if (rows == NULL) {
		printf("Error: out of memory\n");
		rc = KSM_ERUNTIME;
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
			rc = export_one_json(ctx, &hsm, &rows[i], list_policy(&l, k->policy), o->ds,
			    &d);
		} else {
			rc = export_one(ctx, &hsm, k, list_policy(&l, k->policy), o->ds);
			if (rc == KSM_OK && o->ds && rows[i].zone_last)
				ds_warnings(rows[i].zone_ready, rows[i].zone_active);
		}
		if (rc != KSM_OK)
			break;
	}
	if (o->json) {
		/* closed after a failure too: stdout holds one document */
		jdoc_array_end(&d);
		if (jdoc_end(&d) != KSM_OK && rc == KSM_OK)
			rc = KSM_ERUNTIME;
	}
out:
	free(rows);
	hsm_close(hsm);
	list_txn_clear(&l);
	return rc;
}

/* ------------------------------------------------------------- key delete */

struct find_txn {
	const char *locator;
	struct store_keypair *key;
};

static int
find_key_txn(db_t *db, void *arg)
{
	struct find_txn *f = arg;

	store_keypair_free(f->key);
	f->key = NULL;
	return store_key_find(db, f->locator, &f->key);
}

struct delete_txn {
	const struct store_keypair *key;        /* as read before the prompt */
	int force;
};

/*
 * Delete the key, re-reading it first: between the read and this
 * transaction someone may have allocated or deleted it. E_DENIED when it is
 * now in use (and not --force), E_NOTFOUND when it is gone or replaced.
 */
static int
delete_txn(db_t *db, void *arg)
{
	const struct delete_txn *d = arg;
	struct store_keypair *now = NULL;
	int rc;

	rc = store_key_find(db, d->key->locator, &now);
	if (rc != 0)
		goto out;
	if (now->id != d->key->id) {
		rc = E_NOTFOUND;
		goto out;
	}
	if (now->in_use > 0 && !d->force) {
		rc = E_DENIED;
		goto out;
	}
	rc = store_key_delete(db, now->id);
out:
	store_keypair_free(now);
	return rc;
}

int
cmd_key_delete(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct find_txn f = { NULL, NULL };
	struct delete_txn d;
	hsm_t *hsm = NULL;
	int rc, in_hsm;

	if (o->cka_id == NULL) {
		printf("Please provide a CKA_ID for the key to delete\n");
		ksm_usage(ctx, USAGE_KEY, 0);
		return KSM_EUSAGE;
	}
	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	f.locator = o->cka_id;
	rc = db_transact(ctx->db, DB_TXN_READ, find_key_txn, &f);
	if (rc == E_NOTFOUND && !ksm_cka_id_ok(o->cka_id)) {
		printf("Error: CKA_ID \"%s\" is not a hexadecimal string of %d digits\n",
		    o->cka_id, HSM_ID_HEX_LEN);
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_NOTFOUND) {
		printf("Failed to determine the state of the key\n");
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (f.key->in_use > 0) {
		if (!o->force) {
			/* quirk 10: refusing is a failure, not success */
			printf("The enforcer believes that this key is in use, quitting...\n");
			rc = KSM_EUSAGE;
			goto out;
		}
		if (!ksm_confirm(ctx, "*WARNING* This will delete a key that the enforcer believes "
		    "is in use; are you really sure? [y/N] ")) {
			rc = KSM_OK;
			goto out;
		}
	}
	/*
	 * Older builds imported keys under any CKA_ID text: a hex one of
	 * another length ("0001") is still deleted from the token; for one
	 * that is not hex ("key-one") only the row goes, and the user is told
	 * to look at the token.
	 */
	in_hsm = !o->no_hsm && hsm_delete_id_ok(f.key->locator);
	if (in_hsm) {
		/* fail before touching the database when the token cannot be used */
		if ((rc = open_hsm(ctx, &hsm)) != KSM_OK)
			goto out;
		if (f.key->repository == NULL ||
		    hsm_repository_open(hsm, f.key->repository) != 0) {
			printf("Error: %s\n", f.key->repository ? hsm_errmsg(hsm) :
			    "the key's repository is unknown");
			rc = KSM_ERUNTIME;
			goto out;
		}
	}
	d.key = f.key;
	d.force = o->force;
	rc = db_transact(ctx->db, DB_TXN_WRITE, delete_txn, &d);
	if (rc == E_DENIED) {
		/* allocated since the check above */
		printf("The enforcer believes that this key is in use, quitting...\n");
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_NOTFOUND) {
		/* deleted (or replaced) since the check above */
		printf("Failed to determine the state of the key\n");
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (o->no_hsm) {
		rc = KSM_OK;
		goto out;
	}
	if (!in_hsm) {
		printf("Key delete successful: %s\n", f.key->locator);
		printf("Note: CKA_ID \"%s\" is not hexadecimal, so the HSM was not searched for "
		    "it; remove its object from repository %s by hand if it has one\n",
		    f.key->locator, f.key->repository != NULL ? f.key->repository : "(unknown)");
		rc = KSM_OK;
		goto out;
	}
	rc = hsm_delete(hsm, f.key->repository, f.key->locator);
	if (rc == E_NOTFOUND) {
		printf("Key not found in HSM: %s\n", f.key->locator);
		rc = KSM_ERUNTIME;
	} else if (rc != 0) {
		printf("Key delete failed: %s\n", f.key->locator);
		printf("Error: %s\n", hsm_errmsg(hsm));
		rc = KSM_ERUNTIME;
	} else {
		printf("Key delete successful: %s\n", f.key->locator);
		rc = KSM_OK;
	}
out:
	hsm_close(hsm);
	store_keypair_free(f.key);
	return rc;
}

/* -------------------------------------------------------------- key purge */

struct purge_txn {
	const char *zone, *policy;
	struct store_keypair *keys;
	size_t n;
	int what_missing;       /* 1 zone, 2 policy */
	int dry;                /* only find the keys, delete nothing */
};

static int
purge_txn(db_t *db, void *arg)
{
	struct purge_txn *p = arg;
	struct store_zone *z = NULL;
	struct store_policy *pols = NULL;
	int64_t zone_id = 0, policy_id = 0;
	size_t npols = 0, i;
	int rc;

	store_keypair_free_array(p->keys, p->n);
	p->keys = NULL;
	p->n = 0;
	p->what_missing = 0;
	if (p->zone != NULL) {
		rc = ksm_find_zone(db, p->zone, &z);
		if (rc == E_NOTFOUND)
			p->what_missing = 1;
		if (rc < 0)
			goto out;
		zone_id = z->id;
	} else {
		rc = store_policy_list(db, STORE_ORDER_ID, &pols, &npols);
		if (rc < 0)
			goto out;
		rc = E_NOTFOUND;
		for (i = 0; i < npols; i++) {
			if (strcmp(pols[i].name, p->policy) == 0) {
				policy_id = pols[i].id;
				rc = 0;
			}
		}
		if (rc < 0) {
			p->what_missing = 2;
			goto out;
		}
	}
	rc = store_key_purgeable(db, zone_id, policy_id, &p->keys, &p->n);
	for (i = 0; rc == 0 && !p->dry && i < p->n; i++)
		rc = store_key_delete(db, p->keys[i].id);
out:
	store_zone_free(z);
	store_policy_free_array(pols, npols);
	return rc;
}

int
cmd_key_purge(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct purge_txn p;
	hsm_t *hsm = NULL;
	size_t i, j;
	int rc, failed = 0;

	memset(&p, 0, sizeof(p));
	if ((o->zone == NULL) == (o->policy == NULL)) {
		printf("Please provide either a zone OR a policy to key purge\n");
		ksm_usage(ctx, USAGE_KEY, 0);
		return KSM_EUSAGE;
	}
	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	if ((rc = open_hsm(ctx, &hsm)) != KSM_OK)
		goto out;
	p.zone = o->zone;
	p.policy = o->policy;
	p.dry = 1;
	rc = db_transact(ctx->db, DB_TXN_READ, purge_txn, &p);
	if (rc == E_NOTFOUND && p.what_missing == 1) {
		ksm_zone_not_found(o);
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_NOTFOUND && p.what_missing == 2) {
		printf("Error: unable to find a policy named \"%s\" in database\n", o->policy);
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		printf("Error: failed to purge dead keys\n");
		goto out;
	}
	if (p.n == 0) {
		printf("No keys to purge.\n");
		rc = KSM_OK;
		goto out;
	}
	/*
	 * Every token (of conf) holding one of these keys must be usable before
	 * the rows go, else every key would be an orphan. hsm_open() loaded
	 * nothing; this logs in.
	 */
	for (i = 0; i < p.n; i++) {
		const char *repo = p.keys[i].repository;

		for (j = 0; repo != NULL && j < i; j++) {
			if (p.keys[j].repository && strcmp(p.keys[j].repository, repo) == 0)
				repo = NULL;
		}
		if (repo == NULL || conf_repository(ctx->conf, repo) == NULL)
			continue;
		if (hsm_repository_open(hsm, repo) != 0) {
			printf("Error: cannot use repository \"%s\", no keys purged: %s\n", repo,
			    hsm_errmsg(hsm));
			rc = KSM_ERUNTIME;
			goto out;
		}
	}
	p.dry = 0;
	rc = db_transact(ctx->db, DB_TXN_WRITE, purge_txn, &p);
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		printf("Error: failed to purge dead keys\n");
		goto out;
	}
	if (p.n == 0) {
		printf("No keys to purge.\n");
		rc = KSM_OK;
		goto out;
	}
	/* the rows are gone; now the HSM objects (quirk 8: a missing one is no failure) */
	for (i = 0; i < p.n; i++) {
		const struct store_keypair *k = &p.keys[i];

		rc = k->repository ? hsm_delete(hsm, k->repository, k->locator) : E_NOTFOUND;
		if (rc == 0) {
			printf("Key remove successful: %s\n", k->locator);
		} else if (rc == E_NOTFOUND) {
			printf("Key not found: %s\n", k->locator);
		} else {
			printf("Key remove failed: %s\n", k->locator);
			printf("Error: %s\n", hsm_errmsg(hsm));
			failed = 1;
		}
	}
	rc = failed ? KSM_ERUNTIME : KSM_OK;
out:
	hsm_close(hsm);
	store_keypair_free_array(p.keys, p.n);
	return rc;
}

/* ------------------------------------------------------------ key orphans */

static int
all_keys_txn(db_t *db, void *arg)
{
	struct {
		struct store_keypair *keys;
		size_t n;
	} *a = arg;

	store_keypair_free_array(a->keys, a->n);
	a->keys = NULL;
	a->n = 0;
	return store_key_all(db, &a->keys, &a->n);
}

static int
hsm_key_cmp(const void *pa, const void *pb)
{
	const struct hsm_key *a = pa, *b = pb;
	int c = strcmp(a->repository, b->repository);

	return c != 0 ? c : strcasecmp(a->id, b->id);
}

static int
locator_cmp(const void *pa, const void *pb)
{
	const char *const *a = pa, *const *b = pb;

	return strcasecmp(*a, *b);
}

int
cmd_key_orphans(struct ksm_ctx *ctx)
{
	struct {
		struct store_keypair *keys;
		size_t n;
	} db_keys = { NULL, 0 };
	struct hsm_key *hkeys = NULL;
	const char **locators = NULL;
	hsm_t *hsm = NULL;
	size_t nh = 0, i, orphans = 0, missing = 0, deleted = 0;
	int rc, locked = 0;

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	if ((rc = open_hsm(ctx, &hsm)) != KSM_OK)
		goto out;
	/* no key generation runs meanwhile: its new objects are not orphans */
	rc = db_lock(ctx->db, STORE_KEYGEN_LOCK, STORE_KEYGEN_LOCK_WAIT_MS);
	if (rc != 0) {
		printf("Error: key generation is running (%s)\n", db_errmsg(ctx->db));
		rc = KSM_ERUNTIME;
		goto out;
	}
	locked = 1;
	rc = hsm_list(hsm, NULL, &hkeys, &nh, NULL);
	if (rc != 0) {
		printf("Error: %s\n", hsm_errmsg(hsm));
		rc = KSM_ERUNTIME;
		goto out;
	}
	rc = db_transact(ctx->db, DB_TXN_READ, all_keys_txn, &db_keys);
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		goto out;
	}
	locators = calloc(db_keys.n + 1, sizeof(*locators));
	if (locators == NULL) {
		printf("Error: out of memory\n");
		rc = KSM_ERUNTIME;
		goto out;
	}
	for (i = 0; i < db_keys.n; i++)
		locators[i] = db_keys.keys[i].locator;
	qsort(locators, db_keys.n, sizeof(*locators), locator_cmp);
	if (nh > 1)
		qsort(hkeys, nh, sizeof(*hkeys), hsm_key_cmp);

	for (i = 0; i < nh; i++) {
		const char *id = hkeys[i].id;

		if (db_keys.n > 0 &&
		    bsearch(&id, locators, db_keys.n, sizeof(*locators), locator_cmp) != NULL)
			continue;
		orphans++;
		printf("Orphan in HSM: %s %s\n", hkeys[i].repository, id);
	}
	for (i = 0; i < db_keys.n; i++) {
		const struct store_keypair *k = &db_keys.keys[i];
		struct hsm_key probe;

		memset(&probe, 0, sizeof(probe));
		snprintf(probe.id, sizeof(probe.id), "%s", k->locator);
		probe.repository = k->repository ? k->repository : "";
		if (k->repository != NULL && strlen(k->locator) <= HSM_ID_HEX_LEN && nh > 0 &&
		    bsearch(&probe, hkeys, nh, sizeof(*hkeys), hsm_key_cmp) != NULL)
			continue;
		missing++;
		printf("Missing from HSM: %s (repository %s)\n", k->locator,
		    k->repository ? k->repository : "unknown");
	}
	if (orphans > 0 && ctx->opt.delete_orphans) {
		for (i = 0; i < nh; i++) {
			const char *id = hkeys[i].id;

			if (db_keys.n > 0 &&
			    bsearch(&id, locators, db_keys.n, sizeof(*locators), locator_cmp) != NULL)
				continue;
			rc = hsm_delete(hsm, hkeys[i].repository, id);
			if (rc == 0 || rc == E_NOTFOUND) {
				deleted++;
				printf("Deleted orphan: %s %s\n", hkeys[i].repository, id);
			} else {
				printf("Error: could not delete %s %s: %s\n", hkeys[i].repository, id,
				    hsm_errmsg(hsm));
			}
		}
	}
	if (orphans == 0 && missing == 0)
		printf("No orphans: every HSM key is in the database and every database key in the HSM.\n");
	rc = (orphans - deleted) + missing > 0 ? KSM_EUSAGE : KSM_OK;
out:
	if (locked)
		db_unlock(ctx->db, STORE_KEYGEN_LOCK);
	hsm_close(hsm);
	free(hkeys);
	free(locators);
	store_keypair_free_array(db_keys.keys, db_keys.n);
	return rc;
}

/* ------------------------------------------------------------- key import */

/* The algorithm keywords of 1.x `key import`, and the newer curves. */
static const struct {
	const char *name;
	int number;
} alg_names[] = {
	{ "rsamd5", 1 }, { "dh", 2 }, { "dsa", 3 }, { "rsasha1", 5 },
	{ "dsa-nsec3-sha1", 6 }, { "rsasha1-nsec3-sha1", 7 }, { "rsasha256", 8 },
	{ "rsasha512", 10 }, { "ecdsap256sha256", 13 }, { "ecdsap384sha384", 14 },
	{ "ed25519", 15 }, { "indirect", 252 }, { "domain", 253 }, { "oid", 254 },
};

/* A number, or a name: exact, else a unique case-insensitive prefix. */
static int
parse_algorithm(const char *text, int *out)
{
	size_t i, len = strlen(text);
	int64_t v;
	int found = -1;

	if (all_digits(text)) {
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
	int what;               /* what was missing: 1 repository, 2 zone, 3 duplicate */
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
	if (!all_digits(o->bits) || str_to_int64(o->bits, &v->bits) != 0 || v->bits > 65535)
		return KSM_IMPORT_BAD_BITS;
	if (v->bits == 0)
		return KSM_IMPORT_ZERO_BITS;
	if (parse_algorithm(o->algorithm, &v->algorithm) != 0 || hsm_alg_family(v->algorithm) == 0)
		return KSM_IMPORT_BAD_ALGORITHM;
	if (parse_state(o->keystate, STORE_STATE_RETIRE, &v->state) != 0)
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

int
cmd_key_import(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct import_txn t;
	hsm_t *hsm = NULL;
	char when[TIME_STR_LEN], rwhen[TIME_STR_LEN];
	int64_t bits = 0;
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
	if (!o->cka_id || !o->repository || !o->zone || !o->bits || !o->algorithm ||
	    !o->keystate || !o->keytype || !o->time)
		return KSM_EUSAGE;
	if (!ksm_cka_id_ok(o->cka_id)) {
		printf("Error: CKA_ID \"%s\" is not a hexadecimal string of %d digits\n",
		    o->cka_id, HSM_ID_HEX_LEN);
		return KSM_EUSAGE;
	}
	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;

	/* 2. the key in the HSM (any repository) */
	if ((rc = open_hsm(ctx, &hsm)) != KSM_OK)
		goto out;
	rc = hsm_find(hsm, NULL, o->cka_id, NULL);
	if (rc == E_NOTFOUND) {
		if (o->check_repository) {
			fprintf(stderr, "Error: No key with the CKA_ID %-33s exists in the repository "
			    "%s. When the option [--check-repository] is used the key MUST exist in "
			    "the repository for the key to be imported. \n", o->cka_id, o->repository);
			rc = KSM_EUSAGE;
			goto out;
		}
		printf("Warning: No key with the CKA_ID %-33s exists in the repository %s. The key "
		    "will be imported into the database anyway. \n", o->cka_id, o->repository);
	} else if (rc != 0) {
		printf("Error: %s\n", hsm_errmsg(hsm));
		rc = KSM_ERUNTIME;
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
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_NOTFOUND && t.what == 2) {
		ksm_zone_not_found(o);
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_EXISTS && t.what == 3) {
		printf("Error: key with CKA_ID \"%s\" already exists in database\n", o->cka_id);
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		goto out;
	}

	/* 6.-11. keytype, bits, algorithm, state, times */
	chk = ksm_key_import_check(o, clock_now(), &v);
	if (chk == KSM_IMPORT_OK || chk >= KSM_IMPORT_RETIRE_STATE) {
		time_format_local(v.at, when);
		printf("Converted time is %s\n", when);
	}
	switch (chk) {
	case KSM_IMPORT_OK:
		break;
	case KSM_IMPORT_BAD_KEYTYPE:
		rc = ksm_keytype_error(o->keytype);
		goto out;
	case KSM_IMPORT_BAD_BITS:
		printf("Error: Bits \"%s\"; should be numeric only\n", o->bits);
		rc = KSM_EUSAGE;
		goto out;
	case KSM_IMPORT_ZERO_BITS:
		printf("Error: Bits \"%s\"; a key has at least one bit\n", o->bits);
		rc = KSM_EUSAGE;
		goto out;
	case KSM_IMPORT_BAD_ALGORITHM:
		/* quirk 10: this is a failure (1.x exited 0) */
		printf("Error: Key algorithm %s not supported; try one of RSASHA1, "
		    "RSASHA1-NSEC3-SHA1 or RSASHA256\n", o->algorithm);
		rc = KSM_EUSAGE;
		goto out;
	case KSM_IMPORT_BAD_STATE:
		printf("Error: Unrecognised state %s; should be one of GENERATE, PUBLISH, READY, "
		    "ACTIVE or RETIRE\n", o->keystate);
		rc = KSM_EUSAGE;
		goto out;
	case KSM_IMPORT_BAD_TIME:
		printf("Error: unable to convert \"%s\" into a date\n", o->time);
		fputs(time_help_text, stderr);
		rc = KSM_EUSAGE;
		goto out;
	case KSM_IMPORT_RETIRE_STATE:
		printf("Error: unable to specify retire time for a key in state \"%s\"\n",
		    o->keystate);
		rc = KSM_EUSAGE;
		goto out;
	case KSM_IMPORT_BAD_RETIRE:
		printf("Error: unable to convert retire time \"%s\" into a date\n", o->retire);
		fputs(time_help_text, stderr);
		rc = KSM_EUSAGE;
		goto out;
	case KSM_IMPORT_RETIRE_EARLY:
		time_format_local(v.retire, rwhen);
		printf("Error: retire time %s is before the key's time %s\n", rwhen, when);
		rc = KSM_EUSAGE;
		goto out;
	}
	keytype = v.keytype;
	alg = v.algorithm;
	state = v.state;
	bits = v.bits;
	at = v.at;
	retire = v.retire;

	/* 12. shared keys go to every zone of the policy */
	if (t.pol->share_keys && !ksm_confirm(ctx, "*WARNING* This zone shares keys with others, "
	    "the key will be added to all; are you sure? [y/N] ")) {
		rc = KSM_OK;
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
		rc = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		printf("Error: couldn't import key\n");
		goto out;
	}
	printf("Key imported into zone(s)\n");
	rc = KSM_OK;
out:
	hsm_close(hsm);
	store_zone_free(t.z);
	kasp_policy_free(t.pol);
	return rc;
}
