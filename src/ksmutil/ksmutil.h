/*
 * ksmutil.h - what the ods-ksmutil command files share.
 *
 * main.c parses argv into a struct ksm_opts, matches the command words
 * against a table and calls one handler. Handlers return an exit status
 * (enum ksm_exit); they print what the user sees and leave all work to the
 * layers below (config, db, store).
 */
#ifndef KSMUTIL_KSMUTIL_H
#define KSMUTIL_KSMUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/strbuf.h"
#include "db/db.h"
#include "config/conf.h"

/*
 * Exit statuses. OpenDNSSEC 1.x exited with assorted values; scripts only
 * rely on zero / non-zero, so we use a small documented set (see the man
 * page). Unknown command words keep 1.x's 255.
 */
enum ksm_exit {
	KSM_OK = 0,
	KSM_EUSAGE = 1,     /* bad usage or invalid input (config, names, values) */
	KSM_ERUNTIME = 2,   /* database, file system or HSM failure */
	KSM_ENOLEADER = 3,  /* cluster status: no daemon leads, or the leader is stuck */
	KSM_EREADONLY = 4,  /* the database refuses writes (read-only file or replica) */
	KSM_EUNKNOWN = 255, /* unknown command or verb, as in 1.x */
};

/* Every option of the one global option table (ksmutil-cli.md §1.1). */
struct ksm_opts {
	const char *config; /* -c; default ODS_CONFDIR "/conf.xml" */
	int all, auto_accept, check_repository, ds, no_retire, force;
	int no_notify, no_xml, no_hsm, rfc5011, verbose, yes;
	int delete_orphans; /* --delete (key orphans) */
	int json;           /* --json: a JSON document on stdout (jsonout.h) */
	int no_ds_seen;     /* rollover plan --no-ds-seen */
	const char *until;  /* rollover plan --until */
	const char *bits, *keystate, *algorithm, *input, *in_type, *cka_id;
	const char *interval, *output, *policy, *out_type, *repository;
	const char *signerconf, *keytype, *time, *keytag, *retire, *tdead;
	const char *zonetotal;
	char *zone; /* trailing dot stripped (see zone_had_dot) */
	int zone_had_dot;
};

struct ksm_ctx {
	const char *progname; /* argv[0] as given, for usage text */
	struct ksm_opts opt;
	const char *command; /* the words as typed */
	const char *verb;
	/*
	 * The command's name as documented ("zone add") when it changes
	 * stored state, else "": ksm_open_db() refuses a read-only database
	 * (a replica) for it before anything is changed.
	 */
	char writer[48];
	struct conf *conf; /* loaded by ksm_load_conf() */
	db_t *db;          /* opened by ksm_open_db() */
};

/* A handler: gets the context, returns an exit status. */
typedef int (*ksm_handler)(struct ksm_ctx *ctx);

/* ------------------------------------------------------------- common.c */

/* Read and validate conf.xml; prints the error and returns non-zero on failure. */
int ksm_load_conf(struct ksm_ctx *ctx);

/*
 * Connect to the configured database (after ksm_load_conf). create: SQLite
 * may create the file (setup). need_current: refuse a schema that is not at
 * this program's version. For a command that writes (ctx->writer), a
 * read-only database is refused with "database is a read-only replica:
 * <command> needs the primary" and KSM_EREADONLY. Prints the error and
 * returns an exit status.
 */
int ksm_open_db(struct ksm_ctx *ctx, int create, int need_current);

/*
 * Before a command that writes (ctx->writer) does anything: refuse a
 * database that conf.xml marks <ReadOnly/> or that is read-only (a
 * replica, a read-only file), so that it fails before asking, warning or
 * changing anything. Connects, and ksm_open_db() keeps that connection.
 */
int ksm_writable(struct ksm_ctx *ctx);

/*
 * Exit status for a failed database call, after printing "Error: <detail>".
 * The one bridge from a library code (negative, common/err.h) to an exit
 * status: handlers keep the two in separate variables and cross only here.
 */
enum ksm_exit ksm_db_fail(struct ksm_ctx *ctx, int code);

/*
 * Ask a yes/no question on stdout and read the answer's first character
 * from stdin (scripts pipe `echo y`). Returns 1 for y/Y. --yes answers yes.
 */
int ksm_confirm(struct ksm_ctx *ctx, const char *prompt);

/* Release conf and db. */
void ksm_ctx_cleanup(struct ksm_ctx *ctx);

/* -------------------------------------------------------------- usage.c */

enum ksm_usage_topic {
	USAGE_ALL,
	USAGE_SETUP,
	USAGE_UPDATE,
	USAGE_ZONE,
	USAGE_REPOSITORY,
	USAGE_POLICY,
	USAGE_KEY,
	USAGE_BACKUP,
	USAGE_ROLLOVER,
	USAGE_DATABASE,
	USAGE_ZONELIST,
	USAGE_CONTROL,
	USAGE_CLUSTER,
	USAGE_METRICS,
};

void ksm_usage(struct ksm_ctx *ctx, enum ksm_usage_topic topic, int to_stdout);
/* -h: everything, plus key states, key types and the date formats. */
void ksm_help_full(struct ksm_ctx *ctx);

/*
 * Output held back while a transaction runs: db_transact() may run its
 * callback more than once, so what the callback wants to print is collected
 * in a struct strbuf (common/strbuf.h; reset at the start of every attempt)
 * and printed once at the end by ksm_text_flush() (common.c), which also
 * reports running out of memory.
 */
void ksm_text_flush(struct strbuf *t);

/* ------------------------------------------------------------- notify.c */

/*
 * Tell a running ods-enforcerd that the database changed: SIGHUP to the
 * process in the PidFile of the conf.xml in use (ksmutil-cli.md 2.4, with
 * quirk 16 fixed). Prints the 1.x lines; a missing daemon is not an error.
 * Returns 1 when the signal was sent (ds-seen then says so), 0 otherwise.
 */
int ksm_notify_enforcer(struct ksm_ctx *ctx);

/* ------------------------------------------------------------- handlers */

int cmd_setup(struct ksm_ctx *ctx);
int cmd_database_migrate(struct ksm_ctx *ctx);
int cmd_database_status(struct ksm_ctx *ctx);
int cmd_database_backup(struct ksm_ctx *ctx);

/* cmd_update.c: update kasp|zonelist|conf|all; policy import; zonelist import */
int cmd_update(struct ksm_ctx *ctx);
int cmd_policy_import(struct ksm_ctx *ctx);
int cmd_zonelist_import(struct ksm_ctx *ctx);

/*
 * What setup imports after the schema reset (cmd_update.c). setup_prepare
 * reads and checks every file before anything is erased; setup_import
 * imports them in one transaction. Both print their own messages and
 * return an exit status; setup_release frees what prepare loaded.
 */
struct ksm_import;
int ksm_setup_prepare(struct ksm_ctx *ctx, struct ksm_import **out);
int ksm_setup_import(struct ksm_ctx *ctx, struct ksm_import *s);
void ksm_setup_release(struct ksm_import *s);

/* cmd_zone.c */
int cmd_zone_add(struct ksm_ctx *ctx);
int cmd_zone_delete(struct ksm_ctx *ctx);
int cmd_zone_list(struct ksm_ctx *ctx);

/* cmd_zonelist.c */
int cmd_zonelist_export(struct ksm_ctx *ctx);

/* cmd_policy.c */
int cmd_policy_export(struct ksm_ctx *ctx);
int cmd_policy_list(struct ksm_ctx *ctx);
int cmd_policy_purge(struct ksm_ctx *ctx);

/* cmd_repository.c */
int cmd_repository_list(struct ksm_ctx *ctx);

/* cmd_key_generate.c, cmd_key_list.c, cmd_key_import.c, cmd_key_delete.c, cmd_key_orphans.c */
int cmd_key_generate(struct ksm_ctx *ctx);
int cmd_key_list(struct ksm_ctx *ctx);
int cmd_key_export(struct ksm_ctx *ctx);
int cmd_key_import(struct ksm_ctx *ctx);
int cmd_key_purge(struct ksm_ctx *ctx);
int cmd_key_delete(struct ksm_ctx *ctx);
int cmd_key_orphans(struct ksm_ctx *ctx);

/* cmd_control.c: start, stop, notify (through src/control, with -c's PidFile) */
int cmd_start(struct ksm_ctx *ctx);
int cmd_stop(struct ksm_ctx *ctx);
int cmd_notify(struct ksm_ctx *ctx);

/* cmd_cluster.c */
int cmd_cluster_status(struct ksm_ctx *ctx);

/* cmd_metrics.c */
int cmd_metrics(struct ksm_ctx *ctx);

/* cmd_backup.c */
int cmd_backup_prepare(struct ksm_ctx *ctx);
int cmd_backup_commit(struct ksm_ctx *ctx);
int cmd_backup_rollback(struct ksm_ctx *ctx);
int cmd_backup_done(struct ksm_ctx *ctx);
int cmd_backup_list(struct ksm_ctx *ctx);

/* cmd_rollover.c: the key-state commands and rollover list */
int cmd_key_rollover(struct ksm_ctx *ctx);
int cmd_key_ksk_retire(struct ksm_ctx *ctx);
int cmd_key_ksk_revoke(struct ksm_ctx *ctx);
int cmd_key_ds_seen(struct ksm_ctx *ctx);
int cmd_rollover_list(struct ksm_ctx *ctx);
int cmd_rollover_plan(struct ksm_ctx *ctx); /* cmd_plan.c */

/* --------------------------------- cmd_key_*.c: shared with cmd_rollover.c */

struct store_zone;
struct hsm;
struct dnskey;

/* --keytype: KSK or 257 -> STORE_KSK, ZSK or 256 -> STORE_ZSK; -1 for anything else. */
int ksm_parse_keytype(const char *text, int *out);
/* Print the 1.x "Unrecognised keytype" error; returns KSM_EUSAGE. */
int ksm_keytype_error(const char *text);

/* A --cka_id value `key import` takes: exactly HSM_ID_HEX_LEN hexadecimal digits. */
int ksm_cka_id_ok(const char *id);

/*
 * What `key import` checks of its option values once the repository, the
 * zone and the key are known (its steps 6.-11.), pure: nothing is printed
 * or opened; now is the time "now" and relative times count from. The
 * result names the first check that failed, or KSM_IMPORT_OK; *v holds
 * what was parsed (v->at is set from KSM_IMPORT_RETIRE_STATE on).
 */
enum ksm_import_check {
	KSM_IMPORT_OK,
	KSM_IMPORT_BAD_KEYTYPE,   /* --keytype */
	KSM_IMPORT_BAD_BITS,      /* --bits not a number of 0..65535 */
	KSM_IMPORT_ZERO_BITS,     /* --bits 0 */
	KSM_IMPORT_BAD_ALGORITHM, /* unknown, or not one we can hold */
	KSM_IMPORT_BAD_STATE,     /* --keystate not GENERATE..RETIRE */
	KSM_IMPORT_BAD_TIME,      /* --time */
	KSM_IMPORT_RETIRE_STATE,  /* --retire for a key that is not ACTIVE */
	KSM_IMPORT_BAD_RETIRE,    /* --retire not a time */
	KSM_IMPORT_RETIRE_EARLY,  /* --retire before --time */
};
struct ksm_import_values {
	int keytype, algorithm, state;
	int64_t bits;
	time_t at, retire; /* retire 0 when not given */
};
enum ksm_import_check ksm_key_import_check(
	const struct ksm_opts *o, time_t now, struct ksm_import_values *v);

/* --zone as the user typed it (with its final dot), malloc()ed; NULL when memory is short. */
char *ksm_zone_typed(const struct ksm_opts *o);
/*
 * The zone of --zone inside a transaction: the name as given, then with a
 * final dot (ksmutil-cli.md §2.6). E_NOTFOUND; *out freed with store_zone_free().
 */
int ksm_find_zone(db_t *db, const char *zone, struct store_zone **out);
/* Print `Error: unable to find a zone named "<zone as typed>" in database`. */
void ksm_zone_not_found(const struct ksm_opts *o);

/*
 * A key's public key as a DNSKEY with the given flags: decoded from the
 * base64 cache (keypairs.publickey) when that is set and readable, else
 * read from its repository, opening *hsm (NULL at first; the caller
 * hsm_close()s it) only then. On success dk->key points into *key, which
 * the caller frees. E_NOTFOUND: the key is not in its repository (or has
 * no known repository); other codes: the HSM failed, ksm_hsm_errmsg() says why.
 */
int ksm_key_dnskey(struct ksm_ctx *ctx, struct hsm **hsm, const char *repository,
	const char *locator, int algorithm, const char *pubkey, unsigned flags, struct dnskey *dk,
	uint8_t **key);
/* The detail of a failure of rc: the HSM layer's message when hsm is open, else err_str(rc). */
const char *ksm_hsm_errmsg(const struct hsm *hsm, int rc);

#endif
