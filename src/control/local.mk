# src/control: starting, stopping and notifying the daemon (control.c),
# shared by ods-control and ods-ksmutil.
# May include: src/common/, src/config/.
noinst_LIBRARIES += src/control/libcontrol.a
src_control_libcontrol_a_SOURCES = src/control/control.c src/control/control.h
src_control_libcontrol_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS)

# control.c reads conf.xml with the XML helpers of libconfig.a
CONTROL_LIBS = src/control/libcontrol.a $(CONFIG_LIBS)

# ods-control: the 1.x front end to the daemons and tools (ksmutil-cli.md §14)
sbin_PROGRAMS += ods-control
ods_control_SOURCES = src/control/main.c
ods_control_LDADD = $(CONTROL_LIBS)

# the stand-in daemon of tests/cli/control.sh: logs the signals it gets
check_PROGRAMS += tests/cli/sigcount
tests_cli_sigcount_SOURCES = tests/cli/sigcount.c
