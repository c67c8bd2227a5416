# src/config: conf.xml, kasp.xml and zonelist.xml read with libxml2 and
# checked against RelaxNG schemas that are compiled into the programs; kasp.xml
# and zonelist.xml also written.
# May include: src/common/ only (conf.xml's datastore is a plain struct
# conf_datastore; store_db_config() in src/store/ maps it to db/db.h's).
noinst_LIBRARIES += src/config/libconfig.a
src_config_libconfig_a_SOURCES = \
	src/config/conf.c src/config/conf.h \
	src/config/kasp.c src/config/kasp.h \
	src/config/zonelist.c src/config/zonelist.h \
	src/config/zonelist_edit.c src/config/zonelist_edit.h \
	src/config/zonelist_edit_internal.h src/config/zonelist_edit_change.c \
	src/config/zonelist_scan.c src/config/zonelist_scan.h \
	src/config/zonelist_scan_internal.h src/config/zonelist_scan_markup.c \
	src/config/zonelist_scan_decode.c \
	src/config/xml.c src/config/xml.h src/config/xml_internal.h \
	src/config/xml_value.c src/config/xml_stream.c
nodist_src_config_libconfig_a_SOURCES = \
	src/config/conf_rng.embed.c \
	src/config/kasp_rng.embed.c \
	src/config/zonelist_rng.embed.c
src_config_libconfig_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS)

# Programs linking libconfig.a also need: src/common/libcommon.a $(LIBXML2_LIBS)
CONFIG_LIBS = src/config/libconfig.a src/common/libcommon.a $(LIBXML2_LIBS)

# The schemas: installed for xmllint and other tools, and embedded so an
# installed binary validates without data files.
dist_odsdata_DATA += src/config/conf.rng src/config/kasp.rng src/config/zonelist.rng
BUILT_SOURCES += \
	src/config/conf_rng.embed.c \
	src/config/kasp_rng.embed.c \
	src/config/zonelist_rng.embed.c
CLEANFILES += \
	src/config/conf_rng.embed.c \
	src/config/kasp_rng.embed.c \
	src/config/zonelist_rng.embed.c

src/config/conf_rng.embed.c: $(srcdir)/src/config/conf.rng $(srcdir)/tools/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/config && \
	$(EMBED) conf_rng $(srcdir)/src/config/conf.rng > $@.tmp && mv $@.tmp $@

src/config/kasp_rng.embed.c: $(srcdir)/src/config/kasp.rng $(srcdir)/tools/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/config && \
	$(EMBED) kasp_rng $(srcdir)/src/config/kasp.rng > $@.tmp && mv $@.tmp $@

src/config/zonelist_rng.embed.c: $(srcdir)/src/config/zonelist.rng $(srcdir)/tools/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/config && \
	$(EMBED) zonelist_rng $(srcdir)/src/config/zonelist.rng > $@.tmp && mv $@.tmp $@

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_conf
TESTS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_conf_LDADD = $(CONFIG_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_kasp tests/unit/test_zonelist tests/unit/test_zonelist_edit
TESTS += tests/unit/test_kasp tests/unit/test_zonelist tests/unit/test_zonelist_edit
tests_unit_test_kasp_SOURCES = tests/unit/test_kasp.c
tests_unit_test_kasp_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_kasp_LDADD = $(CONFIG_LIBS) $(CMOCKA_LIBS)
tests_unit_test_zonelist_SOURCES = tests/unit/test_zonelist.c
tests_unit_test_zonelist_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_zonelist_LDADD = $(CONFIG_LIBS) $(CMOCKA_LIBS)
tests_unit_test_zonelist_edit_SOURCES = tests/unit/test_zonelist_edit.c \
	tests/unit/lease_probe.h tests/unit/dir_entries.h
tests_unit_test_zonelist_edit_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_zonelist_edit_LDADD = $(CONFIG_LIBS) $(CMOCKA_LIBS)
endif
EXTRA_DIST += tests/data/conf tests/data/kasp tests/data/zonelist
