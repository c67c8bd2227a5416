/*
 * findings.c - the list of findings of ods-kaspcheck (check.h): each one a
 * line with its level's prefix, and maybe a detail line.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/str.h"
#include "kaspcheck/check.h"

/* ---------------------------------------------------------------- findings */

void
kc_findings_init(struct kc_findings *f)
{
	memset(f, 0, sizeof(*f));
}

void
kc_findings_free(struct kc_findings *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->v[i].text);
		free(f->v[i].detail);
	}
	free(f->v);
	kc_findings_init(f);
}

int
kc_status(const struct kc_findings *f)
{
	return f->nomem ? E_NOMEM : 0;
}

static const char *
level_prefix(enum kc_level level)
{
	switch (level) {
	case KC_ERROR: return "ERROR: ";
	case KC_WARNING: return "WARNING: ";
	case KC_INFO: break;
	}
	return "INFO: ";
}

static int
add_va(struct kc_findings *f, enum kc_level level, const char *detail, const char *fmt, va_list ap)
{
	struct kc_finding *v;
	char *body = NULL, *text = NULL, *det = NULL;
	size_t cap;

	if (vasprintf(&body, fmt, ap) < 0) {
		body = NULL;
		goto fail;
	}
	text = str_printf("%s%s", level_prefix(level), body);
	if (text == NULL)
		goto fail;
	if (detail != NULL && detail[0] != '\0') {
		det = str_dup(detail);
		if (det == NULL)
			goto fail;
	}
	if (f->n == f->cap) {
		cap = f->cap == 0 ? 16 : f->cap * 2;
		v = realloc(f->v, cap * sizeof(*v));
		if (v == NULL)
			goto fail;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n].level = level;
	f->v[f->n].text = text;
	f->v[f->n].detail = det;
	f->n++;
	text = NULL;
	det = NULL;
	goto out;
fail:
	f->nomem = 1;
out:
	free(body);
	free(text);
	free(det);
	return kc_status(f);
}

int
kc_add(struct kc_findings *f, enum kc_level level, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = add_va(f, level, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

int
kc_add_detail(struct kc_findings *f, enum kc_level level, const char *detail, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = add_va(f, level, detail, fmt, ap);
	va_end(ap);
	return ret;
}

size_t
kc_count(const struct kc_findings *f, enum kc_level level)
{
	size_t i, n = 0;

	for (i = 0; i < f->n; i++)
		if (f->v[i].level == level)
			n++;
	return n;
}

/*
 * A value longer than its database column (store/limits.h): PostgreSQL and
 * MySQL would refuse it, and the store refuses it on SQLite too.
 */
void
kc_check_limits(struct kc_findings *f, int rc, const char *msg, const char *file)
{
	if (rc != 0)
		kc_add(f, KC_ERROR, "%s: %s", file, msg);
}
