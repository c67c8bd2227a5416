/*
 * cmd_setup.c - `ods-ksmutil setup`: (re)create the database schema.
 *
 * The whole reset runs through the migration runner, so a fresh database
 * gets exactly the schema an upgraded one has. Then conf.xml, kasp.xml and
 * zonelist.xml are imported into it in one transaction (cmd_update.c); all
 * three are read and checked before the reset.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksmutil/ksmutil.h"

/*
 * As root, hand the SQLite files to the daemon's user and group so that a
 * daemon that drops privileges can still write them (1.x did the same).
 * The "fixing permissions" line is printed before the import, where 1.x
 * printed it; the change of owner waits until the files are complete.
 */
static void
fix_permissions(const struct conf *conf)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", ".lock.migrate", NULL };
	const char *path = conf->datastore.path;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	char file[4096];

	if (geteuid() != 0 || (!conf->user && !conf->group))
		return;
	if (conf->user) {
		struct passwd *pw = getpwnam(conf->user);
		if (!pw)
			goto fail;
		uid = pw->pw_uid;
	}
	if (conf->group) {
		struct group *gr = getgrnam(conf->group);
		if (!gr)
			goto fail;
		gid = gr->gr_gid;
	}
	for (int i = 0; suffixes[i]; i++) {
		snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
		if (chown(file, uid, gid) != 0 && (errno != ENOENT || i == 0))
			goto fail;
	}
	return;
fail:
	/* 1.x wording, typo included: scripts may grep it. */
	printf("Couldn't fix permissions on file %s\n", path);
	printf("Will coninue with setup, but you may need to manually change ownership\n");
}

/* setup created the SQLite file and then gave up: take it away again. */
static void
remove_new_file(struct ksm_ctx *ctx)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal", NULL };
	char file[4096];

	db_close(ctx->db);
	ctx->db = NULL;
	for (int i = 0; suffixes[i]; i++) {
		snprintf(file, sizeof(file), "%s%s", ctx->conf->datastore.path, suffixes[i]);
		(void)unlink(file);
	}
}

int
cmd_setup(struct ksm_ctx *ctx)
{
	struct ksm_import *im = NULL;
	struct stat sb;
	int rc, existed = 1;

	if (!ksm_confirm(ctx, "*WARNING* This will erase all data in the database; "
			      "are you sure? [y/N] "))
		return KSM_OK;
	if ((rc = ksm_load_conf(ctx)) != KSM_OK)
		return rc;
	if (ctx->conf->datastore.backend == CONF_BACKEND_SQLITE &&
		stat(ctx->conf->datastore.path, &sb) != 0 && errno == ENOENT)
		existed = 0;
	/* a read-only database was refused there (ctx->writer) */
	if ((rc = ksm_open_db(ctx, 1, 0)) != KSM_OK)
		return rc;
	/*
	 * Read and check conf.xml, kasp.xml and zonelist.xml before anything is
	 * erased. The reset and the import then run as one transaction where
	 * the engine allows DDL in one (ksm_setup_import), so a failure there
	 * leaves the old database as it was; on MySQL the checks done here are
	 * what keeps a bad file from leaving an empty database behind.
	 */
	if ((rc = ksm_setup_prepare(ctx, &im)) != KSM_OK) {
		if (!existed)
			remove_new_file(ctx);
		return rc;
	}
	if (ctx->conf->datastore.backend == CONF_BACKEND_SQLITE)
		printf("fixing permissions on file %s\n", ctx->conf->datastore.path);
	rc = ksm_setup_import(ctx, im);
	if (rc == KSM_OK && ctx->conf->datastore.backend == CONF_BACKEND_SQLITE)
		fix_permissions(ctx->conf);
	ksm_setup_release(im);
	return rc;
}
