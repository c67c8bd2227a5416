/*
 * spawn.h - run an external program from an argv, never through a shell.
 *
 * The child gets default signal dispositions and an empty signal mask,
 * whatever the parent ignores or blocks. Every descriptor this module opens
 * is close-on-exec. Not safe to call while another thread changes the
 * process's environment.
 */
#ifndef COMMON_SPAWN_H
#define COMMON_SPAWN_H

#include <stddef.h>

struct spawn_result {
	int exited;    /* 1: the program exited; 0: a signal ended it */
	int status;    /* the exit code if exited, else the signal number */
	char *out;     /* all of its stdout, NUL-terminated (never NULL) */
	size_t outlen; /* bytes in out, not counting the NUL */
	char *err;     /* all of its stderr, NUL-terminated (never NULL) */
	size_t errlen; /* bytes in err, not counting the NUL */
};

/*
 * Run argv[0] (looked up in PATH when it holds no '/') with argv, wait for
 * it and collect its output.
 *
 * env_extra is NULL or a NULL-terminated list of "NAME=value" strings added
 * to the child's copy of the environment, replacing variables of the same
 * name; the parent's environment is not changed. Use it for secrets (a
 * database password for a dump tool): unlike argv it is not visible in ps.
 *
 * input (inlen bytes) is fed to the child's stdin; with input NULL the
 * child's stdin is /dev/null. A child that exits without reading all of it
 * is not an error (SIGPIPE is blocked in the calling thread while writing
 * and a pending one is discarded). stdout and stderr are read concurrently
 * with the writing, so no amount of output deadlocks.
 *
 * Returns 0 when the program ran, whatever its exit status; *res is then
 * filled and must be released with spawn_result_free(). Returns E_INVAL
 * (NULL or empty argv or res, or a malformed env_extra entry), E_NOTFOUND
 * when the program does not exist, E_SPAWN when it could not be started
 * for another reason (errno holds the cause) or E_NOMEM. *res is written
 * only on success.
 */
int spawn_run(const char *const argv[], const char *const env_extra[], const void *input,
	size_t inlen, struct spawn_result *res);

/*
 * Where a spawn_run_io() child's output goes and what else it is given.
 * out_fd >= 0 becomes the child's stdout (res->out then stays empty); -1
 * captures it as spawn_run() does. pass_fd >= 0 is handed to the child as
 * its descriptor 3 (SPAWN_PASS_FD), whatever its flags in the caller: the
 * way to give a tool a file that has no name, e.g. "/dev/fd/3". started,
 * when set, is called with arg and the child's pid as soon as it runs (a
 * signal handler may then stop it).
 */
#define SPAWN_PASS_FD 3
struct spawn_io {
	int out_fd;
	int pass_fd;
	void (*started)(void *arg, long pid);
	void *arg;
};

/* spawn_run() with the child's descriptors as io says (NULL: as spawn_run()). */
int spawn_run_io(const char *const argv[], const char *const env_extra[], const struct spawn_io *io,
	struct spawn_result *res);

/* Free the buffers of res and zero it; NULL is a no-op. */
void spawn_result_free(struct spawn_result *res);

/*
 * Run argv as spawn_run() does, but the child shares the caller's stdin,
 * stdout and stderr (for start/stop commands). *status receives the exit
 * code, or 128 + the signal number when a signal ended the child (as a
 * shell reports it). Returns 0, E_INVAL, E_NOTFOUND, E_SPAWN or E_NOMEM;
 * *status is written only on success.
 */
int spawn_run_passthrough(const char *const argv[], int *status);

#endif
