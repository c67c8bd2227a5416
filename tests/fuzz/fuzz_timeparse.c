/*
 * fuzz_timeparse.c - fuzz target for time_parse() / time_format_local().
 *
 * Runs in UTC. Checks, beyond memory safety: "now" gives the given now;
 * any other accepted text is a time whose "YYYY-MM-DD HH:MM:SS" form parses
 * back to the same instant.
 *
 * libFuzzer build (by hand):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZING_LIBFUZZER \
 *     -I. -Isrc -Ibuild-xxx tests/fuzz/fuzz_timeparse.c src/common/timeparse.c \
 *     src/common/str.c src/common/err.c -o fuzz_timeparse
 *   ./fuzz_timeparse tests/fuzz/corpus/timeparse
 * Without FUZZING_LIBFUZZER, replay.h's main() runs the corpus (make check).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/timeparse.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const time_t now = 1262347200;
	char buf[TIME_STR_LEN];
	time_t t, back;
	char *text;
	int rc;

	fuzz_utc();
	if (size > 4096)
		return 0;
	text = fuzz_cstr(data, size);

	rc = time_parse(text, now, &t);
	if (rc == 0) {
		time_format_local(t, buf);
		if (strlen(buf) != TIME_STR_LEN - 1)
			abort();
		if (time_parse(buf, 0, &back) != 0 || back != t) {
			/* only "now" may differ: it is not a date */
			if (t != now)
				abort();
		}
	} else if (rc != E_PARSE && rc != E_RANGE && rc != E_INVAL) {
		abort();
	}
	free(text);
	return 0;
}

#include "tests/fuzz/replay.h"
