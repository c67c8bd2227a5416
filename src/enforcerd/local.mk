# src/enforcerd: the ods-enforcerd program
sbin_PROGRAMS += ods-enforcerd
ods_enforcerd_SOURCES = src/enforcerd/main.c
