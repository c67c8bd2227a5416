/*
 * pgsql_params.h - the placeholder rewriter of the PostgreSQL driver.
 * Private to db/ (pgsql_stmt.c and its unit test, tests/db/test_pgsql_params.c).
 */
#ifndef DB_PGSQL_PARAMS_H
#define DB_PGSQL_PARAMS_H

/*
 * A copy of sql with its '?' placeholders numbered $1, $2, ... (a blank is
 * put between a number and a neighbouring identifier character, so that
 * "?1" or "??" cannot fuse into one token). Quoted strings, quoted names
 * and comments are copied as they are, by the rules of db_count_params().
 * *count gets the number of placeholders, *empty is 1 when sql holds
 * nothing but blanks, ';' and comments. NULL when out of memory; the caller
 * frees the result.
 */
char *pgsql_rewrite_params(const char *sql, int *count, int *empty);

#endif
