/*
 * progopt.c - the options every small program answers alike (progopt.h).
 */
#include "config.h"

#include <stdio.h>

#include "common/progopt.h"

int
progopt_common(int opt, const char *version, void (*usage)(FILE *out))
{
	switch (opt) {
	case 'V': printf("%s\n", version); return 0;
	case 'h': usage(stdout); return 0;
	default: usage(stderr); return 1;
	}
}
