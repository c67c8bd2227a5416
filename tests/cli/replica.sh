#!/bin/sh
# Read-only replica mode: with <ReadOnly/> in <Datastore> (a host pointed at
# a replica), or a database the server or file system keeps read-only,
# every command that reads works and prints what it prints against the
# primary, and every command that writes fails before changing anything
# with "database is a read-only replica: <command> needs the primary" and
# exit status 4.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

ksm setup --yes
is "$rc" 0 "setup of the primary"
ksm zone add --zone replica.example --no-xml
is "$rc" 0 "a zone on the primary"

# The same conf.xml with <ReadOnly/> in its Datastore.
write_conf "$T/ro.xml" "$DATASTORE<ReadOnly/>"
cp "$T/zonelist.xml" "$T/zonelist.before"
good=$(db_fingerprint)

# ksm_ro ARGS... : ods-ksmutil with the read-only conf.xml
ksm_ro() {
	ksm_raw -c "$T/ro.xml" "$@"
}

# reads_same ARGS... : exit 0 and the same output as against the primary
reads_same() {
	ksm "$@"
	_want_rc=$rc _want=$out
	ksm_ro "$@"
	is "$rc" "$_want_rc" "read-only: $* exits $_want_rc"
	is "$out" "$_want" "read-only: $* prints what the primary prints"
}

reads_same zone list
reads_same zonelist export
reads_same policy list
reads_same policy export --all
reads_same repository list
reads_same key list --verbose
reads_same key export --all
reads_same rollover list
reads_same backup list
ksm_ro database backup --output "$T/replica-backup"
is "$rc" 0 "read-only: database backup exits 0"
ok $([ -s "$T/replica-backup" ]; echo $?) "read-only: database backup wrote the copy"
ksm_ro database status
is "$rc" 0 "read-only: database status exits 0"
like "$out" '^Read-only: +yes$' "read-only: database status says so"

# refused NAME ARGS... : the one message, exit 4, nothing changed
refused() {
	_name=$1
	shift
	ksm_ro "$@"
	is "$rc" 4 "read-only: $_name exits 4"
	is "$out" "Error: database is a read-only replica: $_name needs the primary" \
		"read-only: $_name gives the one message"
	is "$(db_fingerprint)" "$good" "read-only: $_name changes no row"
	is "$(fingerprint "$T/zonelist.xml")" "$(fingerprint "$T/zonelist.before")" \
		"read-only: $_name leaves zonelist.xml alone"
}

refused "setup" setup --yes
refused "update all" update all
refused "update kasp" update kasp
refused "update zonelist" update zonelist
refused "zone add" zone add --zone new.example
refused "zone delete" zone delete --zone replica.example
refused "zonelist import" zonelist import
refused "policy import" policy import
refused "policy purge" policy purge --yes
refused "key generate" key generate --policy default --interval P1Y
refused "key import" key import --cka_id 0123 --repository SoftHSM --zone replica.example \
	--bits 2048 --algorithm 8 --keystate active --keytype ZSK --time 2026-01-01
refused "key rollover" key rollover --zone replica.example --keytype ZSK
refused "key purge" key purge --zone replica.example
refused "key ksk-retire" key ksk-retire --zone replica.example --keytag 1
refused "key ds-seen" key ds-seen --zone replica.example --keytag 1
refused "key delete" key delete --cka_id 0123 --yes
refused "key orphans" key orphans --delete
refused "backup prepare" backup prepare
refused "backup commit" backup commit
refused "backup rollback" backup rollback
refused "backup done" backup done
refused "database migrate" database migrate

# Words typed in another case still name the command as the manual spells it.
ksm_ro ZONE Add --zone new.example
is "$out" "Error: database is a read-only replica: zone add needs the primary" \
	"read-only: typed \"ZONE Add\" is named zone add"

# A read-only SQLite setup never creates the database file.
if [ "$DB_BACKEND" = sqlite ]; then
	write_conf "$T/ro-new.xml" "<SQLite>$T/new.db</SQLite><ReadOnly/>"
	ksm_raw -c "$T/ro-new.xml" setup --yes
	is "$rc" 4 "read-only: setup of a missing SQLite file exits 4"
	ok $([ ! -e "$T/new.db" ]; echo $?) "read-only: setup created no file"
else
	ok 0 "read-only: setup of a missing SQLite file # SKIP SQLite only"
	ok 0 "read-only: setup created no file # SKIP SQLite only"
fi

# Without <ReadOnly/>: a database the server (PostgreSQL) or the file
# system (SQLite) keeps read-only is refused the same way.
case $DB_BACKEND in
sqlite)
	chmod 0444 "$DB"
	ksm zone add --zone new.example
	is "$rc:$out" "4:Error: database is a read-only replica: zone add needs the primary" \
		"read-only file: zone add refused"
	ksm zone list
	is "$rc" 0 "read-only file: zone list works"
	chmod 0644 "$DB"
	;;
pgsql)
	# set from the admin database: a session in a read-only database cannot undo it
	_server_sql "$_db_admin" "ALTER DATABASE $DB_NAME SET default_transaction_read_only = on"
	ksm zone add --zone new.example
	is "$rc:$out" "4:Error: database is a read-only replica: zone add needs the primary" \
		"read-only server: zone add refused"
	ksm zone list
	is "$rc" 0 "read-only server: zone list works"
	_server_sql "$_db_admin" "ALTER DATABASE $DB_NAME RESET default_transaction_read_only"
	;;
*)
	# read_only is global on a MariaDB server the other tests share
	ok 0 "read-only server: zone add refused # SKIP the test server is shared"
	ok 0 "read-only server: zone list works # SKIP the test server is shared"
	;;
esac
is "$(db_fingerprint)" "$good" "read-only: nothing changed at all"

# Back on the primary, writing works.
ksm zone add --zone new.example --no-xml
is "$rc" 0 "primary: zone add works again"

done_testing
