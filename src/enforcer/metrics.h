/*
 * metrics.h - the key-lifecycle metrics of a database, in the Prometheus
 * text format (version 0.0.4, what node-exporter's textfile collector
 * reads): `ods-ksmutil metrics` prints them, and ods-enforcerd writes them
 * after every pass to conf.xml's Enforcer/MetricsFile.
 *
 * Everything but the kasp_hsm_* counts comes from the database, so the
 * command and the file say the same thing whoever writes them:
 *   kasp_zones{policy}                        zones per policy
 *   kasp_keys{policy,type,state}              key allocations
 *   kasp_unallocated_keys{policy}             key pairs not allocated yet
 *   kasp_keys_needed{policy,type}             what the policy's zones need
 *                                             (plan_needed(), one interval
 *                                             of look-ahead)
 *   kasp_next_rollover_seconds{zone,type}     until the earliest retire date
 *                                             of the zone's active keys
 *                                             (negative: overdue)
 *   kasp_next_rollover_min_seconds            the earliest of all of them
 *   kasp_ds_seen_waiting_seconds{zone,cka_id} how long a KSK has waited for
 *                                             ds-seen (since it became ready)
 *   kasp_ds_seen_waiting_keys                 how many KSKs wait
 *   kasp_enforcer_*{node}                     per daemon: leader (0/1),
 *                                             heartbeat, last pass start,
 *                                             duration and success
 *   kasp_hsm_listed{repository}               with an HSM handle: 1 when the
 *                                             token was listed (0: it could not
 *                                             be, or keys were being generated)
 *   kasp_hsm_keys{repository}                 key pairs in the token
 *   kasp_hsm_orphan_keys{repository}          of those, named by no key row
 *   kasp_hsm_missing_keys{repository}         key pairs whose key it lacks
 *   kasp_metrics_timestamp_seconds            when these were taken
 * The keys are read row by row (two queries), so memory does not grow with
 * the number of zones; the output does (two lines per zone).
 */
#ifndef ENFORCER_METRICS_H
#define ENFORCER_METRICS_H

#include <stdio.h>
#include <time.h>

#include "config/conf.h"
#include "db/db.h"
#include "hsm/hsm.h"

/*
 * Write the metrics of db as of now to out. conf gives the enforcer
 * interval (for kasp_keys_needed) and the repositories; with hsm (may be
 * NULL) each repository's token is listed for the kasp_hsm_* counts, one
 * listing per repository (a token that cannot be listed is reported, not
 * an error). Returns 0, a db/store error code, or E_IO when out failed.
 */
int metrics_write(db_t *db, const struct conf *conf, hsm_t *hsm, time_t now, FILE *out);

/*
 * metrics_write() into path, replaced atomically (a reader sees the old or
 * the new file, never a part), mode 0644. Returns 0 or an error code.
 */
int metrics_write_file(db_t *db, const struct conf *conf, hsm_t *hsm, time_t now, const char *path);

#endif
