/*
 * Tests of the authorization-code rules: the lock after five wrong attempts in a clock hour and
 * its end, a wrong code saying C01 and nothing more, and a right code hearing C03 (used) before
 * C02 (expired).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "mnp/authcode.h"

static const int64_t ten = 1795600800000; /* 2026-11-25T10:00:00Z */

static mnp_authcode_facts_t facts_with(uint8_t fill, bool used, int64_t expires, uint64_t fails)
{
    mnp_authcode_facts_t f = {
        .registered = true, .used = used, .expires_ms = expires, .failures_this_hour = fails};
    memset(f.code_hash, fill, sizeof(f.code_hash));
    return f;
}

static void test_right_code(void **state)
{
    (void)state;
    uint8_t right[32];
    memset(right, 7, sizeof(right));
    mnp_authcode_verdict_t v;
    mnp_authcode_facts_t f = facts_with(7, false, ten + MNP_AUTHCODE_VALID_MS, 0);
    mnp_authcode_judge(&f, right, ten, &v);
    assert_int_equal(v.reason, MNP_REASON_NONE);
    assert_false(v.record_failure);
    assert_false(v.locked);
    /* Valid for exactly 60 minutes. */
    mnp_authcode_judge(&f, right, ten + MNP_AUTHCODE_VALID_MS - 1, &v);
    assert_int_equal(v.reason, MNP_REASON_NONE);
    mnp_authcode_judge(&f, right, ten + MNP_AUTHCODE_VALID_MS, &v);
    assert_int_equal(v.reason, MNP_C02_CODE_EXPIRED);
    assert_false(v.record_failure);
    /* Used beats expired: the subscriber hears the reason that matters. */
    f.used = true;
    mnp_authcode_judge(&f, right, ten + MNP_AUTHCODE_VALID_MS, &v);
    assert_int_equal(v.reason, MNP_C03_CODE_USED);
}

static void test_wrong_code_says_nothing_more(void **state)
{
    (void)state;
    uint8_t wrong[32];
    memset(wrong, 8, sizeof(wrong));
    mnp_authcode_verdict_t v;
    /* Used, expired or absent: a wrong code hears C01 and counts as a failure. */
    mnp_authcode_facts_t cases[3] = {
        facts_with(7, true, ten - 1, 0), facts_with(7, false, 0, 2), {.registered = false}};
    for (int i = 0; i < 3; i++) {
        mnp_authcode_judge(&cases[i], wrong, ten, &v);
        assert_int_equal(v.reason, MNP_C01_CODE_INVALID);
        assert_true(v.record_failure);
        assert_false(v.locked);
        assert_false(v.now_locked);
    }
}

static void test_lockout(void **state)
{
    (void)state;
    uint8_t wrong[32], right[32];
    memset(wrong, 8, sizeof(wrong));
    memset(right, 7, sizeof(right));
    mnp_authcode_verdict_t v;
    const int64_t at = ten + 20 * MNP_MS_PER_MINUTE;
    /* The fifth wrong attempt locks the number until the end of the hour and says so. */
    mnp_authcode_facts_t f = facts_with(7, false, at + MNP_AUTHCODE_VALID_MS, 4);
    mnp_authcode_judge(&f, wrong, at, &v);
    assert_int_equal(v.reason, MNP_C01_CODE_INVALID);
    assert_true(v.record_failure);
    assert_true(v.now_locked);
    assert_int_equal(v.locked_until_ms, ten + MNP_MS_PER_HOUR);
    /* Locked: even the right code is refused, and no failure is added. */
    f.failures_this_hour = 5;
    mnp_authcode_judge(&f, right, at, &v);
    assert_true(v.locked);
    assert_int_equal(v.reason, MNP_C01_CODE_INVALID);
    assert_false(v.record_failure);
    assert_int_equal(v.locked_until_ms, ten + MNP_MS_PER_HOUR);
    /* Failures count per clock hour. */
    assert_int_equal(mnp_authcode_hour_start(ten), ten);
    assert_int_equal(mnp_authcode_hour_start(ten + MNP_MS_PER_HOUR - 1), ten);
    assert_int_equal(mnp_authcode_hour_start(ten + MNP_MS_PER_HOUR), ten + MNP_MS_PER_HOUR);
    assert_int_equal(mnp_authcode_hour_start(-1), -MNP_MS_PER_HOUR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_right_code),
        cmocka_unit_test(test_wrong_code_says_nothing_more),
        cmocka_unit_test(test_lockout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
