/*
 * main.c - ods-kaspcheck: check conf.xml, zonelist.xml and kasp.xml
 * (ksmutil-cli.md 10.4).
 *
 * The checks themselves live in check.c and return findings; this file
 * parses argv, prints each finding on stdout, sends it to syslog under the
 * ident "ods-kaspcheck" (no LOG_PID) with the priority its prefix names,
 * and exits with the number of errors.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/err.h"
#include "common/log.h"
#include "common/progopt.h"
#include "kaspcheck/check.h"

#define IDENT "ods-kaspcheck"

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: " IDENT " [options]\n"
		"\n"
		"Check conf.xml, the zonelist.xml it names and kasp.xml for mistakes.\n"
		"Exits with the number of errors found (0: none).\n"
		"\n"
		"Options:\n"
		"  -c, --config <file>   conf.xml to check (default %s)\n"
		"  -k, --kasp <file>     kasp.xml to check (default: its PolicyFile)\n"
		"  -v, --verbose         also say what is being checked\n"
		"  -V, --version         show the version and exit\n"
		"  -h, --help            show this help and exit\n",
		ODS_CONFDIR "/conf.xml");
}

static int
priority(enum kc_level level)
{
	switch (level) {
	case KC_ERROR: return LOG_ERR;
	case KC_WARNING: return LOG_WARNING;
	case KC_INFO: break;
	}
	return LOG_INFO;
}

static void
emit(const struct kc_findings *f)
{
	const struct kc_finding *v;
	size_t i;

	for (i = 0; i < f->n; i++) {
		v = &f->v[i];
		printf("%s\n", v->text);
		log_msg(priority(v->level), "%s", v->text);
		if (v->detail != NULL) {
			printf("%s\n", v->detail);
			log_msg(priority(v->level), "%s", v->detail);
		}
	}
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "kasp", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kc_options opt = { .conf_path = ODS_CONFDIR "/conf.xml" };
	struct kc_findings f;
	size_t errors;
	int c, ret, facility = LOG_DAEMON;
	int status = 1;

	kc_findings_init(&f);
	while ((c = getopt_long(argc, argv, "c:k:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt.conf_path = optarg; break;
		case 'k': opt.kasp_path = optarg; break;
		case 'v': opt.verbose = 1; break;
		default:
			/* -V, -h, or one getopt_long has said was wrong */
			status = progopt_common(c, IDENT " version " ODS_COMPAT_VERSION, usage);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, IDENT ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		goto out;
	}

	ret = kc_run(&opt, &f, &facility);
	if (ret != 0) {
		fprintf(stderr, IDENT ": %s\n", err_str(ret));
		goto out;
	}
	log_open(IDENT, facility, LOG_TO_SYSLOG);
	emit(&f);
	log_close();
	errors = kc_count(&f, KC_ERROR);
	status = errors > 255 ? 255 : (int)errors;
out:
	kc_findings_free(&f);
	return status;
}
