/*
 * pgsql_stmt.c - the PostgreSQL driver's statements: named server-side
 * prepared statements, parameters as text (blobs binary), whole results
 * fetched by the first step and read as text.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/error.h"
#include "db/pgsql_internal.h"
#include "db/pq_api.h"

/* ------------------------------------------------------------- statements */

static void
clear_row_cache(struct pstmt *s)
{
	int i;

	if (s->blobs == NULL)
		return;
	for (i = 0; i < s->ncols; i++) {
		if (s->blobs[i] != NULL)
			PQfreemem(s->blobs[i]);
		s->blobs[i] = NULL;
	}
}

static void
clear_result(struct pstmt *s)
{
	clear_row_cache(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->state = ST_IDLE;
}

static void
pstmt_free(struct pstmt *s)
{
	int i;

	if (s == NULL)
		return;
	clear_result(s);
	if (s->values != NULL) {
		for (i = 0; i < s->nparams; i++)
			free(s->values[i]);
	}
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->blobs);
	free(s->bloblens);
	free(s->sql);
	free(s);
}

/*
 * Prepare s on the server under its name, and check that the server sees
 * as many parameters as we counted. *ncols gets the number of columns.
 */
static int
server_prepare(db_t *db, struct pstmt *s, int *ncols)
{
	struct conn *c = conn_of(db);
	PGresult *res = NULL;
	char name[32];
	int rc = 0, prepared = 0;

	(void)snprintf(name, sizeof(name), "s%lu", s->id);
	res = PQprepare(c->pg, name, s->sql, 0, NULL);
	if (res == NULL) {
		rc = pgsql_fail_nores(db, "prepare");
		goto out;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pgsql_fail(db, res, "prepare");
		goto out;
	}
	prepared = 1;
	PQclear(res);
	res = PQdescribePrepared(c->pg, name);
	if (res == NULL) {
		rc = pgsql_fail_nores(db, "prepare");
		goto out;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pgsql_fail(db, res, "prepare");
		goto out;
	}
	if (PQnparams(res) != s->nparams) {
		/* Only plain '?' is ours: a literal $1 in the text is not. */
		rc = db_set_error(db, E_INVAL,
			"db_prepare: %d placeholders counted, PostgreSQL sees %d", s->nparams,
			PQnparams(res));
		goto out;
	}
	*ncols = PQnfields(res);
	s->session = c->session;
out:
	PQclear(res);
	if (rc != 0 && prepared)
		pgsql_deallocate(c, s->id);
	return rc;
}

int
pgsql_prepare(db_t *db, db_stmt_t *st, const char *sql, int nparams)
{
	struct conn *c = conn_of(db);
	struct pstmt *s;
	int count = 0, empty = 1, ncols = 0, rc = 0;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	s->row = -1;
	s->sql = pgsql_rewrite_params(sql, &count, &empty);
	if (s->sql == NULL) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	if (empty) {
		rc = db_set_error(db, E_INVAL, "db_prepare: no statement in the SQL text");
		goto out;
	}
	if (count != nparams) {
		rc = db_set_error(db, E_INVAL, "db_prepare: %d placeholders expected, %d found",
			nparams, count);
		goto out;
	}
	s->nparams = nparams;
	if (nparams > 0) {
		s->values = calloc((size_t)nparams, sizeof(*s->values));
		s->lengths = calloc((size_t)nparams, sizeof(*s->lengths));
		s->formats = calloc((size_t)nparams, sizeof(*s->formats));
		if (s->values == NULL || s->lengths == NULL || s->formats == NULL) {
			rc = db_set_error(db, E_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = pgsql_ensure_conn(db);
	if (rc != 0)
		goto out;
	s->id = ++c->next_id;
	rc = server_prepare(db, s, &ncols);
	if (rc != 0)
		goto out;
	s->ncols = ncols;
	if (ncols > 0) {
		s->blobs = calloc((size_t)ncols, sizeof(*s->blobs));
		s->bloblens = calloc((size_t)ncols, sizeof(*s->bloblens));
		if (s->blobs == NULL || s->bloblens == NULL) {
			rc = db_set_error(db, E_NOMEM, "out of memory");
			goto out;
		}
	}
	st->priv = s;
	st->ncols = ncols;
	s = NULL;
out:
	if (s != NULL && s->session == c->session)
		pgsql_deallocate(c, s->id); /* prepared, but failed afterwards */
	pstmt_free(s);
	return rc;
}

/* Keep a copy of one parameter value; format 0 text (NUL added), 1 binary. */
static int
set_param(db_stmt_t *st, int idx, const void *v, size_t len, int format)
{
	struct pstmt *s = stmt_of(st);
	char *copy = NULL;

	if (v != NULL) {
		if (len > INT_MAX - 1)
			return db_set_error(st->db, E_RANGE, "value of %zu bytes is too long", len);
		copy = malloc(len + 1);
		if (copy == NULL)
			return db_set_error(st->db, E_NOMEM, "out of memory");
		if (len > 0)
			memcpy(copy, v, len);
		copy[len] = '\0';
	}
	free(s->values[idx - 1]);
	s->values[idx - 1] = copy;
	s->lengths[idx - 1] = (int)len;
	s->formats[idx - 1] = format;
	return 0;
}

int
pgsql_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	return set_param(st, idx, buf, (size_t)n, 0);
}

int
pgsql_bind_text(db_stmt_t *st, int idx, const char *v, size_t len)
{
	if (memchr(v, '\0', len) != NULL)
		return db_set_error(st->db, E_INVAL, "text holds a NUL byte");
	return set_param(st, idx, v, len, 0);
}

int
pgsql_bind_blob(db_stmt_t *st, int idx, const void *v, size_t len)
{
	/* An empty blob still gets a buffer: NULL would mean SQL NULL. */
	return set_param(st, idx, len > 0 ? v : "", len, 1);
}

int
pgsql_bind_double(db_stmt_t *st, int idx, double v)
{
	char buf[40];
	int n;

	if (isnan(v))
		n = snprintf(buf, sizeof(buf), "NaN");
	else if (isinf(v))
		n = snprintf(buf, sizeof(buf), "%sInfinity", v < 0 ? "-" : "");
	else
		n = snprintf(buf, sizeof(buf), "%.17g", v);
	return set_param(st, idx, buf, (size_t)n, 0);
}

int
pgsql_bind_null(db_stmt_t *st, int idx)
{
	return set_param(st, idx, NULL, 0, 0);
}

/* Run the statement: its whole result is kept for the following steps. */
static int
execute(db_stmt_t *st)
{
	db_t *db = st->db;
	struct conn *c = conn_of(db);
	struct pstmt *s = stmt_of(st);
	PGresult *res = NULL;
	char name[32];
	int ncols = 0, rc;

	clear_result(s);
	rc = pgsql_ensure_conn(db);
	if (rc != 0)
		goto out;
	if (s->session != c->session) {
		/* A new session since it was prepared (a reconnect): prepare again. */
		rc = server_prepare(db, s, &ncols);
		if (rc != 0)
			goto out;
		if (ncols != s->ncols) {
			rc = db_set_error(db, DB_E_SQL,
				"statement now has %d columns instead of %d (the schema changed)",
				ncols, s->ncols);
			goto out;
		}
	}
	(void)snprintf(name, sizeof(name), "s%lu", s->id);
	res = PQexecPrepared(
		c->pg, name, s->nparams, (const char *const *)s->values, s->lengths, s->formats, 0);
	if (res == NULL) {
		rc = pgsql_fail_nores(db, "step");
		goto out;
	}
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
		pgsql_note_changes(c, res);
		s->res = res;
		res = NULL;
		s->state = ST_ROWS;
		break;
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		pgsql_note_changes(c, res);
		s->state = ST_DONE;
		break;
	default: rc = pgsql_fail(db, res, "step"); break;
	}
out:
	PQclear(res);
	return rc;
}

int
pgsql_step(db_stmt_t *st)
{
	struct pstmt *s = stmt_of(st);
	int rc;

	/* As in SQLite, a step after the end (or a failure) runs the statement again. */
	if (s->state != ST_ROWS) {
		rc = execute(st);
		if (rc != 0)
			return rc;
	}
	if (s->state == ST_DONE)
		return DB_DONE;
	clear_row_cache(s);
	s->row++;
	if (s->row >= PQntuples(s->res)) {
		PQclear(s->res);
		s->res = NULL;
		s->row = -1;
		s->state = ST_DONE;
		return DB_DONE;
	}
	return DB_ROW;
}

int
pgsql_column_count(db_stmt_t *st)
{
	return stmt_of(st)->ncols;
}

/* The current row's value of col, or NULL (no row, or SQL NULL). */
static const char *
cell(db_stmt_t *st, int col)
{
	struct pstmt *s = stmt_of(st);

	if (s->res == NULL || s->row < 0 || col >= PQnfields(s->res) ||
		PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

int
pgsql_column_is_null(db_stmt_t *st, int col)
{
	return cell(st, col) == NULL;
}

static int
is_bool(db_stmt_t *st, int col)
{
	return PQftype(stmt_of(st)->res, col) == OID_BOOL;
}

int64_t
pgsql_column_int(db_stmt_t *st, int col)
{
	const char *v = cell(st, col);
	char *end;
	long long n;
	double d;

	if (v == NULL)
		return 0;
	if (is_bool(st, col))
		return v[0] == 't';
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E' || *end == 'N' || *end == 'I' ||
		(end == v && *end == '-')) {
		/* A real number: truncate it, as SQLite does, within range. */
		d = strtod(v, NULL);
		if (isnan(d))
			return 0;
		if (d >= 9223372036854775807.0)
			return INT64_MAX;
		if (d <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)d;
	}
	return (int64_t)n;
}

double
pgsql_column_double(db_stmt_t *st, int col)
{
	const char *v = cell(st, col);

	if (v == NULL)
		return 0.0;
	if (is_bool(st, col))
		return v[0] == 't' ? 1.0 : 0.0;
	return strtod(v, NULL);
}

const char *
pgsql_column_text(db_stmt_t *st, int col)
{
	return cell(st, col);
}

/* bytea arrives as text (\x...); it is decoded once per row and column. */
const void *
pgsql_column_blob(db_stmt_t *st, int col, size_t *len)
{
	struct pstmt *s = stmt_of(st);
	const char *v = cell(st, col);
	size_t n = 0;

	if (v == NULL)
		return NULL;
	if (PQftype(s->res, col) != OID_BYTEA) {
		*len = (size_t)PQgetlength(s->res, s->row, col);
		return v;
	}
	if (s->blobs[col] == NULL) {
		s->blobs[col] = PQunescapeBytea((const unsigned char *)v, &n);
		if (s->blobs[col] == NULL) {
			(void)db_set_error(st->db, E_NOMEM, "out of memory");
			return NULL;
		}
		s->bloblens[col] = n;
	}
	*len = s->bloblens[col];
	return s->blobs[col];
}

int
pgsql_reset(db_stmt_t *st)
{
	clear_result(stmt_of(st));
	return 0;
}

void
pgsql_finalize(db_stmt_t *st)
{
	struct conn *c = conn_of(st->db);
	struct pstmt *s = stmt_of(st);

	if (s == NULL)
		return;
	if (s->session == c->session)
		pgsql_deallocate(c, s->id);
	pstmt_free(s);
	st->priv = NULL;
}

int64_t
pgsql_changes(db_t *db)
{
	return conn_of(db)->changes;
}

/* Several statements, no parameters: the simple query protocol. Rows are dropped. */
int
pgsql_exec(db_t *db, const char *sql)
{
	struct conn *c = conn_of(db);
	PGresult *res;
	char *buf;
	int rc;

	rc = pgsql_ensure_conn(db);
	if (rc != 0)
		goto out;
	if (!PQsendQuery(c->pg, sql)) {
		rc = pgsql_fail(db, NULL, "exec");
		goto out;
	}
	while ((res = PQgetResult(c->pg)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK: pgsql_note_changes(c, res); break;
		case PGRES_EMPTY_QUERY: break;
		case PGRES_COPY_IN:
			(void)PQputCopyEnd(c->pg, "COPY FROM STDIN is not supported by db_exec");
			break;
		case PGRES_COPY_OUT:
			while (PQgetCopyData(c->pg, &buf, 0) > 0)
				PQfreemem(buf);
			break;
		default:
			if (rc == 0)
				rc = pgsql_fail(db, res, "exec");
			break;
		}
		PQclear(res);
		if (PQstatus(c->pg) == CONNECTION_BAD)
			break;
	}
	if (rc == 0 && PQstatus(c->pg) == CONNECTION_BAD)
		rc = pgsql_fail(db, NULL, "exec");
out:
	return rc;
}
