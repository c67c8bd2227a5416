/*
 * leader.c - which of the daemons sharing a database leads (enforcerd.h).
 *
 * Each daemon keeps one connection of its own, the leader connection, for
 * as long as it runs. On it, it asks for the "enforcer" lock without
 * waiting; the one that gets it raises the leader epoch and leads, the
 * others stand by and ask again every PollInterval. The server lets go of
 * the lock when that connection ends, however the leader ended (crash,
 * kill -9, network loss), and a standby takes over at its next poll.
 *
 * A leader that keeps its connection but stops writing its heartbeat (a
 * stopped or hung process) keeps its lock too: when its heartbeat is
 * older than STORE_STALE_POLLS polls, a standby takes the lead from it by
 * the epoch alone (compare and set, so one standby wins), leads without
 * the lock until the old leader lets it go, and the old leader's writes
 * are fenced from then on.
 *
 * Every check also proves, on that connection, that the epoch is still
 * ours: a leader whose connection broke, or whose lock went without it
 * noticing, finds out here (and its passes are fenced by the epoch in any
 * case, run.h). The same connection writes the daemon's row in
 * cluster_nodes: the heartbeat at every check, the passes' start and end.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "enforcerd/enforcerd.h"
#include "store/store.h"

void
leader_init(struct leader *l)
{
	char host[256];

	memset(l, 0, sizeof(*l));
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(l->host, sizeof(l->host), "%s", host);
	l->pid = (int64_t)getpid();
	store_node_name(l->host, l->pid, l->node, sizeof(l->node));
	l->started = clock_now();
}

/* Close the leader connection; the server lets go of its lock with it. */
static void
drop(struct leader *l)
{
	db_close(l->db);
	l->db = NULL;
	l->epoch = 0;
	l->lock_held = 0;
}

struct take {
	const char *node;
	time_t now;
	int64_t epoch;
};

static int
take_txn(db_t *db, void *arg)
{
	struct take *t = arg;

	return store_cluster_take(db, t->node, t->now, &t->epoch);
}

struct take_from {
	const char *node;
	time_t now;
	int64_t from;
	int64_t epoch;
};

static int
take_from_txn(db_t *db, void *arg)
{
	struct take_from *t = arg;

	return store_cluster_take_from(db, t->node, t->now, t->from, &t->epoch);
}

static int
cluster_txn(db_t *db, void *arg)
{
	return store_cluster_read(db, arg);
}

/*
 * The lock is held but the leader has not written a heartbeat for
 * STORE_STALE_POLLS polls: take the lead from it. 1 when we lead now.
 */
static int
take_from_stuck(struct leader *l, const struct conf *conf)
{
	struct store_cluster c;
	struct take_from t = { l->node, clock_now(), 0, 0 };
	time_t heard;
	int rc, taken = 0;

	memset(&c, 0, sizeof(c));
	if (db_transact(l->db, DB_TXN_READ, cluster_txn, &c) != 0 || c.leader.epoch == 0 ||
		c.leader.node == NULL)
		goto out; /* no daemon ever led: the lock is someone else's */
	heard = c.leader.since;
	if (c.lead != NULL && c.lead->heartbeat > heard)
		heard = c.lead->heartbeat;
	if (t.now - heard <= STORE_STALE_POLLS * conf->poll_interval)
		goto out;
	t.from = c.leader.epoch;
	rc = db_transact(l->db, DB_TXN_WRITE, take_from_txn, &t);
	if (rc != 0) {
		/* DB_E_FENCED: another standby was quicker */
		if (rc != DB_E_FENCED)
			log_msg(LOG_ERR, "cannot take the lead: %s", db_errmsg(l->db));
		goto out;
	}
	l->epoch = t.epoch;
	l->lock_held = 0;
	l->standby_logged = 0;
	log_msg(LOG_WARNING,
		"%s has written no heartbeat for %lld s but holds the enforcer lock "
		"(stopped or hung): this ods-enforcerd (%s) leads now, epoch %" PRId64,
		c.leader.node, (long long)(t.now - heard), l->node, l->epoch);
	taken = 1;
out:
	store_cluster_clear(&c);
	return taken;
}

struct beat {
	struct store_node node;
	time_t now;
};

static int
beat_txn(db_t *db, void *arg)
{
	const struct beat *b = arg;

	return store_node_beat(db, &b->node, b->now);
}

/* Write our row: role and heartbeat. */
static int
beat(struct leader *l, const char *role)
{
	struct beat b = {
		.node = { .host = l->host,
			.pid = l->pid,
			.role = (char *)role,
			.version = PACKAGE_VERSION,
			.started = l->started },
		.now = clock_now(),
	};

	int rc = db_transact(l->db, DB_TXN_WRITE, beat_txn, &b);

	if (rc == 0)
		l->last_beat = b.now;
	return rc;
}

/* Do we still lead? 1 yes, 0 no (the lead is dropped), logged. */
static int
still_leading(struct leader *l)
{
	struct store_leader cur;
	int rc = store_cluster_leader(l->db, &cur);

	if (rc == 0 && cur.epoch == l->epoch) {
		store_leader_clear(&cur);
		return 1;
	}
	if (rc == 0)
		log_msg(LOG_WARNING,
			"%s took the lead from this ods-enforcerd (epoch %" PRId64 "); standing by",
			cur.node != NULL ? cur.node : "another ods-enforcerd", cur.epoch);
	else
		log_msg(LOG_WARNING, "lost the leader connection (%s); standing by",
			db_errmsg(l->db));
	store_leader_clear(&cur);
	drop(l);
	return 0;
}

int
leader_check(struct leader *l, const struct conf *conf)
{
	struct db_config cfg;
	struct take t = { l->node, clock_now(), 0 };
	char err[1024] = "";
	int rc, ro = 0;

	if (l->db == NULL) {
		store_db_config(&cfg, &conf->datastore);
		cfg.create = 0;
		rc = db_open(&cfg, &l->db, err, sizeof(err));
		if (rc != 0) {
			log_msg(LOG_ERR, "cannot open the leader connection: %s",
				err[0] != '\0' ? err : err_str(rc));
			l->db = NULL;
			return rc;
		}
	}
	if (db_read_only(l->db, &ro) == 0 && ro) {
		/* a replica: nothing to lead, nothing to write a heartbeat to */
		if (!l->replica)
			log_msg(LOG_INFO,
				"%s is a read-only replica: this ods-enforcerd changes "
				"no keys and writes the signconf files from the replicated state "
				"until it is promoted",
				db_location(l->db));
		l->replica = 1;
		drop(l);
		return 0;
	}
	l->replica = 0;
	if (l->epoch != 0 && !still_leading(l))
		return leader_check(l, conf);
	if (l->epoch != 0 && !l->lock_held && db_lock(l->db, STORE_ENFORCER_LOCK, 0) == 0) {
		/* the stuck leader we took the lead from has let go */
		l->lock_held = 1;
		log_msg(LOG_INFO, "this ods-enforcerd (%s) holds the enforcer lock now", l->node);
	}
	if (l->epoch == 0) {
		rc = db_lock(l->db, STORE_ENFORCER_LOCK, 0);
		if (rc == 0) {
			l->lock_held = 1;
			rc = db_transact(l->db, DB_TXN_WRITE, take_txn, &t);
			if (rc != 0) {
				log_msg(LOG_ERR, "cannot take the lead: %s", db_errmsg(l->db));
				drop(l);
				return rc;
			}
			l->epoch = t.epoch;
			l->standby_logged = 0;
			log_msg(LOG_INFO, "this ods-enforcerd (%s) leads now, epoch %" PRId64,
				l->node, l->epoch);
		} else if (rc == DB_E_LOCKED) {
			/* once per stand-by, not at every poll */
			if (!take_from_stuck(l, conf) && !l->standby_logged) {
				log_msg(LOG_INFO,
					"%s enforcer lock already held by another "
					"ods-enforcerd, sleep",
					db_location(l->db));
				l->standby_logged = 1;
			}
		} else {
			log_msg(LOG_ERR, "cannot ask for the lead: %s", db_errmsg(l->db));
			drop(l);
			return rc;
		}
	}
	l->poll = conf->poll_interval;
	rc = beat(l, l->epoch != 0 ? "leader" : "standby");
	if (rc != 0) {
		log_msg(LOG_WARNING, "cannot write the heartbeat: %s", db_errmsg(l->db));
		/* a leader that cannot write to the database stops acting */
		drop(l);
	}
	return rc;
}

struct pass_row {
	const struct leader *l;
	time_t started, finished;
	const char *outcome;
};

static int
pass_row_txn(db_t *db, void *arg)
{
	const struct pass_row *r = arg;

	return store_node_pass(db, r->l->host, r->l->pid, r->started, r->finished, r->outcome);
}

void
leader_pass(struct leader *l, time_t started, time_t finished, const char *outcome)
{
	struct pass_row r = { l, started, finished, outcome };

	if (l->db != NULL && db_transact(l->db, DB_TXN_WRITE, pass_row_txn, &r) != 0)
		log_msg(LOG_WARNING, "cannot record the pass: %s", db_errmsg(l->db));
}

void
leader_tick(void *leader)
{
	struct leader *l = leader;

	if (l->db != NULL && l->epoch != 0 && clock_now() - l->last_beat >= l->poll &&
		beat(l, "leader") != 0)
		log_msg(LOG_WARNING, "cannot write the heartbeat: %s", db_errmsg(l->db));
}

void
leader_lost(struct leader *l)
{
	log_msg(LOG_WARNING, "another ods-enforcerd took the lead during the pass; standing by");
	drop(l);
}

void
leader_stop(struct leader *l)
{
	if (l->db != NULL) {
		(void)beat(l, "stopped");
		if (l->lock_held)
			(void)db_unlock(l->db, STORE_ENFORCER_LOCK);
	}
	drop(l);
}
