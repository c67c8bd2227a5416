/*
 * cmd_control.c - ods-ksmutil start, stop and notify (ksmutil-cli.md §6.9).
 *
 * 1.x ran `ods-control enforcer start|stop|notify` as a shell command, with
 * the pid file of the compiled-in conf.xml, and exited 0 whatever happened.
 * We do the work of control.c directly, with the pid file of the conf.xml
 * given by -c, and exit with its real status. The lines on stdout are the
 * ones ods-control prints; a failure adds 1.x's "Couldn't run" line on
 * stderr.
 */
#include "config.h"

#include <stdio.h>

#include "control/control.h"
#include "ksmutil/ksmutil.h"

enum control_op { OP_START, OP_STOP, OP_NOTIFY };

static int
control(struct ksm_ctx *ctx, enum control_op op)
{
	static const char *const words[] = { "start", "stop", "notify" };
	struct control_paths paths;
	int rc;

	/* an unreadable conf.xml gives the default paths, as in ods-control */
	if (control_paths_read(ctx->opt.config, &paths) != 0) {
		printf("Error: out of memory\n");
		return KSM_ERUNTIME;
	}
	switch (op) {
	case OP_START: rc = control_enforcer_start(ctx->opt.config, paths.enforcer_pid); break;
	case OP_STOP: rc = control_enforcer_stop(paths.enforcer_pid); break;
	default: rc = control_enforcer_notify(paths.enforcer_pid); break;
	}
	fflush(stdout);
	if (rc != 0)
		fprintf(stderr, "Couldn't run ods-control enforcer %s\n", words[op]);
	control_paths_free(&paths);
	return rc;
}

int
cmd_start(struct ksm_ctx *ctx)
{
	return control(ctx, OP_START);
}

int
cmd_stop(struct ksm_ctx *ctx)
{
	return control(ctx, OP_STOP);
}

int
cmd_notify(struct ksm_ctx *ctx)
{
	return control(ctx, OP_NOTIFY);
}
