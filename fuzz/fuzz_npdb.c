/*
 * Fuzzes opening NPDB snapshots, which lookup replicas receive over the network. The header
 * checksum is recomputed first (and the size field set to the input's size) so that mutations
 * reach the structural checks behind it instead of all stopping at the checksum. Whatever opens
 * must answer lookups without reading outside the file (ASan watches), with single and batched
 * lookups agreeing and every answer naming an operator of the header.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../src/npdb/npdbInt.h"
#include "fuzz.h"
#include "mnp/npdb.h"

#define KEYS 64

/* Keys worth asking: around every number the input's bytes could name, plus fixed ones. */
static void make_keys(const uint8_t *data, size_t size, uint64_t keys[KEYS])
{
    uint64_t seed = 0x9E3779B97F4A7C15ull ^ size;
    for (size_t i = 0; i < KEYS; i++) {
        uint64_t v = 0;
        if (size >= 8) {
            size_t at = (size_t)(seed % (size - 7));
            memcpy(&v, data + at, 8);
        }
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        /* Mostly China mobile numbers, sometimes anything at all. */
        keys[i] = (i % 4 == 3) ? v : 8613000000000ull + v % 7000000000ull;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("npdb-fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    uint8_t *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, data, size);
    if (size >= sizeof(npdb_header_t)) {
        npdb_header_t h;
        memcpy(&h, copy, sizeof(h));
        h.file_bytes = size;
        h.header_crc = npdb_header_crc(&h);
        memcpy(copy, &h, sizeof(h));
    }
    FUZZ_CHECK(write(fd, copy, size) == (ssize_t)size);
    free(copy);

    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    mnp_npdb_t *db = NULL;
    mnp_error_t err;
    if (mnp_npdb_open(path, 0, &db, &err) == 0) {
        mnp_npdb_info_t info;
        mnp_npdb_info(db, &info);
        FUZZ_CHECK(info.file_bytes == size);
        uint64_t keys[KEYS];
        uint8_t ops[KEYS];
        make_keys(data, size, keys);
        mnp_npdb_lookup_batch(db, keys, ops, KEYS);
        for (size_t i = 0; i < KEYS; i++) {
            unsigned op = mnp_npdb_lookup(db, keys[i]);
            FUZZ_CHECK(op == ops[i]);
            FUZZ_CHECK(op <= info.op_count);
            FUZZ_CHECK(op == 0 || mnp_npdb_op_code(db, op) != NULL);
        }
        int vrc = mnp_npdb_verify(db, &err);
        FUZZ_CHECK(vrc == 0 || vrc == MNP_ECHECKSUM);
        mnp_npdb_free(db);
    } else {
        FUZZ_CHECK(db == NULL);
        FUZZ_CHECK(err.code < 0 && err.msg[0] != '\0');
    }
    close(fd);
    return 0;
}
