#!/bin/sh
# registered.sh - every file under tests/ that looks like a test is run by
# `make check`: a test program's source (tests/*/test_*.c) as the program
# beside it, a test script (tests/{unit,db,cli,fuzz,pkg}/*.sh) as itself. A
# test nobody registered is a test CI never runs, and so proves nothing.
#
# The registered names are the TESTS of this build's Makefile, as configured
# (asked of make without the caller's flags, so that `make check TESTS=...`
# does not narrow them), and its CONDITIONAL_TESTS: those registered only
# when configure found a driver (tests/db/test_pgsql). TAP output.
: "${top_srcdir:?top_srcdir not set}" "${top_builddir:?top_builddir not set}"

echo "1..1"
listed=" $(printf 'print-tests:\n\t@echo $(TESTS) $(CONDITIONAL_TESTS)\n' |
	env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL "${MAKE:-make}" -s \
	-C "$top_builddir" -f Makefile -f - print-tests 2> /dev/null) "
missing=
for f in $(cd "$top_srcdir" && ls tests/*/test_*.c tests/unit/*.sh tests/db/*.sh \
	tests/cli/*.sh tests/fuzz/*.sh tests/pkg/*.sh 2> /dev/null); do
	case $f in
	tests/fuzz/run-fuzzers.sh) continue ;;  # runs the fuzzers for a time: not a test
	*.c) name=${f%.c} ;;
	*) name=$f ;;
	esac
	case $listed in
	*" $name "*) ;;
	*) missing="$missing $f" ;;
	esac
done
if [ -z "$(printf '%s' "$listed" | tr -d ' ')" ]; then
	echo "not ok 1 - cannot ask make in $top_builddir for its TESTS"
elif [ -n "$missing" ]; then
	echo "not ok 1 - test files not registered with make check:$missing"
else
	echo "ok 1 - every test file under tests/ is registered with make check"
fi
