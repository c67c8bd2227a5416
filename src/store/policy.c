#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/kasp.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/limits.h"
#include "store/store.h"

/*
 * The parameters of a policy (enforcer.md §2.1), each found in the database
 * by (name, category): ids differ between engines and between databases
 * that OpenDNSSEC created or migrated.
 */
enum param {
	P_RESIGN,
	P_REFRESH,
	P_VALDEFAULT,
	P_VALDENIAL,
	P_JITTER,
	P_CLOCKSKEW,
	P_VERSION,
	P_OPTOUT,
	P_RESALT,
	P_DENIAL_TTL,
	P_HASH_ALG,
	P_ITERATIONS,
	P_SALTLENGTH,
	P_KEYS_TTL,
	P_RETIRESAFETY,
	P_PUBLISHSAFETY,
	P_SHARE_KEYS,
	P_PURGE,
	P_KSK_ALG,
	P_KSK_BITS,
	P_KSK_LIFETIME,
	P_KSK_REPO,
	P_KSK_STANDBY,
	P_KSK_MANUAL,
	P_KSK_RFC5011,
	P_ZSK_ALG,
	P_ZSK_BITS,
	P_ZSK_LIFETIME,
	P_ZSK_REPO,
	P_ZSK_STANDBY,
	P_ZSK_MANUAL,
	P_ZONE_PROPDELAY,
	P_ZONE_TTL,
	P_ZONE_MIN,
	P_ZONE_SERIAL,
	P_PARENT_PROPDELAY,
	P_PARENT_TTLDS,
	P_PARENT_TTL,
	P_PARENT_MIN,
	P_COUNT
};

/* NSEC3 version/denial values. */
#define DENIAL_NSEC 1
#define DENIAL_NSEC3 3

/*
 * name, category, and the value a policy reads when its row is missing:
 * the library defaults of enforcer.md §1.5 where it names one, else 0
 * (purge: -1, never purge).
 */
static const struct {
	const char *name;
	const char *category;
	int64_t missing;
} params[P_COUNT] = {
	[P_RESIGN] = { "resign", "signature", 7200 },
	[P_REFRESH] = { "refresh", "signature", 0 },
	[P_VALDEFAULT] = { "valdefault", "signature", 432000 },
	[P_VALDENIAL] = { "valdenial", "signature", 0 },
	[P_JITTER] = { "jitter", "signature", 0 },
	[P_CLOCKSKEW] = { "clockskew", "signature", 3600 },
	[P_VERSION] = { "version", "denial", DENIAL_NSEC },
	[P_OPTOUT] = { "optout", "denial", 0 },
	[P_RESALT] = { "resalt", "denial", 0 },
	[P_DENIAL_TTL] = { "ttl", "denial", 0 },
	[P_HASH_ALG] = { "algorithm", "denial", 0 },
	[P_ITERATIONS] = { "iterations", "denial", 0 },
	[P_SALTLENGTH] = { "saltlength", "denial", 0 },
	[P_KEYS_TTL] = { "ttl", "keys", 172800 },
	[P_RETIRESAFETY] = { "retiresafety", "keys", 172800 },
	[P_PUBLISHSAFETY] = { "publishsafety", "keys", 172800 },
	[P_SHARE_KEYS] = { "zones_share_keys", "keys", 0 },
	[P_PURGE] = { "purge", "keys", -1 },
	[P_KSK_ALG] = { "algorithm", "ksk", 0 },
	[P_KSK_BITS] = { "bits", "ksk", 0 },
	[P_KSK_LIFETIME] = { "lifetime", "ksk", 63072000 },
	[P_KSK_REPO] = { "repository", "ksk", 0 },
	[P_KSK_STANDBY] = { "standby", "ksk", 1 },
	[P_KSK_MANUAL] = { "manual_rollover", "ksk", 0 },
	[P_KSK_RFC5011] = { "rfc5011", "ksk", 0 },
	[P_ZSK_ALG] = { "algorithm", "zsk", 0 },
	[P_ZSK_BITS] = { "bits", "zsk", 0 },
	[P_ZSK_LIFETIME] = { "lifetime", "zsk", 2592000 },
	[P_ZSK_REPO] = { "repository", "zsk", 0 },
	[P_ZSK_STANDBY] = { "standby", "zsk", 1 },
	[P_ZSK_MANUAL] = { "manual_rollover", "zsk", 0 },
	[P_ZONE_PROPDELAY] = { "propagationdelay", "zone", 3600 },
	[P_ZONE_TTL] = { "ttl", "zone", 172800 },
	[P_ZONE_MIN] = { "min", "zone", 7200 },
	[P_ZONE_SERIAL] = { "serial", "zone", 0 },
	[P_PARENT_PROPDELAY] = { "propagationdelay", "parent", 3600 },
	[P_PARENT_TTLDS] = { "ttlds", "parent", 0 },
	[P_PARENT_TTL] = { "ttl", "parent", 0 },
	[P_PARENT_MIN] = { "min", "parent", 0 },
};

/*
 * serialmodes names of enum kasp_serial. Kept here rather than taken from
 * the config module so that the store does not link the XML code; the ids
 * in the database are looked up by these names.
 */
static const struct {
	enum kasp_serial serial;
	const char *name;
} serials[] = {
	{ KASP_SERIAL_UNIXTIME, "unixtime" },
	{ KASP_SERIAL_COUNTER, "counter" },
	{ KASP_SERIAL_DATECOUNTER, "datecounter" },
	{ KASP_SERIAL_KEEP, "keep" },
};

/* The parameter of (name, category), or -1. */
static int
param_index(const char *name, const char *category)
{
	int i;

	if (name == NULL || category == NULL)
		return -1;
	for (i = 0; i < P_COUNT; i++) {
		if (strcmp(params[i].name, name) == 0 && strcmp(params[i].category, category) == 0)
			return i;
	}
	return -1;
}

/*
 * ids[i] = parameters.id of params[i], all in one query. DB_E_SCHEMA when
 * the catalogue lacks one of them.
 */
static int
load_param_ids(db_t *db, int64_t ids[P_COUNT])
{
	int64_t found[P_COUNT];
	db_stmt_t *st = NULL;
	int rc, i;

	for (i = 0; i < P_COUNT; i++)
		found[i] = -1;
	rc = db_prepare(db,
		"SELECT p.id, p.name, c.name FROM parameters p"
		" JOIN categories c ON c.id = p.category_id",
		&st);
	if (rc < 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		i = param_index(db_column_text(st, 1), db_column_text(st, 2));
		if (i >= 0 && found[i] < 0)
			found[i] = db_column_int(st, 0);
	}
	if (rc < 0)
		goto out;
	for (i = 0; i < P_COUNT; i++) {
		if (found[i] < 0) {
			rc = DB_E_SCHEMA;
			goto out;
		}
	}
	memcpy(ids, found, sizeof(found));
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

/* The text of one column by one integer key; *out NULL when no row or NULL. */
static int
lookup_text(db_t *db, const char *sql, int64_t key, char **out)
{
	db_stmt_t *st = NULL;
	char *s = NULL;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc < 0)
		goto out;
	rc = db_bind_int(st, 1, key);
	if (rc < 0)
		goto out;
	rc = db_step(st);
	if (rc < 0)
		goto out;
	if (rc == DB_ROW) {
		rc = store_column_strdup(st, 0, &s);
		if (rc < 0)
			goto out;
	}
	*out = s;
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

/* The policies row of name: id and (copied) description; E_NOTFOUND. */
static int
policy_row(db_t *db, const char *name, int64_t *id, char **description)
{
	db_stmt_t *st = NULL;
	char *d = NULL;
	int rc;

	rc = store_first_row(db, "SELECT id, description FROM policies WHERE name = ?", name, &st);
	if (rc < 0)
		goto out;
	rc = store_column_strdup(st, 1, &d);
	if (rc < 0)
		goto out;
	*id = db_column_int(st, 0);
	*description = d;
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

/* Run a one-shot statement with integer binds. */
static int
exec_ints(db_t *db, const char *sql, int n, const int64_t *v)
{
	db_stmt_t *st = NULL;
	int rc, i;

	rc = db_prepare(db, sql, &st);
	for (i = 0; rc == 0 && i < n; i++)
		rc = db_bind_int(st, i + 1, v[i]);
	if (rc == 0)
		rc = store_step_done(st);
	db_finalize(st);
	return rc;
}

/* ------------------------------------------------------------------ import */

/* The values the policy writes; write[i] = 0 leaves the row as it is. */
static int
policy_values(db_t *db, const struct kasp_policy *p, int64_t val[P_COUNT], int write[P_COUNT])
{
	const char *serial_name = NULL;
	int64_t repo_ksk, repo_zsk, serial_id;
	size_t i;
	int rc;

	if (p->ksk.repository == NULL || p->zsk.repository == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = store_repository_id(db, p->ksk.repository, &repo_ksk);
	if (rc < 0)
		goto out;
	rc = store_repository_id(db, p->zsk.repository, &repo_zsk);
	if (rc < 0)
		goto out;
	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		if (serials[i].serial == p->serial)
			serial_name = serials[i].name;
	}
	if (serial_name == NULL) {
		rc = E_INVAL;
		goto out;
	}
	rc = store_lookup_id(db, "SELECT id FROM serialmodes WHERE name = ? ORDER BY id",
		serial_name, &serial_id);
	if (rc < 0)
		goto out;

	for (i = 0; i < P_COUNT; i++)
		write[i] = 1;
	val[P_RESIGN] = p->resign;
	val[P_REFRESH] = p->refresh;
	val[P_VALDEFAULT] = p->valdefault;
	val[P_VALDENIAL] = p->valdenial;
	val[P_JITTER] = p->jitter;
	val[P_CLOCKSKEW] = p->inception_offset;
	val[P_VERSION] = p->nsec3 ? DENIAL_NSEC3 : DENIAL_NSEC;
	val[P_OPTOUT] = p->optout ? 1 : 0;
	val[P_RESALT] = p->resalt;
	val[P_DENIAL_TTL] = p->nsec3_ttl;
	val[P_HASH_ALG] = p->hash_algorithm;
	val[P_ITERATIONS] = p->iterations;
	val[P_SALTLENGTH] = p->salt_length;
	if (!p->nsec3) {
		/* as 1.4: NSEC leaves the NSEC3 rows of an earlier import alone */
		write[P_OPTOUT] = write[P_RESALT] = write[P_DENIAL_TTL] = 0;
		write[P_HASH_ALG] = write[P_ITERATIONS] = write[P_SALTLENGTH] = 0;
	}
	val[P_KEYS_TTL] = p->key_ttl;
	val[P_RETIRESAFETY] = p->retire_safety;
	val[P_PUBLISHSAFETY] = p->publish_safety;
	val[P_SHARE_KEYS] = p->share_keys ? 1 : 0;
	val[P_PURGE] = p->purge;
	if (p->purge < 0)
		write[P_PURGE] = 0; /* absent: an earlier value stays (1.4) */
	val[P_KSK_ALG] = p->ksk.algorithm;
	val[P_KSK_BITS] = p->ksk.bits;
	val[P_KSK_LIFETIME] = p->ksk.lifetime;
	val[P_KSK_REPO] = repo_ksk;
	val[P_KSK_STANDBY] = p->ksk.standby;
	val[P_KSK_MANUAL] = p->ksk.manual_rollover ? 1 : 0;
	val[P_KSK_RFC5011] = p->ksk.rfc5011 ? 1 : 0;
	val[P_ZSK_ALG] = p->zsk.algorithm;
	val[P_ZSK_BITS] = p->zsk.bits;
	val[P_ZSK_LIFETIME] = p->zsk.lifetime;
	val[P_ZSK_REPO] = repo_zsk;
	val[P_ZSK_STANDBY] = p->zsk.standby;
	val[P_ZSK_MANUAL] = p->zsk.manual_rollover ? 1 : 0;
	val[P_ZONE_PROPDELAY] = p->zone_propdelay;
	val[P_ZONE_TTL] = p->zone_soa_ttl;
	val[P_ZONE_MIN] = p->zone_soa_min;
	val[P_ZONE_SERIAL] = serial_id;
	val[P_PARENT_PROPDELAY] = p->parent_propdelay;
	val[P_PARENT_TTLDS] = p->parent_ds_ttl;
	val[P_PARENT_TTL] = p->parent_soa_ttl;
	val[P_PARENT_MIN] = p->parent_soa_min;
	rc = 0;
out:
	return rc;
}

/* The policies row: found, or inserted (*created = 1); description kept current. */
static int
policy_upsert(db_t *db, const struct kasp_policy *p, int64_t *id, int *created)
{
	char *description = NULL;
	db_stmt_t *st = NULL;
	int64_t pid = 0;
	int rc, made = 0;

	rc = store_limit_policy(p, NULL, 0);
	if (rc < 0)
		goto out;
	rc = policy_row(db, p->name, &pid, &description);
	if (rc == E_NOTFOUND) {
		rc = db_prepare(db, "INSERT INTO policies (name, description) VALUES (?, ?)", &st);
		if (rc == 0)
			rc = db_bind_text(st, 1, p->name);
		if (rc == 0)
			rc = db_bind_text(st, 2, p->description);
		if (rc == 0)
			rc = store_step_done(st);
		if (rc < 0)
			goto out;
		rc = policy_row(db, p->name, &pid, &description);
		made = 1;
	} else if (rc == 0 && !store_streq(description, p->description)) {
		rc = db_prepare(db, "UPDATE policies SET description = ? WHERE id = ?", &st);
		if (rc == 0)
			rc = db_bind_text(st, 1, p->description);
		if (rc == 0)
			rc = db_bind_int(st, 2, pid);
		if (rc == 0)
			rc = store_step_done(st);
	}
	if (rc < 0)
		goto out;
	*id = pid;
	*created = made;
out:
	free(description);
	db_finalize(st);
	return rc;
}

int
store_policy_import(db_t *db, const struct kasp_policy *policy, int *created)
{
	int64_t val[P_COUNT], ids[P_COUNT], old[P_COUNT], pid = 0;
	int write[P_COUNT], have[P_COUNT];
	db_stmt_t *st = NULL, *ins = NULL, *upd = NULL;
	int rc, i, made = 0, salt_changed = 0;

	if (db == NULL || policy == NULL || policy->name == NULL) {
		rc = E_INVAL;
		goto out;
	}
	/* everything that can be refused is checked before the first write */
	rc = policy_values(db, policy, val, write);
	if (rc < 0)
		goto out;
	rc = load_param_ids(db, ids);
	if (rc < 0)
		goto out;
	rc = policy_upsert(db, policy, &pid, &made);
	if (rc < 0)
		goto out;

	for (i = 0; i < P_COUNT; i++) {
		have[i] = 0;
		old[i] = 0;
	}
	rc = db_prepare(db,
		"SELECT parameter_id, value FROM parameters_policies"
		" WHERE policy_id = ? ORDER BY id",
		&st);
	if (rc == 0)
		rc = db_bind_int(st, 1, pid);
	if (rc < 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t param = db_column_int(st, 0);

		for (i = 0; i < P_COUNT; i++) {
			if (ids[i] != param)
				continue;
			/* a NULL value never equals what we write */
			have[i] = db_column_is_null(st, 1) ? 2 : 1;
			old[i] = db_column_int(st, 1);
		}
	}
	if (rc < 0)
		goto out;

	rc = db_prepare(db,
		"INSERT INTO parameters_policies (parameter_id, policy_id, value)"
		" VALUES (?, ?, ?)",
		&ins);
	if (rc < 0)
		goto out;
	rc = db_prepare(db,
		"UPDATE parameters_policies SET value = ?"
		" WHERE parameter_id = ? AND policy_id = ?",
		&upd);
	if (rc < 0)
		goto out;
	for (i = 0; i < P_COUNT; i++) {
		if (!write[i] || (have[i] == 1 && old[i] == val[i]))
			continue;
		if (i == P_SALTLENGTH)
			salt_changed = 1;
		if (have[i]) {
			rc = db_reset(upd);
			if (rc == 0)
				rc = db_bind_int(upd, 1, val[i]);
			if (rc == 0)
				rc = db_bind_int(upd, 2, ids[i]);
			if (rc == 0)
				rc = db_bind_int(upd, 3, pid);
			if (rc == 0)
				rc = store_step_done(upd);
		} else {
			rc = db_reset(ins);
			if (rc == 0)
				rc = db_bind_int(ins, 1, ids[i]);
			if (rc == 0)
				rc = db_bind_int(ins, 2, pid);
			if (rc == 0)
				rc = db_bind_int(ins, 3, val[i]);
			if (rc == 0)
				rc = store_step_done(ins);
		}
		if (rc < 0)
			goto out;
	}
	if (salt_changed && !made) {
		/* the enforcer makes a new salt of the new length on its next run */
		rc = exec_ints(db, "UPDATE policies SET salt_stamp = NULL WHERE id = ?", 1, &pid);
		if (rc < 0)
			goto out;
	}
	if (created != NULL)
		*created = made;
	rc = 0;
out:
	db_finalize(st);
	db_finalize(ins);
	db_finalize(upd);
	return rc;
}

/* --------------------------------------------------------------------- get */

static void
policy_free(struct kasp_policy *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->description);
	free(p->ksk.repository);
	free(p->zsk.repository);
	free(p);
}

int
store_policy_get(db_t *db, const char *name, struct kasp_policy **out)
{
	struct kasp_policy *p = NULL;
	int64_t val[P_COUNT], pid = 0;
	db_stmt_t *st = NULL;
	char *serial = NULL;
	size_t k;
	int rc, i;

	if (db == NULL || name == NULL) {
		rc = E_INVAL;
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	rc = policy_row(db, name, &pid, &p->description);
	if (rc < 0)
		goto out;
	rc = store_strdup(name, &p->name);
	if (rc < 0)
		goto out;

	for (i = 0; i < P_COUNT; i++)
		val[i] = params[i].missing;
	rc = db_prepare(db,
		"SELECT p.name, c.name, pp.value FROM parameters_policies pp"
		" JOIN parameters p ON p.id = pp.parameter_id"
		" JOIN categories c ON c.id = p.category_id"
		" WHERE pp.policy_id = ? ORDER BY pp.id",
		&st);
	if (rc == 0)
		rc = db_bind_int(st, 1, pid);
	if (rc < 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		i = param_index(db_column_text(st, 0), db_column_text(st, 1));
		if (i >= 0 && !db_column_is_null(st, 2))
			val[i] = db_column_int(st, 2);
	}
	if (rc < 0)
		goto out;

	p->resign = val[P_RESIGN];
	p->refresh = val[P_REFRESH];
	p->valdefault = val[P_VALDEFAULT];
	p->valdenial = val[P_VALDENIAL];
	p->jitter = val[P_JITTER];
	p->inception_offset = val[P_CLOCKSKEW];
	p->nsec3 = val[P_VERSION] == DENIAL_NSEC3;
	if (p->nsec3) {
		/* under NSEC the rows of an earlier NSEC3 setting are not part of the policy */
		p->optout = val[P_OPTOUT] != 0;
		p->resalt = val[P_RESALT];
		p->nsec3_ttl = val[P_DENIAL_TTL];
		p->hash_algorithm = (int)val[P_HASH_ALG];
		p->iterations = (int)val[P_ITERATIONS];
		p->salt_length = (int)val[P_SALTLENGTH];
	}
	p->key_ttl = val[P_KEYS_TTL];
	p->retire_safety = val[P_RETIRESAFETY];
	p->publish_safety = val[P_PUBLISHSAFETY];
	p->share_keys = val[P_SHARE_KEYS] != 0;
	p->purge = val[P_PURGE];
	p->ksk.algorithm = (int)val[P_KSK_ALG];
	p->ksk.bits = (int)val[P_KSK_BITS];
	p->ksk.lifetime = val[P_KSK_LIFETIME];
	p->ksk.standby = (int)val[P_KSK_STANDBY];
	p->ksk.manual_rollover = val[P_KSK_MANUAL] != 0;
	p->ksk.rfc5011 = val[P_KSK_RFC5011] != 0;
	p->zsk.algorithm = (int)val[P_ZSK_ALG];
	p->zsk.bits = (int)val[P_ZSK_BITS];
	p->zsk.lifetime = val[P_ZSK_LIFETIME];
	p->zsk.standby = (int)val[P_ZSK_STANDBY];
	p->zsk.manual_rollover = val[P_ZSK_MANUAL] != 0;
	p->zone_propdelay = val[P_ZONE_PROPDELAY];
	p->zone_soa_ttl = val[P_ZONE_TTL];
	p->zone_soa_min = val[P_ZONE_MIN];
	p->parent_propdelay = val[P_PARENT_PROPDELAY];
	p->parent_ds_ttl = val[P_PARENT_TTLDS];
	p->parent_soa_ttl = val[P_PARENT_TTL];
	p->parent_soa_min = val[P_PARENT_MIN];

	/* ids to names: a repository or serial mode that is gone reads as unset */
	rc = lookup_text(db, "SELECT name FROM securitymodules WHERE id = ?", val[P_KSK_REPO],
		&p->ksk.repository);
	if (rc == 0)
		rc = lookup_text(db, "SELECT name FROM securitymodules WHERE id = ?",
			val[P_ZSK_REPO], &p->zsk.repository);
	if (rc == 0)
		rc = lookup_text(db, "SELECT name FROM serialmodes WHERE id = ?",
			val[P_ZONE_SERIAL], &serial);
	if (rc < 0)
		goto out;
	for (k = 0; serial != NULL && k < sizeof(serials) / sizeof(serials[0]); k++) {
		if (strcmp(serials[k].name, serial) == 0)
			p->serial = serials[k].serial;
	}

	*out = p;
	p = NULL;
	rc = 0;
out:
	free(serial);
	policy_free(p);
	db_finalize(st);
	return rc;
}

/* -------------------------------------------------------------------- list */

static void
policy_entry_clear(void *elem)
{
	struct store_policy *p = elem;

	free(p->name);
	free(p->description);
}

void
store_policy_free_array(struct store_policy *p, size_t n)
{
	store_free_array(p, n, sizeof(*p), policy_entry_clear);
}

/* Byte order of names (collations differ between engines), then id. */
static int
policy_cmp_name(const void *a, const void *b)
{
	const struct store_policy *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The columns policy_entry_from_row() reads, for the list and for one policy. */
#define POLICY_SUMMARY_SELECT                                                                      \
	"SELECT p.id, p.name, p.description,"                                                      \
	" (SELECT count(*) FROM zones z WHERE z.policy_id = p.id),"                                \
	" (SELECT count(*) FROM keypairs k WHERE k.policy_id = p.id)"                              \
	" FROM policies p"

static int
policy_entry_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_policy *p = elem;
	int rc;

	(void)ctx;
	p->id = db_column_int(st, 0);
	p->zones = (int)db_column_int(st, 3);
	p->keypairs = (int)db_column_int(st, 4);
	rc = store_column_strdup(st, 1, &p->name);
	if (rc == 0)
		rc = store_column_strdup(st, 2, &p->description);
	return rc;
}

int
store_policy_list(db_t *db, enum store_order order, struct store_policy **out, size_t *n)
{
	static const char sql[] = POLICY_SUMMARY_SELECT " ORDER BY p.id";
	db_stmt_t *st = NULL;
	void *rows = NULL;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = store_rows(st, sizeof(**out), policy_entry_from_row, NULL, policy_entry_clear,
			order == STORE_ORDER_NAME ? policy_cmp_name : NULL, &rows, n);
	if (rc == 0)
		*out = rows;
	db_finalize(st);
	return rc;
}

/*
 * One policy's row of store_policy_list(), by name: the same columns and
 * row reader, with the name bound rather than every policy read.
 */
int
store_policy_summary(db_t *db, const char *name, struct store_policy **out)
{
	static const char sql[] = POLICY_SUMMARY_SELECT " WHERE p.name = ?";
	db_stmt_t *st = NULL;
	void *rows = NULL;
	size_t n = 0;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = db_bind_text(st, 1, name);
	if (rc == 0)
		rc = store_rows(st, sizeof(**out), policy_entry_from_row, NULL, policy_entry_clear,
			NULL, &rows, &n);
	if (rc == 0 && n == 0)
		rc = E_NOTFOUND;
	if (rc == 0)
		*out = rows;
	db_finalize(st);
	return rc;
}

/* ------------------------------------------------------------------ delete */

int
store_policy_delete(db_t *db, int64_t id)
{
	db_stmt_t *st = NULL;
	int rc;

	rc = db_prepare(db,
		"SELECT (SELECT count(*) FROM zones z WHERE z.policy_id = p.id),"
		" (SELECT count(*) FROM keypairs k WHERE k.policy_id = p.id)"
		" FROM policies p WHERE p.id = ?",
		&st);
	if (rc == 0)
		rc = db_bind_int(st, 1, id);
	if (rc == 0)
		rc = db_step(st);
	if (rc < 0)
		goto out;
	if (rc == DB_DONE) {
		rc = E_NOTFOUND;
		goto out;
	}
	if (db_column_int(st, 0) > 0 || db_column_int(st, 1) > 0) {
		rc = E_EXISTS;
		goto out;
	}
	rc = exec_ints(db, "DELETE FROM parameters_policies WHERE policy_id = ?", 1, &id);
	if (rc == 0)
		rc = exec_ints(db, "DELETE FROM policies WHERE id = ?", 1, &id);
out:
	db_finalize(st);
	return rc;
}
