#!/bin/sh
# zone add and zone delete from four processes at once, and `update
# zonelist` from a fifth: every run succeeds, and afterwards zonelist.xml
# lists exactly the zones of the database (the read-modify-write of the
# file, and the import of it, are serialised by its lock), still validates,
# and keeps its comment. ZONELIST_CONCURRENT_ROUNDS adds per
# writer (default 100; every third add is followed by a delete).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

rounds=${ZONELIST_CONCURRENT_ROUNDS:-100}
writers=4

ksm setup --yes
is "$rc" 0 "setup"

# writer W : adds w<W>-<i>.example for each round, deleting every third one again
writer() {
	_fails=0 _i=0
	while [ "$_i" -lt "$rounds" ]; do
		"$KSMUTIL" -c "$T/conf.xml" zone add --zone "w$1-$_i.example" \
			> "$T/out.$1" 2>&1 || { _fails=$((_fails + 1)); cat "$T/out.$1" >> "$T/log.$1"; }
		if [ $((_i % 3)) -eq 2 ]; then
			"$KSMUTIL" -c "$T/conf.xml" zone delete --zone "w$1-$((_i - 1)).example" \
				> "$T/out.$1" 2>&1 ||
				{ _fails=$((_fails + 1)); cat "$T/out.$1" >> "$T/log.$1"; }
		fi
		_i=$((_i + 1))
	done
	echo "$_fails" > "$T/fails.$1"
}

# updater : `update zonelist` now and then while the writers run
updater() {
	_fails=0 _i=0
	while [ "$_i" -lt $((rounds / 5)) ]; do
		"$KSMUTIL" -c "$T/conf.xml" update zonelist > "$T/out.u" 2>&1 ||
			{ _fails=$((_fails + 1)); cat "$T/out.u" >> "$T/log.u"; }
		_i=$((_i + 1))
	done
	echo "$_fails" > "$T/fails.u"
}

w=1
while [ "$w" -le "$writers" ]; do
	writer "$w" &
	w=$((w + 1))
done
updater &
wait

fails=0
w=1
while [ "$w" -le "$writers" ]; do
	fails=$((fails + $(cat "$T/fails.$w")))
	[ -s "$T/log.$w" ] && sed 's/^/# /' "$T/log.$w"
	w=$((w + 1))
done
is "$fails" 0 "$writers writers x $rounds adds (and a delete every third): every run exits 0"
[ -s "$T/log.u" ] && sed 's/^/# /' "$T/log.u"
is "$(cat "$T/fails.u")" 0 "update zonelist meanwhile: every run exits 0"

deleted=$((rounds / 3))
want=$((1 + writers * (rounds - deleted)))
is "$(db_sql "SELECT COUNT(*) FROM zones")" "$want" "the database holds every zone added and not deleted"
sed -n 's/.*<Zone name="\([^"]*\)".*/\1/p' "$T/zonelist.xml" | sort > "$T/file.zones"
db_sql "SELECT name FROM zones" | sort > "$T/db.zones"
is "$(wc -l < "$T/file.zones" | tr -d ' ')" "$want" "zonelist.xml lists as many zones"
cmp -s "$T/file.zones" "$T/db.zones"
ok $? "zonelist.xml lists exactly the zones of the database"
diff "$T/db.zones" "$T/file.zones" | head -20 | sed 's/^/# /'

# zone list reads the file with the schema and names any mismatch
ksm zone list
is "$rc" 0 "zone list reads the edited file"
unlike "$out" 'but not|failed to parse' "zone list finds no zone in only one of file and database"
like "$(cat "$T/zonelist.xml")" 'Example zone list for kasp-enforcer' "the file's comment is kept"

done_testing
