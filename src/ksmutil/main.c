/*
 * main.c - ods-ksmutil: parse argv, find the handler, run it.
 *
 * Parsing follows OpenDNSSEC 1.x so existing scripts keep working: one
 * global getopt_long table for every command (GNU permutation, abbreviated
 * long options), then command and verb words matched case-insensitively by
 * prefix ("KEYS list" works, as it always did).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "ksmutil/jsonout.h"
#include "ksmutil/ksmutil.h"

/* Whether a command changes stored state (see ksm_ctx.writer). */
enum ksm_writes {
	READS = 0,
	WRITES = 1,
	WRITES_WITH_DELETE = 2, /* key orphans: only with --delete */
};

/* Whether a verb prints a --json document (jsonout.h). */
enum ksm_json { NO_JSON = 0, JSON = 1 };

struct ksm_verb {
	const char *word; /* upper case; matched as a prefix of the typed word */
	ksm_handler fn;
	enum ksm_writes writes;
	enum ksm_json json;
};

struct ksm_command {
	const char *word; /* upper case; matched as a prefix of the typed word */
	int exact;        /* the typed word must have exactly this length */
	enum ksm_usage_topic usage;
	ksm_handler fn; /* commands without verbs */
	const struct ksm_verb *verbs;
	enum ksm_writes writes; /* of fn */
};

static const struct ksm_verb zone_verbs[] = {
	{ "ADD", cmd_zone_add, WRITES, NO_JSON },
	{ "DELETE", cmd_zone_delete, WRITES, NO_JSON },
	{ "LIST", cmd_zone_list, READS, JSON },
	{ NULL, NULL, READS, NO_JSON },
};
static const struct ksm_verb repository_verbs[] = {
	{ "LIST", cmd_repository_list, READS, JSON },
	{ NULL, NULL, READS, NO_JSON },
};
static const struct ksm_verb policy_verbs[] = {
	{ "EXPORT", cmd_policy_export, READS, NO_JSON },
	{ "IMPORT", cmd_policy_import, WRITES, NO_JSON },
	{ "LIST", cmd_policy_list, READS, JSON },
	{ "PURGE", cmd_policy_purge, WRITES, NO_JSON },
	{ NULL, NULL, READS, NO_JSON },
};
static const struct ksm_verb key_verbs[] = {
	{ "LIST", cmd_key_list, READS, JSON },
	{ "EXPORT", cmd_key_export, READS, JSON },
	{ "IMPORT", cmd_key_import, WRITES, NO_JSON },
	{ "ROLLOVER", cmd_key_rollover, WRITES, NO_JSON },
	{ "PURGE", cmd_key_purge, WRITES, NO_JSON },
	{ "GENERATE", cmd_key_generate, WRITES, NO_JSON },
	{ "KSK-RETIRE", cmd_key_ksk_retire, WRITES, NO_JSON },
	{ "KSK-REVOKE", cmd_key_ksk_revoke, WRITES, NO_JSON },
	{ "DS-SEEN", cmd_key_ds_seen, WRITES, NO_JSON },
	{ "DELETE", cmd_key_delete, WRITES, NO_JSON },
	{ "ORPHANS", cmd_key_orphans, WRITES_WITH_DELETE, NO_JSON },
	{ NULL, NULL, READS, NO_JSON },
};
static const struct ksm_verb backup_verbs[] = {
	{ "DONE", cmd_backup_done, WRITES, NO_JSON },
	{ "PREPARE", cmd_backup_prepare, WRITES, NO_JSON },
	{ "COMMIT", cmd_backup_commit, WRITES, NO_JSON },
	{ "ROLLBACK", cmd_backup_rollback, WRITES, NO_JSON },
	{ "LIST", cmd_backup_list, READS, JSON },
	{ NULL, NULL, READS, NO_JSON },
};
static const struct ksm_verb rollover_verbs[] = {
	{ "LIST", cmd_rollover_list, READS, JSON },
	{ "PLAN", cmd_rollover_plan, READS, JSON },
	{ NULL, NULL, READS, NO_JSON },
};
/* a backup reads: it may be taken from a replica */
static const struct ksm_verb database_verbs[] = {
	{ "BACKUP", cmd_database_backup, READS, NO_JSON },
	{ "MIGRATE", cmd_database_migrate, WRITES, NO_JSON },
	{ "STATUS", cmd_database_status, READS, JSON },
	{ NULL, NULL, READS, NO_JSON },
};
static const struct ksm_verb cluster_verbs[] = {
	{ "STATUS", cmd_cluster_status, READS, JSON },
	{ NULL, NULL, READS, NO_JSON },
};
static const struct ksm_verb zonelist_verbs[] = {
	{ "EXPORT", cmd_zonelist_export, READS, NO_JSON },
	{ "IMPORT", cmd_zonelist_import, WRITES, NO_JSON },
	{ NULL, NULL, READS, NO_JSON },
};

/* Order matters: "ZONE" must be typed exactly so that "zonelist" reaches its own entry. */
static const struct ksm_command commands[] = {
	{ "SETUP", 0, USAGE_SETUP, cmd_setup, NULL, WRITES },
	/* update checks its own qualifier: an unknown one gets 1.x's own message */
	{ "UPDATE", 0, USAGE_UPDATE, cmd_update, NULL, WRITES },
	/* these signal the daemon; they do not open the database */
	{ "START", 0, USAGE_CONTROL, cmd_start, NULL, READS },
	{ "STOP", 0, USAGE_CONTROL, cmd_stop, NULL, READS },
	{ "NOTIFY", 0, USAGE_CONTROL, cmd_notify, NULL, READS },
	{ "ZONE", 4, USAGE_ZONE, NULL, zone_verbs, READS },
	{ "REPOSITORY", 0, USAGE_REPOSITORY, NULL, repository_verbs, READS },
	{ "POLICY", 0, USAGE_POLICY, NULL, policy_verbs, READS },
	{ "KEY", 0, USAGE_KEY, NULL, key_verbs, READS },
	{ "BACKUP", 0, USAGE_BACKUP, NULL, backup_verbs, READS },
	{ "ROLLOVER", 0, USAGE_ROLLOVER, NULL, rollover_verbs, READS },
	{ "DATABASE", 0, USAGE_DATABASE, NULL, database_verbs, READS },
	{ "ZONELIST", 0, USAGE_ZONELIST, NULL, zonelist_verbs, READS },
	{ "CLUSTER", 0, USAGE_CLUSTER, NULL, cluster_verbs, READS },
	{ "METRICS", 0, USAGE_METRICS, cmd_metrics, NULL, READS },
	{ NULL, 0, USAGE_ALL, NULL, NULL, READS },
};

/* Long-only options get values above the character range. */
enum { OPT_YES = 1000, OPT_DELETE, OPT_JSON, OPT_UNTIL, OPT_NO_DS_SEEN };

static const struct option long_options[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "auto-accept", no_argument, NULL, 'A' },
	{ "bits", required_argument, NULL, 'b' },
	{ "rfc5011", no_argument, NULL, '5' },
	{ "config", required_argument, NULL, 'c' },
	{ "check-repository", no_argument, NULL, 'C' },
	{ "ds", no_argument, NULL, 'd' },
	{ "keystate", required_argument, NULL, 'e' },
	{ "no-retire", no_argument, NULL, 'f' },
	{ "force", no_argument, NULL, 'F' },
	{ "algorithm", required_argument, NULL, 'g' },
	{ "help", no_argument, NULL, 'h' },
	{ "input", required_argument, NULL, 'i' },
	{ "in-type", required_argument, NULL, 'j' },
	{ "cka_id", required_argument, NULL, 'k' },
	{ "no-notify", no_argument, NULL, 'l' },
	{ "no-xml", no_argument, NULL, 'm' },
	{ "no-hsm", no_argument, NULL, 'M' },
	{ "interval", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "policy", required_argument, NULL, 'p' },
	{ "out-type", required_argument, NULL, 'q' },
	{ "repository", required_argument, NULL, 'r' },
	{ "signerconf", required_argument, NULL, 's' },
	{ "keytype", required_argument, NULL, 't' },
	{ "time", required_argument, NULL, 'w' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "keytag", required_argument, NULL, 'x' },
	{ "retire", required_argument, NULL, 'y' },
	{ "tdead", required_argument, NULL, 'Y' },
	{ "zone", required_argument, NULL, 'z' },
	{ "zonetotal", required_argument, NULL, 'Z' },
	{ "yes", no_argument, NULL, OPT_YES },
	/* key orphans --delete (new; "--d" is now ambiguous: type "--ds") */
	{ "delete", no_argument, NULL, OPT_DELETE },
	/* one JSON document on stdout instead of the text (new) */
	{ "json", no_argument, NULL, OPT_JSON },
	/* rollover plan (new) */
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "no-ds-seen", no_argument, NULL, OPT_NO_DS_SEEN },
	{ NULL, 0, NULL, 0 },
};

static const char short_options[] = "aAb:Cc:de:fFg:hi:j:k:mMln:o:p:q:r:s:t:vVw:x:y:Y:z:Z:5";

/* 1 when the typed word starts with keyword, ignoring case. */
static int
word_matches(const char *typed, const char *keyword, int exact)
{
	size_t n = strlen(keyword);

	if (exact && strlen(typed) != (size_t)exact)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (typed[i] == '\0' || toupper((unsigned char)typed[i]) != keyword[i])
			return 0;
	}
	return 1;
}

static void
print_upper(const char *s)
{
	for (; *s; s++)
		putchar(toupper((unsigned char)*s));
}

static void
set_zone(struct ksm_opts *opt, const char *arg)
{
	size_t n = strlen(arg);

	free(opt->zone);
	opt->zone = strdup(arg);
	opt->zone_had_dot = 0;
	/* "--zone foo." means foo; the root "." stays as it is (ksmutil-cli.md §2.6). */
	if (opt->zone && n > 1 && arg[n - 1] == '.') {
		opt->zone[n - 1] = '\0';
		opt->zone_had_dot = 1;
	}
}

/* Returns -1 to go on, or an exit status. */
static int
parse_options(struct ksm_ctx *ctx, int argc, char **argv)
{
	struct ksm_opts *o = &ctx->opt;
	int c;

	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		switch (c) {
		case 'a': o->all = 1; break;
		case 'A': o->auto_accept = 1; break;
		case 'b': o->bits = optarg; break;
		case '5': o->rfc5011 = 1; break;
		case 'c': o->config = optarg; break;
		case 'C': o->check_repository = 1; break;
		case 'd': o->ds = 1; break;
		case 'e': o->keystate = optarg; break;
		case 'f': o->no_retire = 1; break;
		case 'F': o->force = 1; break;
		case 'g': o->algorithm = optarg; break;
		case 'h': ksm_help_full(ctx); return KSM_OK;
		case 'i': o->input = optarg; break;
		case 'j': o->in_type = optarg; break;
		case 'k': o->cka_id = optarg; break;
		case 'l': o->no_notify = 1; break;
		case 'm': o->no_xml = 1; break;
		case 'M': o->no_hsm = 1; break;
		case 'n': o->interval = optarg; break;
		case 'o': o->output = optarg; break;
		case 'p': o->policy = optarg; break;
		case 'q': o->out_type = optarg; break;
		case 'r': o->repository = optarg; break;
		case 's': o->signerconf = optarg; break;
		case 't': o->keytype = optarg; break;
		case 'w': o->time = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'V':
			/* Exactly the 1.x line: scripts compare it whole. */
			printf("opendnssec version %s\n", ODS_COMPAT_VERSION);
			return KSM_OK;
		case 'x': o->keytag = optarg; break;
		case 'y': o->retire = optarg; break;
		case 'Y': o->tdead = optarg; break;
		case 'z': set_zone(o, optarg); break;
		case 'Z': o->zonetotal = optarg; break;
		case OPT_YES: o->yes = 1; break;
		case OPT_DELETE: o->delete_orphans = 1; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_UNTIL: o->until = optarg; break;
		case OPT_NO_DS_SEEN: o->no_ds_seen = 1; break;
		default:
			/* getopt has printed its own diagnostic. */
			ksm_usage(ctx, USAGE_ALL, 0);
			return KSM_EUSAGE;
		}
	}
	return -1;
}

/* "<first>[ <second>]" in lower case into buf, as the manual spells commands. */
static const char *
lower_words(char *buf, size_t len, const char *first, const char *second)
{
	(void)snprintf(buf, len, "%s%s%.20s", first, second != NULL ? " " : "",
		second != NULL ? second : "");
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return buf;
}

/* The command's name, "zone add", for a message (a static buffer). */
static const char *
lower_name(const struct ksm_command *cmd, const struct ksm_verb *verb)
{
	static char name[48];

	return lower_words(name, sizeof(name), cmd->word, verb != NULL ? verb->word : NULL);
}

/*
 * ctx->writer := "<command>[ <verb>]" in lower case, as the manual spells
 * them, when the command writes; update keeps its typed qualifier.
 */
static void
set_writer(struct ksm_ctx *ctx, const struct ksm_command *cmd, const struct ksm_verb *verb)
{
	enum ksm_writes w = verb != NULL ? verb->writes : cmd->writes;

	ctx->writer[0] = '\0';
	if (w == READS || (w == WRITES_WITH_DELETE && !ctx->opt.delete_orphans))
		return;
	(void)lower_words(
		ctx->writer, sizeof(ctx->writer), cmd->word, verb != NULL ? verb->word : ctx->verb);
}

/*
 * Run a handler; one that writes first makes sure the database takes writes.
 * --json is refused, before anything runs, by a command without a JSON
 * output; for one with it, stdout is kept for the document.
 */
static int
run_handler(struct ksm_ctx *ctx, const struct ksm_command *cmd, const struct ksm_verb *verb,
	ksm_handler fn)
{
	int rc;

	if (ctx->opt.json) {
		if (verb == NULL || verb->json != JSON) {
			/* the name as the manual writes it, e.g. "zone add" */
			fprintf(stderr, "Error: --json: %s has no JSON output\n",
				lower_name(cmd, verb));
			return KSM_EUSAGE;
		}
		if (jsonout_take_stdout() != 0) {
			fprintf(stderr, "Error: --json: %s\n", strerror(errno));
			return KSM_ERUNTIME;
		}
	}
	set_writer(ctx, cmd, verb);
	if (ctx->writer[0] != '\0' && (rc = ksm_writable(ctx)) != KSM_OK)
		return rc;
	return fn(ctx);
}

static int
dispatch(struct ksm_ctx *ctx, int nwords, char **words)
{
	const struct ksm_command *cmd;

	ctx->command = words[0];
	ctx->verb = nwords > 1 ? words[1] : NULL;

	if (word_matches(words[0], "HELP", 0)) {
		ksm_usage(ctx, USAGE_ALL, 1);
		return KSM_OK;
	}
	for (cmd = commands; cmd->word; cmd++) {
		if (word_matches(words[0], cmd->word, cmd->exact))
			break;
	}
	if (!cmd->word) {
		printf("Unknown command: %s\n", words[0]);
		ksm_usage(ctx, USAGE_ALL, 0);
		return KSM_EUNKNOWN;
	}
	if (ctx->verb && word_matches(ctx->verb, "HELP", 0)) {
		ksm_usage(ctx, cmd->usage, 1);
		return KSM_OK;
	}
	if (cmd->fn)
		return run_handler(ctx, cmd, NULL, cmd->fn);
	if (ctx->verb) {
		for (const struct ksm_verb *v = cmd->verbs; v->word; v++) {
			if (word_matches(ctx->verb, v->word, 0))
				return run_handler(ctx, cmd, v, v->fn);
		}
	}
	/* 1.x wording, scripts and tests grep it: "Unknown command: zone NULL". */
	printf("Unknown command: %s ", words[0]);
	if (ctx->verb)
		print_upper(ctx->verb);
	else
		fputs("NULL", stdout);
	putchar('\n');
	ksm_usage(ctx, cmd->usage, 0);
	return KSM_EUNKNOWN;
}

int
main(int argc, char **argv)
{
	struct ksm_ctx ctx;
	char err[256];
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.progname = argv[0];
	ctx.opt.config = ODS_CONFDIR "/conf.xml";

	rc = parse_options(&ctx, argc, argv);
	if (rc >= 0)
		goto out;
	if (optind >= argc) {
		ksm_usage(&ctx, USAGE_ALL, 0);
		rc = KSM_EUSAGE;
		goto out;
	}
	if (clock_init(err, sizeof(err)) != 0) {
		printf("%s\n", err);
		rc = KSM_EUSAGE;
		goto out;
	}
	if (clock_timeshift())
		fprintf(stderr, "DEBUG: Timeshift in operation; ENFORCER_TIMESHIFT set to %s\n",
			clock_timeshift());
	rc = dispatch(&ctx, argc - optind, argv + optind);
out:
	ksm_ctx_cleanup(&ctx);
	fflush(stdout);
	return rc;
}
