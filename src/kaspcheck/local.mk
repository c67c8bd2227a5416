# src/kaspcheck: the ods-kaspcheck program. The checks are a convenience
# library (findings, not output) so the unit test links exactly them.
# May include: src/common/, src/config/, store/limits.h (the stored sizes).
noinst_LIBRARIES += src/kaspcheck/libkaspcheck.a
src_kaspcheck_libkaspcheck_a_SOURCES = src/kaspcheck/check.c src/kaspcheck/check.h \
	src/kaspcheck/findings.c src/kaspcheck/check_conf.c src/kaspcheck/check_kasp.c
src_kaspcheck_libkaspcheck_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS)

KASPCHECK_LIBS = src/kaspcheck/libkaspcheck.a src/store/libstore.a $(CONFIG_LIBS)

bin_PROGRAMS += ods-kaspcheck
ods_kaspcheck_SOURCES = src/kaspcheck/main.c
ods_kaspcheck_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS)
ods_kaspcheck_LDADD = $(KASPCHECK_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_kaspcheck
TESTS += tests/unit/test_kaspcheck
tests_unit_test_kaspcheck_SOURCES = tests/unit/test_kaspcheck.c
tests_unit_test_kaspcheck_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_kaspcheck_LDADD = $(KASPCHECK_LIBS) $(CMOCKA_LIBS)
endif
EXTRA_DIST += tests/data/kaspcheck
