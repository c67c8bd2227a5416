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

own_servers pgsql
own_start p 55730
own_start r 55740 standby "$S/p"
REPLICA_PORT=$(cat "$S/r/pg/port")
. "$S/p.env"

promote_replica() {
	server promote r > "$S/promote.log" 2>&1
	is "$?" 0 "pg_ctl promote"
}

# database backup writes pg_dump's custom format
backup_text() {
	pg_restore -f - "$1"
}

ODS_TEST_BACKEND=pgsql
export ODS_TEST_BACKEND
. "$top_srcdir/tests/lib/replica-site.sh"
