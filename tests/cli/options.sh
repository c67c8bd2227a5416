#!/bin/sh
# ods-ksmutil argument parsing: version, help, command matching, unknown
# words and options, commands that are not there yet.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"

ksm_raw -V
is "$rc" 0 "-V exits 0"
like "$out" '^opendnssec version 1\.4\.14$' "-V prints the 1.x version line scripts parse"

ksm_raw --version
is "$rc" 0 "--version exits 0"

ksm_raw -h
is "$rc" 0 "-h exits 0"
like "$err" 'key states: GENERATE\|PUBLISH\|READY\|ACTIVE\|RETIRE\|DEAD' "-h lists the key states"
like "$err" 'YYYYMMDD\[HH\[MM\[SS\]\]\]' "-h shows the date formats"

ksm_raw help
is "$rc" 0 "help exits 0"
like "$out" '^usage: .*ods-ksmutil \[-c <config> \| --config <config>\] command \[options\]' "help prints the general usage on stdout"

ksm_raw zone help
is "$rc" 0 "zone help exits 0"
like "$out" '^usage: .*ods-ksmutil \[-c <config> \| --config <config>\] zone add' "zone help prints the zone usage"

ksm_raw
is "$rc" 1 "no command exits 1"
like "$err" '^usage: ' "no command prints usage on stderr"

ksm_raw frobnicate
is "$rc" 255 "unknown command exits 255"
is "$out" "Unknown command: frobnicate" "unknown command message on stdout"

ksm_raw zone
is "$rc" 255 "zone without verb exits 255"
is "$out" "Unknown command: zone NULL" "missing verb reads NULL as in 1.x"
like "$err" 'zone add' "missing verb prints the zone usage"

ksm_raw zone frob
is "$out" "Unknown command: zone FROB" "unknown verb is shown in upper case"

ksm_raw --frobnicate zone list
is "$rc" 1 "unknown option exits 1"
like "$err" "unrecognized option '--frobnicate'" "unknown option: getopt's diagnostic"

# Case-insensitive prefix matching, GNU permutation and abbreviations, all
# reaching the real database status command (which then fails on the missing
# database; on a server the database is there, but empty).
if [ "$DB_BACKEND" = sqlite ]; then
	nodb='database file .* does not exist'
else
	nodb='Schema version: +none \(empty database|holds no KASP schema'
fi
ksm DATABASE StatusX
like "$out" "$nodb" "DATABASE StatusX reaches database status"
ksm database stat
is "$out" "Unknown command: database STAT" "a verb shorter than the keyword does not match"
ksm_raw database --conf "$T/conf.xml" status
like "$out" "$nodb" "--conf abbreviates --config after the command word"

# zonelist is its own command, not zone + garbage (it reaches zonelist
# export, which then fails on the missing database).
ksm zonelist export
is "$rc" 2 "zonelist export is matched as zonelist"
like "$out" "$nodb" "zonelist export reaches the database"

ksm KEYS list
is "$rc" 2 "KEYS list matches key list by prefix"
like "$out" "$nodb" "KEYS list reaches the database"

done_testing
