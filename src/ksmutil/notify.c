/*
 * notify.c - poke a running ods-enforcerd after the database changed.
 *
 * OpenDNSSEC 1.x ran `ods-control enforcer notify`, which read the PidFile
 * of the compiled-in conf.xml. We signal the daemon ourselves, with the
 * PidFile of the conf.xml actually in use, and print the same lines. The
 * pid file is read by src/control, as for `ods-ksmutil notify`.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "control/control.h"
#include "ksmutil/ksmutil.h"

int
ksm_notify_enforcer(struct ksm_ctx *ctx)
{
	char name[64];
	pid_t pid;

	printf("Notifying enforcer of new database...\n");
	fflush(stdout);
	if (!ctx->conf || !ctx->conf->pid_file ||
		control_read_pid(ctx->conf->pid_file, &pid) != 0) {
		printf("Cannot find PID file\n");
		fflush(stdout);
		fprintf(stderr, "Could not HUP ods-enforcerd\n");
		return 0;
	}
	if (!control_is_enforcerd(pid, name, sizeof(name))) {
		fprintf(stderr, "Could not HUP ods-enforcerd: process %ld (from %s) is %s\n",
			(long)pid, ctx->conf->pid_file, name);
		return 0;
	}
	if (kill(pid, SIGHUP) != 0) {
		fprintf(stderr, "Could not HUP ods-enforcerd\n");
		return 0;
	}
	return 1;
}
