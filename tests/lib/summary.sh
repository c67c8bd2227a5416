#!/bin/sh
# summary.sh DIR... - add up the automake test results (.trs files) found
# under each DIR (build trees, or the results/<build>-<backend>/ copies that
# tests/run-all.sh keeps), print one line per DIR and, last, the closing line
#   total: N passed, N failed, N skipped
# Before the lines, each failed test is named with its "not ok" lines and the
# end of its log, so that the tail of a long CI log says what went wrong.
# Exit status 1 when anything failed or errored, or when nothing ran.
tpass=0 tfail=0 tskip=0
failed_logs=
for dir in "$@"; do
	pass=0 fail=0 skip=0
	for trs in $(find "$dir" -name '*.trs' 2>/dev/null | LC_ALL=C sort); do
		bad=0
		while IFS= read -r line; do
			case "$line" in
			":test-result: PASS"*|":test-result: XFAIL"*) pass=$((pass + 1)) ;;
			":test-result: SKIP"*) skip=$((skip + 1)) ;;
			":test-result: FAIL"*|":test-result: XPASS"*|":test-result: ERROR"*)
				fail=$((fail + 1)) bad=1 ;;
			esac
		done < "$trs"
		[ $bad -eq 0 ] || failed_logs="$failed_logs ${trs%.trs}.log"
	done
	if [ $# -gt 1 ]; then
		echo "$(basename "$dir"): $pass passed, $fail failed, $skip skipped"
	fi
	tpass=$((tpass + pass)) tfail=$((tfail + fail)) tskip=$((tskip + skip))
done
for log in $failed_logs; do
	echo "--- failed: $log"
	if [ -e "$log" ]; then
		grep -E '^(not ok|Bail out|ERROR)' "$log" | head -10
		echo "    (its last lines:)"
		tail -12 "$log" | sed 's/^/    /'
	fi
done
echo "total: $tpass passed, $tfail failed, $tskip skipped"
[ "$tfail" -eq 0 ] && [ "$tpass" -gt 0 ]
