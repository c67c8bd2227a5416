/*
 * test_conf.c - conf.xml reading (src/config/conf.c, xml.c) against the
 * fixtures in tests/data/conf/ and the shipped contrib/conf.xml.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "common/err.h"
#include "config/conf.h"

#define ERRLEN 8192

/* path of a fixture (static buffer, valid until the next call) */
static const char *
data(const char *name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/tests/data/conf/%s", top != NULL ? top : ".", name);
	return path;
}

static struct conf *
load_ok(const char *name)
{
	struct conf *c = NULL;
	char err[ERRLEN] = "";
	int ret;

	ret = conf_load(data(name), &c, err, sizeof(err));
	if (ret != 0)
		print_error("conf_load(%s) = %d: %s\n", name, ret, err);
	assert_int_equal(ret, 0);
	assert_non_null(c);
	assert_string_equal(c->path, data(name));
	return c;
}

/*
 * Load a file that must fail with code; the message must start with the
 * file's path and contain want. *out must stay untouched.
 */
static void
load_fails(const char *path, int code, const char *want)
{
	struct conf *sentinel = (struct conf *)&sentinel;
	struct conf *c = sentinel;
	char err[ERRLEN] = "";
	int ret;

	ret = conf_load(path, &c, err, sizeof(err));
	if (ret != code || strstr(err, want) == NULL)
		print_error("conf_load(%s) = %d: '%s'; wanted %d with '%s'\n", path, ret, err, code,
			want);
	assert_int_equal(ret, code);
	assert_ptr_equal(c, sentinel);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, want));
	assert_null(strchr(err, '\n'));
}

static void
test_full(void **state)
{
	struct conf *c = load_ok("full.xml");
	const struct conf_repository *r;

	(void)state;
	assert_int_equal(c->nrepos, 3);
	r = &c->repos[0];
	assert_string_equal(r->name, "SoftHSM");
	assert_string_equal(r->module, "/usr/lib/softhsm/libsofthsm2.so");
	assert_string_equal(r->token_label, "OpenDNSSEC");
	assert_string_equal(r->pin, "1234");
	assert_int_equal(r->capacity, 1000);
	assert_int_equal(r->require_backup, 1);
	assert_int_equal(r->skip_public_key, 1);
	assert_int_equal(r->allow_extraction, 0);
	r = &c->repos[1];
	assert_string_equal(r->name, "HSM2");
	assert_string_equal(r->module, "/opt/hsm/lib/libpkcs11.so");
	assert_string_equal(r->token_label, "second token");
	assert_null(r->pin);
	assert_int_equal(r->capacity, 0);
	assert_int_equal(r->require_backup, 0);
	assert_int_equal(r->skip_public_key, 0);
	assert_int_equal(r->allow_extraction, 1);
	/* a PIN is taken exactly as written */
	assert_string_equal(c->repos[2].pin, " 12 34 ");

	assert_ptr_equal(conf_repository(c, "HSM2"), &c->repos[1]);
	assert_ptr_equal(conf_repository(c, "SoftHSM"), &c->repos[0]);
	assert_null(conf_repository(c, "softhsm"));
	assert_null(conf_repository(c, NULL));

	assert_int_equal(c->verbosity, 3);
	assert_int_equal(c->syslog_facility, LOG_LOCAL3);
	assert_string_equal(c->policy_file, "/etc/opendnssec/kasp-test.xml");
	assert_string_equal(c->zonelist_file, "/etc/opendnssec/zonelist-test.xml");

	assert_string_equal(c->user, "opendnssec");
	assert_string_equal(c->group, "ods");
	assert_int_equal(c->datastore.backend, CONF_BACKEND_SQLITE);
	assert_string_equal(c->datastore.path, "/var/lib/opendnssec/kasp.db");
	assert_null(c->datastore.host);
	assert_null(c->datastore.password);
	assert_int_equal(c->interval, 3600);
	assert_int_equal(c->manual_keygen, 1);
	assert_int_equal(c->rollover_notification, 14 * 86400);
	assert_string_equal(c->ds_submit_cmd, "/usr/local/sbin/submit-ds");
	assert_int_equal(c->ds_submit_cka_id, 1);
	assert_string_equal(c->pid_file, "/run/ods/enforcerd.pid");
	assert_int_equal(c->approx_durations, 0);
	conf_free(c);
}

static void
test_minimal(void **state)
{
	struct conf *c = load_ok("minimal.xml");

	(void)state;
	assert_int_equal(c->nrepos, 0);
	assert_null(c->repos);
	assert_null(conf_repository(c, "SoftHSM"));
	/* relative paths are kept as written */
	assert_string_equal(c->policy_file, "kasp.xml");
	assert_string_equal(c->zonelist_file, "zonelist.xml");
	assert_int_equal(c->datastore.backend, CONF_BACKEND_SQLITE);
	assert_string_equal(c->datastore.path, "kasp.db");
	assert_int_equal(c->interval, 86400);
	assert_int_equal(c->approx_durations, 0);
	/* defaults */
	assert_int_equal(c->verbosity, 0);
	assert_int_equal(c->syslog_facility, LOG_DAEMON);
	assert_string_equal(c->pid_file, ODS_RUNDIR "/enforcerd.pid");
	assert_null(c->user);
	assert_null(c->group);
	assert_int_equal(c->manual_keygen, 0);
	assert_null(c->ds_submit_cmd);
	assert_int_equal(c->ds_submit_cka_id, 0);
	assert_int_equal(c->rollover_notification, -1);
	assert_int_equal(c->datastore.read_only, 0);
	conf_free(c);
}

/* children in any order, as 1.4 allowed; white space around values */
static void
test_shuffled(void **state)
{
	struct conf *c = load_ok("shuffled.xml");

	(void)state;
	assert_string_equal(c->datastore.path, "/tmp/kasp.db");
	assert_int_equal(c->interval, 1800);
	assert_int_equal(c->syslog_facility, LOG_LOCAL7);
	assert_int_equal(c->verbosity, 2);
	assert_null(c->user);
	assert_string_equal(c->group, "ods");
	assert_string_equal(c->policy_file, "/k.xml");
	assert_string_equal(c->zonelist_file, "/z.xml");
	assert_int_equal(c->nrepos, 1);
	assert_string_equal(c->repos[0].module, "/m.so");
	assert_string_equal(c->repos[0].token_label, "t");
	/* <PIN/>: an empty PIN, which is not the same as no PIN */
	assert_non_null(c->repos[0].pin);
	assert_string_equal(c->repos[0].pin, "");
	assert_int_equal(c->repos[0].require_backup, 1);
	conf_free(c);
}

static void
test_sqlite_defaults(void **state)
{
	struct conf *c = load_ok("sqlite-empty.xml");

	(void)state;
	assert_int_equal(c->datastore.backend, CONF_BACKEND_SQLITE);
	assert_string_equal(c->datastore.path, ODS_STATEDIR "/kasp.db");
	assert_string_equal(c->policy_file, ODS_CONFDIR "/kasp.xml");
	assert_string_equal(c->zonelist_file, ODS_CONFDIR "/zonelist.xml");
	assert_string_equal(c->pid_file, ODS_RUNDIR "/enforcerd.pid");
	assert_null(c->ds_submit_cmd);
	assert_int_equal(c->ds_submit_cka_id, 0);
	conf_free(c);
}

static void
test_mysql(void **state)
{
	struct conf *c = load_ok("mysql.xml");

	(void)state;
	assert_int_equal(c->datastore.backend, CONF_BACKEND_MYSQL);
	assert_null(c->datastore.path);
	assert_string_equal(c->datastore.host, "db1.example.net");
	assert_int_equal(c->datastore.port, 3307);
	assert_string_equal(c->datastore.database, "kasp");
	assert_string_equal(c->datastore.user, "ods");
	assert_non_null(c->datastore.password);
	assert_string_equal(c->datastore.password, "");
	/* a command without the suffix is kept whole */
	assert_string_equal(c->ds_submit_cmd, "/usr/local/sbin/submit-ds");
	assert_int_equal(c->ds_submit_cka_id, 0);
	conf_free(c);
}

static void
test_mysql_defaults(void **state)
{
	struct conf *c = load_ok("mysql-nohost.xml");

	(void)state;
	assert_int_equal(c->datastore.backend, CONF_BACKEND_MYSQL);
	assert_string_equal(c->datastore.host, "127.0.0.1");
	assert_int_equal(c->datastore.port, 3306);
	assert_string_equal(c->datastore.password, " s3cret ");
	/* P1M = 31 days, P1Y2M = 365 + 62 days: both approximate */
	assert_int_equal(c->interval, 31 * 86400);
	assert_int_equal(c->rollover_notification, (365 + 62) * 86400);
	assert_int_equal(c->approx_durations, 2);
	conf_free(c);

	c = load_ok("mysql-noport.xml");
	assert_string_equal(c->datastore.host, "localhost");
	assert_int_equal(c->datastore.port, 3306);
	assert_string_equal(c->datastore.password, "");
	assert_int_equal(c->approx_durations, 0);
	conf_free(c);
}

static void
test_pgsql(void **state)
{
	struct conf *c = load_ok("pgsql.xml");

	(void)state;
	assert_int_equal(c->datastore.backend, CONF_BACKEND_PGSQL);
	assert_string_equal(c->datastore.host, "pg.example.net");
	assert_int_equal(c->datastore.port, 5433);
	assert_string_equal(c->datastore.database, "kasp");
	assert_string_equal(c->datastore.user, "ods");
	assert_string_equal(c->datastore.password, "secret");
	conf_free(c);

	c = load_ok("pgsql-defaults.xml");
	assert_int_equal(c->datastore.backend, CONF_BACKEND_PGSQL);
	assert_null(c->datastore.host);
	assert_int_equal(c->datastore.port, 5432);
	assert_string_equal(c->datastore.password, "");
	conf_free(c);
}

/* "LOG_LOCAL3" is not a facility name: daemon, and no error */
static void
test_facility_fallback(void **state)
{
	struct conf *c = load_ok("facility-prefixed.xml");

	(void)state;
	assert_int_equal(c->syslog_facility, LOG_DAEMON);
	conf_free(c);
}

/* the facility element's text is kept as written (trimmed) for the daemon's log */
static void
test_facility_text(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok("facility-prefixed.xml");
	assert_string_equal(c->syslog_facility_text, "LOG_LOCAL3");
	conf_free(c);
	c = load_ok("shuffled.xml");
	assert_string_equal(c->syslog_facility_text, "LOCAL7");
	conf_free(c);
	c = load_ok("minimal.xml");
	assert_null(c->syslog_facility_text);
	conf_free(c);
}

/*
 * Load minimal.xml with extra Enforcer content written to a temporary
 * file; *out is the result (the file is gone again).
 */
static int load_enforcer(
	const char *datastore, const char *extra, struct conf **out, char *err, size_t errlen);

static int
load_with_enforcer_extra(const char *extra, struct conf **out, char *err, size_t errlen)
{
	return load_enforcer("<SQLite>kasp.db</SQLite>", extra, out, err, errlen);
}

/* As load_with_enforcer_extra(), with datastore as the Datastore's content. */
static int
load_enforcer(const char *datastore, const char *extra, struct conf **out, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	FILE *f;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/test_conf.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f,
		"<?xml version=\"1.0\"?>\n"
		"<Configuration>\n"
		"\t<RepositoryList/>\n"
		"\t<Common><PolicyFile>k.xml</PolicyFile><ZoneListFile>z.xml</ZoneListFile></Common>\n"
		"\t<Enforcer>\n"
		"\t\t<Datastore>%s</Datastore>\n"
		"\t\t%s\n"
		"\t\t<Interval>PT60S</Interval>\n"
		"\t</Enforcer>\n"
		"</Configuration>\n",
		datastore, extra);
	assert_int_equal(fclose(f), 0);
	ret = conf_load(path, out, err, errlen);
	assert_int_equal(unlink(path), 0);
	return ret;
}

static void
assert_argv(char **argv, const char *const *want)
{
	size_t i;

	assert_non_null(argv);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
}

/* Datastore/ReadOnly, before or after the engine's element */
static void
test_read_only(void **state)
{
	struct conf *c = load_ok("readonly.xml");

	(void)state;
	assert_int_equal(c->datastore.backend, CONF_BACKEND_SQLITE);
	assert_string_equal(c->datastore.path, "kasp.db");
	assert_int_equal(c->datastore.read_only, 1);
	conf_free(c);
}

/* Enforcer/SignerNotifyCommand: default, split on white space, empty = none */
static void
test_signer_notify(void **state)
{
	static const char *const dflt[] = { ODS_SBINDIR "/ods-signer", "update", "%zone", NULL };
	static const char *const rndc[] = { "/usr/sbin/rndc", "reload", "%zone", NULL };
	static const char *const one[] = { "/bin/true", NULL };
	struct conf *c = NULL;
	char err[ERRLEN] = "";

	(void)state;
	/* absent: the 1.x command */
	c = load_ok("minimal.xml");
	assert_argv(c->signer_notify_argv, dflt);
	conf_free(c);
	c = load_ok("full.xml");
	assert_argv(c->signer_notify_argv, dflt);
	conf_free(c);

	assert_int_equal(load_with_enforcer_extra("<SignerNotifyCommand>\n  /usr/sbin/rndc\treload"
						  "   %zone \n</SignerNotifyCommand>",
				 &c, err, sizeof(err)),
		0);
	assert_argv(c->signer_notify_argv, rndc);
	conf_free(c);
	c = NULL;
	assert_int_equal(load_with_enforcer_extra("<SignerNotifyCommand>/bin/true"
						  "</SignerNotifyCommand>",
				 &c, err, sizeof(err)),
		0);
	assert_argv(c->signer_notify_argv, one);
	conf_free(c);
	c = NULL;

	/* empty or blank: do not notify */
	assert_int_equal(
		load_with_enforcer_extra("<SignerNotifyCommand/>", &c, err, sizeof(err)), 0);
	assert_null(c->signer_notify_argv);
	conf_free(c);
	c = NULL;
	assert_int_equal(
		load_with_enforcer_extra(
			"<SignerNotifyCommand> \t\n </SignerNotifyCommand>", &c, err, sizeof(err)),
		0);
	assert_null(c->signer_notify_argv);
	conf_free(c);
	c = NULL;

	/* one element at most, and only text */
	assert_int_equal(load_with_enforcer_extra("<SignerNotifyCommand>a</SignerNotifyCommand>"
						  "<SignerNotifyCommand>b</SignerNotifyCommand>",
				 &c, err, sizeof(err)),
		E_INVAL);
	assert_null(c);
	assert_non_null(strstr(err, "SignerNotifyCommand"));
	assert_int_equal(load_with_enforcer_extra("<SignerNotifyCommand><x/></SignerNotifyCommand>",
				 &c, err, sizeof(err)),
		E_INVAL);
	assert_null(c);
}

/* A <PostgreSQL> or <MySQL> datastore with tls (a <TLS> element) loads, or fails with code and want. */
static struct conf *
load_tls(const char *engine, const char *tls, int code, const char *want)
{
	char ds[2048], err[ERRLEN] = "";
	struct conf *c = NULL;
	int ret;

	snprintf(ds, sizeof(ds),
		"<%s><Host>db1.example</Host><Database>kasp</Database>"
		"<Username>ods</Username><Password>x</Password>%s</%s>",
		engine, tls, engine);
	ret = load_enforcer(ds, "", &c, err, sizeof(err));
	if (ret != code || (want != NULL && strstr(err, want) == NULL))
		print_error("%s: conf_load = %d: '%s'; wanted %d with '%s'\n", tls, ret, err, code,
			want != NULL ? want : "");
	assert_int_equal(ret, code);
	if (code != 0)
		assert_null(c);
	return c;
}

/* Datastore/<server>/TLS: the mode names, the files, what is refused */
static void
test_tls(void **state)
{
	struct conf *c;

	(void)state;
	/* absent or empty: the default mode (decided by the db layer), no files */
	c = load_tls("PostgreSQL", "", 0, NULL);
	assert_int_equal(c->datastore.tls_mode, CONF_TLS_DEFAULT);
	assert_null(c->datastore.tls_ca);
	assert_null(c->datastore.tls_cert);
	assert_null(c->datastore.tls_key);
	conf_free(c);
	c = load_tls("MySQL", "<TLS/>", 0, NULL);
	assert_int_equal(c->datastore.tls_mode, CONF_TLS_DEFAULT);
	assert_null(c->datastore.tls_ca);
	conf_free(c);

	/* everything, in any order, trimmed */
	c = load_tls("PostgreSQL",
		"<TLS><Key> /k/client.key </Key><Mode> verify-full\n</Mode>"
		"<CAFile>/etc/ssl/db-ca.pem</CAFile><Certificate>/k/client.pem</Certificate></TLS>",
		0, NULL);
	assert_int_equal(c->datastore.tls_mode, CONF_TLS_VERIFY_FULL);
	assert_string_equal(c->datastore.tls_ca, "/etc/ssl/db-ca.pem");
	assert_string_equal(c->datastore.tls_cert, "/k/client.pem");
	assert_string_equal(c->datastore.tls_key, "/k/client.key");
	conf_free(c);
	c = load_tls("MySQL", "<TLS><Mode>verify-ca</Mode><CAFile>/ca.pem</CAFile></TLS>", 0, NULL);
	assert_int_equal(c->datastore.tls_mode, CONF_TLS_VERIFY_CA);
	conf_free(c);
	c = load_tls("MySQL", "<TLS><Mode>require</Mode><CAFile></CAFile></TLS>", 0, NULL);
	assert_int_equal(c->datastore.tls_mode, CONF_TLS_REQUIRE);
	assert_null(c->datastore.tls_ca);
	conf_free(c);
	c = load_tls("PostgreSQL", "<TLS><Mode>disable</Mode></TLS>", 0, NULL);
	assert_int_equal(c->datastore.tls_mode, CONF_TLS_DISABLE);
	conf_free(c);

	/* a mode that is not one of the four, named in our words */
	load_tls("PostgreSQL", "<TLS><Mode>verify</Mode></TLS>", E_INVAL,
		"element Mode: \"verify\" is not disable, require, verify-ca or verify-full");
	load_tls("MySQL", "<TLS><Mode>Require</Mode></TLS>", E_INVAL, "element Mode: \"Require\"");
	load_tls("MySQL", "<TLS><Mode>prefer</Mode></TLS>", E_INVAL, "element Mode: \"prefer\"");
	load_tls("MySQL", "<TLS><Mode></Mode></TLS>", E_INVAL, "element Mode: \"\"");
	/* relative paths are refused: the daemon and the CLI run in different places */
	load_tls("PostgreSQL", "<TLS><CAFile>ca.pem</CAFile></TLS>", E_INVAL,
		"element CAFile: \"ca.pem\" is not an absolute path");
	load_tls("MySQL", "<TLS><Certificate>./c.pem</Certificate><Key>/k</Key></TLS>", E_INVAL,
		"element Certificate: \"./c.pem\" is not an absolute path");
	load_tls("MySQL", "<TLS><Certificate>/c.pem</Certificate><Key>k</Key></TLS>", E_INVAL,
		"element Key: \"k\" is not an absolute path");
	/* a certificate and its key go together */
	load_tls("PostgreSQL", "<TLS><Certificate>/c.pem</Certificate></TLS>", E_INVAL,
		"element TLS: Certificate without Key");
	load_tls("PostgreSQL", "<TLS><Key>/c.key</Key></TLS>", E_INVAL,
		"element TLS: Key without Certificate");
	/* verify-ca against no CA file would check nothing */
	load_tls("MySQL", "<TLS><Mode>verify-ca</Mode></TLS>", E_INVAL,
		"element TLS: Mode verify-ca needs a CAFile");
	/* the schema: known children once each, and no TLS for SQLite */
	load_tls("MySQL", "<TLS><CRLFile>/x</CRLFile></TLS>", E_INVAL, "fails to validate");
	load_tls("MySQL", "<TLS><CAFile>/a</CAFile><CAFile>/b</CAFile></TLS>", E_INVAL,
		"fails to validate");
	load_tls("MySQL", "<TLS><Mode>require<x/></Mode></TLS>", E_INVAL, NULL);
	c = NULL;
	assert_int_equal(load_enforcer("<SQLite>kasp.db</SQLite><TLS/>", "", &c, NULL, 0), E_INVAL);
	assert_null(c);
}

/* the example shipped for users validates and says what the README says */
static void
test_contrib_example(void **state)
{
	char path[4096];
	char err[ERRLEN] = "";
	struct conf *c = NULL;
	const struct conf_repository *r;
	const char *top = getenv("top_srcdir");

	(void)state;
	snprintf(path, sizeof(path), "%s/contrib/conf.xml", top != NULL ? top : ".");
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c->policy_file, "/etc/opendnssec/kasp.xml");
	assert_string_equal(c->zonelist_file, "/etc/opendnssec/zonelist.xml");
	assert_int_equal(c->datastore.backend, CONF_BACKEND_SQLITE);
	assert_string_equal(c->datastore.path, "/var/lib/opendnssec/kasp.db");
	assert_int_equal(c->nrepos, 1);
	r = &c->repos[0];
	assert_string_equal(r->module, "/usr/lib/softhsm/libsofthsm2.so");
	assert_string_equal(r->token_label, "OpenDNSSEC");
	assert_string_equal(r->pin, "1234");
	assert_int_equal(c->interval, 3600);
	conf_free(c);
}

/* the cluster examples (contrib/cluster/) validate and say what their README says */
static void
test_contrib_cluster(void **state)
{
	static const char *const files[] = { "conf-site.xml", "conf-dr.xml" };
	const char *top = getenv("top_srcdir");
	char path[4096], err[ERRLEN] = "";
	struct conf *c = NULL;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/contrib/cluster/%s", top != NULL ? top : ".",
			files[i]);
		assert_int_equal(conf_load(path, &c, err, sizeof(err)), 0);
		assert_int_equal(c->datastore.backend, CONF_BACKEND_PGSQL);
		assert_string_equal(
			c->datastore.host, i == 0 ? "db1.example.net" : "db2.example.net");
		assert_int_equal(c->datastore.tls_mode, CONF_TLS_VERIFY_FULL);
		assert_string_equal(c->datastore.tls_ca, "/etc/opendnssec/db-ca.pem");
		assert_int_equal(c->datastore.read_only, i == 1);
		assert_int_equal(c->poll_interval, 5);
		conf_free(c);
		c = NULL;
	}
}

static void
test_missing_file(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	char path[4200];
	char want[ERRLEN];
	char err[ERRLEN];
	struct conf *c = NULL;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_conf.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing.xml", dir);

	load_fails(path, E_IO, "No such file or directory");
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), E_IO);
	snprintf(want, sizeof(want), "cannot read %s: No such file or directory", path);
	assert_string_equal(err, want);
	/* a directory is not a file */
	load_fails(dir, E_IO, "Is a directory");
	assert_int_equal(rmdir(dir), 0);
}

static void
test_not_xml(void **state)
{
	(void)state;
	load_fails(data("bad-notxml.xml"), E_PARSE, ":5: not well-formed XML: ");
	load_fails(data("bad-notxml.xml"), E_PARSE, "Policyfile");
	load_fails(data("bad-text.xml"), E_PARSE, ":1: not well-formed XML: ");
	load_fails(data("bad-empty.xml"), E_PARSE, "not well-formed XML");
}

static void
test_bad_durations(void **state)
{
	char want[ERRLEN];
	char err[ERRLEN];
	struct conf *c = NULL;

	(void)state;
	snprintf(want, sizeof(want), "%s:10: element Interval: \"P1X\" is not a valid duration",
		data("bad-interval.xml"));
	assert_int_equal(conf_load(data("bad-interval.xml"), &c, err, sizeof(err)), E_PARSE);
	assert_string_equal(err, want);
	assert_null(c);

	load_fails(data("bad-interval-negative.xml"), E_RANGE,
		":10: element Interval: a negative duration is not allowed");
	load_fails(data("bad-interval-range.xml"), E_RANGE,
		":10: element Interval: \"P100Y\" is out of range");
	load_fails(data("bad-rollover.xml"), E_PARSE,
		":11: element RolloverNotification: \"14 days\" is not a valid duration");
}

static void
test_schema_errors(void **state)
{
	(void)state;
	load_fails(data("bad-unknown.xml"), E_INVAL,
		":11: element Foo: fails to validate: Element Enforcer has extra content: Foo");
	load_fails(data("bad-no-datastore.xml"), E_INVAL,
		":8: element Enforcer: fails to validate: Expecting an element Datastore");
	load_fails(data("bad-no-interval.xml"), E_INVAL,
		":8: element Enforcer: fails to validate: Expecting an element Interval");
	load_fails(data("bad-two-datastores.xml"), E_INVAL,
		": fails to validate: Extra element Datastore");
	load_fails(data("bad-two-datastores.xml"), E_INVAL, ":10: element Datastore:");
	load_fails(data("bad-datastore-children.xml"), E_INVAL,
		":11: element MySQL: fails to validate: Extra element MySQL");
	load_fails(data("bad-repo-no-module.xml"), E_INVAL,
		":4: element Repository: fails to validate: Expecting an element Module");
	load_fails(data("bad-root.xml"), E_INVAL,
		":2: element Config: fails to validate: Expecting element Configuration");
}

/* numbers the schema types: our own message names the value */
static void
test_bad_numbers(void **state)
{
	(void)state;
	load_fails(data("bad-capacity-zero.xml"), E_RANGE,
		":7: element Capacity: \"0\" must be at least 1");
	load_fails(data("bad-capacity-negative.xml"), E_RANGE,
		":7: element Capacity: \"-5\" must be at least 1");
	load_fails(data("bad-port.xml"), E_RANGE,
		":9: element Host: port \"70000\" is not a number from 1 to 65535");
}

/* no entities, no DTD from outside: refused before anything is looked at */
static void
test_dtd_refused(void **state)
{
	(void)state;
	load_fails(data("bad-entity.xml"), E_PARSE, "entity declarations are not allowed");
	load_fails(data("bad-external.xml"), E_PARSE, "entity declarations are not allowed");
}

static int foreign_calls;

static void
foreign_handler(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
	foreign_calls++;
}

/* libxml2's handlers are ours only during the call, and nothing leaks to
 * the caller's handler */
static void
test_handlers_restored(void **state)
{
	struct conf *c = NULL;
	char err[ERRLEN];
	int marker;

	(void)state;
	xmlSetStructuredErrorFunc(&marker, foreign_handler);
	foreign_calls = 0;
	assert_int_equal(conf_load(data("bad-notxml.xml"), &c, err, sizeof(err)), E_PARSE);
	assert_int_equal(conf_load(data("bad-unknown.xml"), &c, err, sizeof(err)), E_INVAL);
	assert_int_equal(foreign_calls, 0);
	assert_ptr_equal(xmlStructuredError, foreign_handler);
	assert_ptr_equal(xmlStructuredErrorContext, &marker);
	xmlSetStructuredErrorFunc(NULL, NULL);
}

/* a short buffer gets a truncated, terminated message; no buffer is fine */
static void
test_small_buffer(void **state)
{
	struct conf *c = NULL;
	char err[8];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(conf_load(data("bad-interval.xml"), &c, err, sizeof(err)), E_PARSE);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(conf_load(data("bad-unknown.xml"), &c, NULL, 0), E_INVAL);
	assert_int_equal(conf_load(NULL, &c, err, sizeof(err)), E_INVAL);
	assert_null(c);
	conf_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_shuffled),
		cmocka_unit_test(test_sqlite_defaults),
		cmocka_unit_test(test_mysql),
		cmocka_unit_test(test_mysql_defaults),
		cmocka_unit_test(test_pgsql),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_facility_fallback),
		cmocka_unit_test(test_facility_text),
		cmocka_unit_test(test_signer_notify),
		cmocka_unit_test(test_contrib_example),
		cmocka_unit_test(test_contrib_cluster),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_not_xml),
		cmocka_unit_test(test_bad_durations),
		cmocka_unit_test(test_schema_errors),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_dtd_refused),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_handlers_restored),
		cmocka_unit_test(test_small_buffer),
	};
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return ret;
}
