/*
 * run_internal.h - what the files of the enforce pass share. Private to
 * src/enforcer/run*.c: run.c (policies, salt, the pass itself, zone add),
 * run_keygen.c (key generation and purge), run_zones.c (reading and
 * deciding a batch of zones), run_after.c (what follows a commit: log
 * lines, signconf files, the signer, DS submission).
 */
#ifndef ENFORCER_RUN_INTERNAL_H
#define ENFORCER_RUN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "enforcer/plan.h"
#include "enforcer/run.h"
#include "enforcer/state.h"
#include "store/store.h"

/* Key pairs made in the HSM before their rows are written in one transaction. */
#define KEYGEN_ROWS_PER_TXN 64

struct pass {
	const struct run_config *cfg;
	struct run_stats *st;
	struct store_enf_policy *pol;
	size_t npol;
	struct store_repository *repos;
	size_t nrepos;
	int signer_off; /* a signer call failed: no more this pass */
};

static inline int
stopping(const struct pass *p)
{
	return p->cfg->stop != NULL && *p->cfg->stop;
}

/* Is there a signer to tell of new signconf files? */
static inline int
signer_set(const struct pass *p)
{
	return p->cfg->signer_cmd != NULL && p->cfg->signer_cmd[0] != NULL;
}

static inline const char *
repo_name(const struct pass *p, int64_t id)
{
	for (size_t i = 0; i < p->nrepos; i++) {
		if (p->repos[i].id == id)
			return p->repos[i].name;
	}
	return NULL;
}

static inline struct store_enf_policy *
policy_by_id(const struct pass *p, int64_t id)
{
	for (size_t i = 0; i < p->npol; i++) {
		if (p->pol[i].id == id)
			return &p->pol[i];
	}
	return NULL;
}

static inline const char *
role_word(int role, int upper)
{
	if (role == PLAN_KSK)
		return upper ? "KSK" : "ksk";
	return upper ? "ZSK" : "zsk";
}

/* The spare key pairs of one pool, read in chunks while a batch needs them. */
struct pool {
	struct store_key_pool key;
	int loaded;
	int64_t cursor;                  /* id of the last key pair taken before this chunk */
	struct store_enf_spare **chunks; /* every chunk read stays until the batch ends */
	size_t *nchunk;
	size_t nchunks;
	struct state_key *tmpl; /* the current chunk as templates */
	struct state_pool sp;
	int exhausted; /* the last read found no more */
	/* <ShareKeys/>: key pairs in use per role, growing as zones take new ones */
	struct state_key *shared[2];
	size_t nshared[2], capshared[2];
	int shared_loaded;
};

struct zone_work {
	struct store_enf_zone *z;
	struct store_enf_policy *pol;
	struct state_zone sz;
	struct state_result res;
	int decided;
};

struct batch {
	struct pass *pass;
	int64_t after;
	int64_t only_policy_id;
	size_t limit;  /* zones per batch (0: RUN_BATCH_ZONES) */
	int link_only; /* zone add: allocate, move nothing (§3.7) */
	struct store_enf_zone *zones;
	size_t nzones;
	struct store_enf_key *keys;
	size_t nkeys;
	struct zone_work *w;
	struct pool **pools; /* each allocated alone: zones keep pointers to them */
	size_t npools;
	struct state_key *saved; /* a zone's keys before a decision that ran short */
	size_t savedcap;
};

/* Each function is described where it is defined. */

/* run.c */
int run_pass_write(const struct pass *p, int (*fn)(db_t *db, void *arg), void *arg);

/* run_keygen.c */
int run_keygen(struct pass *p, const struct store_enf_policy *pol);
void run_purge(struct pass *p, const struct store_enf_policy *pol);

/* run_zones.c */
void run_batch_reset(struct batch *b);
int run_batch_txn(db_t *db, void *arg);

/* run_after.c */
void run_alloc_short_lines(
	int manual, const char *zone, const struct state_event *ev, run_emit_fn emit, void *ctx);
void run_allocated_line(const char *zone, int keytype, size_t n, run_emit_fn emit, void *ctx);
void run_batch_after(struct pass *p, struct batch *b);

#endif
