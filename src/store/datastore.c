/*
 * datastore.c - conf.xml's datastore (config/conf.h) turned into the
 * struct db_config db_open() takes (db/db.h): config keeps a type of its
 * own so that it does not depend on the database layer, and the programs
 * map it here.
 */
#include "config.h"

#include <stddef.h>

#include "config/conf.h"
#include "db/db.h"
#include "store/store.h"

/* Indexed by config's values: each engine and mode by its name in db.h. */
static const enum db_backend backends[] = {
	[CONF_BACKEND_SQLITE] = DB_BACKEND_SQLITE,
	[CONF_BACKEND_PGSQL] = DB_BACKEND_PGSQL,
	[CONF_BACKEND_MYSQL] = DB_BACKEND_MYSQL,
};
static const enum db_tls_mode tls_modes[] = {
	[CONF_TLS_DEFAULT] = DB_TLS_DEFAULT,
	[CONF_TLS_DISABLE] = DB_TLS_DISABLE,
	[CONF_TLS_REQUIRE] = DB_TLS_REQUIRE,
	[CONF_TLS_VERIFY_CA] = DB_TLS_VERIFY_CA,
	[CONF_TLS_VERIFY_FULL] = DB_TLS_VERIFY_FULL,
};

void
store_db_config(struct db_config *out, const struct conf_datastore *in)
{
	/* 0 (no engine read) stays 0, as in a zeroed struct conf */
	size_t b = (size_t)in->backend, t = (size_t)in->tls_mode;

	*out = (struct db_config){
		.backend = b < sizeof(backends) / sizeof(backends[0]) ? backends[b] : 0,
		.path = in->path,
		.host = in->host,
		.port = in->port,
		.database = in->database,
		.user = in->user,
		.password = in->password,
		.tls_mode = t < sizeof(tls_modes) / sizeof(tls_modes[0]) ? tls_modes[t] : 0,
		.tls_ca = in->tls_ca,
		.tls_cert = in->tls_cert,
		.tls_key = in->tls_key,
		.read_only = in->read_only,
	};
}
