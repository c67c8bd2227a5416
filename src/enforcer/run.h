/*
 * run.h - one enforce pass over the database (enforcer.md §4.2 with the
 * zonelist read from the database, not from zonelist.xml).
 *
 * A pass holds the advisory lock "enforcer" (so two daemons on one
 * database never run passes at once), then, per policy ordered by id:
 * the NSEC3 resalt, key generation (unless <ManualKeyGeneration/>, under
 * the lock "keygen") and the purge of dead keys; then the zones in
 * batches: one read of the batch's zones and one of their keys, the
 * state machine (state.c) per zone, the batch's changes in one write
 * transaction (retried on contention), and after the commit the log
 * lines, the DS submissions and the signconf files, with the signer
 * told once per changed zone.
 *
 * A crash at any instant leaves a state the next pass continues from:
 * the database moves only by whole batches, a key is created in the HSM
 * before its row (an orphan at worst, which `ods-ksmutil key orphans`
 * reports), DS submissions still owed are remembered in the database,
 * and signconf files are compared with what they should hold on every
 * pass.
 *
 * Logging goes through common/log.h with the 1.x texts (enforcer.md §7.3);
 * nothing is printed.
 */
#ifndef ENFORCER_RUN_H
#define ENFORCER_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/conf.h"
#include "db/db.h"
#include "hsm/hsm.h"
#include "enforcer/state.h"

/* Zones per batch: bounds memory and the length of a write transaction. */
#define RUN_BATCH_ZONES 500

struct run_config {
	const struct conf *conf; /* conf.xml as read for this pass */
	db_t *db;                /* connected; the schema is current */
	hsm_t *hsm;              /* opened on conf; repositories open on use */
	time_t now;              /* clock_now() at the start of the pass */
	const char *only_policy; /* -p: only this policy (NULL: all) */
	/*
	 * Set asynchronously (SIGTERM, SIGINT) to stop early: the pass ends
	 * after the batch in hand is committed and its files written. May be
	 * NULL.
	 */
	volatile sig_atomic_t *stop;
	/*
	 * The signer's "update <zone>" command as an argv, "%zone" standing
	 * for the zone name (default: ODS_SBINDIR "/ods-signer" "update"
	 * "%zone"). NULL: do not notify.
	 */
	const char *const *signer_cmd;
	/* How long to wait for the "enforcer" lock (milliseconds; 0: try once). */
	int lock_wait_ms;
	/*
	 * The caller holds the "enforcer" lock on a connection of its own
	 * (the daemon's leader connection): the pass does not take it.
	 */
	int lock_held;
	/*
	 * The leader epoch the caller raised when it took the lead
	 * (store_cluster_take); every write transaction of the pass that
	 * changes keys or zones checks it first and the pass ends with
	 * DB_E_FENCED once another daemon has raised it. 0: no fencing.
	 */
	int64_t epoch;
	/*
	 * The database is a read-only replica (a DR site): the pass takes no
	 * lock, changes no key, salt or zone and submits no DS; it writes
	 * each zone's signconf from the keys as the primary last committed
	 * them (when the file's bytes differ) and tells the signer, so the
	 * site's signers keep the primary's keys until it is promoted.
	 */
	int read_only;
	/*
	 * Called after each batch of zones and each key generated (may be
	 * NULL): the daemon's heartbeat, so that a long pass is not taken for
	 * a stuck one.
	 */
	void (*tick)(void *arg);
	void *tick_arg;
};

/* Figures of one pass, for the log and the benchmark. */
struct run_stats {
	size_t policies;
	size_t zones;
	size_t keys_generated;
	size_t keys_purged;
	size_t transitions; /* key rows changed or allocated */
	size_t signconfs_written;
	size_t ds_submitted; /* zones whose DS set went to the submit command */
	uint64_t queries;    /* statements run (db_stats) */
	int stopped;         /* the pass ended early on *stop */
};

/*
 * Run one pass. Returns 0 when it ran to the end (or was stopped on
 * request: stats->stopped), DB_E_LOCKED when another process holds the
 * "enforcer" lock past lock_wait_ms, DB_E_FENCED when another daemon took
 * the lead (cfg->epoch), E_NOTFOUND when only_policy does not
 * exist (logged as 1.x does), or the failure that ended it (database
 * unreachable, key generation failed); what was committed before stays.
 * With cfg->read_only, only the signconf files (run_config). stats may
 * be NULL.
 */
int run_pass(const struct run_config *cfg, struct run_stats *stats);

/* A line of text and its syslog priority, for whoever shows it. */
typedef void (*run_emit_fn)(void *ctx, int prio, const char *line);

/* What run_link_zone() did for the new zone; indexed by enum plan_role. */
struct run_link {
	int linked;                     /* the policy shares keys: allocation was tried */
	size_t allocated[2];            /* key pairs given to the zone */
	int short_of[2];                /* too few spare key pairs for the role */
	struct state_event shortage[2]; /* the numbers of the 1.x lines, when short */
};

/*
 * enforcer.md §3.7: `zone add` on a <ShareKeys/> policy gives the new zone
 * (zone_id, on the policy named policy) the key pairs the policy's zones
 * share, and spare ones where they are too few, at once, so that the next
 * pass neither generates nor waits for them. No key changes state. Runs
 * inside the caller's write transaction (the one that added the zone).
 * For any other policy it does nothing. Returns 0 (*out filled; a shortage
 * is not an error), E_NOTFOUND when the zone or policy is not there, or a
 * database error.
 */
int run_link_zone(db_t *db, const struct conf *conf, time_t now, int64_t zone_id,
	const char *policy, struct run_link *out);

/*
 * The 1.x lines for what run_link_zone() did, ZSKs first: "<T> key
 * allocation for zone <zone>: <n> key(s) allocated", or the not-enough-keys
 * lines (manual: conf.xml has <ManualKeyGeneration/>).
 */
void run_link_lines(
	const struct run_link *l, const char *zone, int manual, run_emit_fn emit, void *ctx);

/* The state machine's view of an allocation row (k->locator borrows r's). */
void run_state_key(const struct store_enf_key *r, struct state_key *k);

#endif
