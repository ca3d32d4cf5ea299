/*
 * The baseline hash table (see hashtab.h). Linear probing with a mixed hash keeps a probe
 * sequence in one or two cache lines; at load 0.7 a hit reads about 1.6 slots and a miss about
 * 6 on average, which is why misses are the slow case of this structure.
 */
#include "hashtab.h"

#include <stdlib.h>

#define KEY_MASK ((1ull << HASHTAB_KEY_BITS) - 1)
#define BATCH    64

__extension__ typedef unsigned __int128 u128; /* -Wpedantic: a GNU C type, gcc and clang have it */

/* murmur3's 64-bit finaliser: every key bit affects every hash bit. */
static uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

/* The home slot: multiply-shift maps the hash onto [0, cap) without a division and without
 * rounding cap up to a power of two. */
static size_t home(const hashtab_t *t, uint64_t key)
{
    return (size_t)(((u128)fmix64(key) * t->cap) >> 64);
}

int hashtab_init(hashtab_t *t, size_t n_max, unsigned load_pct)
{
    t->slots = NULL;
    t->cap = t->n = 0;
    if (load_pct == 0 || load_pct > 99)
        return MNP_EINVAL;
    size_t cap = (n_max * 100 + load_pct - 1) / load_pct; /* ceil(n_max / load) */
    if (cap <= n_max)
        cap = n_max + 1; /* one slot always stays empty, so every probe ends */
    t->slots = calloc(cap, sizeof *t->slots);
    t->cap = t->slots ? cap : 0;
    t->n = 0;
    return t->slots ? 0 : MNP_ENOMEM;
}

void hashtab_fini(hashtab_t *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->n = 0;
}

int hashtab_put(hashtab_t *t, uint64_t key, unsigned op)
{
    if (key == 0 || key > KEY_MASK || op == 0 || op > 255)
        return MNP_ERANGE;
    uint64_t slot = (uint64_t)op << HASHTAB_KEY_BITS | key;
    for (size_t i = home(t, key);; i = i + 1 == t->cap ? 0 : i + 1) {
        uint64_t s = t->slots[i];
        if (s == 0) {
            if (t->n + 1 >= t->cap)
                return MNP_ELIMIT;
            t->slots[i] = slot;
            t->n++;
            return 0;
        }
        if ((s & KEY_MASK) == key) {
            t->slots[i] = slot;
            return 0;
        }
    }
}

static unsigned probe(const hashtab_t *t, size_t i, uint64_t key)
{
    for (;; i = i + 1 == t->cap ? 0 : i + 1) {
        uint64_t s = t->slots[i];
        if (s == 0)
            return 0;
        if ((s & KEY_MASK) == key)
            return (unsigned)(s >> HASHTAB_KEY_BITS);
    }
}

unsigned hashtab_get(const hashtab_t *t, uint64_t key)
{
    return probe(t, home(t, key), key);
}

void hashtab_get_batch(const hashtab_t *t, const uint64_t *keys, uint8_t *ops, size_t n)
{
    size_t at[BATCH];
    for (size_t base = 0; base < n; base += BATCH) {
        size_t m = n - base < BATCH ? n - base : BATCH;
        for (size_t i = 0; i < m; i++) {
            at[i] = home(t, keys[base + i]);
            __builtin_prefetch(&t->slots[at[i]]);
        }
        for (size_t i = 0; i < m; i++)
            ops[base + i] = (uint8_t)probe(t, at[i], keys[base + i]);
    }
}

size_t hashtab_bytes(const hashtab_t *t)
{
    return t->cap * sizeof *t->slots;
}
