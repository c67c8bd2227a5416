#!/bin/sh
# pgsql-standby.sh - a disaster-recovery site on a PostgreSQL hot standby:
# a primary and a standby streaming from it (pg_basebackup -R), both
# started here (tests/lib/pgsql-server.sh), then the checks of
# tests/lib/replica-site.sh, ending with pg_ctl promote. Skipped without
# the PostgreSQL server binaries or driver. TAP output.
. "$top_srcdir/tests/lib/tap.sh"
: "${top_builddir:?top_builddir not set}"

. "$top_srcdir/tests/lib/ownserver.sh"
have_pgsql_server || skip_all "no PostgreSQL server binaries (or driver) here"

own_server_dir
stop_servers() {
	bash "$top_srcdir/tests/lib/pgsql-server.sh" stop "$S/r" > /dev/null 2>&1
	bash "$top_srcdir/tests/lib/pgsql-server.sh" stop "$S/p" > /dev/null 2>&1
	rm -rf "$S"
}
trap stop_servers EXIT
trap 'exit 1' INT TERM HUP

PGSQL_TEST_PORT=55730 bash "$top_srcdir/tests/lib/pgsql-server.sh" start "$S/p" > "$S/p.env" 2> "$S/p.log" ||
	{ echo "Bail out! cannot start the primary: $(cat "$S/p.log")"; exit 1; }
PGSQL_TEST_PORT=55740 bash "$top_srcdir/tests/lib/pgsql-server.sh" standby "$S/r" "$S/p" > "$S/r.env" 2> "$S/r.log" ||
	{ echo "Bail out! cannot start the standby: $(cat "$S/r.log")"; exit 1; }
REPLICA_PORT=$(cat "$S/r/pg/port")
. "$S/p.env"

promote_replica() {
	bash "$top_srcdir/tests/lib/pgsql-server.sh" promote "$S/r" > "$S/promote.log" 2>&1
	is "$?" 0 "pg_ctl promote"
}

# database backup writes pg_dump's custom format
backup_text() {
	pg_restore -f - "$1"
}

ODS_TEST_BACKEND=pgsql
export ODS_TEST_BACKEND
. "$top_srcdir/tests/lib/replica-site.sh"
