#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/duration.h"

/* The units in the only order they may appear. */
enum unit_slot {
	SLOT_YEAR,
	SLOT_MONTH,
	SLOT_WEEK,
	SLOT_DAY,
	SLOT_HOUR,
	SLOT_MINUTE,
	SLOT_SECOND,
};

static const int64_t slot_seconds[] = {
	[SLOT_YEAR] = 365 * 86400,
	[SLOT_MONTH] = 31 * 86400,
	[SLOT_WEEK] = 7 * 86400,
	[SLOT_DAY] = 86400,
	[SLOT_HOUR] = 3600,
	[SLOT_MINUTE] = 60,
	[SLOT_SECOND] = 1,
};

/* Unit of designator c before T (time_part 0) or after it; -1 if none. */
static int
designator_slot(char c, int time_part)
{
	switch (c) {
	case 'Y': return time_part ? -1 : SLOT_YEAR;
	case 'M': return time_part ? SLOT_MINUTE : SLOT_MONTH;
	case 'W': return time_part ? -1 : SLOT_WEEK;
	case 'D': return time_part ? -1 : SLOT_DAY;
	case 'H': return SLOT_HOUR;
	case 'S': return SLOT_SECOND;
	}
	return -1;
}

int
duration_parse(const char *text, int64_t *seconds, int *approx)
{
	const char *p;
	int neg = 0, time_part = 0, groups = 0, time_groups = 0, is_approx = 0, overflow = 0;
	int next_slot = SLOT_YEAR; /* lowest unit still allowed */
	int64_t total = 0;
	int ret;

	if (text == NULL || *text == '\0' || seconds == NULL) {
		ret = E_INVAL;
		goto out;
	}
	p = text;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p == 'P')
		p++;

	while (*p != '\0') {
		int64_t n = 0;
		int slot, digits = 0;

		if (*p == 'T') {
			if (time_part || next_slot > SLOT_MINUTE) {
				ret = E_PARSE;
				goto out;
			}
			time_part = 1;
			p++;
			continue;
		}
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			/* saturate just above the limit (the range check follows) */
			n = n * 10 + (*p - '0');
			if (n > DURATION_MAX)
				n = DURATION_MAX + 1;
		}
		if (digits == 0) {
			ret = E_PARSE;
			goto out;
		}
		if (*p == '\0') {
			if (time_part) {
				ret = E_PARSE; /* "PT5": number without designator after T */
				goto out;
			}
			slot = SLOT_SECOND; /* bare trailing number */
		} else {
			slot = designator_slot(*p, time_part);
			p++;
		}
		if (slot < 0 || slot < next_slot) {
			ret = E_PARSE; /* unknown, repeated or out-of-order unit */
			goto out;
		}
		next_slot = slot + 1;
		/* past the limit: remember, but finish parsing, so that text that
		 * is malformed anywhere is E_PARSE rather than E_RANGE */
		if (n > DURATION_MAX / slot_seconds[slot])
			overflow = 1;
		else
			total += n * slot_seconds[slot];
		if (total > DURATION_MAX) {
			overflow = 1;
			total = 0;
		}
		if (slot == SLOT_YEAR || slot == SLOT_MONTH)
			is_approx = 1;
		groups++;
		if (time_part)
			time_groups++;
	}
	if (groups == 0 || (time_part && time_groups == 0)) {
		ret = E_PARSE; /* "", "P", "-P", "PT", "P1DT" */
		goto out;
	}
	if (overflow) {
		ret = E_RANGE;
		goto out;
	}
	*seconds = neg ? -total : total;
	if (approx != NULL)
		*approx = is_approx;
	ret = 0;
out:
	return ret;
}

int
duration_format(int64_t seconds, char *buf, size_t len)
{
	char tmp[DURATION_STR_LEN];
	int n, ret;

	if (buf == NULL) {
		ret = E_INVAL;
		goto out;
	}
	if (seconds < 0)
		n = snprintf(tmp, sizeof(tmp), "-PT%" PRIu64 "S", (uint64_t)0 - (uint64_t)seconds);
	else
		n = snprintf(tmp, sizeof(tmp), "PT%" PRId64 "S", seconds);
	if (n < 0 || (size_t)n >= len) {
		ret = E_RANGE;
		goto out;
	}
	memcpy(buf, tmp, (size_t)n + 1);
	ret = 0;
out:
	return ret;
}
