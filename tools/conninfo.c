/*
 * conninfo.c - parse a test server's connection string (see conninfo.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"
#include "tools/conninfo.h"

int
conninfo_parse(const char *text, enum db_backend backend, struct db_config *cfg, char **storage)
{
	struct db_config c;
	char *copy, *p, *key, *val, *end;
	long port;
	int mode, rc = 0;

	if (text == NULL || cfg == NULL || storage == NULL)
		return E_INVAL;
	copy = strdup(text);
	if (copy == NULL)
		return E_NOMEM;
	memset(&c, 0, sizeof(c));
	c.backend = backend;
	p = copy;
	for (;;) {
		p += strspn(p, " \t\n;");
		if (*p == '\0')
			break;
		key = p;
		p += strcspn(p, " \t\n;");
		if (*p != '\0')
			*p++ = '\0';
		val = strchr(key, '=');
		if (val == NULL) {
			rc = E_PARSE;
			goto out;
		}
		*val++ = '\0';
		if (strcmp(key, "host") == 0 || strcmp(key, "hostaddr") == 0) {
			c.host = val;
		} else if (strcmp(key, "port") == 0) {
			port = strtol(val, &end, 10);
			if (*val == '\0' || *end != '\0' || port <= 0 || port > 65535) {
				rc = E_PARSE;
				goto out;
			}
			c.port = (unsigned)port;
		} else if (strcmp(key, "dbname") == 0 || strcmp(key, "db") == 0 ||
			   strcmp(key, "database") == 0) {
			c.database = val;
		} else if (strcmp(key, "user") == 0) {
			c.user = val;
		} else if (strcmp(key, "password") == 0) {
			c.password = val;
		} else if (strcmp(key, "socket") == 0) {
			c.socket = val;
		} else if (strcmp(key, "sslmode") == 0) {
			for (mode = DB_TLS_DISABLE; mode <= DB_TLS_VERIFY_FULL; mode++) {
				if (strcmp(val, db_tls_mode_name(mode)) == 0)
					break;
			}
			if (mode > DB_TLS_VERIFY_FULL) {
				rc = E_PARSE;
				goto out;
			}
			c.tls_mode = mode;
		} else if (strcmp(key, "sslrootcert") == 0) {
			c.tls_ca = val;
		} else {
			rc = E_PARSE;
			goto out;
		}
	}
	*cfg = c;
	*storage = copy;
	copy = NULL;
out:
	free(copy);
	return rc;
}
