/*
 * cmd_key_orphans.c - `key orphans [--delete]` of ods-ksmutil: HSM objects
 * without a keypairs row (removed with --delete) and rows whose object is
 * gone, compared under the "keygen" lock (cmd_key_internal.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "hsm/hsm.h"
#include "ksmutil/cmd_key_internal.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

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
	enum ksm_exit status;
	int rc, locked = 0;

	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	if ((status = key_open_hsm(ctx, &hsm)) != KSM_OK)
		goto out;
	/* no key generation runs meanwhile: its new objects are not orphans */
	rc = db_lock(ctx->db, STORE_KEYGEN_LOCK, STORE_KEYGEN_LOCK_WAIT_MS);
	if (rc != 0) {
		printf("Error: key generation is running (%s)\n", db_errmsg(ctx->db));
		status = KSM_ERUNTIME;
		goto out;
	}
	locked = 1;
	rc = hsm_list(hsm, NULL, &hkeys, &nh, NULL);
	if (rc != 0) {
		printf("Error: %s\n", hsm_errmsg(hsm));
		status = KSM_ERUNTIME;
		goto out;
	}
	rc = db_transact(ctx->db, DB_TXN_READ, all_keys_txn, &db_keys);
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	locators = calloc(db_keys.n + 1, sizeof(*locators));
	if (locators == NULL) {
		printf("Error: out of memory\n");
		status = KSM_ERUNTIME;
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

			if (db_keys.n > 0 && bsearch(&id, locators, db_keys.n, sizeof(*locators),
						     locator_cmp) != NULL)
				continue;
			rc = hsm_delete(hsm, hkeys[i].repository, id);
			if (rc == 0 || rc == E_NOTFOUND) {
				deleted++;
				printf("Deleted orphan: %s %s\n", hkeys[i].repository, id);
			} else {
				printf("Error: could not delete %s %s: %s\n", hkeys[i].repository,
					id, hsm_errmsg(hsm));
			}
		}
	}
	if (orphans == 0 && missing == 0)
		printf("No orphans: every HSM key is in the database and every database key in the HSM.\n");
	status = (orphans - deleted) + missing > 0 ? KSM_EUSAGE : KSM_OK;
out:
	if (locked)
		/* the outcome is decided; the lock also goes when the program exits */
		(void)db_unlock(ctx->db, STORE_KEYGEN_LOCK);
	hsm_close(hsm);
	free(hkeys);
	free(locators);
	store_keypair_free_array(db_keys.keys, db_keys.n);
	return status;
}
