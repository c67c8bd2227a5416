# src/ksmutil: the ods-ksmutil program (argv -> commands)
bin_PROGRAMS += ods-ksmutil
ods_ksmutil_SOURCES = \
	src/ksmutil/ksmutil.h \
	src/ksmutil/main.c \
	src/ksmutil/common.c \
	src/ksmutil/usage.c \
	src/ksmutil/jsonout.h \
	src/ksmutil/jsonout.c \
	src/ksmutil/notify.c \
	src/ksmutil/cmd_setup.c \
	src/ksmutil/cmd_update_internal.h \
	src/ksmutil/cmd_update.c \
	src/ksmutil/cmd_update_txn.c \
	src/ksmutil/cmd_zone.c \
	src/ksmutil/cmd_zonelist.c \
	src/ksmutil/cmd_cluster.c \
	src/ksmutil/cmd_metrics.c \
	src/ksmutil/cmd_plan.c \
	src/ksmutil/cmd_policy.c \
	src/ksmutil/cmd_repository.c \
	src/ksmutil/cmd_database.c \
	src/ksmutil/cmd_key_internal.h \
	src/ksmutil/cmd_key_common.c \
	src/ksmutil/cmd_key_generate.c \
	src/ksmutil/cmd_key_list.c \
	src/ksmutil/cmd_key_delete.c \
	src/ksmutil/cmd_key_orphans.c \
	src/ksmutil/cmd_key_import.c \
	src/ksmutil/cmd_rollover_internal.h \
	src/ksmutil/cmd_rollover.c \
	src/ksmutil/cmd_rollover_ksk.c \
	src/ksmutil/cmd_backup.c \
	src/ksmutil/cmd_control.c
ods_ksmutil_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(JANSSON_CFLAGS)
# the enforcer logic above the store, the HSM layer and libconfig.a between
# the store and the layers below it
ods_ksmutil_LDADD = $(ENFORCER_RUN_LIBS) $(CONTROL_LIBS) $(JANSSON_LIBS)
