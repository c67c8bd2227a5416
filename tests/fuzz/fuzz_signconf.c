/*
 * fuzz_signconf.c - fuzz target for the signconf writer's input: a policy.
 * The input is a kasp.xml read by kasp_load() (as `update kasp` reads it);
 * for each policy it accepts, the signconf of a fixed zone and key set is
 * rendered with signconf_format().
 *
 * Checks, beyond memory safety: every policy kasp_load() accepts renders
 * (a loaded policy always has a serial mode with a name), the same inputs
 * give the same bytes twice, and the text validates against the embedded
 * signconf.rng, as the daemon requires before it writes a file.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/kasp.h"
#include "enforcer/signconf.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
render(const struct kasp_policy *p)
{
	const struct signconf_key keys[] = {
		{ 257, p->ksk.algorithm, "0123456789abcdef0123456789abcdef", 1, 0, 1,
			p->ksk.rfc5011 },
		{ 385, p->ksk.algorithm, "fedcba9876543210fedcba9876543210", 1, 0, 1, 1 },
		{ 256, p->zsk.algorithm, "00112233445566778899aabbccddeeff", 0, 1, 1, 0 },
		{ 256, p->zsk.algorithm, "ffeeddccbbaa99887766554433221100", 0, 0, 1, 0 },
	};
	char *text = NULL, *text2 = NULL, err[512] = "";
	size_t len, len2;
	int rc;

	rc = signconf_format("example.com", p, p->nsec3 ? "a1b2c3d4" : NULL, keys,
		sizeof(keys) / sizeof(keys[0]), &text, &len);
	if (rc != 0) {
		fprintf(stderr, "fuzz_signconf: policy \"%s\" does not render: %d\n", p->name, rc);
		abort();
	}
	if (strlen(text) != len)
		abort();
	if (signconf_format("example.com", p, p->nsec3 ? "a1b2c3d4" : NULL, keys,
		    sizeof(keys) / sizeof(keys[0]), &text2, &len2) != 0 ||
		len2 != len || memcmp(text, text2, len) != 0)
		abort();
	rc = signconf_validate(text, len, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "fuzz_signconf: policy \"%s\": signconf does not validate: %s\n",
			p->name, err);
		abort();
	}
	free(text);
	free(text2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kasp *k = NULL;
	char err[512];

	if (size > 64 * 1024)
		return 0;
	if (kasp_load(fuzz_file("input.xml", data, size), &k, err, sizeof(err)) != 0)
		return 0;
	for (size_t i = 0; i < k->npolicies && i < 8; i++)
		render(&k->policies[i]);
	kasp_free(k);
	return 0;
}

#include "tests/fuzz/replay.h"
