/*
 * main.c - ods-control: start and stop the OpenDNSSEC daemons and reach
 * their tools through one command (ksmutil-cli.md §14).
 *
 *   ods-control [-c FILE] ksm|hsm|signer|enforcer|start|stop ...
 *
 * 1.x shipped this as a shell script. The commands, printed lines, exit
 * statuses and waits are kept; what changes: arguments are passed on as
 * they were given (1.x split `ksm` and `hsm` arguments at spaces), the pid
 * is checked before it is signalled, the three paths are read from
 * conf.xml directly instead of through ods-getconf, and -c FILE (ours)
 * names another conf.xml. Programs are run from an argv, never a shell.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/spawn.h"
#include "control/control.h"

#define WAIT_TRIES 5

/*
 * Test hooks: the programs ods-control runs are found at their installed
 * paths; these variables name others (tests run from the build tree).
 */
#define KSMUTIL_ENV "ODS_KSMUTIL_PATH"
#define HSMUTIL_ENV "ODS_HSMUTIL_PATH"
#define SIGNER_ENV "ODS_SIGNER_PATH"

struct ctl {
	const char *conf; /* -c FILE, or NULL for the default conf.xml */
	struct control_paths paths;
	const char *signer; /* ods-signer to run */
};

static const char usage_main[] = "usage: ods-control ksm|hsm|signer|enforcer|start|stop ...";
static const char usage_enforcer[] = "usage: ods-control enforcer start|stop|notify";

static const char *
tool(const char *env, const char *installed)
{
	const char *p = getenv(env);

	return p != NULL && p[0] != '\0' ? p : installed;
}

static void
say(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

/*
 * Run path with the words of pre (npre of them) and then of args (nargs),
 * sharing our stdin, stdout and stderr. Returns its exit status (128 +
 * signal when a signal ended it), or 127 / 126 as a shell does when it
 * cannot be run at all.
 */
static int
run(const char *path, const char *const *pre, int npre, char *const *args, int nargs)
{
	const char **argv;
	int status, ret, n = 0;

	argv = calloc((size_t)npre + (size_t)nargs + 2, sizeof(*argv));
	if (argv == NULL) {
		fprintf(stderr, "ods-control: out of memory\n");
		return 1;
	}
	argv[n++] = path;
	for (int i = 0; i < npre; i++)
		argv[n++] = pre[i];
	for (int i = 0; i < nargs; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	fflush(stdout);
	ret = spawn_run_passthrough(argv, &status);
	if (ret != 0) {
		fprintf(stderr, "ods-control: cannot run %s: %s\n", path,
			ret == E_NOTFOUND ? strerror(ENOENT)
			: ret == E_SPAWN  ? strerror(errno)
					  : err_str(ret));
		status = ret == E_NOTFOUND ? 127 : 126;
	}
	free(argv);
	return status;
}

/* A tool that takes -c: ods-ksmutil and ods-hsmutil get ours. */
static int
run_with_conf(const struct ctl *c, const char *path, char *const *args, int nargs)
{
	const char *pre[2] = { "-c", c->conf };

	return run(path, pre, c->conf != NULL ? 2 : 0, args, nargs);
}

/* test -r, as control.c does it: exists and readable (a socket included) */
static int
readable(const char *path)
{
	return faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0;
}

/* The wait of §14.3: test, sleep 1 s, give up after the fifth sleep. */
static int
wait_for(const char *path)
{
	for (int n = 0;;) {
		if (readable(path))
			return 1;
		sleep(1);
		if (++n == WAIT_TRIES)
			return 0;
	}
}

static int
signer_start(const struct ctl *c)
{
	static char start_word[] = "start", running_word[] = "running";
	char *start_args[1] = { start_word }, *running_args[1] = { running_word };
	int rc;

	say("Starting signer engine...");
	rc = run(c->signer, NULL, 0, start_args, 1);
	if (rc != 0)
		return rc;
	if (!wait_for(c->paths.signer_pid) || !wait_for(c->paths.signer_socket)) {
		say("Could not start signer");
		return 1;
	}
	sleep(1);
	return run(c->signer, NULL, 0, running_args, 1);
}

static int
enforcer_cmd(const struct ctl *c, const char *word)
{
	if (word != NULL && strcmp(word, "start") == 0)
		return control_enforcer_start(c->conf, c->paths.enforcer_pid);
	if (word != NULL && strcmp(word, "stop") == 0)
		return control_enforcer_stop(c->paths.enforcer_pid);
	if (word != NULL && strcmp(word, "notify") == 0)
		return control_enforcer_notify(c->paths.enforcer_pid);
	say(usage_enforcer);
	return 0;
}

static int
dispatch(const struct ctl *c, int argc, char **argv)
{
	static char stop_word[] = "stop";
	char *stop_args[1] = { stop_word };
	const char *cmd = argc > 0 ? argv[0] : "";
	int rc;

	if (strcmp(cmd, "ksm") == 0)
		return run_with_conf(
			c, tool(KSMUTIL_ENV, ODS_BINDIR "/ods-ksmutil"), argv + 1, argc - 1);
	if (strcmp(cmd, "hsm") == 0)
		return run_with_conf(
			c, tool(HSMUTIL_ENV, ODS_BINDIR "/ods-hsmutil"), argv + 1, argc - 1);
	if (strcmp(cmd, "signer") == 0) {
		if (argc > 1 && strcmp(argv[1], "start") == 0)
			return signer_start(c);
		return run(c->signer, NULL, 0, argv + 1, argc - 1);
	}
	if (strcmp(cmd, "enforcer") == 0)
		return enforcer_cmd(c, argc > 1 ? argv[1] : NULL);
	if (strcmp(cmd, "start") == 0) {
		rc = control_enforcer_start(c->conf, c->paths.enforcer_pid);
		if (rc != 0)
			return rc;
		return signer_start(c);
	}
	if (strcmp(cmd, "stop") == 0) {
		/* as in 1.x the signer is stopped even when the enforcer would not stop */
		(void)control_enforcer_stop(c->paths.enforcer_pid);
		say("Stopping signer engine...");
		return run(c->signer, NULL, 0, stop_args, 1);
	}
	say(usage_main);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl c;
	int first = 1, rc;

	memset(&c, 0, sizeof(c));
	/* only in front: whatever follows the command word belongs to that command */
	if (argc > 1 && strcmp(argv[1], "-c") == 0) {
		if (argc < 3 || argv[2][0] == '\0') {
			fprintf(stderr, "ods-control: option -c needs a file name\n");
			say(usage_main);
			return 1;
		}
		c.conf = argv[2];
		first = 3;
	}
	if (control_paths_read(c.conf != NULL ? c.conf : ODS_CONFDIR "/conf.xml", &c.paths) != 0) {
		fprintf(stderr, "ods-control: out of memory\n");
		return 1;
	}
	c.signer = tool(SIGNER_ENV, ODS_SBINDIR "/ods-signer");
	rc = dispatch(&c, argc - first, argv + first);
	control_paths_free(&c.paths);
	fflush(stdout);
	return rc;
}
