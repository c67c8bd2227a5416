/*
 * migrate_dialect.c - what differs between the engines for the migration
 * runner (the catalogue queries, quoting, how everything is dropped,
 * whether DDL is transactional), and the catalogue of a database's own
 * tables and views.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/err.h"
#include "common/strbuf.h"
#include "db/db.h"
#include "db/error.h"
#include "db/migrate.h"
#include "db/migrate_internal.h"

static const struct dialect dialects[] = {
	{
		.name = "sqlite",
		.objects_sql = "SELECT type, name FROM sqlite_master"
			       " WHERE type IN ('table', 'view')"
			       " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
			       " ORDER BY name",
		.dump_sql = "SELECT type, name, sql FROM sqlite_master"
			    " WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
			    " ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1"
			    " WHEN 'view' THEN 2 ELSE 3 END, name",
		.quote = '"',
		/* Foreign keys (when enabled) are checked at commit, when all is gone. */
		.drop_prelude = "PRAGMA defer_foreign_keys = ON",
		.drop_epilogue = NULL,
		.drop_suffix = "",
		.ddl_in_txn = 1,
	},
	/*
	 * PostgreSQL: the user's objects are those of current_schema(). The dump
	 * rebuilds each table's text from pg_attribute and pg_constraint (with
	 * the sequences of SERIAL columns as their defaults), takes the indexes
	 * that no constraint made and the views from the server's deparser.
	 */
	{
		.name = "pgsql",
		.objects_sql = "SELECT CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END,"
			       " table_name FROM information_schema.tables"
			       " WHERE table_schema = current_schema() ORDER BY table_name",
		.dump_sql =
			"SELECT kind, name, def FROM ("
			" SELECT 0 AS ord, 'table' AS kind, c.relname AS name,"
			"  'CREATE TABLE ' || c.relname || ' (' || chr(10) ||"
			"  (SELECT string_agg(chr(9) || a.attname || ' '"
			"    || format_type(a.atttypid, a.atttypmod)"
			"    || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END"
			"    || COALESCE(' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid), ''),"
			"    ',' || chr(10) ORDER BY a.attnum)"
			"   FROM pg_attribute a LEFT JOIN pg_attrdef ad"
			"    ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
			"   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) ||"
			"  COALESCE((SELECT string_agg(',' || chr(10) || chr(9) || 'CONSTRAINT '"
			"    || co.conname || ' ' || pg_get_constraintdef(co.oid), ''"
			"    ORDER BY co.contype, co.conname)"
			"   FROM pg_constraint co WHERE co.conrelid = c.oid), '')"
			"  || chr(10) || ')' AS def"
			" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
			" WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
			" UNION ALL"
			" SELECT 1, 'index', c.relname,"
			"  replace(pg_get_indexdef(c.oid), ' ON ' || quote_ident(n.nspname) || '.', ' ON ')"
			" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
			" WHERE n.nspname = current_schema() AND c.relkind = 'i'"
			"  AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = c.oid)"
			" UNION ALL"
			" SELECT 2, 'view', c.relname, 'CREATE VIEW ' || c.relname || ' AS' || chr(10)"
			"  || rtrim(pg_get_viewdef(c.oid, true), ';')"
			" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
			" WHERE n.nspname = current_schema() AND c.relkind = 'v'"
			") AS s ORDER BY ord, name",
		.quote = '"',
		.drop_prelude = NULL,
		.drop_epilogue = NULL,
		/* Also drops the sequences the SERIAL columns own. */
		.drop_suffix = " CASCADE",
		.ddl_in_txn = 1,
	},
	/*
	 * MySQL/MariaDB: the objects of DATABASE(). information_schema gives
	 * the pieces of each table (columns; primary key; foreign keys, one
	 * line per column), the other indexes as rows of their own (named
	 * table.index: index names are per table here) and the views, whose
	 * stored text names the database, which is taken out. No backslash
	 * escapes in the text, so NO_BACKSLASH_ESCAPES does not matter.
	 */
	{
		.name = "mysql",
		.objects_sql = "SELECT CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END,"
			       " table_name FROM information_schema.tables"
			       " WHERE table_schema = DATABASE() ORDER BY table_name",
		.dump_sql =
			"SELECT kind, name, def FROM ("
			" SELECT 0 AS ord, 'table' AS kind, t.table_name AS name,"
			"  CONCAT('CREATE TABLE ', t.table_name, ' (',"
			"  (SELECT GROUP_CONCAT(CONCAT(CHAR(10), CHAR(9), c.column_name, ' ',"
			"    c.column_type, IF(c.is_nullable = 'NO', ' NOT NULL', ''),"
			"    IF(c.column_default IS NULL, '', CONCAT(' DEFAULT ', c.column_default)),"
			"    IF(c.extra = '', '', CONCAT(' ', UPPER(c.extra))))"
			"    ORDER BY c.ordinal_position SEPARATOR ',')"
			"   FROM information_schema.columns c"
			"   WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name),"
			"  COALESCE((SELECT CONCAT(',', CHAR(10), CHAR(9), 'PRIMARY KEY (',"
			"    GROUP_CONCAT(s.column_name ORDER BY s.seq_in_index SEPARATOR ', '), ')')"
			"   FROM information_schema.statistics s"
			"   WHERE s.table_schema = t.table_schema AND s.table_name = t.table_name"
			"    AND s.index_name = 'PRIMARY'), ''),"
			"  COALESCE((SELECT GROUP_CONCAT(CONCAT(',', CHAR(10), CHAR(9), 'CONSTRAINT ',"
			"    k.constraint_name, ' FOREIGN KEY (', k.column_name, ') REFERENCES ',"
			"    k.referenced_table_name, ' (', k.referenced_column_name, ')')"
			"    ORDER BY k.constraint_name, k.ordinal_position SEPARATOR '')"
			"   FROM information_schema.key_column_usage k"
			"   WHERE k.table_schema = t.table_schema AND k.table_name = t.table_name"
			"    AND k.referenced_table_name IS NOT NULL), ''),"
			"  CHAR(10), ') ENGINE=', t.engine, ' COLLATE=', t.table_collation) AS def"
			" FROM information_schema.tables t"
			" WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'"
			" UNION ALL"
			" SELECT 1, 'index', CONCAT(s.table_name, '.', s.index_name),"
			"  CONCAT('CREATE ', IF(s.non_unique = 0, 'UNIQUE ', ''), 'INDEX ', s.index_name,"
			"   ' ON ', s.table_name, ' (',"
			"   GROUP_CONCAT(s.column_name ORDER BY s.seq_in_index SEPARATOR ', '), ')')"
			" FROM information_schema.statistics s"
			" WHERE s.table_schema = DATABASE() AND s.index_name <> 'PRIMARY'"
			" GROUP BY s.table_name, s.index_name, s.non_unique"
			" UNION ALL"
			" SELECT 2, 'view', v.table_name, CONCAT('CREATE VIEW ', v.table_name, ' AS ',"
			"  REPLACE(v.view_definition, CONCAT('`', v.table_schema, '`.'), ''))"
			" FROM information_schema.views v"
			" WHERE v.table_schema = DATABASE()"
			") AS s ORDER BY ord, name",
		.quote = '`',
		/* Per session: off for the drop, on again right after. */
		.drop_prelude = "SET FOREIGN_KEY_CHECKS = 0",
		.drop_epilogue = "SET FOREIGN_KEY_CHECKS = 1",
		.drop_suffix = "",
		.ddl_in_txn = 0,
	},
};

/* ---------------------------------------------------------------- helpers */

static const struct dialect *
find_dialect(db_t *db)
{
	const char *name = db_dialect(db);
	size_t i;

	for (i = 0; name != NULL && i < sizeof(dialects) / sizeof(dialects[0]); i++) {
		if (strcmp(dialects[i].name, name) == 0)
			return &dialects[i];
	}
	return NULL;
}

int
migrate_get_dialect(db_t *db, const struct dialect **out)
{
	*out = find_dialect(db);
	if (*out == NULL) {
		(void)db_set_error(db, E_UNSUPPORTED, "migrations: unknown SQL dialect '%s'",
			db_dialect(db) != NULL ? db_dialect(db) : "(none)");
		return E_UNSUPPORTED;
	}
	return 0;
}

/* Prefix the handle's message with a line of context, keeping the code. */
int
migrate_wrap_error(db_t *db, int code, const char *fmt, ...)
{
	char detail[512], what[256];
	va_list ap;

	(void)snprintf(detail, sizeof(detail), "%s", db_errmsg(db));
	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return db_set_error(db, code, "%s: %s", what, detail);
}

/* ------------------------------------------------------------- catalogue */

void
migrate_catalog_free(struct catalog *cat)
{
	size_t i;

	for (i = 0; i < cat->n; i++)
		free(cat->obj[i].name);
	free(cat->obj);
	cat->obj = NULL;
	cat->n = 0;
}

/* All tables and views of the database (engine internals excluded). */
int
migrate_catalog_load(db_t *db, const struct dialect *d, struct catalog *out)
{
	struct catalog cat = { NULL, 0 };
	struct object *grown;
	db_stmt_t *st = NULL;
	const char *kind, *name;
	size_t cap = 0;
	int rc;

	rc = db_prepare(db, d->objects_sql, &st);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		kind = db_column_text(st, 0);
		name = db_column_text(st, 1);
		if (kind == NULL || name == NULL)
			continue;
		if (cat.n == cap) {
			/* doubling: a catalogue of many objects is not copied once a row */
			cap = cap ? cap * 2 : 16;
			grown = realloc(cat.obj, cap * sizeof(*cat.obj));
			if (grown == NULL) {
				rc = db_set_error(db, E_NOMEM, "out of memory");
				goto out;
			}
			cat.obj = grown;
		}
		cat.obj[cat.n].is_view = strcasecmp(kind, "view") == 0;
		cat.obj[cat.n].name = strdup(name);
		if (cat.obj[cat.n].name == NULL) {
			rc = db_set_error(db, E_NOMEM, "out of memory");
			goto out;
		}
		cat.n++;
	}
	if (rc < 0)
		goto out;
	*out = cat;
	cat.obj = NULL;
	cat.n = 0;
	rc = 0;
out:
	db_finalize(st);
	migrate_catalog_free(&cat);
	return rc;
}

int
migrate_catalog_has_table(const struct catalog *cat, const char *name)
{
	size_t i;

	for (i = 0; i < cat->n; i++) {
		if (!cat->obj[i].is_view && strcasecmp(cat->obj[i].name, name) == 0)
			return 1;
	}
	return 0;
}
