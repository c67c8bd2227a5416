#!/bin/sh
# summary.sh DIR... - add up the automake test results (.trs files) found
# under each DIR (build trees, or the results/<build>-<backend>/ copies that
# tests/run-all.sh keeps), print one line per DIR and, last, the closing line
#   total: N passed, N failed, N skipped
# Exit status 1 when anything failed or errored, or when nothing ran.
tpass=0 tfail=0 tskip=0
for dir in "$@"; do
	pass=0 fail=0 skip=0
	for trs in $(find "$dir" -name '*.trs' 2>/dev/null | LC_ALL=C sort); do
		while IFS= read -r line; do
			case "$line" in
			":test-result: PASS"*|":test-result: XFAIL"*) pass=$((pass + 1)) ;;
			":test-result: SKIP"*) skip=$((skip + 1)) ;;
			":test-result: FAIL"*|":test-result: XPASS"*|":test-result: ERROR"*)
				fail=$((fail + 1)) ;;
			esac
		done < "$trs"
	done
	if [ $# -gt 1 ]; then
		echo "$(basename "$dir"): $pass passed, $fail failed, $skip skipped"
	fi
	tpass=$((tpass + pass)) tfail=$((tfail + fail)) tskip=$((tskip + skip))
done
echo "total: $tpass passed, $tfail failed, $tskip skipped"
[ "$tfail" -eq 0 ] && [ "$tpass" -gt 0 ]
