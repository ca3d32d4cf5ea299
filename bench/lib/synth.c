/*
 * Synthetic ported-number sets (see synth.h). The work is split in three steps that each stay
 * cheap at 100 million numbers: apportion the count over the blocks of the universe by integer
 * weights, draw distinct suffixes per block with a 10,000-bit bitmap (so no global hash set is
 * needed), and shuffle with a scatter into random buckets followed by a Fisher-Yates pass per
 * bucket (the Rao-Sandelius method), which keeps the random accesses inside the cache.
 */
#include "synth.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_WORDS    ((SYNTH_BLOCK_NUMBERS + 63) / 64)
#define E164_BASE      8600000000000ull /* 86 followed by 11 zero digits */
#define PREFIX_FIRST   1300000u         /* lowest 7-digit block prefix of the China profile */
#define PREFIX_SPAN    700000u          /* prefixes 1300000..1999999 */
#define PACK_SHIFT     56
#define PACK_MASK      ((1ull << PACK_SHIFT) - 1)
#define LOCAL_NETWORKS 313u /* (hlr / 32): about as many as China's local networks */

/* Stream constants: different purposes never share a PRNG sequence for the same seed. */
#define SEED_UNIVERSE 0x6d6e702d756e6976ull /* fixed: the universe never depends on the seed */
#define SEED_WEIGHTS  0x9e3779b97f4a7c15ull
#define SEED_NUMBERS  0xbf58476d1ce4e5b9ull
#define SEED_SHUFFLE  0x94d049bb133111ebull
#define SEED_MISSES   0x2545f4914f6cdd1dull
#define SEED_KEYS     0x5851f42d4c957f2dull

__extension__ typedef unsigned __int128 u128; /* -Wpedantic: a GNU C type, gcc and clang have it */

typedef struct synth_range {
    uint32_t first; /* first 7-digit prefix */
    uint32_t count; /* blocks */
    uint8_t holder; /* mnp_operator_t */
} synth_range_t;

/* Portable network codes of SPEC.md §2 as block ranges. Left out as not portable: 1349 and 174
 * (satellite), which the range-holder list also names under China Telecom. */
static const synth_range_t ranges[] = {
    {1300000, 30000, MNP_OP_CUCC}, /* 130-132 */
    {1330000, 10000, MNP_OP_CTCC}, /* 133 */
    {1340000, 9000, MNP_OP_CMCC},  /* 1340-1348 */
    {1350000, 50000, MNP_OP_CMCC}, /* 135-139 */
    {1500000, 30000, MNP_OP_CMCC}, /* 150-152 */
    {1530000, 10000, MNP_OP_CTCC}, /* 153 */
    {1550000, 20000, MNP_OP_CUCC}, /* 155-156 */
    {1570000, 30000, MNP_OP_CMCC}, /* 157-159 */
    {1660000, 10000, MNP_OP_CUCC}, /* 166 */
    {1720000, 10000, MNP_OP_CMCC}, /* 172 */
    {1730000, 10000, MNP_OP_CTCC}, /* 173 */
    {1750000, 20000, MNP_OP_CUCC}, /* 175-176 */
    {1770000, 10000, MNP_OP_CTCC}, /* 177 */
    {1780000, 10000, MNP_OP_CMCC}, /* 178 */
    {1800000, 20000, MNP_OP_CTCC}, /* 180-181 */
    {1820000, 30000, MNP_OP_CMCC}, /* 182-184 */
    {1850000, 20000, MNP_OP_CUCC}, /* 185-186 */
    {1870000, 20000, MNP_OP_CMCC}, /* 187-188 */
    {1890000, 10000, MNP_OP_CTCC}, /* 189 */
    {1900000, 20000, MNP_OP_CTCC}, /* 190-191 */
    {1920000, 10000, MNP_OP_CBN},  /* 192 */
    {1930000, 10000, MNP_OP_CTCC}, /* 193 */
    {1950000, 10000, MNP_OP_CMCC}, /* 195 */
    {1960000, 10000, MNP_OP_CUCC}, /* 196 */
    {1970000, 20000, MNP_OP_CMCC}, /* 197-198 */
    {1990000, 10000, MNP_OP_CTCC}, /* 199 */
};
#define RANGE_COUNT (sizeof ranges / sizeof ranges[0])

/* Market share in percent: how blocks are spread, and where ported numbers go. */
static const unsigned share_pct[MNP_OP_COUNT] = {0, 60, 17, 22, 1};
/* Relative porting rate (per mille) of each range holder's blocks: the biggest loses most. */
static const unsigned port_rate[MNP_OP_COUNT] = {0, 1200, 1000, 900, 600};

typedef struct synth_block {
    uint32_t prefix;
    uint8_t holder;
} synth_block_t;

/* ---- PRNG ------------------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void synth_rng_seed(synth_rng_t *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t v, int k)
{
    return (v << k) | (v >> (64 - k));
}

uint64_t synth_rng_next(synth_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t synth_rng_below(synth_rng_t *r, uint64_t n)
{
    return (uint64_t)(((u128)synth_rng_next(r) * n) >> 64);
}

/* ---- the universe of allocated blocks -------------------------------------------------- */

static int cmp_block(const void *a, const void *b)
{
    const synth_block_t *x = a, *y = b;
    return (x->prefix > y->prefix) - (x->prefix < y->prefix);
}

/* How many blocks each range holder gets: its market share, capped by what it holds, the rest
 * spilled to those with room (only matters for universes above ~365,000 blocks). */
static void universe_split(size_t nblocks, size_t want[MNP_OP_COUNT])
{
    size_t avail[MNP_OP_COUNT] = {0};
    for (size_t i = 0; i < RANGE_COUNT; i++)
        avail[ranges[i].holder] += ranges[i].count;
    size_t given = 0;
    for (unsigned op = MNP_OP_CMCC; op < MNP_OP_COUNT; op++) {
        want[op] = op == MNP_OP_CBN ? nblocks - given : nblocks * share_pct[op] / 100;
        given += want[op];
    }
    size_t spill = 0;
    for (unsigned op = MNP_OP_CMCC; op < MNP_OP_COUNT; op++) {
        if (want[op] > avail[op]) {
            spill += want[op] - avail[op];
            want[op] = avail[op];
        }
    }
    for (unsigned op = MNP_OP_CMCC; op < MNP_OP_COUNT && spill > 0; op++) {
        size_t room = avail[op] - want[op];
        size_t add = room < spill ? room : spill;
        want[op] += add;
        spill -= add;
    }
}

/* The universe of nblocks allocated blocks, sorted by prefix; caller frees. Within each holder
 * the blocks are a uniform selection (Knuth's algorithm S) from a fixed seed. */
static int universe_build(size_t nblocks, synth_block_t **out)
{
    if (nblocks == 0)
        nblocks = SYNTH_DEFAULT_BLOCKS;
    if (nblocks > SYNTH_MAX_BLOCKS)
        return MNP_EINVAL;
    synth_block_t *u = malloc(nblocks * sizeof *u);
    if (u == NULL)
        return MNP_ENOMEM;
    size_t want[MNP_OP_COUNT];
    universe_split(nblocks, want);
    synth_rng_t r;
    synth_rng_seed(&r, SEED_UNIVERSE ^ nblocks);
    size_t n = 0;
    for (unsigned op = MNP_OP_CMCC; op < MNP_OP_COUNT; op++) {
        size_t left = 0, need = want[op];
        for (size_t i = 0; i < RANGE_COUNT; i++)
            left += ranges[i].holder == op ? ranges[i].count : 0;
        for (size_t i = 0; i < RANGE_COUNT && need > 0; i++) {
            if (ranges[i].holder != op)
                continue;
            for (uint32_t k = 0; k < ranges[i].count && need > 0; k++, left--) {
                if (synth_rng_below(&r, left) < need) {
                    u[n].prefix = ranges[i].first + k;
                    u[n].holder = (uint8_t)op;
                    n++;
                    need--;
                }
            }
        }
    }
    qsort(u, n, sizeof *u, cmp_block);
    *out = u;
    return 0;
}

/* ---- apportioning the count over the blocks ---------------------------------------------- */

/* Integer weight of each block: its local network's porting appetite (skewed: a few local
 * networks port up to five times more), its holder's porting rate, a +-25 % jitter. */
static void block_weights(uint64_t seed, const synth_block_t *u, size_t nb, uint64_t *w)
{
    synth_rng_t r;
    synth_rng_seed(&r, seed ^ SEED_WEIGHTS);
    uint64_t local_w[LOCAL_NETWORKS];
    for (unsigned l = 0; l < LOCAL_NETWORKS; l++) {
        uint64_t x = synth_rng_below(&r, 1000);
        local_w[l] = 200 + x * x * 800 / 1000000;
    }
    for (size_t i = 0; i < nb; i++) {
        unsigned local = (u[i].prefix % 10000) / 32;
        w[i] = local_w[local] * port_rate[u[i].holder] * (768 + synth_rng_below(&r, 512));
    }
}

/* quota[i] = numbers to draw in block i; the quotas sum to count, each at most 10,000. */
static void apportion(uint64_t seed, const synth_block_t *u, size_t nb, size_t count,
                      uint32_t *quota, uint64_t *w)
{
    block_weights(seed, u, nb, w);
    u128 total = 0;
    for (size_t i = 0; i < nb; i++)
        total += w[i];
    size_t left = count;
    for (size_t i = 0; i < nb; i++) {
        uint64_t q = (uint64_t)((u128)count * w[i] / total);
        if (q > SYNTH_BLOCK_NUMBERS)
            q = SYNTH_BLOCK_NUMBERS;
        quota[i] = (uint32_t)q;
        left -= q;
    }
    /* The rounding remainder (and anything cut by the cap) goes to random blocks with room,
     * then, for nearly full universes, to the first blocks with room. */
    synth_rng_t r;
    synth_rng_seed(&r, seed ^ SEED_WEIGHTS ^ count);
    for (size_t tries = 4 * nb; left > 0 && tries > 0; tries--) {
        size_t i = synth_rng_below(&r, nb);
        if (quota[i] < SYNTH_BLOCK_NUMBERS) {
            quota[i]++;
            left--;
        }
    }
    for (size_t i = 0; i < nb && left > 0; i++) {
        size_t room = SYNTH_BLOCK_NUMBERS - quota[i];
        size_t add = room < left ? room : left;
        quota[i] += (uint32_t)add;
        left -= add;
    }
}

/* ---- drawing numbers --------------------------------------------------------------------- */

/* An operator other than holder, weighted by market share. */
static uint8_t pick_operator(synth_rng_t *r, unsigned holder)
{
    uint64_t x = synth_rng_below(r, 100 - share_pct[holder]);
    for (unsigned op = MNP_OP_CMCC; op < MNP_OP_COUNT; op++) {
        if (op == holder)
            continue;
        if (x < share_pct[op])
            return (uint8_t)op;
        x -= share_pct[op];
    }
    return MNP_OP_CBN; /* not reached: the shares of the others sum to the range */
}

/* Sets k distinct random bits among the first 10,000 of bits. Draws the complement when k is
 * above half, so rejection never needs more than two tries per number on average. */
static void draw_suffixes(synth_rng_t *r, uint32_t k, uint64_t bits[BLOCK_WORDS])
{
    bool invert = k > SYNTH_BLOCK_NUMBERS / 2;
    uint32_t m = invert ? SYNTH_BLOCK_NUMBERS - k : k;
    memset(bits, 0, BLOCK_WORDS * sizeof bits[0]);
    for (uint32_t done = 0; done < m;) {
        uint32_t s = (uint32_t)synth_rng_below(r, SYNTH_BLOCK_NUMBERS);
        uint64_t bit = 1ull << (s & 63);
        if (!(bits[s >> 6] & bit)) {
            bits[s >> 6] |= bit;
            done++;
        }
    }
    if (invert) {
        for (unsigned i = 0; i < BLOCK_WORDS; i++)
            bits[i] = ~bits[i];
        bits[BLOCK_WORDS - 1] &= (1ull << (SYNTH_BLOCK_NUMBERS % 64)) - 1;
    }
}

/* Writes the numbers of every block, packed as (op << 56 | e164), in ascending order. */
static void draw_numbers(uint64_t seed, const synth_block_t *u, size_t nb, const uint32_t *quota,
                         uint64_t *packed)
{
    synth_rng_t r;
    synth_rng_seed(&r, seed ^ SEED_NUMBERS);
    uint64_t bits[BLOCK_WORDS];
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) {
        if (quota[i] == 0)
            continue;
        draw_suffixes(&r, quota[i], bits);
        uint64_t base = E164_BASE + (uint64_t)u[i].prefix * SYNTH_BLOCK_NUMBERS;
        for (unsigned wi = 0; wi < BLOCK_WORDS; wi++) {
            for (uint64_t word = bits[wi]; word != 0; word &= word - 1) {
                uint64_t suffix = wi * 64u + (unsigned)__builtin_ctzll(word);
                uint64_t op = pick_operator(&r, u[i].holder);
                packed[n++] = (op << PACK_SHIFT) | (base + suffix);
            }
        }
    }
}

/* Shuffles src[0..n) into dst: each item goes to a random bucket (sequential writes), then each
 * bucket, small enough for the cache, gets a Fisher-Yates shuffle. Uniform like one big
 * Fisher-Yates, several times faster on arrays far larger than the cache. */
static int shuffle_into(uint64_t seed, const uint64_t *src, size_t n, uint64_t *dst)
{
    size_t nbk = 1;
    while (nbk < 4096 && nbk * 65536 < n)
        nbk <<= 1;
    size_t *start = calloc(nbk + 1, sizeof *start);
    size_t *fill = malloc(nbk * sizeof *fill);
    if (start == NULL || fill == NULL) {
        free(start);
        free(fill);
        return MNP_ENOMEM;
    }
    synth_rng_t r;
    synth_rng_seed(&r, seed ^ SEED_SHUFFLE);
    for (size_t i = 0; i < n; i++)
        start[synth_rng_below(&r, nbk) + 1]++;
    for (size_t b = 0; b < nbk; b++) {
        start[b + 1] += start[b];
        fill[b] = start[b];
    }
    synth_rng_seed(&r, seed ^ SEED_SHUFFLE); /* the same bucket sequence again */
    for (size_t i = 0; i < n; i++)
        dst[fill[synth_rng_below(&r, nbk)]++] = src[i];
    for (size_t b = 0; b < nbk; b++) {
        uint64_t *a = dst + start[b];
        for (size_t i = start[b + 1] - start[b]; i > 1; i--) {
            size_t j = synth_rng_below(&r, i);
            uint64_t t = a[i - 1];
            a[i - 1] = a[j];
            a[j] = t;
        }
    }
    free(start);
    free(fill);
    return 0;
}

int synth_ported(uint64_t seed, size_t count, size_t universe_blocks, uint64_t *e164_out,
                 uint8_t *op_out)
{
    synth_block_t *u = NULL;
    uint32_t *quota = NULL;
    uint64_t *w = NULL, *packed = NULL;
    int rc = universe_build(universe_blocks, &u);
    if (rc < 0)
        return rc;
    size_t nb = universe_blocks ? universe_blocks : SYNTH_DEFAULT_BLOCKS;
    if (count > nb * SYNTH_BLOCK_NUMBERS) {
        rc = MNP_ERANGE;
        goto fail;
    }
    quota = malloc(nb * sizeof *quota);
    w = malloc(nb * sizeof *w);
    packed = malloc((count ? count : 1) * sizeof *packed);
    if (quota == NULL || w == NULL || packed == NULL) {
        rc = MNP_ENOMEM;
        goto fail;
    }
    apportion(seed, u, nb, count, quota, w);
    draw_numbers(seed, u, nb, quota, packed);
    rc = shuffle_into(seed, packed, count, e164_out);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        op_out[i] = (uint8_t)(e164_out[i] >> PACK_SHIFT);
        e164_out[i] &= PACK_MASK;
    }
fail:
    free(u);
    free(quota);
    free(w);
    free(packed);
    return rc;
}

/* ---- misses and lookup keys ------------------------------------------------------------ */

int synth_misses(uint64_t seed, const uint64_t *set, size_t n, size_t count, size_t universe_blocks,
                 uint64_t *out)
{
    synth_block_t *u = NULL;
    uint32_t *index = NULL;
    uint64_t *bits = NULL;
    int rc = universe_build(universe_blocks, &u);
    if (rc < 0)
        return rc;
    size_t nb = universe_blocks ? universe_blocks : SYNTH_DEFAULT_BLOCKS;
    index = malloc(PREFIX_SPAN * sizeof *index);
    bits = calloc(nb * BLOCK_WORDS, sizeof *bits);
    if (index == NULL || bits == NULL) {
        rc = MNP_ENOMEM;
        goto fail;
    }
    memset(index, 0xff, PREFIX_SPAN * sizeof *index);
    for (size_t i = 0; i < nb; i++)
        index[u[i].prefix - PREFIX_FIRST] = (uint32_t)i;
    size_t marked = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t nat = set[i] - E164_BASE; /* wraps to huge for numbers below the base */
        uint64_t prefix = nat / SYNTH_BLOCK_NUMBERS;
        if (prefix < PREFIX_FIRST || prefix >= PREFIX_FIRST + PREFIX_SPAN)
            continue;
        uint32_t b = index[prefix - PREFIX_FIRST];
        if (b == UINT32_MAX)
            continue;
        uint64_t s = nat % SYNTH_BLOCK_NUMBERS;
        uint64_t *word = &bits[(size_t)b * BLOCK_WORDS + s / 64];
        uint64_t mask = 1ull << (s % 64);
        marked += !(*word & mask);
        *word |= mask;
    }
    if (count > 0 && marked >= nb * SYNTH_BLOCK_NUMBERS) {
        rc = MNP_ERANGE;
        goto fail;
    }
    synth_rng_t r;
    synth_rng_seed(&r, seed ^ SEED_MISSES);
    for (size_t i = 0; i < count;) {
        size_t b = synth_rng_below(&r, nb);
        uint32_t s = (uint32_t)synth_rng_below(&r, SYNTH_BLOCK_NUMBERS);
        if (bits[b * BLOCK_WORDS + s / 64] & (1ull << (s % 64)))
            continue;
        out[i++] = E164_BASE + (uint64_t)u[b].prefix * SYNTH_BLOCK_NUMBERS + s;
    }
fail:
    free(u);
    free(index);
    free(bits);
    return rc;
}

size_t synth_lookup_keys(uint64_t seed, const uint64_t *set, size_t n, const uint64_t *misses,
                         size_t nmisses, size_t count, unsigned hit_pct, uint64_t *out)
{
    if (hit_pct > 100)
        return (size_t)-1;
    size_t hits = (size_t)((u128)count * hit_pct / 100);
    if ((hits > 0 && n == 0) || nmisses < count - hits)
        return (size_t)-1;
    synth_rng_t r;
    synth_rng_seed(&r, seed ^ SEED_KEYS ^ hit_pct);
    /* Sequential selection: position i is a hit with probability hits_left / positions_left,
     * which gives exactly `hits` hits in a uniformly random arrangement without a shuffle. */
    size_t hits_left = hits, mi = 0;
    for (size_t i = 0; i < count; i++) {
        if (synth_rng_below(&r, count - i) < hits_left) {
            out[i] = set[synth_rng_below(&r, n)];
            hits_left--;
        } else {
            out[i] = misses[mi++];
        }
    }
    return hits;
}
