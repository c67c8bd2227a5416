/*
 * sqlite_index.c - which unique index a failed SQLite write violated
 * (db_constraint(), sqlite_internal.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "db/db.h"
#include "db/error.h"
#include "db/sqlite_internal.h"

/* SQLite's words before the column list or the index name. */
#define FAILED "constraint failed: "
#define BY_NAME "index '"

/*
 * "t.a, t.b" to "a, b" in cols (colslen bytes) and the table name to table:
 * 0, or -1 when the list is not of that form or does not fit.
 */
static int
split_columns(const char *list, char *table, size_t tablelen, char *cols, size_t colslen)
{
	const char *p = list, *dot, *end;
	size_t used = 0, n;

	table[0] = '\0';
	cols[0] = '\0';
	while (*p != '\0') {
		end = strstr(p, ", ");
		if (end == NULL)
			end = p + strlen(p);
		dot = memchr(p, '.', (size_t)(end - p));
		if (dot == NULL || dot == p)
			return -1;
		n = (size_t)(dot - p);
		if (table[0] == '\0') {
			if (n >= tablelen)
				return -1;
			memcpy(table, p, n);
			table[n] = '\0';
		} else if (strlen(table) != n || strncmp(table, p, n) != 0) {
			return -1; /* one index covers one table */
		}
		n = (size_t)(end - dot - 1);
		if (used + n + 3 > colslen)
			return -1;
		if (used > 0) {
			memcpy(cols + used, ", ", 2);
			used += 2;
		}
		memcpy(cols + used, dot + 1, n);
		used += n;
		cols[used] = '\0';
		p = *end != '\0' ? end + 2 : end;
	}
	return table[0] != '\0' ? 0 : -1;
}

/*
 * The unique index of table whose columns, in order, are cols ("a, b"):
 * its name into db->constraint, or nothing.
 */
static void
find_index(db_t *db, sqlite3 *h, const char *table, const char *cols)
{
	static const char sql[] = "SELECT il.name, ii.name FROM pragma_index_list(?1) AS il,"
				  " pragma_index_info(il.name) AS ii"
				  " WHERE il.\"unique\" ORDER BY il.name, ii.seqno";
	sqlite3_stmt *st = NULL;
	char have[256], index[128];
	size_t used = 0, n;
	const char *name, *col;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	index[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		col = (const char *)sqlite3_column_text(st, 1);
		if (name == NULL || col == NULL || strlen(name) >= sizeof(index))
			continue;
		if (strcmp(name, index) != 0) {
			/* the rows of the index before this one are complete */
			if (index[0] != '\0' && strcmp(have, cols) == 0)
				break;
			(void)snprintf(index, sizeof(index), "%s", name);
			used = 0;
			have[0] = '\0';
		}
		n = strlen(col);
		if (used + n + 3 > sizeof(have))
			continue; /* longer than any list we could match */
		if (used > 0) {
			memcpy(have + used, ", ", 2);
			used += 2;
		}
		memcpy(have + used, col, n + 1);
		used += n;
	}
	if (index[0] != '\0' && strcmp(have, cols) == 0)
		db_set_constraint(db, index, strlen(index));
out:
	sqlite3_finalize(st);
}

void
sq_name_index(db_t *db, sqlite3 *h, int src, const char *msg)
{
	const char *list, *end;
	char table[128], cols[256];

	if (src != SQLITE_CONSTRAINT_UNIQUE && src != SQLITE_CONSTRAINT_PRIMARYKEY)
		return;
	list = strstr(msg, FAILED);
	if (list == NULL)
		return;
	list += strlen(FAILED);
	if (strncmp(list, BY_NAME, strlen(BY_NAME)) == 0) {
		list += strlen(BY_NAME);
		end = strchr(list, '\'');
		if (end != NULL)
			db_set_constraint(db, list, (size_t)(end - list));
		return;
	}
	if (split_columns(list, table, sizeof(table), cols, sizeof(cols)) == 0)
		find_index(db, h, table, cols);
}
