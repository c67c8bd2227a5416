/*
 * cmd_key_generate.c - `key generate` of ods-ksmutil (ksmutil-cli.md §5.5):
 * the keys a policy's zones need for an interval, made in the HSM, then
 * recorded with their public keys, under the "keygen" lock (cmd_key_internal.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/str.h"
#include "enforcer/plan.h"
#include "hsm/dnskey.h"
#include "hsm/hsm.h"
#include "ksmutil/cmd_key_internal.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* ----------------------------------------------------------- key generate */

struct gen_read {
	const char *policy;      /* in: name */
	struct kasp_policy *pol; /* out */
	int64_t policy_id;
	int64_t zones;
	int64_t repo_id[2];
	int missing_repo; /* 1 + role of a repository not in the database */
};

static int
gen_read_txn(db_t *db, void *arg)
{
	struct gen_read *g = arg;
	struct store_policy *sum = NULL;
	int rc, role;

	kasp_policy_free(g->pol);
	g->pol = NULL;
	g->missing_repo = 0;
	rc = store_policy_get(db, g->policy, &g->pol);
	if (rc < 0)
		goto out;
	rc = store_policy_summary(db, g->policy, &sum);
	if (rc < 0)
		goto out;
	g->policy_id = sum->id;
	g->zones = sum->zones;
	for (role = 0; role < 2; role++) {
		const char *repo =
			role == PLAN_KSK ? g->pol->ksk.repository : g->pol->zsk.repository;

		rc = store_repository_id(db, repo, &g->repo_id[role]);
		if (rc == E_NOTFOUND) {
			g->missing_repo = 1 + role;
			rc = 0;
		}
		if (rc < 0)
			goto out;
	}
out:
	store_policy_free_array(sum, 1);
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
	const char *pubkey; /* base64 DNSKEY key field */
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
	case E_INVAL: return "invalid pointers or text string NULL.";
	default: return "unable to translate string.";
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
	enum ksm_exit status;
	int approx = 0, rc, role, locked = 0;
	int created[2] = { 0, 0 };
	time_t now;

	memset(&g, 0, sizeof(g));
	memset(&c, 0, sizeof(c));
	memset(&in, 0, sizeof(in));
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		goto out;
	if (o->policy == NULL) {
		printf("Please provide a policy name with the --policy option\n");
		status = KSM_EUSAGE;
		goto out;
	}
	if (o->interval == NULL) {
		printf("Please provide an interval with the --interval option\n");
		status = KSM_EUSAGE;
		goto out;
	}
	g.policy = o->policy;
	rc = db_transact(ctx->db, DB_TXN_READ, gen_read_txn, &g);
	if (rc == E_NOTFOUND) {
		printf("Error: policy %s doesn't exist in database\n", o->policy);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (g.missing_repo) {
		printf("Error: unable to find a repository named \"%s\" in database\n",
			g.missing_repo == 1 ? g.pol->ksk.repository : g.pol->zsk.repository);
		status = KSM_EUSAGE;
		goto out;
	}
	printf("Key sharing is %s\n", g.pol->share_keys ? "On" : "Off");
	rc = duration_parse(o->interval, &interval, &approx);
	if (rc != 0) {
		printf("Error: unable to convert Interval %s to seconds, error: %s\n", o->interval,
			interval_error(rc));
		status = KSM_EUSAGE;
		goto out;
	}
	if (approx)
		printf("Info: converting %s to seconds; M interpreted as 31 days, Y interpreted "
		       "as 365 days\n",
			o->interval);

	def[PLAN_KSK] = &g.pol->ksk;
	def[PLAN_ZSK] = &g.pol->zsk;
	for (role = 0; role < 2; role++) {
		crepo[role] = conf_repository(ctx->conf, def[role]->repository);
		if (crepo[role] == NULL) {
			printf("Error: repository %s of policy %s is not in %s\n",
				def[role]->repository, o->policy, ctx->conf->path);
			status = KSM_EUSAGE;
			goto out;
		}
		if (hsm_alg_family(def[role]->algorithm) == 0) {
			printf("Error: algorithm %d of the %s of policy %s cannot be generated\n",
				def[role]->algorithm, role == PLAN_KSK ? "KSK" : "ZSK", o->policy);
			status = KSM_EUSAGE;
			goto out;
		}
	}
	if ((status = key_open_hsm(ctx, &hsm)) != KSM_OK)
		goto out;
	for (role = 0; role < 2; role++) {
		if (hsm_repository_open(hsm, def[role]->repository) != 0) {
			printf("Error: %s\n", hsm_errmsg(hsm));
			status = KSM_ERUNTIME;
			goto out;
		}
	}
	printf("HSM opened successfully.\n");
	printf("Info: %lld zone(s) found on policy \"%s\"\n", (long long)g.zones, o->policy);
	zones = g.zones;
	if (o->zonetotal != NULL) {
		if (!str_all_digits(o->zonetotal) || str_to_int64(o->zonetotal, &total) != 0) {
			printf("Error: zonetotal \"%s\"; should be numeric only\n", o->zonetotal);
			status = KSM_EUSAGE;
			goto out;
		}
		if (total < 1) {
			printf("Error: zonetotal parameter value of %lld is invalid - the value must "
			       "be greater than 0\n",
				(long long)total);
			status = KSM_EUSAGE;
			goto out;
		}
		printf("Info: Keys will actually be generated for a total of %lld zone(s) as "
		       "specified by zone total parameter\n",
			(long long)total);
		zones = total;
	} else if (zones == 0) {
		printf("No zones on policy %s, skipping...\n", o->policy);
		status = KSM_OK;
		goto out;
	}

	/* one generator at a time: two would both see the same shortfall */
	rc = db_lock(ctx->db, STORE_KEYGEN_LOCK, STORE_KEYGEN_LOCK_WAIT_MS);
	if (rc != 0) {
		printf("Error: another key generation is running (%s)\n", db_errmsg(ctx->db));
		status = KSM_ERUNTIME;
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
		status = ksm_db_fail(ctx, rc);
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
			status = KSM_ERUNTIME;
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
			status = KSM_EUSAGE;
			goto out;
		}
	}
	for (role = 0; role < 2; role++) {
		if (res.cap[role] == PLAN_CAP_REDUCED)
			printf("Repository %s is nearly full, will create %lld %ss for policy %s "
			       "(reduced from %lld)\n",
				def[role]->repository, (long long)res.create[role],
				role == PLAN_KSK ? "KSK" : "ZSK", o->policy,
				(long long)res.wanted[role]);
	}
	if (res.create[PLAN_KSK] == 0 && res.create[PLAN_ZSK] == 0) {
		printf("No keys need to be created, quitting...\n");
		printf("all done!\n");
		status = KSM_OK;
		goto out;
	}
	if (!o->auto_accept) {
		char prompt[256];

		snprintf(prompt, sizeof(prompt),
			"*WARNING* This will create %lld KSKs (%d bits) "
			"and %lld ZSKs (%d bits)\nAre you sure? [y/N] \n",
			(long long)res.create[PLAN_KSK], def[PLAN_KSK]->bits,
			(long long)res.create[PLAN_ZSK], def[PLAN_ZSK]->bits);
		if (!ksm_confirm(ctx, prompt)) {
			status = KSM_OK;
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
				b64 = NULL; /* the cache is filled later */
			free(pub);
			if (rc != 0) {
				printf("Error: could not create a %s in repository %s: %s\n",
					role == PLAN_KSK ? "KSK" : "ZSK", def[role]->repository,
					hsm_errmsg(hsm));
				status = KSM_ERUNTIME;
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
				status = ksm_db_fail(ctx, rc);
				printf("Error: key %s was created in repository %s but not stored in "
				       "the database; \"ods-ksmutil key orphans --delete\" removes it\n",
					id, def[role]->repository);
				goto out;
			}
			created[role]++;
			printf("Created %s size: %d, alg: %d with id: %s in repository: %s and "
			       "database.\n",
				role == PLAN_KSK ? "KSK" : "ZSK", def[role]->bits,
				def[role]->algorithm, id, def[role]->repository);
			fflush(stdout);
		}
	}
	for (role = 0; role < 2; role++) {
		if (created[role] == 0 || !crepo[role]->require_backup)
			continue;
		if (role == PLAN_ZSK && created[PLAN_KSK] > 0 && in.same_repository)
			continue; /* one note per repository */
		printf("NOTE: keys generated in repository %s will not become active until they "
		       "have been backed up\n",
			def[role]->repository);
	}
	printf("all done!\n");
	status = KSM_OK;
out:
	if (locked)
		/* the outcome is decided; the lock also goes when the program exits */
		(void)db_unlock(ctx->db, STORE_KEYGEN_LOCK);
	hsm_close(hsm);
	kasp_policy_free(g.pol);
	return status;
}
