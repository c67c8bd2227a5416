# tests/fuzz: fuzz targets for every parser of outside input. Each target
# defines LLVMFuzzerTestOneInput(); without libFuzzer it gets the replay
# main() of replay.h and `make check` runs its seed corpus
# (tests/fuzz/corpus/<target>/) through it once, by tests/fuzz/fuzz_<t>.sh.
# configure --enable-fuzzing (CC=clang) builds the tree with coverage
# instrumentation, ASan and UBSan, and links the targets with libFuzzer's
# main(); tests/fuzz/run-fuzzers.sh SECONDS then fuzzes each one in turn.
# fuzz_duration and fuzz_timeparse are registered in src/common/local.mk;
# their flags for a libFuzzer build are set here.
if ENABLE_FUZZING
FUZZ_CPPFLAGS = -DFUZZING_LIBFUZZER
FUZZING_BUILD = yes
else
FUZZ_CPPFLAGS =
FUZZING_BUILD = no
endif
AM_TESTS_ENVIRONMENT += FUZZING_BUILD='$(FUZZING_BUILD)'; export FUZZING_BUILD;

FUZZ_NEW_TARGETS = \
	tests/fuzz/fuzz_conf tests/fuzz/fuzz_kasp tests/fuzz/fuzz_zonelist \
	tests/fuzz/fuzz_signconf tests/fuzz/fuzz_dname tests/fuzz/fuzz_dnskey \
	tests/fuzz/fuzz_keyimport tests/fuzz/fuzz_cli
check_PROGRAMS += $(FUZZ_NEW_TARGETS)
# `make fuzz-targets`: only the fuzz targets (what run-fuzzers.sh runs)
fuzz-targets: tests/fuzz/fuzz_duration tests/fuzz/fuzz_timeparse $(FUZZ_NEW_TARGETS)
.PHONY: fuzz-targets
TESTS += \
	tests/fuzz/fuzz_conf.sh tests/fuzz/fuzz_kasp.sh tests/fuzz/fuzz_zonelist.sh \
	tests/fuzz/fuzz_signconf.sh tests/fuzz/fuzz_dname.sh tests/fuzz/fuzz_dnskey.sh \
	tests/fuzz/fuzz_keyimport.sh tests/fuzz/fuzz_cli.sh
EXTRA_DIST += \
	tests/fuzz/replay-corpus tests/fuzz/run-fuzzers.sh tests/fuzz/fuzzutil.h \
	tests/fuzz/fuzz_conf.sh tests/fuzz/fuzz_kasp.sh tests/fuzz/fuzz_zonelist.sh \
	tests/fuzz/fuzz_signconf.sh tests/fuzz/fuzz_dname.sh tests/fuzz/fuzz_dnskey.sh \
	tests/fuzz/fuzz_keyimport.sh tests/fuzz/fuzz_cli.sh \
	tests/fuzz/corpus/conf tests/fuzz/corpus/kasp tests/fuzz/corpus/zonelist \
	tests/fuzz/corpus/signconf tests/fuzz/corpus/dname tests/fuzz/corpus/dnskey \
	tests/fuzz/corpus/keyimport tests/fuzz/corpus/cli

FUZZ_COMMON_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_CPPFLAGS)

tests_fuzz_fuzz_duration_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS)
tests_fuzz_fuzz_duration_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_timeparse_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS)
tests_fuzz_fuzz_timeparse_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# conf.xml, kasp.xml, zonelist.xml through the real loaders (and the byte
# scanner of zone add/delete), from a file in a private directory
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c tests/fuzz/replay.h tests/fuzz/fuzzutil.h
tests_fuzz_fuzz_conf_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS) $(LIBXML2_CFLAGS)
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_conf_LDADD = $(CONFIG_LIBS)
tests_fuzz_fuzz_kasp_SOURCES = tests/fuzz/fuzz_kasp.c tests/fuzz/replay.h tests/fuzz/fuzzutil.h
tests_fuzz_fuzz_kasp_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS) $(LIBXML2_CFLAGS)
tests_fuzz_fuzz_kasp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_kasp_LDADD = $(CONFIG_LIBS)
tests_fuzz_fuzz_zonelist_SOURCES = tests/fuzz/fuzz_zonelist.c tests/fuzz/replay.h \
	tests/fuzz/fuzzutil.h
tests_fuzz_fuzz_zonelist_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS) $(LIBXML2_CFLAGS)
tests_fuzz_fuzz_zonelist_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_zonelist_LDADD = $(CONFIG_LIBS)

# kasp.xml -> policy -> signconf text, checked against signconf.rng
tests_fuzz_fuzz_signconf_SOURCES = tests/fuzz/fuzz_signconf.c tests/fuzz/replay.h \
	tests/fuzz/fuzzutil.h
tests_fuzz_fuzz_signconf_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS) $(LIBXML2_CFLAGS)
tests_fuzz_fuzz_signconf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_signconf_LDADD = $(ENFORCER_LIBS) $(CONFIG_LIBS)

tests_fuzz_fuzz_dname_SOURCES = tests/fuzz/fuzz_dname.c tests/fuzz/replay.h tests/fuzz/fuzzutil.h
tests_fuzz_fuzz_dname_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS)
tests_fuzz_fuzz_dname_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dname_LDADD = src/common/libcommon.a

# DNSKEY/DS of arbitrary keys; the DS digests are recomputed with libcrypto
tests_fuzz_fuzz_dnskey_SOURCES = tests/fuzz/fuzz_dnskey.c tests/fuzz/replay.h \
	tests/fuzz/fuzzutil.h
tests_fuzz_fuzz_dnskey_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
tests_fuzz_fuzz_dnskey_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dnskey_LDADD = src/hsm/libhsm.a src/common/libcommon.a $(LIBCRYPTO_LIBS)

# key import's checks live in cmd_key_import.c, linked here with what it needs
tests_fuzz_fuzz_keyimport_SOURCES = tests/fuzz/fuzz_keyimport.c tests/fuzz/replay.h \
	tests/fuzz/fuzzutil.h src/ksmutil/cmd_key_import.c src/ksmutil/cmd_key_common.c \
	src/ksmutil/cmd_key_internal.h src/ksmutil/common.c src/ksmutil/usage.c \
	src/ksmutil/jsonout.c
tests_fuzz_fuzz_keyimport_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS) $(LIBXML2_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_keyimport_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_keyimport_LDADD = $(ENFORCER_RUN_LIBS) $(LIBCRYPTO_LIBS) $(JANSSON_LIBS)

# ods-ksmutil's main.c, included by the target, with stub handlers
tests_fuzz_fuzz_cli_SOURCES = tests/fuzz/fuzz_cli.c tests/fuzz/replay.h tests/fuzz/fuzzutil.h
tests_fuzz_fuzz_cli_CPPFLAGS = $(FUZZ_COMMON_CPPFLAGS) $(LIBXML2_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_cli_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_cli_LDADD = src/common/libcommon.a
