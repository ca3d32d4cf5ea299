/*
 * Keyed hashes, API keys, authorization codes and the helpers for handling secrets (the key file
 * is keyfile.c). Everything here is a thin, carefully framed layer over libsodium: the framing
 * (domain, separator, length prefixes) is what makes one hash unable to stand for another, so it
 * is written once here and nowhere else.
 */
#include "mnp/secret.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Separator after the domain: single-part and multi-part hashes of one domain never share input. */
#define SEP_SINGLE 0x00
#define SEP_PARTS  0x01

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc = MNP_EINTERNAL; /* written once under init_once, read after it */

static void init_library(void)
{
    /* sodium_init returns 1 when already initialised (by another library in the process). */
    init_rc = sodium_init() < 0 ? MNP_EINTERNAL : 0;
}

int mnp_crypto_init(void)
{
    pthread_once(&init_once, init_library);
    return init_rc;
}

/* For functions with no way to report failure: without randomness nothing safe can follow. */
static void crypto_require(void)
{
    if (mnp_crypto_init() != 0) {
        fputs("mnp: libsodium cannot be initialised (no randomness source?)\n", stderr);
        abort();
    }
}

void mnp_hash_key_generate(mnp_hash_key_t *key)
{
    crypto_require();
    /* A key of all zeros is refused by the loader; 2^-256 is not worth a loop, but it is free. */
    do {
        randombytes_buf(key->bytes, sizeof(key->bytes));
    } while (sodium_is_zero(key->bytes, sizeof(key->bytes)));
}

void mnp_hash_key_wipe(mnp_hash_key_t *key)
{
    if (key != NULL)
        sodium_memzero(key->bytes, sizeof(key->bytes));
}

static void store_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Starts a keyed BLAKE2b-256 over domain || sep. */
static void hash_begin(crypto_generichash_state *st, const mnp_hash_key_t *k, const char *domain,
                       uint8_t sep)
{
    crypto_require();
    /* Cannot fail: key and output lengths are within BLAKE2b's limits by construction. */
    crypto_generichash_init(st, k->bytes, sizeof(k->bytes), MNP_HASH_BYTES);
    crypto_generichash_update(st, (const unsigned char *)domain, strlen(domain));
    crypto_generichash_update(st, &sep, 1);
}

static void hash_end(crypto_generichash_state *st, uint8_t out[MNP_HASH_BYTES])
{
    crypto_generichash_final(st, out, MNP_HASH_BYTES);
    /* The state holds key-derived chaining values. */
    sodium_memzero(st, sizeof(*st));
}

void mnp_keyed_hash(const mnp_hash_key_t *k, const char *domain, const void *data, size_t len,
                    uint8_t out[MNP_HASH_BYTES])
{
    crypto_generichash_state st;
    hash_begin(&st, k, domain, SEP_SINGLE);
    if (len > 0)
        crypto_generichash_update(&st, data, len);
    hash_end(&st, out);
}

void mnp_keyed_hash_parts(const mnp_hash_key_t *k, const char *domain, const mnp_hash_part_t *parts,
                          size_t nparts, uint8_t out[MNP_HASH_BYTES])
{
    crypto_generichash_state st;
    uint8_t prefix[8];
    hash_begin(&st, k, domain, SEP_PARTS);
    store_be(prefix, (uint64_t)nparts, 4);
    crypto_generichash_update(&st, prefix, 4);
    for (size_t i = 0; i < nparts; i++) {
        store_be(prefix, (uint64_t)parts[i].len, 8);
        crypto_generichash_update(&st, prefix, 8);
        if (parts[i].len > 0)
            crypto_generichash_update(&st, parts[i].ptr, parts[i].len);
    }
    hash_end(&st, out);
}

/* ---- API keys ---------------------------------------------------------------------------- */

#define APIKEY_RAW_BYTES  32
#define APIKEY_PREFIX_LEN (sizeof(MNP_APIKEY_PREFIX) - 1)

void mnp_apikey_new(char out[MNP_APIKEY_STR_SIZE])
{
    uint8_t raw[APIKEY_RAW_BYTES];
    crypto_require();
    randombytes_buf(raw, sizeof(raw));
    memcpy(out, MNP_APIKEY_PREFIX, APIKEY_PREFIX_LEN);
    sodium_bin2base64(out + APIKEY_PREFIX_LEN, MNP_APIKEY_STR_SIZE - APIKEY_PREFIX_LEN, raw,
                      sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

/* The base64url value of c, or -1. */
static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int mnp_apikey_check(const char *s)
{
    if (s == NULL || strncmp(s, MNP_APIKEY_PREFIX, APIKEY_PREFIX_LEN) != 0)
        return MNP_EINVAL;
    /* strnlen: an attacker's string may be long; read no further than one past a key. */
    if (strnlen(s, MNP_APIKEY_LEN + 1) != MNP_APIKEY_LEN)
        return MNP_EINVAL;
    int v = 0;
    for (size_t i = APIKEY_PREFIX_LEN; i < MNP_APIKEY_LEN; i++) {
        v = b64url_value(s[i]);
        if (v < 0)
            return MNP_EINVAL;
    }
    /* 43 characters carry 258 bits for 256: the encoder leaves the last two bits zero, so any
     * other final character is not a key mnp_apikey_new could have made. */
    return (v & 3) == 0 ? 0 : MNP_EINVAL;
}

int mnp_apikey_hash(const mnp_hash_key_t *k, const char *s, uint8_t out[MNP_HASH_BYTES])
{
    int rc = mnp_apikey_check(s);
    if (rc != 0)
        return rc;
    mnp_keyed_hash(k, "apikey", s, MNP_APIKEY_LEN, out);
    return 0;
}

/* ---- Identities and authorization codes -------------------------------------------------- */

void mnp_identity_hash(const mnp_hash_key_t *k, const char *canonical_id,
                       uint8_t out[MNP_HASH_BYTES])
{
    mnp_keyed_hash(k, "identity", canonical_id, strlen(canonical_id), out);
}

void mnp_authcode_new(char out[MNP_AUTHCODE_STR_SIZE])
{
    crypto_require();
    /* randombytes_uniform rejects the biased tail, so all 10^6 codes are equally likely (a
     * plain modulo of 32 random bits would favour the low codes). */
    uint32_t v = randombytes_uniform(1000000);
    for (int i = MNP_AUTHCODE_DIGITS - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    out[MNP_AUTHCODE_DIGITS] = '\0';
}

int mnp_authcode_hash(const mnp_hash_key_t *k, uint64_t number_e164,
                      const uint8_t idhash[MNP_HASH_BYTES], const char *code,
                      uint8_t out[MNP_HASH_BYTES])
{
    if (code == NULL || strnlen(code, MNP_AUTHCODE_DIGITS + 1) != MNP_AUTHCODE_DIGITS)
        return MNP_EINVAL;
    for (int i = 0; i < MNP_AUTHCODE_DIGITS; i++)
        if (code[i] < '0' || code[i] > '9')
            return MNP_EINVAL;
    uint8_t number_be[8];
    store_be(number_be, number_e164, 8);
    const mnp_hash_part_t parts[3] = {
        {number_be, sizeof(number_be)},
        {idhash, MNP_HASH_BYTES},
        {code, MNP_AUTHCODE_DIGITS},
    };
    mnp_keyed_hash_parts(k, "authcode", parts, 3, out);
    return 0;
}

/* ---- Helpers ----------------------------------------------------------------------------- */

int mnp_hex_encode(const void *data, size_t len, char *out, size_t out_size)
{
    if (len > (SIZE_MAX - 1) / 2 || out_size < 2 * len + 1)
        return MNP_ERANGE;
    /* sodium_bin2hex avoids table lookups indexed by secret bytes. */
    sodium_bin2hex(out, out_size, data, len);
    return 0;
}

int mnp_hex_decode(const char *hex, size_t hex_len, void *out, size_t out_len)
{
    size_t bin_len = 0;
    const char *end = NULL;
    if (out_len > SIZE_MAX / 2 || hex_len != 2 * out_len)
        goto fail;
    if (sodium_hex2bin(out, out_len, hex, hex_len, NULL, &bin_len, &end) != 0)
        goto fail;
    if (bin_len != out_len || end != hex + hex_len)
        goto fail;
    return 0;

fail:
    if (out_len > 0)
        sodium_memzero(out, out_len);
    return MNP_EINVAL;
}

bool mnp_ct_equal(const void *a, const void *b, size_t len)
{
    return sodium_memcmp(a, b, len) == 0;
}

void mnp_memzero(void *p, size_t len)
{
    sodium_memzero(p, len);
}
