#!/bin/sh
# run-fuzzers.sh SECONDS [BUILDDIR] - fuzz every libFuzzer target built in
# BUILDDIR (default: the current directory; configure CC=clang
# --enable-fuzzing, then make check_PROGRAMS or make check) for SECONDS
# each, one after another. Builds nothing.
#
# Each target starts from a temporary copy of its seed corpus
# (tests/fuzz/corpus/<target>/ in the source tree, which is not changed),
# with -max_total_time=SECONDS -rss_limit_mb=2048 -timeout=25; a crash,
# leak, timeout or out-of-memory input is written to
# BUILDDIR/fuzz-artifacts/<target>/. Prints one line per target:
#   <target>: <executions> executions in <seconds> s (<n>/s), <crashes> crashes
# and, last, "fuzz: N targets, N crashes". Exit status 1 when a target
# crashed or could not run, 2 for bad usage or nothing to run.
# FUZZ_TARGETS (space separated names, e.g. "conf dname") limits the run;
# FUZZ_RUNS=N also stops each target after N executions.
# With FUZZ_TRS_DIR set, each target also leaves <target>.trs (automake's
# result format, PASS or FAIL, for tests/lib/summary.sh) and <target>.log
# there.
set -u
secs=${1:-}
build=${2:-.}
case $secs in
''|*[!0-9]*) echo "usage: run-fuzzers.sh SECONDS [BUILDDIR]" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd) || exit 2
corpora=$here/corpus

targets=${FUZZ_TARGETS:-}
if [ -z "$targets" ]; then
	for d in "$corpora"/*/; do
		targets="$targets $(basename "$d")"
	done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/run-fuzzers.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP
artifacts=$build/fuzz-artifacts

# result TARGET PASS|FAIL LOGFILE : the .trs and log of one target, when asked for
result() {
	[ -n "${FUZZ_TRS_DIR:-}" ] || return 0
	mkdir -p "$FUZZ_TRS_DIR"
	printf ':test-result: %s\n:global-test-result: %s\n' "$2" "$2" > "$FUZZ_TRS_DIR/$1.trs"
	cp "$3" "$FUZZ_TRS_DIR/$1.log" 2>/dev/null || : > "$FUZZ_TRS_DIR/$1.log"
}

ran=0 bad=0 total_crashes=0
for t in $targets; do
	bin=$build/tests/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "$t: not built ($bin)" | tee "$work/$t.log"
		result "$t" FAIL "$work/$t.log"
		bad=$((bad + 1))
		continue
	fi
	# a replay build (no libFuzzer) prints TAP for -help=1, a libFuzzer build its usage
	if ! "$bin" -help=1 2>&1 | grep -q 'Usage:'; then
		echo "$t: not a libFuzzer build (configure CC=clang --enable-fuzzing)" |
			tee "$work/$t.log"
		result "$t" FAIL "$work/$t.log"
		bad=$((bad + 1))
		continue
	fi
	mkdir -p "$work/$t" "$artifacts/$t"
	cp "$corpora/$t"/* "$work/$t/" 2>/dev/null
	log=$work/$t.log
	start=$(date +%s)
	nice -n 10 "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=25 \
		${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -print_final_stats=1 \
		-artifact_prefix="$artifacts/$t/" "$work/$t" > "$log" 2>&1
	rc=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	[ -n "$execs" ] || execs=0
	crashes=0
	if [ $rc -ne 0 ]; then
		crashes=1
		echo "--- $t: exit status $rc; the end of its log:"
		grep -E 'ERROR|SUMMARY|Test unit written|^==|^#[0-9]+ ' "$log" | tail -25
	fi
	el=$((end - start))
	[ $el -gt 0 ] || el=1
	echo "$t: $execs executions in $el s ($((execs / el))/s), $crashes crashes" | tee -a "$log"
	if [ $crashes -eq 0 ] && [ "$execs" -gt 0 ]; then
		result "$t" PASS "$log"
	else
		result "$t" FAIL "$log"
	fi
	ran=$((ran + 1))
	total_crashes=$((total_crashes + crashes))
done
echo "fuzz: $ran targets, $total_crashes crashes"
[ $ran -gt 0 ] || exit 2
[ $total_crashes -eq 0 ] && [ $bad -eq 0 ]
