/*
 * plan.h - how many keys to generate for a policy (enforcer.md §4.3), as
 * pure functions: no database, no HSM, no clock. `ods-ksmutil key
 * generate` and the daemon's key generation both use them, so the numbers
 * the CLI predicts are the numbers the enforcer acts on.
 *
 * Fixes against 1.4 (enforcer.md §6):
 *  - Q4: the look-ahead window of a type is defined once,
 *    plan_window() = I + Sp + Dz + TTLk for both KSK and ZSK (the time a
 *    new DNSKEY needs to reach every resolver, plus one enforcer interval),
 *    and used by the prediction, the "still good" count and the state
 *    machine's successor publication alike.
 *  - Q21: for an RFC 5011 KSK the window also covers the add hold-down,
 *    max(TTLk, 30 days), so the successor is trusted before the old key's
 *    retire date.
 *  - Q6: keys are counted per pool (policy, repository, algorithm, bits)
 *    regardless of role; unallocated key pairs count. When the KSK and the
 *    ZSK settings name the same pool, demand and supply are pooled, so no
 *    key is counted twice.
 */
#ifndef ENFORCER_PLAN_H
#define ENFORCER_PLAN_H

#include <stdint.h>

#include "config/kasp.h"

enum plan_role { PLAN_KSK = 0, PLAN_ZSK = 1 };

/* The RFC 5011 add hold-down: 30 days (enforcer.md §3.1, "H5011"). */
#define PLAN_HOLDDOWN INT64_C(2592000)

/*
 * The look-ahead window of a role, in seconds: a key whose retire time lies
 * within now + window no longer counts as available, and a successor must
 * be published that long before the retire time. interval is conf.xml
 * Enforcer/Interval (or `key generate --interval`).
 */
int64_t plan_window(const struct kasp_policy *p, enum plan_role role, int64_t interval);

/*
 * Keys of a role needed by one zone (the 1.4 "KsmKeyPredict" with one
 * zone): KSK: Lk = 0 -> Ek + 1, else floor((I + Sp + Dz + TTLk) / Lk) + Ek + 1;
 * ZSK: Lz = 0 -> Ez + 1, else floor((I + Sp) / Lz) + Ez + 1.
 */
int64_t plan_needed_per_zone(const struct kasp_policy *p, enum plan_role role, int64_t interval);

/* Keys of a role needed by zones zones: per zone, times zones unless keys are shared. */
int64_t plan_needed(
	const struct kasp_policy *p, enum plan_role role, int64_t interval, int64_t zones);

/* 1 when the KSK and ZSK settings draw from the same pool (repository, algorithm, bits). */
int plan_same_pool(const struct kasp_policy *p);

/* Capacity outcome for one role. */
enum plan_capacity {
	PLAN_CAP_OK = 0,      /* room enough (or no limit) */
	PLAN_CAP_REDUCED = 1, /* fewer keys than wanted fit: count reduced */
	PLAN_CAP_FULL = 2,    /* the repository is already full: nothing fits */
};

/* What the caller knows; see plan_keys(). */
struct plan_input {
	int64_t needed[2];        /* plan_needed() per role */
	int64_t available[2];     /* still-good key pairs in each role's pool */
	int same_pool;            /* plan_same_pool(): available[PLAN_ZSK] is ignored */
	int same_repository;      /* KSK and ZSK live in one repository */
	int64_t capacity[2];      /* capacity of each role's repository; 0 = no limit */
	int64_t in_repository[2]; /* key pairs present in each role's repository */
};

struct plan_result {
	/* Per role: what the pool accounting attributes to the role. */
	int64_t needed[2];
	int64_t available[2]; /* never more than needed when pools are shared */
	int64_t wanted[2];    /* needed - available, never below 0 */
	int64_t create[2];    /* wanted after the capacity clamp */
	enum plan_capacity cap[2];
};

/*
 * Decide how many keys of each role to create. KSKs are served first:
 * with a shared pool the available keys go to the KSK demand first; with
 * a shared repository the room left after the KSKs is what the ZSKs get.
 * A role whose repository is full before anything is created gets
 * PLAN_CAP_FULL (create 0) when it wanted keys. Pure; never fails.
 */
void plan_keys(const struct plan_input *in, struct plan_result *out);

#endif
