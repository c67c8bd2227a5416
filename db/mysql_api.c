/*
 * mysql_api.c - the dlopen() of the MariaDB (or MySQL) client library (see mysql_api.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#define MYSQL_API_SELF
#include "common/err.h"
#include "db/mysql_api.h"

struct mysql_api mysql_api;

int
mysql_api_load(char *why, size_t whylen)
{
	static int loaded;
	void *lib;

	if (loaded)
		return 0;
	/* RTLD_NODELETE: the library stays for the life of the process */
	lib = dlopen(MYSQL_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (lib == NULL) {
		snprintf(why, whylen, "cannot load %s: %s", MYSQL_SONAME, dlerror());
		return E_NOTFOUND;
	}
#define MYSQL_API_LOAD(f)                                                                          \
	if ((mysql_api.f = (__typeof__(mysql_api.f))dlsym(lib, #f)) == NULL) {                     \
		snprintf(why, whylen, "%s has no %s", MYSQL_SONAME, #f);                           \
		return E_NOTFOUND;                                                                 \
	}
	MYSQL_API(MYSQL_API_LOAD)
#undef MYSQL_API_LOAD
	loaded = 1;
	return 0;
}
