/*
 * err.h - the project's error codes.
 *
 * Fallible functions return int: 0 on success, one of the negative codes
 * below on failure. Detail (a driver message, a file and line) lives on the
 * handle that failed or in the caller's error buffer; these codes are the
 * coarse class a caller branches on.
 */
#ifndef COMMON_ERR_H
#define COMMON_ERR_H

enum {
	E_OK = 0,
	E_NOMEM = -1,       /* out of memory */
	E_INVAL = -2,       /* invalid argument or input */
	E_IO = -3,          /* file or system call failed (see errno / detail) */
	E_PARSE = -4,       /* text that does not parse */
	E_RANGE = -5,       /* a number out of range */
	E_NOTFOUND = -6,    /* no such object */
	E_EXISTS = -7,      /* object already exists */
	E_UNSUPPORTED = -8, /* not built in or not supported */
	E_SPAWN = -9,       /* external program could not be run or failed */
	E_DENIED = -10,     /* the user declined, or permission denied */

	/* database layer (db/) */
	DB_E_BUSY = -20,       /* lock contention, deadlock, serialization failure: retry */
	DB_E_CONSTRAINT = -21, /* unique / foreign key / not null violated */
	DB_E_CONNECT = -22,    /* cannot connect, or the connection was lost */
	DB_E_READONLY = -23,   /* write refused: read-only file, server or replica */
	DB_E_SCHEMA = -24,     /* schema missing, too old or newer than this program */
	DB_E_CORRUPT = -25,    /* not a database, or a damaged one */
	DB_E_LOCKED = -26,     /* a named advisory lock is held by someone else */
	DB_E_SQL = -27,        /* any other error reported by the engine */
	DB_E_NODRIVER = -28,   /* the configured backend was not built in */
	DB_E_MISUSE = -29,     /* API used out of order (a programming error) */
	DB_E_FENCED = -30,     /* another daemon took the lead: this one may not write */
};

/* Short text for a code; never NULL. */
const char *err_str(int code);

#endif
