/*
 * store.h - typed access to the KASP database: repositories, policies,
 * zones, keys and backups. The only SQL outside db/ and
 * migrations/ lives behind these functions, written once in portable SQL
 * for every engine, with every value bound.
 *
 * Transactions: these functions neither begin nor commit. The caller runs
 * a unit of work inside db_transact() so that it is atomic and retried on
 * contention; a function that fails leaves the transaction for the caller
 * to roll back. Batch operations read what they need in one query, never
 * one query per zone.
 *
 * Errors: 0 or a negative code of common/err.h (E_NOTFOUND, E_EXISTS,
 * E_INVAL, DB_E_*); the database's detail is db_errmsg(db). A text longer
 * than its column in the server schemas is refused on every engine with
 * E_RANGE before anything is written; the message naming it is
 * store_limit_errmsg() (store/limits.h).
 *
 * Ownership: arrays returned through out-parameters are malloc()ed and
 * freed with the matching *_free_array(); single objects with *_free().
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db/db.h"
#include "config/conf.h"
#include "config/kasp.h"
#include "config/zonelist.h"

/* --------------------------------------------------------------- datastore */

/*
 * conf.xml's datastore as db_open() takes it, in the one place that sees
 * both config/ and db/. The strings are borrowed from in (they live as
 * long as its struct conf); socket, create, lock_timeout_ms and retry_ms
 * are 0/NULL, for the caller to set. Engines and TLS modes map by name.
 */
void store_db_config(struct db_config *out, const struct conf_datastore *in);

/* ------------------------------------------------------------ repositories */

struct store_repository {
	int64_t id;
	char *name;
	long capacity; /* 0 = no maximum */
	int require_backup;
};

/*
 * `update conf`: insert repositories that are new by name, update capacity
 * and require_backup of known ones; never delete (keys may still use them).
 */
int store_repositories_import(db_t *db, const struct conf_repository *repos, size_t n);

/* All repositories ordered by name. */
int store_repository_list(db_t *db, struct store_repository **out, size_t *n);
void store_repository_free_array(struct store_repository *r, size_t n);

/* The id of a repository by name; E_NOTFOUND. */
int store_repository_id(db_t *db, const char *name, int64_t *id);

/* ---------------------------------------------------------------- policies */

struct store_policy {
	int64_t id;
	char *name;
	char *description; /* NULL when unset */
	int zones;         /* number of zones on the policy */
	int keypairs;      /* number of key pairs generated for it */
};

/*
 * `update kasp`: write one policy: the `policies` row (insert, or update the
 * description) and one `parameters_policies` row per parameter of
 * enforcer.md §2.1, looked up by (name, category), set-or-insert. Absent
 * optional flags are written as 0 (OptOut, ShareKeys, ManualRollover,
 * RFC5011, Standby, NSEC3 TTL); Purge is written only when set. A changed
 * salt length clears the stored salt (salt_stamp NULL). Repository names
 * must exist (E_NOTFOUND otherwise: check with store_repository_id first to
 * name it). *created = 1 when the policy was new.
 */
int store_policy_import(db_t *db, const struct kasp_policy *policy, int *created);

/* Read a policy back into the kasp.xml model (for export and the enforcer); E_NOTFOUND. */
int store_policy_get(db_t *db, const char *name, struct kasp_policy **out);

enum store_order { STORE_ORDER_ID, STORE_ORDER_NAME };

/* All policies, with their zone and key-pair counts. */
int store_policy_list(db_t *db, enum store_order order, struct store_policy **out, size_t *n);
void store_policy_free_array(struct store_policy *p, size_t n);

/*
 * The entry of store_policy_list() for the policy called name, alone, into
 * *out (one element; free it with store_policy_free_array(*out, 1)).
 * E_NOTFOUND.
 */
int store_policy_summary(db_t *db, const char *name, struct store_policy **out);

/*
 * `policy purge`: delete a policy, its parameters and its row, when it has
 * no zones and no key pairs (E_EXISTS otherwise). E_NOTFOUND.
 */
int store_policy_delete(db_t *db, int64_t id);

/* ------------------------------------------------------------------- zones */

struct store_zone {
	int64_t id;
	char *name;
	int64_t policy_id;
	char *policy; /* policy name */
	char *signconf;
	char *input, *input_type;
	char *output, *output_type;
};

/*
 * Add one zone. z->policy names the policy (E_NOTFOUND when unknown);
 * z->name is already normalised. E_EXISTS when the name, or its other
 * spelling with/without the trailing dot, is taken; *dot_clash (may be
 * NULL) tells which. The check is repeated by the database: zones.canon
 * (the name less its final dot) has a unique index, so of two processes
 * adding "x" and "x." at once one gets E_EXISTS. *id receives the new
 * row's id (may be NULL).
 */
int store_zone_add(db_t *db, const struct store_zone *z, int64_t *id, int *dot_clash);

/* The zone of exactly that name; E_NOTFOUND. */
int store_zone_get(db_t *db, const char *name, struct store_zone **out);
void store_zone_free(struct store_zone *z);

/*
 * Delete the zone of exactly that name (E_NOTFOUND), after marking every
 * key allocation of the zone that is not yet DEAD as DEAD at now (so
 * standby and GENERATE rows do not linger: spec Q16).
 */
int store_zone_delete(db_t *db, const char *name, time_t now);

/* Delete every zone the same way. *n receives how many went (may be NULL). */
int store_zone_delete_all(db_t *db, time_t now, size_t *n);

/* All zones; STORE_ORDER_ID orders by policy id then zone id (zonelist export). */
int store_zone_list(db_t *db, enum store_order order, struct store_zone **out, size_t *n);
void store_zone_free_array(struct store_zone *z, size_t n);

/*
 * Every zone in the order of store_zone_list(STORE_ORDER_ID), one row at a
 * time: fn(arg, z) for each, with z and its strings borrowed for the call
 * only (copy what must outlive it). Memory holds one row whatever the
 * number of zones. A negative return of fn stops the walk and is returned.
 * One statement: a consistent read on every engine even outside a
 * transaction.
 */
typedef int (*store_zone_fn)(void *arg, const struct store_zone *z);
int store_zone_each(db_t *db, store_zone_fn fn, void *arg);

/* What store_zonelist_import() reports, in order, for the CLI's messages. */
enum store_zl_event {
	STORE_ZL_FOUND,     /* a zone of the file; policy = its policy */
	STORE_ZL_ADDED,     /* it was new and has been inserted */
	STORE_ZL_UPDATED,   /* it existed and changed (policy, paths or types) */
	STORE_ZL_REMOVED,   /* in the database, not in the file: deleted */
	STORE_ZL_NO_POLICY, /* error: its policy does not exist (import fails) */
	STORE_ZL_DOT_CLASH, /* error: both "x" and "x." (import fails) */
};
typedef void (*store_zl_report)(
	void *arg, enum store_zl_event ev, const char *zone, const char *policy);

/*
 * Where store_zonelist_import_from() gets the file's zones: 1 with *zone
 * set (borrowed until the next call), 0 after the last one, or a negative
 * code that stops the import and is returned by it.
 */
typedef int (*store_zl_next)(void *arg, const struct zonelist_zone **zone);

/*
 * `update zonelist` / `zonelist import`: make the zones table equal to the
 * file: one query reads every policy, one every zone (kept compactly, not
 * whole rows), then the file's zones come one at a time from next and only
 * inserts, updates and deletes go to the database. Memory holds the names,
 * not the file. Zones missing from the file are deleted as
 * store_zone_delete() does, after the last zone. Zone names are already
 * normalised. A name given twice: the later entry wins. On an error event
 * the function returns E_NOTFOUND (policy) or E_EXISTS (both "x" and "x.",
 * reported at the second of them), or next's code, and the caller rolls
 * back: run it inside one transaction, so nothing is half-applied.
 */
int store_zonelist_import_from(db_t *db, store_zl_next next, void *next_arg, time_t now,
	store_zl_report report, void *arg);

/* The same for the zones of zl, in order. */
int store_zonelist_import(
	db_t *db, const struct zonelist *zl, time_t now, store_zl_report report, void *arg);

/* -------------------------------------------------------------------- keys */

/*
 * Key pairs (`keypairs`: one per key in an HSM, no role) and their
 * allocations to zones (`dnsseckeys`: role, state and dates per zone),
 * enforcer.md §1.1. Times are time_t; 0 stands for SQL NULL (no key date
 * is ever 1970-01-01 00:00:00 UTC).
 */

/* dnsseckeys.keytype: the DNSKEY flags of the role. */
#define STORE_KSK 257
#define STORE_ZSK 256

/* dnsseckeys.state (enforcer.md §1.5). */
enum store_key_state {
	STORE_STATE_GENERATE = 1,
	STORE_STATE_PUBLISH = 2,
	STORE_STATE_READY = 3,
	STORE_STATE_ACTIVE = 4,
	STORE_STATE_RETIRE = 5,
	STORE_STATE_DEAD = 6,
	STORE_STATE_DSSUB = 7,
	STORE_STATE_DSPUBLISH = 8,
	STORE_STATE_DSREADY = 9,
	STORE_STATE_KEYPUBLISH = 10,
};
#define STORE_STATE_MAX 10

/*
 * The advisory lock (db_lock) held while key pairs are made in an HSM and
 * recorded, so that the orphan sweep and the token counts never take a key
 * being generated for an orphan; how long a generator waits for it.
 */
#define STORE_KEYGEN_LOCK "keygen"
#define STORE_KEYGEN_LOCK_WAIT_MS 60000

/*
 * The advisory lock a daemon's pass runs under, held by the leader of
 * daemons that share one database (src/enforcerd/leader.c, run_pass()).
 */
#define STORE_ENFORCER_LOCK "enforcer"

/* A state's name as `key list` prints it ("generate" ... "keypublish"); NULL when out of range. */
const char *store_state_name(int state);

/* A key pair with the names of its repository and policy. */
struct store_keypair {
	int64_t id;
	char *locator; /* HSMkey_id: the CKA_ID as hex */
	int algorithm;
	int bits;
	int64_t repository_id;
	char *repository; /* NULL when no securitymodules row matches */
	int64_t policy_id;
	char *policy; /* NULL when no policies row matches */
	time_t generate;
	int allocations; /* its dnsseckeys rows */
	int in_use;      /* of those, rows in a state other than GENERATE and DEAD */
	char *pubkey;    /* the DNSKEY key field in base64; NULL when not yet known */
};

void store_keypair_free(struct store_keypair *k); /* NULL: no-op */
void store_keypair_free_array(struct store_keypair *k, size_t n);

/*
 * Insert a key pair that was just generated in (or found on) an HSM:
 * generate = now, no allocation. pubkey (may be NULL) is its DNSKEY key
 * field in base64, kept in keypairs.publickey so that key tags, DNSKEY and
 * DS records need no HSM search later. *id (may be NULL) receives its id.
 */
int store_key_insert(db_t *db, const char *locator, int algorithm, int bits, int64_t repository_id,
	int64_t policy_id, time_t now, const char *pubkey, int64_t *id);

/*
 * Remember the public key of a key pair read from its HSM (base64 key
 * field). E_NOTFOUND. A key too long for keypairs.publickey is not kept
 * (it is only a cache; here and in store_key_insert()).
 */
int store_key_set_pubkey(db_t *db, int64_t id, const char *pubkey);

/* The key pair of that CKA_ID (exact text; the oldest if there are several); E_NOTFOUND. */
int store_key_find(db_t *db, const char *locator, struct store_keypair **out);

/* Every key pair, in id order (the orphan sweep). */
int store_key_all(db_t *db, struct store_keypair **out, size_t *n);

/* Delete a key pair: its dnsseckeys rows, then its keypairs row. E_NOTFOUND. */
int store_key_delete(db_t *db, int64_t id);

/*
 * Key pairs that may be purged: DEAD in every zone that uses them, with at
 * least one DEAD allocation in zone zone_id (when zone_id > 0) or of a key
 * pair of policy policy_id (otherwise). In id order.
 */
int store_key_purgeable(
	db_t *db, int64_t zone_id, int64_t policy_id, struct store_keypair **out, size_t *n);

/* Key pairs held in a repository (any policy, any state). */
int store_key_count_repository(db_t *db, int64_t repository_id, int64_t *n);

/* A pool of interchangeable key pairs: what generation counts (Q6). */
struct store_key_pool {
	int64_t policy_id;
	int64_t repository_id;
	int algorithm;
	int bits;
};

/*
 * Key pairs of the pool that are still good until limit (now + the
 * look-ahead window, enforcer/plan.h), whatever their role: unallocated
 * ones, and allocated ones none of whose allocations is RETIRE or DEAD
 * (in any zone: a shared key retired elsewhere is spent) or has a retire
 * date <= limit.
 */
int store_key_count_good(db_t *db, const struct store_key_pool *pool, time_t limit, int64_t *n);

/* One row of `key list` / `key export`: an allocation, or an unallocated key pair. */
struct store_key {
	int64_t keypair_id;
	char *locator;
	int algorithm;
	int bits;
	char *repository; /* NULL when no securitymodules row matches */
	int64_t policy_id;
	char *policy; /* NULL when no policies row matches */
	int fixed_date;
	int64_t zone_id; /* 0: not allocated (zone, keytype and state are then 0/NULL) */
	char *zone;
	int keytype; /* STORE_KSK, STORE_ZSK or 0 */
	int state;   /* enum store_key_state or 0 */
	time_t publish, ready, active, retire, dead;
	int rfc5011, revoked;
	char *pubkey; /* the DNSKEY key field in base64; NULL when not yet known */
};

struct store_key_filter {
	int64_t zone_id; /* 0: every zone */
	unsigned states; /* bit (1u << state) per wanted state; 0: every state */
	int keytype;     /* STORE_KSK, STORE_ZSK or 0 for both */
	int unallocated; /* also key pairs without allocation (never with a zone or keytype) */
};

/*
 * Allocations matching the filter, in ONE query over keypairs LEFT JOIN
 * dnsseckeys, zones, securitymodules: unallocated key pairs first, then
 * by zone id, key pair id. Allocations to zones that no longer exist are
 * left out (they are DEAD; `key purge --policy` removes them).
 */
int store_key_list(db_t *db, const struct store_key_filter *f, struct store_key **out, size_t *n);
void store_key_free_array(struct store_key *k, size_t n);

/*
 * The rows of store_key_list(), in its order, one at a time: fn(arg, k)
 * for each, k borrowed for the call only. Memory holds one row. A negative
 * return of fn stops the walk and is returned.
 */
typedef int (*store_key_fn)(void *arg, const struct store_key *k);
int store_key_each(db_t *db, const struct store_key_filter *f, store_key_fn fn, void *arg);

/* `key import` (ksmutil-cli.md §5.3). */
struct store_key_import {
	const char *locator;
	int algorithm;
	int bits;
	int64_t repository_id;
	int64_t zone_id;
	int share; /* allocate to every zone of the zone's policy (ShareKeys) */
	int keytype;
	int state;     /* GENERATE .. RETIRE */
	time_t time;   /* when it entered state: that state's column, and generate */
	time_t retire; /* 0, or a fixed retire date (state ACTIVE): fixedDate = 1 */
	int rfc5011;
};

/*
 * Insert the key pair (policy = the zone's) and its allocation(s).
 * E_EXISTS when a key pair with that locator exists; E_NOTFOUND when the
 * zone does not. *id (may be NULL) receives the key pair id.
 */
int store_key_import(db_t *db, const struct store_key_import *imp, int64_t *id);

/*
 * One allocation's role, state and dates, as the enforcer or a command
 * (ds-seen, key rollover, ksk-retire) sets them. Times: 0 is NULL.
 */
struct store_alloc {
	int64_t keypair_id;
	int64_t zone_id;
	int keytype;
	int state;
	time_t publish, ready, active, retire, dead;
	int rfc5011, revoked;
};

/*
 * Prepared statements that write allocations, prepared once per unit of
 * work and run for any number of rows (the enforce pass writes a batch of
 * zones with them).
 */
struct store_alloc_writer {
	db_t *db;
	db_stmt_t *update; /* state, dates, revoked of (keypair_id, zone_id) */
	db_stmt_t *insert; /* a new allocation */
};

int store_alloc_writer_init(db_t *db, struct store_alloc_writer *w);
/*
 * Write a: insert a new dnsseckeys row when insert is set, else update the
 * row of (keypair_id, zone_id) (E_NOTFOUND when there is none).
 */
int store_alloc_write(struct store_alloc_writer *w, const struct store_alloc *a, int insert);
void store_alloc_writer_fini(struct store_alloc_writer *w);

/* The same for one row. */
int store_alloc_update(db_t *db, const struct store_alloc *a);

/* ------------------------------------------------------- the enforce pass */

/*
 * What src/enforcer/run.c reads and writes: policies with their key pools,
 * zones in batches, the live allocations of a batch of zones in one query,
 * the spare key pairs of a pool, NSEC3 salts, DS submissions owed, purge.
 */

/* A policy as the enforce pass uses it. */
struct store_enf_policy {
	int64_t id;
	struct kasp_policy *kasp; /* its parameters (store_policy_get()) */
	char *salt;               /* NSEC3 salt as hex; NULL when none yet */
	time_t salt_stamp;        /* when it was made; 0 = never */
	int64_t zones;            /* zones on the policy */
	/* per role, [0] KSK and [1] ZSK: the repository of the key settings */
	int64_t repo_id[2]; /* 0 when the named repository is unknown */
	long capacity[2];   /* 0 = no limit */
	int require_backup[2];
};

/* Every policy ordered by id, or only the one named only (E_NOTFOUND when unknown). */
int store_enf_policies(db_t *db, const char *only, struct store_enf_policy **out, size_t *n);
void store_enf_policy_free_array(struct store_enf_policy *p, size_t n);

/* A new NSEC3 salt (hex, "" for a salt of length 0) made at stamp. */
int store_enf_set_salt(db_t *db, int64_t policy_id, const char *salt, time_t stamp);

struct store_enf_zone {
	int64_t id;
	char *name;
	int64_t policy_id;
	char *signconf; /* NULL when unset */
	int ds_pending; /* a DS submission is owed */
};

/*
 * The next zones by id after after_id, at most max of them, of one policy
 * (policy_id > 0) or all. *n = 0 at the end.
 */
int store_enf_zones(db_t *db, int64_t after_id, size_t max, int64_t policy_id,
	struct store_enf_zone **out, size_t *n);
void store_enf_zone_free_array(struct store_enf_zone *z, size_t n);

/* A live allocation (state not DEAD) with the facts of its key pair. */
struct store_enf_key {
	int64_t zone_id;
	struct store_alloc a; /* keypair_id, zone_id, keytype, state, dates, flags */
	char *locator;
	int algorithm;
	int bits;
	int64_t repository_id;
	int compromised, fixed_date;
	int backed_up;      /* keypairs.backup is set */
	int require_backup; /* its repository has RequireBackup */
};

/*
 * Every allocation that is not DEAD of the zones with ids in [first, last],
 * in one query, ordered by zone id then key pair id.
 */
int store_enf_keys(db_t *db, int64_t first, int64_t last, struct store_enf_key **out, size_t *n);
void store_enf_key_free_array(struct store_enf_key *k, size_t n);

/* A key pair the pass may allocate (unallocated, or shared and still good). */
struct store_enf_spare {
	int64_t id;
	char *locator;
	int algorithm;
	int keytype; /* shared candidates: the role it has elsewhere; else 0 */
	int backed_up;
	int require_backup;
};

/*
 * Up to max key pairs of the pool with no allocation at all and an id
 * above after_id, ordered by id.
 */
int store_enf_unallocated(db_t *db, const struct store_key_pool *pool, int64_t after_id, size_t max,
	struct store_enf_spare **out, size_t *n);

/*
 * <ShareKeys/>: the key pairs of the pool that zones use and no zone has
 * retired or killed, with the role they have (keytype), ordered by id.
 */
int store_enf_shared(
	db_t *db, const struct store_key_pool *pool, struct store_enf_spare **out, size_t *n);
void store_enf_spare_free_array(struct store_enf_spare *s, size_t n);

/* Mark (1) or clear (0) the DS submission a zone is owed. */
int store_enf_set_ds_pending(db_t *db, int64_t zone_id, int pending);

/*
 * The cached public keys (base64 DNSKEY key field) of n key pairs, in the
 * order of ids; an element is NULL when the cache has none. *out is an
 * array of n strings (free with store_enf_strings_free()).
 */
int store_enf_pubkeys(db_t *db, const int64_t *ids, size_t n, char ***out);
void store_enf_strings_free(char **s, size_t n);

/*
 * The purge of enforcer.md §3.8 (Q16, Q23 fixed by the caller): key pairs
 * of the policy with at least one allocation and every allocation DEAD
 * since cutoff or earlier. In id order.
 */
int store_enf_purgeable(
	db_t *db, int64_t policy_id, time_t cutoff, struct store_keypair **out, size_t *n);

/* ------------------------------------------------------------ key commands */

/*
 * What `key rollover`, `key ds-seen`, `key ksk-retire` and `key ksk-revoke`
 * read and write (ksmutil-cli.md §5.6-§5.10, enforcer.md §3.6). The new
 * dates these commands set come from the formulas of enforcer/state.h;
 * the caller computes them and the store only writes them.
 */

/* One allocation of a key pair to a zone, with the key pair facts the commands need. */
struct store_zone_key {
	int64_t keypair_id;
	int64_t zone_id;
	char *zone;       /* zone name */
	char *policy;     /* name of the zone's policy; NULL when no policies row matches */
	char *locator;    /* CKA_ID */
	char *repository; /* NULL when no securitymodules row matches */
	char *pubkey;     /* cached base64 DNSKEY key field; NULL when not yet known */
	int algorithm;
	int keytype;
	int state;
	time_t publish, ready, active, retire, dead; /* 0: NULL */
	int rfc5011, revoked;
	int fixed_date;     /* keypairs.fixedDate */
	int backed_up;      /* keypairs.backup is set */
	int require_backup; /* its repository has <RequireBackup/> (0 when unknown) */
};

/*
 * The allocations of zone zone_id (0: every zone that exists) with role
 * keytype (STORE_KSK, STORE_ZSK, or 0 for both) in one of the states of
 * the mask states (bit 1u << state; 0 is E_INVAL), in one query, ordered
 * by zone id, then key pair id.
 */
int store_zone_keys(db_t *db, int64_t zone_id, int keytype, unsigned states,
	struct store_zone_key **out, size_t *n);
void store_zone_key_free_array(struct store_zone_key *k, size_t n);

/* keypairs.fixedDate = 1: the daemon keeps the dates stored for it (`ksk-revoke`). E_NOTFOUND. */
int store_keypair_fix_dates(db_t *db, int64_t keypair_id);

/*
 * `key rollover` (enforcer.md §3.6 with Q8 and Q24 fixed). The key pairs
 * rolled are those with an ACTIVE allocation of a selected role in the
 * selected zone(s). For each of them:
 *  - the key pair gets compromisedflag = 1 and fixedDate = 1;
 *  - every ACTIVE allocation of it, in any zone, gets retire = now;
 *  - every other allocation of it that is not DEAD becomes DEAD at now.
 * When KSKs roll: in every zone holding an ACTIVE allocation of a rolled
 * KSK and no KSK in PUBLISH or READY, the DSREADY KSKs move to KEYPUBLISH
 * with publish = now and active = standby_active.
 * A fixed number of statements whatever the number of zones.
 */
struct store_roll {
	int64_t zone_id;   /* > 0: this zone; or */
	int64_t policy_id; /* > 0 (zone_id 0): every zone of this policy */
	int ksk, zsk;      /* the roles that roll (at least one) */
	time_t now;
	time_t standby_active; /* active date of promoted standbys (now + state_publish_wait()) */
};

/* Rows each step matched. */
struct store_roll_result {
	int64_t keypairs; /* key pairs flagged */
	int64_t retired;  /* ACTIVE allocations given retire = now */
	int64_t killed;   /* other allocations made DEAD */
	int64_t promoted; /* standbys moved to KEYPUBLISH */
};

int store_key_roll(db_t *db, const struct store_roll *r, struct store_roll_result *res);

/* ------------------------------------------------------------------ backups */

/* enforcer.md §4.9 with Q14 fixed (rollback of every repository works). */
enum store_backup_op {
	STORE_BACKUP_PREPARE,  /* pre_backup = now where it is NULL */
	STORE_BACKUP_COMMIT,   /* backup = now where pre_backup is set and backup NULL */
	STORE_BACKUP_ROLLBACK, /* pre_backup = NULL where backup is NULL */
};

/* Apply op to the key pairs of a repository (repository_id > 0) or all; *changed rows. */
int store_backup_mark(
	db_t *db, enum store_backup_op op, int64_t repository_id, time_t now, int64_t *changed);

struct store_backup_row {
	time_t pre_backup; /* 0: NULL (only filled with verbose) */
	time_t backup;     /* 0: NULL */
	char *repository;
};

/*
 * Distinct backup dates per repository (verbose: distinct (pre_backup,
 * backup) pairs, either set), ordered by date then repository name.
 */
int store_backup_list(
	db_t *db, int64_t repository_id, int verbose, struct store_backup_row **out, size_t *n);
void store_backup_row_free_array(struct store_backup_row *r, size_t n);

struct store_backup_state {
	char *repository;
	int require_backup;
	int64_t unbacked;    /* key pairs with backup NULL */
	int64_t uncommitted; /* key pairs with pre_backup set and backup NULL */
};

/* Per repository (or the one), ordered by name. */
int store_backup_status(
	db_t *db, int64_t repository_id, struct store_backup_state **out, size_t *n);
void store_backup_state_free_array(struct store_backup_state *s, size_t n);

/* ----------------------------------------------------------------- cluster */

/*
 * Daemons sharing one database (migration 0006). The daemon that holds the
 * `enforcer` lock raises the leader epoch (store_cluster_take) and checks
 * it first thing in every write transaction of its passes
 * (store_cluster_fence), so that once another daemon has taken the lead,
 * nothing more of the old leader's commits.
 */
struct store_leader {
	int64_t epoch; /* 0: no daemon ever led */
	char *node;    /* "host:pid" of the last to take the lead; NULL: none */
	time_t since;  /* when it did; 0: never */
};

/*
 * In a write transaction: epoch := epoch + 1, node and since := now. *epoch
 * receives the new value.
 */
int store_cluster_take(db_t *db, const char *node, time_t now, int64_t *epoch);

/*
 * The same, only while the epoch is still from (the lead taken from a
 * leader that stopped beating but holds the lock): DB_E_FENCED when
 * another daemon moved it first.
 */
int store_cluster_take_from(db_t *db, const char *node, time_t now, int64_t from, int64_t *epoch);

/*
 * In a write transaction, before anything else: DB_E_FENCED when the
 * leader epoch is no longer epoch (another daemon took the lead, or setup
 * reset the database). The row stays locked to the end of the transaction
 * on the servers, so a takeover waits for it rather than passing it.
 */
int store_cluster_fence(db_t *db, int64_t epoch);

int store_cluster_leader(db_t *db, struct store_leader *out);
void store_leader_clear(struct store_leader *l);

/* One daemon's row (cluster_nodes). Times are 0 when not known. */
struct store_node {
	char *host;
	int64_t pid;
	char *role; /* "leader", "standby", "replica", "stopped" */
	char *version;
	time_t started;
	time_t heartbeat;
	time_t pass_started;  /* 0: no pass yet */
	time_t pass_finished; /* 0: none finished (or the last is running) */
	char *pass_outcome;   /* "ok", or what failed; NULL: no pass yet */
};

/* "host:pid", the name cluster_leader.node gives a daemon, into buf (len bytes). */
void store_node_name(const char *host, int64_t pid, char *buf, size_t len);

/*
 * The daemon's row, made or updated: role, version, started as given, and
 * heartbeat := now. The pass columns are left as they are.
 */
int store_node_beat(db_t *db, const struct store_node *n, time_t now);

/*
 * A pass began (finished 0, outcome NULL: clears the last end and outcome)
 * or ended (both given). The row must exist (store_node_beat first).
 */
int store_node_pass(db_t *db, const char *host, int64_t pid, time_t started, time_t finished,
	const char *outcome);

/* Every row, by host then pid. */
int store_node_list(db_t *db, struct store_node **out, size_t *n);
void store_node_free_array(struct store_node *v, size_t n);

/*
 * A heartbeat older than this many PollIntervals is stale; a leader that
 * silent is stuck (cluster status warns, a standby takes the lead).
 */
#define STORE_STALE_POLLS 3

/* The whole picture: who leads, every daemon's row, and the leader's among them. */
struct store_cluster {
	struct store_leader leader;
	struct store_node *nodes;
	size_t n;
	const struct store_node *lead; /* the row of leader.node (any role); NULL: none */
};

/* Read it (out is cleared first; a transaction makes it consistent). */
int store_cluster_read(db_t *db, struct store_cluster *out);
void store_cluster_clear(struct store_cluster *c);

#endif
