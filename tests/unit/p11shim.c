/*
 * p11shim.c - a PKCS#11 module for the tests that passes everything to the
 * module named by $P11SHIM_MODULE, except C_Login, which answers
 * $P11SHIM_LOGIN_RV (a number, e.g. 164 = CKR_PIN_LOCKED) when that is
 * set. SoftHSM 2.6 never locks a PIN, so this is how the tests reach the
 * "token is locked" branch.
 */
#include <dlfcn.h>
#include <stdlib.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST shim;
static CK_C_Login real_login;

static CK_RV
shim_login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	const char *rv = getenv("P11SHIM_LOGIN_RV");

	if (rv != NULL && *rv != '\0')
		return (CK_RV)strtoul(rv, NULL, 0);
	return real_login(s, u, pin, len);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out);

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	const char *path = getenv("P11SHIM_MODULE");
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR real;
	void *dl;
	CK_RV rv;

	if (path == NULL || (dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return CKR_GENERAL_ERROR;
	*(void **)&get = dlsym(dl, "C_GetFunctionList");
	if (get == NULL)
		return CKR_GENERAL_ERROR;
	rv = get(&real);
	if (rv != CKR_OK)
		return rv;
	shim = *real;
	real_login = real->C_Login;
	shim.C_Login = shim_login;
	*out = &shim;
	return CKR_OK;
}
