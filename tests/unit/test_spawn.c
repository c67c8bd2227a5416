/*
 * test_spawn.c - spawn_run() / spawn_run_io() / spawn_run_passthrough()
 * (src/common/spawn.h).
 * Uses /bin/true, /bin/false, cat, env and sh (sh only to make a child do
 * something specific: write to stderr, kill itself).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/spawn.h"

/* Open descriptors of this process (to catch leaks of pipe ends). */
static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
run_ok(const char *const argv[], const char *const env[], const void *in, size_t inlen,
	struct spawn_result *res)
{
	int fds = count_fds();

	assert_int_equal(spawn_run(argv, env, in, inlen, res), 0);
	assert_int_equal(count_fds(), fds);
	assert_non_null(res->out);
	assert_non_null(res->err);
	assert_int_equal(res->out[res->outlen], '\0');
	assert_int_equal(res->err[res->errlen], '\0');
}

static void
test_exit_codes(void **state)
{
	const char *const t[] = { "/bin/true", NULL };
	const char *const f[] = { "/bin/false", NULL };
	const char *const path_true[] = { "true", NULL };
	const char *const seven[] = { "sh", "-c", "exit 7", NULL };
	struct spawn_result res;

	(void)state;
	run_ok(t, NULL, NULL, 0, &res);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.outlen, 0);
	assert_int_equal(res.errlen, 0);
	spawn_result_free(&res);
	assert_null(res.out);

	run_ok(f, NULL, NULL, 0, &res);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 1);
	spawn_result_free(&res);

	run_ok(path_true, NULL, NULL, 0, &res); /* looked up in PATH */
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	spawn_result_free(&res);

	run_ok(seven, NULL, NULL, 0, &res);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 7);
	spawn_result_free(&res);
	spawn_result_free(NULL);
}

/* 1 MiB through cat: far more than a pipe buffer in both directions. */
static void
test_cat_big(void **state)
{
	const char *const argv[] = { "cat", NULL };
	const size_t n = 1024 * 1024;
	struct spawn_result res;
	char *in = malloc(n);

	(void)state;
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = (char)(i * 31 + i / 1000);
	run_ok(argv, NULL, in, n, &res);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.outlen, n);
	assert_memory_equal(res.out, in, n);
	spawn_result_free(&res);
	free(in);
}

static void
test_stdin(void **state)
{
	const char *const argv[] = { "cat", NULL };
	struct spawn_result res;

	(void)state;
	/* NULL input: stdin is /dev/null */
	run_ok(argv, NULL, NULL, 0, &res);
	assert_int_equal(res.outlen, 0);
	spawn_result_free(&res);
	/* empty input: an immediate end of file */
	run_ok(argv, NULL, "", 0, &res);
	assert_int_equal(res.outlen, 0);
	spawn_result_free(&res);
	run_ok(argv, NULL, "y\n", 2, &res);
	assert_string_equal(res.out, "y\n");
	spawn_result_free(&res);
}

/* Lots of output on both streams at once, no input: must not deadlock. */
static void
test_both_streams(void **state)
{
	const char *const argv[] = {
		"sh",
		"-c",
		"i=0; while [ $i -lt 4000 ]; do echo out-line-$i; echo err-line-$i >&2;"
		" i=$((i+1)); done; echo done >&2",
		NULL,
	};
	const char *const simple[] = { "sh", "-c", "echo x >&2", NULL };
	struct spawn_result res;

	(void)state;
	run_ok(simple, NULL, NULL, 0, &res);
	assert_string_equal(res.err, "x\n");
	assert_int_equal(res.errlen, 2);
	assert_string_equal(res.out, "");
	spawn_result_free(&res);

	run_ok(argv, NULL, NULL, 0, &res);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.out, "out-line-0\nout-line-1\n"));
	assert_non_null(strstr(res.out, "out-line-3999\n"));
	assert_null(strstr(res.out, "err-line"));
	assert_non_null(strstr(res.err, "err-line-3999\ndone\n"));
	spawn_result_free(&res);
}

/* A child that never reads its input: no SIGPIPE death of the caller. */
static void
test_unread_input(void **state)
{
	const char *const argv[] = { "/bin/true", NULL };
	const size_t n = 4 * 1024 * 1024;
	struct spawn_result res;
	char *in = calloc(1, n);
	sigset_t pending;

	(void)state;
	assert_non_null(in);
	run_ok(argv, NULL, in, n, &res);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	spawn_result_free(&res);
	free(in);
	/* and no SIGPIPE left pending either */
	assert_int_equal(sigpending(&pending), 0);
	assert_false(sigismember(&pending, SIGPIPE));
}

static void
test_missing(void **state)
{
	const char *const abs[] = { "/nonexistent/kasp-enforcer-no-such-program", NULL };
	const char *const rel[] = { "kasp-enforcer-no-such-program", NULL };
	struct spawn_result res = { .status = 99 };
	int fds = count_fds(), status = 99;

	(void)state;
	assert_int_equal(spawn_run(abs, NULL, NULL, 0, &res), E_NOTFOUND);
	assert_int_equal(spawn_run(rel, NULL, "in", 2, &res), E_NOTFOUND);
	assert_int_equal(res.status, 99);
	assert_null(res.out);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(spawn_run_passthrough(rel, &status), E_NOTFOUND);
	assert_int_equal(status, 99);
}

static void
test_not_executable(void **state)
{
	const char *const argv[] = { "/etc/passwd", NULL };
	struct spawn_result res;

	(void)state;
	assert_int_equal(spawn_run(argv, NULL, NULL, 0, &res), E_SPAWN);
	assert_int_equal(errno, EACCES);
}

static void
test_env(void **state)
{
	const char *const argv[] = { "env", NULL };
	const char *const extra[] = { "KASP_SPAWN_SECRET=s3cret", "KASP_SPAWN_OVER=new", NULL };
	const char *const bad1[] = { "NOEQUALS", NULL };
	const char *const bad2[] = { "=value", NULL };
	struct spawn_result res;

	(void)state;
	assert_int_equal(setenv("KASP_SPAWN_OVER", "old", 1), 0);
	assert_int_equal(setenv("KASP_SPAWN_KEPT", "kept", 1), 0);
	run_ok(argv, extra, NULL, 0, &res);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.out, "KASP_SPAWN_SECRET=s3cret\n"));
	assert_non_null(strstr(res.out, "KASP_SPAWN_OVER=new\n"));
	assert_null(strstr(res.out, "KASP_SPAWN_OVER=old"));
	assert_non_null(strstr(res.out, "KASP_SPAWN_KEPT=kept\n"));
	spawn_result_free(&res);
	/* the parent's environment is unchanged */
	assert_null(getenv("KASP_SPAWN_SECRET"));
	assert_string_equal(getenv("KASP_SPAWN_OVER"), "old");

	/* without extra, the child sees the environment as it is */
	run_ok(argv, NULL, NULL, 0, &res);
	assert_non_null(strstr(res.out, "KASP_SPAWN_OVER=old\n"));
	assert_null(strstr(res.out, "KASP_SPAWN_SECRET"));
	spawn_result_free(&res);

	assert_int_equal(spawn_run(argv, bad1, NULL, 0, &res), E_INVAL);
	assert_int_equal(spawn_run(argv, bad2, NULL, 0, &res), E_INVAL);
	unsetenv("KASP_SPAWN_OVER");
	unsetenv("KASP_SPAWN_KEPT");
}

static void
test_signal(void **state)
{
	const char *const argv[] = { "sh", "-c", "echo before; kill -TERM $$; echo after", NULL };
	const char *const intr[] = { "sh", "-c", "kill -INT $$; exit 0", NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct spawn_result res;

	(void)state;
	run_ok(argv, NULL, NULL, 0, &res);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.status, SIGTERM);
	assert_string_equal(res.out, "before\n");
	spawn_result_free(&res);

	/* a signal the parent ignores is back to default in the child */
	sigemptyset(&ign.sa_mask);
	assert_int_equal(sigaction(SIGINT, &ign, &old), 0);
	run_ok(intr, NULL, NULL, 0, &res);
	assert_int_equal(sigaction(SIGINT, &old, NULL), 0);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.status, SIGINT);
	spawn_result_free(&res);
}

static void
test_passthrough(void **state)
{
	const char *const three[] = { "sh", "-c", "exit 3", NULL };
	const char *const killed[] = { "sh", "-c", "kill -TERM $$", NULL };
	const char *const t[] = { "true", NULL };
	int status = -1, fds = count_fds();

	(void)state;
	assert_int_equal(spawn_run_passthrough(three, &status), 0);
	assert_int_equal(status, 3);
	assert_int_equal(spawn_run_passthrough(killed, &status), 0);
	assert_int_equal(status, 128 + SIGTERM);
	assert_int_equal(spawn_run_passthrough(t, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(spawn_run_passthrough(NULL, &status), E_INVAL);
	assert_int_equal(spawn_run_passthrough(t, NULL), E_INVAL);
}

static void
test_invalid(void **state)
{
	const char *const empty[] = { NULL };
	const char *const blank[] = { "", NULL };
	const char *const t[] = { "true", NULL };
	struct spawn_result res;

	(void)state;
	assert_int_equal(spawn_run(NULL, NULL, NULL, 0, &res), E_INVAL);
	assert_int_equal(spawn_run(empty, NULL, NULL, 0, &res), E_INVAL);
	assert_int_equal(spawn_run(blank, NULL, NULL, 0, &res), E_INVAL);
	assert_int_equal(spawn_run(t, NULL, NULL, 0, NULL), E_INVAL);
	assert_int_equal(spawn_run(t, NULL, NULL, 5, &res), E_INVAL);
}

static void
record_pid(void *arg, long pid)
{
	*(long *)arg = pid;
}

/* stdout into a file of ours, a close-on-exec memfd as the child's fd 3 */
static void
test_io(void **state)
{
	const char *const argv[] = { "sh", "-c", "cat /dev/fd/3; echo out; echo err >&2", NULL };
	char path[] = "/tmp/test_spawn.XXXXXX", buf[64];
	struct spawn_io io = { .out_fd = -1, .pass_fd = -1, .started = record_pid };
	struct spawn_result res;
	long pid = 0;
	ssize_t n;
	int before, fd, mfd;

	(void)state;
	io.arg = &pid;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	(void)unlink(path);
	mfd = memfd_create("test", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(write(mfd, "secret\n", 7), 7);
	io.out_fd = fd;
	io.pass_fd = mfd;
	before = count_fds();
	assert_int_equal(spawn_run_io(argv, NULL, &io, &res), 0);
	assert_int_equal(count_fds(), before);
	assert_true(pid > 0);
	assert_true(res.exited);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.outlen, 0);
	assert_string_equal(res.err, "err\n");
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, "secret\nout\n");
	spawn_result_free(&res);
	close(fd);
	close(mfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_cat_big),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_both_streams),
		cmocka_unit_test(test_unread_input),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_not_executable),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_io),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
