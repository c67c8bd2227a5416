# src/common: lowest layer: strings, times, files, processes, logging.
# May include: only src/common/ (and the C library).
noinst_LIBRARIES += src/common/libcommon.a
src_common_libcommon_a_SOURCES = \
	src/common/err.c src/common/err.h \
	src/common/str.c src/common/str.h \
	src/common/strbuf.c src/common/strbuf.h \
	src/common/base64.c src/common/base64.h \
	src/common/random.c src/common/random.h \
	src/common/duration.c src/common/duration.h \
	src/common/timeparse.c src/common/timeparse.h \
	src/common/clock.c src/common/clock.h \
	src/common/log.c src/common/log.h \
	src/common/fileio.c src/common/fileio.h \
	src/common/spawn.c src/common/spawn.h \
	src/common/dname.c src/common/dname.h \
	src/common/bigmem.c src/common/bigmem.h \
	src/common/progopt.c src/common/progopt.h

# ---------------------------------------------------------------- unit tests
COMMON_UNIT_TESTS = \
	tests/unit/test_str \
	tests/unit/test_strbuf \
	tests/unit/test_duration \
	tests/unit/test_timeparse \
	tests/unit/test_clock \
	tests/unit/test_fileio \
	tests/unit/test_spawn \
	tests/unit/test_log \
	tests/unit/test_dname \
	tests/unit/test_base64 \
	tests/unit/test_bigmem
if HAVE_CMOCKA
check_PROGRAMS += $(COMMON_UNIT_TESTS)
TESTS += $(COMMON_UNIT_TESTS)
endif

COMMON_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
COMMON_TEST_LDADD = src/common/libcommon.a $(CMOCKA_LIBS)

tests_unit_test_bigmem_SOURCES = tests/unit/test_bigmem.c
tests_unit_test_bigmem_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_bigmem_LDADD = $(COMMON_TEST_LDADD)

tests_unit_test_str_SOURCES = tests/unit/test_str.c
tests_unit_test_str_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_str_LDADD = $(COMMON_TEST_LDADD)

tests_unit_test_strbuf_SOURCES = tests/unit/test_strbuf.c
tests_unit_test_strbuf_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_strbuf_LDADD = $(COMMON_TEST_LDADD)

tests_unit_test_duration_SOURCES = tests/unit/test_duration.c
tests_unit_test_duration_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_duration_LDADD = $(COMMON_TEST_LDADD)

tests_unit_test_timeparse_SOURCES = tests/unit/test_timeparse.c
tests_unit_test_timeparse_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_timeparse_LDADD = $(COMMON_TEST_LDADD)

tests_unit_test_clock_SOURCES = tests/unit/test_clock.c
tests_unit_test_clock_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_clock_LDADD = $(COMMON_TEST_LDADD)

tests_unit_test_fileio_SOURCES = tests/unit/test_fileio.c tests/unit/lease_probe.h \
	tests/unit/dir_entries.h
tests_unit_test_fileio_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_fileio_LDADD = $(COMMON_TEST_LDADD)

tests_unit_test_spawn_SOURCES = tests/unit/test_spawn.c
tests_unit_test_spawn_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_spawn_LDADD = $(COMMON_TEST_LDADD)

tests_unit_test_dname_SOURCES = tests/unit/test_dname.c
tests_unit_test_dname_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_dname_LDADD = $(COMMON_TEST_LDADD)

# syslog calls are recorded by the test itself (no syslog daemon needed)
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_log_LDADD = $(COMMON_TEST_LDADD)
tests_unit_test_log_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=openlog -Wl,--wrap=syslog -Wl,--wrap=closelog -Wl,--wrap=__syslog_chk \
	-Wl,--wrap=access

# ---------------------------------------------------------------- fuzz corpus replay
# The fuzz targets are built with a replay main() (tests/fuzz/replay.h) and
# run over their seed corpus by a small TAP-speaking wrapper.
check_PROGRAMS += tests/fuzz/fuzz_duration tests/fuzz/fuzz_timeparse
TESTS += tests/fuzz/fuzz_duration.sh tests/fuzz/fuzz_timeparse.sh
EXTRA_DIST += \
	tests/fuzz/fuzz_duration.sh tests/fuzz/fuzz_timeparse.sh \
	tests/fuzz/corpus/duration tests/fuzz/corpus/timeparse

tests_fuzz_fuzz_duration_SOURCES = tests/fuzz/fuzz_duration.c tests/fuzz/replay.h
tests_fuzz_fuzz_duration_LDADD = src/common/libcommon.a
tests_fuzz_fuzz_timeparse_SOURCES = tests/fuzz/fuzz_timeparse.c tests/fuzz/replay.h
tests_fuzz_fuzz_timeparse_LDADD = src/common/libcommon.a

tests_unit_test_base64_SOURCES = tests/unit/test_base64.c
tests_unit_test_base64_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_unit_test_base64_LDADD = $(COMMON_TEST_LDADD)
