/*
 * privdrop.c - become Enforcer/Privileges User and Group after start-up.
 *
 * The log texts are those of 1.x (enforcer.md 7.2), including their
 * priorities: 1.x logged the two success lines at err, and we keep that so
 * that nothing a log filter relies on moves.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "enforcerd/enforcerd.h"

int
privs_lookup(const char *user, const char *group, struct privs *out)
{
	struct privs p = { .user = user, .group = group, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct passwd *pw;
	struct group *gr;
	int ret = E_NOTFOUND;

	if (user != NULL) {
		errno = 0;
		pw = getpwnam(user);
		if (pw == NULL) {
			log_msg(LOG_ERR, "user '%s' does not exist. exiting...", user);
			goto out;
		}
		p.uid = pw->pw_uid;
		p.gid = pw->pw_gid;
	}
	if (group != NULL) {
		errno = 0;
		gr = getgrnam(group);
		if (gr == NULL) {
			log_msg(LOG_ERR, "group '%s' does not exist. exiting...", group);
			goto out;
		}
		p.gid = gr->gr_gid;
	}
	*out = p;
	ret = 0;
out:
	return ret;
}

int
privs_change(const struct privs *p)
{
	if (p->uid != (uid_t)-1 && p->uid != geteuid())
		return 1;
	if (p->gid != (gid_t)-1 && p->gid != getegid())
		return 1;
	/* root asked to stay root still sheds root's supplementary groups */
	return geteuid() == 0 && (p->uid != (uid_t)-1 || p->gid != (gid_t)-1);
}

int
privs_drop(const struct privs *p)
{
	int ret = E_DENIED;

	if (!privs_change(p)) {
		ret = 0;
		goto out;
	}
	/* supplementary groups: the user's own, or only the group */
	if (p->user != NULL) {
		if (initgroups(p->user, p->gid) != 0) {
			log_msg(LOG_ERR, "initgroups failed: %s: %s", p->user, strerror(errno));
			goto out;
		}
	} else if (p->gid != (gid_t)-1 && geteuid() == 0) {
		if (setgroups(1, &p->gid) != 0) {
			log_msg(LOG_ERR, "unable to drop group privileges: %s (%ld). exiting...",
				p->group, (long)p->gid);
			goto out;
		}
	}
	if (p->gid != (gid_t)-1) {
		if (setresgid(p->gid, p->gid, p->gid) != 0) {
			log_msg(LOG_ERR, "unable to drop group privileges: %s (%ld). exiting...",
				p->group != NULL ? p->group : p->user, (long)p->gid);
			goto out;
		}
		if (p->group != NULL)
			log_msg(LOG_ERR, "group set to: %s (%ld)", p->group, (long)p->gid);
	}
	if (p->uid != (uid_t)-1) {
		if (setresuid(p->uid, p->uid, p->uid) != 0) {
			log_msg(LOG_ERR, "unable to drop user privileges: %s (%ld). exiting...",
				p->user, (long)p->uid);
			goto out;
		}
		/* root must be gone for good: getting it back has to fail */
		if (p->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
			log_msg(LOG_ERR,
				"unable to drop user privileges (seteuid): %s (%ld). exiting...",
				p->user, (long)p->uid);
			goto out;
		}
		log_msg(LOG_ERR, "user set to: %s (%ld)", p->user, (long)p->uid);
	}
	ret = 0;
out:
	return ret;
}
