#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigmem.h"
#include "common/err.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/store.h"

int
store_strdup(const char *s, char **out)
{
	char *copy = NULL;

	if (s != NULL) {
		copy = strdup(s);
		if (copy == NULL)
			return E_NOMEM;
	}
	*out = copy;
	return 0;
}

int
store_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
store_column_strdup(db_stmt_t *st, int col, char **out)
{
	return store_strdup(db_column_text(st, col), out);
}

time_t
store_column_time0(db_stmt_t *st, int col)
{
	time_t t = 0;

	if (db_column_time(st, col, &t) != 0)
		return 0;
	return t;
}

int
store_bind_ints(db_stmt_t *st, int idx, const int64_t *v, int n)
{
	int rc = 0, i;

	for (i = 0; i < n && rc == 0; i++)
		rc = db_bind_int(st, idx + i, v[i]);
	return rc;
}

int
store_first_row(db_t *db, const char *sql, const char *key, db_stmt_t **out)
{
	db_stmt_t *st = NULL;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = db_bind_text(st, 1, key);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		rc = E_NOTFOUND;
	if (rc < 0) {
		db_finalize(st);
		return rc;
	}
	*out = st;
	return 0;
}

int
store_lookup_id(db_t *db, const char *sql, const char *key, int64_t *id)
{
	db_stmt_t *st = NULL;
	int rc;

	rc = store_first_row(db, sql, key, &st);
	if (rc == 0)
		*id = db_column_int(st, 0);
	db_finalize(st);
	return rc;
}

void
store_free_array(void *arr, size_t n, size_t size, store_clear_fn *clear)
{
	size_t i;

	if (arr == NULL)
		return;
	for (i = 0; i < n; i++)
		clear((char *)arr + i * size);
	free(arr);
}

int
store_grow(void *arrp, size_t *cap, size_t need, size_t size)
{
	size_t want = *cap ? *cap : 16;
	void *arr, *grown;

	if (need <= *cap)
		return 0;
	while (want < need) {
		if (want > SIZE_MAX / 2)
			return E_NOMEM;
		want *= 2;
	}
	if (want > SIZE_MAX / size)
		return E_NOMEM;
	/* through memcpy: arrp points to a pointer of the caller's element type, not a void * */
	memcpy(&arr, arrp, sizeof(arr));
	grown = realloc(arr, want * size);
	if (grown == NULL)
		return E_NOMEM;
	memcpy(arrp, &grown, sizeof(grown));
	*cap = want;
	return 0;
}

int
store_rows(db_stmt_t *st, size_t size, store_row_fn *from_row, const void *ctx,
	store_clear_fn *clear, int (*cmp)(const void *, const void *), void **out, size_t *n)
{
	char *list = NULL, *elem;
	size_t count = 0, cap = 0;
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		rc = store_grow(&list, &cap, count + 1, size);
		if (rc < 0)
			goto out;
		elem = list + count * size;
		memset(elem, 0, size);
		/* counted before it is filled, so that a failure frees what it copied */
		count++;
		rc = from_row(st, elem, ctx);
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (cmp != NULL && count > 1)
		qsort(list, count, size, cmp);
	*out = list;
	*n = count;
	list = NULL;
	count = 0;
	rc = 0;
out:
	store_free_array(list, count, size, clear);
	return rc;
}

int
store_query_rows(db_t *db, const char *sql, const int64_t *ints, int nints, size_t size,
	store_row_fn *from_row, store_clear_fn *clear, void **out, size_t *n)
{
	db_stmt_t *st = NULL;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = store_bind_ints(st, 1, ints, nints);
	if (rc == 0)
		rc = store_rows(st, size, from_row, NULL, clear, NULL, out, n);
	db_finalize(st);
	return rc;
}

int
store_step_done(db_stmt_t *st)
{
	int rc;

	do {
		rc = db_step(st);
	} while (rc == DB_ROW);
	return rc < 0 ? rc : 0;
}

int
store_step_changed(db_t *db, db_stmt_t *st)
{
	int rc = store_step_done(st);

	if (rc == 0 && db_changes(db) == 0)
		rc = E_NOTFOUND;
	return rc;
}

/* ------------------------------------------------------------ zone removal */

int
store_zone_deleter_init(db_t *db, time_t now, struct store_zone_deleter *d)
{
	struct store_zone_deleter tmp = { NULL, NULL };
	int rc;

	rc = db_prepare(db,
		"UPDATE dnsseckeys SET state = ?, dead = ?"
		" WHERE zone_id = ? AND (state IS NULL OR state <> ?)",
		&tmp.kill);
	if (rc < 0)
		goto out;
	rc = db_bind_int(tmp.kill, 1, STORE_KEY_STATE_DEAD);
	if (rc == 0)
		rc = db_bind_time(tmp.kill, 2, now);
	if (rc == 0)
		rc = db_bind_int(tmp.kill, 4, STORE_KEY_STATE_DEAD);
	if (rc < 0)
		goto out;
	rc = db_prepare(db, "DELETE FROM zones WHERE id = ?", &tmp.del);
	if (rc < 0)
		goto out;
	*d = tmp;
	tmp.kill = tmp.del = NULL;
out:
	db_finalize(tmp.kill);
	db_finalize(tmp.del);
	return rc;
}

int
store_zone_deleter_run(struct store_zone_deleter *d, int64_t id)
{
	int rc;

	rc = db_reset(d->kill);
	if (rc == 0)
		rc = db_bind_int(d->kill, 3, id);
	if (rc == 0)
		rc = store_step_done(d->kill);
	if (rc == 0)
		rc = db_reset(d->del);
	if (rc == 0)
		rc = db_bind_int(d->del, 1, id);
	if (rc == 0)
		rc = store_step_done(d->del);
	return rc;
}

void
store_zone_deleter_fini(struct store_zone_deleter *d)
{
	db_finalize(d->kill);
	db_finalize(d->del);
	d->kill = d->del = NULL;
}

/* ------------------------------------------------------------ string map */

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t
fnv1a(const char *s, size_t len, int add_dot)
{
	uint64_t h = FNV_OFFSET;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	if (add_dot) {
		h ^= (unsigned char)'.';
		h *= FNV_PRIME;
	}
	return h;
}

int
store_strmap_init(struct store_strmap *m, size_t n)
{
	size_t cap = 16;

	while (cap < n * 2) {
		if (cap > SIZE_MAX / 4 / sizeof(*m->slots))
			return E_NOMEM;
		cap *= 2;
	}
	m->slots = bigmem_calloc(cap, sizeof(*m->slots));
	if (m->slots == NULL)
		return E_NOMEM;
	m->mask = cap - 1;
	return 0;
}

void
store_strmap_fini(struct store_strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
}

static int
slot_matches(const struct store_strmap_slot *s, const char *key, size_t len, int add_dot)
{
	if (s->len != len + (add_dot ? 1 : 0))
		return 0;
	if (memcmp(s->key, key, len) != 0)
		return 0;
	return !add_dot || s->key[len] == '.';
}

int
store_strmap_put(struct store_strmap *m, const char *key, size_t value, size_t *existing)
{
	size_t len = strlen(key), i, probes;

	i = (size_t)fnv1a(key, len, 0) & m->mask;
	for (probes = 0; probes <= m->mask; probes++, i = (i + 1) & m->mask) {
		struct store_strmap_slot *s = &m->slots[i];

		if (s->key == NULL) {
			s->key = key;
			s->len = len;
			s->value = value;
			return 0;
		}
		if (slot_matches(s, key, len, 0)) {
			if (existing != NULL)
				*existing = s->value;
			return 1;
		}
	}
	assert(!"store_strmap_put: map is full");
	return 1;
}

int
store_strmap_get(
	const struct store_strmap *m, const char *key, size_t len, int add_dot, size_t *value)
{
	size_t i, probes;

	i = (size_t)fnv1a(key, len, add_dot) & m->mask;
	for (probes = 0; probes <= m->mask; probes++, i = (i + 1) & m->mask) {
		const struct store_strmap_slot *s = &m->slots[i];

		if (s->key == NULL)
			return 0;
		if (slot_matches(s, key, len, add_dot)) {
			*value = s->value;
			return 1;
		}
	}
	return 0;
}

const char *
store_state_name(int state)
{
	static const char *const names[STORE_STATE_MAX + 1] = {
		NULL,
		"generate",
		"publish",
		"ready",
		"active",
		"retire",
		"dead",
		"dssub",
		"dspublish",
		"dsready",
		"keypublish",
	};

	return state >= 0 && state <= STORE_STATE_MAX ? names[state] : NULL;
}
