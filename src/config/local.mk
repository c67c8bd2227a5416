# src/config: conf.xml (and later kasp.xml, zonelist.xml) read with libxml2 and
# checked against RelaxNG schemas that are compiled into the programs.
noinst_LIBRARIES += src/config/libconfig.a
src_config_libconfig_a_SOURCES = \
	src/config/conf.c src/config/conf.h \
	src/config/xml.c src/config/xml.h
nodist_src_config_libconfig_a_SOURCES = src/config/conf_rng.embed.c
src_config_libconfig_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS)

# Programs linking libconfig.a also need: src/common/libcommon.a $(LIBXML2_LIBS)
CONFIG_LIBS = src/config/libconfig.a src/common/libcommon.a $(LIBXML2_LIBS)

# The schemas: installed for xmllint and other tools, and embedded so an
# installed binary validates without data files.
dist_odsdata_DATA += src/config/conf.rng
BUILT_SOURCES += src/config/conf_rng.embed.c
CLEANFILES += src/config/conf_rng.embed.c

src/config/conf_rng.embed.c: $(srcdir)/src/config/conf.rng $(srcdir)/tools/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/config && \
	$(EMBED) conf_rng $(srcdir)/src/config/conf.rng > $@.tmp && mv $@.tmp $@

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_conf
TESTS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_conf_LDADD = $(CONFIG_LIBS) $(CMOCKA_LIBS)
endif
EXTRA_DIST += tests/data/conf
