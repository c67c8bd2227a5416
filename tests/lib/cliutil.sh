# cliutil.sh - set-up shared by the ods-ksmutil CLI tests (sourced after tap.sh).
#
# Gives each test file a fresh directory $T holding conf.xml, kasp.xml and
# zonelist.xml that point at a database in $T, and a function `ksm` that
# runs the built ods-ksmutil with that config, capturing stdout in $out,
# stderr in $err and the exit status in $rc.

: "${top_builddir:?top_builddir not set}"
: "${top_srcdir:?top_srcdir not set}"

KSMUTIL="$top_builddir/ods-ksmutil"
T=$(mktemp -d "${TMPDIR:-/tmp}/ksmcli.XXXXXX")
trap 'rm -rf "$T"' EXIT
DB="$T/kasp.db"

# write_conf FILE [DATASTORE_XML]
write_conf() {
	_ds=${2:-"<SQLite>$DB</SQLite>"}
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
# (SQLite here; the server engines are added with their drivers.)

# db_sql STATEMENT : run one statement against the test database, print the rows
db_sql() {
	sqlite3 -batch -noheader "$DB" "$1"
}

# db_fingerprint : a hash of every row and the schema of the test database
db_fingerprint() {
	if [ -e "$DB" ]; then sqlite3 -batch "$DB" .dump | sha256sum | cut -d' ' -f1; else echo absent; fi
}
