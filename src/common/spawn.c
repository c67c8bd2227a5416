#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"
#include "common/spawn.h"

extern char **environ;

/* A growing, NUL-terminated capture buffer. */
struct capture {
	char *p;
	size_t len, cap;
};

/*
 * The environment of the child: the current one without the names that
 * extra redefines, then extra. The strings are borrowed; only the array is
 * malloc()ed (into *envp). With extra NULL, *envp is environ itself and
 * *owned is 0.
 */
static int
build_env(const char *const extra[], char ***envp, int *owned)
{
	size_t nenv = 0, nextra = 0, k = 0;
	char **e;
	int ret;

	*owned = 0;
	if (extra == NULL) {
		*envp = environ;
		ret = 0;
		goto out;
	}
	for (; extra[nextra] != NULL; nextra++) {
		const char *eq = strchr(extra[nextra], '=');

		if (eq == NULL || eq == extra[nextra]) {
			ret = E_INVAL;
			goto out;
		}
	}
	while (environ != NULL && environ[nenv] != NULL)
		nenv++;
	e = calloc(nenv + nextra + 1, sizeof(*e));
	if (e == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < nenv; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nlen = eq != NULL ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		int replaced = 0;

		for (size_t j = 0; j < nextra && !replaced; j++) {
			if (strncmp(extra[j], environ[i], nlen) == 0 && extra[j][nlen] == '=')
				replaced = 1;
		}
		if (!replaced)
			e[k++] = environ[i];
	}
	for (size_t j = 0; j < nextra; j++)
		e[k++] = (char *)extra[j];
	e[k] = NULL;
	*envp = e;
	*owned = 1;
	ret = 0;
out:
	return ret;
}

/* Spawn attributes: default dispositions for every catchable signal, empty mask. */
static int
init_attr(posix_spawnattr_t *attr)
{
	sigset_t all, none;

	if (posix_spawnattr_init(attr) != 0)
		return -1;
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	sigemptyset(&none);
	if (posix_spawnattr_setsigdefault(attr, &all) != 0 ||
		posix_spawnattr_setsigmask(attr, &none) != 0 ||
		posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) !=
			0) {
		posix_spawnattr_destroy(attr);
		return -1;
	}
	return 0;
}

/* Map a posix_spawn error number to our code (errno keeps the number). */
static int
spawn_error(int rc)
{
	errno = rc;
	if (rc == ENOENT)
		return E_NOTFOUND;
	if (rc == ENOMEM)
		return E_NOMEM;
	return E_SPAWN;
}

/* A close-on-exec pipe whose ends are not 0, 1 or 2 (so dup2 onto them works). */
static int
make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (fds[i] < 3) {
			int nfd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
			int saved = errno;

			close(fds[i]);
			fds[i] = nfd;
			if (nfd < 0) {
				close(fds[1 - i]);
				fds[0] = fds[1] = -1;
				errno = saved;
				return -1;
			}
		}
	}
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Read what fd has into c; closes fd at end of file. Returns 0 or E_IO / E_NOMEM. */
static int
capture_read(int *fd, struct capture *c)
{
	ssize_t n;

	if (c->cap - c->len < 4096) {
		size_t ncap = c->cap < 8192 ? 8192 : c->cap * 2;
		char *np = realloc(c->p, ncap);

		if (np == NULL)
			return E_NOMEM;
		c->p = np;
		c->cap = ncap;
	}
	n = read(*fd, c->p + c->len, c->cap - c->len - 1);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : E_IO;
	if (n == 0)
		close_fd(fd);
	c->len += (size_t)n;
	c->p[c->len] = '\0';
	return 0;
}

/* Make sure c holds a NUL-terminated buffer, even when nothing was read. */
static int
capture_finish(struct capture *c)
{
	if (c->p == NULL) {
		c->p = malloc(1);
		if (c->p == NULL)
			return E_NOMEM;
		c->p[0] = '\0';
	}
	return 0;
}

/* Wait for pid, retrying on EINTR. */
static int
wait_child(pid_t pid, int *wstatus)
{
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR)
			return E_SPAWN;
	}
	return 0;
}

/*
 * Feed input to in_fd and drain out_fd / err_fd until both reach end of
 * file. Each fd is closed (set to -1) as it finishes.
 */
static int
pump(int *in_fd, const char *input, size_t inlen, int *out_fd, struct capture *out, int *err_fd,
	struct capture *err)
{
	size_t off = 0;
	int ret = 0;

	while (*in_fd >= 0 || *out_fd >= 0 || *err_fd >= 0) {
		struct pollfd pfd[3];
		nfds_t n = 0;
		int in_i = -1, out_i = -1, err_i = -1;

		if (*in_fd >= 0) {
			in_i = (int)n;
			pfd[n++] = (struct pollfd){ .fd = *in_fd, .events = POLLOUT };
		}
		if (*out_fd >= 0) {
			out_i = (int)n;
			pfd[n++] = (struct pollfd){ .fd = *out_fd, .events = POLLIN };
		}
		if (*err_fd >= 0) {
			err_i = (int)n;
			pfd[n++] = (struct pollfd){ .fd = *err_fd, .events = POLLIN };
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = E_IO;
			goto out;
		}
		if (in_i >= 0 && pfd[in_i].revents != 0) {
			size_t chunk = inlen - off > 65536 ? 65536 : inlen - off;
			ssize_t w = write(*in_fd, input + off, chunk);

			if (w < 0) {
				if (errno == EPIPE) {
					close_fd(in_fd); /* the child stopped reading */
				} else if (errno != EINTR && errno != EAGAIN) {
					ret = E_IO;
					goto out;
				}
			} else {
				off += (size_t)w;
				if (off == inlen)
					close_fd(in_fd);
			}
		}
		if (out_i >= 0 && pfd[out_i].revents != 0 && (ret = capture_read(out_fd, out)) != 0)
			goto out;
		if (err_i >= 0 && pfd[err_i].revents != 0 && (ret = capture_read(err_fd, err)) != 0)
			goto out;
	}
out:
	return ret;
}

static int run(const char *const argv[], const char *const env_extra[], const void *input,
	size_t inlen, const struct spawn_io *io, struct spawn_result *res);

int
spawn_run(const char *const argv[], const char *const env_extra[], const void *input, size_t inlen,
	struct spawn_result *res)
{
	return run(argv, env_extra, input, inlen, NULL, res);
}

int
spawn_run_io(const char *const argv[], const char *const env_extra[], const struct spawn_io *io,
	struct spawn_result *res)
{
	return run(argv, env_extra, NULL, 0, io, res);
}

/*
 * A copy of fd numbered above SPAWN_PASS_FD, so that the child's dup2() onto
 * 1 or 3 never meets a descriptor it has already replaced. -1 on failure.
 */
static int
dup_high(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, SPAWN_PASS_FD + 1);
}

static int
run(const char *const argv[], const char *const env_extra[], const void *input, size_t inlen,
	const struct spawn_io *io, struct spawn_result *res)
{
	int io_out = -1, io_pass = -1;
	int in_p[2] = { -1, -1 }, out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 };
	int fa_ok = 0, attr_ok = 0, env_owned = 0, sig_blocked = 0, wstatus, rc, ret, saved;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct capture out = { 0 }, err = { 0 };
	sigset_t pipeset, oldmask;
	char **envp = NULL;
	pid_t pid = -1;

	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0' || res == NULL ||
		(input == NULL && inlen > 0)) {
		ret = E_INVAL;
		goto out;
	}
	ret = build_env(env_extra, &envp, &env_owned);
	if (ret != 0)
		goto out;
	if (io != NULL && ((io->out_fd >= 0 && (io_out = dup_high(io->out_fd)) < 0) ||
				  (io->pass_fd >= 0 && (io_pass = dup_high(io->pass_fd)) < 0))) {
		ret = E_SPAWN;
		goto out;
	}
	if ((input != NULL && make_pipe(in_p) != 0) || make_pipe(out_p) != 0 ||
		make_pipe(err_p) != 0) {
		ret = E_SPAWN;
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		ret = E_NOMEM;
		goto out;
	}
	fa_ok = 1;
	if (input != NULL)
		rc = posix_spawn_file_actions_adddup2(&fa, in_p[0], STDIN_FILENO);
	else
		rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(
			&fa, io_out >= 0 ? io_out : out_p[1], STDOUT_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, err_p[1], STDERR_FILENO);
	/* dup2() onto another number: the child's copy is not close-on-exec */
	if (rc == 0 && io_pass >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, io_pass, SPAWN_PASS_FD);
	if (rc != 0) {
		ret = spawn_error(rc);
		goto out;
	}
	if (init_attr(&attr) != 0) {
		ret = E_NOMEM;
		goto out;
	}
	attr_ok = 1;

	rc = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv, envp);
	if (rc != 0) {
		pid = -1;
		ret = spawn_error(rc);
		goto out;
	}
	close_fd(&in_p[0]);
	close_fd(&out_p[1]);
	close_fd(&err_p[1]);
	close_fd(&io_out);
	close_fd(&io_pass);
	if (io != NULL && io->started != NULL)
		io->started(io->arg, (long)pid);

	if (in_p[1] >= 0) {
		if (inlen == 0) {
			close_fd(&in_p[1]);
		} else {
			int fl = fcntl(in_p[1], F_GETFL);

			if (fl < 0 || fcntl(in_p[1], F_SETFL, fl | O_NONBLOCK) < 0) {
				ret = E_IO;
				goto out;
			}
			/* a write to a pipe the child closed raises SIGPIPE in this
			 * thread: keep it blocked, and discard it afterwards unless it
			 * was already pending for someone else */
			sigemptyset(&pipeset);
			sigaddset(&pipeset, SIGPIPE);
			if (pthread_sigmask(SIG_BLOCK, &pipeset, &oldmask) == 0) {
				sigset_t pending;

				sig_blocked = 1;
				if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
					sig_blocked = 2;
			}
		}
	}
	ret = pump(&in_p[1], input, inlen, &out_p[0], &out, &err_p[0], &err);
	if (ret != 0)
		goto out;
	if ((ret = capture_finish(&out)) != 0 || (ret = capture_finish(&err)) != 0)
		goto out;
	ret = wait_child(pid, &wstatus);
	pid = -1;
	if (ret != 0)
		goto out;

	res->exited = WIFEXITED(wstatus);
	res->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus);
	res->out = out.p;
	res->outlen = out.len;
	res->err = err.p;
	res->errlen = err.len;
	out.p = err.p = NULL;
	ret = 0;
out:
	saved = errno;
	if (pid > 0) {
		/* failed half-way: do not leave the child running or a zombie */
		close_fd(&in_p[1]);
		kill(pid, SIGKILL);
		wait_child(pid, &wstatus);
	}
	if (sig_blocked) {
		static const struct timespec zero = { 0, 0 };

		if (sig_blocked == 1) {
			while (sigtimedwait(&pipeset, NULL, &zero) < 0 && errno == EINTR)
				;
		}
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	}
	for (int i = 0; i < 2; i++) {
		close_fd(&in_p[i]);
		close_fd(&out_p[i]);
		close_fd(&err_p[i]);
	}
	close_fd(&io_out);
	close_fd(&io_pass);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (env_owned)
		free(envp);
	free(out.p);
	free(err.p);
	errno = saved;
	return ret;
}

void
spawn_result_free(struct spawn_result *res)
{
	if (res == NULL)
		return;
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

int
spawn_run_passthrough(const char *const argv[], int *status)
{
	posix_spawnattr_t attr;
	int attr_ok = 0, wstatus, rc, ret;
	pid_t pid;

	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0' || status == NULL) {
		ret = E_INVAL;
		goto out;
	}
	if (init_attr(&attr) != 0) {
		ret = E_NOMEM;
		goto out;
	}
	attr_ok = 1;
	rc = posix_spawnp(&pid, argv[0], NULL, &attr, (char *const *)argv, environ);
	if (rc != 0) {
		ret = spawn_error(rc);
		goto out;
	}
	ret = wait_child(pid, &wstatus);
	if (ret != 0)
		goto out;
	*status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	ret = 0;
out:
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	return ret;
}
