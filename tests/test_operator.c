/*
 * Tests of the operator codes: code and name of each operator, parsing back, and refusal of
 * lower case, prefixes, longer strings and values outside the enum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "mnp/operator.h"

static void test_codes_and_names(void **state)
{
    (void)state;
    static const struct {
        mnp_operator_t op;
        const char *code, *name;
    } ops[] = {
        {MNP_OP_CMCC, "CMCC", "China Mobile"},
        {MNP_OP_CUCC, "CUCC", "China Unicom"},
        {MNP_OP_CTCC, "CTCC", "China Telecom"},
        {MNP_OP_CBN, "CBN", "China Broadnet"},
    };
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(mnp_operator_code(ops[i].op), ops[i].code);
        assert_string_equal(mnp_operator_name(ops[i].op), ops[i].name);
        assert_true(strlen(ops[i].code) < MNP_OP_CODE_MAX);
        assert_int_equal(mnp_operator_parse(ops[i].code, strlen(ops[i].code)), ops[i].op);
    }
    assert_string_equal(mnp_operator_code(MNP_OP_NONE), "");
    assert_string_equal(mnp_operator_name(MNP_OP_NONE), "");
    assert_string_equal(mnp_operator_code((mnp_operator_t)MNP_OP_COUNT), "");
    assert_string_equal(mnp_operator_name((mnp_operator_t)-1), "");
}

static void test_parse_refuses(void **state)
{
    (void)state;
    assert_int_equal(mnp_operator_parse("cmcc", 4), MNP_OP_NONE);
    assert_int_equal(mnp_operator_parse("CMC", 3), MNP_OP_NONE);
    assert_int_equal(mnp_operator_parse("CMCCX", 5), MNP_OP_NONE);
    assert_int_equal(mnp_operator_parse(" CMCC", 5), MNP_OP_NONE);
    assert_int_equal(mnp_operator_parse("", 0), MNP_OP_NONE);
    assert_int_equal(mnp_operator_parse(NULL, 0), MNP_OP_NONE);
    assert_int_equal(mnp_operator_parse("China Mobile", 12), MNP_OP_NONE);
    /* Only len bytes count. */
    assert_int_equal(mnp_operator_parse("CBNX", 3), MNP_OP_CBN);
    assert_int_equal(mnp_operator_parse("CTCC", 3), MNP_OP_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_and_names),
        cmocka_unit_test(test_parse_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
