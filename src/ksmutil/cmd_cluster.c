/*
 * cmd_cluster.c - `ods-ksmutil cluster status`: the daemons that share
 * this database, who leads since when, and whether the lead works.
 *
 * Only reads, so it answers on a read-only replica too. Exit status 0 when
 * a daemon leads and its heartbeat is recent; KSM_ENOLEADER (3) when none
 * leads or the leader's heartbeat is older than STALE_POLLS poll intervals
 * (it is stuck, or it died and no standby took over yet), for monitoring.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/timeparse.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

static int
read_txn(db_t *db, void *arg)
{
	return store_cluster_read(db, arg);
}

/* "YYYY-MM-DD HH:MM:SS" in local time, or "-" for 0. */
static const char *
when(time_t t, char buf[TIME_STR_LEN])
{
	if (t == 0)
		return "-";
	time_format_local(t, buf);
	return buf;
}

static void
print_node(const struct store_node *n)
{
	char node[300], started[TIME_STR_LEN], beat[TIME_STR_LEN], pass[TIME_STR_LEN];

	store_node_name(n->host, n->pid, node, sizeof(node));
	printf("%-32s %-8s %-10s %-19s  %-19s  ", node, n->role, n->version,
	    when(n->started, started), when(n->heartbeat, beat));
	if (n->pass_started == 0)
		printf("-\n");
	else if (n->pass_finished < n->pass_started)
		printf("%s running\n", when(n->pass_started, pass));
	else
		printf("%s %s (%lld s)\n", when(n->pass_started, pass),
		    n->pass_outcome != NULL ? n->pass_outcome : "?",
		    (long long)(n->pass_finished - n->pass_started));
}

int
cmd_cluster_status(struct ksm_ctx *ctx)
{
	struct store_cluster r;
	const struct store_node *lead;
	char since[TIME_STR_LEN];
	time_t now = clock_now();
	int64_t stale; /* a heartbeat older than this (seconds) */
	size_t standbys = 0, i;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	stale = STORE_STALE_POLLS * ctx->conf->poll_interval;
	rc = db_transact(ctx->db, DB_TXN_READ, read_txn, &r);
	if (rc != 0) {
		rc = ksm_db_fail(ctx, rc);
		goto out;
	}
	for (i = 0; i < r.n; i++) {
		const struct store_node *n = &r.nodes[i];

		if (strcmp(n->role, "standby") == 0 && now - n->heartbeat <= stale)
			standbys++;
	}
	/* the daemon the epoch names, while its row says it leads */
	lead = r.lead != NULL && strcmp(r.lead->role, "leader") == 0 ? r.lead : NULL;
	printf("Database:    %s\n", db_location(ctx->db));
	if (r.leader.node != NULL)
		printf("Leader:      %s since %s (epoch %" PRId64 ")\n", r.leader.node,
		    when(r.leader.since, since), r.leader.epoch);
	else
		printf("Leader:      none ever\n");
	printf("Standbys:    %zu\n", standbys);
	if (r.n > 0) {
		printf("\n%-32s %-8s %-10s %-19s  %-19s  %s\n", "Node", "Role", "Version", "Started",
		    "Heartbeat", "Last pass");
		for (i = 0; i < r.n; i++)
			print_node(&r.nodes[i]);
	}
	if (lead == NULL) {
		printf("Warning: no ods-enforcerd leads\n");
		rc = KSM_ENOLEADER;
	} else if (now - lead->heartbeat > stale) {
		printf("Warning: the leader %s has written no heartbeat for %lld s (stuck, or gone "
		    "with no standby to take over)\n", r.leader.node,
		    (long long)(now - lead->heartbeat));
		rc = KSM_ENOLEADER;
	} else {
		rc = KSM_OK;
	}
out:
	store_cluster_clear(&r);
	return rc;
}
