#!/bin/bash
# mysql-server.sh - a throw-away MariaDB server for the tests.
#
#   mysql-server.sh start DIR   mariadb-install-db in DIR/my, start mariadbd on
#                               127.0.0.1 (first free port from $MYSQL_TEST_PORT,
#                               default 53306), create database kasp and user
#                               ods (password ods) with every privilege on kasp
#                               and on the test databases kt_* and kc_*, then
#                               print shell assignments for eval:
#                                 ODS_TEST_MYSQL='host=127.0.0.1 port=P dbname=kasp user=ods password=ods'
#                                 ODS_TEST_MYSQL_PID=N
#                                 ODS_TEST_MYSQL_SOCKET=DIR/my/sock   (root, unix_socket auth)
#                               They are also kept in DIR/my/env.
#   mysql-server.sh stop DIR    stop that server by its PID and wait for it.
#   mysql-server.sh restart DIR start the server of DIR again after a stop,
#                               with the same options and port.
#
# TLS: with TEST_TLS_CERT and TEST_TLS_KEY naming a PEM server certificate
# and its key (and optionally TEST_TLS_CA, the CA that client certificates
# must chain to), the server gets copies of them, DIR/my/tls/server.crt,
# server.key (mode 0600) and ca.crt, as ssl-cert, ssl-key and ssl-ca.
# Overwrite those copies and run FLUSH SSL to change certificates while it
# runs. Without them, no TLS.
#
# Replication: with TEST_MYSQL_SERVER_ID=N the server writes a binary log
# (DIR/my/binlog, row format) under server id N, so that another one can
# replicate from it (CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos) or it
# from another; without it, no binary log.
#
# Every tool runs with --no-defaults, so /etc/mysql is never read, and the
# data directory, socket and logs live in DIR/my: a system MariaDB is never
# touched. The server's character set is utf8mb4 and its time zone UTC.
set -eu

die() { echo "mysql-server.sh: $*" >&2; exit 1; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

MARIADBD=$(command -v mariadbd || true)
[ -n "$MARIADBD" ] || [ ! -x /usr/sbin/mariadbd ] || MARIADBD=/usr/sbin/mariadbd

# run_server : mariadbd with the options in args, in the background, until
# it answers (0, pid set) or has exited (1); dies when it hangs for 60 s
run_server() {
	"$MARIADBD" "${args[@]}" < /dev/null > "$my/stdout.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 600); do
		if mariadb-admin --no-defaults --socket="$my/sock" -uroot ping > /dev/null 2>&1; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		cat "$my/error.log" >&2 || true
		die "mariadbd did not answer within 60 s"
	fi
	wait "$pid" 2>/dev/null || true
	return 1
}

start() {
	dir=$1
	[ -n "$MARIADBD" ] || die "no mariadbd (Debian: mariadb-server)"
	command -v mariadb-install-db > /dev/null || die "no mariadb-install-db (Debian: mariadb-server)"
	mkdir -p "$dir"
	my=$dir/my
	[ ! -e "$my" ] || die "$my exists already"
	mkdir -m 700 "$my" "$my/tmp"
	user=()
	[ "$(id -u)" -ne 0 ] || user=(--user=root)
	mariadb-install-db --no-defaults "${user[@]}" --datadir="$my/data" \
		--auth-root-authentication-method=socket --skip-test-db > "$my/install.log" 2>&1 ||
		{ cat "$my/install.log" >&2; die "mariadb-install-db failed"; }
	tls=()
	if [ -n "${TEST_TLS_CERT:-}" ] || [ -n "${TEST_TLS_KEY:-}" ]; then
		[ -r "${TEST_TLS_CERT:-}" ] && [ -r "${TEST_TLS_KEY:-}" ] ||
			die "TEST_TLS_CERT and TEST_TLS_KEY must both name readable files"
		mkdir -m 700 "$my/tls"
		cp "$TEST_TLS_CERT" "$my/tls/server.crt"
		(umask 077 && cp "$TEST_TLS_KEY" "$my/tls/server.key")
		chmod 600 "$my/tls/server.key"
		tls=(--ssl-cert="$my/tls/server.crt" --ssl-key="$my/tls/server.key")
		if [ -n "${TEST_TLS_CA:-}" ]; then
			cp "$TEST_TLS_CA" "$my/tls/ca.crt"
			tls+=(--ssl-ca="$my/tls/ca.crt")
		fi
	fi
	binlog=(--skip-log-bin)
	if [ -n "${TEST_MYSQL_SERVER_ID:-}" ]; then
		binlog=(--log-bin="$my/binlog" --server-id="$TEST_MYSQL_SERVER_ID" --binlog-format=ROW)
	fi
	port=${MYSQL_TEST_PORT:-53306}
	tries=0
	pid=
	while :; do
		tries=$((tries + 1))
		[ $tries -le 30 ] || die "no free port found for MariaDB"
		if port_busy "$port"; then
			port=$((port + 1))
			continue
		fi
		# its own temporary directory: nothing else in /tmp touches its files
		args=(--no-defaults "${user[@]}" --datadir="$my/data" --socket="$my/sock" --tmpdir="$my/tmp"
			--pid-file="$my/mariadbd.pid" --log-error="$my/error.log"
			--skip-networking=0 --bind-address=127.0.0.1 --port="$port" "${binlog[@]}"
			--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0
			--innodb-buffer-pool-size=64M --max-connections=300
			--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
			--default-time-zone=+00:00 "${tls[@]}")
		if run_server; then
			# for restart: the same options, the same port
			printf '%s\n' "${args[@]}" > "$my/args"
			break
		fi
		if ! grep -q 'Address already in use\|Can.t start server: Bind' "$my/error.log" 2>/dev/null; then
			cat "$my/error.log" >&2 || true
			die "mariadbd failed to start"
		fi
		port=$((port + 1))
	done
	echo "$pid" > "$my/pid"
	mariadb --no-defaults --socket="$my/sock" -uroot > "$my/client.log" 2>&1 <<'SQL' ||
CREATE DATABASE kasp;
CREATE USER 'ods'@'127.0.0.1' IDENTIFIED BY 'ods';
CREATE USER 'ods'@'localhost' IDENTIFIED BY 'ods';
GRANT ALL ON kasp.* TO 'ods'@'127.0.0.1';
GRANT ALL ON kasp.* TO 'ods'@'localhost';
GRANT ALL ON `kt\_%`.* TO 'ods'@'127.0.0.1';
GRANT ALL ON `kt\_%`.* TO 'ods'@'localhost';
GRANT ALL ON `kc\_%`.* TO 'ods'@'127.0.0.1';
GRANT ALL ON `kc\_%`.* TO 'ods'@'localhost';
GRANT PROCESS ON *.* TO 'ods'@'127.0.0.1';
GRANT PROCESS ON *.* TO 'ods'@'localhost';
SQL
		{ cat "$my/client.log" >&2; stop "$dir"; die "cannot create user and database"; }
	cat > "$my/env" <<EOF
ODS_TEST_MYSQL='host=127.0.0.1 port=$port dbname=kasp user=ods password=ods'; export ODS_TEST_MYSQL
ODS_TEST_MYSQL_PID=$pid; export ODS_TEST_MYSQL_PID
ODS_TEST_MYSQL_SOCKET='$my/sock'; export ODS_TEST_MYSQL_SOCKET
EOF
	cat "$my/env"
}

stop() {
	my=$1/my
	[ -r "$my/pid" ] || return 0
	pid=$(cat "$my/pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 300); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$my/pid"
}

# restart DIR : start the stopped server of DIR again, as it was (port included)
restart() {
	my=$1/my
	[ -r "$my/args" ] || die "$1: no server of mysql-server.sh was started there"
	[ ! -r "$my/pid" ] || ! kill -0 "$(cat "$my/pid")" 2>/dev/null || die "$1: the server runs"
	mapfile -t args < "$my/args"
	run_server || { cat "$my/error.log" >&2; die "mariadbd failed to start again"; }
	echo "$pid" > "$my/pid"
}

case ${1:-} in
start) [ $# -eq 2 ] || die "usage: mysql-server.sh start DIR"; start "$2" ;;
stop) [ $# -eq 2 ] || die "usage: mysql-server.sh stop DIR"; stop "$2" ;;
restart) [ $# -eq 2 ] || die "usage: mysql-server.sh restart DIR"; restart "$2" ;;
*) die "usage: mysql-server.sh start|stop|restart DIR" ;;
esac
