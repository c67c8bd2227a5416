/*
 * db_stmt.c - the engine-independent half of the database layer:
 * statements. Counts placeholders and refuses a second statement in one
 * text, checks the arguments of binds and columns, formats and parses the
 * one canonical time text, and keeps the handle's statement count. The
 * handle itself, transactions and locks are in db.c; everything that talks
 * to an engine goes through db->drv.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/error.h"

/* The canonical time text: "YYYY-MM-DD HH:MM:SS", always UTC. */
#define TIME_TEXT_LEN 19

/* ------------------------------------------------------------- statements */

/*
 * A small scanner over SQL text that steps over quoted strings, quoted
 * identifiers and comments, so that '?' and ';' are seen only where they
 * mean something. Returns the position after the construct starting at p,
 * or p itself when p starts none of them.
 */
static const char *
skip_quoted(const char *p)
{
	char q;

	if (p[0] == '-' && p[1] == '-') {
		p += 2;
		while (*p != '\0' && *p != '\n')
			p++;
		return p;
	}
	if (p[0] == '/' && p[1] == '*') {
		p += 2;
		while (*p != '\0' && !(p[0] == '*' && p[1] == '/'))
			p++;
		return *p != '\0' ? p + 2 : p;
	}
	if (*p != '\'' && *p != '"' && *p != '`')
		return p;
	/* A doubled quote inside stands for itself and does not end it. */
	q = *p++;
	for (;;) {
		if (*p == '\0')
			return p;
		if (*p == q) {
			if (p[1] == q) {
				p += 2;
				continue;
			}
			return p + 1;
		}
		p++;
	}
}

int
db_count_params(const char *sql)
{
	const char *p, *next;
	int n = 0;

	if (sql == NULL)
		return 0;
	for (p = sql; *p != '\0';) {
		next = skip_quoted(p);
		if (next != p) {
			p = next;
			continue;
		}
		if (*p == '?')
			n++;
		p++;
	}
	return n;
}

/* 1 when sql holds more than one statement (something after a top-level ';'). */
static int
has_second_statement(const char *sql)
{
	const char *p, *next;
	int seen_semicolon = 0;

	for (p = sql; *p != '\0';) {
		next = skip_quoted(p);
		if (next != p) {
			/* Comments after the last ';' are fine, strings are not. */
			if (seen_semicolon && *p != '-' && *p != '/')
				return 1;
			p = next;
			continue;
		}
		if (*p == ';')
			seen_semicolon = 1;
		else if (seen_semicolon && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 1;
		p++;
	}
	return 0;
}

int
db_prepare(db_t *db, const char *sql, db_stmt_t **out)
{
	db_stmt_t *st = NULL;
	int rc;

	if (db == NULL || out == NULL) {
		rc = E_INVAL;
		goto out;
	}
	if (sql == NULL) {
		rc = db_set_error(db, E_INVAL, "db_prepare: no SQL text");
		goto out;
	}
	if (has_second_statement(sql)) {
		rc = db_set_error(
			db, E_INVAL, "db_prepare: more than one statement in '%.80s'", sql);
		goto out;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	st->db = db;
	st->nparams = db_count_params(sql);
	rc = db->drv->prepare(db, st, sql, st->nparams);
	if (rc != 0)
		goto out;
	*out = st;
	st = NULL;
out:
	free(st);
	return rc;
}

static int
check_bind(db_stmt_t *st, int idx)
{
	if (st == NULL)
		return E_INVAL;
	if (idx < 1 || idx > st->nparams)
		return db_set_error(st->db, E_INVAL,
			"bind index %d out of range (the statement has %d placeholders)", idx,
			st->nparams);
	return 0;
}

int
db_bind_int(db_stmt_t *st, int idx, int64_t value)
{
	int rc = check_bind(st, idx);

	if (rc == 0)
		rc = st->db->drv->bind_int(st, idx, value);
	return rc;
}

int
db_bind_text(db_stmt_t *st, int idx, const char *value)
{
	int rc = check_bind(st, idx);

	if (rc != 0)
		goto out;
	if (value == NULL)
		rc = st->db->drv->bind_null(st, idx);
	else
		rc = st->db->drv->bind_text(st, idx, value, strlen(value));
out:
	return rc;
}

int
db_bind_blob(db_stmt_t *st, int idx, const void *value, size_t len)
{
	int rc = check_bind(st, idx);

	if (rc != 0)
		goto out;
	if (value == NULL) {
		if (len != 0) {
			rc = db_set_error(
				st->db, E_INVAL, "db_bind_blob: NULL value with length %zu", len);
			goto out;
		}
		rc = st->db->drv->bind_null(st, idx);
	} else {
		rc = st->db->drv->bind_blob(st, idx, value, len);
	}
out:
	return rc;
}

int
db_bind_double(db_stmt_t *st, int idx, double value)
{
	int rc = check_bind(st, idx);

	if (rc == 0)
		rc = st->db->drv->bind_double(st, idx, value);
	return rc;
}

int
db_bind_null(db_stmt_t *st, int idx)
{
	int rc = check_bind(st, idx);

	if (rc == 0)
		rc = st->db->drv->bind_null(st, idx);
	return rc;
}

/*
 * The storage format of every time value, on every engine: UTC, zero
 * padded, so that text order is time order. Only the years 0000..9999 fit.
 */
int
db_bind_time(db_stmt_t *st, int idx, time_t value)
{
	char buf[32];
	struct tm tm;
	int rc = check_bind(st, idx);

	if (rc != 0)
		goto out;
	if (gmtime_r(&value, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		rc = db_set_error(st->db, E_RANGE, "time %lld is outside the years 0000..9999",
			(long long)value);
		goto out;
	}
	(void)snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	rc = st->db->drv->bind_text(st, idx, buf, TIME_TEXT_LEN);
out:
	return rc;
}

int
db_step(db_stmt_t *st)
{
	if (st == NULL)
		return E_INVAL;
	/* count executions, not rows */
	if (!st->stepped) {
		st->stepped = 1;
		st->db->statements++;
	}
	return st->db->drv->step(st);
}

int
db_column_count(db_stmt_t *st)
{
	if (st == NULL)
		return 0;
	return st->db->drv->column_count(st);
}

static int
col_ok(db_stmt_t *st, int col)
{
	return st != NULL && col >= 0 && col < st->ncols;
}

int
db_column_is_null(db_stmt_t *st, int col)
{
	if (!col_ok(st, col))
		return 1;
	return st->db->drv->column_is_null(st, col);
}

int64_t
db_column_int(db_stmt_t *st, int col)
{
	if (!col_ok(st, col))
		return 0;
	return st->db->drv->column_int(st, col);
}

double
db_column_double(db_stmt_t *st, int col)
{
	if (!col_ok(st, col))
		return 0.0;
	return st->db->drv->column_double(st, col);
}

const char *
db_column_text(db_stmt_t *st, int col)
{
	if (!col_ok(st, col))
		return NULL;
	return st->db->drv->column_text(st, col);
}

const void *
db_column_blob(db_stmt_t *st, int col, size_t *len)
{
	const void *p = NULL;
	size_t n = 0;

	if (col_ok(st, col))
		p = st->db->drv->column_blob(st, col, &n);
	if (len != NULL)
		*len = p != NULL ? n : 0;
	/* cppcheck-suppress returnDanglingLifetime ; p points into the driver's row, n is copied out */
	return p;
}

/* n decimal digits at s, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

static int
days_in_month(int year, int mon)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : mdays[mon - 1];
}

/* Strictly "YYYY-MM-DD HH:MM:SS" in UTC; nothing before or after. */
static int
parse_time_text(const char *s, time_t *out)
{
	struct tm tm;
	int year, mon, day, hour, min, sec;
	time_t t;

	if (strlen(s) != TIME_TEXT_LEN || s[4] != '-' || s[7] != '-' || s[10] != ' ' ||
		s[13] != ':' || s[16] != ':')
		return E_PARSE;
	year = digits(s, 4);
	mon = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	min = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (year < 0 || mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) ||
		hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59)
		return E_PARSE;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = t;
	return 0;
}

int
db_column_time(db_stmt_t *st, int col, time_t *out)
{
	const char *s;
	time_t t;
	int rc;

	if (st == NULL || out == NULL) {
		rc = E_INVAL;
		goto out;
	}
	if (!col_ok(st, col)) {
		rc = db_set_error(st->db, E_INVAL, "column %d out of range", col);
		goto out;
	}
	s = st->db->drv->column_text(st, col);
	if (s == NULL) {
		rc = E_NOTFOUND;
		goto out;
	}
	rc = parse_time_text(s, &t);
	if (rc != 0) {
		rc = db_set_error(st->db, E_PARSE, "column %d: '%.40s' is not a time", col, s);
		goto out;
	}
	*out = t;
out:
	return rc;
}

int64_t
db_changes(db_t *db)
{
	if (db == NULL)
		return 0;
	return db->drv->changes(db);
}

int
db_reset(db_stmt_t *st)
{
	if (st == NULL)
		return E_INVAL;
	st->stepped = 0;
	return st->db->drv->reset(st);
}

void
db_finalize(db_stmt_t *st)
{
	if (st == NULL)
		return;
	st->db->drv->finalize(st);
	free(st);
}

int
db_exec(db_t *db, const char *sql)
{
	if (db == NULL)
		return E_INVAL;
	if (sql == NULL)
		return db_set_error(db, E_INVAL, "db_exec: no SQL text");
	db->statements++;
	return db->drv->exec(db, sql);
}

uint64_t
db_statements(const db_t *db)
{
	return db != NULL ? db->statements : 0;
}
