/*
 * Tests of what an operator gateway owes others, in the store (store_gateway.h,
 * sqlite_gateway_queue.c), on a real SQLite file: the SMS queue pages by id and limit and
 * acknowledges up to an id, per operator; provisioning events are pending, due, failed
 * (attempts counted, the error cut to the column on a character boundary) and delivered (final:
 * a late failure changes nothing), with the backlog counted per operator; followed orders are
 * upserted keeping their first created_ms; the feed position is kept per operator and may go
 * back to 0; bad records and limits are refused; read transactions write nothing.
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

/* ---- one call of the store API, run in a transaction, with its results ------------------- */

typedef enum call_kind {
    C_SMS_ADD,
    C_SMS_PENDING,
    C_SMS_ACK,
    C_PROV_ADD,
    C_PROV_PENDING,
    C_PROV_DELIVERED,
    C_PROV_FAILED,
    C_PROV_BACKLOG,
    C_ORDER_PUT,
    C_ORDER_GET,
    C_FEED_GET,
    C_FEED_SET,
} call_kind_t;

#define SEEN_MAX 16

typedef struct call {
    call_kind_t kind;
    const char *op;
    int64_t now_ms, id;
    unsigned limit;
    const char *text;
    /* results */
    size_t count;
    uint64_t u1, u2;
    mnp_gw_sms_t msg;            /* in for C_SMS_ADD; out: the first pending */
    mnp_gw_prov_t ev;            /* in for C_PROV_ADD */
    mnp_gw_prov_t evs[SEEN_MAX]; /* out: pending events */
    mnp_gw_order_t order;
    int64_t ids[SEEN_MAX];
    size_t nids;
    mnp_error_t err;
} call_t;
static int sms_seen(const mnp_gw_sms_t *msg, void *arg)
{
    call_t *c = arg;
    if (c->nids == 0)
        c->msg = *msg;
    if (c->nids < SEEN_MAX)
        c->ids[c->nids] = msg->id;
    c->nids++;
    return 0;
}

static int prov_seen(const mnp_gw_prov_t *ev, void *arg)
{
    call_t *c = arg;
    if (c->nids < SEEN_MAX) {
        c->ids[c->nids] = ev->id;
        c->evs[c->nids] = *ev;
    }
    c->nids++;
    return 0;
}

static int call_fn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    call_t *c = arg;
    c->nids = 0;
    switch (c->kind) {
    case C_SMS_ADD:
        return mnp_txn_gw_sms_add(txn, &c->msg, err);
    case C_SMS_PENDING:
        return mnp_txn_gw_sms_pending(txn, c->op, c->id, c->limit, sms_seen, c, err);
    case C_SMS_ACK:
        return mnp_txn_gw_sms_ack(txn, c->op, c->id, c->now_ms, &c->count, err);
    case C_PROV_ADD:
        return mnp_txn_gw_prov_add(txn, &c->ev, err);
    case C_PROV_PENDING:
        return mnp_txn_gw_prov_pending(txn, c->op, c->id, c->limit, c->now_ms, prov_seen, c, err);
    case C_PROV_DELIVERED:
        return mnp_txn_gw_prov_delivered(txn, c->id, c->now_ms, err);
    case C_PROV_FAILED:
        return mnp_txn_gw_prov_failed(txn, c->id, c->text, c->now_ms, err);
    case C_PROV_BACKLOG:
        return mnp_txn_gw_prov_backlog(txn, c->op, &c->u1, &c->u2, err);
    case C_ORDER_PUT:
        return mnp_txn_gw_order_put(txn, &c->order, err);
    case C_ORDER_GET:
        return mnp_txn_gw_order_get(txn, c->op, c->id, &c->order, err);
    case C_FEED_GET:
        return mnp_txn_gw_feed_get(txn, c->op, &c->u1, err);
    case C_FEED_SET:
        return mnp_txn_gw_feed_set(txn, c->op, c->u1, err);
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

/* ---- SMS ---------------------------------------------------------------------------------- */

static int64_t sms_add(mnp_store_t *s, const char *op, uint64_t to, const char *text)
{
    call_t *c = call_new(C_SMS_ADD, op);
    snprintf(c->msg.op, sizeof(c->msg.op), "%s", op);
    c->msg.to = to;
    snprintf(c->msg.from, sizeof(c->msg.from), "10010");
    snprintf(c->msg.text, sizeof(c->msg.text), "%s", text);
    c->msg.segments = 1;
    c->msg.created_ms = T0;
    run_ok(s, true, c);
    int64_t id = c->msg.id;
    free(c);
    assert_true(id > 0);
    return id;
}

static void test_sms_queue(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    int64_t id[5];
    for (int i = 0; i < 5; i++) {
        char text[32];
        snprintf(text, sizeof(text), "reply %d 您好", i);
        id[i] = sms_add(s, "CUCC", N1 + (uint64_t)i, text);
    }
    int64_t other = sms_add(s, "CMCC", N1, "other");

    call_t *c = call_new(C_SMS_PENDING, "CUCC");
    c->limit = 2;
    run_ok(s, false, c);
    assert_int_equal(c->nids, 2);
    assert_int_equal(c->ids[0], id[0]);
    assert_int_equal(c->ids[1], id[1]);
    assert_string_equal(c->msg.op, "CUCC");
    assert_int_equal(c->msg.to, N1);
    assert_string_equal(c->msg.from, "10010");
    assert_string_equal(c->msg.text, "reply 0 您好");
    assert_int_equal(c->msg.segments, 1);
    assert_int_equal(c->msg.created_ms, T0);
    c->id = id[1]; /* the next page */
    c->limit = 1000;
    run_ok(s, false, c);
    assert_int_equal(c->nids, 3);
    assert_int_equal(c->ids[0], id[2]);

    /* Acknowledged up to the third: two remain; again changes nothing. */
    c->kind = C_SMS_ACK;
    c->id = id[2];
    c->now_ms = T0 + 1;
    run_ok(s, true, c);
    assert_int_equal(c->count, 3);
    run_ok(s, true, c);
    assert_int_equal(c->count, 0);
    c->kind = C_SMS_PENDING;
    c->id = 0;
    run_ok(s, false, c);
    assert_int_equal(c->nids, 2);
    assert_int_equal(c->ids[0], id[3]);

    /* Another operator's acknowledgement does not reach CUCC's queue, nor the reverse. */
    c->kind = C_SMS_ACK;
    c->op = "CMCC";
    c->id = other; /* beyond every CUCC id */
    run_ok(s, true, c);
    assert_int_equal(c->count, 1);
    c->kind = C_SMS_PENDING;
    c->op = "CUCC";
    c->id = 0;
    run_ok(s, false, c);
    assert_int_equal(c->nids, 2);

    c->limit = 0;
    assert_int_equal(run(s, false, c), MNP_EINVAL);
    c->limit = 1001;
    assert_int_equal(run(s, false, c), MNP_EINVAL);

    /* Bad messages. */
    c->kind = C_SMS_ADD;
    memset(&c->msg, 0, sizeof(c->msg));
    snprintf(c->msg.op, sizeof(c->msg.op), "CUCC");
    c->msg.to = N1;
    snprintf(c->msg.from, sizeof(c->msg.from), "10010");
    c->msg.segments = 1;
    assert_int_equal(run(s, true, c), MNP_EINVAL); /* empty text */
    snprintf(c->msg.text, sizeof(c->msg.text), "x");
    c->msg.segments = 0;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    c->msg.segments = 1;
    c->msg.from[0] = '\0';
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    snprintf(c->msg.from, sizeof(c->msg.from), "10010");
    c->msg.to = 0;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    free(c);
    mnp_store_close(s);
}

/* ---- provisioning ------------------------------------------------------------------------- */

static int64_t prov_add(mnp_store_t *s, const char *op, mnp_prov_kind_t kind, uint64_t number,
                        int64_t next_try_ms)
{
    call_t *c = call_new(C_PROV_ADD, op);
    snprintf(c->ev.op, sizeof(c->ev.op), "%s", op);
    c->ev.kind = kind;
    c->ev.number = number;
    c->ev.order_id = 77;
    c->ev.created_ms = T0;
    c->ev.next_try_ms = next_try_ms;
    run_ok(s, true, c);
    int64_t id = c->ev.id;
    free(c);
    return id;
}

static void backlog_is(mnp_store_t *s, const char *op, uint64_t pending, uint64_t max_attempts)
{
    call_t *c = call_new(C_PROV_BACKLOG, op);
    run_ok(s, false, c);
    assert_int_equal(c->u1, pending);
    assert_int_equal(c->u2, max_attempts);
    free(c);
}

static void test_provisioning(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    backlog_is(s, "CUCC", 0, 0);
    int64_t a = prov_add(s, "CUCC", MNP_PROV_ACTIVATE, N1, T0);
    int64_t b = prov_add(s, "CUCC", MNP_PROV_DEACTIVATE, N2, T0 + 60000);
    int64_t r = prov_add(s, "CUCC", MNP_PROV_RETURN, N3, T0);
    prov_add(s, "CMCC", MNP_PROV_ACTIVATE, N1, T0);
    backlog_is(s, "CUCC", 3, 0);
    backlog_is(s, "CMCC", 1, 0);

    call_t *c = call_new(C_PROV_PENDING, "CUCC");
    c->limit = 10;
    run_ok(s, false, c); /* due_ms 0: every undelivered event */
    assert_int_equal(c->nids, 3);
    assert_int_equal(c->ids[0], a);
    assert_int_equal(c->evs[0].kind, MNP_PROV_ACTIVATE);
    assert_int_equal(c->evs[0].number, N1);
    assert_int_equal(c->evs[0].order_id, 77);
    assert_int_equal(c->evs[0].created_ms, T0);
    assert_int_equal(c->evs[0].delivered_ms, 0);
    assert_string_equal(c->evs[0].op, "CUCC");
    assert_int_equal(c->evs[1].kind, MNP_PROV_DEACTIVATE);
    assert_int_equal(c->evs[2].kind, MNP_PROV_RETURN);
    c->now_ms = T0; /* due by T0: b is not */
    run_ok(s, false, c);
    assert_int_equal(c->nids, 2);
    assert_int_equal(c->ids[1], r);
    c->id = a; /* paged */
    c->limit = 1;
    run_ok(s, false, c);
    assert_int_equal(c->nids, 1);
    assert_int_equal(c->ids[0], r);

    /* a fails twice (the error cut to the column, on a character boundary), then is
     * delivered. */
    char long_error[300];
    memset(long_error, 0, sizeof(long_error));
    for (size_t i = 0; i + 3 <= 200; i += 3)
        memcpy(long_error + i, "错", 3);
    c->kind = C_PROV_FAILED;
    c->id = a;
    c->text = "HTTP 503";
    c->now_ms = T0 + 30000;
    run_ok(s, true, c);
    c->text = long_error;
    c->now_ms = T0 + 90000;
    run_ok(s, true, c);
    backlog_is(s, "CUCC", 3, 2);
    c->kind = C_PROV_PENDING;
    c->id = 0;
    c->limit = 10;
    c->now_ms = T0 + 60000; /* a not due until T0 + 90000 */
    run_ok(s, false, c);
    assert_int_equal(c->nids, 2);
    assert_int_equal(c->ids[0], b);
    c->now_ms = 0;
    run_ok(s, false, c);
    assert_int_equal(c->evs[0].attempts, 2);
    assert_int_equal(c->evs[0].next_try_ms, T0 + 90000);
    assert_int_equal(strlen(c->evs[0].last_error), 126); /* 42 characters of 3 bytes */
    assert_memory_equal(c->evs[0].last_error, long_error, 126);

    c->kind = C_PROV_DELIVERED;
    c->id = a;
    c->now_ms = T0 + 100000;
    run_ok(s, true, c);
    run_ok(s, true, c);      /* again: still delivered, nothing else */
    c->kind = C_PROV_FAILED; /* a late failure does not undo a delivery */
    c->text = "late";
    run_ok(s, true, c);
    backlog_is(s, "CUCC", 2, 0);
    c->kind = C_PROV_PENDING;
    c->now_ms = 0;
    run_ok(s, false, c);
    assert_int_equal(c->nids, 2);
    assert_int_equal(c->ids[0], b);

    c->kind = C_PROV_DELIVERED;
    c->id = 9999;
    c->now_ms = T0 + 200000;
    assert_int_equal(run(s, true, c), MNP_ENOENT);
    c->kind = C_PROV_FAILED;
    assert_int_equal(run(s, true, c), MNP_ENOENT);
    c->kind = C_PROV_DELIVERED; /* a delivery has an instant */
    c->id = b;
    c->now_ms = 0;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    c->kind = C_PROV_PENDING;
    c->limit = 0;
    assert_int_equal(run(s, false, c), MNP_EINVAL);

    c->kind = C_PROV_ADD;
    memset(&c->ev, 0, sizeof(c->ev));
    snprintf(c->ev.op, sizeof(c->ev.op), "CUCC");
    c->ev.number = N1;
    assert_int_equal(run(s, true, c), MNP_EINVAL); /* kind 0 */
    c->ev.kind = MNP_PROV_RETURN + 1;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    c->ev.kind = MNP_PROV_ACTIVATE;
    c->ev.number = 0;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    backlog_is(s, "CUCC", 2, 0);
    free(c);
    mnp_store_close(s);
}

/* ---- followed orders and the feed position ------------------------------------------------ */

static void test_orders_and_feed(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    call_t *c = call_new(C_ORDER_PUT, "CUCC");
    mnp_gw_order_t *o = &c->order;
    o->order_id = 41;
    snprintf(o->op, sizeof(o->op), "CUCC");
    o->side = MNP_GW_RECIPIENT;
    o->number = N1;
    snprintf(o->state, sizeof(o->state), "PENDING_DONOR");
    snprintf(o->name, sizeof(o->name), "张三");
    snprintf(o->identity, sizeof(o->identity), ID1);
    snprintf(o->channel, sizeof(o->channel), "store");
    o->created_ms = T0;
    o->updated_ms = T0;
    run_ok(s, true, c);
    snprintf(o->state, sizeof(o->state), "ACTIVE");
    o->created_ms = T0 + 99; /* the first put's created_ms stays */
    o->updated_ms = T0 + 500;
    run_ok(s, true, c);

    c->kind = C_ORDER_GET;
    c->id = 41;
    memset(o, 0, sizeof(*o));
    run_ok(s, false, c);
    assert_int_equal(o->order_id, 41);
    assert_string_equal(o->op, "CUCC");
    assert_int_equal(o->side, MNP_GW_RECIPIENT);
    assert_int_equal(o->number, N1);
    assert_string_equal(o->state, "ACTIVE");
    assert_string_equal(o->name, "张三");
    assert_string_equal(o->identity, ID1);
    assert_string_equal(o->channel, "store");
    assert_int_equal(o->created_ms, T0);
    assert_int_equal(o->updated_ms, T0 + 500);
    c->op = "CMCC";
    assert_int_equal(run(s, false, c), MNP_ENOENT);
    assert_string_equal(c->err.msg, "CMCC follows no port order 41");

    c->kind = C_ORDER_PUT;
    o->side = 3;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    o->side = MNP_GW_DONOR;
    o->order_id = 0;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    o->order_id = 42;
    o->state[0] = '\0';
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    snprintf(o->state, sizeof(o->state), "SUBMITTED");
    o->identity[3] = '\0';
    assert_int_equal(run(s, true, c), MNP_EINVAL);

    c->kind = C_FEED_GET;
    c->op = "CUCC";
    c->u1 = 99;
    run_ok(s, false, c);
    assert_int_equal(c->u1, 0);
    c->kind = C_FEED_SET;
    c->u1 = 42;
    run_ok(s, true, c);
    c->op = "CMCC";
    c->u1 = 7;
    run_ok(s, true, c);
    c->kind = C_FEED_GET;
    c->op = "CUCC";
    run_ok(s, false, c);
    assert_int_equal(c->u1, 42);
    c->kind = C_FEED_SET; /* a snapshot restarts from 0 */
    c->u1 = 0;
    run_ok(s, true, c);
    c->kind = C_FEED_GET;
    c->u1 = 1;
    run_ok(s, false, c);
    assert_int_equal(c->u1, 0);
    c->op = "CMCC";
    run_ok(s, false, c);
    assert_int_equal(c->u1, 7);
    c->kind = C_FEED_SET;
    c->u1 = UINT64_MAX;
    assert_int_equal(run(s, true, c), MNP_EINVAL);
    assert_int_equal(run(s, false, c), MNP_EINTERNAL);
    free(c);
    mnp_store_close(s);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, test_fixture_setup, test_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_sms_queue),
        TEST(test_provisioning),
        TEST(test_orders_and_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
