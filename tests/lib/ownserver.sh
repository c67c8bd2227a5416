# ownserver.sh - for tests that start database servers of their own with
# tests/lib/pgsql-server.sh and mysql-server.sh (sourced after tap.sh).
#
#   have_pgsql_server      0 when this build has the PostgreSQL driver and
#                          the machine the server binaries (pg_basebackup
#                          included)
#   have_mariadb_server    the same for MariaDB
#   own_server_dir         S: a new temporary directory for the servers,
#                          mode 755 (the postgres user must pass through)

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

own_server_dir() {
	S=$(mktemp -d "${TMPDIR:-/tmp}/kasp-servers.XXXXXX") || exit 1
	chmod 755 "$S"
}
