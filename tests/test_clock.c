/*
 * Tests for the clock interface: manual clocks move only when told and never backwards, many
 * threads advancing one manual clock lose no time, the real clock is sane, and RFC 3339
 * formatting of wall times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "mnp/clock.h"

static void test_manual_start_and_advance(void **state)
{
    (void)state;
    mnp_clock_t *c = NULL;
    assert_int_equal(mnp_clock_manual_new(1764086841123, &c), 0);
    assert_non_null(c);
    assert_int_equal(mnp_clock_now_ms(c), 1764086841123);
    assert_int_equal(mnp_clock_mono_ns(c), 0);
    /* Reading does not move it. */
    assert_int_equal(mnp_clock_now_ms(c), 1764086841123);

    assert_int_equal(mnp_clock_advance(c, 1500), 0);
    assert_int_equal(mnp_clock_now_ms(c), 1764086842623);
    assert_int_equal(mnp_clock_mono_ns(c), INT64_C(1500000000));

    assert_int_equal(mnp_clock_advance(c, 0), 0);
    assert_int_equal(mnp_clock_now_ms(c), 1764086842623);
    mnp_clock_free(c);
}

static void test_manual_set(void **state)
{
    (void)state;
    mnp_clock_t *c = NULL;
    assert_int_equal(mnp_clock_manual_new(1000, &c), 0);
    assert_int_equal(mnp_clock_set(c, 61000), 0);
    assert_int_equal(mnp_clock_now_ms(c), 61000);
    assert_int_equal(mnp_clock_mono_ns(c), INT64_C(60000) * 1000000);
    /* Setting to now is allowed; it is not backwards. */
    assert_int_equal(mnp_clock_set(c, 61000), 0);
    assert_int_equal(mnp_clock_now_ms(c), 61000);
    mnp_clock_free(c);
}

static void test_manual_refuses_backwards(void **state)
{
    (void)state;
    mnp_clock_t *c = NULL;
    assert_int_equal(mnp_clock_manual_new(5000, &c), 0);
    assert_int_equal(mnp_clock_advance(c, -1), MNP_EINVAL);
    assert_int_equal(mnp_clock_set(c, 4999), MNP_EINVAL);
    assert_int_equal(mnp_clock_set(c, INT64_MIN), MNP_EINVAL);
    assert_int_equal(mnp_clock_now_ms(c), 5000);
    assert_int_equal(mnp_clock_mono_ns(c), 0);
    mnp_clock_free(c);
}

static void test_manual_overflow(void **state)
{
    (void)state;
    mnp_clock_t *c = NULL;
    assert_int_equal(mnp_clock_manual_new(0, &c), 0);
    assert_int_equal(mnp_clock_advance(c, INT64_MAX), MNP_ERANGE);
    assert_int_equal(mnp_clock_set(c, INT64_MAX), MNP_ERANGE);
    assert_int_equal(mnp_clock_now_ms(c), 0);
    /* The largest span whose monotonic time still fits in int64 nanoseconds. */
    assert_int_equal(mnp_clock_advance(c, INT64_MAX / 1000000), 0);
    assert_true(mnp_clock_mono_ns(c) > 0);
    assert_int_equal(mnp_clock_advance(c, 1), MNP_ERANGE);
    mnp_clock_free(c);

    assert_int_equal(mnp_clock_manual_new(INT64_MAX - 10, &c), 0);
    assert_int_equal(mnp_clock_advance(c, 11), MNP_ERANGE);
    assert_int_equal(mnp_clock_advance(c, 10), 0);
    assert_int_equal(mnp_clock_now_ms(c), INT64_MAX);
    mnp_clock_free(c);
}

static void test_real_clock_refuses_changes(void **state)
{
    (void)state;
    const mnp_clock_t *real = mnp_clock_real();
    assert_non_null(real);
    assert_ptr_equal(real, mnp_clock_real());
    /* The API takes a non-const clock for changes; the real clock must refuse them. */
    mnp_clock_t *mut;
    memcpy(&mut, &real, sizeof(mut));
    assert_int_equal(mnp_clock_advance(mut, 10), MNP_EINVAL);
    assert_int_equal(mnp_clock_set(mut, INT64_MAX / 2), MNP_EINVAL);
    mnp_clock_free(mut); /* ignored */
    mnp_clock_free(NULL);
    assert_int_equal(mnp_clock_advance(NULL, 1), MNP_EINVAL);
}

static void test_real_clock_sane(void **state)
{
    (void)state;
    const mnp_clock_t *real = mnp_clock_real();
    int64_t now = mnp_clock_now_ms(real);
    int64_t sys = (int64_t)time(NULL) * 1000;
    /* Within a minute of time(2), and after 2024-01-01. */
    assert_true(now > INT64_C(1704067200000));
    assert_true(now - sys < 60000 && sys - now < 60000);

    int64_t m1 = mnp_clock_mono_ns(real);
    int64_t m2 = mnp_clock_mono_ns(real);
    assert_true(m1 > 0);
    assert_true(m2 >= m1);
}

#define THREADS       4
#define STEPS_PER_THR 20000

static void *advance_worker(void *arg)
{
    mnp_clock_t *c = arg;
    for (int i = 0; i < STEPS_PER_THR; i++) {
        if (mnp_clock_advance(c, 1) != 0)
            return arg; /* non-NULL reports failure */
        (void)mnp_clock_now_ms(c);
    }
    return NULL;
}

static void test_manual_threads(void **state)
{
    (void)state;
    mnp_clock_t *c = NULL;
    assert_int_equal(mnp_clock_manual_new(100, &c), 0);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, advance_worker, c), 0);
    int64_t last = 0;
    for (int i = 0; i < 1000; i++) { /* a reader sees time only move forward */
        int64_t m = mnp_clock_mono_ns(c);
        assert_true(m >= last);
        last = m;
    }
    for (int i = 0; i < THREADS; i++) {
        void *ret = (void *)1;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_null(ret);
    }
    assert_int_equal(mnp_clock_now_ms(c), 100 + THREADS * STEPS_PER_THR);
    mnp_clock_free(c);
}

static void test_time_format(void **state)
{
    (void)state;
    char buf[MNP_TIME_STR_SIZE];
    assert_ptr_equal(mnp_time_format(0, buf), buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    assert_string_equal(mnp_time_format(1795622841123, buf), "2026-11-25T16:07:21.123Z");
    assert_string_equal(mnp_time_format(951782400000, buf), "2000-02-29T00:00:00.000Z");
    assert_string_equal(mnp_time_format(253402300799999, buf), "9999-12-31T23:59:59.999Z");
    /* Before the epoch the milliseconds still count forward within the second. */
    assert_string_equal(mnp_time_format(-1, buf), "1969-12-31T23:59:59.999Z");
    assert_string_equal(mnp_time_format(-1000, buf), "1969-12-31T23:59:59.000Z");
    assert_string_equal(mnp_time_format(-1001, buf), "1969-12-31T23:59:58.999Z");
    /* Out of struct tm's reach: a marker, never an overflow. */
    mnp_time_format(INT64_MAX, buf);
    assert_true(strlen(buf) < MNP_TIME_STR_SIZE);
    mnp_time_format(INT64_MIN, buf);
    assert_true(strlen(buf) < MNP_TIME_STR_SIZE);
}

/* A deadline lies ms after the moment it was asked for, its nanoseconds always in range. */
static void test_deadline_after(void **state)
{
    (void)state;
    const int64_t cases[] = {0, 1, 999, 1000, 1500, 61001};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct timespec before, after;
        clock_gettime(CLOCK_MONOTONIC, &before);
        struct timespec d = mnp_deadline_after(CLOCK_MONOTONIC, cases[i]);
        clock_gettime(CLOCK_MONOTONIC, &after);
        assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
        int64_t d_ns = (int64_t)d.tv_sec * 1000000000 + d.tv_nsec;
        int64_t lo = (int64_t)before.tv_sec * 1000000000 + before.tv_nsec + cases[i] * 1000000;
        int64_t hi = (int64_t)after.tv_sec * 1000000000 + after.tv_nsec + cases[i] * 1000000;
        assert_true(d_ns >= lo && d_ns <= hi);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manual_start_and_advance),
        cmocka_unit_test(test_manual_set),
        cmocka_unit_test(test_manual_refuses_backwards),
        cmocka_unit_test(test_manual_overflow),
        cmocka_unit_test(test_real_clock_refuses_changes),
        cmocka_unit_test(test_real_clock_sane),
        cmocka_unit_test(test_manual_threads),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_deadline_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
