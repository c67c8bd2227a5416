#!/bin/bash
# pgsql-server.sh - a throw-away PostgreSQL server for the tests.
#
#   pgsql-server.sh start DIR   initdb in DIR/pg, start the server on 127.0.0.1
#                               (first free port from $PGSQL_TEST_PORT, default
#                               55432), create role ods (password ods, CREATEDB)
#                               and database kasp owned by it, then print shell
#                               assignments for eval:
#                                 ODS_TEST_PGSQL='host=127.0.0.1 port=P dbname=kasp user=ods password=ods'
#                                 ODS_TEST_PGSQL_PID=N   (the postmaster)
#                               They are also kept in DIR/pg/env.
#   pgsql-server.sh stop DIR    stop that server by its PID and wait for it.
#   pgsql-server.sh standby DIR PRIMARY_DIR
#                               a hot standby of the server started in
#                               PRIMARY_DIR: pg_basebackup -R of it into DIR/pg,
#                               streaming from it, started on the next free
#                               port; prints the same assignments (its
#                               ODS_TEST_PGSQL names the standby).
#   pgsql-server.sh promote DIR make the standby in DIR a primary (pg_ctl promote).
#   pgsql-server.sh restart DIR start the server of DIR again after a stop,
#                               with the same options and port.
#
# TLS: with TEST_TLS_CERT and TEST_TLS_KEY naming a PEM server certificate
# and its key (and optionally TEST_TLS_CA, the CA that client certificates
# must chain to), the server runs with ssl=on and copies of them, in
# DIR/pg/tls/server.crt, server.key (mode 0600, owned by the server's
# user) and ca.crt. Overwrite those copies and send the postmaster SIGHUP
# to change certificates while it runs. Without them, no TLS.
#
# Data directory, socket and log all live in DIR/pg; the system cluster
# (15/main, port 5432) is never touched. As root, the server runs as the
# postgres user, so DIR and its parents must be traversable by it (the
# script makes DIR mode 755). The connection string is libpq's key=value
# form; tests/db/dbtest.c and tests/lib/cliutil.sh read it.
set -eu

PGBIN=${PGBIN:-}
if [ -z "$PGBIN" ]; then
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && PGBIN=$d
	done
fi

die() { echo "pgsql-server.sh: $*" >&2; exit 1; }

# as_pg CMD... : run as the postgres user when we are root (initdb refuses root)
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# new_pg_dir DIR : DIR (mode 755, for the postgres user to pass) and a new
# DIR/pg of the server's user, mode 700; sets pg
new_pg_dir() {
	mkdir -p "$1"
	chmod 755 "$1"
	pg=$1/pg
	[ ! -e "$pg" ] || die "$pg exists already"
	mkdir -m 700 "$pg"
	[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pg"
}

# launch PG TLS_OPTS : start the server of PG/data on the first free port
# from $PGSQL_TEST_PORT; sets port
launch() {
	pg=$1
	tls_opts=$2
	port=${PGSQL_TEST_PORT:-55432}
	tries=0
	while :; do
		tries=$((tries + 1))
		[ $tries -le 30 ] || die "no free port found for PostgreSQL"
		if port_busy "$port"; then
			port=$((port + 1))
			continue
		fi
		# autovacuum off: the tests drop their databases WITH (FORCE), which
		# may not terminate an autovacuum worker (a superuser process) that
		# happens to be visiting a freshly written database. The options are
		# one line for pg_ctl: a newline would cut them short.
		opts="-c listen_addresses=127.0.0.1 -p $port -k $pg -c fsync=off \
			-c full_page_writes=off -c synchronous_commit=off -c max_connections=200 \
			-c autovacuum=off $tls_opts"
		if as_pg "$PGBIN/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 -o "$opts" \
			start > "$pg/pg_ctl.log" 2>&1; then
			# for restart: the same options, the same port
			printf '%s\n' "$opts" > "$pg/opts"
			break
		fi
		# lost a race for the port, or a real failure: the log says which
		if ! grep -q 'could not bind\|Address already in use' "$pg/server.log" 2>/dev/null; then
			cat "$pg/pg_ctl.log" "$pg/server.log" >&2 || true
			die "pg_ctl start failed"
		fi
		port=$((port + 1))
	done
}

start() {
	dir=$1
	[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || die "no PostgreSQL server binaries (Debian: postgresql-15)"
	new_pg_dir "$dir"
	printf 'ods-test-admin\n' > "$pg/pw"
	[ "$(id -u)" -ne 0 ] || chown postgres "$pg/pw"
	as_pg "$PGBIN/initdb" -D "$pg/data" -U postgres --pwfile="$pg/pw" \
		--auth-local=peer --auth-host=scram-sha-256 --no-sync -E UTF8 --locale=C.UTF-8 \
		> "$pg/initdb.log" 2>&1 || { cat "$pg/initdb.log" >&2; die "initdb failed"; }
	if [ "$(id -u)" -ne 0 ]; then
		# peer auth maps the OS user to a role of the same name; trust the socket instead
		sed -i 's/^local\(.*\)peer$/local\1trust/' "$pg/data/pg_hba.conf"
	fi
	tls_opts=
	if [ -n "${TEST_TLS_CERT:-}" ] || [ -n "${TEST_TLS_KEY:-}" ]; then
		[ -r "${TEST_TLS_CERT:-}" ] && [ -r "${TEST_TLS_KEY:-}" ] ||
			die "TEST_TLS_CERT and TEST_TLS_KEY must both name readable files"
		case $pg in *[!A-Za-z0-9_./-]*) die "$pg: TLS needs a path without blanks" ;; esac
		mkdir -m 700 "$pg/tls"
		cp "$TEST_TLS_CERT" "$pg/tls/server.crt"
		(umask 077 && cp "$TEST_TLS_KEY" "$pg/tls/server.key")
		chmod 600 "$pg/tls/server.key"
		tls_opts="-c ssl=on -c ssl_cert_file=$pg/tls/server.crt -c ssl_key_file=$pg/tls/server.key"
		if [ -n "${TEST_TLS_CA:-}" ]; then
			cp "$TEST_TLS_CA" "$pg/tls/ca.crt"
			tls_opts="$tls_opts -c ssl_ca_file=$pg/tls/ca.crt"
		fi
		[ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$pg/tls"
	fi
	launch "$pg" "$tls_opts"
	pid=$(head -1 "$pg/data/postmaster.pid")
	echo "$pid" > "$pg/pid"
	as_pg "$PGBIN/psql" -X -h "$pg" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
		-c "CREATE ROLE ods LOGIN CREATEDB PASSWORD 'ods'" \
		-c "CREATE DATABASE kasp OWNER ods" > "$pg/psql.log" 2>&1 ||
		{ cat "$pg/psql.log" >&2; stop "$dir"; die "cannot create role and database"; }
	write_env "$pg"
}

# write_env PG : PG/env and PG/port for the server just started, and print them
write_env() {
	echo "$port" > "$1/port"
	cat > "$1/env" <<EOF
ODS_TEST_PGSQL='host=127.0.0.1 port=$port dbname=kasp user=ods password=ods'; export ODS_TEST_PGSQL
ODS_TEST_PGSQL_PID=$pid; export ODS_TEST_PGSQL_PID
EOF
	cat "$1/env"
}

standby() {
	dir=$1
	from=$2/pg
	[ -r "$from/port" ] || die "$2: no server of pgsql-server.sh runs there"
	new_pg_dir "$dir"
	# over the primary's socket, as its superuser (peer, or trust when not root);
	# -c fast: a checkpoint now, not one spread over minutes
	as_pg "$PGBIN/pg_basebackup" -h "$from" -p "$(cat "$from/port")" -U postgres \
		-D "$pg/data" -R -X stream -c fast --no-sync > "$pg/basebackup.log" 2>&1 ||
		{ cat "$pg/basebackup.log" >&2; die "pg_basebackup failed"; }
	# the standby reaches its primary by TCP (the socket directory is the primary's)
	printf "primary_conninfo = 'host=127.0.0.1 port=%s user=postgres password=ods-test-admin'\n" \
		"$(cat "$from/port")" >> "$pg/data/postgresql.auto.conf"
	launch "$pg" ""
	pid=$(head -1 "$pg/data/postmaster.pid")
	echo "$pid" > "$pg/pid"
	write_env "$pg"
}

# restart DIR : start the stopped server of DIR again, as it was (port included)
restart() {
	pg=$1/pg
	[ -r "$pg/opts" ] || die "$1: no server of pgsql-server.sh was started there"
	[ ! -r "$pg/pid" ] || ! kill -0 "$(cat "$pg/pid")" 2>/dev/null || die "$1: the server runs"
	as_pg "$PGBIN/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 -o "$(cat "$pg/opts")" \
		start > "$pg/pg_ctl.log" 2>&1 || { cat "$pg/pg_ctl.log" >&2; die "pg_ctl start failed"; }
	head -1 "$pg/data/postmaster.pid" > "$pg/pid"
}

promote() {
	pg=$1/pg
	[ -r "$pg/pid" ] || die "$1: no server of pgsql-server.sh runs there"
	as_pg "$PGBIN/pg_ctl" -D "$pg/data" -w -t 60 promote > "$pg/promote.log" 2>&1 ||
		{ cat "$pg/promote.log" >&2; die "pg_ctl promote failed"; }
}

stop() {
	pg=$1/pg
	[ -r "$pg/pid" ] || return 0
	pid=$(cat "$pg/pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid" 2>/dev/null || true
		for _ in $(seq 1 300); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pg/pid"
}

case ${1:-} in
start) [ $# -eq 2 ] || die "usage: pgsql-server.sh start DIR"; start "$2" ;;
stop) [ $# -eq 2 ] || die "usage: pgsql-server.sh stop DIR"; stop "$2" ;;
standby) [ $# -eq 3 ] || die "usage: pgsql-server.sh standby DIR PRIMARY_DIR"; standby "$2" "$3" ;;
promote) [ $# -eq 2 ] || die "usage: pgsql-server.sh promote DIR"; promote "$2" ;;
restart) [ $# -eq 2 ] || die "usage: pgsql-server.sh restart DIR"; restart "$2" ;;
*) die "usage: pgsql-server.sh start|stop|restart|promote DIR, or standby DIR PRIMARY_DIR" ;;
esac
