# src/enforcerd: the ods-enforcerd program (start-up, the loop, signals)
# May include: every library layer (not another program's folder).
sbin_PROGRAMS += ods-enforcerd
ods_enforcerd_SOURCES = \
	src/enforcerd/main.c src/enforcerd/enforcerd.h \
	src/enforcerd/signals.c \
	src/enforcerd/pidfile.c \
	src/enforcerd/privdrop.c \
	src/enforcerd/confread.c \
	src/enforcerd/leader.c
ods_enforcerd_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS)
ods_enforcerd_LDADD = $(ENFORCER_RUN_LIBS)
