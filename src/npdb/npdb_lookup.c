/*
 * Lookups in an opened NPDB. The index is immutable, so lookups take no lock and run on any
 * number of threads. A lookup touches the l1 table (a few hundred bytes, always cached), two
 * neighbouring block starts (the directory is a few MB, mostly in the last-level cache) and the
 * block's words (a bucket-table word and a handful of entries). The batch form runs the same
 * steps in stages over a group of keys, issuing every key's memory loads of one stage before
 * using any of them, so the waits for memory overlap instead of adding up.
 */
#include "npdbInt.h"

/* Where a key lands: its block's directory slot and suffix, or NULL when no block can hold it. */
static inline const uint32_t *find_slot(const mnp_npdb_t *db, uint64_t e164, uint32_t *suffix)
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
    return &db->starts[(uint64_t)sub * NPDB_HLR_COUNT + (block - upper * NPDB_HLR_COUNT)];
}

/* One block as a lookup sees it. */
typedef struct block_view {
    const uint16_t *table; /* nb - 1 bucket starts, then the entries */
    uint32_t n;            /* entries */
    uint32_t nb;           /* buckets */
} block_view_t;

static inline void block_of(const mnp_npdb_t *db, const uint32_t *slot, block_view_t *b)
{
    b->table = db->data + slot[0];
    npdb_block_shape(slot[1] - slot[0], &b->n, &b->nb);
}

/* Where suffix's entry sits if the block is evenly filled: usually the right cache line. */
static inline const uint16_t *guess_of(const block_view_t *b, uint32_t suffix)
{
    return b->table + b->nb - 1 + (uint32_t)(((uint64_t)suffix * b->n) / NPDB_SUFFIX_COUNT);
}

/* The operator of suffix in block b, or 0. The bucket bounds are clamped to the block, so a
 * corrupt table can give a wrong answer but never a read outside the block. The search over the
 * bucket's ~8 entries has no data-dependent branches. */
static inline unsigned search(const mnp_npdb_t *db, const block_view_t *b, uint32_t suffix)
{
    uint32_t last = b->nb - 1; /* index of the last bucket, and the table's length */
    uint32_t k = npdb_bucket(suffix, b->nb);
    uint32_t hi = k == last ? b->n : b->table[k];
    uint32_t lo = k == 0 ? 0 : b->table[k - 1];
    hi = hi < b->n ? hi : b->n;
    lo = lo < hi ? lo : hi;
    uint32_t len = hi - lo;
    if (len == 0)
        return 0;
    const uint16_t *base = b->table + last + lo;
    uint32_t key = suffix << 2;
    while (len > 1) {
        uint32_t half = len / 2;
        base = base[half] <= key + 3 ? base + half : base;
        len -= half;
    }
    uint32_t e = *base;
    unsigned op = (e & 3u) + 1;
    return ((e >> 2) == suffix && op <= db->hdr->op_count) ? op : 0;
}

unsigned mnp_npdb_lookup(const mnp_npdb_t *db, uint64_t e164)
{
    uint32_t suffix;
    block_view_t b;
    const uint32_t *slot = find_slot(db, e164, &suffix);
    if (slot == NULL)
        return 0;
    block_of(db, slot, &b);
    if (b.n == 0)
        return 0;
    /* Start loading the likely entry line now, so that this load and the bucket-table load in
     * search() overlap instead of following each other. */
    __builtin_prefetch(guess_of(&b, suffix));
    return search(db, &b, suffix);
}

/* Keys per stage group: enough loads in flight to cover memory latency, few enough that the
 * group's state stays in registers and L1. */
#define BATCH_GROUP 16

void mnp_npdb_lookup_batch(const mnp_npdb_t *db, const uint64_t *keys, uint8_t *ops, size_t n)
{
    const uint32_t *slot[BATCH_GROUP];
    uint32_t suffix[BATCH_GROUP];
    block_view_t blk[BATCH_GROUP];

    for (size_t base = 0; base < n; base += BATCH_GROUP) {
        size_t m = n - base < BATCH_GROUP ? n - base : BATCH_GROUP;
        /* Stage 1: find each key's directory slot and start loading it. */
        for (size_t i = 0; i < m; i++) {
            slot[i] = find_slot(db, keys[base + i], &suffix[i]);
            if (slot[i] != NULL)
                __builtin_prefetch(slot[i]);
        }
        /* Stage 2: with the slots in hand, start loading the bucket-table word and the likely
         * entry line of each block. */
        for (size_t i = 0; i < m; i++) {
            if (slot[i] == NULL) {
                blk[i].n = 0;
                continue;
            }
            block_of(db, slot[i], &blk[i]);
            if (blk[i].n == 0)
                continue;
            uint32_t k = npdb_bucket(suffix[i], blk[i].nb);
            __builtin_prefetch(blk[i].table + (k == 0 ? 0 : k - 1));
            __builtin_prefetch(guess_of(&blk[i], suffix[i]));
        }
        /* Stage 3: search. */
        for (size_t i = 0; i < m; i++)
            ops[base + i] = blk[i].n == 0 ? 0 : (uint8_t)search(db, &blk[i], suffix[i]);
    }
}
