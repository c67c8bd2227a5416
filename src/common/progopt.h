/*
 * progopt.h - the options every small program answers alike.
 *
 * A program's getopt() loop handles its own options and hands the rest
 * here, so that -V, -h and a wrong option end the same way everywhere.
 */
#ifndef COMMON_PROGOPT_H
#define COMMON_PROGOPT_H

#include <stdio.h>

/*
 * For an option the program's loop did not handle: -V prints version (a
 * line, without its newline) on stdout and -h the usage on stdout, both
 * for exit status 0; anything else (getopt() has already said what was
 * wrong) prints the usage on stderr for status 1. Returns that status.
 */
int progopt_common(int opt, const char *version, void (*usage)(FILE *out));

#endif
