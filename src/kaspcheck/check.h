/*
 * check.h - the checks of ods-kaspcheck (ksmutil-cli.md 10.4) as a module
 * that collects findings instead of printing them.
 *
 * A finding is one line of text with a level; its text already starts with
 * the level's prefix ("ERROR: ", "WARNING: ", "INFO: ") so that the program
 * prints it as it is and maps the prefix to a syslog priority. A finding may
 * carry a detail line (the parser's message after "fails to validate"); the
 * detail belongs to its finding and is not counted on its own.
 *
 * Each check is a small function over the loaded configuration and one
 * policy that appends zero or more findings. A finding that cannot be
 * stored for want of memory marks the list (kc_status()); every check
 * returns that status, 0 or E_NOMEM, so a caller may test after each check
 * or once at the end. kc_run() loads the files and runs every check, in the
 * order the program reports them.
 *
 * Ownership: a struct kc_findings owns its findings and their strings;
 * kc_findings_free() releases them. Nothing else here allocates for the
 * caller.
 */
#ifndef KASPCHECK_CHECK_H
#define KASPCHECK_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "config/conf.h"
#include "config/kasp.h"

enum kc_level {
	KC_INFO,
	KC_WARNING,
	KC_ERROR,
};

struct kc_finding {
	enum kc_level level;
	char *text;   /* the whole line, prefix included, no newline */
	char *detail; /* NULL, or a second line that explains text */
};

struct kc_findings {
	struct kc_finding *v; /* in the order they were found */
	size_t n, cap;
	int nomem; /* a finding was lost for want of memory */
};

/* An empty list (all zero is also an empty list). */
void kc_findings_init(struct kc_findings *f);

/* Free every finding; f is empty again afterwards. */
void kc_findings_free(struct kc_findings *f);

/*
 * Append a finding. The prefix for level is put in front of the formatted
 * text. Returns kc_status(f) afterwards.
 */
int kc_add(struct kc_findings *f, enum kc_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As kc_add() with a detail line (copied; NULL or "" for none). */
int kc_add_detail(struct kc_findings *f, enum kc_level level, const char *detail, const char *fmt,
	...) __attribute__((format(printf, 4, 5)));

/* E_NOMEM once any finding has been lost, else 0. */
int kc_status(const struct kc_findings *f);

/* How many findings of level f holds. */
size_t kc_count(const struct kc_findings *f, enum kc_level level);

/*
 * Parts of conf.xml that struct conf does not keep, read from the raw
 * document: the duration texts as written, for the Y/M warnings, and the
 * Signer section. Strings are owned by the struct (kc_confx_free()).
 */
struct kc_confx {
	char *interval;        /* Enforcer/Interval text, trimmed; NULL when absent */
	char *rollover_notify; /* Enforcer/RolloverNotification text; NULL when absent */
	int has_signer;        /* a <Signer> section is present */
	char *signer_user;     /* Signer/Privileges/User; NULL when absent */
	char *signer_group;    /* Signer/Privileges/Group; NULL when absent */
	char *signer_workdir;  /* Signer/WorkingDirectory; NULL when absent */
};

/* Fill *out from the root element of a conf.xml document. E_NOMEM. */
int kc_confx_read(const xmlNode *root, struct kc_confx *out);
void kc_confx_free(struct kc_confx *x);

/* ---------------------------------------------------------------- conf.xml */

/*
 * A duration text with Y or a month M: a WARNING
 *   "In <where> M used in duration field for <field> (<text>) in <file> - ..."
 * (the Y and the M & Y forms likewise). where is "Configuration" or
 * "policy <name>". Anything else: nothing.
 */
int kc_check_duration_text(struct kc_findings *f, const char *where, const char *field,
	const char *text, const char *file);

/*
 * An error finding "<file>: <msg>" when rc (a store_limit_*() result of
 * store/limits.h) says a value is longer than its database column.
 */
void kc_check_limits(struct kc_findings *f, int rc, const char *msg, const char *file);

/* Each repository's Module is an existing file. */
int kc_check_modules(struct kc_findings *f, const struct conf *conf);

/* No two repositories with the same name, nor with the same Module and TokenLabel. */
int kc_check_repository_list(struct kc_findings *f, const struct conf *conf);

/* user and group (either may be NULL) exist on this system. */
int kc_check_privileges(struct kc_findings *f, const char *user, const char *group);

/*
 * An SQLite datastore file exists: a WARNING when it does not (before
 * `ods-ksmutil setup` it is not there yet, and that is not a fault in the
 * file). Server datastores: an ERROR for a TLS CA, certificate or key
 * file that is missing or not a regular file, a WARNING for a key file
 * that other users may read.
 */
int kc_check_datastore(struct kc_findings *f, const struct conf *conf);

/* Interval and RolloverNotification: the Y/M warnings. */
int kc_check_conf_durations(
	struct kc_findings *f, const struct conf *conf, const struct kc_confx *x);

/* DelegationSignerSubmitCommand (its first word) exists and is executable. */
int kc_check_ds_submit(struct kc_findings *f, const struct conf *conf);

/*
 * With a <Signer> section: its WorkingDirectory, or the default
 * ODS_STATEDIR "/tmp", is a directory (a WARNING otherwise: the enforcer
 * itself does not need it). Without a Signer section: nothing.
 */
int kc_check_signer(struct kc_findings *f, const struct kc_confx *x);

/* ---------------------------------------------------------------- kasp.xml */

/*
 * Over the names of every <Policy> of file (duplicates included): a name
 * used more than once (ERROR, once per name); no policy named "default"
 * (WARNING).
 */
int kc_check_policy_names(
	struct kc_findings *f, const char *const *names, size_t n, const char *file);

/* The Y/M warnings for every duration element of one <Policy> element. */
int kc_check_policy_durations(struct kc_findings *f, const xmlNode *policy, const char *file);

/*
 * The checks of one policy. file is the kasp.xml named in the messages.
 * conf may be NULL in kc_check_repositories (conf.xml did not load): the
 * check is then skipped.
 */
int kc_check_refresh(struct kc_findings *f, const struct kasp_policy *p, const char *file);
int kc_check_validity(struct kc_findings *f, const struct kasp_policy *p, const char *file);
int kc_check_jitter(struct kc_findings *f, const struct kasp_policy *p, const char *file);
int kc_check_inception(struct kc_findings *f, const struct kasp_policy *p, const char *file);
int kc_check_safety(struct kc_findings *f, const struct kasp_policy *p, const char *file);
int kc_check_nsec3(struct kc_findings *f, const struct kasp_policy *p, const char *file);
int kc_check_serial(struct kc_findings *f, const struct kasp_policy *p, const char *file);
int kc_check_key_lengths(struct kc_findings *f, const struct kasp_policy *p, const char *file);
int kc_check_repositories(struct kc_findings *f, const struct conf *conf,
	const struct kasp_policy *p, const char *file);
int kc_check_lifetimes(struct kc_findings *f, const struct kasp_policy *p, const char *file);
int kc_check_usable(struct kc_findings *f, const struct kasp_policy *p, const char *file);

/* Every check above, in that order. */
int kc_check_policy(struct kc_findings *f, const struct conf *conf, const struct kasp_policy *p,
	const char *file);

/* ---------------------------------------------------------------- everything */

struct kc_options {
	const char *conf_path; /* conf.xml to check (required) */
	const char *kasp_path; /* kasp.xml; NULL = Common/PolicyFile of conf.xml */
	int verbose;           /* add INFO lines saying what is being checked */
};

/*
 * Load and check conf.xml, its zonelist.xml and the kasp.xml, appending
 * every finding to f. *facility receives the syslog facility of conf.xml
 * (LOG_DAEMON when it did not load). Problems in the files are findings,
 * not errors: the return value is 0, or E_NOMEM / E_INVAL (NULL argument).
 *
 * Uses libxml2 and the config readers: one thread at a time.
 */
int kc_run(const struct kc_options *opt, struct kc_findings *f, int *facility);

#endif
