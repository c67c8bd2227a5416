/*
 * fuzz_duration.c - fuzz target for duration_parse() / duration_format().
 *
 * Checks, beyond memory safety: a successful parse is within
 * +-DURATION_MAX, approx is 0 or 1, and the value formats to "PT<n>S" text
 * that parses back to the same value, exactly.
 *
 * libFuzzer build (by hand):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZING_LIBFUZZER \
 *     -I. -Isrc -Ibuild-xxx tests/fuzz/fuzz_duration.c src/common/duration.c \
 *     src/common/err.c -o fuzz_duration
 *   ./fuzz_duration tests/fuzz/corpus/duration
 * Without FUZZING_LIBFUZZER, replay.h's main() runs the corpus (make check).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[DURATION_STR_LEN];
	int64_t secs, back;
	int approx, approx2, rc;
	char *text;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	rc = duration_parse(text, &secs, &approx);
	if (rc == 0) {
		if (secs > DURATION_MAX || secs < -DURATION_MAX || (approx != 0 && approx != 1))
			abort();
		if (duration_format(secs, buf, sizeof(buf)) != 0)
			abort();
		if (duration_parse(buf, &back, &approx2) != 0 || back != secs || approx2 != 0)
			abort();
	} else if (rc != E_PARSE && rc != E_RANGE && rc != E_INVAL) {
		abort();
	}
	free(text);
	return 0;
}

#include "tests/fuzz/replay.h"
