/* state.c - placeholder while the state machine is written */
#include "config.h"
#include "common/err.h"
#include "enforcer/state.h"
int
state_decide(const struct state_params *sp, struct state_zone *zone,
	struct state_spares spares[2], struct state_result *res)
{
	(void)sp; (void)zone; (void)spares; (void)res;
	return E_UNSUPPORTED;
}
