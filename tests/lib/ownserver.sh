# ownserver.sh - for tests that start database servers of their own with
# tests/lib/pgsql-server.sh and mysql-server.sh (sourced after tap.sh).
#
#   have_pgsql_server      0 when this build has the PostgreSQL driver and
#                          the machine the server binaries (pg_basebackup
#                          included)
#   have_mariadb_server    the same for MariaDB
#   own_servers ENGINE     pgsql or mysql: S, a new temporary directory for
#                          servers of ENGINE (mode 755: the postgres user
#                          must pass through), and traps that stop every
#                          server in it and remove it at exit (stop_servers)
#   own_start NAME PORT [CMD ARG...]
#                          tests/lib/ENGINE-server.sh start $S/NAME (or CMD
#                          $S/NAME ARG..., e.g. standby "$S/p") on the first
#                          free port from PORT; its assignments in
#                          $S/NAME.env; bails out when it fails
#   server CMD NAME [ARG...]
#                          tests/lib/ENGINE-server.sh CMD $S/NAME ARG...

have_pgsql_server() {
	grep -q '^#define HAVE_PGSQL 1' "$top_builddir/config.h" || return 1
	for _d in /usr/lib/postgresql/*/bin; do
		[ -x "$_d/initdb" ] && [ -x "$_d/pg_basebackup" ] && return 0
	done
	return 1
}

have_mariadb_server() {
	grep -q '^#define HAVE_MYSQL 1' "$top_builddir/config.h" &&
		{ command -v mariadbd > /dev/null || [ -x /usr/sbin/mariadbd ]; } &&
		command -v mariadb-install-db > /dev/null
}

own_servers() {
	_own_script=$top_srcdir/tests/lib/$1-server.sh
	case $1 in
	pgsql) _own_port=PGSQL_TEST_PORT ;;
	*) _own_port=MYSQL_TEST_PORT ;;
	esac
	S=$(mktemp -d "${TMPDIR:-/tmp}/kasp-servers.XXXXXX") || exit 1
	chmod 755 "$S"
	trap stop_servers EXIT
	trap 'exit 1' INT TERM HUP
}

stop_servers() {
	for _d in "$S"/*/; do
		[ -d "$_d" ] && bash "$_own_script" stop "${_d%/}" > /dev/null 2>&1
	done
	rm -rf "$S"
}

server() {
	_cmd=$1 _name=$2
	shift 2
	bash "$_own_script" "$_cmd" "$S/$_name" "$@"
}

own_start() {
	_name=$1 _port=$2
	shift 2
	_cmd=${1:-start}
	[ $# -eq 0 ] || shift
	env "$_own_port=$_port" bash "$_own_script" "$_cmd" "$S/$_name" "$@" > "$S/$_name.env" \
		2> "$S/$_name.log" ||
		{ echo "Bail out! cannot start server $_name: $(cat "$S/$_name.log")"; exit 1; }
}
