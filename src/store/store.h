/*
 * store.h - typed access to the KASP database: repositories, policies,
 * zones (keys follow with the HSM work). The only SQL outside db/ and
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
 * E_INVAL, DB_E_*); the database's detail is db_errmsg(db).
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

/* ------------------------------------------------------------ repositories */

struct store_repository {
	int64_t id;
	char *name;
	long capacity;          /* 0 = no maximum */
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
	char *description;      /* NULL when unset */
	int zones;              /* number of zones on the policy */
	int keypairs;           /* number of key pairs generated for it */
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
 * `policy purge`: delete a policy, its parameters and its row, when it has
 * no zones and no key pairs (E_EXISTS otherwise). E_NOTFOUND.
 */
int store_policy_delete(db_t *db, int64_t id);

/* ------------------------------------------------------------------- zones */

struct store_zone {
	int64_t id;
	char *name;
	int64_t policy_id;
	char *policy;           /* policy name */
	char *signconf;
	char *input, *input_type;
	char *output, *output_type;
};

/*
 * Add one zone. z->policy names the policy (E_NOTFOUND when unknown);
 * z->name is already normalised. E_EXISTS when the name, or its other
 * spelling with/without the trailing dot, is taken; *dot_clash (may be
 * NULL) tells which. *id receives the new row's id (may be NULL).
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

/* What store_zonelist_import() reports, in order, for the CLI's messages. */
enum store_zl_event {
	STORE_ZL_FOUND,         /* a zone of the file; policy = its policy */
	STORE_ZL_ADDED,         /* it was new and has been inserted */
	STORE_ZL_UPDATED,       /* it existed and changed (policy, paths or types) */
	STORE_ZL_REMOVED,       /* in the database, not in the file: deleted */
	STORE_ZL_NO_POLICY,     /* error: its policy does not exist (import fails) */
	STORE_ZL_DOT_CLASH,     /* error: both "x" and "x." (import fails) */
};
typedef void (*store_zl_report)(void *arg, enum store_zl_event ev, const char *zone,
	const char *policy);

/*
 * `update zonelist` / `zonelist import`: make the zones table equal to the
 * file in O(N): one query reads every zone and policy, then one statement
 * per zone that changes. Zones missing from the file are deleted as
 * store_zone_delete() does. Zone names in zl are already normalised. On an
 * error event the function returns E_NOTFOUND (policy) or E_EXISTS (clash)
 * and the caller rolls back; nothing is half-applied.
 */
int store_zonelist_import(db_t *db, const struct zonelist *zl, time_t now,
	store_zl_report report, void *arg);

#endif
