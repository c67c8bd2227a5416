#!/bin/sh
# pgsql-restart.sh - tests/lib/server-restart.sh on a PostgreSQL server of
# its own (tests/lib/pgsql-server.sh: stop, then restart on the same port).
# Skipped without the PostgreSQL server binaries or driver. TAP output.
. "$top_srcdir/tests/lib/tap.sh"
: "${top_builddir:?top_builddir not set}"

. "$top_srcdir/tests/lib/ownserver.sh"
have_pgsql_server || skip_all "no PostgreSQL server binaries (or driver) here"

own_server_dir
stop_servers() {
	bash "$top_srcdir/tests/lib/pgsql-server.sh" stop "$S/p" > /dev/null 2>&1
	rm -rf "$S"
}
trap stop_servers EXIT
trap 'exit 1' INT TERM HUP

PGSQL_TEST_PORT=55750 bash "$top_srcdir/tests/lib/pgsql-server.sh" start "$S/p" > "$S/p.env" 2> "$S/p.log" ||
	{ echo "Bail out! cannot start the server: $(cat "$S/p.log")"; exit 1; }
. "$S/p.env"

server_stop() {
	bash "$top_srcdir/tests/lib/pgsql-server.sh" stop "$S/p"
}
server_start() {
	bash "$top_srcdir/tests/lib/pgsql-server.sh" restart "$S/p"
}

ODS_TEST_BACKEND=pgsql
export ODS_TEST_BACKEND
. "$top_srcdir/tests/lib/server-restart.sh"
