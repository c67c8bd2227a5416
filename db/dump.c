/*
 * dump.c - a server's backup by its dump tool (db/dump.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/spawn.h"
#include "db/dump.h"
#include "db/error.h"
#include "db/util.h"

/* Lines of the tool's stderr quoted in a failure message. */
#define ERR_LINES 3

/* The first non-empty lines of a tool's stderr, joined with "; ", in buf. */
static void
head_lines(const char *text, int lines, char *buf, size_t len)
{
	size_t n = 0;
	const char *p = text != NULL ? text : "";

	buf[0] = '\0';
	while (*p != '\0' && lines > 0 && n + 1 < len) {
		const char *eol = strchr(p, '\n');
		size_t l = eol != NULL ? (size_t)(eol - p) : strlen(p);
		int w;

		while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		if (l > 0) {
			w = snprintf(buf + n, len - n, "%s%.*s", n > 0 ? "; " : "", (int)l, p);
			if (w < 0 || (size_t)w >= len - n)
				break;
			n += (size_t)w;
			lines--;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int
db_dump_prepare(db_t *db, const char *dest, const char *const tools[], const char *package,
	struct db_dump *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->dest = dest;
	db_util_dir_of(dest, d->dir, sizeof(d->dir));
	rc = db_util_backup_dir(db, dest, d->dir);
	if (rc == 0)
		rc = db_util_find_tool(db, tools, package, d->tool, sizeof(d->tool));
	return rc;
}

int
db_dump_run(db_t *db, const struct db_dump *d, const char *const argv[], const char *const env[],
	int secret_fd, int (*complete)(const char *path))
{
	struct spawn_io io = {
		.out_fd = -1, .pass_fd = secret_fd, .started = db_util_backup_child
	};
	struct spawn_result res;
	char tmp[PATH_MAX + 32] = "", why[400];
	const char *name = base_name(d->tool);
	int ran = 0, done = 0, rc, out_fd = -1;

	memset(&res, 0, sizeof(res));
	rc = db_util_backup_begin(db, d->dest, tmp, sizeof(tmp), &out_fd);
	if (rc != 0)
		goto out;
	io.out_fd = out_fd;
	rc = spawn_run_io(argv, env, &io, &res);
	if (rc != 0) {
		rc = db_set_error(db, rc, "cannot run %s: %s", d->tool,
			rc == E_NOMEM ? "out of memory" : strerror(errno));
		goto out;
	}
	ran = 1;
	if (!res.exited || res.status != 0) {
		head_lines(res.err, ERR_LINES, why, sizeof(why));
		if (res.exited)
			rc = db_set_error(db, E_SPAWN, "%s of %s failed (exit %d): %s", name,
				db_location(db), res.status, why[0] != '\0' ? why : "(no message)");
		else
			rc = db_set_error(db, E_SPAWN, "%s of %s was killed by signal %d", name,
				db_location(db), res.status);
		goto out;
	}
	if (complete != NULL && !complete(tmp)) {
		rc = db_set_error(
			db, E_SPAWN, "%s wrote no complete dump of %s", name, db_location(db));
		goto out;
	}
	rc = db_util_backup_commit(db, tmp, d->dest, d->dir);
	if (rc != 0)
		goto out;
	done = 1;
out:
	db_util_backup_end(tmp, out_fd, done);
	if (secret_fd >= 0)
		(void)close(secret_fd);
	if (ran)
		spawn_result_free(&res);
	return rc;
}
