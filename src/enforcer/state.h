/*
 * state.h - the key-state machine of one zone (enforcer.md §3), as a pure
 * function: no database, no HSM, no clock, no I/O.
 *
 * Input: the zone's policy, the enforcer interval, `now`, the zone's key
 * allocations (dnsseckeys rows joined with what their key pairs say) and,
 * per role, spare key pairs it may allocate. state_decide() moves the keys
 * in place, marks what changed, and reports what the daemon should log, do
 * and write: the caller stores the changed rows in one transaction, logs
 * the events, submits the DS set when asked, and writes the signconf.
 *
 * The timing formulas are defined once, in state.c, and exported below so
 * that the CLI (ds-seen, ksk-retire, rollover list) and the tests use the
 * same ones. Fixes against OpenDNSSEC 1.4 (enforcer.md §6), each marked in
 * state.c where it applies:
 *  Q2  a lifetime of 0 leaves retire NULL ("never"), not now + 68 years;
 *  Q4  one look-ahead window for both roles (plan_window()); the KSK dead
 *      time always uses the DS TTL; a standby's DS wait uses the DS TTL;
 *  Q6/Q7 allocation takes spare key pairs by role-agnostic pool, and a
 *      shared key pair keeps one role in every zone (the caller offers
 *      only such candidates);
 *  Q12 the RequireBackup check guards every transition to ACTIVE;
 *  Q15 a shortage of keys blocks only the promotion that needs a key;
 *  Q18 every per-zone flag starts at zero for each zone;
 *  Q19 "pick N keys" takes the lowest key pair ids first;
 *  Q21 an RFC 5011 successor is published early enough to cover the
 *      30-day add hold-down;
 *  Q22 a ZSK stays published max(Validity/Default, Validity/Denial) +
 *      zone propagation delay + RetireSafety after its retirement
 *      (Jitter is not added, as in 1.4: documented in ods-enforcerd(8)).
 * And one of our own: the emergency roll (standby KSKs brought into
 * service, the "rollover not completed" warning) needs a key of the type
 * in service (ACTIVE or RETIRE); 1.4 also did it, and warned every run, on
 * a zone whose first key was still on its way.
 *
 * Ownership: state_decide() may grow zone->keys (realloc); the caller owns
 * the array before and after, and frees it. Events live in struct
 * state_result until state_result_reset()/state_result_free().
 */
#ifndef ENFORCER_STATE_H
#define ENFORCER_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/kasp.h"
#include "enforcer/plan.h"
#include "store/store.h"

/* Bits of state_key.changed: which columns state_decide() wrote. */
enum {
	STATE_CH_STATE = 1u << 0,
	STATE_CH_PUBLISH = 1u << 1,
	STATE_CH_READY = 1u << 2,
	STATE_CH_ACTIVE = 1u << 3,
	STATE_CH_RETIRE = 1u << 4,
	STATE_CH_DEAD = 1u << 5,
	STATE_CH_REVOKED = 1u << 6,
};

/*
 * One allocation of a key pair to the zone (a dnsseckeys row) with the
 * facts of its key pair that the machine needs. Times are time_t; 0 is
 * SQL NULL.
 */
struct state_key {
	int64_t keypair_id;
	int keytype; /* STORE_KSK or STORE_ZSK */
	int state;   /* enum store_key_state */
	time_t publish, ready, active, retire, dead;
	int rfc5011, revoked;
	/* of the key pair */
	int algorithm;
	const char *locator;   /* borrowed; for the signconf and the DS set */
	int64_t repository_id; /* its repository (for an HSM lookup) */
	int compromised;       /* keypairs.compromisedflag: a forced roll is due */
	int fixed_date;        /* keypairs.fixedDate: keep the stored retire/dead */
	int backed_up;         /* keypairs.backup is set */
	int require_backup;    /* its repository has <RequireBackup/> */
	/* written by state_decide() */
	unsigned changed; /* STATE_CH_* */
	int allocated;    /* a new allocation: INSERT, not UPDATE */
};

struct state_zone {
	const char *name;       /* for the event texts */
	struct state_key *keys; /* every allocation of the zone that is not DEAD */
	size_t nkeys;
	size_t cap; /* allocated elements of keys */
};

/*
 * Key pairs nobody has allocated yet, in the order they are to be taken
 * (lowest id first). The elements are templates: keypair id, algorithm,
 * locator and the backup facts filled in; state_decide() copies the ones
 * it takes into the zone as GENERATE allocations and advances `used`. When
 * the KSK and ZSK settings name the same pool (plan_same_pool()), both
 * roles point at one struct state_pool, so no key pair is taken twice.
 */
struct state_pool {
	const struct state_key *keys;
	size_t n;
	size_t used; /* in/out: taken so far (by any zone of the pass) */
};

/*
 * What the zone may allocate for one role: with <ShareKeys/>, first the key
 * pairs other zones of the policy already use in this role and none has
 * retired (reuse, best first: they keep their role, Q7), then the pool.
 */
struct state_spares {
	const struct state_key *reuse;
	size_t nreuse;
	size_t reused;           /* out: how many of reuse state_decide() took */
	struct state_pool *pool; /* may be NULL: nothing unallocated */
};

/* What the daemon logs (enforcer.md §7.4); state_event_text() gives the text. */
enum state_event_kind {
	EV_FIRST_PASS_PROMOTE, /* INFO: Promoting ZSK from publish to active ... */
	EV_ROLL_NOT_COMPLETED, /* WARNING: <T> rollover for zone ... not completed ... */
	EV_MANUAL_DUE,         /* INFO: Manual rollover due for <T> of zone <z> */
	EV_ROLLED,             /* INFO: <T> has been rolled for <z>  */
	EV_KSK_READY,          /* WARNING: New KSK has reached the ready state; ... */
	EV_NEW_DS,             /* INFO: New DS records needed for the zone <z>; ... */
	EV_SHORTAGE,           /* INFO: <n> <t>s available in 'generate' state (need <m>) ... */
	EV_BACKUP_REFUSED,     /* ERROR: Trying to make non-backed up <T> active ... */
	EV_BACKUP_WARNING,     /* WARNING: Making non-backed up <T> active, ... */
	EV_ALLOC_SHORT, /* not enough spare key pairs to allocate (run.c adds the 1.x lines) */
};

struct state_event {
	enum state_event_kind kind;
	int keytype;  /* STORE_KSK or STORE_ZSK */
	long n, m;    /* counts, where the text has them */
	long a, b, c; /* EV_ALLOC_SHORT: needed, queued, pending retirement */
};

struct state_result {
	struct state_event *events;
	size_t nevents, cap;
	int nomem;           /* an event could not be recorded (out of memory) */
	int changed;         /* some key changed or was allocated */
	int new_ds;          /* the parent's DS set changed: submit it (§4.6) */
	int abort_zone;      /* 1.x: a first-pass activation was refused for want of a
				   backup; apply nothing and write no signconf */
	size_t allocated[2]; /* new allocations per role: [0] KSK, [1] ZSK */
	time_t next;         /* earliest later time at which a transition is due; 0: none */
};

/* Inputs that do not change from zone to zone. */
struct state_params {
	const struct kasp_policy *policy;
	int64_t interval; /* conf.xml Enforcer/Interval, seconds */
	time_t now;
	int allocate_only; /* allocate what the zone needs, move no key (zone add, §3.7) */
};

/*
 * Decide one zone: allocate spares (ZSKs first, as 1.x), update the
 * predicted dates, run the transitions for the KSKs, then the ZSKs, and
 * update the predicted dates again (enforcer.md §3.2-§3.3 with the fixes
 * listed above). res is reset first. Returns 0, or E_NOMEM (zone->keys
 * could not grow; nothing is half-done that the caller would store:
 * discard the zone's changes).
 */
int state_decide(const struct state_params *sp, struct state_zone *zone,
	struct state_spares spares[2], struct state_result *res);

void state_result_reset(struct state_result *res);
void state_result_free(struct state_result *res);

/*
 * The exact 1.x text of an event for zone (enforcer.md §7.4) into buf, and
 * its syslog priority (LOG_INFO, LOG_WARNING, LOG_ERR). EV_ALLOC_SHORT has
 * no text of its own (the caller logs the allocation lines): "" is written.
 */
int state_event_text(const struct state_event *ev, const char *zone, char *buf, size_t len);

/* -------------------------------------------------------- the formulas */

/* PUBLISH -> READY, and KEYPUBLISH -> ACTIVE: TTLk + Dz + Sp. */
int64_t state_publish_wait(const struct kasp_policy *p);

/* DSPUBLISH -> DSREADY: the parent's DS TTL + Dp + Sp (Q4: not the DNSKEY TTL). */
int64_t state_ds_wait(const struct kasp_policy *p);

/* RETIRE -> DEAD for a role (and the allocation's rfc5011 flag). */
int64_t state_retire_wait(const struct kasp_policy *p, int keytype, int rfc5011);

/*
 * The retire date of a key that became active at `active`: active +
 * lifetime, or 0 (never) when the lifetime is 0 (Q2).
 */
time_t state_retire_date(const struct kasp_policy *p, int keytype, time_t active);

/*
 * The signconf view of a key in a given state (enforcer.md §5): 1 when the
 * key is issued (PUBLISH, READY, ACTIVE, RETIRE, KEYPUBLISH), with the
 * flags of its <Key> element.
 */
struct state_issue {
	int flags; /* 256/257, + 128 when revoked */
	int ksk, zsk, publish, rfc5011;
};
int state_key_issued(const struct state_key *k, struct state_issue *out);

/*
 * The KSKs whose DS the parent should hold once the pending change is done
 * (enforcer.md §4.6 "recommended semantics", Q10): READY KSKs, the standby
 * states DSSUB/DSPUBLISH/DSREADY/KEYPUBLISH, and the ACTIVE KSKs, less the
 * ACTIVE one with the earliest retire date when a READY KSK will replace it.
 * Writes up to max indexes into zone->keys to idx, in key pair id order;
 * returns how many there are (which may exceed max).
 */
size_t state_ds_set(const struct state_zone *zone, size_t *idx, size_t max);

/* ------------------------ the operator's ds-seen; rows and keys (dsseen.c) */

/* The machine's view of an allocation row (k zeroed first), and back: state, dates, flags. */
void state_key_of_alloc(const struct store_alloc *a, struct state_key *k);
void state_key_to_alloc(const struct state_key *k, struct store_alloc *a);

/* a's retire date comes before b's; 0 (never) comes last. */
int state_retires_earlier(time_t a, time_t b);

/* ds-seen on a DSSUB KSK: a standby whose DS is at the parent (DSPUBLISH). */
void state_seen_standby(const struct kasp_policy *p, struct state_key *k, time_t now);

/* ds-seen on a READY KSK: ACTIVE from now, retiring after its lifetime. */
void state_seen_activate(const struct kasp_policy *p, struct state_key *k, time_t now);

/* A KSK retired now (ds-seen, ksk-retire): RETIRE, dead once its DS has gone. */
void state_retire_now(const struct kasp_policy *p, struct state_key *k, time_t now);

/*
 * The ACTIVE KSK a ds-seen on keys[chosen] retires: the earliest retire
 * date, the lowest index on a tie (keys in key pair id order); (size_t)-1
 * when there is none.
 */
size_t state_seen_retiree(const struct state_key *keys, size_t n, size_t chosen);

#endif
