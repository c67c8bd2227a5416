#!/bin/sh
# ods-enforcerd: installed under its 1.x name; options parsed; the enforce
# loop is not there yet and says so instead of pretending to run.
. "$top_srcdir/tests/lib/tap.sh"
ENFORCERD="$top_builddir/ods-enforcerd"

out=$("$ENFORCERD" -V); rc=$?
is "$rc" 0 "-V exits 0"
like "$out" '^opendnssec version 1\.4\.14$' "-V prints the 1.x version line"

out=$("$ENFORCERD" -h); rc=$?
is "$rc" 0 "-h exits 0"
like "$out" '-1 +run once' "-h lists the options"

"$ENFORCERD" -X 2>/dev/null; rc=$?
is "$rc" 1 "an unknown option exits 1"

err=$("$ENFORCERD" -1 2>&1); rc=$?
is "$rc" 3 "running the enforce loop exits 3 for now"
like "$err" 'not implemented yet' "and says why"

done_testing
