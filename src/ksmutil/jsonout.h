/*
 * jsonout.h - the --json output of ods-ksmutil's listing commands.
 *
 * One JSON object per command on stdout. Values are built with jansson,
 * which does the escaping and refuses invalid UTF-8; the document itself
 * is written piece by piece, so that a list of 100,000 zones is printed
 * row by row like the text output instead of being held whole in memory.
 *
 *	struct jdoc d;
 *	jdoc_begin(&d, ctx);
 *	jdoc_field(&d, "backend", jstr("sqlite"));
 *	jdoc_array_begin(&d, "zones");
 *	    jdoc_array_add(&d, row);	(for each row)
 *	jdoc_array_end(&d);
 *	return jdoc_end(&d);		(KSM_OK, or KSM_ERUNTIME after a message)
 *
 * Every function that takes a json_t * takes its reference, NULL included
 * (a failed constructor: remembered, reported by jdoc_end). Field names are
 * snake_case; a time is two fields, NAME (RFC 3339, UTC) and NAME_epoch
 * (seconds), both null when the time is not set. The formats are described
 * in ods-ksmutil(1) and by the schemas in doc/json/.
 */
#ifndef KSMUTIL_JSONOUT_H
#define KSMUTIL_JSONOUT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct ksm_ctx;

struct jdoc {
	FILE *out;
	int fields; /* written at the current level */
	int in_array;
	int failed; /* a value could not be made or written */
};

/*
 * Under --json, stdout is kept for the document alone: main.c calls this
 * before the command runs. The process's stdout is pointed at stderr, so
 * that every message a command prints (errors, the 1.x information lines)
 * goes there, and the document is written to the real stdout through
 * jdoc. Returns 0, or -1 with errno when the descriptors cannot be set up.
 */
int jsonout_take_stdout(void);

void jdoc_begin(struct jdoc *d);
void jdoc_field(struct jdoc *d, const char *key, json_t *value);
void jdoc_array_begin(struct jdoc *d, const char *key);
void jdoc_array_add(struct jdoc *d, json_t *value);
void jdoc_array_end(struct jdoc *d);
/* Close the document; KSM_OK, or KSM_ERUNTIME after printing why on stderr. */
int jdoc_end(struct jdoc *d);

/* A string (null for NULL); bytes that are not UTF-8 become U+FFFD. */
json_t *jstr(const char *s);
json_t *jint(int64_t v);
json_t *jbool(int v);

/*
 * Set NAME and NAME_epoch in obj from a time in seconds since the epoch,
 * both null when set is 0. Returns -1 when out of memory.
 */
int jset_time(json_t *obj, const char *name, int64_t t, int set);

/* The same as two fields of the document's top level. */
void jdoc_field_time(struct jdoc *d, const char *name, int64_t t);

/* obj[key] = value, taking value's reference; -1 when either is NULL. */
int jset(json_t *obj, const char *key, json_t *value);

/*
 * The end of building an object with jset()s whose results were OR'ed into
 * rc: obj, or NULL (obj released) when one of them failed. NULL then makes
 * jdoc_array_add()/jdoc_field() report the document as failed.
 */
json_t *jdone(json_t *obj, int rc);

#endif
