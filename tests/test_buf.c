/*
 * Tests for the bounded buffer: appends of every kind, growth that never passes max_bytes + 1,
 * the sticky error (whole appends dropped, later appends no-ops, reset clears it), printf in and
 * past the current capacity, and JSON string escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "mnp/buf.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if !defined(TEST_ASAN) && defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#endif

#ifdef TEST_ASAN
/* The out-of-memory test asks for an impossible size; under ASan that must return NULL like
 * glibc does, instead of being reported. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

static void test_append_kinds(void **state)
{
    (void)state;
    mnp_buf_t b;
    mnp_buf_init(&b, 1024);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    mnp_buf_append(&b, "ab\0cd", 5);
    mnp_buf_puts(&b, "ef");
    mnp_buf_putc(&b, 'g');
    mnp_buf_append(&b, "", 0);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "ab\0cdefg", 9); /* includes the terminating NUL */
    assert_int_equal(mnp_buf_error(&b), 0);
    mnp_buf_fini(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);

    /* An empty append still gives a valid empty string. */
    mnp_buf_init(&b, 16);
    mnp_buf_puts(&b, "");
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    mnp_buf_fini(&b);
}

static void test_growth_capped(void **state)
{
    (void)state;
    mnp_buf_t b;
    const size_t max = 1000;
    mnp_buf_init(&b, max);
    for (size_t i = 0; i < max; i++) {
        mnp_buf_putc(&b, (char)('a' + i % 26));
        assert_true(b.cap <= max + 1);
        assert_true(b.cap > b.len);
        assert_int_equal(b.data[b.len], '\0');
    }
    assert_int_equal(b.len, max);
    assert_int_equal(b.cap, max + 1);
    assert_int_equal(mnp_buf_error(&b), 0);
    mnp_buf_putc(&b, 'x');
    assert_int_equal(mnp_buf_error(&b), MNP_ELIMIT);
    assert_int_equal(b.len, max);
    assert_int_equal(b.cap, max + 1);
    mnp_buf_fini(&b);

    /* Doubling: 10000 single-byte appends take only a handful of reallocations. */
    mnp_buf_init(&b, SIZE_MAX);
    size_t caps = 0, last = 0;
    for (int i = 0; i < 10000; i++) {
        mnp_buf_putc(&b, 'z');
        if (b.cap != last) {
            caps++;
            last = b.cap;
        }
    }
    assert_true(caps <= 10);
    assert_int_equal(mnp_buf_error(&b), 0);
    mnp_buf_fini(&b);
}

static void test_sticky_error(void **state)
{
    (void)state;
    mnp_buf_t b;
    mnp_buf_init(&b, 10);
    mnp_buf_puts(&b, "12345678");
    mnp_buf_puts(&b, "abc"); /* would make 11: dropped whole */
    assert_int_equal(mnp_buf_error(&b), MNP_ELIMIT);
    assert_string_equal(b.data, "12345678");
    mnp_buf_putc(&b, 'x'); /* would fit, but the error is sticky */
    mnp_buf_append(&b, "y", 1);
    mnp_buf_printf(&b, "%d", 1);
    mnp_buf_json_str(&b, "");
    assert_string_equal(b.data, "12345678");
    assert_int_equal(b.len, 8);
    assert_int_equal(mnp_buf_error(&b), MNP_ELIMIT);

    /* Reset empties, clears the error and keeps the storage. */
    char *data = b.data;
    size_t cap = b.cap;
    mnp_buf_reset(&b);
    assert_int_equal(mnp_buf_error(&b), 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    mnp_buf_puts(&b, "0123456789");
    assert_string_equal(b.data, "0123456789");
    assert_int_equal(mnp_buf_error(&b), 0);
    mnp_buf_fini(&b);

    /* A zero limit holds only the empty string. */
    mnp_buf_init(&b, 0);
    mnp_buf_append(&b, "", 0);
    assert_int_equal(mnp_buf_error(&b), 0);
    mnp_buf_putc(&b, 'a');
    assert_int_equal(mnp_buf_error(&b), MNP_ELIMIT);
    mnp_buf_fini(&b);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    mnp_buf_t b;
    mnp_buf_init(&b, SIZE_MAX);
    mnp_buf_puts(&b, "kept");
    /* The data pointer is never read: the allocation for this size fails first. */
    mnp_buf_append(&b, "x", SIZE_MAX / 2);
    assert_int_equal(mnp_buf_error(&b), MNP_ENOMEM);
    assert_string_equal(b.data, "kept");
    mnp_buf_puts(&b, "more");
    assert_string_equal(b.data, "kept");
    assert_int_equal(mnp_buf_error(&b), MNP_ENOMEM); /* the first error stays */
    mnp_buf_fini(&b);
}

static void test_printf(void **state)
{
    (void)state;
    mnp_buf_t b;
    mnp_buf_init(&b, 4096);
    mnp_buf_printf(&b, "n=%d s=%s", 42, "x");
    assert_string_equal(b.data, "n=42 s=x");
    /* Longer than the free capacity: grows and formats again. */
    char big[1500];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    mnp_buf_printf(&b, "[%s]", big);
    assert_int_equal(b.len, 8 + 2 + 1499);
    assert_int_equal(b.data[8], '[');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(mnp_buf_error(&b), 0);
    size_t len = b.len;
    /* Past the limit: dropped whole, content and terminator intact. */
    mnp_buf_printf(&b, "%s%s", big, big);
    assert_int_equal(mnp_buf_error(&b), MNP_ELIMIT);
    assert_int_equal(b.len, len);
    assert_int_equal(strlen(b.data), len);
    assert_int_equal(b.data[len - 1], ']');
    mnp_buf_fini(&b);

    /* printf as the very first append, into no storage at all. */
    mnp_buf_init(&b, 100);
    mnp_buf_printf(&b, "%s", "");
    assert_string_equal(b.data, "");
    mnp_buf_printf(&b, "%05u", 7u);
    assert_string_equal(b.data, "00007");
    mnp_buf_fini(&b);

    /* Exactly at the limit fits; one more does not. */
    mnp_buf_init(&b, 5);
    mnp_buf_printf(&b, "%s", "abcde");
    assert_int_equal(mnp_buf_error(&b), 0);
    assert_string_equal(b.data, "abcde");
    mnp_buf_printf(&b, "%c", 'f');
    assert_int_equal(mnp_buf_error(&b), MNP_ELIMIT);
    assert_string_equal(b.data, "abcde");
    mnp_buf_fini(&b);
}

static void test_json_str(void **state)
{
    (void)state;
    mnp_buf_t b;
    mnp_buf_init(&b, 4096);
    mnp_buf_json_str(&b, "");
    assert_string_equal(b.data, "\"\"");
    mnp_buf_reset(&b);
    mnp_buf_json_str(&b, "plain /text/ 13800138000");
    assert_string_equal(b.data, "\"plain /text/ 13800138000\"");
    mnp_buf_reset(&b);
    mnp_buf_json_str(&b, "q\"b\\s\bb\ff\nn\rr\tt");
    assert_string_equal(b.data, "\"q\\\"b\\\\s\\bb\\ff\\nn\\rr\\tt\"");
    mnp_buf_reset(&b);
    mnp_buf_json_str(&b, "\x01\x1f\x7f");
    assert_string_equal(b.data, "\"\\u0001\\u001f\x7f\""); /* DEL needs no escape in JSON */
    mnp_buf_reset(&b);
    mnp_buf_json_str(&b, "张三 ✓ 😀");
    assert_string_equal(b.data, "\"张三 ✓ 😀\"");
    assert_int_equal(mnp_buf_error(&b), 0);
    mnp_buf_fini(&b);

    /* All or nothing against the limit: "\"a\\nb\"" is 7 bytes. */
    mnp_buf_init(&b, 8);
    mnp_buf_putc(&b, '[');
    mnp_buf_json_str(&b, "a\nb");
    assert_string_equal(b.data, "[\"a\\nb\"");
    assert_int_equal(mnp_buf_error(&b), 0);
    mnp_buf_json_str(&b, "");
    assert_int_equal(mnp_buf_error(&b), MNP_ELIMIT);
    assert_string_equal(b.data, "[\"a\\nb\"");
    mnp_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_kinds), cmocka_unit_test(test_growth_capped),
        cmocka_unit_test(test_sticky_error), cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_printf),       cmocka_unit_test(test_json_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
