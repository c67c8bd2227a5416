/*
 * dump.h - a server's backup by its dump tool (pg_dump, mariadb-dump or
 * mysqldump). Private to db/: the server drivers say what differs by engine
 * (the tool's names, its arguments and environment, the secret it reads on
 * descriptor 3, how a finished dump ends); the runner does the rest the same
 * way for both: the destination's directory, the tool found by absolute
 * path, the temporary file made with mkstemp() beside the destination, the
 * child stopped and the file removed on a signal, one set of messages, the
 * rename once the tool succeeded.
 */
#ifndef DB_DUMP_H
#define DB_DUMP_H

#include <limits.h>

#include "db/db.h"

struct db_dump {
	const char *dest;    /* the backup file asked for */
	char dir[PATH_MAX];  /* its directory */
	char tool[PATH_MAX]; /* the tool's absolute path: argv[0] */
};

/*
 * Before the engine builds the command: dest's directory must exist and be
 * writable, and one of tools (a NULL-terminated list of names, see
 * db_util_find_tool(); package names what to install) must be there. Fills
 * d; E_IO or E_NOTFOUND with the handle's message.
 */
int db_dump_prepare(db_t *db, const char *dest, const char *const tools[], const char *package,
	struct db_dump *d);

/*
 * Run argv (argv[0] is d->tool) with env added to its environment (NULL:
 * none) and secret_fd (-1: none) as its descriptor 3; its stdout goes to
 * the temporary file. The dump becomes d->dest when the tool exited 0 and,
 * if complete is given, complete(path) says the file is whole. secret_fd
 * is closed in every case. E_SPAWN with the first lines of the tool's
 * stderr when it failed; on any failure no file is left behind.
 */
int db_dump_run(db_t *db, const struct db_dump *d, const char *const argv[],
	const char *const env[], int secret_fd, int (*complete)(const char *path));

#endif
