/*
 * cmd_metrics.c - `ods-ksmutil metrics`: the key-lifecycle metrics of the
 * database in the Prometheus text format, on stdout (src/enforcer/metrics.h),
 * the same text ods-enforcerd writes to its MetricsFile after a pass, with
 * each repository's token listed for the kasp_hsm_* counts.
 * Only reads: it answers on a replica too.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "enforcer/metrics.h"
#include "ksmutil/ksmutil.h"

int
cmd_metrics(struct ksm_ctx *ctx)
{
	hsm_t *hsm = NULL;
	int rc;

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	/* the tokens are logged into only when listed; one that fails is reported in the text */
	if (hsm_open(ctx->conf, &hsm) != 0)
		hsm = NULL;
	rc = metrics_write(ctx->db, ctx->conf, hsm, clock_now(), stdout);
	hsm_close(hsm);
	if (rc == E_IO) {
		fprintf(stderr, "Error: cannot write the metrics: %s\n", strerror(errno));
		return KSM_ERUNTIME;
	}
	if (rc != 0)
		return ksm_db_fail(ctx, rc);
	return KSM_OK;
}
