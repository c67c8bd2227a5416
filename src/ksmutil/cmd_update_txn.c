/*
 * cmd_update_txn.c - the import transaction of cmd_update.c (`update`,
 * `policy import`, `zonelist import`, the import half of `setup`): the
 * repositories of conf.xml, the policies of kasp.xml and the zones of
 * zonelist.xml written in one transaction, and its outcome printed.
 * cmd_update.c reads and checks the files before this runs.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/spawn.h"
#include "common/str.h"
#include "config/kasp.h"
#include "config/zonelist.h"
#include "config/zonelist_edit.h"
#include "db/migrate.h"
#include "ksmutil/cmd_update_internal.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* ------------------------------------------------------------ the transaction */

static void
zl_report(void *arg, enum store_zl_event ev, const char *zone, const char *policy)
{
	struct ksm_import *im = arg;

	switch (ev) {
	case STORE_ZL_FOUND:
		strbuf_printf(&im->text, "Zone %s found; policy set to %s\n", zone, policy);
		break;
	case STORE_ZL_ADDED: strbuf_printf(&im->text, "Added zone %s to database\n", zone); break;
	case STORE_ZL_UPDATED: break;
	case STORE_ZL_REMOVED:
		strbuf_printf(&im->text, "Removing zone %s from database\n", zone);
		break;
	case STORE_ZL_NO_POLICY:
		strbuf_printf(&im->text, "ERROR, can't find policy %s.\n", policy);
		im->user_error = 1;
		break;
	case STORE_ZL_DOT_CLASH:
		strbuf_printf(&im->text,
			"Error Importing zone %s; it already exists both with "
			"and without a trailing dot\n",
			zone);
		im->user_error = 1;
		break;
	}
}

/*
 * The zones of zonelist.xml for the store, read in the transaction, checked
 * as they come (the file may have changed since a precheck). A bad file
 * fails the import with the message alone, as if nothing had been read.
 */
static int
zl_next(void *arg, const struct zonelist_zone **zone)
{
	struct ksm_import *im = arg;
	struct zonelist_zone *z;
	char msg[1024];
	int rc;

	if (!im->zr) {
		update_names_forget(im);
		rc = zonelist_reader_open(im->zl_path, &im->zr, msg, sizeof(msg));
		if (rc != 0)
			goto fail;
	}
	rc = zonelist_reader_next(im->zr, &z, msg, sizeof(msg));
	if (rc <= 0)
		goto fail;
	rc = update_check_zone(im, z, msg, sizeof(msg));
	if (rc == -1) {
		strbuf_reset(&im->text);
		strbuf_printf(&im->text, "%s\n", msg);
		im->user_error = 1;
		return E_INVAL;
	}
	if (rc != 0)
		return rc;
	*zone = z;
	return 1;
fail:
	if (rc < 0 && rc != E_NOMEM) {
		strbuf_reset(&im->text);
		strbuf_printf(&im->text, "Error: %s\n", msg);
		im->user_error = 1;
	}
	return rc;
}

static int
import_repositories(db_t *db, struct ksm_import *im, const struct conf *conf)
{
	struct conf_repository *repos;
	size_t i, n = 0;
	int rc;

	repos = calloc(conf->nrepos + 1, sizeof(*repos));
	if (!repos)
		return E_NOMEM;
	for (i = 0; i < conf->nrepos; i++) {
		const struct conf_repository *r = &conf->repos[i];

		if (!r->name || r->name[0] == '\0') {
			strbuf_printf(&im->text,
				"WARNING: Repository found with NULL name, skipping...\n");
			continue;
		}
		strbuf_printf(&im->text, "Repository %s found\n", r->name);
		/* two of one name: which one a policy means is anyone's guess (kaspcheck: ERROR) */
		for (size_t j = 0; j < n; j++) {
			if (strcmp(repos[j].name, r->name) == 0) {
				strbuf_printf(&im->text,
					"Error: repository %s is defined twice in "
					"conf.xml\n",
					r->name);
				im->user_error = 1;
				free(repos);
				return E_EXISTS;
			}
		}
		if (r->capacity <= 0)
			strbuf_printf(&im->text, "No Maximum Capacity set.\n");
		else
			strbuf_printf(&im->text, "Capacity set to %ld.\n", r->capacity);
		if (r->require_backup)
			strbuf_printf(&im->text, "RequireBackup set.\n");
		else
			strbuf_printf(&im->text,
				"RequireBackup NOT set; please make sure that "
				"you know the potential problems of using keys which are not "
				"recoverable\n");
		repos[n++] = *r; /* shallow: the strings stay conf's */
	}
	rc = store_repositories_import(db, repos, n);
	free(repos);
	return rc;
}

/* The repository a key definition names must be in the database already. */
static int
check_repository(db_t *db, struct ksm_import *im, const char *name)
{
	int64_t id;
	int rc = store_repository_id(db, name, &id);

	if (rc == E_NOTFOUND) {
		strbuf_printf(&im->text, "Error: unable to find repository %s\n", name);
		strbuf_printf(&im->text, "Please either add the repository to conf.xml or "
					 "remove the reference to it from kasp.xml\n");
		im->user_error = 1;
	}
	return rc;
}

static int
import_policies(db_t *db, struct ksm_import *im)
{
	int rc = 0, created;

	for (size_t i = 0; i < im->kasp->npolicies && rc == 0; i++) {
		const struct kasp_policy *p = &im->kasp->policies[i];

		strbuf_printf(&im->text, "Policy %s found\n", p->name);
		/* The kasp module keeps no link from a text to its policy: print them all once. */
		if (i == 0) {
			for (size_t j = 0; j < im->kasp->napprox; j++)
				strbuf_printf(&im->text,
					"Info: converting %s to seconds; M "
					"interpreted as 31 days, Y interpreted as 365 days\n",
					im->kasp->approx[j]);
		}
		rc = check_repository(db, im, p->ksk.repository);
		if (rc == 0 && strcmp(p->zsk.repository, p->ksk.repository) != 0)
			rc = check_repository(db, im, p->zsk.repository);
		if (rc == 0)
			rc = store_policy_import(db, p, &created);
	}
	return rc;
}

struct import_txn {
	struct ksm_ctx *ctx;
	struct ksm_import *im;
};

static int
import_txn(db_t *db, void *arg)
{
	struct import_txn *a = arg;
	struct ksm_import *im = a->im;
	int rc = 0;

	strbuf_reset(&im->text);
	im->failed = UPDATE_STEP_NONE;
	im->user_error = 0;
	if (im->do_conf) {
		im->failed = UPDATE_STEP_REPOSITORIES;
		rc = import_repositories(db, im, a->ctx->conf);
		if (rc != 0)
			goto out;
	}
	if (im->do_kasp) {
		im->failed = UPDATE_STEP_POLICIES;
		/* setup prints ods-kaspcheck's report where 1.x did: before the policies */
		if (im->setup && im->have_check)
			strbuf_printf(&im->text, "%s", im->check.out);
		rc = import_policies(db, im);
		if (rc != 0)
			goto out;
	}
	if (im->do_zonelist) {
		im->failed = UPDATE_STEP_ZONES;
		zonelist_reader_close(im->zr);
		im->zr = NULL;
		rc = store_zonelist_import_from(db, zl_next, im, im->now, zl_report, im);
		zonelist_reader_close(im->zr);
		im->zr = NULL;
		if (rc != 0)
			goto out;
	}
	im->failed = UPDATE_STEP_NONE;
out:
	return rc;
}

/* Run the import transaction and print its outcome; returns an exit status. */
int
update_import_run(struct ksm_ctx *ctx, struct ksm_import *im)
{
	struct import_txn a = { ctx, im };
	enum ksm_exit status;
	int rc;

	/* setup: the schema reset and the import are one unit of work. */
	if (im->setup)
		rc = migrate_reset_fill(ctx->db, import_txn, &a);
	else
		rc = db_transact(ctx->db, DB_TXN_WRITE, import_txn, &a);
	ksm_text_flush(&im->text);
	if (rc == 0)
		return KSM_OK;
	if (im->user_error)
		return update_fail_step(im, im->failed);
	status = ksm_db_fail(ctx, rc);
	if (im->failed != UPDATE_STEP_NONE) {
		printf("Failed to update %s\n", update_step_text[im->failed]);
		if (im->setup)
			printf("SETUP FAILED\n");
	}
	return status;
}

void
update_import_free(struct ksm_import *im)
{
	if (!im)
		return;
	kasp_free(im->kasp);
	zonelist_reader_close(im->zr);
	if (im->zl_locked)
		zonelist_unlock(im->zl_lock);
	update_names_forget(im);
	free(im->missing_policy);
	if (im->have_check)
		spawn_result_free(&im->check);
	free(im->changes);
	strbuf_free(&im->text);
	free(im);
}
