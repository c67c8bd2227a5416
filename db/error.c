/*
 * error.c - the handle's error message (db/error.h, db_errmsg()).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "db/db.h"
#include "db/driver.h"
#include "db/error.h"

int
db_set_error(db_t *db, int code, const char *fmt, ...)
{
	va_list ap;

	if (db == NULL)
		return code;
	va_start(ap, fmt);
	(void)vsnprintf(db->errmsg, sizeof(db->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

const char *
db_errmsg(const db_t *db)
{
	if (db == NULL)
		return "no database handle";
	return db->errmsg;
}
