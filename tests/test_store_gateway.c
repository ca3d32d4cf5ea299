/*
 * Tests of an operator gateway's records in the store (store_gateway.h, sqlite_gateway.c), on a
 * real SQLite file: subscribers are added, changed and left alone as counted, and only a changed
 * status or identity moves its since instant; the active flag survives re-imports; bad rows are
 * refused with nothing written; agreements are refused for unknown subscribers, read back oldest
 * first, and an agreement handed over again keeps its id and created_ms; an agreement is ended
 * once (the first instant stands) and read back by id; the freeze is recorded
 * once; issued codes are replaced; two operators in one file never see each other's rows; read
 * transactions write nothing. The queues are tested in test_store_gateway_queue.c.
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
#include "test_support.h"

#define T0  INT64_C(1700000000000)
#define N1  UINT64_C(8613012345678)
#define N2  UINT64_C(8613012345679)
#define N3  UINT64_C(8613012345670)
#define ID1 "11010519491231002X"
#define ID2 "430102199003074515"

/* ---- one call of the store API, run in a transaction, with its results ------------------- */

typedef enum call_kind {
    C_PUT,
    C_GET,
    C_ACTIVE,
    C_AGR_ADD,
    C_AGR_OF,
    C_FREEZE,
    C_FREEZE_GET,
    C_CODE_ISSUED,
    C_CODE_GET,
    C_LATE_GET,
    C_LATE_DONE,
    C_AGR_END,
    C_AGR_GET,
} call_kind_t;

#define SEEN_MAX 16

typedef struct call {
    call_kind_t kind;
    const char *op;
    uint64_t number;
    int64_t now_ms, a_ms, b_ms;
    bool flag;
    size_t max;
    const mnp_subscriber_row_t *subs;
    const mnp_agreement_row_t *agrs;
    size_t n;
    /* results */
    size_t added, changed, count;
    int64_t out_a, out_b;
    uint64_t out_number;
    mnp_gw_subscriber_t sub;
    mnp_agreement_t agr[SEEN_MAX];
    mnp_error_t err;
} call_t;

static int call_fn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    call_t *c = arg;
    switch (c->kind) {
    case C_PUT:
        return mnp_txn_gw_subscribers_put(txn, c->op, c->subs, c->n, c->now_ms, &c->added,
                                          &c->changed, err);
    case C_GET:
        return mnp_txn_gw_subscriber_get(txn, c->op, c->number, &c->sub, err);
    case C_ACTIVE:
        return mnp_txn_gw_subscriber_set_active(txn, c->op, c->number, c->flag, c->now_ms, err);
    case C_AGR_ADD:
        return mnp_txn_gw_agreements_add(txn, c->op, c->agrs, c->n, c->now_ms, &c->added, err);
    case C_AGR_OF:
        return mnp_txn_gw_agreements_of(txn, c->op, c->number, c->agr, c->max, &c->count, err);
    case C_FREEZE:
        return mnp_txn_gw_freeze(txn, c->op, c->number, c->now_ms, &c->out_a, err);
    case C_FREEZE_GET:
        return mnp_txn_gw_freeze_get(txn, c->op, c->number, &c->out_a, err);
    case C_CODE_ISSUED:
        return mnp_txn_gw_code_issued(txn, c->op, c->number, c->a_ms, c->b_ms, err);
    case C_CODE_GET:
        return mnp_txn_gw_code_get(txn, c->op, c->number, &c->out_a, &c->out_b, err);
    case C_LATE_GET: /* a_ms: the agreement id */
        return mnp_txn_gw_late_reported(txn, c->op, c->a_ms, &c->flag, err);
    case C_LATE_DONE:
        return mnp_txn_gw_late_report_done(txn, c->op, c->a_ms, c->now_ms, err);
    case C_AGR_END: /* a_ms: the agreement id; now_ms: when it ends; flag: already */
        return mnp_txn_gw_agreement_end(txn, c->op, c->a_ms, c->now_ms, &c->flag, err);
    case C_AGR_GET: /* a_ms: the agreement id, into agr[0] and out_number */
        return mnp_txn_gw_agreement_get(txn, c->op, c->a_ms, &c->agr[0], &c->out_number, err);
    }
    return MNP_EINTERNAL;
}

/* Runs c in a write (write) or read transaction; returns the call's result. */
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

static mnp_subscriber_row_t sub_row(uint64_t number, const char *name, const char *identity)
{
    mnp_subscriber_row_t r;
    memset(&r, 0, sizeof(r));
    r.sub.number = number;
    snprintf(r.sub.name, sizeof(r.sub.name), "%s", name);
    snprintf(r.sub.identity, sizeof(r.sub.identity), "%s", identity);
    r.sub.registration = MNP_REG_PERSON;
    r.sub.status = MNP_SUB_NORMAL;
    r.sub.unpaid_fen = 0;
    r.sub.last_port_ms = T0 - 200 * INT64_C(86400000);
    snprintf(r.services[0], sizeof(r.services[0]), "副卡");
    snprintf(r.services[1], sizeof(r.services[1]), "broadband 100M");
    r.nservices = 2;
    r.balance_fen = 1234;
    return r;
}

/* Puts rows for op at now_ms and checks the counts. */
static void put_ok(mnp_store_t *s, const char *op, const mnp_subscriber_row_t *rows, size_t n,
                   int64_t now_ms, size_t added, size_t changed)
{
    call_t *c = call_new(C_PUT, op);
    c->subs = rows;
    c->n = n;
    c->now_ms = now_ms;
    run_ok(s, true, c);
    assert_int_equal(c->added, added);
    assert_int_equal(c->changed, changed);
    free(c);
}

static mnp_gw_subscriber_t get_ok(mnp_store_t *s, const char *op, uint64_t number)
{
    call_t *c = call_new(C_GET, op);
    c->number = number;
    run_ok(s, false, c);
    mnp_gw_subscriber_t out = c->sub;
    free(c);
    return out;
}

static void assert_row_equal(const mnp_subscriber_row_t *a, const mnp_subscriber_row_t *b)
{
    assert_int_equal(a->sub.number, b->sub.number);
    assert_string_equal(a->sub.name, b->sub.name);
    assert_string_equal(a->sub.identity, b->sub.identity);
    assert_int_equal(a->sub.registration, b->sub.registration);
    assert_int_equal(a->sub.status, b->sub.status);
    assert_int_equal(a->sub.unpaid_fen, b->sub.unpaid_fen);
    assert_int_equal(a->sub.last_port_ms, b->sub.last_port_ms);
    assert_int_equal(a->nservices, b->nservices);
    for (size_t i = 0; i < a->nservices; i++)
        assert_string_equal(a->services[i], b->services[i]);
    assert_int_equal(a->balance_fen, b->balance_fen);
}

/* ---- subscribers -------------------------------------------------------------------------- */

static void test_subscribers_put_get_since(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_subscriber_row_t rows[2] = {sub_row(N1, "张三", ID1), sub_row(N2, "李四", ID2)};
    rows[1].sub.last_port_ms = 0; /* never ported: stored as NULL, read as 0 */
    rows[1].nservices = 0;

    put_ok(s, "CUCC", rows, 2, T0, 2, 0);
    mnp_gw_subscriber_t g = get_ok(s, "CUCC", N1);
    assert_string_equal(g.op, "CUCC");
    assert_row_equal(&g.row, &rows[0]);
    assert_true(g.active);
    assert_int_equal(g.status_since_ms, T0);
    assert_int_equal(g.identity_since_ms, T0);
    assert_int_equal(g.updated_ms, T0);
    g = get_ok(s, "CUCC", N2);
    assert_row_equal(&g.row, &rows[1]);

    /* The same rows again: nothing changes, not even updated_ms. */
    put_ok(s, "CUCC", rows, 2, T0 + 1000, 0, 0);
    assert_int_equal(get_ok(s, "CUCC", N1).updated_ms, T0);

    /* A balance changes: updated, the since instants stay. */
    rows[0].balance_fen = 99;
    put_ok(s, "CUCC", rows, 2, T0 + 2000, 0, 1);
    g = get_ok(s, "CUCC", N1);
    assert_int_equal(g.row.balance_fen, 99);
    assert_int_equal(g.updated_ms, T0 + 2000);
    assert_int_equal(g.status_since_ms, T0);
    assert_int_equal(g.identity_since_ms, T0);

    /* D01: the status changes. */
    rows[0].sub.status = MNP_SUB_LOST;
    put_ok(s, "CUCC", rows, 1, T0 + 3000, 0, 1);
    g = get_ok(s, "CUCC", N1);
    assert_int_equal(g.row.sub.status, MNP_SUB_LOST);
    assert_int_equal(g.status_since_ms, T0 + 3000);
    assert_int_equal(g.identity_since_ms, T0);

    /* D02: the owner changes (and the services go). */
    snprintf(rows[0].sub.identity, sizeof(rows[0].sub.identity), "%s", ID2);
    rows[0].nservices = 0;
    put_ok(s, "CUCC", rows, 1, T0 + 4000, 0, 1);
    g = get_ok(s, "CUCC", N1);
    assert_string_equal(g.row.sub.identity, ID2);
    assert_int_equal(g.row.nservices, 0);
    assert_int_equal(g.status_since_ms, T0 + 3000);
    assert_int_equal(g.identity_since_ms, T0 + 4000);

    /* Ported out: inactive, and a later import does not bring it back. */
    call_t *c = call_new(C_ACTIVE, "CUCC");
    c->number = N1;
    c->flag = false;
    c->now_ms = T0 + 5000;
    run_ok(s, true, c);
    rows[0].sub.unpaid_fen = 5;
    put_ok(s, "CUCC", rows, 1, T0 + 6000, 0, 1);
    assert_false(get_ok(s, "CUCC", N1).active);
    c->flag = true;
    run_ok(s, true, c);
    assert_true(get_ok(s, "CUCC", N1).active);

    /* Unknown numbers. */
    c->number = N3;
    assert_int_equal(run(s, true, c), MNP_ENOENT);
    assert_string_equal(c->err.msg, "CUCC has no subscriber 8613012345670");
    c->kind = C_GET;
    assert_int_equal(run(s, false, c), MNP_ENOENT);
    assert_string_equal(c->err.msg, "CUCC has no subscriber 8613012345670");
    c->number = 0;
    assert_int_equal(run(s, false, c), MNP_ENOENT);
    free(c);
    mnp_store_close(s);
}

static void test_subscribers_bad_rows(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_subscriber_row_t rows[2] = {sub_row(N1, "a", ID1), sub_row(N2, "b", ID2)};
    call_t *c = call_new(C_PUT, "CUCC");
    c->subs = rows;
    c->n = 2;
    c->now_ms = T0;

    /* Each bad second row: the good first one is not written either. */
    mnp_subscriber_row_t bad[8];
    for (size_t i = 0; i < 8; i++)
        bad[i] = sub_row(N2, "b", ID2);
    bad[0].sub.name[0] = '\0';
    bad[1].sub.identity[5] = '\0';
    bad[2].sub.registration = 0;
    bad[3].sub.status = 4;
    bad[4].sub.unpaid_fen = -1;
    bad[5].balance_fen = -1;
    bad[6].nservices = MNP_SERVICES_MAX + 1;
    snprintf(bad[7].services[1], sizeof(bad[7].services[1]), "a;b");
    for (size_t i = 0; i < 8; i++) {
        rows[1] = bad[i];
        assert_int_equal(run(s, true, c), MNP_EINVAL);
        c->kind = C_GET;
        c->number = N1;
        assert_int_equal(run(s, false, c), MNP_ENOENT);
        c->kind = C_PUT;
    }
    rows[1] = sub_row(0, "b", ID2);
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    rows[1] = sub_row(N2, "b", ID2);
    c->op = "";
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    c->op = "0123456789ABCDEF";
    assert_int_equal(run(s, true, c), MNP_EINVAL);

    /* A read transaction writes nothing. */
    c->op = "CUCC";
    assert_int_equal(run(s, false, c), MNP_EINTERNAL);
    run_ok(s, true, c);
    assert_int_equal(c->added, 2);
    free(c);
    mnp_store_close(s);
}

/* ---- agreements --------------------------------------------------------------------------- */

static mnp_agreement_row_t agr_row(uint64_t number, const char *name, int64_t start_ms,
                                   bool has_term)
{
    mnp_agreement_row_t r;
    memset(&r, 0, sizeof(r));
    r.number = number;
    snprintf(r.agreement.name, sizeof(r.agreement.name), "%s", name);
    r.agreement.start_ms = start_ms;
    r.agreement.end_ms = start_ms + 365 * INT64_C(86400000);
    r.agreement.fee_fen = 10000;
    r.agreement.has_term = has_term;
    return r;
}

static void test_agreements(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_subscriber_row_t subs[1] = {sub_row(N1, "a", ID1)};
    put_ok(s, "CUCC", subs, 1, T0, 1, 0);

    mnp_agreement_row_t rows[3] = {agr_row(N1, "合约", T0, true), agr_row(N1, "promo", T0, false),
                                   agr_row(N2, "合约", T0, true)};
    call_t *c = call_new(C_AGR_ADD, "CUCC");
    c->agrs = rows;
    c->n = 3;
    c->now_ms = T0 + 10;
    /* N2 is no subscriber of CUCC: nothing is added. */
    assert_int_equal(run(s, true, c), MNP_ENOENT);
    assert_string_equal(c->err.msg,
                        "CUCC has no subscriber 8613012345679: an agreement needs its subscriber "
                        "first");
    c->kind = C_AGR_OF;
    c->number = N1;
    c->max = SEEN_MAX;
    run_ok(s, false, c);
    assert_int_equal(c->count, 0);

    c->kind = C_AGR_ADD;
    c->n = 2;
    run_ok(s, true, c);
    assert_int_equal(c->added, 2);

    /* Handed over again with one new agreement, later: only the new one is added, and the old
     * ones keep their id and created_ms. */
    rows[1].agreement.fee_fen = 0; /* other terms: another agreement */
    c->now_ms = T0 + 20;
    run_ok(s, true, c);
    assert_int_equal(c->added, 1);

    c->kind = C_AGR_OF;
    run_ok(s, false, c);
    assert_int_equal(c->count, 3);
    assert_string_equal(c->agr[0].name, "合约");
    assert_int_equal(c->agr[0].created_ms, T0 + 10);
    assert_true(c->agr[0].has_term);
    assert_int_equal(c->agr[0].start_ms, T0);
    assert_int_equal(c->agr[0].end_ms, T0 + 365 * INT64_C(86400000));
    assert_int_equal(c->agr[0].fee_fen, 10000);
    assert_string_equal(c->agr[1].name, "promo");
    assert_false(c->agr[1].has_term);
    assert_int_equal(c->agr[1].created_ms, T0 + 10);
    assert_int_equal(c->agr[2].fee_fen, 0);
    assert_int_equal(c->agr[2].created_ms, T0 + 20);
    assert_true(c->agr[0].id > 0 && c->agr[1].id > c->agr[0].id && c->agr[2].id > c->agr[1].id);

    /* At most max are copied; the count is all of them. */
    memset(c->agr, 0, sizeof(c->agr));
    c->max = 1;
    run_ok(s, false, c);
    assert_int_equal(c->count, 3);
    assert_string_equal(c->agr[0].name, "合约");
    assert_int_equal(c->agr[1].id, 0);
    c->max = 0;
    run_ok(s, false, c);
    assert_int_equal(c->count, 3);

    /* Bad agreements. */
    c->kind = C_AGR_ADD;
    c->n = 1;
    rows[0].agreement.end_ms = rows[0].agreement.start_ms;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    rows[0] = agr_row(N1, "", T0, true);
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    rows[0] = agr_row(N1, "x", T0, true);
    rows[0].agreement.fee_fen = -1;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    free(c);
    mnp_store_close(s);
}

/* An agreement is ended once: the first instant stands, a second end says already; agreements
 * read back carry ended_ms (0 while not ended); get finds one by id with its number; another
 * operator can neither read nor end it; a re-sent agreement stays ended. */
static void test_agreement_end_get(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_subscriber_row_t subs[2] = {sub_row(N1, "a", ID1), sub_row(N2, "b", ID2)};
    put_ok(s, "CUCC", subs, 2, T0, 2, 0);
    mnp_agreement_row_t rows[2] = {agr_row(N1, "合约", T0, true), agr_row(N2, "套餐", T0, true)};
    call_t *c = call_new(C_AGR_ADD, "CUCC");
    c->agrs = rows;
    c->n = 2;
    c->now_ms = T0 + 10;
    run_ok(s, true, c);
    c->kind = C_AGR_OF;
    c->number = N1;
    c->max = SEEN_MAX;
    run_ok(s, false, c);
    assert_int_equal(c->count, 1);
    assert_int_equal(c->agr[0].ended_ms, 0); /* NULL in the store */
    const int64_t id = c->agr[0].id;

    /* get: the agreement and its number. */
    c->kind = C_AGR_GET;
    c->a_ms = id;
    memset(c->agr, 0, sizeof(c->agr));
    run_ok(s, false, c);
    assert_int_equal(c->agr[0].id, id);
    assert_string_equal(c->agr[0].name, "合约");
    assert_int_equal(c->agr[0].created_ms, T0 + 10);
    assert_int_equal(c->agr[0].fee_fen, 10000);
    assert_true(c->agr[0].has_term);
    assert_int_equal(c->agr[0].ended_ms, 0);
    assert_int_equal(c->out_number, N1);

    /* The first end. */
    c->kind = C_AGR_END;
    c->now_ms = T0 + 500;
    c->flag = true;
    run_ok(s, true, c);
    assert_false(c->flag);
    /* Again, later: already, and the first instant stands. */
    c->now_ms = T0 + 900;
    run_ok(s, true, c);
    assert_true(c->flag);
    c->kind = C_AGR_GET;
    run_ok(s, false, c);
    assert_int_equal(c->agr[0].ended_ms, T0 + 500);
    c->kind = C_AGR_OF;
    run_ok(s, false, c);
    assert_int_equal(c->agr[0].ended_ms, T0 + 500);
    c->number = N2; /* the other number's agreement is untouched */
    run_ok(s, false, c);
    assert_int_equal(c->count, 1);
    assert_int_equal(c->agr[0].ended_ms, 0);

    /* Handed over again: the same agreement, still ended. */
    c->kind = C_AGR_ADD;
    c->n = 1;
    c->now_ms = T0 + 1000;
    run_ok(s, true, c);
    assert_int_equal(c->added, 0);
    c->kind = C_AGR_OF;
    c->number = N1;
    run_ok(s, false, c);
    assert_int_equal(c->count, 1);
    assert_int_equal(c->agr[0].ended_ms, T0 + 500);

    /* Unknown ids, another operator's id, bad instants, read transactions. */
    c->kind = C_AGR_END;
    c->a_ms = id + 1000;
    assert_int_equal(run(s, true, c), MNP_ENOENT);
    char msg[64];
    snprintf(msg, sizeof(msg), "CUCC has no agreement %lld", (long long)(id + 1000));
    assert_string_equal(c->err.msg, msg);
    c->kind = C_AGR_GET;
    assert_int_equal(run(s, false, c), MNP_ENOENT);
    c->a_ms = id;
    c->op = "CMCC";
    assert_int_equal(run(s, false, c), MNP_ENOENT);
    c->kind = C_AGR_END;
    assert_int_equal(run(s, true, c), MNP_ENOENT);
    c->op = "CUCC";
    c->a_ms = id + 1; /* N2's agreement */
    c->now_ms = 0;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    c->now_ms = T0 + 2000;
    assert_int_equal(run(s, false, c), MNP_EINTERNAL);
    c->kind = C_AGR_GET;
    run_ok(s, false, c);
    assert_int_equal(c->out_number, N2);
    assert_int_equal(c->agr[0].ended_ms, 0); /* none of those ended it */
    c->op = "";
    assert_int_equal(run(s, false, c), MNP_EINVAL);
    free(c);
    mnp_store_close(s);
}

/* ---- the freeze and issued codes ---------------------------------------------------------- */

static void test_freeze_once_and_codes(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    call_t *c = call_new(C_FREEZE_GET, "CUCC");
    c->number = N1;
    assert_int_equal(run(s, false, c), MNP_ENOENT);
    assert_string_equal(c->err.msg, "number 8613012345678 of CUCC was never queried");

    c->kind = C_FREEZE;
    c->now_ms = T0;
    run_ok(s, true, c);
    assert_int_equal(c->out_a, T0);
    c->now_ms = T0 + 5000; /* a later query does not move it */
    run_ok(s, true, c);
    assert_int_equal(c->out_a, T0);
    c->kind = C_FREEZE_GET;
    run_ok(s, false, c);
    assert_int_equal(c->out_a, T0);
    c->kind = C_FREEZE;
    assert_int_equal(run(s, false, c), MNP_EINTERNAL);

    c->kind = C_CODE_GET;
    assert_int_equal(run(s, false, c), MNP_ENOENT);
    c->kind = C_CODE_ISSUED;
    c->a_ms = T0;
    c->b_ms = T0 + 3600000;
    run_ok(s, true, c);
    c->a_ms = T0 + 60000; /* a new code replaces the old */
    c->b_ms = T0 + 60000 + 3600000;
    run_ok(s, true, c);
    c->kind = C_CODE_GET;
    run_ok(s, false, c);
    assert_int_equal(c->out_a, T0 + 60000);
    assert_int_equal(c->out_b, T0 + 60000 + 3600000);
    c->kind = C_CODE_ISSUED;
    c->b_ms = c->a_ms - 1;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    c->number = 0;
    c->b_ms = c->a_ms;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    free(c);
    mnp_store_close(s);
}

/* A late agreement is reported once per operator; recording it again changes nothing. */
static void test_late_reports(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    call_t *c = call_new(C_LATE_GET, "CUCC");
    c->a_ms = 42;
    c->flag = true;
    run_ok(s, false, c);
    assert_false(c->flag);
    c->kind = C_LATE_DONE;
    c->now_ms = T0;
    run_ok(s, true, c);
    run_ok(s, true, c);
    c->kind = C_LATE_GET;
    run_ok(s, false, c);
    assert_true(c->flag);
    c->op = "CMCC"; /* another tenant's agreement 42 is another agreement */
    run_ok(s, false, c);
    assert_false(c->flag);
    c->kind = C_LATE_DONE;
    assert_int_equal(run(s, false, c), MNP_EINTERNAL); /* writes only in a write transaction */
    c->op = "";
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    free(c);
    mnp_store_close(s);
}

/* ---- tenants ------------------------------------------------------------------------------ */

static void test_tenant_isolation(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    /* The same number at two operators (a demo market in one file): two records. */
    mnp_subscriber_row_t a[1] = {sub_row(N1, "at CUCC", ID1)};
    mnp_subscriber_row_t b[1] = {sub_row(N1, "at CMCC", ID2)};
    put_ok(s, "CUCC", a, 1, T0, 1, 0);
    put_ok(s, "CMCC", b, 1, T0 + 1, 1, 0);
    assert_string_equal(get_ok(s, "CUCC", N1).row.sub.name, "at CUCC");
    assert_string_equal(get_ok(s, "CMCC", N1).row.sub.name, "at CMCC");

    call_t *c = call_new(C_ACTIVE, "CMCC");
    c->number = N1;
    c->flag = false;
    run_ok(s, true, c);
    assert_true(get_ok(s, "CUCC", N1).active);

    mnp_agreement_row_t rows[1] = {agr_row(N1, "CUCC plan", T0, true)};
    c->kind = C_AGR_ADD;
    c->op = "CUCC";
    c->agrs = rows;
    c->n = 1;
    run_ok(s, true, c);
    c->kind = C_AGR_OF;
    c->op = "CMCC";
    c->max = SEEN_MAX;
    run_ok(s, false, c);
    assert_int_equal(c->count, 0);
    /* An agreement for a number CTCC has no subscriber for is refused, though others have. */
    c->kind = C_AGR_ADD;
    c->op = "CTCC";
    assert_int_equal(run(s, true, c), MNP_ENOENT);

    c->kind = C_FREEZE;
    c->op = "CUCC";
    c->now_ms = T0 + 5;
    run_ok(s, true, c);
    c->kind = C_FREEZE_GET;
    c->op = "CMCC";
    assert_int_equal(run(s, false, c), MNP_ENOENT);

    c->kind = C_CODE_ISSUED;
    c->op = "CUCC";
    c->a_ms = T0;
    c->b_ms = T0 + 1;
    run_ok(s, true, c);
    c->kind = C_CODE_GET;
    c->op = "CMCC";
    assert_int_equal(run(s, false, c), MNP_ENOENT);

    free(c);
    mnp_store_close(s);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, test_fixture_setup, test_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_subscribers_put_get_since),
        TEST(test_subscribers_bad_rows),
        TEST(test_agreements),
        TEST(test_agreement_end_get),
        TEST(test_freeze_once_and_codes),
        TEST(test_late_reports),
        TEST(test_tenant_isolation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
