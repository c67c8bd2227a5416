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

/* Room for an index's spelling; a longer one cannot match any message. */
#define SPELLING_MAX 512

/* Is the index gathered so far, its columns have (used bytes, SPELLING_MAX: cut), list? */
static int
spelt(const char *index, const char *have, size_t used, const char *list)
{
	return index[0] != '\0' && used < SPELLING_MAX && strcmp(have, list) == 0;
}

/*
 * The unique index of table whose columns, spelt as SQLite's message spells
 * them ("t.a, t.b"), are list: its name into db->constraint, or nothing.
 * The rows come index by index, each index's columns in order; an index's
 * spelling is complete when the next index's first row arrives.
 */
static void
find_index(db_t *db, sqlite3 *h, const char *table, const char *list)
{
	static const char sql[] = "SELECT il.name, ii.name FROM pragma_index_list(?1) AS il,"
				  " pragma_index_info(il.name) AS ii"
				  " WHERE il.\"unique\" ORDER BY il.name, ii.seqno";
	sqlite3_stmt *st = NULL;
	char have[SPELLING_MAX] = "", index[128] = "";
	size_t used = 0;
	const char *name, *col;
	int n;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK ||
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		col = (const char *)sqlite3_column_text(st, 1);
		if (name == NULL || col == NULL || strlen(name) >= sizeof(index))
			continue;
		if (strcmp(name, index) != 0) {
			if (spelt(index, have, used, list))
				break;
			memcpy(index, name, strlen(name) + 1);
			used = 0;
		}
		if (used == SPELLING_MAX)
			continue; /* too long for any message: it cannot match */
		n = snprintf(have + used, sizeof(have) - used, "%s%s.%s", used > 0 ? ", " : "",
			table, col);
		used = n < 0 || (size_t)n >= sizeof(have) - used ? SPELLING_MAX : used + (size_t)n;
	}
	if (spelt(index, have, used, list))
		db_set_constraint(db, index, strlen(index));
out:
	sqlite3_finalize(st);
}

void
sq_name_index(db_t *db, sqlite3 *h, int src, const char *msg)
{
	const char *list, *end;
	char table[128];

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
	/* "zones.canon": every column is written after its table's name */
	end = strchr(list, '.');
	if (end == NULL || end == list || (size_t)(end - list) >= sizeof(table))
		return;
	memcpy(table, list, (size_t)(end - list));
	table[end - list] = '\0';
	find_index(db, h, table, list);
}
