/*
 * pkcs11.c - the repositories of conf.xml as PKCS#11 tokens (hsm.h).
 *
 * Modules are shared process-wide: one dlopen() and one C_Initialize per
 * path, reference counted over every hsm_t that uses it, C_Finalize and
 * dlclose() when the last one lets go. A module that another part of the
 * process had already initialised (CKR_CRYPTOKI_ALREADY_INITIALIZED) is
 * used but never finalised by us. Modules are opened RTLD_NODELETE: many
 * (SoftHSM among them) leave libcrypto state or exit handlers pointing into
 * their code, so unmapping them after C_Finalize is not safe, and a module
 * that stays mapped also keeps its frames readable in sanitizer reports.
 *
 * Each repository gets one read/write session on the token whose label
 * matches, opened and logged in on first use. The PIN comes from conf.xml
 * only: asking on the terminal is not this library's business, so a
 * repository without <PIN> is refused (E_DENIED).
 *
 * Key pairs: CKA_ID is 16 random bytes (getrandom(2), checked
 * unused on the token), CKA_LABEL its 32 hex digits. With <SkipPublicKey/>
 * an RSA public key is made as a session object only, so it never lands on
 * the token; the DNSKEY is then read from the private object's CKA_MODULUS
 * and CKA_PUBLIC_EXPONENT (always the first choice for RSA anyway). Curve
 * keys keep their public object whatever the setting: the private object
 * has no CKA_EC_POINT to read.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "hsm/crypto_api.h"
#include <p11-kit/pkcs11.h>

#include "common/err.h"
#include "common/random.h"
#include "hsm/hsm.h"

#define ID_BYTES 16
/* The longest CKA_ID key delete takes: keys made elsewhere or by older builds. */
#define ID_MAX 64

/* A loaded module, shared by every handle in the process. */
struct module {
	char *path;
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	int finalize;           /* we initialised it, so we finalise it */
	unsigned refs;
	struct module *next;
};

static struct module *modules;

struct repo {
	const struct conf_repository *conf;
	struct module *mod;     /* NULL until opened */
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE sess;
	int ready;              /* session open and logged in */
};

struct hsm {
	const struct conf *conf;
	struct repo *repos;
	size_t nrepos;
	char errmsg[512];
};

/* DER encodings of the curve OIDs (CKA_EC_PARAMS). */
static const CK_BYTE oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const CK_BYTE oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const CK_BYTE oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
/* PrintableString "edwards25519", the other form PKCS#11 3.0 allows. */
static const CK_BYTE str_ed25519[] = { 0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5',
	'5', '1', '9' };

/* ------------------------------------------------------------------ errors */

static const char *
rv_name(CK_RV rv)
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

static void set_message(hsm_t *hsm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_message(hsm_t *hsm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(hsm->errmsg, sizeof hsm->errmsg, fmt, ap);
	va_end(ap);
}

/*
 * Set the handle's message and yield code. A macro, so that the analyzer
 * sees the code a failure path returns (it does not follow variadic calls).
 */
#define fail(hsm, code, ...) (set_message((hsm), __VA_ARGS__), (code))

/*
 * A failed PKCS#11 call: "repository R: C_Xxx: CKR_..." with a class for rv.
 * When rv says the session (or its login) is gone, drop it: the next call
 * opens a session and logs in afresh.
 */
static int
fail_rv(hsm_t *hsm, struct repo *r, const char *call, CK_RV rv)
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
	return fail(hsm, code, "repository %s: %s: %s", r->conf->name, call, rv_name(rv));
}

/* ----------------------------------------------------------------- modules */

static void
module_release(struct module *m)
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

static int
module_get(hsm_t *hsm, const char *path, struct module **out)
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
		ret = fail(hsm, E_IO, "%s: C_GetFunctionList: %s", path, rv_name(rv));
		goto out;
	}
	memset(&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	rv = m->f->C_Initialize(&args);
	if (rv == CKR_OK) {
		m->finalize = 1;
	} else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ret = fail(hsm, E_IO, "%s: C_Initialize: %s", path, rv_name(rv));
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
		module_release(r->mod);
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
		ret = fail_rv(hsm, r, "C_GetSlotList", rv);
		goto out;
	}
	slots = calloc(n + 1, sizeof *slots);
	if (slots == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	rv = f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK) {
		ret = fail_rv(hsm, r, "C_GetSlotList", rv);
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
	ret = fail(hsm, E_NOTFOUND, "token %s not found in %s", r->conf->token_label,
		   r->conf->module);
out:
	free(slots);
	return ret;
}

static int
repo_lookup(hsm_t *hsm, const char *name, struct repo **out)
{
	for (size_t i = 0; i < hsm->nrepos; i++) {
		if (strcmp(hsm->repos[i].conf->name, name) == 0) {
			*out = &hsm->repos[i];
			return 0;
		}
	}
	return fail(hsm, E_NOTFOUND, "repository %s not found in conf.xml", name);
}

static int
repo_ready(hsm_t *hsm, struct repo *r)
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
		ret = module_get(hsm, c->module, &r->mod);
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
	rv = r->mod->f->C_OpenSession(r->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				      &sess);
	if (rv != CKR_OK) {
		ret = fail_rv(hsm, r, "C_OpenSession", rv);
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
		ret = fail_rv(hsm, r, "C_Login", rv);
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
	ret = repo_lookup(hsm, repository, &r);
	if (ret == 0)
		ret = repo_ready(hsm, r);
	return ret;
}

/* ---------------------------------------------------------------- objects */

/* Even-length hex of 1 to max bytes into out; *len the byte count. -1 for anything else. */
static int
hex_to_bytes(const char *hex, CK_BYTE *out, CK_ULONG max, CK_ULONG *len)
{
	size_t n = hex != NULL ? strlen(hex) : 0;

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = hex[2 * i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -1;
		}
		out[i] = (CK_BYTE)v;
	}
	*len = (CK_ULONG)(n / 2);
	return 0;
}

static int
hex_to_id(hsm_t *hsm, const char *hex, CK_BYTE id[ID_BYTES])
{
	CK_ULONG len;

	if (hex != NULL && strlen(hex) == HSM_ID_HEX_LEN && hex_to_bytes(hex, id, ID_BYTES, &len) == 0)
		return 0;
	return fail(hsm, E_INVAL, "malformed key id \"%s\": want %d hex digits",
		    hex != NULL ? hex : "", HSM_ID_HEX_LEN);
}

static void
id_to_hex(const CK_BYTE id[ID_BYTES], char hex[HSM_ID_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < ID_BYTES; i++) {
		hex[2 * i] = digits[id[i] >> 4];
		hex[2 * i + 1] = digits[id[i] & 15];
	}
	hex[HSM_ID_HEX_LEN] = '\0';
}

/*
 * Find up to max objects matching tmpl; *n gets the count. With max 0 the
 * caller gets a malloc()ed array in *all instead (all matches).
 */
static int
find_objects(hsm_t *hsm, struct repo *r, CK_ATTRIBUTE *tmpl, CK_ULONG ntmpl,
	     CK_OBJECT_HANDLE **all, CK_ULONG *n)
{
	CK_FUNCTION_LIST_PTR f = r->mod->f;
	CK_OBJECT_HANDLE *v = NULL, *nv;
	CK_ULONG cap = 0, used = 0, got;
	CK_RV rv;
	int ret, active = 0;

	rv = f->C_FindObjectsInit(r->sess, tmpl, ntmpl);
	if (rv != CKR_OK) {
		ret = fail_rv(hsm, r, "C_FindObjectsInit", rv);
		goto out;
	}
	active = 1;
	for (;;) {
		if (used == cap) {
			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof *v);
			if (nv == NULL) {
				ret = fail(hsm, E_NOMEM, "out of memory");
				goto out;
			}
			v = nv;
		}
		rv = f->C_FindObjects(r->sess, v + used, cap - used, &got);
		if (rv != CKR_OK) {
			ret = fail_rv(hsm, r, "C_FindObjects", rv);
			goto out;
		}
		if (got == 0)
			break;
		used += got;
	}
	*all = v;
	*n = used;
	v = NULL;
	ret = 0;
out:
	if (active && r->ready)
		f->C_FindObjectsFinal(r->sess);
	free(v);
	return ret;
}

/* The private key with CKA_ID id in r: *obj, or E_NOTFOUND (no message set). */
static int
find_private(hsm_t *hsm, struct repo *r, const CK_BYTE *id, CK_ULONG idlen,
    CK_OBJECT_HANDLE *obj)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_ID, (void *)id, idlen },
	};
	CK_OBJECT_HANDLE *v = NULL;
	CK_ULONG n = 0;
	int ret;

	ret = find_objects(hsm, r, tmpl, 2, &v, &n);
	if (ret != 0)
		goto out;
	if (n == 0) {
		ret = E_NOTFOUND;
		goto out;
	}
	*obj = v[0];
	ret = 0;
out:
	free(v);
	return ret;
}

static int
find_public(hsm_t *hsm, struct repo *r, const CK_BYTE id[ID_BYTES], CK_OBJECT_HANDLE *obj)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_ID, (void *)id, ID_BYTES },
	};
	CK_OBJECT_HANDLE *v = NULL;
	CK_ULONG n = 0;
	int ret;

	ret = find_objects(hsm, r, tmpl, 2, &v, &n);
	if (ret != 0)
		goto out;
	if (n == 0) {
		ret = E_NOTFOUND;
		goto out;
	}
	*obj = v[0];
	ret = 0;
out:
	free(v);
	return ret;
}

/* One variable-length attribute of obj, malloc()ed into *val. */
static int
get_attr(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
	 CK_BYTE **val, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_BYTE *buf = NULL;
	CK_RV rv;
	int ret;

	rv = r->mod->f->C_GetAttributeValue(r->sess, obj, &a, 1);
	if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
		ret = fail_rv(hsm, r, "C_GetAttributeValue", rv != CKR_OK ? rv :
			      CKR_ATTRIBUTE_TYPE_INVALID);
		goto out;
	}
	buf = malloc(a.ulValueLen + 1);
	if (buf == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	a.pValue = buf;
	rv = r->mod->f->C_GetAttributeValue(r->sess, obj, &a, 1);
	if (rv != CKR_OK) {
		ret = fail_rv(hsm, r, "C_GetAttributeValue", rv);
		goto out;
	}
	*val = buf;
	*len = a.ulValueLen;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	return ret;
}

static int
get_ulong(struct repo *r, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, CK_ULONG *out)
{
	CK_ULONG v;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	if (r->mod->f->C_GetAttributeValue(r->sess, obj, &a, 1) != CKR_OK ||
	    a.ulValueLen != sizeof v)
		return E_NOTFOUND;
	*out = v;
	return 0;
}

static unsigned
bignum_bits(const CK_BYTE *p, CK_ULONG len)
{
	unsigned bits;

	while (len > 0 && *p == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	bits = (unsigned)(len - 1) * 8;
	for (CK_BYTE b = *p; b != 0; b >>= 1)
		bits++;
	return bits;
}

static int
params_eq(const CK_BYTE *p, CK_ULONG len, const CK_BYTE *want, size_t wlen)
{
	return len == wlen && memcmp(p, want, wlen) == 0;
}

/*
 * Family and size of the private key obj; E_UNSUPPORTED (no message) when
 * it is of a kind we do not use.
 */
static int
key_kind(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE obj, enum hsm_family *fam,
	 unsigned *bits)
{
	CK_ULONG type, len = 0;
	CK_BYTE *val = NULL;
	int ret;

	if (get_ulong(r, obj, CKA_KEY_TYPE, &type) != 0)
		return E_UNSUPPORTED;
	if (type == CKK_RSA) {
		ret = get_attr(hsm, r, obj, CKA_MODULUS, &val, &len);
		if (ret != 0) {
			ret = E_UNSUPPORTED;
			goto out;
		}
		*fam = HSM_FAMILY_RSA;
		*bits = bignum_bits(val, len);
		ret = *bits > 0 ? 0 : E_UNSUPPORTED;
	} else if (type == CKK_EC || type == CKK_EC_EDWARDS) {
		ret = get_attr(hsm, r, obj, CKA_EC_PARAMS, &val, &len);
		if (ret != 0) {
			ret = E_UNSUPPORTED;
			goto out;
		}
		ret = 0;
		if (type == CKK_EC && params_eq(val, len, oid_p256, sizeof oid_p256)) {
			*fam = HSM_FAMILY_ECDSA;
			*bits = 256;
		} else if (type == CKK_EC && params_eq(val, len, oid_p384, sizeof oid_p384)) {
			*fam = HSM_FAMILY_ECDSA;
			*bits = 384;
		} else if (type == CKK_EC_EDWARDS &&
			   (params_eq(val, len, oid_ed25519, sizeof oid_ed25519) ||
			    params_eq(val, len, str_ed25519, sizeof str_ed25519))) {
			*fam = HSM_FAMILY_EDDSA;
			*bits = 256;
		} else {
			ret = E_UNSUPPORTED;
		}
	} else {
		ret = E_UNSUPPORTED;
	}
out:
	free(val);
	return ret;
}

/*
 * Resolve (repository or all, hex id) to the repository and private key.
 * E_NOTFOUND with the message "key <id> not found".
 */
/*
 * The repository holding the private key with CKA_ID id (idlen bytes): the
 * one named, or the first that has it. hexid names the key in messages.
 */
static int
locate_raw(hsm_t *hsm, const char *repository, const char *hexid, const CK_BYTE *id,
    CK_ULONG idlen, struct repo **rout, CK_OBJECT_HANDLE *obj)
{
	struct repo *r = NULL;
	int ret;

	if (repository != NULL) {
		ret = repo_lookup(hsm, repository, &r);
		if (ret == 0)
			ret = repo_ready(hsm, r);
		if (ret == 0)
			ret = find_private(hsm, r, id, idlen, obj);
		if (ret == 0)
			*rout = r;
		else if (ret == E_NOTFOUND && r != NULL && r->ready)
			set_message(hsm, "key %s not found in repository %s", hexid, repository);
		return ret;
	}
	for (size_t i = 0; i < hsm->nrepos; i++) {
		r = &hsm->repos[i];
		ret = repo_ready(hsm, r);
		if (ret == 0)
			ret = find_private(hsm, r, id, idlen, obj);
		if (ret == 0) {
			*rout = r;
			return 0;
		}
		if (ret != E_NOTFOUND)
			return ret;
	}
	return fail(hsm, E_NOTFOUND, "key %s not found", hexid);
}

/* locate_raw() of a key id as this layer makes them (HSM_ID_HEX_LEN hex digits). */
static int
locate(hsm_t *hsm, const char *repository, const char *hexid, struct repo **rout,
       CK_OBJECT_HANDLE *obj, CK_BYTE id[ID_BYTES])
{
	int ret = hex_to_id(hsm, hexid, id);

	return ret != 0 ? ret : locate_raw(hsm, repository, hexid, id, ID_BYTES, rout, obj);
}

/* --------------------------------------------------------------- generate */

enum hsm_family
hsm_alg_family(int alg)
{
	switch (alg) {
	case 5:
	case 7:
	case 8:
	case 10:
		return HSM_FAMILY_RSA;
	case 13:
	case 14:
		return HSM_FAMILY_ECDSA;
	case 15:
		return HSM_FAMILY_EDDSA;
	default:
		return 0;
	}
}

/* Is mech offered by the token? *info receives its details. */
static int
has_mechanism(hsm_t *hsm, struct repo *r, CK_MECHANISM_TYPE mech, CK_MECHANISM_INFO *info)
{
	CK_RV rv = r->mod->f->C_GetMechanismInfo(r->slot, mech, info);

	(void)hsm;
	return rv == CKR_OK;
}

/*
 * A fresh random id: 16 bytes from the CSPRNG. Looking for it on the token
 * first would cost a scan of every object per key (SoftHSM searches
 * linearly, so generating N keys took O(N^2)); a collision of two 128-bit
 * random values is not a risk worth that (1 in 10^26 for a million keys).
 */
static int
new_id(hsm_t *hsm, CK_BYTE id[ID_BYTES])
{
	if (random_bytes(id, ID_BYTES) != 0)
		return fail(hsm, E_IO, "no random bytes for a key id: %s", strerror(errno));
	return 0;
}

static int rsa_field(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pubh,
	const CK_BYTE id[ID_BYTES], uint8_t **key, size_t *keylen);
static int curve_field(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE pubh,
	const CK_BYTE id[ID_BYTES], enum hsm_family fam, unsigned bits, uint8_t **key,
	size_t *keylen);

int
hsm_generate(hsm_t *hsm, const char *repository, int alg, unsigned bits,
	     char id[HSM_ID_HEX_LEN + 1], uint8_t **pubkey, size_t *pubkeylen)
{
	static const CK_BYTE exponent[] = { 0x01, 0x00, 0x01 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BBOOL pubtoken = CK_TRUE, extract;
	CK_OBJECT_CLASS pubcls = CKO_PUBLIC_KEY, privcls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE ktype;
	CK_ULONG modbits = bits;
	CK_BYTE keyid[ID_BYTES];
	char hex[HSM_ID_HEX_LEN + 1];
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_MECHANISM_INFO mi;
	CK_ATTRIBUTE pub[10], priv[12];
	CK_ULONG npub = 0, npriv = 0;
	CK_OBJECT_HANDLE hpub, hpriv;
	const CK_BYTE *params = NULL;
	size_t paramslen = 0;
	const char *what;
	struct repo *r;
	CK_RV rv;
	int ret;

	if (hsm == NULL || repository == NULL || id == NULL)
		return E_INVAL;
	ret = repo_lookup(hsm, repository, &r);
	if (ret != 0)
		goto out;
	switch (hsm_alg_family(alg)) {
	case HSM_FAMILY_RSA:
		if (bits < 1024 || bits > 4096) {
			ret = fail(hsm, E_UNSUPPORTED,
				   "RSA key size %u for algorithm %d is out of range 1024-4096",
				   bits, alg);
			goto out;
		}
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		ktype = CKK_RSA;
		what = "RSA (CKM_RSA_PKCS_KEY_PAIR_GEN)";
		break;
	case HSM_FAMILY_ECDSA:
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		ktype = CKK_EC;
		params = alg == 13 ? oid_p256 : oid_p384;
		paramslen = alg == 13 ? sizeof oid_p256 : sizeof oid_p384;
		what = "ECDSA (CKM_EC_KEY_PAIR_GEN)";
		break;
	case HSM_FAMILY_EDDSA:
		mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
		ktype = CKK_EC_EDWARDS;
		params = oid_ed25519;
		paramslen = sizeof oid_ed25519;
		what = "Ed25519 (CKM_EC_EDWARDS_KEY_PAIR_GEN)";
		break;
	default:
		ret = fail(hsm, E_UNSUPPORTED, "algorithm %d is not supported", alg);
		goto out;
	}
	ret = repo_ready(hsm, r);
	if (ret != 0)
		goto out;
	if (!has_mechanism(hsm, r, mech.mechanism, &mi)) {
		ret = fail(hsm, E_UNSUPPORTED, "token does not support %s", what);
		goto out;
	}
	if (ktype == CKK_RSA && mi.ulMaxKeySize != 0 &&
	    (bits < mi.ulMinKeySize || bits > mi.ulMaxKeySize)) {
		ret = fail(hsm, E_UNSUPPORTED, "token refuses RSA key size %u (range %lu-%lu)",
			   bits, (unsigned long)mi.ulMinKeySize, (unsigned long)mi.ulMaxKeySize);
		goto out;
	}
	ret = new_id(hsm, keyid);
	if (ret != 0)
		goto out;
	id_to_hex(keyid, hex);
	extract = r->conf->allow_extraction ? CK_TRUE : CK_FALSE;
	if (ktype == CKK_RSA && r->conf->skip_public_key)
		pubtoken = CK_FALSE;

#define ADD(t, n, a_type, a_val, a_len)                                                          \
	do {                                                                                     \
		t[n].type = (a_type);                                                            \
		t[n].pValue = (void *)(a_val);                                                   \
		t[n].ulValueLen = (a_len);                                                       \
		n++;                                                                             \
	} while (0)
	ADD(pub, npub, CKA_CLASS, &pubcls, sizeof pubcls);
	ADD(pub, npub, CKA_KEY_TYPE, &ktype, sizeof ktype);
	ADD(pub, npub, CKA_TOKEN, &pubtoken, sizeof pubtoken);
	ADD(pub, npub, CKA_VERIFY, &yes, sizeof yes);
	ADD(pub, npub, CKA_ID, keyid, sizeof keyid);
	ADD(pub, npub, CKA_LABEL, hex, HSM_ID_HEX_LEN);
	if (ktype == CKK_RSA) {
		ADD(pub, npub, CKA_ENCRYPT, &no, sizeof no);
		ADD(pub, npub, CKA_WRAP, &no, sizeof no);
		ADD(pub, npub, CKA_MODULUS_BITS, &modbits, sizeof modbits);
		ADD(pub, npub, CKA_PUBLIC_EXPONENT, exponent, sizeof exponent);
	} else {
		ADD(pub, npub, CKA_EC_PARAMS, params, paramslen);
	}
	ADD(priv, npriv, CKA_CLASS, &privcls, sizeof privcls);
	ADD(priv, npriv, CKA_KEY_TYPE, &ktype, sizeof ktype);
	ADD(priv, npriv, CKA_TOKEN, &yes, sizeof yes);
	ADD(priv, npriv, CKA_PRIVATE, &yes, sizeof yes);
	ADD(priv, npriv, CKA_SENSITIVE, &yes, sizeof yes);
	ADD(priv, npriv, CKA_EXTRACTABLE, &extract, sizeof extract);
	ADD(priv, npriv, CKA_SIGN, &yes, sizeof yes);
	ADD(priv, npriv, CKA_ID, keyid, sizeof keyid);
	ADD(priv, npriv, CKA_LABEL, hex, HSM_ID_HEX_LEN);
	if (ktype == CKK_RSA) {
		ADD(priv, npriv, CKA_DECRYPT, &no, sizeof no);
		ADD(priv, npriv, CKA_UNWRAP, &no, sizeof no);
	}
#undef ADD
	rv = r->mod->f->C_GenerateKeyPair(r->sess, &mech, pub, npub, priv, npriv, &hpub,
					  &hpriv);
	if (rv != CKR_OK) {
		ret = fail_rv(hsm, r, "C_GenerateKeyPair", rv);
		goto out;
	}
	/* the DNSKEY field, read from the new objects: no search of the token */
	if (pubkey != NULL && pubkeylen != NULL) {
		if (ktype == CKK_RSA)
			ret = rsa_field(hsm, r, hpriv, hpub, keyid, pubkey, pubkeylen);
		else
			ret = curve_field(hsm, r, hpub, keyid,
			    ktype == CKK_EC ? HSM_FAMILY_ECDSA : HSM_FAMILY_EDDSA,
			    alg == 14 ? 384 : 256, pubkey, pubkeylen);
	}
	/*
	 * A session public key would live as long as the session: drop it now,
	 * the DNSKEY comes from the private object's CKA_MODULUS.
	 */
	if (pubtoken == CK_FALSE)
		(void)r->mod->f->C_DestroyObject(r->sess, hpub);
	if (ret != 0) {
		/* the caller never hears of this id: do not leave it on the token */
		(void)r->mod->f->C_DestroyObject(r->sess, hpriv);
		if (pubtoken == CK_TRUE)
			(void)r->mod->f->C_DestroyObject(r->sess, hpub);
		goto out;
	}
	memcpy(id, hex, sizeof hex);
	ret = 0;
out:
	return ret;
}

/* ------------------------------------------------------------------- find */

int
hsm_find(hsm_t *hsm, const char *repository, const char *id, struct hsm_key *out)
{
	struct repo *r = NULL;
	CK_OBJECT_HANDLE obj;
	CK_BYTE raw[ID_BYTES];
	struct hsm_key k;
	int ret;

	if (hsm == NULL || id == NULL)
		return E_INVAL;
	ret = locate(hsm, repository, id, &r, &obj, raw);
	if (ret != 0)
		goto out;
	memset(&k, 0, sizeof k);
	id_to_hex(raw, k.id);
	k.repository = r->conf->name;
	if (key_kind(hsm, r, obj, &k.family, &k.bits) != 0) {
		k.family = 0;
		k.bits = 0;
	}
	if (out != NULL)
		*out = k;
	ret = 0;
out:
	return ret;
}

/* ---------------------------------------------------------- public key */

/* Unwrap a DER OCTET STRING if p is one of exactly that length. */
static void
unwrap_octets(const CK_BYTE **p, CK_ULONG *len)
{
	const CK_BYTE *v = *p;
	CK_ULONG n = *len, body, hdr;

	if (n < 2 || v[0] != 0x04)
		return;
	if (v[1] < 0x80) {
		body = v[1];
		hdr = 2;
	} else if (v[1] == 0x81 && n >= 3) {
		body = v[2];
		hdr = 3;
	} else if (v[1] == 0x82 && n >= 4) {
		body = ((CK_ULONG)v[2] << 8) | v[3];
		hdr = 4;
	} else {
		return;
	}
	if (hdr + body != n)
		return;
	*p = v + hdr;
	*len = body;
}

/*
 * The RFC 3110 key field of an RSA key pair: from the private object's
 * public attributes, else from its public object (pubh when the caller
 * knows it, CK_INVALID_HANDLE to look it up by id).
 */
static int
rsa_field(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pubh,
	  const CK_BYTE id[ID_BYTES], uint8_t **key, size_t *keylen)
{
	CK_BYTE *mod = NULL, *exp = NULL;
	CK_ULONG modlen = 0, explen = 0;
	const CK_BYTE *m, *e;
	CK_OBJECT_HANDLE pub;
	uint8_t *buf = NULL, *p;
	size_t len;
	int ret;

	ret = get_attr(hsm, r, priv, CKA_MODULUS, &mod, &modlen);
	if (ret == 0)
		ret = get_attr(hsm, r, priv, CKA_PUBLIC_EXPONENT, &exp, &explen);
	if (ret != 0) {
		/* Not readable on this token's private keys: try the public object. */
		free(mod);
		free(exp);
		mod = exp = NULL;
		pub = pubh;
		ret = pubh != CK_INVALID_HANDLE ? 0 : find_public(hsm, r, id, &pub);
		if (ret == E_NOTFOUND)
			ret = fail(hsm, E_NOTFOUND, "repository %s: no public key readable",
				   r->conf->name);
		if (ret == 0)
			ret = get_attr(hsm, r, pub, CKA_MODULUS, &mod, &modlen);
		if (ret == 0)
			ret = get_attr(hsm, r, pub, CKA_PUBLIC_EXPONENT, &exp, &explen);
		if (ret != 0)
			goto out;
	}
	m = mod;
	e = exp;
	while (modlen > 0 && *m == 0) {
		m++;
		modlen--;
	}
	while (explen > 0 && *e == 0) {
		e++;
		explen--;
	}
	if (modlen == 0 || explen == 0 || explen > 0xffff) {
		ret = fail(hsm, E_INVAL, "repository %s: bad RSA public key", r->conf->name);
		goto out;
	}
	len = (explen > 255 ? 3 : 1) + explen + modlen;
	buf = malloc(len);
	if (buf == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	p = buf;
	if (explen > 255) {
		*p++ = 0;
		*p++ = (uint8_t)(explen >> 8);
		*p++ = (uint8_t)explen;
	} else {
		*p++ = (uint8_t)explen;
	}
	memcpy(p, e, explen);
	memcpy(p + explen, m, modlen);
	*key = buf;
	*keylen = len;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	free(mod);
	free(exp);
	return ret;
}

/* The key field of an ECDSA or Ed25519 key pair, from its public object (pubh or by id). */
static int
curve_field(hsm_t *hsm, struct repo *r, CK_OBJECT_HANDLE pubh, const CK_BYTE id[ID_BYTES],
	    enum hsm_family fam, unsigned bits, uint8_t **key, size_t *keylen)
{
	CK_OBJECT_HANDLE pub = pubh;
	CK_BYTE *pt = NULL;
	CK_ULONG ptlen = 0;
	const CK_BYTE *p;
	size_t want = fam == HSM_FAMILY_ECDSA ? 2 * (bits / 8) : 32;
	uint8_t *buf = NULL;
	int ret;

	ret = pubh != CK_INVALID_HANDLE ? 0 : find_public(hsm, r, id, &pub);
	if (ret == E_NOTFOUND)
		ret = fail(hsm, E_NOTFOUND, "repository %s: the public key object is missing",
			   r->conf->name);
	if (ret != 0)
		goto out;
	ret = get_attr(hsm, r, pub, CKA_EC_POINT, &pt, &ptlen);
	if (ret != 0)
		goto out;
	p = pt;
	if (fam == HSM_FAMILY_ECDSA) {
		/* Raw 04|x|y, or that inside an OCTET STRING. */
		if (ptlen != want + 1)
			unwrap_octets(&p, &ptlen);
		if (ptlen != want + 1 || p[0] != 0x04) {
			ret = fail(hsm, E_INVAL, "repository %s: unexpected CKA_EC_POINT",
				   r->conf->name);
			goto out;
		}
		p++;
		ptlen--;
	} else if (ptlen != want) {
		unwrap_octets(&p, &ptlen);
		if (ptlen != want) {
			ret = fail(hsm, E_INVAL, "repository %s: unexpected CKA_EC_POINT",
				   r->conf->name);
			goto out;
		}
	}
	buf = malloc(want);
	if (buf == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(buf, p, want);
	*key = buf;
	*keylen = want;
	ret = 0;
out:
	free(pt);
	return ret;
}

/* Does the key (fam, bits) serve DNSSEC algorithm alg? */
static int
alg_matches(int alg, enum hsm_family fam, unsigned bits)
{
	if (hsm_alg_family(alg) != fam)
		return 0;
	if (alg == 13)
		return bits == 256;
	if (alg == 14)
		return bits == 384;
	return 1;
}

int
hsm_dnskey_public(hsm_t *hsm, const char *repository, const char *id, int alg, uint8_t **key,
		  size_t *len)
{
	struct repo *r = NULL;
	CK_OBJECT_HANDLE obj;
	CK_BYTE raw[ID_BYTES];
	enum hsm_family fam;
	unsigned bits;
	int ret;

	if (hsm == NULL || id == NULL || key == NULL || len == NULL)
		return E_INVAL;
	ret = locate(hsm, repository, id, &r, &obj, raw);
	if (ret != 0)
		goto out;
	if (key_kind(hsm, r, obj, &fam, &bits) != 0) {
		ret = fail(hsm, E_INVAL, "key %s is of a kind OpenDNSSEC cannot use", id);
		goto out;
	}
	if (!alg_matches(alg, fam, bits)) {
		ret = fail(hsm, E_INVAL, "key %s (%s/%u) does not fit algorithm %d", id,
			   fam == HSM_FAMILY_RSA ? "RSA" : fam == HSM_FAMILY_ECDSA ? "ECDSA" :
			   "EDDSA", bits, alg);
		goto out;
	}
	if (fam == HSM_FAMILY_RSA)
		ret = rsa_field(hsm, r, obj, CK_INVALID_HANDLE, raw, key, len);
	else
		ret = curve_field(hsm, r, CK_INVALID_HANDLE, raw, fam, bits, key, len);
out:
	return ret;
}

/* ------------------------------------------------------------------ sign */

int
hsm_sign(hsm_t *hsm, const char *repository, const char *id, int alg, const uint8_t *data,
	 size_t datalen, uint8_t **sig, size_t *siglen)
{
	struct repo *r = NULL;
	CK_OBJECT_HANDLE obj;
	CK_BYTE raw[ID_BYTES];
	CK_MECHANISM mech = { 0, NULL, 0 };
	enum hsm_family fam;
	unsigned bits;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char why[256];
	const uint8_t *in = data;
	CK_ULONG inlen = datalen, outlen = 0;
	uint8_t *buf = NULL;
	CK_RV rv;
	int ret;

	if (hsm == NULL || id == NULL || (data == NULL && datalen > 0) || sig == NULL ||
	    siglen == NULL)
		return E_INVAL;
	ret = locate(hsm, repository, id, &r, &obj, raw);
	if (ret != 0)
		goto out;
	if (key_kind(hsm, r, obj, &fam, &bits) != 0 || !alg_matches(alg, fam, bits)) {
		ret = fail(hsm, E_INVAL, "key %s does not fit algorithm %d", id, alg);
		goto out;
	}
	switch (alg) {
	case 5:
	case 7:
		mech.mechanism = CKM_SHA1_RSA_PKCS;
		break;
	case 8:
		mech.mechanism = CKM_SHA256_RSA_PKCS;
		break;
	case 10:
		mech.mechanism = CKM_SHA512_RSA_PKCS;
		break;
	case 13:
	case 14:
		/* Hash here: many tokens (SoftHSM 2.6) lack CKM_ECDSA_SHA256/384. */
		if (crypto_api_load(why, sizeof(why)) != 0) {
			ret = fail(hsm, E_IO, "%s", why);
			goto out;
		}
		if (EVP_Digest(data, datalen, md, &mdlen, alg == 13 ? EVP_sha256() : EVP_sha384(),
			       NULL) != 1) {
			ret = fail(hsm, E_IO, "digest failed");
			goto out;
		}
		in = md;
		inlen = mdlen;
		mech.mechanism = CKM_ECDSA;
		break;
	default:
		mech.mechanism = CKM_EDDSA;
		break;
	}
	/*
	 * Size the buffer before C_SignInit: a C_Sign that only asks for the
	 * length (or gets CKR_BUFFER_TOO_SMALL) leaves the operation active.
	 */
	if (fam == HSM_FAMILY_RSA)
		outlen = (bits + 7) / 8;
	else if (fam == HSM_FAMILY_ECDSA)
		outlen = 2 * ((bits + 7) / 8);
	else
		outlen = 64;
	buf = malloc(outlen);
	if (buf == NULL) {
		ret = fail(hsm, E_NOMEM, "out of memory");
		goto out;
	}
	rv = r->mod->f->C_SignInit(r->sess, &mech, obj);
	if (rv != CKR_OK) {
		ret = fail_rv(hsm, r, "C_SignInit", rv);
		goto out;
	}
	rv = r->mod->f->C_Sign(r->sess, (CK_BYTE_PTR)in, inlen, buf, &outlen);
	if (rv != CKR_OK) {
		ret = fail_rv(hsm, r, "C_Sign", rv);
		goto out;
	}
	*sig = buf;
	*siglen = outlen;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	return ret;
}

/* ----------------------------------------------------------------- delete */

int
hsm_delete_id_ok(const char *id)
{
	CK_BYTE raw[ID_MAX];
	CK_ULONG len;

	return hex_to_bytes(id, raw, ID_MAX, &len) == 0;
}

int
hsm_delete(hsm_t *hsm, const char *repository, const char *id)
{
	struct repo *r = NULL;
	CK_OBJECT_HANDLE obj, *v = NULL;
	CK_BYTE raw[ID_MAX];
	CK_ULONG n = 0, rawlen = 0;
	CK_ATTRIBUTE tmpl[] = { { CKA_ID, raw, 0 } };
	CK_RV rv;
	int ret;

	if (hsm == NULL || id == NULL)
		return E_INVAL;
	/* ids of any even length: older builds made keys with shorter ones */
	if (hex_to_bytes(id, raw, ID_MAX, &rawlen) != 0)
		return fail(hsm, E_INVAL, "malformed key id \"%s\": want an even number of hex "
		    "digits, at most %d", id, 2 * ID_MAX);
	tmpl[0].ulValueLen = rawlen;
	ret = locate_raw(hsm, repository, id, raw, rawlen, &r, &obj);
	if (ret != 0)
		goto out;
	ret = find_objects(hsm, r, tmpl, 1, &v, &n);
	if (ret != 0)
		goto out;
	/*
	 * Everything but the private key first: once it is gone the others can
	 * no longer be found (locate and list go by the private key).
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (CK_ULONG i = 0; i < n; i++) {
			CK_ULONG cls;
			int priv = get_ulong(r, v[i], CKA_CLASS, &cls) == 0 &&
				   cls == CKO_PRIVATE_KEY;

			if (priv != pass)
				continue;
			rv = r->mod->f->C_DestroyObject(r->sess, v[i]);
			if (rv != CKR_OK) {
				ret = fail_rv(hsm, r, "C_DestroyObject", rv);
				goto out;
			}
		}
	}
	ret = 0;
out:
	free(v);
	return ret;
}

/* ------------------------------------------------------------------- list */

static int
list_repo(hsm_t *hsm, struct repo *r, struct hsm_key **keys, size_t *n, size_t *cap,
	  size_t *unusable)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof cls } };
	CK_OBJECT_HANDLE *v = NULL;
	CK_ULONG nobj = 0;
	CK_BYTE *id = NULL;
	CK_ULONG idlen = 0;
	struct hsm_key k;
	int ret;

	ret = repo_ready(hsm, r);
	if (ret != 0)
		goto out;
	ret = find_objects(hsm, r, tmpl, 1, &v, &nobj);
	if (ret != 0)
		goto out;
	for (CK_ULONG i = 0; i < nobj; i++) {
		free(id);
		id = NULL;
		memset(&k, 0, sizeof k);
		if (get_attr(hsm, r, v[i], CKA_ID, &id, &idlen) != 0 || idlen != ID_BYTES ||
		    key_kind(hsm, r, v[i], &k.family, &k.bits) != 0) {
			(*unusable)++;
			continue;
		}
		id_to_hex(id, k.id);
		k.repository = r->conf->name;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			struct hsm_key *nk = realloc(*keys, nc * sizeof *nk);

			if (nk == NULL) {
				ret = fail(hsm, E_NOMEM, "out of memory");
				goto out;
			}
			*keys = nk;
			*cap = nc;
		}
		(*keys)[(*n)++] = k;
	}
	ret = 0;
out:
	free(id);
	free(v);
	return ret;
}

int
hsm_list(hsm_t *hsm, const char *repository, struct hsm_key **out, size_t *n, size_t *unusable)
{
	struct hsm_key *keys = NULL;
	size_t count = 0, cap = 0, bad = 0;
	struct repo *r;
	int ret;

	if (hsm == NULL || out == NULL || n == NULL)
		return E_INVAL;
	if (repository != NULL) {
		ret = repo_lookup(hsm, repository, &r);
		if (ret == 0)
			ret = list_repo(hsm, r, &keys, &count, &cap, &bad);
		if (ret != 0)
			goto out;
	} else {
		for (size_t i = 0; i < hsm->nrepos; i++) {
			ret = list_repo(hsm, &hsm->repos[i], &keys, &count, &cap, &bad);
			if (ret != 0)
				goto out;
		}
	}
	*out = keys;
	*n = count;
	if (unusable != NULL)
		*unusable = bad;
	keys = NULL;
	ret = 0;
out:
	free(keys);
	return ret;
}

/* ------------------------------------------------------------------- info */

/* Append to a growing text buffer; E_NOMEM. */
static int
textf(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char *nb;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return E_INVAL;
	nb = realloc(*buf, *len + (size_t)n + 1);
	if (nb == NULL)
		return E_NOMEM;
	va_start(ap, fmt);
	vsnprintf(nb + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*buf = nb;
	*len += (size_t)n;
	return 0;
}

static int
blank_len(const CK_UTF8CHAR *s, int n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
		n--;
	return n;
}

static void
fmt_count(char *dst, size_t dstlen, CK_ULONG v)
{
	if (v == CK_UNAVAILABLE_INFORMATION)
		snprintf(dst, dstlen, "unknown");
	else if (v == CK_EFFECTIVELY_INFINITE)
		snprintf(dst, dstlen, "unlimited");
	else
		snprintf(dst, dstlen, "%lu", (unsigned long)v);
}

static int
info_repo(hsm_t *hsm, struct repo *r, char **text, size_t *len)
{
	CK_TOKEN_INFO ti;
	struct hsm_key *keys = NULL;
	size_t n = 0, cap = 0, bad = 0;
	char freemem[32], totalmem[32], capacity[32];
	CK_RV rv;
	int ret;

	ret = list_repo(hsm, r, &keys, &n, &cap, &bad);
	if (ret != 0)
		goto out;
	rv = r->mod->f->C_GetTokenInfo(r->slot, &ti);
	if (rv != CKR_OK) {
		ret = fail_rv(hsm, r, "C_GetTokenInfo", rv);
		goto out;
	}
	fmt_count(freemem, sizeof freemem, ti.ulFreePublicMemory);
	fmt_count(totalmem, sizeof totalmem, ti.ulTotalPublicMemory);
	if (r->conf->capacity > 0)
		snprintf(capacity, sizeof capacity, "%ld", r->conf->capacity);
	else
		snprintf(capacity, sizeof capacity, "unlimited");
	ret = textf(text, len,
		    "Repository:            %s\n"
		    "Module:                %s\n"
		    "Slot:                  %lu\n"
		    "Token Label:           %.*s\n"
		    "Manufacturer:          %.*s\n"
		    "Model:                 %.*s\n"
		    "Serial:                %.*s\n"
		    "Keys:                  %zu used (%zu not usable) / capacity %s\n"
		    "Public memory:         %s free / %s total\n",
		    r->conf->name, r->conf->module, (unsigned long)r->slot,
		    blank_len(ti.label, 32), (const char *)ti.label,
		    blank_len(ti.manufacturerID, 32), (const char *)ti.manufacturerID,
		    blank_len(ti.model, 16), (const char *)ti.model,
		    blank_len(ti.serialNumber, 16), (const char *)ti.serialNumber,
		    n, bad, capacity, freemem, totalmem);
	if (ret != 0)
		ret = fail(hsm, ret, "out of memory");
out:
	free(keys);
	return ret;
}

int
hsm_info(hsm_t *hsm, const char *repository, char **text)
{
	char *buf = NULL;
	size_t len = 0;
	struct repo *r;
	int ret;

	if (hsm == NULL || text == NULL)
		return E_INVAL;
	if (repository != NULL) {
		ret = repo_lookup(hsm, repository, &r);
		if (ret == 0)
			ret = info_repo(hsm, r, &buf, &len);
		if (ret != 0)
			goto out;
	} else {
		for (size_t i = 0; i < hsm->nrepos; i++) {
			if (i > 0 && (ret = textf(&buf, &len, "\n")) != 0)
				goto out;
			ret = info_repo(hsm, &hsm->repos[i], &buf, &len);
			if (ret != 0)
				goto out;
		}
		if (buf == NULL && (ret = textf(&buf, &len, "%s", "")) != 0)
			goto out;
	}
	*text = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	return ret;
}
