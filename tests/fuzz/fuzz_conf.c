/*
 * fuzz_conf.c - fuzz target for conf.xml: conf_load() on the input written
 * to a file, RelaxNG validation included (the real loader, the real path).
 *
 * Checks, beyond memory safety: a failure leaves *out alone and says why in
 * one non-empty line; a success gives a configuration whose stated
 * invariants hold (durations not negative, RolloverNotification -1 or not
 * negative, repositories named, Capacity not negative, conf_repository()
 * finds each repository or an earlier one of the same name, the signer
 * argv NULL-terminated with no empty words, a datastore of a known engine).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/conf.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_err(const char *err)
{
	if (err[0] == '\0' || strchr(err, '\n') != NULL)
		abort();
}

static void
check_conf(const struct conf *c)
{
	if (c->path == NULL || c->policy_file == NULL || c->zonelist_file == NULL ||
		c->pid_file == NULL)
		abort();
	if (c->interval < 0 || c->rollover_notification < -1 || c->verbosity < 0)
		abort();
	for (size_t i = 0; i < c->nrepos; i++) {
		const struct conf_repository *r = &c->repos[i], *found;

		if (r->name == NULL || r->module == NULL || r->token_label == NULL ||
			r->capacity < 0)
			abort();
		found = conf_repository(c, r->name);
		if (found == NULL || found > r || strcmp(found->name, r->name) != 0)
			abort();
	}
	if (c->signer_notify_argv != NULL) {
		for (char **w = c->signer_notify_argv; *w != NULL; w++) {
			if ((*w)[0] == '\0')
				abort();
		}
	}
	switch (c->datastore.backend) {
	case CONF_BACKEND_SQLITE:
		if (c->datastore.path == NULL)
			abort();
		break;
	case CONF_BACKEND_MYSQL:
	case CONF_BACKEND_PGSQL:
		if (c->datastore.database == NULL || c->datastore.port == 0 ||
			c->datastore.port > 65535)
			abort();
		break;
	default: abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = (struct conf *)&size; /* a sentinel: must stay */
	char err[512] = "";
	int rc;

	if (size > 64 * 1024)
		return 0;
	rc = conf_load(fuzz_file("input.xml", data, size), &c, err, sizeof(err));
	if (rc != 0) {
		if (c != (struct conf *)&size)
			abort();
		if (rc != E_IO && rc != E_PARSE && rc != E_RANGE && rc != E_INVAL && rc != E_NOMEM)
			abort();
		check_err(err);
		return 0;
	}
	check_conf(c);
	conf_free(c);
	return 0;
}

#include "tests/fuzz/replay.h"
