/*
 * crypto_api.c - the dlopen() of libcrypto (see crypto_api.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#define CRYPTO_API_SELF
#include "common/err.h"
#include "hsm/crypto_api.h"

struct crypto_api crypto_api;

int
crypto_api_load(char *why, size_t whylen)
{
	static int loaded;
	void *lib;

	if (loaded)
		return 0;
	/* RTLD_NODELETE: the library stays for the life of the process */
	lib = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (lib == NULL) {
		snprintf(why, whylen, "cannot load %s: %s", CRYPTO_SONAME, dlerror());
		return E_NOTFOUND;
	}
#define CRYPTO_API_LOAD(f)                                                                         \
	if ((crypto_api.f = (__typeof__(crypto_api.f))dlsym(lib, #f)) == NULL) {                   \
		snprintf(why, whylen, "%s has no %s", CRYPTO_SONAME, #f);                          \
		return E_NOTFOUND;                                                                 \
	}
	CRYPTO_API(CRYPTO_API_LOAD)
#undef CRYPTO_API_LOAD
	loaded = 1;
	return 0;
}
