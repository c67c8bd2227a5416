/*
 * pq_api.c - the dlopen() of libpq (see pq_api.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#define PQ_API_SELF
#include "common/err.h"
#include "db/pq_api.h"

struct pq_api pq_api;

int
pq_api_load(char *why, size_t whylen)
{
	static int loaded;
	void *lib;

	if (loaded)
		return 0;
	/* RTLD_NODELETE: the library stays for the life of the process */
	lib = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (lib == NULL) {
		snprintf(why, whylen, "cannot load %s: %s", PQ_SONAME, dlerror());
		return E_NOTFOUND;
	}
#define PQ_API_LOAD(f)                                                                             \
	if ((pq_api.f = (__typeof__(pq_api.f))dlsym(lib, #f)) == NULL) {                           \
		snprintf(why, whylen, "%s has no %s", PQ_SONAME, #f);                              \
		return E_NOTFOUND;                                                                 \
	}
	PQ_API(PQ_API_LOAD)
#undef PQ_API_LOAD
	loaded = 1;
	return 0;
}
