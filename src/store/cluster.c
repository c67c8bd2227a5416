/*
 * cluster.c - the leader epoch and the daemons' rows (store.h, "cluster").
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"
#include "store/internal.h"
#include "store/store.h"

/* store_cluster_take(), or with from >= 0 store_cluster_take_from(). */
static int
take(db_t *db, const char *node, time_t now, int64_t from, int64_t *epoch)
{
	db_stmt_t *st = NULL;
	int rc;

	if (node == NULL || epoch == NULL)
		return E_INVAL;
	rc = db_prepare(db,
		from < 0
			? "UPDATE cluster_leader SET epoch = epoch + 1, node = ?, since = ? WHERE id = 1"
			: "UPDATE cluster_leader SET epoch = epoch + 1, node = ?, since = ?"
			  " WHERE id = 1 AND epoch = ?",
		&st);
	if (rc == 0)
		rc = db_bind_text(st, 1, node);
	if (rc == 0)
		rc = db_bind_time(st, 2, now);
	if (rc == 0 && from >= 0)
		rc = db_bind_int(st, 3, from);
	if (rc == 0)
		rc = store_step_done(st);
	/*
	 * The row comes with the migration; only a damaged database lacks it.
	 * With from, no row changed means the epoch has moved on.
	 */
	if (rc == 0 && db_changes(db) != 1)
		rc = from < 0 ? E_NOTFOUND : DB_E_FENCED;
	db_finalize(st);
	st = NULL;
	if (rc == 0 && from >= 0) {
		*epoch = from + 1;
		return 0;
	}
	if (rc == 0)
		rc = db_prepare(db, "SELECT epoch FROM cluster_leader WHERE id = 1", &st);
	if (rc == 0) {
		rc = db_step(st);
		if (rc == DB_ROW) {
			*epoch = db_column_int(st, 0);
			rc = 0;
		} else if (rc == DB_DONE) {
			rc = E_NOTFOUND;
		}
	}
	db_finalize(st);
	return rc;
}

int
store_cluster_take(db_t *db, const char *node, time_t now, int64_t *epoch)
{
	return take(db, node, now, -1, epoch);
}

int
store_cluster_take_from(db_t *db, const char *node, time_t now, int64_t from, int64_t *epoch)
{
	return from < 0 ? E_INVAL : take(db, node, now, from, epoch);
}

int
store_cluster_fence(db_t *db, int64_t epoch)
{
	db_stmt_t *st = NULL;
	int rc;

	/* a write of the row rather than a read: it holds the row to the commit */
	rc = db_prepare(
		db, "UPDATE cluster_leader SET epoch = epoch WHERE id = 1 AND epoch = ?", &st);
	if (rc == 0)
		rc = db_bind_int(st, 1, epoch);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc == 0 && db_changes(db) != 1)
		rc = DB_E_FENCED;
	db_finalize(st);
	return rc;
}

void
store_leader_clear(struct store_leader *l)
{
	if (l == NULL)
		return;
	free(l->node);
	memset(l, 0, sizeof(*l));
}

int
store_cluster_leader(db_t *db, struct store_leader *out)
{
	db_stmt_t *st = NULL;
	int rc;

	if (out == NULL)
		return E_INVAL;
	memset(out, 0, sizeof(*out));
	rc = db_prepare(db, "SELECT epoch, node, since FROM cluster_leader WHERE id = 1", &st);
	if (rc == 0) {
		rc = db_step(st);
		if (rc == DB_ROW) {
			out->epoch = db_column_int(st, 0);
			rc = store_column_strdup(st, 1, &out->node);
			if (rc == 0 && db_column_time(st, 2, &out->since) == E_NOTFOUND)
				out->since = 0;
		} else if (rc == DB_DONE) {
			rc = E_NOTFOUND;
		}
	}
	db_finalize(st);
	if (rc != 0)
		store_leader_clear(out);
	return rc;
}

void
store_node_name(const char *host, int64_t pid, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s:%" PRId64, host, pid);
}

/* Bind a time, or NULL for 0. */
static int
bind_time_or_null(db_stmt_t *st, int idx, time_t t)
{
	return t != 0 ? db_bind_time(st, idx, t) : db_bind_null(st, idx);
}

int
store_node_beat(db_t *db, const struct store_node *n, time_t now)
{
	db_stmt_t *st = NULL;
	int rc;

	if (n == NULL || n->host == NULL || n->role == NULL || n->version == NULL)
		return E_INVAL;
	rc = db_prepare(db,
		"UPDATE cluster_nodes SET role = ?, version = ?, started = ?,"
		" heartbeat = ? WHERE host = ? AND pid = ?",
		&st);
	if (rc == 0)
		rc = db_bind_text(st, 1, n->role);
	if (rc == 0)
		rc = db_bind_text(st, 2, n->version);
	if (rc == 0)
		rc = db_bind_time(st, 3, n->started);
	if (rc == 0)
		rc = db_bind_time(st, 4, now);
	if (rc == 0)
		rc = db_bind_text(st, 5, n->host);
	if (rc == 0)
		rc = db_bind_int(st, 6, n->pid);
	if (rc == 0)
		rc = store_step_done(st);
	db_finalize(st);
	if (rc != 0 || db_changes(db) == 1)
		return rc;
	/* a first beat (the caller's transaction keeps another from racing it) */
	st = NULL;
	rc = db_prepare(db,
		"INSERT INTO cluster_nodes (host, pid, role, version, started,"
		" heartbeat) VALUES (?, ?, ?, ?, ?, ?)",
		&st);
	if (rc == 0)
		rc = db_bind_text(st, 1, n->host);
	if (rc == 0)
		rc = db_bind_int(st, 2, n->pid);
	if (rc == 0)
		rc = db_bind_text(st, 3, n->role);
	if (rc == 0)
		rc = db_bind_text(st, 4, n->version);
	if (rc == 0)
		rc = db_bind_time(st, 5, n->started);
	if (rc == 0)
		rc = db_bind_time(st, 6, now);
	if (rc == 0)
		rc = store_step_done(st);
	db_finalize(st);
	return rc;
}

int
store_node_pass(db_t *db, const char *host, int64_t pid, time_t started, time_t finished,
	const char *outcome)
{
	db_stmt_t *st = NULL;
	int rc;

	if (host == NULL)
		return E_INVAL;
	rc = db_prepare(db,
		"UPDATE cluster_nodes SET pass_started = ?, pass_finished = ?,"
		" pass_outcome = ? WHERE host = ? AND pid = ?",
		&st);
	if (rc == 0)
		rc = bind_time_or_null(st, 1, started);
	if (rc == 0)
		rc = bind_time_or_null(st, 2, finished);
	if (rc == 0)
		rc = db_bind_text(st, 3, outcome);
	if (rc == 0)
		rc = db_bind_text(st, 4, host);
	if (rc == 0)
		rc = db_bind_int(st, 5, pid);
	if (rc == 0)
		rc = store_step_done(st);
	if (rc == 0 && db_changes(db) != 1)
		rc = E_NOTFOUND;
	db_finalize(st);
	return rc;
}

static void
node_clear(void *elem)
{
	struct store_node *n = elem;

	free(n->host);
	free(n->role);
	free(n->version);
	free(n->pass_outcome);
}

void
store_node_free_array(struct store_node *v, size_t n)
{
	store_free_array(v, n, sizeof(*v), node_clear);
}

static int
node_from_row(db_stmt_t *st, void *elem, const void *ctx)
{
	struct store_node *n = elem;
	int rc;

	(void)ctx;
	n->pid = db_column_int(st, 1);
	n->started = store_column_time0(st, 4);
	n->heartbeat = store_column_time0(st, 5);
	n->pass_started = store_column_time0(st, 6);
	n->pass_finished = store_column_time0(st, 7);
	rc = store_column_strdup(st, 0, &n->host);
	if (rc == 0)
		rc = store_column_strdup(st, 2, &n->role);
	if (rc == 0)
		rc = store_column_strdup(st, 3, &n->version);
	if (rc == 0)
		rc = store_column_strdup(st, 8, &n->pass_outcome);
	return rc;
}

/* Byte order of host names (collations differ between engines), then pid. */
static int
node_cmp(const void *a, const void *b)
{
	const struct store_node *x = a, *y = b;
	int c = strcmp(x->host, y->host);

	if (c != 0)
		return c;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int
store_node_list(db_t *db, struct store_node **out, size_t *n)
{
	db_stmt_t *st = NULL;
	void *rows = NULL;
	int rc;

	if (out == NULL || n == NULL)
		return E_INVAL;
	rc = db_prepare(db,
		"SELECT host, pid, role, version, started, heartbeat, pass_started,"
		" pass_finished, pass_outcome FROM cluster_nodes",
		&st);
	if (rc == 0)
		rc = store_rows(
			st, sizeof(**out), node_from_row, NULL, node_clear, node_cmp, &rows, n);
	if (rc == 0)
		*out = rows;
	db_finalize(st);
	return rc;
}

int
store_cluster_read(db_t *db, struct store_cluster *out)
{
	int rc;

	store_cluster_clear(out);
	rc = store_cluster_leader(db, &out->leader);
	if (rc == 0)
		rc = store_node_list(db, &out->nodes, &out->n);
	for (size_t i = 0; rc == 0 && i < out->n && out->leader.node != NULL; i++) {
		char name[300];

		store_node_name(out->nodes[i].host, out->nodes[i].pid, name, sizeof(name));
		if (strcmp(name, out->leader.node) == 0)
			out->lead = &out->nodes[i];
	}
	return rc;
}

void
store_cluster_clear(struct store_cluster *c)
{
	if (c == NULL)
		return;
	store_leader_clear(&c->leader);
	store_node_free_array(c->nodes, c->n);
	memset(c, 0, sizeof(*c));
}
