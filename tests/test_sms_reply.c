/*
 * Tests for the gateway's Chinese SMS replies (SPEC.md §3): exact texts for an eligible answer
 * (with and without services and balance), one to five unmet conditions in code order with their
 * amounts, dates and agreements, E07 and E06 alone, the code reply on either side of Beijing
 * midnight, the help text, and the yuan and Beijing-date helpers at their edges (0.05元,
 * 1234.00元, the int64 extremes, the UTC/Beijing day boundary, leap days, before 1970), and
 * instants at the ends of int64 without overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mnp/order.h"
#include "mnp/sms_reply.h"

/* Instants in Beijing time (UTC+8), as milliseconds since the epoch. */
#define T_2026_01_01      INT64_C(1767196800000) /* 2026-01-01 00:00 */
#define T_2027_03_15      INT64_C(1805040000000) /* 2027-03-15 00:00 (14 March 16:00 UTC) */
#define T_2027_03_15_1000 INT64_C(1805076000000) /* 2027-03-15 10:00 */
#define T_2027_03_15_1430 INT64_C(1805092200000) /* 2027-03-15 14:30 */
#define T_2027_03_16_0030 INT64_C(1805128200000) /* 2027-03-16 00:30 */
#define T_2027_06_29      INT64_C(1814198400000) /* 2027-06-29 00:00 */
#define T_2027_07_01      INT64_C(1814371200000) /* 2027-07-01 00:00 */
#define T_2028_01_01      INT64_C(1830268800000) /* 2028-01-01 00:00 */
#define T_2028_02_29_1200 INT64_C(1835409600000) /* 2028-02-29 12:00 */

static const mnp_reply_ctx_t unicom = {.operator_name = "中国联通", .service_number = "10010"};

/* Runs one reply writer into a fresh buffer and compares the whole text. */
#define ASSERT_REPLY(expected, call)                                                               \
    do {                                                                                           \
        mnp_buf_t out_;                                                                            \
        mnp_buf_init(&out_, 4096);                                                                 \
        mnp_buf_t *out = &out_;                                                                    \
        call;                                                                                      \
        assert_int_equal(mnp_buf_error(out), 0);                                                   \
        assert_non_null(out->data);                                                                \
        assert_string_equal(out->data, expected);                                                  \
        mnp_buf_fini(out);                                                                         \
    } while (0)

static void agreement_init(mnp_agreement_t *a, const char *name, int64_t end_ms, int64_t fee_fen)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->name, sizeof(a->name), "%s", name);
    a->start_ms = T_2026_01_01;
    a->end_ms = end_ms;
    a->fee_fen = fee_fen;
    a->has_term = true;
}

static void test_yuan(void **state)
{
    (void)state;
    char s[32];
    assert_string_equal(mnp_reply_yuan(0, s, sizeof(s)), "0.00元");
    assert_string_equal(mnp_reply_yuan(5, s, sizeof(s)), "0.05元");
    assert_string_equal(mnp_reply_yuan(50, s, sizeof(s)), "0.50元");
    assert_string_equal(mnp_reply_yuan(1250, s, sizeof(s)), "12.50元");
    assert_string_equal(mnp_reply_yuan(123400, s, sizeof(s)), "1234.00元");
    assert_string_equal(mnp_reply_yuan(-5, s, sizeof(s)), "-0.05元");
    assert_string_equal(mnp_reply_yuan(INT64_MAX, s, sizeof(s)), "92233720368547758.07元");
    assert_string_equal(mnp_reply_yuan(INT64_MIN, s, sizeof(s)), "-92233720368547758.08元");
    /* Too small a buffer is cut, never overrun. */
    char tiny[4];
    memset(tiny, 'z', sizeof(tiny));
    mnp_reply_yuan(123400, tiny, sizeof(tiny));
    assert_string_equal(tiny, "123");
}

static void test_date(void **state)
{
    (void)state;
    char s[32];
    /* Beijing midnight is 16:00 UTC of the day before. */
    assert_string_equal(mnp_reply_date(T_2027_03_15, s, sizeof(s)), "2027年3月15日");
    assert_string_equal(mnp_reply_date(T_2027_03_15 - 1, s, sizeof(s)), "2027年3月14日");
    assert_string_equal(mnp_reply_date(T_2027_03_15 + 86399999, s, sizeof(s)), "2027年3月15日");
    assert_string_equal(mnp_reply_date(T_2027_03_15 + 86400000, s, sizeof(s)), "2027年3月16日");
    assert_string_equal(mnp_reply_date(T_2028_02_29_1200, s, sizeof(s)), "2028年2月29日");
    assert_string_equal(mnp_reply_date(T_2028_01_01 - 1, s, sizeof(s)), "2027年12月31日");
    /* The epoch was already 08:00 in Beijing; before 1970 works too. */
    assert_string_equal(mnp_reply_date(0, s, sizeof(s)), "1970年1月1日");
    assert_string_equal(mnp_reply_date(-1, s, sizeof(s)), "1970年1月1日");
    assert_string_equal(mnp_reply_date(-8 * MNP_MS_PER_HOUR, s, sizeof(s)), "1970年1月1日");
    assert_string_equal(mnp_reply_date(-8 * MNP_MS_PER_HOUR - 1, s, sizeof(s)), "1969年12月31日");
}

static void test_eligible(void **state)
{
    (void)state;
    mnp_elig_result_t r = {.eligible = true};
    const char *const services[] = {"副卡", "", "宽带融合套餐"};
    mnp_reply_ctx_t ctx = unicom;
    ctx.services = services;
    ctx.nservices = 3;
    ctx.balance_fen = 1250;
    ASSERT_REPLY("【中国联通】您的号码满足携号转网条件。\n"
                 "携转后将终止：副卡、宽带融合套餐。\n"
                 "账户余额12.50元，可在携转前用完或申请退还。\n"
                 "如需办理，请发送SQXZ#姓名#证件号码至10010获取授权码。",
                 mnp_reply_eligibility(&r, &ctx, out));
    /* No services and no balance: nothing to list. */
    ASSERT_REPLY("【中国联通】您的号码满足携号转网条件。\n"
                 "如需办理，请发送SQXZ#姓名#证件号码至10010获取授权码。",
                 mnp_reply_eligibility(&r, &unicom, out));
    /* One service, and a balance of a few fen still counts. */
    ctx.nservices = 1;
    ctx.balance_fen = 5;
    ctx.operator_name = "中国移动";
    ctx.service_number = "10086";
    ASSERT_REPLY("【中国移动】您的号码满足携号转网条件。\n"
                 "携转后将终止：副卡。\n"
                 "账户余额0.05元，可在携转前用完或申请退还。\n"
                 "如需办理，请发送SQXZ#姓名#证件号码至10086获取授权码。",
                 mnp_reply_eligibility(&r, &ctx, out));
}

static void test_three_blockers(void **state)
{
    (void)state;
    mnp_agreement_t a;
    agreement_init(&a, "畅享套餐24个月", T_2027_07_01, 30000);
    mnp_elig_result_t r = {.unpaid_fen = 1250, .status = MNP_SUB_SUSPENDED, .nblocking = 1};
    r.unmet[2] = r.unmet[3] = r.unmet[4] = true;
    r.blocking[0] = &a;
    ASSERT_REPLY("【中国联通】您的号码暂不满足携号转网条件：\n"
                 "1.号码处于停机状态，请先办理复机；\n"
                 "2.有已出账未缴费用12.50元，请先缴清；\n"
                 "3.在网约定「畅享套餐24个月」至2027年6月30日，可到营业厅缴纳违约金300.00元解除。\n"
                 "办妥后请发送CXXZ#姓名#证件号码至10010重新查询。",
                 mnp_reply_eligibility(&r, &unicom, out));
}

static void test_five_blockers(void **state)
{
    (void)state;
    mnp_agreement_t a[2];
    agreement_init(&a[0], "合约A", T_2027_07_01, 123400);
    agreement_init(&a[1], "合约B", T_2028_01_01, 0);
    mnp_elig_result_t r = {.registration = MNP_REG_COMPANY,
                           .status = MNP_SUB_LOST,
                           .unpaid_fen = 5,
                           .blocking = {&a[0], &a[1]},
                           .nblocking = 2,
                           .port_again_ms = T_2027_06_29};
    for (int code = 1; code <= 5; code++)
        r.unmet[code] = true;
    ASSERT_REPLY("【中国联通】您的号码暂不满足携号转网条件：\n"
                 "1.号码登记在单位名下，请先办理过户到个人名下；\n"
                 "2.号码处于挂失状态，请先办理解挂；\n"
                 "3.有已出账未缴费用0.05元，请先缴清；\n"
                 "4.在网约定「合约A」（至2027年6月30日，违约金1234.00元）、"
                 "「合约B」（至2027年12月31日，无违约金），可到营业厅办理解除；\n"
                 "5.距上次携转不足120天，2027年6月29日起可办理。\n"
                 "办妥后请发送CXXZ#姓名#证件号码至10010重新查询。",
                 mnp_reply_eligibility(&r, &unicom, out));
}

static void test_single_conditions(void **state)
{
    (void)state;
    mnp_elig_result_t r = {.registration = MNP_REG_NONE};
    r.unmet[1] = true;
    ASSERT_REPLY("【中国联通】您的号码暂不满足携号转网条件：\n"
                 "1.号码未实名登记，请本人持身份证件到营业厅办理实名登记。\n"
                 "办妥后请发送CXXZ#姓名#证件号码至10010重新查询。",
                 mnp_reply_eligibility(&r, &unicom, out));

    mnp_agreement_t a;
    agreement_init(&a, "校园卡", T_2027_07_01, 0);
    r = (mnp_elig_result_t){.blocking = {&a}, .nblocking = 1};
    r.unmet[4] = true;
    ASSERT_REPLY("【中国联通】您的号码暂不满足携号转网条件：\n"
                 "1.在网约定「校园卡」至2027年6月30日，可到营业厅免费解除。\n"
                 "办妥后请发送CXXZ#姓名#证件号码至10010重新查询。",
                 mnp_reply_eligibility(&r, &unicom, out));

    /* Only a date to wait for: "then" rather than "once done". */
    r = (mnp_elig_result_t){.port_again_ms = T_2027_06_29};
    r.unmet[5] = true;
    ASSERT_REPLY("【中国联通】您的号码暂不满足携号转网条件：\n"
                 "1.距上次携转不足120天，2027年6月29日起可办理。\n"
                 "届时请发送CXXZ#姓名#证件号码至10010重新查询。",
                 mnp_reply_eligibility(&r, &unicom, out));
}

static void test_e07_and_e06(void **state)
{
    (void)state;
    mnp_elig_result_t r = {0};
    r.unmet[7] = true;
    ASSERT_REPLY("【中国联通】您的号码暂不满足携号转网条件：\n"
                 "1.姓名或证件号码与登记信息不符，请核对。\n"
                 "请发送CXXZ#姓名#证件号码至10010重新查询。",
                 mnp_reply_eligibility(&r, &unicom, out));
    /* E06 is not something the subscriber can change: no "for now", nothing to resend. */
    r = (mnp_elig_result_t){0};
    r.unmet[6] = true;
    ASSERT_REPLY("【中国联通】您的号码不满足携号转网条件：\n"
                 "1.该号码类型不支持携号转网。",
                 mnp_reply_eligibility(&r, &unicom, out));
}

/* From the verdict to the text: what a subscriber with a wrong name sees does not depend on
 * anything else about the number. */
static void test_from_verdict(void **state)
{
    (void)state;
    mnp_subscriber_t sub = {.name = "张三",
                            .identity = "11010119900307123X",
                            .registration = MNP_REG_PERSON,
                            .status = MNP_SUB_NORMAL,
                            .unpaid_fen = 1250};
    mnp_elig_input_t in = {.sub = &sub,
                           .name = "张三",
                           .identity = "11010119900307123x",
                           .portable = true,
                           .now_ms = T_2027_03_15_1000};
    mnp_elig_result_t r;
    mnp_eligibility_check(&in, &r);
    ASSERT_REPLY("【中国联通】您的号码暂不满足携号转网条件：\n"
                 "1.有已出账未缴费用12.50元，请先缴清。\n"
                 "办妥后请发送CXXZ#姓名#证件号码至10010重新查询。",
                 mnp_reply_eligibility(&r, &unicom, out));
    in.name = "李四";
    mnp_eligibility_check(&in, &r);
    ASSERT_REPLY("【中国联通】您的号码暂不满足携号转网条件：\n"
                 "1.姓名或证件号码与登记信息不符，请核对。\n"
                 "请发送CXXZ#姓名#证件号码至10010重新查询。",
                 mnp_reply_eligibility(&r, &unicom, out));
}

static void test_code(void **state)
{
    (void)state;
    /* Issued and expiring the same Beijing day: the time is enough. */
    ASSERT_REPLY("【中国联通】您的携号转网授权码为123456，14:30前有效，仅可使用一次，"
                 "重新申请后原授权码失效。\n"
                 "请凭身份证件和授权码到新运营商任一营业厅或线上渠道办理。\n"
                 "授权码请勿告知他人。",
                 mnp_reply_code("123456", T_2027_03_15_1430, &unicom, out));
    /* Issued at 23:30, expiring after Beijing midnight (still 16:30 the same day in UTC). */
    ASSERT_REPLY("【中国联通】您的携号转网授权码为000042，3月16日00:30前有效，仅可使用一次，"
                 "重新申请后原授权码失效。\n"
                 "请凭身份证件和授权码到新运营商任一营业厅或线上渠道办理。\n"
                 "授权码请勿告知他人。",
                 mnp_reply_code("000042", T_2027_03_16_0030, &unicom, out));
    /* Expiring at midnight itself is on the next day. */
    ASSERT_REPLY("【中国联通】您的携号转网授权码为999999，3月15日00:00前有效，仅可使用一次，"
                 "重新申请后原授权码失效。\n"
                 "请凭身份证件和授权码到新运营商任一营业厅或线上渠道办理。\n"
                 "授权码请勿告知他人。",
                 mnp_reply_code("999999", T_2027_03_15, &unicom, out));
    /* Seconds are dropped downwards: never later than the code really lasts. */
    ASSERT_REPLY("【中国联通】您的携号转网授权码为123456，14:30前有效，仅可使用一次，"
                 "重新申请后原授权码失效。\n"
                 "请凭身份证件和授权码到新运营商任一营业厅或线上渠道办理。\n"
                 "授权码请勿告知他人。",
                 mnp_reply_code("123456", T_2027_03_15_1430 + 59999, &unicom, out));
}

static void test_help(void **state)
{
    (void)state;
    ASSERT_REPLY("【中国联通】携号转网短信指令，请发送至10010：\n"
                 "查询条件：CXXZ#姓名#证件号码\n"
                 "获取授权码：SQXZ#姓名#证件号码",
                 mnp_reply_help(&unicom, out));
    mnp_reply_ctx_t telecom = {.operator_name = "中国电信", .service_number = "10001"};
    ASSERT_REPLY("【中国电信】携号转网短信指令，请发送至10001：\n"
                 "查询条件：CXXZ#姓名#证件号码\n"
                 "获取授权码：SQXZ#姓名#证件号码",
                 mnp_reply_help(&telecom, out));
}

/* A reply that does not fit sets the buffer's sticky error instead of being cut silently. */
static void test_overflow(void **state)
{
    (void)state;
    mnp_elig_result_t r = {0};
    r.unmet[7] = true;
    mnp_buf_t out;
    mnp_buf_init(&out, 40);
    mnp_reply_eligibility(&r, &unicom, &out);
    assert_int_equal(mnp_buf_error(&out), MNP_ELIMIT);
    assert_true(out.len <= 40);
    mnp_buf_fini(&out);
}

/* Instants no subscriber will meet still give some text, without overflow (UBSan watches). */
static void test_extremes(void **state)
{
    (void)state;
    char s[32];
    assert_true(strlen(mnp_reply_date(INT64_MIN, s, sizeof(s))) > 0);
    assert_true(strlen(mnp_reply_date(INT64_MAX, s, sizeof(s))) > 0);
    mnp_agreement_t a;
    agreement_init(&a, "合约", INT64_MIN, 1);
    mnp_elig_result_t r = {.blocking = {&a}, .nblocking = 1, .port_again_ms = INT64_MAX};
    r.unmet[4] = r.unmet[5] = true;
    int64_t instants[] = {INT64_MIN, INT64_MAX, 0};
    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        mnp_buf_t out;
        mnp_buf_init(&out, 4096);
        mnp_reply_code("123456", instants[i], &unicom, &out);
        mnp_reply_eligibility(&r, &unicom, &out);
        assert_int_equal(mnp_buf_error(&out), 0);
        assert_non_null(strstr(out.data, "123456"));
        mnp_buf_fini(&out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yuan),          cmocka_unit_test(test_date),
        cmocka_unit_test(test_eligible),      cmocka_unit_test(test_three_blockers),
        cmocka_unit_test(test_five_blockers), cmocka_unit_test(test_single_conditions),
        cmocka_unit_test(test_e07_and_e06),   cmocka_unit_test(test_from_verdict),
        cmocka_unit_test(test_code),          cmocka_unit_test(test_help),
        cmocka_unit_test(test_overflow),      cmocka_unit_test(test_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
