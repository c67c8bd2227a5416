# src/store: typed data access (the only SQL outside db/ and migrations/).
# May include: src/common/, db/db.h, src/config/ (its types).
#
# Programs that use the store link $(STORE_LIBS); it carries the migration
# runner and the database layer as well, since every program that opens the
# store also checks or brings the schema up to date.

noinst_LIBRARIES += src/store/libstore.a
src_store_libstore_a_SOURCES = \
	src/store/store.h src/store/internal.h src/store/limits.h \
	src/store/limits.c \
	src/store/util.c \
	src/store/datastore.c \
	src/store/repository.c \
	src/store/policy.c \
	src/store/zone.c \
	src/store/zonelist.c \
	src/store/key.c \
	src/store/keyalloc.c \
	src/store/backup.c \
	src/store/alloc.c \
	src/store/enforce.c \
	src/store/keycmd.c \
	src/store/cluster.c

STORE_LIBS = src/store/libstore.a $(MIGRATE_LIBS)

# ---------------------------------------------------------------- unit tests
# SQLite databases in a temporary directory, built with the migrations.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_store
TESTS += tests/unit/test_store
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_store_LDADD = $(STORE_LIBS) $(CMOCKA_LIBS)
endif

# the table of src/store/limits.c against the server schemas of sql/
TESTS += tests/unit/schema-limits.sh
EXTRA_DIST += tests/unit/schema-limits.sh

# the unique index of zones.canon on the backend of ODS_TEST_BACKEND
if HAVE_CMOCKA
check_PROGRAMS += tests/db/test_zone_canon
TESTS += tests/db/test_zone_canon
tests_db_test_zone_canon_SOURCES = tests/db/test_zone_canon.c $(DBTEST_SOURCES)
tests_db_test_zone_canon_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_db_test_zone_canon_LDADD = $(STORE_LIBS) $(CMOCKA_LIBS)
endif
