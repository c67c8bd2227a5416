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

/*
 * Run a statement that returns no rows (or whose rows do not matter) to
 * completion. Negative code of the step on failure.
 */
int store_step_done(db_stmt_t *st);

/*
 * Prepared statements that mark a zone's key allocations dead and delete
 * the zone row, prepared once and run for any number of zones.
 */
struct store_zone_deleter {
	db_stmt_t *kill;        /* dnsseckeys of zone ? not DEAD -> DEAD at now */
	db_stmt_t *del;         /* DELETE the zones row ? */
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
	const char *key;        /* NULL: empty slot */
	size_t len;
	size_t value;
};

struct store_strmap {
	struct store_strmap_slot *slots;
	size_t mask;            /* capacity - 1; capacity is a power of two */
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
int store_strmap_get(const struct store_strmap *m, const char *key, size_t len, int add_dot,
	size_t *value);

#endif
