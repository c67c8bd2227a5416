#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigmem.h"
#include "common/err.h"
#include "config/zonelist.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/limits.h"
#include "store/store.h"

/*
 * store_zonelist_import_from() in two reads and one statement per change,
 * with the file's zones arriving one at a time (a streaming reader), so
 * that memory does not hold the file: every policy and every zone of the
 * database are read once, each zone compactly (id, policy, name and a
 * 128-bit digest of its paths and types), and indexed by name; each zone
 * of the file is compared with that in memory, and only inserts, updates
 * and deletes go to the database, through statements prepared once and
 * re-bound for every zone. The file's names are kept (a few MB at 100,000
 * zones) to find zones named twice and zones the file no longer has.
 */

/*
 * Strings copied into large blocks: one allocation per block, not per
 * string. Blocks double from 64 KiB to 2 MiB, the largest being made
 * by bigmem_calloc() (a huge page each where the kernel has them).
 */
#define ARENA_FIRST ((size_t)64 << 10)
#define ARENA_LAST ((size_t)2 << 20)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

struct arena {
	struct arena_block *head;
	size_t next; /* the size of the next block, header included */
};

static int
arena_dup(struct arena *a, const char *s, const char **out)
{
	size_t len = strlen(s) + 1;
	struct arena_block *b = a->head;

	if (b == NULL || b->size - b->used < len) {
		size_t total = a->next != 0 ? a->next : ARENA_FIRST;

		if (total - sizeof(*b) < len)
			total = sizeof(*b) + len;
		b = total >= ARENA_LAST ? bigmem_calloc(1, total) : malloc(total);
		if (b == NULL)
			return E_NOMEM;
		b->next = a->head;
		b->used = 0;
		b->size = total - sizeof(*b);
		a->head = b;
		if (a->next < ARENA_LAST)
			a->next = a->next != 0 ? 2 * a->next : 2 * ARENA_FIRST;
	}
	memcpy(b->data + b->used, s, len);
	*out = b->data + b->used;
	b->used += len;
	return 0;
}

static void
arena_free(struct arena *a)
{
	while (a->head != NULL) {
		struct arena_block *b = a->head;

		a->head = b->next;
		free(b);
	}
	a->next = 0;
}

/* What a zone's row holds besides its name and policy, reduced to 128 bits. */
struct digest {
	uint64_t a, b;
};

/* One step of a lane: multiply-rotate-multiply, so every input bit reaches every output bit. */
static uint64_t
digest_mix(uint64_t h, uint64_t v)
{
	v *= 0x87c37b91114253d5ULL;
	v = (v << 31) | (v >> 33);
	h ^= v * 0x4cf5ad432745937fULL;
	h = (h << 27) | (h >> 37);
	return h * 5 + 0x52dce729;
}

static void
digest_add(struct digest *d, const char *s)
{
	uint64_t w;
	size_t len, i;

	/* the length (or ~0 for NULL) first: NULL, "" and the field bounds stay apart */
	len = s != NULL ? strlen(s) : 0;
	w = s != NULL ? (uint64_t)len : ~(uint64_t)0;
	d->a = digest_mix(d->a, w);
	d->b = digest_mix(d->b, w ^ 0x9e3779b97f4a7c15ULL);
	/* eight bytes at a time; the two lanes see each word differently */
	for (i = 0; i < len; i += 8) {
		w = 0;
		memcpy(&w, s + i, len - i < 8 ? len - i : 8);
		d->a = digest_mix(d->a, w);
		d->b = digest_mix(d->b ^ d->a, w + i);
	}
}

static struct digest
digest_of(const char *signconf, const char *input, const char *in_type, const char *output,
	const char *out_type)
{
	struct digest d = { 0xcbf29ce484222325ULL, 0x243f6a8885a308d3ULL };

	digest_add(&d, signconf);
	digest_add(&d, input);
	digest_add(&d, in_type);
	digest_add(&d, output);
	digest_add(&d, out_type);
	return d;
}

/*
 * A string map that grows: keys live in an arena, and the map is rebuilt
 * twice as large when it is half full.
 */
struct name_set {
	struct store_strmap map;
	size_t n, room;
	struct arena names;
};

static int
name_set_init(struct name_set *s, size_t room)
{
	s->n = 0;
	s->room = room < 1024 ? 1024 : room;
	return store_strmap_init(&s->map, s->room);
}

static void
name_set_fini(struct name_set *s)
{
	store_strmap_fini(&s->map);
	arena_free(&s->names);
}

/*
 * Add name -> value (name copied; *copy, may be NULL, receives the copy).
 * 1 when it was there already (*existing, may be NULL, gets its value), 0
 * when added.
 */
static int
name_set_put(
	struct name_set *s, const char *name, size_t value, size_t *existing, const char **copy)
{
	const char *key;
	size_t i;
	int rc;

	if (store_strmap_get(&s->map, name, strlen(name), 0, existing != NULL ? existing : &i))
		return 1;
	if (s->n == s->room) {
		struct store_strmap bigger;

		rc = store_strmap_init(&bigger, s->room * 2);
		if (rc < 0)
			return rc;
		for (i = 0; i <= s->map.mask; i++)
			if (s->map.slots[i].key != NULL)
				(void)store_strmap_put(
					&bigger, s->map.slots[i].key, s->map.slots[i].value, NULL);
		store_strmap_fini(&s->map);
		s->map = bigger;
		s->room *= 2;
	}
	rc = arena_dup(&s->names, name, &key);
	if (rc < 0)
		return rc;
	(void)store_strmap_put(&s->map, key, value, NULL);
	s->n++;
	if (copy != NULL)
		*copy = key;
	return 0;
}

struct policy_ref {
	int64_t id;
	char *name;
};

/* A zone of the database, as much as the comparison needs. */
struct db_zone {
	int64_t id, policy_id;
	const char *name; /* in im->zones.names */
	struct digest digest;
	unsigned char seen; /* named in the file */
};

struct import {
	db_t *db;
	store_zl_report report;
	void *arg;

	struct policy_ref *pols;
	size_t npols;
	struct store_strmap pol_map; /* policy name -> index in pols */

	struct db_zone *dbz; /* every zone of the database, by policy then id */
	size_t ndbz;
	struct name_set zones; /* zone name -> index in dbz */

	struct name_set file; /* the names of the file so far */

	db_stmt_t *ins, *upd, *get;
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
		rc = store_grow(&im->pols, &cap, im->npols + 1, sizeof(*im->pols));
		if (rc < 0)
			goto out;
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

/* The name of policy id, or NULL. */
static const char *
policy_name(const struct import *im, int64_t id)
{
	for (size_t i = 0; i < im->npols; i++)
		if (im->pols[i].id == id)
			return im->pols[i].name;
	return NULL;
}

/* How many zones the database holds now: the size the tables start at. */
static int
count_zones(db_t *db, size_t *n)
{
	db_stmt_t *st = NULL;
	int rc;

	rc = db_prepare(db, "SELECT COUNT(*) FROM zones", &st);
	if (rc == 0) {
		rc = db_step(st);
		if (rc == DB_ROW) {
			*n = (size_t)db_column_int(st, 0);
			rc = 0;
		} else if (rc >= 0) {
			rc = DB_E_SQL;
		}
	}
	db_finalize(st);
	return rc;
}

/*
 * Read the zones row by row into the compact table (the order of
 * store_zone_list(ID)). The table and the name map are made at their
 * final size first: grown by doubling, at 100,000 zones they would be
 * filled, copied and freed several times over.
 */
static int
load_zones(struct import *im)
{
	db_stmt_t *st = NULL;
	size_t cap = 0;
	int rc;

	rc = count_zones(im->db, &cap);
	cap += 16; /* rows added before the read below need no growing */
	if (rc == 0)
		rc = name_set_init(&im->zones, cap);
	if (rc == 0) {
		im->dbz = bigmem_calloc(cap, sizeof(*im->dbz));
		if (im->dbz == NULL)
			rc = E_NOMEM;
	}
	if (rc == 0)
		rc = db_prepare(im->db,
			"SELECT id, policy_id, name, signconf, input, in_type,"
			" output, out_type FROM zones ORDER BY policy_id, id",
			&st);
	if (rc < 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		struct db_zone *z;
		const char *name = db_column_text(st, 2);

		if (im->ndbz == cap) {
			struct db_zone *grown;

			cap *= 2;
			grown = realloc(im->dbz, cap * sizeof(*grown));
			if (grown == NULL) {
				rc = E_NOMEM;
				goto out;
			}
			im->dbz = grown;
		}
		z = &im->dbz[im->ndbz];
		memset(z, 0, sizeof(*z));
		z->id = db_column_int(st, 0);
		z->policy_id = db_column_int(st, 1);
		z->digest = digest_of(db_column_text(st, 3), db_column_text(st, 4),
			db_column_text(st, 5), db_column_text(st, 6), db_column_text(st, 7));
		/* names are unique (an index): a second one would only lack its name */
		rc = name_set_put(&im->zones, name != NULL ? name : "", im->ndbz, NULL, &z->name);
		if (rc < 0)
			goto out;
		im->ndbz++;
	}
	if (rc < 0)
		goto out;
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

static int
prepare(struct import *im, time_t now)
{
	int rc;

	rc = db_prepare(im->db,
		"INSERT INTO zones (name, policy_id, signconf, input, output,"
		" in_type, out_type, canon) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		&im->ins);
	if (rc == 0)
		rc = db_prepare(im->db,
			"UPDATE zones SET policy_id = ?, signconf = ?, input = ?,"
			" output = ?, in_type = ?, out_type = ? WHERE name = ?",
			&im->upd);
	if (rc == 0)
		rc = db_prepare(im->db,
			"SELECT policy_id, signconf, input, in_type, output,"
			" out_type FROM zones WHERE name = ?",
			&im->get);
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
		rc = E_EXISTS; /* added by someone else meanwhile */
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

static struct digest
file_digest(const struct zonelist_zone *fz)
{
	return digest_of(fz->signconf, fz->input, type_or_file(fz->input_type), fz->output,
		type_or_file(fz->output_type));
}

static int
digest_eq(struct digest x, struct digest y)
{
	return x.a == y.a && x.b == y.b;
}

/*
 * The same name a second time in the file: it changes what the first one
 * set, which the database holds now. 1 when the row differs from fz.
 */
static int
row_differs(struct import *im, int64_t policy_id, const struct zonelist_zone *fz, int *differs)
{
	int rc;

	rc = db_reset(im->get);
	if (rc == 0)
		rc = db_bind_text(im->get, 1, fz->name);
	if (rc == 0)
		rc = db_step(im->get);
	if (rc == DB_ROW) {
		*differs =
			db_column_int(im->get, 0) != policy_id ||
			!digest_eq(digest_of(db_column_text(im->get, 1), db_column_text(im->get, 2),
					   db_column_text(im->get, 3), db_column_text(im->get, 4),
					   db_column_text(im->get, 5)),
				file_digest(fz));
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = E_NOTFOUND; /* we put it there: someone else took it away */
	}
	(void)db_reset(im->get);
	return rc;
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
apply_file_zone(struct import *im, const struct zonelist_zone *fz)
{
	size_t len, p, z;
	int64_t policy_id;
	int rc, differs = 0;

	if (fz == NULL || fz->name == NULL || fz->policy == NULL || fz->name[0] == '\0')
		return E_INVAL;
	len = strlen(fz->name);
	report(im, STORE_ZL_FOUND, fz->name, fz->policy);
	rc = store_limit_zonelist_zone(fz, NULL, 0);
	if (rc < 0)
		return rc;
	if (!store_strmap_get(&im->pol_map, fz->policy, strlen(fz->policy), 0, &p)) {
		report(im, STORE_ZL_NO_POLICY, fz->name, fz->policy);
		return E_NOTFOUND;
	}
	policy_id = im->pols[p].id;
	if (other_spelling_in(&im->file.map, fz->name, &z)) {
		report(im, STORE_ZL_DOT_CLASH, fz->name, fz->policy);
		return E_EXISTS;
	}

	rc = name_set_put(&im->file, fz->name, 0, NULL, NULL);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* named before in the file */
		rc = row_differs(im, policy_id, fz, &differs);
		if (rc < 0 || !differs)
			return rc;
		rc = update_zone(im, policy_id, fz);
		if (rc == 0)
			report(im, STORE_ZL_UPDATED, fz->name, fz->policy);
		return rc;
	}

	if (store_strmap_get(&im->zones.map, fz->name, len, 0, &z)) {
		im->dbz[z].seen = 1;
		if (im->dbz[z].policy_id == policy_id &&
			digest_eq(im->dbz[z].digest, file_digest(fz)))
			return 0;
		rc = update_zone(im, policy_id, fz);
		if (rc == 0)
			report(im, STORE_ZL_UPDATED, fz->name, fz->policy);
		return rc;
	}
	if (other_spelling_in(&im->zones.map, fz->name, &z)) {
		report(im, STORE_ZL_DOT_CLASH, fz->name, fz->policy);
		return E_EXISTS;
	}
	rc = insert_zone(im, policy_id, fz);
	if (rc == 0)
		report(im, STORE_ZL_ADDED, fz->name, fz->policy);
	return rc;
}

int
store_zonelist_import_from(db_t *db, store_zl_next next, void *next_arg, time_t now,
	store_zl_report report_fn, void *arg)
{
	const struct zonelist_zone *fz;
	struct import im;
	size_t i;
	int rc;

	memset(&im, 0, sizeof(im));
	if (db == NULL || next == NULL) {
		rc = E_INVAL;
		goto out;
	}
	im.db = db;
	im.report = report_fn;
	im.arg = arg;

	rc = load_policies(&im);
	if (rc == 0)
		rc = load_zones(&im);
	if (rc == 0)
		rc = name_set_init(&im.file, im.ndbz);
	if (rc == 0)
		rc = prepare(&im, now);
	if (rc < 0)
		goto out;

	while ((rc = next(next_arg, &fz)) == 1) {
		rc = apply_file_zone(&im, fz);
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	for (i = 0; i < im.ndbz; i++) {
		if (im.dbz[i].seen)
			continue;
		report(&im, STORE_ZL_REMOVED, im.dbz[i].name,
			policy_name(&im, im.dbz[i].policy_id));
		rc = store_zone_deleter_run(&im.del, im.dbz[i].id);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	db_finalize(im.ins);
	db_finalize(im.upd);
	db_finalize(im.get);
	store_zone_deleter_fini(&im.del);
	name_set_fini(&im.file);
	name_set_fini(&im.zones);
	store_strmap_fini(&im.pol_map);
	free(im.dbz);
	for (i = 0; i < im.npols; i++)
		free(im.pols[i].name);
	free(im.pols);
	return rc;
}

/* store_zonelist_import(): the zones of an array, one by one. */
struct array_source {
	const struct zonelist *zl;
	size_t i;
};

static int
array_next(void *arg, const struct zonelist_zone **zone)
{
	struct array_source *a = arg;

	if (a->i == a->zl->nzones)
		return 0;
	*zone = &a->zl->zones[a->i++];
	return 1;
}

int
store_zonelist_import(
	db_t *db, const struct zonelist *zl, time_t now, store_zl_report report_fn, void *arg)
{
	struct array_source a = { zl, 0 };

	if (zl == NULL || (zl->nzones > 0 && zl->zones == NULL))
		return E_INVAL;
	return store_zonelist_import_from(db, array_next, &a, now, report_fn, arg);
}
