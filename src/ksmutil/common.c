/*
 * common.c - steps most ods-ksmutil commands share: read conf.xml, connect
 * to the database, ask for confirmation, turn a failure into a message and
 * an exit status.
 *
 * Errors go to stdout, as in OpenDNSSEC 1.x: scripts grep them there.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/migrate.h"
#include "ksmutil/ksmutil.h"
#include "store/limits.h"
#include "store/store.h"

/* ksm_load_conf(), saying nothing of a failure when quiet. */
static int
load_conf(struct ksm_ctx *ctx, int quiet)
{
	char err[1024];
	int rc;

	if (ctx->conf)
		return KSM_OK;
	rc = conf_load(ctx->opt.config, &ctx->conf, err, sizeof(err));
	if (rc != 0) {
		if (!quiet)
			printf("Error: %s\n", err);
		return KSM_EUSAGE;
	}
	if (ctx->opt.verbose && ctx->conf->datastore.backend == CONF_BACKEND_SQLITE)
		fprintf(stderr, "SQLite database set to: %s\n", ctx->conf->datastore.path);
	return KSM_OK;
}

int
ksm_load_conf(struct ksm_ctx *ctx)
{
	return load_conf(ctx, 0);
}

enum ksm_exit
ksm_db_fail(struct ksm_ctx *ctx, int code)
{
	const char *detail = ctx->db ? db_errmsg(ctx->db) : err_str(code);

	/* a value too long for its column: the store's message names it */
	if (code == E_RANGE && store_limit_errmsg()[0] != '\0') {
		printf("Error: %s\n", store_limit_errmsg());
		return KSM_EUSAGE;
	}
	printf("Error: %s\n", detail);
	switch (code) {
	case DB_E_READONLY: return KSM_EREADONLY;
	case E_INVAL: return KSM_EUSAGE;
	default: return KSM_ERUNTIME;
	}
}

/* The refusal of a write on a read-only database: one line, exit status 4. */
static int
refuse_read_only(const struct ksm_ctx *ctx)
{
	printf("Error: database is a read-only replica: %s needs the primary\n", ctx->writer);
	return KSM_EREADONLY;
}

/*
 * Connect (or keep the connection ksm_writable() made) and, for a command
 * that writes, refuse a read-only database.
 */
static int
open_checked(struct ksm_ctx *ctx, int create, int quiet)
{
	struct db_config cfg;
	char err[1024];
	int rc, ro = 0;

	if (ctx->db != NULL)
		return KSM_OK;
	store_db_config(&cfg, &ctx->conf->datastore);
	cfg.create = create && !cfg.read_only;
	rc = db_open(&cfg, &ctx->db, err, sizeof(err));
	if (rc != 0 && quiet)
		return KSM_OK;
	if (rc != 0) {
		printf("Error: %s\n", err);
		if (rc == E_NOTFOUND && cfg.backend == DB_BACKEND_SQLITE && !cfg.read_only)
			printf("Run \"ods-ksmutil setup\" to create the database.\n");
		return rc == E_INVAL ? KSM_EUSAGE : KSM_ERUNTIME;
	}
	if (ctx->writer[0] != '\0') {
		if ((rc = db_read_only(ctx->db, &ro)) != 0)
			return ksm_db_fail(ctx, rc);
		if (ro)
			return refuse_read_only(ctx);
	}
	return KSM_OK;
}

int
ksm_writable(struct ksm_ctx *ctx)
{
	/*
	 * Quietly: a conf.xml or database that fails is the command's to
	 * report, after its own checks of its arguments, as before. A missing
	 * SQLite file holds nothing to protect (setup makes it).
	 */
	if (load_conf(ctx, 1) != KSM_OK)
		return KSM_OK;
	if (ctx->conf->datastore.read_only)
		return refuse_read_only(ctx);
	return open_checked(ctx, 0, 1);
}

int
ksm_open_db(struct ksm_ctx *ctx, int create, int need_current)
{
	int rc;

	if ((rc = ksm_load_conf(ctx)) != KSM_OK)
		return rc;
	if ((rc = open_checked(ctx, create, 0)) != KSM_OK)
		return rc;
	if (need_current && (rc = migrate_require_current(ctx->db)) != 0)
		return ksm_db_fail(ctx, rc);
	return KSM_OK;
}

int
ksm_confirm(struct ksm_ctx *ctx, const char *prompt)
{
	int c;

	if (ctx->opt.yes)
		return 1;
	fputs(prompt, stdout);
	fflush(stdout);
	/* 1.x semantics: only the first character counts; EOF means no. */
	c = getchar();
	if (c == 'y' || c == 'Y')
		return 1;
	printf("Okay, quitting...\n");
	return 0;
}

void
ksm_ctx_cleanup(struct ksm_ctx *ctx)
{
	db_close(ctx->db);
	ctx->db = NULL;
	conf_free(ctx->conf);
	ctx->conf = NULL;
	free(ctx->opt.zone);
	ctx->opt.zone = NULL;
}

void
ksm_text_flush(struct strbuf *t)
{
	if (t->len > 0)
		(void)fwrite(t->s, 1, t->len, stdout);
	if (strbuf_status(t) != 0)
		printf("Error: out of memory; some messages were lost\n");
	strbuf_reset(t);
}
