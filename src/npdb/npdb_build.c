/*
 * Building an NPDB snapshot. Adds are appended to one array of packed words (number << 2 |
 * operator code); writing sorts them with a stable radix sort, keeps the last add of each number,
 * lays the blocks out and writes the file atomically (temporary file, fsync, rename, fsync of the
 * directory). Sorting packed 64-bit words keeps 100 million adds within 1.6 GB and a few seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mnp/alloc.h"
#include "mnp/crc32c.h"
#include "npdbInt.h"

#define E164_MAX     999999999999999ull /* 15 digits */
#define E164_MIN     10000ull           /* a block needs at least one digit before the suffix */
#define SORT_BITS    50                 /* E164_MAX < 2^50 */
#define RADIX_BITS   10
#define RADIX_PASSES (SORT_BITS / RADIX_BITS)
#define WRITE_CHUNK  (1u << 20)

struct mnp_npdb_builder {
    uint64_t *words; /* (e164 << 2) | (op - 1), in add order */
    size_t count;
    size_t cap;
    unsigned op_count;
    char ops[MNP_NPDB_OPS_MAX][MNP_NPDB_OP_CODE_MAX];
};

int mnp_npdb_builder_new(mnp_npdb_builder_t **out)
{
    *out = mnp_xcalloc(1, sizeof(**out));
    return 0;
}

void mnp_npdb_builder_free(mnp_npdb_builder_t *b)
{
    if (b == NULL)
        return;
    free(b->words);
    free(b);
}

size_t mnp_npdb_builder_count(const mnp_npdb_builder_t *b)
{
    return b->count;
}

int mnp_npdb_builder_op(mnp_npdb_builder_t *b, const char *op_code, unsigned *op)
{
    size_t len = strlen(op_code);
    if (len == 0 || len >= MNP_NPDB_OP_CODE_MAX)
        return MNP_EINVAL;
    for (unsigned i = 0; i < b->op_count; i++) {
        if (strcmp(b->ops[i], op_code) == 0) {
            *op = i + 1;
            return 0;
        }
    }
    if (b->op_count == MNP_NPDB_OPS_MAX)
        return MNP_ELIMIT;
    memcpy(b->ops[b->op_count], op_code, len + 1);
    *op = ++b->op_count;
    return 0;
}

int mnp_npdb_builder_add_op(mnp_npdb_builder_t *b, uint64_t e164, unsigned op)
{
    if (e164 < E164_MIN || e164 > E164_MAX)
        return MNP_ERANGE;
    if (op == 0 || op > b->op_count)
        return MNP_EINVAL;
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->words = mnp_xrealloc(b->words, b->cap * sizeof(*b->words));
    }
    b->words[b->count++] = (e164 << 2) | (op - 1);
    return 0;
}

int mnp_npdb_builder_add(mnp_npdb_builder_t *b, uint64_t e164, const char *op_code)
{
    unsigned op;
    int rc = mnp_npdb_builder_op(b, op_code, &op);
    if (rc != 0)
        return rc;
    return mnp_npdb_builder_add_op(b, e164, op);
}

/* Stable LSD radix sort of words by their number (bits 2 and up); tmp holds n words. Returns the
 * array the result ended in (words or tmp). */
static uint64_t *radix_sort(uint64_t *words, uint64_t *tmp, size_t n)
{
    size_t *count = mnp_xmalloc(sizeof(size_t) << RADIX_BITS);
    uint64_t *src = words, *dst = tmp;
    for (int pass = 0; pass < RADIX_PASSES; pass++) {
        unsigned shift = 2 + (unsigned)pass * RADIX_BITS;
        uint64_t mask = (1u << RADIX_BITS) - 1;
        memset(count, 0, sizeof(size_t) << RADIX_BITS);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & mask]++;
        /* A pass where every word has the same digit changes nothing: skip its scatter. */
        if (count[(src[0] >> shift) & mask] == n)
            continue;
        size_t sum = 0;
        for (size_t d = 0; d < (1u << RADIX_BITS); d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & mask]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    free(count);
    return src;
}

/* Keeps the last word of each run of equal numbers (the sort is stable, so the last add).
 * Returns the new count. */
static size_t dedupe_last(uint64_t *w, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && (w[i] >> 2) == (w[i + 1] >> 2))
            continue;
        w[out++] = w[i];
    }
    return out;
}

/* The in-memory image of the sections, before it is written. */
typedef struct layout {
    npdb_header_t hdr;
    uint32_t *l1;
    uint32_t *starts;
    uint16_t *data;
    size_t data_words;
} layout_t;

static void layout_fini(layout_t *l)
{
    free(l->l1);
    free(l->starts);
    free(l->data);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) / a * a;
}

/* The end of the run of words starting at i that share its block; the block in *block. */
static size_t block_end(const uint64_t *w, size_t n, size_t i, uint64_t *block)
{
    *block = (w[i] >> 2) / NPDB_SUFFIX_COUNT;
    size_t j = i + 1;
    while (j < n && (w[j] >> 2) / NPDB_SUFFIX_COUNT == *block)
        j++;
    return j;
}

/* Lays out the sorted unique words w[0..n) into l. */
static int layout_build(layout_t *l, const uint64_t *w, size_t n, mnp_error_t *err)
{
    memset(l, 0, sizeof(*l));
    uint64_t first_upper = n ? (w[0] >> 2) / 100000000ull : 0;
    uint64_t last_upper = n ? (w[n - 1] >> 2) / 100000000ull : 0;
    uint64_t span = n ? last_upper - first_upper + 1 : 0;
    if (span > MNP_NPDB_SPAN_MAX)
        return mnp_error_set(err, MNP_ERANGE,
                             "numbers span %llu groups of 10^8 (%llu.. to %llu..), more than one "
                             "index holds (%u): build one index per country",
                             (unsigned long long)span, (unsigned long long)first_upper,
                             (unsigned long long)last_upper, MNP_NPDB_SPAN_MAX);
    l->hdr.upper_base = first_upper;
    l->hdr.upper_count = (uint32_t)span;
    l->l1 = mnp_xmalloc((span ? span : 1) * sizeof(uint32_t));
    for (uint64_t i = 0; i < span; i++)
        l->l1[i] = NPDB_L1_NONE;

    /* First pass: subtables and data size. */
    uint32_t subs = 0;
    size_t words = 0;
    for (size_t i = 0; i < n;) {
        uint64_t block;
        size_t j = block_end(w, n, i, &block);
        uint64_t u = block / NPDB_HLR_COUNT - first_upper;
        if (l->l1[u] == NPDB_L1_NONE)
            l->l1[u] = subs++;
        words += npdb_nb_for((uint32_t)(j - i)) - 1 + (j - i);
        i = j;
    }
    if (words > UINT32_MAX)
        return mnp_error_set(err, MNP_ELIMIT, "index data over 8 GiB: too many numbers");
    l->hdr.sub_count = subs;
    size_t nrec = (size_t)subs * NPDB_HLR_COUNT;
    l->starts = mnp_xcalloc(nrec + 1, sizeof(uint32_t));
    l->data = mnp_xmalloc((words ? words : 1) * sizeof(uint16_t));
    l->data_words = words;

    /* Second pass: block lengths (in starts[i + 1], summed below), bucket tables, entries.
     * Blocks come in the order of the directory (upper, then hlr), so data follows it. */
    size_t pos = 0;
    uint64_t blocks = 0;
    for (size_t i = 0; i < n;) {
        uint64_t block;
        size_t j = block_end(w, n, i, &block);
        uint32_t count = (uint32_t)(j - i);
        uint32_t nb = npdb_nb_for(count);
        uint64_t upper = block / NPDB_HLR_COUNT;
        uint64_t rec = (uint64_t)l->l1[upper - first_upper] * NPDB_HLR_COUNT +
                       (block - upper * NPDB_HLR_COUNT);
        l->starts[rec + 1] = nb - 1 + count;
        uint16_t *table = l->data + pos;
        uint16_t *entries = table + nb - 1;
        /* table[b - 1] = index of the first entry in bucket b. */
        uint32_t next_bucket = 1;
        for (uint32_t k = 0; k < count; k++) {
            uint32_t suffix = (uint32_t)((w[i + k] >> 2) - block * NPDB_SUFFIX_COUNT);
            uint32_t b = npdb_bucket(suffix, nb);
            while (next_bucket <= b)
                table[next_bucket++ - 1] = (uint16_t)k;
            entries[k] = (uint16_t)((suffix << 2) | (w[i + k] & 3));
        }
        while (next_bucket < nb)
            table[next_bucket++ - 1] = (uint16_t)count;
        pos += nb - 1 + count;
        blocks++;
        i = j;
    }
    for (size_t r = 1; r <= nrec; r++)
        l->starts[r] += l->starts[r - 1];
    l->hdr.entries = n;
    l->hdr.blocks = blocks;
    l->hdr.l1_off = NPDB_HEADER_BYTES;
    l->hdr.starts_off = align_up(l->hdr.l1_off + 4ull * span, NPDB_SECTION_ALIGN);
    l->hdr.data_off = align_up(l->hdr.starts_off + 4ull * (nrec + 1), NPDB_SECTION_ALIGN);
    l->hdr.data_bytes = words * sizeof(uint16_t);
    l->hdr.file_bytes = l->hdr.data_off + l->hdr.data_bytes;
    return 0;
}

/* Writes all of buf at the current offset, retrying short writes. */
static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t k = write(fd, p, len < WRITE_CHUNK ? len : WRITE_CHUNK);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Zero bytes that pad a section to the next one's offset. */
static const uint8_t zeros[NPDB_SECTION_ALIGN];

/* The sections in file order as (pointer, length, padding after) triples. */
typedef struct section {
    const void *ptr;
    size_t len;
    size_t pad;
} section_t;

static void sections_of(const layout_t *l, section_t s[3])
{
    size_t l1_len = 4ull * l->hdr.upper_count;
    size_t starts_len = 4 * ((size_t)l->hdr.sub_count * NPDB_HLR_COUNT + 1);
    s[0] = (section_t){l->l1, l1_len, l->hdr.starts_off - l->hdr.l1_off - l1_len};
    s[1] = (section_t){l->starts, starts_len, l->hdr.data_off - l->hdr.starts_off - starts_len};
    s[2] = (section_t){l->data, l->hdr.data_bytes, 0};
}

static int write_file(const layout_t *l, const char *path, mnp_error_t *err)
{
    size_t plen = strlen(path);
    char *tmp = mnp_xmalloc(plen + 32);
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = mnp_error_set(err, mnp_error_from_errno(errno), "%s: %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    section_t s[3];
    sections_of(l, s);
    if (write_all(fd, &l->hdr, sizeof(l->hdr)) != 0)
        goto io_fail;
    for (int i = 0; i < 3; i++)
        if (write_all(fd, s[i].ptr, s[i].len) != 0 || write_all(fd, zeros, s[i].pad) != 0)
            goto io_fail;
    if (fsync(fd) != 0)
        goto io_fail;
    if (close(fd) != 0) {
        fd = -1;
        goto io_fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto io_fail;
    /* Make the rename itself durable. */
    char *dir_copy = mnp_xstrdup(path);
    int dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir_copy);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(tmp);
    return 0;

io_fail:
    rc = mnp_error_set(err, mnp_error_from_errno(errno), "writing %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
}

int mnp_npdb_builder_write(mnp_npdb_builder_t *b, const char *path, uint64_t seq,
                           int64_t created_ms, mnp_npdb_build_stats_t *stats, mnp_error_t *err)
{
    layout_t l;
    size_t n = b->count;
    uint64_t *tmp = mnp_xmalloc((n ? n : 1) * sizeof(uint64_t));
    uint64_t *sorted = n ? radix_sort(b->words, tmp, n) : b->words;
    size_t unique = dedupe_last(sorted, n);
    int rc = layout_build(&l, sorted, unique, err);
    /* The builder keeps its adds (sorted and deduplicated, which changes no later result). */
    if (sorted != b->words)
        memcpy(b->words, sorted, unique * sizeof(uint64_t));
    b->count = unique;
    free(tmp);
    if (rc != 0)
        goto done;

    memcpy(l.hdr.magic, NPDB_MAGIC, sizeof(l.hdr.magic));
    l.hdr.version = MNP_NPDB_FORMAT_VERSION;
    l.hdr.header_bytes = NPDB_HEADER_BYTES;
    l.hdr.entry_bits = NPDB_ENTRY_BITS;
    l.hdr.seq = seq;
    l.hdr.created_ms = created_ms;
    l.hdr.op_count = b->op_count;
    memcpy(l.hdr.ops, b->ops, sizeof(l.hdr.ops));

    section_t s[3];
    sections_of(&l, s);
    uint32_t crc = 0;
    for (int i = 0; i < 3; i++) {
        crc = mnp_crc32c(crc, s[i].ptr, s[i].len);
        crc = mnp_crc32c(crc, zeros, s[i].pad);
    }
    l.hdr.body_crc = crc;
    l.hdr.header_crc = npdb_header_crc(&l.hdr);

    rc = write_file(&l, path, err);
    if (rc == 0 && stats != NULL) {
        stats->entries = l.hdr.entries;
        stats->duplicates = n - unique;
        stats->blocks = l.hdr.blocks;
        stats->file_bytes = l.hdr.file_bytes;
    }
done:
    layout_fini(&l);
    return rc;
}
