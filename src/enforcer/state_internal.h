/*
 * state_internal.h - what the files of the key-state machine share. Private
 * to src/enforcer/state*.c: state.c (one zone's decision) uses these
 * helpers of state_formula.c (the waits and dates). Pure, like them.
 */
#ifndef ENFORCER_STATE_INTERNAL_H
#define ENFORCER_STATE_INTERNAL_H

#include <stdint.h>

#include "enforcer/plan.h"
#include "enforcer/state.h"

/* The policy's key definition of a key type (STORE_KSK or STORE_ZSK). */
const struct kasp_keydef *state_keydef(const struct kasp_policy *p, int keytype);

/* The plan.h role of a key type. */
enum plan_role state_role_of(int keytype);

/* How long an RFC 5011 key waits beyond the usual: the hold-down. */
int64_t state_holddown(const struct kasp_policy *p);

/* The look-ahead window of a key type's role (plan_window()). */
int64_t state_window(const struct state_params *sp, int keytype);

#endif
