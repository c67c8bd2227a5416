/*
 * fuzz_dname.c - fuzz target for zone-name normalisation: dname_normalise()
 * and dname_other_spelling().
 *
 * The first input byte says whether the final dot is kept; the rest is the
 * name. Checks, beyond memory safety:
 *  - a refused name gets a one-line message that starts with "zone name"
 *    and holds only printable ASCII (names are quoted with escapes);
 *  - an accepted name is lower case, made only of letters, digits, '-',
 *    '_' and single dots, at most 254 characters, the same length as the
 *    input (with keep_dot) or without its final dot;
 *  - normalising is idempotent and does not depend on case;
 *  - with and without keep_dot the results differ at most in the final dot;
 *  - the other spelling ("foo" <-> "foo.") normalises to the same name, and
 *    the other spelling of the other spelling is the name again.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dname.h"
#include "common/err.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* dname_normalise() that must succeed; the result malloc()ed. */
static char *
must_normalise(const char *text, int keep_dot)
{
	char *out = NULL, err[256];

	if (dname_normalise(text, keep_dot, &out, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_dname: \"%s\" refused: %s\n", text, err);
		abort();
	}
	return out;
}

static void
check_message(const char *err)
{
	if (strncmp(err, "zone name", 9) != 0)
		abort();
	for (const char *c = err; *c != '\0'; c++) {
		if (*c < 0x20 || *c > 0x7e)
			abort();
	}
}

static void
check_accepted(const char *text, int keep_dot, const char *out)
{
	size_t len = strlen(text), n = strlen(out);
	char *again, *upper, *other, *back, *plain, *other_plain;

	if (strcmp(out, ".") == 0) {
		if (strcmp(text, ".") != 0)
			abort();
		return;
	}
	if (n == 0 || n > 254 || out[0] == '.' || strstr(out, "..") != NULL)
		abort();
	if (n != (keep_dot || text[len - 1] != '.' ? len : len - 1))
		abort();
	for (size_t i = 0; i < n; i++) {
		char c = out[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			    c == '.'))
			abort();
		if (c == '.' && i == n - 1 && !keep_dot)
			abort();
	}

	again = must_normalise(out, keep_dot);
	if (strcmp(again, out) != 0)
		abort();
	upper = strdup(text);
	if (upper == NULL)
		abort();
	for (char *c = upper; *c != '\0'; c++) {
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	}
	free(again);
	again = must_normalise(upper, keep_dot);
	if (strcmp(again, out) != 0)
		abort();

	plain = must_normalise(text, 0);
	if (strncmp(plain, out, strlen(plain)) != 0 ||
		(strlen(out) != strlen(plain) && strcmp(out + strlen(plain), ".") != 0))
		abort();
	if (dname_other_spelling(out, &other) != 0)
		abort();
	other_plain = must_normalise(other, 0);
	if (strcmp(other_plain, plain) != 0)
		abort();
	if (dname_other_spelling(other, &back) != 0 || strcmp(back, out) != 0)
		abort();
	free(back);
	free(other_plain);
	free(other);
	free(plain);
	free(upper);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *out = NULL, err[512];
	int keep_dot, rc;

	if (size < 1 || size > 1024)
		return 0;
	keep_dot = data[0] & 1;
	text = fuzz_cstr(data + 1, size - 1);
	err[0] = '\0';
	rc = dname_normalise(text, keep_dot, &out, err, sizeof(err));
	if (rc == 0) {
		check_accepted(text, keep_dot, out);
		free(out);
	} else if (rc == E_INVAL) {
		if (out != NULL)
			abort();
		check_message(err);
	} else {
		abort();
	}
	free(text);
	return 0;
}

#include "tests/fuzz/replay.h"
