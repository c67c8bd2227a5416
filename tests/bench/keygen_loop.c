/*
 * keygen_loop.c - the baseline of tests/bench/enforce.sh: how long a token
 * takes to make N ECDSA P-256 key pairs in one process, through bare
 * PKCS#11 calls (no code of ours in between).
 *
 *   keygen_loop MODULE TOKEN-LABEL PIN N
 *
 * Prints "<N> keys in <seconds> s". Token objects with a random 16-byte
 * CKA_ID each, as the enforcer makes them.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <p11-kit/pkcs11.h>

static int
check(const char *what, CK_RV rv)
{
	if (rv != CKR_OK) {
		fprintf(stderr, "keygen_loop: %s: 0x%lx\n", what, (unsigned long)rv);
		return 1;
	}
	return 0;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
		0x07 };
	CK_C_GetFunctionList getlist;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slots[64];
	CK_ULONG nslots = 64, i;
	CK_SESSION_HANDLE s = 0;
	CK_BBOOL yes = CK_TRUE;
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE id[16];
	void *h;
	long n;
	double t0;
	int found = 0;

	if (argc != 5 || (n = atol(argv[4])) < 1) {
		fprintf(stderr, "usage: keygen_loop MODULE TOKEN-LABEL PIN N\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW);
	if (h == NULL) {
		fprintf(stderr, "keygen_loop: %s\n", dlerror());
		return 1;
	}
	getlist = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
	if (getlist == NULL || check("C_GetFunctionList", getlist(&f)) ||
		check("C_Initialize", f->C_Initialize(NULL)) ||
		check("C_GetSlotList", f->C_GetSlotList(CK_TRUE, slots, &nslots)))
		return 1;
	for (i = 0; i < nslots && !found; i++) {
		CK_TOKEN_INFO ti;
		char label[33];

		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(label, ti.label, 32);
		label[32] = '\0';
		for (int j = 31; j >= 0 && label[j] == ' '; j--)
			label[j] = '\0';
		if (strcmp(label, argv[2]) == 0)
			found = 1;
	}
	if (!found) {
		fprintf(stderr, "keygen_loop: no token %s\n", argv[2]);
		return 1;
	}
	if (check("C_OpenSession", f->C_OpenSession(slots[i - 1],
					   CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s)) ||
		check("C_Login", f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)argv[3],
					 (CK_ULONG)strlen(argv[3]))))
		return 1;
	t0 = now();
	for (long k = 0; k < n; k++) {
		CK_ATTRIBUTE pt[] = {
			{ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_VERIFY, &yes, sizeof(yes) },
			{ CKA_ID, id, sizeof(id) },
		};
		CK_ATTRIBUTE vt[] = {
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_SIGN, &yes, sizeof(yes) },
			{ CKA_SENSITIVE, &yes, sizeof(yes) },
			{ CKA_PRIVATE, &yes, sizeof(yes) },
			{ CKA_ID, id, sizeof(id) },
		};

		if (RAND_bytes(id, sizeof(id)) != 1)
			return 1;
		if (check("C_GenerateKeyPair",
			    f->C_GenerateKeyPair(s, &mech, pt, 4, vt, 5, &pub, &priv)))
			return 1;
	}
	printf("%ld keys in %.2f s\n", n, now() - t0);
	(void)f->C_Logout(s);
	(void)f->C_CloseSession(s);
	(void)f->C_Finalize(NULL);
	return 0;
}
