/*
 * signals.c - SIGHUP, SIGTERM, SIGINT and the sleep between runs.
 *
 * The three signals stay blocked except at two kinds of moments:
 *  - during a pass, TERM and INT are let in so that run_pass() sees
 *    sig_stop and ends after the batch in hand;
 *  - while waiting, pselect() lets all three in atomically with the wait.
 * So the "look at the flags, then sleep" sequence has no window in which a
 * signal can slip by: one that arrives after the flags were looked at is
 * pending, and pselect() returns for it at once.
 *
 * TERM and INT use SA_RESTART: during a pass they must not turn a read or
 * write deep inside a database client or a PKCS#11 module into an EINTR
 * failure. That does not keep them from ending the wait: pselect() is never
 * restarted, whatever the flags. HUP is only ever taken inside pselect().
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"
#include "enforcerd/enforcerd.h"

volatile sig_atomic_t sig_stop;
static volatile sig_atomic_t hup_seen;

/* The signal mask while waiting: the one we started with, minus our three. */
static sigset_t wait_mask;

static void
on_stop(int signo)
{
	sig_stop = signo;
}

static void
on_hup(int signo)
{
	(void)signo;
	hup_seen = 1;
}

static void
our_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

int
sig_setup(void)
{
	struct sigaction sa;
	sigset_t ours, orig;
	int ret = E_IO;

	our_signals(&ours);
	if (sigprocmask(SIG_BLOCK, &ours, &orig) != 0) {
		log_msg(LOG_ERR, "sigprocmask failed: %s", strerror(errno));
		goto out;
	}
	wait_mask = orig;
	sigdelset(&wait_mask, SIGHUP);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);

	memset(&sa, 0, sizeof(sa));
	/* no handler of ours interrupts another */
	sa.sa_mask = ours;
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
		goto fail;
	sa.sa_handler = on_hup;
	sa.sa_flags = 0;
	if (sigaction(SIGHUP, &sa, NULL) != 0)
		goto fail;
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	log_msg(LOG_ERR, "sigaction failed: %s", strerror(errno));
out:
	return ret;
}

void
sig_allow_stop(int allow)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* cannot fail with a valid "how" and set */
	(void)sigprocmask(allow ? SIG_UNBLOCK : SIG_BLOCK, &set, NULL);
}

enum sig_wake
sig_wait(int64_t seconds)
{
	struct timespec now, deadline, left;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += seconds > 0 ? (time_t)seconds : 0;
	for (;;) {
		/* the three signals are blocked here: nothing changes the flags */
		if (sig_stop)
			return SIG_WOKE_STOP;
		if (hup_seen) {
			hup_seen = 0;
			return SIG_WOKE_HUP;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_nsec += 1000000000L;
			left.tv_sec--;
		}
		if (left.tv_sec < 0 || (left.tv_sec == 0 && left.tv_nsec == 0))
			return SIG_WOKE_TIMER;
		/* a day at most per call: far from any limit of the kernel's */
		if (left.tv_sec >= 86400) {
			left.tv_sec = 86400;
			left.tv_nsec = 0;
		}
		/* returns early (EINTR) once a handler has run; the loop looks again */
		if (pselect(0, NULL, NULL, NULL, &left, &wait_mask) < 0 && errno != EINTR) {
			/* cannot happen with these arguments; do not spin if it does */
			struct timespec second = { 1, 0 };

			nanosleep(&second, NULL);
		}
	}
}

const char *
sig_name(int signo)
{
	static char buf[32];

	switch (signo) {
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "SIGINT";
	case SIGHUP: return "SIGHUP";
	default: snprintf(buf, sizeof(buf), "signal %d", signo); return buf;
	}
}
