/*
 * run.c - one enforce pass (run.h). Placeholder while the pass is written.
 */
#include "config.h"

#include "common/err.h"
#include "enforcer/run.h"

int
run_pass(const struct run_config *cfg, struct run_stats *stats)
{
	(void)cfg;
	(void)stats;
	return E_UNSUPPORTED;
}
