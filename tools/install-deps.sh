#!/bin/sh
# install-deps.sh - install what building and testing kasp-enforcer needs
# on Debian 12, from Debian's own packages. Run as root; safe to repeat.
# The database servers are only for the tests (tests/lib/*-server.sh start
# private instances on their own ports and never use the system ones); if
# the packages start their system services, those are left alone.
set -e
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get install)" >&2
	exit 1
fi
# clang and libclang-rt-dev (libFuzzer) build the fuzz targets that
# tests/run-all.sh runs (configure CC=clang --enable-fuzzing); systemd gives
# systemd-analyze, which tests/cli/systemd.sh checks the unit with; jq and
# python3-jsonschema read and validate the --json output in tests/cli/json.sh,
# python3-prometheus-client parses the metrics (tests/cli/metrics.sh);
# debhelper and lintian build and check the Debian package (tests/pkg/deb.sh);
# cppcheck is the static check of tests/unit/cppcheck.sh; clang-tools gives
# scan-build, the analyzer step of tests/run-all.sh (tools/scan-build.sh);
# gcovr reports the coverage of a build configured with --enable-coverage
# (make coverage); clang-format checks the layout (tools/format-check.sh).
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config \
	libsqlite3-dev sqlite3 libpq-dev libmariadb-dev \
	libxml2-dev libxml2-utils libssl-dev libjansson-dev libcmocka-dev ldnsutils \
	softhsm2 opensc libp11-kit-dev tzdata time ca-certificates clang libclang-rt-dev systemd \
	jq python3-jsonschema python3-prometheus-client debhelper lintian cppcheck clang-tools gcovr clang-format \
	postgresql-15 postgresql-client-15 mariadb-server mariadb-client
