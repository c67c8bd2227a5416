/*
 * conninfo.h - the test servers' connection strings (ODS_TEST_PGSQL,
 * ODS_TEST_MYSQL) as a struct db_config. Used by the database tests and
 * tools/schema-dump; not part of the programs.
 *
 * The form is libpq's: key=value pairs separated by blanks (or ';'), with
 * the keys host, port, dbname (also db, database), user, password,
 * socket, sslmode (disable, require, verify-ca, verify-full: tls_mode)
 * and sslrootcert (tls_ca). Values cannot contain blanks or ';'. Unknown
 * keys and other sslmode values are E_PARSE.
 */
#ifndef TOOLS_CONNINFO_H
#define TOOLS_CONNINFO_H

#include "db/db.h"

/*
 * Parse text for backend into *cfg (zeroed first). The strings in cfg point
 * into *storage, which the caller frees when done with cfg. Both are
 * written only on success. E_PARSE, E_NOMEM, E_INVAL.
 */
int conninfo_parse(
	const char *text, enum db_backend backend, struct db_config *cfg, char **storage);

#endif
