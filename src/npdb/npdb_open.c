/*
 * Opening an NPDB snapshot: map the file read-only and check everything a lookup relies on, so
 * that lookups need no bounds checks of their own beyond clamping and can never read outside the
 * mapping, even when the body is corrupt. The body checksum is optional at open (it reads the
 * whole file) and always available through mnp_npdb_verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnp/crc32c.h"
#include "npdbInt.h"

uint32_t npdb_header_crc(const npdb_header_t *h)
{
    npdb_header_t copy = *h;
    copy.header_crc = 0;
    return mnp_crc32c(0, &copy, sizeof(copy));
}

static int check_header(const npdb_header_t *h, uint64_t size, const char *path, mnp_error_t *err)
{
    if (memcmp(h->magic, NPDB_MAGIC, sizeof(h->magic)) != 0)
        return mnp_error_set(err, MNP_EFORMAT, "%s: not an NPDB snapshot (bad magic)", path);
    if (h->version != MNP_NPDB_FORMAT_VERSION)
        return mnp_error_set(err, MNP_EVERSION,
                             "%s: NPDB format version %u, this build reads version %u", path,
                             h->version, MNP_NPDB_FORMAT_VERSION);
    if (npdb_header_crc(h) != h->header_crc)
        return mnp_error_set(err, MNP_ECHECKSUM, "%s: header checksum mismatch", path);
    if (h->header_bytes != NPDB_HEADER_BYTES || h->entry_bits != NPDB_ENTRY_BITS)
        return mnp_error_set(err, MNP_EFORMAT, "%s: unsupported header or entry size", path);
    if (h->file_bytes != size)
        return mnp_error_set(err, MNP_EFORMAT,
                             "%s: file is %llu bytes, header says %llu (truncated copy?)", path,
                             (unsigned long long)size, (unsigned long long)h->file_bytes);
    if (h->op_count > MNP_NPDB_OPS_MAX || h->upper_count > MNP_NPDB_SPAN_MAX ||
        h->sub_count > h->upper_count)
        return mnp_error_set(err, MNP_EFORMAT, "%s: header counts out of range", path);
    for (uint32_t i = 0; i < h->op_count; i++)
        if (memchr(h->ops[i], 0, MNP_NPDB_OP_CODE_MAX) == NULL || h->ops[i][0] == 0)
            return mnp_error_set(err, MNP_EFORMAT, "%s: bad operator code %u", path, i + 1);
    /* Sections in order, inside the file; sizes computed in 64 bits cannot overflow here
     * because the counts were bounded above. */
    uint64_t l1_end = h->l1_off + 4ull * h->upper_count;
    uint64_t starts_end = h->starts_off + 4ull * ((uint64_t)h->sub_count * NPDB_HLR_COUNT + 1);
    if (h->l1_off != NPDB_HEADER_BYTES || h->starts_off < l1_end || h->starts_off % 4 != 0 ||
        h->data_off < starts_end || h->data_off % 2 != 0 || h->data_bytes % 2 != 0 ||
        h->data_off > size || h->data_bytes != size - h->data_off)
        return mnp_error_set(err, MNP_EFORMAT, "%s: sections out of bounds", path);
    return 0;
}

/* Every l1 value names a real subtable; block starts begin at 0, never decrease and end at the
 * end of data, so every block lies inside data. After this, lookups only clamp bucket-table
 * values to the block's entry count. */
static int check_directory(const mnp_npdb_t *db, const char *path, mnp_error_t *err)
{
    const npdb_header_t *h = db->hdr;
    for (uint32_t i = 0; i < h->upper_count; i++)
        if (db->l1[i] != NPDB_L1_NONE && db->l1[i] >= h->sub_count)
            return mnp_error_set(err, MNP_EFORMAT, "%s: directory entry %u out of range", path, i);
    uint64_t nrec = (uint64_t)h->sub_count * NPDB_HLR_COUNT;
    const uint32_t *st = db->starts;
    uint64_t entries = 0, blocks = 0;
    if (st[0] != 0 || st[nrec] != db->data_words)
        return mnp_error_set(err, MNP_EFORMAT, "%s: block directory does not span the data", path);
    for (uint64_t i = 0; i < nrec; i++) {
        if (st[i + 1] < st[i] || st[i + 1] - st[i] > NPDB_BLOCK_WORDS_MAX)
            return mnp_error_set(err, MNP_EFORMAT, "%s: block %llu out of range", path,
                                 (unsigned long long)i);
        uint32_t n, nb;
        npdb_block_shape(st[i + 1] - st[i], &n, &nb);
        entries += n;
        blocks += n != 0;
    }
    if (entries != h->entries || blocks != h->blocks)
        return mnp_error_set(err, MNP_EFORMAT, "%s: block directory disagrees with header counts",
                             path);
    return 0;
}

int mnp_npdb_open(const char *path, unsigned flags, mnp_npdb_t **out, mnp_error_t *err)
{
    int rc;
    void *map = MAP_FAILED;
    struct stat st;
    mnp_npdb_t *db = NULL;

    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = mnp_error_from_errno(errno);
        return mnp_error_set(err, rc, "%s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        rc = mnp_error_set(err, MNP_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < NPDB_HEADER_BYTES) {
        rc = mnp_error_set(err, MNP_EFORMAT, "%s: not an NPDB snapshot (too small)", path);
        goto fail;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ,
               MAP_SHARED | ((flags & MNP_NPDB_OPEN_POPULATE) ? MAP_POPULATE : 0), fd, 0);
    if (map == MAP_FAILED) {
        rc = mnp_error_set(err, MNP_EIO, "%s: mmap: %s", path, strerror(errno));
        goto fail;
    }
    /* Lookups jump around; read-ahead of neighbouring pages would only evict useful ones. */
    if (!(flags & MNP_NPDB_OPEN_POPULATE))
        (void)madvise(map, (size_t)st.st_size, MADV_RANDOM);

    db = calloc(1, sizeof(*db));
    if (db == NULL) {
        rc = mnp_error_set(err, MNP_ENOMEM, "out of memory");
        goto fail;
    }
    db->map = map;
    db->map_bytes = (size_t)st.st_size;
    db->hdr = (const npdb_header_t *)map;
    rc = check_header(db->hdr, (uint64_t)st.st_size, path, err);
    if (rc != 0)
        goto fail;
    db->l1 = (const uint32_t *)(db->map + db->hdr->l1_off);
    db->starts = (const uint32_t *)(db->map + db->hdr->starts_off);
    db->data = (const uint16_t *)(db->map + db->hdr->data_off);
    db->data_words = db->hdr->data_bytes / 2;
    db->upper_base = db->hdr->upper_base;
    db->upper_count = db->hdr->upper_count;
    rc = check_directory(db, path, err);
    if (rc != 0)
        goto fail;
    if (flags & MNP_NPDB_OPEN_VERIFY) {
        rc = mnp_npdb_verify(db, err);
        if (rc != 0)
            goto fail;
    }
    close(fd);
    *out = db;
    return 0;

fail:
    free(db);
    if (map != MAP_FAILED)
        munmap(map, (size_t)st.st_size);
    close(fd);
    return rc;
}

void mnp_npdb_free(mnp_npdb_t *db)
{
    if (db == NULL)
        return;
    munmap((void *)(uintptr_t)db->map, db->map_bytes);
    free(db);
}

int mnp_npdb_verify(const mnp_npdb_t *db, mnp_error_t *err)
{
    const npdb_header_t *h = db->hdr;
    uint32_t crc = mnp_crc32c(0, db->map + h->header_bytes, db->map_bytes - h->header_bytes);
    if (crc != h->body_crc)
        return mnp_error_set(err, MNP_ECHECKSUM,
                             "body checksum mismatch (stored %08x, computed %08x): the snapshot is "
                             "corrupt",
                             h->body_crc, crc);
    return 0;
}

void mnp_npdb_info(const mnp_npdb_t *db, mnp_npdb_info_t *out)
{
    const npdb_header_t *h = db->hdr;
    out->format_version = h->version;
    out->seq = h->seq;
    out->entries = h->entries;
    out->blocks = h->blocks;
    out->file_bytes = h->file_bytes;
    out->created_ms = h->created_ms;
    out->op_count = h->op_count;
}

const char *mnp_npdb_op_code(const mnp_npdb_t *db, unsigned op)
{
    if (op == 0 || op > db->hdr->op_count)
        return NULL;
    return db->hdr->ops[op - 1];
}

unsigned mnp_npdb_op_find(const mnp_npdb_t *db, const char *code)
{
    for (unsigned i = 0; i < db->hdr->op_count; i++)
        if (strcmp(db->hdr->ops[i], code) == 0)
            return i + 1;
    return 0;
}
