# tap.sh - a small TAP producer for the shell tests (sourced).
#
#   plan N             print the plan (or call done_testing at the end)
#   ok COND_EXIT NAME  "ok"/"not ok" from an exit status: ok $? "name"
#   is GOT WANT NAME   string equality, shows both on failure
#   like GOT RE NAME   grep -E match
#   diag TEXT          a comment line
#   skip NAME REASON   one check that cannot run here: "ok N - NAME # SKIP REASON"
#   skip_all REASON    the whole file is skipped
#
# The counter lives in the shell, so call these in the main shell, not in a
# pipeline's subshell.

_tap_n=0
_tap_failed=0

plan() { echo "1..$1"; _tap_planned=1; }

diag() { printf '# %s\n' "$*" | sed '2,$s/^/# /'; }

ok() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'"
		diag "want: '$2'"
	fi
}

like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'"
		diag "want match of: $2"
	fi
}

unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		diag "got:  '$1'"
		diag "want no match of: $2"
	else
		ok 0 "$3"
	fi
}

skip() { ok 0 "$1 # SKIP $2"; }

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

done_testing() {
	[ -n "${_tap_planned:-}" ] || echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}
