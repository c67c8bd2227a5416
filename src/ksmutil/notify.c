/*
 * notify.c - poke a running ods-enforcerd after the database changed.
 *
 * OpenDNSSEC 1.x ran `ods-control enforcer notify`, which read the PidFile
 * of the compiled-in conf.xml. We signal the daemon ourselves, with the
 * PidFile of the conf.xml actually in use, and print the same lines.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/fileio.h"
#include "ksmutil/ksmutil.h"

/* The pid in the file: one positive decimal number, white space around it allowed. */
static int
read_pid(const char *path, pid_t *out)
{
	char *data = NULL, *p, *end;
	size_t len;
	long v;
	int rc = -1;

	if (file_read_all(path, 64, &data, &len) != 0)
		goto out;
	if (strlen(data) != len)
		goto out;
	p = data;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p < '0' || *p > '9')
		goto out;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno != 0 || v <= 1 || (long)(pid_t)v != v)
		goto out;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end != '\0')
		goto out;
	*out = (pid_t)v;
	rc = 0;
out:
	free(data);
	return rc;
}

void
ksm_notify_enforcer(struct ksm_ctx *ctx)
{
	pid_t pid;

	printf("Notifying enforcer of new database...\n");
	fflush(stdout);
	if (!ctx->conf || !ctx->conf->pid_file || read_pid(ctx->conf->pid_file, &pid) != 0) {
		printf("Cannot find PID file\n");
		fflush(stdout);
		fprintf(stderr, "Could not HUP ods-enforcerd\n");
		return;
	}
	if (kill(pid, SIGHUP) != 0)
		fprintf(stderr, "Could not HUP ods-enforcerd\n");
}
