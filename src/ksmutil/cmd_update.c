/*
 * cmd_update.c - bring conf.xml, kasp.xml and zonelist.xml into the
 * database: `update kasp|zonelist|conf|all`, `policy import` (= update
 * kasp), `zonelist import` (= update zonelist) and the import half of
 * `setup` (ksmutil-cli.md 3, enforcer.md 2).
 *
 * Every file is read and checked before the database is touched; the
 * import itself is one transaction, so a failure anywhere leaves the
 * database as it was. What the transaction wants to print is collected in
 * a struct strbuf and printed once it is over (db_transact may run the
 * callback again after contention). The transaction itself is in
 * cmd_update_txn.c.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/dname.h"
#include "common/err.h"
#include "common/log.h"
#include "common/spawn.h"
#include "common/str.h"
#include "config/kasp.h"
#include "config/zonelist.h"
#include "config/zonelist_edit.h"
#include "ksmutil/cmd_update_internal.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

const char *const update_step_text[] = {
	[UPDATE_STEP_NONE] = "",
	[UPDATE_STEP_REPOSITORIES] = "repositories",
	[UPDATE_STEP_POLICIES] = "policies",
	[UPDATE_STEP_ZONES] = "zones",
};

/* ------------------------------------------------------------ failures */

int
update_fail_step(struct ksm_import *im, enum update_step step)
{
	printf("Failed to update %s\n", update_step_text[step]);
	if (im->setup)
		printf("SETUP FAILED\n");
	return KSM_EUSAGE;
}

/* ------------------------------------------------------------ ods-kaspcheck */

/* ods-kaspcheck beside the running program, else the installed one; malloc()ed. */
static char *
kaspcheck_path(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash, *path;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			path = str_printf("%s/ods-kaspcheck", self);
			if (path && access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}
	return str_dup(ODS_BINDIR "/ods-kaspcheck");
}

/*
 * Run `ods-kaspcheck -c <conf>` into im->check. Returns 0 when it ran
 * (whatever it said), -1 when it could not be run (the caller carries on).
 */
static int
kaspcheck_run(struct ksm_ctx *ctx, struct ksm_import *im)
{
	char *path = kaspcheck_path();
	const char *argv[4];
	int rc = -1;

	if (!path)
		goto out;
	argv[0] = path;
	argv[1] = "-c";
	argv[2] = ctx->opt.config;
	argv[3] = NULL;
	fflush(stdout);
	if (spawn_run(argv, NULL, NULL, 0, &im->check) != 0)
		goto out;
	im->have_check = 1;
	rc = 0;
out:
	free(path);
	return rc;
}

static void
kaspcheck_print(struct ksm_import *im)
{
	if (!im->have_check)
		return;
	fwrite(im->check.out, 1, im->check.outlen, stdout);
	fflush(stdout);
	fwrite(im->check.err, 1, im->check.errlen, stderr);
}

/* 0 when kasp.xml may be imported; prints ods-kaspcheck's complaints when not. */
static int
kaspcheck_verdict(struct ksm_import *im)
{
	if (!im->have_check) {
		fflush(stdout);
		fprintf(stderr, "Couldn't run ods-kaspcheck, will carry on\n");
		return 0;
	}
	if (im->check.exited && im->check.status == 0)
		return 0;
	kaspcheck_print(im);
	fprintf(stderr, "ods-kaspcheck returned an error, please check your policy\n");
	return -1;
}

/* ------------------------------------------------------------ the files */

static void
print_filenames(struct ksm_ctx *ctx)
{
	printf("zonelist filename set to %s.\n", ctx->conf->zonelist_file);
	printf("kasp filename set to %s.\n", ctx->conf->policy_file);
}

/* Names in the tree compare without their last byte (the spelling flag). */
static int
base_cmp(const void *a, const void *b)
{
	const char *x = a, *y = b;
	size_t lx = strlen(x), ly = strlen(y);
	int c = memcmp(x, y, (lx < ly ? lx : ly) - 1);

	if (c != 0)
		return c;
	return lx < ly ? -1 : lx > ly;
}

void
update_names_forget(struct ksm_import *im)
{
	tdestroy(im->names, free);
	im->names = NULL;
}

/*
 * Normalise the name of zone z (lower case, checked) and refuse a name
 * listed twice, or both with and without the trailing dot. The names seen
 * are kept in im->names, each without its trailing dot and followed by one
 * byte that says whether it had one. 0, or -1 with msg written, or E_NOMEM.
 */
int
update_check_zone(struct ksm_import *im, struct zonelist_zone *z, char *msg, size_t msglen)
{
	char err[512], *norm, *key, **found;
	size_t len;

	if (dname_normalise(z->name, 1, &norm, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "Error: %s in %s", err, im->zl_path);
		return -1;
	}
	free(z->name);
	z->name = norm;
	len = strlen(norm);
	key = malloc(len + 2);
	if (!key)
		return E_NOMEM;
	memcpy(key, norm, len + 1);
	if (len > 1 && norm[len - 1] == '.')
		key[len - 1] = '\2';
	else {
		key[len] = '\1';
		key[len + 1] = '\0';
	}
	found = tsearch(key, &im->names, base_cmp);
	if (!found) {
		free(key);
		return E_NOMEM;
	}
	if (*found == key)
		return 0;
	len = strlen(key);
	snprintf(msg, msglen, "Error Importing zone %.*s; it %s", (int)(len - 1), key,
		(*found)[len - 1] != key[len - 1]
			? "already exists both with and without a trailing dot"
			: "is listed more than once");
	free(key);
	return -1;
}

/*
 * Read zonelist.xml once before anything is changed, with the streaming
 * reader: valid against the schema, names as update_check_zone() wants them; for
 * setup also the first zone whose policy kasp.xml lacks. Only the names
 * are kept, and only until it returns. Prints the problem; 0 or -1.
 */
static int
precheck_zonelist(struct ksm_import *im)
{
	struct zonelist_reader *r = NULL;
	struct zonelist_zone *z;
	char msg[1024];
	int rc;

	rc = zonelist_reader_open(im->zl_path, &r, msg, sizeof(msg));
	while (rc == 0 && (rc = zonelist_reader_next(r, &z, msg, sizeof(msg))) == 1) {
		rc = update_check_zone(im, z, msg, sizeof(msg));
		if (rc == 0 && im->setup && !im->missing_policy &&
			!kasp_find(im->kasp, z->policy) &&
			!(im->missing_policy = str_dup(z->policy)))
			rc = E_NOMEM;
		if (rc == -1) {
			printf("%s\n", msg);
			goto out;
		}
	}
	if (rc == E_NOMEM)
		printf("Error: out of memory\n");
	else if (rc != 0)
		printf("Error: %s\n", msg);
out:
	update_names_forget(im);
	zonelist_reader_close(r);
	return rc == 0 ? 0 : -1;
}

/* Read the files the import needs; prints the problem and returns an exit status. */
static int
load_files(struct ksm_ctx *ctx, struct ksm_import *im)
{
	char err[1024];

	if (im->do_kasp && kasp_load(ctx->conf->policy_file, &im->kasp, err, sizeof(err)) != 0) {
		printf("Error: %s\n", err);
		return update_fail_step(im, UPDATE_STEP_POLICIES);
	}
	im->zl_path = ctx->conf->zonelist_file;
	/*
	 * A zone add or delete on this host edits the file and the database
	 * under this lock: held until the import has committed, so that none
	 * of theirs is undone by an import of the file read before it.
	 */
	if (im->do_zonelist && !im->zl_locked) {
		im->zl_lock = zonelist_lock(im->zl_path);
		im->zl_locked = 1;
	}
	/*
	 * Alone, the zone list is checked by the transaction's own pass (its
	 * failures print what this would have). With other files, or for
	 * setup, it is checked first, so that nothing else happens (a policy
	 * import, kaspcheck, the reset) when it is bad.
	 */
	if (im->do_zonelist && (im->do_conf || im->do_kasp) && precheck_zonelist(im) != 0)
		return update_fail_step(im, UPDATE_STEP_ZONES);
	return KSM_OK;
}

/* ------------------------------------------------------------ algorithm changes */

static int
add_change(struct ksm_import *im, const char *policy, const char *keytype, int from, int to)
{
	struct update_algo_change *c = realloc(im->changes, (im->nchanges + 1) * sizeof(*c));

	if (!c)
		return E_NOMEM;
	im->changes = c;
	c[im->nchanges].policy = policy;
	c[im->nchanges].keytype = keytype;
	c[im->nchanges].from = from;
	c[im->nchanges].to = to;
	im->nchanges++;
	return 0;
}

static int
find_changes_txn(db_t *db, void *arg)
{
	struct ksm_import *im = arg;
	struct kasp_policy *old;
	int rc = 0;

	im->nchanges = 0;
	for (size_t i = 0; i < im->kasp->npolicies && rc == 0; i++) {
		const struct kasp_policy *p = &im->kasp->policies[i];

		rc = store_policy_get(db, p->name, &old);
		if (rc == E_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		if (old->ksk.algorithm != p->ksk.algorithm)
			rc = add_change(im, p->name, "KSK", old->ksk.algorithm, p->ksk.algorithm);
		if (rc == 0 && old->zsk.algorithm != p->zsk.algorithm)
			rc = add_change(im, p->name, "ZSK", old->zsk.algorithm, p->zsk.algorithm);
		kasp_policy_free(old);
	}
	return rc;
}

/*
 * Compare the KSK/ZSK algorithms with the database and ask before changing
 * any. Returns -1 to go on, or the exit status to stop with.
 */
static int
confirm_changes(struct ksm_ctx *ctx, struct ksm_import *im)
{
	int rc, c;

	rc = db_transact(ctx->db, DB_TXN_READ, find_changes_txn, im);
	if (rc != 0)
		return ksm_db_fail(ctx, rc);
	if (im->nchanges == 0)
		return -1;
	printf("\n\nAlgorithm change attempted... details:\n");
	for (size_t i = 0; i < im->nchanges; i++)
		printf("Policy: %s, %s algorithm changed from %d to %d.\n", im->changes[i].policy,
			im->changes[i].keytype, im->changes[i].from, im->changes[i].to);
	if (ctx->opt.force || ctx->opt.yes)
		return -1;
	printf("*WARNING* This will change the algorithms used as noted above. Algorithm "
	       "rollover is _not_ supported by OpenDNSSEC and zones may break. Are you sure? "
	       "[y/N] ");
	fflush(stdout);
	c = getchar();
	if (c == 'y' || c == 'Y')
		return -1;
	printf("\nOkay, quitting...\n");
	return KSM_OK;
}

static void
log_changes(struct ksm_import *im)
{
	struct strbuf t = STRBUF_INIT;

	if (im->nchanges == 0)
		return;
	for (size_t i = 0; i < im->nchanges; i++)
		strbuf_printf(&t, " Policy: %s, %s algorithm changed from %d to %d.",
			im->changes[i].policy, im->changes[i].keytype, im->changes[i].from,
			im->changes[i].to);
	if (strbuf_status(&t) == 0)
		log_syslog_once("ods-ksmutil", LOG_DAEMON, LOG_INFO,
			"Algorithm changes made, details: %s", strbuf_text(&t));
	strbuf_free(&t);
}

/* ------------------------------------------------------------ update */

static int
update_run(struct ksm_ctx *ctx, int conf, int kasp, int zonelist)
{
	struct ksm_import *im;
	int rc;

	im = calloc(1, sizeof(*im));
	if (!im) {
		printf("Error: out of memory\n");
		return KSM_ERUNTIME;
	}
	im->do_conf = conf;
	im->do_kasp = kasp;
	im->do_zonelist = zonelist;
	im->now = clock_now();

	if ((rc = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		goto out;
	if (kasp || zonelist)
		print_filenames(ctx);
	if ((rc = load_files(ctx, im)) != KSM_OK)
		goto out;
	if (kasp) {
		kaspcheck_run(ctx, im);
		if (kaspcheck_verdict(im) != 0) {
			rc = update_fail_step(im, UPDATE_STEP_POLICIES);
			goto out;
		}
		kaspcheck_print(im);
		rc = confirm_changes(ctx, im);
		if (rc >= 0)
			goto out;
	}
	if ((rc = update_import_run(ctx, im)) != KSM_OK)
		goto out;
	log_changes(im);
	ksm_notify_enforcer(ctx);
out:
	update_import_free(im);
	return rc;
}

int
cmd_update(struct ksm_ctx *ctx)
{
	static const struct {
		const char *word;
		int conf, kasp, zonelist;
	} quals[] = {
		{ "KASP", 0, 1, 0 },
		{ "ZONELIST", 0, 0, 1 },
		{ "CONF", 1, 0, 0 },
		{ "ALL", 1, 1, 1 },
	};

	if (ctx->verb) {
		for (size_t i = 0; i < sizeof(quals) / sizeof(quals[0]); i++) {
			if (str_prefix_ci(ctx->verb, quals[i].word))
				return update_run(
					ctx, quals[i].conf, quals[i].kasp, quals[i].zonelist);
		}
	}
	/* 1.x exited 0 here after taking a backup; we stop before touching anything. */
	printf("Unrecognised command update ");
	for (const char *p = ctx->verb ? ctx->verb : "NULL"; *p; p++)
		putchar(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	printf(". Please specify one of:\n");
	fflush(stdout);
	ksm_usage(ctx, USAGE_UPDATE, 0);
	return KSM_EUSAGE;
}

int
cmd_policy_import(struct ksm_ctx *ctx)
{
	return update_run(ctx, 0, 1, 0);
}

int
cmd_zonelist_import(struct ksm_ctx *ctx)
{
	return update_run(ctx, 0, 0, 1);
}

/* ------------------------------------------------------------ setup */

/*
 * Before the reset: every policy's repositories are in conf.xml, every
 * zone's policy in kasp.xml.
 */
static int
setup_cross_check(struct ksm_ctx *ctx, struct ksm_import *im)
{
	for (size_t i = 0; i < im->kasp->npolicies; i++) {
		const struct kasp_policy *p = &im->kasp->policies[i];
		const char *repo[2] = { p->ksk.repository, p->zsk.repository };

		for (int k = 0; k < 2; k++) {
			if (conf_repository(ctx->conf, repo[k]))
				continue;
			printf("Policy %s found\n", p->name);
			printf("Error: unable to find repository %s\n", repo[k]);
			printf("Please either add the repository to conf.xml or remove the "
			       "reference to it from kasp.xml\n");
			return update_fail_step(im, UPDATE_STEP_POLICIES);
		}
	}
	if (im->missing_policy) {
		printf("ERROR, can't find policy %s.\n", im->missing_policy);
		return update_fail_step(im, UPDATE_STEP_ZONES);
	}
	return KSM_OK;
}

int
ksm_setup_prepare(struct ksm_ctx *ctx, struct ksm_import **out)
{
	struct ksm_import *im;
	int rc;

	im = calloc(1, sizeof(*im));
	if (!im) {
		printf("Error: out of memory\n");
		return KSM_ERUNTIME;
	}
	im->setup = 1;
	im->do_conf = im->do_kasp = im->do_zonelist = 1;
	im->now = clock_now();
	if ((rc = load_files(ctx, im)) != KSM_OK)
		goto out;
	if ((rc = setup_cross_check(ctx, im)) != KSM_OK)
		goto out;
	/* ods-kaspcheck's output is printed where 1.x printed it, unless it refuses. */
	kaspcheck_run(ctx, im);
	if (im->have_check && kaspcheck_verdict(im) != 0) {
		rc = update_fail_step(im, UPDATE_STEP_POLICIES);
		goto out;
	}
out:
	if (rc == KSM_OK)
		*out = im;
	else
		update_import_free(im);
	return rc;
}

int
ksm_setup_import(struct ksm_ctx *ctx, struct ksm_import *im)
{
	print_filenames(ctx);
	fflush(stdout);
	if (!im->have_check)
		fprintf(stderr, "Couldn't run ods-kaspcheck, will carry on\n");
	else
		fwrite(im->check.err, 1, im->check.errlen, stderr);
	return update_import_run(ctx, im);
}

void
ksm_setup_release(struct ksm_import *im)
{
	update_import_free(im);
}
