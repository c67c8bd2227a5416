/*
 * cmd_key_internal.h - what the files of ods-ksmutil's key commands share
 * beyond ksmutil.h; private: included only by src/ksmutil/cmd_key_*.c.
 * The commands are generate, list, export, import, purge, delete, and the
 * new `key orphans` (ksmutil-cli.md §5), one file per verb group, with
 * their vocabulary in cmd_key_common.c.
 *
 * HSM and database: a key is first made in the HSM, then recorded in the
 * database (`key generate`); it is first removed from the database, then
 * from the HSM (`key purge`, `key delete`). Either way a crash in between
 * leaves an HSM object without a keypairs row, never a row whose key was
 * lost: `key orphans` lists those objects and `key orphans --delete`
 * removes them. Key generation and the orphan sweep both hold the
 * advisory lock "keygen", so the sweep never mistakes a key being
 * generated at that moment for an orphan.
 *
 * Public keys: `key generate` stores each new key's DNSKEY key field in
 * keypairs.publickey. List and export compute key tags and records from
 * that cache and open the HSM only for a key without one (a search costs
 * a scan of the whole token on SoftHSM), so with a full cache they never
 * touch the HSM.
 *
 * Fixed 1.x quirks (ksmutil-cli.md §12): 8 (purge goes on when a key is
 * already gone from the HSM), 10 (unsupported import algorithm and a
 * refused in-use delete exit non-zero), 11 (numeric states match exactly),
 * 12 (export is ordered by state as documented, and each zone's DS warning
 * is judged on all its exported keys), 13 (messages show the zone as
 * typed), 19 (generation uses the policy's algorithm).
 */
#ifndef KSMUTIL_CMD_KEY_INTERNAL_H
#define KSMUTIL_CMD_KEY_INTERNAL_H

struct hsm;
struct ksm_ctx;

/*
 * A --keystate value, a state name (by prefix) or its number (exactly),
 * into *out; only states 1..max are accepted. 0, or -1 with *out untouched.
 */
int key_parse_state(const char *text, int max, int *out);

/* "KSK", "ZSK", or "" for any other key type. */
const char *key_keytype_name(int keytype);

/* Print the 1.x "Unrecognised state" error; returns KSM_EUSAGE. */
int key_state_error(const char *text);

/*
 * Open the HSM layer into *out (the caller hsm_close()s it); on failure
 * the error is printed. KSM_OK or KSM_ERUNTIME.
 */
int key_open_hsm(struct ksm_ctx *ctx, struct hsm **out);

#endif
