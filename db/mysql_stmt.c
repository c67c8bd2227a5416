/*
 * mysql_stmt.c - the MySQL/MariaDB driver's statements: prepare, bind, step,
 * columns, reset, finalize and exec (the choices are in mysql.c).
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"
#include "db/driver.h"
#include "db/mysql_internal.h"

/* Smallest buffer of a text column; larger values get what max_length says. */
#define MIN_TEXT_CAP 64

enum col_kind { COL_TEXT, COL_INT, COL_DOUBLE };

struct param {
	int64_t i;
	double d;
	char *buf; /* text or blob value, owned */
	unsigned long len;
	flag_t is_null;
};

struct column {
	enum col_kind kind;
	int is_unsigned;
	char *buf;         /* COL_TEXT: the value and a NUL */
	unsigned long cap; /* bytes allocated at buf */
	unsigned long len;
	int64_t i;
	double d;
	flag_t is_null;
	flag_t error;
	char num[40]; /* COL_INT / COL_DOUBLE as text, made on demand */
	int num_ok;
};

enum st_state { ST_IDLE, ST_ROWS, ST_DONE };

struct stmt {
	MYSQL_STMT *s; /* NULL until prepared on the current connection */
	unsigned gen;  /* connection generation s belongs to */
	char *sql;
	int is_write;   /* INSERT/UPDATE/DELETE/REPLACE: sets db_changes() */
	int rerunnable; /* only reads: may run again after a lost connection */
	int nparams;
	struct param *pv;
	MYSQL_BIND *pb;
	int ncols; /* columns of the current result (cols / rb) */
	struct column *cols;
	MYSQL_BIND *rb;
	enum st_state state;
};

static struct stmt *
stmt_of(db_stmt_t *st)
{
	return st->priv;
}

/* ------------------------------------------------------------- statements */

/* The first keyword of sql, upper-cased into buf, skipping blanks, comments and '('. */
static void
first_word(const char *sql, char *buf, size_t len)
{
	const char *p = sql;
	size_t n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '(')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '#') {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			p += 2;
			while (*p != '\0' && !(p[0] == '*' && p[1] == '/'))
				p++;
			if (*p != '\0')
				p += 2;
		} else {
			break;
		}
	}
	while (n + 1 < len && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		buf[n++] = (char)(*p++ & ~0x20);
	buf[n] = '\0';
}

static int
word_is_write(const char *w)
{
	return strcmp(w, "INSERT") == 0 || strcmp(w, "UPDATE") == 0 || strcmp(w, "DELETE") == 0 ||
	       strcmp(w, "REPLACE") == 0;
}

static void
free_columns(struct stmt *ms)
{
	int i;

	for (i = 0; i < ms->ncols; i++)
		free(ms->cols[i].buf);
	free(ms->cols);
	free(ms->rb);
	ms->cols = NULL;
	ms->rb = NULL;
	ms->ncols = 0;
}

/* Drop the server statement (if any); a detached one is only freed. */
static void
drop_server_stmt(struct stmt *ms)
{
	if (ms->s != NULL)
		(void)mysql_stmt_close(ms->s);
	ms->s = NULL;
}

/* Prepare ms->sql on the current connection. */
static int
compile(db_t *db, struct stmt *ms)
{
	struct conn *c = conn_of(db);
	MYSQL_STMT *s;
	flag_t on = 1;
	int rc = 0;

	drop_server_stmt(ms);
	s = mysql_stmt_init(c->h);
	if (s == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	if (mysql_stmt_prepare(s, ms->sql, (unsigned long)strlen(ms->sql)) != 0) {
		rc = my_fail_stmt(db, s, "prepare");
		goto out;
	}
	if (mysql_stmt_param_count(s) != (unsigned long)ms->nparams) {
		/* Only plain '?' is ours. */
		rc = db_set_error(db, E_INVAL,
			"db_prepare: %d placeholders counted, MySQL sees %lu", ms->nparams,
			mysql_stmt_param_count(s));
		goto out;
	}
	/* Have store_result() measure the longest value of each column. */
	if (mysql_stmt_attr_set(s, STMT_ATTR_UPDATE_MAX_LENGTH, &on) != 0) {
		rc = my_fail_stmt(db, s, "prepare");
		goto out;
	}
	ms->s = s;
	ms->gen = c->gen;
	s = NULL;
out:
	if (s != NULL)
		(void)mysql_stmt_close(s);
	return rc;
}

static void
stmt_free(struct stmt *ms)
{
	int i;

	if (ms == NULL)
		return;
	drop_server_stmt(ms);
	free_columns(ms);
	for (i = 0; i < ms->nparams; i++)
		free(ms->pv[i].buf);
	free(ms->pv);
	free(ms->pb);
	free(ms->sql);
	free(ms);
}

int
my_prepare(db_t *db, db_stmt_t *st, const char *sql, int nparams)
{
	struct stmt *ms;
	char word[16];
	int i, tries, rc = 0;

	ms = calloc(1, sizeof(*ms));
	if (ms == NULL)
		return db_set_error(db, E_NOMEM, "out of memory");
	ms->sql = strdup(sql);
	ms->nparams = nparams;
	if (nparams > 0) {
		ms->pv = calloc((size_t)nparams, sizeof(*ms->pv));
		ms->pb = calloc((size_t)nparams, sizeof(*ms->pb));
	}
	if (ms->sql == NULL || (nparams > 0 && (ms->pv == NULL || ms->pb == NULL))) {
		rc = db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	/* Unbound parameters are NULL, as in SQLite. */
	for (i = 0; i < nparams; i++) {
		ms->pv[i].is_null = 1;
		ms->pb[i].buffer_type = MYSQL_TYPE_NULL;
		ms->pb[i].is_null = &ms->pv[i].is_null;
	}
	first_word(sql, word, sizeof(word));
	ms->is_write = word_is_write(word);
	ms->rerunnable = strcmp(word, "SELECT") == 0 || strcmp(word, "SHOW") == 0;

	/* Preparing twice does no harm: a lost connection is replaced and we try again. */
	for (tries = 0;; tries++) {
		rc = my_conn_ready(db);
		if (rc != 0)
			goto out;
		rc = compile(db, ms);
		if (rc == 0)
			break;
		if (rc != DB_E_CONNECT || tries > 0 || !my_may_rerun(db, CR_SERVER_GONE_ERROR, 1))
			goto out;
	}
	st->ncols = (int)mysql_stmt_field_count(ms->s);
	st->priv = ms;
	ms = NULL;
out:
	stmt_free(ms);
	return rc;
}

static struct param *
param_at(db_stmt_t *st, int idx, MYSQL_BIND **b)
{
	struct stmt *ms = stmt_of(st);

	*b = &ms->pb[idx - 1];
	memset(*b, 0, sizeof(**b));
	(*b)->is_null = &ms->pv[idx - 1].is_null;
	ms->pv[idx - 1].is_null = 0;
	return &ms->pv[idx - 1];
}

/*
 * A number parameter: the bind points into the parameter's own storage,
 * i for MYSQL_TYPE_LONGLONG, d for MYSQL_TYPE_DOUBLE (the other is unused).
 */
static int
bind_number(db_stmt_t *st, int idx, enum enum_field_types type, int64_t i, double d)
{
	MYSQL_BIND *b;
	struct param *p = param_at(st, idx, &b);

	p->i = i;
	p->d = d;
	b->buffer_type = type;
	b->buffer = type == MYSQL_TYPE_DOUBLE ? (void *)&p->d : (void *)&p->i;
	return 0;
}

int
my_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	return bind_number(st, idx, MYSQL_TYPE_LONGLONG, v, 0);
}

int
my_bind_double(db_stmt_t *st, int idx, double v)
{
	return bind_number(st, idx, MYSQL_TYPE_DOUBLE, 0, v);
}

static int
bind_bytes(db_stmt_t *st, int idx, const void *v, size_t len, enum enum_field_types type)
{
	MYSQL_BIND *b;
	struct param *p;
	char *copy;

	if (len > UINT32_MAX)
		return db_set_error(st->db, E_RANGE, "value of %zu bytes is too long", len);
	/* One byte more, so that an empty value still has a buffer (non-NULL). */
	copy = malloc(len + 1);
	if (copy == NULL)
		return db_set_error(st->db, E_NOMEM, "out of memory");
	if (len > 0)
		memcpy(copy, v, len);
	copy[len] = '\0';
	p = param_at(st, idx, &b);
	free(p->buf);
	p->buf = copy;
	p->len = (unsigned long)len;
	b->buffer_type = type;
	b->buffer = p->buf;
	b->buffer_length = p->len;
	b->length = &p->len;
	return 0;
}

int
my_bind_text(db_stmt_t *st, int idx, const char *v, size_t len)
{
	return bind_bytes(st, idx, v, len, MYSQL_TYPE_STRING);
}

int
my_bind_blob(db_stmt_t *st, int idx, const void *v, size_t len)
{
	return bind_bytes(st, idx, v, len, MYSQL_TYPE_BLOB);
}

int
my_bind_null(db_stmt_t *st, int idx)
{
	struct stmt *ms = stmt_of(st);
	MYSQL_BIND *b;

	(void)param_at(st, idx, &b);
	b->buffer_type = MYSQL_TYPE_NULL;
	ms->pv[idx - 1].is_null = 1;
	return 0;
}

static enum col_kind
kind_of(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR: return COL_INT;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE: return COL_DOUBLE;
	default:
		/* Strings, blobs, DECIMAL, dates and times (as "YYYY-MM-DD HH:MM:SS"). */
		return COL_TEXT;
	}
}

/* Result buffers for the result the statement just produced. */
static int
bind_columns(db_t *db, struct stmt *ms)
{
	MYSQL_RES *meta;
	MYSQL_FIELD *f;
	unsigned n, i;
	int rc = 0;

	meta = mysql_stmt_result_metadata(ms->s);
	if (meta == NULL) {
		rc = mysql_stmt_errno(ms->s) != 0 ? my_fail_stmt(db, ms->s, "step")
						  : db_set_error(db, E_NOMEM, "out of memory");
		goto out;
	}
	n = mysql_num_fields(meta);
	f = mysql_fetch_fields(meta);
	if ((int)n != ms->ncols) {
		free_columns(ms);
		ms->cols = calloc(n > 0 ? n : 1, sizeof(*ms->cols));
		ms->rb = calloc(n > 0 ? n : 1, sizeof(*ms->rb));
		if (ms->cols == NULL || ms->rb == NULL) {
			free(ms->cols);
			free(ms->rb);
			ms->cols = NULL;
			ms->rb = NULL;
			rc = db_set_error(db, E_NOMEM, "out of memory");
			goto out;
		}
		ms->ncols = (int)n;
	}
	for (i = 0; i < n; i++) {
		struct column *col = &ms->cols[i];
		MYSQL_BIND *b = &ms->rb[i];

		memset(b, 0, sizeof(*b));
		col->kind = kind_of(f[i].type);
		col->is_unsigned = (f[i].flags & UNSIGNED_FLAG) != 0;
		b->is_null = &col->is_null;
		b->length = &col->len;
		b->error = &col->error;
		if (col->kind == COL_INT) {
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &col->i;
			b->is_unsigned = col->is_unsigned;
			continue;
		}
		if (col->kind == COL_DOUBLE) {
			b->buffer_type = MYSQL_TYPE_DOUBLE;
			b->buffer = &col->d;
			continue;
		}
		if (col->cap < f[i].max_length + 1 || col->cap < MIN_TEXT_CAP) {
			unsigned long cap = f[i].max_length + 1 > MIN_TEXT_CAP ? f[i].max_length + 1
									       : MIN_TEXT_CAP;
			char *buf = realloc(col->buf, cap);

			if (buf == NULL) {
				rc = db_set_error(db, E_NOMEM, "out of memory");
				goto out;
			}
			col->buf = buf;
			col->cap = cap;
		}
		b->buffer_type = MYSQL_TYPE_STRING;
		b->buffer = col->buf;
		b->buffer_length = col->cap - 1; /* room for our NUL */
	}
	if (mysql_stmt_bind_result(ms->s, ms->rb) != 0)
		rc = my_fail_stmt(db, ms->s, "step");
out:
	mysql_free_result(meta);
	return rc;
}

/* Fetch again, whole, the text columns that did not fit their buffers. */
static int
refetch_truncated(db_t *db, struct stmt *ms)
{
	int i, rebind = 0, rc = 0;

	for (i = 0; i < ms->ncols; i++) {
		struct column *col = &ms->cols[i];
		MYSQL_BIND b;
		char *buf;

		if (col->kind != COL_TEXT || !col->error || col->is_null)
			continue;
		if (col->len >= ULONG_MAX - 1) {
			rc = db_set_error(db, E_RANGE, "column %d is too long", i);
			goto out;
		}
		buf = realloc(col->buf, col->len + 1);
		if (buf == NULL) {
			rc = db_set_error(db, E_NOMEM, "out of memory");
			goto out;
		}
		col->buf = buf;
		col->cap = col->len + 1;
		ms->rb[i].buffer = col->buf;
		ms->rb[i].buffer_length = col->cap - 1;
		rebind = 1;
		b = ms->rb[i];
		if (mysql_stmt_fetch_column(ms->s, &b, (unsigned)i, 0) != 0) {
			rc = my_fail_stmt(db, ms->s, "step");
			goto out;
		}
		col->error = 0;
	}
out:
	/* The next fetch must write into the grown buffers. */
	if (rebind && mysql_stmt_bind_result(ms->s, ms->rb) != 0 && rc == 0)
		rc = my_fail_stmt(db, ms->s, "step");
	return rc;
}

static int
fetch_row(db_stmt_t *st)
{
	struct stmt *ms = stmt_of(st);
	int i, r, rc;

	r = mysql_stmt_fetch(ms->s);
	if (r == MYSQL_NO_DATA) {
		ms->state = ST_DONE;
		return DB_DONE;
	}
	if (r == 1) {
		ms->state = ST_DONE;
		return my_fail_stmt(st->db, ms->s, "step");
	}
	if (r == MYSQL_DATA_TRUNCATED) {
		rc = refetch_truncated(st->db, ms);
		if (rc != 0) {
			ms->state = ST_DONE;
			return rc;
		}
	}
	for (i = 0; i < ms->ncols; i++) {
		struct column *col = &ms->cols[i];

		col->num_ok = 0;
		if (col->kind == COL_TEXT)
			col->buf[col->len < col->cap ? col->len : col->cap - 1] = '\0';
	}
	return DB_ROW;
}

/* Execute once; on failure *err is the error number (0 when not from MySQL). */
static int
execute(db_stmt_t *st, unsigned *err)
{
	struct stmt *ms = stmt_of(st);
	struct conn *c = conn_of(st->db);
	int rc;

	*err = 0;
	rc = my_conn_ready(st->db);
	if (rc != 0)
		goto out;
	if (ms->s == NULL || ms->gen != c->gen) {
		rc = compile(st->db, ms);
		if (rc != 0) {
			/* A statement that failed to prepare did not run: safe to try again. */
			*err = rc == DB_E_CONNECT ? CR_SERVER_GONE_ERROR : 0;
			goto out;
		}
	}
	if (ms->nparams > 0 && mysql_stmt_bind_param(ms->s, ms->pb) != 0) {
		rc = my_fail_stmt(st->db, ms->s, "bind");
		goto out;
	}
	if (mysql_stmt_execute(ms->s) != 0) {
		*err = mysql_stmt_errno(ms->s);
		rc = my_fail_stmt(st->db, ms->s, "step");
		goto out;
	}
	if (mysql_stmt_field_count(ms->s) == 0) {
		if (ms->is_write)
			c->changes = (int64_t)mysql_stmt_affected_rows(ms->s);
		ms->state = ST_DONE;
		st->ncols = 0;
		rc = DB_DONE;
		goto out;
	}
	if (mysql_stmt_store_result(ms->s) != 0) {
		*err = mysql_stmt_errno(ms->s);
		rc = my_fail_stmt(st->db, ms->s, "step");
		goto out;
	}
	rc = bind_columns(st->db, ms);
	if (rc != 0) {
		(void)mysql_stmt_free_result(ms->s);
		goto out;
	}
	st->ncols = ms->ncols;
	ms->state = ST_ROWS;
	rc = fetch_row(st);
out:
	return rc;
}

int
my_step(db_stmt_t *st)
{
	struct stmt *ms = stmt_of(st);
	unsigned err;
	int rc;

	if (ms->state == ST_DONE)
		return DB_DONE;
	if (ms->state == ST_ROWS)
		return fetch_row(st);
	rc = execute(st, &err);
	if (rc < 0 && my_may_rerun(st->db, err, ms->rerunnable))
		rc = execute(st, &err);
	return rc;
}

int
my_column_count(db_stmt_t *st)
{
	return st->ncols;
}

static struct column *
col_at(db_stmt_t *st, int col)
{
	struct stmt *ms = stmt_of(st);

	if (ms->state != ST_ROWS || col < 0 || col >= ms->ncols)
		return NULL;
	return &ms->cols[col];
}

int
my_column_is_null(db_stmt_t *st, int col)
{
	struct column *c = col_at(st, col);

	return c == NULL || c->is_null;
}

int64_t
my_column_int(db_stmt_t *st, int col)
{
	struct column *c = col_at(st, col);

	if (c == NULL || c->is_null)
		return 0;
	switch (c->kind) {
	case COL_INT: return c->i;
	case COL_DOUBLE:
		if (isnan(c->d))
			return 0;
		if (c->d >= 9223372036854775807.0)
			return INT64_MAX;
		if (c->d <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)c->d;
	case COL_TEXT: break;
	}
	return (int64_t)strtoll(c->buf, NULL, 10);
}

double
my_column_double(db_stmt_t *st, int col)
{
	struct column *c = col_at(st, col);

	if (c == NULL || c->is_null)
		return 0.0;
	switch (c->kind) {
	case COL_INT: return c->is_unsigned ? (double)(uint64_t)c->i : (double)c->i;
	case COL_DOUBLE: return c->d;
	case COL_TEXT: break;
	}
	return strtod(c->buf, NULL);
}

/* A number column as text: integers exactly, doubles in the fewest digits that read back. */
static const char *
number_text(struct column *c)
{
	if (c->num_ok)
		return c->num;
	if (c->kind == COL_INT) {
		if (c->is_unsigned)
			(void)snprintf(
				c->num, sizeof(c->num), "%llu", (unsigned long long)(uint64_t)c->i);
		else
			(void)snprintf(c->num, sizeof(c->num), "%lld", (long long)c->i);
	} else {
		(void)snprintf(c->num, sizeof(c->num), "%.15g", c->d);
		if (strtod(c->num, NULL) != c->d)
			(void)snprintf(c->num, sizeof(c->num), "%.17g", c->d);
	}
	c->num_ok = 1;
	return c->num;
}

const char *
my_column_text(db_stmt_t *st, int col)
{
	struct column *c = col_at(st, col);

	if (c == NULL || c->is_null)
		return NULL;
	if (c->kind == COL_TEXT)
		return c->buf;
	return number_text(c);
}

const void *
my_column_blob(db_stmt_t *st, int col, size_t *len)
{
	struct column *c = col_at(st, col);
	const char *t;

	if (c == NULL || c->is_null)
		return NULL;
	if (c->kind == COL_TEXT) {
		*len = c->len < c->cap ? c->len : c->cap - 1;
		return c->buf;
	}
	t = number_text(c);
	*len = strlen(t);
	return t;
}

int
my_reset(db_stmt_t *st)
{
	struct stmt *ms = stmt_of(st);
	struct conn *c = conn_of(st->db);

	if (ms->s != NULL && ms->gen != c->gen)
		drop_server_stmt(ms); /* of a closed connection: prepared again on use */
	else if (ms->s != NULL && ms->state != ST_IDLE)
		(void)mysql_stmt_free_result(ms->s); /* client-side only: results are stored */
	ms->state = ST_IDLE;
	return 0;
}

void
my_finalize(db_stmt_t *st)
{
	stmt_free(stmt_of(st));
	st->priv = NULL;
}

int64_t
my_changes(db_t *db)
{
	return conn_of(db)->changes;
}

/*
 * Run SQL text (one or more statements) and drop any rows. Only a failure
 * that surely sent nothing is retried; a later statement's failure leaves
 * the earlier ones done, as with SQLite's exec.
 */
int
my_run_text(db_t *db, const char *sql, const char *what, int count_writes)
{
	struct conn *c = conn_of(db);
	unsigned err;
	int tries, rc;

	for (tries = 0;; tries++) {
		rc = my_conn_ready(db);
		if (rc != 0)
			goto out;
		if (mysql_real_query(c->h, sql, (unsigned long)strlen(sql)) == 0)
			break;
		err = mysql_errno(c->h);
		rc = my_fail_conn(db, what);
		if (tries > 0 || !my_may_rerun(db, err, 0))
			goto out;
	}
	rc = my_drain_results(db, c->h, what, count_writes);
out:
	return rc;
}

int
my_exec(db_t *db, const char *sql)
{
	char word[16];

	/* Blank text is no statement (SQLite agrees); the server would say "Query was empty". */
	if (sql[strspn(sql, " \t\r\n")] == '\0')
		return 0;
	first_word(sql, word, sizeof(word));
	return my_run_text(db, sql, "exec", word_is_write(word));
}
