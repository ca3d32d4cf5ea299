/*
 * Deterministic synthetic ported-number sets for the benchmarks. A fixed universe of allocated
 * blocks (7-digit prefixes, 10,000 numbers each) is spread over the real portable network codes of
 * SPEC.md §2, weighted by market share (CMCC 60 %, CTCC 22 %, CUCC 17 %, CBN 1 %); the universe
 * depends only on its size, never on the seed, so ported sets and miss sets made with different
 * seeds share it. Ported numbers are distinct random suffixes in those blocks, with a mildly skewed
 * density (some local networks port more), each served by an operator other than its block's
 * range holder. Everything uses integer arithmetic and an own PRNG, so a (seed, count, blocks)
 * triple gives the same numbers on every machine.
 */
#ifndef MNP_BENCH_SYNTH_H
#define MNP_BENCH_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"
#include "mnp/operator.h"

#define SYNTH_DEFAULT_BLOCKS 160000u /* about 1.6 billion allocated numbers / 10,000 */
#define SYNTH_MAX_BLOCKS     449000u /* every portable block of SPEC.md §2 */
#define SYNTH_BLOCK_NUMBERS  10000u

/* ---- a small PRNG (xoshiro256**, seeded through splitmix64) ---------------------------- */

typedef struct synth_rng {
    uint64_t s[4];
} synth_rng_t;

void synth_rng_seed(synth_rng_t *r, uint64_t seed);
uint64_t synth_rng_next(synth_rng_t *r);

/* A value in [0, n) by multiply-shift (bias below 2^-40 for the sizes used here); n > 0. */
uint64_t synth_rng_below(synth_rng_t *r, uint64_t n);

/* ---- generators ------------------------------------------------------------------------ */

/* Fills e164_out[0..count) with count distinct ported numbers (E.164 as an integer,
 * 86XXXXXXXXXXX) in random order and op_out[i] with the operator now serving e164_out[i] (never
 * its range holder). universe_blocks is the number of allocated blocks (0 means
 * SYNTH_DEFAULT_BLOCKS, at most SYNTH_MAX_BLOCKS). Uses about 8 bytes per number of temporary
 * memory. Returns 0, MNP_ERANGE when count does not fit the universe, or MNP_ENOMEM. */
int synth_ported(uint64_t seed, size_t count, size_t universe_blocks, uint64_t *e164_out,
                 uint8_t *op_out) MNP_WUR;

/* Fills out[0..count) with random numbers from the allocated blocks of the universe that are not
 * in set[0..n) (any order; numbers outside the universe are ignored). Repeats are possible.
 * Uses a bitmap of the universe (1,250 bytes per block). Returns 0, MNP_ERANGE when the set
 * fills every allocated number, MNP_EINVAL for a bad universe size, or MNP_ENOMEM. */
int synth_misses(uint64_t seed, const uint64_t *set, size_t n, size_t count, size_t universe_blocks,
                 uint64_t *out) MNP_WUR;

/* Fills out[0..count) with lookup keys of which exactly count * hit_pct / 100 are hits (drawn
 * uniformly, with repeats, from set[0..n)) and the rest are misses taken in order from
 * misses[0..), hits and misses randomly interleaved. Needs n > 0 when there are hits and
 * nmisses >= the number of misses. Returns the number of hits, or (size_t)-1 on bad arguments. */
size_t synth_lookup_keys(uint64_t seed, const uint64_t *set, size_t n, const uint64_t *misses,
                         size_t nmisses, size_t count, unsigned hit_pct, uint64_t *out);

#endif
