/*
 * signconf.h - the signer configuration file of one zone (enforcer.md §5):
 * built from the policy and the keys the state machine issues, checked
 * against the RelaxNG schema we ship (signconf.rng, compiled in), and
 * written only when its bytes change.
 *
 * The text is the 1.x layout byte for byte (tab indentation, no XML
 * declaration, durations as PT<n>S, KSKs before ZSKs), with two fixes
 * (Q17): the zone name is XML-escaped, and an unknown serial mode is an
 * error instead of "(null)". The same inputs always give the same bytes,
 * so an unchanged zone never wakes the signer.
 */
#ifndef ENFORCER_SIGNCONF_H
#define ENFORCER_SIGNCONF_H

#include <stddef.h>

#include "config/kasp.h"

/* One <Key> element. */
struct signconf_key {
	int flags; /* 256 ZSK, 257 KSK, +128 when revoked */
	int algorithm;
	const char *locator; /* CKA_ID hex (borrowed) */
	int ksk;             /* <KSK /> */
	int zsk;             /* <ZSK /> */
	int publish;         /* <Publish /> */
	int rfc5011;         /* <RFC5011 /> */
};

/*
 * The signconf XML for zone under policy p: salt is the policy's current
 * NSEC3 salt as hex (NULL or "" is written as "-"); keys in the order
 * given (the caller sorts: KSKs first, then ZSKs, each by key pair id).
 * *out is malloc()ed and NUL-terminated, *len its length.
 * Errors: E_INVAL (NULL zone or policy, a key without locator, a serial
 * mode without a name), E_NOMEM.
 */
int signconf_format(const char *zone, const struct kasp_policy *p, const char *salt,
	const struct signconf_key *keys, size_t nkeys, char **out, size_t *len);

/*
 * Check text against the embedded signconf.rng. 0, or E_INVAL with a
 * one-line reason in err (errlen bytes at most), E_PARSE when it is not
 * well-formed XML, E_NOMEM. Uses libxml2 (error handlers swapped for the
 * call): call it from one thread at a time.
 */
int signconf_validate(const char *text, size_t len, char *err, size_t errlen);

/*
 * Make path hold exactly text: when the file already has these bytes,
 * nothing is touched and *written = 0. Otherwise the old file (if any) is
 * kept as "<path>.OLD" (as 1.x did), the new content goes to a temporary
 * file in the same directory (mkstemp, so nothing is followed or reused)
 * which is renamed over path, and *written = 1. A rewritten file keeps the
 * mode and, when we may, the owner of the one it replaces; a new file gets
 * mode 0644. The file is not fsync()ed: a signconf is a projection the
 * next pass rewrites when it differs (see signconf_sync()).
 * Errors: E_INVAL, E_NOMEM, E_IO (errno set; err names the file and the
 * call that failed, as the 1.x "Could not ..." lines do).
 */
int signconf_write(
	const char *path, const char *text, size_t len, int *written, char *err, size_t errlen);

/*
 * The signer's notice, made crash-safe: signconf_write_noted() is
 * signconf_write() that also creates "<path>.notify" (an empty file, mode
 * 0600) before a new file is put in place. The caller removes it with
 * signconf_unnote() once the signer has been told; a pass that finds it
 * (signconf_noted()) with an unchanged file tells the signer then. So a
 * daemon killed between the rename and the signer call does not leave the
 * signer on the old file for good.
 * signconf_note() returns 0, E_NOMEM, or E_IO (errno set; also when a
 * non-regular file holds the name).
 */
int signconf_write_noted(
	const char *path, const char *text, size_t len, int *written, char *err, size_t errlen);
int signconf_note(const char *path);
int signconf_noted(const char *path);
void signconf_unnote(const char *path);

/*
 * Flush the files written so far in the directory of path to stable
 * storage (syncfs(2) where available, else sync(2)): called once per batch,
 * before the signer is told to read them.
 */
void signconf_sync(const char *path);

#endif
