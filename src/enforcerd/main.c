/*
 * main.c - ods-enforcerd: start-up, the run loop, shutdown (enforcer.md
 * 4.1, 4.2, 7.2, 7.3).
 *
 * Start-up, in order: options; the test clock; the logger (syslog, and
 * stderr too with -d); the signals; the fork (unless debugging); conf.xml;
 * the pid file's directory; the privilege drop; the HSM; a test connection
 * to the database; the pid file. Then, until told to stop: re-read
 * conf.xml, connect, lead or stand by (leader.c: daemons sharing the
 * database take turns by the "enforcer" lock), run one pass (run_pass())
 * when leading, disconnect, sleep Interval or until SIGHUP, checking the
 * lead and writing the heartbeat every PollInterval.
 *
 * Exit status: 0 after a run-once or a stop by SIGTERM/SIGINT, 1 when
 * start-up fails, conf.xml becomes unreadable, or a run-once pass fails.
 * A database that goes away while the daemon runs is waited for, never a
 * reason to exit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/str.h"
#include "config/conf.h"
#include "db/db.h"
#include "db/migrate.h"
#include "enforcer/metrics.h"
#include "enforcer/run.h"
#include "enforcerd/enforcerd.h"
#include "hsm/hsm.h"
#include "store/store.h"

struct daemon {
	const char *conf_path;   /* -c */
	const char *only_policy; /* -p */
	const char *pid_opt;     /* -P */
	int debug;               /* -d, or the test clock */
	int once;                /* -1, -p, or the test clock */
	char *pidfile;           /* the pid file's path */
	int pidfile_made;        /* we created it: remove it at exit */
	struct conf *hsm_conf;   /* the conf.xml the HSM handle was opened on (it borrows it) */
	hsm_t *hsm;
	struct leader lead; /* leader.c: do we lead the daemons on this database? */
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-c FILE] [-d] [-1] [-p POLICY] [-P PIDFILE] [-v] [-V] [-h]\n"
		"OpenDNSSEC Enforcer Daemon.\n\n"
		"  -c FILE    use FILE as the configuration file (default %s/conf.xml)\n"
		"  -d         debug: stay in the foreground and copy the log to stderr\n"
		"  -1         run once, then exit\n"
		"  -p POLICY  run once for POLICY only\n"
		"  -P FILE    write the process id to FILE\n"
		"  -v         accepted and ignored\n"
		"  -h         show this help and exit\n"
		"  -V         show the version and exit\n",
		prog, ODS_CONFDIR);
}

/*
 * Leave all resources and return status: the HSM closed, "all done!" on
 * a clean exit, the pid file removed when it is ours.
 */
static int
finish(struct daemon *d, int status, int clean)
{
	leader_stop(&d->lead);
	hsm_close(d->hsm);
	d->hsm = NULL;
	conf_free(d->hsm_conf);
	d->hsm_conf = NULL;
	if (clean)
		log_msg(LOG_INFO, "all done!");
	if (d->pidfile_made)
		pidfile_remove(d->pidfile);
	free(d->pidfile);
	d->pidfile = NULL;
	log_close();
	return status;
}

/*
 * Fork into the background. Returns 0 in the child, 1 in the parent (which
 * has printed and logged its lines and should exit 0), or E_IO.
 */
static int
daemonize(void)
{
	pid_t pid;
	int fd;

	/* nothing buffered may be written twice */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_msg(LOG_ERR, "fork failed: %s", strerror(errno));
		return E_IO;
	}
	if (pid > 0) {
		printf("OpenDNSSEC ods-enforcerd started (version %s), pid %ld\n",
			ODS_COMPAT_VERSION, (long)pid);
		log_msg(LOG_INFO, "opendnssec Parent exiting...");
		return 1;
	}
	if (setsid() < 0) {
		log_msg(LOG_ERR, "setsid() failed: %s", strerror(errno));
		return E_IO;
	}
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	log_msg(LOG_INFO, "opendnssec forked OK...");
	return 0;
}

/* Open the HSM on conf and log into every repository now, to fail early. */
static int
open_hsm(const struct conf *conf, hsm_t **out)
{
	hsm_t *hsm = NULL;
	int ret;

	ret = hsm_open(conf, &hsm);
	if (ret != 0) {
		log_msg(LOG_ERR, "hsm_open() result: %s", err_str(ret));
		goto out;
	}
	for (size_t i = 0; i < conf->nrepos; i++) {
		ret = hsm_repository_open(hsm, conf->repos[i].name);
		if (ret != 0) {
			log_msg(LOG_ERR, "hsm_open() result: %s", hsm_errmsg(hsm));
			goto out;
		}
	}
	*out = hsm;
	hsm = NULL;
out:
	hsm_close(hsm);
	return ret;
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* 1 when the two configurations describe the same repositories (none yet: 0). */
static int
same_repositories(const struct conf *a, const struct conf *b)
{
	if (a == NULL || b == NULL)
		return 0;
	if (a->nrepos != b->nrepos)
		return 0;
	for (size_t i = 0; i < a->nrepos; i++) {
		const struct conf_repository *x = &a->repos[i], *y = &b->repos[i];

		if (!same_str(x->name, y->name) || !same_str(x->module, y->module) ||
			!same_str(x->token_label, y->token_label) || !same_str(x->pin, y->pin) ||
			x->capacity != y->capacity || x->require_backup != y->require_backup ||
			x->skip_public_key != y->skip_public_key ||
			x->allow_extraction != y->allow_extraction)
			return 0;
	}
	return 1;
}

/* Connect to conf's database and check that its schema is current; log why not. */
static int
db_connect(const struct conf *conf, db_t **out)
{
	struct db_config cfg;
	char err[1024] = "";
	db_t *db = NULL;
	int ret;

	store_db_config(&cfg, &conf->datastore);
	cfg.create = 0;
	ret = db_open(&cfg, &db, err, sizeof(err));
	if (ret != 0) {
		log_msg(LOG_ERR, "ERROR: unable to connect to database - %s",
			err[0] != '\0' ? err : err_str(ret));
		goto out;
	}
	ret = migrate_require_current(db);
	if (ret != 0) {
		log_msg(LOG_ERR, "ERROR: %s", db_errmsg(db));
		goto out;
	}
	*out = db;
	db = NULL;
out:
	db_close(db);
	return ret;
}

/*
 * One pass, with SIGTERM/SIGINT let in so that it can stop early. On a
 * read-only replica (replica): the signconf files only (run.h).
 */
static int
pass(struct daemon *d, const struct conf *conf, db_t *db, int replica)
{
	struct run_config cfg = {
		.conf = conf,
		.db = db,
		.hsm = d->hsm,
		.now = clock_now(),
		.only_policy = d->only_policy,
		.stop = &sig_stop,
		.signer_cmd = (const char *const *)conf->signer_notify_argv,
		/* the leader connection holds the lock; the epoch fences the writes */
		.lock_held = 1,
		.epoch = d->lead.epoch,
		.read_only = replica,
		.tick = leader_tick,
		.tick_arg = &d->lead,
	};
	struct run_stats st;
	struct timespec t0, t1;
	const char *outcome;
	double secs;
	int ret;

	leader_pass(&d->lead, cfg.now, 0, NULL);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	sig_allow_stop(1);
	ret = run_pass(&cfg, &st);
	sig_allow_stop(0);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	leader_pass(&d->lead, cfg.now, clock_now(),
		st.stopped ? "stopped"
		: ret == 0 ? "ok"
			   : err_str(ret));
	/* after the pass is recorded, so that the file has its outcome */
	if (conf->metrics_file != NULL && ret != DB_E_FENCED) {
		int mrc = metrics_write_file(db, conf, d->hsm, clock_now(), conf->metrics_file);

		if (mrc != 0)
			log_msg(LOG_WARNING, "cannot write the metrics to %s: %s",
				conf->metrics_file, mrc == E_IO ? strerror(errno) : err_str(mrc));
	}
	/* our own lines (not 1.x): what the pass did and what it cost */
	outcome = st.stopped ? "stopped" : ret == 0 ? "done" : "failed";
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (replica)
		log_msg(LOG_INFO,
			"Replica pass %s in %.3f s: %zu zone(s) of %zu policy(ies), "
			"%zu signconf file(s) written from the replicated keys",
			outcome, secs, st.zones, st.policies, st.signconfs_written);
	else if (ret != DB_E_FENCED)
		log_msg(LOG_INFO,
			"Pass %s in %.3f s: %zu zone(s) of %zu policy(ies), %zu key "
			"change(s), %zu key(s) generated, %zu purged, %zu signconf file(s) written, "
			"%zu DS submission(s), %llu database statement(s)",
			outcome, secs, st.zones, st.policies, st.transitions, st.keys_generated,
			st.keys_purged, st.signconfs_written, st.ds_submitted,
			(unsigned long long)st.queries);
	return ret;
}

/* The wait after backoff: doubled, but at most the interval (and at least 1 s). */
static int64_t
next_backoff(int64_t backoff, int64_t interval)
{
	int64_t limit = interval > 1 ? interval : 1;

	if (backoff > limit / 2)
		return limit;
	return backoff * 2;
}

/*
 * Sleep up to seconds, or until a signal: every PollInterval on the way the
 * lead is checked and the heartbeat written (leader_check()), so that a
 * stuck leader shows, and a leader that lost the lead finds out, long
 * before its next pass; a daemon on a replica that has been promoted
 * wakes at once to take the lead.
 */
static enum sig_wake
nap(struct daemon *d, const struct conf *conf, int64_t seconds)
{
	int64_t left = seconds;
	enum sig_wake wake;

	while (left > 0) {
		int64_t step = left < conf->poll_interval ? left : conf->poll_interval;

		wake = sig_wait(step);
		if (wake != SIG_WOKE_TIMER)
			return wake;
		left -= step;
		if (left > 0) {
			int was_replica = d->lead.replica;

			(void)leader_check(&d->lead, conf);
			/* promoted: lead (or stand by) now, not at the end of the interval */
			if (was_replica && !d->lead.replica)
				return SIG_WOKE_TIMER;
		}
	}
	return SIG_WOKE_TIMER;
}

/* The runs, until a run-once is done or a signal says stop. Returns the exit status. */
static int
run_loop(struct daemon *d)
{
	struct conf *conf = NULL;
	db_t *db = NULL;
	int64_t backoff = 1; /* the next wait for the database; never above the interval */
	enum sig_wake wake;
	int ret, status = 1, clean = 0, restart;

	/* here, after the fork: the pid is the daemon's */
	leader_init(&d->lead);
	for (;;) {
		/* the conf.xml of the previous run, unless the HSM now borrows it */
		if (conf != d->hsm_conf)
			conf_free(conf);
		conf = NULL;
		if (dconf_load(d->conf_path, 1, &conf) != 0)
			goto out;
		dconf_report(conf, 1, d->pid_opt != NULL);
		if (!same_repositories(conf, d->hsm_conf)) {
			hsm_t *fresh = NULL;

			if (open_hsm(conf, &fresh) != 0)
				goto out;
			hsm_close(d->hsm);
			conf_free(d->hsm_conf);
			d->hsm = fresh;
			d->hsm_conf = conf;
			log_msg(LOG_INFO, "HSM reopened successfully.");
		}
		if (clock_timeshift() != NULL)
			log_msg(LOG_DEBUG,
				"DEBUG: Timeshift in operation; ENFORCER_TIMESHIFT set to %s",
				clock_timeshift());

		/* connect; a database that is away is waited for */
		restart = 0;
		for (;;) {
			log_msg(LOG_INFO, "Connecting to Database...");
			if (db_connect(conf, &db) == 0)
				break;
			log_msg(LOG_INFO, "Retrying the database connection in %" PRId64 " seconds",
				backoff);
			wake = sig_wait(backoff);
			if (wake == SIG_WOKE_STOP)
				goto stopped;
			backoff = next_backoff(backoff, conf->interval);
			if (wake == SIG_WOKE_HUP) {
				/* told to run now: from the top, conf.xml included */
				restart = 1;
				break;
			}
		}
		backoff = 1;
		if (restart)
			continue;

		if (d->only_policy != NULL)
			log_msg(LOG_INFO,
				"Will only process policy \"%s\" as specified on the command line with the "
				"--policy option.",
				d->only_policy);
		/* lead and run the pass, or stand by until the lead comes to us */
		for (;;) {
			ret = leader_check(&d->lead, conf);
			if (ret == 0 && d->lead.epoch != 0) {
				ret = pass(d, conf, db, 0);
				if (ret != DB_E_FENCED)
					break;
				leader_lost(&d->lead);
			} else if (ret == 0 && d->lead.replica) {
				ret = pass(d, conf, db, 1);
				break;
			} else if (ret != 0 && d->once) {
				break;
			}
			if (sig_stop || sig_wait(conf->poll_interval) == SIG_WOKE_STOP)
				break;
		}
		if (sig_stop && d->lead.epoch == 0)
			ret = 0; /* stopped while standing by: nothing failed */
		/* with -p, E_NOTFOUND is the missing policy, which run_pass() has logged */
		if (ret != 0 && !(ret == E_NOTFOUND && d->only_policy != NULL))
			log_msg(LOG_ERR, "Error running the enforcer: %s", err_str(ret));
		log_msg(LOG_INFO, "Disconnecting from Database...");
		db_close(db);
		db = NULL;
		/* a failed run-once is a failure: its exit status says so */
		if (ret != 0 && d->once)
			goto out;
		if (d->once) {
			log_msg(LOG_INFO, "Running once only, exiting...");
			status = 0;
			clean = 1;
			goto out;
		}
		if (sig_stop)
			goto stopped;
		log_msg(LOG_INFO, "Sleeping for %" PRId64 " seconds.", conf->interval);
		if (nap(d, conf, conf->interval) == SIG_WOKE_STOP)
			goto stopped;
		log_msg(LOG_INFO, "HSM connection open.");
	}
stopped:
	log_msg(LOG_INFO, "Received %s, exiting...", sig_name(sig_stop));
	status = 0;
	clean = 1;
out:
	db_close(db);
	if (conf != d->hsm_conf)
		conf_free(conf);
	return finish(d, status, clean);
}

int
main(int argc, char **argv)
{
	struct daemon d = { .conf_path = ODS_CONFDIR "/conf.xml" };
	struct privs privs;
	struct conf *conf = NULL;
	char ts_err[256] = "";
	const char *ident;
	db_t *db = NULL;
	int c, ts_ret, ret;

	while ((c = getopt(argc, argv, "c:d1p:P:hvV")) != -1) {
		switch (c) {
		case 'c': d.conf_path = optarg; break;
		case 'd': d.debug = 1; break;
		case '1': d.once = 1; break;
		case 'p':
			d.only_policy = optarg;
			d.once = 1;
			break;
		case 'P': d.pid_opt = optarg; break;
		case 'v': break;
		case 'h': usage(stdout, argv[0]); return 0;
		case 'V':
			/* Exactly the 1.x line: scripts compare it whole. */
			printf("opendnssec version %s\n", ODS_COMPAT_VERSION);
			return 0;
		default: usage(stderr, argv[0]); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		usage(stderr, argv[0]);
		return 1;
	}

	ident = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];
	ts_ret = clock_init(ts_err, sizeof(ts_err));
	if (clock_timeshift() != NULL) {
		/* a test clock means a test: one run, in the foreground */
		d.debug = 1;
		d.once = 1;
	}
	log_open(ident, LOG_DAEMON, LOG_TO_SYSLOG | (d.debug ? LOG_TO_STDERR : 0));
	log_msg(LOG_INFO, "opendnssec starting...");
	if (ts_ret != 0) {
		printf("%s\n", ts_err[0] != '\0' ? ts_err : err_str(ts_ret));
		log_msg(LOG_ERR, "%s", ts_err[0] != '\0' ? ts_err : err_str(ts_ret));
		return finish(&d, 1, 0);
	}
	if (clock_timeshift() != NULL) {
		log_msg(LOG_INFO, "Timeshift mode detected, running once only!");
		fprintf(stderr, "WARNING: Timeshift mode detected, running once only!\n");
	}
	if (d.debug)
		log_msg(LOG_INFO, "opendnssec DEBUG ON.");
	if (d.only_policy != NULL) {
		printf("Will only process policy \"%s\", will only run once. Check the logs for "
		       "results. \n",
			d.only_policy);
		fflush(stdout);
	}

	if (sig_setup() != 0)
		return finish(&d, 1, 0);
	if (!d.debug) {
		ret = daemonize();
		if (ret == 1) {
			log_close();
			return 0;
		}
		if (ret != 0)
			return finish(&d, 1, 0);
	} else {
		log_msg(LOG_INFO, "opendnssec in debug mode - not forking...");
	}

	if (dconf_load(d.conf_path, 0, &conf) != 0)
		return finish(&d, 1, 0);
	/* the start-up conf.xml stays with the HSM handle, which borrows it */
	d.hsm_conf = conf;
	d.pidfile = str_dup(d.pid_opt != NULL ? d.pid_opt : conf->pid_file);
	if (d.pidfile == NULL) {
		log_msg(LOG_ERR, "out of memory");
		return finish(&d, 1, 0);
	}
	if (privs_lookup(conf->user, conf->group, &privs) != 0)
		return finish(&d, 1, 0);
	if (pidfile_mkdir(d.pidfile, privs.uid, privs.gid, geteuid() == 0 && privs_change(&privs)))
		return finish(&d, 1, 0);
	if (privs_drop(&privs) != 0)
		return finish(&d, 1, 0);
	log_msg(LOG_NOTICE, "opendnssec started (version %s), pid %ld", ODS_COMPAT_VERSION,
		(long)getpid());
	/* after "started", which 1.x always sent to the daemon facility */
	dconf_report(conf, 0, d.pid_opt != NULL);

	if (open_hsm(conf, &d.hsm) != 0)
		return finish(&d, 1, 0);
	log_msg(LOG_INFO, "HSM opened successfully.");
	log_msg(LOG_INFO, "Checking database connection...");
	if (db_connect(conf, &db) != 0) {
		log_msg(LOG_ERR, "Database connection failed");
		return finish(&d, 1, 0);
	}
	db_close(db);
	log_msg(LOG_INFO, "Database connection ok.");

	if (pidfile_create(d.pidfile) != 0)
		return finish(&d, 1, 0);
	d.pidfile_made = 1;
	return run_loop(&d);
}
