# src/hsm: keys in PKCS#11 tokens, and DNSKEY / key tag / DS from a public key.
noinst_LIBRARIES += src/hsm/libhsm.a
src_hsm_libhsm_a_SOURCES = src/hsm/dnskey.c src/hsm/dnskey.h src/hsm/hsm.h \
	src/hsm/pkcs11.c src/hsm/pkcs11_internal.h src/hsm/pkcs11_module.c \
	src/hsm/pkcs11_session.c src/hsm/pkcs11_object.c src/hsm/pkcs11_keygen.c \
	src/hsm/pkcs11_export.c src/hsm/verify.c src/hsm/verify.h \
	src/hsm/crypto_api.c src/hsm/crypto_api.h
src_hsm_libhsm_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS) $(P11KIT_CFLAGS)

# Programs that use libhsm.a link $(HSM_LIBS): the PKCS#11 layer reads its
# repositories from struct conf, and dlopen()s the modules and libcrypto
# (crypto_api.c; -ldl, where the C library needs it, is in $(LIBS), which
# every link gets).
HSM_LIBS = src/hsm/libhsm.a $(CONFIG_LIBS)

# ---------------------------------------------------------------- unit tests
# dnskey.c against published RFC vectors (checked with ldns-key2ds and
# dnssec-dsfromkey).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_dnskey
TESTS += tests/unit/test_dnskey
tests_unit_test_dnskey_SOURCES = tests/unit/test_dnskey.c
tests_unit_test_dnskey_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dnskey_LDADD = src/hsm/libhsm.a src/common/libcommon.a $(LIBCRYPTO_LIBS) \
	$(CMOCKA_LIBS)
endif

# pkcs11*.c against a fresh SoftHSMv2 token made by the test itself (see
# tests/lib/softhsm.sh for the same recipe in sh).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_hsm
TESTS += tests/unit/test_hsm
tests_unit_test_hsm_SOURCES = tests/unit/test_hsm.c
tests_unit_test_hsm_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS) $(LIBCRYPTO_CFLAGS) \
	$(P11KIT_CFLAGS)
tests_unit_test_hsm_LDADD = $(HSM_LIBS) $(LIBCRYPTO_LIBS) $(CMOCKA_LIBS)
# A pass-through PKCS#11 module that can fake C_Login results (a locked PIN,
# which SoftHSM never reports). Built as a shared object, not run.
check_PROGRAMS += tests/unit/p11shim.so
tests_unit_p11shim_so_SOURCES = tests/unit/p11shim.c
tests_unit_p11shim_so_CPPFLAGS = $(AM_CPPFLAGS) $(P11KIT_CFLAGS)
tests_unit_p11shim_so_CFLAGS = $(AM_CFLAGS) -fPIC
tests_unit_p11shim_so_LDFLAGS = -shared
tests_unit_p11shim_so_LDADD =
endif
EXTRA_DIST += tests/lib/softhsm.sh tests/bench/hsm-keygen.sh tests/lsan-softhsm.supp
