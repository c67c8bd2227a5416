/*
 * cmd_repository.c - `repository list` (ksmutil-cli.md 6.6, quirk 14 fixed:
 * a repository without a capacity shows "unset", not 0).
 *
 * New with --verbose: a fourth column "Keys:", the number of key pairs the
 * database holds in the repository (any policy, any state). Without -v the
 * 1.x layout is unchanged.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/err.h"

#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

struct list_txn {
	struct store_repository *repos;
	size_t n;
	int64_t *keys; /* with --verbose: key pairs per repository */
};

static int
list_txn(db_t *db, void *arg)
{
	struct list_txn *l = arg;

	int rc;

	store_repository_free_array(l->repos, l->n);
	l->repos = NULL;
	l->n = 0;
	free(l->keys);
	l->keys = NULL;
	rc = store_repository_list(db, &l->repos, &l->n);
	if (rc < 0 || l->n == 0)
		return rc;
	l->keys = calloc(l->n, sizeof(*l->keys));
	if (l->keys == NULL)
		return E_NOMEM;
	for (size_t i = 0; i < l->n && rc == 0; i++)
		rc = store_key_count_repository(db, l->repos[i].id, &l->keys[i]);
	return rc;
}

/* --json: every column, key_pairs always (the text shows it with -v). */
static int
repository_list_json(const struct list_txn *l)
{
	struct jdoc d;

	jdoc_begin(&d);
	jdoc_array_begin(&d, "repositories");
	for (size_t i = 0; i < l->n; i++) {
		json_t *o = json_object();
		int rc = 0;

		rc |= jset(o, "name", jstr(l->repos[i].name));
		rc |= jset(o, "capacity",
			l->repos[i].capacity > 0 ? jint(l->repos[i].capacity) : json_null());
		rc |= jset(o, "require_backup", jbool(l->repos[i].require_backup));
		rc |= jset(o, "key_pairs", jint(l->keys != NULL ? l->keys[i] : 0));
		jdoc_array_add(&d, jdone(o, rc));
	}
	jdoc_array_end(&d);
	return jdoc_end(&d);
}

int
cmd_repository_list(struct ksm_ctx *ctx)
{
	struct list_txn l = { NULL, 0, NULL };
	char cap[32];
	int rc;

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	rc = db_transact(ctx->db, DB_TXN_READ, list_txn, &l);
	if (rc != 0) {
		store_repository_free_array(l.repos, l.n);
		free(l.keys);
		return ksm_db_fail(ctx, rc);
	}
	if (ctx->opt.json) {
		rc = repository_list_json(&l);
		store_repository_free_array(l.repos, l.n);
		free(l.keys);
		return rc;
	}
	printf("Repositories:\n");
	if (ctx->opt.verbose)
		printf("%-33s%-13s%-15s%s\n", "Name:", "Capacity:", "RequireBackup:", "Keys:");
	else
		printf("%-33s%-13s%s\n", "Name:", "Capacity:", "RequireBackup:");
	for (size_t i = 0; i < l.n; i++) {
		if (l.repos[i].capacity > 0)
			snprintf(cap, sizeof(cap), "%ld", l.repos[i].capacity);
		else
			snprintf(cap, sizeof(cap), "unset");
		if (ctx->opt.verbose && l.keys != NULL)
			printf("%-32s %-12s %-14s %lld\n", l.repos[i].name, cap,
				l.repos[i].require_backup ? "Yes" : "No", (long long)l.keys[i]);
		else
			printf("%-32s %-12s %s\n", l.repos[i].name, cap,
				l.repos[i].require_backup ? "Yes" : "No");
	}
	printf("\n");
	store_repository_free_array(l.repos, l.n);
	free(l.keys);
	return KSM_OK;
}
