/*
 * cmd_update_internal.h - what the two files of ods-ksmutil's imports
 * share beyond ksmutil.h; private: included only by
 * src/ksmutil/cmd_update.c (the commands, reading and checking the files)
 * and src/ksmutil/cmd_update_txn.c (the import transaction).
 */
#ifndef KSMUTIL_CMD_UPDATE_INTERNAL_H
#define KSMUTIL_CMD_UPDATE_INTERNAL_H

#include <stddef.h>
#include <time.h>

#include "common/spawn.h"
#include "common/strbuf.h"

struct ksm_ctx;
struct zonelist_zone;

enum update_step {
	UPDATE_STEP_NONE,
	UPDATE_STEP_REPOSITORIES,
	UPDATE_STEP_POLICIES,
	UPDATE_STEP_ZONES,
};

/* The word of "Failed to update <word>" for each step. */
extern const char *const update_step_text[];

/* One KSK or ZSK algorithm that an import would change. */
struct update_algo_change {
	const char *policy;  /* borrowed from the loaded kasp */
	const char *keytype; /* "KSK" or "ZSK" */
	int from, to;
};

struct ksm_import {
	int setup; /* setup: failures also print "SETUP FAILED" */
	int do_conf, do_kasp, do_zonelist;
	struct kasp *kasp;
	char *missing_policy;       /* setup: the first zone policy kasp.xml lacks */
	struct zonelist_reader *zr; /* the transaction's pass over zonelist.xml */
	void *names;                /* tsearch() tree of the zone names read so far */
	const char *zl_path;
	int zl_locked; /* zl_lock holds zonelist_lock() against zone add/delete */
	int zl_lock;
	struct spawn_result check; /* ods-kaspcheck's output (setup prints it later) */
	int have_check;
	time_t now;

	struct update_algo_change *changes;
	size_t nchanges;

	/* Set by the transaction. */
	struct strbuf text;
	enum update_step failed; /* the step that failed */
	int user_error;          /* the failure was explained in text (bad input, not the DB) */
};

/* Print "Failed to update <step>" (and "SETUP FAILED" for setup); returns KSM_EUSAGE. */
int update_fail_step(struct ksm_import *im, enum update_step step);

/* Forget the zone names update_check_zone() has seen. */
void update_names_forget(struct ksm_import *im);

/*
 * Normalise the name of zone z and refuse one listed twice, or both with
 * and without the trailing dot. 0, or -1 with msg written, or E_NOMEM.
 */
int update_check_zone(struct ksm_import *im, struct zonelist_zone *z, char *msg, size_t msglen);

/* Run the import transaction and print its outcome; returns an exit status. */
int update_import_run(struct ksm_ctx *ctx, struct ksm_import *im);

/* Free im and all it holds, releasing the zone list lock; NULL is a no-op. */
void update_import_free(struct ksm_import *im);

#endif
