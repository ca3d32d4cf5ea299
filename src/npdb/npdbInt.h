/*
 * Private to the NPDB area: the on-disk layout of an index snapshot and the opened handle.
 * docs/npdb-format.md describes the same layout for people; keep the two in step.
 *
 * A number splits into upper (e164 / 10^8), hlr (the next 4 digits) and suffix (the last 4).
 * For China, upper is "86" plus the 3-digit network code, hlr the H0H1H2H3 digits: (upper, hlr)
 * is one block of 10,000 numbers. The file holds
 *   - l1:     u32 per upper in [upper_base, upper_base + upper_count): a subtable number or NONE;
 *   - starts: per subtable, 10,000 u32 (one per hlr) plus one final u32: where each block's
 *             words start in data; a block ends where the next one starts, and its entry and
 *             bucket counts follow from its length (npdb_block_shape), so 4 bytes per block;
 *   - data:   u16 words; a block's words are its bucket table then its entries.
 * An entry is (suffix << 2 | operator code - 1), sorted by suffix. A block with n entries has
 * nb = ceil(n / 8) buckets splitting the suffix range evenly; the table holds the start of
 * buckets 1..nb-1 (bucket 0 starts at 0, the last ends at n), so a lookup searches ~8 entries.
 * All integers are little-endian; the code reads them natively and refuses big-endian hosts.
 */
#ifndef MNP_NPDB_INT_H
#define MNP_NPDB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/npdb.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the NPDB file format is little-endian and read in place: big-endian hosts are not supported"
#endif

#define NPDB_MAGIC           "MNPNPDB" /* 8 bytes with the NUL */
#define NPDB_HEADER_BYTES    256
#define NPDB_HLR_COUNT       10000u      /* blocks per subtable */
#define NPDB_SUFFIX_COUNT    10000u      /* numbers per block */
#define NPDB_L1_NONE         0xFFFFFFFFu /* l1 value of an upper with no blocks */
#define NPDB_BUCKET_AVG      8u          /* a block gets buckets of about this many entries */
#define NPDB_BLOCK_WORDS_MAX 11249u      /* a full block: 1,249 table words and 10,000 entries */
#define NPDB_SECTION_ALIGN   64u
#define NPDB_ENTRY_BITS      16u
/* ceil(2^32 / 10000): (suffix * NPDB_BUCKET_MUL * nb) >> 32 maps 0..9999 evenly and in order
 * onto 0..nb-1 without a division (9999 * NPDB_BUCKET_MUL < 2^32). */
#define NPDB_BUCKET_MUL 429497u

typedef struct npdb_header {
    char magic[8];
    uint32_t version;
    uint32_t header_bytes;
    uint64_t seq;
    uint64_t entries;
    uint64_t blocks;
    int64_t created_ms;
    uint64_t file_bytes;
    uint32_t op_count;
    uint32_t entry_bits;
    char ops[MNP_NPDB_OPS_MAX][MNP_NPDB_OP_CODE_MAX];
    uint8_t reserved[104]; /* zero; room for later fields */
    uint64_t upper_base;
    uint32_t upper_count;
    uint32_t sub_count;
    uint64_t l1_off;
    uint64_t starts_off;
    uint64_t data_off;
    uint64_t data_bytes;
    uint32_t body_crc;   /* CRC-32C of bytes [header_bytes, file_bytes) */
    uint32_t header_crc; /* CRC-32C of the header with this field zero */
} npdb_header_t;

_Static_assert(sizeof(npdb_header_t) == NPDB_HEADER_BYTES, "header layout");

struct mnp_npdb {
    const uint8_t *map; /* the whole file, read-only */
    size_t map_bytes;
    const npdb_header_t *hdr;
    const uint32_t *l1;
    const uint32_t *starts;
    const uint16_t *data;
    uint64_t data_words;
    uint64_t upper_base;
    uint32_t upper_count;
};

/* Bucket of suffix in a block with nb buckets. */
static inline uint32_t npdb_bucket(uint32_t suffix, uint32_t nb)
{
    return (uint32_t)(((uint64_t)suffix * NPDB_BUCKET_MUL * nb) >> 32);
}

/* The bucket count of a block of n entries. */
static inline uint32_t npdb_nb_for(uint32_t n)
{
    return n <= NPDB_BUCKET_AVG ? 1 : (n + NPDB_BUCKET_AVG - 1) / NPDB_BUCKET_AVG;
}

/* The entries and buckets of a block of w words, the inverse of w = nb - 1 + n with
 * nb = npdb_nb_for(n): up to 8 words are 8 entries in one bucket; beyond, n = 8q + r with
 * r in 1..8 has q + 1 buckets and 9q + r words. Any w gives nb - 1 + n == w, so even a corrupt
 * directory describes a block inside its own words. */
static inline void npdb_block_shape(uint32_t w, uint32_t *n, uint32_t *nb)
{
    if (w <= NPDB_BUCKET_AVG) {
        *n = w;
        *nb = 1;
        return;
    }
    uint32_t q = (w - 1) / (NPDB_BUCKET_AVG + 1);
    *n = NPDB_BUCKET_AVG * q + (w - (NPDB_BUCKET_AVG + 1) * q);
    *nb = q + 1;
}

/* CRC-32C of the header with header_crc taken as zero. */
uint32_t npdb_header_crc(const npdb_header_t *h);

#endif
