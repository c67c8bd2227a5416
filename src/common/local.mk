# src/common: lowest layer (no project dependencies)
noinst_LIBRARIES += src/common/libcommon.a
src_common_libcommon_a_SOURCES = \
	src/common/err.c src/common/err.h
