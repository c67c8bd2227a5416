/*
 * main.c - ods-enforcerd, the key-state machine daemon.
 *
 * This release installs the program under its 1.x name and path and parses
 * the 1.x options, so packaging and init scripts can be put in place; the
 * enforce loop itself arrives with the state-machine work. Until then any
 * attempt to run it says so and exits 3, rather than pretending to work.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_NOT_IMPLEMENTED 3

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
	    "usage: %s [OPTION]...\n"
	    "OpenDNSSEC Enforcer Daemon.\n\n"
	    "  -c FILE   use FILE as the configuration file (default %s/conf.xml)\n"
	    "  -d        debug: stay in the foreground\n"
	    "  -1        run once, then exit\n"
	    "  -p POLICY run once for POLICY only\n"
	    "  -P FILE   write the process id to FILE\n"
	    "  -h        show this help and exit\n"
	    "  -V        show the version and exit\n", prog, ODS_CONFDIR);
}

int
main(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "c:d1p:P:hvV")) != -1) {
		switch (c) {
		case 'c': case 'd': case '1': case 'p': case 'P': case 'v':
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'V':
			/* Exactly the 1.x line: scripts compare it whole. */
			printf("opendnssec version %s\n", ODS_COMPAT_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 1;
		}
	}
	fprintf(stderr, "%s: the enforce loop is not implemented yet\n", argv[0]);
	return EXIT_NOT_IMPLEMENTED;
}
