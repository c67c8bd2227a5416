/*
 * cmd_zonelist.c - `zonelist export` (ksmutil-cli.md 4.4); `zonelist
 * import` is `update zonelist` (cmd_update.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/zonelist.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

struct export_txn {
	struct store_zone *zones;
	size_t n;
};

static int
export_txn(db_t *db, void *arg)
{
	struct export_txn *e = arg;

	store_zone_free_array(e->zones, e->n);
	e->zones = NULL;
	e->n = 0;
	/* 1.x order: by policy (creation order), then by zone id */
	return store_zone_list(db, STORE_ORDER_ID, &e->zones, &e->n);
}

int
cmd_zonelist_export(struct ksm_ctx *ctx)
{
	struct export_txn e = { NULL, 0 };
	struct zonelist_zone *xz = NULL;
	char *text = NULL;
	size_t len;
	int rc;

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	rc = db_transact(ctx->db, DB_TXN_READ, export_txn, &e);
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		goto out;
	}
	xz = calloc(e.n + 1, sizeof(*xz));
	if (!xz) {
		printf("Error: out of memory\n");
		rc = KSM_ERUNTIME;
		goto out;
	}
	for (size_t i = 0; i < e.n; i++) {
		xz[i].name = e.zones[i].name;
		xz[i].policy = e.zones[i].policy;
		xz[i].signconf = e.zones[i].signconf;
		xz[i].input = e.zones[i].input;
		xz[i].input_type = e.zones[i].input_type;
		xz[i].output = e.zones[i].output;
		xz[i].output_type = e.zones[i].output_type;
	}
	if (zonelist_format(xz, e.n, ZONELIST_STYLE_EXPORT, &text, &len) != 0) {
		printf("Error: cannot build the zone list\n");
		rc = KSM_ERUNTIME;
		goto out;
	}
	fwrite(text, 1, len, stdout);
	rc = KSM_OK;
out:
	free(text);
	free(xz);
	store_zone_free_array(e.zones, e.n);
	return rc;
}
