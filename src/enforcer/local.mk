# src/enforcer: the enforcer's logic as pure functions (key-need planning
# now; the state machine and the enforce pass later).
noinst_LIBRARIES += src/enforcer/libenforcer.a
src_enforcer_libenforcer_a_SOURCES = \
	src/enforcer/plan.c src/enforcer/plan.h

ENFORCER_LIBS = src/enforcer/libenforcer.a

# ---------------------------------------------------------------- unit tests
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_plan
TESTS += tests/unit/test_plan
tests_unit_test_plan_SOURCES = tests/unit/test_plan.c
tests_unit_test_plan_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_plan_LDADD = $(ENFORCER_LIBS) $(CMOCKA_LIBS)
endif
