# migrations: fragment of the top-level Makefile.am
#
# The numbered migration files are compiled into db/libmigrate.a together
# with the runner (db/migrate.c): migrations/gen-table.sh turns the files
# listed in MIGRATIONS into migrations/migrations.embed.c (in the build
# directory), holding their texts and the table migrate_table[]. A new
# migration is a new file here plus one line in MIGRATIONS; a unit test fails
# when a file in migrations/ is missing from that list.
#
# Programs that use the runner link $(MIGRATE_LIBS) (which includes $(DB_LIBS)).

MIGRATIONS = \
	migrations/0001_baseline.sqlite.sql \
	migrations/0002_schema_migrations.sqlite.sql

EXTRA_DIST += $(MIGRATIONS) migrations/gen-table.sh

noinst_LIBRARIES += db/libmigrate.a
db_libmigrate_a_SOURCES = db/migrate.c db/migrate.h
nodist_db_libmigrate_a_SOURCES = migrations/migrations.embed.c
db_libmigrate_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)

BUILT_SOURCES += migrations/migrations.embed.c
CLEANFILES += migrations/migrations.embed.c

migrations/migrations.embed.c: $(MIGRATIONS:%=$(srcdir)/%) $(srcdir)/migrations/gen-table.sh \
		$(top_srcdir)/tools/embed.sh
	$(AM_V_GEN)$(MKDIR_P) migrations && \
	$(SHELL) $(srcdir)/migrations/gen-table.sh $(top_srcdir)/tools/embed.sh \
		$(MIGRATIONS:%=$(srcdir)/%) > $@.tmp && mv -f $@.tmp $@

MIGRATE_LIBS = db/libmigrate.a $(DB_LIBS) $(LIBCRYPTO_LIBS)

# ------------------------------------------------ sql/schema.<dialect>.sql
# tools/schema-dump builds a fresh SQLite database from the migrations and
# prints its schema. `make update-schema` rewrites the committed file; the
# test tests/unit/schema-drift.sh fails when the two differ.

check_PROGRAMS += tools/schema-dump
tools_schema_dump_SOURCES = tools/schema-dump.c
tools_schema_dump_LDADD = $(MIGRATE_LIBS)

dist_noinst_DATA += sql/schema.sqlite.sql

update-schema: tools/schema-dump$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) sql && \
	./tools/schema-dump$(EXEEXT) > sql/schema.sqlite.sql.tmp && \
	mv -f sql/schema.sqlite.sql.tmp $(srcdir)/sql/schema.sqlite.sql
.PHONY: update-schema

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
tests_unit_test_migrate_LDADD = $(MIGRATE_LIBS) $(CMOCKA_LIBS)
endif
