/*
 * Tests for the eligibility verdict (SPEC.md §4): each of E01-E05 alone with the fact its reply
 * needs, all of them together, E07 hiding everything about the number, E06 alone, the freeze of
 * term agreements (late agreements never block, agreements without a term or out of force never
 * count, freeze 0 meaning now), an agreement ended early no longer blocking from that instant,
 * the 120-day rule to the millisecond around Beijing midnight, the matching of presented name
 * and identity, and the registration and status words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mnp/eligibility.h"
#include "mnp/order.h"

/* Instants in Beijing time (UTC+8), as milliseconds since the epoch. */
#define T_2026_01_01      INT64_C(1767196800000) /* 2026-01-01 00:00 */
#define T_2027_03_01_0030 INT64_C(1803832200000) /* 2027-03-01 00:30 (28 Feb 16:30 UTC) */
#define T_2027_03_01_2359 INT64_C(1803916740000) /* 2027-03-01 23:59 */
#define T_2027_03_15_1000 INT64_C(1805076000000) /* 2027-03-15 10:00: "now" in these tests */
#define T_2027_06_29      INT64_C(1814198400000) /* 2027-06-29 00:00: 120 days after 1 March */
#define T_2027_07_01      INT64_C(1814371200000) /* 2027-07-01 00:00 */

#define NOW T_2027_03_15_1000

typedef struct fixture {
    mnp_subscriber_t sub;
    mnp_agreement_t agreements[24];
    mnp_elig_input_t in;
    mnp_elig_result_t out;
} fixture_t;

/* A subscriber who meets every condition, presenting the right name and identity. */
static void fixture_init(fixture_t *f)
{
    memset(f, 0, sizeof(*f));
    f->sub.number = UINT64_C(8613012345678);
    snprintf(f->sub.name, sizeof(f->sub.name), "%s", "张三");
    snprintf(f->sub.identity, sizeof(f->sub.identity), "%s", "11010119900307123X");
    f->sub.registration = MNP_REG_PERSON;
    f->sub.status = MNP_SUB_NORMAL;
    f->in.sub = &f->sub;
    f->in.name = "张三";
    f->in.identity = "11010119900307123X";
    f->in.agreements = f->agreements;
    f->in.portable = true;
    f->in.now_ms = NOW;
}

/* A 24-month agreement in force at NOW, recorded at created_ms. */
static mnp_agreement_t *add_agreement(fixture_t *f, const char *name, int64_t created_ms)
{
    mnp_agreement_t *a = &f->agreements[f->in.nagreements++];
    a->id = (int64_t)f->in.nagreements;
    snprintf(a->name, sizeof(a->name), "%s", name);
    a->start_ms = T_2026_01_01;
    a->end_ms = T_2027_07_01;
    a->fee_fen = 30000;
    a->has_term = true;
    a->created_ms = created_ms;
    return a;
}

static void check(fixture_t *f)
{
    memset(&f->out, 0xA5, sizeof(f->out)); /* the check must set every field */
    mnp_eligibility_check(&f->in, &f->out);
}

/* Exactly the codes in mask (bit n: En) are unmet. */
static void assert_unmet(const mnp_elig_result_t *r, unsigned mask)
{
    assert_false(r->unmet[0]);
    for (unsigned code = 1; code <= 7; code++)
        assert_int_equal(r->unmet[code], (mask >> code) & 1u);
    assert_int_equal(r->eligible, mask == 0);
}

#define BIT(n) (1u << (n))

static void test_eligible(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    check(&f);
    assert_unmet(&f.out, 0);
    assert_int_equal(f.out.nblocking, 0);
    assert_int_equal(f.out.nlate, 0);
    assert_int_equal(f.out.unpaid_fen, 0);
    assert_int_equal(f.out.port_again_ms, 0);
}

static void test_each_code_alone(void **state)
{
    (void)state;
    fixture_t f;

    /* E01 for each registration but a person's, E02 for each status but normal. */
    static const struct {
        mnp_registration_t registration;
        mnp_sub_status_t status;
    } records[] = {
        {MNP_REG_COMPANY, MNP_SUB_NORMAL},
        {MNP_REG_NONE, MNP_SUB_NORMAL},
        {MNP_REG_PERSON, MNP_SUB_LOST},
        {MNP_REG_PERSON, MNP_SUB_SUSPENDED},
    };
    for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
        fixture_init(&f);
        f.sub.registration = records[i].registration;
        f.sub.status = records[i].status;
        check(&f);
        if (records[i].registration != MNP_REG_PERSON) {
            assert_unmet(&f.out, BIT(1));
            assert_int_equal(f.out.registration, records[i].registration);
        } else {
            assert_unmet(&f.out, BIT(2));
            assert_int_equal(f.out.status, records[i].status);
        }
    }

    fixture_init(&f);
    f.sub.unpaid_fen = 1; /* one fen is already owed */
    check(&f);
    assert_unmet(&f.out, BIT(3));
    assert_int_equal(f.out.unpaid_fen, 1);

    fixture_init(&f);
    const mnp_agreement_t *a = add_agreement(&f, "畅享套餐24个月", T_2026_01_01);
    check(&f);
    assert_unmet(&f.out, BIT(4));
    assert_int_equal(f.out.nblocking, 1);
    assert_ptr_equal(f.out.blocking[0], a);
    assert_int_equal(f.out.nlate, 0);

    fixture_init(&f);
    f.sub.last_port_ms = T_2027_03_01_2359;
    check(&f);
    assert_unmet(&f.out, BIT(5));
    assert_int_equal(f.out.port_again_ms, T_2027_06_29);
}

static void test_several_together(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    f.sub.registration = MNP_REG_COMPANY;
    f.sub.status = MNP_SUB_SUSPENDED;
    f.sub.unpaid_fen = 1250;
    f.sub.last_port_ms = T_2027_03_01_0030;
    const mnp_agreement_t *a1 = add_agreement(&f, "合约A", T_2026_01_01);
    add_agreement(&f, "无期限优惠", T_2026_01_01)->has_term = false;
    const mnp_agreement_t *a2 = add_agreement(&f, "合约B", NOW - 1);
    check(&f);
    assert_unmet(&f.out, BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5));
    assert_int_equal(f.out.registration, MNP_REG_COMPANY);
    assert_int_equal(f.out.status, MNP_SUB_SUSPENDED);
    assert_int_equal(f.out.unpaid_fen, 1250);
    assert_int_equal(f.out.nblocking, 2);
    assert_ptr_equal(f.out.blocking[0], a1);
    assert_ptr_equal(f.out.blocking[1], a2);
    assert_int_equal(f.out.port_again_ms, T_2027_06_29);
}

/* A fixture where every one of E01-E06 is unmet. */
static void fixture_everything_wrong(fixture_t *f)
{
    fixture_init(f);
    f->sub.registration = MNP_REG_NONE;
    f->sub.status = MNP_SUB_LOST;
    f->sub.unpaid_fen = 99;
    f->sub.last_port_ms = NOW - 1;
    add_agreement(f, "合约", T_2026_01_01);
    add_agreement(f, "后加合约", NOW + 5);
    f->in.freeze_ms = NOW - 10;
    f->in.portable = false;
}

/* Only E07, and not one fact about the number. */
static void assert_e07_alone(const mnp_elig_result_t *r)
{
    assert_unmet(r, BIT(7));
    assert_int_equal(r->registration, 0);
    assert_int_equal(r->status, 0);
    assert_int_equal(r->unpaid_fen, 0);
    assert_int_equal(r->nblocking, 0);
    assert_null(r->blocking[0]);
    assert_int_equal(r->port_again_ms, 0);
    assert_int_equal(r->nlate, 0);
    assert_null(r->late[0]);
}

static void test_e07_hides_everything(void **state)
{
    (void)state;
    fixture_t f;
    static const char *const wrong_names[] = {"李四", "张", "张三三", "", " ", "张 三", "zhang"};
    for (size_t i = 0; i < sizeof(wrong_names) / sizeof(wrong_names[0]); i++) {
        fixture_everything_wrong(&f);
        f.in.name = wrong_names[i];
        check(&f);
        assert_e07_alone(&f.out);
    }
    static const char *const wrong_ids[] = {"110101199003071234", "11010119900307123",
                                            "11010119900307123XX", "", "11010119900307123Y"};
    for (size_t i = 0; i < sizeof(wrong_ids) / sizeof(wrong_ids[0]); i++) {
        fixture_everything_wrong(&f);
        f.in.identity = wrong_ids[i];
        check(&f);
        assert_e07_alone(&f.out);
    }
    fixture_everything_wrong(&f);
    f.in.name = NULL;
    check(&f);
    assert_e07_alone(&f.out);
    fixture_everything_wrong(&f);
    f.in.identity = NULL;
    check(&f);
    assert_e07_alone(&f.out);
    /* No record at this operator reads exactly like a wrong name. */
    fixture_everything_wrong(&f);
    f.in.sub = NULL;
    check(&f);
    assert_e07_alone(&f.out);
    /* A record whose own name or identity is empty matches nothing. */
    fixture_init(&f);
    f.sub.name[0] = '\0';
    f.in.name = "";
    check(&f);
    assert_e07_alone(&f.out);
    fixture_init(&f);
    f.sub.identity[0] = '\0';
    f.in.identity = "";
    check(&f);
    assert_e07_alone(&f.out);
}

static void test_presented_matching(void **state)
{
    (void)state;
    fixture_t f;
    /* Spaces around the name (ASCII or the ideographic space) and a lower-case x match. */
    static const char *const names[] = {
        "张三", " 张三", "张三 ", "\t张三\r\n", "\xe3\x80\x80张三", "张三\xe3\x80\x80"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        fixture_init(&f);
        f.in.name = names[i];
        f.in.identity = "11010119900307123x";
        check(&f);
        assert_unmet(&f.out, 0);
    }
    /* Inner spaces: any run matches any run, but a space never matches no space. */
    fixture_init(&f);
    snprintf(f.sub.name, sizeof(f.sub.name), "%s", "Zhang San ");
    f.in.name = "Zhang  San";
    check(&f);
    assert_unmet(&f.out, 0);
    f.in.name = "ZhangSan";
    check(&f);
    assert_unmet(&f.out, BIT(7));
    f.in.name = "zhang san";
    check(&f);
    assert_unmet(&f.out, BIT(7));
    /* A record with a lower-case x matches an upper-case one presented. */
    fixture_init(&f);
    f.sub.identity[17] = 'x';
    check(&f);
    assert_unmet(&f.out, 0);
}

static void test_e06_alone(void **state)
{
    (void)state;
    fixture_t f;
    fixture_everything_wrong(&f);
    check(&f);
    assert_unmet(&f.out, BIT(6));
    assert_int_equal(f.out.nblocking, 0);
    assert_int_equal(f.out.nlate, 0);
    assert_int_equal(f.out.unpaid_fen, 0);
    fixture_init(&f);
    f.in.portable = false;
    check(&f);
    assert_unmet(&f.out, BIT(6));
}

static void test_freeze(void **state)
{
    (void)state;
    const int64_t freeze = NOW - 3600000; /* the first CXXZ, an hour ago */
    fixture_t f;

    /* Recorded after the freeze, even in force and with a term: late, never blocking. */
    fixture_init(&f);
    f.in.freeze_ms = freeze;
    const mnp_agreement_t *after = add_agreement(&f, "后加合约", freeze + 1);
    const mnp_agreement_t *at = add_agreement(&f, "同时合约", freeze);
    check(&f);
    assert_unmet(&f.out, 0);
    assert_int_equal(f.out.nblocking, 0);
    assert_int_equal(f.out.nlate, 2);
    assert_ptr_equal(f.out.late[0], after);
    assert_ptr_equal(f.out.late[1], at);

    /* Recorded one millisecond before the freeze: blocks. */
    fixture_init(&f);
    f.in.freeze_ms = freeze;
    const mnp_agreement_t *before = add_agreement(&f, "原合约", freeze - 1);
    add_agreement(&f, "后加合约", freeze + 1);
    check(&f);
    assert_unmet(&f.out, BIT(4));
    assert_int_equal(f.out.nblocking, 1);
    assert_ptr_equal(f.out.blocking[0], before);
    assert_int_equal(f.out.nlate, 1);

    /* Without a term, not yet started, or ended (end exclusive): neither blocking nor late. */
    fixture_init(&f);
    f.in.freeze_ms = freeze;
    add_agreement(&f, "无期限", T_2026_01_01)->has_term = false;
    add_agreement(&f, "无期限后加", freeze + 1)->has_term = false;
    add_agreement(&f, "已结束", T_2026_01_01)->end_ms = NOW;
    add_agreement(&f, "已结束后加", freeze + 1)->end_ms = NOW - 1;
    add_agreement(&f, "未开始", T_2026_01_01)->start_ms = NOW + 1;
    check(&f);
    assert_unmet(&f.out, 0);
    assert_int_equal(f.out.nlate, 0);

    /* In force from its first millisecond to its last. */
    fixture_init(&f);
    mnp_agreement_t *edge = add_agreement(&f, "边界", T_2026_01_01);
    edge->start_ms = NOW;
    check(&f);
    assert_unmet(&f.out, BIT(4));
    edge->start_ms = T_2026_01_01;
    edge->end_ms = NOW + 1;
    check(&f);
    assert_unmet(&f.out, BIT(4));

    /* No freeze yet: this query freezes at now. */
    fixture_init(&f);
    add_agreement(&f, "早一毫秒", NOW - 1);
    add_agreement(&f, "此刻", NOW);
    check(&f);
    assert_unmet(&f.out, BIT(4));
    assert_int_equal(f.out.nblocking, 1);
    assert_string_equal(f.out.blocking[0]->name, "早一毫秒");
    assert_int_equal(f.out.nlate, 1);
    assert_string_equal(f.out.late[0]->name, "此刻");

    /* NULL agreements with a count are no agreements. */
    fixture_init(&f);
    f.in.agreements = NULL;
    f.in.nagreements = 3;
    check(&f);
    assert_unmet(&f.out, 0);
}

/* RULE E04 "or it has been ended": an agreement the subscriber ended early stops blocking from
 * the instant it was ended, and is not reported as late either; an end recorded for a later
 * instant, or none (0), changes nothing. */
static void test_ended_agreement(void **state)
{
    (void)state;
    fixture_t f;

    fixture_init(&f);
    mnp_agreement_t *a = add_agreement(&f, "畅享套餐24个月", T_2026_01_01);
    check(&f);
    assert_unmet(&f.out, BIT(4));
    assert_int_equal(f.out.nblocking, 1);

    a->ended_ms = NOW; /* ended at this very millisecond: no longer blocks */
    check(&f);
    assert_unmet(&f.out, 0);
    assert_true(f.out.eligible);
    assert_int_equal(f.out.nblocking, 0);

    a->ended_ms = NOW - 86400000; /* ended yesterday */
    check(&f);
    assert_true(f.out.eligible);

    a->ended_ms = NOW + 1; /* an end one millisecond from now does not count yet */
    check(&f);
    assert_unmet(&f.out, BIT(4));
    assert_ptr_equal(f.out.blocking[0], a);

    /* Only the ended one stops blocking; the other still does, with its own facts. */
    fixture_init(&f);
    add_agreement(&f, "已结清", T_2026_01_01)->ended_ms = NOW - 1;
    const mnp_agreement_t *b = add_agreement(&f, "仍有效", T_2026_01_01);
    check(&f);
    assert_unmet(&f.out, BIT(4));
    assert_int_equal(f.out.nblocking, 1);
    assert_ptr_equal(f.out.blocking[0], b);

    /* A late agreement that was ended is neither blocking nor late. */
    fixture_init(&f);
    f.in.freeze_ms = NOW - 3600000;
    add_agreement(&f, "后加已结清", NOW - 60000)->ended_ms = NOW - 1000;
    check(&f);
    assert_unmet(&f.out, 0);
    assert_int_equal(f.out.nlate, 0);

    /* Ending changes nothing about the other conditions. */
    fixture_init(&f);
    f.sub.unpaid_fen = 1250;
    add_agreement(&f, "合约", T_2026_01_01)->ended_ms = NOW - 1;
    check(&f);
    assert_unmet(&f.out, BIT(3));
    assert_int_equal(f.out.unpaid_fen, 1250);
}

static void test_agreement_lists_capped(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    f.in.freeze_ms = NOW - 100;
    for (int i = 0; i < 20; i++)
        add_agreement(&f, "合约", T_2026_01_01);
    for (int i = 0; i < 4; i++)
        add_agreement(&f, "后加", NOW - 50);
    check(&f);
    assert_unmet(&f.out, BIT(4));
    assert_int_equal(f.out.nblocking, MNP_ELIG_AGREEMENTS_MAX);
    for (size_t i = 0; i < MNP_ELIG_AGREEMENTS_MAX; i++)
        assert_ptr_equal(f.out.blocking[i], &f.agreements[i]);
    assert_int_equal(f.out.nlate, 4);
    assert_ptr_equal(f.out.late[3], &f.agreements[23]);
}

static void test_e05_boundaries(void **state)
{
    (void)state;
    /* Any moment of Beijing's 1 March allows the next port from the start of 29 June, Beijing
     * time, also 00:30, which is still 28 February in UTC. */
    assert_int_equal(mnp_port_again_from(T_2027_03_01_0030), T_2027_06_29);
    assert_int_equal(mnp_port_again_from(T_2027_03_01_2359), T_2027_06_29);
    static const int64_t lasts[] = {T_2027_03_01_0030, T_2027_03_01_2359, NOW - 1};
    for (size_t i = 0; i < sizeof(lasts) / sizeof(lasts[0]); i++) {
        fixture_t f;
        fixture_init(&f);
        f.sub.last_port_ms = lasts[i];
        int64_t from = mnp_port_again_from(lasts[i]);
        f.in.now_ms = from - 1;
        check(&f);
        assert_unmet(&f.out, BIT(5));
        assert_int_equal(f.out.port_again_ms, from);
        f.in.now_ms = from;
        check(&f);
        assert_unmet(&f.out, 0);
        assert_int_equal(f.out.port_again_ms, 0);
    }
    /* Never ported. */
    fixture_t f;
    fixture_init(&f);
    f.sub.last_port_ms = 0;
    check(&f);
    assert_unmet(&f.out, 0);
}

static void test_words(void **state)
{
    (void)state;
    mnp_registration_t reg = 0;
    assert_int_equal(mnp_registration_parse("person", &reg), 0);
    assert_int_equal(reg, MNP_REG_PERSON);
    assert_int_equal(mnp_registration_parse("company", &reg), 0);
    assert_int_equal(reg, MNP_REG_COMPANY);
    assert_int_equal(mnp_registration_parse("none", &reg), 0);
    assert_int_equal(reg, MNP_REG_NONE);
    static const char *const bad[] = {"", "Person", "person ", "persons", "normal", "个人"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        reg = MNP_REG_COMPANY;
        assert_int_equal(mnp_registration_parse(bad[i], &reg), MNP_EINVAL);
        assert_int_equal(reg, MNP_REG_COMPANY); /* untouched on failure */
    }
    assert_int_equal(mnp_registration_parse(NULL, &reg), MNP_EINVAL);

    mnp_sub_status_t st = 0;
    assert_int_equal(mnp_sub_status_parse("normal", &st), 0);
    assert_int_equal(st, MNP_SUB_NORMAL);
    assert_int_equal(mnp_sub_status_parse("lost", &st), 0);
    assert_int_equal(st, MNP_SUB_LOST);
    assert_int_equal(mnp_sub_status_parse("suspended", &st), 0);
    assert_int_equal(st, MNP_SUB_SUSPENDED);
    assert_int_equal(mnp_sub_status_parse("Lost", &st), MNP_EINVAL);
    assert_int_equal(mnp_sub_status_parse("person", &st), MNP_EINVAL);
    assert_int_equal(mnp_sub_status_parse("", &st), MNP_EINVAL);
    assert_int_equal(mnp_sub_status_parse(NULL, &st), MNP_EINVAL);

    /* Names and parsing round-trip; values outside the enums have a name too. */
    for (int r = MNP_REG_PERSON; r <= MNP_REG_NONE; r++) {
        assert_int_equal(mnp_registration_parse(mnp_registration_name(r), &reg), 0);
        assert_int_equal(reg, r);
    }
    for (int s = MNP_SUB_NORMAL; s <= MNP_SUB_SUSPENDED; s++) {
        assert_int_equal(mnp_sub_status_parse(mnp_sub_status_name(s), &st), 0);
        assert_int_equal(st, s);
    }
    assert_string_equal(mnp_registration_name(0), "unknown");
    assert_string_equal(mnp_registration_name((mnp_registration_t)99), "unknown");
    assert_string_equal(mnp_registration_name((mnp_registration_t)-1), "unknown");
    assert_string_equal(mnp_sub_status_name(0), "unknown");
    assert_string_equal(mnp_sub_status_name((mnp_sub_status_t)4), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eligible),
        cmocka_unit_test(test_each_code_alone),
        cmocka_unit_test(test_several_together),
        cmocka_unit_test(test_e07_hides_everything),
        cmocka_unit_test(test_presented_matching),
        cmocka_unit_test(test_e06_alone),
        cmocka_unit_test(test_freeze),
        cmocka_unit_test(test_ended_agreement),
        cmocka_unit_test(test_agreement_lists_capped),
        cmocka_unit_test(test_e05_boundaries),
        cmocka_unit_test(test_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
