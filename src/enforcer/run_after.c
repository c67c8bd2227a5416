/*
 * run_after.c - what follows a committed batch: the log lines, the
 * signconf files, telling the signer, and the DS submissions.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/random.h"
#include "common/spawn.h"
#include "common/str.h"
#include "common/timeparse.h"
#include "enforcer/plan.h"
#include "enforcer/run.h"
#include "enforcer/run_internal.h"
#include "enforcer/signconf.h"
#include "enforcer/state.h"
#include "hsm/dnskey.h"
#include "store/store.h"

/* ------------------------------------------------------------ after a commit */

static void
emit_log(void *ctx, int prio, const char *line)
{
	(void)ctx;
	log_msg(prio, "%s", line);
}

/* The 1.x lines of a zone that could not allocate what its policy needs (§7.3 D). */
void
run_alloc_short_lines(
	int manual, const char *zone, const struct state_event *ev, run_emit_fn emit, void *ctx)
{
	int ksk = ev->keytype == STORE_KSK;
	const char *t = ksk ? "ksk" : "zsk";
	int prio = manual && ksk ? LOG_ERR : LOG_WARNING;
	char line[512];

	snprintf(line, sizeof(line),
		"Not enough keys to satisfy %s policy for zone: %s. "
		"keys_to_allocate(%ld) = keys_needed(%ld) - (keys_available(%ld) - "
		"keys_pending_retirement(%ld))",
		t, zone, ev->n, ev->a, ev->b, ev->c);
	emit(ctx, prio, line);
	snprintf(line, sizeof(line),
		"Tried to allocate %ld keys, failed on allocating key number "
		"%ld",
		ev->n, ev->m);
	emit(ctx, prio, line);
	if (manual)
		emit(ctx, LOG_ERR,
			"please use \"ods-ksmutil key generate\" to create some more keys.");
	else
		emit(ctx, LOG_WARNING, "ods-enforcerd will create some more keys on its next run");
}

/* "<type> key allocation for zone <zone>: <n> key(s) allocated", when any were. */
void
run_allocated_line(const char *zone, int keytype, size_t n, run_emit_fn emit, void *ctx)
{
	char line[512];

	if (n == 0)
		return;
	snprintf(line, sizeof(line), "%s key allocation for zone %s: %zu key(s) allocated",
		keytype == STORE_KSK ? "KSK" : "ZSK", zone, n);
	emit(ctx, LOG_DEBUG, line);
}

static void
log_alloc_short(const struct pass *p, const struct zone_work *w, const struct state_event *ev)
{
	run_alloc_short_lines(p->cfg->conf->manual_keygen, w->z->name, ev, emit_log, NULL);
	log_msg(LOG_ERR, "Error allocating %ss to zone %s",
		ev->keytype == STORE_KSK ? "ksk" : "zsk", w->z->name);
}

static int
issue_cmp(const void *pa, const void *pb)
{
	const struct signconf_key *a = pa, *b = pb;

	/* KSKs first, then ZSKs; the caller's order (key pair id) within each */
	return (b->flags & 1) - (a->flags & 1);
}

/*
 * Write the zone's signconf when its bytes change. Returns 1 when written,
 * 0 when unchanged or not written (logged).
 */
static int
write_signconf(struct pass *p, struct zone_work *w, int *short_role)
{
	struct signconf_key *keys = NULL;
	char *text = NULL, err[512];
	size_t n = 0, len = 0;
	int rc, written = 0;

	keys = calloc(w->sz.nkeys ? w->sz.nkeys : 1, sizeof(*keys));
	if (keys == NULL) {
		log_msg(LOG_ERR, "Error writing signconf for %s: out of memory", w->z->name);
		goto out;
	}
	for (size_t i = 0; i < w->sz.nkeys; i++) {
		struct state_issue is;

		if (!state_key_issued(&w->sz.keys[i], &is))
			continue;
		keys[n] = (struct signconf_key){ is.flags, w->sz.keys[i].algorithm,
			w->sz.keys[i].locator, is.ksk, is.zsk, is.publish, is.rfc5011 };
		n++;
	}
	/* a stable sort: qsort is not, so order by (type, id) explicitly through the index */
	for (size_t i = 1; i < n; i++) {
		struct signconf_key t = keys[i];
		size_t j = i;

		while (j > 0 && issue_cmp(&keys[j - 1], &t) > 0) {
			keys[j] = keys[j - 1];
			j--;
		}
		keys[j] = t;
	}
	if (n == 0 || w->res.abort_zone) {
		const char *hint =
			p->cfg->conf->manual_keygen
				? "please use \"ods-ksmutil key generate\" to create some."
				: "ods-enforcerd will create some on its next run.";

		if (*short_role >= 0)
			log_msg(p->cfg->conf->manual_keygen ? LOG_ERR : LOG_WARNING,
				"There are no %ss in the generate state; %s",
				*short_role == PLAN_KSK ? "KSK" : "ZSK", hint);
		log_msg(LOG_ERR, "Signconf not written for %s", w->z->name);
		goto out;
	}
	if (w->z->signconf == NULL) {
		log_msg(LOG_ERR, "Error writing signconf for %s: the zone has no signconf path",
			w->z->name);
		goto out;
	}
	rc = signconf_format(w->z->name, w->pol->kasp, w->pol->salt, keys, n, &text, &len);
	if (rc != 0) {
		log_msg(LOG_ERR, "Error writing signconf for %s: %s", w->z->name, err_str(rc));
		goto out;
	}
	/* with a signer to tell, the notice is owed until it is told (crash safety) */
	if (signer_set(p))
		rc = signconf_write_noted(w->z->signconf, text, len, &written, err, sizeof(err));
	else
		rc = signconf_write(w->z->signconf, text, len, &written, err, sizeof(err));
	if (rc != 0) {
		log_msg(LOG_ERR, "%s", err);
		log_msg(LOG_ERR, "Error writing signconf for %s", w->z->name);
		written = 0;
	}
out:
	free(keys);
	free(text);
	return written;
}

/* "argv[0] argv[1] ...", for messages; malloc()ed or NULL. */
static char *
signer_line(const char *const *argv)
{
	char *line = NULL, *next;

	for (size_t i = 0; argv[i] != NULL; i++) {
		next = str_printf("%s%s%s", line ? line : "", line ? " " : "", argv[i]);
		free(line);
		line = next;
		if (line == NULL)
			break;
	}
	return line;
}

/* Tell the signer to read the new signconf of zone (1.x: ods-signer update <zone>). */
static void
notify_signer(struct pass *p, const char *zone, const char *signconf)
{
	const char *const *cmd = p->cfg->signer_cmd;
	const char *argv[32];
	struct spawn_result res;
	char *line;
	size_t i;
	int rc;

	if (cmd == NULL || cmd[0] == NULL || p->signer_off)
		return;
	char *words[32] = { NULL };

	for (i = 0; i < sizeof(argv) / sizeof(argv[0]) - 1 && cmd[i] != NULL; i++) {
		/* every "%zone", also inside a word ("--zone=%zone"), is the zone */
		words[i] = str_replace_all(cmd[i], "%zone", zone);
		argv[i] = words[i] != NULL ? words[i] : cmd[i];
	}
	argv[i] = NULL;
	line = signer_line(argv);
	rc = spawn_run(argv, NULL, NULL, 0, &res);
	if (rc == 0 && res.exited && res.status == 0) {
		log_msg(LOG_INFO, "Called signer engine: %s", line ? line : argv[0]);
		signconf_unnote(signconf);
	} else {
		log_msg(LOG_ERR, "Could not call signer engine");
		log_msg(LOG_INFO, "Will continue: call '%s' to manually update the zone",
			line ? line : argv[0]);
		p->signer_off = 1;
	}
	if (rc == 0)
		spawn_result_free(&res);
	free(line);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		free(words[i]);
}

/* enforcer.md §3.11: warn of a KSK rollover within RolloverNotification. */
static void
rollover_notice(const struct pass *p, const struct zone_work *w)
{
	time_t first = 0;
	int active = 0;
	char when[TIME_STR_LEN];

	if (p->cfg->conf->rollover_notification < 0)
		return;
	for (size_t i = 0; i < w->sz.nkeys; i++) {
		const struct state_key *k = &w->sz.keys[i];

		if (k->keytype != STORE_KSK || k->state != STORE_STATE_ACTIVE)
			continue;
		active = 1;
		if (k->retire != 0 && (first == 0 || k->retire < first))
			first = k->retire;
	}
	if (!active) {
		log_msg(LOG_INFO,
			"No active KSKs yet for zone %s, can't check for impending rollover",
			w->z->name);
		return;
	}
	if (first == 0 || first - p->cfg->now > (time_t)p->cfg->conf->rollover_notification)
		return;
	time_format_local(first, when);
	log_msg(LOG_INFO, "Rollover of KSK expected at %s for %s", when, w->z->name);
}

/* ------------------------------------------------------------ DS submission */

struct pubkey_txn {
	const int64_t *ids;
	size_t n;
	char **keys;
};

static int
pubkey_txn(db_t *db, void *arg)
{
	struct pubkey_txn *t = arg;

	store_enf_strings_free(t->keys, t->n);
	t->keys = NULL;
	return store_enf_pubkeys(db, t->ids, t->n, &t->keys);
}

struct pending_txn {
	int64_t zone_id;
};

static int
clear_pending_txn(db_t *db, void *arg)
{
	return store_enf_set_ds_pending(db, ((struct pending_txn *)arg)->zone_id, 0);
}

/*
 * The DNSKEY of a KSK: from the key cache, else from the HSM. *line is the
 * presentation line with ldns's comment; malloc()ed.
 */
static int
ds_dnskey(struct pass *p, const struct zone_work *w, const struct state_key *k, const char *cached,
	char **line)
{
	const char *repo = repo_name(p, k->repository_id);
	uint8_t *key = NULL;
	size_t len = 0;
	struct dnskey dk;
	int rc;

	if (cached != NULL)
		rc = dnskey_key_unbase64(cached, &key, &len);
	else if (repo != NULL)
		rc = hsm_dnskey_public(p->cfg->hsm, repo, k->locator, k->algorithm, &key, &len);
	else
		rc = E_NOTFOUND;
	if (rc != 0)
		return rc;
	dk.flags = (uint16_t)(DNSKEY_FLAGS_KSK | (k->revoked ? DNSKEY_FLAG_REVOKE : 0));
	dk.protocol = 3;
	dk.algorithm = (uint8_t)k->algorithm;
	dk.key = key;
	dk.keylen = len;
	rc = dnskey_format(w->z->name, (uint32_t)w->pol->kasp->key_ttl, &dk, line);
	free(key);
	return rc;
}

/* The submit command as an argv: the whole text when it names a file (1.x), else its words. */
static int
ds_argv(const char *cmd, char **words, const char **argv, size_t max)
{
	struct stat sb;
	size_t n = 0;
	char *save = NULL, *tok;

	if (stat(cmd, &sb) == 0) {
		argv[0] = cmd;
		argv[1] = NULL;
		return 0;
	}
	*words = str_dup(cmd);
	if (*words == NULL)
		return E_NOMEM;
	for (tok = strtok_r(*words, " \t", &save); tok != NULL && n + 1 < max;
		tok = strtok_r(NULL, " \t", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	return n > 0 ? 0 : E_INVAL;
}

/* Feed the DNSKEY records to DelegationSignerSubmitCommand; 0 when it ran and exited 0. */
static int
ds_run(const struct pass *p, const char *input, size_t len)
{
	const char *cmd = p->cfg->conf->ds_submit_cmd;
	const char *argv[64];
	char *words = NULL;
	struct spawn_result res;
	struct stat sb;
	int rc;

	rc = ds_argv(cmd, &words, argv, sizeof(argv) / sizeof(argv[0]));
	if (rc != 0) {
		log_msg(LOG_WARNING, "Cannot stat file %s: %s", cmd, strerror(ENOENT));
		goto out;
	}
	if (stat(argv[0], &sb) != 0) {
		log_msg(LOG_WARNING, "Cannot stat file %s: %s", argv[0], strerror(errno));
		rc = E_NOTFOUND;
		goto out;
	}
	if (S_ISREG(sb.st_mode) && !(sb.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
		log_msg(LOG_WARNING, "File %s is not executable", argv[0]);
		rc = E_DENIED;
		goto out;
	}
	rc = spawn_run(argv, NULL, input, len, &res);
	if (rc != 0) {
		log_msg(LOG_ERR, "Failed to run command: %s: %s", cmd, strerror(errno));
		goto out;
	}
	/* Q11: the exit status counts; a failed submission is tried again next pass */
	if (!res.exited || res.status != 0) {
		log_msg(LOG_ERR, "DS submit command %s %s %d; it runs again on the next pass", cmd,
			res.exited ? "exited with status" : "was killed by signal", res.status);
		rc = E_SPAWN;
	}
	spawn_result_free(&res);
out:
	free(words);
	return rc;
}

/*
 * enforcer.md §4.6 with Q10 and Q11 fixed: the DS set the parent should hold
 * after the pending change, one DNSKEY per line (each followed by its
 * "; {cka_id = ...}" line with the --cka_id option), to the command's stdin.
 * The zone's ds_pending flag is cleared once that has been done.
 */
static void
submit_ds(struct pass *p, const struct zone_work *w)
{
	const struct conf *conf = p->cfg->conf;
	size_t idx[64], n, i;
	int64_t ids[64];
	struct pubkey_txn pk = { ids, 0, NULL };
	char *input = NULL, *ckas = NULL, *next;
	size_t inlen = 0;
	int rc, ok = 1;

	n = state_ds_set(&w->sz, idx, sizeof(idx) / sizeof(idx[0]));
	if (n > sizeof(idx) / sizeof(idx[0]))
		n = sizeof(idx) / sizeof(idx[0]);
	for (i = 0; i < n; i++)
		ids[i] = w->sz.keys[idx[i]].keypair_id;
	pk.n = n;
	log_msg(LOG_INFO, "DSChanged");
	if (n == 0)
		goto done;
	rc = db_transact(p->cfg->db, DB_TXN_READ, pubkey_txn, &pk);
	if (rc != 0) {
		log_msg(LOG_ERR, "SQL failed: %s", db_errmsg(p->cfg->db));
		goto out;
	}
	log_msg(LOG_INFO, "DS Record set has changed, the current set looks like:");
	for (i = 0; i < n; i++) {
		const struct state_key *k = &w->sz.keys[idx[i]];
		char *line = NULL, *shown, *c;

		if (ds_dnskey(p, w, k, pk.keys[i], &line) != 0) {
			log_msg(LOG_ERR, "Key %s in DB but not repository.", k->locator);
			goto out;
		}
		/* the log shows the record as ldns printed it, tabs as spaces */
		shown = str_dup(line);
		for (c = shown; c != NULL && *c; c++) {
			if (*c == '\t')
				*c = ' ';
		}
		log_msg(LOG_INFO, "%s", shown ? shown : line);
		free(shown);
		/* stdin gets the record without the comment, every line ended (Q11) */
		c = strstr(line, " ;{");
		if (c != NULL)
			*c = '\0';
		next = str_printf("%s%s\n%s%s%s", input ? input : "", line,
			conf->ds_submit_cka_id ? "; {cka_id = " : "",
			conf->ds_submit_cka_id ? k->locator : "",
			conf->ds_submit_cka_id ? "}\n" : "");
		free(input);
		input = next;
		next = str_printf("%s, %s", ckas ? ckas : "", k->locator);
		free(ckas);
		ckas = next;
		free(line);
		if (input == NULL || ckas == NULL)
			goto out;
	}
	inlen = strlen(input);
	if (conf->ds_submit_cmd != NULL && ds_run(p, input, inlen) != 0)
		ok = 0;
done:
	log_msg(LOG_INFO,
		"Once the new DS records are seen in DNS please issue the ds-seen "
		"command for zone %s with the following cka_ids%s",
		w->z->name, ckas ? ckas : "");
	if (ok) {
		struct pending_txn t = { w->z->id };

		if (run_pass_write(p, clear_pending_txn, &t) != 0)
			log_msg(LOG_ERR, "SQL failed: %s", db_errmsg(p->cfg->db));
		else
			p->st->ds_submitted++;
	}
out:
	store_enf_strings_free(pk.keys, pk.n);
	free(input);
	free(ckas);
}

/* Everything a committed batch owes: the log lines, the files, the DS, the signer. */
void
run_batch_after(struct pass *p, struct batch *b)
{
	struct zone_work **notify = NULL;
	size_t nnotify = 0, i;

	notify = calloc(b->nzones ? b->nzones : 1, sizeof(*notify));
	if (notify == NULL)
		log_msg(LOG_ERR,
			"out of memory: the signer is told of this batch's zones next pass");
	for (i = 0; i < b->nzones; i++) {
		struct zone_work *w = &b->w[i];
		int short_role = -1;

		log_msg(LOG_INFO, "Zone %s found.", w->z->name);
		if (w->pol == NULL || !w->decided) {
			log_msg(LOG_ERR, "Error reading policy");
			continue;
		}
		p->st->zones++;
		log_msg(LOG_INFO, "Policy for %s set to %s.", w->z->name, w->pol->kasp->name);
		log_msg(LOG_INFO, "Config will be output to %s.",
			w->z->signconf ? w->z->signconf : "");
		/* 1.x: ZSKs first */
		run_allocated_line(
			w->z->name, STORE_ZSK, w->res.allocated[PLAN_ZSK], emit_log, NULL);
		run_allocated_line(
			w->z->name, STORE_KSK, w->res.allocated[PLAN_KSK], emit_log, NULL);
		for (size_t e = 0; e < w->res.nevents; e++) {
			const struct state_event *ev = &w->res.events[e];
			char text[512];
			int prio;

			if (ev->kind == EV_ALLOC_SHORT) {
				log_alloc_short(p, w, ev);
				short_role = ev->keytype == STORE_KSK ? PLAN_KSK : PLAN_ZSK;
				continue;
			}
			if (ev->kind == EV_SHORTAGE)
				short_role = ev->keytype == STORE_KSK ? PLAN_KSK : PLAN_ZSK;
			prio = state_event_text(ev, w->z->name, text, sizeof(text));
			log_msg(prio, "%s", text);
		}
		if (!w->res.abort_zone) {
			for (size_t k = 0; k < w->sz.nkeys; k++)
				p->st->transitions +=
					w->sz.keys[k].changed || w->sz.keys[k].allocated;
		}
		if (write_signconf(p, w, &short_role)) {
			p->st->signconfs_written++;
			if (notify != NULL)
				notify[nnotify++] = w;
		} else if (w->z->signconf != NULL && !w->res.abort_zone) {
			log_msg(LOG_INFO, "No change to: %s", w->z->signconf);
			/* an earlier run wrote it and stopped before telling the signer */
			if (notify != NULL && signer_set(p) && signconf_noted(w->z->signconf))
				notify[nnotify++] = w;
		}
		/* on a replica, the primary submits (and clears ds_pending) */
		if (w->z->ds_pending && !p->cfg->read_only)
			submit_ds(p, w);
		rollover_notice(p, w);
	}
	/* the signer reads what is on disk: make it stay there first */
	if (nnotify > 0) {
		for (i = 0; i < b->nzones; i++) {
			if (b->w[i].z->signconf != NULL) {
				signconf_sync(b->w[i].z->signconf);
				break;
			}
		}
	}
	for (i = 0; i < nnotify; i++)
		notify_signer(p, notify[i]->z->name, notify[i]->z->signconf);
	free(notify);
}
