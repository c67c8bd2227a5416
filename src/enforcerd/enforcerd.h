/*
 * enforcerd.h - the parts of ods-enforcerd that main.c puts together:
 * signals and the sleep (signals.c), the pid file (pidfile.c), the
 * privilege drop (privdrop.c) and reading conf.xml with the daemon's log
 * lines (confread.c).
 *
 * Every function here logs its own failures through common/log.h with the
 * 1.x texts (enforcer.md 7.2, 7.3) and returns 0 or a negative code of
 * common/err.h; the caller only decides whether to exit.
 */
#ifndef ENFORCERD_ENFORCERD_H
#define ENFORCERD_ENFORCERD_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config/conf.h"
#include "db/db.h"

/* ------------------------------------------------------------- signals.c */

/*
 * The stop request: 0, or SIGTERM / SIGINT once one of them was received.
 * run_pass() gets its address as run_config.stop.
 */
extern volatile sig_atomic_t sig_stop;

/*
 * Block SIGHUP, SIGTERM and SIGINT and install their handlers; ignore
 * SIGPIPE. From then on the three signals are only taken at moments the
 * daemon chooses: TERM and INT during a pass (sig_allow_stop()), all three
 * while waiting in sig_wait(). A signal that arrives while blocked stays
 * pending and ends the next wait at once, so none is lost.
 */
int sig_setup(void);

/* Let SIGTERM/SIGINT in (allow = 1, around a pass) or hold them back again. */
void sig_allow_stop(int allow);

enum sig_wake {
	SIG_WOKE_TIMER = 0, /* the time ran out */
	SIG_WOKE_HUP = 1,   /* a SIGHUP ended the wait early (consumed) */
	SIG_WOKE_STOP = 2,  /* sig_stop is set */
};

/* Wait up to seconds (0 or less: just look at the flags). */
enum sig_wake sig_wait(int64_t seconds);

/* "SIGTERM", "SIGINT", or "signal <n>". */
const char *sig_name(int signo);

/* ------------------------------------------------------------ privdrop.c */

/* Who to become: conf.xml's Enforcer/Privileges, looked up. */
struct privs {
	const char *user;  /* NULL: keep the user */
	const char *group; /* NULL: the user's primary group, or keep the group */
	uid_t uid;         /* (uid_t)-1 when user is NULL */
	gid_t gid;         /* (gid_t)-1 when neither user nor group is given */
};

/*
 * Look user and group up. E_NOTFOUND ("user '<name>' does not exist.
 * exiting..." logged) when one of them does not exist.
 */
int privs_lookup(const char *user, const char *group, struct privs *out);

/* 1 when privs_drop() will change the process's credentials. */
int privs_change(const struct privs *p);

/*
 * Become p: supplementary groups, group, then user, logging "group set to"
 * and "user set to". A process that is not root and already runs as p
 * does nothing. E_DENIED when a step fails (logged).
 */
int privs_drop(const struct privs *p);

/* ------------------------------------------------------------- pidfile.c */

/*
 * Create the directory of the pid file path when it is missing (one level,
 * mode 0755), and give it to uid/gid when chown_ids is set, so the daemon
 * can still write there after dropping privileges. E_IO (logged).
 */
int pidfile_mkdir(const char *path, uid_t uid, gid_t gid, int chown_ids);

/*
 * Create path holding our pid, never following a symbolic link. An
 * existing file naming a live process: E_EXISTS (logged, the file left
 * alone). A stale one (a dead process, or no pid in it) is replaced with a
 * warning. Other failures: E_IO (logged).
 */
int pidfile_create(const char *path);

/* Remove path if it still holds our pid; a failure is logged. */
void pidfile_remove(const char *path);

/* ------------------------------------------------------------ confread.c */

/*
 * Read and validate conf.xml. With verbose (the read at the start of every
 * run) the "Reading config" lines come first. On failure the error lines
 * and "Error reading config" are logged and the error returned; *out is
 * then untouched.
 */
int dconf_load(const char *path, int verbose, struct conf **out);

/*
 * Log what was read: the "Info: converting" lines, and with verbose the
 * interval, DS command, datastore and pid file lines; then switch the
 * syslog facility to the configured one with its lines. pid_from_cmdline:
 * -P was given (no "Pidfile set to" line).
 */
void dconf_report(const struct conf *c, int verbose, int pid_from_cmdline);

/* -------------------------------------------------------------- leader.c */

/*
 * Daemons sharing one database: one leads (holds the "enforcer" lock on
 * its own connection and raised the leader epoch), the others stand by.
 */
struct leader {
	db_t *db;      /* the leader connection; NULL: none open */
	int64_t epoch; /* ours while we lead; 0: we do not */
	int lock_held; /* the "enforcer" lock is ours (a lead taken
	                         * from a stuck leader may lack it a while) */
	char host[256];
	int64_t pid;
	char node[300]; /* "host:pid" */
	time_t started;
	int standby_logged; /* "stands by" was logged since the last change */
	int replica;        /* the database was a read-only replica at the last check */
	time_t last_beat;   /* of the last heartbeat written */
	int64_t poll;       /* PollInterval of the last check */
};

/* Who we are; no connection yet. */
void leader_init(struct leader *l);

/*
 * Open the leader connection if needed; check that we still lead (else
 * log it and stand by), or ask for the lead without waiting; write the
 * heartbeat. Afterwards l->epoch != 0 when we lead, l->replica when the
 * database is read-only. Returns 0, or the failure (logged; the
 * connection is then closed and we do not lead).
 */
int leader_check(struct leader *l, const struct conf *conf);

/* Record a pass in our row (finished 0, outcome NULL: it started). Logged, not returned. */
void leader_pass(struct leader *l, time_t started, time_t finished, const char *outcome);

/*
 * During a pass (run_config.tick): write the heartbeat when the last is a
 * PollInterval old, so that a long pass is not taken for a stuck leader.
 */
void leader_tick(void *leader);

/* A pass ended with DB_E_FENCED: stand by (logged). */
void leader_lost(struct leader *l);

/* Shutting down: our row says "stopped", the lock and the connection go. */
void leader_stop(struct leader *l);

#endif
