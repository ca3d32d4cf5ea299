/*
 * Secrets of the clearinghouse (SPEC.md §3, §7): the server's hashing key, the keyed hashes under
 * which API keys, identity numbers and authorization codes are stored (nobody stores them in
 * clear), the generation of API keys and authorization codes, and the small helpers that handling
 * secrets needs (hex, constant-time comparison, wiping). Built on libsodium: keyed hashes are
 * BLAKE2b-256 with the server key, randomness is the operating system's CSPRNG.
 *
 * Every keyed hash is domain-separated: the domain is a short code literal naming what is hashed
 * ("apikey", "identity", "authcode"), so a hash of one kind can never stand for another. Domains
 * are printable ASCII (bytes 0x20-0x7e), never user input.
 *
 * Nothing here logs: secrets and their hashes never reach a log line. Functions that need the
 * library initialise it themselves (once, thread-safely); a process may still call
 * mnp_crypto_init() at startup to report a broken environment early.
 */
#ifndef MNP_SECRET_H
#define MNP_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

#define MNP_HASH_BYTES     32                       /* output of every keyed hash */
#define MNP_HASH_KEY_BYTES 32                       /* the server key */
#define MNP_HASH_HEX_SIZE  (2 * MNP_HASH_BYTES + 1) /* a hash or key in hex, NUL included */

/* The server's secret hashing key. Caller-allocated; wipe with mnp_hash_key_wipe when done. */
typedef struct mnp_hash_key {
    uint8_t bytes[MNP_HASH_KEY_BYTES];
} mnp_hash_key_t;

/* One part of a multi-part keyed hash: len bytes at ptr (ptr may be NULL when len is 0). */
typedef struct mnp_hash_part {
    const void *ptr;
    size_t len;
} mnp_hash_part_t;

/* Initialises libsodium once per process; safe to call from any thread and any number of times.
 * 0, or MNP_EINTERNAL when the library cannot work here (no randomness source). Every other
 * function of this header calls it itself and aborts the process if it fails, as there is no safe
 * way to go on without randomness. */
int mnp_crypto_init(void) MNP_WUR;

/* ---- The server key ---------------------------------------------------------------------- */

/* Loads the server key from the key file at path into key. The file holds the key as exactly 64
 * hexadecimal characters (either case) and one optional newline; nothing else. The file must be a
 * regular file owned by the effective user (or root) with no permission bits for group or others
 * (like ssh, a key others may read is refused, with the chmod that fixes it in err); an all-zero
 * key is refused as a placeholder.
 * When the file does not exist and create_if_missing is true, a new random key is written to it
 * with mode 0600: a temporary file created exclusively in the same directory, fsync, then linked
 * to path without replacing anything (a key another process created at the same moment wins and
 * is loaded), and the directory fsync'd.
 * Returns 0; MNP_ENOENT (missing, create_if_missing false); MNP_EINVAL (permissions, owner, not a
 * regular file); MNP_EFORMAT (malformed); MNP_EIO and others from the system. On failure key is
 * zeroed. err (may be NULL) names the path and the problem, never the key. */
int mnp_hash_key_load(const char *path, bool create_if_missing, mnp_hash_key_t *key,
                      mnp_error_t *err) MNP_WUR;

/* Fills key with a new random key (for tests and tools; servers load theirs from a file). */
void mnp_hash_key_generate(mnp_hash_key_t *key);

/* Zeroes key in a way the compiler cannot remove. NULL is ignored. */
void mnp_hash_key_wipe(mnp_hash_key_t *key);

/* ---- Keyed hashes ------------------------------------------------------------------------ */

/* out = BLAKE2b-256 keyed with k over domain || 0x00 || data[0..len). data may be NULL when len
 * is 0. */
void mnp_keyed_hash(const mnp_hash_key_t *k, const char *domain, const void *data, size_t len,
                    uint8_t out[MNP_HASH_BYTES]);

/* out = BLAKE2b-256 keyed with k over
 *   domain || 0x01 || u32be(nparts) || for each part: u64be(part.len) || part bytes.
 * Every part carries its length, so ("ab","c") and ("a","bc") hash differently; the 0x01 after
 * the domain (where the single-part form has 0x00) keeps the two forms apart under one domain. */
void mnp_keyed_hash_parts(const mnp_hash_key_t *k, const char *domain, const mnp_hash_part_t *parts,
                          size_t nparts, uint8_t out[MNP_HASH_BYTES]);

/* ---- API keys (operator credentials, §7) -------------------------------------------------- */

/* "mnp_" and 43 characters of base64url without padding (32 random bytes). */
#define MNP_APIKEY_PREFIX   "mnp_"
#define MNP_APIKEY_LEN      47
#define MNP_APIKEY_STR_SIZE (MNP_APIKEY_LEN + 1)

/* Writes a new random API key, NUL-terminated, to out. The key is shown to its operator once;
 * the clearinghouse stores only mnp_apikey_hash of it. Caller wipes out when done with it. */
void mnp_apikey_new(char out[MNP_APIKEY_STR_SIZE]);

/* 0 when s (NUL-terminated, untrusted) has the shape of an API key: MNP_APIKEY_LEN characters,
 * the prefix, then base64url characters of which the last encodes the final 4 bits of 256 (its
 * two low bits zero), as mnp_apikey_new makes them. MNP_EINVAL otherwise. Not constant-time in
 * the shape, which is not secret; the key itself is compared only as a hash. */
int mnp_apikey_check(const char *s) MNP_WUR;

/* out = the keyed hash (domain "apikey") of the API key string s, for storage and lookup.
 * MNP_EINVAL (out untouched) when s fails mnp_apikey_check. */
int mnp_apikey_hash(const mnp_hash_key_t *k, const char *s, uint8_t out[MNP_HASH_BYTES]) MNP_WUR;

/* ---- Identities and authorization codes (§3, §7) ----------------------------------------- */

#define MNP_AUTHCODE_DIGITS   6
#define MNP_AUTHCODE_STR_SIZE (MNP_AUTHCODE_DIGITS + 1)

/* out = the keyed hash (domain "identity") of an identity number in canonical form (for a
 * resident identity card, as mnp_idcard_validate writes it: the caller canonicalises, this
 * function hashes the bytes it is given). */
void mnp_identity_hash(const mnp_hash_key_t *k, const char *canonical_id,
                       uint8_t out[MNP_HASH_BYTES]);

/* Writes a new authorization code to out: 6 decimal digits, NUL-terminated, each of the 10^6
 * codes equally likely. */
void mnp_authcode_new(char out[MNP_AUTHCODE_STR_SIZE]);

/* out = the keyed hash (domain "authcode") binding code to the number it was issued for (E.164
 * digits as an integer, e.g. 8613012345678) and the subscriber's identity (idhash, from
 * mnp_identity_hash): parts u64be(number_e164), idhash, code. The same code for another number or
 * identity hashes differently, so a stored hash proves all three together.
 * MNP_EINVAL (out untouched) when code is not exactly 6 ASCII digits. */
int mnp_authcode_hash(const mnp_hash_key_t *k, uint64_t number_e164,
                      const uint8_t idhash[MNP_HASH_BYTES], const char *code,
                      uint8_t out[MNP_HASH_BYTES]) MNP_WUR;

/* ---- Helpers ----------------------------------------------------------------------------- */

/* Writes len bytes of data as lower-case hex, NUL-terminated, to out of out_size bytes. MNP_ERANGE
 * (out untouched) when out_size < 2 * len + 1. Runs in time independent of the data. */
int mnp_hex_encode(const void *data, size_t len, char *out, size_t out_size) MNP_WUR;

/* Decodes exactly hex_len hex characters (either case) into exactly out_len bytes: hex_len must
 * be 2 * out_len and every character a hex digit, else MNP_EINVAL (out zeroed). */
int mnp_hex_decode(const char *hex, size_t hex_len, void *out, size_t out_len) MNP_WUR;

/* True when a[0..len) equals b[0..len), in time that depends only on len. */
bool mnp_ct_equal(const void *a, const void *b, size_t len);

/* Zeroes len bytes at p in a way the compiler cannot remove. */
void mnp_memzero(void *p, size_t len);

#endif
