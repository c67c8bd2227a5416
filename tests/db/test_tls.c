/*
 * test_tls.c - the TLS rules of db/tls.c that need no server: which hosts
 * are local, the mode DB_TLS_DEFAULT becomes, which client library
 * messages mean the server's certificate did not verify, and what
 * db_open() refuses before it connects (for each server driver that is
 * built). Connections
 * over TLS are tested against real servers by tests/db/tls.sh.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "db/db.h"
#include "db/util.h"

static void
test_host_is_local(void **state)
{
	static const char *const local[] = {
		"localhost",
		"LocalHost",
		"localhost.",
		"127.0.0.1",
		"127.1.2.3",
		"127.255.255.254",
		"::1",
		"[::1]",
		"0:0:0:0:0:0:0:1",
		"::ffff:127.0.0.1",
		"/var/run/postgresql",
		"/tmp/my.sock",
		"@abstract",
		"localhost,127.0.0.1",
		"",
		NULL,
	};
	static const char *const remote[] = {
		"db1.example",
		"10.0.0.1",
		"128.0.0.1",
		"126.255.255.255",
		"::2",
		"[::2]",
		"fe80::1",
		"::ffff:10.0.0.1",
		"localhost.example",
		"localhostx",
		"127.0.0.1.example",
		"myhost",
		"localhost,db1.example",
		"db1.example,localhost",
		"0.0.0.0",
		"::",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		if (!db_host_is_local(local[i]))
			print_error("'%s' should be local\n", local[i] ? local[i] : "(null)");
		assert_true(db_host_is_local(local[i]));
	}
	for (i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
		if (db_host_is_local(remote[i]))
			print_error("'%s' should not be local\n", remote[i]);
		assert_false(db_host_is_local(remote[i]));
	}
}

static void
test_effective(void **state)
{
	struct db_config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = DB_BACKEND_PGSQL;
	/* nothing said: local keeps the engine's own way, anything else requires TLS */
	assert_int_equal(db_tls_effective(&cfg, "127.0.0.1"), DB_TLS_DEFAULT);
	assert_int_equal(db_tls_effective(&cfg, NULL), DB_TLS_DEFAULT);
	assert_int_equal(db_tls_effective(&cfg, "/run/postgresql"), DB_TLS_DEFAULT);
	assert_int_equal(db_tls_effective(&cfg, "db1.example"), DB_TLS_REQUIRE);
	assert_int_equal(db_tls_effective(&cfg, "192.0.2.1"), DB_TLS_REQUIRE);
	/* a client certificate asks for TLS */
	cfg.tls_cert = "/c.pem";
	cfg.tls_key = "/c.key";
	assert_int_equal(db_tls_effective(&cfg, "localhost"), DB_TLS_REQUIRE);
	/* a CA file asks for full verification, wherever the server is */
	cfg.tls_ca = "/ca.pem";
	assert_int_equal(db_tls_effective(&cfg, "localhost"), DB_TLS_VERIFY_FULL);
	assert_int_equal(db_tls_effective(&cfg, "db1.example"), DB_TLS_VERIFY_FULL);
	cfg.tls_ca = "";
	assert_int_equal(db_tls_effective(&cfg, "db1.example"), DB_TLS_REQUIRE);
	/* a mode that was set is kept, also disable for a remote host */
	cfg.tls_ca = "/ca.pem";
	cfg.tls_mode = DB_TLS_DISABLE;
	assert_int_equal(db_tls_effective(&cfg, "db1.example"), DB_TLS_DISABLE);
	cfg.tls_mode = DB_TLS_REQUIRE;
	assert_int_equal(db_tls_effective(&cfg, "localhost"), DB_TLS_REQUIRE);
	cfg.tls_mode = DB_TLS_VERIFY_CA;
	assert_int_equal(db_tls_effective(&cfg, "db1.example"), DB_TLS_VERIFY_CA);

	assert_string_equal(db_tls_mode_name(DB_TLS_VERIFY_FULL), "verify-full");
	assert_string_equal(db_tls_mode_name(DB_TLS_VERIFY_CA), "verify-ca");
	assert_string_equal(db_tls_mode_name(DB_TLS_REQUIRE), "require");
	assert_string_equal(db_tls_mode_name(DB_TLS_DISABLE), "disable");
	assert_string_equal(db_tls_mode_name(DB_TLS_DEFAULT), "default");
}

/* the client libraries' messages, as seen from libpq 15 and Connector/C 3.3 */
static void
test_verify_failed(void **state)
{
	static const char *const yes[] = {
		"connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate "
		"verify failed",
		"server certificate for \"db.invalid\" (and 1 other name) does not match host name "
		"\"127.0.0.1\"",
		"TLS/SSL error: self-signed certificate in certificate chain",
		"TLS/SSL error: unable to get local issuer certificate",
		"TLS/SSL error: Validation of SSL server certificate failed",
		"TLS/SSL error: certificate has expired",
	};
	static const char *const no[] = {
		"SSL error: tlsv1 alert unknown ca",
		"FATAL:  connection requires a valid client certificate",
		"FATAL:  password authentication failed for user \"ods\"",
		"Connection refused",
		"SSL connection error: SSL is required but the server doesn't support it",
		"root certificate file \"/root/.postgresql/root.crt\" does not exist",
		"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(db_util_tls_verify_failed(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(db_util_tls_verify_failed(no[i]));
	assert_false(db_util_tls_verify_failed(NULL));
}

/* db_open() of backend with cfg fails before connecting with code and a message holding want. */
static void
open_fails(enum db_backend backend, struct db_config *cfg, int code, const char *want)
{
	char err[512] = "";
	db_t *db = NULL;
	int rc;

	cfg->backend = backend;
	rc = db_open(cfg, &db, err, sizeof(err));
	if (rc != code || strstr(err, want) == NULL)
		print_error("%s: db_open = %d: '%s'; wanted %d with '%s'\n",
			db_backend_name(backend), rc, err, code, want);
	assert_int_equal(rc, code);
	assert_null(db);
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, "cannot connect to "));
}

/*
 * What db_open() refuses before it tries the network: port 1 on 127.0.0.1
 * would be refused anyway, but the message must be ours, about the file.
 */
static void
test_open_refuses(void **state)
{
	static const enum db_backend servers[] = { DB_BACKEND_PGSQL, DB_BACKEND_MYSQL };
	struct db_config cfg;
	size_t i;
	int tried = 0;

	(void)state;
	for (i = 0; i < sizeof(servers) / sizeof(servers[0]); i++) {
		if (!db_backend_available(servers[i]))
			continue;
		tried++;
		memset(&cfg, 0, sizeof(cfg));
		cfg.host = "127.0.0.1";
		cfg.port = 1;
		cfg.database = "kasp";
		cfg.user = "ods";
		cfg.tls_mode = DB_TLS_VERIFY_CA;
		open_fails(servers[i], &cfg, E_INVAL, "TLS mode verify-ca needs a CA file");
		cfg.tls_mode = DB_TLS_VERIFY_FULL;
		cfg.tls_ca = "/nonexistent/ca.pem";
		open_fails(servers[i], &cfg, E_IO,
			"at 127.0.0.1:1: cannot read TLS CA file /nonexistent/ca.pem: No such file");
		cfg.tls_ca = NULL;
		cfg.tls_cert = "/nonexistent/c.pem";
		open_fails(servers[i], &cfg, E_INVAL, "a TLS client certificate needs its key too");
		cfg.tls_key = "/nonexistent/c.key";
		open_fails(servers[i], &cfg, E_IO,
			"cannot read TLS certificate file /nonexistent/c.pem");
		cfg.tls_cert = NULL;
		open_fails(servers[i], &cfg, E_INVAL, "a TLS client key needs its certificate too");
	}
	if (tried == 0)
		skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_is_local),
		cmocka_unit_test(test_effective),
		cmocka_unit_test(test_verify_failed),
		cmocka_unit_test(test_open_refuses),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
