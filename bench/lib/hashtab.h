/*
 * The baseline the NPDB index is measured against: a plain open-addressing hash table of 64-bit
 * keys with linear probing, the structure one would write first for "number -> operator". Each
 * slot is one u64 holding the operator in its top 8 bits and the key in the low 56; a zero slot
 * is empty. Capacity is ceil(n / 0.7) slots (load factor at most 0.7; other loads can be asked
 * for), reduced to a slot index by a multiply-shift of a murmur3 fmix64 hash, and the memory is
 * plain calloc (no huge pages, no madvise), so it is an honest, ordinary baseline rather than a
 * tuned one.
 */
#ifndef MNP_BENCH_HASHTAB_H
#define MNP_BENCH_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

#define HASHTAB_KEY_BITS 56

typedef struct hashtab {
    uint64_t *slots; /* owned; cap entries */
    size_t cap;
    size_t n; /* keys stored */
} hashtab_t;

#define HASHTAB_LOAD_PCT 70 /* the baseline's maximum load factor, in percent */

/* Sizes t for n_max keys at a load factor of at most load_pct percent (1..99; the baseline is
 * HASHTAB_LOAD_PCT): cap = ceil(n_max * 100 / load_pct), at least n_max + 1. Returns 0,
 * MNP_EINVAL for a bad load_pct, or MNP_ENOMEM. Release with hashtab_fini. */
int hashtab_init(hashtab_t *t, size_t n_max, unsigned load_pct) MNP_WUR;
void hashtab_fini(hashtab_t *t);

/* Stores key -> op (replacing an earlier value of key). MNP_ERANGE when key is 0 or needs more
 * than 56 bits or op is not 1..255; MNP_ELIMIT when a new key would leave no empty slot (the
 * table accepts somewhat more than n_max keys, at a load above 0.7). */
int hashtab_put(hashtab_t *t, uint64_t key, unsigned op) MNP_WUR;

/* The operator stored for key, or 0. */
unsigned hashtab_get(const hashtab_t *t, uint64_t key);

/* ops[i] = hashtab_get(t, keys[i]) for n keys, prefetching every key's first slot before probing
 * any: the same table with the batching trick the index uses, for a fair comparison. */
void hashtab_get_batch(const hashtab_t *t, const uint64_t *keys, uint8_t *ops, size_t n);

/* Bytes of slot memory. */
size_t hashtab_bytes(const hashtab_t *t);

#endif
