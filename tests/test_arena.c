/*
 * Tests for the arena: every pointer aligned for any type and not overlapping another, size 0,
 * the limit (NULL without side effects, padding counted), big allocations in chunks of their
 * own without disturbing the current chunk, reset reusing the first chunk, and strndup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdalign.h>
#include <string.h>

#include "mnp/arena.h"

#define ALIGN alignof(max_align_t)

static void test_alignment_and_no_overlap(void **state)
{
    (void)state;
    mnp_arena_t a;
    mnp_arena_init(&a, 256, SIZE_MAX);
    enum { N = 500 };
    unsigned char *ptrs[N];
    size_t sizes[N];
    for (size_t i = 0; i < N; i++) {
        sizes[i] = (i * 7) % 97; /* 0..96, crossing chunk boundaries and the big threshold */
        ptrs[i] = mnp_arena_alloc(&a, sizes[i]);
        assert_non_null(ptrs[i]);
        assert_int_equal((uintptr_t)ptrs[i] % ALIGN, 0);
        memset(ptrs[i], (int)(i & 0xff), sizes[i]);
    }
    /* Each block still holds its own pattern: no two blocks overlap. */
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            assert_int_equal(ptrs[i][k], i & 0xff);
    mnp_arena_fini(&a);
}

static void test_zero_size_unique(void **state)
{
    (void)state;
    mnp_arena_t a;
    mnp_arena_init(&a, 0, 1 << 20);
    void *p = mnp_arena_alloc(&a, 0);
    void *q = mnp_arena_alloc(&a, 0);
    assert_non_null(p);
    assert_non_null(q);
    assert_ptr_not_equal(p, q);
    assert_int_equal(a.chunk_bytes, 4096); /* 0 picks the default */
    mnp_arena_fini(&a);
}

static void test_limit(void **state)
{
    (void)state;
    mnp_arena_t a;
    mnp_arena_init(&a, 1024, 100);
    assert_non_null(mnp_arena_alloc(&a, 1));
    assert_int_equal(a.used_bytes, ALIGN); /* padding counts */
    assert_non_null(mnp_arena_alloc(&a, 64));
    size_t used = a.used_bytes;
    assert_null(mnp_arena_alloc(&a, 100)); /* would pass the limit */
    assert_int_equal(a.used_bytes, used);  /* a refusal changes nothing */
    assert_null(mnp_arena_alloc(&a, SIZE_MAX));
    assert_null(mnp_arena_alloc(&a, SIZE_MAX - 3));
    assert_null(mnp_arena_strndup(&a, "x", SIZE_MAX));
    /* What is left can still be used, to the byte. */
    size_t left = a.max_bytes - a.used_bytes;
    left -= left % ALIGN;
    assert_non_null(mnp_arena_alloc(&a, left));
    assert_true(a.used_bytes <= a.max_bytes);
    assert_null(mnp_arena_alloc(&a, 0)); /* even size 0 takes a slot */
    mnp_arena_fini(&a);

    mnp_arena_init(&a, 0, 0);
    assert_null(mnp_arena_alloc(&a, 1));
    mnp_arena_fini(&a);
}

static void test_big_allocations(void **state)
{
    (void)state;
    mnp_arena_t a;
    mnp_arena_init(&a, 4096, SIZE_MAX);
    unsigned char *small1 = mnp_arena_alloc(&a, 16);
    assert_non_null(small1);
    unsigned char *big = mnp_arena_alloc(&a, 100000);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % ALIGN, 0);
    memset(big, 0xab, 100000);
    /* The current chunk keeps serving small allocations right after the first one. */
    unsigned char *small2 = mnp_arena_alloc(&a, 16);
    assert_ptr_equal(small2, small1 + 16);
    /* A request larger than a chunk but with room to spare in none: its own chunk too. */
    unsigned char *mid = mnp_arena_alloc(&a, 4096 * 3);
    assert_non_null(mid);
    memset(mid, 0xcd, 4096 * 3);
    unsigned char *small3 = mnp_arena_alloc(&a, 16);
    assert_ptr_equal(small3, small2 + 16);
    assert_int_equal(big[99999], 0xab);
    assert_int_equal(a.used_bytes, 16 + 100000 + 16 + 4096 * 3 + 16);
    mnp_arena_fini(&a);

    /* A big allocation into an empty arena, then small ones. */
    mnp_arena_init(&a, 4096, SIZE_MAX);
    assert_non_null(mnp_arena_alloc(&a, 50000));
    unsigned char *s = mnp_arena_alloc(&a, 8);
    assert_non_null(s);
    memset(s, 1, 8);
    mnp_arena_fini(&a);
}

static void test_reset_reuses_first_chunk(void **state)
{
    (void)state;
    mnp_arena_t a;
    mnp_arena_init(&a, 1024, SIZE_MAX);
    void *first = mnp_arena_alloc(&a, 32);
    assert_non_null(first);
    for (int round = 0; round < 5; round++) {
        /* Fill several chunks and a big one, then reset. */
        for (int i = 0; i < 100; i++)
            assert_non_null(mnp_arena_alloc(&a, 100));
        assert_non_null(mnp_arena_alloc(&a, 10000));
        mnp_arena_reset(&a);
        assert_int_equal(a.used_bytes, 0);
        assert_non_null(a.head);
        /* The oldest chunk is reused from its start. */
        void *again = mnp_arena_alloc(&a, 32);
        assert_ptr_equal(again, first);
    }
    mnp_arena_fini(&a);
    assert_null(a.head);
    assert_int_equal(a.used_bytes, 0);

    /* Reset of an empty arena, and of one with only a big chunk. */
    mnp_arena_init(&a, 1024, SIZE_MAX);
    mnp_arena_reset(&a);
    assert_null(a.head);
    assert_non_null(mnp_arena_alloc(&a, 5000));
    mnp_arena_reset(&a);
    assert_null(a.head);
    assert_non_null(mnp_arena_alloc(&a, 10));
    mnp_arena_fini(&a);
}

static void test_strndup(void **state)
{
    (void)state;
    mnp_arena_t a;
    mnp_arena_init(&a, 64, 4096);
    const char *src = "13800138000,CMCC";
    char *num = mnp_arena_strndup(&a, src, 11);
    assert_string_equal(num, "13800138000");
    char *all = mnp_arena_strndup(&a, src, strlen(src));
    assert_string_equal(all, src);
    assert_ptr_not_equal(all, src);
    char *empty = mnp_arena_strndup(&a, src, 0);
    assert_string_equal(empty, "");
    char big[5000];
    memset(big, 'x', sizeof(big));
    assert_null(mnp_arena_strndup(&a, big, sizeof(big))); /* past the limit */
    mnp_arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_no_overlap),
        cmocka_unit_test(test_zero_size_unique),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_big_allocations),
        cmocka_unit_test(test_reset_reuses_first_chunk),
        cmocka_unit_test(test_strndup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
