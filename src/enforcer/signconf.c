/*
 * signconf.c - the signconf file of a zone (signconf.h). Placeholder.
 */
#include "config.h"

#include "common/err.h"
#include "enforcer/signconf.h"

int
signconf_format(const char *zone, const struct kasp_policy *p, const char *salt,
	const struct signconf_key *keys, size_t nkeys, char **out, size_t *len)
{
	(void)zone; (void)p; (void)salt; (void)keys; (void)nkeys; (void)out; (void)len;
	return E_UNSUPPORTED;
}
