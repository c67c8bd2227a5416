/*
 * pkcs11_module.c - the process-wide table of loaded PKCS#11 modules: dlopen(),
 * C_GetFunctionList, C_Initialize and the reference counts (see pkcs11.c).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "hsm/pkcs11_internal.h"

/* Every module loaded in the process, the last loaded first. */
static struct module *modules;

/* ----------------------------------------------------------------- modules */

void
p11_module_release(struct module *m)
{
	struct module **pp;

	if (m == NULL || --m->refs > 0)
		return;
	for (pp = &modules; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	if (m->finalize)
		m->f->C_Finalize(NULL);
	dlclose(m->dl);
	free(m->path);
	free(m);
}

int
p11_module_get(hsm_t *hsm, const char *path, struct module **out)
{
	struct module *m;
	CK_C_GetFunctionList getlist;
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;
	int ret;

	for (m = modules; m != NULL; m = m->next) {
		if (strcmp(m->path, path) == 0) {
			m->refs++;
			*out = m;
			return 0;
		}
	}
	m = calloc(1, sizeof *m);
	if (m == NULL || (m->path = strdup(path)) == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (m->dl == NULL) {
		const char *why = dlerror();

		ret = fail(hsm, E_IO, "cannot load PKCS#11 module %s: %s", path,
			why != NULL ? why : "dlopen failed");
		goto out;
	}
	/* Another spelling (symlink, relative path) of a module already loaded. */
	for (struct module *o = modules; o != NULL; o = o->next) {
		if (o->dl == m->dl) {
			o->refs++;
			*out = o;
			ret = 0;
			goto out;
		}
	}
	*(void **)&getlist = dlsym(m->dl, "C_GetFunctionList");
	if (getlist == NULL) {
		ret = fail(hsm, E_IO, "%s is not a PKCS#11 module (no C_GetFunctionList)", path);
		goto out;
	}
	rv = getlist(&m->f);
	if (rv != CKR_OK || m->f == NULL) {
		ret = fail(hsm, E_IO, "%s: C_GetFunctionList: %s", path, p11_rv_name(rv));
		goto out;
	}
	memset(&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	rv = m->f->C_Initialize(&args);
	if (rv == CKR_OK) {
		m->finalize = 1;
	} else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ret = fail(hsm, E_IO, "%s: C_Initialize: %s", path, p11_rv_name(rv));
		goto out;
	}
	m->refs = 1;
	m->next = modules;
	modules = m;
	*out = m;
	m = NULL;
	ret = 0;
out:
	if (m != NULL) {
		if (m->dl != NULL)
			dlclose(m->dl);
		free(m->path);
		free(m);
	}
	return ret;
}
