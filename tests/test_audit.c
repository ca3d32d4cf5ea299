/*
 * Tests of the audit log's chain: known hashes computed independently (Python hashlib.sha256 over
 * the layout of audit.h), a chain of 1000 records that verifies, every kind of alteration (any
 * field of a record, resealed records, deletion, reordering, insertion) found at the record where
 * it happened, verification of a suffix from a trusted head, and the limits of sealing. The blob
 * codec has its own file, test_audit_blob.c.
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

#define N 1000

/* A record with its own strings, so that a copy can be altered without touching the original. */
typedef struct entry {
    char actor[MNP_AUDIT_ACTOR_MAX + 1];
    char action[MNP_AUDIT_ACTION_MAX + 1];
    char subject[MNP_AUDIT_SUBJECT_MAX + 1];
    char detail[128];
    mnp_audit_record_t r;
} entry_t;

static void entry_wire(entry_t *e)
{
    e->r.actor = e->actor;
    e->r.action = e->action;
    e->r.subject = e->subject;
    e->r.detail = e->detail;
}

static void entry_copy(entry_t *dst, const entry_t *src)
{
    *dst = *src;
    entry_wire(dst);
}

/* chain[1..N], sealed; chain[0] unused so that chain[k] is record k. */
static entry_t *make_chain(void)
{
    static const char *actors[] = {"CMCC", "CUCC", "CTCC", "regulator:MIIT", "system"};
    static const char *actions[] = {"order.state", "order.refused", "code.issued"};
    entry_t *chain = calloc(N + 1, sizeof(entry_t));
    assert_non_null(chain);
    uint8_t prev[MNP_AUDIT_HASH_BYTES] = {0};
    for (size_t i = 1; i <= N; i++) {
        entry_t *e = &chain[i];
        snprintf(e->actor, sizeof(e->actor), "%s", actors[i % 5]);
        snprintf(e->action, sizeof(e->action), "%s", actions[i % 3]);
        if (i % 7 != 0)
            snprintf(e->subject, sizeof(e->subject), "P20261125-%06zu", i / 2);
        if (i % 11 != 0)
            snprintf(e->detail, sizeof(e->detail), "{\"i\":%zu,\"to\":\"ACCEPTED\"}", i);
        entry_wire(e);
        e->r.seq = i;
        e->r.at_ms = 1764086841123 + (int64_t)i * 1000;
        assert_int_equal(mnp_audit_seal(&e->r, prev, NULL), 0);
        memcpy(prev, e->r.hash, sizeof(prev));
    }
    return chain;
}

static int setup(void **state)
{
    *state = make_chain();
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

typedef struct outcome {
    int rc;
    uint64_t checked;
    char head[MNP_AUDIT_HASH_HEX];
    mnp_error_t err;
} outcome_t;

/* Verifies recs[0..n) as a whole log. */
static outcome_t verify(const mnp_audit_record_t *const *recs, size_t n)
{
    outcome_t o;
    mnp_audit_verifier_t v;
    mnp_audit_verifier_init(&v);
    mnp_error_clear(&o.err);
    for (size_t i = 0; i < n; i++)
        if (mnp_audit_verifier_feed(&v, recs[i], &o.err) != 0)
            break;
    o.rc = mnp_audit_verifier_finish(&v, &o.checked, o.head, &o.err);
    return o;
}

/* The chain as pointers, record k at index k-1, with record k replaced by alt if not NULL. */
static void chain_ptrs(const entry_t *chain, const mnp_audit_record_t **recs, size_t k,
                       const mnp_audit_record_t *alt)
{
    for (size_t i = 1; i <= N; i++)
        recs[i - 1] = (i == k && alt != NULL) ? alt : &chain[i].r;
}

/* Asserts that o failed with code at record k ("record k: ..."), after k-1 good records. */
static void assert_fails_at(const outcome_t *o, int code, size_t k)
{
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "record %zu: ", k);
    if (o->rc != code || strncmp(o->err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("expected %d at record %zu, got %d: %s", code, k, o->rc, o->err.msg);
    assert_int_equal(o->err.code, code);
    assert_int_equal(o->checked, k - 1);
}

static void hex_of(const uint8_t *h, char out[MNP_AUDIT_HASH_HEX])
{
    assert_int_equal(mnp_hex_encode(h, MNP_AUDIT_HASH_BYTES, out, MNP_AUDIT_HASH_HEX), 0);
}

/* ---- Known answers ------------------------------------------------------------------------- */

static void test_known_hashes(void **state)
{
    (void)state;
    uint8_t zeros[MNP_AUDIT_HASH_BYTES] = {0};
    char hex[MNP_AUDIT_HASH_HEX];
    mnp_audit_record_t r1 = {
        .seq = 1,
        .at_ms = 1764086841123,
        .actor = "CMCC",
        .action = "order.state",
        .subject = "P20261125-000001",
        .detail = "{\"from\":\"SUBMITTED\",\"to\":\"PENDING_DONOR\"}",
    };
    assert_int_equal(mnp_audit_seal(&r1, zeros, NULL), 0);
    assert_memory_equal(r1.prev_hash, zeros, sizeof(zeros));
    hex_of(r1.hash, hex);
    assert_string_equal(hex, "341865c9be47e9bc9c134e6b6193c3ac836f3cebbbfa3ba52f9c8f33a3fc0c3a");
    assert_int_equal(mnp_audit_encoded_size(&r1), 128 + 32);

    /* Negative time, empty subject and detail given as NULL. */
    mnp_audit_record_t r2 = {.seq = 2, .at_ms = -5, .actor = "system", .action = "order.refused"};
    assert_int_equal(mnp_audit_seal(&r2, r1.hash, NULL), 0);
    assert_memory_equal(r2.prev_hash, r1.hash, sizeof(r1.hash));
    hex_of(r2.hash, hex);
    assert_string_equal(hex, "7fb6302500067d209aa87a42048a0b401a97b7e865809cbef22cb945c8f2ec1d");
    uint8_t again[MNP_AUDIT_HASH_BYTES];
    assert_int_equal(mnp_audit_hash(&r2, again, NULL), 0);
    assert_memory_equal(again, r2.hash, sizeof(again));
    /* NULL and "" are the same record. */
    r2.subject = "";
    r2.detail = "";
    assert_int_equal(mnp_audit_hash(&r2, again, NULL), 0);
    assert_memory_equal(again, r2.hash, sizeof(again));
    assert_int_equal(mnp_audit_encoded_size(&r2), MNP_AUDIT_BLOB_MIN + 6 - 1 + 13 - 1);
}

/* ---- The chain ----------------------------------------------------------------------------- */

static void test_chain_verifies(void **state)
{
    const entry_t *chain = *state;
    const mnp_audit_record_t *recs[N];
    chain_ptrs(chain, recs, 0, NULL);
    outcome_t o = verify(recs, N);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.checked, N);
    char want[MNP_AUDIT_HASH_HEX];
    hex_of(chain[N].r.hash, want);
    assert_string_equal(o.head, want);
    for (size_t i = 2; i <= N; i++)
        assert_memory_equal(chain[i].r.prev_hash, chain[i - 1].r.hash, MNP_AUDIT_HASH_BYTES);

    /* An empty log verifies, with a head of zeros. */
    o = verify(recs, 0);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.checked, 0);
    assert_string_equal(o.head, "0000000000000000000000000000000000000000000000000000000000000000");
}

enum { F_SEQ, F_AT, F_ACTOR, F_ACTION, F_SUBJECT, F_DETAIL, F_PREV, F_HASH, F_LONGER, F_COUNT };

/* Alters one field of e (a private copy). */
static void tamper(entry_t *e, int field)
{
    switch (field) {
    case F_SEQ:
        e->r.seq += 7;
        break;
    case F_AT:
        e->r.at_ms += 1;
        break;
    case F_ACTOR:
        e->actor[0] ^= 0x20; /* CMCC -> cMCC */
        break;
    case F_ACTION:
        e->action[strlen(e->action) - 1] ^= 1;
        break;
    case F_SUBJECT:
        /* Also the empty subjects: an empty field that gains a byte. */
        snprintf(e->subject, sizeof(e->subject), "%s", e->subject[0] ? "P20261125-999999" : "x");
        break;
    case F_DETAIL:
        snprintf(e->detail, sizeof(e->detail), "%s", e->detail[0] ? "{\"i\":0}" : "{}");
        break;
    case F_PREV:
        e->r.prev_hash[31] ^= 1;
        break;
    case F_HASH:
        e->r.hash[0] ^= 0x80;
        break;
    case F_LONGER:
        /* Moving a byte between adjacent fields keeps the concatenation: framing must tell. */
        if (e->subject[0] != '\0') {
            size_t n = strlen(e->action);
            e->action[n] = e->subject[0];
            e->action[n + 1] = '\0';
            memmove(e->subject, e->subject + 1, strlen(e->subject));
        } else {
            strcat(e->actor, "x");
        }
        break;
    default:
        fail();
    }
}

static void test_tampering_found_at_record(void **state)
{
    const entry_t *chain = *state;
    static const size_t where[] = {1, 2, 7, 11, 500, 999, N};
    const mnp_audit_record_t *recs[N];
    for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
        size_t k = where[w];
        for (int f = 0; f < F_COUNT; f++) {
            entry_t alt;
            entry_copy(&alt, &chain[k]);
            tamper(&alt, f);
            chain_ptrs(chain, recs, k, &alt.r);
            outcome_t o = verify(recs, N);
            assert_fails_at(&o, f == F_SEQ ? MNP_EFORMAT : MNP_ECHECKSUM, k);
            if (f != F_SEQ) {
                char want[96];
                snprintf(want, sizeof(want), "record %zu: hash does not match its content", k);
                assert_string_equal(o.err.msg, want);
            }
        }
    }
}

static void test_resealed_record_breaks_next_link(void **state)
{
    const entry_t *chain = *state;
    const mnp_audit_record_t *recs[N];
    static const size_t where[] = {1, 2, 500, 999};
    for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
        size_t k = where[w];
        entry_t alt;
        entry_copy(&alt, &chain[k]);
        tamper(&alt, F_DETAIL);
        assert_int_equal(mnp_audit_seal(&alt.r, chain[k].r.prev_hash, NULL), 0);
        chain_ptrs(chain, recs, k, &alt.r);
        outcome_t o = verify(recs, N);
        assert_fails_at(&o, MNP_ECHECKSUM, k + 1);
        char want[96];
        snprintf(want, sizeof(want), "record %zu: prev_hash does not match the hash of record %zu",
                 k + 1, k);
        assert_string_equal(o.err.msg, want);
    }
    /* The last record resealed: the chain holds, only the head tells. */
    entry_t alt;
    entry_copy(&alt, &chain[N]);
    tamper(&alt, F_AT);
    assert_int_equal(mnp_audit_seal(&alt.r, chain[N].r.prev_hash, NULL), 0);
    chain_ptrs(chain, recs, N, &alt.r);
    outcome_t o = verify(recs, N);
    assert_int_equal(o.rc, 0);
    char orig[MNP_AUDIT_HASH_HEX];
    hex_of(chain[N].r.hash, orig);
    assert_string_not_equal(o.head, orig);
    /* A first record linked to something else than zeros. */
    entry_copy(&alt, &chain[1]);
    memset(alt.r.prev_hash, 1, MNP_AUDIT_HASH_BYTES);
    uint8_t h[MNP_AUDIT_HASH_BYTES];
    assert_int_equal(mnp_audit_hash(&alt.r, h, NULL), 0);
    memcpy(alt.r.hash, h, sizeof(h));
    chain_ptrs(chain, recs, 1, &alt.r);
    o = verify(recs, N);
    assert_fails_at(&o, MNP_ECHECKSUM, 1);
    assert_non_null(strstr(o.err.msg, "all zeros"));
}

static void test_delete_reorder_insert(void **state)
{
    const entry_t *chain = *state;
    const mnp_audit_record_t *recs[N + 1];
    static const size_t where[] = {1, 2, 500, 999};
    char orig[MNP_AUDIT_HASH_HEX];
    hex_of(chain[N].r.hash, orig);
    for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
        size_t k = where[w];
        /* Deleted. */
        size_t n = 0;
        for (size_t i = 1; i <= N; i++)
            if (i != k)
                recs[n++] = &chain[i].r;
        outcome_t o = verify(recs, n);
        assert_fails_at(&o, MNP_EFORMAT, k);
        char want[96];
        snprintf(want, sizeof(want), "record %zu: sequence number is %zu", k, k + 1);
        assert_memory_equal(o.err.msg, want, strlen(want));

        /* Swapped with the next. */
        chain_ptrs(chain, recs, 0, NULL);
        recs[k - 1] = &chain[k + 1].r;
        recs[k] = &chain[k].r;
        o = verify(recs, N);
        assert_fails_at(&o, MNP_EFORMAT, k);

        /* A forged record k, properly sealed after record k-1, inserted before the real one. */
        entry_t forged;
        entry_copy(&forged, &chain[k]);
        tamper(&forged, F_DETAIL);
        assert_int_equal(
            mnp_audit_seal(&forged.r, k == 1 ? chain[0].r.hash : chain[k - 1].r.hash, NULL), 0);
        n = 0;
        for (size_t i = 1; i <= N; i++) {
            if (i == k)
                recs[n++] = &forged.r;
            recs[n++] = &chain[i].r;
        }
        o = verify(recs, n);
        assert_fails_at(&o, MNP_EFORMAT, k + 1);
    }
    /* The last record cut off: the chain holds, only the count and the head tell. */
    chain_ptrs(chain, recs, 0, NULL);
    outcome_t o = verify(recs, N - 1);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.checked, N - 1);
    assert_string_not_equal(o.head, orig);
}

static void test_verifier_sticky_and_suffix(void **state)
{
    const entry_t *chain = *state;
    mnp_audit_verifier_t v;
    mnp_error_t err;
    mnp_audit_verifier_init(&v);
    assert_int_equal(mnp_audit_verifier_feed(&v, &chain[1].r, &err), 0);
    assert_int_equal(mnp_audit_verifier_feed(&v, &chain[3].r, &err), MNP_EFORMAT);
    char first[MNP_ERROR_MSG_MAX];
    snprintf(first, sizeof(first), "%s", err.msg);
    /* The first failure stays, whatever comes next (even the right record). */
    assert_int_equal(mnp_audit_verifier_feed(&v, &chain[2].r, &err), MNP_EFORMAT);
    assert_string_equal(err.msg, first);
    uint64_t checked = 99;
    char head[MNP_AUDIT_HASH_HEX], want[MNP_AUDIT_HASH_HEX];
    mnp_error_clear(&err);
    assert_int_equal(mnp_audit_verifier_finish(&v, &checked, head, &err), MNP_EFORMAT);
    assert_string_equal(err.msg, first);
    assert_int_equal(checked, 1);
    hex_of(chain[1].r.hash, want);
    assert_string_equal(head, want);
    assert_int_equal(mnp_audit_verifier_finish(&v, NULL, NULL, NULL), MNP_EFORMAT);

    /* The second half of the log, from the head of the first half. */
    mnp_audit_verifier_init_at(&v, 501, chain[500].r.hash);
    for (size_t i = 501; i <= N; i++)
        assert_int_equal(mnp_audit_verifier_feed(&v, &chain[i].r, NULL), 0);
    assert_int_equal(mnp_audit_verifier_finish(&v, &checked, head, NULL), 0);
    assert_int_equal(checked, 500);
    hex_of(chain[N].r.hash, want);
    assert_string_equal(head, want);
    /* ... but not from another head. */
    mnp_audit_verifier_init_at(&v, 501, chain[499].r.hash);
    assert_int_equal(mnp_audit_verifier_feed(&v, &chain[501].r, &err), MNP_ECHECKSUM);
    assert_string_equal(err.msg, "record 501: prev_hash does not match the hash of record 500");
}

static void test_seal_limits(void **state)
{
    (void)state;
    uint8_t zeros[MNP_AUDIT_HASH_BYTES] = {0}, ones[MNP_AUDIT_HASH_BYTES];
    memset(ones, 1, sizeof(ones));
    char big[MNP_AUDIT_DETAIL_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0'; /* MNP_AUDIT_DETAIL_MAX + 1 characters */
    mnp_error_t err;
    struct {
        mnp_audit_record_t r;
        const char *field;
    } bad[] = {
        {{.seq = 0, .actor = "a", .action = "b"}, "start at 1"},
        {{.seq = 1, .actor = "", .action = "b"}, "actor"},
        {{.seq = 1, .actor = NULL, .action = "b"}, "actor"},
        {{.seq = 1, .actor = big + sizeof(big) - 2 - MNP_AUDIT_ACTOR_MAX, .action = "b"}, "actor"},
        {{.seq = 1, .actor = "a", .action = ""}, "action"},
        {{.seq = 1, .actor = "a", .action = big + sizeof(big) - 2 - MNP_AUDIT_ACTION_MAX},
         "action"},
        {{.seq = 1, .actor = "a", .action = "b", .subject = big + sizeof(big) - 2 - 128},
         "subject"},
        {{.seq = 1, .actor = "a", .action = "b", .detail = big}, "detail"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mnp_audit_record_t r = bad[i].r;
        assert_int_equal(mnp_audit_seal(&r, zeros, &err), MNP_EINVAL);
        assert_non_null(strstr(err.msg, bad[i].field));
        assert_memory_equal(&r, &bad[i].r, sizeof(r)); /* unchanged */
        assert_int_equal(mnp_audit_check(&r, NULL), MNP_EINVAL);
        assert_int_equal(mnp_audit_encoded_size(&r), 0);
        mnp_buf_t b;
        mnp_buf_init(&b, 1 << 20);
        assert_int_equal(mnp_audit_encode(&r, &b, NULL), MNP_EINVAL);
        assert_int_equal(b.len, 0);
        mnp_buf_fini(&b);
        assert_int_equal(mnp_audit_verify_next(&r, r.seq, zeros, NULL), MNP_EINVAL);
    }
    /* Record 1 links to zeros only. */
    mnp_audit_record_t r = {.seq = 1, .actor = "a", .action = "b"};
    assert_int_equal(mnp_audit_seal(&r, ones, &err), MNP_EINVAL);
    assert_string_equal(err.msg, "record 1: prev_hash must be all zeros");
    r.seq = 2;
    assert_int_equal(mnp_audit_seal(&r, ones, &err), 0);
    assert_memory_equal(r.prev_hash, ones, sizeof(ones));
    assert_int_equal(mnp_audit_verify_next(&r, 2, ones, &err), 0);
    assert_int_equal(mnp_audit_verify_next(&r, 2, zeros, &err), MNP_ECHECKSUM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_hashes),
        cmocka_unit_test(test_seal_limits),
        cmocka_unit_test_setup_teardown(test_chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampering_found_at_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resealed_record_breaks_next_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_reorder_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verifier_sticky_and_suffix, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
