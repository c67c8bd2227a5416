# tests: the end-to-end CLI tests (shell, TAP) and their helpers. Unit and
# database tests are registered by the fragment of the module they test.
CLI_TESTS = \
	tests/cli/options.sh \
	tests/cli/setup.sh \
	tests/cli/database.sh \
	tests/cli/adopt-mysql.sh \
	tests/cli/bad-input.sh \
	tests/cli/enforcerd.sh \
	tests/cli/kaspcheck.sh \
	tests/cli/policy.sh \
	tests/cli/zone.sh \
	tests/cli/update.sh \
	tests/cli/policy-zone-bad.sh \
	tests/cli/hsmutil.sh \
	tests/cli/rollover.sh \
	tests/cli/keys.sh \
	tests/cli/control.sh \
	tests/cli/install.sh \
	tests/cli/enforce.sh \
	tests/cli/enforce-kill.sh \
	tests/cli/adopt-enforce.sh \
	tests/cli/zonelist-concurrent.sh \
	tests/cli/limits.sh \
	tests/cli/zone-spelling.sh \
	tests/cli/key-delete-legacy.sh \
	tests/cli/zonelist-stream.sh \
	tests/cli/replica.sh \
	tests/cli/cluster.sh \
	tests/cli/failover.sh \
	tests/cli/writers.sh \
	tests/cli/systemd.sh \
	tests/cli/completion.sh \
	tests/cli/json.sh \
	tests/cli/metrics.sh \
	tests/cli/plan.sh \
	tests/cli/failure-paths.sh
TESTS += $(CLI_TESTS) tests/unit/registered.sh tests/unit/tap-honest.sh tests/unit/cppcheck.sh
EXTRA_DIST += tests/unit/registered.sh tests/unit/tap-honest.sh tests/unit/cppcheck.sh

# The Debian package, built, checked with lintian, installed and purged:
# skipped unless KASP_DEB_TEST=1 (tests/run-all.sh sets it on the CI
# machine), since it installs into the system.
TESTS += tests/pkg/deb.sh
EXTRA_DIST += tests/pkg/deb.sh debian
EXTRA_DIST += $(CLI_TESTS) tests/lib/tap.sh tests/lib/cliutil.sh tests/lib/wait.sh \
	tests/lib/summary.sh tests/lib/zoneutil.sh tests/lib/daemons.sh tests/data/cli \
	tests/bench/zones.sh \
	tests/bench/zone-add.sh tests/bench/benchenv.sh tests/bench/failover.sh \
	tests/bench/replica-lag.sh
