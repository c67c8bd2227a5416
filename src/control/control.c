/*
 * control.c - the daemon side of ods-control and of `ods-ksmutil
 * start|stop|notify` (see control.h and ksmutil-cli.md §14).
 *
 * OpenDNSSEC 1.x did this in a shell script around kill(1) and ods-getconf;
 * we do the same steps in C, with the same printed lines and the same
 * 5 x 1 s polling, and check the pid before signalling it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/spawn.h"
#include "common/str.h"
#include "config/xml.h"
#include "control/control.h"

/* How often a wait tests its condition, one second apart (§14.3). */
#define WAIT_TRIES 5

/* The largest pid file we look at: a number and a newline. */
#define PID_FILE_MAX 64

/*
 * Test hook: the daemon ods-control starts. Tests point it at a stand-in
 * because the real one is only found at the installed path.
 */
#define ENFORCERD_ENV "ODS_ENFORCERD_PATH"

/* ------------------------------------------------------------ paths */

/*
 * The trimmed text of the first node xpath selects in doc, or NULL when
 * there is none or it is empty. Returns 0 or E_NOMEM.
 */
static int
xpath_text(xmlDoc *doc, const char *xpath, char **out)
{
	xmlXPathContext *xc = NULL;
	xmlXPathObject *res = NULL;
	char *text = NULL;
	int ret = 0;

	*out = NULL;
	xc = xmlXPathNewContext(doc);
	if (xc == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	res = xmlXPathEvalExpression((const xmlChar *)xpath, xc);
	if (res == NULL || res->type != XPATH_NODESET || res->nodesetval == NULL ||
		res->nodesetval->nodeNr == 0)
		goto out;
	ret = xml_text(res->nodesetval->nodeTab[0], 1, &text);
	if (ret != 0)
		goto out;
	if (text[0] == '\0') {
		free(text);
		text = NULL;
	}
	*out = text;
out:
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(xc);
	return ret;
}

void
control_paths_free(struct control_paths *p)
{
	if (p == NULL)
		return;
	free(p->enforcer_pid);
	free(p->signer_pid);
	free(p->signer_socket);
	memset(p, 0, sizeof(*p));
}

int
control_paths_read(const char *conf_path, struct control_paths *out)
{
	static const struct {
		const char *xpath;
		const char *fallback;
	} items[3] = {
		{ "//Configuration/Enforcer/PidFile", ODS_RUNDIR "/enforcerd.pid" },
		{ "//Configuration/Signer/PidFile", ODS_RUNDIR "/signerd.pid" },
		{ "//Configuration/Signer/SocketFile", ODS_RUNDIR "/engine.sock" },
	};
	struct control_paths p;
	char *values[3] = { NULL, NULL, NULL };
	xmlDoc *doc = NULL;
	int ret = 0;

	memset(&p, 0, sizeof(p));
	/*
	 * No schema: like 1.x's ods-getconf, a file that cannot be read or
	 * parsed simply yields the defaults. xml_read() keeps the network and
	 * entities out and keeps libxml2 quiet.
	 */
	if (conf_path != NULL) {
		ret = xml_read(conf_path, &doc, NULL, 0);
		if (ret == E_NOMEM)
			goto out;
		ret = 0;
	}
	for (int i = 0; i < 3; i++) {
		if (doc != NULL) {
			ret = xpath_text(doc, items[i].xpath, &values[i]);
			if (ret != 0)
				goto out;
		}
		if (values[i] == NULL) {
			values[i] = str_dup(items[i].fallback);
			if (values[i] == NULL) {
				ret = E_NOMEM;
				goto out;
			}
		}
	}
	p.enforcer_pid = values[0];
	p.signer_pid = values[1];
	p.signer_socket = values[2];
	values[0] = values[1] = values[2] = NULL;
	*out = p;
out:
	for (int i = 0; i < 3; i++)
		free(values[i]);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return ret;
}

/* ------------------------------------------------------------ pid file */

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
control_read_pid(const char *path, pid_t *pid)
{
	char *data = NULL, *p, *end;
	size_t len;
	long v;
	int ret = E_NOTFOUND;

	if (path == NULL || pid == NULL)
		goto out;
	if (file_read_all(path, PID_FILE_MAX, &data, &len) != 0)
		goto out;
	if (strlen(data) != len) /* a NUL inside: not ours */
		goto out;
	p = data;
	while (is_space(*p))
		p++;
	if (*p < '0' || *p > '9')
		goto out;
	for (end = p; *end >= '0' && *end <= '9'; end++)
		;
	errno = 0;
	v = strtol(p, NULL, 10);
	/* 0 and 1 would reach a process group or init: never a daemon of ours */
	if (errno != 0 || v <= 1 || (long)(pid_t)v != v)
		goto out;
	while (is_space(*end))
		end++;
	if (*end != '\0')
		goto out;
	*pid = (pid_t)v;
	ret = 0;
out:
	free(data);
	return ret;
}

int
control_is_enforcerd(pid_t pid, char *name, size_t len)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	if (len > 0)
		name[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "ods-enforcerd") == 0)
		return 1;
	if (len > 0)
		snprintf(name, len, "%s", buf);
	return 0;
}

/*
 * The shell's `test -r`: the file exists and we may read it (with the
 * effective ids, as test(1) checks). access() rather than open(), so that a
 * socket counts too.
 */
static int
readable(const char *path)
{
	return path != NULL && faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0;
}

/*
 * Poll until readable(path) is want: test, sleep 1 s, and give up after
 * the fifth sleep (§14.3). Returns 1 when the condition came true.
 */
static int
wait_readable(const char *path, int want)
{
	for (int n = 0;;) {
		if (readable(path) == want)
			return 1;
		sleep(1);
		if (++n == WAIT_TRIES)
			return 0;
	}
}

/* A line on stdout, flushed at once so that it comes before a child's output. */
static void
say(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

/* ------------------------------------------------------------ commands */

int
control_enforcer_start(const char *conf_path, const char *pid_file)
{
	const char *daemon = getenv(ENFORCERD_ENV);
	const char *argv[4];
	int status, ret;

	if (daemon == NULL || daemon[0] == '\0')
		daemon = ODS_SBINDIR "/ods-enforcerd";
	argv[0] = daemon;
	argv[1] = conf_path != NULL ? "-c" : NULL;
	argv[2] = conf_path;
	argv[3] = NULL;

	say("Starting enforcer...");
	ret = spawn_run_passthrough(argv, &status);
	if (ret != 0) {
		/* as a shell reports a command it cannot run: 127 missing, 126 other */
		fprintf(stderr, "cannot run %s: %s\n", daemon,
			ret == E_NOTFOUND ? strerror(ENOENT)
			: ret == E_SPAWN  ? strerror(errno)
					  : err_str(ret));
		return ret == E_NOTFOUND ? 127 : 126;
	}
	if (status != 0)
		return status;
	/* the daemon's parent has returned; its child writes the pid file */
	if (!wait_readable(pid_file, 1)) {
		say("Could not start enforcer");
		return 1;
	}
	return 0;
}

/* Send sig to the pid of pid_file; prints and returns as stop and notify need. */
static int
signal_daemon(const char *pid_file, int sig, const char *signame)
{
	char name[64];
	pid_t pid;

	if (control_read_pid(pid_file, &pid) != 0) {
		say("Cannot find PID file");
		return 1;
	}
	if (!control_is_enforcerd(pid, name, sizeof(name))) {
		fprintf(stderr,
			"cannot send %s to process %ld (from %s): it is %s, not "
			"ods-enforcerd\n",
			signame, (long)pid, pid_file, name);
		return 1;
	}
	if (kill(pid, sig) != 0) {
		fprintf(stderr, "cannot send %s to process %ld (from %s): %s\n", signame, (long)pid,
			pid_file, strerror(errno));
		return 1;
	}
	return 0;
}

int
control_enforcer_stop(const char *pid_file)
{
	int ret;

	say("Stopping enforcer...");
	ret = signal_daemon(pid_file, SIGTERM, "SIGTERM");
	if (ret != 0)
		return ret;
	/* the daemon removes its own pid file on the way out */
	if (!wait_readable(pid_file, 0)) {
		say("Could not stop enforcer");
		return 1;
	}
	return 0;
}

int
control_enforcer_notify(const char *pid_file)
{
	say("Notifying enforcer of new database...");
	return signal_daemon(pid_file, SIGHUP, "SIGHUP");
}
