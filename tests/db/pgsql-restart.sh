#!/bin/sh
# pgsql-restart.sh - tests/lib/server-restart.sh on a PostgreSQL server of
# its own (tests/lib/pgsql-server.sh: stop, then restart on the same port).
# Skipped without the PostgreSQL server binaries or driver. TAP output.
. "$top_srcdir/tests/lib/tap.sh"
: "${top_builddir:?top_builddir not set}"

. "$top_srcdir/tests/lib/ownserver.sh"
have_pgsql_server || skip_all "no PostgreSQL server binaries (or driver) here"

own_servers pgsql
own_start p 55750
. "$S/p.env"

server_stop() {
	server stop p
}
server_start() {
	server restart p
}

ODS_TEST_BACKEND=pgsql
export ODS_TEST_BACKEND
. "$top_srcdir/tests/lib/server-restart.sh"
