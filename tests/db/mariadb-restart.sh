#!/bin/sh
# mariadb-restart.sh - tests/lib/server-restart.sh on a MariaDB server of
# its own (tests/lib/mysql-server.sh: stop, then restart on the same port).
# Skipped without the MariaDB server binaries or driver. TAP output.
. "$top_srcdir/tests/lib/tap.sh"
: "${top_builddir:?top_builddir not set}"

. "$top_srcdir/tests/lib/ownserver.sh"
have_mariadb_server || skip_all "no MariaDB server binaries (or driver) here"

own_servers mysql
own_start p 53750
. "$S/p.env"

server_stop() {
	server stop p
}
server_start() {
	server restart p
}

ODS_TEST_BACKEND=mysql
export ODS_TEST_BACKEND
. "$top_srcdir/tests/lib/server-restart.sh"
