/*
 * cmd_policy.c - `policy export`, `policy list`, `policy purge`
 * (ksmutil-cli.md 6.2-6.5); `policy import` is `update kasp` (cmd_update.c).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "config/kasp.h"
#include "config/xml.h"
#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

/* ------------------------------------------------------------ export */

struct export_txn {
	const char *name; /* NULL: every policy */
	struct kasp_policy **policies;
	size_t n;
};

static void
export_clear(struct export_txn *e)
{
	for (size_t i = 0; i < e->n; i++)
		kasp_policy_free(e->policies[i]);
	free(e->policies);
	e->policies = NULL;
	e->n = 0;
}

static int
export_txn(db_t *db, void *arg)
{
	struct export_txn *e = arg;
	struct store_policy *list = NULL;
	size_t n = 0;
	int rc;

	export_clear(e);
	if (e->name) {
		e->policies = calloc(1, sizeof(*e->policies));
		if (!e->policies)
			return E_NOMEM;
		rc = store_policy_get(db, e->name, &e->policies[0]);
		if (rc == 0)
			e->n = 1;
		return rc;
	}
	/* 1.x order: creation order */
	rc = store_policy_list(db, STORE_ORDER_ID, &list, &n);
	if (rc != 0)
		goto out;
	e->policies = calloc(n + 1, sizeof(*e->policies));
	if (!e->policies) {
		rc = E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = store_policy_get(db, list[i].name, &e->policies[i]);
		if (rc == 0)
			e->n++;
	}
out:
	store_policy_free_array(list, n);
	return rc;
}

int
cmd_policy_export(struct ksm_ctx *ctx)
{
	struct export_txn e = { NULL, NULL, 0 };
	char *text = NULL;
	size_t len;
	enum ksm_exit status;
	int rc;

	if (ctx->opt.all && ctx->opt.policy) {
		printf("can not use --all with --policy\n");
		return KSM_EUSAGE;
	}
	if (!ctx->opt.all && !ctx->opt.policy) {
		printf("please specify either --policy <policy> or --all\n");
		return KSM_EUSAGE;
	}
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	e.name = ctx->opt.policy;
	rc = db_transact(ctx->db, DB_TXN_READ, export_txn, &e);
	if (rc == E_NOTFOUND && e.name) {
		/* 1.x printed an empty <KASP/> and exited 0 (quirk 15). */
		printf("Error: unable to find a policy named \"%s\" in database\n", e.name);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	if (kasp_format((const struct kasp_policy *const *)e.policies, e.n, &text, &len) != 0) {
		printf("Error: cannot build the policy document\n");
		status = KSM_ERUNTIME;
		goto out;
	}
	fwrite(text, 1, len, stdout);
	status = KSM_OK;
out:
	free(text);
	export_clear(&e);
	return status;
}

/* ------------------------------------------------------------ list */

struct list_txn {
	enum store_order order;
	struct store_policy *list;
	size_t n;
};

static int
list_txn(db_t *db, void *arg)
{
	struct list_txn *l = arg;

	store_policy_free_array(l->list, l->n);
	l->list = NULL;
	l->n = 0;
	return store_policy_list(db, l->order, &l->list, &l->n);
}

/* A key definition of a policy, for --json. */
static json_t *
keydef_json(const struct kasp_keydef *k, int ksk)
{
	json_t *o = json_object();
	int rc = 0;

	rc |= jset(o, "algorithm", jint(k->algorithm));
	rc |= jset(o, "bits", k->bits > 0 ? jint(k->bits) : json_null());
	rc |= jset(o, "lifetime_seconds", k->lifetime > 0 ? jint(k->lifetime) : json_null());
	rc |= jset(o, "repository", jstr(k->repository));
	rc |= jset(o, "standby", jint(k->standby));
	rc |= jset(o, "manual_rollover", jbool(k->manual_rollover));
	if (ksk)
		rc |= jset(o, "rfc5011", jbool(k->rfc5011));
	return jdone(o, rc);
}

/*
 * One policy of --json: the list's columns, its counts, and a summary of its
 * keys from the stored parameters (all of them: policy export).
 */
static json_t *
policy_json(struct ksm_ctx *ctx, const struct store_policy *p, int *dbrc)
{
	struct kasp_policy *kp = NULL;
	json_t *o;
	int rc = 0;

	if ((*dbrc = store_policy_get(ctx->db, p->name, &kp)) != 0)
		return NULL;
	o = json_object();
	rc |= jset(o, "name", jstr(p->name));
	rc |= jset(o, "description", jstr(p->description));
	rc |= jset(o, "zones", jint(p->zones));
	rc |= jset(o, "key_pairs", jint(p->keypairs));
	rc |= jset(o, "denial", jstr(kp->nsec3 ? "NSEC3" : "NSEC"));
	rc |= jset(o, "key_ttl_seconds", jint(kp->key_ttl));
	rc |= jset(o, "share_keys", jbool(kp->share_keys));
	rc |= jset(o, "ksk", keydef_json(&kp->ksk, 1));
	rc |= jset(o, "zsk", keydef_json(&kp->zsk, 0));
	kasp_policy_free(kp);
	if (rc != 0)
		*dbrc = E_NOMEM;
	return jdone(o, rc);
}

static int
policy_list_json(struct ksm_ctx *ctx, const struct list_txn *l)
{
	struct jdoc d;
	int rc = 0, out;

	jdoc_begin(&d);
	jdoc_array_begin(&d, "policies");
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		json_t *o = policy_json(ctx, &l->list[i], &rc);

		if (rc == 0)
			jdoc_array_add(&d, o);
	}
	jdoc_array_end(&d);
	out = jdoc_end(&d);
	if (rc != 0)
		return ksm_db_fail(ctx, rc);
	return out;
}

int
cmd_policy_list(struct ksm_ctx *ctx)
{
	struct list_txn l = { STORE_ORDER_NAME, NULL, 0 };
	int rc;

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return rc;
	rc = db_transact(ctx->db, DB_TXN_READ, list_txn, &l);
	if (rc != 0)
		return ksm_db_fail(ctx, rc);
	if (ctx->opt.json) {
		rc = policy_list_json(ctx, &l);
		store_policy_free_array(l.list, l.n);
		return rc;
	}
	printf("Policies:\n");
	printf("%-33s%s\n", "Name:", "Description:");
	for (size_t i = 0; i < l.n; i++)
		printf("%-32s %s\n", l.list[i].name,
			l.list[i].description ? l.list[i].description : "unset");
	printf("\n");
	store_policy_free_array(l.list, l.n);
	return KSM_OK;
}

/* ------------------------------------------------------------ purge */

struct purge_txn {
	struct strbuf text;
	char **purged; /* names of the deleted policies */
	size_t npurged;
};

static void
purge_clear(struct purge_txn *p)
{
	for (size_t i = 0; i < p->npurged; i++)
		free(p->purged[i]);
	free(p->purged);
	p->purged = NULL;
	p->npurged = 0;
}

static int
purge_txn(db_t *db, void *arg)
{
	struct purge_txn *p = arg;
	struct store_policy *list = NULL;
	size_t n = 0;
	int rc;

	strbuf_reset(&p->text);
	purge_clear(p);
	rc = store_policy_list(db, STORE_ORDER_ID, &list, &n);
	if (rc != 0)
		goto out;
	p->purged = calloc(n + 1, sizeof(*p->purged));
	if (!p->purged) {
		rc = E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (list[i].zones > 0)
			continue;
		strbuf_printf(&p->text, "No zones on policy %s; purging...\n", list[i].name);
		/*
		 * 1.x also purged the policy's keys from the HSM here. Key material
		 * is the key commands' business: a policy that still has key pairs
		 * stays until `key purge` has removed them.
		 */
		if (list[i].keypairs > 0) {
			strbuf_printf(&p->text, "Policy %s still has %d key pair(s); not purged\n",
				list[i].name, list[i].keypairs);
			continue;
		}
		rc = store_policy_delete(db, list[i].id);
		if (rc == E_EXISTS) {
			strbuf_printf(
				&p->text, "Policy %s is still in use; not purged\n", list[i].name);
			rc = 0;
			continue;
		}
		if (rc != 0)
			goto out;
		p->purged[p->npurged] = str_dup(list[i].name);
		if (!p->purged[p->npurged]) {
			rc = E_NOMEM;
			goto out;
		}
		p->npurged++;
	}
out:
	store_policy_free_array(list, n);
	return rc;
}

static int
purged(const struct purge_txn *p, const char *name)
{
	for (size_t i = 0; i < p->npurged; i++) {
		if (strcmp(p->purged[i], name) == 0)
			return 1;
	}
	return 0;
}

/*
 * Take the purged <Policy> elements out of kasp.xml (old file kept as
 * <kasp>.backup), keeping comments and the other policies.
 */
static int
kasp_file_remove(const char *path, const struct purge_txn *p)
{
	xmlDoc *doc = NULL;
	xmlNode *node, *next;
	char err[1024], *text = NULL, *backup = NULL;
	struct stat st;
	size_t len;
	int rc = -1, changed = 0;

	if (xml_read(path, &doc, err, sizeof(err)) != 0) {
		printf("Error: %s\n", err);
		goto out;
	}
	xml_strip_blanks(xmlDocGetRootElement(doc));
	for (node = xml_child(xmlDocGetRootElement(doc), "Policy"); node; node = next) {
		xmlChar *name = xmlGetProp(node, (const xmlChar *)"name");
		int hit = name && purged(p, (const char *)name);

		xmlFree(name);
		next = xml_next(node);
		if (!hit)
			continue;
		xmlUnlinkNode(node);
		xmlFreeNode(node);
		changed = 1;
	}
	if (!changed) {
		rc = 0;
		goto out;
	}
	if (xml_dump(doc, "\t", &text, &len) != 0 || stat(path, &st) != 0 ||
		!(backup = str_printf("%s.backup", path))) {
		printf("Error: cannot rewrite %s\n", path);
		goto out;
	}
	if (file_copy(path, backup, st.st_mode & 07777) != 0) {
		printf("Error: cannot back up %s to %s: %s\n", path, backup, strerror(errno));
		goto out;
	}
	if (file_write_atomic(path, text, len, st.st_mode & 07777) != 0) {
		printf("Cannot open kasp.xml for writing: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(backup);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

/* Before anything is purged: kasp.xml can be read and rewritten. */
static int
kasp_file_writable(const char *path)
{
	char err[1024], *dir = NULL;
	xmlDoc *doc = NULL;
	int ok = 0;

	if (access(path, W_OK) != 0) {
		printf("Cannot open kasp.xml for writing: %s\n", strerror(errno));
		goto out;
	}
	if (path_dirname(path, &dir) != 0 || access(dir, W_OK | X_OK) != 0) {
		printf("Cannot open kasp.xml for writing: %s\n", strerror(errno));
		goto out;
	}
	if (xml_read(path, &doc, err, sizeof(err)) != 0) {
		printf("Error: %s\n", err);
		goto out;
	}
	ok = 1;
out:
	if (doc)
		xmlFreeDoc(doc);
	free(dir);
	return ok;
}

int
cmd_policy_purge(struct ksm_ctx *ctx)
{
	struct purge_txn p;
	enum ksm_exit status;
	int rc;

	memset(&p, 0, sizeof(p));
	if (!ksm_confirm(ctx, "*WARNING* This feature is experimental and has not been fully "
			      "tested; are you sure? [y/N] "))
		return KSM_OK;
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	printf("zonelist filename set to %s.\n", ctx->conf->zonelist_file);
	printf("kasp filename set to %s.\n", ctx->conf->policy_file);
	if (!kasp_file_writable(ctx->conf->policy_file)) {
		status = KSM_ERUNTIME;
		goto out;
	}
	rc = db_transact(ctx->db, DB_TXN_WRITE, purge_txn, &p);
	ksm_text_flush(&p.text);
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	status = KSM_OK;
	if (p.npurged > 0 && kasp_file_remove(ctx->conf->policy_file, &p) != 0)
		status = KSM_ERUNTIME;
out:
	purge_clear(&p);
	strbuf_free(&p.text);
	return status;
}
