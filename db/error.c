/*
 * error.c - the handle's error message (db/error.h, db_errmsg()).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "db/db.h"
#include "db/driver.h"
#include "db/error.h"

void
db_set_message(db_t *db, const char *fmt, ...)
{
	va_list ap;

	if (db == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(db->errmsg, sizeof(db->errmsg), fmt, ap);
	va_end(ap);
}

const char *
db_errmsg(const db_t *db)
{
	if (db == NULL)
		return "no database handle";
	return db->errmsg;
}
