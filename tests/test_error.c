/*
 * Tests for the error codes, their stable names and descriptions, and the caller-owned error
 * detail (formatting, truncation, clearing, errno mapping).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "mnp/error.h"

static void test_names_every_code(void **state)
{
    (void)state;
    static const char *const names[MNP_ERR_COUNT] = {
        "MNP_OK",     "MNP_ENOMEM", "MNP_EINVAL",  "MNP_ERANGE",    "MNP_EIO",
        "MNP_ENOENT", "MNP_EEXIST", "MNP_EFORMAT", "MNP_EVERSION",  "MNP_ECHECKSUM",
        "MNP_ETRUNC", "MNP_ELIMIT", "MNP_EBUSY",   "MNP_EINTERNAL",
    };
    for (int i = 0; i < MNP_ERR_COUNT; i++) {
        assert_string_equal(mnp_errname(-i), names[i]);
        const char *desc = mnp_strerror(-i);
        assert_non_null(desc);
        assert_true(strlen(desc) > 0);
        assert_string_not_equal(desc, "unknown error");
    }
    assert_string_equal(mnp_errname(MNP_ENOMEM), "MNP_ENOMEM");
    assert_string_equal(mnp_errname(MNP_EINTERNAL), "MNP_EINTERNAL");
    assert_string_equal(mnp_strerror(MNP_ENOMEM), "out of memory");
}

static void test_descriptions_distinct(void **state)
{
    (void)state;
    for (int i = 0; i < MNP_ERR_COUNT; i++)
        for (int j = i + 1; j < MNP_ERR_COUNT; j++)
            assert_string_not_equal(mnp_strerror(-i), mnp_strerror(-j));
}

static void test_unknown_codes(void **state)
{
    (void)state;
    const int unknown[] = {1, 42, -MNP_ERR_COUNT, -1000, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_string_equal(mnp_errname(unknown[i]), "MNP_EUNKNOWN");
        assert_string_equal(mnp_strerror(unknown[i]), "unknown error");
    }
}

static void test_set_formats_and_returns_code(void **state)
{
    (void)state;
    mnp_error_t err;
    memset(&err, 0x55, sizeof(err));
    int rc = mnp_error_set(&err, MNP_EINVAL, "line %zu: bad field '%s'", (size_t)17, "msisdn");
    assert_int_equal(rc, MNP_EINVAL);
    assert_int_equal(err.code, MNP_EINVAL);
    assert_string_equal(err.msg, "line 17: bad field 'msisdn'");
}

static void test_set_null_err(void **state)
{
    (void)state;
    assert_int_equal(mnp_error_set(NULL, MNP_EIO, "ignored %d", 1), MNP_EIO);
    mnp_error_clear(NULL); /* must not crash */
}

static void test_set_truncates(void **state)
{
    (void)state;
    char longer[MNP_ERROR_MSG_MAX * 2];
    memset(longer, 'x', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    longer[0] = 'A';
    mnp_error_t err;
    assert_int_equal(mnp_error_set(&err, MNP_ELIMIT, "%s", longer), MNP_ELIMIT);
    assert_int_equal(strlen(err.msg), MNP_ERROR_MSG_MAX - 1);
    assert_int_equal(err.msg[0], 'A');
    assert_int_equal(err.msg[MNP_ERROR_MSG_MAX - 2], 'x');
    assert_int_equal(err.code, MNP_ELIMIT);
}

static void test_clear(void **state)
{
    (void)state;
    mnp_error_t err;
    (void)mnp_error_set(&err, MNP_EFORMAT, "broken");
    mnp_error_clear(&err);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.msg, "");
}

static void test_from_errno(void **state)
{
    (void)state;
    assert_int_equal(mnp_error_from_errno(ENOMEM), MNP_ENOMEM);
    assert_int_equal(mnp_error_from_errno(ENOENT), MNP_ENOENT);
    assert_int_equal(mnp_error_from_errno(EEXIST), MNP_EEXIST);
    assert_int_equal(mnp_error_from_errno(EINVAL), MNP_EINVAL);
    assert_int_equal(mnp_error_from_errno(EACCES), MNP_EIO);
    assert_int_equal(mnp_error_from_errno(ENOSPC), MNP_EIO);
    assert_int_equal(mnp_error_from_errno(0), MNP_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_every_code),
        cmocka_unit_test(test_descriptions_distinct),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_set_formats_and_returns_code),
        cmocka_unit_test(test_set_null_err),
        cmocka_unit_test(test_set_truncates),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_from_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
