# src/ksmutil: the ods-ksmutil program (argv -> commands)
bin_PROGRAMS += ods-ksmutil
ods_ksmutil_SOURCES = \
	src/ksmutil/ksmutil.h \
	src/ksmutil/main.c \
	src/ksmutil/common.c \
	src/ksmutil/usage.c \
	src/ksmutil/cmd_setup.c \
	src/ksmutil/cmd_database.c
ods_ksmutil_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS)
ods_ksmutil_LDADD = src/config/libconfig.a db/libmigrate.a $(DB_LIBS) $(LIBXML2_LIBS)
