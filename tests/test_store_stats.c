/*
 * Tests of the regulator's statistics (store_stats.h) on a store filled through the real
 * workflow: a manual clock drives codes, port requests, answers, silences, an objection,
 * refusals, cancellations, cutovers, a return and a reversal over two hours, and operators'
 * reports are appended as POST /v1/signals writes them. Every counter of every row and every
 * flag is asserted exactly, for the whole morning and for periods cut at instants where events
 * happen, so that [from, to) is shown to include its start and exclude its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ch_env.h"
#include "mnp/clearinghouse.h"
#include "mnp/store_audit.h"
#include "mnp/store_feed.h"
#include "mnp/store_stats.h"

#define TEN INT64_C(1795600800000) /* 2026-11-25T10:00:00Z */
#define MIN MNP_MS_PER_MINUTE
#define ID  "430102199001011238"

/* CUCC's numbers in Changsha (0731), and one of CMCC's in Beijing (010). */
#define N1 "13007301001"
#define N2 "13007301002"
#define N3 "13007301003"
#define N4 "13007301004"
#define N5 "13007301005"
#define N6 "13401001006"
#define N7 "13007301007"
#define N8 "13007301008"

typedef struct env {
    test_ch_env_t base; /* first: the workflow's environment */
    mnp_store_t *store; /* = base.store, base.clock, base.ch */
    mnp_clock_t *clock;
    mnp_ch_t *ch;
    int64_t o1, o2, o3, o4, o5, o6; /* the orders of the morning */
} env_t;

static int setup(void **state)
{
    env_t *e = malloc(sizeof(*e));
    test_ch_env_init(&e->base, sizeof(*e), TEN);
    e->store = e->base.store;
    e->clock = e->base.clock;
    e->ch = e->base.ch;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env_t *e = *state;
    test_ch_env_fini(&e->base);
    free(e);
    return 0;
}

static void at(env_t *e, int64_t ms)
{
    assert_int_equal(mnp_clock_set(e->clock, ms), 0);
}

static void reg(env_t *e, const char *donor, const char *number, const char *code)
{
    mnp_ch_outcome_t o;
    mnp_error_t err;
    if (mnp_ch_register_code(e->ch, donor, number, ID, code, &o, &err) != 0)
        fail_msg("register: %s", err.msg);
    assert_int_equal(o.status, 201);
}

/* Submits and returns the order, or 0 after checking the refusal's code. */
static int64_t sub(env_t *e, const char *recipient, const char *number, const char *code,
                   const char *channel, const char *refusal)
{
    mnp_ch_outcome_t o;
    mnp_error_t err;
    if (mnp_ch_submit(e->ch, recipient, number, ID, code, channel, &o, &err) != 0)
        fail_msg("submit: %s", err.msg);
    assert_string_equal(o.code, refusal ? refusal : "");
    return refusal ? 0 : o.order_id;
}

static void answer(env_t *e, const char *donor, int64_t id, const char *reason, const char *text)
{
    mnp_ch_outcome_t o;
    mnp_error_t err;
    if (mnp_ch_answer(e->ch, donor, id, reason, text, &o, &err) != 0)
        fail_msg("answer: %s", err.msg);
    assert_int_equal(o.status, 200);
}

static void cancel(env_t *e, const char *recipient, int64_t id)
{
    mnp_ch_outcome_t o;
    mnp_error_t err;
    if (mnp_ch_cancel(e->ch, recipient, id, &o, &err) != 0)
        fail_msg("cancel: %s", err.msg);
    assert_int_equal(o.status, 200);
}

static void tick(env_t *e)
{
    unsigned n;
    mnp_error_t err;
    if (mnp_ch_tick(e->ch, &n, &err) != 0)
        fail_msg("tick: %s", err.msg);
}

static int feed_head(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_feed_head(txn, arg, err);
}

/* Every operator's copy applies the feed up to its head. */
static void ack_all(env_t *e)
{
    uint64_t head = 0;
    mnp_error_t err;
    assert_int_equal(mnp_store_read(e->store, feed_head, &head, &err), 0);
    for (size_t i = 0; i < TEST_CH_OPERATORS; i++) {
        mnp_ch_outcome_t o;
        assert_int_equal(mnp_ch_ack(e->ch, test_ch_operators[i], head, &o, &err), 0);
        assert_int_equal(o.status, 200);
    }
}

typedef struct audit_job {
    const char *actor, *action, *subject, *detail;
    int64_t at_ms;
} audit_job_t;

static int audit_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    audit_job_t *j = arg;
    return mnp_txn_audit_append(txn, j->at_ms, j->actor, j->action, j->subject, j->detail, NULL,
                                err);
}

/* An audit record as POST /v1/signals (or anyone else) writes it. */
static void audit(env_t *e, const char *actor, const char *action, const char *subject,
                  const char *detail)
{
    audit_job_t j = {actor, action, subject, detail, mnp_clock_now_ms(e->clock)};
    mnp_error_t err;
    if (mnp_store_write(e->store, audit_write, &j, &err) != 0)
        fail_msg("audit: %s", err.msg);
}

/* The morning: see the expectations in test_the_morning. */
static void morning(env_t *e)
{
    at(e, TEN);
    const char *cucc[] = {N1, N2, N3, N4, N5, N7, N8};
    for (size_t i = 0; i < 7; i++)
        reg(e, "CUCC", cucc[i], "123456");
    reg(e, "CMCC", N6, "123456");
    e->o1 = sub(e, "CMCC", N1, "123456", "store", NULL);
    e->o2 = sub(e, "CMCC", N2, "123456", "store", NULL);
    sub(e, "CMCC", N4, "654321", "store", "C01");
    sub(e, "CMCC", "13099990000", "123456", "store", "C07"); /* a block outside the plan */
    audit(e, "CUCC", MNP_STATS_ACTION_QUERY, "8613007301001", "{}");
    /* Damage the statistics must survive: counted nowhere, failing nothing. */
    audit(e, "CMCC", "order.refused", "8613007301004", "not json");
    audit(e, "CMCC", "order.refused", "8613007301004", "{\"code\":\"E04\"}");

    at(e, TEN + MIN);
    e->o3 = sub(e, "CMCC", N3, "123456", "store", NULL);
    e->o4 = sub(e, "CTCC", N5, "123456", "online", NULL);
    cancel(e, "CTCC", e->o4);
    e->o5 = sub(e, "CUCC", N6, "123456", "app", NULL);
    e->o6 = sub(e, "CMCC", N8, "123456", "store", NULL);

    at(e, TEN + 2 * MIN);
    answer(e, "CUCC", e->o1, NULL, NULL);
    at(e, TEN + 4 * MIN);
    answer(e, "CMCC", e->o5, "", NULL);
    at(e, TEN + 5 * MIN);
    answer(e, "CUCC", e->o2, "D03", "the SIM was reported cloned");
    audit(e, "CUCC", MNP_STATS_ACTION_LATE_AGREEMENT, "8613007301003",
          "{\"detail\":\"contract added after the CXXZ\"}");
    at(e, TEN + 10 * MIN);
    answer(e, "CUCC", e->o6, NULL, NULL);
    cancel(e, "CMCC", e->o6); /* ACCEPTED, not yet SCHEDULED: still possible */

    at(e, TEN + 11 * MIN); /* o3's window closes: silence; o1, o3, o5 scheduled for 11:00 */
    tick(e);
    at(e, TEN + 20 * MIN);
    reg(e, "CUCC", N7, "222222"); /* replaces the first code of N7 */

    at(e, TEN + 60 * MIN);
    tick(e); /* cutover */
    ack_all(e);
    tick(e); /* ACTIVE */

    at(e, TEN + 90 * MIN);
    mnp_ch_outcome_t o;
    mnp_error_t err;
    assert_int_equal(mnp_ch_return(e->ch, "CMCC", N1, &o, &err), 0);
    assert_int_equal(o.status, 200);
    tick(e); /* RETURNED */
    at(e, TEN + 100 * MIN);
    assert_int_equal(mnp_ch_reverse(e->ch, "MIIT", e->o3, "wrong subscriber", &o, &err), 0);
    assert_int_equal(o.status, 200);
}

/* ---- reading reports ----------------------------------------------------------------------- */

static void report(env_t *e, int64_t from, int64_t to, int64_t now, unsigned limit,
                   mnp_stats_report_t *r)
{
    mnp_stats_query_t q = {.from_ms = from, .to_ms = to, .now_ms = now, .flag_limit = limit};
    mnp_error_t err;
    if (mnp_store_stats_report(e->store, &q, r, &err) != 0)
        fail_msg("report: %s", err.msg);
    assert_int_equal(r->from_ms, from);
    assert_int_equal(r->to_ms, to);
}

/* The expected value of a row: operator, network, then the counters by name. */
typedef struct want {
    const char *op, *ln;
    uint64_t queries, codes, requests, received, accepted, silent, cancelled, returns, reversals,
        late;
    uint64_t rejections[MNP_REASON_COUNT];
    mnp_stats_times_t answer, to_active;
} want_t;

#define CHECK(field, value)                                                                        \
    do {                                                                                           \
        if ((uint64_t)(field) != (uint64_t)(value))                                                \
            fail_msg("%s/%s %s: %llu, expected %llu", w->op, w->ln, #field,                        \
                     (unsigned long long)(field), (unsigned long long)(value));                    \
    } while (0)

static void check_row(const mnp_stats_row_t *r, const want_t *w)
{
    assert_string_equal(r->op, w->op);
    assert_string_equal(r->local_network, w->ln);
    CHECK(r->queries, w->queries);
    CHECK(r->codes_issued, w->codes);
    CHECK(r->requests, w->requests);
    CHECK(r->requests_received, w->received);
    CHECK(r->acceptances, w->accepted);
    CHECK(r->silences, w->silent);
    CHECK(r->cancellations, w->cancelled);
    CHECK(r->returns, w->returns);
    CHECK(r->reversals, w->reversals);
    CHECK(r->late_agreements, w->late);
    for (int k = 0; k < MNP_REASON_COUNT; k++)
        CHECK(r->rejections[k], w->rejections[k]);
    CHECK(r->answer.count, w->answer.count);
    CHECK(r->answer.median_ms, w->answer.median_ms);
    CHECK(r->answer.worst_ms, w->answer.worst_ms);
    CHECK(r->to_active.count, w->to_active.count);
    CHECK(r->to_active.median_ms, w->to_active.median_ms);
    CHECK(r->to_active.worst_ms, w->to_active.worst_ms);
}

static void check_rows(const mnp_stats_report_t *r, const want_t *w, size_t n)
{
    for (size_t i = 0; i < n && i < r->n_rows; i++)
        check_row(&r->rows[i], &w[i]);
    assert_int_equal(r->n_rows, n);
}

static void check_flag(const mnp_stats_flag_t *f, mnp_stats_flag_kind_t kind, int64_t at_ms,
                       int64_t order, uint64_t number, const char *op, const char *ln,
                       uint64_t count, const char *detail)
{
    assert_string_equal(mnp_stats_flag_name(f->kind), mnp_stats_flag_name(kind));
    assert_int_equal(f->at_ms, at_ms);
    assert_int_equal(f->order_id, order);
    assert_int_equal(f->number, number);
    assert_string_equal(f->op, op);
    assert_string_equal(f->local_network, ln);
    assert_int_equal(f->count, count);
    assert_string_equal(f->detail, detail);
}

#define H (60 * MIN)

static void test_the_morning(void **state)
{
    env_t *e = *state;
    morning(e);
    mnp_stats_report_t r;
    report(e, TEN, TEN + 2 * H, TEN + 2 * H, 0, &r);
    const want_t w[] = {
        /* A refusal about a number outside the plan has no local network. */
        {.op = "CMCC", .ln = "", .rejections[MNP_C07_NOT_PORTABLE] = 1},
        {.op = "CMCC",
         .ln = "010",
         .codes = 1,
         .received = 1,
         .accepted = 1,
         .answer = {1, 3 * MIN, 3 * MIN}},
        /* o1 and o3 active at 11:00, made at 10:00 and 10:01: the median of two is their mean. */
        {.op = "CMCC",
         .ln = "0731",
         .requests = 4,
         .cancelled = 1,
         .returns = 1,
         .reversals = 1,
         .rejections[MNP_C01_CODE_INVALID] = 1,
         .to_active = {2, 59 * MIN + 30000, 60 * MIN}},
        {.op = "CTCC", .ln = "0731", .requests = 1, .cancelled = 1},
        {.op = "CUCC", .ln = "010", .requests = 1, .to_active = {1, 59 * MIN, 59 * MIN}},
        /* Explicit answers after 2, 5 and 9 minutes; o3's silence is no answer. */
        {.op = "CUCC",
         .ln = "0731",
         .queries = 1,
         .codes = 8,
         .received = 5,
         .accepted = 2,
         .silent = 1,
         .late = 1,
         .rejections[MNP_D03_FRAUD_SUSPECTED] = 1,
         .answer = {3, 5 * MIN, 9 * MIN}},
    };
    check_rows(&r, w, sizeof(w) / sizeof(w[0]));

    assert_int_equal(r.flags_total, 5);
    assert_int_equal(r.n_flags, 5);
    /* N4's code expired at 11:00 unused; N7's first code was replaced, its second expired. */
    check_flag(&r.flags[0], MNP_STATS_FLAG_CODE_UNUSED, TEN, 0, UINT64_C(8613007301004), "CUCC",
               "0731", 0, "");
    check_flag(&r.flags[1], MNP_STATS_FLAG_STORE_ONLY, TEN + MIN, 0, 0, "CMCC", "", 4, "");
    check_flag(&r.flags[2], MNP_STATS_FLAG_D03, TEN + 5 * MIN, e->o2, UINT64_C(8613007301002),
               "CUCC", "0731", 0, "the SIM was reported cloned");
    check_flag(&r.flags[3], MNP_STATS_FLAG_LATE_AGREEMENT, TEN + 5 * MIN, 0,
               UINT64_C(8613007301003), "CUCC", "0731", 0, "contract added after the CXXZ");
    check_flag(&r.flags[4], MNP_STATS_FLAG_CODE_UNUSED, TEN + 20 * MIN, 0, UINT64_C(8613007301007),
               "CUCC", "0731", 0, "");
    mnp_stats_report_fini(&r);
    assert_null(r.rows);
    assert_int_equal(r.n_flags, 0);
}

/* [from, to) holds its first instant and not its last. */
static void test_period_boundaries(void **state)
{
    env_t *e = *state;
    morning(e);
    mnp_stats_report_t r;

    /* The first millisecond: the codes, two requests, two refusals, one query. */
    report(e, TEN, TEN + 1, TEN + 2 * H, 0, &r);
    const want_t first[] = {
        {.op = "CMCC", .ln = "", .rejections[MNP_C07_NOT_PORTABLE] = 1},
        {.op = "CMCC", .ln = "010", .codes = 1},
        {.op = "CMCC", .ln = "0731", .requests = 2, .rejections[MNP_C01_CODE_INVALID] = 1},
        {.op = "CUCC", .ln = "0731", .queries = 1, .codes = 7, .received = 2},
    };
    check_rows(&r, first, sizeof(first) / sizeof(first[0]));
    assert_int_equal(r.flags_total, 2);
    check_flag(&r.flags[0], MNP_STATS_FLAG_CODE_UNUSED, TEN, 0, UINT64_C(8613007301004), "CUCC",
               "0731", 0, "");
    check_flag(&r.flags[1], MNP_STATS_FLAG_STORE_ONLY, TEN, 0, 0, "CMCC", "", 2, "");
    mnp_stats_report_fini(&r);

    /* Up to the minute, excluded: nothing more happened. */
    report(e, TEN + 1, TEN + MIN, TEN + 2 * H, 0, &r);
    assert_int_equal(r.n_rows, 0);
    assert_int_equal(r.flags_total, 0);
    mnp_stats_report_fini(&r);

    /* An empty period is empty. */
    report(e, TEN, TEN, TEN + 2 * H, 0, &r);
    assert_int_equal(r.n_rows, 0);
    assert_int_equal(r.flags_total, 0);
    mnp_stats_report_fini(&r);

    /* The return at 11:30 ends a period and begins the next. */
    report(e, TEN + 60 * MIN, TEN + 90 * MIN, TEN + 2 * H, 0, &r);
    const want_t before[] = {
        {.op = "CMCC", .ln = "0731", .to_active = {2, 59 * MIN + 30000, 60 * MIN}},
        {.op = "CUCC", .ln = "010", .to_active = {1, 59 * MIN, 59 * MIN}},
    };
    check_rows(&r, before, 2);
    assert_int_equal(r.flags_total, 0);
    mnp_stats_report_fini(&r);
    report(e, TEN + 90 * MIN, TEN + 2 * H, TEN + 2 * H, 0, &r);
    const want_t after[] = {{.op = "CMCC", .ln = "0731", .returns = 1, .reversals = 1}};
    check_rows(&r, after, 1);
    mnp_stats_report_fini(&r);
}

/* A code is "never used" only once it can no longer be: at its expiry, not a millisecond
 * before; and the flag list is cut at its limit, the total still counting every flag. */
static void test_unused_codes_and_limit(void **state)
{
    env_t *e = *state;
    morning(e);
    mnp_stats_report_t r;
    report(e, TEN, TEN + 2 * H, TEN + 60 * MIN - 1, 0, &r);
    assert_int_equal(r.flags_total, 3);
    for (size_t i = 0; i < r.n_flags; i++)
        assert_int_not_equal(r.flags[i].kind, MNP_STATS_FLAG_CODE_UNUSED);
    mnp_stats_report_fini(&r);
    report(e, TEN, TEN + 2 * H, TEN + 60 * MIN, 0, &r);
    assert_int_equal(r.flags_total, 4);
    assert_int_equal(r.flags[0].kind, MNP_STATS_FLAG_CODE_UNUSED);
    mnp_stats_report_fini(&r);

    report(e, TEN, TEN + 2 * H, TEN + 2 * H, 2, &r);
    assert_int_equal(r.flags_total, 5);
    assert_int_equal(r.n_flags, 2);
    assert_int_equal(r.flags[0].kind, MNP_STATS_FLAG_CODE_UNUSED);
    assert_int_equal(r.flags[1].kind, MNP_STATS_FLAG_STORE_ONLY);
    mnp_stats_report_fini(&r);
}

/* An operator that used another channel once is not flagged; bad queries are refused. */
static void test_channels_and_refusals(void **state)
{
    env_t *e = *state;
    at(e, TEN);
    reg(e, "CUCC", N1, "123456");
    reg(e, "CUCC", N2, "123456");
    assert_true(sub(e, "CMCC", N1, "123456", "store", NULL) > 0);
    assert_true(sub(e, "CMCC", N2, "123456", "online", NULL) > 0);
    mnp_stats_report_t r;
    report(e, TEN, TEN + 1, TEN, 0, &r);
    assert_int_equal(r.flags_total, 0);
    mnp_stats_report_fini(&r);

    mnp_stats_query_t q = {.from_ms = TEN + 1, .to_ms = TEN};
    mnp_error_t err;
    assert_int_equal(mnp_store_stats_report(e->store, &q, &r, &err), MNP_EINVAL);
    q = (mnp_stats_query_t){.to_ms = TEN, .flag_limit = MNP_STATS_FLAGS_MAX + 1};
    assert_int_equal(mnp_store_stats_report(e->store, &q, &r, &err), MNP_EINVAL);
    assert_int_equal(r.n_rows, 0);
    mnp_stats_report_fini(&r);
    mnp_stats_report_fini(NULL);
    assert_string_equal(mnp_stats_flag_name((mnp_stats_flag_kind_t)0), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_morning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_period_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unused_codes_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_channels_and_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
