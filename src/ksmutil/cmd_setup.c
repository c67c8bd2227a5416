/*
 * cmd_setup.c - `ods-ksmutil setup`: (re)create the database schema.
 *
 * The whole reset runs through the migration runner, so a fresh database
 * gets exactly the schema an upgraded one has. Importing conf.xml, kasp.xml
 * and zonelist.xml into it follows in the policy/zone layer.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db/migrate.h"
#include "ksmutil/ksmutil.h"

/*
 * As root, hand the SQLite files to the daemon's user and group so that a
 * daemon that drops privileges can still write them (1.x did the same).
 */
static void
fix_permissions(const struct conf *conf)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", ".lock.migrate", NULL };
	const char *path = conf->datastore.path;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	char file[4096];

	printf("fixing permissions on file %s\n", path);
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

int
cmd_setup(struct ksm_ctx *ctx)
{
	int rc, ro = 0;

	if (!ksm_confirm(ctx, "*WARNING* This will erase all data in the database; "
	    "are you sure? [y/N] "))
		return KSM_OK;
	if ((rc = ksm_open_db(ctx, 1, 0)) != KSM_OK)
		return rc;
	if ((rc = db_read_only(ctx->db, &ro)) != 0)
		return ksm_db_fail(ctx, rc);
	if (ro) {
		printf("Error: database %s is read-only\n", db_location(ctx->db));
		return KSM_EREADONLY;
	}
	if ((rc = migrate_reset(ctx->db)) != 0)
		return ksm_db_fail(ctx, rc);
	if (ctx->conf->datastore.backend == DB_BACKEND_SQLITE)
		fix_permissions(ctx->conf);
	return KSM_OK;
}
