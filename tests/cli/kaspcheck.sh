#!/bin/sh
# ods-kaspcheck end to end: the fixtures of tests/data/kaspcheck, with @T@
# replaced by a temporary directory that holds the module, database, DS
# submit command and signer working directory they name. A clean set gives
# only INFO lines and exit 0; each broken fixture gives its exact lines and
# exits with the number of ERROR lines.
. "$top_srcdir/tests/lib/tap.sh"

: "${top_builddir:?top_builddir not set}"
KASPCHECK="$top_builddir/ods-kaspcheck"
D="$top_srcdir/tests/data/kaspcheck"
T=$(mktemp -d "${TMPDIR:-/tmp}/kccli.XXXXXX")
trap 'rm -rf "$T"' EXIT

for f in "$D"/*.xml; do
	sed "s|@T@|$T|g" "$f" > "$T/${f##*/}"
done
: > "$T/libpkcs11.so"
: > "$T/kasp.db"
mkdir "$T/tmp"
printf '#!/bin/sh\ncat > /dev/null\n' > "$T/submit-ds"
chmod +x "$T/submit-ds"

# kc ARGS... : run ods-kaspcheck; stdout in $out, stderr in $err, status in $rc
kc() {
	out=$("$KASPCHECK" "$@" 2> "$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}

# lines PREFIX : how many lines of $out start with "PREFIX: "
lines() {
	printf '%s\n' "$out" | grep -c "^$1: " || true
}

# has LINE NAME : $out holds exactly this line
has() {
	if printf '%s\n' "$out" | grep -qxF -- "$1"; then
		ok 0 "$2"
	else
		ok 1 "$2"
		diag "missing line: $1"
		diag "got: $out"
	fi
}

# status_is_errors NAME : the exit status is the number of ERROR lines
status_is_errors() {
	is "$rc" "$(lines ERROR)" "$1: exit status = number of ERROR lines"
}

# ---------------------------------------------------------------- options

kc -V
is "$rc" 0 "-V exits 0"
like "$out" '^ods-kaspcheck version 1\.4\.14$' "-V prints the version"

kc --version
is "$rc" 0 "--version exits 0"

kc -h
is "$rc" 0 "-h exits 0"
like "$out" '^usage: ods-kaspcheck ' "-h prints the usage on stdout"
like "$out" '-k, --kasp <file>' "-h lists --kasp"

kc --frobnicate
is "$rc" 1 "an unknown option exits 1"
like "$err" "unrecognized option '--frobnicate'" "an unknown option: getopt's message"
like "$err" '^usage: ' "an unknown option prints the usage on stderr"

# ---------------------------------------------------------------- clean set

kc -c "$T/conf.xml"
is "$rc" 0 "clean files: exit 0"
is "$out" "INFO: The XML in $T/conf.xml is valid
INFO: The XML in $T/zonelist.xml is valid
INFO: The XML in $T/kasp.xml is valid" "clean files: only the three INFO lines"
is "$err" "" "clean files: nothing on stderr"

kc --conf "$T/conf.xml"
is "$rc" 0 "--conf abbreviates --config"
like "$out" "^INFO: The XML in $T/conf.xml is valid" "--conf reads the file given"

kc --config="$T/conf.xml" --kasp="$T/kasp.xml" -v
is "$rc" 0 "-v: exit 0"
is "$(lines WARNING)$(lines ERROR)" "00" "-v: still no warnings or errors"
has "INFO: Checking policy lab in $T/kasp.xml" "-v names each policy it checks"

# ---------------------------------------------------------------- conf.xml

kc -c "$T/conf-problems.xml"
is "$rc" 6 "conf-problems: 6 errors"
status_is_errors conf-problems
is "$(lines WARNING)" 4 "conf-problems: 4 warnings"
has "ERROR: Module ($T/no-such-lib.so) does not exist" "a missing Module"
has "ERROR: Repository name 'SoftHSM' is used more than once in $T/conf-problems.xml" \
	"a repeated repository name"
has "ERROR: Repositories SoftHSM and Again in $T/conf-problems.xml have the same Module ($T/libpkcs11.so) and TokenLabel (OpenDNSSEC)" \
	"a repeated Module and TokenLabel"
has "ERROR: User 'kc-no-such-user' does not exist" "an unknown user"
has "ERROR: Group 'kc-no-such-group' does not exist" "an unknown group"
has "ERROR: DelegationSignerSubmitCommand ($T/no-such-submit) does not exist" \
	"a missing DS submit command"
has "WARNING: SQLite datastore ($T/no-such.db) does not exist; 'ods-ksmutil setup' creates it" \
	"a missing SQLite database is a warning"
has "WARNING: In Configuration M used in duration field for Enforcer/Interval (P1M) in $T/conf-problems.xml - this will be interpreted as 31 days" \
	"Interval in months"
has "WARNING: In Configuration Y used in duration field for Enforcer/RolloverNotification (P1Y) in $T/conf-problems.xml - this will be interpreted as 365 days" \
	"RolloverNotification in years"
has "WARNING: Signer WorkingDirectory ($T/no-such-dir) is not a directory" \
	"a missing signer working directory"
has "INFO: The XML in $T/kasp.xml is valid" "conf-problems: kasp.xml is still checked"

chmod -x "$T/submit-ds"
kc -c "$T/conf.xml"
is "$rc" 1 "a DS submit command that is not executable: 1 error"
has "ERROR: DelegationSignerSubmitCommand ($T/submit-ds) is not executable" \
	"a DS submit command that is not executable"
chmod +x "$T/submit-ds"

kc -c "$T/conf-invalid.xml"
is "$rc" 1 "conf-invalid: 1 error"
status_is_errors conf-invalid
has "ERROR: $T/conf-invalid.xml fails to validate" "conf-invalid: fails to validate"
like "$out" "^$T/conf-invalid.xml:[0-9]+: element Enforcer: fails to validate: " \
	"conf-invalid: the detail line names file, line and element"
has "INFO: Policies not checked: $T/conf-invalid.xml did not load and no kasp.xml was given with -k" \
	"conf-invalid: says the policies were not checked"

kc -c "$T/conf-invalid.xml" -k "$T/kasp-errors.xml"
is "$rc" 9 "conf-invalid with -k: the policies are checked (without repositories)"
unlike "$out" "Unknown repository" "without conf.xml the repositories are not checked"

kc -c "$T/nope.xml"
is "$rc" 1 "a missing conf.xml: 1 error"
has "ERROR: cannot read $T/nope.xml: No such file or directory" "a missing conf.xml is named"

sed "s|$T/zonelist.xml|$T/zonelist-invalid.xml|" "$T/conf.xml" > "$T/conf-zl.xml"
kc -c "$T/conf-zl.xml"
is "$rc" 1 "an invalid zonelist.xml: 1 error"
has "ERROR: $T/zonelist-invalid.xml fails to validate" "an invalid zonelist.xml"

sed "s|$T/kasp.db|$T/nope.db|" "$T/conf.xml" > "$T/conf-nodb.xml"
kc -c "$T/conf-nodb.xml"
is "$rc" 0 "a database not set up yet is only a warning"
is "$(lines WARNING)" 1 "a database not set up yet: one warning"

# ---------------------------------------------------------------- kasp.xml

kc -c "$T/conf.xml" -k "$T/kasp-errors.xml"
is "$rc" 9 "kasp-errors: 9 errors"
status_is_errors kasp-errors
is "$(lines WARNING)" 3 "kasp-errors: 3 warnings"
K="$T/kasp-errors.xml"
has "ERROR: Unknown repository (bob) defined for KSK in default policy in $K" \
	"an unknown repository (the text of the specification)"
has "ERROR: The Refresh interval (3600 seconds) for default policy in $K is less than or equal to the Resign interval (7200 seconds)" \
	"Refresh not longer than Resign"
has "ERROR: NSEC3 Hash/Algorithm (2) for default policy in $K is not 1 (SHA-1, the only one defined)" \
	"an NSEC3 hash algorithm other than 1"
has "ERROR: Key length of 8192 used for KSK in default policy in $K. Should not be more than 4096" \
	"an RSA key over 4096 bits"
has "WARNING: InceptionOffset (7200 seconds) for default policy in $K is more than one hour" \
	"InceptionOffset over an hour"
has "WARNING: KSK lifetime (2592000 seconds) for default policy in $K is shorter than the ZSK lifetime (7776000 seconds)" \
	"a KSK that rolls more often than the ZSK"
has "ERROR: Validity/Denial (3600 seconds) for second policy in $K is less than or equal to the Refresh interval (259200 seconds)" \
	"Validity/Denial not longer than Refresh"
has "ERROR: Jitter (43200 seconds) for second policy in $K is longer than Validity/Denial (3600 seconds)" \
	"Jitter longer than a validity"
has "ERROR: Algorithm 5 used for KSK in second policy in $K cannot be used with NSEC3" \
	"RSASHA1 KSK with NSEC3"
has "ERROR: Algorithm 5 used for ZSK in second policy in $K cannot be used with NSEC3" \
	"RSASHA1 ZSK with NSEC3"
has "ERROR: Serial type datecounter for second policy in $K allows at most 99 re-signs a day, but the Resign interval (600 seconds) asks for 144" \
	"datecounter with too many re-signs"
has "WARNING: ZSK lifetime (3600 seconds) for second policy in $K is shorter than the time a new ZSK needs to become usable (50400 seconds: Keys/TTL + Zone/PropagationDelay + Keys/PublishSafety)" \
	"a ZSK lifetime shorter than the time the key needs"

kc -c "$T/conf.xml" -k "$T/kasp-duplicate.xml"
is "$rc" 2 "kasp-duplicate: 2 errors"
status_is_errors kasp-duplicate
has "ERROR: Policy name 'default' is used more than once in $T/kasp-duplicate.xml" \
	"a repeated policy name"
has "ERROR: The Refresh interval (7200 seconds) for default policy in $T/kasp-duplicate.xml is less than or equal to the Resign interval (7200 seconds)" \
	"the second policy of a repeated name is checked too"

kc -c "$T/conf.xml" -k "$T/kasp-nodefault.xml"
is "$rc" 0 "kasp-nodefault: no errors"
has "WARNING: No policy named 'default' in $T/kasp-nodefault.xml. This means you will need to refer explicitly to the policy for each zone" \
	"no policy named default"

kc -c "$T/conf.xml" -k "$T/kasp-durations.xml"
is "$rc" 0 "kasp-durations: no errors"
is "$(lines WARNING)" 3 "kasp-durations: 3 warnings"
has "WARNING: In policy default M used in duration field for Keys/Purge (P1M) in $T/kasp-durations.xml - this will be interpreted as 31 days" \
	"a policy duration in months"
has "WARNING: In policy default Y used in duration field for Keys/KSK/Lifetime (P1Y) in $T/kasp-durations.xml - this will be interpreted as 365 days" \
	"a policy duration in years"
has "WARNING: In policy default M & Y used in duration field for Parent/SOA/TTL (P1Y2M) in $T/kasp-durations.xml - these will be interpreted as 31 and 365 days respectively" \
	"a policy duration in months and years"

kc -c "$T/conf.xml" -k "$T/kasp-invalid.xml"
is "$rc" 1 "kasp-invalid: 1 error"
has "ERROR: $T/kasp-invalid.xml fails to validate" "kasp-invalid: fails to validate"
like "$out" "^$T/kasp-invalid.xml:[0-9]+: element " "kasp-invalid: the detail line"

kc -c "$T/conf.xml" -k "$T/nope.xml"
is "$rc" 1 "a missing kasp.xml: 1 error"
has "ERROR: cannot read $T/nope.xml: No such file or directory" "a missing kasp.xml is named"

# The exit status stops at 255: 70 copies of a policy with 4 errors.
{
	echo '<KASP>'
	i=0
	while [ $i -lt 70 ]; do
		i=$((i + 1))
		sed -n '/<Policy name="default">/,/<\/Policy>/p' "$T/kasp-errors.xml" |
			sed "s|<Policy name=\"default\">|<Policy name=\"p$i\">|"
	done
	echo '</KASP>'
} > "$T/kasp-many.xml"
kc -c "$T/conf.xml" -k "$T/kasp-many.xml"
is "$(lines ERROR)" 280 "kasp-many: 280 errors reported"
is "$rc" 255 "kasp-many: the exit status stops at 255"

done_testing
