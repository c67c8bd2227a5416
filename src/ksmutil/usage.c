/*
 * usage.c - the usage texts of ods-ksmutil.
 *
 * A topic's block starts with "usage: <prog> [-c <config> | --config
 * <config>] " as in 1.x (tests grep for "... zone "); the general usage
 * lists every block after one such line.
 */
#include "config.h"

#include <stdio.h>

#include "common/timeparse.h"
#include "ksmutil/ksmutil.h"

struct usage_block {
	enum ksm_usage_topic topic;
	const char *text; /* first line is the command; option lines start with a tab */
};

static const struct usage_block blocks[] = {
	{ USAGE_SETUP, "setup [--yes]\n"
		       "\tCreate the database schema, erasing what the database held\n" },
	{ USAGE_UPDATE, "update kasp|zonelist|conf|all\n"
			"\tImport the configuration files into the database\n" },
	{ USAGE_ZONE, "zone add\n"
		      "\t--zone <zone>                           aka -z\n"
		      "\t[--policy <policy>]                     aka -p\n"
		      "\t[--signerconf <signerconf.xml>]         aka -s\n"
		      "\t[--input <input>]                       aka -i\n"
		      "\t[--in-type <input type>]                aka -j\n"
		      "\t[--output <output>]                     aka -o\n"
		      "\t[--out-type <output type>]              aka -q\n"
		      "\t[--no-xml]                              aka -m\n"
		      "zone delete\n"
		      "\t--zone <zone> | --all                   aka -z / -a\n"
		      "\t[--no-xml]                              aka -m\n"
		      "zone list\n" },
	{ USAGE_REPOSITORY, "repository list\n" },
	{ USAGE_POLICY, "policy export\n"
			"\t--policy [policy_name] | --all          aka -p / -a\n"
			"policy import\n"
			"policy list\n"
			"policy purge\n" },
	{ USAGE_KEY, "key list\n"
		     "\t[--verbose]                             aka -v\n"
		     "\t[--zone <zone>]                         aka -z\n"
		     "\t[--keystate <state>| --all]             aka -e / -a\n"
		     "\t[--keytype <type>]                      aka -t\n"
		     "key export\n"
		     "\t--zone <zone> | --all                   aka -z / -a\n"
		     "\t[--keystate <state>]                    aka -e\n"
		     "\t[--keytype <type>]                      aka -t\n"
		     "\t[--ds]                                  aka -d\n"
		     "key import\n"
		     "\t--cka_id <CKA_ID>                       aka -k\n"
		     "\t--repository <repository>               aka -r\n"
		     "\t--zone <zone>                           aka -z\n"
		     "\t--bits <size>                           aka -b\n"
		     "\t--algorithm <algorithm>                 aka -g\n"
		     "\t--keystate <state>                      aka -e\n"
		     "\t--keytype <type>                        aka -t\n"
		     "\t--time <time>                           aka -w\n"
		     "\t[--retire <retire>]                     aka -y\n"
		     "\t[--check-repository]                    aka -C\n"
		     "key rollover\n"
		     "\t--zone <zone> | --policy <policy>       aka -z / -p\n"
		     "\t[--keytype <type> | --all]              aka -t / -a\n"
		     "key purge\n"
		     "\t--zone <zone> | --policy <policy>       aka -z / -p\n"
		     "key generate\n"
		     "\t--policy <policy>                       aka -p\n"
		     "\t--interval <interval>                   aka -n\n"
		     "\t[--zonetotal <total no. of zones>]      aka -Z\n"
		     "\t[--auto-accept]                         aka -A\n"
		     "key ksk-retire\n"
		     "\t--zone <zone>                           aka -z\n"
		     "\t[--keytag <keytag> | --cka_id <CKA_ID>] aka -x / -k\n"
		     "key ds-seen\n"
		     "\t--zone <zone>                           aka -z\n"
		     "\t--keytag <keytag> | --cka_id <CKA_ID>   aka -x / -k\n"
		     "\t[--no-notify]                           aka -l\n"
		     "\t[--no-retire]                           aka -f\n"
		     "key delete\n"
		     "\t--cka_id <CKA_ID>                       aka -k\n"
		     "\t[--no-hsm]                              aka -M\n"
		     "key orphans\n"
		     "\t[--delete]\n" },
	{ USAGE_BACKUP, "backup list\n"
			"\t[--repository <repository>]             aka -r\n"
			"backup prepare\n"
			"\t[--repository <repository>]             aka -r\n"
			"backup commit\n"
			"\t[--repository <repository>]             aka -r\n"
			"backup rollback\n"
			"\t[--repository <repository>]             aka -r\n"
			"backup done\n"
			"\t[--repository <repository>]             aka -r\n"
			"\t[--force]                               aka -F\n"
			"\t[NOTE: backup done is deprecated]\n" },
	{ USAGE_ROLLOVER, "rollover list\n"
			  "\t[--zone <zone>]                         aka -z\n"
			  "\t[--verbose]                             aka -v\n"
			  "rollover plan\n"
			  "\t[--zone <zone> | --policy <policy>]     aka -z / -p\n"
			  "\t[--until <date>|<duration>]\n"
			  "\t[--no-ds-seen]\n" },
	{ USAGE_DATABASE, "database backup\n"
			  "\t[--output <output>]                     aka -o\n"
			  "database migrate\n"
			  "\tApply the schema migrations this program has and the database lacks\n"
			  "database status\n"
			  "\tShow the backend, location, schema version and pending migrations\n" },
	{ USAGE_ZONELIST, "zonelist export\n"
			  "zonelist import\n" },
	{ USAGE_CONTROL, "start\n"
			 "\tStart the enforcer\n"
			 "stop\n"
			 "\tStop the enforcer\n"
			 "notify\n"
			 "\tTell the enforcer to re-read its configuration and run now\n" },
	{ USAGE_CLUSTER, "cluster status\n"
			 "\tShow the daemons sharing the database and which one leads\n" },
	{ USAGE_METRICS, "metrics\n"
			 "\tPrint the key-lifecycle metrics (Prometheus text format)\n" },
};

static void
print_prefix(FILE *f, const struct ksm_ctx *ctx)
{
	fprintf(f, "usage: %s [-c <config> | --config <config>] ", ctx->progname);
}

void
ksm_usage(struct ksm_ctx *ctx, enum ksm_usage_topic topic, int to_stdout)
{
	FILE *f = to_stdout ? stdout : stderr;

	if (topic == USAGE_ALL) {
		print_prefix(f, ctx);
		fputs("command [options]\n\n", f);
		for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
			fputs(blocks[i].text, f);
			fputc('\n', f);
		}
		fputs("Common options:\n"
		      "\t-c, --config <config>   conf.xml to use (default " ODS_CONFDIR
		      "/conf.xml)\n"
		      "\t-h, --help              this help, key states and date formats\n"
		      "\t-V, --version           show the version\n"
		      "\t-v, --verbose           more detail\n"
		      "\t--yes                   answer yes to every confirmation\n"
		      "\t--json                  one JSON document on stdout (list, status and plan\n"
		      "\t                        commands; see ods-ksmutil(1))\n",
			f);
		return;
	}
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		if (blocks[i].topic == topic) {
			print_prefix(f, ctx);
			fputs(blocks[i].text, f);
		}
	}
}

void
ksm_help_full(struct ksm_ctx *ctx)
{
	ksm_usage(ctx, USAGE_ALL, 0);
	fputs("\nkey states: GENERATE|PUBLISH|READY|ACTIVE|RETIRE|DEAD\n"
	      "key types:  KSK|ZSK\n",
		stderr);
	fputs(time_help_text, stderr);
	fprintf(stderr, "\n%s %s (behaves as OpenDNSSEC %s)\n", PACKAGE_NAME, PACKAGE_VERSION,
		ODS_COMPAT_VERSION);
}
