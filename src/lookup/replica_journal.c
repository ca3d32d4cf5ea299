/*
 * The replica's journal of applied NPDB changes (replica.h): 32-byte records (seq, number,
 * operator code, CRC-32C of the rest, all little-endian on this machine's own file) appended
 * and fsynced before the clearinghouse hears that they were applied. A record cut short by a
 * crash is the only damage that is forgiven: it was never acknowledged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnp/crc32c.h"
#include "replicaInt.h"

typedef struct record {
    uint64_t seq;
    uint64_t e164;
    char op[MNP_NPDB_OP_CODE_MAX];
    uint32_t crc;
    uint32_t zero;
} record_t;

_Static_assert(sizeof(record_t) == 32, "journal records are 32 bytes");

static uint32_t record_crc(const record_t *rec)
{
    return mnp_crc32c(0, rec, offsetof(record_t, crc));
}

int journal_open(const char *path, int *fd, mnp_error_t *err)
{
    *fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (*fd < 0)
        return mnp_error_set(err, MNP_EIO, "%s: %s", path, strerror(errno));
    return 0;
}

int journal_replay(int fd, const char *path, uint64_t after,
                   int (*apply)(void *arg, const mnp_lookup_change_t *c, size_t n), void *arg,
                   mnp_error_t *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return mnp_error_set(err, MNP_EIO, "%s: %s", path, strerror(errno));
    size_t whole = (size_t)st.st_size / sizeof(record_t);
    enum { BATCH = 1024 };
    record_t *recs = malloc(BATCH * sizeof(*recs));
    mnp_lookup_change_t *changes = malloc(BATCH * sizeof(*changes));
    int rc = recs && changes ? 0 : mnp_error_set(err, MNP_ENOMEM, "out of memory");
    for (size_t at = 0; rc == 0 && at < whole; at += BATCH) {
        size_t n = whole - at < BATCH ? whole - at : BATCH, k = 0;
        ssize_t got = pread(fd, recs, n * sizeof(record_t), (off_t)(at * sizeof(record_t)));
        if (got != (ssize_t)(n * sizeof(record_t))) {
            rc = mnp_error_set(err, MNP_EIO, "%s: short read", path);
            break;
        }
        for (size_t i = 0; i < n && rc == 0; i++) {
            record_t *r = &recs[i];
            if (r->crc != record_crc(r) || r->op[MNP_NPDB_OP_CODE_MAX - 1] != '\0')
                rc = mnp_error_set(err, MNP_ECHECKSUM, "%s: record %zu is damaged", path, at + i);
            else if (r->seq > after)
                changes[k++] = (mnp_lookup_change_t){.seq = r->seq, .e164 = r->e164, .op = r->op};
        }
        if (rc == 0 && k > 0 && apply(arg, changes, k) != 0)
            rc = mnp_error_set(err, MNP_EFORMAT, "%s: a record the table refuses", path);
    }
    /* A torn last record was never acknowledged: it goes, so the next append lines up. */
    if (rc == 0 && (size_t)st.st_size % sizeof(record_t) != 0 &&
        ftruncate(fd, (off_t)(whole * sizeof(record_t))) != 0)
        rc = mnp_error_set(err, MNP_EIO, "%s: %s", path, strerror(errno));
    free(recs);
    free(changes);
    return rc;
}

int journal_append(int fd, const char *path, const mnp_lookup_change_t *c, size_t n,
                   mnp_error_t *err)
{
    if (n == 0)
        return 0;
    record_t *recs = calloc(n, sizeof(*recs));
    if (recs == NULL)
        return mnp_error_set(err, MNP_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        recs[i].seq = c[i].seq;
        recs[i].e164 = c[i].e164;
        snprintf(recs[i].op, sizeof(recs[i].op), "%s", c[i].op);
        recs[i].crc = record_crc(&recs[i]);
    }
    const char *p = (const char *)recs;
    size_t left = n * sizeof(*recs);
    int rc = 0;
    while (left > 0 && rc == 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = mnp_error_set(err, MNP_EIO, "%s: %s", path, strerror(errno));
        else
            p += w, left -= (size_t)w;
    }
    free(recs);
    if (rc == 0 && fdatasync(fd) != 0)
        rc = mnp_error_set(err, MNP_EIO, "%s: fdatasync: %s", path, strerror(errno));
    return rc;
}

int journal_clear(int fd, const char *path, mnp_error_t *err)
{
    if (ftruncate(fd, 0) != 0 || fdatasync(fd) != 0)
        return mnp_error_set(err, MNP_EIO, "%s: %s", path, strerror(errno));
    return 0;
}
