/*
 * test_kaspcheck.c - the checks of ods-kaspcheck (src/kaspcheck/check.c),
 * one at a time, over configurations and policies built here in C: a
 * finding appears exactly when its condition holds (tested at the
 * boundary), and a clean policy gives none.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "common/err.h"
#include "config/conf.h"
#include "config/kasp.h"
#include "kaspcheck/check.h"

#define FILE_K "/etc/kasp.xml"
#define FILE_C "/etc/conf.xml"

typedef int (*policy_check)(struct kc_findings *, const struct kasp_policy *, const char *);

/* A policy that passes every check (the shape of contrib/kasp.xml). */
static struct kasp_policy
clean_policy(void)
{
	struct kasp_policy p = {
		.name = (char *)"default",
		.description = (char *)"",
		.resign = 7200,           /* PT2H */
		.refresh = 259200,        /* P3D */
		.valdefault = 604800,     /* P7D */
		.valdenial = 604800,      /* P7D */
		.jitter = 43200,          /* PT12H */
		.inception_offset = 3600, /* PT1H */
		.nsec3 = 1,
		.resalt = 8640000, /* P100D */
		.hash_algorithm = 1,
		.iterations = 5,
		.salt_length = 8,
		.key_ttl = 3600,
		.retire_safety = 3600,
		.publish_safety = 3600,
		.purge = 1209600,
		.ksk = { .algorithm = 8,
			.bits = 2048,
			.lifetime = 31536000,
			.repository = (char *)"SoftHSM" },
		.zsk = { .algorithm = 8,
			.bits = 1024,
			.lifetime = 7776000,
			.repository = (char *)"SoftHSM" },
		.zone_propdelay = 43200,
		.zone_soa_ttl = 3600,
		.zone_soa_min = 3600,
		.serial = KASP_SERIAL_UNIXTIME,
		.parent_propdelay = 9999,
		.parent_ds_ttl = 3600,
		.parent_soa_ttl = 172800,
		.parent_soa_min = 10800,
	};
	return p;
}

static struct conf_repository test_repos[] = {
	{ .name = (char *)"SoftHSM", .module = (char *)"/", .token_label = (char *)"OpenDNSSEC" },
	{ .name = (char *)"Other", .module = (char *)"/", .token_label = (char *)"Other" },
};

static struct conf
clean_conf(void)
{
	struct conf c = {
		.path = (char *)FILE_C,
		.repos = test_repos,
		.nrepos = 2,
		.datastore = { .backend = CONF_BACKEND_PGSQL },
	};
	return c;
}

static void
dump(const struct kc_findings *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		print_message("  finding: %s%s%s\n", f->v[i].text, f->v[i].detail ? " / " : "",
			f->v[i].detail ? f->v[i].detail : "");
}

/*
 * f must hold nerr errors and nwarn warnings (and nothing else); with want
 * not NULL one of them must read exactly want. f is freed.
 */
static void
expect(struct kc_findings *f, size_t nerr, size_t nwarn, const char *want)
{
	size_t i;
	int found = want == NULL;

	for (i = 0; i < f->n && !found; i++)
		found = strcmp(f->v[i].text, want) == 0;
	if (kc_count(f, KC_ERROR) != nerr || kc_count(f, KC_WARNING) != nwarn || !found ||
		kc_count(f, KC_INFO) != 0) {
		print_message("want %zu error(s), %zu warning(s)%s%s\n", nerr, nwarn,
			want ? ", one of: " : "", want ? want : "");
		dump(f);
	}
	assert_int_equal(kc_count(f, KC_ERROR), nerr);
	assert_int_equal(kc_count(f, KC_WARNING), nwarn);
	assert_int_equal(kc_count(f, KC_INFO), 0);
	assert_true(found);
	kc_findings_free(f);
}

/* Run one policy check on p and expect as above. */
static void
run(policy_check fn, const struct kasp_policy *p, size_t nerr, size_t nwarn, const char *want)
{
	struct kc_findings f;

	kc_findings_init(&f);
	assert_int_equal(fn(&f, p, FILE_K), 0);
	expect(&f, nerr, nwarn, want);
}

/* ---------------------------------------------------------------- findings list */

static void
test_findings(void **state)
{
	struct kasp_policy p = clean_policy();
	struct kc_findings f;
	int i;

	(void)state;
	kc_findings_init(&f);
	assert_int_equal(kc_add(&f, KC_ERROR, "one %d", 1), 0);
	assert_int_equal(kc_add(&f, KC_WARNING, "two"), 0);
	assert_int_equal(kc_add_detail(&f, KC_ERROR, "why", "three"), 0);
	assert_int_equal(kc_add_detail(&f, KC_INFO, "", "four"), 0);
	for (i = 0; i < 40; i++)
		assert_int_equal(kc_add(&f, KC_INFO, "more"), 0);
	assert_string_equal(f.v[0].text, "ERROR: one 1");
	assert_null(f.v[0].detail);
	assert_string_equal(f.v[1].text, "WARNING: two");
	assert_string_equal(f.v[2].text, "ERROR: three");
	assert_string_equal(f.v[2].detail, "why");
	assert_string_equal(f.v[3].text, "INFO: four");
	assert_null(f.v[3].detail);
	assert_int_equal(kc_count(&f, KC_ERROR), 2);
	assert_int_equal(kc_count(&f, KC_WARNING), 1);
	assert_int_equal(kc_count(&f, KC_INFO), 41);
	assert_int_equal(kc_status(&f), 0);
	f.nomem = 1; /* a finding was lost: every check reports it from now on */
	assert_int_equal(kc_status(&f), E_NOMEM);
	assert_int_equal(kc_add(&f, KC_INFO, "after"), E_NOMEM);
	assert_int_equal(kc_check_inception(&f, &p, FILE_K), E_NOMEM);
	kc_findings_free(&f);
	assert_int_equal(f.n, 0);
	kc_findings_free(&f);
	kc_findings_free(NULL);
}

/* ---------------------------------------------------------------- policies */

static void
test_clean_policy(void **state)
{
	struct kasp_policy p = clean_policy();
	struct conf c = clean_conf();
	struct kc_findings f;

	(void)state;
	kc_findings_init(&f);
	assert_int_equal(kc_check_policy(&f, &c, &p, FILE_K), 0);
	expect(&f, 0, 0, NULL);

	/* NSEC, datecounter at 99 a day, ECDSA with the right lengths: still clean */
	p.nsec3 = 0;
	p.hash_algorithm = 0;
	p.resalt = 0;
	p.serial = KASP_SERIAL_DATECOUNTER;
	p.resign = 86400 / 99;
	p.ksk.algorithm = 13;
	p.ksk.bits = 256;
	p.zsk.algorithm = 14;
	p.zsk.bits = 384;
	kc_findings_init(&f);
	assert_int_equal(kc_check_policy(&f, &c, &p, FILE_K), 0);
	expect(&f, 0, 0, NULL);
}

static void
test_refresh(void **state)
{
	struct kasp_policy p = clean_policy();

	(void)state;
	p.refresh = p.resign + 1;
	run(kc_check_refresh, &p, 0, 0, NULL);
	p.refresh = p.resign;
	run(kc_check_refresh, &p, 1, 0,
		"ERROR: The Refresh interval (7200 seconds) for default policy in " FILE_K
		" is less than or equal to the Resign interval (7200 seconds)");
	p.refresh = p.resign - 1;
	run(kc_check_refresh, &p, 1, 0, NULL);
}

static void
test_validity(void **state)
{
	struct kasp_policy p = clean_policy();

	(void)state;
	p.valdefault = p.refresh + 1;
	p.valdenial = p.refresh + 1;
	run(kc_check_validity, &p, 0, 0, NULL);
	p.valdefault = p.refresh;
	run(kc_check_validity, &p, 1, 0,
		"ERROR: Validity/Default (259200 seconds) for default policy in " FILE_K
		" is less than or equal to the Refresh interval (259200 seconds)");
	p.valdefault = p.refresh + 1;
	p.valdenial = p.refresh - 5;
	run(kc_check_validity, &p, 1, 0,
		"ERROR: Validity/Denial (259195 seconds) for default policy in " FILE_K
		" is less than or equal to the Refresh interval (259200 seconds)");
	p.valdefault = 0;
	run(kc_check_validity, &p, 2, 0, NULL);
}

static void
test_jitter(void **state)
{
	struct kasp_policy p = clean_policy();

	(void)state;
	p.valdefault = 1000;
	p.valdenial = 2000;
	p.jitter = 1000; /* exactly half of the longest, and not longer than either */
	run(kc_check_jitter, &p, 0, 0, NULL);
	p.jitter = 1001;
	run(kc_check_jitter, &p, 1, 1,
		"ERROR: Jitter (1001 seconds) for default policy in " FILE_K
		" is longer than Validity/Default (1000 seconds)");
	p.valdefault = 3000; /* the longest validity is now 3000 */
	p.jitter = 1501;
	run(kc_check_jitter, &p, 0, 1,
		"WARNING: Jitter (1501 seconds) for default policy in " FILE_K
		" is more than half of the longest Validity (3000 seconds)");
	p.jitter = 1500;
	run(kc_check_jitter, &p, 0, 0, NULL);
	p.jitter = 2001;
	run(kc_check_jitter, &p, 1, 1,
		"ERROR: Jitter (2001 seconds) for default policy in " FILE_K
		" is longer than Validity/Denial (2000 seconds)");
	p.jitter = 3001;
	run(kc_check_jitter, &p, 2, 1, NULL);
}

static void
test_inception(void **state)
{
	struct kasp_policy p = clean_policy();

	(void)state;
	p.inception_offset = 3600;
	run(kc_check_inception, &p, 0, 0, NULL);
	p.inception_offset = 3601;
	run(kc_check_inception, &p, 0, 1,
		"WARNING: InceptionOffset (3601 seconds) for default policy in " FILE_K
		" is more than one hour");
}

static void
test_safety(void **state)
{
	struct kasp_policy p = clean_policy();

	(void)state;
	p.key_ttl = 1000;
	p.publish_safety = 100; /* exactly 0.1 * TTL */
	p.retire_safety = 5000; /* exactly 5 * TTL */
	run(kc_check_safety, &p, 0, 0, NULL);
	p.publish_safety = 99;
	run(kc_check_safety, &p, 0, 1,
		"WARNING: PublishSafety (99 seconds) for default policy in " FILE_K
		" is less than 0.1 * Keys/TTL (1000 seconds)");
	p.publish_safety = 100;
	p.retire_safety = 5001;
	run(kc_check_safety, &p, 0, 1,
		"WARNING: RetireSafety (5001 seconds) for default policy in " FILE_K
		" is more than 5 * Keys/TTL (1000 seconds)");
	p.publish_safety = 5001;
	p.retire_safety = 99;
	run(kc_check_safety, &p, 0, 2, NULL);
}

static void
test_nsec3(void **state)
{
	struct kasp_policy p = clean_policy();

	(void)state;
	p.ksk.algorithm = 6;
	p.zsk.algorithm = 7;
	run(kc_check_nsec3, &p, 0, 0, NULL);
	p.ksk.algorithm = 5;
	run(kc_check_nsec3, &p, 1, 0,
		"ERROR: Algorithm 5 used for KSK in default policy in " FILE_K
		" cannot be used with NSEC3");
	p.zsk.algorithm = 3;
	run(kc_check_nsec3, &p, 2, 0,
		"ERROR: Algorithm 3 used for ZSK in default policy in " FILE_K
		" cannot be used with NSEC3");
	/* with NSEC those algorithms are fine, and hash and resalt do not matter */
	p.nsec3 = 0;
	p.hash_algorithm = 2;
	p.resalt = 0;
	run(kc_check_nsec3, &p, 0, 0, NULL);

	p = clean_policy();
	p.hash_algorithm = 2;
	run(kc_check_nsec3, &p, 1, 0,
		"ERROR: NSEC3 Hash/Algorithm (2) for default policy in " FILE_K
		" is not 1 (SHA-1, the only one defined)");
	p.hash_algorithm = 1;
	p.resalt = p.resign;
	run(kc_check_nsec3, &p, 0, 0, NULL);
	p.resalt = p.resign - 1;
	run(kc_check_nsec3, &p, 0, 1,
		"WARNING: NSEC3 Resalt (7199 seconds) for default policy in " FILE_K
		" is less than the Resign interval (7200 seconds)");
}

static void
test_serial(void **state)
{
	struct kasp_policy p = clean_policy();

	(void)state;
	p.resign = 60; /* 1440 a day: fine for every other serial type */
	run(kc_check_serial, &p, 0, 0, NULL);
	p.serial = KASP_SERIAL_COUNTER;
	run(kc_check_serial, &p, 0, 0, NULL);
	p.serial = KASP_SERIAL_DATECOUNTER;
	run(kc_check_serial, &p, 1, 0,
		"ERROR: Serial type datecounter for default policy in " FILE_K
		" allows at most 99 re-signs a day, but the Resign interval (60 seconds) asks for "
		"1440");
	p.resign = 86400 / 100; /* 864 s: exactly 100 a day */
	run(kc_check_serial, &p, 1, 0, NULL);
	p.resign = 873; /* 98.9 a day */
	run(kc_check_serial, &p, 0, 0, NULL);
	p.resign = 0;
	run(kc_check_serial, &p, 1, 0, NULL);
}

static void
test_key_lengths(void **state)
{
	struct kasp_policy p = clean_policy();
	static const int rsa[] = { 5, 7, 8, 10 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rsa) / sizeof(rsa[0]); i++) {
		p = clean_policy();
		p.ksk.algorithm = rsa[i];
		p.ksk.bits = 1024;
		p.zsk.algorithm = rsa[i];
		p.zsk.bits = 4096;
		run(kc_check_key_lengths, &p, 0, 0, NULL);
		p.ksk.bits = 1023;
		run(kc_check_key_lengths, &p, 0, 1, NULL);
		p.ksk.bits = 1024;
		p.zsk.bits = 4097;
		run(kc_check_key_lengths, &p, 1, 0, NULL);
	}
	p = clean_policy();
	p.zsk.bits = 512;
	run(kc_check_key_lengths, &p, 0, 1,
		"WARNING: Key length of 512 used for ZSK in default policy in " FILE_K
		". Should probably be 1024 or more");
	p.zsk.bits = 1024;
	p.ksk.bits = 8192;
	run(kc_check_key_lengths, &p, 1, 0,
		"ERROR: Key length of 8192 used for KSK in default policy in " FILE_K
		". Should not be more than 4096");
	/* no length given, or not an RSA algorithm: not checked */
	p.ksk.bits = 0;
	run(kc_check_key_lengths, &p, 0, 0, NULL);
	p.ksk.algorithm = 3;
	p.ksk.bits = 8192;
	run(kc_check_key_lengths, &p, 0, 0, NULL);
	/* ECDSA */
	p.ksk.algorithm = 13;
	p.ksk.bits = 256;
	p.zsk.algorithm = 14;
	p.zsk.bits = 384;
	run(kc_check_key_lengths, &p, 0, 0, NULL);
	p.ksk.bits = 384;
	run(kc_check_key_lengths, &p, 0, 1,
		"WARNING: Key length of 384 used for KSK in default policy in " FILE_K
		". Algorithm 13 keys are always 256 bits");
	p.ksk.bits = 256;
	p.zsk.bits = 256;
	run(kc_check_key_lengths, &p, 0, 1,
		"WARNING: Key length of 256 used for ZSK in default policy in " FILE_K
		". Algorithm 14 keys are always 384 bits");
}

static void
test_repositories(void **state)
{
	struct kasp_policy p = clean_policy();
	struct conf c = clean_conf();
	struct kc_findings f;

	(void)state;
	kc_findings_init(&f);
	assert_int_equal(kc_check_repositories(&f, &c, &p, FILE_K), 0);
	expect(&f, 0, 0, NULL);

	p.ksk.repository = (char *)"bob";
	kc_findings_init(&f);
	assert_int_equal(kc_check_repositories(&f, &c, &p, FILE_K), 0);
	expect(&f, 1, 0,
		"ERROR: Unknown repository (bob) defined for KSK in default policy in " FILE_K);

	p.zsk.repository = (char *)"softhsm"; /* names match exactly */
	kc_findings_init(&f);
	assert_int_equal(kc_check_repositories(&f, &c, &p, FILE_K), 0);
	expect(&f, 2, 0,
		"ERROR: Unknown repository (softhsm) defined for ZSK in default policy in " FILE_K);

	/* no conf.xml loaded: nothing to compare with */
	kc_findings_init(&f);
	assert_int_equal(kc_check_repositories(&f, NULL, &p, FILE_K), 0);
	expect(&f, 0, 0, NULL);
}

static void
test_lifetimes(void **state)
{
	struct kasp_policy p = clean_policy();

	(void)state;
	p.ksk.lifetime = p.zsk.lifetime;
	run(kc_check_lifetimes, &p, 0, 0, NULL);
	p.ksk.lifetime = p.zsk.lifetime - 1;
	run(kc_check_lifetimes, &p, 0, 1,
		"WARNING: KSK lifetime (7775999 seconds) for default policy in " FILE_K
		" is shorter than the ZSK lifetime (7776000 seconds)");
	/* 0: never rolls */
	p.ksk.lifetime = 0;
	run(kc_check_lifetimes, &p, 0, 0, NULL);
	p.ksk.lifetime = 100;
	p.zsk.lifetime = 0;
	run(kc_check_lifetimes, &p, 0, 1, NULL);
	p.ksk.lifetime = 0;
	run(kc_check_lifetimes, &p, 0, 0, NULL);
}

static void
test_usable(void **state)
{
	struct kasp_policy p = clean_policy();

	(void)state;
	/* ZSK: 3600 + 43200 + 3600 = 50400; KSK: + 9999 + 3600 = 63999 */
	p.zsk.lifetime = 50400;
	p.ksk.lifetime = 63999;
	run(kc_check_usable, &p, 0, 0, NULL);
	p.zsk.lifetime = 50399;
	run(kc_check_usable, &p, 0, 1,
		"WARNING: ZSK lifetime (50399 seconds) for default policy in " FILE_K
		" is shorter than the time a new ZSK needs to become usable (50400 seconds: "
		"Keys/TTL + Zone/PropagationDelay + Keys/PublishSafety)");
	p.zsk.lifetime = 50400;
	p.ksk.lifetime = 63998;
	run(kc_check_usable, &p, 0, 1,
		"WARNING: KSK lifetime (63998 seconds) for default policy in " FILE_K
		" is shorter than the time a new KSK needs to become usable (63999 seconds: "
		"Keys/TTL + Zone/PropagationDelay + Keys/PublishSafety + Parent/PropagationDelay + "
		"Parent/DS/TTL)");
	/* 0: never rolls */
	p.ksk.lifetime = 0;
	p.zsk.lifetime = 0;
	run(kc_check_usable, &p, 0, 0, NULL);
}

static void
test_absent_keys(void **state)
{
	struct kasp_policy p = clean_policy();
	struct conf c = clean_conf();
	struct kc_findings f;

	(void)state;
	/* a policy without <KSK> or <ZSK>: the key checks have nothing to say */
	memset(&p.ksk, 0, sizeof(p.ksk));
	memset(&p.zsk, 0, sizeof(p.zsk));
	kc_findings_init(&f);
	assert_int_equal(kc_check_policy(&f, &c, &p, FILE_K), 0);
	expect(&f, 0, 0, NULL);
}

static void
test_policy_names(void **state)
{
	static const char *const clean[] = { "default", "lab" };
	static const char *const dup[] = { "lab", "default", "lab", "x", "lab", "x" };
	static const char *const nodefault[] = { "lab" };
	struct kc_findings f;

	(void)state;
	kc_findings_init(&f);
	assert_int_equal(kc_check_policy_names(&f, clean, 2, FILE_K), 0);
	expect(&f, 0, 0, NULL);

	kc_findings_init(&f);
	assert_int_equal(kc_check_policy_names(&f, dup, 6, FILE_K), 0);
	expect(&f, 2, 0, "ERROR: Policy name 'lab' is used more than once in " FILE_K);

	kc_findings_init(&f);
	assert_int_equal(kc_check_policy_names(&f, nodefault, 1, FILE_K), 0);
	expect(&f, 0, 1,
		"WARNING: No policy named 'default' in " FILE_K
		". This means you will need to refer explicitly to the policy for each zone");

	kc_findings_init(&f);
	assert_int_equal(kc_check_policy_names(&f, NULL, 0, FILE_K), 0);
	expect(&f, 0, 1, NULL);
}

/* ---------------------------------------------------------------- durations */

static void
test_duration_text(void **state)
{
	static const char *const quiet[] = { "PT5M", "P1D", "PT3600S", "3600", "P1W", "bad" };
	struct kc_findings f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		kc_findings_init(&f);
		assert_int_equal(kc_check_duration_text(&f, "Configuration", "Enforcer/Interval",
					 quiet[i], FILE_C),
			0);
		expect(&f, 0, 0, NULL);
	}
	kc_findings_init(&f);
	assert_int_equal(
		kc_check_duration_text(&f, "Configuration", "Enforcer/Interval", NULL, FILE_C), 0);
	expect(&f, 0, 0, NULL);

	kc_findings_init(&f);
	assert_int_equal(
		kc_check_duration_text(&f, "Configuration", "Enforcer/Interval", "P1M", FILE_C), 0);
	expect(&f, 0, 1,
		"WARNING: In Configuration M used in duration field for Enforcer/Interval (P1M) "
		"in " FILE_C " - this will be interpreted as 31 days");

	kc_findings_init(&f);
	assert_int_equal(
		kc_check_duration_text(&f, "Configuration", "Enforcer/Interval", "P1YT5M", FILE_C),
		0);
	expect(&f, 0, 1,
		"WARNING: In Configuration Y used in duration field for Enforcer/Interval (P1YT5M) "
		"in " FILE_C " - this will be interpreted as 365 days");

	kc_findings_init(&f);
	assert_int_equal(
		kc_check_duration_text(&f, "policy lab", "Keys/KSK/Lifetime", "P1Y2M", FILE_K), 0);
	expect(&f, 0, 1,
		"WARNING: In policy lab M & Y used in duration field for Keys/KSK/Lifetime (P1Y2M) "
		"in " FILE_K " - these will be interpreted as 31 and 365 days respectively");
}

static void
test_conf_durations(void **state)
{
	struct conf c = clean_conf();
	struct kc_confx x = { 0 };
	struct kc_findings f;

	(void)state;
	x.interval = (char *)"PT3600S";
	kc_findings_init(&f);
	assert_int_equal(kc_check_conf_durations(&f, &c, &x), 0);
	expect(&f, 0, 0, NULL);

	x.interval = (char *)"P1Y";
	x.rollover_notify = (char *)"P1M";
	kc_findings_init(&f);
	assert_int_equal(kc_check_conf_durations(&f, &c, &x), 0);
	expect(&f, 0, 2,
		"WARNING: In Configuration M used in duration field for "
		"Enforcer/RolloverNotification (P1M) in " FILE_C
		" - this will be interpreted as 31 days");
}

static void
test_policy_durations(void **state)
{
	static const char xml[] =
		"<KASP><Policy name=\"lab\"><Signatures><Resign>P1M</Resign><Refresh>P3D</Refresh>"
		"<Validity><Default>P1Y</Default><Denial>P7D</Denial></Validity></Signatures>"
		"<Denial><NSEC3><Resalt>PT10M</Resalt></NSEC3></Denial>"
		"<Keys><TTL>PT1H</TTL><KSK><Lifetime>P1Y1M</Lifetime></KSK>"
		"<KSK><Lifetime>P2Y</Lifetime></KSK><ZSK><Lifetime>P90D</Lifetime></ZSK></Keys>"
		"<Parent><DS><TTL>P1M</TTL></DS></Parent></Policy></KASP>";
	xmlDoc *doc;
	const xmlNode *policy;
	struct kc_findings f;

	(void)state;
	doc = xmlReadMemory(xml, (int)sizeof(xml) - 1, "mem.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	policy = xmlDocGetRootElement(doc)->children;
	kc_findings_init(&f);
	assert_int_equal(kc_check_policy_durations(&f, policy, FILE_K), 0);
	if (f.n == 5) {
		assert_string_equal(f.v[0].text,
			"WARNING: In policy lab M used in duration field for Signatures/Resign "
			"(P1M) in " FILE_K " - this will be interpreted as 31 days");
		assert_string_equal(f.v[1].text,
			"WARNING: In policy lab Y used in duration field for "
			"Signatures/Validity/Default (P1Y) in " FILE_K
			" - this will be interpreted as 365 days");
		assert_non_null(strstr(
			f.v[2].text, "M & Y used in duration field for Keys/KSK/Lifetime (P1Y1M)"));
		assert_non_null(strstr(
			f.v[3].text, "Y used in duration field for Keys/KSK/Lifetime (P2Y)"));
		assert_non_null(strstr(f.v[4].text, "Parent/DS/TTL (P1M)"));
	}
	expect(&f, 0, 5, NULL);
	xmlFreeDoc(doc);
}

/* ---------------------------------------------------------------- conf.xml */

static void
test_modules(void **state)
{
	struct conf c = clean_conf();
	struct conf_repository r[2] = { test_repos[0], test_repos[1] };
	struct kc_findings f;

	(void)state;
	kc_findings_init(&f);
	assert_int_equal(kc_check_modules(&f, &c), 0);
	expect(&f, 0, 0, NULL);

	r[1].module = (char *)"/nonexistent/libpkcs11.so";
	c.repos = r;
	kc_findings_init(&f);
	assert_int_equal(kc_check_modules(&f, &c), 0);
	expect(&f, 1, 0, "ERROR: Module (/nonexistent/libpkcs11.so) does not exist");
}

static void
test_repository_list(void **state)
{
	struct conf c = clean_conf();
	struct conf_repository r[4] = { test_repos[0], test_repos[1], test_repos[0],
		test_repos[0] };
	struct kc_findings f;

	(void)state;
	kc_findings_init(&f);
	assert_int_equal(kc_check_repository_list(&f, &c), 0);
	expect(&f, 0, 0, NULL);

	c.repos = r;
	c.nrepos = 3;
	r[2].name = (char *)"Other"; /* a second Other, on SoftHSM's token */
	kc_findings_init(&f);
	assert_int_equal(kc_check_repository_list(&f, &c), 0);
	expect(&f, 2, 0, "ERROR: Repository name 'Other' is used more than once in " FILE_C);
	kc_findings_init(&f);
	assert_int_equal(kc_check_repository_list(&f, &c), 0);
	expect(&f, 2, 0,
		"ERROR: Repositories SoftHSM and Other in " FILE_C
		" have the same Module (/) and TokenLabel (OpenDNSSEC)");

	/* same token, different module: fine; three of a name: one message */
	r[2].name = (char *)"Third";
	r[2].module = (char *)"/usr";
	r[3].name = (char *)"Third";
	r[3].module = (char *)"/var";
	c.nrepos = 4;
	kc_findings_init(&f);
	assert_int_equal(kc_check_repository_list(&f, &c), 0);
	expect(&f, 1, 0, "ERROR: Repository name 'Third' is used more than once in " FILE_C);
}

static void
test_privileges(void **state)
{
	struct kc_findings f;

	(void)state;
	kc_findings_init(&f);
	assert_int_equal(kc_check_privileges(&f, NULL, NULL), 0);
	assert_int_equal(kc_check_privileges(&f, "root", "root"), 0);
	expect(&f, 0, 0, NULL);

	kc_findings_init(&f);
	assert_int_equal(kc_check_privileges(&f, "no-such-user-kc", NULL), 0);
	expect(&f, 1, 0, "ERROR: User 'no-such-user-kc' does not exist");

	kc_findings_init(&f);
	assert_int_equal(kc_check_privileges(&f, "root", "no-such-group-kc"), 0);
	expect(&f, 1, 0, "ERROR: Group 'no-such-group-kc' does not exist");
}

static void
test_datastore(void **state)
{
	struct conf c = clean_conf();
	struct kc_findings f;
	char path[] = "/tmp/test_kaspcheck.XXXXXX";
	int fd;

	(void)state;
	kc_findings_init(&f);
	assert_int_equal(kc_check_datastore(&f, &c), 0); /* not SQLite */
	expect(&f, 0, 0, NULL);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	c.datastore.backend = CONF_BACKEND_SQLITE;
	c.datastore.path = path;
	kc_findings_init(&f);
	assert_int_equal(kc_check_datastore(&f, &c), 0);
	expect(&f, 0, 0, NULL);
	unlink(path);

	kc_findings_init(&f);
	assert_int_equal(kc_check_datastore(&f, &c), 0);
	expect(&f, 0, 1, NULL);
	assert_int_equal(kc_check_datastore(&f, &c), 0);
	assert_non_null(strstr(f.v[0].text, "WARNING: SQLite datastore ("));
	assert_non_null(strstr(f.v[0].text, ") does not exist"));
	kc_findings_free(&f);

	c.datastore.path = "/";
	kc_findings_init(&f);
	assert_int_equal(kc_check_datastore(&f, &c), 0);
	expect(&f, 1, 0, "ERROR: SQLite datastore (/) is not a regular file");
}

/* the TLS files of a server datastore */
static void
test_datastore_tls(void **state)
{
	struct conf c = clean_conf();
	struct kc_findings f;
	char key[] = "/tmp/test_kaspcheck.XXXXXX";
	int fd;

	(void)state;
	fd = mkstemp(key);
	assert_true(fd >= 0);
	close(fd);
	c.datastore.tls_cert = "/etc/passwd";
	c.datastore.tls_key = key;
	kc_findings_init(&f);
	assert_int_equal(kc_check_datastore(&f, &c), 0);
	expect(&f, 0, 0, NULL);

	assert_int_equal(chmod(key, 0644), 0);
	kc_findings_init(&f);
	assert_int_equal(kc_check_datastore(&f, &c), 0);
	expect(&f, 0, 1, NULL);
	assert_int_equal(kc_check_datastore(&f, &c), 0);
	assert_non_null(strstr(f.v[0].text, "WARNING: TLS key file ("));
	assert_non_null(strstr(f.v[0].text, ") can be read by other users"));
	kc_findings_free(&f);
	unlink(key);

	c.datastore.tls_ca = "/nonexistent/ca.pem";
	c.datastore.tls_cert = "/";
	c.datastore.tls_key = NULL;
	kc_findings_init(&f);
	assert_int_equal(kc_check_datastore(&f, &c), 0);
	expect(&f, 2, 0, NULL);
	assert_int_equal(kc_check_datastore(&f, &c), 0);
	assert_string_equal(f.v[0].text,
		"ERROR: TLS CA file (/nonexistent/ca.pem) cannot be read: No such file or directory");
	assert_string_equal(f.v[1].text, "ERROR: TLS certificate file (/) is not a regular file");
	kc_findings_free(&f);
}

static void
test_ds_submit(void **state)
{
	struct conf c = clean_conf();
	struct kc_findings f;

	(void)state;
	kc_findings_init(&f);
	assert_int_equal(kc_check_ds_submit(&f, &c), 0); /* none configured */
	c.ds_submit_cmd = (char *)"/bin/sh -c true";
	assert_int_equal(kc_check_ds_submit(&f, &c), 0);
	c.ds_submit_cmd = (char *)"sh"; /* found in PATH */
	assert_int_equal(kc_check_ds_submit(&f, &c), 0);
	expect(&f, 0, 0, NULL);

	c.ds_submit_cmd = (char *)"/nonexistent/submit-ds --flag";
	kc_findings_init(&f);
	assert_int_equal(kc_check_ds_submit(&f, &c), 0);
	expect(&f, 1, 0,
		"ERROR: DelegationSignerSubmitCommand (/nonexistent/submit-ds) does not exist");

	c.ds_submit_cmd = (char *)"no-such-program-kc";
	kc_findings_init(&f);
	assert_int_equal(kc_check_ds_submit(&f, &c), 0);
	expect(&f, 1, 0,
		"ERROR: DelegationSignerSubmitCommand (no-such-program-kc) does not exist");

	c.ds_submit_cmd = (char *)"/";
	kc_findings_init(&f);
	assert_int_equal(kc_check_ds_submit(&f, &c), 0);
	expect(&f, 1, 0, "ERROR: DelegationSignerSubmitCommand (/) is not executable");
}

static void
test_signer(void **state)
{
	struct kc_confx x = { 0 };
	struct kc_findings f;

	(void)state;
	kc_findings_init(&f);
	x.signer_workdir = (char *)"/nonexistent";
	assert_int_equal(kc_check_signer(&f, &x), 0); /* no <Signer>: not checked */
	x.has_signer = 1;
	x.signer_workdir = (char *)"/tmp";
	assert_int_equal(kc_check_signer(&f, &x), 0);
	expect(&f, 0, 0, NULL);

	x.signer_workdir = (char *)"/nonexistent";
	kc_findings_init(&f);
	assert_int_equal(kc_check_signer(&f, &x), 0);
	expect(&f, 0, 1, "WARNING: Signer WorkingDirectory (/nonexistent) is not a directory");
}

static void
test_confx_read(void **state)
{
	static const char xml[] =
		"<Configuration><Enforcer><Interval> P1M </Interval></Enforcer>"
		"<Signer><Privileges><User>u</User><Group>g</Group></Privileges>"
		"<WorkingDirectory>/w</WorkingDirectory></Signer></Configuration>";
	static const char bare[] = "<Configuration><Enforcer/></Configuration>";
	struct kc_confx x;
	xmlDoc *doc;

	(void)state;
	doc = xmlReadMemory(xml, (int)sizeof(xml) - 1, "mem.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	assert_int_equal(kc_confx_read(xmlDocGetRootElement(doc), &x), 0);
	assert_string_equal(x.interval, "P1M");
	assert_null(x.rollover_notify);
	assert_int_equal(x.has_signer, 1);
	assert_string_equal(x.signer_user, "u");
	assert_string_equal(x.signer_group, "g");
	assert_string_equal(x.signer_workdir, "/w");
	kc_confx_free(&x);
	xmlFreeDoc(doc);

	doc = xmlReadMemory(bare, (int)sizeof(bare) - 1, "mem.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	assert_int_equal(kc_confx_read(xmlDocGetRootElement(doc), &x), 0);
	assert_null(x.interval);
	assert_int_equal(x.has_signer, 0);
	assert_null(x.signer_workdir);
	kc_confx_free(&x);
	kc_confx_free(NULL);
	xmlFreeDoc(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_clean_policy),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_inception),
		cmocka_unit_test(test_safety),
		cmocka_unit_test(test_nsec3),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_key_lengths),
		cmocka_unit_test(test_repositories),
		cmocka_unit_test(test_lifetimes),
		cmocka_unit_test(test_usable),
		cmocka_unit_test(test_absent_keys),
		cmocka_unit_test(test_policy_names),
		cmocka_unit_test(test_duration_text),
		cmocka_unit_test(test_conf_durations),
		cmocka_unit_test(test_policy_durations),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_repository_list),
		cmocka_unit_test(test_privileges),
		cmocka_unit_test(test_datastore),
		cmocka_unit_test(test_datastore_tls),
		cmocka_unit_test(test_ds_submit),
		cmocka_unit_test(test_signer),
		cmocka_unit_test(test_confx_read),
	};
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return ret;
}
