/*
 * Lookups in an opened NPDB. The index is immutable, so lookups take no lock and run on any
 * number of threads. A lookup touches the l1 table (a few hundred bytes, always cached), one
 * block record (the record tables are a few MB, mostly in the last-level cache) and the block's
 * words (a bucket-table word and a handful of entries). The batch form runs the same steps in
 * stages over a group of keys, issuing every key's memory loads of one stage before using any of
 * them, so the waits for memory overlap instead of adding up.
 */
#include "npdbInt.h"

/* Where a key lands: its block record and suffix, or NULL when no block can hold it. */
static inline const npdb_rec_t *find_rec(const mnp_npdb_t *db, uint64_t e164, uint32_t *suffix)
{
    uint64_t block = e164 / NPDB_SUFFIX_COUNT;
    uint64_t upper = block / NPDB_HLR_COUNT;
    *suffix = (uint32_t)(e164 - block * NPDB_SUFFIX_COUNT);
    uint64_t i = upper - db->upper_base; /* wraps to a huge value below the base */
    if (i >= db->upper_count)
        return NULL;
    uint32_t sub = db->l1[i];
    if (sub == NPDB_L1_NONE)
        return NULL;
    return &db->recs[(uint64_t)sub * NPDB_HLR_COUNT + (block - upper * NPDB_HLR_COUNT)];
}

/* Bounds [*lo, *hi) of suffix's bucket, clamped to the block so that a corrupt table can give
 * a wrong answer but never a read outside the block. Returns the first entry word. */
static inline const uint16_t *bucket_bounds(const mnp_npdb_t *db, const npdb_rec_t *r,
                                            uint32_t suffix, uint32_t *lo, uint32_t *hi)
{
    const uint16_t *table = db->data + r->off;
    uint32_t last = r->nb - 1u; /* index of the last bucket, and the table's length */
    uint32_t b = npdb_bucket(suffix, r->nb);
    uint32_t count = r->count;
    uint32_t l = b == 0 ? 0 : table[b - 1];
    uint32_t h = b == last ? count : table[b];
    h = h < count ? h : count;
    l = l < h ? l : h;
    *lo = l;
    *hi = h;
    return table + last;
}

/* The entry word of suffix in entries[lo, hi), searched without data-dependent branches. */
static inline unsigned search(const mnp_npdb_t *db, const uint16_t *entries, uint32_t lo,
                              uint32_t hi, uint32_t suffix)
{
    uint32_t n = hi - lo;
    if (n == 0)
        return 0;
    const uint16_t *base = entries + lo;
    uint32_t key = suffix << 2;
    while (n > 1) {
        uint32_t half = n / 2;
        base = base[half] <= key + 3 ? base + half : base;
        n -= half;
    }
    uint32_t e = *base;
    unsigned op = (e & 3u) + 1;
    return ((e >> 2) == suffix && op <= db->hdr->op_count) ? op : 0;
}

unsigned mnp_npdb_lookup(const mnp_npdb_t *db, uint64_t e164)
{
    uint32_t suffix, lo, hi;
    const npdb_rec_t *r = find_rec(db, e164, &suffix);
    if (r == NULL || r->count == 0)
        return 0;
    /* Start loading where the entry sits if the block is evenly filled, so that this load and
     * the bucket-table load below overlap instead of following each other. */
    uint32_t guess = (uint32_t)(((uint64_t)suffix * r->count) / NPDB_SUFFIX_COUNT);
    __builtin_prefetch(db->data + r->off + r->nb - 1 + guess);
    const uint16_t *entries = bucket_bounds(db, r, suffix, &lo, &hi);
    return search(db, entries, lo, hi, suffix);
}

/* Keys per stage group: enough loads in flight to cover memory latency, few enough that the
 * group's state stays in registers and L1. */
#define BATCH_GROUP 16

void mnp_npdb_lookup_batch(const mnp_npdb_t *db, const uint64_t *keys, uint8_t *ops, size_t n)
{
    const npdb_rec_t *rec[BATCH_GROUP];
    uint32_t suffix[BATCH_GROUP];

    for (size_t base = 0; base < n; base += BATCH_GROUP) {
        size_t m = n - base < BATCH_GROUP ? n - base : BATCH_GROUP;
        /* Stage 1: find each key's record and start loading it. */
        for (size_t i = 0; i < m; i++) {
            rec[i] = find_rec(db, keys[base + i], &suffix[i]);
            if (rec[i] != NULL)
                __builtin_prefetch(rec[i]);
        }
        /* Stage 2: with the records in hand, start loading the bucket-table word and the
         * entries where the suffix would sit if the block were evenly filled (usually the
         * right cache line, so stage 3 rarely waits). */
        for (size_t i = 0; i < m; i++) {
            const npdb_rec_t *r = rec[i];
            if (r == NULL || r->count == 0) {
                rec[i] = NULL;
                continue;
            }
            const uint16_t *table = db->data + r->off;
            uint32_t b = npdb_bucket(suffix[i], r->nb);
            __builtin_prefetch(table + (b == 0 ? 0 : b - 1));
            uint32_t guess = (uint32_t)(((uint64_t)suffix[i] * r->count) / NPDB_SUFFIX_COUNT);
            __builtin_prefetch(table + r->nb - 1 + guess);
        }
        /* Stage 3: search. */
        for (size_t i = 0; i < m; i++) {
            uint32_t lo, hi;
            if (rec[i] == NULL) {
                ops[base + i] = 0;
                continue;
            }
            const uint16_t *entries = bucket_bounds(db, rec[i], suffix[i], &lo, &hi);
            ops[base + i] = (uint8_t)search(db, entries, lo, hi, suffix[i]);
        }
    }
}
