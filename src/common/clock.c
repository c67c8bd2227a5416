#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/clock.h"
#include "common/str.h"
#include "common/timeparse.h"

/* State of the timeshift: active when shift_text is not NULL. */
static char *shift_text;
static time_t shift_time;

int
clock_init(char *err, size_t errlen)
{
	int ret;

	free(shift_text);
	shift_text = NULL;
#ifdef ENFORCER_TIMESHIFT
	{
		const char *v = getenv(CLOCK_TIMESHIFT_ENV);
		char *copy;
		time_t t;

		if (v == NULL) {
			ret = 0;
			goto out;
		}
		if (time_parse(v, time(NULL), &t) != 0) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen,
					"Couldn't turn \"%s\" into a date, quitting...", v);
			ret = E_PARSE;
			goto out;
		}
		copy = str_dup(v);
		if (copy == NULL) {
			ret = E_NOMEM;
			goto out;
		}
		shift_text = copy;
		shift_time = t;
	}
#else
	(void)err;
	(void)errlen;
#endif
	ret = 0;
	goto out; /* keeps the label used when timeshift is not built */
out:
	return ret;
}

time_t
clock_now(void)
{
	if (shift_text != NULL)
		return shift_time;
	return time(NULL);
}

const char *
clock_timeshift(void)
{
	return shift_text;
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
