/*
 * conf.h - conf.xml, the main configuration file (ksmutil-cli.md 10.1,
 * enforcer.md 4.10), read into a struct conf.
 *
 * The file is checked against the RelaxNG schema conf.rng, which is compiled
 * into the program (and also installed in the data directory for xmllint).
 * Every conf.xml that OpenDNSSEC 1.4 accepted is accepted unchanged; a
 * <PostgreSQL> datastore shaped like <MySQL> and an optional
 * Enforcer/SignerNotifyCommand are the additions.
 *
 * Ownership: conf_load() returns a struct the caller frees with conf_free();
 * every string and array in it, including those of the embedded struct
 * conf_datastore, belongs to the struct and lives until conf_free(). Callers
 * must not free or keep them past that.
 */
#ifndef CONFIG_CONF_H
#define CONFIG_CONF_H

#include <stddef.h>
#include <stdint.h>

/*
 * The database engine of Enforcer/Datastore (0: none read). The programs
 * turn a struct conf_datastore into db/db.h's struct db_config with
 * store_db_config() (store/store.h): config itself does not depend on db/.
 */
enum conf_backend {
	CONF_BACKEND_SQLITE = 1,
	CONF_BACKEND_PGSQL = 2,
	CONF_BACKEND_MYSQL = 3,
};

/* Datastore's TLS/Mode (db.h's enum db_tls_mode says what each means). */
enum conf_tls_mode {
	CONF_TLS_DEFAULT = 0,
	CONF_TLS_DISABLE = 1,
	CONF_TLS_REQUIRE = 2,
	CONF_TLS_VERIFY_CA = 3,
	CONF_TLS_VERIFY_FULL = 4,
};

/* Enforcer/Datastore as read (see struct conf's datastore for each field). */
struct conf_datastore {
	enum conf_backend backend;
	const char *path;     /* SQLite: the database file */
	const char *host;     /* server: host name or address (NULL = default) */
	unsigned port;        /* server: TCP port */
	const char *database; /* server: database name */
	const char *user;     /* server: user name */
	const char *password; /* server: password; never printed or logged */
	enum conf_tls_mode tls_mode;
	const char *tls_ca; /* TLS: PEM files, NULL = none */
	const char *tls_cert;
	const char *tls_key;
	int read_only; /* Datastore/ReadOnly present */
};

/* One <Repository> of <RepositoryList>: a PKCS#11 token. */
struct conf_repository {
	char *name;           /* @name, as written */
	char *module;         /* Module: path of the PKCS#11 library (trimmed) */
	char *token_label;    /* TokenLabel (trimmed) */
	char *pin;            /* PIN exactly as written; NULL when absent (prompt later) */
	long capacity;        /* Capacity; 0 = unlimited (element absent) */
	int require_backup;   /* RequireBackup present */
	int skip_public_key;  /* SkipPublicKey present */
	int allow_extraction; /* AllowExtraction present */
};

#define CONF_DEFAULT_POLL_INTERVAL 5

struct conf {
	char *path;          /* the file that was read, as given to conf_load() */
	char *policy_file;   /* Common/PolicyFile; ODS_CONFDIR "/kasp.xml" when empty */
	char *zonelist_file; /* Common/ZoneListFile; ODS_CONFDIR "/zonelist.xml" when empty */
	int verbosity;       /* Common/Logging/Verbosity; 0 when absent */
	/*
	 * Common/Logging/Syslog/Facility through log_facility_from_name()
	 * (case-insensitive prefix match: "local3", "Local3"); LOG_DAEMON when
	 * absent or unknown ("LOG_LOCAL3" is unknown). Unknown is not an error.
	 */
	int syslog_facility;
	/*
	 * The same element's text, trimmed, as the daemon logs it ("Log User set
	 * to: <text>"); NULL when the element is absent.
	 */
	char *syslog_facility_text;
	char *pid_file; /* Enforcer/PidFile; ODS_RUNDIR "/enforcerd.pid" when absent or empty */
	/*
	 * Enforcer/MetricsFile (our addition), trimmed: where the daemon writes
	 * the metrics after every pass; NULL when absent or empty (none).
	 */
	char *metrics_file;
	int64_t interval;   /* Enforcer/Interval in seconds (never negative) */
	char *user, *group; /* Enforcer/Privileges/User, Group (trimmed); NULL when absent */
	int manual_keygen;  /* Enforcer/ManualKeyGeneration present */
	/*
	 * Enforcer/DelegationSignerSubmitCommand, trimmed, without a trailing
	 * " --cka_id"; NULL when absent or empty.
	 */
	char *ds_submit_cmd;
	int ds_submit_cka_id; /* the command ended in " --cka_id" */
	/*
	 * Enforcer/SignerNotifyCommand (our addition): the command the daemon
	 * runs after it changed a zone's signconf, split on white space into a
	 * NULL-terminated argv (no quoting); the argument text "%zone" stands
	 * for the zone name. When the element is absent:
	 * { ODS_SBINDIR "/ods-signer", "update", "%zone", NULL }, the 1.x
	 * behaviour. When it is empty (or only white space): NULL, meaning the
	 * signer is not told.
	 */
	char **signer_notify_argv;
	int64_t rollover_notification; /* Enforcer/RolloverNotification in seconds; -1 when absent */
	/*
	 * Enforcer/Cluster/PollInterval (our addition) in seconds, at least 1;
	 * CONF_DEFAULT_POLL_INTERVAL when absent: how often a standby daemon
	 * asks for the lead, and how often every daemon writes its heartbeat.
	 */
	int64_t poll_interval;
	/*
	 * Enforcer/Datastore. Strings are owned by this struct.
	 *  SQLite:     path = the element's text, trimmed, as written: a relative
	 *              path is relative to the working directory of the program,
	 *              as in 1.x; empty = ODS_STATEDIR "/kasp.db".
	 *  MySQL:      host = Host or "127.0.0.1" (the 1.x default) when absent or
	 *              empty; port = Host/@port or 3306.
	 *  PostgreSQL: host = Host, or NULL when absent or empty (libpq's own
	 *              default: PGHOST or the local socket); port = Host/@port
	 *              or 5432.
	 *  Both servers: database, user (Username) trimmed; password exactly as
	 *  written, "" when the element is empty. TLS (optional): tls_mode =
	 *  Mode, CONF_TLS_DEFAULT when absent; tls_ca, tls_cert, tls_key =
	 *  CAFile, Certificate, Key trimmed, NULL when absent or empty. A
	 *  relative file path, a Certificate without a Key (or the reverse)
	 *  and verify-ca without a CAFile are E_INVAL.
	 *  read_only: Datastore/ReadOnly is present (any engine).
	 */
	struct conf_datastore datastore;
	struct conf_repository *repos; /* RepositoryList/Repository in file order */
	size_t nrepos;
	/*
	 * How many durations (Interval, RolloverNotification) used Y or a month
	 * M and are therefore approximate: the CLI prints its "Info: converting"
	 * line when this is not 0.
	 */
	unsigned approx_durations;
};

/*
 * Read and validate path. On success *out is the new configuration (free
 * with conf_free()). On failure *out is untouched and err (errlen bytes at
 * most) holds one line naming the file, the line and the element, e.g.
 *   cannot read /x/conf.xml: No such file or directory
 *   /etc/opendnssec/conf.xml:7: not well-formed XML: <libxml2 detail>
 *   /etc/opendnssec/conf.xml:14: element Interval: "P1X" is not a valid duration
 *   /etc/opendnssec/conf.xml:30: element Foo: fails to validate: Element Enforcer has
 *     extra content: Foo
 * Errors: E_IO (cannot read), E_PARSE (not XML, or a bad duration or
 * number), E_RANGE (a number or duration out of range, a negative
 * duration, Capacity < 1), E_INVAL (fails the schema, a TLS setting as
 * above, or a NULL argument), E_NOMEM.
 *
 * Uses libxml2, whose error handlers are swapped for the call (see
 * config/xml.h): call it from one thread at a time.
 */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);

/* Free conf and everything it owns. NULL is a no-op. */
void conf_free(struct conf *conf);

/* The first repository named name (exact match), or NULL. Borrowed from conf. */
const struct conf_repository *conf_repository(const struct conf *conf, const char *name);

#endif
