# softhsm.sh - a fresh SoftHSMv2 token in a temporary directory (sourced by
# any sh test that needs an HSM).
#
#   softhsm_init DIR LABEL [PIN [SO_PIN]]
#       writes DIR/softhsm2.conf (token store DIR/tokens), exports
#       SOFTHSM2_CONF, and initialises a token LABEL with user PIN (1234)
#       and SO PIN (5678) in the first free slot. Returns softhsm2-util's
#       status; its output goes to stderr.
#   softhsm_add LABEL [PIN [SO_PIN]]
#       one more token in the same store.
#
# SOFTHSM_MODULE is the module path (override it by setting it before
# sourcing). Nothing to stop afterwards: remove DIR.

SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

softhsm_init() {
	mkdir -p "$1/tokens" || return 1
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$1/tokens" > "$1/softhsm2.conf" || return 1
	SOFTHSM2_CONF="$1/softhsm2.conf"
	export SOFTHSM2_CONF
	shift
	softhsm_add "$@"
}

softhsm_add() {
	softhsm2-util --init-token --free --label "$1" --pin "${2:-1234}" \
		--so-pin "${3:-5678}" >&2
}

# Is the module there and softhsm2-util on PATH?
softhsm_available() {
	[ -r "$SOFTHSM_MODULE" ] && command -v softhsm2-util > /dev/null 2>&1
}

# softhsm_test_token: for a test file of cliutil.sh, whose conf.xml names
# token "OpenDNSSEC" with PIN 1234: that token in $T/hsm, or the whole file
# skipped (no SoftHSMv2) or bailed out (it cannot be made); SoftHSM's own
# leaks are left out of LeakSanitizer's report (tests/lsan-softhsm.supp).
softhsm_test_token() {
	softhsm_available || skip_all "SoftHSMv2 is not installed"
	softhsm_init "$T/hsm" OpenDNSSEC 2> "$T/softhsm.log" ||
		{ echo "Bail out! cannot make a SoftHSM token: $(cat "$T/softhsm.log")"; exit 1; }
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	export LSAN_OPTIONS
}
