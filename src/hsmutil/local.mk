# src/hsmutil: ods-hsmutil, the token tool (ksmutil-cli.md section 13).
# May include: every library layer (not another program's folder).
bin_PROGRAMS += ods-hsmutil
ods_hsmutil_SOURCES = src/hsmutil/main.c
ods_hsmutil_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
ods_hsmutil_LDADD = $(HSM_LIBS)
