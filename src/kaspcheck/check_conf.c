/*
 * check_conf.c - the checks of conf.xml: the raw parts the parser does not
 * keep, the repositories and modules, the datastore, privileges, the
 * durations, DS submission and the signer's settings.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "common/duration.h"
#include "common/err.h"
#include "common/str.h"
#include "config/conf.h"
#include "config/xml.h"
#include "kaspcheck/check.h"
#include "store/limits.h"

/* ---------------------------------------------------------------- conf.xml raw parts */

/* Text of the child name of parent, trimmed; NULL when there is no such child. */
static int
child_text(const xmlNode *parent, const char *name, char **out)
{
	const xmlNode *node = xml_child(parent, name);

	*out = NULL;
	if (node == NULL)
		return 0;
	return xml_text(node, 1, out);
}

int
kc_confx_read(const xmlNode *root, struct kc_confx *out)
{
	struct kc_confx x = { 0 };
	const xmlNode *enf, *sig, *privs;
	int ret;

	enf = xml_child(root, "Enforcer");
	sig = xml_child(root, "Signer");
	ret = child_text(enf, "Interval", &x.interval);
	if (ret == 0)
		ret = child_text(enf, "RolloverNotification", &x.rollover_notify);
	if (ret == 0 && sig != NULL) {
		x.has_signer = 1;
		privs = xml_child(sig, "Privileges");
		ret = child_text(privs, "User", &x.signer_user);
		if (ret == 0)
			ret = child_text(privs, "Group", &x.signer_group);
		if (ret == 0)
			ret = child_text(sig, "WorkingDirectory", &x.signer_workdir);
	}
	if (ret != 0) {
		kc_confx_free(&x);
		goto out;
	}
	*out = x;
out:
	return ret;
}

void
kc_confx_free(struct kc_confx *x)
{
	if (x == NULL)
		return;
	free(x->interval);
	free(x->rollover_notify);
	free(x->signer_user);
	free(x->signer_group);
	free(x->signer_workdir);
	memset(x, 0, sizeof(*x));
}

/* ---------------------------------------------------------------- conf.xml checks */

int
kc_check_duration_text(struct kc_findings *f, const char *where, const char *field,
	const char *text, const char *file)
{
	const char *s;
	int64_t secs;
	int approx = 0, months = 0, years = 0;

	if (text == NULL || duration_parse(text, &secs, &approx) != 0 || !approx)
		goto out;
	/* Y and M only count before the T: after it, M means minutes. */
	for (s = text; *s != '\0' && *s != 'T'; s++) {
		if (*s == 'Y')
			years = 1;
		else if (*s == 'M')
			months = 1;
	}
	if (months && years)
		kc_add(f, KC_WARNING,
			"In %s M & Y used in duration field for %s (%s) in %s - these will be "
			"interpreted as 31 and 365 days respectively",
			where, field, text, file);
	else if (months)
		kc_add(f, KC_WARNING,
			"In %s M used in duration field for %s (%s) in %s - this will be "
			"interpreted as 31 days",
			where, field, text, file);
	else if (years)
		kc_add(f, KC_WARNING,
			"In %s Y used in duration field for %s (%s) in %s - this will be "
			"interpreted as 365 days",
			where, field, text, file);
out:
	return kc_status(f);
}

int
kc_check_modules(struct kc_findings *f, const struct conf *conf)
{
	struct stat st;
	size_t i;

	for (i = 0; i < conf->nrepos; i++)
		if (stat(conf->repos[i].module, &st) != 0)
			kc_add(f, KC_ERROR, "Module (%s) does not exist", conf->repos[i].module);
	return kc_status(f);
}

/* Repositories a and b are on the same token. */
static int
same_token(const struct conf_repository *a, const struct conf_repository *b)
{
	return strcmp(a->module, b->module) == 0 && strcmp(a->token_label, b->token_label) == 0;
}

int
kc_check_repository_list(struct kc_findings *f, const struct conf *conf)
{
	char msg[256];
	const struct conf_repository *a, *b;
	size_t i, j, k;
	int seen;

	for (i = 0; i < conf->nrepos; i++) {
		a = &conf->repos[i];
		kc_check_limits(f, store_limit_repository(a, msg, sizeof(msg)), msg, conf->path);
		/* A name: reported once, at its first use, when a later one repeats it. */
		seen = 0;
		for (k = 0; k < i && !seen; k++)
			seen = strcmp(conf->repos[k].name, a->name) == 0;
		for (j = i + 1; j < conf->nrepos && !seen; j++) {
			if (strcmp(conf->repos[j].name, a->name) != 0)
				continue;
			kc_add(f, KC_ERROR, "Repository name '%s' is used more than once in %s",
				a->name, conf->path);
			seen = 1;
		}
		/* A token: each later repository on the token of the first one using it. */
		seen = 0;
		for (k = 0; k < i && !seen; k++)
			seen = same_token(&conf->repos[k], a);
		for (j = i + 1; j < conf->nrepos && !seen; j++) {
			b = &conf->repos[j];
			if (same_token(a, b))
				kc_add(f, KC_ERROR,
					"Repositories %s and %s in %s have the same Module (%s) and "
					"TokenLabel (%s)",
					a->name, b->name, conf->path, a->module, a->token_label);
		}
	}
	return kc_status(f);
}

int
kc_check_privileges(struct kc_findings *f, const char *user, const char *group)
{
	if (user != NULL && getpwnam(user) == NULL)
		kc_add(f, KC_ERROR, "User '%s' does not exist", user);
	if (group != NULL && getgrnam(group) == NULL)
		kc_add(f, KC_ERROR, "Group '%s' does not exist", group);
	return kc_status(f);
}

/* A TLS file of a server datastore: there, a regular file, and a key kept private. */
static void
check_tls_file(struct kc_findings *f, const char *what, const char *path, int secret)
{
	struct stat st;

	if (path == NULL)
		return;
	if (stat(path, &st) != 0)
		kc_add(f, KC_ERROR, "TLS %s (%s) cannot be read: %s", what, path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		kc_add(f, KC_ERROR, "TLS %s (%s) is not a regular file", what, path);
	else if (secret && (st.st_mode & S_IRWXO) != 0)
		kc_add(f, KC_WARNING, "TLS %s (%s) can be read by other users", what, path);
}

int
kc_check_datastore(struct kc_findings *f, const struct conf *conf)
{
	const char *path = conf->datastore.path;
	struct stat st;

	if (conf->datastore.backend != CONF_BACKEND_SQLITE) {
		check_tls_file(f, "CA file", conf->datastore.tls_ca, 0);
		check_tls_file(f, "certificate file", conf->datastore.tls_cert, 0);
		check_tls_file(f, "key file", conf->datastore.tls_key, 1);
		goto out;
	}
	if (path == NULL)
		goto out;
	if (stat(path, &st) != 0)
		kc_add(f, KC_WARNING,
			"SQLite datastore (%s) does not exist; 'ods-ksmutil setup' creates it",
			path);
	else if (!S_ISREG(st.st_mode))
		kc_add(f, KC_ERROR, "SQLite datastore (%s) is not a regular file", path);
out:
	return kc_status(f);
}

int
kc_check_conf_durations(struct kc_findings *f, const struct conf *conf, const struct kc_confx *x)
{
	kc_check_duration_text(f, "Configuration", "Enforcer/Interval", x->interval, conf->path);
	kc_check_duration_text(f, "Configuration", "Enforcer/RolloverNotification",
		x->rollover_notify, conf->path);
	return kc_status(f);
}

/*
 * Look prog up as the enforcer will run it: the path itself when it holds
 * a '/', else in each directory of PATH. *exists: something of that name
 * was found; *executable: a regular file we may execute was.
 */
static int
find_program(const char *prog, int *exists, int *executable)
{
	struct stat st;
	const char *path, *p, *colon;
	char *full;
	size_t dirlen;
	int ret = 0;

	*exists = 0;
	*executable = 0;
	if (strchr(prog, '/') != NULL) {
		if (stat(prog, &st) == 0) {
			*exists = 1;
			*executable = S_ISREG(st.st_mode) && access(prog, X_OK) == 0;
		}
		goto out;
	}
	path = getenv("PATH");
	if (path == NULL)
		path = "/usr/bin:/bin";
	for (p = path; !*executable; p = colon + 1) {
		colon = strchr(p, ':');
		dirlen = colon != NULL ? (size_t)(colon - p) : strlen(p);
		/* an empty entry is the current directory */
		full = str_printf("%.*s/%s", (int)dirlen, dirlen > 0 ? p : ".", prog);
		if (full == NULL) {
			ret = E_NOMEM;
			goto out;
		}
		if (stat(full, &st) == 0) {
			*exists = 1;
			*executable = S_ISREG(st.st_mode) && access(full, X_OK) == 0;
		}
		free(full);
		if (colon == NULL)
			break;
	}
out:
	return ret;
}

int
kc_check_ds_submit(struct kc_findings *f, const struct conf *conf)
{
	char *prog = NULL;
	size_t len;
	int exists, executable;
	int ret;

	if (conf->ds_submit_cmd == NULL)
		goto out;
	/* The program is the first word; the rest are its arguments. */
	len = strcspn(conf->ds_submit_cmd, " \t\r\n");
	prog = str_printf("%.*s", (int)len, conf->ds_submit_cmd);
	if (prog == NULL) {
		f->nomem = 1;
		goto out;
	}
	ret = find_program(prog, &exists, &executable);
	if (ret != 0) {
		f->nomem = 1;
		goto out;
	}
	if (!exists)
		kc_add(f, KC_ERROR, "DelegationSignerSubmitCommand (%s) does not exist", prog);
	else if (!executable)
		kc_add(f, KC_ERROR, "DelegationSignerSubmitCommand (%s) is not executable", prog);
out:
	free(prog);
	return kc_status(f);
}

int
kc_check_signer(struct kc_findings *f, const struct kc_confx *x)
{
	const char *dir;
	struct stat st;

	if (!x->has_signer)
		goto out;
	dir = x->signer_workdir != NULL ? x->signer_workdir : ODS_STATEDIR "/tmp";
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		kc_add(f, KC_WARNING, "Signer WorkingDirectory (%s%s) is not a directory", dir,
			x->signer_workdir != NULL ? "" : ", the default");
out:
	return kc_status(f);
}
