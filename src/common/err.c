#include "config.h"

#include "common/err.h"

const char *
err_str(int code)
{
	switch (code) {
	case E_OK: return "success";
	case E_NOMEM: return "out of memory";
	case E_INVAL: return "invalid argument";
	case E_IO: return "input/output error";
	case E_PARSE: return "parse error";
	case E_RANGE: return "value out of range";
	case E_NOTFOUND: return "not found";
	case E_EXISTS: return "already exists";
	case E_UNSUPPORTED: return "not supported";
	case E_SPAWN: return "external command failed";
	case E_DENIED: return "permission denied";
	case DB_E_BUSY: return "database busy";
	case DB_E_CONSTRAINT: return "database constraint violated";
	case DB_E_CONNECT: return "cannot connect to database";
	case DB_E_READONLY: return "database is read-only";
	case DB_E_SCHEMA: return "database schema mismatch";
	case DB_E_CORRUPT: return "database is corrupt or not a database";
	case DB_E_LOCKED: return "database lock held by another process";
	case DB_E_SQL: return "database error";
	case DB_E_NODRIVER: return "database driver not built in";
	case DB_E_MISUSE: return "database API misuse";
	case DB_E_FENCED: return "another ods-enforcerd leads now";
	}
	return "unknown error";
}
