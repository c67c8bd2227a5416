#!/bin/sh
# mariadb-replica.sh - a disaster-recovery site on a MariaDB replica: a
# primary and a replica with binary logs (tests/lib/mysql-server.sh,
# TEST_MYSQL_SERVER_ID), the replica following the primary by GTID and
# made read_only, then the checks of tests/lib/replica-site.sh, ending
# with the replica promoted (replication stopped, read_only off). Skipped
# without the MariaDB server binaries or driver. TAP output.
. "$top_srcdir/tests/lib/tap.sh"
: "${top_builddir:?top_builddir not set}"

. "$top_srcdir/tests/lib/ownserver.sh"
have_mariadb_server || skip_all "no MariaDB server binaries (or driver) here"

own_servers mysql
export TEST_MYSQL_SERVER_ID
TEST_MYSQL_SERVER_ID=1
own_start p 53730
TEST_MYSQL_SERVER_ID=2
own_start r 53740

# as_root DIR SQL : run SQL as root on the server in DIR (unix socket)
as_root() {
	mariadb --no-defaults --socket="$1/my/sock" -uroot -N -B -e "$2"
}

primary_port=$(sed -n "s/^ODS_TEST_MYSQL='.*port=\([0-9]*\) .*/\1/p" "$S/p.env")
REPLICA_PORT=$(sed -n "s/^ODS_TEST_MYSQL='.*port=\([0-9]*\) .*/\1/p" "$S/r.env")
# Both servers were made alike (database kasp, user ods): the replica
# follows the primary from its position now, read-only for ods.
as_root "$S/p" "CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';
	GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'" > "$S/repl.log" 2>&1 &&
pos=$(as_root "$S/p" "SELECT @@gtid_binlog_pos" 2>> "$S/repl.log") &&
as_root "$S/r" "SET GLOBAL gtid_slave_pos = '$pos';
	CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $primary_port,
		MASTER_USER = 'repl', MASTER_PASSWORD = 'repl', MASTER_USE_GTID = slave_pos;
	START SLAVE; SET GLOBAL read_only = 1" >> "$S/repl.log" 2>&1 ||
	{ echo "Bail out! cannot set up replication: $(cat "$S/repl.log")"; exit 1; }
. "$S/p.env"

promote_replica() {
	as_root "$S/r" "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0" > "$S/promote.log" 2>&1
	is "$?" 0 "replication stopped, read_only off"
}

# database backup writes mariadb-dump's SQL
backup_text() {
	cat "$1"
}

ODS_TEST_BACKEND=mysql
export ODS_TEST_BACKEND
. "$top_srcdir/tests/lib/replica-site.sh"
