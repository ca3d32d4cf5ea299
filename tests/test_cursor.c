/*
 * Tests for the input cursor: every read in big-endian order, the sticky truncation error (a
 * failed read returns zero, moves nothing, and every later read fails too), peek and accept
 * that never set the error, and empty inputs including a NULL buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "mnp/cursor.h"

static const uint8_t sample[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0xfe, 0xff, 'a',  'b',  'c'};

static void test_reads(void **state)
{
    (void)state;
    mnp_cursor_t c;
    mnp_cursor_init(&c, sample, sizeof(sample));
    assert_int_equal(mnp_cursor_left(&c), 14);
    assert_int_equal(mnp_cursor_offset(&c), 0);
    assert_false(mnp_cursor_eof(&c));

    assert_int_equal(mnp_cursor_peek(&c), 0x01);
    assert_int_equal(mnp_cursor_offset(&c), 0); /* peek does not consume */
    assert_int_equal(mnp_cursor_u8(&c), 0x01);
    assert_int_equal(mnp_cursor_be16(&c), 0x0203);
    assert_int_equal(mnp_cursor_be32(&c), 0x04050607u);
    assert_int_equal(mnp_cursor_offset(&c), 7);
    mnp_cursor_skip(&c, 2);
    assert_int_equal(mnp_cursor_be16(&c), 0xfeff); /* high bit set: no sign extension */
    assert_false(mnp_cursor_accept(&c, 'x'));
    assert_int_equal(mnp_cursor_offset(&c), 11);
    assert_true(mnp_cursor_accept(&c, 'a'));
    const uint8_t *p = mnp_cursor_take(&c, 1);
    assert_ptr_equal(p, sample + 12); /* borrows the input, no copy */
    char last;
    mnp_cursor_read(&c, &last, 1);
    assert_int_equal(last, 'c');
    assert_true(mnp_cursor_eof(&c));
    assert_int_equal(mnp_cursor_left(&c), 0);
    assert_int_equal(mnp_cursor_peek(&c), -1); /* at the end, without an error */
    assert_false(mnp_cursor_accept(&c, 'c'));
    assert_int_equal(mnp_cursor_error(&c), 0);
}

static void test_be32_high_values(void **state)
{
    (void)state;
    const uint8_t ff[4] = {0xff, 0xff, 0xff, 0xfe};
    mnp_cursor_t c;
    mnp_cursor_init(&c, ff, sizeof(ff));
    assert_int_equal(mnp_cursor_be32(&c), 0xfffffffeu);
    assert_int_equal(mnp_cursor_error(&c), 0);
}

static void test_need(void **state)
{
    (void)state;
    mnp_cursor_t c;
    mnp_cursor_init(&c, sample, 4);
    assert_true(mnp_cursor_need(&c, 0));
    assert_true(mnp_cursor_need(&c, 4)); /* exactly what is left */
    assert_int_equal(mnp_cursor_offset(&c), 0);
    assert_false(mnp_cursor_need(&c, 5));
    assert_int_equal(mnp_cursor_error(&c), MNP_ETRUNC);
    assert_false(mnp_cursor_need(&c, 0)); /* sticky */
    assert_int_equal(mnp_cursor_offset(&c), 0);
}

/* A cursor with 3 bytes at offset 1 of a 4-byte input, then a failed read of 4 bytes: every
 * read kind must fail without moving, and every later read must fail too. */
static void check_truncation(int kind)
{
    const uint8_t in[4] = {0xaa, 0xbb, 0xcc, 0xdd};
    mnp_cursor_t c;
    mnp_cursor_init(&c, in, sizeof(in));
    assert_int_equal(mnp_cursor_u8(&c), 0xaa);
    uint8_t dst[4] = {1, 2, 3, 4};
    switch (kind) {
    case 0:
        assert_int_equal(mnp_cursor_be32(&c), 0);
        break;
    case 1:
        mnp_cursor_skip(&c, 4);
        break;
    case 2:
        mnp_cursor_read(&c, dst, 4);
        assert_memory_equal(dst, "\0\0\0\0", 4); /* zero-filled, nothing half-copied */
        break;
    case 3:
        assert_null(mnp_cursor_take(&c, 4));
        break;
    default:
        fail();
    }
    assert_int_equal(mnp_cursor_error(&c), MNP_ETRUNC);
    assert_int_equal(mnp_cursor_offset(&c), 1);
    assert_int_equal(mnp_cursor_left(&c), 3);

    /* Bytes are there, but the error is sticky: nothing reads, nothing moves. */
    assert_int_equal(mnp_cursor_u8(&c), 0);
    assert_int_equal(mnp_cursor_be16(&c), 0);
    assert_int_equal(mnp_cursor_peek(&c), -1);
    assert_false(mnp_cursor_accept(&c, 0xbb));
    assert_null(mnp_cursor_take(&c, 1));
    mnp_cursor_skip(&c, 1);
    uint8_t one = 9;
    mnp_cursor_read(&c, &one, 1);
    assert_int_equal(one, 0);
    assert_int_equal(mnp_cursor_offset(&c), 1);
    assert_int_equal(mnp_cursor_error(&c), MNP_ETRUNC);
}

static void test_truncation_sticky(void **state)
{
    (void)state;
    for (int kind = 0; kind < 4; kind++)
        check_truncation(kind);
}

static void test_truncated_be16(void **state)
{
    (void)state;
    mnp_cursor_t c;
    mnp_cursor_init(&c, sample, 1);
    assert_int_equal(mnp_cursor_be16(&c), 0);
    assert_int_equal(mnp_cursor_error(&c), MNP_ETRUNC);
    assert_int_equal(mnp_cursor_offset(&c), 0);
}

static void test_huge_skip(void **state)
{
    (void)state;
    /* A length from hostile input must not wrap the pointer. */
    mnp_cursor_t c;
    mnp_cursor_init(&c, sample, sizeof(sample));
    mnp_cursor_skip(&c, SIZE_MAX);
    assert_int_equal(mnp_cursor_error(&c), MNP_ETRUNC);
    assert_int_equal(mnp_cursor_offset(&c), 0);
}

static void test_empty_inputs(void **state)
{
    (void)state;
    mnp_cursor_t c;
    mnp_cursor_init(&c, NULL, 0);
    assert_true(mnp_cursor_eof(&c));
    assert_int_equal(mnp_cursor_left(&c), 0);
    assert_int_equal(mnp_cursor_peek(&c), -1);
    assert_non_null(mnp_cursor_take(&c, 0)); /* zero bytes always succeed */
    mnp_cursor_skip(&c, 0);
    assert_int_equal(mnp_cursor_error(&c), 0);
    assert_int_equal(mnp_cursor_u8(&c), 0);
    assert_int_equal(mnp_cursor_error(&c), MNP_ETRUNC);

    mnp_cursor_init(&c, sample, 0);
    assert_true(mnp_cursor_eof(&c));
    assert_int_equal(mnp_cursor_be32(&c), 0);
    assert_int_equal(mnp_cursor_error(&c), MNP_ETRUNC);

    /* init clears a previous error. */
    mnp_cursor_init(&c, sample, 1);
    assert_int_equal(mnp_cursor_error(&c), 0);
    assert_int_equal(mnp_cursor_u8(&c), 0x01);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads),          cmocka_unit_test(test_be32_high_values),
        cmocka_unit_test(test_need),           cmocka_unit_test(test_truncation_sticky),
        cmocka_unit_test(test_truncated_be16), cmocka_unit_test(test_huge_skip),
        cmocka_unit_test(test_empty_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
