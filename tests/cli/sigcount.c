/*
 * sigcount.c - a stand-in daemon for the control tests: it writes its pid
 * file and logs every SIGHUP and SIGTERM it receives, one line each.
 *
 *   sigcount PIDFILE LOGFILE [ignore-term]
 *
 * The signals are blocked and taken with sigwaitinfo(), so nothing is lost
 * to a signal arriving while a line is written. Two signals of one kind
 * sent before the first is taken still merge into one (the kernel keeps one
 * pending signal per number), so a test sends the next signal only after
 * the line of the previous one is in LOGFILE: that line is the
 * acknowledgement.
 *
 * The pid file is written only once the signals are blocked (a test may
 * signal as soon as it sees the file), through a rename so a reader never
 * sees half of it. SIGTERM logs "term", removes the pid file and exits 0, as
 * a daemon does; with "ignore-term" it logs "term ignored" and goes on.
 * SIGHUP logs "hup". After five minutes the program ends by itself (SIGALRM),
 * so a failing test cannot leave it behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LIFETIME 300

static int
append_line(const char *path, const char *line)
{
	char buf[64];
	int fd, n, ret = -1;

	n = snprintf(buf, sizeof(buf), "%s\n", line);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, buf, (size_t)n) == n)
		ret = 0;
	if (close(fd) != 0)
		ret = -1;
	return ret;
}

static int
write_pid_file(const char *path)
{
	char tmp[4096], buf[32];
	int fd, n, ret = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, buf, (size_t)n) == n)
		ret = 0;
	if (close(fd) != 0)
		ret = -1;
	if (ret == 0 && rename(tmp, path) != 0)
		ret = -1;
	return ret;
}

int
main(int argc, char **argv)
{
	sigset_t set;
	int ignore_term, sig;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "ignore-term") != 0)) {
		fprintf(stderr, "usage: %s PIDFILE LOGFILE [ignore-term]\n", argv[0]);
		return 2;
	}
	ignore_term = argc == 4;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
		perror("sigprocmask");
		return 1;
	}
	alarm(LIFETIME);
	if (write_pid_file(argv[1]) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", argv[0], argv[1], strerror(errno));
		return 1;
	}
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			perror("sigwaitinfo");
			return 1;
		}
		if (sig == SIGHUP) {
			if (append_line(argv[2], "hup") != 0)
				return 1;
		} else if (ignore_term) {
			if (append_line(argv[2], "term ignored") != 0)
				return 1;
		} else {
			/* like a daemon: the pid file goes first, then the process */
			unlink(argv[1]);
			return append_line(argv[2], "term") != 0;
		}
	}
}
