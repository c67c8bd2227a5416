/*
 * metrics.c - the Prometheus text of metrics.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/fileio.h"
#include "enforcer/metrics.h"
#include "enforcer/plan.h"
#include "store/store.h"

/* The families' HELP and TYPE lines. */
static void
family(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A label value with \, " and line feed escaped, as the format wants. */
static void
label(FILE *out, const char *v)
{
	for (; v != NULL && *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

/* What the first pass over the keys adds up, per policy of the database. */
struct policy_count {
	int64_t id;
	const char *name;
	int64_t keys[2][STORE_STATE_MAX + 1]; /* [KSK, ZSK][state] */
	int64_t unallocated;
};

struct key_pass {
	FILE *out;
	time_t now;
	struct policy_count *pol;
	size_t npol;
	/* the zone being read: the earliest retire date of its active keys per type */
	int64_t zone_id;
	const char *zone; /* copy of the zone's name (the row is borrowed) */
	time_t retire[2];
	int have_min;
	time_t min_retire;
};

static struct policy_count *
find_policy(struct key_pass *p, int64_t id)
{
	for (size_t i = 0; i < p->npol; i++) {
		if (p->pol[i].id == id)
			return &p->pol[i];
	}
	return NULL;
}

static int
role_of(int keytype)
{
	return keytype == STORE_KSK ? 0 : 1;
}

/* The next-rollover lines of the zone read so far. */
static void
zone_done(struct key_pass *p)
{
	static const char *const type[2] = { "KSK", "ZSK" };

	for (int r = 0; p->zone != NULL && r < 2; r++) {
		if (p->retire[r] == 0)
			continue;
		fputs("kasp_next_rollover_seconds{zone=\"", p->out);
		label(p->out, p->zone);
		fprintf(p->out, "\",type=\"%s\"} %" PRId64 "\n", type[r],
			(int64_t)(p->retire[r] - p->now));
		if (!p->have_min || p->retire[r] < p->min_retire) {
			p->min_retire = p->retire[r];
			p->have_min = 1;
		}
	}
	free((char *)p->zone);
	p->zone = NULL;
	p->retire[0] = p->retire[1] = 0;
}

static int
key_row(void *arg, const struct store_key *k)
{
	struct key_pass *p = arg;
	struct policy_count *pc = find_policy(p, k->policy_id);
	int r = role_of(k->keytype);

	if (k->zone_id == 0) {
		if (pc != NULL)
			pc->unallocated++;
		return 0;
	}
	if (pc != NULL && k->state >= 1 && k->state <= STORE_STATE_MAX)
		pc->keys[r][k->state]++;
	if (k->zone_id != p->zone_id) {
		zone_done(p);
		p->zone_id = k->zone_id;
		if ((p->zone = strdup(k->zone != NULL ? k->zone : "")) == NULL)
			return E_NOMEM;
	}
	if (k->state == STORE_STATE_ACTIVE && k->retire != 0 &&
		(p->retire[r] == 0 || k->retire < p->retire[r]))
		p->retire[r] = k->retire;
	return 0;
}

/* The KSKs waiting for ds-seen (second query). */
struct wait_pass {
	FILE *out;
	time_t now;
	int64_t n;
};

static int
wait_row(void *arg, const struct store_key *k)
{
	struct wait_pass *w = arg;
	/* a standby KSK waits from its publication, a KSK to roll from its readiness */
	time_t since = k->state == STORE_STATE_READY ? k->ready : k->publish;

	fputs("kasp_ds_seen_waiting_seconds{zone=\"", w->out);
	label(w->out, k->zone);
	fputs("\",cka_id=\"", w->out);
	label(w->out, k->locator);
	fprintf(w->out, "\"} %" PRId64 "\n", since != 0 ? (int64_t)(w->now - since) : 0);
	w->n++;
	return 0;
}

/* Per policy: zones, allocations by type and state, spares, and what the zones need. */
static int
policy_lines(
	db_t *db, const struct conf *conf, const struct store_policy *pl, const struct key_pass *p)
{
	static const char *const type[2] = { "KSK", "ZSK" };
	FILE *out = p->out;
	int rc = 0;

	family(out, "kasp_zones", "Zones per policy.");
	for (size_t i = 0; i < p->npol; i++) {
		fputs("kasp_zones{policy=\"", out);
		label(out, p->pol[i].name);
		fprintf(out, "\"} %d\n", pl[i].zones);
	}
	family(out, "kasp_keys", "Key allocations by policy, key type and state.");
	for (size_t i = 0; i < p->npol; i++) {
		for (int r = 0; r < 2; r++) {
			for (int s = 1; s <= STORE_STATE_MAX; s++) {
				fputs("kasp_keys{policy=\"", out);
				label(out, p->pol[i].name);
				fprintf(out, "\",type=\"%s\",state=\"%s\"} %" PRId64 "\n", type[r],
					store_state_name(s), p->pol[i].keys[r][s]);
			}
		}
	}
	family(out, "kasp_unallocated_keys",
		"Key pairs generated for a policy and not allocated to a zone yet.");
	for (size_t i = 0; i < p->npol; i++) {
		fputs("kasp_unallocated_keys{policy=\"", out);
		label(out, p->pol[i].name);
		fprintf(out, "\"} %" PRId64 "\n", p->pol[i].unallocated);
	}
	family(out, "kasp_keys_needed",
		"Keys of a type the policy's zones need for the next "
		"enforcer interval (what key generation aims at).");
	for (size_t i = 0; i < p->npol && rc == 0; i++) {
		struct kasp_policy *kp = NULL;

		if ((rc = store_policy_get(db, pl[i].name, &kp)) != 0)
			break;
		for (int r = 0; r < 2; r++) {
			fputs("kasp_keys_needed{policy=\"", out);
			label(out, p->pol[i].name);
			fprintf(out, "\",type=\"%s\"} %" PRId64 "\n", type[r],
				plan_needed(kp, r == 0 ? PLAN_KSK : PLAN_ZSK, conf->interval,
					pl[i].zones));
		}
		kasp_policy_free(kp);
	}
	return rc;
}

/* The start of a daemon's sample: name{host="...",pid="..."} and a space. */
static void
node_sample(FILE *out, const char *name, const struct store_node *x)
{
	fprintf(out, "%s{host=\"", name);
	label(out, x->host);
	fprintf(out, "\",pid=\"%" PRId64 "\"} ", x->pid);
}

/* 1 when the daemon has finished a pass since it last started one. */
static int
pass_done(const struct store_node *x)
{
	return x->pass_started != 0 && x->pass_finished >= x->pass_started;
}

/* Per daemon sharing the database: the lead, the heartbeat and the last pass. */
static int
node_lines(db_t *db, FILE *out)
{
	struct store_node *nodes = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = store_node_list(db, &nodes, &n)) != 0)
		return rc;
	family(out, "kasp_enforcer_leader", "1 for the daemon that leads, 0 for the others.");
	for (i = 0; i < n; i++) {
		node_sample(out, "kasp_enforcer_leader", &nodes[i]);
		fprintf(out, "%d\n", strcmp(nodes[i].role, "leader") == 0);
	}
	family(out, "kasp_enforcer_heartbeat_timestamp_seconds",
		"When a daemon last wrote its heartbeat.");
	for (i = 0; i < n; i++) {
		node_sample(out, "kasp_enforcer_heartbeat_timestamp_seconds", &nodes[i]);
		fprintf(out, "%" PRId64 "\n", (int64_t)nodes[i].heartbeat);
	}
	family(out, "kasp_enforcer_pass_start_timestamp_seconds",
		"When a daemon's last pass started.");
	for (i = 0; i < n; i++) {
		if (nodes[i].pass_started == 0)
			continue;
		node_sample(out, "kasp_enforcer_pass_start_timestamp_seconds", &nodes[i]);
		fprintf(out, "%" PRId64 "\n", (int64_t)nodes[i].pass_started);
	}
	family(out, "kasp_enforcer_pass_duration_seconds",
		"How long a daemon's last finished pass took.");
	for (i = 0; i < n; i++) {
		if (!pass_done(&nodes[i]))
			continue;
		node_sample(out, "kasp_enforcer_pass_duration_seconds", &nodes[i]);
		fprintf(out, "%" PRId64 "\n",
			(int64_t)(nodes[i].pass_finished - nodes[i].pass_started));
	}
	family(out, "kasp_enforcer_pass_success",
		"1 when a daemon's last finished pass ended well, else 0.");
	for (i = 0; i < n; i++) {
		if (!pass_done(&nodes[i]))
			continue;
		node_sample(out, "kasp_enforcer_pass_success", &nodes[i]);
		fprintf(out, "%d\n",
			nodes[i].pass_outcome != NULL && strcmp(nodes[i].pass_outcome, "ok") == 0);
	}
	store_node_free_array(nodes, n);
	return 0;
}

/* ------------------------------------------------------------ the tokens */

/* One repository's token against the key pair rows of the database. */
struct token_pass {
	const char *repository;
	struct hsm_key *keys; /* the token's key pairs, sorted by id */
	size_t n;
	unsigned char *seen;    /* per key: a row names it */
	unsigned char *missing; /* bit per key pair id already counted missing */
	size_t nmissing_bytes;
	int64_t missing_count;
	int listed; /* the token was listed: the counts stand */
};

/* Every repository's token, for the one pass over the key rows. */
struct tokens {
	struct token_pass *t;
	size_t n;
};

static int
hsm_id_cmp(const void *pa, const void *pb)
{
	const struct hsm_key *a = pa, *b = pb;

	return strcasecmp(a->id, b->id);
}

/*
 * Mark the key a row names in its repository's token, or count the row's
 * key pair missing there (once).
 */
static int
token_row(void *arg, const struct store_key *k)
{
	const struct tokens *all = arg;
	struct token_pass *t = NULL;
	struct hsm_key probe, *hit = NULL;
	size_t byte;

	for (size_t i = 0; k->repository != NULL && i < all->n; i++) {
		if (all->t[i].listed && strcmp(k->repository, all->t[i].repository) == 0)
			t = &all->t[i];
	}
	if (t == NULL)
		return 0;
	memset(&probe, 0, sizeof(probe));
	if (k->locator != NULL && strlen(k->locator) < sizeof(probe.id)) {
		memcpy(probe.id, k->locator, strlen(k->locator) + 1);
		hit = t->n > 0 ? bsearch(&probe, t->keys, t->n, sizeof(*t->keys), hsm_id_cmp)
			       : NULL;
	}
	if (hit != NULL) {
		t->seen[hit - t->keys] = 1;
		return 0;
	}
	/* a shared key pair comes once per zone: count it once */
	byte = (size_t)(k->keypair_id / 8);
	if (k->keypair_id < 0)
		return 0;
	if (byte >= t->nmissing_bytes) {
		size_t len = byte + 1 > 2 * t->nmissing_bytes ? byte + 1 : 2 * t->nmissing_bytes;
		unsigned char *grown = realloc(t->missing, len);

		if (grown == NULL)
			return E_NOMEM;
		memset(grown + t->nmissing_bytes, 0, len - t->nmissing_bytes);
		t->missing = grown;
		t->nmissing_bytes = len;
	}
	if (!(t->missing[byte] & (1u << (k->keypair_id % 8)))) {
		t->missing[byte] |= (unsigned char)(1u << (k->keypair_id % 8));
		t->missing_count++;
	}
	return 0;
}

/* List one repository's token, sorted by id; 1 when it cannot be listed. */
static int
token_list(hsm_t *hsm, struct token_pass *t)
{
	int rc = hsm_list(hsm, t->repository, &t->keys, &t->n, NULL);

	if (rc != 0)
		return rc == E_NOMEM ? rc : 1;
	if (t->n > 1)
		qsort(t->keys, t->n, sizeof(*t->keys), hsm_id_cmp);
	if ((t->seen = calloc(t->n + 1, 1)) == NULL)
		return E_NOMEM;
	t->listed = 1;
	return 0;
}

static void
repo_sample(FILE *out, const char *name, const char *repository, int64_t v)
{
	fprintf(out, "%s{repository=\"", name);
	label(out, repository);
	fprintf(out, "\"} %" PRId64 "\n", v);
}

/*
 * The kasp_hsm_* families: per repository whether its token could be
 * listed, its key pairs, those no row names (orphans) and the key pairs
 * whose key the token lacks. Under the "keygen" lock, tried once: while a
 * generation runs, its new keys would count as orphans, so the counts are
 * left out (listed 0) for this time.
 */
static int
token_lines(db_t *db, const struct conf *conf, hsm_t *hsm, FILE *out)
{
	struct tokens all = { NULL, conf->nrepos };
	struct store_key_filter f;
	int locked, any = 0, rc = 0;
	size_t i, n = conf->nrepos;

	if ((all.t = calloc(n + 1, sizeof(*all.t))) == NULL)
		return E_NOMEM;
	locked = db_lock(db, STORE_KEYGEN_LOCK, 0) == 0;
	for (i = 0; locked && i < n && rc == 0; i++) {
		all.t[i].repository = conf->repos[i].name;
		rc = token_list(hsm, &all.t[i]);
		if (rc == 1)
			rc = 0; /* this token is reported as not listed */
		any |= all.t[i].listed;
	}
	/* one pass over the key rows serves every token */
	memset(&f, 0, sizeof(f));
	f.unallocated = 1;
	if (rc == 0 && any)
		rc = store_key_each(db, &f, token_row, &all);
	if (locked)
		(void)db_unlock(db, STORE_KEYGEN_LOCK); /* a lock we hold: nothing to report */
	family(out, "kasp_hsm_listed",
		"1 when a repository's token was listed for the "
		"kasp_hsm_* counts, else 0 (unreachable, or a key generation was running).");
	for (i = 0; i < n; i++)
		repo_sample(out, "kasp_hsm_listed", conf->repos[i].name, all.t[i].listed);
	family(out, "kasp_hsm_keys", "Key pairs in a repository's token.");
	for (i = 0; i < n; i++) {
		if (all.t[i].listed)
			repo_sample(out, "kasp_hsm_keys", all.t[i].repository, (int64_t)all.t[i].n);
	}
	family(out, "kasp_hsm_orphan_keys",
		"Key pairs in a token that no key of the database "
		"names (ods-ksmutil key orphans lists them).");
	for (i = 0; i < n; i++) {
		int64_t orphans = 0;

		if (!all.t[i].listed)
			continue;
		for (size_t j = 0; j < all.t[i].n; j++)
			orphans += !all.t[i].seen[j];
		repo_sample(out, "kasp_hsm_orphan_keys", all.t[i].repository, orphans);
	}
	family(out, "kasp_hsm_missing_keys",
		"Key pairs of the database whose key is not in "
		"their repository's token.");
	for (i = 0; i < n; i++) {
		if (all.t[i].listed)
			repo_sample(out, "kasp_hsm_missing_keys", all.t[i].repository,
				all.t[i].missing_count);
	}
	for (i = 0; i < n; i++) {
		free(all.t[i].keys);
		free(all.t[i].seen);
		free(all.t[i].missing);
	}
	free(all.t);
	return rc;
}

int
metrics_write(db_t *db, const struct conf *conf, hsm_t *hsm, time_t now, FILE *out)
{
	struct store_policy *pl = NULL;
	struct key_pass p = { .out = out, .now = now };
	struct wait_pass w = { .out = out, .now = now };
	struct store_key_filter f;
	size_t npl = 0;
	int rc;

	if ((rc = store_policy_list(db, STORE_ORDER_NAME, &pl, &npl)) != 0)
		return rc;
	if (npl > 0 && (p.pol = calloc(npl, sizeof(*p.pol))) == NULL) {
		rc = E_NOMEM;
		goto out;
	}
	p.npol = npl;
	for (size_t i = 0; i < npl; i++) {
		p.pol[i].id = pl[i].id;
		p.pol[i].name = pl[i].name;
	}
	family(out, "kasp_next_rollover_seconds",
		"Seconds until the earliest retire date of "
		"a zone's active keys of a type (negative: overdue; absent: never).");
	memset(&f, 0, sizeof(f));
	f.unallocated = 1;
	rc = store_key_each(db, &f, key_row, &p);
	zone_done(&p);
	if (rc != 0)
		goto out;
	family(out, "kasp_next_rollover_min_seconds",
		"The earliest of kasp_next_rollover_seconds.");
	if (p.have_min)
		fprintf(out, "kasp_next_rollover_min_seconds %" PRId64 "\n",
			(int64_t)(p.min_retire - now));
	if ((rc = policy_lines(db, conf, pl, &p)) != 0)
		goto out;
	family(out, "kasp_ds_seen_waiting_seconds",
		"How long a KSK has waited for ds-seen "
		"(since it became ready; a standby KSK since it was published).");
	memset(&f, 0, sizeof(f));
	f.keytype = STORE_KSK;
	f.states = 1u << STORE_STATE_READY | 1u << STORE_STATE_DSSUB;
	if ((rc = store_key_each(db, &f, wait_row, &w)) != 0)
		goto out;
	family(out, "kasp_ds_seen_waiting_keys", "KSKs waiting for ds-seen.");
	fprintf(out, "kasp_ds_seen_waiting_keys %" PRId64 "\n", w.n);
	if ((rc = node_lines(db, out)) != 0)
		goto out;
	if (hsm != NULL && (rc = token_lines(db, conf, hsm, out)) != 0)
		goto out;
	family(out, "kasp_metrics_timestamp_seconds", "When these metrics were taken.");
	fprintf(out, "kasp_metrics_timestamp_seconds %" PRId64 "\n", (int64_t)now);
	if (fflush(out) != 0 || ferror(out))
		rc = E_IO;
out:
	free(p.pol);
	store_policy_free_array(pl, npl);
	return rc;
}

int
metrics_write_file(db_t *db, const struct conf *conf, hsm_t *hsm, time_t now, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int rc, saved;

	if ((mem = open_memstream(&text, &len)) == NULL)
		return E_NOMEM;
	rc = metrics_write(db, conf, hsm, now, mem);
	saved = errno;
	if (fclose(mem) != 0 && rc == 0)
		rc = E_NOMEM;
	if (rc == 0)
		rc = file_write_atomic(path, text, len, 0644);
	else
		errno = saved;
	free(text);
	return rc;
}
