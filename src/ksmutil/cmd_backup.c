/*
 * cmd_backup.c - `backup prepare|commit|rollback|done|list [--repository R]`
 * (ksmutil-cli.md §6.7, enforcer.md §4.9).
 *
 * Fixed 1.x quirks: rollback without --repository rolls back every
 * repository (Q14 / quirk 7); `backup list --verbose` shows a missing date
 * as "(none)" instead of "(null)" (quirk 21). --repository is optional:
 * without it every repository is marked, as 1.x did in practice.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/timeparse.h"
#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

struct mark_txn {
	const char *repository; /* NULL: all */
	int done;               /* prepare + commit (backup done) */
	enum store_backup_op op;
	time_t now;
	int64_t changed;
};

static int
mark_txn(db_t *db, void *arg)
{
	struct mark_txn *m = arg;
	int64_t repo = 0, changed = 0;
	int rc;

	m->changed = 0;
	if (m->repository != NULL) {
		rc = store_repository_id(db, m->repository, &repo);
		if (rc < 0)
			return rc;
	}
	if (m->done) {
		rc = store_backup_mark(db, STORE_BACKUP_PREPARE, repo, m->now, NULL);
		if (rc < 0)
			return rc;
	}
	rc = store_backup_mark(db, m->op, repo, m->now, &changed);
	if (rc < 0)
		return rc;
	m->changed = changed;
	return 0;
}

static int
backup_mark(struct ksm_ctx *ctx, enum store_backup_op op, int done)
{
	const char *repo = ctx->opt.repository;
	struct mark_txn m;
	char when[TIME_STR_LEN];
	int rc;

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	memset(&m, 0, sizeof(m));
	m.repository = repo;
	m.op = op;
	m.done = done;
	m.now = clock_now();
	rc = db_transact(ctx->db, DB_TXN_WRITE, mark_txn, &m);
	if (rc == E_NOTFOUND) {
		printf("Error: unable to find a repository named \"%s\" in database\n", repo);
		return KSM_EUSAGE;
	}
	if (rc != 0)
		return ksm_db_fail(ctx, rc);
	time_format_local(m.now, when);
	if (m.changed == 0) {
		printf(op == STORE_BACKUP_ROLLBACK ? "There were no keys to rollback\n"
						   : "There were no keys to mark\n");
		return KSM_OK;
	}
	switch (op) {
	case STORE_BACKUP_PREPARE:
		if (repo)
			printf("Marked repository %s as pre-backed up at %s\n", repo, when);
		else
			printf("Marked all repositories as pre-backed up at %s\n", when);
		break;
	case STORE_BACKUP_COMMIT:
		if (repo)
			printf("Marked repository %s as backed up at %s\n", repo, when);
		else
			printf("Marked all repositories as backed up at %s\n", when);
		break;
	case STORE_BACKUP_ROLLBACK:
		if (repo)
			printf("Rolled back pre-backup of repository %s\n", repo);
		else
			printf("Rolled back pre-backup of all repositories\n");
		break;
	}
	return KSM_OK;
}

int
cmd_backup_prepare(struct ksm_ctx *ctx)
{
	return backup_mark(ctx, STORE_BACKUP_PREPARE, 0);
}

int
cmd_backup_commit(struct ksm_ctx *ctx)
{
	return backup_mark(ctx, STORE_BACKUP_COMMIT, 0);
}

int
cmd_backup_rollback(struct ksm_ctx *ctx)
{
	return backup_mark(ctx, STORE_BACKUP_ROLLBACK, 0);
}

int
cmd_backup_done(struct ksm_ctx *ctx)
{
	if (!ctx->opt.force) {
		printf("*WARNING* One-step backups are deprecated in favour of a two-step process; "
		       "see the documentation on key management for the explanation.\n");
		if (!ksm_confirm(ctx, "Do you wish to continue? [y/N] "))
			return KSM_OK;
	}
	return backup_mark(ctx, STORE_BACKUP_COMMIT, 1);
}

struct list_txn {
	const char *repository;
	int verbose;
	struct store_backup_row *rows;
	size_t nrows;
	struct store_backup_state *states;
	size_t nstates;
};

static void
list_clear(struct list_txn *l)
{
	store_backup_row_free_array(l->rows, l->nrows);
	l->rows = NULL;
	l->nrows = 0;
	store_backup_state_free_array(l->states, l->nstates);
	l->states = NULL;
	l->nstates = 0;
}

static int
list_txn(db_t *db, void *arg)
{
	struct list_txn *l = arg;
	int64_t repo = 0;
	int rc;

	list_clear(l);
	if (l->repository != NULL) {
		rc = store_repository_id(db, l->repository, &repo);
		if (rc < 0)
			return rc;
	}
	rc = store_backup_list(db, repo, l->verbose, &l->rows, &l->nrows);
	if (rc == 0)
		rc = store_backup_status(db, repo, &l->states, &l->nstates);
	return rc;
}

static void
date_or_none(time_t t, char buf[TIME_STR_LEN])
{
	if (t != 0)
		time_format_local(t, buf);
	else
		snprintf(buf, TIME_STR_LEN, "(none)");
}

/*
 * --json: the backups (pre_backup only with --verbose, as in the text; the
 * list is then one per pair) and, per repository, the counts behind the
 * text's warnings.
 */
static int
backup_list_json(const struct list_txn *l)
{
	struct jdoc d;

	jdoc_begin(&d);
	jdoc_array_begin(&d, "backups");
	for (size_t i = 0; i < l->nrows; i++) {
		const struct store_backup_row *r = &l->rows[i];
		json_t *o = json_object();
		int rc = 0;

		rc |= jset(o, "repository", jstr(r->repository));
		rc |= jset_time(o, "backup", r->backup, r->backup != 0);
		if (l->verbose)
			rc |= jset_time(o, "pre_backup", r->pre_backup, r->pre_backup != 0);
		jdoc_array_add(&d, jdone(o, rc));
	}
	jdoc_array_end(&d);
	jdoc_array_begin(&d, "repositories");
	for (size_t i = 0; i < l->nstates; i++) {
		const struct store_backup_state *st = &l->states[i];
		json_t *o = json_object();
		int rc = 0;

		rc |= jset(o, "name", jstr(st->repository));
		rc |= jset(o, "require_backup", jbool(st->require_backup));
		rc |= jset(o, "unbacked_keys", jint(st->unbacked));
		rc |= jset(o, "uncommitted_keys", jint(st->uncommitted));
		jdoc_array_add(&d, jdone(o, rc));
	}
	jdoc_array_end(&d);
	return jdoc_end(&d);
}

int
cmd_backup_list(struct ksm_ctx *ctx)
{
	struct list_txn l;
	char a[TIME_STR_LEN], b[TIME_STR_LEN];
	size_t i;
	enum ksm_exit status;
	int rc;

	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	memset(&l, 0, sizeof(l));
	l.repository = ctx->opt.repository;
	l.verbose = ctx->opt.verbose;
	rc = db_transact(ctx->db, DB_TXN_READ, list_txn, &l);
	if (rc == E_NOTFOUND) {
		printf("Error: unable to find a repository named \"%s\" in database\n",
			ctx->opt.repository);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (ctx->opt.json) {
		status = backup_list_json(&l);
		goto out;
	}
	printf("Backups:\n");
	if (l.verbose)
		printf("%-25s%-25s%s\n", "Pre Backup Date:", "Backup Date:", "Repository:");
	else
		printf("%-25s%s\n", "Date:", "Repository:");
	for (i = 0; i < l.nrows; i++) {
		const struct store_backup_row *r = &l.rows[i];
		const char *repo = r->repository ? r->repository : "";

		date_or_none(r->backup, b);
		if (l.verbose) {
			date_or_none(r->pre_backup, a);
			printf("%-24s %-24s %s\n", a, b, repo);
		} else {
			printf("%-24s %s\n", b, repo);
		}
	}
	for (i = 0; i < l.nstates; i++) {
		const struct store_backup_state *s = &l.states[i];

		if (s->unbacked > 0)
			printf("Repository %s has unbacked up keys (that %s)\n", s->repository,
				s->require_backup ? "will not be used" : "can be used");
		if (s->uncommitted > 0)
			printf("Repository %s has keys prepared for back up which have not been "
			       "committed\n",
				s->repository);
	}
	printf("\n");
	status = KSM_OK;
out:
	list_clear(&l);
	return status;
}
