/*
 * check.c - the checks of ods-kaspcheck (see check.h).
 *
 * Every message names what it is about and the file it comes from, in the
 * style of the 1.4 tool ("... for KSK in default policy in /etc/kasp.xml"),
 * so that a line read from syslog alone still says where to look.
 *
 * A check adds its findings with kc_add() and returns kc_status(): a lost
 * finding (no memory) marks the list, so the checks need no error path of
 * their own.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "common/duration.h"
#include "common/err.h"
#include "common/str.h"
#include "config/conf.h"
#include "config/kasp.h"
#include "config/xml.h"
#include "config/zonelist.h"
#include "kaspcheck/check.h"
#include "store/limits.h"

#define ERRLEN 2048

/* Seconds in a day, and the most re-signs a day a datecounter serial can count. */
#define DAY 86400
#define DATECOUNTER_MAX 99

/* ---------------------------------------------------------------- findings */

void
kc_findings_init(struct kc_findings *f)
{
	memset(f, 0, sizeof(*f));
}

void
kc_findings_free(struct kc_findings *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->v[i].text);
		free(f->v[i].detail);
	}
	free(f->v);
	kc_findings_init(f);
}

int
kc_status(const struct kc_findings *f)
{
	return f->nomem ? E_NOMEM : 0;
}

static const char *
level_prefix(enum kc_level level)
{
	switch (level) {
	case KC_ERROR:
		return "ERROR: ";
	case KC_WARNING:
		return "WARNING: ";
	case KC_INFO:
		break;
	}
	return "INFO: ";
}

static int
add_va(struct kc_findings *f, enum kc_level level, const char *detail, const char *fmt,
	va_list ap)
{
	struct kc_finding *v;
	char *body = NULL, *text = NULL, *det = NULL;
	size_t cap;

	if (vasprintf(&body, fmt, ap) < 0) {
		body = NULL;
		goto fail;
	}
	text = str_printf("%s%s", level_prefix(level), body);
	if (text == NULL)
		goto fail;
	if (detail != NULL && detail[0] != '\0') {
		det = str_dup(detail);
		if (det == NULL)
			goto fail;
	}
	if (f->n == f->cap) {
		cap = f->cap == 0 ? 16 : f->cap * 2;
		v = realloc(f->v, cap * sizeof(*v));
		if (v == NULL)
			goto fail;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n].level = level;
	f->v[f->n].text = text;
	f->v[f->n].detail = det;
	f->n++;
	text = NULL;
	det = NULL;
	goto out;
fail:
	f->nomem = 1;
out:
	free(body);
	free(text);
	free(det);
	return kc_status(f);
}

int
kc_add(struct kc_findings *f, enum kc_level level, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = add_va(f, level, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

int
kc_add_detail(struct kc_findings *f, enum kc_level level, const char *detail, const char *fmt,
	...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = add_va(f, level, detail, fmt, ap);
	va_end(ap);
	return ret;
}

size_t
kc_count(const struct kc_findings *f, enum kc_level level)
{
	size_t i, n = 0;

	for (i = 0; i < f->n; i++)
		if (f->v[i].level == level)
			n++;
	return n;
}

static long long
ll(int64_t v)
{
	return (long long)v;
}

/* Both NULL, or equal strings. */
static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

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
	struct kc_confx x = {0};
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

/*
 * A value longer than its database column (store/limits.h): PostgreSQL and
 * MySQL would refuse it, and the store refuses it on SQLite too.
 */
static void
kc_check_limits(struct kc_findings *f, int rc, const char *msg, const char *file)
{
	if (rc != 0)
		kc_add(f, KC_ERROR, "%s: %s", file, msg);
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

	if (conf->datastore.backend != DB_BACKEND_SQLITE) {
		check_tls_file(f, "CA file", conf->datastore.tls_ca, 0);
		check_tls_file(f, "certificate file", conf->datastore.tls_cert, 0);
		check_tls_file(f, "key file", conf->datastore.tls_key, 1);
		goto out;
	}
	if (path == NULL)
		goto out;
	if (stat(path, &st) != 0)
		kc_add(f, KC_WARNING,
			"SQLite datastore (%s) does not exist; 'ods-ksmutil setup' creates it", path);
	else if (!S_ISREG(st.st_mode))
		kc_add(f, KC_ERROR, "SQLite datastore (%s) is not a regular file", path);
out:
	return kc_status(f);
}

int
kc_check_conf_durations(struct kc_findings *f, const struct conf *conf,
	const struct kc_confx *x)
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

/* ---------------------------------------------------------------- kasp.xml checks */

int
kc_check_policy_names(struct kc_findings *f, const char *const *names, size_t n,
	const char *file)
{
	size_t i, j, k;
	int seen, have_default = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "default") == 0)
			have_default = 1;
		seen = 0;
		for (k = 0; k < i && !seen; k++)
			seen = strcmp(names[k], names[i]) == 0;
		for (j = i + 1; j < n && !seen; j++) {
			if (strcmp(names[j], names[i]) != 0)
				continue;
			kc_add(f, KC_ERROR, "Policy name '%s' is used more than once in %s", names[i],
				file);
			seen = 1;
		}
	}
	if (!have_default)
		kc_add(f, KC_WARNING,
			"No policy named 'default' in %s. This means you will need to refer "
			"explicitly to the policy for each zone",
			file);
	return kc_status(f);
}

/* The duration elements of a <Policy>, as paths below it. */
static const char *const policy_durations[] = {
	"Signatures/Resign",
	"Signatures/Refresh",
	"Signatures/Validity/Default",
	"Signatures/Validity/Denial",
	"Signatures/Jitter",
	"Signatures/InceptionOffset",
	"Denial/NSEC3/TTL",
	"Denial/NSEC3/Resalt",
	"Keys/TTL",
	"Keys/RetireSafety",
	"Keys/PublishSafety",
	"Keys/Purge",
	"Keys/KSK/Lifetime",
	"Keys/ZSK/Lifetime",
	"Zone/PropagationDelay",
	"Zone/SOA/TTL",
	"Zone/SOA/Minimum",
	"Parent/PropagationDelay",
	"Parent/DS/TTL",
	"Parent/SOA/TTL",
	"Parent/SOA/Minimum",
};

/*
 * Check every element reached by the rest of path ("a/b/c") below node,
 * same-named siblings included (a policy may hold several <KSK>).
 */
static int
durations_below(struct kc_findings *f, const xmlNode *node, const char *path, const char *field,
	const char *where, const char *file)
{
	char name[64];
	const char *slash;
	const xmlNode *child;
	char *text;
	size_t len;

	slash = strchr(path, '/');
	len = slash != NULL ? (size_t)(slash - path) : strlen(path);
	if (len >= sizeof(name))
		goto out;
	memcpy(name, path, len);
	name[len] = '\0';
	for (child = xml_child(node, name); child != NULL; child = xml_next(child)) {
		if (slash != NULL) {
			durations_below(f, child, slash + 1, field, where, file);
			continue;
		}
		if (xml_text(child, 1, &text) != 0) {
			f->nomem = 1;
			break;
		}
		kc_check_duration_text(f, where, field, text, file);
		free(text);
	}
out:
	return kc_status(f);
}

int
kc_check_policy_durations(struct kc_findings *f, const xmlNode *policy, const char *file)
{
	char *name = NULL, *where = NULL;
	size_t i;
	int ret;

	ret = xml_attr(policy, "name", &name);
	if (ret != 0 && ret != E_NOTFOUND) {
		f->nomem = 1;
		goto out;
	}
	where = str_printf("policy %s", name != NULL ? name : "");
	if (where == NULL) {
		f->nomem = 1;
		goto out;
	}
	for (i = 0; i < sizeof(policy_durations) / sizeof(policy_durations[0]); i++)
		durations_below(f, policy, policy_durations[i], policy_durations[i], where, file);
out:
	free(name);
	free(where);
	return kc_status(f);
}

/* A <KSK>/<ZSK> was given (the 1.4 schema allowed a policy without). */
static int
key_present(const struct kasp_keydef *k)
{
	return k->algorithm != 0 || k->repository != NULL;
}

int
kc_check_refresh(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	if (p->refresh <= p->resign)
		kc_add(f, KC_ERROR,
			"The Refresh interval (%lld seconds) for %s policy in %s is less than or "
			"equal to the Resign interval (%lld seconds)",
			ll(p->refresh), p->name, file, ll(p->resign));
	return kc_status(f);
}

int
kc_check_validity(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	if (p->valdefault <= p->refresh)
		kc_add(f, KC_ERROR,
			"Validity/Default (%lld seconds) for %s policy in %s is less than or equal "
			"to the Refresh interval (%lld seconds)",
			ll(p->valdefault), p->name, file, ll(p->refresh));
	if (p->valdenial <= p->refresh)
		kc_add(f, KC_ERROR,
			"Validity/Denial (%lld seconds) for %s policy in %s is less than or equal "
			"to the Refresh interval (%lld seconds)",
			ll(p->valdenial), p->name, file, ll(p->refresh));
	return kc_status(f);
}

int
kc_check_jitter(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	int64_t longest = p->valdefault > p->valdenial ? p->valdefault : p->valdenial;

	if (p->jitter * 2 > longest)
		kc_add(f, KC_WARNING,
			"Jitter (%lld seconds) for %s policy in %s is more than half of the longest "
			"Validity (%lld seconds)",
			ll(p->jitter), p->name, file, ll(longest));
	if (p->jitter > p->valdefault)
		kc_add(f, KC_ERROR,
			"Jitter (%lld seconds) for %s policy in %s is longer than Validity/Default "
			"(%lld seconds)",
			ll(p->jitter), p->name, file, ll(p->valdefault));
	if (p->jitter > p->valdenial)
		kc_add(f, KC_ERROR,
			"Jitter (%lld seconds) for %s policy in %s is longer than Validity/Denial "
			"(%lld seconds)",
			ll(p->jitter), p->name, file, ll(p->valdenial));
	return kc_status(f);
}

int
kc_check_inception(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	if (p->inception_offset > 3600)
		kc_add(f, KC_WARNING,
			"InceptionOffset (%lld seconds) for %s policy in %s is more than one hour",
			ll(p->inception_offset), p->name, file);
	return kc_status(f);
}

/* One safety margin against the key TTL: between 0.1 and 5 times it. */
static void
safety(struct kc_findings *f, const char *what, int64_t value, const struct kasp_policy *p,
	const char *file)
{
	if (value * 10 < p->key_ttl)
		kc_add(f, KC_WARNING,
			"%s (%lld seconds) for %s policy in %s is less than 0.1 * Keys/TTL "
			"(%lld seconds)",
			what, ll(value), p->name, file, ll(p->key_ttl));
	else if (value > p->key_ttl * 5)
		kc_add(f, KC_WARNING,
			"%s (%lld seconds) for %s policy in %s is more than 5 * Keys/TTL "
			"(%lld seconds)",
			what, ll(value), p->name, file, ll(p->key_ttl));
}

int
kc_check_safety(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	safety(f, "PublishSafety", p->publish_safety, p, file);
	safety(f, "RetireSafety", p->retire_safety, p, file);
	return kc_status(f);
}

int
kc_check_nsec3(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	const struct kasp_keydef *keys[2] = {&p->ksk, &p->zsk};
	static const char *const types[2] = {"KSK", "ZSK"};
	size_t i;

	if (!p->nsec3)
		goto out;
	/*
	 * Algorithms up to 5 (RSAMD5, DH, DSA, reserved, RSASHA1) have no NSEC3
	 * form: a validator that does not know NSEC3 must be able to treat the
	 * zone as unsigned, which the NSEC3 aliases 6 (DSA-NSEC3-SHA1), 7
	 * (RSASHA1-NSEC3-SHA1) and everything after 7 see to.
	 */
	for (i = 0; i < 2; i++)
		if (key_present(keys[i]) && keys[i]->algorithm <= 5)
			kc_add(f, KC_ERROR,
				"Algorithm %d used for %s in %s policy in %s cannot be used with "
				"NSEC3",
				keys[i]->algorithm, types[i], p->name, file);
	if (p->hash_algorithm != 1)
		kc_add(f, KC_ERROR,
			"NSEC3 Hash/Algorithm (%d) for %s policy in %s is not 1 (SHA-1, the only "
			"one defined)",
			p->hash_algorithm, p->name, file);
	if (p->resalt < p->resign)
		kc_add(f, KC_WARNING,
			"NSEC3 Resalt (%lld seconds) for %s policy in %s is less than the Resign "
			"interval (%lld seconds)",
			ll(p->resalt), p->name, file, ll(p->resign));
out:
	return kc_status(f);
}

int
kc_check_serial(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	if (p->serial != KASP_SERIAL_DATECOUNTER)
		goto out;
	/* YYYYMMDDnn: two digits count the changes of one day. */
	if (p->resign <= 0)
		kc_add(f, KC_ERROR,
			"Serial type datecounter for %s policy in %s allows at most %d re-signs a "
			"day, but a Resign interval of 0 seconds asks for continuous re-signing",
			p->name, file, DATECOUNTER_MAX);
	else if (DAY / p->resign > DATECOUNTER_MAX)
		kc_add(f, KC_ERROR,
			"Serial type datecounter for %s policy in %s allows at most %d re-signs a "
			"day, but the Resign interval (%lld seconds) asks for %lld",
			p->name, file, DATECOUNTER_MAX, ll(p->resign), ll(DAY / p->resign));
out:
	return kc_status(f);
}

static void
key_length(struct kc_findings *f, const char *type, const struct kasp_keydef *k,
	const struct kasp_policy *p, const char *file)
{
	int want;

	if (!key_present(k) || k->bits == 0)
		return;
	switch (k->algorithm) {
	case 5:  /* RSASHA1 */
	case 7:  /* RSASHA1-NSEC3-SHA1 */
	case 8:  /* RSASHA256 */
	case 10: /* RSASHA512 */
		if (k->bits < 1024)
			kc_add(f, KC_WARNING,
				"Key length of %d used for %s in %s policy in %s. Should probably be "
				"1024 or more",
				k->bits, type, p->name, file);
		else if (k->bits > 4096)
			kc_add(f, KC_ERROR,
				"Key length of %d used for %s in %s policy in %s. Should not be more "
				"than 4096",
				k->bits, type, p->name, file);
		break;
	case 13: /* ECDSAP256SHA256 */
	case 14: /* ECDSAP384SHA384 */
		want = k->algorithm == 13 ? 256 : 384;
		if (k->bits != want)
			kc_add(f, KC_WARNING,
				"Key length of %d used for %s in %s policy in %s. Algorithm %d keys "
				"are always %d bits",
				k->bits, type, p->name, file, k->algorithm, want);
		break;
	default:
		break;
	}
}

int
kc_check_key_lengths(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	key_length(f, "KSK", &p->ksk, p, file);
	key_length(f, "ZSK", &p->zsk, p, file);
	return kc_status(f);
}

int
kc_check_repositories(struct kc_findings *f, const struct conf *conf,
	const struct kasp_policy *p, const char *file)
{
	if (conf == NULL)
		goto out;
	if (p->ksk.repository != NULL && conf_repository(conf, p->ksk.repository) == NULL)
		kc_add(f, KC_ERROR, "Unknown repository (%s) defined for KSK in %s policy in %s",
			p->ksk.repository, p->name, file);
	if (p->zsk.repository != NULL && conf_repository(conf, p->zsk.repository) == NULL)
		kc_add(f, KC_ERROR, "Unknown repository (%s) defined for ZSK in %s policy in %s",
			p->zsk.repository, p->name, file);
out:
	return kc_status(f);
}

int
kc_check_lifetimes(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	/* A lifetime of 0 means the key never rolls: longer than any other. */
	if (!key_present(&p->ksk) || !key_present(&p->zsk) || p->ksk.lifetime == 0)
		goto out;
	if (p->zsk.lifetime == 0)
		kc_add(f, KC_WARNING,
			"KSK lifetime (%lld seconds) for %s policy in %s is shorter than the ZSK "
			"lifetime (the ZSK never rolls)",
			ll(p->ksk.lifetime), p->name, file);
	else if (p->ksk.lifetime < p->zsk.lifetime)
		kc_add(f, KC_WARNING,
			"KSK lifetime (%lld seconds) for %s policy in %s is shorter than the ZSK "
			"lifetime (%lld seconds)",
			ll(p->ksk.lifetime), p->name, file, ll(p->zsk.lifetime));
out:
	return kc_status(f);
}

int
kc_check_usable(struct kc_findings *f, const struct kasp_policy *p, const char *file)
{
	/*
	 * A new key is usable once its DNSKEY is in every cache: the key TTL,
	 * the time the zone takes to reach all its servers, and the safety
	 * margin. A KSK then also needs its DS at the parent, propagated and
	 * cached. A key that rolls sooner than that starts the next rollover
	 * before the last one has finished.
	 */
	int64_t zsk_need = p->key_ttl + p->zone_propdelay + p->publish_safety;
	int64_t ksk_need = zsk_need + p->parent_propdelay + p->parent_ds_ttl;

	if (key_present(&p->zsk) && p->zsk.lifetime != 0 && p->zsk.lifetime < zsk_need)
		kc_add(f, KC_WARNING,
			"ZSK lifetime (%lld seconds) for %s policy in %s is shorter than the time a "
			"new ZSK needs to become usable (%lld seconds: Keys/TTL + "
			"Zone/PropagationDelay + Keys/PublishSafety)",
			ll(p->zsk.lifetime), p->name, file, ll(zsk_need));
	if (key_present(&p->ksk) && p->ksk.lifetime != 0 && p->ksk.lifetime < ksk_need)
		kc_add(f, KC_WARNING,
			"KSK lifetime (%lld seconds) for %s policy in %s is shorter than the time a "
			"new KSK needs to become usable (%lld seconds: Keys/TTL + "
			"Zone/PropagationDelay + Keys/PublishSafety + Parent/PropagationDelay + "
			"Parent/DS/TTL)",
			ll(p->ksk.lifetime), p->name, file, ll(ksk_need));
	return kc_status(f);
}

int
kc_check_policy(struct kc_findings *f, const struct conf *conf, const struct kasp_policy *p,
	const char *file)
{
	char msg[256];

	kc_check_limits(f, store_limit_policy(p, msg, sizeof(msg)), msg, file);
	kc_check_refresh(f, p, file);
	kc_check_validity(f, p, file);
	kc_check_jitter(f, p, file);
	kc_check_inception(f, p, file);
	kc_check_safety(f, p, file);
	kc_check_nsec3(f, p, file);
	kc_check_serial(f, p, file);
	kc_check_key_lengths(f, p, file);
	kc_check_repositories(f, conf, p, file);
	kc_check_lifetimes(f, p, file);
	kc_check_usable(f, p, file);
	return kc_status(f);
}

/* ---------------------------------------------------------------- loading the files */

/*
 * A loader failed with code and message err: a file that cannot be read is
 * one ERROR line; anything else (not XML, against the schema, a value out
 * of range) is "fails to validate" with the loader's message as detail.
 */
static void
report_load_failure(struct kc_findings *f, const char *path, int code, const char *err)
{
	if (code == E_NOMEM)
		f->nomem = 1;
	else if (code == E_IO)
		kc_add(f, KC_ERROR, "%s", err[0] != '\0' ? err : path);
	else
		kc_add_detail(f, KC_ERROR, err, "%s fails to validate", path);
}

/*
 * Read zonelist.xml zone by zone and count the zones that break a length
 * limit of the database in *over; with f, report each of them too.
 */
static int
zonelist_scan_limits(const char *path, struct kc_findings *f, size_t *over, char *err,
	size_t errlen)
{
	struct zonelist_reader *r = NULL;
	struct zonelist_zone *z;
	char msg[ERRLEN];
	int ret;

	*over = 0;
	ret = zonelist_reader_open(path, &r, err, errlen);
	while (ret == 0 && (ret = zonelist_reader_next(r, &z, err, errlen)) == 1) {
		ret = store_limit_zonelist_zone(z, msg, sizeof(msg));
		if (ret != 0)
			(*over)++;
		if (f != NULL)
			kc_check_limits(f, ret, msg, path);
		ret = 0;
	}
	zonelist_reader_close(r);
	return ret;
}

/* conf.xml and its zonelist.xml; *confp is the configuration when it loaded, else NULL. */
static void
check_conf(struct kc_findings *f, const struct kc_options *opt, struct conf **confp)
{
	char err[ERRLEN] = "";
	struct conf *conf = NULL;
	struct kc_confx x = {0};
	size_t over = 0;
	xmlDoc *doc = NULL;
	int ret;

	if (opt->verbose)
		kc_add(f, KC_INFO, "Checking configuration file %s", opt->conf_path);
	ret = conf_load(opt->conf_path, &conf, err, sizeof(err));
	if (ret != 0) {
		report_load_failure(f, opt->conf_path, ret, err);
		goto out;
	}
	kc_add(f, KC_INFO, "The XML in %s is valid", opt->conf_path);
	/* conf_load has just read it, so this read fails only on a race: skip those checks. */
	ret = xml_read(opt->conf_path, &doc, err, sizeof(err));
	if (ret == 0)
		ret = kc_confx_read(xmlDocGetRootElement(doc), &x);
	if (ret == E_NOMEM)
		f->nomem = 1;

	kc_check_modules(f, conf);
	kc_check_repository_list(f, conf);
	kc_check_privileges(f, conf->user, conf->group);
	/* The Signer's too, unless they are the same names (one mistake, one error). */
	kc_check_privileges(f, same(x.signer_user, conf->user) ? NULL : x.signer_user,
		same(x.signer_group, conf->group) ? NULL : x.signer_group);
	kc_check_datastore(f, conf);
	kc_check_conf_durations(f, conf, &x);
	kc_check_ds_submit(f, conf);
	kc_check_signer(f, &x);

	if (opt->verbose)
		kc_add(f, KC_INFO, "Checking zonelist file %s", conf->zonelist_file);
	err[0] = '\0';
	/* streamed, so memory holds one zone: a second pass only when some break a limit */
	ret = zonelist_scan_limits(conf->zonelist_file, NULL, &over, err, sizeof(err));
	if (ret == 0)
		kc_add(f, KC_INFO, "The XML in %s is valid", conf->zonelist_file);
	else
		report_load_failure(f, conf->zonelist_file, ret, err);
	if (ret == 0 && over > 0)
		(void)zonelist_scan_limits(conf->zonelist_file, f, &over, err, sizeof(err));
out:
	*confp = conf;
	kc_confx_free(&x);
	xmlFreeDoc(doc);
}

/* Replace every copy of from in s (a buffer of size bytes) by to, as far as it fits. */
static void
replace_in(char *s, size_t size, const char *from, const char *to)
{
	char *hit, *rest;
	size_t flen = strlen(from), tlen = strlen(to);

	if (flen == 0)
		return;
	for (hit = strstr(s, from); hit != NULL; hit = strstr(hit + tlen, from)) {
		if (strlen(s) - flen + tlen >= size)
			break;
		rest = hit + flen;
		memmove(hit + tlen, rest, strlen(rest) + 1);
		memcpy(hit, to, tlen);
	}
}

/* The <Policy> elements of a kasp.xml document and their names (NULL when missing). */
struct policy_nodes {
	xmlNode **node;
	char **name;
	size_t n;
};

static void
policy_nodes_free(struct policy_nodes *pn)
{
	size_t i;

	for (i = 0; i < pn->n; i++)
		free(pn->name[i]);
	free(pn->name);
	free(pn->node);
	memset(pn, 0, sizeof(*pn));
}

static int
policy_nodes_read(xmlDoc *doc, struct policy_nodes *out)
{
	struct policy_nodes pn = {0};
	xmlNode *node, *first;
	size_t n = 0;
	int ret = 0;

	first = xml_child(xmlDocGetRootElement(doc), "Policy");
	for (node = first; node != NULL; node = xml_next(node))
		n++;
	pn.node = calloc(n + 1, sizeof(*pn.node));
	pn.name = calloc(n + 1, sizeof(*pn.name));
	if (pn.node == NULL || pn.name == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	for (node = first; node != NULL; node = xml_next(node)) {
		pn.node[pn.n] = node;
		ret = xml_attr(node, "name", &pn.name[pn.n]);
		pn.n++;
		if (ret == E_NOTFOUND)
			ret = 0;
		if (ret != 0)
			goto out;
	}
out:
	if (ret == 0)
		*out = pn;
	else
		policy_nodes_free(&pn);
	return ret;
}

/* Policy i has the name of an earlier one. */
static int
repeated(const struct policy_nodes *pn, size_t i)
{
	size_t k;

	for (k = 0; k < i && pn->name[i] != NULL; k++)
		if (pn->name[k] != NULL && strcmp(pn->name[k], pn->name[i]) == 0)
			return 1;
	return 0;
}

/*
 * kasp_load() refuses a file in which two policies share a name, but
 * kaspcheck reports that and still checks every policy. When names repeat,
 * a copy of the document with the repeats renamed is written to a
 * temporary file and loaded instead (renaming keeps every element on its
 * line, so messages still point at the right place), and the real names
 * are put back into the result. doc is left as it was.
 */
static int
load_kasp(const char *path, xmlDoc *doc, const struct policy_nodes *pn, struct kasp **out,
	char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char *tmp = NULL, *alias = NULL, *real;
	struct kasp *kasp = NULL;
	size_t i;
	int dups = 0, fd = -1, ret;

	for (i = 0; i < pn->n; i++)
		dups |= repeated(pn, i);
	if (!dups) {
		ret = kasp_load(path, &kasp, err, errlen);
		goto out;
	}
	tmp = str_printf("%s/ods-kaspcheck.XXXXXX", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	if (tmp == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	for (i = 0; i < pn->n; i++) {
		if (!repeated(pn, i))
			continue;
		free(alias);
		alias = str_printf("%s (repeated, policy %zu)", pn->name[i], i + 1);
		if (alias == NULL) {
			ret = E_NOMEM;
			goto out;
		}
		xmlSetProp(pn->node[i], BAD_CAST "name", BAD_CAST alias);
	}
	fd = mkstemp(tmp);
	if (fd < 0 || xmlSaveFile(tmp, doc) < 0) {
		snprintf(err, errlen, "cannot write a temporary copy of %s in %s: %s", path,
			dir != NULL && dir[0] != '\0' ? dir : "/tmp", strerror(errno));
		ret = E_IO;
		goto out;
	}
	ret = kasp_load(tmp, &kasp, err, errlen);
	if (ret != 0) {
		replace_in(err, errlen, tmp, path);
		goto out;
	}
	/* One struct per <Policy>, in file order: give back the real names. */
	for (i = 0; i < kasp->npolicies && i < pn->n; i++) {
		if (!repeated(pn, i))
			continue;
		real = str_dup(pn->name[i]);
		if (real == NULL) {
			ret = E_NOMEM;
			goto out;
		}
		free(kasp->policies[i].name);
		kasp->policies[i].name = real;
	}
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	for (i = 0; dups && i < pn->n; i++)
		if (repeated(pn, i))
			xmlSetProp(pn->node[i], BAD_CAST "name", BAD_CAST pn->name[i]);
	if (ret == 0) {
		*out = kasp;
		kasp = NULL;
	}
	kasp_free(kasp);
	free(alias);
	free(tmp);
	return ret;
}

/* kasp.xml: -k, or the PolicyFile of conf.xml (conf is NULL when it did not load). */
static void
check_kasp(struct kc_findings *f, const struct kc_options *opt, const struct conf *conf)
{
	char err[ERRLEN] = "";
	const char *path = opt->kasp_path != NULL ? opt->kasp_path : conf->policy_file;
	struct policy_nodes pn = {0};
	struct kasp *kasp = NULL;
	const struct kasp_policy *p;
	xmlDoc *doc = NULL;
	size_t i;
	int ret;

	if (opt->verbose)
		kc_add(f, KC_INFO, "Checking policy file %s", path);
	ret = xml_read(path, &doc, err, sizeof(err));
	if (ret == 0)
		ret = policy_nodes_read(doc, &pn);
	if (ret == 0)
		ret = load_kasp(path, doc, &pn, &kasp, err, sizeof(err));
	if (ret != 0) {
		report_load_failure(f, path, ret, err);
		goto out;
	}
	kc_add(f, KC_INFO, "The XML in %s is valid", path);
	kc_check_policy_names(f, (const char *const *)pn.name, pn.n, path);
	for (i = 0; i < pn.n; i++) {
		/* kasp_load keeps file order; look up by name should that ever change. */
		p = i < kasp->npolicies ? &kasp->policies[i] : NULL;
		if (p == NULL || !same(p->name, pn.name[i]))
			p = pn.name[i] != NULL ? kasp_find(kasp, pn.name[i]) : NULL;
		if (p == NULL)
			continue;
		if (opt->verbose)
			kc_add(f, KC_INFO, "Checking policy %s in %s", p->name, path);
		kc_check_policy_durations(f, pn.node[i], path);
		kc_check_policy(f, conf, p, path);
	}
out:
	kasp_free(kasp);
	policy_nodes_free(&pn);
	xmlFreeDoc(doc);
}

int
kc_run(const struct kc_options *opt, struct kc_findings *f, int *facility)
{
	struct conf *conf = NULL;
	int ret;

	if (opt == NULL || opt->conf_path == NULL || f == NULL || facility == NULL) {
		ret = E_INVAL;
		goto out;
	}
	check_conf(f, opt, &conf);
	if (conf == NULL && opt->kasp_path == NULL)
		kc_add(f, KC_INFO,
			"Policies not checked: %s did not load and no kasp.xml was given with -k",
			opt->conf_path);
	else
		check_kasp(f, opt, conf);
	ret = kc_status(f);
	if (ret == 0)
		*facility = conf != NULL ? conf->syslog_facility : LOG_DAEMON;
out:
	conf_free(conf);
	return ret;
}
