/*
 * cmd_repository.c - `repository list` (ksmutil-cli.md 6.6, quirk 14 fixed:
 * a repository without a capacity shows "unset", not 0).
 */
#include "config.h"

#include <stdio.h>

#include "ksmutil/ksmutil.h"
#include "store/store.h"

struct list_txn {
	struct store_repository *repos;
	size_t n;
};

static int
list_txn(db_t *db, void *arg)
{
	struct list_txn *l = arg;

	store_repository_free_array(l->repos, l->n);
	l->repos = NULL;
	l->n = 0;
	return store_repository_list(db, &l->repos, &l->n);
}

int
cmd_repository_list(struct ksm_ctx *ctx)
{
	struct list_txn l = { NULL, 0 };
	char cap[32];
	int rc;

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	rc = db_transact(ctx->db, DB_TXN_READ, list_txn, &l);
	if (rc != 0)
		return ksm_db_fail(ctx, rc);
	printf("Repositories:\n");
	printf("%-33s%-13s%s\n", "Name:", "Capacity:", "RequireBackup:");
	for (size_t i = 0; i < l.n; i++) {
		if (l.repos[i].capacity > 0)
			snprintf(cap, sizeof(cap), "%ld", l.repos[i].capacity);
		else
			snprintf(cap, sizeof(cap), "unset");
		printf("%-32s %-12s %s\n", l.repos[i].name, cap,
		    l.repos[i].require_backup ? "Yes" : "No");
	}
	printf("\n");
	store_repository_free_array(l.repos, l.n);
	return KSM_OK;
}
