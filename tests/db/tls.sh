#!/bin/sh
# tls.sh - TLS to the database servers (conf.xml <TLS>), on PostgreSQL and
# MariaDB: a throw-away CA made with openssl, servers of our own started
# with TLS (tests/lib/*-server.sh, TEST_TLS_*), and ods-ksmutil run with a
# conf.xml per case. Checks that verify-full with the right CA connects,
# that the wrong CA or a certificate for another name is refused with one
# line "cannot connect to <engine> at <host:port>: server certificate does
# not verify: <reason>", that verify-ca and require are what they say,
# that disable uses no TLS, that a client certificate reaches the server
# (also from pg_dump and mariadb-dump), and that a failed verification
# changes nothing stored. An engine whose server binaries or driver are
# missing is skipped; with neither engine the whole file is. TAP output.
. "$top_srcdir/tests/lib/tap.sh"
: "${top_builddir:?top_builddir not set}"

KSMUTIL=$top_builddir/ods-ksmutil

command -v openssl > /dev/null || skip_all "no openssl command"

engines=
pgbin=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && pgbin=$d
done
if grep -q '^#define HAVE_PGSQL 1' "$top_builddir/config.h" && [ -n "$pgbin" ]; then
	engines="$engines pgsql"
fi
if grep -q '^#define HAVE_MYSQL 1' "$top_builddir/config.h" &&
	{ command -v mariadbd > /dev/null || [ -x /usr/sbin/mariadbd ]; } &&
	command -v mariadb-install-db > /dev/null; then
	engines="$engines mysql"
fi
[ -n "$engines" ] || skip_all "no PostgreSQL or MariaDB server binaries (or drivers) here"

T=$(mktemp -d "${TMPDIR:-/tmp}/kasp-tls.XXXXXX") || exit 1
chmod 755 "$T"      # the postgres user must reach its data dir inside
cleanup() {
	bash "$top_srcdir/tests/lib/pgsql-server.sh" stop "$T/srv" > /dev/null 2>&1
	bash "$top_srcdir/tests/lib/mysql-server.sh" stop "$T/srv" > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------- the PKI
# ca: the CA the servers' certificates come from; otherca: another one.
# good: 127.0.0.1 and localhost; wrongname: db.invalid (by ca); client:
# CN odscert (by ca), the user the servers let in by certificate.
P=$T/pki
mkdir -m 700 "$P"
eckey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2> /dev/null; }
mkca() {
	eckey "$P/$1.key" &&
	openssl req -x509 -new -key "$P/$1.key" -out "$P/$1.pem" -days 2 -subj "/CN=kasp test $1" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2> "$P/err"
}
# mkleaf NAME CA CN USAGE [SAN]
mkleaf() {
	eckey "$P/$1.key" &&
	openssl req -new -key "$P/$1.key" -out "$P/$1.csr" -subj "/CN=$3" 2> "$P/err" || return 1
	{
		echo "basicConstraints=CA:FALSE"
		echo "keyUsage=critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=$4"
		[ -z "${5:-}" ] || echo "subjectAltName=$5"
	} > "$P/$1.ext"
	openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.pem" -CAkey "$P/$2.key" -days 2 \
		-set_serial "0x$(openssl rand -hex 8)" -extfile "$P/$1.ext" -out "$P/$1.pem" 2> "$P/err"
}
if ! { mkca ca && mkca otherca &&
	mkleaf good ca 127.0.0.1 serverAuth "IP:127.0.0.1,DNS:localhost" &&
	mkleaf wrongname ca db.invalid serverAuth "DNS:db.invalid" &&
	mkleaf client ca odscert clientAuth; }; then
	echo "Bail out! openssl cannot make the test certificates: $(cat "$P/err")"
	exit 1
fi
chmod 644 "$P"/*.pem
chmod 600 "$P"/*.key
CA=$P/ca.pem
OTHERCA=$P/otherca.pem
CLIENT="<Certificate>$P/client.pem</Certificate><Key>$P/client.key</Key>"

# ---------------------------------------------------------------- helpers
cp "$top_srcdir/contrib/kasp.xml" "$T/kasp.xml"
cp "$top_srcdir/contrib/zonelist.xml" "$T/zonelist.xml"

# ksm_with USER HOST TLS-XML ARGS... : ods-ksmutil ARGS with a conf.xml for
# $TAG on 127.0.0.1:$PORT (or HOST) as USER; $out (stdout+stderr), $rc
ksm_with() {
	_user=$1 _host=$2 _tls=$3
	shift 3
	cat > "$T/conf.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Configuration>
	<RepositoryList/>
	<Common>
		<PolicyFile>$T/kasp.xml</PolicyFile>
		<ZoneListFile>$T/zonelist.xml</ZoneListFile>
	</Common>
	<Enforcer>
		<Datastore><$TAG>
			<Host port="$PORT">$_host</Host><Database>kasp</Database>
			<Username>$_user</Username><Password>ods</Password>$_tls
		</$TAG></Datastore>
		<Interval>PT3600S</Interval>
	</Enforcer>
</Configuration>
XML
	out=$("$KSMUTIL" -c "$T/conf.xml" "$@" < /dev/null 2>&1)
	rc=$?
}

# connects NAME USER HOST TLS : database status works
connects() {
	ksm_with "$2" "$3" "$4" database status
	if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^Database backend:'; then
		ok 0 "$E: $1"
	else
		ok 1 "$E: $1"
		diag "exit $rc: $out"
	fi
}

# refused NAME REGEX USER HOST TLS : database status fails with one line matching REGEX
refused() {
	ksm_with "$3" "$4" "$5" database status
	if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		printf '%s\n' "$out" | grep -Eq -- "$2"; then
		ok 0 "$E: $1"
	else
		ok 1 "$E: $1"
		diag "exit $rc: $out"
		diag "want one line matching: $2"
	fi
}

# tls MODE [CA] [MORE] : a <TLS> element
tls() { echo "<TLS><Mode>$1</Mode>${2:+<CAFile>$2</CAFile>}${3:-}</TLS>"; }

# ---------------------------------------------------------------- servers
# As well as ods (password; every connection must use TLS) each server
# gets odsplain (password; PostgreSQL: must NOT use TLS) and odscert (a
# client certificate of our CA with CN odscert).
start_pgsql() {
	env=$(TEST_TLS_CERT=$P/good.pem TEST_TLS_KEY=$P/good.key TEST_TLS_CA=$CA \
		PGSQL_TEST_PORT=55710 bash "$top_srcdir/tests/lib/pgsql-server.sh" start "$T/srv" \
		2> "$T/start.log") || return 1
	PORT=$(printf '%s\n' "$env" | sed -n "s/^ODS_TEST_PGSQL='.* port=\([0-9]*\) .*/\1/p")
	SRV=$T/srv/pg
	if [ "$(id -u)" -eq 0 ]; then set -- runuser -u postgres --; else set --; fi
	"$@" "$pgbin/psql" -X -q -h "$SRV" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE ROLE odsplain LOGIN PASSWORD 'ods'" \
		-c "CREATE ROLE odscert LOGIN PASSWORD 'ods'" > "$T/start.log" 2>&1 || return 1
	hba=$SRV/data/pg_hba.conf
	{
		echo "hostnossl all ods 127.0.0.1/32 reject"
		echo "hostssl all odsplain 127.0.0.1/32 reject"
		echo "hostssl all odscert 127.0.0.1/32 cert"
		cat "$hba"
	} > "$T/hba" && cat "$T/hba" > "$hba" || return 1
	reload_pgsql
}

# after a change of pg_hba.conf or the certificate files: reload and wait
# until the postmaster says it did
reload_pgsql() {
	_n=$(grep -c 'reloading configuration files' "$SRV/server.log")
	kill -HUP "$(cat "$SRV/pid")" || return 1
	_i=0
	while [ "$(grep -c 'reloading configuration files' "$SRV/server.log")" -le "$_n" ]; do
		_i=$((_i + 1))
		[ $_i -le 100 ] || return 1
		sleep 0.1
	done
	sleep 0.3
}

start_mysql() {
	env=$(TEST_TLS_CERT=$P/good.pem TEST_TLS_KEY=$P/good.key TEST_TLS_CA=$CA \
		MYSQL_TEST_PORT=53710 bash "$top_srcdir/tests/lib/mysql-server.sh" start "$T/srv" \
		2> "$T/start.log") || return 1
	PORT=$(printf '%s\n' "$env" | sed -n "s/^ODS_TEST_MYSQL='.* port=\([0-9]*\) .*/\1/p")
	SRV=$T/srv/my
	# the server sees 127.0.0.1 as localhost: both accounts of each user
	root_sql "
		ALTER USER ods@'127.0.0.1' REQUIRE SSL;
		ALTER USER ods@'localhost' REQUIRE SSL;
		CREATE USER odsplain@'127.0.0.1' IDENTIFIED BY 'ods';
		CREATE USER odsplain@'localhost' IDENTIFIED BY 'ods';
		GRANT ALL ON kasp.* TO odsplain@'127.0.0.1';
		GRANT ALL ON kasp.* TO odsplain@'localhost';
		CREATE USER odscert@'127.0.0.1' IDENTIFIED BY 'ods' REQUIRE SUBJECT '/CN=odscert';
		CREATE USER odscert@'localhost' IDENTIFIED BY 'ods' REQUIRE SUBJECT '/CN=odscert';
		GRANT ALL ON kasp.* TO odscert@'127.0.0.1';
		GRANT ALL ON kasp.* TO odscert@'localhost';" > "$T/start.log" 2>&1
}

root_sql() { mariadb --no-defaults --socket="$T/srv/my/sock" -uroot -e "$1"; }

# use_cert NAME : the server presents certificate NAME from now on
use_cert() {
	cp "$P/$1.pem" "$SRV/tls/server.crt" && cp "$P/$1.key" "$SRV/tls/server.key" || return 1
	if [ "$ENGINE" = pgsql ]; then reload_pgsql; else root_sql "FLUSH SSL"; fi
}

# ---------------------------------------------------------------- the cases
run_engine() {
	ENGINE=$1
	if [ "$ENGINE" = pgsql ]; then
		E=PostgreSQL TAG=PostgreSQL
		start_pgsql
	else
		E=MariaDB TAG=MySQL
		start_mysql
	fi
	_st=$?
	ok $_st "$E: server with TLS started"
	if [ $_st -ne 0 ]; then
		diag "$(cat "$T/start.log")"
		return
	fi
	NOVERIFY="^Error: cannot connect to $TAG at 127\\.0\\.0\\.1:$PORT: server certificate does not verify: [^ ]"

	# -- the server's certificate names 127.0.0.1 and localhost, by ca
	connects "verify-full with the right CA connects" ods 127.0.0.1 "$(tls verify-full "$CA")"
	if [ "$ENGINE" = pgsql ]; then
		# (MariaDB's client takes "localhost" for its UNIX socket)
		connects "verify-full to localhost connects" ods localhost "$(tls verify-full "$CA")"
	fi
	connects "a CAFile without Mode means verify-full, and connects" ods 127.0.0.1 \
		"<TLS><CAFile>$CA</CAFile></TLS>"
	refused "verify-full with another CA is refused in one line" "$NOVERIFY" \
		ods 127.0.0.1 "$(tls verify-full "$OTHERCA")"
	refused "verify-ca with another CA is refused in one line" "$NOVERIFY" \
		ods 127.0.0.1 "$(tls verify-ca "$OTHERCA")"
	refused "a CAFile without Mode checks it: another CA is refused" "$NOVERIFY" \
		ods 127.0.0.1 "<TLS><CAFile>$OTHERCA</CAFile></TLS>"
	refused "require with a CAFile checks the chain too" "$NOVERIFY" \
		ods 127.0.0.1 "$(tls require "$OTHERCA")"
	connects "require without a CA connects (over TLS: ods must use it)" ods 127.0.0.1 \
		"$(tls require)"
	if [ "$ENGINE" = pgsql ]; then
		refused "disable uses no TLS: the server refuses ods without it" \
			'^Error: cannot connect to PostgreSQL at .*: .*no encryption' \
			ods 127.0.0.1 "$(tls disable)"
		connects "disable connects where the server forbids TLS (odsplain)" odsplain 127.0.0.1 \
			"$(tls disable)"
		refused "require uses TLS: the server refuses odsplain with it" \
			'^Error: cannot connect to PostgreSQL at .*: .*SSL encryption' \
			odsplain 127.0.0.1 "$(tls require)"
		connects "no TLS element, local host: TLS when offered (ods connects)" ods 127.0.0.1 ""
	else
		refused "disable uses no TLS: the server refuses ods (REQUIRE SSL) without it" \
			"^Error: cannot connect to MySQL server .*Access denied for user 'ods'" \
			ods 127.0.0.1 "$(tls disable)"
		connects "disable connects as a user without REQUIRE SSL" odsplain 127.0.0.1 \
			"$(tls disable)"
		refused "no TLS element, local host: no TLS, as before (ods is refused)" \
			"^Error: cannot connect to MySQL server .*Access denied for user 'ods'" \
			ods 127.0.0.1 ""
		connects "no TLS element, local host: odsplain connects" odsplain 127.0.0.1 ""
	fi

	# -- client certificates
	if [ "$ENGINE" = pgsql ]; then
		cert_refused='^Error: cannot connect to PostgreSQL at .*: .*certificate'
	else
		cert_refused="^Error: cannot connect to MySQL server .*Access denied for user 'odscert'"
	fi
	refused "odscert without a client certificate is refused" "$cert_refused" \
		odscert 127.0.0.1 "$(tls verify-full "$CA")"
	connects "odscert with our client certificate and key connects" odscert 127.0.0.1 \
		"$(tls verify-full "$CA" "$CLIENT")"
	connects "a Certificate without Mode means require, and connects" odscert 127.0.0.1 \
		"<TLS>$CLIENT</TLS>"
	refused "a missing key file is one clear line" \
		"^Error: cannot connect to $TAG at 127\\.0\\.0\\.1:$PORT: cannot read TLS key file $T/pki/nokey\\.key: No such file or directory\$" \
		odscert 127.0.0.1 \
		"$(tls verify-full "$CA" "<Certificate>$P/client.pem</Certificate><Key>$P/nokey.key</Key>")"
	refused "a missing CA file is one clear line" \
		"^Error: cannot connect to $TAG at 127\\.0\\.0\\.1:$PORT: cannot read TLS CA file $T/pki/none\\.pem: No such file or directory\$" \
		ods 127.0.0.1 "$(tls verify-full "$P/none.pem")"

	# -- the dump tool gets the same TLS settings (it must show our client certificate)
	rm -f "$T/backup"
	ksm_with odscert 127.0.0.1 "$(tls verify-full "$CA" "$CLIENT")" \
		database backup --output "$T/backup"
	if [ $rc -eq 0 ] && [ -s "$T/backup" ]; then
		ok 0 "$E: backup with a client certificate (the dump tool presents it)"
	else
		ok 1 "$E: backup with a client certificate (the dump tool presents it)"
		diag "exit $rc: $out"
	fi
	rm -f "$T/backup"
	ksm_with odsplain 127.0.0.1 "$(tls disable)" database backup --output "$T/backup"
	if [ $rc -eq 0 ] && [ -s "$T/backup" ]; then
		ok 0 "$E: backup with TLS disabled"
	else
		ok 1 "$E: backup with TLS disabled"
		diag "exit $rc: $out"
	fi

	# -- a failed verification changes nothing stored
	ksm_with ods 127.0.0.1 "$(tls verify-full "$OTHERCA")" database migrate
	if [ $rc -ne 0 ] && printf '%s\n' "$out" | grep -Eq -- "$NOVERIFY"; then
		ok 0 "$E: database migrate with the wrong CA fails"
	else
		ok 1 "$E: database migrate with the wrong CA fails"
		diag "exit $rc: $out"
	fi
	ksm_with ods 127.0.0.1 "$(tls verify-full "$CA")" database status
	like "$out" '^Schema version: +none' "$E: ... and the database is still empty"
	ksm_with ods 127.0.0.1 "$(tls verify-full "$CA")" database migrate
	is "$rc" 0 "$E: database migrate over verified TLS works"

	# -- the server's certificate names db.invalid, by ca
	if use_cert wrongname; then
		ok 0 "$E: server now presents a certificate for db.invalid"
	else
		ok 1 "$E: server now presents a certificate for db.invalid"
	fi
	refused "verify-full with the wrong host name is refused in one line" "$NOVERIFY" \
		ods 127.0.0.1 "$(tls verify-full "$CA")"
	if [ "$ENGINE" = pgsql ]; then
		like "$out" 'does not match host name "127\.0\.0\.1"' "$E: ... and the reason names the host"
	fi
	connects "verify-ca with the wrong host name connects" ods 127.0.0.1 "$(tls verify-ca "$CA")"
	connects "require with the wrong host name connects" ods 127.0.0.1 "$(tls require)"

	if [ "$ENGINE" = pgsql ]; then
		bash "$top_srcdir/tests/lib/pgsql-server.sh" stop "$T/srv" > /dev/null 2>&1
	else
		bash "$top_srcdir/tests/lib/mysql-server.sh" stop "$T/srv" > /dev/null 2>&1
	fi
}

for engine in $engines; do
	run_engine "$engine"
done
done_testing
