/*
 * Tests of number parsing (SPEC.md §2): every accepted written form of 11-digit mobile and
 * 13-digit IoT numbers, every refusal reason, the input-length bound, reading no byte past len,
 * reason names and formatting back to E.164 digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mnp/number.h"

static void expect_ok_len(const char *s, size_t len, uint64_t e164, int national_len)
{
    mnp_number_t n = {0};
    mnp_number_reason_t why = MNP_NUMBER_EMPTY;
    int rc = mnp_number_parse(s, len, &n, &why);
    if (rc != 0)
        fail_msg("\"%.*s\" refused: %s", (int)len, s, mnp_number_reason_name(why));
    assert_int_equal(why, MNP_NUMBER_OK);
    if (n.e164 != e164)
        fail_msg("\"%.*s\" parsed as %llu, expected %llu", (int)len, s, (unsigned long long)n.e164,
                 (unsigned long long)e164);
    assert_int_equal(n.national_len, national_len);
}

static void expect_ok(const char *s, uint64_t e164, int national_len)
{
    expect_ok_len(s, strlen(s), e164, national_len);
}

static void expect_refused_len(const char *s, size_t len, mnp_number_reason_t want)
{
    mnp_number_t n = {0};
    mnp_number_reason_t why = MNP_NUMBER_OK;
    int rc = mnp_number_parse(s, len, &n, &why);
    if (rc != MNP_EINVAL || why != want)
        fail_msg("\"%.*s\": rc %d reason %s, expected %s", (int)len, s, rc,
                 mnp_number_reason_name(why), mnp_number_reason_name(want));
}

static void expect_refused(const char *s, mnp_number_reason_t want)
{
    expect_refused_len(s, strlen(s), want);
}

static void test_national_forms(void **state)
{
    (void)state;
    const uint64_t v = 8613012345678ull;
    expect_ok("13012345678", v, 11);
    expect_ok("+8613012345678", v, 11);
    expect_ok("008613012345678", v, 11);
    expect_ok("8613012345678", v, 11);
    expect_ok("86 130 1234 5678", v, 11);
    expect_ok("+86 130 1234 5678", v, 11);
    expect_ok("0086 130 1234 5678", v, 11);
    expect_ok("130-1234-5678", v, 11);
    expect_ok("130 1234 5678", v, 11);
    expect_ok("+86-130-1234-5678", v, 11);
    expect_ok("130 - 1234 - 5678", v, 11);
    expect_ok("1 3 0 1 2 3 4 5 6 7 8", v, 11);
    expect_ok("  13012345678  ", v, 11);
    expect_ok("\t+8613012345678\t", v, 11);
    expect_ok("+ 86 13012345678", v, 11);
    expect_ok("130\t1234\t5678", v, 11);
    /* Every network code range parses; the plan, not the parser, decides what is allocated. */
    expect_ok("19212345678", 8619212345678ull, 11);
    expect_ok("10012345678", 8610012345678ull, 11);
    expect_ok("19999999999", 8619999999999ull, 11);
    expect_ok("10000000000", 8610000000000ull, 11);
}

static void test_iot_forms(void **state)
{
    (void)state;
    const uint64_t v = 861064812345678ull;
    expect_ok("1064812345678", v, 13);
    expect_ok("+861064812345678", v, 13);
    expect_ok("00861064812345678", v, 13);
    expect_ok("861064812345678", v, 13);
    expect_ok("86 1064 8123 45678", v, 13);
    expect_ok("1064-8123-45678", v, 13);
    expect_ok(" 1064812345678 ", v, 13);
    expect_ok("1440123456789", 861440123456789ull, 13);
    expect_ok("1449999999999", 861449999999999ull, 13);
    expect_ok("1460123456789", 861460123456789ull, 13);
    expect_ok("+86 148 0123 456789", 861480123456789ull, 13);
    expect_ok("1000000000000", 861000000000000ull, 13);
}

static void test_eighty_six_is_country_code(void **state)
{
    (void)state;
    /* 13 digits starting with 86 are international: no IoT number starts with 8. */
    expect_ok("8618612345678", 8618612345678ull, 11);
    /* 86 followed by a 13-digit IoT number. */
    expect_ok("861440123456789", 861440123456789ull, 13);
    /* A national number whose subscriber digits contain 86 is still national. */
    expect_ok("18686868686", 8618686868686ull, 11);
}

static void test_refuse_empty(void **state)
{
    (void)state;
    expect_refused("", MNP_NUMBER_EMPTY);
    expect_refused(" ", MNP_NUMBER_EMPTY);
    expect_refused("   \t  ", MNP_NUMBER_EMPTY);
    expect_refused_len(NULL, 0, MNP_NUMBER_EMPTY);
}

static void test_refuse_bad_char(void **state)
{
    (void)state;
    expect_refused("1301234567a", MNP_NUMBER_BAD_CHAR);
    expect_refused("abc", MNP_NUMBER_BAD_CHAR);
    expect_refused("130+12345678", MNP_NUMBER_BAD_CHAR);
    expect_refused("++8613012345678", MNP_NUMBER_BAD_CHAR);
    expect_refused("8613012345678+", MNP_NUMBER_BAD_CHAR);
    expect_refused("#13012345678", MNP_NUMBER_BAD_CHAR);
    expect_refused("13012345678#", MNP_NUMBER_BAD_CHAR);
    expect_refused("*13012345678", MNP_NUMBER_BAD_CHAR);
    /* Full-width digits (U+FF10..U+FF19) as a whole and in one position. */
    expect_refused("\xef\xbc\x91\xef\xbc\x93\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93"
                   "\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98",
                   MNP_NUMBER_BAD_CHAR);
    expect_refused("1301234567\xef\xbc\x98", MNP_NUMBER_BAD_CHAR);
    /* Ideographic (full-width) space. */
    expect_refused("130\xe3\x80\x80"
                   "12345678",
                   MNP_NUMBER_BAD_CHAR);
    expect_refused("-13012345678", MNP_NUMBER_BAD_CHAR);
    expect_refused("13012345678-", MNP_NUMBER_BAD_CHAR);
    expect_refused("13012345678 -", MNP_NUMBER_BAD_CHAR);
    expect_refused("130--1234-5678", MNP_NUMBER_BAD_CHAR);
    expect_refused("130- -1234-5678", MNP_NUMBER_BAD_CHAR);
    expect_refused("+-8613012345678", MNP_NUMBER_BAD_CHAR);
    expect_refused("-", MNP_NUMBER_BAD_CHAR);
    expect_refused("130.1234.5678", MNP_NUMBER_BAD_CHAR);
    expect_refused("(130)12345678", MNP_NUMBER_BAD_CHAR);
    expect_refused("130\n12345678", MNP_NUMBER_BAD_CHAR);
    expect_refused("13012345678\r", MNP_NUMBER_BAD_CHAR);
    expect_refused_len("130\0"
                       "12345678",
                       12, MNP_NUMBER_BAD_CHAR);
    expect_refused("\x80", MNP_NUMBER_BAD_CHAR);
}

static void test_refuse_too_short(void **state)
{
    (void)state;
    expect_refused("1301234567", MNP_NUMBER_TOO_SHORT);
    expect_refused("130 1234 567", MNP_NUMBER_TOO_SHORT);
    expect_refused("1", MNP_NUMBER_TOO_SHORT);
    expect_refused("0", MNP_NUMBER_TOO_SHORT);
    expect_refused("+", MNP_NUMBER_TOO_SHORT);
    expect_refused("+8", MNP_NUMBER_TOO_SHORT);
    expect_refused("+86", MNP_NUMBER_TOO_SHORT);
    expect_refused("86", MNP_NUMBER_TOO_SHORT);
    expect_refused("00", MNP_NUMBER_TOO_SHORT);
    expect_refused("008", MNP_NUMBER_TOO_SHORT);
    expect_refused("0086", MNP_NUMBER_TOO_SHORT);
    expect_refused("861301234567", MNP_NUMBER_TOO_SHORT);
    expect_refused("+86 130 1234 567", MNP_NUMBER_TOO_SHORT);
    expect_refused("0086130123456", MNP_NUMBER_TOO_SHORT);
    /* A landline number without its area code is judged by length first. */
    expect_refused("12345678", MNP_NUMBER_TOO_SHORT);
}

static void test_refuse_too_long(void **state)
{
    (void)state;
    expect_refused("130123456789", MNP_NUMBER_TOO_LONG);
    expect_refused("13012345678 9", MNP_NUMBER_TOO_LONG);
    expect_refused("+86130123456789", MNP_NUMBER_TOO_LONG);
    expect_refused("0086130123456789", MNP_NUMBER_TOO_LONG);
    /* 13 digits, but not an IoT prefix (10, 14). */
    expect_refused("1301234567890", MNP_NUMBER_TOO_LONG);
    expect_refused("1501234567890", MNP_NUMBER_TOO_LONG);
    expect_refused("+861301234567890", MNP_NUMBER_TOO_LONG);
    expect_refused("10648123456789", MNP_NUMBER_TOO_LONG);
    expect_refused("+8610648123456789", MNP_NUMBER_TOO_LONG);
    expect_refused("00861064812345678 9", MNP_NUMBER_TOO_LONG);
    expect_refused("1234567890123456789012345678901234567890", MNP_NUMBER_TOO_LONG);
}

static void test_input_bound(void **state)
{
    (void)state;
    char buf[MNP_NUMBER_INPUT_MAX + 2];
    /* Exactly MNP_NUMBER_INPUT_MAX bytes: a number and spaces, accepted. */
    memset(buf, ' ', sizeof(buf));
    memcpy(buf + 10, "13012345678", 11);
    expect_ok_len(buf, MNP_NUMBER_INPUT_MAX, 8613012345678ull, 11);
    /* One byte more is refused before it is looked at, whatever it holds. */
    expect_refused_len(buf, MNP_NUMBER_INPUT_MAX + 1, MNP_NUMBER_TOO_LONG);
    memset(buf, ' ', sizeof(buf));
    expect_refused_len(buf, MNP_NUMBER_INPUT_MAX + 1, MNP_NUMBER_TOO_LONG);
    expect_refused_len(buf, MNP_NUMBER_INPUT_MAX, MNP_NUMBER_EMPTY);
}

static void test_refuse_bad_country(void **state)
{
    (void)state;
    expect_refused("+16505551234", MNP_NUMBER_BAD_COUNTRY);
    expect_refused("+1 650 555 1234", MNP_NUMBER_BAD_COUNTRY);
    expect_refused("+442071234567", MNP_NUMBER_BAD_COUNTRY);
    expect_refused("+85212345678", MNP_NUMBER_BAD_COUNTRY);
    expect_refused("+87", MNP_NUMBER_BAD_COUNTRY);
    expect_refused("+9", MNP_NUMBER_BAD_COUNTRY);
    expect_refused("0014155552671", MNP_NUMBER_BAD_COUNTRY);
    expect_refused("00852 1234 5678", MNP_NUMBER_BAD_COUNTRY);
    expect_refused("001", MNP_NUMBER_BAD_COUNTRY);
    /* "+" already announces the country code: "00" after it is not 86. */
    expect_refused("+008613012345678", MNP_NUMBER_BAD_COUNTRY);
    expect_refused("+13012345678", MNP_NUMBER_BAD_COUNTRY);
}

static void test_refuse_not_mobile(void **state)
{
    (void)state;
    expect_refused("02012345678", MNP_NUMBER_NOT_MOBILE);
    expect_refused("020-1234-5678", MNP_NUMBER_NOT_MOBILE);
    expect_refused("07311234567", MNP_NUMBER_NOT_MOBILE);
    expect_refused("+86 20 1234 5678 9", MNP_NUMBER_NOT_MOBILE);
    expect_refused("8602012345678", MNP_NUMBER_NOT_MOBILE);
    expect_refused("0755 1234 56789", MNP_NUMBER_NOT_MOBILE);
    expect_refused("0201234567890", MNP_NUMBER_NOT_MOBILE);
    expect_refused("23012345678", MNP_NUMBER_NOT_MOBILE);
    expect_refused("93012345678", MNP_NUMBER_NOT_MOBILE);
}

static void test_reads_only_len(void **state)
{
    (void)state;
    /* The bytes after len would make the number too long or bad; they must not be read. */
    const char *s = "13012345678999";
    expect_ok_len(s, 11, 8613012345678ull, 11);
    expect_ok_len("13012345678abc", 11, 8613012345678ull, 11);
    expect_refused_len("13012345678", 10, MNP_NUMBER_TOO_SHORT);
    expect_refused_len("13012345678", 0, MNP_NUMBER_EMPTY);
}

static void test_why_may_be_null(void **state)
{
    (void)state;
    mnp_number_t n;
    assert_int_equal(mnp_number_parse("13012345678", 11, &n, NULL), 0);
    assert_int_equal(n.e164, 8613012345678ull);
    assert_int_equal(mnp_number_parse("abc", 3, &n, NULL), MNP_EINVAL);
}

static void test_reason_strings(void **state)
{
    (void)state;
    const mnp_number_reason_t all[] = {
        MNP_NUMBER_OK,       MNP_NUMBER_EMPTY,       MNP_NUMBER_BAD_CHAR,   MNP_NUMBER_TOO_SHORT,
        MNP_NUMBER_TOO_LONG, MNP_NUMBER_BAD_COUNTRY, MNP_NUMBER_NOT_MOBILE,
    };
    const size_t count = sizeof(all) / sizeof(all[0]);
    for (size_t i = 0; i < count; i++) {
        const char *name = mnp_number_reason_name(all[i]);
        const char *str = mnp_number_reason_str(all[i]);
        assert_non_null(name);
        assert_non_null(str);
        assert_true(strlen(name) > 0 && strlen(str) > 0);
        assert_string_not_equal(name, "unknown");
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(name, mnp_number_reason_name(all[j]));
            assert_string_not_equal(str, mnp_number_reason_str(all[j]));
        }
    }
    assert_string_equal(mnp_number_reason_name(MNP_NUMBER_TOO_SHORT), "too_short");
    assert_string_equal(mnp_number_reason_name(MNP_NUMBER_NOT_MOBILE), "not_mobile");
    assert_string_equal(mnp_number_reason_str(MNP_NUMBER_TOO_SHORT), "too short");
    assert_string_equal(mnp_number_reason_str(MNP_NUMBER_NOT_MOBILE), "not a mobile number");
    assert_string_equal(mnp_number_reason_name((mnp_number_reason_t)99), "unknown");
    assert_non_null(mnp_number_reason_str((mnp_number_reason_t)-1));
}

static void test_format(void **state)
{
    (void)state;
    char buf[MNP_NUMBER_STR_SIZE];
    mnp_number_t n;
    const char *forms[] = {"+86 130-1234-5678", "1064812345678", "008619912345678"};
    const char *want[] = {"8613012345678", "861064812345678", "8619912345678"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(mnp_number_parse(forms[i], strlen(forms[i]), &n, NULL), 0);
        assert_ptr_equal(mnp_number_format(&n, buf), buf);
        assert_string_equal(buf, want[i]);
        /* The canonical digits parse back to the same number. */
        mnp_number_t again;
        assert_int_equal(mnp_number_parse(buf, strlen(buf), &again, NULL), 0);
        assert_int_equal(again.e164, n.e164);
        assert_int_equal(again.national_len, n.national_len);
    }
    n.e164 = 0;
    assert_string_equal(mnp_number_format(&n, buf), "0");
    n.e164 = 999999999999999ull; /* 15 digits: the largest that fits */
    assert_string_equal(mnp_number_format(&n, buf), "999999999999999");
    n.e164 = 1000000000000000ull; /* 16 digits do not fit: empty, not an overflow */
    assert_string_equal(mnp_number_format(&n, buf), "");
}

static void test_national(void **state)
{
    (void)state;
    mnp_number_t n;
    assert_int_equal(mnp_number_parse("+8613012345678", 14, &n, NULL), 0);
    assert_int_equal(mnp_number_national(&n), 13012345678ull);
    assert_int_equal(mnp_number_parse("1440123456789", 13, &n, NULL), 0);
    assert_int_equal(mnp_number_national(&n), 1440123456789ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_national_forms),
        cmocka_unit_test(test_iot_forms),
        cmocka_unit_test(test_eighty_six_is_country_code),
        cmocka_unit_test(test_refuse_empty),
        cmocka_unit_test(test_refuse_bad_char),
        cmocka_unit_test(test_refuse_too_short),
        cmocka_unit_test(test_refuse_too_long),
        cmocka_unit_test(test_input_bound),
        cmocka_unit_test(test_refuse_bad_country),
        cmocka_unit_test(test_refuse_not_mobile),
        cmocka_unit_test(test_reads_only_len),
        cmocka_unit_test(test_why_may_be_null),
        cmocka_unit_test(test_reason_strings),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_national),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
