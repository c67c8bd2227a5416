#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/zonelist.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/limits.h"
#include "store/store.h"

/*
 * store_zonelist_import() in three reads and one statement per change:
 * every policy and every zone are read once and indexed by name in hash
 * tables; each zone of the file is then compared in memory, and only
 * inserts, updates and deletes go to the database, through statements
 * prepared once and re-bound for every zone.
 */

struct policy_ref {
	int64_t id;
	char *name;
};

struct import {
	db_t *db;
	const struct zonelist *zl;
	store_zl_report report;
	void *arg;

	struct policy_ref *pols;
	size_t npols;
	struct store_strmap pol_map;    /* policy name -> index in pols */

	struct store_zone *zones;       /* every zone of the database */
	size_t nzones;
	struct store_strmap zone_map;   /* zone name -> index in zones */
	unsigned char *seen;            /* zones[i] is named in the file */

	struct store_strmap file_map;   /* file zone name -> first index in zl */
	size_t *latest;                 /* first index -> latest index applied */

	db_stmt_t *ins, *upd;
	struct store_zone_deleter del;
};

static void
report(struct import *im, enum store_zl_event ev, const char *zone, const char *policy)
{
	if (im->report != NULL)
		im->report(im->arg, ev, zone, policy);
}

static const char *
type_or_file(const char *type)
{
	return type != NULL ? type : "File";
}

static int
load_policies(struct import *im)
{
	db_stmt_t *st = NULL;
	size_t cap = 0;
	int rc;

	rc = db_prepare(im->db, "SELECT id, name FROM policies ORDER BY id", &st);
	if (rc < 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		if (im->npols == cap) {
			struct policy_ref *grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(im->pols, cap * sizeof(*grown));
			if (grown == NULL) {
				rc = E_NOMEM;
				goto out;
			}
			im->pols = grown;
		}
		im->pols[im->npols].id = db_column_int(st, 0);
		rc = store_column_strdup(st, 1, &im->pols[im->npols].name);
		if (rc < 0)
			goto out;
		im->npols++;
	}
	if (rc < 0)
		goto out;
	rc = store_strmap_init(&im->pol_map, im->npols);
	for (size_t i = 0; rc == 0 && i < im->npols; i++)
		(void)store_strmap_put(&im->pol_map, im->pols[i].name, i, NULL);
out:
	db_finalize(st);
	return rc;
}

static int
load_zones(struct import *im)
{
	size_t i;
	int rc;

	rc = store_zone_list(im->db, STORE_ORDER_ID, &im->zones, &im->nzones);
	if (rc < 0)
		goto out;
	im->seen = calloc(im->nzones + 1, 1);
	if (im->seen == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	rc = store_strmap_init(&im->zone_map, im->nzones);
	for (i = 0; rc == 0 && i < im->nzones; i++)
		(void)store_strmap_put(&im->zone_map, im->zones[i].name, i, NULL);
out:
	return rc;
}

static int
index_file(struct import *im)
{
	const struct zonelist *zl = im->zl;
	size_t i;
	int rc;

	im->latest = calloc(zl->nzones + 1, sizeof(*im->latest));
	if (im->latest == NULL)
		return E_NOMEM;
	rc = store_strmap_init(&im->file_map, zl->nzones);
	for (i = 0; rc == 0 && i < zl->nzones; i++) {
		if (zl->zones[i].name == NULL || zl->zones[i].policy == NULL ||
		    zl->zones[i].name[0] == '\0')
			return E_INVAL;
		(void)store_strmap_put(&im->file_map, zl->zones[i].name, i, NULL);
		im->latest[i] = i;
	}
	return rc;
}

static int
prepare(struct import *im, time_t now)
{
	int rc;

	rc = db_prepare(im->db, "INSERT INTO zones (name, policy_id, signconf, input, output,"
		" in_type, out_type, canon) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &im->ins);
	if (rc == 0)
		rc = db_prepare(im->db, "UPDATE zones SET policy_id = ?, signconf = ?, input = ?,"
			" output = ?, in_type = ?, out_type = ? WHERE name = ?", &im->upd);
	if (rc == 0)
		rc = store_zone_deleter_init(im->db, now, &im->del);
	return rc;
}

/* Bind the values of fz to st from index first on, in the order of both statements. */
static int
bind_zone(db_stmt_t *st, int first, int64_t policy_id, const struct zonelist_zone *fz)
{
	int rc;

	rc = db_bind_int(st, first, policy_id);
	if (rc == 0)
		rc = db_bind_text(st, first + 1, fz->signconf);
	if (rc == 0)
		rc = db_bind_text(st, first + 2, fz->input);
	if (rc == 0)
		rc = db_bind_text(st, first + 3, fz->output);
	if (rc == 0)
		rc = db_bind_text(st, first + 4, type_or_file(fz->input_type));
	if (rc == 0)
		rc = db_bind_text(st, first + 5, type_or_file(fz->output_type));
	return rc;
}

static int
insert_zone(struct import *im, int64_t policy_id, const struct zonelist_zone *fz)
{
	int rc;

	rc = db_reset(im->ins);
	if (rc == 0)
		rc = db_bind_text(im->ins, 1, fz->name);
	if (rc == 0)
		rc = bind_zone(im->ins, 2, policy_id, fz);
	if (rc == 0)
		rc = store_bind_zone_canon(im->ins, 8, fz->name);
	if (rc == 0)
		rc = store_step_done(im->ins);
	if (rc == DB_E_CONSTRAINT)
		rc = E_EXISTS;          /* added by someone else meanwhile */
	return rc;
}

static int
update_zone(struct import *im, int64_t policy_id, const struct zonelist_zone *fz)
{
	int rc;

	rc = db_reset(im->upd);
	if (rc == 0)
		rc = bind_zone(im->upd, 1, policy_id, fz);
	if (rc == 0)
		rc = db_bind_text(im->upd, 7, fz->name);
	if (rc == 0)
		rc = store_step_done(im->upd);
	return rc;
}

/* Whether fz differs from what the database holds for the zone. */
static int
zone_differs(const struct store_zone *dz, int64_t policy_id, const struct zonelist_zone *fz)
{
	return dz->policy_id != policy_id || !store_streq(dz->signconf, fz->signconf) ||
		!store_streq(dz->input, fz->input) || !store_streq(dz->output, fz->output) ||
		!store_streq(dz->input_type, type_or_file(fz->input_type)) ||
		!store_streq(dz->output_type, type_or_file(fz->output_type));
}

/* Whether zone b of the file says something else than zone a (same name). */
static int
file_zone_differs(const struct zonelist_zone *a, const struct zonelist_zone *b)
{
	return strcmp(a->policy, b->policy) != 0 || !store_streq(a->signconf, b->signconf) ||
		!store_streq(a->input, b->input) || !store_streq(a->output, b->output) ||
		strcmp(type_or_file(a->input_type), type_or_file(b->input_type)) != 0 ||
		strcmp(type_or_file(a->output_type), type_or_file(b->output_type)) != 0;
}

/*
 * Whether the other spelling of name (with/without the final dot) is a key
 * of map; *value receives its value.
 */
static int
other_spelling_in(const struct store_strmap *m, const char *name, size_t *value)
{
	size_t len = strlen(name);

	if (len == 1 && name[0] == '.')
		return 0;
	if (name[len - 1] == '.')
		return store_strmap_get(m, name, len - 1, 0, value);
	return store_strmap_get(m, name, len, 1, value);
}

static int
apply_file_zone(struct import *im, size_t i)
{
	const struct zonelist_zone *fz = &im->zl->zones[i];
	size_t len = strlen(fz->name), p, z, first;
	int64_t policy_id;
	int rc;

	report(im, STORE_ZL_FOUND, fz->name, fz->policy);
	rc = store_limit_zonelist_zone(fz, NULL, 0);
	if (rc < 0)
		return rc;
	if (!store_strmap_get(&im->pol_map, fz->policy, strlen(fz->policy), 0, &p)) {
		report(im, STORE_ZL_NO_POLICY, fz->name, fz->policy);
		return E_NOTFOUND;
	}
	policy_id = im->pols[p].id;
	if (other_spelling_in(&im->file_map, fz->name, &z)) {
		report(im, STORE_ZL_DOT_CLASH, fz->name, fz->policy);
		return E_EXISTS;
	}

	/* the same name a second time in the file: it changes what the first one set */
	(void)store_strmap_get(&im->file_map, fz->name, len, 0, &first);
	if (first != i) {
		const struct zonelist_zone *prev = &im->zl->zones[im->latest[first]];

		im->latest[first] = i;
		if (!file_zone_differs(prev, fz))
			return 0;
		rc = update_zone(im, policy_id, fz);
		if (rc == 0)
			report(im, STORE_ZL_UPDATED, fz->name, fz->policy);
		return rc;
	}

	if (store_strmap_get(&im->zone_map, fz->name, len, 0, &z)) {
		im->seen[z] = 1;
		if (!zone_differs(&im->zones[z], policy_id, fz))
			return 0;
		rc = update_zone(im, policy_id, fz);
		if (rc == 0)
			report(im, STORE_ZL_UPDATED, fz->name, fz->policy);
		return rc;
	}
	if (other_spelling_in(&im->zone_map, fz->name, &z)) {
		report(im, STORE_ZL_DOT_CLASH, fz->name, fz->policy);
		return E_EXISTS;
	}
	rc = insert_zone(im, policy_id, fz);
	if (rc == 0)
		report(im, STORE_ZL_ADDED, fz->name, fz->policy);
	return rc;
}

int
store_zonelist_import(db_t *db, const struct zonelist *zl, time_t now, store_zl_report report_fn,
	void *arg)
{
	struct import im;
	size_t i;
	int rc;

	memset(&im, 0, sizeof(im));
	if (db == NULL || zl == NULL || (zl->nzones > 0 && zl->zones == NULL)) {
		rc = E_INVAL;
		goto out;
	}
	im.db = db;
	im.zl = zl;
	im.report = report_fn;
	im.arg = arg;

	rc = load_policies(&im);
	if (rc == 0)
		rc = load_zones(&im);
	if (rc == 0)
		rc = index_file(&im);
	if (rc == 0)
		rc = prepare(&im, now);
	if (rc < 0)
		goto out;

	for (i = 0; i < zl->nzones; i++) {
		rc = apply_file_zone(&im, i);
		if (rc < 0)
			goto out;
	}
	for (i = 0; i < im.nzones; i++) {
		if (im.seen[i])
			continue;
		report(&im, STORE_ZL_REMOVED, im.zones[i].name, im.zones[i].policy);
		rc = store_zone_deleter_run(&im.del, im.zones[i].id);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	db_finalize(im.ins);
	db_finalize(im.upd);
	store_zone_deleter_fini(&im.del);
	store_strmap_fini(&im.file_map);
	store_strmap_fini(&im.zone_map);
	store_strmap_fini(&im.pol_map);
	free(im.latest);
	free(im.seen);
	store_zone_free_array(im.zones, im.nzones);
	for (i = 0; i < im.npols; i++)
		free(im.pols[i].name);
	free(im.pols);
	return rc;
}
