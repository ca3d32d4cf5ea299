/*
 * Tests for CRC-32C: published check values, incremental use, and agreement of the dispatched
 * (hardware where available) path with the portable table path on random data of many lengths
 * and alignments, including the block boundaries of the three-stream hardware loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mnp/crc32c.h"

/* Deterministic pseudo-random bytes (xorshift64), so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fill_random(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(rng_next() >> 56);
}

static void test_check_values(void **state)
{
    (void)state;
    assert_int_equal(mnp_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(mnp_crc32c_sw(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(mnp_crc32c(0, "", 0), 0);
    assert_int_equal(mnp_crc32c(0x12345678u, "", 0), 0x12345678u);

    /* The iSCSI test patterns (RFC 3720, B.4). */
    unsigned char buf[32];
    memset(buf, 0, sizeof(buf));
    assert_int_equal(mnp_crc32c(0, buf, 32), 0x8A9136AAu);
    assert_int_equal(mnp_crc32c_sw(0, buf, 32), 0x8A9136AAu);
    memset(buf, 0xff, sizeof(buf));
    assert_int_equal(mnp_crc32c(0, buf, 32), 0x62A8AB43u);
    assert_int_equal(mnp_crc32c_sw(0, buf, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (unsigned char)i;
    assert_int_equal(mnp_crc32c(0, buf, 32), 0x46DD794Eu);
    assert_int_equal(mnp_crc32c_sw(0, buf, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; i++)
        buf[i] = (unsigned char)(31 - i);
    assert_int_equal(mnp_crc32c(0, buf, 32), 0x113FDB5Cu);
    assert_int_equal(mnp_crc32c_sw(0, buf, 32), 0x113FDB5Cu);
}

static void test_incremental(void **state)
{
    (void)state;
    enum { N = 70000 };
    unsigned char *data = malloc(N);
    assert_non_null(data);
    fill_random(data, N);
    uint32_t whole = mnp_crc32c(0, data, N);
    const size_t splits[] = {0, 1, 7, 8, 9, 255, 768, 769, 4097, 24576, 24577, 50000, N};
    for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        size_t s = splits[i];
        assert_int_equal(mnp_crc32c(mnp_crc32c(0, data, s), data + s, N - s), whole);
        assert_int_equal(mnp_crc32c_sw(mnp_crc32c_sw(0, data, s), data + s, N - s), whole);
    }
    /* One byte at a time. */
    uint32_t crc = 0;
    for (size_t i = 0; i < N; i++)
        crc = mnp_crc32c(crc, data + i, 1);
    assert_int_equal(crc, whole);
    /* A changed bit changes the checksum. */
    data[N / 2] ^= 0x10;
    assert_int_not_equal(mnp_crc32c(0, data, N), whole);
    free(data);
}

static void test_paths_agree_small(void **state)
{
    (void)state;
    enum { MAX_LEN = 2100, MAX_OFF = 16 };
    unsigned char *data = malloc(MAX_LEN + MAX_OFF);
    assert_non_null(data);
    fill_random(data, MAX_LEN + MAX_OFF);
    for (size_t off = 0; off < MAX_OFF; off++) {
        for (size_t len = 0; len <= MAX_LEN; len++) {
            uint32_t seed = (uint32_t)rng_next();
            uint32_t hw = mnp_crc32c(seed, data + off, len);
            uint32_t sw = mnp_crc32c_sw(seed, data + off, len);
            if (hw != sw)
                fail_msg("off %zu len %zu: %08x != %08x", off, len, hw, sw);
        }
    }
    free(data);
}

static void test_paths_agree_large(void **state)
{
    (void)state;
    const size_t lens[] = {
        3 * 256 - 1,
        3 * 256,
        3 * 256 + 1,
        3 * 8192 - 1,
        3 * 8192,
        3 * 8192 + 1,
        3 * 8192 + 3 * 256 + 7,
        2 * 3 * 8192,
        2 * 3 * 8192 + 767,
        1000003,
        4 << 20,
    };
    size_t max = 0;
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        max = lens[i] > max ? lens[i] : max;
    unsigned char *data = malloc(max + 8);
    assert_non_null(data);
    fill_random(data, max + 8);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        for (size_t off = 0; off < 8; off += 3) {
            uint32_t hw = mnp_crc32c(0, data + off, lens[i]);
            uint32_t sw = mnp_crc32c_sw(0, data + off, lens[i]);
            if (hw != sw)
                fail_msg("off %zu len %zu: %08x != %08x", off, lens[i], hw, sw);
        }
    }
    /* Long runs of one value exercise the zero-append tables with extreme registers. */
    memset(data, 0, max);
    assert_int_equal(mnp_crc32c(0, data, max), mnp_crc32c_sw(0, data, max));
    memset(data, 0xff, max);
    assert_int_equal(mnp_crc32c(0xffffffffu, data, max), mnp_crc32c_sw(0xffffffffu, data, max));
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_paths_agree_small),
        cmocka_unit_test(test_paths_agree_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
