/*
 * Tests of the gateway's outbox of reports for the clearinghouse (store_gateway.h,
 * sqlite_gateway_reports.c) on a real SQLite file: reports of two operators are queued, each
 * operator reads only its own, oldest first and up to a limit, with every field as it was
 * written; the count is per operator; removing sent reports takes only the given ids of that
 * operator; malformed reports, operators and limits are refused with nothing written, as is a
 * write in a read transaction; and the queue survives closing and reopening the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/store.h"
#include "mnp/store_gateway.h"
#include "mnp/store_orders.h"
#include "test_support.h"

#define T0 INT64_C(1795600800000)
#define N1 UINT64_C(8613007301001)
#define N2 UINT64_C(8613007301002)
#define N3 UINT64_C(8613407301003)

#define SEEN_MAX 16

/* ---- one call of the outbox API, run in a transaction, with its results ------------------ */

typedef enum call_kind { C_ADD, C_PENDING, C_DONE, C_COUNT } call_kind_t;

typedef struct call {
    call_kind_t kind;
    const char *op;
    unsigned limit;
    mnp_gw_report_t r; /* in for C_ADD (its id out) */
    const int64_t *ids;
    size_t nids;
    /* results */
    mnp_gw_report_t seen[SEEN_MAX];
    size_t nseen;
    uint64_t count;
    mnp_error_t err;
} call_t;

static int report_seen(const mnp_gw_report_t *r, void *arg)
{
    call_t *c = arg;
    if (c->nseen < SEEN_MAX)
        c->seen[c->nseen] = *r;
    c->nseen++;
    return 0;
}

static int call_fn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    call_t *c = arg;
    c->nseen = 0;
    switch (c->kind) {
    case C_ADD:
        return mnp_txn_gw_report_add(txn, &c->r, err);
    case C_PENDING:
        return mnp_txn_gw_reports_pending(txn, c->op, c->limit, report_seen, c, err);
    case C_DONE:
        return mnp_txn_gw_reports_done(txn, c->op, c->ids, c->nids, err);
    case C_COUNT:
        return mnp_txn_gw_reports_count(txn, c->op, &c->count, err);
    }
    return MNP_EINTERNAL;
}

static int run(mnp_store_t *s, bool write, call_t *c)
{
    return test_store_run(s, write, call_fn, c, &c->err);
}

static void run_ok(mnp_store_t *s, bool write, call_t *c)
{
    char what[16];
    snprintf(what, sizeof(what), "call %d", (int)c->kind);
    test_store_run_ok(s, write, call_fn, c, &c->err, what);
}

static call_t *call_new(call_kind_t kind, const char *op)
{
    call_t *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->kind = kind;
    c->op = op;
    return c;
}

static void report_fill(mnp_gw_report_t *r, const char *op, const char *kind, uint64_t number,
                        const char *detail, int64_t created_ms)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->op, sizeof(r->op), "%s", op);
    snprintf(r->kind, sizeof(r->kind), "%s", kind);
    r->number = number;
    snprintf(r->detail, sizeof(r->detail), "%s", detail);
    r->created_ms = created_ms;
}

/* Queues a report and returns its id. */
static int64_t add(mnp_store_t *s, const char *op, const char *kind, uint64_t number,
                   const char *detail, int64_t created_ms)
{
    call_t *c = call_new(C_ADD, op);
    report_fill(&c->r, op, kind, number, detail, created_ms);
    run_ok(s, true, c);
    int64_t id = c->r.id;
    free(c);
    assert_true(id > 0);
    return id;
}

static uint64_t count(mnp_store_t *s, const char *op)
{
    call_t *c = call_new(C_COUNT, op);
    run_ok(s, false, c);
    uint64_t n = c->count;
    free(c);
    return n;
}

/* op's pending reports (limit 1000) into c, which the caller frees. */
static call_t *pending(mnp_store_t *s, const char *op, unsigned limit)
{
    call_t *c = call_new(C_PENDING, op);
    c->limit = limit;
    run_ok(s, false, c);
    return c;
}

static void done(mnp_store_t *s, const char *op, const int64_t *ids, size_t n)
{
    call_t *c = call_new(C_DONE, op);
    c->ids = ids;
    c->nids = n;
    run_ok(s, true, c);
    free(c);
}

static void report_is(const mnp_gw_report_t *r, int64_t id, const char *op, const char *kind,
                      uint64_t number, const char *detail, int64_t created_ms)
{
    assert_int_equal(r->id, id);
    assert_string_equal(r->op, op);
    assert_string_equal(r->kind, kind);
    assert_int_equal(r->number, number);
    assert_string_equal(r->detail, detail);
    assert_int_equal(r->created_ms, created_ms);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_pending_per_operator(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    char longest[256];
    memset(longest, 'd', 252);
    memcpy(longest + 252, "合", 3); /* 255 bytes, ending with a whole character */
    longest[255] = '\0';

    /* CUCC's and CMCC's reports interleaved; ids increase in the order of queueing. */
    int64_t u1 = add(s, "CUCC", "query", N1, "", T0);
    int64_t m1 = add(s, "CMCC", "query", N3, "", T0 + 1);
    int64_t u2 = add(s, "CUCC", "late_agreement", N2, "合约 added after the CXXZ", T0 + 2);
    int64_t m2 = add(s, "CMCC", "late_agreement", N3, "m", T0 + 3);
    int64_t u3 = add(s, "CUCC", "query", N1, longest, T0 + 4);
    assert_true(u1 < m1 && m1 < u2 && u2 < m2 && m2 < u3);

    assert_int_equal(count(s, "CUCC"), 3);
    assert_int_equal(count(s, "CMCC"), 2);
    assert_int_equal(count(s, "CTCC"), 0);

    /* Oldest first, up to the limit, every field as written. */
    call_t *c = pending(s, "CUCC", 2);
    assert_int_equal(c->nseen, 2);
    report_is(&c->seen[0], u1, "CUCC", "query", N1, "", T0);
    report_is(&c->seen[1], u2, "CUCC", "late_agreement", N2, "合约 added after the CXXZ", T0 + 2);
    free(c);
    c = pending(s, "CUCC", 1000);
    assert_int_equal(c->nseen, 3);
    report_is(&c->seen[2], u3, "CUCC", "query", N1, longest, T0 + 4);
    free(c);
    c = pending(s, "CUCC", 1);
    assert_int_equal(c->nseen, 1);
    assert_int_equal(c->seen[0].id, u1);
    free(c);

    /* Each operator sees only its own. */
    c = pending(s, "CMCC", 1000);
    assert_int_equal(c->nseen, 2);
    report_is(&c->seen[0], m1, "CMCC", "query", N3, "", T0 + 1);
    report_is(&c->seen[1], m2, "CMCC", "late_agreement", N3, "m", T0 + 3);
    free(c);
    c = pending(s, "CTCC", 10);
    assert_int_equal(c->nseen, 0);
    free(c);
    mnp_store_close(s);
}

static void test_done(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    int64_t u[4];
    for (int i = 0; i < 4; i++)
        u[i] = add(s, "CUCC", "query", N1 + (uint64_t)i, "", T0 + i);
    int64_t m = add(s, "CMCC", "query", N3, "", T0);

    /* The first and third are sent: the others remain, in order. */
    int64_t sent[] = {u[0], u[2]};
    done(s, "CUCC", sent, 2);
    assert_int_equal(count(s, "CUCC"), 2);
    call_t *c = pending(s, "CUCC", 10);
    assert_int_equal(c->nseen, 2);
    assert_int_equal(c->seen[0].id, u[1]);
    assert_int_equal(c->seen[1].id, u[3]);
    assert_int_equal(c->seen[0].number, N1 + 1);
    free(c);

    /* Another operator's id under this operator removes nothing, from either. */
    done(s, "CUCC", &m, 1);
    assert_int_equal(count(s, "CMCC"), 1);
    assert_int_equal(count(s, "CUCC"), 2);
    /* Nor do CUCC's ids under CMCC. */
    done(s, "CMCC", &u[1], 1);
    assert_int_equal(count(s, "CUCC"), 2);
    /* Ids already removed, unknown ids and an empty list change nothing. */
    int64_t gone[] = {u[0], u[2], m + 1000, 0, -1};
    done(s, "CUCC", gone, sizeof(gone) / sizeof(gone[0]));
    done(s, "CUCC", NULL, 0);
    assert_int_equal(count(s, "CUCC"), 2);
    assert_int_equal(count(s, "CMCC"), 1);

    /* The rest, of each operator. */
    int64_t rest[] = {u[3], u[1]};
    done(s, "CUCC", rest, 2);
    done(s, "CMCC", &m, 1);
    assert_int_equal(count(s, "CUCC"), 0);
    assert_int_equal(count(s, "CMCC"), 0);
    c = pending(s, "CUCC", 1000);
    assert_int_equal(c->nseen, 0);
    free(c);
    mnp_store_close(s);
}

/* Every refused call answers MNP_EINVAL; the queue stays as it was. */
static void test_refused(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    int64_t kept = add(s, "CUCC", "query", N1, "", T0);

    call_t *c = call_new(C_ADD, "CUCC");
    const char *bad_kinds[] = {"", "Query", "gossip", "late_agreement "};
    for (size_t i = 0; i < sizeof(bad_kinds) / sizeof(bad_kinds[0]); i++) {
        report_fill(&c->r, "CUCC", bad_kinds[i], N2, "", T0);
        assert_int_equal(run(s, true, c), MNP_EINVAL);
    }
    report_fill(&c->r, "CUCC", "query", 0, "", T0);
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    report_fill(&c->r, "CUCC", "query", MNP_STORE_NUMBER_MAX + 1, "", T0);
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    report_fill(&c->r, "CUCC", "query", N2, "", T0);
    memset(c->r.detail, 'x', sizeof(c->r.detail)); /* 256 bytes, no end */
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    report_fill(&c->r, "", "query", N2, "", T0);
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    report_fill(&c->r, "CUCC", "query", N2, "", T0);
    memset(c->r.op, 'A', sizeof(c->r.op)); /* 16 bytes, no end */
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    free(c);

    /* Bad operators and limits for the reads and the removal. */
    c = call_new(C_PENDING, "CUCC");
    c->limit = 0;
    assert_int_equal(run(s, false, c), MNP_EINVAL);
    c->limit = 1001;
    assert_int_equal(run(s, false, c), MNP_EINVAL);
    assert_int_equal(c->nseen, 0);
    c->limit = 1000;
    run_ok(s, false, c);
    assert_int_equal(c->nseen, 1);
    c->op = "";
    assert_int_equal(run(s, false, c), MNP_EINVAL);
    c->op = NULL;
    assert_int_equal(run(s, false, c), MNP_EINVAL);
    c->op = "OPERATORCODE1234"; /* 16 characters */
    assert_int_equal(run(s, false, c), MNP_EINVAL);
    c->kind = C_COUNT;
    c->op = "";
    assert_int_equal(run(s, false, c), MNP_EINVAL);
    c->op = NULL;
    assert_int_equal(run(s, false, c), MNP_EINVAL);
    c->kind = C_DONE;
    c->ids = &kept;
    c->nids = 1;
    c->op = "";
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    c->op = NULL;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    free(c);

    /* Nothing was written, nothing removed. */
    assert_int_equal(count(s, "CUCC"), 1);
    c = pending(s, "CUCC", 1000);
    assert_int_equal(c->nseen, 1);
    report_is(&c->seen[0], kept, "CUCC", "query", N1, "", T0);
    free(c);
    mnp_store_close(s);
}

/* A read transaction neither queues nor removes. */
static void test_read_transaction(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    int64_t kept = add(s, "CUCC", "query", N1, "", T0);
    call_t *c = call_new(C_ADD, "CUCC");
    report_fill(&c->r, "CUCC", "late_agreement", N2, "x", T0);
    assert_int_equal(run(s, false, c), MNP_EINTERNAL);
    c->kind = C_DONE;
    c->ids = &kept;
    c->nids = 1;
    assert_int_equal(run(s, false, c), MNP_EINTERNAL);
    free(c);
    assert_int_equal(count(s, "CUCC"), 1);
    c = pending(s, "CUCC", 10);
    assert_int_equal(c->nseen, 1);
    assert_int_equal(c->seen[0].id, kept);
    free(c);
    mnp_store_close(s);
}

/* The outbox is durable: a gateway restarting sends what it had not sent. */
static void test_reopen(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    int64_t a = add(s, "CUCC", "query", N1, "", T0);
    int64_t b = add(s, "CUCC", "late_agreement", N2, "after the CXXZ", T0 + 5);
    int64_t m = add(s, "CMCC", "query", N3, "", T0 + 6);
    done(s, "CUCC", &a, 1);
    mnp_store_close(s);

    s = test_store_open(f->path, false);
    assert_int_equal(count(s, "CUCC"), 1);
    assert_int_equal(count(s, "CMCC"), 1);
    call_t *c = pending(s, "CUCC", 1000);
    assert_int_equal(c->nseen, 1);
    report_is(&c->seen[0], b, "CUCC", "late_agreement", N2, "after the CXXZ", T0 + 5);
    free(c);
    int64_t d = add(s, "CUCC", "query", N1, "", T0 + 7);
    assert_true(d > m);
    c = pending(s, "CUCC", 1000);
    assert_int_equal(c->nseen, 2);
    assert_int_equal(c->seen[0].id, b);
    assert_int_equal(c->seen[1].id, d);
    free(c);
    mnp_store_close(s);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, test_fixture_setup, test_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_pending_per_operator), TEST(test_done),   TEST(test_refused),
        TEST(test_read_transaction),     TEST(test_reopen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
