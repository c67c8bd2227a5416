/*
 * main.c - ods-hsmutil: the keys in the PKCS#11 repositories of conf.xml,
 * without the database (ksmutil-cli.md section 13).
 *
 * PINs come from conf.xml only; a repository without <PIN> is refused
 * (no terminal prompt). `login` therefore only proves that every
 * repository opens, and `logout` has no stored credentials to erase; both
 * print the 1.x lines that scripts expect.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/progopt.h"
#include "config/conf.h"
#include "hsm/dnskey.h"
#include "hsm/hsm.h"
#include "hsm/verify.h"

#define IDENT "ods-hsmutil"
#define DNSKEY_TTL 3600

struct ctx {
	struct conf *conf;
	hsm_t *hsm;
	int verbose;
};

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: " IDENT " [-c config] [-v] [-V] command [arguments]\n"
		"\n"
		"Commands:\n"
		"  login                          open and log in to every repository\n"
		"  logout                         forget credentials (none are stored)\n"
		"  list [repository]              list the keys\n"
		"  generate <repository> rsa|ecdsa|ed25519 <bits>\n"
		"                                 generate a key pair\n"
		"  remove <id>                    delete a key pair\n"
		"  purge <repository>             delete every key pair of a repository\n"
		"  dnskey <id> <name> [alg]       print the key as a DNSKEY record (flags 257)\n"
		"  test <repository>              generate, sign, verify and delete test keys\n"
		"  info                           token facts per repository\n"
		"\n"
		"Options:\n"
		"  -c <file>   conf.xml (default %s)\n"
		"  -v          more detail\n"
		"  -V          show the version and exit\n"
		"  -h          show this help and exit\n",
		ODS_CONFDIR "/conf.xml");
}

static int
repo_error(const struct ctx *c)
{
	fprintf(stderr, IDENT ": %s\n", hsm_errmsg(c->hsm));
	return 1;
}

static const char *
family_word(enum hsm_family f)
{
	switch (f) {
	case HSM_FAMILY_RSA: return "RSA";
	case HSM_FAMILY_ECDSA: return "ECDSA";
	case HSM_FAMILY_EDDSA: return "EDDSA";
	}
	return "UNKNOWN";
}

static int
known_repository(const struct ctx *c, const char *name)
{
	if (conf_repository(c->conf, name) != NULL)
		return 1;
	fprintf(stderr, IDENT ": repository %s not found in %s\n", name, c->conf->path);
	return 0;
}

/* ---------------------------------------------------------------- commands */

static int
cmd_login(struct ctx *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < c->conf->nrepos; i++)
		if (hsm_repository_open(c->hsm, c->conf->repos[i].name) != 0)
			return repo_error(c);
	printf("The tokens are now logged in.\n");
	return 0;
}

static int
cmd_logout(struct ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	printf("The credentials has been erased.\n");
	return 0;
}

static int
cmd_list(struct ctx *c, int argc, char **argv)
{
	const char *repo = argc > 0 ? argv[0] : NULL;
	struct hsm_key *keys = NULL;
	size_t n = 0, bad = 0;
	char type[32];

	if (repo != NULL && !known_repository(c, repo))
		return 1;
	if (hsm_list(c->hsm, repo, &keys, &n, &bad) != 0)
		return repo_error(c);
	printf("\n");
	if (repo != NULL)
		printf("Listing keys in repository: %s\n", repo);
	else
		printf("Listing keys in all repositories.\n");
	printf("%zu %s found.\n\n", n, n == 1 ? "key" : "keys");
	printf("%-20s  %-32s  %-10s\n", "Repository", "ID", "Type");
	printf("%-20s  %-32s  %-10s\n", "----------", "--", "----");
	for (size_t i = 0; i < n; i++) {
		snprintf(type, sizeof type, "%s/%u", family_word(keys[i].family), keys[i].bits);
		printf("%-20s  %-32s  %-10s\n", keys[i].repository, keys[i].id, type);
	}
	free(keys);
	if (bad > 0)
		fprintf(stderr, "Warning: %zu %s not usable by OpenDNSSEC was found.\n", bad,
			bad == 1 ? "key" : "keys");
	return 0;
}

static int
parse_bits(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65536)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
cmd_generate(struct ctx *c, int argc, char **argv)
{
	const char *repo = argv[0], *word = argv[1], *fam;
	char id[HSM_ID_HEX_LEN + 1];
	unsigned bits;
	int alg;

	if (argc != 3) {
		usage(stderr);
		return 1;
	}
	if (parse_bits(argv[2], &bits) != 0) {
		fprintf(stderr, IDENT ": key size '%s' is not a number of bits\n", argv[2]);
		return 1;
	}
	if (strcmp(word, "rsa") == 0) {
		alg = 8; /* RSASHA256: any RSA algorithm makes the same key */
		fam = "RSA";
	} else if (strcmp(word, "ecdsa") == 0) {
		alg = bits == 384 ? 14 : 13;
		fam = "ECDSA";
		if (bits != 256 && bits != 384) {
			fprintf(stderr, IDENT ": ECDSA keys are 256 or 384 bits\n");
			return 1;
		}
	} else if (strcmp(word, "ed25519") == 0) {
		alg = 15;
		fam = "EDDSA";
		if (bits != 256) {
			fprintf(stderr, IDENT ": Ed25519 keys are 256 bits\n");
			return 1;
		}
	} else {
		printf("Unknown algorithm: %s\n", word);
		return 1;
	}
	if (!known_repository(c, repo))
		return 1;
	printf("Generating %u bit %s key in repository: %s\n", bits, fam, repo);
	if (hsm_generate(c->hsm, repo, alg, bits, id, NULL, NULL) != 0) {
		fprintf(stderr, IDENT ": %s\n", hsm_errmsg(c->hsm));
		printf("Key generation failed.\n");
		return 1;
	}
	printf("Key generation successful: %s\n", id);
	return 0;
}

/* Find id in any repository; "Key not found: ID" for absent or malformed ids. */
static int
find_key(struct ctx *c, const char *id, struct hsm_key *k)
{
	int ret = hsm_find(c->hsm, NULL, id, k);

	if (ret == E_NOTFOUND || ret == E_INVAL) {
		printf("Key not found: %s\n", id);
		return 1;
	}
	if (ret != 0)
		return repo_error(c);
	return 0;
}

static int
cmd_remove(struct ctx *c, int argc, char **argv)
{
	struct hsm_key k;

	(void)argc;
	if (find_key(c, argv[0], &k) != 0)
		return 1;
	if (hsm_delete(c->hsm, k.repository, k.id) != 0) {
		fprintf(stderr, IDENT ": %s\n", hsm_errmsg(c->hsm));
		printf("Key remove failed.\n");
		return 1;
	}
	printf("Key remove successful.\n");
	return 0;
}

static int
cmd_purge(struct ctx *c, int argc, char **argv)
{
	const char *repo = argv[0];
	struct hsm_key *keys = NULL;
	size_t n = 0;
	char answer[64];
	int status = 1;

	(void)argc;
	if (!known_repository(c, repo))
		return 1;
	if (hsm_list(c->hsm, repo, &keys, &n, NULL) != 0)
		return repo_error(c);
	printf("\nPurging keys in repository: %s\n", repo);
	printf("%zu %s found.\n\n", n, n == 1 ? "key" : "keys");
	if (n == 0) {
		printf("No keys to purge.\n");
		status = 0;
		goto out;
	}
	printf("Are you sure you want to remove ALL keys from repository %s ? (YES/NO) ", repo);
	fflush(stdout);
	if (fgets(answer, sizeof answer, stdin) == NULL || strcmp(answer, "YES\n") != 0) {
		printf("\nPurge cancelled.\n");
		status = 0;
		goto out;
	}
	printf("\nStarting purge...\n");
	status = 0;
	for (size_t i = 0; i < n; i++) {
		if (hsm_delete(c->hsm, repo, keys[i].id) == 0) {
			printf("Key remove successful: %s\n", keys[i].id);
		} else {
			fprintf(stderr, IDENT ": %s\n", hsm_errmsg(c->hsm));
			printf("Key remove failed: %s\n", keys[i].id);
			status = 1;
		}
	}
	printf("Purge done.\n");
out:
	free(keys);
	return status;
}

/*
 * The DNSKEY in the KSK form (flags 257), as 1.x printed it, TTL 3600. The
 * algorithm: ALG when given, else RSASHA256 (8) for RSA (1.x said RSASHA1;
 * the key bits are the same, only the algorithm field and key tag differ),
 * 13/14 by curve, 15 for Ed25519.
 */
static int
cmd_dnskey(struct ctx *c, int argc, char **argv)
{
	struct hsm_key k;
	struct dnskey dk;
	uint8_t *pub = NULL;
	size_t publen = 0;
	char *line = NULL, *end;
	long alg;
	int status = 1;

	if (find_key(c, argv[0], &k) != 0)
		return 1;
	if (argc > 2) {
		alg = strtol(argv[2], &end, 10);
		if (*argv[2] == '\0' || *end != '\0' || alg < 1 || alg > 255) {
			fprintf(stderr, IDENT ": bad algorithm number %s\n", argv[2]);
			return 1;
		}
	} else if (k.family == HSM_FAMILY_RSA) {
		alg = 8;
	} else if (k.family == HSM_FAMILY_ECDSA) {
		alg = k.bits == 384 ? 14 : 13;
	} else {
		alg = 15;
	}
	if (hsm_dnskey_public(c->hsm, k.repository, k.id, (int)alg, &pub, &publen) != 0) {
		status = repo_error(c);
		goto out;
	}
	memset(&dk, 0, sizeof dk);
	dk.flags = DNSKEY_FLAGS_KSK;
	dk.protocol = 3;
	dk.algorithm = (uint8_t)alg;
	dk.key = pub;
	dk.keylen = publen;
	if (dnskey_format(argv[1], DNSKEY_TTL, &dk, &line) != 0) {
		fprintf(stderr, IDENT ": cannot format a DNSKEY for owner %s\n", argv[1]);
		goto out;
	}
	printf("%s\n", line);
	status = 0;
out:
	free(line);
	free(pub);
	return status;
}

/* One self-test round: generate, sign 1 KiB, verify with libcrypto, delete. */
static int
test_one(struct ctx *c, const char *repo, int alg, unsigned bits, const char *name)
{
	char id[HSM_ID_HEX_LEN + 1];
	uint8_t data[1024], *sig = NULL, *pub = NULL;
	size_t siglen = 0, publen = 0;
	int failed = 0, have = 0;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 31 + 7);
	printf("Generating %s key: ", name);
	if (hsm_generate(c->hsm, repo, alg, bits, id, NULL, NULL) != 0) {
		printf("failed (%s)\n", hsm_errmsg(c->hsm));
		return 1;
	}
	have = 1;
	printf("ok (%s)\n", id);
	printf("Signing 1024 bytes with %s: ", name);
	if (hsm_sign(c->hsm, repo, id, alg, data, sizeof data, &sig, &siglen) != 0) {
		printf("failed (%s)\n", hsm_errmsg(c->hsm));
		failed++;
		goto del;
	}
	printf("ok (%zu byte signature)\n", siglen);
	printf("Verifying the %s signature with the public key: ", name);
	if (hsm_dnskey_public(c->hsm, repo, id, alg, &pub, &publen) != 0) {
		printf("failed (%s)\n", hsm_errmsg(c->hsm));
		failed++;
	} else if (hsm_verify(alg, pub, publen, data, sizeof data, sig, siglen) != 0) {
		printf("failed (bad signature)\n");
		failed++;
	} else {
		printf("ok\n");
	}
del:
	if (have) {
		printf("Deleting %s key: ", name);
		if (hsm_delete(c->hsm, repo, id) != 0) {
			printf("failed (%s)\n", hsm_errmsg(c->hsm));
			failed++;
		} else {
			printf("ok\n");
		}
	}
	free(sig);
	free(pub);
	return failed;
}

static int
cmd_test(struct ctx *c, int argc, char **argv)
{
	const char *repo = argv[0];
	int failed = 0;

	(void)argc;
	if (!known_repository(c, repo))
		return 1;
	printf("Testing repository: %s\n", repo);
	if (hsm_repository_open(c->hsm, repo) != 0) {
		printf("Opening the repository: failed (%s)\n", hsm_errmsg(c->hsm));
		printf("Repository %s failed the test.\n", repo);
		return 1;
	}
	printf("Opening the repository: ok\n");
	failed += test_one(c, repo, 8, 1024, "RSA/1024");
	failed += test_one(c, repo, 13, 256, "ECDSA/256");
	if (failed > 0) {
		printf("Repository %s failed the test (%d step%s).\n", repo, failed,
			failed == 1 ? "" : "s");
		return 1;
	}
	printf("Repository %s passed the test.\n", repo);
	return 0;
}

static int
cmd_info(struct ctx *c, int argc, char **argv)
{
	char *text = NULL;
	int status = 0;

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < c->conf->nrepos; i++) {
		if (i > 0)
			printf("\n");
		if (hsm_info(c->hsm, c->conf->repos[i].name, &text) != 0) {
			status = repo_error(c);
			continue;
		}
		fputs(text, stdout);
		free(text);
		text = NULL;
	}
	return status;
}

static const struct command {
	const char *name;
	int min, max; /* argument count */
	int (*run)(struct ctx *, int, char **);
} commands[] = {
	{ "login", 0, 0, cmd_login },
	{ "logout", 0, 0, cmd_logout },
	{ "list", 0, 1, cmd_list },
	{ "generate", 3, 3, cmd_generate },
	{ "remove", 1, 1, cmd_remove },
	{ "purge", 1, 1, cmd_purge },
	{ "dnskey", 2, 3, cmd_dnskey },
	{ "test", 1, 1, cmd_test },
	{ "info", 0, 0, cmd_info },
};

int
main(int argc, char *argv[])
{
	const char *conf_path = ODS_CONFDIR "/conf.xml";
	const struct command *cmd = NULL;
	struct ctx c = { NULL, NULL, 0 };
	char err[1024];
	int opt, ret, status = 1, nargs;

	while ((opt = getopt(argc, argv, "+c:vVh")) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 'v': c.verbose++; break;
		default:
			status = progopt_common(opt,
				IDENT " version " ODS_COMPAT_VERSION " (" PACKAGE_NAME
				      " " PACKAGE_VERSION ")",
				usage);
			goto out;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		goto out;
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		status = 0;
		goto out;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, argv[optind]) == 0)
			cmd = &commands[i];
	nargs = argc - optind - 1;
	if (cmd == NULL) {
		fprintf(stderr, IDENT ": unknown command '%s'\n", argv[optind]);
		usage(stderr);
		goto out;
	}
	if (nargs < cmd->min || nargs > cmd->max) {
		usage(stderr);
		goto out;
	}
	ret = conf_load(conf_path, &c.conf, err, sizeof err);
	if (ret != 0) {
		fprintf(stderr, IDENT ": %s\n", err);
		goto out;
	}
	ret = hsm_open(c.conf, &c.hsm);
	if (ret != 0) {
		fprintf(stderr, IDENT ": %s\n", err_str(ret));
		goto out;
	}
	status = cmd->run(&c, nargs, argv + optind + 1);
out:
	fflush(stdout);
	hsm_close(c.hsm);
	conf_free(c.conf);
	return status;
}
