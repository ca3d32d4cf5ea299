/*
 * Tests of the order, authorization-code and failed-attempt operations of the store: orders
 * round-trip field for field (unset optional fields as NULL in the file), the database refuses a
 * second open order for a number but not a closed one, an update applies only in the state it
 * expects, the list filters (by operator and its side, number, state) and pages, the timer query
 * finds exactly what is due in order, codes are replaced and used once, attempts are counted over a
 * window and pruned, invalid fields are refused with nothing written, and a read transaction writes
 * nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "mnp/store.h"
#include "mnp/store_orders.h"
#include "test_support.h"

#define T0 INT64_C(1700000000000)
#define N1 UINT64_C(8613800000001)
#define N2 UINT64_C(8613800000002)
#define N3 UINT64_C(8613800000003)

/* Field by field: padding bytes of copied structs need not match. */
static void assert_order_equal(const mnp_order_rec_t *a, const mnp_order_rec_t *b)
{
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->number, b->number);
    assert_string_equal(a->recipient, b->recipient);
    assert_string_equal(a->donor, b->donor);
    assert_string_equal(a->holder, b->holder);
    assert_string_equal(a->local_network, b->local_network);
    assert_string_equal(a->channel, b->channel);
    assert_int_equal(a->state, b->state);
    assert_string_equal(a->reason, b->reason);
    assert_string_equal(a->reason_text, b->reason_text);
    assert_int_equal(a->created_ms, b->created_ms);
    assert_int_equal(a->updated_ms, b->updated_ms);
    assert_int_equal(a->donor_deadline_ms, b->donor_deadline_ms);
    assert_int_equal(a->donor_answer_ms, b->donor_answer_ms);
    assert_int_equal(a->donor_silent, b->donor_silent);
    assert_int_equal(a->cutover_ms, b->cutover_ms);
    assert_int_equal(a->npdb_seq, b->npdb_seq);
    assert_int_equal(a->active_ms, b->active_ms);
    assert_int_equal(a->closed_ms, b->closed_ms);
}

static void assert_code_equal(const mnp_authcode_rec_t *a, const mnp_authcode_rec_t *b)
{
    assert_int_equal(a->number, b->number);
    assert_string_equal(a->donor, b->donor);
    assert_memory_equal(a->id_hash, b->id_hash, sizeof(a->id_hash));
    assert_memory_equal(a->code_hash, b->code_hash, sizeof(a->code_hash));
    assert_int_equal(a->issued_ms, b->issued_ms);
    assert_int_equal(a->expires_ms, b->expires_ms);
    assert_int_equal(a->used_ms, b->used_ms);
    assert_int_equal(a->used_by_order, b->used_by_order);
}

/* A zeroed record with the required fields set. */
static mnp_order_rec_t order(uint64_t number, const char *recipient, const char *donor,
                             mnp_order_state_t state)
{
    mnp_order_rec_t r;
    memset(&r, 0, sizeof(r));
    r.number = number;
    snprintf(r.recipient, sizeof(r.recipient), "%s", recipient);
    snprintf(r.donor, sizeof(r.donor), "%s", donor);
    snprintf(r.holder, sizeof(r.holder), "%s", donor);
    snprintf(r.local_network, sizeof(r.local_network), "0731");
    snprintf(r.channel, sizeof(r.channel), "sms");
    r.state = state;
    r.created_ms = T0;
    r.updated_ms = T0;
    return r;
}

static int insert_fn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_order_insert(txn, arg, err);
}

static int insert(mnp_store_t *s, mnp_order_rec_t *r, mnp_error_t *err)
{
    return mnp_store_write(s, insert_fn, r, err);
}

static void insert_ok(mnp_store_t *s, mnp_order_rec_t *r)
{
    mnp_error_t err;
    if (insert(s, r, &err) != 0)
        fail_msg("insert: %s", err.msg);
    assert_true(r->id > 0);
}

typedef struct get_job {
    int64_t id;
    uint64_t number; /* open_for when non-zero */
    mnp_order_rec_t out;
} get_job_t;

static int get_fn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    get_job_t *j = arg;
    memset(&j->out, 0, sizeof(j->out));
    if (j->number != 0)
        return mnp_txn_order_open_for(txn, j->number, &j->out, err);
    return mnp_txn_order_get(txn, j->id, &j->out, err);
}

static mnp_order_rec_t get_ok(mnp_store_t *s, int64_t id)
{
    get_job_t j = {.id = id};
    mnp_error_t err;
    if (mnp_store_read(s, get_fn, &j, &err) != 0)
        fail_msg("get %lld: %s", (long long)id, err.msg);
    return j.out;
}

typedef struct update_job {
    mnp_order_rec_t rec;
    mnp_order_state_t expected;
} update_job_t;

static int update_fn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    update_job_t *j = arg;
    return mnp_txn_order_update(txn, &j->rec, j->expected, err);
}

static int update(mnp_store_t *s, const mnp_order_rec_t *r, mnp_order_state_t expected,
                  mnp_error_t *err)
{
    update_job_t j = {.rec = *r, .expected = expected};
    return mnp_store_write(s, update_fn, &j, err);
}

/* Collects the ids a list or due call passes to its callback. */
typedef struct ids {
    mnp_order_filter_t filter;
    int64_t now_ms;
    size_t limit;
    bool due;
    bool advance; /* due: schedule each ACCEPTED order it is given, inside the same write */
    mnp_txn_t *txn;
    int64_t id[64];
    size_t n;
} ids_t;

static int collect(const mnp_order_rec_t *o, void *arg)
{
    ids_t *x = arg;
    if (x->n == sizeof(x->id) / sizeof(x->id[0]))
        return -100;
    x->id[x->n++] = o->id;
    if (x->advance && o->state == MNP_ORDER_ACCEPTED) {
        mnp_order_rec_t next = *o;
        next.state = MNP_ORDER_SCHEDULED;
        next.cutover_ms = T0 + 1000 * INT64_C(3600000); /* far ahead of every test's now */
        mnp_error_t err;
        if (mnp_txn_order_update(x->txn, &next, MNP_ORDER_ACCEPTED, &err) != 0)
            return -101;
    }
    return 0;
}

static int ids_fn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    ids_t *x = arg;
    x->n = 0;
    x->txn = txn;
    if (x->due)
        return mnp_txn_order_due(txn, x->now_ms, x->limit, collect, x, err);
    return mnp_txn_order_list(txn, &x->filter, collect, x, err);
}

static void list_ok(mnp_store_t *s, ids_t *x)
{
    mnp_error_t err;
    if (mnp_store_read(s, ids_fn, x, &err) != 0)
        fail_msg("list: %s", err.msg);
}

static void assert_ids(const ids_t *x, size_t n, const int64_t *want)
{
    assert_int_equal(x->n, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(x->id[i], want[i]);
}

static void test_insert_get_open_for(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_order_rec_t a = order(N1, "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    insert_ok(s, &a);
    mnp_order_rec_t b = order(N2, "CTCC", "CMCC", MNP_ORDER_PENDING_DONOR);
    b.donor_deadline_ms = T0 + 600000;
    insert_ok(s, &b);
    assert_true(b.id > a.id);

    mnp_order_rec_t got = get_ok(s, a.id);
    assert_order_equal(&got, &a);
    got = get_ok(s, b.id);
    assert_order_equal(&got, &b);

    get_job_t j = {.number = N2};
    assert_int_equal(mnp_store_read(s, get_fn, &j, &err), 0);
    assert_order_equal(&j.out, &b);
    j.number = N3;
    assert_int_equal(mnp_store_read(s, get_fn, &j, &err), MNP_ENOENT);
    assert_non_null(strstr(err.msg, "8613800000003"));
    j = (get_job_t){.id = b.id + 100};
    assert_int_equal(mnp_store_read(s, get_fn, &j, &err), MNP_ENOENT);
    mnp_store_close(s);
}

/* RULE §5: one open order per number; closed orders do not count. */
static void test_one_open_order(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_order_rec_t rejected = order(N1, "CMCC", "CUCC", MNP_ORDER_REJECTED);
    snprintf(rejected.reason, sizeof(rejected.reason), "D01");
    rejected.closed_ms = T0;
    insert_ok(s, &rejected);
    mnp_order_rec_t open = order(N1, "CTCC", "CUCC", MNP_ORDER_SUBMITTED);
    insert_ok(s, &open); /* the rejected one does not block */
    mnp_order_rec_t second = order(N1, "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    assert_int_equal(insert(s, &second, &err), MNP_EEXIST);
    assert_non_null(strstr(err.msg, "open port order"));
    second.state = MNP_ORDER_BROADCASTING; /* the last open state */
    assert_int_equal(insert(s, &second, &err), MNP_EEXIST);
    second.state = MNP_ORDER_ACTIVE; /* not open: allowed alongside */
    insert_ok(s, &second);

    get_job_t j = {.number = N1};
    assert_int_equal(mnp_store_read(s, get_fn, &j, &err), 0);
    assert_int_equal(j.out.id, open.id);

    /* Reopening the rejected order while another is open is refused, and changes nothing. */
    mnp_order_rec_t re = rejected;
    re.state = MNP_ORDER_SUBMITTED;
    assert_int_equal(update(s, &re, MNP_ORDER_REJECTED, &err), MNP_EEXIST);
    mnp_order_rec_t got = get_ok(s, rejected.id);
    assert_order_equal(&got, &rejected);

    /* Once the open order closes, a new one may be opened. */
    mnp_order_rec_t closed = open;
    closed.state = MNP_ORDER_CANCELLED;
    closed.closed_ms = T0 + 5;
    assert_int_equal(update(s, &closed, MNP_ORDER_SUBMITTED, &err), 0);
    mnp_order_rec_t third = order(N1, "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    insert_ok(s, &third);
    mnp_store_close(s);
}

static void test_update(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_order_rec_t o = order(N1, "CMCC", "CUCC", MNP_ORDER_PENDING_DONOR);
    o.donor_deadline_ms = T0 + 600000;
    insert_ok(s, &o);

    mnp_order_rec_t next = o;
    next.state = MNP_ORDER_REJECTED;
    snprintf(next.reason, sizeof(next.reason), "D03");
    snprintf(next.reason_text, sizeof(next.reason_text), "identity documents look forged");
    next.updated_ms = T0 + 1000;
    next.donor_answer_ms = T0 + 1000;
    next.closed_ms = T0 + 1000;
    mnp_order_rec_t sent = next;
    snprintf(sent.donor, sizeof(sent.donor), "XXXX"); /* immutable: must not be written */
    sent.created_ms = 1;
    assert_int_equal(update(s, &sent, MNP_ORDER_PENDING_DONOR, &err), 0);
    mnp_order_rec_t got = get_ok(s, o.id);
    assert_order_equal(&got, &next);

    /* A writer that still believes the order is pending loses, and writes nothing. */
    mnp_order_rec_t stale = o;
    stale.state = MNP_ORDER_ACCEPTED;
    stale.donor_silent = true;
    assert_int_equal(update(s, &stale, MNP_ORDER_PENDING_DONOR, &err), MNP_EBUSY);
    assert_non_null(strstr(err.msg, "changed meanwhile"));
    got = get_ok(s, o.id);
    assert_order_equal(&got, &next);

    stale.id = o.id + 99;
    assert_int_equal(update(s, &stale, MNP_ORDER_PENDING_DONOR, &err), MNP_ENOENT);
    assert_int_equal(update(s, &next, (mnp_order_state_t)0, &err), MNP_EINVAL);
    mnp_store_close(s);
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Every optional field set, then every one cleared: both read back as written, and cleared
 * ones are NULL in the file. */
static void test_optional_fields(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_order_rec_t o = order(N1, "CMCC", "CUCC", MNP_ORDER_BROADCASTING);
    snprintf(o.holder, sizeof(o.holder), "CTCC");
    snprintf(o.reason, sizeof(o.reason), "C07");
    snprintf(o.reason_text, sizeof(o.reason_text), "%s", "x");
    o.donor_deadline_ms = T0 + 1;
    o.donor_answer_ms = T0 + 2;
    o.donor_silent = true;
    o.cutover_ms = T0 + 3;
    o.npdb_seq = 42;
    o.active_ms = T0 + 4;
    o.closed_ms = T0 + 5;
    insert_ok(s, &o);
    mnp_order_rec_t got = get_ok(s, o.id);
    assert_order_equal(&got, &o);

    mnp_order_rec_t cleared = order(N1, "CMCC", "CUCC", MNP_ORDER_BROADCASTING);
    snprintf(cleared.holder, sizeof(cleared.holder), "CTCC");
    cleared.id = o.id;
    assert_int_equal(update(s, &cleared, MNP_ORDER_BROADCASTING, &err), 0);
    got = get_ok(s, o.id);
    assert_order_equal(&got, &cleared);

    sqlite3 *db = raw_open(f->path);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM orders WHERE reason IS NULL AND "
                                 "reason_text IS NULL AND donor_deadline_ms IS NULL AND "
                                 "donor_answer_ms IS NULL AND donor_silent = 0 AND "
                                 "cutover_ms IS NULL AND npdb_seq IS NULL AND "
                                 "active_ms IS NULL AND closed_ms IS NULL"),
                     1);
    sqlite3_close(db);
    mnp_store_close(s);
}

static void test_invalid_fields(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_order_rec_t r = order(0, "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    assert_int_equal(insert(s, &r, &err), MNP_EINVAL);
    r = order(UINT64_C(1000000000000000), "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    assert_int_equal(insert(s, &r, &err), MNP_EINVAL);
    r = order(N1, "", "CUCC", MNP_ORDER_SUBMITTED);
    assert_int_equal(insert(s, &r, &err), MNP_EINVAL);
    assert_non_null(strstr(err.msg, "recipient"));
    r = order(N1, "CMCC", "CUCC", (mnp_order_state_t)12);
    assert_int_equal(insert(s, &r, &err), MNP_EINVAL);
    r = order(N1, "CMCC", "CUCC", MNP_ORDER_REJECTED);
    snprintf(r.reason, sizeof(r.reason), "D1");
    assert_int_equal(insert(s, &r, &err), MNP_EINVAL);
    assert_non_null(strstr(err.msg, "reason"));
    r = order(N1, "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    memset(r.channel, 'a', sizeof(r.channel)); /* no NUL inside the array */
    assert_int_equal(insert(s, &r, &err), MNP_EINVAL);
    assert_non_null(strstr(err.msg, "channel"));
    r = order(N1, "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    memset(r.reason_text, 'a', sizeof(r.reason_text));
    assert_int_equal(insert(s, &r, &err), MNP_EINVAL);

    ids_t x = {.filter = {.limit = 10}};
    list_ok(s, &x);
    assert_int_equal(x.n, 0); /* nothing was written */
    x.filter.limit = 0;
    assert_int_equal(mnp_store_read(s, ids_fn, &x, &err), MNP_EINVAL);
    x.filter.limit = MNP_ORDER_LIST_MAX + 1;
    assert_int_equal(mnp_store_read(s, ids_fn, &x, &err), MNP_EINVAL);
    x = (ids_t){.due = true, .now_ms = T0, .limit = 0};
    assert_int_equal(mnp_store_read(s, ids_fn, &x, &err), MNP_EINVAL);
    mnp_store_close(s);
}

static void test_list(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_order_rec_t o[6] = {
        order(N1, "CMCC", "CUCC", MNP_ORDER_REJECTED),      /* A recipient */
        order(N1, "CTCC", "CMCC", MNP_ORDER_SUBMITTED),     /* A donor */
        order(N2, "CUCC", "CTCC", MNP_ORDER_PENDING_DONOR), /* no A */
        order(N2, "CMCC", "CTCC", MNP_ORDER_CANCELLED),     /* A recipient */
        order(N3, "CMCC", "CUCC", MNP_ORDER_SUBMITTED),     /* A recipient */
        order(N3, "CUCC", "CTCC", MNP_ORDER_REJECTED),      /* no A */
    };
    for (int i = 0; i < 6; i++)
        insert_ok(s, &o[i]);

    ids_t x = {.filter = {.limit = 100}};
    list_ok(s, &x);
    assert_ids(&x, 6, (int64_t[]){o[0].id, o[1].id, o[2].id, o[3].id, o[4].id, o[5].id});

    x.filter.operator_code = "CMCC"; /* as recipient or as donor */
    list_ok(s, &x);
    assert_ids(&x, 4, (int64_t[]){o[0].id, o[1].id, o[3].id, o[4].id});
    x.filter.operator_code = "CTCC";
    list_ok(s, &x);
    assert_ids(&x, 4, (int64_t[]){o[1].id, o[2].id, o[3].id, o[5].id});
    x.filter.operator_code = "NONE";
    list_ok(s, &x);
    assert_int_equal(x.n, 0);

    x.filter = (mnp_order_filter_t){.state = MNP_ORDER_SUBMITTED, .limit = 100};
    list_ok(s, &x);
    assert_ids(&x, 2, (int64_t[]){o[1].id, o[4].id});
    x.filter.operator_code = "CTCC";
    list_ok(s, &x);
    assert_ids(&x, 1, (int64_t[]){o[1].id});

    x.filter = (mnp_order_filter_t){.number = N2, .limit = 100};
    list_ok(s, &x);
    assert_ids(&x, 2, (int64_t[]){o[2].id, o[3].id});
    x.filter.operator_code = "CMCC";
    list_ok(s, &x);
    assert_ids(&x, 1, (int64_t[]){o[3].id});
    x.filter.state = MNP_ORDER_PENDING_DONOR;
    list_ok(s, &x);
    assert_int_equal(x.n, 0);

    /* Pages of two for CMCC: every order once, in id order, then an empty page. */
    int64_t seen[8];
    size_t n_seen = 0;
    x.filter = (mnp_order_filter_t){.operator_code = "CMCC", .limit = 2};
    for (;;) {
        list_ok(s, &x);
        assert_true(x.n <= 2);
        for (size_t i = 0; i < x.n; i++)
            seen[n_seen++] = x.id[i];
        if (x.n < 2)
            break;
        x.filter.after_id = x.id[x.n - 1];
    }
    assert_int_equal(n_seen, 4);
    int64_t want[] = {o[0].id, o[1].id, o[3].id, o[4].id};
    assert_memory_equal(seen, want, sizeof(want));
    /* Without an operator, the same paging over everything. */
    x.filter = (mnp_order_filter_t){.after_id = o[3].id, .limit = 1};
    list_ok(s, &x);
    assert_ids(&x, 1, (int64_t[]){o[4].id});

    /* A callback's non-zero result stops the listing and is returned. */
    x.filter = (mnp_order_filter_t){.limit = 100};
    for (int i = 0; i < 60; i++) {
        mnp_order_rec_t r =
            order(UINT64_C(8613900000000) + (uint64_t)i, "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
        insert_ok(s, &r);
    }
    assert_int_equal(mnp_store_read(s, ids_fn, &x, &err), -100);
    assert_int_equal(x.n, 64);
    mnp_store_close(s);
}

/* One side of an operator's orders, alone and with the other filters. */
static void test_list_role(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_order_rec_t o[6] = {
        order(N1, "CMCC", "CUCC", MNP_ORDER_REJECTED),
        order(N1, "CTCC", "CMCC", MNP_ORDER_SUBMITTED),
        order(N2, "CUCC", "CTCC", MNP_ORDER_PENDING_DONOR),
        order(N2, "CMCC", "CTCC", MNP_ORDER_CANCELLED),
        order(N3, "CMCC", "CUCC", MNP_ORDER_SUBMITTED),
        order(N3, "CUCC", "CTCC", MNP_ORDER_REJECTED),
    };
    for (int i = 0; i < 6; i++)
        insert_ok(s, &o[i]);

    ids_t x = {.filter = {.operator_code = "CMCC", .role = MNP_ORDER_ROLE_RECIPIENT, .limit = 100}};
    list_ok(s, &x);
    assert_ids(&x, 3, (int64_t[]){o[0].id, o[3].id, o[4].id});
    x.filter.role = MNP_ORDER_ROLE_DONOR;
    list_ok(s, &x);
    assert_ids(&x, 1, (int64_t[]){o[1].id});
    x.filter.operator_code = "CTCC";
    list_ok(s, &x);
    assert_ids(&x, 3, (int64_t[]){o[2].id, o[3].id, o[5].id});
    x.filter.role = MNP_ORDER_ROLE_RECIPIENT;
    list_ok(s, &x);
    assert_ids(&x, 1, (int64_t[]){o[1].id});

    /* With a number (its own index), a state, and paging. */
    x.filter = (mnp_order_filter_t){
        .operator_code = "CTCC", .role = MNP_ORDER_ROLE_DONOR, .number = N2, .limit = 100};
    list_ok(s, &x);
    assert_ids(&x, 2, (int64_t[]){o[2].id, o[3].id});
    x.filter.operator_code = "CMCC";
    list_ok(s, &x);
    assert_int_equal(x.n, 0);
    x.filter.role = MNP_ORDER_ROLE_RECIPIENT;
    list_ok(s, &x);
    assert_ids(&x, 1, (int64_t[]){o[3].id});
    x.filter = (mnp_order_filter_t){.operator_code = "CMCC",
                                    .role = MNP_ORDER_ROLE_RECIPIENT,
                                    .state = MNP_ORDER_SUBMITTED,
                                    .limit = 100};
    list_ok(s, &x);
    assert_ids(&x, 1, (int64_t[]){o[4].id});
    x.filter = (mnp_order_filter_t){
        .operator_code = "CTCC", .role = MNP_ORDER_ROLE_DONOR, .after_id = o[2].id, .limit = 1};
    list_ok(s, &x);
    assert_ids(&x, 1, (int64_t[]){o[3].id});

    /* A role is a side of some operator's orders, and one of the two. */
    x.filter = (mnp_order_filter_t){.role = MNP_ORDER_ROLE_DONOR, .limit = 100};
    assert_int_equal(mnp_store_read(s, ids_fn, &x, &err), MNP_EINVAL);
    x.filter = (mnp_order_filter_t){.operator_code = "CMCC", .role = 3, .limit = 100};
    assert_int_equal(mnp_store_read(s, ids_fn, &x, &err), MNP_EINVAL);
    mnp_store_close(s);
}

static void test_due(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    const int64_t now = T0 + 3600000;
    mnp_order_rec_t late_donor = order(N1, "CMCC", "CUCC", MNP_ORDER_PENDING_DONOR);
    late_donor.donor_deadline_ms = now - 500; /* due */
    mnp_order_rec_t early_donor = order(N2, "CMCC", "CUCC", MNP_ORDER_PENDING_DONOR);
    early_donor.donor_deadline_ms = now + 1; /* not yet */
    mnp_order_rec_t cut = order(N3, "CMCC", "CUCC", MNP_ORDER_SCHEDULED);
    cut.cutover_ms = now; /* due exactly now */
    mnp_order_rec_t cut_later = order(UINT64_C(8613800000004), "CMCC", "CUCC", MNP_ORDER_SCHEDULED);
    cut_later.cutover_ms = now + 3600000;
    mnp_order_rec_t accepted = order(UINT64_C(8613800000005), "CMCC", "CUCC", MNP_ORDER_ACCEPTED);
    accepted.updated_ms = now - 1000; /* the oldest instant */
    mnp_order_rec_t submitted = order(UINT64_C(8613800000006), "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    /* Closed orders keep their instants but are never due. */
    mnp_order_rec_t rejected = order(UINT64_C(8613800000007), "CMCC", "CUCC", MNP_ORDER_REJECTED);
    rejected.donor_deadline_ms = T0;
    rejected.cutover_ms = T0;
    mnp_order_rec_t *all[] = {&late_donor, &early_donor, &cut,     &cut_later,
                              &accepted,   &submitted,   &rejected};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        insert_ok(s, all[i]);

    ids_t x = {.due = true, .now_ms = now, .limit = 10};
    list_ok(s, &x);
    assert_ids(&x, 3, (int64_t[]){accepted.id, late_donor.id, cut.id});
    x.limit = 2;
    list_ok(s, &x);
    assert_ids(&x, 2, (int64_t[]){accepted.id, late_donor.id});
    x = (ids_t){.due = true, .now_ms = now + 1, .limit = 10};
    list_ok(s, &x);
    assert_ids(&x, 4, (int64_t[]){accepted.id, late_donor.id, cut.id, early_donor.id});
    x = (ids_t){.due = true, .now_ms = T0 - 1, .limit = 10};
    list_ok(s, &x);
    assert_ids(&x, 1, (int64_t[]){accepted.id}); /* ACCEPTED waits whatever the time */

    /* The callback may update the orders it is given in the same write. */
    x = (ids_t){.due = true, .now_ms = now, .limit = 10, .advance = true};
    assert_int_equal(mnp_store_write(s, ids_fn, &x, &err), 0);
    assert_int_equal(x.n, 3);
    mnp_order_rec_t got = get_ok(s, accepted.id);
    assert_int_equal(got.state, MNP_ORDER_SCHEDULED);
    x = (ids_t){.due = true, .now_ms = now, .limit = 10};
    list_ok(s, &x);
    assert_ids(&x, 2, (int64_t[]){late_donor.id, cut.id});
    mnp_store_close(s);
}

/* ---- authorization codes and failed attempts ------------------------------------------------ */

typedef struct code_job {
    int op; /* 0 put, 1 get, 2 mark used, 3 failure add, 4 count, 5 prune */
    mnp_authcode_rec_t rec;
    uint64_t number;
    int64_t order_id, at_ms;
    uint64_t count;
} code_job_t;

static int code_fn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    code_job_t *j = arg;
    switch (j->op) {
    case 0:
        return mnp_txn_authcode_put(txn, &j->rec, err);
    case 1:
        memset(&j->rec, 0, sizeof(j->rec));
        return mnp_txn_authcode_get(txn, j->number, &j->rec, err);
    case 2:
        return mnp_txn_authcode_mark_used(txn, j->number, j->order_id, j->at_ms, err);
    case 3:
        return mnp_txn_code_failure_add(txn, j->number, j->at_ms, err);
    case 4:
        return mnp_txn_code_failures_since(txn, j->number, j->at_ms, &j->count, err);
    default:
        return mnp_txn_code_failures_prune(txn, j->at_ms, err);
    }
}

static int code_op(mnp_store_t *s, code_job_t *j, mnp_error_t *err)
{
    return j->op == 1 || j->op == 4 ? mnp_store_read(s, code_fn, j, err)
                                    : mnp_store_write(s, code_fn, j, err);
}

static mnp_authcode_rec_t code(uint64_t number, uint8_t fill, int64_t issued_ms)
{
    mnp_authcode_rec_t c;
    memset(&c, 0, sizeof(c));
    c.number = number;
    snprintf(c.donor, sizeof(c.donor), "CUCC");
    memset(c.id_hash, fill, sizeof(c.id_hash));
    memset(c.code_hash, fill + 1, sizeof(c.code_hash));
    c.issued_ms = issued_ms;
    c.expires_ms = issued_ms + 30 * INT64_C(86400000);
    return c;
}

static void test_authcode(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    code_job_t j = {.op = 1, .number = N1};
    assert_int_equal(code_op(s, &j, &err), MNP_ENOENT);

    mnp_authcode_rec_t first = code(N1, 0x11, T0);
    j = (code_job_t){.op = 0, .rec = first};
    assert_int_equal(code_op(s, &j, &err), 0);
    j = (code_job_t){.op = 1, .number = N1};
    assert_int_equal(code_op(s, &j, &err), 0);
    assert_code_equal(&j.rec, &first);

    /* A new request replaces the old code. */
    mnp_authcode_rec_t second = code(N1, 0x22, T0 + 1000);
    j = (code_job_t){.op = 0, .rec = second};
    assert_int_equal(code_op(s, &j, &err), 0);
    j = (code_job_t){.op = 1, .number = N1};
    assert_int_equal(code_op(s, &j, &err), 0);
    assert_code_equal(&j.rec, &second);

    /* Used once; the second use is refused and keeps the first. */
    j = (code_job_t){.op = 2, .number = N1, .order_id = 7, .at_ms = T0 + 2000};
    assert_int_equal(code_op(s, &j, &err), 0);
    j = (code_job_t){.op = 2, .number = N1, .order_id = 8, .at_ms = T0 + 3000};
    assert_int_equal(code_op(s, &j, &err), MNP_EBUSY);
    assert_non_null(strstr(err.msg, "already used by order 7"));
    j = (code_job_t){.op = 1, .number = N1};
    assert_int_equal(code_op(s, &j, &err), 0);
    assert_int_equal(j.rec.used_ms, T0 + 2000);
    assert_int_equal(j.rec.used_by_order, 7);
    j = (code_job_t){.op = 2, .number = N2, .order_id = 8, .at_ms = T0};
    assert_int_equal(code_op(s, &j, &err), MNP_ENOENT);
    j = (code_job_t){.op = 2, .number = N1, .order_id = 0, .at_ms = T0};
    assert_int_equal(code_op(s, &j, &err), MNP_EINVAL);

    /* A new code after use is fresh. */
    j = (code_job_t){.op = 0, .rec = second};
    assert_int_equal(code_op(s, &j, &err), 0);
    j = (code_job_t){.op = 1, .number = N1};
    assert_int_equal(code_op(s, &j, &err), 0);
    assert_int_equal(j.rec.used_ms, 0);
    assert_int_equal(j.rec.used_by_order, 0);

    mnp_authcode_rec_t bad = code(N2, 1, T0);
    bad.donor[0] = '\0';
    j = (code_job_t){.op = 0, .rec = bad};
    assert_int_equal(code_op(s, &j, &err), MNP_EINVAL);
    bad = code(0, 1, T0);
    j = (code_job_t){.op = 0, .rec = bad};
    assert_int_equal(code_op(s, &j, &err), MNP_EINVAL);
    mnp_store_close(s);
}

static uint64_t failures_since(mnp_store_t *s, uint64_t number, int64_t since_ms)
{
    code_job_t j = {.op = 4, .number = number, .at_ms = since_ms};
    mnp_error_t err;
    if (code_op(s, &j, &err) != 0)
        fail_msg("count: %s", err.msg);
    return j.count;
}

static void test_code_failures(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    const int64_t min = 60000;
    const int64_t at[] = {T0, T0 + 10 * min, T0 + 50 * min, T0 + 70 * min};
    for (size_t i = 0; i < 4; i++) {
        code_job_t j = {.op = 3, .number = N1, .at_ms = at[i]};
        assert_int_equal(code_op(s, &j, &err), 0);
    }
    code_job_t other = {.op = 3, .number = N2, .at_ms = T0 + 5 * min};
    assert_int_equal(code_op(s, &other, &err), 0);

    /* The hour before T0+70min starts at T0+10min: that attempt counts, T0 does not. */
    assert_int_equal(failures_since(s, N1, T0 + 10 * min), 3);
    assert_int_equal(failures_since(s, N1, T0 + 10 * min + 1), 2);
    assert_int_equal(failures_since(s, N1, 0), 4);
    assert_int_equal(failures_since(s, N2, 0), 1);
    assert_int_equal(failures_since(s, N3, 0), 0);

    code_job_t prune = {.op = 5, .at_ms = T0 + 10 * min};
    assert_int_equal(code_op(s, &prune, &err), 0);
    assert_int_equal(failures_since(s, N1, 0), 3); /* T0 gone, T0+10min kept */
    assert_int_equal(failures_since(s, N2, 0), 0);

    code_job_t bad = {.op = 3, .number = 0, .at_ms = T0};
    assert_int_equal(code_op(s, &bad, &err), MNP_EINVAL);
    mnp_store_close(s);
}

/* Every write operation refuses a read transaction. */
static int writes_in_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    int *refused = arg;
    mnp_order_rec_t o = order(N1, "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    o.id = 1;
    mnp_authcode_rec_t c = code(N1, 3, T0);
    *refused = 0;
    *refused += mnp_txn_order_insert(txn, &o, err) == MNP_EINTERNAL;
    *refused += mnp_txn_order_update(txn, &o, MNP_ORDER_SUBMITTED, err) == MNP_EINTERNAL;
    *refused += mnp_txn_authcode_put(txn, &c, err) == MNP_EINTERNAL;
    *refused += mnp_txn_authcode_mark_used(txn, N1, 1, T0, err) == MNP_EINTERNAL;
    *refused += mnp_txn_code_failure_add(txn, N1, T0, err) == MNP_EINTERNAL;
    *refused += mnp_txn_code_failures_prune(txn, T0, err) == MNP_EINTERNAL;
    return 0;
}

static void test_read_refuses_writes(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_order_rec_t o = order(N1, "CMCC", "CUCC", MNP_ORDER_SUBMITTED);
    insert_ok(s, &o);
    mnp_authcode_rec_t c = code(N1, 3, T0);
    code_job_t j = {.op = 0, .rec = c};
    assert_int_equal(code_op(s, &j, &err), 0);

    int refused = 0;
    assert_int_equal(mnp_store_read(s, writes_in_read, &refused, &err), 0);
    assert_int_equal(refused, 6);
    ids_t x = {.filter = {.limit = 10}};
    list_ok(s, &x);
    assert_int_equal(x.n, 1);
    mnp_order_rec_t got = get_ok(s, o.id);
    assert_order_equal(&got, &o);
    j = (code_job_t){.op = 1, .number = N1};
    assert_int_equal(code_op(s, &j, &err), 0);
    assert_int_equal(j.rec.used_ms, 0);
    assert_int_equal(failures_since(s, N1, 0), 0);
    mnp_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insert_get_open_for, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_one_open_order, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_update, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_optional_fields, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_fields, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_list, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_list_role, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_due, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_authcode, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_code_failures, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_read_refuses_writes, test_fixture_setup,
                                        test_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
