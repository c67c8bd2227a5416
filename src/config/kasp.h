/*
 * kasp.h - kasp.xml: Key and Signing Policies, read and written.
 *
 * kasp.xml is an import/export format; the database holds the truth. A
 * policy is read into a struct kasp_policy (all durations in seconds), which
 * src/store maps onto the OpenDNSSEC 1.4 `policies` and
 * `parameters_policies` rows (enforcer.md §2.1) and reads back the same way.
 *
 * Ownership: everything reached from a struct kasp is freed by kasp_free();
 * a struct kasp_policy on its own by kasp_policy_free(). Strings are
 * malloc()ed.
 */
#ifndef CONFIG_KASP_H
#define CONFIG_KASP_H

#include <stddef.h>
#include <stdint.h>

/* SOA serial modes, numbered as the 1.4 `serialmodes` table. */
enum kasp_serial {
	KASP_SERIAL_UNIXTIME = 1,
	KASP_SERIAL_COUNTER = 2,
	KASP_SERIAL_DATECOUNTER = 3,
	KASP_SERIAL_KEEP = 4,
};

/* One <KSK> or <ZSK> (the last one wins when there are several, as in 1.4). */
struct kasp_keydef {
	int algorithm;       /* DNSSEC algorithm number, 0..255 */
	int bits;            /* Algorithm/@length; 0 when absent */
	int64_t lifetime;    /* seconds; 0 = never rolls */
	char *repository;    /* repository name (conf.xml RepositoryList) */
	int standby;         /* number of standby keys; 0 when absent */
	int manual_rollover; /* <ManualRollover/> present */
	int rfc5011;         /* <RFC5011/> present (KSK only) */
};

struct kasp_policy {
	char *name;
	char *description; /* "" when the element is empty */

	/* <Signatures> */
	int64_t resign, refresh, valdefault, valdenial, jitter, inception_offset;

	/* <Denial> */
	int nsec3;         /* 0: <NSEC/>, 1: <NSEC3> */
	int64_t nsec3_ttl; /* NSEC3PARAM TTL; 0 when absent */
	int optout;
	int64_t resalt;
	int hash_algorithm, iterations, salt_length;

	/* <Keys> */
	int64_t key_ttl, retire_safety, publish_safety;
	int share_keys;
	int64_t purge; /* seconds; -1 when <Purge> is absent */
	struct kasp_keydef ksk, zsk;

	/* <Zone> */
	int64_t zone_propdelay, zone_soa_ttl, zone_soa_min;
	enum kasp_serial serial;

	/* <Parent> */
	int64_t parent_propdelay, parent_ds_ttl, parent_soa_ttl, parent_soa_min;
};

struct kasp {
	struct kasp_policy *policies; /* in file order */
	size_t npolicies;
	/* The duration texts that used Y or month M, in file order, for the
	 * "Info: converting <text> to seconds; ..." lines the CLI prints. */
	char **approx;
	size_t napprox;
};

/*
 * Read and validate path against the embedded kasp.rng. On failure *out is
 * untouched and err holds one line "<path>:<line>: element <E>: <problem>"
 * (or "cannot read <path>: <strerror>").
 * Beyond the schema, these are errors: a policy without a KSK or without a
 * ZSK (1.4 accepted it and stored algorithm 0), a KSK/ZSK algorithm that is
 * not a DNSSEC signing algorithm (1, 3, 5, 6, 7, 8, 10, 12-16), a negative
 * duration, and two policies with the same name.
 * Errors: E_IO (cannot read), E_PARSE (not well-formed; a duration or
 * number that does not parse), E_RANGE (a duration or number out of range,
 * a negative duration), E_INVAL (does not validate, unknown algorithm or
 * serial mode, no KSK/ZSK), E_EXISTS (duplicate policy name), E_NOMEM.
 */
int kasp_load(const char *path, struct kasp **out, char *err, size_t errlen);
void kasp_free(struct kasp *kasp);
void kasp_policy_free(struct kasp_policy *policy); /* frees members and policy */

/* The policy of that name, or NULL. */
const struct kasp_policy *kasp_find(const struct kasp *kasp, const char *name);

/*
 * `policy export`: a KASP document holding the n policies in the order
 * given, as 1.x wrote it (`<?xml version="1.0"?>`, 4-space indentation,
 * every duration as PT<n>S, optional elements as ksmutil-cli.md §6.3;
 * Algorithm/@length and Standby always written). No policies gives
 * `<KASP/>`. *out is malloc()ed and NUL-terminated, *len its length.
 * Errors: E_INVAL (a NULL policy, or a serial mode without a name),
 * E_NOMEM.
 */
int kasp_format(const struct kasp_policy *const *policies, size_t n, char **out, size_t *len);

/* "unixtime" etc.; NULL for an unknown mode. And the reverse (E_NOTFOUND). */
const char *kasp_serial_name(enum kasp_serial serial);
int kasp_serial_from_name(const char *name, enum kasp_serial *out);

#endif
