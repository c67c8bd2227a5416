/*
 * fuzz_keyimport.c - fuzz target for the argument checks of `key import`:
 * ksm_cka_id_ok() (--cka_id) and ksm_key_import_check() (--keytype,
 * --bits, --algorithm, --keystate, --time, --retire), as cmd_key_import.c
 * calls them.
 *
 * Input: the values separated by newlines, in that order (cka_id, keytype,
 * bits, algorithm, keystate, time, retire); a missing retire line means no
 * --retire. Runs in UTC with a fixed "now". Checks, beyond memory safety:
 *  - a CKA_ID is accepted exactly when it is 32 hexadecimal digits;
 *  - an accepted set of values is a KSK or ZSK of 1..65535 bits, of an
 *    algorithm the HSM layer can hold, in a state GENERATE..RETIRE, and
 *    when a retire time is given the key is ACTIVE and retires at or after
 *    its time; without one, retire is 0;
 *  - a refusal names the first check that fails: every check before it
 *    passes on its own, and checking again gives the same answer.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsm/hsm.h"
#include "ksmutil/ksmutil.h"
#include "store/store.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_CKA, F_TYPE, F_BITS, F_ALG, F_STATE, F_TIME, F_RETIRE, F_N };

static int
hex32(const char *s)
{
	size_t n = strlen(s);

	if (n != 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const time_t now = 1262347200;
	struct ksm_import_values v, v2;
	struct ksm_opts o;
	enum ksm_import_check chk;
	char *text, *f[F_N] = { NULL }, *p;
	int nf = 0;

	fuzz_utc();
	if (size > 4096)
		return 0;
	text = fuzz_cstr(data, size);
	for (p = text; nf < F_N; nf++) {
		f[nf] = p;
		p = strchr(p, '\n');
		if (p == NULL) {
			nf++;
			break;
		}
		*p++ = '\0';
	}
	for (int i = nf; i < F_RETIRE; i++)
		f[i] = "";

	if (ksm_cka_id_ok(f[F_CKA]) != hex32(f[F_CKA]))
		abort();

	memset(&o, 0, sizeof(o));
	o.cka_id = f[F_CKA];
	o.keytype = f[F_TYPE];
	o.bits = f[F_BITS];
	o.algorithm = f[F_ALG];
	o.keystate = f[F_STATE];
	o.time = f[F_TIME];
	o.retire = nf > F_RETIRE ? f[F_RETIRE] : NULL;

	chk = ksm_key_import_check(&o, now, &v);
	if (ksm_key_import_check(&o, now, &v2) != chk || memcmp(&v, &v2, sizeof(v)) != 0)
		abort();
	/* the checks before the failing one (or all of them) passed */
	if (chk > KSM_IMPORT_BAD_KEYTYPE && v.keytype != STORE_KSK && v.keytype != STORE_ZSK)
		abort();
	if (chk > KSM_IMPORT_ZERO_BITS && (v.bits < 1 || v.bits > 65535))
		abort();
	if (chk == KSM_IMPORT_ZERO_BITS && v.bits != 0)
		abort();
	if (chk > KSM_IMPORT_BAD_ALGORITHM && hsm_alg_family(v.algorithm) == 0)
		abort();
	if (chk > KSM_IMPORT_BAD_STATE &&
		(v.state < STORE_STATE_GENERATE || v.state > STORE_STATE_RETIRE))
		abort();
	if (chk == KSM_IMPORT_OK || chk > KSM_IMPORT_RETIRE_STATE) {
		if (o.retire != NULL && v.state != STORE_STATE_ACTIVE)
			abort();
	}
	switch (chk) {
	case KSM_IMPORT_OK:
		if (o.retire != NULL ? v.retire < v.at : v.retire != 0)
			abort();
		break;
	case KSM_IMPORT_RETIRE_STATE:
		if (o.retire == NULL || v.state == STORE_STATE_ACTIVE)
			abort();
		break;
	case KSM_IMPORT_RETIRE_EARLY:
		if (o.retire == NULL || v.retire >= v.at)
			abort();
		break;
	case KSM_IMPORT_BAD_KEYTYPE:
	case KSM_IMPORT_BAD_BITS:
	case KSM_IMPORT_ZERO_BITS:
	case KSM_IMPORT_BAD_ALGORITHM:
	case KSM_IMPORT_BAD_STATE:
	case KSM_IMPORT_BAD_TIME:
	case KSM_IMPORT_BAD_RETIRE: break;
	default: abort();
	}
	free(text);
	return 0;
}

#include "tests/fuzz/replay.h"
