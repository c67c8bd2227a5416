# cliutil.sh - set-up shared by the ods-ksmutil CLI tests (sourced after tap.sh).
#
# Gives each test file a fresh directory $T holding conf.xml, kasp.xml and
# zonelist.xml that point at a fresh database, and a function `ksm` that
# runs the built ods-ksmutil with that config, capturing stdout in $out,
# stderr in $err and the exit status in $rc.
#
# The database engine is $ODS_TEST_BACKEND (sqlite when unset):
#   sqlite  the file $DB in $T
#   pgsql   a database kc_<pid>_<n> created on the server $ODS_TEST_PGSQL names
#   mysql   the same on the server $ODS_TEST_MYSQL names
# (connection strings as tests/lib/pgsql-server.sh and mysql-server.sh print
# them). A server database is dropped when the test file exits. Without the
# server's variable the test file is skipped. $DATASTORE is the conf.xml
# <Datastore> content for it; $DB_BACKEND the backend name. $DB is the SQLite
# file, and empty on the servers: tests of SQLite files check
# `[ "$DB_BACKEND" = sqlite ]` first.

: "${top_builddir:?top_builddir not set}"
: "${top_srcdir:?top_srcdir not set}"
. "$top_srcdir/tests/lib/wait.sh"    # wait_until, comm_is, wait_comm

KSMUTIL="$top_builddir/ods-ksmutil"
DB_BACKEND=${ODS_TEST_BACKEND:-sqlite}
T=$(mktemp -d "${TMPDIR:-/tmp}/ksmcli.XXXXXX")
DB=
DB_NAME=

# _conn_get CONNINFO KEY : the value of KEY in a "key=value ..." string
_conn_get() {
	printf '%s\n' "$1" | tr ' ;' '\n\n' | sed -n "s/^$2=//p" | head -1
}

# _server_sql DATABASE STATEMENT : run SQL on DATABASE of the test server, rows on stdout
_server_sql() {
	case $DB_BACKEND in
	pgsql)
		# from stdin rather than -c, so that every statement's rows are shown
		printf '%s\n' "$2" | PGPASSWORD=$_db_pass PGCONNECT_TIMEOUT=10 psql -X -q -A -t -F'|' \
			-v ON_ERROR_STOP=1 -h "$_db_host" -p "$_db_port" -U "$_db_user" -d "$1" -f -
		;;
	mysql)
		# batch output is tab-separated with NULL spelled out; make it
		# look like the sqlite3 shell's: '|' between fields, NULL empty
		MYSQL_PWD=$_db_pass mariadb --no-defaults --batch --raw --skip-column-names \
			--connect-timeout=10 -h "$_db_host" -P "$_db_port" -u "$_db_user" -D "$1" \
			-e "$2" | awk -F '\t' -v OFS='|' '{ for (i = 1; i <= NF; i++) if ($i == "NULL") $i = ""; $1 = $1; print }'
		;;
	esac
}


_cli_cleanup() {
	if [ -n "$DB_NAME" ]; then
		case $DB_BACKEND in
		pgsql) _server_sql "$_db_admin" "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" ;;
		mysql) _server_sql "$_db_admin" "DROP DATABASE IF EXISTS $DB_NAME" ;;
		esac > /dev/null 2>&1
	fi
	rm -rf "$T"
}
trap _cli_cleanup EXIT

case $DB_BACKEND in
sqlite)
	DB="$T/kasp.db"
	DATASTORE="<SQLite>$DB</SQLite>"
	;;
pgsql|mysql)
	if [ "$DB_BACKEND" = pgsql ]; then
		_conn=${ODS_TEST_PGSQL:-}
		_tag=PostgreSQL
		_port_default=5432
	else
		_conn=${ODS_TEST_MYSQL:-}
		_tag=MySQL
		_port_default=3306
	fi
	[ -n "$_conn" ] || skip_all "backend $DB_BACKEND: no server configured (ODS_TEST_$(echo "$DB_BACKEND" | tr a-z A-Z))"
	_db_host=$(_conn_get "$_conn" host)
	_db_port=$(_conn_get "$_conn" port)
	_db_user=$(_conn_get "$_conn" user)
	_db_pass=$(_conn_get "$_conn" password)
	_db_admin=$(_conn_get "$_conn" dbname)
	: "${_db_host:=127.0.0.1}" "${_db_port:=$_port_default}"
	DB_NAME=kc_$$_$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	if ! _server_sql "$_db_admin" "CREATE DATABASE $DB_NAME" > "$T/create.log" 2>&1; then
		echo "Bail out! cannot create database $DB_NAME: $(cat "$T/create.log")"
		DB_NAME=
		exit 1
	fi
	DATASTORE="<$_tag><Host port=\"$_db_port\">$_db_host</Host><Database>$DB_NAME</Database><Username>$_db_user</Username><Password>$_db_pass</Password></$_tag>"
	;;
*)
	echo "Bail out! ODS_TEST_BACKEND=$DB_BACKEND: expected sqlite, pgsql or mysql"
	exit 1
	;;
esac

# The schema version this build migrates to: the highest NNNN of migrations/.
MIGRATION_LATEST=$(ls "$top_srcdir/migrations" | sed -n 's/^\([0-9][0-9][0-9][0-9]\)_.*\.sql$/\1/p' |
	sort -u | tail -1 | sed 's/^0*//')

# write_conf FILE [DATASTORE_XML]
write_conf() {
	_ds=${2:-$DATASTORE}
	cat > "$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Configuration>
	<RepositoryList>
		<Repository name="SoftHSM">
			<Module>/usr/lib/softhsm/libsofthsm2.so</Module>
			<TokenLabel>OpenDNSSEC</TokenLabel>
			<PIN>1234</PIN>
		</Repository>
	</RepositoryList>
	<Common>
		<Logging><Syslog><Facility>local0</Facility></Syslog></Logging>
		<PolicyFile>$T/kasp.xml</PolicyFile>
		<ZoneListFile>$T/zonelist.xml</ZoneListFile>
	</Common>
	<Enforcer>
		<Datastore>$_ds</Datastore>
		<Interval>PT3600S</Interval>
		<PidFile>$T/enforcerd.pid</PidFile>
	</Enforcer>
</Configuration>
XML
}

write_conf "$T/conf.xml"
cp "$top_srcdir/contrib/kasp.xml" "$T/kasp.xml"
cp "$top_srcdir/contrib/zonelist.xml" "$T/zonelist.xml"

# ksm ARGS... : run ods-ksmutil -c $T/conf.xml ARGS with stdin from $KSM_STDIN (default empty)
ksm() {
	out=$("$KSMUTIL" -c "$T/conf.xml" "$@" < "${KSM_STDIN:-/dev/null}" 2> "$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}

# ksm_raw ARGS... : as ksm, without adding -c
ksm_raw() {
	out=$("$KSMUTIL" "$@" < "${KSM_STDIN:-/dev/null}" 2> "$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}

# fingerprint FILE : content hash, or "absent"
fingerprint() {
	if [ -e "$1" ]; then sha256sum < "$1" | cut -d' ' -f1; else echo absent; fi
}

# sql DBFILE STATEMENT : run one statement with the sqlite3 shell (test inspection only)
sql() {
	sqlite3 -batch -noheader "$1" "$2"
}

# Backend-neutral helpers for tests that must run on every database engine.

# db_sql STATEMENT : run SQL against the test database, print the rows
# ('|' between fields, NULL as nothing, as the sqlite3 shell prints them)
db_sql() {
	if [ "$DB_BACKEND" = sqlite ]; then
		sqlite3 -batch -noheader "$DB" "$1"
	else
		_server_sql "$DB_NAME" "$1"
	fi
}

# db_fingerprint : a hash of the schema and every row of the test database,
# or "absent" when it holds no table (no file, on SQLite). The rows of the
# daemons' own bookkeeping (cluster_leader, cluster_nodes: the leader
# epoch, heartbeats) are left out: they change at every daemon run.
db_fingerprint() {
	case $DB_BACKEND in
	sqlite)
		if [ -e "$DB" ]; then
			sqlite3 -batch "$DB" .dump | sed '/^INSERT INTO "\{0,1\}cluster_/d' |
				sha256sum | cut -d' ' -f1
		else
			echo absent
		fi
		;;
	pgsql)
		_tables=$(_server_sql "$DB_NAME" "SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
			ORDER BY table_name")
		if [ -z "$_tables" ]; then echo absent; return; fi
		{
			# pg_dump 15.14 and later add \restrict lines with a random key
			PGPASSWORD=$_db_pass pg_dump --schema-only --no-owner --no-privileges \
				-h "$_db_host" -p "$_db_port" -U "$_db_user" "$DB_NAME" |
				sed -e '/^\\restrict /d' -e '/^\\unrestrict /d'
			_q=
			for _t in $_tables; do
				case $_t in cluster_*) continue ;; esac
				_q="$_q SELECT '-- $_t'; SELECT x::text FROM $_t x ORDER BY 1;"
			done
			_server_sql "$DB_NAME" "$_q"
		} | sha256sum | cut -d' ' -f1
		;;
	mysql)
		_tables=$(_server_sql "$DB_NAME" "SELECT count(*) FROM information_schema.tables
			WHERE table_schema = DATABASE()")
		if [ "$_tables" = 0 ]; then echo absent; return; fi
		# AUTO_INCREMENT counters move on rolled-back inserts: not content
		MYSQL_PWD=$_db_pass mariadb-dump --no-defaults --skip-dump-date --skip-comments \
			--order-by-primary --skip-extended-insert --single-transaction \
			-h "$_db_host" -P "$_db_port" -u "$_db_user" "$DB_NAME" |
			sed -e 's/ AUTO_INCREMENT=[0-9]*//' -e '/^INSERT INTO `cluster_/d' |
			sha256sum | cut -d' ' -f1
		;;
	esac
}

# setup_with_zones POLICY ZONE... : an empty zonelist.xml, `setup --yes`
# (the test file bails out when it fails), then each ZONE added on POLICY
# with its signconf in $T
setup_with_zones() {
	_policy=$1
	shift
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$T/zonelist.xml"
	ksm setup --yes
	is "$rc" 0 "setup"
	[ "$rc" -eq 0 ] || { echo "Bail out! setup failed: $err"; exit 1; }
	for _z in "$@"; do
		ksm zone add --zone "$_z" --policy "$_policy" --signerconf "$T/$_z.xml"
	done
}
