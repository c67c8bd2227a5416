/*
 * conf.c - read conf.xml into a struct conf (see conf.h).
 *
 * Order of work: parse the file; check the typed values we convert
 * ourselves (durations, numbers), so that a bad value gets a message in
 * our words rather than libxml2's; validate against the embedded schema;
 * then copy the values out, filling in defaults. After validation the
 * structure is known to be right, so the copy step only deals with values.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <libxml/tree.h>

#include "common/err.h"
#include "common/log.h"
#include "common/str.h"
#include "config/conf.h"
#include "config/xml.h"

/* conf.rng, compiled in by tools/embed.sh (conf_rng.embed.c) */
extern const char conf_rng[];
extern const unsigned long conf_rng_len;

#define MYSQL_DEFAULT_HOST "127.0.0.1"
#define MYSQL_DEFAULT_PORT 3306
#define PGSQL_DEFAULT_PORT 5432

/* What conf_load() passes around while reading. */
struct reader {
	const char *path;
	char *err;
	size_t errlen;
};

/* A duration element: parsed, not negative. *approx_count goes up for Y/M. */
static int
get_duration(struct reader *r, const xmlNode *node, int64_t *out, unsigned *approx_count)
{
	int64_t value;
	int approx = 0;
	int ret;

	ret = xml_duration(r->path, node, &value, &approx, r->err, r->errlen);
	if (ret != 0)
		goto out;
	if (value < 0) {
		xml_errf(r->err, r->errlen, r->path, node, "a negative duration is not allowed");
		ret = E_RANGE;
		goto out;
	}
	if (out != NULL)
		*out = value;
	if (approx_count != NULL && approx)
		(*approx_count)++;
out:
	return ret;
}

/*
 * Host/@port of a server datastore: *port is left alone when there is no
 * such attribute.
 */
static int
get_port(struct reader *r, const xmlNode *host, unsigned *port)
{
	char *text = NULL;
	const char *digits;
	int64_t value;
	int ret;

	ret = xml_attr(host, "port", &text);
	if (ret == E_NOTFOUND) {
		ret = 0;
		goto out;
	}
	if (ret != 0)
		goto out;
	digits = str_trim(text);
	if (digits[0] == '+')
		digits++;
	ret = str_to_int64(digits, &value);
	if (ret != 0 || value < 1 || value > 65535) {
		xml_errf(r->err, r->errlen, r->path, host,
			"port \"%s\" is not a number from 1 to 65535", text);
		ret = E_RANGE;
		goto out;
	}
	if (port != NULL)
		*port = (unsigned)value;
out:
	free(text);
	return ret;
}

/* TLS/Mode: one of the four names (the schema would say "Extra element TLS"). */
static int
check_tls_mode(struct reader *r, const xmlNode *node)
{
	static const char *const names[] = { "disable", "require", "verify-ca", "verify-full" };
	char *text = NULL;
	size_t i;
	int ret;

	ret = xml_text(node, 1, &text);
	if (ret != 0)
		goto out;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(text, names[i]) == 0)
			goto out;
	}
	xml_errf(r->err, r->errlen, r->path, node,
		"\"%s\" is not disable, require, verify-ca or verify-full", text);
	ret = E_INVAL;
out:
	free(text);
	return ret;
}

/*
 * The values the schema would only reject with a vague message: check them
 * first so the user learns which value is wrong and why.
 */
static int
check_values(void *ctx, const xmlNode *root)
{
	struct reader *r = ctx;
	const xmlNode *list, *repo, *enf, *store, *server, *node;
	int ret = 0;

	list = xml_child(root, "RepositoryList");
	for (repo = xml_child(list, "Repository"); repo != NULL; repo = xml_next(repo)) {
		node = xml_child(repo, "Capacity");
		if (node == NULL)
			continue;
		ret = xml_integer(r->path, node, 1, LONG_MAX, NULL, r->err, r->errlen);
		if (ret != 0)
			goto out;
	}
	node = xml_child(xml_child(xml_child(root, "Common"), "Logging"), "Verbosity");
	if (node != NULL) {
		ret = xml_integer(r->path, node, 0, INT_MAX, NULL, r->err, r->errlen);
		if (ret != 0)
			goto out;
	}
	enf = xml_child(root, "Enforcer");
	store = xml_child(enf, "Datastore");
	server = xml_child(store, "MySQL");
	if (server == NULL)
		server = xml_child(store, "PostgreSQL");
	node = xml_child(server, "Host");
	if (node != NULL) {
		ret = get_port(r, node, NULL);
		if (ret != 0)
			goto out;
	}
	node = xml_child(xml_child(server, "TLS"), "Mode");
	if (node != NULL) {
		ret = check_tls_mode(r, node);
		if (ret != 0)
			goto out;
	}
	node = xml_child(enf, "Interval");
	if (node != NULL) {
		ret = get_duration(r, node, NULL, NULL);
		if (ret != 0)
			goto out;
	}
	node = xml_child(enf, "RolloverNotification");
	if (node != NULL) {
		ret = get_duration(r, node, NULL, NULL);
		if (ret != 0)
			goto out;
	}
	node = xml_child(xml_child(enf, "Cluster"), "PollInterval");
	if (node != NULL) {
		ret = get_duration(r, node, NULL, NULL);
		if (ret != 0)
			goto out;
	}
out:
	return ret;
}

/* *out = trimmed text of the child, or NULL when there is no such child. */
static int
opt_text(const xmlNode *parent, const char *name, int trim, char **out)
{
	const xmlNode *node = xml_child(parent, name);

	if (node == NULL) {
		*out = NULL;
		return 0;
	}
	return xml_text(node, trim, out);
}

/* *out = trimmed text of the child, or a copy of dflt when absent or empty. */
static int
text_or_default(const xmlNode *parent, const char *name, const char *dflt, char **out)
{
	char *text = NULL;
	int ret;

	ret = opt_text(parent, name, 1, &text);
	if (ret != 0)
		goto out;
	if (text == NULL || text[0] == '\0') {
		free(text);
		text = dflt != NULL ? str_dup(dflt) : NULL;
		if (dflt != NULL && text == NULL) {
			ret = E_NOMEM;
			goto out;
		}
	}
	*out = text;
out:
	return ret;
}

static int
read_repositories(struct reader *r, const xmlNode *root, struct conf *c)
{
	const xmlNode *list, *repo, *node;
	struct conf_repository *rp;
	int64_t capacity;
	size_t n = 0;
	int ret = 0;

	list = xml_child(root, "RepositoryList");
	for (repo = xml_child(list, "Repository"); repo != NULL; repo = xml_next(repo))
		n++;
	if (n == 0)
		goto out;
	c->repos = calloc(n, sizeof(*c->repos));
	if (c->repos == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	for (repo = xml_child(list, "Repository"); repo != NULL; repo = xml_next(repo)) {
		/* counted as we go, so conf_free() sees what was filled */
		rp = &c->repos[c->nrepos++];
		ret = xml_attr(repo, "name", &rp->name);
		if (ret != 0)
			goto out;
		ret = opt_text(repo, "Module", 1, &rp->module);
		if (ret != 0)
			goto out;
		ret = opt_text(repo, "TokenLabel", 1, &rp->token_label);
		if (ret != 0)
			goto out;
		ret = opt_text(repo, "PIN", 0, &rp->pin);
		if (ret != 0)
			goto out;
		node = xml_child(repo, "Capacity");
		if (node != NULL) {
			ret = xml_integer(r->path, node, 1, LONG_MAX, &capacity, r->err, r->errlen);
			if (ret != 0)
				goto out;
			rp->capacity = (long)capacity;
		}
		rp->require_backup = xml_child(repo, "RequireBackup") != NULL;
		rp->skip_public_key = xml_child(repo, "SkipPublicKey") != NULL;
		rp->allow_extraction = xml_child(repo, "AllowExtraction") != NULL;
	}
out:
	return ret;
}

static int
read_common(struct reader *r, const xmlNode *root, struct conf *c)
{
	const xmlNode *common, *logging, *node;
	char *facility = NULL;
	int64_t verbosity;
	int fac;
	int ret;

	common = xml_child(root, "Common");
	ret = text_or_default(common, "PolicyFile", ODS_CONFDIR "/kasp.xml", &c->policy_file);
	if (ret != 0)
		goto out;
	ret = text_or_default(
		common, "ZoneListFile", ODS_CONFDIR "/zonelist.xml", &c->zonelist_file);
	if (ret != 0)
		goto out;

	logging = xml_child(common, "Logging");
	node = xml_child(logging, "Verbosity");
	if (node != NULL) {
		ret = xml_integer(r->path, node, 0, INT_MAX, &verbosity, r->err, r->errlen);
		if (ret != 0)
			goto out;
		c->verbosity = (int)verbosity;
	}
	c->syslog_facility = LOG_DAEMON;
	ret = opt_text(xml_child(logging, "Syslog"), "Facility", 1, &facility);
	if (ret != 0)
		goto out;
	/* an unknown name keeps LOG_DAEMON, as 1.x did */
	if (facility != NULL && log_facility_from_name(facility, &fac) == 0)
		c->syslog_facility = fac;
	c->syslog_facility_text = facility;
	facility = NULL;
out:
	free(facility);
	return ret;
}

/*
 * A TLS file element: trimmed, NULL when absent or empty; a relative path
 * is refused (the daemon and the CLI may run in different directories).
 */
static int
tls_file(struct reader *r, const xmlNode *tls, const char *name, const char **out)
{
	const xmlNode *node = xml_child(tls, name);
	char *text = NULL;
	int ret = 0;

	if (node == NULL)
		goto out;
	ret = xml_text(node, 1, &text);
	if (ret != 0)
		goto out;
	if (text[0] == '\0') {
		free(text);
		text = NULL;
	} else if (text[0] != '/') {
		xml_errf(r->err, r->errlen, r->path, node, "\"%s\" is not an absolute path", text);
		ret = E_INVAL;
		goto out;
	}
	*out = text;
	text = NULL;
out:
	free(text);
	return ret;
}

/* TLS of a server element: mode and files (conf.h). */
static int
read_tls(struct reader *r, const xmlNode *server, struct conf_datastore *db)
{
	const xmlNode *tls, *node;
	char *text = NULL;
	int ret = 0;

	tls = xml_child(server, "TLS");
	if (tls == NULL)
		goto out;
	node = xml_child(tls, "Mode");
	if (node != NULL) {
		ret = xml_text(node, 1, &text);
		if (ret != 0)
			goto out;
		/* the schema allows only these four names */
		if (strcmp(text, "disable") == 0) {
			db->tls_mode = CONF_TLS_DISABLE;
		} else if (strcmp(text, "require") == 0) {
			db->tls_mode = CONF_TLS_REQUIRE;
		} else if (strcmp(text, "verify-ca") == 0) {
			db->tls_mode = CONF_TLS_VERIFY_CA;
		} else if (strcmp(text, "verify-full") == 0) {
			db->tls_mode = CONF_TLS_VERIFY_FULL;
		} else {
			xml_errf(r->err, r->errlen, r->path, node, "unknown TLS mode \"%s\"", text);
			ret = E_INVAL;
			goto out;
		}
	}
	if ((ret = tls_file(r, tls, "CAFile", &db->tls_ca)) != 0 ||
		(ret = tls_file(r, tls, "Certificate", &db->tls_cert)) != 0 ||
		(ret = tls_file(r, tls, "Key", &db->tls_key)) != 0)
		goto out;
	if ((db->tls_cert == NULL) != (db->tls_key == NULL)) {
		xml_errf(r->err, r->errlen, r->path, tls, "%s without %s",
			db->tls_cert != NULL ? "Certificate" : "Key",
			db->tls_cert != NULL ? "Key" : "Certificate");
		ret = E_INVAL;
		goto out;
	}
	if (db->tls_mode == CONF_TLS_VERIFY_CA && db->tls_ca == NULL) {
		xml_errf(r->err, r->errlen, r->path, tls, "Mode verify-ca needs a CAFile");
		ret = E_INVAL;
		goto out;
	}
out:
	free(text);
	return ret;
}

/* Host, port, database, user and password of a MySQL or PostgreSQL element. */
static int
read_server(struct reader *r, const xmlNode *server, struct conf *c, const char *dflt_host,
	unsigned dflt_port)
{
	struct conf_datastore *db = &c->datastore;
	const xmlNode *host;
	char *text = NULL;
	int ret;

	db->port = dflt_port;
	host = xml_child(server, "Host");
	ret = text_or_default(server, "Host", dflt_host, &text);
	if (ret != 0)
		goto out;
	db->host = text;
	text = NULL;
	if (host != NULL) {
		ret = get_port(r, host, &db->port);
		if (ret != 0)
			goto out;
	}
	ret = opt_text(server, "Database", 1, &text);
	if (ret != 0)
		goto out;
	db->database = text;
	ret = opt_text(server, "Username", 1, &text);
	if (ret != 0)
		goto out;
	db->user = text;
	ret = opt_text(server, "Password", 0, &text);
	if (ret != 0)
		goto out;
	db->password = text;
	ret = read_tls(r, server, db);
out:
	return ret;
}

static int
read_datastore(struct reader *r, const xmlNode *enf, struct conf *c)
{
	const xmlNode *store, *node;
	char *path = NULL;
	int ret;

	store = xml_child(enf, "Datastore");
	if (xml_child(store, "SQLite") != NULL) {
		c->datastore.backend = CONF_BACKEND_SQLITE;
		ret = text_or_default(store, "SQLite", ODS_STATEDIR "/kasp.db", &path);
		if (ret != 0)
			goto out;
		c->datastore.path = path;
	} else if ((node = xml_child(store, "MySQL")) != NULL) {
		c->datastore.backend = CONF_BACKEND_MYSQL;
		ret = read_server(r, node, c, MYSQL_DEFAULT_HOST, MYSQL_DEFAULT_PORT);
	} else if ((node = xml_child(store, "PostgreSQL")) != NULL) {
		c->datastore.backend = CONF_BACKEND_PGSQL;
		ret = read_server(r, node, c, NULL, PGSQL_DEFAULT_PORT);
	} else {
		/* the schema makes this unreachable */
		xml_errf(r->err, r->errlen, r->path, store, "no SQLite, MySQL or PostgreSQL");
		ret = E_INVAL;
	}
	/* hosts at a disaster-recovery site: reads only, whatever the server allows */
	if (ret == 0 && xml_child(store, "ReadOnly") != NULL)
		c->datastore.read_only = 1;
out:
	return ret;
}

/* Free a NULL-terminated array of strings and the array. NULL is a no-op. */
static void
argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (char **p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/*
 * Split text on white space into a NULL-terminated argv (*out, malloc()ed,
 * each word too); *out is NULL when text holds no word. No quoting.
 */
static int
argv_split(const char *text, char ***out)
{
	static const char space[] = " \t\n\r\f\v";
	char **argv = NULL;
	size_t n = 0, i = 0, len;
	const char *p;
	int ret = 0;

	for (p = text + strspn(text, space); *p != '\0'; p += len, p += strspn(p, space)) {
		len = strcspn(p, space);
		n++;
	}
	if (n == 0)
		goto done;
	argv = calloc(n + 1, sizeof(*argv));
	if (argv == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	for (p = text + strspn(text, space); *p != '\0'; p += len, p += strspn(p, space)) {
		len = strcspn(p, space);
		argv[i] = strndup(p, len);
		if (argv[i] == NULL) {
			ret = E_NOMEM;
			goto out;
		}
		i++;
	}
done:
	*out = argv;
	argv = NULL;
out:
	argv_free(argv);
	return ret;
}

/* Enforcer/SignerNotifyCommand into c->signer_notify_argv (see conf.h). */
static int
read_signer_notify(const xmlNode *enf, struct conf *c)
{
	static const char *const dflt[] = { ODS_SBINDIR "/ods-signer", "update", "%zone", NULL };
	const xmlNode *node = xml_child(enf, "SignerNotifyCommand");
	char *text = NULL;
	size_t i, n = sizeof(dflt) / sizeof(dflt[0]);
	int ret;

	if (node != NULL) {
		ret = xml_text(node, 0, &text);
		if (ret == 0)
			ret = argv_split(text, &c->signer_notify_argv);
		goto out;
	}
	c->signer_notify_argv = calloc(n, sizeof(char *));
	if (c->signer_notify_argv == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	/* filled in order, so argv_free() stops at the first copy missing */
	for (i = 0; dflt[i] != NULL; i++) {
		c->signer_notify_argv[i] = str_dup(dflt[i]);
		if (c->signer_notify_argv[i] == NULL) {
			ret = E_NOMEM;
			goto out;
		}
	}
	ret = 0;
out:
	free(text);
	return ret;
}

static int
read_enforcer(struct reader *r, const xmlNode *root, struct conf *c)
{
	static const char cka_suffix[] = " --cka_id";
	const size_t suffix_len = sizeof(cka_suffix) - 1;
	const xmlNode *enf, *privs, *node;
	char *cmd = NULL;
	size_t len;
	int ret;

	enf = xml_child(root, "Enforcer");
	ret = text_or_default(enf, "PidFile", ODS_RUNDIR "/enforcerd.pid", &c->pid_file);
	if (ret != 0)
		goto out;
	ret = text_or_default(enf, "MetricsFile", NULL, &c->metrics_file);
	if (ret != 0)
		goto out;
	ret = get_duration(r, xml_child(enf, "Interval"), &c->interval, &c->approx_durations);
	if (ret != 0)
		goto out;
	c->rollover_notification = -1;
	node = xml_child(enf, "RolloverNotification");
	if (node != NULL) {
		ret = get_duration(r, node, &c->rollover_notification, &c->approx_durations);
		if (ret != 0)
			goto out;
	}
	c->poll_interval = CONF_DEFAULT_POLL_INTERVAL;
	node = xml_child(xml_child(enf, "Cluster"), "PollInterval");
	if (node != NULL) {
		ret = get_duration(r, node, &c->poll_interval, NULL);
		if (ret != 0)
			goto out;
		if (c->poll_interval < 1) {
			xml_errf(r->err, r->errlen, r->path, node,
				"PollInterval must be at least 1 second");
			ret = E_RANGE;
			goto out;
		}
	}
	privs = xml_child(enf, "Privileges");
	ret = opt_text(privs, "User", 1, &c->user);
	if (ret != 0)
		goto out;
	ret = opt_text(privs, "Group", 1, &c->group);
	if (ret != 0)
		goto out;
	c->manual_keygen = xml_child(enf, "ManualKeyGeneration") != NULL;

	ret = text_or_default(enf, "DelegationSignerSubmitCommand", NULL, &cmd);
	if (ret != 0)
		goto out;
	if (cmd != NULL) {
		len = strlen(cmd);
		if (len > suffix_len && strcmp(cmd + len - suffix_len, cka_suffix) == 0) {
			cmd[len - suffix_len] = '\0';
			c->ds_submit_cka_id = 1;
			/* "cmd   --cka_id": drop the spaces before the suffix too */
			str_trim(cmd);
		}
		if (cmd[0] == '\0') {
			free(cmd);
			cmd = NULL;
		}
	}
	c->ds_submit_cmd = cmd;
	cmd = NULL;

	ret = read_signer_notify(enf, c);
	if (ret != 0)
		goto out;
	ret = read_datastore(r, enf, c);
out:
	free(cmd);
	return ret;
}

int
conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct reader r = { .path = path, .err = err, .errlen = errlen };
	struct conf *c = NULL;
	xmlDoc *doc = NULL;
	const xmlNode *root;
	int ret;

	ret = xml_open(path, out, "configuration file", conf_rng, conf_rng_len, check_values, &r,
		&doc, err, errlen);
	if (ret != 0)
		goto out;
	root = xmlDocGetRootElement(doc);

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	c->path = str_dup(path);
	if (c->path == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	ret = read_repositories(&r, root, c);
	if (ret != 0)
		goto out;
	ret = read_common(&r, root, c);
	if (ret != 0)
		goto out;
	ret = read_enforcer(&r, root, c);
	if (ret != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	if (ret == E_NOMEM && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", path != NULL ? path : "conf.xml");
	conf_free(c);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return ret;
}

void
conf_free(struct conf *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->nrepos; i++) {
		free(conf->repos[i].name);
		free(conf->repos[i].module);
		free(conf->repos[i].token_label);
		free(conf->repos[i].pin);
	}
	free(conf->repos);
	free(conf->path);
	free(conf->policy_file);
	free(conf->zonelist_file);
	free(conf->pid_file);
	free(conf->metrics_file);
	free(conf->user);
	free(conf->group);
	free(conf->ds_submit_cmd);
	free(conf->syslog_facility_text);
	argv_free(conf->signer_notify_argv);
	/* the datastore strings are ours (conf.h), though declared const */
	free((char *)conf->datastore.path);
	free((char *)conf->datastore.host);
	free((char *)conf->datastore.database);
	free((char *)conf->datastore.user);
	free((char *)conf->datastore.password);
	free((char *)conf->datastore.tls_ca);
	free((char *)conf->datastore.tls_cert);
	free((char *)conf->datastore.tls_key);
	free(conf);
}

const struct conf_repository *
conf_repository(const struct conf *conf, const char *name)
{
	size_t i;

	if (conf == NULL || name == NULL)
		return NULL;
	for (i = 0; i < conf->nrepos; i++)
		if (conf->repos[i].name != NULL && strcmp(conf->repos[i].name, name) == 0)
			return &conf->repos[i];
	return NULL;
}
