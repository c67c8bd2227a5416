/*
 * limits.h - the longest text the schema lets each stored value be.
 *
 * PostgreSQL and MySQL/MariaDB refuse a value longer than its varchar(N)
 * column; SQLite stores anything. The store checks every text it writes
 * against this one table on every engine, so that a SQLite database can
 * always be moved to a server, and ods-kaspcheck reports configuration
 * values that could never be stored. tests/unit/schema-limits.sh compares
 * the table with sql/schema.pgsql.sql and sql/schema.mysql.sql.
 *
 * Lengths are in characters (UTF-8 code points), as both servers count
 * them for varchar. Nothing here touches the database: programs that never
 * open one (ods-kaspcheck) link only this file of the store.
 */
#ifndef STORE_LIMITS_H
#define STORE_LIMITS_H

#include <stddef.h>

#include "config/conf.h"
#include "config/kasp.h"
#include "config/zonelist.h"

/* The stored values with a length limit. */
enum store_field {
	STORE_F_REPOSITORY_NAME,
	STORE_F_POLICY_NAME,
	STORE_F_POLICY_DESCRIPTION,
	STORE_F_POLICY_SALT,
	STORE_F_ZONE_NAME,
	STORE_F_ZONE_SIGNCONF,
	STORE_F_ZONE_INPUT,
	STORE_F_ZONE_OUTPUT,
	STORE_F_ZONE_INPUT_TYPE,
	STORE_F_ZONE_OUTPUT_TYPE,
	STORE_F_KEY_LOCATOR,
	STORE_F_KEY_PUBKEY,
	STORE_F_COUNT
};

struct store_limit {
	const char *table; /* as in the schema */
	const char *column;
	const char *what; /* for messages: "policy name" */
	size_t max;       /* characters */
};

/* The limit of a field; f must be below STORE_F_COUNT. */
const struct store_limit *store_limit(enum store_field f);

/* Characters in s: UTF-8 code points (a byte that is not valid UTF-8 counts as one). */
size_t store_text_chars(const char *s);

/*
 * 0 when value (NULL is fine) fits field f. E_RANGE otherwise, and err
 * (errlen bytes, may be NULL) and store_limit_errmsg() receive "policy name is 300 characters long;
 * at most 30 are allowed".
 */
int store_limit_check(enum store_field f, const char *value, char *err, size_t errlen);

/* Every limited value of one object, first failure reported as above. */
int store_limit_repository(const struct conf_repository *r, char *err, size_t errlen);
int store_limit_policy(const struct kasp_policy *p, char *err, size_t errlen);
int store_limit_zone(const char *name, const char *signconf, const char *input,
	const char *input_type, const char *output, const char *output_type, char *err,
	size_t errlen);
int store_limit_zonelist_zone(const struct zonelist_zone *z, char *err, size_t errlen);

/*
 * The message of the last check of this thread that failed: what to print
 * when a store function returned E_RANGE (the database handle holds only
 * the engine's messages). "" when none failed yet.
 */
const char *store_limit_errmsg(void);

#endif
