# migrations: fragment of the top-level Makefile.am
#
# The numbered migration files are compiled into db/libmigrate.a together
# with the runner (db/migrate.c, see db/local.mk): migrations/gen-table.sh
# turns the files listed in MIGRATIONS into migrations/migrations.embed.c
# (in the build directory), holding their texts and the table
# migrate_table[]. A new migration is a new file here plus one line in
# MIGRATIONS; a unit test fails when a file in migrations/ is missing from
# that list.

MIGRATIONS = \
	migrations/0001_baseline.sqlite.sql \
	migrations/0001_baseline.pgsql.sql \
	migrations/0001_baseline.mysql.sql \
	migrations/0002_schema_migrations.sqlite.sql \
	migrations/0002_schema_migrations.pgsql.sql \
	migrations/0002_schema_migrations.mysql.sql \
	migrations/0003_zone_names.sql \
	migrations/0003_zone_names.mysql.sql \
	migrations/0004_ds_pending.sql \
	migrations/0004_ds_pending.mysql.sql \
	migrations/0005_zone_canon.sql \
	migrations/0005_zone_canon.mysql.sql \
	migrations/0006_cluster.sql \
	migrations/0006_cluster.mysql.sql

EXTRA_DIST += $(MIGRATIONS) migrations/gen-table.sh

# The runner itself (db/libmigrate.a) is built from db/local.mk; this file
# adds the generated table to it.
nodist_db_libmigrate_a_SOURCES = migrations/migrations.embed.c

BUILT_SOURCES += migrations/migrations.embed.c
CLEANFILES += migrations/migrations.embed.c

migrations/migrations.embed.c: $(MIGRATIONS:%=$(srcdir)/%) $(srcdir)/migrations/gen-table.sh \
		$(top_srcdir)/tools/embed.sh
	$(AM_V_GEN)$(MKDIR_P) migrations && \
	$(SHELL) $(srcdir)/migrations/gen-table.sh $(top_srcdir)/tools/embed.sh \
		$(MIGRATIONS:%=$(srcdir)/%) > $@.tmp && mv -f $@.tmp $@

# ------------------------------------------------ sql/schema.<dialect>.sql
# tools/schema-dump builds a fresh database from the migrations and prints
# its schema: SQLite in a temp file; PostgreSQL and MySQL in a temporary
# database on the server that ODS_TEST_PGSQL / ODS_TEST_MYSQL name.
#   make update-schema          sql/schema.sqlite.sql, plus the server files
#                               whose ODS_TEST_* variable is set
#   make update-schema-servers  all three, on throw-away servers started for
#                               the purpose (tests/lib/*-server.sh)
# tests/unit/schema-drift.sh (SQLite) and tests/db/schema-drift-server.sh
# (servers, when configured) fail when a committed file differs;
# tests/unit/schema-columns.sh checks that the three files have the same
# tables and columns.

check_PROGRAMS += tools/schema-dump
tools_schema_dump_SOURCES = tools/schema-dump.c tools/conninfo.c tools/conninfo.h
tools_schema_dump_LDADD = $(MIGRATE_LIBS)

SCHEMA_FILES = sql/schema.sqlite.sql sql/schema.pgsql.sql sql/schema.mysql.sql
dist_noinst_DATA += $(SCHEMA_FILES)

update-schema: tools/schema-dump$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) sql && \
	./tools/schema-dump$(EXEEXT) > sql/schema.sqlite.sql.tmp && \
	mv -f sql/schema.sqlite.sql.tmp $(srcdir)/sql/schema.sqlite.sql && \
	for b in pgsql mysql; do \
		if [ $$b = pgsql ]; then v=$${ODS_TEST_PGSQL:-}; else v=$${ODS_TEST_MYSQL:-}; fi; \
		if [ -z "$$v" ]; then \
			echo "update-schema: sql/schema.$$b.sql left as it is (no server configured)"; \
			continue; \
		fi; \
		./tools/schema-dump$(EXEEXT) $$b > sql/schema.$$b.sql.tmp && \
		mv -f sql/schema.$$b.sql.tmp $(srcdir)/sql/schema.$$b.sql || exit 1; \
	done

update-schema-servers: tools/schema-dump$(EXEEXT)
	$(AM_V_GEN)d=$$(mktemp -d "$${TMPDIR:-/tmp}/update-schema.XXXXXX") && chmod 755 "$$d" && \
	trap 'bash $(srcdir)/tests/lib/pgsql-server.sh stop "$$d"; \
		bash $(srcdir)/tests/lib/mysql-server.sh stop "$$d"; rm -rf "$$d"' EXIT && \
	eval "$$(bash $(srcdir)/tests/lib/pgsql-server.sh start "$$d")" && \
	eval "$$(bash $(srcdir)/tests/lib/mysql-server.sh start "$$d")" && \
	$(MAKE) $(AM_MAKEFLAGS) update-schema
.PHONY: update-schema update-schema-servers

TESTS += tests/unit/schema-columns.sh tests/db/schema-drift-server.sh
EXTRA_DIST += tests/unit/schema-columns.sh tests/db/schema-drift-server.sh \
	tests/lib/pgsql-server.sh tests/lib/mysql-server.sh
EXTRA_DIST += tests/data/ods14/kasp-1.4.mysql.sql

TESTS += tests/unit/schema-drift.sh
EXTRA_DIST += tests/unit/schema-drift.sh

EXTRA_DIST += tests/data/ods14/kasp-1.4.sqlite.sql

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_migrate
TESTS += tests/unit/test_migrate
tests_unit_test_migrate_SOURCES = tests/unit/test_migrate.c
tests_unit_test_migrate_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
# db_exec is wrapped so a test can make one migration fail on purpose.
tests_unit_test_migrate_LDFLAGS = -Wl,--wrap=db_exec
tests_unit_test_migrate_LDADD = $(MIGRATE_LIBS) $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS)
endif
