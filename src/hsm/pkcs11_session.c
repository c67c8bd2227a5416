/*
 * pkcs11_session.c - the handle, its repositories, their sessions and logins,
 * and the messages a failure leaves on the handle (see pkcs11.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "hsm/pkcs11_internal.h"

/* ------------------------------------------------------------------ errors */

const char *
p11_rv_name(CK_RV rv)
{
	static const struct {
		CK_RV rv;
		const char *name;
	} names[] = {
		{ CKR_OK, "CKR_OK" },
		{ CKR_HOST_MEMORY, "CKR_HOST_MEMORY" },
		{ CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID" },
		{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
		{ CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED" },
		{ CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD" },
		{ CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE" },
		{ CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID" },
		{ CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID" },
		{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
		{ CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY" },
		{ CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED" },
		{ CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE" },
		{ CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID" },
		{ CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE" },
		{ CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT" },
		{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
		{ CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID" },
		{ CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID" },
		{ CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE" },
		{ CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT" },
		{ CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE" },
		{ CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED" },
		{ CKR_PIN_LOCKED, "CKR_PIN_LOCKED" },
		{ CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED" },
		{ CKR_SESSION_COUNT, "CKR_SESSION_COUNT" },
		{ CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID" },
		{ CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY" },
		{ CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE" },
		{ CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT" },
		{ CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT" },
		{ CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED" },
		{ CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED" },
		{ CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN" },
		{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
		{ CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED" },
		{ CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID" },
		{ CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL" },
		{ CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED" },
		{ CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED" },
		{ CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED" },
	};
	static char other[32];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].rv == rv)
			return names[i].name;
	snprintf(other, sizeof other, "CKR 0x%lx", (unsigned long)rv);
	return other;
}

void
p11_set_message(hsm_t *hsm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(hsm->errmsg, sizeof hsm->errmsg, fmt, ap);
	va_end(ap);
}

/*
 * A failed PKCS#11 call: "repository R: C_Xxx: CKR_..." with a class for rv.
 * When rv says the session (or its login) is gone, drop it: the next call
 * opens a session and logs in afresh.
 */
int
p11_fail_rv(hsm_t *hsm, struct repo *r, const char *call, CK_RV rv)
{
	int code = E_IO;

	if (r->ready && (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
				rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
				rv == CKR_USER_NOT_LOGGED_IN)) {
		(void)r->mod->f->C_CloseSession(r->sess);
		r->sess = CK_INVALID_HANDLE;
		r->ready = 0;
	}
	if (rv == CKR_HOST_MEMORY)
		code = E_NOMEM;
	else if (rv == CKR_MECHANISM_INVALID || rv == CKR_KEY_SIZE_RANGE ||
		 rv == CKR_FUNCTION_NOT_SUPPORTED || rv == CKR_ATTRIBUTE_VALUE_INVALID ||
		 rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_DOMAIN_PARAMS_INVALID)
		code = E_UNSUPPORTED;
	return fail(hsm, code, "repository %s: %s: %s", r->conf->name, call, p11_rv_name(rv));
}

/* ------------------------------------------------------------------ handle */

int
hsm_open(const struct conf *conf, hsm_t **out)
{
	hsm_t *hsm;
	int ret;

	if (conf == NULL || out == NULL)
		return E_INVAL;
	hsm = calloc(1, sizeof *hsm);
	if (hsm == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	hsm->conf = conf;
	hsm->nrepos = conf->nrepos;
	if (conf->nrepos > 0) {
		hsm->repos = calloc(conf->nrepos, sizeof *hsm->repos);
		if (hsm->repos == NULL) {
			ret = E_NOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < conf->nrepos; i++)
		hsm->repos[i].conf = &conf->repos[i];
	*out = hsm;
	hsm = NULL;
	ret = 0;
out:
	if (hsm != NULL) {
		free(hsm->repos);
		free(hsm);
	}
	return ret;
}

void
hsm_close(hsm_t *hsm)
{
	if (hsm == NULL)
		return;
	for (size_t i = 0; i < hsm->nrepos; i++) {
		struct repo *r = &hsm->repos[i];

		if (r->ready)
			r->mod->f->C_CloseSession(r->sess);
		p11_module_release(r->mod);
	}
	free(hsm->repos);
	free(hsm);
}

const char *
hsm_errmsg(const hsm_t *hsm)
{
	if (hsm == NULL)
		return "no HSM handle";
	return hsm->errmsg;
}

/* Compare a blank-padded 32-byte token label with a C string. */
static int
label_eq(const CK_UTF8CHAR field[32], const char *label)
{
	size_t n = strlen(label), end = 32;

	while (end > 0 && field[end - 1] == ' ')
		end--;
	return n == end && memcmp(field, label, n) == 0;
}

static int
find_slot(hsm_t *hsm, struct repo *r, CK_SLOT_ID *out)
{
	CK_FUNCTION_LIST_PTR f = r->mod->f;
	CK_SLOT_ID *slots = NULL;
	CK_ULONG n = 0;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int ret;

	rv = f->C_GetSlotList(CK_TRUE, NULL, &n);
	if (rv != CKR_OK) {
		ret = p11_fail_rv(hsm, r, "C_GetSlotList", rv);
		goto out;
	}
	slots = calloc(n + 1, sizeof *slots);
	if (slots == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	rv = f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK) {
		ret = p11_fail_rv(hsm, r, "C_GetSlotList", rv);
		goto out;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (label_eq(ti.label, r->conf->token_label)) {
			*out = slots[i];
			ret = 0;
			goto out;
		}
	}
	ret = fail(
		hsm, E_NOTFOUND, "token %s not found in %s", r->conf->token_label, r->conf->module);
out:
	free(slots);
	return ret;
}

int
p11_repo_lookup(hsm_t *hsm, const char *name, struct repo **out)
{
	for (size_t i = 0; i < hsm->nrepos; i++) {
		if (strcmp(hsm->repos[i].conf->name, name) == 0) {
			*out = &hsm->repos[i];
			return 0;
		}
	}
	return fail(hsm, E_NOTFOUND, "repository %s not found in conf.xml", name);
}

int
p11_repo_ready(hsm_t *hsm, struct repo *r)
{
	const struct conf_repository *c = r->conf;
	CK_SESSION_HANDLE sess = CK_INVALID_HANDLE;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int ret;

	if (r->ready)
		return 0;
	if (c->module == NULL || c->token_label == NULL)
		return fail(hsm, E_INVAL, "repository %s has no Module or TokenLabel", c->name);
	if (r->mod == NULL) {
		ret = p11_module_get(hsm, c->module, &r->mod);
		if (ret != 0)
			goto out;
	}
	ret = find_slot(hsm, r, &r->slot);
	if (ret != 0)
		goto out;
	if (c->pin == NULL) {
		ret = fail(hsm, E_DENIED, "repository %s has no PIN in conf.xml", c->name);
		goto out;
	}
	rv = r->mod->f->C_OpenSession(
		r->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &sess);
	if (rv != CKR_OK) {
		ret = p11_fail_rv(hsm, r, "C_OpenSession", rv);
		goto out;
	}
	rv = r->mod->f->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR)c->pin, strlen(c->pin));
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE) {
		ret = fail(hsm, E_DENIED, "wrong PIN for repository %s", c->name);
		goto out;
	} else if (rv == CKR_PIN_LOCKED) {
		ret = fail(hsm, E_DENIED, "token %s of repository %s is locked", c->token_label,
			c->name);
		goto out;
	} else if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		ret = p11_fail_rv(hsm, r, "C_Login", rv);
		goto out;
	}
	/* Some tokens only tell in the flags that the PIN is blocked. */
	if (rv == CKR_OK && r->mod->f->C_GetTokenInfo(r->slot, &ti) == CKR_OK &&
		(ti.flags & CKF_USER_PIN_LOCKED)) {
		ret = fail(hsm, E_DENIED, "token %s of repository %s is locked", c->token_label,
			c->name);
		goto out;
	}
	r->sess = sess;
	sess = CK_INVALID_HANDLE;
	r->ready = 1;
	ret = 0;
out:
	if (sess != CK_INVALID_HANDLE)
		r->mod->f->C_CloseSession(sess);
	return ret;
}

int
hsm_repository_open(hsm_t *hsm, const char *repository)
{
	struct repo *r;
	int ret;

	if (hsm == NULL || repository == NULL)
		return E_INVAL;
	ret = p11_repo_lookup(hsm, repository, &r);
	if (ret == 0)
		ret = p11_repo_ready(hsm, r);
	return ret;
}
