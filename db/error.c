/*
 * error.c - the handle's error message (db/error.h, db_errmsg()).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
	db->constraint[0] = '\0';
}

void
db_set_constraint(db_t *db, const char *name, size_t len)
{
	if (db == NULL || name == NULL)
		return;
	if (len >= sizeof(db->constraint))
		len = 0; /* a cut name would name another index: say nothing */
	memcpy(db->constraint, name, len);
	db->constraint[len] = '\0';
}

const char *
db_errmsg(const db_t *db)
{
	if (db == NULL)
		return "no database handle";
	return db->errmsg;
}

const char *
db_constraint(const db_t *db)
{
	if (db == NULL)
		return "";
	return db->constraint;
}
