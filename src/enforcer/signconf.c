/*
 * signconf.c - the signconf file of a zone (see signconf.h, enforcer.md §5).
 *
 * Formatting runs once per zone per pass (100,000 zones is a normal pass),
 * so the text is built by hand in one growing buffer rather than through a
 * libxml2 tree. Validation parses the text back with libxml2 and checks it
 * against the embedded signconf.rng.
 *
 * Choices made here:
 * - Besides the zone name (Q17), the Salt and Locator texts are escaped as
 *   well; for the hex strings they normally are this changes nothing, and a
 *   stray '<' can never break the document. In the zone name, TAB, LF and
 *   CR are written as character references so that attribute value
 *   normalisation does not turn them into spaces.
 * - Durations are written as PT<n>S for whatever n the policy holds; a
 *   negative one (kasp_load() refuses those) gives a text the schema
 *   rejects, which signconf_validate() then reports.
 * - signconf_write() refuses to replace anything at path that is not a
 *   regular file (a symbolic link, a directory, a FIFO, a device). The old
 *   file becomes "<path>.OLD" by a hard link made before the new file is
 *   renamed into place, so the old bytes always exist under one of the two
 *   names. Where hard links are not supported the old file is renamed to
 *   .OLD instead, and put back when the final rename fails.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/str.h"
#include "common/strbuf.h"
#include "config/kasp.h"
#include "config/xml.h"
#include "enforcer/signconf.h"

/* signconf.rng, compiled in by tools/embed.sh (signconf_rng.embed.c) */
extern const char signconf_rng[];
extern const unsigned long signconf_rng_len;

/* libxml2 2.12 made the structured handler take a const error. */
#if LIBXML_VERSION >= 21200
#define XML_ERR_CONST const
#else
#define XML_ERR_CONST
#endif

/* ------------------------------------------------------------- formatting */

/* The text is built in a struct strbuf (common/strbuf.h). */

/* A string literal, without strlen() at run time. */
#define buf_lit(b, s) strbuf_add((b), (s), sizeof(s) - 1)

static void
buf_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

/* A decimal number. */
static void
buf_int(struct strbuf *b, int64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	if (n > 0)
		strbuf_add(b, tmp, (size_t)n);
}

/* "<indent><name>PT<seconds>S</name>\n"; tag is "<Name>", end "</Name>\n". */
static void
buf_duration(struct strbuf *b, const char *indent, const char *tag, const char *end, int64_t secs)
{
	buf_str(b, indent);
	buf_str(b, tag);
	buf_lit(b, "PT");
	buf_int(b, secs);
	buf_lit(b, "S");
	buf_str(b, end);
}

/* "<indent><Name>n</Name>\n" for a plain number. */
static void
buf_number(struct strbuf *b, const char *indent, const char *tag, const char *end, int64_t v)
{
	buf_str(b, indent);
	buf_str(b, tag);
	buf_int(b, v);
	buf_str(b, end);
}

/* s with the five XML special characters (and TAB, LF, CR) escaped. */
static void
buf_escaped(struct strbuf *b, const char *s)
{
	const char *run = s;
	const char *rep;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\t': rep = "&#9;"; break;
		case '\n': rep = "&#10;"; break;
		case '\r': rep = "&#13;"; break;
		default: continue;
		}
		strbuf_add(b, run, (size_t)(s - run));
		buf_str(b, rep);
		run = s + 1;
	}
	strbuf_add(b, run, (size_t)(s - run));
}

static void
format_key(struct strbuf *b, const struct signconf_key *k)
{
	buf_lit(b, "\t\t\t<Key>\n");
	buf_number(b, "\t\t\t\t", "<Flags>", "</Flags>\n", k->flags);
	buf_number(b, "\t\t\t\t", "<Algorithm>", "</Algorithm>\n", k->algorithm);
	buf_lit(b, "\t\t\t\t<Locator>");
	buf_escaped(b, k->locator);
	buf_lit(b, "</Locator>\n");
	if (k->ksk)
		buf_lit(b, "\t\t\t\t<KSK />\n");
	if (k->zsk)
		buf_lit(b, "\t\t\t\t<ZSK />\n");
	if (k->publish)
		buf_lit(b, "\t\t\t\t<Publish />\n");
	if (k->rfc5011)
		buf_lit(b, "\t\t\t\t<RFC5011 />\n");
	buf_lit(b, "\t\t\t</Key>\n");
}

int
signconf_format(const char *zone, const struct kasp_policy *p, const char *salt,
	const struct signconf_key *keys, size_t nkeys, char **out, size_t *len)
{
	struct strbuf b = STRBUF_INIT;
	const char *serial;
	size_t i;
	int ret;

	if (zone == NULL || p == NULL || out == NULL || len == NULL ||
		(keys == NULL && nkeys > 0)) {
		ret = E_INVAL;
		goto out;
	}
	serial = kasp_serial_name(p->serial);
	if (serial == NULL) {
		ret = E_INVAL;
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		if (keys[i].locator == NULL) {
			ret = E_INVAL;
			goto out;
		}
	}

	buf_lit(&b, "<SignerConfiguration>\n\t<Zone name=\"");
	buf_escaped(&b, zone);
	buf_lit(&b, "\">\n");

	buf_lit(&b, "\t\t<Signatures>\n");
	buf_duration(&b, "\t\t\t", "<Resign>", "</Resign>\n", p->resign);
	buf_duration(&b, "\t\t\t", "<Refresh>", "</Refresh>\n", p->refresh);
	buf_lit(&b, "\t\t\t<Validity>\n");
	buf_duration(&b, "\t\t\t\t", "<Default>", "</Default>\n", p->valdefault);
	buf_duration(&b, "\t\t\t\t", "<Denial>", "</Denial>\n", p->valdenial);
	buf_lit(&b, "\t\t\t</Validity>\n");
	buf_duration(&b, "\t\t\t", "<Jitter>", "</Jitter>\n", p->jitter);
	buf_duration(
		&b, "\t\t\t", "<InceptionOffset>", "</InceptionOffset>\n", p->inception_offset);
	buf_lit(&b, "\t\t</Signatures>\n");

	buf_lit(&b, "\t\t<Denial>\n");
	if (!p->nsec3) {
		buf_lit(&b, "\t\t\t<NSEC />\n");
	} else {
		buf_lit(&b, "\t\t\t<NSEC3>\n");
		if (p->nsec3_ttl != 0)
			buf_duration(&b, "\t\t\t\t", "<TTL>", "</TTL>\n", p->nsec3_ttl);
		if (p->optout)
			buf_lit(&b, "\t\t\t\t<OptOut />\n");
		buf_lit(&b, "\t\t\t\t<Hash>\n");
		buf_number(&b, "\t\t\t\t\t", "<Algorithm>", "</Algorithm>\n", p->hash_algorithm);
		buf_number(&b, "\t\t\t\t\t", "<Iterations>", "</Iterations>\n", p->iterations);
		buf_lit(&b, "\t\t\t\t\t<Salt>");
		buf_escaped(&b, salt != NULL && salt[0] != '\0' ? salt : "-");
		buf_lit(&b, "</Salt>\n");
		buf_lit(&b, "\t\t\t\t</Hash>\n");
		buf_lit(&b, "\t\t\t</NSEC3>\n");
	}
	buf_lit(&b, "\t\t</Denial>\n");

	buf_lit(&b, "\t\t<Keys>\n");
	buf_duration(&b, "\t\t\t", "<TTL>", "</TTL>\n", p->key_ttl);
	for (i = 0; i < nkeys; i++)
		format_key(&b, &keys[i]);
	buf_lit(&b, "\t\t</Keys>\n");

	buf_lit(&b, "\t\t<SOA>\n");
	buf_duration(&b, "\t\t\t", "<TTL>", "</TTL>\n", p->zone_soa_ttl);
	buf_duration(&b, "\t\t\t", "<Minimum>", "</Minimum>\n", p->zone_soa_min);
	buf_lit(&b, "\t\t\t<Serial>");
	buf_str(&b, serial);
	buf_lit(&b, "</Serial>\n");
	buf_lit(&b, "\t\t</SOA>\n");
	buf_lit(&b, "\t</Zone>\n</SignerConfiguration>\n");

	if (strbuf_status(&b) != 0) {
		ret = E_NOMEM;
		goto out;
	}
	*len = b.len;
	*out = strbuf_take(&b);
	ret = *out != NULL ? 0 : E_NOMEM;
out:
	strbuf_free(&b);
	return ret;
}

/* ------------------------------------------------------------- validation */

/* The first parse error libxml2 reports, on one line. */
struct parse_errors {
	int have;
	long line;
	char msg[256];
};

static void
parse_error(void *arg, XML_ERR_CONST xmlError *error)
{
	struct parse_errors *pe = arg;
	size_t i;

	if (pe == NULL || error == NULL || error->level < XML_ERR_ERROR || pe->have)
		return;
	pe->have = 1;
	pe->line = error->line;
	snprintf(pe->msg, sizeof(pe->msg), "%s",
		error->message != NULL ? error->message : "unknown error");
	for (i = 0; pe->msg[i] != '\0'; i++)
		if ((unsigned char)pe->msg[i] < 0x20 || pe->msg[i] == 0x7f)
			pe->msg[i] = ' ';
	while (i > 0 && pe->msg[i - 1] == ' ')
		pe->msg[--i] = '\0';
}

/* Messages outside the structured channel: swallowed. */
static void
parse_generic(void *arg, const char *fmt, ...)
{
	(void)arg;
	(void)fmt;
}

int
signconf_validate(const char *text, size_t len, char *err, size_t errlen)
{
	struct parse_errors pe = { 0 };
	xmlStructuredErrorFunc old_serror;
	xmlGenericErrorFunc old_gerror;
	void *old_sctx, *old_gctx;
	xmlParserCtxt *ctxt = NULL;
	xmlDoc *doc = NULL;
	int ret;
	/* as xml_read(): no network, no entity substitution, no DTD loading */
	const int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;

	if (text == NULL || len > INT_MAX) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "signconf: no text given");
		ret = E_INVAL;
		goto out;
	}
	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL) {
		ret = E_NOMEM;
		goto out;
	}
	old_serror = xmlStructuredError;
	old_sctx = xmlStructuredErrorContext;
	old_gerror = xmlGenericError;
	old_gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(&pe, parse_error);
	xmlSetGenericErrorFunc(&pe, parse_generic);
	doc = xmlCtxtReadMemory(ctxt, text, (int)len, "signconf", NULL, options);
	xmlSetStructuredErrorFunc(old_sctx, old_serror);
	xmlSetGenericErrorFunc(old_gctx, old_gerror);
	if (doc == NULL || pe.have || xmlDocGetRootElement(doc) == NULL) {
		if (err != NULL && errlen > 0) {
			if (pe.have && pe.line > 0)
				snprintf(err, errlen, "signconf:%ld: not well-formed XML: %s",
					pe.line, pe.msg);
			else
				snprintf(err, errlen, "signconf: not well-formed XML: %s",
					pe.have ? pe.msg : "no root element");
		}
		ret = E_PARSE;
		goto out;
	}
	if (doc->extSubset != NULL || doc->intSubset != NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen,
				"signconf: a document type declaration is not allowed");
		ret = E_PARSE;
		goto out;
	}
	ret = xml_validate(doc, "signconf", signconf_rng, signconf_rng_len, err, errlen);
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	if (ctxt != NULL)
		xmlFreeParserCtxt(ctxt);
	return ret;
}

/* ---------------------------------------------------------------- writing */

/* "Could not <call>: <file> (<strerror(errno)>)" into err; keeps errno. */
static void
could_not(char *err, size_t errlen, const char *call, const char *file)
{
	int saved = errno;

	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "Could not %s: %s (%s)", call, file, strerror(saved));
	errno = saved;
}

/* "Could not <call>: <from> -> <to> (<strerror(errno)>)"; keeps errno. */
static void
could_not2(char *err, size_t errlen, const char *call, const char *from, const char *to)
{
	int saved = errno;

	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "Could not %s: %s -> %s (%s)", call, from, to,
			strerror(saved));
	errno = saved;
}

/*
 * Compare the open file fd (of size st->st_size) with text: 1 when equal,
 * 0 when not, -1 with errno on a read error.
 */
static int
same_bytes(int fd, const struct stat *st, const char *text, size_t len)
{
	char chunk[8192];
	size_t done = 0;
	ssize_t n;

	if (st->st_size < 0 || (uintmax_t)st->st_size != (uintmax_t)len)
		return 0;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		/* the file grew behind our back: not the same */
		if ((size_t)n > len - done || memcmp(chunk, text + done, (size_t)n) != 0)
			return 0;
		done += (size_t)n;
	}
	return done == len;
}

/* Is errno one that says "this file system cannot make hard links"? */
static int
no_hard_links(int e)
{
	return e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == EMLINK || e == ENOSYS;
}

static int
write_file(const char *path, const char *text, size_t len, int note, int *written, char *err,
	size_t errlen)
{
	struct stat lst, st, tst;
	char *tmp = NULL;
	char *old = NULL;
	int have_old = 0; /* a regular file is at path */
	int moved = 0;    /* path was renamed to .OLD (no hard links) */
	int fd = -1;
	int tfd = -1;
	int same, saved;
	int ret;

	if (path == NULL || path[0] == '\0' || written == NULL || (text == NULL && len > 0)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "signconf_write: invalid argument");
		errno = EINVAL;
		ret = E_INVAL;
		goto out;
	}
	if (text == NULL)
		text = "";

	/* What is at path now: nothing, or a regular file we may replace. */
	if (lstat(path, &lst) != 0) {
		if (errno != ENOENT) {
			could_not(err, errlen, "stat", path);
			ret = E_IO;
			goto out;
		}
	} else if (!S_ISREG(lst.st_mode)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "Could not replace: %s (%s)", path,
				S_ISLNK(lst.st_mode)   ? "is a symbolic link"
				: S_ISDIR(lst.st_mode) ? "is a directory"
						       : "not a regular file");
		errno = S_ISLNK(lst.st_mode) ? ELOOP : S_ISDIR(lst.st_mode) ? EISDIR : EINVAL;
		ret = E_IO;
		goto out;
	} else {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			could_not(err, errlen, "open", path);
			ret = E_IO;
			goto out;
		}
		if (fstat(fd, &st) != 0) {
			could_not(err, errlen, "stat", path);
			ret = E_IO;
			goto out;
		}
		/* swapped between lstat() and open() */
		if (!S_ISREG(st.st_mode) || st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
			errno = EAGAIN;
			could_not(err, errlen, "open", path);
			ret = E_IO;
			goto out;
		}
		same = same_bytes(fd, &st, text, len);
		if (same < 0) {
			could_not(err, errlen, "read", path);
			ret = E_IO;
			goto out;
		}
		if (same) {
			*written = 0;
			ret = 0;
			goto out;
		}
		have_old = 1;
		close(fd);
		fd = -1;
	}

	/* The new content, in a fresh file beside path. */
	tmp = str_printf("%s.XXXXXX", path);
	old = str_printf("%s.OLD", path);
	if (tmp == NULL || old == NULL) {
		errno = ENOMEM;
		could_not(err, errlen, "allocate a name for", path);
		ret = E_NOMEM;
		goto out;
	}
	tfd = mkostemp(tmp, O_CLOEXEC);
	if (tfd < 0) {
		/* mkostemp() may have changed the X's: name the template */
		saved = errno;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "Could not create: %s.XXXXXX (%s)", path,
				strerror(saved));
		errno = saved;
		/* nothing was created: do not unlink the template */
		free(tmp);
		tmp = NULL;
		ret = E_IO;
		goto out;
	}
	if (file_write_all(tfd, text, len) != 0) {
		could_not(err, errlen, "write", tmp);
		ret = E_IO;
		goto out;
	}
	if (have_old) {
		/* the owner first: chown may clear mode bits */
		if (fstat(tfd, &tst) != 0) {
			could_not(err, errlen, "stat", tmp);
			ret = E_IO;
			goto out;
		}
		if ((tst.st_uid != st.st_uid || tst.st_gid != st.st_gid) &&
			fchown(tfd, st.st_uid, st.st_gid) != 0 && errno != EPERM) {
			could_not(err, errlen, "chown", tmp);
			ret = E_IO;
			goto out;
		}
	}
	if (fchmod(tfd, have_old ? st.st_mode & 07777 : 0644) != 0) {
		could_not(err, errlen, "chmod", tmp);
		ret = E_IO;
		goto out;
	}
	saved = close(tfd);
	tfd = -1;
	if (saved != 0) {
		could_not(err, errlen, "close", tmp);
		ret = E_IO;
		goto out;
	}

	/* The signer is owed a notice from the moment the new file is in place. */
	if (note && signconf_note(path) != 0) {
		could_not(err, errlen, "create the notice of", path);
		ret = E_IO;
		goto out;
	}
	/* Keep the old bytes as .OLD: a second name for the old file. */
	if (have_old) {
		if (unlink(old) != 0 && errno != ENOENT) {
			could_not(err, errlen, "remove", old);
			ret = E_IO;
			goto out;
		}
		if (link(path, old) != 0) {
			if (!no_hard_links(errno)) {
				could_not2(err, errlen, "link", path, old);
				ret = E_IO;
				goto out;
			}
			if (rename(path, old) != 0) {
				could_not2(err, errlen, "rename", path, old);
				ret = E_IO;
				goto out;
			}
			moved = 1;
		}
	}
	if (rename(tmp, path) != 0) {
		could_not2(err, errlen, "rename", tmp, path);
		saved = errno;
		if (moved)
			(void)rename(old, path);
		errno = saved;
		ret = E_IO;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	*written = 1;
	ret = 0;
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (tfd >= 0)
		close(tfd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(old);
	errno = saved;
	return ret;
}

int
signconf_write(
	const char *path, const char *text, size_t len, int *written, char *err, size_t errlen)
{
	return write_file(path, text, len, 0, written, err, errlen);
}

int
signconf_write_noted(
	const char *path, const char *text, size_t len, int *written, char *err, size_t errlen)
{
	return write_file(path, text, len, 1, written, err, errlen);
}

/* "<path>.notify", malloc()ed; NULL when out of memory. */
static char *
note_path(const char *path)
{
	return str_printf("%s.notify", path);
}

int
signconf_note(const char *path)
{
	char *n = note_path(path);
	struct stat st;
	int fd, saved, ret = E_IO;

	if (n == NULL) {
		errno = ENOMEM;
		return E_NOMEM;
	}
	/* never through a link, and only ever a regular file of ours */
	fd = open(n, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (fstat(fd, &st) != 0)
			; /* errno says why */
		else if (S_ISREG(st.st_mode))
			ret = 0;
		else
			errno = EINVAL;
		saved = errno;
		close(fd);
		errno = saved;
	}
	free(n);
	return ret;
}

int
signconf_noted(const char *path)
{
	char *n = note_path(path);
	struct stat st;
	int noted;

	if (n == NULL)
		return 0;
	noted = lstat(n, &st) == 0 && S_ISREG(st.st_mode);
	free(n);
	return noted;
}

void
signconf_unnote(const char *path)
{
	char *n = note_path(path);

	if (n != NULL)
		(void)unlink(n);
	free(n);
}

void
signconf_sync(const char *path)
{
	char *dir = NULL;
	int fd = -1;
	int saved = errno;

	if (path == NULL || path_dirname(path, &dir) != 0) {
		sync();
		goto out;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#ifdef __linux__
	if (fd >= 0 && syncfs(fd) == 0)
		goto out;
#endif
	sync();
out:
	if (fd >= 0)
		close(fd);
	free(dir);
	errno = saved;
}
