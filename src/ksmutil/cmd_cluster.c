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
#include "ksmutil/jsonout.h"
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

/* One daemon of --json; the pass fields null before its first pass. */
static json_t *
node_json(const struct store_node *n)
{
	char node[300];
	json_t *o = json_object();
	int rc = 0, ran = n->pass_started != 0;
	int done = ran && n->pass_finished >= n->pass_started;

	store_node_name(n->host, n->pid, node, sizeof(node));
	rc |= jset(o, "node", jstr(node));
	rc |= jset(o, "host", jstr(n->host));
	rc |= jset(o, "pid", jint(n->pid));
	rc |= jset(o, "role", jstr(n->role));
	rc |= jset(o, "version", jstr(n->version));
	rc |= jset_time(o, "started", n->started, n->started != 0);
	rc |= jset_time(o, "heartbeat", n->heartbeat, n->heartbeat != 0);
	rc |= jset_time(o, "pass_started", n->pass_started, ran);
	rc |= jset(o, "pass_running", jbool(ran && !done));
	rc |= jset(o, "pass_outcome", done ? jstr(n->pass_outcome) : json_null());
	rc |= jset(
		o, "pass_seconds", done ? jint(n->pass_finished - n->pass_started) : json_null());
	return jdone(o, rc);
}

/* --json: the text's facts; "healthy" is what the exit status says. */
static int
status_json(struct ksm_ctx *ctx, const struct store_cluster *r, size_t standbys, int healthy,
	int64_t lead_silent)
{
	struct jdoc d;
	json_t *leader = json_null();

	if (r->leader.node != NULL) {
		leader = json_object();
		if (jset(leader, "node", jstr(r->leader.node)) != 0 ||
			jset_time(leader, "since", r->leader.since, r->leader.since != 0) != 0 ||
			jset(leader, "epoch", jint(r->leader.epoch)) != 0) {
			json_decref(leader);
			leader = NULL;
		}
	}
	jdoc_begin(&d);
	jdoc_field(&d, "database", jstr(db_location(ctx->db)));
	jdoc_field(&d, "leader", leader);
	jdoc_field(&d, "standbys", jint((int64_t)standbys));
	jdoc_field(&d, "healthy", jbool(healthy));
	jdoc_field(&d, "leader_silent_seconds", lead_silent >= 0 ? jint(lead_silent) : json_null());
	jdoc_array_begin(&d, "nodes");
	for (size_t i = 0; i < r->n; i++)
		jdoc_array_add(&d, node_json(&r->nodes[i]));
	jdoc_array_end(&d);
	return jdoc_end(&d);
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
	enum ksm_exit status;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	stale = STORE_STALE_POLLS * ctx->conf->poll_interval;
	rc = db_transact(ctx->db, DB_TXN_READ, read_txn, &r);
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	for (i = 0; i < r.n; i++) {
		const struct store_node *n = &r.nodes[i];

		if (strcmp(n->role, "standby") == 0 && now - n->heartbeat <= stale)
			standbys++;
	}
	/* the daemon the epoch names, while its row says it leads */
	lead = r.lead != NULL && strcmp(r.lead->role, "leader") == 0 ? r.lead : NULL;
	if (ctx->opt.json) {
		/* the warnings below go to stderr then */
		status = status_json(ctx, &r, standbys,
			lead != NULL && now - lead->heartbeat <= stale,
			lead != NULL ? now - lead->heartbeat : -1);
		if (status != KSM_OK)
			goto out;
	} else {
		printf("Database:    %s\n", db_location(ctx->db));
		if (r.leader.node != NULL)
			printf("Leader:      %s since %s (epoch %" PRId64 ")\n", r.leader.node,
				when(r.leader.since, since), r.leader.epoch);
		else
			printf("Leader:      none ever\n");
		printf("Standbys:    %zu\n", standbys);
		if (r.n > 0) {
			printf("\n%-32s %-8s %-10s %-19s  %-19s  %s\n", "Node", "Role", "Version",
				"Started", "Heartbeat", "Last pass");
			for (i = 0; i < r.n; i++)
				print_node(&r.nodes[i]);
		}
	}
	if (lead == NULL) {
		printf("Warning: no ods-enforcerd leads\n");
		status = KSM_ENOLEADER;
	} else if (now - lead->heartbeat > stale) {
		printf("Warning: the leader %s has written no heartbeat for %lld s (stuck, or gone "
		       "with no standby to take over)\n",
			r.leader.node, (long long)(now - lead->heartbeat));
		status = KSM_ENOLEADER;
	} else {
		status = KSM_OK;
	}
out:
	store_cluster_clear(&r);
	return status;
}
