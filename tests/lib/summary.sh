#!/bin/sh
# summary.sh BUILDDIR... - add up the automake test results (.trs files) of
# one or more build trees and print one closing line:
#   total: N passed, N failed, N skipped
# Exit status 1 when anything failed or errored, or when nothing ran.
pass=0 fail=0 skip=0
for dir in "$@"; do
	for trs in $(find "$dir" -name '*.trs' 2>/dev/null); do
		while IFS= read -r line; do
			case "$line" in
			":test-result: PASS"*|":test-result: XFAIL"*) pass=$((pass + 1)) ;;
			":test-result: SKIP"*) skip=$((skip + 1)) ;;
			":test-result: FAIL"*|":test-result: XPASS"*|":test-result: ERROR"*)
				fail=$((fail + 1)) ;;
			esac
		done < "$trs"
	done
done
echo "total: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
