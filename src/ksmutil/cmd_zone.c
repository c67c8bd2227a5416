/*
 * cmd_zone.c - `zone add`, `zone delete`, `zone list` (ksmutil-cli.md 4.1-4.3).
 *
 * The database is the truth and changes first, in one transaction;
 * zonelist.xml is edited only once that has committed. When the file
 * cannot be written afterwards the user is told to regenerate it with
 * `zonelist export`, as 1.x did.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/dname.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "config/zonelist.h"
#include "config/zonelist_edit.h"
#include "enforcer/run.h"
#include "enforcer/signconf.h"
#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"

static const char export_hint[] =
	"please run \"ods-ksmutil zonelist export\" to update zonelist.xml";

/* ------------------------------------------------------------ zone add */

/* A user-given path made absolute against the working directory (1.x did the same). */
static char *
absolute(const char *path)
{
	char *cwd, *out = NULL;

	if (path[0] == '/')
		return str_dup(path);
	cwd = getcwd(NULL, 0);
	if (cwd)
		out = str_printf("%s/%s", cwd, path);
	free(cwd);
	return out;
}

/* "File"/"DNS" (1.x: the value must start with one of them; stored as typed). */
static int
adapter_type_ok(const char *t)
{
	return strncmp(t, "DNS", 3) == 0 || strncmp(t, "File", 4) == 0;
}

/*
 * Can zonelist.xml be rewritten (with its .backup copy)? Checked before
 * the database changes. Directory permission bits do not stop root, so
 * the checks also look at what the paths are.
 */
static int
zonelist_writable(const char *zonelist)
{
	char *backup = str_printf("%s.backup", zonelist), *dir = NULL;
	struct stat st;
	int ok = 0;

	if (!backup)
		goto out;
	/* gone by the access(): another add or delete has it under a temporary name meanwhile */
	if (stat(backup, &st) == 0) {
		if (!S_ISREG(st.st_mode) || (access(backup, W_OK) != 0 && errno != ENOENT))
			goto out;
	} else if (errno != ENOENT) {
		goto out;
	}
	/* 1.x looked at $CFGDIR; the file's own directory is what matters (quirk 16). */
	if (path_dirname(zonelist, &dir) != 0)
		goto out;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0)
		goto out;
	if (stat(zonelist, &st) == 0 && !S_ISREG(st.st_mode))
		goto out;
	ok = 1;
out:
	if (!ok)
		printf("ERROR: The backup file %s can not be written.\n",
			backup ? backup : zonelist);
	free(backup);
	free(dir);
	return ok;
}

struct add_txn {
	struct store_zone *zone;
	const struct conf *conf;
	time_t now;
	int dot_clash;
	struct run_link link;
};

/* The zone row and, on a ShareKeys policy, its shared keys (§3.7): one transaction. */
static int
add_txn(db_t *db, void *arg)
{
	struct add_txn *a = arg;
	int64_t id = 0;
	int rc;

	a->dot_clash = 0;
	rc = store_zone_add(db, a->zone, &id, &a->dot_clash);
	if (rc == 0)
		rc = run_link_zone(db, a->conf, a->now, id, a->zone->policy, &a->link);
	return rc;
}

static void
print_line(void *ctx, int prio, const char *line)
{
	(void)ctx;
	(void)prio;
	printf("%s\n", line);
}

int
cmd_zone_add(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct store_zone z;
	struct zonelist_zone xz;
	struct zonelist_edit *ed = NULL;
	struct add_txn a;
	struct stat sst;
	const char *stem;
	char err[1024], *name = NULL;
	enum ksm_exit status;
	int rc, listed = 0;

	memset(&z, 0, sizeof(z));
	if (!o->zone) {
		printf("Please specify a zone with the --zone option\n");
		fflush(stdout);
		ksm_usage(ctx, USAGE_ZONE, 0);
		return KSM_EUSAGE;
	}
	if (dname_normalise(o->zone, 0, &name, err, sizeof(err)) != 0) {
		printf("Error: %s\n", err);
		return KSM_EUSAGE;
	}
	if (o->in_type && !adapter_type_ok(o->in_type)) {
		printf("Error: Unrecognised in-type %s; should be one of DNS or File\n",
			o->in_type);
		status = KSM_EUSAGE;
		goto out;
	}
	if (o->out_type && !adapter_type_ok(o->out_type)) {
		printf("Error: Unrecognised out-type %s; should be one of DNS or File\n",
			o->out_type);
		status = KSM_EUSAGE;
		goto out;
	}
	if (o->signerconf && o->signerconf[0] == '\0') {
		printf("Error: --signerconf needs a file name\n");
		status = KSM_EUSAGE;
		goto out;
	}
	if (o->signerconf && stat(o->signerconf, &sst) == 0 && S_ISDIR(sst.st_mode)) {
		printf("Error: the signer configuration %s is a directory\n", o->signerconf);
		status = KSM_EUSAGE;
		goto out;
	}
	/* the default file names; the root zone's name would be the directory itself */
	stem = strcmp(name, ".") == 0 ? "root" : name;
	z.name = name;
	z.policy = (char *)(o->policy ? o->policy : "default");
	z.input_type = str_dup(o->in_type ? o->in_type : "File");
	z.output_type = str_dup(o->out_type ? o->out_type : "File");
	if (o->signerconf)
		z.signconf = absolute(o->signerconf);
	else
		z.signconf = str_printf("%s/signconf/%s.xml", ODS_STATEDIR, stem);
	if (o->input)
		z.input = absolute(o->input);
	else if (strcmp(z.input_type, "DNS") == 0)
		z.input = str_dup(ODS_CONFDIR "/addns.xml");
	else
		z.input = str_printf("%s/unsigned/%s", ODS_STATEDIR, stem);
	if (o->output)
		z.output = absolute(o->output);
	else if (strcmp(z.output_type, "DNS") == 0)
		z.output = str_dup(ODS_CONFDIR "/addns.xml");
	else
		z.output = str_printf("%s/signed/%s", ODS_STATEDIR, stem);
	if (!z.input_type || !z.output_type || !z.signconf || !z.input || !z.output) {
		printf("Error: out of memory\n");
		status = KSM_ERUNTIME;
		goto out;
	}

	/* 1.x's wording, trailing space and grammar included: scripts grep it. */
	if (access(z.input, F_OK) != 0)
		printf("WARNING: The input file %s for zone %s does not currently exist. The zone "
		       "will been added to the database anyway. \n",
			z.input, name);
	if (strcmp(z.output_type, "DNS") == 0 && access(z.output, F_OK) != 0)
		printf("WARNING: The output file %s for zone %s does not currently exist. \n",
			z.output, name);

	if ((status = ksm_load_conf(ctx)) != KSM_OK)
		goto out;
	printf("zonelist filename set to %s.\n", ctx->conf->zonelist_file);
	if (!o->no_xml) {
		if (!zonelist_writable(ctx->conf->zonelist_file)) {
			status = KSM_EUSAGE;
			goto out;
		}
		/*
		 * A broken file is found now, before the database changes; the
		 * session's lock keeps other zone adds and deletes on this host
		 * out of the file until this one has written it.
		 */
		if (zonelist_edit_open(ctx->conf->zonelist_file,
			    ZONELIST_EDIT_MAY_BE_MISSING | ZONELIST_EDIT_FOR_ADD, name, &ed, err,
			    sizeof(err)) != 0) {
			printf("Error: %s\n", err);
			status = KSM_EUSAGE;
			goto out;
		}
		listed = zonelist_edit_listed(ed, name);
		if (listed < 0) {
			printf("Error: %s: out of memory\n", ctx->conf->zonelist_file);
			status = KSM_ERUNTIME;
			goto out;
		}
	}
	if (!o->no_xml && !listed) {
		/*
		 * The new zonelist.xml is written now, so that the device works on
		 * it while the database changes; it is only put in place (and
		 * .backup made) once the zone is in the database, and removed
		 * when the database refuses it.
		 */
		memset(&xz, 0, sizeof(xz));
		xz.name = name;
		xz.policy = z.policy;
		xz.signconf = z.signconf;
		xz.input = z.input;
		xz.input_type = z.input_type;
		xz.output = z.output;
		xz.output_type = z.output_type;
		if (zonelist_edit_add(ed, &xz, err, sizeof(err)) != 0 ||
			zonelist_edit_stage(ed, err, sizeof(err)) != 0) {
			printf("%s\n", err);
			printf("Error: couldn't save zonelist; the zone was not added\n");
			status = KSM_ERUNTIME;
			goto out;
		}
	}
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		goto out;

	memset(&a, 0, sizeof(a));
	a.zone = &z;
	a.conf = ctx->conf;
	a.now = clock_now();
	rc = db_transact(ctx->db, DB_TXN_WRITE, add_txn, &a);
	if (rc == E_NOTFOUND) {
		printf("Error, can't find policy : %s\n", z.policy);
		printf("Failed to update zones\n");
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc == E_EXISTS || rc == DB_E_CONSTRAINT) {
		if (a.dot_clash)
			printf("Failed to Import zone %s; it already exists both with and without "
			       "a trailing dot\n",
				name);
		else
			printf("Failed to Import zone %s; it already exists\n", name);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		printf("Failed to Import zone\n");
		goto out;
	}

	run_link_lines(&a.link, name, ctx->conf->manual_keygen, print_line, NULL);
	if (a.link.short_of[0] || a.link.short_of[1])
		printf("Failed to Link Keys to zone\n");

	if (!o->no_xml && !listed) {
		if (zonelist_edit_save(ed, err, sizeof(err)) != 0) {
			const char *f = ctx->conf->zonelist_file;

			printf("%s\n", err);
			if (strncmp(err, "cannot back up", 14) == 0)
				printf("Error: Backup %s.backup FAILED, please backup %s.backup "
				       "manually and run \"ods-ksmutil zonelist export\" to update "
				       "zonelist.xml\n",
					f, f);
			else
				printf("Error: couldn't save zonelist, %s\n", export_hint);
			status = KSM_ERUNTIME;
			goto out;
		}
	}
	if (o->no_xml)
		printf("Imported zone: %s into database only, %s\n", name, export_hint);
	else
		printf("Imported zone: %s\n", name);
	status = KSM_OK;
out:
	zonelist_edit_close(ed);
	free(z.input_type);
	free(z.output_type);
	free(z.signconf);
	free(z.input);
	free(z.output);
	free(name);
	return status;
}

/* ------------------------------------------------------------ zone delete */

struct delete_txn {
	const char *name; /* NULL: every zone */
	time_t now;
	char **signconfs; /* of the deleted rows */
	size_t nsignconfs;
};

static void
free_signconfs(struct delete_txn *d)
{
	for (size_t i = 0; i < d->nsignconfs; i++)
		free(d->signconfs[i]);
	free(d->signconfs);
	d->signconfs = NULL;
	d->nsignconfs = 0;
}

static int
delete_txn(db_t *db, void *arg)
{
	struct delete_txn *d = arg;
	struct store_zone *zones = NULL, *one = NULL;
	size_t n = 0;
	int rc;

	free_signconfs(d);
	if (d->name) {
		rc = store_zone_get(db, d->name, &one);
		if (rc != 0)
			goto out;
		zones = one;
		n = 1;
	} else {
		rc = store_zone_list(db, STORE_ORDER_ID, &zones, &n);
		if (rc != 0)
			goto out;
	}
	d->signconfs = calloc(n + 1, sizeof(*d->signconfs));
	if (!d->signconfs) {
		rc = E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (zones[i].signconf && zones[i].signconf[0])
			d->signconfs[d->nsignconfs++] = zones[i].signconf;
		zones[i].signconf = NULL;
	}
	rc = d->name ? store_zone_delete(db, d->name, d->now)
		     : store_zone_delete_all(db, d->now, NULL);
out:
	if (one)
		store_zone_free(one);
	else
		store_zone_free_array(zones, n);
	return rc;
}

/* Is path the same file as one of the configuration files in use? */
static int
is_config_file(const struct ksm_ctx *ctx, const struct stat *st)
{
	const char *cfg[3] = { ctx->opt.config ? ctx->opt.config : ODS_CONFDIR "/conf.xml",
		ctx->conf->policy_file, ctx->conf->zonelist_file };
	struct stat c;

	for (size_t i = 0; i < 3; i++) {
		if (cfg[i] && stat(cfg[i], &c) == 0 && c.st_dev == st->st_dev &&
			c.st_ino == st->st_ino)
			return 1;
	}
	return 0;
}

/*
 * Rename a signconf so a zone added again later does not pick up the old
 * one, and drop its "<signconf>.notify" (see signconf.h). Only a regular
 * file that is not a configuration file is renamed: the stored path is
 * whatever `zone add --signerconf` was given.
 */
static int
retire_signconf(const struct ksm_ctx *ctx, const char *path)
{
	char *to = str_printf("%s.ZONE_DELETED", path);
	struct stat st;
	int rc = 0;

	if (!to)
		return -1;
	if (lstat(path, &st) != 0) {
		if (errno != ENOENT) {
			printf("Could not rename: %s -> %s\n", path, to);
			rc = -1;
		}
	} else if (!S_ISREG(st.st_mode) || is_config_file(ctx, &st)) {
		printf("Not renaming %s: it is %s, not a signer configuration\n", path,
			S_ISDIR(st.st_mode)   ? "a directory"
			: S_ISREG(st.st_mode) ? "a configuration file"
					      : "not a regular file");
	} else if (rename(path, to) != 0 && errno != ENOENT) {
		printf("Could not rename: %s -> %s\n", path, to);
		rc = -1;
	}
	/* a notice the daemon still owed the signer is moot now */
	signconf_unnote(path);
	free(to);
	return rc;
}

static int
seen(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			return 1;
	}
	return 0;
}

int
cmd_zone_delete(struct ksm_ctx *ctx)
{
	const struct ksm_opts *o = &ctx->opt;
	struct delete_txn d;
	struct zonelist_edit *ed = NULL;
	char err[1024], *typed = NULL, *name = NULL, **file_signconfs = NULL;
	enum ksm_exit status;
	int rc;

	memset(&d, 0, sizeof(d));
	if (o->all && o->zone) {
		printf("can not use --all with --zone\n");
		return KSM_EUSAGE;
	}
	if (!o->all && !o->zone) {
		printf("please specify either --zone <zone> or --all\n");
		return KSM_EUSAGE;
	}
	if (o->all && !ksm_confirm(ctx, "*WARNING* This will remove all zones from OpenDNSSEC; "
					"are you sure? [y/N] "))
		return KSM_OK;
	if (o->zone) {
		/* zone delete is deliberately not dot-agnostic: "foo." deletes exactly "foo." */
		typed = str_printf("%s%s", o->zone, o->zone_had_dot ? "." : "");
		if (!typed) {
			printf("Error: out of memory\n");
			return KSM_ERUNTIME;
		}
		if (dname_normalise(typed, 1, &name, err, sizeof(err)) != 0) {
			printf("Error: %s\n", err);
			status = KSM_EUSAGE;
			goto out;
		}
	}
	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		goto out;
	if (!o->no_xml) {
		printf("zonelist filename set to %s.\n", ctx->conf->zonelist_file);
		/*
		 * A file that cannot be edited is found now, before the database
		 * changes (locked from here until it is written, as zone add).
		 */
		if (!zonelist_writable(ctx->conf->zonelist_file)) {
			status = KSM_EUSAGE;
			goto out;
		}
		if (zonelist_edit_open(ctx->conf->zonelist_file, ZONELIST_EDIT_MAY_BE_MISSING, name,
			    &ed, err, sizeof(err)) != 0) {
			printf("Error: %s\n", err);
			status = KSM_EUSAGE;
			goto out;
		}
	}

	/* The database first (1.x rewrote the file before finding out the zone was unknown). */
	d.name = name;
	d.now = clock_now();
	rc = db_transact(ctx->db, DB_TXN_WRITE, delete_txn, &d);
	if (rc == E_NOTFOUND && name) {
		printf("Couldn't find zone %s\n", typed);
		status = KSM_EUSAGE;
		goto out;
	}
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		printf("Error: failed to remove zone%s from database\n", name ? "" : "s");
		goto out;
	}

	status = KSM_OK;
	/* (No zonelist.xml at all is an empty list: nothing is written.) */
	if (ed) {
		if (zonelist_edit_remove(ed, name, &file_signconfs, err, sizeof(err)) != 0 ||
			zonelist_edit_save(ed, err, sizeof(err)) != 0) {
			printf("%s\n", err);
			printf("Could not save %s; %s\n", ctx->conf->zonelist_file, export_hint);
			status = KSM_ERUNTIME;
		}
	}
	for (size_t i = 0; i < d.nsignconfs; i++) {
		if (retire_signconf(ctx, d.signconfs[i]) != 0)
			status = KSM_ERUNTIME;
	}
	for (size_t i = 0; file_signconfs && file_signconfs[i]; i++) {
		if (file_signconfs[i][0] && !seen(d.signconfs, d.nsignconfs, file_signconfs[i]) &&
			retire_signconf(ctx, file_signconfs[i]) != 0)
			status = KSM_ERUNTIME;
	}
	/*
	 * 1.x ran `ods-signer update` here (single zones only); telling the
	 * signer is the signer's business in this project.
	 */
	if (o->no_xml) {
		if (name)
			printf("Deleted zone: %s from database only, %s\n", typed, export_hint);
		else
			printf("Deleted all zones from database only, %s\n", export_hint);
	}
out:
	zonelist_edit_close(ed);
	zonelist_strv_free(file_signconfs);
	free_signconfs(&d);
	free(name);
	free(typed);
	return status;
}

/* ------------------------------------------------------------ zone list */

/* A growing vector of malloc()ed strings. */
struct strv {
	char **v;
	size_t n, cap;
	int nomem;
};

/* Append s (taken over: freed on failure). */
static void
strv_take(struct strv *sv, char *s)
{
	if (!s || sv->nomem) {
		sv->nomem = 1;
		free(s);
		return;
	}
	if (sv->n == sv->cap) {
		char **grown = realloc(sv->v, (sv->cap ? sv->cap * 2 : 1024) * sizeof(*grown));

		if (!grown) {
			sv->nomem = 1;
			free(s);
			return;
		}
		sv->v = grown;
		sv->cap = sv->cap ? sv->cap * 2 : 1024;
	}
	sv->v[sv->n++] = s;
}

static void
strv_fini(struct strv *sv)
{
	while (sv->n > 0)
		free(sv->v[--sv->n]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A sorted copy of the pointers of sv, for has(); NULL when out of memory. */
static char **
sorted_copy(const struct strv *sv)
{
	char **sorted = malloc((sv->n + 1) * sizeof(*sorted));

	if (sorted && sv->n > 0) {
		memcpy(sorted, sv->v, sv->n * sizeof(*sorted));
		qsort(sorted, sv->n, sizeof(*sorted), strp_cmp);
	}
	return sorted;
}

/* Whether name is in sorted (strcmp stops at the first NUL: "name\0policy" entries work). */
static int
has(char **sorted, size_t n, const char *name)
{
	return n > 0 && bsearch(&name, sorted, n, sizeof(*sorted), strp_cmp) != NULL;
}

/*
 * The zones of zonelist.xml, read with the streaming reader, as "name\0policy"
 * strings in file order, names lower case as the database keeps them. On a
 * bad file, nothing (and the 1.x line, then why).
 */
static int
list_file_zones(const char *path, struct strv *file)
{
	struct zonelist_reader *r = NULL;
	struct zonelist_zone *z;
	char err[1024], *norm;
	int rc;

	rc = zonelist_reader_open(path, &r, err, sizeof(err));
	while (rc == 0 && (rc = zonelist_reader_next(r, &z, err, sizeof(err))) == 1) {
		rc = 0;
		if (dname_normalise(z->name, 1, &norm, NULL, 0) == 0) {
			free(z->name);
			z->name = norm;
		}
		strv_take(file, str_printf("%s%c%s", z->name, '\0', z->policy));
	}
	zonelist_reader_close(r);
	if (rc != 0) {
		printf("%s : failed to parse\n", path);
		printf("Error: %s\n", err);
		strv_fini(file);
		return -1;
	}
	return 0;
}

/* What the database pass of zone list carries from row to row. */
struct zone_list_pass {
	struct strv names;  /* the database's zone names (text output) */
	struct jdoc *json;  /* --json: the document, else NULL */
	char **file_sorted; /* --json: the file's zones, sorted, for in_zonelist */
	size_t nfile;
};

/* One zone of the --json output; the database's fields null for a zone only in the file. */
static json_t *
zone_json(const char *name, const char *policy, const struct store_zone *z, int in_db, int in_file)
{
	json_t *o = json_object();
	int rc = 0;

	rc |= jset(o, "name", jstr(name));
	rc |= jset(o, "policy", jstr(policy));
	rc |= jset(o, "signer_configuration", jstr(z ? z->signconf : NULL));
	rc |= jset(o, "input_type", jstr(z ? z->input_type : NULL));
	rc |= jset(o, "input", jstr(z ? z->input : NULL));
	rc |= jset(o, "output_type", jstr(z ? z->output_type : NULL));
	rc |= jset(o, "output", jstr(z ? z->output : NULL));
	rc |= jset(o, "in_database", jbool(in_db));
	rc |= jset(o, "in_zonelist", jbool(in_file));
	return jdone(o, rc);
}

/* Section 1: each zone of the database as it comes; its name is kept. */
static int
list_db_zone(void *arg, const struct store_zone *z)
{
	struct zone_list_pass *p = arg;

	if (p->json != NULL)
		jdoc_array_add(p->json, zone_json(z->name, z->policy, z, 1,
						has(p->file_sorted, p->nfile, z->name)));
	else
		printf("Found Zone: %s; on policy %s\n", z->name, z->policy ? z->policy : "");
	strv_take(&p->names, str_dup(z->name));
	return p->names.nomem ? E_NOMEM : 0;
}

/*
 * Read-only (quirk 1): the zones come from the database; zonelist.xml is
 * only compared with it, so the two mismatch lines of 1.x still appear.
 * The database's zones are printed row by row from one query; only names
 * (and the file's policies) are kept for the comparison.
 */
int
cmd_zone_list(struct ksm_ctx *ctx)
{
	struct zone_list_pass p = { .json = NULL };
	struct strv file = { 0 };
	char **db_sorted = NULL, **file_sorted = NULL;
	struct stat st;
	struct jdoc d;
	enum ksm_exit status;
	int rc, file_state = 0; /* 0 read, 1 missing, 2 does not parse */

	if ((status = ksm_open_db(ctx, 0, 1)) != KSM_OK)
		return status;
	printf("zonelist filename set to %s.\n", ctx->conf->zonelist_file);
	if (stat(ctx->conf->zonelist_file, &st) != 0) {
		printf("Unable to open %s\n", ctx->conf->zonelist_file);
		file_state = 1;
	} else if (list_file_zones(ctx->conf->zonelist_file, &file) != 0) {
		file_state = 2;
	}
	if (file.nomem || (file_sorted = sorted_copy(&file)) == NULL)
		goto nomem;
	if (ctx->opt.json) {
		jdoc_begin(&d);
		jdoc_field(&d, "zonelist_file", jstr(ctx->conf->zonelist_file));
		jdoc_field(&d, "zonelist_state",
			jstr(file_state == 0      ? "valid"
				: file_state == 1 ? "missing"
						  : "invalid"));
		jdoc_array_begin(&d, "zones");
		p.json = &d;
		p.file_sorted = file_sorted;
		p.nfile = file.n;
	}
	rc = store_zone_each(ctx->db, list_db_zone, &p);
	if (rc == 0 && p.names.nomem)
		rc = E_NOMEM;
	if (rc == 0 && (db_sorted = sorted_copy(&p.names)) == NULL)
		rc = E_NOMEM;
	for (size_t i = 0; rc == 0 && i < file.n; i++) {
		const char *name = file.v[i], *policy = name + strlen(name) + 1;

		if (has(db_sorted, p.names.n, name))
			continue;
		if (p.json != NULL)
			jdoc_array_add(&d, zone_json(name, policy, NULL, 0, 1));
		else
			printf("Found Zone: %s (zone not in database); on policy %s\n", name,
				policy);
	}
	if (p.json != NULL) {
		jdoc_array_end(&d);
		/* closed even after a failure, so that what was printed stays one document */
		if (jdoc_end(&d) != KSM_OK && rc == 0)
			rc = E_NOMEM;
	} else {
		for (size_t i = 0; rc == 0 && i < p.names.n; i++) {
			if (!has(file_sorted, file.n, p.names.v[i]))
				printf("Found zone %s in DB but not zonelist.\n", p.names.v[i]);
		}
		if (rc == 0 && p.names.n == 0 && file.n == 0)
			printf("No zones in DB or zonelist.\n");
	}
	if (rc == E_NOMEM)
		goto nomem;
	if (rc != 0) {
		status = ksm_db_fail(ctx, rc);
		goto out;
	}
	status = file_state == 2 ? KSM_ERUNTIME : KSM_OK;
	goto out;
nomem:
	printf("Error: out of memory\n");
	status = KSM_ERUNTIME;
out:
	free(db_sorted);
	free(file_sorted);
	strv_fini(&p.names);
	strv_fini(&file);
	return status;
}
