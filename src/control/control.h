/*
 * control.h - starting, stopping and notifying ods-enforcerd through its
 * pid file (ksmutil-cli.md §14): the code behind `ods-control enforcer
 * start|stop|notify` and `ods-ksmutil start|stop|notify`.
 *
 * The functions print the 1.x lines on stdout ("Starting enforcer...",
 * "Cannot find PID file", ...) because both programs' users and scripts
 * read them there, and return the exit status the command should end with.
 */
#ifndef CONTROL_CONTROL_H
#define CONTROL_CONTROL_H

#include <sys/types.h>

/* The three paths ods-control works with, read from a conf.xml. */
struct control_paths {
	char *enforcer_pid;  /* Enforcer/PidFile, else ODS_RUNDIR "/enforcerd.pid" */
	char *signer_pid;    /* Signer/PidFile, else ODS_RUNDIR "/signerd.pid" */
	char *signer_socket; /* Signer/SocketFile, else ODS_RUNDIR "/engine.sock" */
};

/*
 * Read the paths from conf_path without requiring the file to validate (a
 * missing file or element gives the default, as 1.x's ods-getconf did).
 * Returns 0 or E_NOMEM; free with control_paths_free().
 */
int control_paths_read(const char *conf_path, struct control_paths *out);
void control_paths_free(struct control_paths *p);

/*
 * The pid in a pid file: one decimal number > 1, white space around it
 * allowed. 0 and *pid, or E_NOTFOUND (missing, unreadable, empty or not a
 * pid).
 */
int control_read_pid(const char *path, pid_t *pid);

/*
 * Is process pid an ods-enforcerd (its command name, /proc/<pid>/comm)?
 * 1: yes, or it cannot be told (no /proc; a process gone, which kill()
 * then reports); 0: it is another program, whose name goes to name. A pid
 * file outlives its daemon, and its number may be reused by anything: no
 * signal goes to a process that is not the daemon.
 */
int control_is_enforcerd(pid_t pid, char *name, size_t len);

/*
 * `enforcer start`: print "Starting enforcer...", run ODS_SBINDIR
 * "/ods-enforcerd" (with "-c conf_path" when conf_path is not NULL), and
 * when it exits 0 wait up to 5 s for the pid file to appear ("Could not
 * start enforcer" and 1 on timeout). Returns the exit status.
 */
int control_enforcer_start(const char *conf_path, const char *pid_file);

/*
 * `enforcer stop`: print "Stopping enforcer...", SIGTERM the pid of the
 * file ("Cannot find PID file" and 1 when there is none), wait up to 5 s
 * for the file to go ("Could not stop enforcer" and 1 on timeout).
 */
int control_enforcer_stop(const char *pid_file);

/*
 * `enforcer notify`: print "Notifying enforcer of new database...",
 * SIGHUP the pid of the file ("Cannot find PID file" and 1 when there is
 * none; 1 when the signal cannot be sent).
 */
int control_enforcer_notify(const char *pid_file);

#endif
