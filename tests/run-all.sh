#!/bin/bash
# run-all.sh - every test: install dependencies (as root, unless
# RUN_ALL_NO_DEPS=1), then build and run the whole suite twice, plainly with
# -Werror and under AddressSanitizer + UBSan, then make distcheck. Ends with
# one line "total: N passed, N failed, N skipped" over both runs.
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

step "autoreconf"
autoreconf -fi || status=1

WARN="-Wall -Wextra -Werror"
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# build DIR CFLAGS LDFLAGS: configure, build and check in DIR
build() {
	rm -rf "$1" && mkdir -p "$1"
	(
		cd "$1" &&
		../configure --quiet --enable-timeshift CFLAGS="$2" LDFLAGS="$3" &&
		make -j2 >make.log 2>&1 || { tail -40 make.log; exit 1; }
		make -j2 check >check.log 2>&1
		rc=$?
		grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP|# )' check.log
		if [ $rc -ne 0 ]; then
			for log in $(grep -lE '^(not ok|Bail out)' $(find . -name '*.log' ! -name 'check.log' ! -name 'make.log' ! -name 'config.log') 2>/dev/null); do
				echo "--- $log"; tail -60 "$log"
			done
		fi
		exit $rc
	)
}

step "plain build (-O2 $WARN)"
build build "-O2 -g $WARN" "" || status=1

step "sanitizer build (ASan + UBSan)"
build build-san "-O1 -g $WARN $SAN" "-fsanitize=address,undefined" || status=1

step "make distcheck"
(cd build && make -j2 distcheck DISTCHECK_CONFIGURE_FLAGS="--enable-timeshift" \
	>distcheck.log 2>&1) || { tail -40 build/distcheck.log; status=1; }

sh tests/lib/summary.sh build build-san || status=1
exit $status
