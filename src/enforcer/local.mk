# src/enforcer: the enforcer's logic. plan.c (how many keys to generate),
# state*.c (the key-state machine of one zone: state.c decides, state_formula.c
# the waits and dates, state_result.c the events' text) and signconf.c's
# formatting are pure; run.c is one enforce pass over the database and the HSM; metrics.c
# the Prometheus text of a database (ods-ksmutil metrics, the daemon's file).
# dsseen.c holds the rules of the operator's ds-seen; forecast.c runs a zone
# forward for `rollover plan` (both pure).
# May include: src/common/, db/db.h, src/config/, src/hsm/, src/store/; the
# pure files only src/common/ and src/enforcer/ (and store.h's key types).
noinst_LIBRARIES += src/enforcer/libenforcer.a
src_enforcer_libenforcer_a_SOURCES = \
	src/enforcer/plan.c src/enforcer/plan.h \
	src/enforcer/state.c src/enforcer/state.h src/enforcer/state_internal.h \
	src/enforcer/state_formula.c src/enforcer/state_result.c \
	src/enforcer/dsseen.c src/enforcer/forecast.c src/enforcer/forecast.h \
	src/enforcer/signconf.c src/enforcer/signconf.h \
	src/enforcer/run.c src/enforcer/run.h src/enforcer/run_internal.h \
	src/enforcer/run_keygen.c src/enforcer/run_zones.c src/enforcer/run_after.c \
	src/enforcer/metrics.c src/enforcer/metrics.h
nodist_src_enforcer_libenforcer_a_SOURCES = src/enforcer/signconf_rng.embed.c
src_enforcer_libenforcer_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(LIBCRYPTO_CFLAGS)

# The pure parts need nothing else; a program that runs passes (run.c) links
# $(ENFORCER_RUN_LIBS): the store, the HSM layer, the configuration.
ENFORCER_LIBS = src/enforcer/libenforcer.a
ENFORCER_RUN_LIBS = src/enforcer/libenforcer.a src/store/libstore.a src/hsm/libhsm.a \
	src/config/libconfig.a $(MIGRATE_LIBS) $(LIBXML2_LIBS)

# The signconf schema: installed for xmllint and signers, embedded for the
# check before every write.
dist_odsdata_DATA += src/enforcer/signconf.rng
BUILT_SOURCES += src/enforcer/signconf_rng.embed.c
CLEANFILES += src/enforcer/signconf_rng.embed.c

src/enforcer/signconf_rng.embed.c: $(srcdir)/src/enforcer/signconf.rng $(srcdir)/tools/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/enforcer && \
	$(EMBED) signconf_rng $(srcdir)/src/enforcer/signconf.rng > $@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------- unit tests
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_plan tests/unit/test_state tests/unit/test_signconf \
	tests/unit/test_forecast
TESTS += tests/unit/test_plan tests/unit/test_state tests/unit/test_signconf \
	tests/unit/test_forecast
tests_unit_test_plan_SOURCES = tests/unit/test_plan.c
tests_unit_test_plan_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_plan_LDADD = $(ENFORCER_LIBS) $(CMOCKA_LIBS)

# The state machine walked through simulated years (pure: nothing else linked).
tests_unit_test_state_SOURCES = tests/unit/test_state.c
tests_unit_test_state_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_state_LDADD = $(ENFORCER_LIBS) src/common/libcommon.a $(CMOCKA_LIBS)

# rollover plan's forward run and the shared ds-seen rules (pure).
tests_unit_test_forecast_SOURCES = tests/unit/test_forecast.c
tests_unit_test_forecast_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_forecast_LDADD = $(ENFORCER_LIBS) src/common/libcommon.a $(CMOCKA_LIBS)

# Signconf texts against golden files and the schema; writes in a temp dir.
tests_unit_test_signconf_SOURCES = tests/unit/test_signconf.c
tests_unit_test_signconf_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_signconf_LDADD = $(ENFORCER_LIBS) $(CONFIG_LIBS) $(CMOCKA_LIBS)
endif
EXTRA_DIST += tests/data/signconf

# ---------------------------------------------------------------- benchmark
# tests/bench/enforce.sh (figures, run by hand) compares the first pass with
# this baseline: the same token making the same keys in one process.
check_PROGRAMS += tests/bench/keygen_loop
tests_bench_keygen_loop_SOURCES = tests/bench/keygen_loop.c
tests_bench_keygen_loop_CPPFLAGS = $(AM_CPPFLAGS) $(P11KIT_CFLAGS)
tests_bench_keygen_loop_LDADD = $(LIBCRYPTO_LIBS)
EXTRA_DIST += tests/bench/enforce.sh
