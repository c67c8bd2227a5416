#!/bin/sh
# Four ods-ksmutil writers at once on one database while two ods-enforcerd
# (a leader and a standby) run passes every second: WRITERS_OPS (default
# 2000) operations in all, zone add and delete, key rollover and ds-seen,
# each writer on zones of its own. Afterwards the database lists exactly
# the zones the writers' logs say they added and did not delete (no update
# lost), and no command failed: no deadlock, serialization failure or
# give-up reached a user; each command ended as its log expects (ds-seen
# on a key that is not ready yet is refused with the 1.x message).
#
# The operation mix is fixed (no randomness): per writer, of every ten
# operations five are adds, two deletes, two rollovers and one ds-seen.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/daemons.sh"

unset ENFORCER_TIMESHIFT
OPS=${WRITERS_OPS:-2000}
PER=$((OPS / 4))

daemon_token
printf '<?xml version="1.0" encoding="UTF-8"?>\n<ZoneList>\n</ZoneList>\n' > "$T/zonelist.xml"
ksm setup --yes
is "$rc" 0 "setup"
daemon_conf a interval=PT1S
daemon_conf b interval=PT1S

cleanup_all() {
	daemon_kill a b
	for _p in ${writers:-}; do
		kill -KILL "$_p" 2> /dev/null
	done
	_cli_cleanup
}
trap cleanup_all EXIT

daemon_start a
wait_log a "Pass done"
ok $? "a leads and runs passes"
daemon_start b
wait_log b "enforcer lock already held by another ods-enforcerd, sleep"
ok $? "b stands by"

# writer W : PER operations on zones wW-N.example; one line per operation
# in $T/wW.log: "OP ZONE RC VERDICT" (VERDICT "good" when the command ended
# as expected), the output of the bad ones in $T/wW.bad
writer() {
	_w=$1 _i=0 _next=0
	: > "$T/w$_w.live"
	while [ $_i -lt "$PER" ]; do
		_k=$((_i % 10))
		_newest=$(tail -1 "$T/w$_w.live")
		_oldest=$(head -1 "$T/w$_w.live")
		if [ $_k -lt 5 ] || [ -z "$_newest" ]; then
			_op=add _z=w$_w-$_next.example
			_next=$((_next + 1))
			_out=$("$KSMUTIL" -c "$T/conf.xml" zone add --zone "$_z" --policy lab \
				--signerconf "$T/sc/$_z.xml" 2>&1 < /dev/null)
			_rc=$?
			case $_rc:$_out in 0:*"Imported zone: $_z"*) _v=good; echo "$_z" >> "$T/w$_w.live" ;; *) _v=bad ;; esac
		elif [ $_k -lt 7 ]; then
			_op=delete _z=$_oldest
			_out=$("$KSMUTIL" -c "$T/conf.xml" zone delete --zone "$_z" 2>&1 < /dev/null)
			_rc=$?
			if [ $_rc -eq 0 ]; then
				_v=good
				sed -i "1d" "$T/w$_w.live"
			else
				_v=bad
			fi
		elif [ $_k -lt 9 ]; then
			_op=rollover _z=$_newest
			_out=$("$KSMUTIL" -c "$T/conf.xml" key rollover --zone "$_z" --keytype ZSK 2>&1 < /dev/null)
			_rc=$?
			case $_rc:$_out in 0:*"Manual key rollover for key type zsk on zone $_z initiated"*) _v=good ;; *) _v=bad ;; esac
		else
			_op=ds-seen _z=$_newest
			_out=$("$KSMUTIL" -c "$T/conf.xml" key ds-seen --zone "$_z" --cka_id 0123 2>&1 < /dev/null)
			_rc=$?
			case $_rc:$_out in
			255:"No keys in the READY state matched your parameters, please check the parameters") _v=good ;;
			*) _v=bad ;;
			esac
		fi
		echo "$_op $_z $_rc $_v" >> "$T/w$_w.log"
		[ "$_v" = good ] || printf '%s %s:\n%s\n' "$_op" "$_z" "$_out" >> "$T/w$_w.bad"
		_i=$((_i + 1))
	done
}

mkdir "$T/sc"
writers=
for w in 1 2 3 4; do
	writer $w &
	writers="$writers $!"
done
for p in $writers; do
	wait "$p"
done
writers=

total=$(cat "$T"/w?.log | wc -l | tr -d ' ')
is "$total" "$((PER * 4))" "the writers ran $((PER * 4)) operations"
is "$(cat "$T"/w?.log | grep -vc ' good$')" 0 "every command ended as expected"
[ ! -s "$T/w1.bad" ] && [ ! -s "$T/w2.bad" ] && [ ! -s "$T/w3.bad" ] && [ ! -s "$T/w4.bad" ] ||
	diag "$(cat "$T"/w?.bad 2> /dev/null | head -40)"
ok $(cat "$T"/w?.bad 2> /dev/null | grep -qiE 'deadlock|serializ|gave up after|database is locked|lock wait timeout'; [ $? -ne 0 ]; echo $?) \
	"no deadlock, serialization or give-up reached a user"
for op in add delete rollover ds-seen; do
	diag "$op: $(cat "$T"/w?.log | grep -c "^$op ")"
done

# the zones the logs say are there, and the database's
sort "$T"/w?.live > "$T/want"
ksm zone list
printf '%s\n' "$out" | sed -n 's/^Found Zone: \([^;]*\);.*/\1/p' | sort > "$T/got"
ok $([ -s "$T/want" ]; echo $?) "the writers left zones behind ($(wc -l < "$T/want"))"
is "$(cat "$T/got")" "$(cat "$T/want")" "the database lists exactly the zones the logs left (no update lost)"
is "$(sed -n 's/.*<Zone name="\([^"]*\)".*/\1/p' "$T/zonelist.xml" | sort)" "$(cat "$T/want")" \
	"zonelist.xml lists the same zones (its edits were serialised too)"

wait_log a "Pass done" "$(($(grep -c 'Pass done' "$T/a.err") + 1))"
ok $? "the leader still runs passes"
daemon_stop a
daemon_stop b
ok $(grep -q 'all done!' "$T/a.err" && grep -q 'all done!' "$T/b.err"; echo $?) "both daemons stop cleanly"

done_testing
