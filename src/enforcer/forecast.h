/*
 * forecast.h - `rollover plan`: the key-state machine (state.h) run forward
 * from a zone's stored keys, pass by pass as the daemon would run it,
 * without a database, an HSM or a clock. Pure.
 *
 * The model, and where it is an assumption (ods-ksmutil(1) says the same):
 *  - the daemon passes at `from`, then every interval, and a zone is
 *    decided again only when state_decide() says something is due (its
 *    `next`) or the pass before changed it: a pass between changes nothing;
 *  - key generation keeps up: whenever the zone allocates, a new key pair
 *    is there (numbered 1, 2, ... per zone: which pair of the pool the
 *    daemon takes depends on other zones and on generation, not on dates);
 *    new key pairs count as backed up where the repository requires it;
 *  - ds-seen, unless assume_ds_seen is 0: right after the pass in which a
 *    KSK is READY (or a standby is DSSUB), with the same rules as the
 *    command (dsseen.c), followed at once by the pass its notify starts;
 *  - DEAD keys leave the zone after the pass (the daemon no longer loads
 *    them); purges and the signconf are not part of the plan.
 */
#ifndef ENFORCER_FORECAST_H
#define ENFORCER_FORECAST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/kasp.h"
#include "enforcer/state.h"

enum forecast_kind {
	FC_STATE,          /* a key moves from one state to another */
	FC_DS_SUBMIT,      /* the pass submits the zone's DS set to the parent */
	FC_DS_SEEN_NEEDED, /* a KSK waits for the operator's ds-seen */
	FC_DS_SEEN,        /* the assumed ds-seen is done */
};

struct forecast_event {
	time_t when;
	enum forecast_kind kind;
	int keytype;         /* STORE_KSK or STORE_ZSK; 0 for FC_DS_SUBMIT */
	int64_t keypair_id;  /* a stored key pair, or 0 for a new one */
	const char *locator; /* borrowed from the zone's input; NULL for a new key pair */
	long new_key;        /* >0: the zone's n-th key pair not generated yet */
	int from, to;        /* FC_STATE: enum store_key_state */
	int by_ds_seen;      /* FC_STATE: the transition is the (assumed) ds-seen's */
	int revoked; /* the key carries the REVOKE bit (RFC 5011: `key list` says "revoke") */
};

/* Called for every event in time order; a non-zero return stops the run and is returned. */
typedef int (*forecast_emit_fn)(void *ctx, const struct forecast_event *ev);

struct forecast_params {
	const struct kasp_policy *policy;
	int64_t interval;   /* the daemon's interval, seconds (> 0) */
	time_t from, until; /* passes at from, from + interval, ... up to until */
	int assume_ds_seen;
	int64_t repository_id[2]; /* of new key pairs, per plan_role */
	int require_backup[2];    /* their repository has <RequireBackup/> */
};

/*
 * Run one zone forward. keys[0..n) are its allocations that are not DEAD,
 * as stored; they are copied, not changed. Returns 0, E_NOMEM, or what emit
 * returned.
 */
int forecast_zone(const struct forecast_params *fp, const struct state_key *keys, size_t n,
	forecast_emit_fn emit, void *ctx);

#endif
