# db: fragment of the top-level Makefile.am. May include: src/common/ and
# db/; the engines' client headers only in their driver and its shim.
#
# libdb.a is the database layer: db.c and db_stmt.c (generic part), error.c (the
# handle's message), util.c (what the drivers share; private to db/) plus
# the driver files of each engine that configure found. Programs that link it use $(DB_LIBS). The engines'
# client libraries are not linked: the drivers dlopen() them when a server
# database is opened (db/pq_api.c, db/mysql_api.c).

noinst_LIBRARIES += db/libdb.a
db_libdb_a_SOURCES = \
	db/db.c db/db_stmt.c db/db.h db/driver.h db/error.c db/error.h \
	db/util.c db/util.h db/dump.c db/dump.h db/tls.c \
	db/sqlite.c db/sqlite_index.c db/sqlite_internal.h
db_libdb_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE3_CFLAGS)

DB_LIBS = db/libdb.a src/common/libcommon.a $(SQLITE3_LIBS)

if HAVE_PGSQL
db_libdb_a_SOURCES += db/pgsql.c db/pgsql_internal.h db/pgsql_conn.c db/pgsql_stmt.c \
	db/pgsql_params.c db/pgsql_params.h db/pq_api.c db/pq_api.h
db_libdb_a_CPPFLAGS += $(PGSQL_CFLAGS)
endif

# The migration runner: uses only the public API of db.h (and error.h for
# its messages); migrations/local.mk adds the generated table of migration
# texts. Programs that use the runner link $(MIGRATE_LIBS).
noinst_LIBRARIES += db/libmigrate.a
db_libmigrate_a_SOURCES = db/migrate.c db/migrate.h db/migrate_internal.h \
	db/migrate_dialect.c db/migrate_probe.c
db_libmigrate_a_CPPFLAGS = $(AM_CPPFLAGS)
MIGRATE_LIBS = db/libmigrate.a $(DB_LIBS)

if HAVE_MYSQL
db_libdb_a_SOURCES += db/mysql.c db/mysql_conn.c db/mysql_stmt.c db/mysql_internal.h \
	db/mysql_api.c db/mysql_api.h
db_libdb_a_CPPFLAGS += $(MYSQL_CFLAGS)
endif

# ------------------------------------------------------------------- tests
# The conformance suite (tests/db/test_conformance.c) runs against the backend
# that ODS_TEST_BACKEND names (default sqlite); test_sqlite.c holds what only
# makes sense for the SQLite driver. See tests/db/README.

EXTRA_DIST += tests/db/README

# TLS to the servers: starts its own PostgreSQL and MariaDB with a
# throw-away CA; skips an engine whose server binaries are missing.
TESTS += tests/db/tls.sh
EXTRA_DIST += tests/db/tls.sh

# A disaster-recovery site on a server-side replica: each starts its own
# primary and replica (a PostgreSQL hot standby; a MariaDB replica by GTID)
# and runs tests/lib/replica-site.sh against them.
TESTS += tests/db/pgsql-standby.sh tests/db/mariadb-replica.sh
EXTRA_DIST += tests/db/pgsql-standby.sh tests/db/mariadb-replica.sh tests/lib/replica-site.sh

# The server stopped and started again under two daemons: each starts a
# server of its own and runs tests/lib/server-restart.sh against it.
TESTS += tests/db/pgsql-restart.sh tests/db/mariadb-restart.sh
EXTRA_DIST += tests/db/pgsql-restart.sh tests/db/mariadb-restart.sh tests/lib/server-restart.sh \
	tests/lib/ownserver.sh

if HAVE_CMOCKA
DBTEST_SOURCES = tests/db/dbtest.c tests/db/dbtest.h tools/conninfo.c tools/conninfo.h
DBTEST_LDADD = $(DB_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/db/test_conformance tests/db/test_sqlite
TESTS += tests/db/test_conformance tests/db/test_sqlite

tests_db_test_conformance_SOURCES = tests/db/test_conformance.c $(DBTEST_SOURCES)
tests_db_test_conformance_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_db_test_conformance_LDADD = $(DBTEST_LDADD)

tests_db_test_sqlite_SOURCES = tests/db/test_sqlite.c $(DBTEST_SOURCES)
tests_db_test_sqlite_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_db_test_sqlite_LDADD = $(DBTEST_LDADD)

# The TLS rules that need no server (db/tls.c); tests/db/tls.sh uses servers.
check_PROGRAMS += tests/db/test_tls
TESTS += tests/db/test_tls
tests_db_test_tls_SOURCES = tests/db/test_tls.c
tests_db_test_tls_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_db_test_tls_LDADD = $(DB_LIBS) $(CMOCKA_LIBS)

if HAVE_PGSQL
# The placeholder rewriter of the PostgreSQL driver; needs no server.
check_PROGRAMS += tests/db/test_pgsql_params
TESTS += tests/db/test_pgsql_params
tests_db_test_pgsql_params_SOURCES = tests/db/test_pgsql_params.c
tests_db_test_pgsql_params_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_db_test_pgsql_params_LDADD = $(DB_LIBS) $(CMOCKA_LIBS)

# What only the PostgreSQL driver does; skips itself unless ODS_TEST_BACKEND=pgsql.
check_PROGRAMS += tests/db/test_pgsql
TESTS += tests/db/test_pgsql
tests_db_test_pgsql_SOURCES = tests/db/test_pgsql.c $(DBTEST_SOURCES)
tests_db_test_pgsql_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_db_test_pgsql_LDADD = $(DBTEST_LDADD)
endif

if HAVE_MYSQL
# What only the MySQL/MariaDB driver does; skips itself unless ODS_TEST_BACKEND=mysql.
check_PROGRAMS += tests/db/test_mysql
TESTS += tests/db/test_mysql
tests_db_test_mysql_SOURCES = tests/db/test_mysql.c $(DBTEST_SOURCES)
tests_db_test_mysql_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_db_test_mysql_LDADD = $(DBTEST_LDADD)
endif
endif
