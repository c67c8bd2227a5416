#!/bin/sh
# contrib/systemd/ods-enforcerd.service: systemd-analyze verify finds no
# fault in it; it runs the daemon in the foreground, restarts it on
# failure and reloads with SIGHUP; and the daemon does a full run under the
# unit's own NoNewPrivileges= and CapabilityBoundingSet= (applied with
# setpriv(1), as root), dropping to an unprivileged user as conf.xml asks.
# The rest of the sandbox (ProtectSystem=, PrivateTmp=, ...) needs systemd
# itself as PID 1, which the test machines do not have.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cliutil.sh"
. "$top_srcdir/tests/lib/softhsm.sh"

UNIT="$top_builddir/contrib/systemd/ods-enforcerd.service"
[ -r "$UNIT" ] || skip_all "$UNIT has not been built"

# value KEY : the value of the unit's KEY= line
value() {
	sed -n "s/^$1=//p" "$UNIT"
}

unlike "$(cat "$UNIT")" '%[a-z]{2,}%' "every placeholder is replaced by a configured path"
like "$(value ExecStart)" '^/.*/ods-enforcerd -d$' "ExecStart: the daemon by its full path, in the foreground"
is "$(value Restart)" on-failure "Restart=on-failure"
like "$(value ExecReload)" '^/bin/kill -HUP \$MAINPID$' "reload sends SIGHUP"
is "$(value ProtectSystem)" strict "ProtectSystem=strict"
is "$(value PrivateTmp)" yes "PrivateTmp=yes"
is "$(value NoNewPrivileges)" yes "NoNewPrivileges=yes"
like "$(value ReadWritePaths)" '^/[^ ]*/opendnssec -/[^ ]*/opendnssec ' \
	"the state and pid file directories stay writable"

if command -v systemd-analyze > /dev/null 2>&1; then
	# verify also checks that ExecStart= exists (name the built daemon) and
	# that man finds each Documentation= page (our pages, not installed)
	sed "s|^ExecStart=[^ ]*|ExecStart=$top_builddir/ods-enforcerd|" "$UNIT" \
		> "$T/ods-enforcerd.service"
	if command -v man > /dev/null 2>&1; then
		for page in "$top_srcdir"/doc/man/*.[0-9]; do
			mkdir -p "$T/man/man${page##*.}"
			ln -s "$page" "$T/man/man${page##*.}/"
		done
	else
		diag "man is not installed: the Documentation= line is not checked"
		sed -i '/^Documentation=/d' "$T/ods-enforcerd.service"
	fi
	verr=$(MANPATH="$T/man" systemd-analyze verify "$T/ods-enforcerd.service" 2>&1)
	is "$?:$verr" "0:" "systemd-analyze verify: no error and no warning"
	# the check can fail: an unknown key is reported
	printf 'Bogus=1\n' >> "$T/ods-enforcerd.service"
	verr=$(MANPATH="$T/man" systemd-analyze verify "$T/ods-enforcerd.service" 2>&1)
	like "$verr" "Unknown key 'Bogus'" "systemd-analyze verify reports a fault it is shown"
else
	ok 0 "systemd-analyze verify # SKIP systemd-analyze is not installed"
	ok 0 "systemd-analyze verify reports a fault # SKIP systemd-analyze is not installed"
fi

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv > /dev/null 2>&1 ||
	! softhsm_available || ! id nobody > /dev/null 2>&1 || [ "$DB_BACKEND" != sqlite ]; then
	diag "the run under the unit's limits needs root, setpriv, SoftHSMv2, a user nobody and SQLite"
	done_testing
	exit
fi

# setpriv's --bounding-set list from CapabilityBoundingSet=CAP_A CAP_B ...
caps=-all
for c in $(value CapabilityBoundingSet); do
	caps="$caps,+$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"
done
grp=$(id -gn nobody)

# As nobody the daemon must reach the token, the database and conf.xml
# (read again at every run): a state directory of its own, the rest readable.
chmod 755 "$T"
mkdir "$T/state" "$T/state/signconf"
softhsm_init "$T/state/hsm" OpenDNSSEC 2> "$T/softhsm.log" ||
	{ echo "Bail out! cannot make a SoftHSM token: $(cat "$T/softhsm.log")"; exit 1; }
write_conf "$T/conf.xml" "<SQLite>$T/state/kasp.db</SQLite>"
sed -i -e "s|<Enforcer>|<Enforcer><Privileges><User>nobody</User><Group>$grp</Group></Privileges>|" \
	-e "s|<PidFile>.*</PidFile>|<PidFile>$T/run/enforcerd.pid</PidFile>|" "$T/conf.xml"
cat > "$T/zonelist.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<ZoneList>
	<Zone name="example.com">
		<Policy>default</Policy>
		<SignerConfiguration>$T/state/signconf/example.com.xml</SignerConfiguration>
		<Adapters>
			<Input><File>$T/unsigned/example.com</File></Input>
			<Output><File>$T/signed/example.com</File></Output>
		</Adapters>
	</Zone>
</ZoneList>
XML
ksm setup --yes
is "$rc" 0 "setup"
chown -R nobody:"$grp" "$T/state"
chgrp "$grp" "$T/conf.xml" && chmod 640 "$T/conf.xml"
chmod 644 "$T/kasp.xml" "$T/zonelist.xml"

# run CAPS : one run of the daemon (-1) under no_new_privs and the bounding set CAPS
run() {
	setpriv --no-new-privs --bounding-set "$1" -- env SOFTHSM2_CONF="$SOFTHSM2_CONF" \
		"$top_builddir/ods-enforcerd" -1 -d -c "$T/conf.xml" > /dev/null 2> "$T/d.err" < /dev/null
	rc=$?
	err=$(cat "$T/d.err")
}

# A bounding set without CAP_SETUID: the drop fails, so the limits are real.
run "$(echo "$caps" | sed 's/,+setuid//')"
[ "$rc" -ne 0 ]
ok $? "without CAP_SETUID in the bounding set the daemon cannot become nobody (exit $rc)"

run "$caps"
is "$rc" 0 "under NoNewPrivileges and the unit's bounding set ($caps) a run ends with 0"
like "$err" "user set to: nobody \\($(id -u nobody)\\)" "the daemon became nobody"
ok "$([ -s "$T/state/signconf/example.com.xml" ]; echo $?)" "it wrote the zone's signconf"
is "$(stat -c %U "$T/state/signconf/example.com.xml" 2> /dev/null)" nobody "as nobody"
is "$(stat -c %U "$T/run" 2> /dev/null)" nobody "the pid file's new directory was handed to nobody"

done_testing
