/*
 * cmd_database.c - `ods-ksmutil database migrate|status|backup`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/migrate.h"
#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"

static void
print_version(const struct migrate_status *st)
{
	fputs("Schema version:     ", stdout);
	switch (st->state) {
	case MIGRATE_EMPTY: printf("none (empty database; run \"ods-ksmutil setup\")\n"); break;
	case MIGRATE_ODS14:
		printf("OpenDNSSEC 1.4 (not yet adopted; run \"ods-ksmutil database migrate\")\n");
		break;
	case MIGRATE_NEWER:
		printf("%d (newer than this program, which knows up to %d)\n", st->current,
			st->latest);
		break;
	case MIGRATE_UNKNOWN:
		printf("unknown (not an OpenDNSSEC 1.4 or kasp-enforcer schema)\n");
		break;
	default: printf("%d (this program: %d)\n", st->current, st->latest); break;
	}
}

/* The backend as conf.xml's Datastore names it, lower case: stable for scripts. */
static const char *
backend_key(enum db_backend b)
{
	switch (b) {
	case DB_BACKEND_SQLITE: return "sqlite";
	case DB_BACKEND_PGSQL: return "postgresql";
	case DB_BACKEND_MYSQL: return "mysql";
	}
	return "unknown";
}

/* --json: the same facts; schema_version null where the text says none. */
static int
status_json(struct ksm_ctx *ctx, const struct migrate_status *st, int ro)
{
	int known = st->state != MIGRATE_EMPTY && st->state != MIGRATE_ODS14 &&
		    st->state != MIGRATE_UNKNOWN;
	int pending = st->state == MIGRATE_NEWER || st->state == MIGRATE_UNKNOWN ? 0 : st->pending;
	json_t *list = json_array();
	struct jdoc d;

	for (int v = st->current + 1; pending > 0 && v <= st->latest; v++) {
		const struct migration *m = migrate_find(v, db_dialect(ctx->db));
		char name[128];

		if (m == NULL)
			continue;
		(void)snprintf(name, sizeof(name), "%04d_%s", m->version, m->name);
		if (list != NULL && json_array_append_new(list, jstr(name)) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	jdoc_begin(&d);
	jdoc_field(&d, "backend", jstr(backend_key(db_backend(ctx->db))));
	jdoc_field(&d, "location", jstr(db_location(ctx->db)));
	jdoc_field(&d, "schema_state", jstr(migrate_state_name(st->state)));
	jdoc_field(&d, "schema_version", known ? jint(st->current) : json_null());
	jdoc_field(&d, "program_schema_version", jint(st->latest));
	jdoc_field(&d, "pending_migrations", list);
	jdoc_field(&d, "changed_migrations", jint(st->checksum_mismatch));
	jdoc_field(&d, "read_only", jbool(ro));
	return jdoc_end(&d);
}

int
cmd_database_status(struct ksm_ctx *ctx)
{
	struct migrate_status st;
	int rc, ro = 0;

	if ((rc = ksm_open_db(ctx, 0, 0)) != KSM_OK)
		return rc;
	if ((rc = migrate_status(ctx->db, &st)) != 0)
		return ksm_db_fail(ctx, rc);
	if ((rc = db_read_only(ctx->db, &ro)) != 0)
		return ksm_db_fail(ctx, rc);
	if (ctx->opt.json)
		return status_json(ctx, &st, ro);

	printf("Database backend:   %s\n", db_backend_name(db_backend(ctx->db)));
	printf("Database location:  %s\n", db_location(ctx->db));
	print_version(&st);
	if (st.pending == 0 || st.state == MIGRATE_NEWER || st.state == MIGRATE_UNKNOWN) {
		printf("Pending migrations: none\n");
	} else {
		printf("Pending migrations: %d\n", st.pending);
		for (int v = st.current + 1; v <= st.latest; v++) {
			const struct migration *m = migrate_find(v, db_dialect(ctx->db));
			if (m)
				printf("  %04d_%s\n", m->version, m->name);
		}
	}
	if (st.checksum_mismatch)
		printf("Warning: %d applied migration(s) differ from this program's copy\n",
			st.checksum_mismatch);
	printf("Read-only:          %s\n", ro ? "yes" : "no");
	return KSM_OK;
}

int
cmd_database_migrate(struct ksm_ctx *ctx)
{
	struct migrate_status st;
	int rc, applied = 0;

	/* a read-only database was refused there (ctx->writer) */
	if ((rc = ksm_open_db(ctx, 0, 0)) != KSM_OK)
		return rc;
	if ((rc = migrate_status(ctx->db, &st)) != 0)
		return ksm_db_fail(ctx, rc);
	if (st.state == MIGRATE_CURRENT) {
		printf("Database schema is current (version %d); nothing to do.\n", st.current);
		return KSM_OK;
	}
	if (st.state == MIGRATE_ODS14)
		printf("Adopting OpenDNSSEC 1.4 database %s\n", db_location(ctx->db));
	if ((rc = migrate_up(ctx->db, &applied)) != 0)
		return ksm_db_fail(ctx, rc);
	if ((rc = migrate_status(ctx->db, &st)) != 0)
		return ksm_db_fail(ctx, rc);
	printf("Applied %d migration(s); database schema is now at version %d.\n", applied,
		st.current);
	return KSM_OK;
}

int
cmd_database_backup(struct ksm_ctx *ctx)
{
	char *dest = NULL;
	int rc;

	if ((rc = ksm_open_db(ctx, 0, 0)) != KSM_OK)
		return rc;
	if (ctx->opt.output) {
		dest = strdup(ctx->opt.output);
	} else if (db_backend(ctx->db) == DB_BACKEND_SQLITE) {
		size_t n = strlen(ctx->conf->datastore.path) + sizeof(".backup");
		if ((dest = malloc(n)) != NULL)
			snprintf(dest, n, "%s.backup", ctx->conf->datastore.path);
	} else {
		printf("Error: please name the backup file with --output\n");
		return KSM_EUSAGE;
	}
	if (!dest) {
		printf("Error: out of memory\n");
		return KSM_ERUNTIME;
	}
	rc = db_backup(ctx->db, dest);
	if (rc != 0)
		rc = ksm_db_fail(ctx, rc);
	else if (ctx->opt.verbose)
		printf("Database backed up to %s\n", dest);
	free(dest);
	return rc;
}
