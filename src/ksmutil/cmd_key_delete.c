/*
 * cmd_key_delete.c - `key delete` and `key purge` of ods-ksmutil
 * (ksmutil-cli.md §5.9, §5.4): the database rows go first, then the HSM
 * objects, so a crash in between leaves orphans, never lost keys.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "hsm/hsm.h"
#include "ksmutil/cmd_key_internal.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

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
	const struct store_keypair *key; /* as read before the prompt */
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

/* The message and exit status of a failed read or delete of the key. */
static enum ksm_exit
delete_fail(struct ksm_ctx *ctx, int rc)
{
	switch (rc) {
	case E_DENIED:
		/* quirk 10: refusing is a failure, not success */
		printf("The enforcer believes that this key is in use, quitting...\n");
		return KSM_EUSAGE;
	case E_NOTFOUND: printf("Failed to determine the state of the key\n"); return KSM_EUSAGE;
	}
	return ksm_db_fail(ctx, rc);
}

int
cmd_key_delete(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct find_txn f = { NULL, NULL };
	struct delete_txn d;
	hsm_t *hsm = NULL;
	enum ksm_exit status;
	int rc, in_hsm;

	if (o->cka_id == NULL) {
		printf("Please provide a CKA_ID for the key to delete\n");
		ksm_usage(ctx, USAGE_KEY, 0);
		return KSM_EUSAGE;
	}
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	f.locator = o->cka_id;
	rc = db_transact(ctx->db, DB_TXN_READ, find_key_txn, &f);
	if (rc == E_NOTFOUND && !ksm_cka_id_ok(o->cka_id)) {
		printf("Error: CKA_ID \"%s\" is not a hexadecimal string of %d digits\n", o->cka_id,
			HSM_ID_HEX_LEN);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = delete_fail(ctx, rc);
		goto out;
	}
	if (f.key->in_use > 0) {
		if (!o->force) {
			status = delete_fail(ctx, E_DENIED);
			goto out;
		}
		if (!ksm_confirm(ctx, "*WARNING* This will delete a key that the enforcer believes "
				      "is in use; are you really sure? [y/N] ")) {
			status = KSM_OK;
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
		if ((status = key_open_hsm(ctx, &hsm)) != KSM_OK)
			goto out;
		if (f.key->repository == NULL || hsm_repository_open(hsm, f.key->repository) != 0) {
			printf("Error: %s\n", f.key->repository
						      ? hsm_errmsg(hsm)
						      : "the key's repository is unknown");
			status = KSM_ERUNTIME;
			goto out;
		}
	}
	d.key = f.key;
	d.force = o->force;
	rc = db_transact(ctx->db, DB_TXN_WRITE, delete_txn, &d);
	if (rc != 0) {
		/* E_DENIED: allocated, E_NOTFOUND: deleted or replaced since the check above */
		status = delete_fail(ctx, rc);
		goto out;
	}
	if (o->no_hsm) {
		status = KSM_OK;
		goto out;
	}
	if (!in_hsm) {
		printf("Key delete successful: %s\n", f.key->locator);
		printf("Note: CKA_ID \"%s\" is not hexadecimal, so the HSM was not searched for "
		       "it; remove its object from repository %s by hand if it has one\n",
			f.key->locator,
			f.key->repository != NULL ? f.key->repository : "(unknown)");
		status = KSM_OK;
		goto out;
	}
	rc = hsm_delete(hsm, f.key->repository, f.key->locator);
	if (rc == E_NOTFOUND) {
		printf("Key not found in HSM: %s\n", f.key->locator);
		status = KSM_ERUNTIME;
	} else if (rc != 0) {
		printf("Key delete failed: %s\n", f.key->locator);
		printf("Error: %s\n", hsm_errmsg(hsm));
		status = KSM_ERUNTIME;
	} else {
		printf("Key delete successful: %s\n", f.key->locator);
		status = KSM_OK;
	}
out:
	hsm_close(hsm);
	store_keypair_free(f.key);
	return status;
}

/* -------------------------------------------------------------- key purge */

struct purge_txn {
	const char *zone, *policy;
	struct store_keypair *keys;
	size_t n;
	int what_missing; /* 1 zone, 2 policy */
	int dry;          /* only find the keys, delete nothing */
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

/*
 * Whether the outcome of a purge_txn (rc, with n keys found) ends key
 * purge: the transaction failed, or there is nothing to purge. Prints why
 * and sets *status, the exit status, when it does.
 */
static int
purge_stops(struct ksm_ctx *ctx, int rc, size_t n, enum ksm_exit *status)
{
	if (rc != 0) {
		*status = ksm_db_fail(ctx, rc);
		printf("Error: failed to purge dead keys\n");
		return 1;
	}
	if (n == 0) {
		printf("No keys to purge.\n");
		*status = KSM_OK;
		return 1;
	}
	return 0;
}

int
cmd_key_purge(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct purge_txn p;
	hsm_t *hsm = NULL;
	size_t i, j;
	enum ksm_exit status;
	int rc, failed = 0;

	memset(&p, 0, sizeof(p));
	if ((o->zone == NULL) == (o->policy == NULL)) {
		printf("Please provide either a zone OR a policy to key purge\n");
		ksm_usage(ctx, USAGE_KEY, 0);
		return KSM_EUSAGE;
	}
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	if ((status = key_open_hsm(ctx, &hsm)) != KSM_OK)
		goto out;
	p.zone = o->zone;
	p.policy = o->policy;
	p.dry = 1;
	rc = db_transact(ctx->db, DB_TXN_READ, purge_txn, &p);
	if (rc == E_NOTFOUND && p.what_missing == 1) {
		ksm_zone_not_found(o);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_NOTFOUND && p.what_missing == 2) {
		printf("Error: unable to find a policy named \"%s\" in database\n", o->policy);
		status = KSM_EUSAGE;
		goto out;
	}
	if (purge_stops(ctx, rc, p.n, &status))
		goto out;
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
			status = KSM_ERUNTIME;
			goto out;
		}
	}
	p.dry = 0;
	rc = db_transact(ctx->db, DB_TXN_WRITE, purge_txn, &p);
	if (purge_stops(ctx, rc, p.n, &status))
		goto out;
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
	status = failed ? KSM_ERUNTIME : KSM_OK;
out:
	hsm_close(hsm);
	store_keypair_free_array(p.keys, p.n);
	return status;
}
