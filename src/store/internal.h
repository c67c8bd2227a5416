/*
 * internal.h - helpers shared by the files of src/store; not for callers
 * outside the module.
 */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db/db.h"

/* dnsseckeys.state of a dead key (enforcer.md §1.5). */
#define STORE_KEY_STATE_DEAD 6

/*
 * A malloc()ed copy of s into *out (NULL stays NULL). E_NOMEM; *out is
 * untouched on failure.
 */
int store_strdup(const char *s, char **out);

/* Both NULL, or both equal strings. */
int store_streq(const char *a, const char *b);

/* Copy text column col of st into *out (NULL for SQL NULL). E_NOMEM. */
int store_column_strdup(db_stmt_t *st, int col, char **out);

/* A time column, 0 for NULL (or a value that does not parse). */
time_t store_column_time0(db_stmt_t *st, int col);

/* Bind the n ints of v at idx, idx + 1 ... Stops at the first failure, whose code it returns. */
int store_bind_ints(db_stmt_t *st, int idx, const int64_t *v, int n);

/*
 * Prepare sql, bind key as its one text parameter and step to the first
 * row: the opening of every fetch of one row by name. On success *out is
 * the statement standing on that row (the caller finalizes it); E_NOTFOUND
 * when there is no row. On failure nothing is left to finalize.
 */
int store_first_row(db_t *db, const char *sql, const char *key, db_stmt_t **out);

/*
 * The id (column 0) of the first row of sql, a statement with one text
 * bind, for key: "SELECT id FROM t WHERE name = ?". E_NOTFOUND when there
 * is no row; *id is written only on success.
 */
int store_lookup_id(db_t *db, const char *sql, const char *key, int64_t *id);

/*
 * Arrays of rows. Every list of src/store is read the same way: step the
 * statement, copy each row into the next element of a growing array, and
 * on any failure free the elements copied so far. from_row fills an element
 * that store_rows() zeroed; on failure it may leave what it copied, which
 * clear frees. clear frees what an element owns, not the element itself.
 * ctx is passed through to from_row unchanged.
 */
typedef int store_row_fn(db_stmt_t *st, void *elem, const void *ctx);
typedef void store_clear_fn(void *elem);

/* clear each of the n elements of size bytes at arr, then free arr; arr NULL is a no-op. */
void store_free_array(void *arr, size_t n, size_t size, store_clear_fn *clear);

/*
 * Room for at least need elements of size bytes in an array of *cap
 * elements; arrp is the address of the caller's pointer to it (any element
 * type). The capacity doubles (from 16), so that a list read one row at a
 * time is copied a logarithmic number of times, not once a row. On success
 * the pointer and *cap may have changed; on failure (E_NOMEM) neither has
 * and the old array is still the caller's to free.
 */
int store_grow(void *arrp, size_t *cap, size_t need, size_t size);

/*
 * All rows of the prepared statement st, each turned into an element of
 * size bytes by from_row, then sorted with cmp unless it is NULL (engines
 * disagree on collation, so name order is sorted here). On success *out
 * (NULL for no rows) and *n; on failure nothing is left allocated and
 * neither is written. E_NOMEM, or the failure of db_step() or from_row.
 */
int store_rows(db_stmt_t *st, size_t size, store_row_fn *from_row, const void *ctx,
	store_clear_fn *clear, int (*cmp)(const void *, const void *), void **out, size_t *n);

/*
 * store_rows() of a whole query: prepare sql, bind the nints values of
 * ints as its parameters 1, 2 ..., read every row (in the statement's
 * order) and finalize. The read of a batch whose filters are all numbers.
 */
int store_query_rows(db_t *db, const char *sql, const int64_t *ints, int nints, size_t size,
	store_row_fn *from_row, store_clear_fn *clear, void **out, size_t *n);

/*
 * Run a statement that returns no rows (or whose rows do not matter) to
 * completion. Negative code of the step on failure.
 */
int store_step_done(db_stmt_t *st);

/*
 * store_step_done() of an UPDATE or DELETE of one thing by its key:
 * E_NOTFOUND when it changed no row (db is the statement's handle).
 */
int store_step_changed(db_t *db, db_stmt_t *st);

/*
 * Bind zones.canon for a zone name: the name without its final dot (the
 * root "." as it is). Its unique index (migration 0005) makes the database
 * refuse "x." when "x" exists, also when two processes add them at once.
 * Every statement that inserts a zone or changes its name binds it.
 */
int store_bind_zone_canon(db_stmt_t *st, int idx, const char *name);

/*
 * Prepared statements that mark a zone's key allocations dead and delete
 * the zone row, prepared once and run for any number of zones.
 */
struct store_zone_deleter {
	db_stmt_t *kill; /* dnsseckeys of zone ? not DEAD -> DEAD at now */
	db_stmt_t *del;  /* DELETE the zones row ? */
};

int store_zone_deleter_init(db_t *db, time_t now, struct store_zone_deleter *d);
/* Mark the keys of zone id dead, then delete the zone row. */
int store_zone_deleter_run(struct store_zone_deleter *d, int64_t id);
void store_zone_deleter_fini(struct store_zone_deleter *d);

/*
 * A string set/map for the batch paths: open addressing, FNV-1a, linear
 * probing, sized once for the number of entries it will hold. Keys are
 * borrowed: they must outlive the map. Values are caller-defined indexes.
 */
struct store_strmap_slot {
	const char *key; /* NULL: empty slot */
	size_t len;
	size_t value;
};

struct store_strmap {
	struct store_strmap_slot *slots;
	size_t mask; /* capacity - 1; capacity is a power of two */
};

/* Room for n entries (at most half full). E_NOMEM. */
int store_strmap_init(struct store_strmap *m, size_t n);
void store_strmap_fini(struct store_strmap *m);

/*
 * Insert key -> value. When the key is present already, its value is kept
 * and *existing (may be NULL) receives it: returns 1. Returns 0 when
 * inserted. The map never grows: inserting more than n keys is a
 * programming error (asserted).
 */
int store_strmap_put(struct store_strmap *m, const char *key, size_t value, size_t *existing);

/*
 * Look up the key made of the len bytes at key, followed by a '.' when
 * add_dot is set (so "foo" finds "foo." without building the string).
 * 1 and *value when found, 0 when not.
 */
int store_strmap_get(
	const struct store_strmap *m, const char *key, size_t len, int add_dot, size_t *value);

#endif
