# src/ksmutil: the ods-ksmutil program (argv -> commands)
bin_PROGRAMS += ods-ksmutil
ods_ksmutil_SOURCES = \
	src/ksmutil/ksmutil.h \
	src/ksmutil/main.c \
	src/ksmutil/common.c \
	src/ksmutil/usage.c \
	src/ksmutil/textbuf.c \
	src/ksmutil/notify.c \
	src/ksmutil/cmd_setup.c \
	src/ksmutil/cmd_update.c \
	src/ksmutil/cmd_zone.c \
	src/ksmutil/cmd_zonelist.c \
	src/ksmutil/cmd_policy.c \
	src/ksmutil/cmd_repository.c \
	src/ksmutil/cmd_database.c \
	src/ksmutil/cmd_key.c \
	src/ksmutil/cmd_backup.c
ods_ksmutil_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS)
# $(STORE_LIBS) with the enforcer logic, the HSM layer and libconfig.a placed
# between the store and the layers below it
ods_ksmutil_LDADD = src/store/libstore.a $(ENFORCER_LIBS) src/hsm/libhsm.a \
	src/config/libconfig.a $(MIGRATE_LIBS) $(LIBXML2_LIBS) $(LIBCRYPTO_LIBS)
