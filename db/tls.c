/*
 * tls.c - what the server drivers share about TLS (db.h, util.h): which
 * hosts are local, the mode a DB_TLS_DEFAULT configuration gets, the mode
 * names, and the checks of the PEM files made before a
 * connection is tried, so that a missing key is one clear line rather than
 * whatever the client library makes of it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/util.h"

static const struct {
	const char *name;
	enum db_tls_mode mode;
} modes[] = {
	{ "disable", DB_TLS_DISABLE },
	{ "require", DB_TLS_REQUIRE },
	{ "verify-ca", DB_TLS_VERIFY_CA },
	{ "verify-full", DB_TLS_VERIFY_FULL },
};

const char *
db_tls_mode_name(enum db_tls_mode mode)
{
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (modes[i].mode == mode)
			return modes[i].name;
	}
	return "default";
}

/* One host of a list, len bytes at h: local by its name or address? */
static int
one_is_local(const char *h, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 2];
	struct in_addr a4;
	struct in6_addr a6;

	/* a socket (a path, or a Linux abstract name), or the library's default */
	if (len == 0 || h[0] == '/' || h[0] == '@')
		return 1;
	if ((len == 9 || (len == 10 && h[9] == '.')) && strncasecmp(h, "localhost", 9) == 0)
		return 1;
	if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
		h++;
		len -= 2;
	}
	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, h, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, buf, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return 0;
}

int
db_host_is_local(const char *host)
{
	const char *p, *comma;

	if (host == NULL || host[0] == '\0')
		return 1;
	/* a libpq host list is local when every host in it is */
	for (p = host;; p = comma + 1) {
		comma = strchr(p, ',');
		if (!one_is_local(p, comma != NULL ? (size_t)(comma - p) : strlen(p)))
			return 0;
		if (comma == NULL)
			return 1;
	}
}

enum db_tls_mode
db_tls_effective(const struct db_config *cfg, const char *host)
{
	if (cfg->tls_mode != DB_TLS_DEFAULT)
		return cfg->tls_mode;
	if (cfg->tls_ca != NULL && cfg->tls_ca[0] != '\0')
		return DB_TLS_VERIFY_FULL;
	if (!db_host_is_local(host) || (cfg->tls_cert != NULL && cfg->tls_cert[0] != '\0'))
		return DB_TLS_REQUIRE;
	return DB_TLS_DEFAULT;
}

/* E_IO naming the file unless we can open it for reading. */
static int
readable(db_t *db, const char *engine, const char *where, const char *what, const char *path)
{
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = errno;
		return db_set_error(db, E_IO,
			"cannot connect to %s at %s: cannot read TLS %s %s: %s", engine, where,
			what, path, strerror(err));
	}
	(void)close(fd);
	return 0;
}

static int
given(const char *s)
{
	return s != NULL && s[0] != '\0';
}

int
db_util_tls_check(db_t *db, const struct db_config *cfg, enum db_tls_mode mode, const char *engine,
	const char *where)
{
	int rc = 0;

	if (mode == DB_TLS_DISABLE)
		goto out;
	if (mode == DB_TLS_VERIFY_CA && !given(cfg->tls_ca)) {
		rc = db_set_error(db, E_INVAL,
			"cannot connect to %s at %s: TLS mode verify-ca needs a CA file", engine,
			where);
		goto out;
	}
	if (given(cfg->tls_cert) != given(cfg->tls_key)) {
		rc = db_set_error(db, E_INVAL,
			"cannot connect to %s at %s: a TLS client %s needs its %s too", engine,
			where, given(cfg->tls_cert) ? "certificate" : "key",
			given(cfg->tls_cert) ? "key" : "certificate");
		goto out;
	}
	if (given(cfg->tls_ca) && (rc = readable(db, engine, where, "CA file", cfg->tls_ca)) != 0)
		goto out;
	if (given(cfg->tls_cert) &&
		(rc = readable(db, engine, where, "certificate file", cfg->tls_cert)) != 0)
		goto out;
	if (given(cfg->tls_key) &&
		(rc = readable(db, engine, where, "key file", cfg->tls_key)) != 0)
		goto out;
out:
	return rc;
}

/*
 * Known shapes of "the server's certificate did not verify" in the client
 * libraries' connect errors: libpq's (fe-secure-openssl.c: OpenSSL's
 * "certificate verify failed", its own host name checks) and MariaDB
 * Connector/C's (ma_openssl.c: OpenSSL's X509 verify result as text, its
 * own host name check). Errors about our side (files, a client certificate
 * the server refused: "tlsv1 alert unknown ca") are not among them.
 */
int
db_util_tls_verify_failed(const char *msg)
{
	static const char *const shapes[] = {
		"certificate verify failed",
		"does not match host name",
		"host name from server certificate",
		"Validation of SSL server certificate failed",
		"unable to get local issuer certificate",
		"unable to get issuer certificate",
		"unable to verify the first certificate",
		"self-signed certificate",
		"self signed certificate",
		"certificate has expired",
		"certificate is not yet valid",
		"certificate signature failure",
		"invalid CA certificate",
		"unsupported certificate purpose",
		"certificate not trusted",
		"certificate rejected",
		"certificate revoked",
		"Hostname mismatch",
		"IP address mismatch",
	};
	size_t i;

	if (msg == NULL)
		return 0;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		if (strstr(msg, shapes[i]) != NULL)
			return 1;
	}
	return 0;
}
