#!/bin/bash
# run-all.sh - every test on every backend: install dependencies (as root,
# unless RUN_ALL_NO_DEPS=1), start a throw-away PostgreSQL and MariaDB
# (tests/lib/*-server.sh, in a temp dir, own ports), build and run the whole
# suite on SQLite twice, plainly with -Werror and under AddressSanitizer +
# UBSan, run the database and CLI tests again on PostgreSQL and on MariaDB
# (sanitizer build, which also counts gcov coverage: `make coverage` prints
# one line per folder for the three engines' runs together), fuzz, run
# clang's analyzer over the whole build, check the layout (clang-format),
# then make distcheck, then build, lint, install and purge the Debian
# package (tests/pkg/deb.sh). The servers are stopped by PID at the end,
# also on failure or interrupt.
#
# The automake results of each run are copied to results/<build>-<backend>/
# (build-sqlite, build-san-sqlite, build-san-pgsql, build-san-mysql; fuzz:
# each fuzz target run for a short time by libFuzzer; analysis: scan-build;
# coverage; format: see below), and
# tests/lib/summary.sh adds them all up into the closing line
#   total: N passed, N failed, N skipped
# Exit status 0 only when every step and every test passed.
#
# tests/cli/enforce-kill.sh kills the daemon 50 times in each SQLite run,
# 20 times on each server and 10 times in make distcheck (which checks the
# tarball, not the code again): ENFORCE_KILL_ROUNDS. tests/cli/writers.sh
# runs its 2,000 operations in the plain build and 400 under the
# sanitizers and in make distcheck: WRITERS_OPS.
#
# Each `make check` is limited to RUN_ALL_CHECK_TIMEOUT seconds (default 1200)
# so that a hanging test cannot hold the run forever.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
status=0
step() { echo "=== $*"; }

if [ "${RUN_ALL_NO_DEPS:-}" != 1 ] && [ "$(id -u)" -eq 0 ]; then
	step "installing dependencies"
	sh tools/install-deps.sh > /tmp/kasp-enforcer-deps.log 2>&1 ||
		{ tail -20 /tmp/kasp-enforcer-deps.log; status=1; }
fi

results=$top/results
rm -rf "$results"
mkdir -p "$results"

# ---------------------------------------------------------------- servers
srv=$(mktemp -d /tmp/kasp-run-all.XXXXXX) || exit 1
chmod 755 "$srv"       # the postgres user must reach its data dir inside
cleanup() {
	bash tests/lib/pgsql-server.sh stop "$srv" 2>/dev/null
	bash tests/lib/mysql-server.sh stop "$srv" 2>/dev/null
	rm -rf "$srv"
}
trap cleanup EXIT
trap 'echo "run-all.sh: interrupted"; exit 130' INT TERM HUP

# fail_result NAME WHY [WHAT] : record a failure the summary counts (a server
# that did not start, a check that timed out) as results/NAME/WHAT.trs
fail_result() {
	_what=${3:-server-start}
	mkdir -p "$results/$1"
	printf ':test-result: FAIL\n:global-test-result: FAIL\n' > "$results/$1/$_what.trs"
	echo "$2" > "$results/$1/$_what.log"
	status=1
}

backends=
step "starting PostgreSQL"
if env=$(bash tests/lib/pgsql-server.sh start "$srv"); then
	eval "$env"
	echo "$ODS_TEST_PGSQL (pid $ODS_TEST_PGSQL_PID)" | sed 's/password=[^ ]*/password=***/'
	backends="$backends pgsql"
else
	fail_result build-san-pgsql "PostgreSQL did not start"
fi
step "starting MariaDB"
if env=$(bash tests/lib/mysql-server.sh start "$srv"); then
	eval "$env"
	echo "$ODS_TEST_MYSQL (pid $ODS_TEST_MYSQL_PID)" | sed 's/password=[^ ]*/password=***/'
	backends="$backends mysql"
else
	fail_result build-san-mysql "MariaDB did not start"
fi

step "autoreconf"
autoreconf -fi || status=1

WARN="-Wall -Wextra -Werror"
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# show_failures : the tail of every log of the last check that reports a failure (in the cwd)
show_failures() {
	find . -name '*.trs' | while read -r trs; do
		log=${trs%.trs}.log
		if grep -qE '^:test-result: (FAIL|ERROR|XPASS)' "$trs" && [ -e "$log" ]; then
			echo "--- $log"; tail -60 "$log"
		fi
	done
}

# collect BUILDDIR NAME : copy the .trs files of the last check, with their logs, to results/NAME
collect() {
	(
		cd "$1" &&
		find . -name '*.trs' | while read -r f; do
			cp --parents "$f" "$results/$2/" &&
			{ [ ! -e "${f%.trs}.log" ] || cp --parents "${f%.trs}.log" "$results/$2/"; }
		done
	)
}

# check BUILDDIR NAME [TESTS] : make check (of TESTS only, when given), keep the results
check() {
	(
		cd "$1" || exit 1
		rm -f $(find . -name '*.trs') 2>/dev/null
		if [ $# -ge 3 ]; then
			timeout --kill-after=20 "${RUN_ALL_CHECK_TIMEOUT:-1200}" \
				make -j2 check TESTS="$3" > "check-$2.log" 2>&1
		else
			timeout --kill-after=20 "${RUN_ALL_CHECK_TIMEOUT:-1200}" \
				make -j2 check > "check-$2.log" 2>&1
		fi
		rc=$?
		[ $rc -ne 124 ] || echo "run-all.sh: make check timed out" | tee -a "check-$2.log"
		grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP|# )' "check-$2.log"
		[ $rc -eq 0 ] || show_failures
		exit $rc
	)
	rc=$?
	mkdir -p "$results/$2"
	collect "$1" "$2"
	# a check cut short counts as a failure, not as the tests it never ran
	[ $rc -ne 124 ] ||
		fail_result "$2" "make check timed out after ${RUN_ALL_CHECK_TIMEOUT:-1200} s" check-timeout
	return $rc
}

# build DIR CFLAGS LDFLAGS [CONFIGURE-OPTION...] : configure and build in DIR
build() {
	_dir=$1 _cflags=$2 _ldflags=$3
	shift 3
	rm -rf "$_dir" && mkdir -p "$_dir"
	(
		cd "$_dir" &&
		../configure --quiet --enable-timeshift "$@" CFLAGS="$_cflags" LDFLAGS="$_ldflags" &&
		make -j2 >make.log 2>&1 || { tail -40 make.log; exit 1; }
	)
}

# The tests whose result depends on the database engine (not tests/db/tls.sh
# and the replica and restart tests there, which start servers of their own
# in every run).
backend_tests() {
	printf 'print-tests:\n\t@echo $(TESTS)\n' | make -s -C "$1" -f Makefile -f - print-tests |
		tr ' ' '\n' | grep -E '^tests/(db|cli)/|^tests/unit/test_store$' |
		grep -vxE 'tests/db/(tls|pgsql-standby|mariadb-replica|pgsql-restart|mariadb-restart)\.sh' |
		tr '\n' ' '
}

step "plain build (-O2 $WARN), SQLite"
if build build "-O2 -g $WARN" ""; then
	check build build-sqlite || status=1
else
	status=1
fi

step "sanitizer build (ASan + UBSan, gcov), SQLite"
if build build-san "-O1 -g $WARN $SAN" "-fsanitize=address,undefined" --enable-coverage; then
	(export WRITERS_OPS=400; check build-san build-san-sqlite) || status=1
	list=$(backend_tests build-san)
	for b in $backends; do
		step "sanitizer build, $b: $list"
		# the kill test's 50 rounds ran on SQLite twice; 20 here keep CI short
		(export ODS_TEST_BACKEND=$b ENFORCE_KILL_ROUNDS=20 WRITERS_OPS=400
		 check build-san "build-san-$b" "$list") || status=1
	done
	# The gcov counts of the three runs above add up: one line per folder.
	step "coverage (gcov) of the sanitizer build on SQLite,$backends"
	mkdir -p "$results/coverage"
	if make -s -C build-san coverage > "$results/coverage/coverage.log" 2>&1; then
		grep '^coverage: ' "$results/coverage/coverage.log"
		cp build-san/coverage.txt "$results/coverage/" 2>/dev/null
		printf ':test-result: PASS\n:global-test-result: PASS\n' > "$results/coverage/coverage.trs"
	else
		tail -20 "$results/coverage/coverage.log"
		printf ':test-result: FAIL\n:global-test-result: FAIL\n' > "$results/coverage/coverage.trs"
		status=1
	fi
else
	status=1
fi

# ---------------------------------------------------------------- fuzzing
# A libFuzzer build (clang, ASan + UBSan) of the fuzz targets, each fuzzed
# for RUN_ALL_FUZZ_SECONDS (default 20) from a copy of its seed corpus
# (tests/fuzz/run-fuzzers.sh); one result per target in results/fuzz/, a
# crash or a build that fails counts as a failure.
fuzz_secs=${RUN_ALL_FUZZ_SECONDS:-20}
step "fuzzing (libFuzzer, $fuzz_secs s per target)"
mkdir -p "$results/fuzz"
rm -rf build-fuzz && mkdir -p build-fuzz
if (cd build-fuzz &&
    CC=clang ../configure --quiet --enable-timeshift --enable-fuzzing CFLAGS="-O1 -g" \
	>make.log 2>&1 && make -j2 fuzz-targets >>make.log 2>&1); then
	FUZZ_TRS_DIR=$results/fuzz timeout --kill-after=20 $((fuzz_secs * 12 + 120)) \
		sh tests/fuzz/run-fuzzers.sh "$fuzz_secs" build-fuzz || status=1
else
	tail -40 build-fuzz/make.log
	printf ':test-result: FAIL\n:global-test-result: FAIL\n' > "$results/fuzz/build.trs"
	cp build-fuzz/make.log "$results/fuzz/build.log"
	status=1
fi

# ------------------------------------------------------- static analysis
# clang's analyzer over the whole build (tools/scan-build.sh, --status-bugs):
# one result in results/analysis/, a failure when it reports anything.
# cppcheck runs in every make check (tests/unit/cppcheck.sh).
step "static analysis (scan-build)"
mkdir -p "$results/analysis"
if sh tools/scan-build.sh . build-scan > "$results/analysis/scan-build.log" 2>&1; then
	printf ':test-result: PASS\n:global-test-result: PASS\n' > "$results/analysis/scan-build.trs"
else
	tail -40 "$results/analysis/scan-build.log"
	printf ':test-result: FAIL\n:global-test-result: FAIL\n' > "$results/analysis/scan-build.trs"
	status=1
fi

# ------------------------------------------------------------ formatting
# One layout for all C in the tree: clang-format with the .clang-format at
# the top (tools/format-check.sh); a file that differs is a failure.
step "formatting (clang-format)"
mkdir -p "$results/format"
if sh tools/format-check.sh . > "$results/format/clang-format.log" 2>&1; then
	tail -1 "$results/format/clang-format.log"
	printf ':test-result: PASS\n:global-test-result: PASS\n' > "$results/format/clang-format.trs"
else
	tail -40 "$results/format/clang-format.log"
	printf ':test-result: FAIL\n:global-test-result: FAIL\n' > "$results/format/clang-format.trs"
	status=1
fi

step "make distcheck"
(cd build && ENFORCE_KILL_ROUNDS=10 WRITERS_OPS=400 timeout --kill-after=20 1200 make -j2 distcheck \
	DISTCHECK_CONFIGURE_FLAGS="--enable-timeshift" >distcheck.log 2>&1) ||
	{ tail -40 build/distcheck.log; status=1; }

# The Debian package: built from this tree, lintian, installed, used, purged
# (tests/pkg/deb.sh; only as root, where it may install into the system).
step "Debian package (dpkg-buildpackage, lintian, dpkg -i)"
(export KASP_DEB_TEST=1; check build deb tests/pkg/deb.sh) || status=1

step "stopping the servers"
cleanup
trap - EXIT

step "results (results/*)"
sh tests/lib/summary.sh "$results"/* || status=1
exit $status
