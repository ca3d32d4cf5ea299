/*
 * Tests of identity-number checking (GB 11643-1999): examples whose check characters were
 * computed by hand, lower-case x, every refusal reason, birth dates at the edges of months, leap
 * years and the accepted year range, and every wrong check character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mnp/idcard.h"

static mnp_idcard_reason_t validate(const char *s)
{
    mnp_idcard_reason_t why = MNP_IDCARD_OK;
    int rc = mnp_idcard_validate(s, strlen(s), NULL, &why);
    assert_int_equal(rc, why == MNP_IDCARD_OK ? 0 : MNP_EINVAL);
    return why;
}

/* Builds an identity number for area 110101, birth date date8 and sequence 001, with the correct
 * check character, so that only the date decides validity. */
static void make_id(const char *date8, char out[MNP_IDCARD_LEN + 1])
{
    snprintf(out, MNP_IDCARD_LEN + 1, "110101%s001?", date8);
    out[17] = mnp_idcard_check_char(out);
    assert_true(out[17] != '?');
}

static void test_valid_examples(void **state)
{
    (void)state;
    /* Sum for 11010519491231002: 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2
     * -> 'X'. This is the example printed in GB 11643-1999. */
    assert_int_equal(mnp_idcard_check_char("11010519491231002"), 'X');
    assert_int_equal(validate("11010519491231002X"), MNP_IDCARD_OK);
    /* Sum for 11010119800101001: 7+9+5+4+2+9+48+9+5+2 = 100; 100 mod 11 = 1 -> '0'. */
    assert_int_equal(mnp_idcard_check_char("11010119800101001"), '0');
    assert_int_equal(validate("110101198001010010"), MNP_IDCARD_OK);
    /* Sum for 11010119800101003: 100 + 2*2 = 104; 104 mod 11 = 5 -> '7'. */
    assert_int_equal(validate("110101198001010037"), MNP_IDCARD_OK);
    /* Also from GB 11643-1999, with a right check character, but born in 1880: outside the
     * accepted years 1900-2100. */
    assert_int_equal(mnp_idcard_check_char("44052418800101001"), '4');
    assert_int_equal(validate("440524188001010014"), MNP_IDCARD_BAD_DATE);
    assert_int_equal(validate("430102200002291230"), MNP_IDCARD_OK); /* 2000-02-29 */
    assert_int_equal(validate("430102199602290017"), MNP_IDCARD_OK); /* 1996-02-29 */
    assert_int_equal(validate("110101190001010006"), MNP_IDCARD_OK); /* first accepted year */
    assert_int_equal(validate("110101210012319995"), MNP_IDCARD_OK); /* last accepted year */
    assert_int_equal(validate("320106198510154320"), MNP_IDCARD_OK);
}

static void test_lower_case_x(void **state)
{
    (void)state;
    char canon[MNP_IDCARD_LEN + 1];
    mnp_idcard_reason_t why = MNP_IDCARD_BAD_CHAR;
    memset(canon, '#', sizeof(canon));
    assert_int_equal(mnp_idcard_validate("11010519491231002x", 18, canon, &why), 0);
    assert_int_equal(why, MNP_IDCARD_OK);
    assert_string_equal(canon, "11010519491231002X");
    assert_int_equal(mnp_idcard_validate("110101198001010010", 18, canon, &why), 0);
    assert_string_equal(canon, "110101198001010010");
    /* A NULL canon and a NULL why are allowed. */
    assert_int_equal(mnp_idcard_validate("11010519491231002X", 18, NULL, NULL), 0);
    assert_int_equal(mnp_idcard_validate("11010519491231002Y", 18, NULL, NULL), MNP_EINVAL);
}

static void test_bad_length(void **state)
{
    (void)state;
    assert_int_equal(validate(""), MNP_IDCARD_BAD_LENGTH);
    assert_int_equal(validate("11010519491231002"), MNP_IDCARD_BAD_LENGTH);
    assert_int_equal(validate("11010519491231002X1"), MNP_IDCARD_BAD_LENGTH);
    assert_int_equal(validate(" 11010519491231002X"), MNP_IDCARD_BAD_LENGTH);
    /* 15-digit first-generation numbers are not accepted. */
    assert_int_equal(validate("110105491231002"), MNP_IDCARD_BAD_LENGTH);
    mnp_idcard_reason_t why = MNP_IDCARD_OK;
    assert_int_equal(mnp_idcard_validate(NULL, 0, NULL, &why), MNP_EINVAL);
    assert_int_equal(why, MNP_IDCARD_BAD_LENGTH);
    /* Only len bytes count. */
    assert_int_equal(mnp_idcard_validate("11010519491231002X99", 18, NULL, &why), 0);
}

static void test_bad_char(void **state)
{
    (void)state;
    assert_int_equal(validate("1101051949123100XX"), MNP_IDCARD_BAD_CHAR);
    assert_int_equal(validate("X10105194912310020"), MNP_IDCARD_BAD_CHAR);
    assert_int_equal(validate("11010519491231002Y"), MNP_IDCARD_BAD_CHAR);
    assert_int_equal(validate("11010519491231002 "), MNP_IDCARD_BAD_CHAR);
    assert_int_equal(validate(" 1010519491231002X"), MNP_IDCARD_BAD_CHAR);
    assert_int_equal(validate("110105-9491231002X"), MNP_IDCARD_BAD_CHAR);
    assert_int_equal(validate("11010519491231002\xef"), MNP_IDCARD_BAD_CHAR);
    mnp_idcard_reason_t why = MNP_IDCARD_OK;
    assert_int_equal(mnp_idcard_validate("1101051949\0"
                                         "1231002X",
                                         18, NULL, &why),
                     MNP_EINVAL);
    assert_int_equal(why, MNP_IDCARD_BAD_CHAR);
}

static void test_dates(void **state)
{
    (void)state;
    static const struct {
        const char *date;
        mnp_idcard_reason_t want;
    } cases[] = {
        {"19000101", MNP_IDCARD_OK},       {"18991231", MNP_IDCARD_BAD_DATE},
        {"21001231", MNP_IDCARD_OK},       {"21010101", MNP_IDCARD_BAD_DATE},
        {"19000229", MNP_IDCARD_BAD_DATE}, /* 1900 is not a leap year (divisible by 100) */
        {"20000229", MNP_IDCARD_OK},       /* 2000 is (divisible by 400) */
        {"21000229", MNP_IDCARD_BAD_DATE}, {"20040229", MNP_IDCARD_OK},
        {"20010229", MNP_IDCARD_BAD_DATE}, {"20010228", MNP_IDCARD_OK},
        {"20040230", MNP_IDCARD_BAD_DATE}, {"19800131", MNP_IDCARD_OK},
        {"19800132", MNP_IDCARD_BAD_DATE}, {"19800430", MNP_IDCARD_OK},
        {"19800431", MNP_IDCARD_BAD_DATE}, {"19800631", MNP_IDCARD_BAD_DATE},
        {"19800931", MNP_IDCARD_BAD_DATE}, {"19801131", MNP_IDCARD_BAD_DATE},
        {"19801231", MNP_IDCARD_OK},       {"19800731", MNP_IDCARD_OK},
        {"19800831", MNP_IDCARD_OK},       {"19800001", MNP_IDCARD_BAD_DATE},
        {"19801301", MNP_IDCARD_BAD_DATE}, {"19800100", MNP_IDCARD_BAD_DATE},
        {"19809901", MNP_IDCARD_BAD_DATE}, {"00000000", MNP_IDCARD_BAD_DATE},
        {"99999999", MNP_IDCARD_BAD_DATE},
    };
    char id[MNP_IDCARD_LEN + 1];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        make_id(cases[i].date, id);
        mnp_idcard_reason_t why = validate(id);
        if (why != cases[i].want)
            fail_msg("%s (date %s): reason %d, expected %d", id, cases[i].date, why, cases[i].want);
    }
}

static void test_bad_checksum(void **state)
{
    (void)state;
    assert_int_equal(validate("110105194912310021"), MNP_IDCARD_BAD_CHECKSUM);
    assert_int_equal(validate("320106198510154321"), MNP_IDCARD_BAD_CHECKSUM);
    /* Every check character but the right one is refused. */
    const char *alphabet = "0123456789X";
    char id[MNP_IDCARD_LEN + 1] = "11010519491231002X";
    int accepted = 0;
    for (size_t i = 0; alphabet[i] != '\0'; i++) {
        id[17] = alphabet[i];
        mnp_idcard_reason_t why = validate(id);
        if (why == MNP_IDCARD_OK)
            accepted++;
        else
            assert_int_equal(why, MNP_IDCARD_BAD_CHECKSUM);
    }
    assert_int_equal(accepted, 1);
    /* A transposition of two digits is caught. */
    assert_int_equal(validate("11010519491213002X"), MNP_IDCARD_BAD_CHECKSUM);
    /* The date is checked before the checksum. */
    assert_int_equal(validate("110105194902300021"), MNP_IDCARD_BAD_DATE);
}

static void test_check_char(void **state)
{
    (void)state;
    assert_int_equal(mnp_idcard_check_char("1101051949123100A"), '?');
    /* Stops at the NUL of a short string instead of reading past it. */
    assert_int_equal(mnp_idcard_check_char("123"), '?');
    assert_int_equal(mnp_idcard_check_char("00000000000000000"), '1');
}

static void test_reason_strings(void **state)
{
    (void)state;
    const mnp_idcard_reason_t all[] = {MNP_IDCARD_OK, MNP_IDCARD_BAD_LENGTH, MNP_IDCARD_BAD_CHAR,
                                       MNP_IDCARD_BAD_DATE, MNP_IDCARD_BAD_CHECKSUM};
    for (size_t i = 0; i < 5; i++) {
        const char *s = mnp_idcard_reason_str(all[i]);
        assert_true(strlen(s) > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, mnp_idcard_reason_str(all[j]));
    }
    assert_string_equal(mnp_idcard_reason_str((mnp_idcard_reason_t)42), "unknown reason");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_examples), cmocka_unit_test(test_lower_case_x),
        cmocka_unit_test(test_bad_length),     cmocka_unit_test(test_bad_char),
        cmocka_unit_test(test_dates),          cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_check_char),     cmocka_unit_test(test_reason_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
