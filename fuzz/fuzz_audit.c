/*
 * Fuzzes the audit blob decoder, the one parser of audit records that sees untrusted bytes
 * (export files brought back for verification). A blob that decodes must re-encode to exactly
 * the same bytes (the decoder accepts only canonical blobs), verify exactly when its stored hash
 * is the hash of its content, and verify after being sealed again; a blob that does not decode
 * must fail with one of the documented codes.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "mnp/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mnp_arena_t arena;
    mnp_arena_init(&arena, 0, 2 * MNP_AUDIT_BLOB_MAX);
    mnp_audit_record_t r;
    mnp_error_t err;
    size_t used = 0;
    int rc = mnp_audit_decode(data, size, &arena, &r, NULL, &err);
    FUZZ_CHECK(rc == 0 || rc == MNP_ETRUNC || rc == MNP_EVERSION || rc == MNP_EFORMAT);
    FUZZ_CHECK(rc == 0 || rc == err.code);
    /* Decoding a stream takes the same blob, or fails the same way unless only trailing bytes
     * were wrong. */
    mnp_arena_reset(&arena);
    mnp_audit_record_t s;
    int rc_stream = mnp_audit_decode(data, size, &arena, &s, &used, NULL);
    if (rc == 0)
        FUZZ_CHECK(rc_stream == 0 && used == size);
    else if (rc_stream == 0)
        FUZZ_CHECK(rc == MNP_EFORMAT && used < size);
    else
        FUZZ_CHECK(rc_stream == rc);
    if (rc_stream == 0) {
        FUZZ_CHECK(used >= MNP_AUDIT_BLOB_MIN && used <= MNP_AUDIT_BLOB_MAX);
        FUZZ_CHECK(mnp_audit_check(&s, NULL) == 0);
        FUZZ_CHECK(mnp_audit_encoded_size(&s) == used);

        mnp_buf_t out;
        mnp_buf_init(&out, MNP_AUDIT_BLOB_MAX);
        FUZZ_CHECK(mnp_audit_encode(&s, &out, NULL) == 0);
        FUZZ_CHECK(out.len == used && memcmp(out.data, data, used) == 0);
        mnp_buf_fini(&out);

        uint8_t h[MNP_AUDIT_HASH_BYTES];
        FUZZ_CHECK(mnp_audit_hash(&s, h, NULL) == 0);
        bool intact = memcmp(h, s.hash, sizeof(h)) == 0;
        int vrc = mnp_audit_verify_next(&s, s.seq, s.prev_hash, &err);
        FUZZ_CHECK(intact ? vrc == 0 : vrc == MNP_ECHECKSUM);
        /* Sealed again after the same predecessor, it verifies (record 1 only after zeros). */
        static const uint8_t zeros[MNP_AUDIT_HASH_BYTES];
        const uint8_t *prev = s.seq == 1 ? zeros : s.prev_hash;
        uint8_t prev_copy[MNP_AUDIT_HASH_BYTES];
        memcpy(prev_copy, prev, sizeof(prev_copy));
        FUZZ_CHECK(mnp_audit_seal(&s, prev_copy, NULL) == 0);
        FUZZ_CHECK(memcmp(s.hash, h, sizeof(h)) == 0 || s.seq == 1);
        FUZZ_CHECK(mnp_audit_verify_next(&s, s.seq, prev_copy, NULL) == 0);
        FUZZ_CHECK(mnp_audit_verify_next(&s, s.seq + 1, prev_copy, NULL) == MNP_EFORMAT);
    }
    mnp_arena_fini(&arena);
    return 0;
}
