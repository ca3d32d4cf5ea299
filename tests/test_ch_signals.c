/*
 * Tests of operators' reports to the clearinghouse in batches (clearinghouse.h mnp_ch_signals,
 * ch_signal.c) on a real store with the demo plan and a manual clock: each report of a batch is
 * answered on its own and in its place, the good ones alone are recorded as audit records that
 * the regulator's statistics count, a batch over MNP_CH_SIGNALS_MAX is refused whole, a batch
 * of the largest size is recorded whole, a batch of refusals writes nothing, and the single
 * report (mnp_ch_signal) answers as it did before batches existed.
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
#include "mnp/store_stats.h"

#define TEN INT64_C(1795600800000) /* 2026-11-25T10:00:00Z */

/* In data/blocks-demo.csv: 1300730 is CUCC's block in Changsha (0731), 1340730 CMCC's; no
 * block starts with 1309999. */
#define CUCC_N1 "13007301001"
#define CUCC_N2 "13007301002"
#define CMCC_N  "13407301003"
#define NO_PLAN "13099990000"

typedef struct env {
    test_ch_env_t base; /* first */
    mnp_ch_outcome_t out[MNP_CH_SIGNALS_MAX + 1];
    mnp_ch_signal_t in[MNP_CH_SIGNALS_MAX + 1];
    char numbers[MNP_CH_SIGNALS_MAX + 1][16];
} env_t;

static int setup(void **state)
{
    env_t *e = malloc(sizeof(*e));
    assert_non_null(e);
    test_ch_env_init(&e->base, sizeof(*e), TEN);
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

/* ---- what the audit log holds -------------------------------------------------------------- */

#define SEEN_MAX 4

typedef struct tally {
    uint64_t records; /* every record */
    uint64_t queries, late;
    uint64_t by_others; /* signal records whose actor is not want_actor */
    const char *want_actor;
    /* the first SEEN_MAX signal records */
    char subject[SEEN_MAX][32], detail[SEEN_MAX][512], action[SEEN_MAX][32];
    int64_t at_ms[SEEN_MAX];
    size_t nseen;
} tally_t;

static int tally_one(const mnp_audit_record_t *r, void *arg)
{
    tally_t *t = arg;
    t->records++;
    bool query = strcmp(r->action, MNP_STATS_ACTION_QUERY) == 0;
    bool late = strcmp(r->action, MNP_STATS_ACTION_LATE_AGREEMENT) == 0;
    if (!query && !late)
        return 0;
    t->queries += query;
    t->late += late;
    t->by_others += strcmp(r->actor, t->want_actor) != 0;
    if (t->nseen < SEEN_MAX) {
        snprintf(t->subject[t->nseen], sizeof(t->subject[0]), "%s", r->subject);
        snprintf(t->detail[t->nseen], sizeof(t->detail[0]), "%s", r->detail);
        snprintf(t->action[t->nseen], sizeof(t->action[0]), "%s", r->action);
        t->at_ms[t->nseen] = r->at_ms;
        t->nseen++;
    }
    return 0;
}

static int tally_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_audit_each(txn, 0, 0, tally_one, arg, NULL, err);
}

/* The whole log, its signal records expected from actor. */
static void tally(env_t *e, const char *actor, tally_t *t)
{
    memset(t, 0, sizeof(*t));
    t->want_actor = actor;
    mnp_error_t err;
    if (mnp_store_read(e->base.store, tally_read, t, &err) != 0)
        fail_msg("reading the audit log: %s", err.msg);
}

/* ---- calls --------------------------------------------------------------------------------- */

static void put(env_t *e, size_t i, const char *kind, const char *number, const char *detail)
{
    e->in[i] = (mnp_ch_signal_t){.kind = kind, .number = number, .detail = detail};
}

static int signals(env_t *e, const char *op, size_t n, mnp_error_t *err)
{
    memset(e->out, 0xA5, sizeof(e->out)); /* nothing left over from an earlier call */
    return mnp_ch_signals(e->base.ch, op, e->in, n, e->out, err);
}

static void outcome_is(const mnp_ch_outcome_t *o, int status, const char *code)
{
    assert_int_equal(o->status, status);
    assert_string_equal(o->code, code);
    assert_int_equal(o->order_id, 0);
    if (code[0])
        assert_true(o->detail[0] != '\0' && strlen(o->detail) < sizeof(o->detail));
}

/* ---- tests --------------------------------------------------------------------------------- */

/* Each report is judged on its own, in its place; the two good ones alone are recorded. */
static void test_mixed_batch(void **state)
{
    env_t *e = *state;
    char long_detail[257];
    memset(long_detail, 'x', 256);
    long_detail[256] = '\0';
    put(e, 0, "query", CUCC_N1, NULL);
    put(e, 1, "late_agreement", CUCC_N2, "合约 added after the CXXZ");
    put(e, 2, "query", CMCC_N, NULL);
    put(e, 3, "query", "1300730", NULL);
    put(e, 4, "gossip", CUCC_N1, NULL);
    put(e, 5, "late_agreement", CUCC_N1, long_detail);
    put(e, 6, "query", NO_PLAN, "");
    mnp_error_t err = {0};
    assert_int_equal(signals(e, "CUCC", 7, &err), 0);
    outcome_is(&e->out[0], 201, "");
    outcome_is(&e->out[1], 201, "");
    outcome_is(&e->out[2], 403, "not_serving");
    assert_non_null(strstr(e->out[2].detail, "CMCC")); /* names who serves it */
    outcome_is(&e->out[3], 400, "C08");
    outcome_is(&e->out[4], 400, "bad_value");
    assert_non_null(strstr(e->out[4].detail, "kind"));
    outcome_is(&e->out[5], 400, "bad_value");
    assert_non_null(strstr(e->out[5].detail, "detail"));
    outcome_is(&e->out[6], 422, "C07");

    tally_t t;
    tally(e, "CUCC", &t);
    assert_int_equal(t.queries, 1);
    assert_int_equal(t.late, 1);
    assert_int_equal(t.by_others, 0);
    assert_int_equal(t.nseen, 2); /* in the batch's order, at the clock's time */
    assert_string_equal(t.action[0], MNP_STATS_ACTION_QUERY);
    assert_string_equal(t.subject[0], "86" CUCC_N1);
    assert_string_equal(t.detail[0], "{}");
    assert_int_equal(t.at_ms[0], TEN);
    assert_string_equal(t.action[1], MNP_STATS_ACTION_LATE_AGREEMENT);
    assert_string_equal(t.subject[1], "86" CUCC_N2);
    assert_string_equal(t.detail[1], "{\"detail\":\"合约 added after the CXXZ\"}");

    /* The regulator's statistics count them for CUCC in Changsha, and flag the agreement. */
    mnp_stats_query_t q = {.from_ms = 0, .to_ms = TEN + 1, .now_ms = TEN};
    mnp_stats_report_t r = {0};
    assert_int_equal(mnp_store_stats_report(e->base.store, &q, &r, &err), 0);
    assert_int_equal(r.n_rows, 1);
    assert_string_equal(r.rows[0].op, "CUCC");
    assert_string_equal(r.rows[0].local_network, "0731");
    assert_int_equal(r.rows[0].queries, 1);
    assert_int_equal(r.rows[0].late_agreements, 1);
    assert_int_equal(r.n_flags, 1);
    assert_int_equal(r.flags[0].kind, MNP_STATS_FLAG_LATE_AGREEMENT);
    assert_string_equal(r.flags[0].detail, "合约 added after the CXXZ");
    mnp_stats_report_fini(&r);
}

/* One report too many: refused whole, nothing recorded; none at all: nothing to do. */
static void test_over_the_limit(void **state)
{
    env_t *e = *state;
    for (size_t i = 0; i < MNP_CH_SIGNALS_MAX + 1; i++)
        put(e, i, "query", CUCC_N1, NULL);
    tally_t before, after;
    tally(e, "CUCC", &before);
    mnp_error_t err = {0};
    assert_int_equal(signals(e, "CUCC", MNP_CH_SIGNALS_MAX + 1, &err), MNP_ELIMIT);
    assert_int_equal(err.code, MNP_ELIMIT);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(signals(e, "CUCC", 0, &err), 0);
    tally(e, "CUCC", &after);
    assert_int_equal(after.records, before.records);
    assert_int_equal(after.queries, 0);
}

/* The largest batch: every report recorded, and a detail of exactly 255 bytes taken. */
static void test_largest_batch(void **state)
{
    env_t *e = *state;
    char longest[256];
    memset(longest, 'y', 252);
    memcpy(longest + 252, "合", 3);
    longest[255] = '\0';
    for (size_t i = 0; i < MNP_CH_SIGNALS_MAX; i++) {
        snprintf(e->numbers[i], sizeof(e->numbers[i]), "1300730%04zu", i);
        put(e, i, i % 2 ? "late_agreement" : "query", e->numbers[i], i == 1 ? longest : NULL);
    }
    mnp_error_t err = {0};
    assert_int_equal(signals(e, "CUCC", MNP_CH_SIGNALS_MAX, &err), 0);
    for (size_t i = 0; i < MNP_CH_SIGNALS_MAX; i++)
        outcome_is(&e->out[i], 201, "");
    tally_t t;
    tally(e, "CUCC", &t);
    assert_int_equal(t.queries, MNP_CH_SIGNALS_MAX / 2);
    assert_int_equal(t.late, MNP_CH_SIGNALS_MAX / 2);
    assert_int_equal(t.by_others, 0);
    assert_string_equal(t.subject[0], "8613007300000");
    assert_string_equal(t.subject[1], "8613007300001");
    char want[300];
    snprintf(want, sizeof(want), "{\"detail\":\"%s\"}", longest);
    assert_string_equal(t.detail[1], want);
}

/* Every report refused, each for its own reason: the log does not move. */
static void test_all_refused(void **state)
{
    env_t *e = *state;
    put(e, 0, "query", CMCC_N, NULL);
    put(e, 1, "query", NO_PLAN, NULL);
    put(e, 2, "query", "not a number", NULL);
    put(e, 3, NULL, CUCC_N1, NULL);
    put(e, 4, "late_agreement", NULL, NULL);
    put(e, 5, "", CUCC_N1, NULL);
    tally_t before, after;
    tally(e, "CUCC", &before);
    mnp_error_t err = {0};
    assert_int_equal(signals(e, "CUCC", 6, &err), 0);
    outcome_is(&e->out[0], 403, "not_serving");
    outcome_is(&e->out[1], 422, "C07");
    outcome_is(&e->out[2], 400, "C08");
    outcome_is(&e->out[3], 400, "bad_value");
    outcome_is(&e->out[4], 400, "C08");
    outcome_is(&e->out[5], 400, "bad_value");
    tally(e, "CUCC", &after);
    assert_int_equal(after.records, before.records);
    assert_int_equal(after.queries + after.late, 0);

    /* Only the checks that need no store: the write is not even tried. */
    put(e, 0, "gossip", CUCC_N1, NULL);
    put(e, 1, "query", "1300730", NULL);
    assert_int_equal(signals(e, "CUCC", 2, &err), 0);
    outcome_is(&e->out[0], 400, "bad_value");
    outcome_is(&e->out[1], 400, "C08");
    tally(e, "CUCC", &after);
    assert_int_equal(after.records, before.records);
}

/* The single report answers as a batch of one, for each outcome. */
static void test_single(void **state)
{
    env_t *e = *state;
    mnp_ch_t *ch = e->base.ch;
    mnp_ch_outcome_t o;
    mnp_error_t err = {0};
    assert_int_equal(mnp_ch_signal(ch, "CUCC", "query", CUCC_N1, NULL, &o, &err), 0);
    outcome_is(&o, 201, "");
    assert_int_equal(mnp_ch_signal(ch, "CMCC", "late_agreement", CMCC_N, "after", &o, &err), 0);
    outcome_is(&o, 201, "");
    assert_int_equal(mnp_ch_signal(ch, "CMCC", "query", CUCC_N1, NULL, &o, &err), 0);
    outcome_is(&o, 403, "not_serving");
    assert_int_equal(mnp_ch_signal(ch, "CUCC", "query", "1300730", NULL, &o, &err), 0);
    outcome_is(&o, 400, "C08");
    assert_int_equal(mnp_ch_signal(ch, "CUCC", "query", NO_PLAN, NULL, &o, &err), 0);
    outcome_is(&o, 422, "C07");
    assert_int_equal(mnp_ch_signal(ch, "CUCC", "gossip", CUCC_N1, NULL, &o, &err), 0);
    outcome_is(&o, 400, "bad_value");
    char long_detail[257];
    memset(long_detail, 'x', 256);
    long_detail[256] = '\0';
    assert_int_equal(mnp_ch_signal(ch, "CUCC", "query", CUCC_N1, long_detail, &o, &err), 0);
    outcome_is(&o, 400, "bad_value");

    tally_t t;
    tally(e, "CUCC", &t);
    assert_int_equal(t.queries, 1);
    assert_int_equal(t.late, 1);
    assert_int_equal(t.by_others, 1); /* CMCC's late agreement */
    assert_string_equal(t.detail[1], "{\"detail\":\"after\"}");
}

/* A detail within 255 bytes is taken whatever its characters: control characters (valid
 * UTF-8, and JSON the API accepts as "\u0001") grow six-fold in the audit record's JSON. */
static void test_control_character_detail(void **state)
{
    env_t *e = *state;
    char ctl[256];
    memset(ctl, '\x01', 255);
    ctl[255] = '\0';
    put(e, 0, "query", CUCC_N1, NULL);
    put(e, 1, "late_agreement", CUCC_N2, ctl);
    mnp_error_t err = {0};
    assert_int_equal(signals(e, "CUCC", 2, &err), 0);
    outcome_is(&e->out[0], 201, "");
    outcome_is(&e->out[1], 201, "");
    tally_t t;
    tally(e, "CUCC", &t);
    assert_int_equal(t.queries, 1);
    assert_int_equal(t.late, 1);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_mixed_batch), TEST(test_over_the_limit), TEST(test_largest_batch),
        TEST(test_all_refused), TEST(test_single),         TEST(test_control_character_detail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
