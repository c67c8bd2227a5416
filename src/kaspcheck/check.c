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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "common/err.h"
#include "common/str.h"
#include "config/conf.h"
#include "config/kasp.h"
#include "config/xml.h"
#include "config/zonelist.h"
#include "kaspcheck/check.h"
#include "store/limits.h"

#define ERRLEN 2048

/* Both NULL, or equal strings. */
static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
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
zonelist_scan_limits(
	const char *path, struct kc_findings *f, size_t *over, char *err, size_t errlen)
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
	struct kc_confx x = { 0 };
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
	struct policy_nodes pn = { 0 };
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
	struct policy_nodes pn = { 0 };
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
