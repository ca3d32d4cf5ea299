/*
 * Tests of the port order's state machine and rules (SPEC.md §5): every (state, event, actor)
 * combination against the transitions the SPEC allows, restated here independently of the
 * module's table; reason codes; the cutover and 120-day rules with their edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "mnp/order.h"

/* SPEC §5, restated: "from event actor -> to". */
static const struct {
    mnp_order_state_t from;
    mnp_order_event_t ev;
    mnp_actor_t actor;
    mnp_order_state_t to;
} allowed[] = {
    {MNP_ORDER_SUBMITTED, MNP_EV_CHECKED, MNP_ACTOR_SYSTEM, MNP_ORDER_PENDING_DONOR},
    {MNP_ORDER_PENDING_DONOR, MNP_EV_DONOR_ACCEPT, MNP_ACTOR_DONOR, MNP_ORDER_ACCEPTED},
    {MNP_ORDER_PENDING_DONOR, MNP_EV_DONOR_OBJECT, MNP_ACTOR_DONOR, MNP_ORDER_REJECTED},
    {MNP_ORDER_PENDING_DONOR, MNP_EV_DONOR_SILENT, MNP_ACTOR_SYSTEM, MNP_ORDER_ACCEPTED},
    {MNP_ORDER_ACCEPTED, MNP_EV_SCHEDULE, MNP_ACTOR_SYSTEM, MNP_ORDER_SCHEDULED},
    {MNP_ORDER_SCHEDULED, MNP_EV_CUTOVER, MNP_ACTOR_SYSTEM, MNP_ORDER_BROADCASTING},
    {MNP_ORDER_BROADCASTING, MNP_EV_ALL_ACKED, MNP_ACTOR_SYSTEM, MNP_ORDER_ACTIVE},
    {MNP_ORDER_SUBMITTED, MNP_EV_CANCEL, MNP_ACTOR_RECIPIENT, MNP_ORDER_CANCELLED},
    {MNP_ORDER_PENDING_DONOR, MNP_EV_CANCEL, MNP_ACTOR_RECIPIENT, MNP_ORDER_CANCELLED},
    {MNP_ORDER_ACCEPTED, MNP_EV_CANCEL, MNP_ACTOR_RECIPIENT, MNP_ORDER_CANCELLED},
    {MNP_ORDER_ACTIVE, MNP_EV_REVERSE, MNP_ACTOR_REGULATOR, MNP_ORDER_REVERSED},
    {MNP_ORDER_ACTIVE, MNP_EV_RETURN, MNP_ACTOR_SERVING, MNP_ORDER_RETURN_PENDING},
    {MNP_ORDER_RETURN_PENDING, MNP_EV_RETURN_DONE, MNP_ACTOR_SYSTEM, MNP_ORDER_RETURNED},
};

static void test_every_transition(void **state)
{
    (void)state;
    size_t ok = 0;
    for (int from = 0; from <= MNP_ORDER_STATE_COUNT; from++) {
        for (int ev = 0; ev <= MNP_ORDER_EVENT_COUNT; ev++) {
            for (int actor = 0; actor <= 6; actor++) {
                mnp_order_state_t want = 0, got = 0;
                for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
                    if ((int)allowed[i].from == from && (int)allowed[i].ev == ev &&
                        (int)allowed[i].actor == actor)
                        want = allowed[i].to;
                mnp_error_t err = {0};
                int rc = mnp_order_next((mnp_order_state_t)from, (mnp_order_event_t)ev,
                                        (mnp_actor_t)actor, &got, &err);
                if (want != 0) {
                    assert_int_equal(rc, 0);
                    assert_int_equal(got, want);
                    ok++;
                } else {
                    if (rc != MNP_EINVAL)
                        fail_msg("state %d event %d actor %d: allowed, want refused", from, ev,
                                 actor);
                    assert_true(err.msg[0] != '\0');
                }
            }
        }
    }
    assert_int_equal(ok, sizeof(allowed) / sizeof(allowed[0]));
}

static void test_refusals_explain(void **state)
{
    (void)state;
    mnp_order_state_t to;
    mnp_error_t err;
    /* Cancel is possible until SCHEDULED, not from it. */
    assert_int_equal(
        mnp_order_next(MNP_ORDER_SCHEDULED, MNP_EV_CANCEL, MNP_ACTOR_RECIPIENT, &to, &err),
        MNP_EINVAL);
    assert_string_equal(err.msg, "an order in state SCHEDULED cannot cancel");
    /* The donor cannot cancel, the regulator cannot accept. */
    assert_int_equal(
        mnp_order_next(MNP_ORDER_PENDING_DONOR, MNP_EV_CANCEL, MNP_ACTOR_DONOR, &to, &err),
        MNP_EINVAL);
    assert_string_equal(err.msg, "the donor may not cancel an order");
    assert_int_equal(mnp_order_next(MNP_ORDER_PENDING_DONOR, MNP_EV_DONOR_ACCEPT,
                                    MNP_ACTOR_REGULATOR, &to, &err),
                     MNP_EINVAL);
    assert_string_equal(err.msg, "the regulator may not donor_accept an order");
    /* An objection once the donor has answered (or stayed silent) is too late. */
    assert_int_equal(
        mnp_order_next(MNP_ORDER_ACCEPTED, MNP_EV_DONOR_OBJECT, MNP_ACTOR_DONOR, &to, &err),
        MNP_EINVAL);
}

static void test_state_classes_and_names(void **state)
{
    (void)state;
    int finals = 0, opens = 0;
    for (int s = 1; s < MNP_ORDER_STATE_COUNT; s++) {
        const char *name = mnp_order_state_name((mnp_order_state_t)s);
        assert_true(name[0] != '\0');
        assert_int_equal(mnp_order_state_parse(name), s);
        bool fin = mnp_order_state_final((mnp_order_state_t)s);
        bool open = mnp_order_state_open((mnp_order_state_t)s);
        assert_false(fin && open);
        finals += fin;
        opens += open;
        /* A final state has no way out. */
        for (int ev = 1; ev < MNP_ORDER_EVENT_COUNT && fin; ev++)
            for (int a = 1; a <= 5; a++) {
                mnp_order_state_t to;
                assert_int_equal(mnp_order_next((mnp_order_state_t)s, (mnp_order_event_t)ev,
                                                (mnp_actor_t)a, &to, NULL),
                                 MNP_EINVAL);
            }
    }
    assert_int_equal(finals, 4);
    assert_int_equal(opens, 5); /* SUBMITTED .. BROADCASTING */
    assert_false(mnp_order_state_open(MNP_ORDER_ACTIVE));
    assert_string_equal(mnp_order_state_name(0), "");
    assert_string_equal(mnp_order_state_name(99), "");
    assert_int_equal(mnp_order_state_parse("pending_donor"), 0);
    assert_string_equal(mnp_order_event_name(MNP_EV_DONOR_SILENT), "donor_silent");
}

static void test_reasons(void **state)
{
    (void)state;
    const char *codes[] = {"C01", "C02", "C03", "C04", "C05", "C06",
                           "C07", "C08", "D01", "D02", "D03"};
    for (size_t i = 0; i < 11; i++) {
        mnp_reason_t r = mnp_reason_parse(codes[i]);
        assert_int_not_equal(r, MNP_REASON_NONE);
        assert_string_equal(mnp_reason_code(r), codes[i]);
        assert_true(strlen(mnp_reason_text(r)) > 10);
        assert_int_equal(mnp_reason_is_objection(r), codes[i][0] == 'D');
        assert_int_equal(mnp_reason_needs_text(r), strcmp(codes[i], "D03") == 0);
    }
    /* RULE §5: nothing else is a reason; an "unfinished contract" cannot be said. */
    assert_int_equal(mnp_reason_parse("D04"), MNP_REASON_NONE);
    assert_int_equal(mnp_reason_parse("d01"), MNP_REASON_NONE);
    assert_int_equal(mnp_reason_parse(""), MNP_REASON_NONE);
    assert_false(mnp_reason_is_objection(MNP_C04_ORDER_OPEN));
    assert_string_equal(mnp_reason_code(MNP_REASON_NONE), "");
    assert_string_equal(mnp_reason_code((mnp_reason_t)99), "");
}

static void test_cutover_next_whole_hour(void **state)
{
    (void)state;
    const int64_t ten = 1795600800000; /* 2026-11-25T10:00:00Z */
    const int64_t h = MNP_MS_PER_HOUR;
    assert_int_equal(mnp_cutover_at(ten, h), ten + h);
    assert_int_equal(mnp_cutover_at(ten + 1, h), ten + h);
    assert_int_equal(mnp_cutover_at(ten + h - 1, h), ten + h);
    assert_int_equal(mnp_cutover_at(ten - 1, h), ten);
    assert_int_equal(mnp_cutover_at(ten + 7, 0), ten + 7);
    assert_int_equal(mnp_cutover_at(-1, h), 0);
    assert_int_equal(mnp_cutover_at(-h, h), 0);
    assert_int_equal(mnp_cutover_at(ten + 5, 60000), ten + 60000);
}

static void test_port_again_after_120_days(void **state)
{
    (void)state;
    /* Ported on 1 March 2026 (Beijing), late or early in the day: allowed from 29 June 00:00
     * Beijing, which is 28 June 16:00 UTC. */
    const int64_t june29_cst = 1782662400000;
    assert_int_equal(mnp_port_again_from(1772379000000), june29_cst); /* 1 Mar 23:30 CST */
    assert_int_equal(mnp_port_again_from(1772295000000), june29_cst); /* 1 Mar 00:10 CST */
    /* One millisecond before midnight Beijing is still 28 February. */
    assert_int_equal(mnp_port_again_from(1772294399999), 1782576000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transition),
        cmocka_unit_test(test_refusals_explain),
        cmocka_unit_test(test_state_classes_and_names),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_cutover_next_whole_hour),
        cmocka_unit_test(test_port_again_after_120_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
