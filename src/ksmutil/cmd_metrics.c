/*
 * cmd_metrics.c - `ods-ksmutil metrics`: the key-lifecycle metrics of the
 * database in the Prometheus text format, on stdout (src/enforcer/metrics.h),
 * the same text ods-enforcerd writes to its MetricsFile after a pass.
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
	int rc;

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	rc = metrics_write(ctx->db, ctx->conf, clock_now(), stdout);
	if (rc == E_IO) {
		fprintf(stderr, "Error: cannot write the metrics: %s\n", strerror(errno));
		return KSM_ERUNTIME;
	}
	if (rc != 0)
		return ksm_db_fail(ctx, rc);
	return KSM_OK;
}
