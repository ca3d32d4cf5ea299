/*
 * Tests of the audit blob codec: round trips of records whose field lengths sweep their whole
 * ranges (every byte but NUL, negative times, the largest record), a file of concatenated blobs
 * read back and verified as a log, the buffer and arena limits, and every refusal of the strict
 * decoder: each truncation, trailing bytes, versions, lengths past their limits, NUL bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/audit.h"
#include "mnp/secret.h"

static void assert_same_record(const mnp_audit_record_t *a, const mnp_audit_record_t *b)
{
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->at_ms, b->at_ms);
    assert_string_equal(a->actor, b->actor);
    assert_string_equal(a->action, b->action);
    assert_string_equal(a->subject ? a->subject : "", b->subject ? b->subject : "");
    assert_string_equal(a->detail ? a->detail : "", b->detail ? b->detail : "");
    assert_memory_equal(a->prev_hash, b->prev_hash, MNP_AUDIT_HASH_BYTES);
    assert_memory_equal(a->hash, b->hash, MNP_AUDIT_HASH_BYTES);
}

/* Record i of a synthetic log: field lengths sweep their whole ranges (0 or 1 up to the limit,
 * the detail in coarse steps), bytes cover 0x01-0xff, times go negative. Strings go to bufs. */
#define RT_COUNT 300
typedef struct rt_bufs {
    char actor[MNP_AUDIT_ACTOR_MAX + 1], action[MNP_AUDIT_ACTION_MAX + 1];
    char subject[MNP_AUDIT_SUBJECT_MAX + 1], detail[MNP_AUDIT_DETAIL_MAX + 1];
} rt_bufs_t;

static void fill(char *s, size_t len, size_t seed)
{
    for (size_t j = 0; j < len; j++)
        s[j] = (char)(1 + (seed * 31 + j * 7) % 255);
    s[len] = '\0';
}

static void make_record(size_t i, rt_bufs_t *b, mnp_audit_record_t *r)
{
    fill(b->actor, 1 + i % MNP_AUDIT_ACTOR_MAX, i);
    fill(b->action, 1 + (i * 7) % MNP_AUDIT_ACTION_MAX, i + 1);
    fill(b->subject, (i * 13) % (MNP_AUDIT_SUBJECT_MAX + 1), i + 2);
    fill(b->detail, i == RT_COUNT - 1 ? MNP_AUDIT_DETAIL_MAX : (i * 997) % 20000, i + 3);
    *r = (mnp_audit_record_t){.seq = i + 1,
                              .at_ms = (int64_t)i * 86400000 - 1000000000,
                              .actor = b->actor,
                              .action = b->action,
                              .subject = b->subject,
                              .detail = b->detail};
}

static void test_blob_round_trip(void **state)
{
    (void)state;
    rt_bufs_t *b = malloc(sizeof(*b));
    assert_non_null(b);
    mnp_buf_t all, one, again;
    mnp_buf_init(&all, SIZE_MAX);
    mnp_buf_init(&one, MNP_AUDIT_BLOB_MAX);
    mnp_buf_init(&again, MNP_AUDIT_BLOB_MAX);
    mnp_arena_t arena;
    mnp_arena_init(&arena, 0, 1 << 20);
    mnp_audit_record_t r, d;
    uint8_t prev[MNP_AUDIT_HASH_BYTES] = {0};
    for (size_t i = 0; i < RT_COUNT; i++) {
        make_record(i, b, &r);
        assert_int_equal(mnp_audit_seal(&r, prev, NULL), 0);
        memcpy(prev, r.hash, sizeof(prev));
        mnp_buf_reset(&one);
        mnp_buf_reset(&again);
        assert_int_equal(mnp_audit_encode(&r, &one, NULL), 0);
        assert_int_equal(one.len, mnp_audit_encoded_size(&r));
        assert_int_equal(mnp_audit_decode(one.data, one.len, &arena, &d, NULL, NULL), 0);
        assert_same_record(&d, &r);
        assert_int_equal(mnp_audit_encode(&d, &again, NULL), 0);
        assert_int_equal(again.len, one.len);
        assert_memory_equal(again.data, one.data, one.len);
        assert_int_equal(mnp_audit_encode(&r, &all, NULL), 0);
        mnp_arena_reset(&arena);
    }
    /* A file of concatenated blobs, read back and verified as a log. */
    mnp_audit_verifier_t v;
    mnp_audit_verifier_init(&v);
    size_t off = 0, n = 0;
    while (off < all.len) {
        size_t used = 0;
        assert_int_equal(mnp_audit_decode(all.data + off, all.len - off, &arena, &d, &used, NULL),
                         0);
        assert_true(used > 0);
        assert_int_equal(mnp_audit_verifier_feed(&v, &d, NULL), 0);
        mnp_arena_reset(&arena);
        off += used;
        n++;
    }
    uint64_t checked = 0;
    char head[MNP_AUDIT_HASH_HEX], want[MNP_AUDIT_HASH_HEX];
    assert_int_equal(mnp_audit_verifier_finish(&v, &checked, head, NULL), 0);
    assert_int_equal(checked, RT_COUNT);
    assert_int_equal(n, RT_COUNT);
    assert_int_equal(mnp_hex_encode(prev, sizeof(prev), want, sizeof(want)), 0);
    assert_string_equal(head, want);
    mnp_arena_fini(&arena);
    mnp_buf_fini(&all);
    mnp_buf_fini(&one);
    mnp_buf_fini(&again);
    free(b);
}

static void test_blob_limits(void **state)
{
    (void)state;
    static char actor[MNP_AUDIT_ACTOR_MAX + 1], action[MNP_AUDIT_ACTION_MAX + 1],
        subject[MNP_AUDIT_SUBJECT_MAX + 1], detail[MNP_AUDIT_DETAIL_MAX + 1];
    memset(actor, 'A', MNP_AUDIT_ACTOR_MAX);
    memset(action, 'B', MNP_AUDIT_ACTION_MAX);
    memset(subject, 'S', MNP_AUDIT_SUBJECT_MAX);
    memset(detail, 'D', MNP_AUDIT_DETAIL_MAX);
    uint8_t zeros[MNP_AUDIT_HASH_BYTES] = {0};
    mnp_audit_record_t r = {.seq = UINT64_MAX,
                            .at_ms = INT64_MIN,
                            .actor = actor,
                            .action = action,
                            .subject = subject,
                            .detail = detail};
    assert_int_equal(mnp_audit_seal(&r, zeros, NULL), 0);
    mnp_buf_t b;
    mnp_buf_init(&b, MNP_AUDIT_BLOB_MAX);
    assert_int_equal(mnp_audit_encode(&r, &b, NULL), 0);
    assert_int_equal(b.len, MNP_AUDIT_BLOB_MAX);
    mnp_arena_t arena;
    mnp_arena_init(&arena, 0, 1 << 20);
    mnp_audit_record_t d;
    assert_int_equal(mnp_audit_decode(b.data, b.len, &arena, &d, NULL, NULL), 0);
    assert_same_record(&d, &r);
    assert_int_equal(mnp_audit_verify_next(&d, UINT64_MAX, zeros, NULL), 0);
    /* A buffer one byte too small keeps its limit. */
    mnp_buf_t small;
    mnp_buf_init(&small, MNP_AUDIT_BLOB_MAX - 1);
    assert_int_equal(mnp_audit_encode(&r, &small, NULL), MNP_ELIMIT);
    mnp_buf_fini(&small);
    /* An arena too small for the detail. */
    mnp_arena_t tiny;
    mnp_arena_init(&tiny, 256, 1024);
    mnp_error_t err;
    assert_int_equal(mnp_audit_decode(b.data, b.len, &tiny, &d, NULL, &err), MNP_ENOMEM);
    assert_non_null(strstr(err.msg, "detail"));
    mnp_arena_fini(&tiny);

    /* The smallest record. */
    mnp_audit_record_t m = {.seq = 1, .actor = "a", .action = "b"};
    assert_int_equal(mnp_audit_seal(&m, zeros, NULL), 0);
    mnp_buf_reset(&b);
    assert_int_equal(mnp_audit_encode(&m, &b, NULL), 0);
    assert_int_equal(b.len, MNP_AUDIT_BLOB_MIN);
    assert_int_equal(mnp_audit_decode(b.data, b.len, &arena, &d, NULL, NULL), 0);
    assert_string_equal(d.subject, "");
    assert_string_equal(d.detail, "");
    mnp_arena_fini(&arena);
    mnp_buf_fini(&b);
}

/* Decodes data[0..len) with a fresh arena; returns the code. */
static int decode(const uint8_t *data, size_t len, size_t *used, mnp_error_t *err)
{
    mnp_arena_t arena;
    mnp_arena_init(&arena, 0, 1 << 20);
    mnp_audit_record_t d;
    int rc = mnp_audit_decode(data, len, &arena, &d, used, err);
    mnp_arena_fini(&arena);
    return rc;
}

static void test_decode_refuses(void **state)
{
    (void)state;
    uint8_t zeros[MNP_AUDIT_HASH_BYTES] = {0};
    mnp_audit_record_t r = {.seq = 1,
                            .at_ms = 1764086841123,
                            .actor = "CMCC",
                            .action = "order.state",
                            .subject = "P20261125-000001",
                            .detail = "{\"to\":\"ACCEPTED\"}"};
    assert_int_equal(mnp_audit_seal(&r, zeros, NULL), 0);
    mnp_buf_t b;
    mnp_buf_init(&b, MNP_AUDIT_BLOB_MAX);
    assert_int_equal(mnp_audit_encode(&r, &b, NULL), 0);
    const size_t len = b.len;
    uint8_t blob[256], m[257];
    assert_true(len <= sizeof(blob));
    memcpy(blob, b.data, len);
    mnp_buf_fini(&b);
    /* Offsets of the length bytes in this blob. */
    const size_t actor_at = 17, action_at = actor_at + 1 + 4, subject_at = action_at + 1 + 11,
                 detail_at = subject_at + 1 + 16;
    assert_int_equal(blob[actor_at], 4);
    assert_int_equal(blob[action_at], 11);
    assert_int_equal(blob[subject_at], 16);
    assert_int_equal(blob[detail_at + 3], strlen(r.detail));
    mnp_error_t err;
    size_t used = 0;

    assert_int_equal(decode(blob, len, NULL, &err), 0);
    /* Every proper prefix is truncated, with or without room for more. */
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(decode(blob, i, NULL, &err), MNP_ETRUNC);
        assert_int_equal(decode(blob, i, &used, &err), MNP_ETRUNC);
    }
    assert_int_equal(decode(NULL, 0, NULL, &err), MNP_ETRUNC);
    /* Trailing bytes: refused for a single blob, left for the caller in a stream. */
    memcpy(m, blob, len);
    m[len] = 1;
    assert_int_equal(decode(m, len + 1, NULL, &err), MNP_EFORMAT);
    assert_non_null(strstr(err.msg, "1 bytes after"));
    assert_int_equal(decode(m, len + 1, &used, &err), 0);
    assert_int_equal(used, len);

    struct {
        size_t at;
        uint8_t value;
        int rc;
    } edits[] = {
        {0, 0, MNP_EVERSION},
        {0, 2, MNP_EVERSION},
        {8, 0, MNP_EFORMAT}, /* seq 1 -> 0 */
        {actor_at, 0, MNP_EFORMAT},
        {actor_at, MNP_AUDIT_ACTOR_MAX + 1, MNP_EFORMAT},
        {actor_at + 2, 0, MNP_EFORMAT}, /* NUL inside the actor */
        {action_at, 0, MNP_EFORMAT},
        {action_at, 0xff, MNP_EFORMAT},
        {action_at + 11, 0, MNP_EFORMAT},
        {subject_at, MNP_AUDIT_SUBJECT_MAX + 1, MNP_EFORMAT},
        {subject_at + 1, 0, MNP_EFORMAT},
        {detail_at, 0xff, MNP_EFORMAT},   /* 4 GB */
        {detail_at + 1, 1, MNP_EFORMAT},  /* 65536 + 17 */
        {detail_at + 2, 1, MNP_ETRUNC},   /* 256 + 17: within limits, past the end */
        {detail_at + 3, 200, MNP_ETRUNC}, /* longer than what is left */
        {detail_at + 5, 0, MNP_EFORMAT},
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        memcpy(m, blob, len);
        m[edits[i].at] = edits[i].value;
        int rc = decode(m, len, NULL, &err);
        if (rc != edits[i].rc)
            fail_msg("edit %zu: expected %d, got %d (%s)", i, edits[i].rc, rc, err.msg);
        assert_int_equal(err.code, rc);
    }
    /* A zero-length subject shortens the blob: still a well-formed record, with another hash. */
    memcpy(m, blob, subject_at + 1);
    m[subject_at] = 0;
    memcpy(m + subject_at + 1, blob + subject_at + 1 + 16, len - subject_at - 1 - 16);
    mnp_arena_t arena;
    mnp_arena_init(&arena, 0, 1 << 20);
    mnp_audit_record_t d;
    assert_int_equal(mnp_audit_decode(m, len - 16, &arena, &d, NULL, NULL), 0);
    assert_string_equal(d.subject, "");
    assert_int_equal(mnp_audit_verify_next(&d, 1, zeros, &err), MNP_ECHECKSUM);
    assert_string_equal(err.msg, "record 1: hash does not match its content");
    /* A flipped bit in the content decodes, and verification finds it. */
    memcpy(m, blob, len);
    m[detail_at + 6] ^= 0x01;
    assert_int_equal(mnp_audit_decode(m, len, &arena, &d, NULL, NULL), 0);
    assert_int_equal(mnp_audit_verify_next(&d, 1, zeros, &err), MNP_ECHECKSUM);
    mnp_arena_fini(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blob_round_trip),
        cmocka_unit_test(test_blob_limits),
        cmocka_unit_test(test_decode_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
