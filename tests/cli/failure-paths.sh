#!/bin/sh
# The failures an operator meets on a bad day, end to end, and what must
# hold after each: one message naming the problem, a non-zero exit (or, for
# the daemon, a pass that says what it skipped), nothing half-written left
# behind, the stored state unchanged, and the next run going on from there.
#
#   1. the HSM token disappears (its store moved away): ods-ksmutil key
#      generate and the daemon's key generation refuse, and the keys come
#      once it is back;
#   2. the disk is full while the daemon writes a signconf: the old file
#      stays whole, no temporary file is left, the signer is not told, and
#      the next pass with room writes it;
#   3. the disk is full while `database backup` writes (the SQLite online
#      backup, pg_dump or mariadb-dump): an error naming the file, no
#      partial backup, the database untouched.
#
# A full disk is a small tmpfs, mounted in a mount namespace of the command
# alone (unshare -m as root, unshare -rm in a user namespace otherwise); where
# neither works those checks are skipped, not passed.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

[ "${TIMESHIFT_BUILT-#}" = "" ] || skip_all "built without --enable-timeshift"
softhsm_test_token
TZ=UTC
export TZ
unset ENFORCER_TIMESHIFT
ENFORCERD="$top_builddir/ods-enforcerd"
SC="$T/signconf"
mkdir -p "$SC"

# An ECDSA P-256 policy (fast key generation) and one zone on it.
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<KASP>'
	sed -n '/<Policy name="default">/,/<\/Policy>/p' "$top_srcdir/contrib/kasp.xml" |
		sed -e 's|<Algorithm length="[0-9]*">8</Algorithm>|<Algorithm length="256">13</Algorithm>|'
	echo '</KASP>'
} > "$T/kasp.xml"
cat > "$T/zonelist.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<ZoneList>
	<Zone name="full.example">
		<Policy>default</Policy>
		<SignerConfiguration>$SC/full.example.xml</SignerConfiguration>
		<Adapters>
			<Input><Adapter type="File">$T/full.example</Adapter></Input>
			<Output><Adapter type="File">$T/full.example.signed</Adapter></Output>
		</Adapters>
	</Zone>
</ZoneList>
XML
# The signer is a script that notes each zone it is told about.
cat > "$T/notify" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >> "$T/notify.log"
EOF
chmod 755 "$T/notify"
sed -i "s|<Interval>PT3600S</Interval>|<Interval>PT3600S</Interval><SignerNotifyCommand>$T/notify %zone</SignerNotifyCommand>|" \
	"$T/conf.xml"
ksm setup --yes
is "$rc" 0 "setup"
[ "$rc" = 0 ] || diag "$out $err"

NOW_S="2026-01-01 00:00:00"
# enf: one daemon run at $NOW_S; $log holds its log lines, $erc its status
enf() {
	: > "$T/notify.log"
	ENFORCER_TIMESHIFT=$NOW_S "$ENFORCERD" -c "$T/conf.xml" -1 -d > "$T/d.out" 2> "$T/d.err" < /dev/null
	erc=$?
	log=$(sed -n 's/^ods-enforcerd: //p' "$T/d.err")
}
nkeys() { db_sql "SELECT COUNT(*) FROM keypairs"; }

# ------------------------------------------------------ 1. the token is gone
mv "$T/hsm/tokens" "$T/hsm/tokens.away"
mkdir "$T/hsm/tokens"
before=$(db_fingerprint)
ENFORCER_TIMESHIFT=$NOW_S ksm key generate --policy default --interval P1Y
[ "$rc" != 0 ]
ok $? "key generate without the token fails"
like "$out" '^Error: token OpenDNSSEC not found in ' "key generate names the missing token"
is "$(db_fingerprint)" "$before" "key generate without the token changes nothing stored"

enf
[ "$erc" != 0 ]
ok $? "the daemon does not start without the token"
like "$log" 'hsm_open\(\) result: token OpenDNSSEC not found in ' "the daemon names the missing token"
is "$(nkeys)" 0 "the daemon stores no key without the token"
[ ! -e "$SC/full.example.xml" ]
ok $? "no signconf is written for a zone without keys"

rm -rf "$T/hsm/tokens"
mv "$T/hsm/tokens.away" "$T/hsm/tokens"
enf
is "$erc" 0 "with the token back the daemon runs cleanly"
[ "$erc" = 0 ] || diag "$log"
[ "$(nkeys)" -gt 0 ]
ok $? "with the token back the daemon generates keys"
[ -s "$SC/full.example.xml" ]
ok $? "and writes the zone's signconf"
is "$(cat "$T/notify.log")" "full.example" "and tells the signer"

# ------------------------------------------------------ full-disk set-up
# in_fullfs DIR SCRIPT: run the sh SCRIPT (with $FS the mount point) in a
# mount namespace where DIR is a fresh 1 MiB tmpfs holding a copy of DIR's
# files, and where a filler file has taken all the room that was left.
in_fullfs() {
	_dir=$1
	shift
	_ns="unshare -m"
	[ "$(id -u)" = 0 ] || _ns="unshare -rm"
	FS=$_dir $_ns sh -c '
		set -e
		tar -C "$FS" -cf - . > "$FS.tar.$$"
		mount -t tmpfs -o size=1m tmpfs "$FS"
		tar -C "$FS" -xf - < "$FS.tar.$$"
		rm -f "$FS.tar.$$"
		dd if=/dev/zero of="$FS/.filler" bs=4k > /dev/null 2>&1 || :
		set +e
		'"$1"
}
fullfs_works=0
in_fullfs "$T/signconf" 'df -k "$FS" | tail -1 | awk "{ exit \$4 != 0 }"' 2> "$T/ns.err" || fullfs_works=1
[ $fullfs_works = 0 ] || diag "no full tmpfs in a mount namespace here: $(cat "$T/ns.err")"

# ------------------------------------------------------ 2. signconf, disk full
if [ $fullfs_works = 0 ]; then
	old=$(fingerprint "$SC/full.example.xml")
	# A manual ZSK rollover changes the signconf on the next pass.
	NOW_S="2026-01-02 00:00:00"
	ENFORCER_TIMESHIFT=$NOW_S ksm key rollover --zone full.example --keytype ZSK
	is "$rc" 0 "key rollover --keytype ZSK"
	[ "$rc" = 0 ] || diag "$out $err"
	: > "$T/notify.log"
	in_fullfs "$SC" '
		ENFORCER_TIMESHIFT="'"$NOW_S"'" "'"$ENFORCERD"'" -c "'"$T/conf.xml"'" -1 -d \
			> "'"$T/d.out"'" 2> "'"$T/d.err"'" < /dev/null
		echo $? > "'"$T/full.rc"'"
		sha256sum < "$FS/full.example.xml" | cut -d" " -f1 > "'"$T/full.sum"'"
		ls -A "$FS" > "'"$T/full.ls"'"
	'
	log=$(sed -n 's/^ods-enforcerd: //p' "$T/d.err")
	like "$log" 'Error writing signconf for full.example' "a full disk: the daemon says the signconf was not written"
	like "$log" 'No space left on device' "a full disk: the daemon names the cause"
	is "$(cat "$T/full.sum")" "$old" "a full disk: the old signconf stays whole"
	is "$(cat "$T/full.ls" | tr '\n' ' ')" ".filler full.example.xml " \
		"a full disk: no temporary file is left beside it"
	is "$(cat "$T/notify.log")" "" "a full disk: the signer is not told of a signconf that was not written"
	# The pass's key work is kept (it is in the database, not in the file):
	# with room again the next pass writes the signconf it owes.
	enf
	is "$erc" 0 "with room again the daemon runs cleanly"
	[ "$(fingerprint "$SC/full.example.xml")" != "$old" ]
	ok $? "with room again the new signconf is written"
	is "$(cat "$T/notify.log")" "full.example" "and the signer is told"
else
	for i in 1 2 3 4 5 6 7 8 9; do
		skip "signconf on a full disk ($i)" "no tmpfs in a mount namespace"
	done
fi

# ------------------------------------------------------ 3. backup, disk full
mkdir -p "$T/backups"
if [ $fullfs_works = 0 ]; then
	before=$(db_fingerprint)
	in_fullfs "$T/backups" '
		"'"$KSMUTIL"'" -c "'"$T/conf.xml"'" database backup --output "$FS/kasp.bak" \
			> "'"$T/b.out"'" 2> "'"$T/b.err"'" < /dev/null
		echo $? > "'"$T/b.rc"'"
		ls -A "$FS" > "'"$T/b.ls"'"
	'
	brc=$(cat "$T/b.rc")
	[ "$brc" != 0 ]
	ok $? "database backup on a full disk fails"
	# SQLite's backup names the file; the dump tools' own words name the cause
	like "$(cat "$T/b.out" "$T/b.err")" \
		'^Error: (backup .*/kasp\.bak: database or disk is full|pg_dump of .*: No space left on device|mariadb-dump of .*: Got errno 28 on write)' \
		"database backup on a full disk says what failed"
	is "$(cat "$T/b.ls" | tr '\n' ' ')" ".filler " "database backup on a full disk leaves no partial file"
	is "$(db_fingerprint)" "$before" "database backup on a full disk changes nothing stored"
	ksm database backup --output "$T/backups/kasp.bak"
	is "$rc" 0 "with room the backup is written"
	[ -s "$T/backups/kasp.bak" ]
	ok $? "and is not empty"
else
	for i in 1 2 3 4 5 6; do
		skip "database backup on a full disk ($i)" "no tmpfs in a mount namespace"
	done
fi

done_testing
