/*
 * fuzz_cli.c - fuzz target for the ods-ksmutil command line: the real
 * main() of src/ksmutil/main.c (option table, getopt_long, --zone's final
 * dot, command and verb words matched by prefix), built here with every
 * command handler and the usage printers replaced by stubs that record
 * the call. Nothing opens a file or a database.
 *
 * Input: the arguments, separated by NUL octets (at most 64). Checks,
 * beyond memory safety:
 *  - the exit status is 0, 1, 255 or the stubs' own;
 *  - at most one handler runs, and only when the typed command (and verb)
 *    words match its table entry; the status is then the handler's;
 *  - every option value the handler sees is NULL, the default conf.xml
 *    path, or points into one of the arguments; --zone has lost a final dot
 *    exactly when zone_had_dot says so;
 *  - the same arguments give the same result again (no state is left in
 *    getopt or elsewhere between runs).
 * main() prints ("Unknown command", --version); stdout goes to /dev/null
 * for the call, and getopt's own messages are turned off.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define main ksmutil_main
#include "src/ksmutil/main.c"
#undef main

#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STUB_STATUS 42
#define MAX_ARGS 64

static struct {
	char **argv; /* the arguments as given (before getopt permutes them) */
	size_t *lens;
	int argc;
	int calls;           /* handler calls in this run */
	const char *handler; /* the last one's name */
	int usage_calls;
} run;

/* 1 when p is NULL or points into one of the arguments. */
static int
in_args(const char *p)
{
	if (p == NULL)
		return 1;
	for (int i = 0; i < run.argc; i++) {
		if (p >= run.argv[i] && p <= run.argv[i] + run.lens[i])
			return 1;
	}
	return 0;
}

static void
check_ctx(struct ksm_ctx *ctx, const char *name, const char *cmd, const char *verb)
{
	const struct ksm_opts *o = &ctx->opt;
	const char *const vals[] = {
		o->bits,
		o->keystate,
		o->algorithm,
		o->input,
		o->in_type,
		o->cka_id,
		o->interval,
		o->output,
		o->policy,
		o->out_type,
		o->repository,
		o->signerconf,
		o->keytype,
		o->time,
		o->keytag,
		o->retire,
		o->tdead,
		o->zonetotal,
		ctx->command,
		ctx->verb,
	};

	run.calls++;
	run.handler = name;
	if (run.calls != 1 || ctx->command == NULL || !word_matches(ctx->command, cmd, 0))
		abort();
	if (verb != NULL && (ctx->verb == NULL || !word_matches(ctx->verb, verb, 0)))
		abort();
	if (strcmp(cmd, "ZONE") == 0 && strlen(ctx->command) != 4)
		abort();
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		if (!in_args(vals[i]))
			abort();
	}
	if (o->config == NULL ||
		(strcmp(o->config, ODS_CONFDIR "/conf.xml") != 0 && !in_args(o->config)))
		abort();
	if (o->zone != NULL) {
		size_t n = strlen(o->zone);

		/* "x." became "x"; "." stays (n == 1) */
		if (o->zone_had_dot && n == 0)
			abort();
	} else if (o->zone_had_dot) {
		abort();
	}
}

/* A command that writes names itself in lower case before its handler runs. */
int
ksm_writable(struct ksm_ctx *ctx)
{
	if (ctx->writer[0] == '\0' || strlen(ctx->writer) >= sizeof(ctx->writer))
		abort();
	for (const char *p = ctx->writer; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			abort();
	}
	return KSM_OK;
}

/* --json keeps stdout for the document: not in the fuzzer's own process. */
int
jsonout_take_stdout(void)
{
	if (run.calls != 0)
		abort(); /* before the handler, never after */
	return 0;
}

#define STUB(fn, cmd, verb)                                                                        \
	int fn(struct ksm_ctx *ctx)                                                                \
	{                                                                                          \
		check_ctx(ctx, #fn, cmd, verb);                                                    \
		return STUB_STATUS;                                                                \
	}

STUB(cmd_setup, "SETUP", NULL)
STUB(cmd_update, "UPDATE", NULL)
STUB(cmd_start, "START", NULL)
STUB(cmd_stop, "STOP", NULL)
STUB(cmd_notify, "NOTIFY", NULL)
STUB(cmd_zone_add, "ZONE", "ADD")
STUB(cmd_zone_delete, "ZONE", "DELETE")
STUB(cmd_zone_list, "ZONE", "LIST")
STUB(cmd_repository_list, "REPOSITORY", "LIST")
STUB(cmd_policy_export, "POLICY", "EXPORT")
STUB(cmd_policy_import, "POLICY", "IMPORT")
STUB(cmd_policy_list, "POLICY", "LIST")
STUB(cmd_policy_purge, "POLICY", "PURGE")
STUB(cmd_key_list, "KEY", "LIST")
STUB(cmd_key_export, "KEY", "EXPORT")
STUB(cmd_key_import, "KEY", "IMPORT")
STUB(cmd_key_rollover, "KEY", "ROLLOVER")
STUB(cmd_key_purge, "KEY", "PURGE")
STUB(cmd_key_generate, "KEY", "GENERATE")
STUB(cmd_key_ksk_retire, "KEY", "KSK-RETIRE")
STUB(cmd_key_ksk_revoke, "KEY", "KSK-REVOKE")
STUB(cmd_key_ds_seen, "KEY", "DS-SEEN")
STUB(cmd_key_delete, "KEY", "DELETE")
STUB(cmd_key_orphans, "KEY", "ORPHANS")
STUB(cmd_backup_done, "BACKUP", "DONE")
STUB(cmd_backup_prepare, "BACKUP", "PREPARE")
STUB(cmd_backup_commit, "BACKUP", "COMMIT")
STUB(cmd_backup_rollback, "BACKUP", "ROLLBACK")
STUB(cmd_backup_list, "BACKUP", "LIST")
STUB(cmd_cluster_status, "CLUSTER", "STATUS")
STUB(cmd_rollover_list, "ROLLOVER", "LIST")
STUB(cmd_rollover_plan, "ROLLOVER", "PLAN")
STUB(cmd_database_backup, "DATABASE", "BACKUP")
STUB(cmd_database_migrate, "DATABASE", "MIGRATE")
STUB(cmd_database_status, "DATABASE", "STATUS")
STUB(cmd_zonelist_export, "ZONELIST", "EXPORT")
STUB(cmd_zonelist_import, "ZONELIST", "IMPORT")
STUB(cmd_metrics, "METRICS", NULL)

void
ksm_usage(struct ksm_ctx *ctx, enum ksm_usage_topic topic, int to_stdout)
{
	(void)ctx;
	(void)to_stdout;
	if ((int)topic < USAGE_ALL || topic > USAGE_METRICS)
		abort();
	run.usage_calls++;
}

void
ksm_help_full(struct ksm_ctx *ctx)
{
	(void)ctx;
	run.usage_calls++;
}

/* common.c's, without the database and configuration it also releases here never */
void
ksm_ctx_cleanup(struct ksm_ctx *ctx)
{
	if (ctx->db != NULL || ctx->conf != NULL)
		abort();
	free(ctx->opt.zone);
	ctx->opt.zone = NULL;
}

/* One run of main() over a fresh copy of the arguments; the status. */
static int
run_main(char **args, size_t *lens, int n, const char **handler)
{
	char *argv[MAX_ARGS + 2];
	int rc;

	for (int i = 0; i < n; i++)
		argv[i] = args[i];
	argv[n] = NULL;
	run.argv = args;
	run.lens = lens;
	run.argc = n;
	run.calls = 0;
	run.handler = NULL;
	run.usage_calls = 0;
	optind = 0; /* GNU getopt: start over, state included */
	opterr = 0;
	fuzz_quiet_begin();
	rc = ksmutil_main(n, argv);
	fuzz_quiet_end();
	if (rc != KSM_OK && rc != KSM_EUSAGE && rc != KSM_EUNKNOWN && rc != STUB_STATUS)
		abort();
	if ((rc == STUB_STATUS) != (run.calls == 1))
		abort();
	*handler = run.handler;
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *args[MAX_ARGS + 1];
	size_t lens[MAX_ARGS + 1];
	const char *h1, *h2;
	int n = 0, rc1, rc2;
	size_t start = 0;

	if (size > 4096)
		return 0;
	unsetenv("ENFORCER_TIMESHIFT");
	args[n] = fuzz_cstr((const uint8_t *)"ods-ksmutil", 11);
	lens[n++] = 11;
	for (size_t i = 0; size > 0 && i <= size && n <= MAX_ARGS; i++) {
		if (i == size || data[i] == '\0') {
			if (i == size && i == start && n > 1)
				break;
			args[n] = fuzz_cstr(data + start, i - start);
			lens[n++] = i - start;
			start = i + 1;
		}
	}
	rc1 = run_main(args, lens, n, &h1);
	rc2 = run_main(args, lens, n, &h2);
	if (rc1 != rc2 || (h1 == NULL) != (h2 == NULL) || (h1 != NULL && strcmp(h1, h2) != 0))
		abort();
	for (int i = 0; i < n; i++)
		free(args[i]);
	return 0;
}

#include "tests/fuzz/replay.h"
