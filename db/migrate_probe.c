/*
 * migrate_probe.c - the compiled-in migrations, and where a database
 * stands: empty, ours at some version, an OpenDNSSEC 1.4 database to adopt,
 * or none of these.
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

/* The tables an OpenDNSSEC 1.4 database has; adoption needs all of them. */
static const char *const ods14_tables[] = {
	"dbadmin",
	"securitymodules",
	"categories",
	"parameters",
	"serialmodes",
	"policies",
	"zones",
	"keypairs",
	"dnsseckeys",
	"parameters_policies",
};

/* ---------------------------------------------------- the compiled-in set */

int
migrate_latest(void)
{
	int latest = 0;
	size_t i;

	for (i = 0; i < migrate_table_count; i++) {
		if (migrate_table[i].version > latest)
			latest = migrate_table[i].version;
	}
	return latest;
}

const struct migration *
migrate_find(int version, const char *dialect)
{
	const struct migration *portable = NULL;
	size_t i;

	for (i = 0; i < migrate_table_count; i++) {
		const struct migration *m = &migrate_table[i];

		if (m->version != version)
			continue;
		if (m->dialect == NULL)
			portable = m;
		else if (dialect != NULL && strcmp(m->dialect, dialect) == 0)
			return m;
	}
	return portable;
}

int
migrate_checksum(const struct migration *m, char out[65])
{
	if (m == NULL || out == NULL)
		return E_INVAL;
	if (m->sha256 == NULL || strlen(m->sha256) != 64)
		return E_IO;
	memcpy(out, m->sha256, 65);
	return 0;
}

const char *
migrate_state_name(enum migrate_state state)
{
	switch (state) {
	case MIGRATE_EMPTY: return "empty";
	case MIGRATE_ODS14: return "ods14";
	case MIGRATE_CURRENT: return "current";
	case MIGRATE_PENDING: return "pending";
	case MIGRATE_NEWER: return "newer";
	case MIGRATE_UNKNOWN: return "unknown";
	}
	return "invalid";
}

/* -------------------------------------------------------------- the probe */

/* Read the recorded history: highest version, rows, checksum mismatches. */
static int
read_history(db_t *db, const struct dialect *d, int *max, int *rows, int *mismatch)
{
	db_stmt_t *st = NULL;
	const struct migration *m;
	const char *sum;
	char want[65];
	int rc, v, hi = 0, n = 0, bad = 0;

	rc = db_prepare(
		db, "SELECT version, checksum FROM " HISTORY_TABLE " ORDER BY version", &st);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		v = (int)db_column_int(st, 0);
		sum = db_column_text(st, 1);
		n++;
		if (v > hi)
			hi = v;
		m = migrate_find(v, d->name);
		if (m == NULL)
			continue;
		rc = migrate_checksum(m, want);
		if (rc != 0) {
			rc = db_set_error(db, rc, "cannot compute a SHA-256 checksum");
			goto out;
		}
		if (sum == NULL || strcasecmp(sum, want) != 0)
			bad++;
	}
	if (rc < 0)
		goto out;
	*max = hi;
	*rows = n;
	*mismatch = bad;
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

/* dbadmin.version; E_RANGE when the table does not hold exactly one row. */
static int
read_dbadmin(db_t *db, int *version)
{
	db_stmt_t *st = NULL;
	int rc, n = 0, v = 0;

	rc = db_prepare(db, "SELECT version FROM dbadmin", &st);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		v = (int)db_column_int(st, 0);
		n++;
	}
	if (rc < 0)
		goto out;
	if (n != 1) {
		rc = db_set_error(db, E_RANGE, "table dbadmin holds %d rows instead of one", n);
		goto out;
	}
	*version = v;
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

/*
 * An empty history table next to a 1.4 database that 0002 may have half
 * converted: one dbadmin row of version 4 or 5 and every 1.4 table.
 */
static int
adoption_broke_off(db_t *db, const struct catalog *cat)
{
	size_t i;
	int ver = 0;

	if (!migrate_catalog_has_table(cat, "dbadmin") || read_dbadmin(db, &ver) != 0)
		return 0;
	if (ver != ODS14_DBADMIN_VERSION && ver != ODS14_DBADMIN_VERSION + 1)
		return 0;
	for (i = 0; i < sizeof(ods14_tables) / sizeof(ods14_tables[0]); i++) {
		if (!migrate_catalog_has_table(cat, ods14_tables[i]))
			return 0;
	}
	return 1;
}

/*
 * Where the database stands. For NEWER and UNKNOWN the reason is left on the
 * handle; rc is 0 all the same.
 */
int
migrate_probe(db_t *db, const struct dialect *d, struct migrate_status *out)
{
	struct migrate_status s;
	struct catalog cat = { NULL, 0 };
	int rc, max = 0, rows = 0, bad = 0, ver = 0;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.latest = migrate_latest();
	rc = migrate_catalog_load(db, d, &cat);
	if (rc != 0)
		goto out;

	if (cat.n == 0) {
		s.state = MIGRATE_EMPTY;
		s.pending = s.latest;
	} else if (migrate_catalog_has_table(&cat, HISTORY_TABLE)) {
		rc = read_history(db, d, &max, &rows, &bad);
		if (rc != 0)
			goto out;
		s.current = max;
		s.checksum_mismatch = bad;
		if (rows == 0 && !d->ddl_in_txn && adoption_broke_off(db, &cat)) {
			/*
			 * DDL commits at once here: an adoption killed after creating the
			 * history table but before writing its rows leaves it empty. 0002
			 * of such a dialect runs again over itself; let it.
			 */
			s.state = MIGRATE_ODS14;
			s.current = 1;
			s.pending = s.latest - 1;
		} else if (rows == 0) {
			s.state = MIGRATE_UNKNOWN;
			(void)db_set_error(db, DB_E_SCHEMA,
				"table " HISTORY_TABLE " is empty: the database was not set up by"
				" kasp-enforcer, or an earlier migration broke off");
		} else if (max > s.latest) {
			s.state = MIGRATE_NEWER;
			(void)db_set_error(db, DB_E_SCHEMA,
				"database schema version %d is newer than this program (supports up"
				" to %d); upgrade kasp-enforcer",
				max, s.latest);
		} else if (max == s.latest) {
			s.state = MIGRATE_CURRENT;
		} else {
			s.state = MIGRATE_PENDING;
			s.pending = s.latest - max;
		}
	} else if (migrate_catalog_has_table(&cat, "dbadmin")) {
		rc = read_dbadmin(db, &ver);
		if (rc == E_RANGE) {
			s.state = MIGRATE_UNKNOWN;
		} else if (rc != 0) {
			goto out;
		} else if (ver < ODS14_DBADMIN_VERSION) {
			s.state = MIGRATE_UNKNOWN;
			(void)db_set_error(db, DB_E_SCHEMA,
				"database is an OpenDNSSEC 1.3 or older KASP database (dbadmin"
				" version %d); upgrade it to 1.4 (version %d) with the OpenDNSSEC"
				" 1.4 migration scripts first",
				ver, ODS14_DBADMIN_VERSION);
		} else if (ver > ODS14_DBADMIN_VERSION) {
			/*
			 * Every kasp-enforcer database past 1.4 has its history table;
			 * without it this is neither ours nor 1.4's.
			 */
			s.state = MIGRATE_UNKNOWN;
			(void)db_set_error(db, DB_E_SCHEMA,
				"database has dbadmin version %d but no " HISTORY_TABLE " table: it"
				" is neither an OpenDNSSEC 1.4 nor a kasp-enforcer database",
				ver);
		} else {
			s.state = MIGRATE_ODS14;
			s.current = 1;
			s.pending = s.latest - 1;
			for (i = 0; i < sizeof(ods14_tables) / sizeof(ods14_tables[0]); i++) {
				if (!migrate_catalog_has_table(&cat, ods14_tables[i])) {
					s.state = MIGRATE_UNKNOWN;
					s.current = 0;
					s.pending = 0;
					(void)db_set_error(db, DB_E_SCHEMA,
						"database has dbadmin version %d (OpenDNSSEC"
						" 1.4) but no table %s",
						ver, ods14_tables[i]);
					break;
				}
			}
		}
	} else {
		s.state = MIGRATE_UNKNOWN;
		(void)db_set_error(db, DB_E_SCHEMA,
			"database holds tables but neither dbadmin nor " HISTORY_TABLE
			": it is not a KASP database");
	}
	*out = s;
	rc = 0;
out:
	migrate_catalog_free(&cat);
	return rc;
}

int
migrate_status(db_t *db, struct migrate_status *out)
{
	const struct dialect *d;
	int rc;

	if (db == NULL || out == NULL)
		return E_INVAL;
	rc = migrate_get_dialect(db, &d);
	if (rc == 0)
		rc = migrate_probe(db, d, out);
	return rc;
}
