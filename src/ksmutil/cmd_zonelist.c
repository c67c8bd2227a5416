/*
 * cmd_zonelist.c - `zonelist export` (ksmutil-cli.md 4.4); `zonelist
 * import` is `update zonelist` (cmd_update.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/zonelist.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* One row of the database, one <Zone> of the output. */
static int
export_zone(void *arg, const struct store_zone *z)
{
	struct zonelist_zone xz = {
		.name = z->name,
		.policy = z->policy,
		.signconf = z->signconf,
		.input = z->input,
		.input_type = z->input_type,
		.output = z->output,
		.output_type = z->output_type,
	};

	return zonelist_writer_add(arg, &xz);
}

/*
 * Written row by row from one query (1.x order: by policy, in creation
 * order, then by zone id), so memory holds one zone whatever their number.
 */
int
cmd_zonelist_export(struct ksm_ctx *ctx)
{
	struct zonelist_writer *w = NULL;
	int rc;

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	rc = zonelist_writer_open(stdout, ZONELIST_STYLE_EXPORT, &w);
	if (rc == 0)
		rc = store_zone_each(ctx->db, export_zone, w);
	if (rc != 0) {
		/* the document is left unfinished: a reader sees it is not whole */
		zonelist_writer_free(w);
		if (rc == E_NOMEM || rc == E_IO || rc == E_INVAL) {
			printf("\nError: cannot write the zone list\n");
			return KSM_ERUNTIME;
		}
		printf("\n");
		return ksm_db_fail(ctx, rc);
	}
	if (zonelist_writer_close(w) != 0)
		return KSM_ERUNTIME;
	return KSM_OK;
}
