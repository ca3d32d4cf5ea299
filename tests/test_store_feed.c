/*
 * Tests of the change feed in the store: seqs are consecutive across separate writes, within one
 * write and across the writes of one group commit, and a rolled-back write leaves no gap; events
 * read back with every field, paged by after/limit; bad events write nothing; acknowledgements
 * never move backwards, refuse a seq beyond the head, and the minimum over a set of consumers
 * counts unknown ones as 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "group_gate.h"
#include "mnp/store.h"
#include "mnp/store_feed.h"
#include "test_support.h"

/* One write: appends `count` events (the i-th with order_id base + i), then fails when fail. */
typedef struct append_job {
    int count;
    int64_t base;
    bool fail;
    uint64_t first, last; /* seqs appended */
} append_job_t;

static int append_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    append_job_t *j = arg;
    for (int i = 0; i < j->count; i++) {
        char body[64];
        snprintf(body, sizeof(body), "{\"order\":%lld}", (long long)(j->base + i));
        mnp_feed_event_t ev = {.at_ms = 1000 + i,
                               .kind = i % 2 ? MNP_FEED_NPDB : MNP_FEED_ORDER,
                               .order_id = j->base + i,
                               .number = 8613800000000ULL + (uint64_t)i,
                               .op = "CUCC",
                               .state = 5,
                               .body = body};
        int rc = mnp_txn_feed_append(txn, &ev, &j->last, err);
        if (rc != 0)
            return rc;
        if (i == 0)
            j->first = j->last;
    }
    return j->fail ? mnp_error_set(err, MNP_EINVAL, "refused on purpose") : 0;
}

static uint64_t append(mnp_store_t *s, int count, int64_t base)
{
    append_job_t j = {.count = count, .base = base};
    mnp_error_t err;
    if (mnp_store_write(s, append_write, &j, &err) != 0)
        fail_msg("append: %s", err.msg);
    assert_int_equal(j.last - j.first, (uint64_t)count - 1);
    return j.last;
}

#define EVENTS_MAX 64

/* Events read back by feed_read (copies: the body lives only during the callback). */
typedef struct events {
    uint64_t after;
    unsigned limit;
    uint64_t head;
    size_t n;
    int stop_at; /* the callback returns 7 at this many events; 0: never */
    int rc;
    mnp_feed_event_t ev[EVENTS_MAX];
    char body[EVENTS_MAX][64];
} events_t;

static int event_one(const mnp_feed_event_t *ev, void *arg)
{
    events_t *e = arg;
    if (e->n == EVENTS_MAX)
        return 1;
    e->ev[e->n] = *ev;
    snprintf(e->body[e->n], sizeof(e->body[0]), "%s", ev->body);
    e->ev[e->n].body = e->body[e->n];
    e->n++;
    return e->stop_at != 0 && e->n == (size_t)e->stop_at ? 7 : 0;
}

static int feed_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    events_t *e = arg;
    int rc = mnp_txn_feed_head(txn, &e->head, err);
    if (rc != 0)
        return rc;
    e->rc = mnp_txn_feed_each(txn, e->after, e->limit, event_one, e, err);
    return e->rc < 0 ? e->rc : 0;
}

static void read_events(mnp_store_t *s, events_t *e)
{
    mnp_error_t err;
    if (mnp_store_read(s, feed_read, e, &err) != 0)
        fail_msg("read: %s", err.msg);
}

/* The feed holds exactly seqs 1..n, in order. */
static void assert_consecutive(mnp_store_t *s, uint64_t n)
{
    events_t e = {0};
    read_events(s, &e);
    assert_int_equal(e.head, n);
    assert_int_equal(e.n, n);
    for (size_t i = 0; i < e.n; i++)
        assert_int_equal(e.ev[i].seq, i + 1);
}

static void test_append_consecutive(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    assert_consecutive(s, 0);
    assert_int_equal(append(s, 1, 100), 1);
    assert_int_equal(append(s, 1, 200), 2);
    assert_int_equal(append(s, 1, 300), 3);
    assert_int_equal(append(s, 3, 400), 6); /* 4, 5, 6 in one write */
    assert_consecutive(s, 6);
    mnp_store_close(s);
}

static void test_rollback_leaves_no_gap(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    assert_int_equal(append(s, 1, 100), 1);
    append_job_t bad = {.count = 2, .base = 900, .fail = true};
    mnp_error_t err;
    assert_int_equal(mnp_store_write(s, append_write, &bad, &err), MNP_EINVAL);
    assert_int_equal(bad.last, 3); /* it did append 2 and 3 before failing */
    assert_int_equal(append(s, 1, 200), 2);
    assert_consecutive(s, 2);
    events_t e = {0};
    read_events(s, &e);
    assert_int_equal(e.ev[1].order_id, 200); /* 900's events are gone */
    mnp_store_close(s);
}

/* A group formed on purpose (group_gate.h): the first write holds the writer until the
 * others have queued, so they share one transaction; one of them appends and then fails. */
static int append_held(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    append_job_t j = {.count = 1};
    return append_write(txn, &j, err);
}

#define GROUP 8

static void test_group_consecutive(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    test_write_t held = {.fn = append_held}, w[GROUP] = {{0}};
    append_job_t jobs[GROUP] = {{0}};
    mnp_store_stats_t st;

    for (int i = 0; i < GROUP; i++) {
        jobs[i].count = 2;
        jobs[i].base = 1000 * (i + 1);
        jobs[i].fail = i == 2;
        w[i] = (test_write_t){.fn = append_write, .arg = &jobs[i]};
    }
    test_group_run(s, &held, w, GROUP);

    mnp_store_stats(s, &st);
    assert_true(st.largest_group > 1); /* the appends really shared a transaction */
    assert_int_equal(held.rc, 0);
    for (int i = 0; i < GROUP; i++)
        assert_int_equal(w[i].rc, i == 2 ? MNP_EINVAL : 0);
    assert_consecutive(s, 1 + 2 * (GROUP - 1));
    /* Each successful writer got two neighbouring seqs. */
    for (int i = 0; i < GROUP; i++)
        if (i != 2)
            assert_int_equal(jobs[i].last, jobs[i].first + 1);
    mnp_store_close(s);
}

static void test_each_after_limit(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    assert_int_equal(append(s, 10, 500), 10);
    events_t e = {.after = 3, .limit = 4};
    read_events(s, &e);
    assert_int_equal(e.n, 4);
    for (size_t i = 0; i < 4; i++) {
        const mnp_feed_event_t *ev = &e.ev[i];
        int k = (int)(i + 3); /* index within the write */
        char body[64];
        snprintf(body, sizeof(body), "{\"order\":%d}", 500 + k);
        assert_int_equal(ev->seq, i + 4);
        assert_int_equal(ev->at_ms, 1000 + k);
        assert_int_equal(ev->kind, k % 2 ? MNP_FEED_NPDB : MNP_FEED_ORDER);
        assert_int_equal(ev->order_id, 500 + k);
        assert_int_equal(ev->number, 8613800000000ULL + (uint64_t)k);
        assert_string_equal(ev->op, "CUCC");
        assert_int_equal(ev->state, 5);
        assert_string_equal(ev->body, body);
    }
    events_t tail = {.after = 8};
    read_events(s, &tail);
    assert_int_equal(tail.n, 2);
    assert_int_equal(tail.ev[0].seq, 9);
    assert_int_equal(tail.ev[1].seq, 10);
    events_t none = {.after = 10, .limit = 5};
    read_events(s, &none);
    assert_int_equal(none.n, 0);
    events_t stop = {.stop_at = 2};
    read_events(s, &stop);
    assert_int_equal(stop.rc, 7); /* the callback's value comes back */
    assert_int_equal(stop.n, 2);
    mnp_store_close(s);
}

/* An event with nothing optional set reads back with zeros and "". */
static int append_bare(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    const mnp_feed_event_t *ev = arg;
    return mnp_txn_feed_append(txn, ev, NULL, err);
}

static void test_append_bare_and_invalid(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_feed_event_t bad_kind = {.kind = 0, .body = "{}"};
    assert_int_equal(mnp_store_write(s, append_bare, &bad_kind, &err), MNP_EINVAL);
    mnp_feed_event_t no_body = {.kind = MNP_FEED_ORDER};
    assert_int_equal(mnp_store_write(s, append_bare, &no_body, &err), MNP_EINVAL);
    mnp_feed_event_t long_op = {.kind = MNP_FEED_ORDER, .body = "{}"};
    memset(long_op.op, 'X', sizeof(long_op.op)); /* no NUL */
    assert_int_equal(mnp_store_write(s, append_bare, &long_op, &err), MNP_EINVAL);
    mnp_feed_event_t big = {.kind = MNP_FEED_NPDB, .number = 1000000000000000ULL, .body = "{}"};
    assert_int_equal(mnp_store_write(s, append_bare, &big, &err), MNP_ERANGE);
    assert_consecutive(s, 0);

    mnp_feed_event_t bare = {.seq = 42, .at_ms = 5, .kind = MNP_FEED_NPDB, .body = ""};
    assert_int_equal(mnp_store_write(s, append_bare, &bare, &err), 0);
    events_t e = {0};
    read_events(s, &e);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.ev[0].seq, 1); /* the given seq is ignored */
    assert_int_equal(e.ev[0].kind, MNP_FEED_NPDB);
    assert_int_equal(e.ev[0].order_id, 0);
    assert_int_equal(e.ev[0].number, 0);
    assert_string_equal(e.ev[0].op, "");
    assert_int_equal(e.ev[0].state, 0);
    assert_string_equal(e.ev[0].body, "");
    mnp_store_close(s);
}

typedef struct ack_job {
    const char *name;
    uint64_t seq;
    int64_t at_ms;
} ack_job_t;

static int ack_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    const ack_job_t *a = arg;
    return mnp_txn_consumer_ack(txn, a->name, a->seq, a->at_ms, err);
}

static int ack(mnp_store_t *s, const char *name, uint64_t seq, int64_t at_ms)
{
    ack_job_t a = {name, seq, at_ms};
    mnp_error_t err;
    return mnp_store_write(s, ack_write, &a, &err);
}

#define CONSUMERS_MAX 4

typedef struct acks {
    const char *const *names;
    size_t names_n;
    uint64_t min;
    uint64_t cmcc;
    uint64_t unknown;
    mnp_consumer_rec_t all[CONSUMERS_MAX];
    size_t all_n;
} acks_t;

static int consumer_one(const mnp_consumer_rec_t *c, void *arg)
{
    acks_t *a = arg;
    if (a->all_n == CONSUMERS_MAX)
        return 1;
    a->all[a->all_n++] = *c;
    return 0;
}

static int acks_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    acks_t *a = arg;
    int rc = mnp_txn_consumers_min_acked(txn, a->names, a->names_n, &a->min, err);
    if (rc == 0)
        rc = mnp_txn_consumer_get(txn, "CMCC", &a->cmcc, err);
    if (rc == 0)
        rc = mnp_txn_consumer_get(txn, "nobody", &a->unknown, err);
    if (rc == 0)
        rc = mnp_txn_consumer_each(txn, consumer_one, a, err);
    return rc;
}

static acks_t read_acks(mnp_store_t *s, const char *const *names, size_t n)
{
    acks_t a = {.names = names, .names_n = n};
    mnp_error_t err;
    if (mnp_store_read(s, acks_read, &a, &err) != 0)
        fail_msg("read: %s", err.msg);
    return a;
}

static void test_acks(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    static const char *const ops[] = {"CMCC", "CUCC", "CTCC"};
    assert_int_equal(ack(s, "CMCC", 1, 10), MNP_ERANGE); /* the feed is empty */
    assert_int_equal(append(s, 5, 1), 5);

    acks_t a = read_acks(s, ops, 3);
    assert_int_equal(a.min, 0);
    assert_int_equal(a.cmcc, 0);
    assert_int_equal(a.all_n, 0);

    assert_int_equal(ack(s, "CMCC", 3, 100), 0);
    assert_int_equal(read_acks(s, ops, 3).cmcc, 3);
    assert_int_equal(ack(s, "CMCC", 2, 200), 0); /* lower: accepted, ignored */
    assert_int_equal(read_acks(s, ops, 3).cmcc, 3);
    assert_int_equal(ack(s, "CMCC", 6, 300), MNP_ERANGE); /* beyond the head */
    assert_int_equal(read_acks(s, ops, 3).cmcc, 3);
    assert_int_equal(ack(s, "", 1, 1), MNP_EINVAL);

    assert_int_equal(ack(s, "CUCC", 4, 400), 0);
    assert_int_equal(read_acks(s, ops, 2).min, 3);
    assert_int_equal(read_acks(s, ops, 3).min, 0); /* CTCC never acknowledged */
    assert_int_equal(ack(s, "CTCC", 5, 500), 0);
    assert_int_equal(ack(s, "CMCC", 5, 600), 0);
    a = read_acks(s, ops, 3);
    assert_int_equal(a.min, 4);
    assert_int_equal(a.unknown, 0);
    assert_int_equal(read_acks(s, NULL, 0).min, 5); /* nobody to wait for: the head */

    assert_int_equal(a.all_n, 3); /* in name order, with the time of the last move */
    assert_string_equal(a.all[0].name, "CMCC");
    assert_int_equal(a.all[0].acked_seq, 5);
    assert_int_equal(a.all[0].acked_ms, 600);
    assert_string_equal(a.all[1].name, "CTCC");
    assert_int_equal(a.all[1].acked_ms, 500);
    assert_string_equal(a.all[2].name, "CUCC");
    assert_int_equal(a.all[2].acked_seq, 4);
    assert_int_equal(a.all[2].acked_ms, 400);
    mnp_store_close(s);
}

static int ack_in_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    return mnp_txn_consumer_ack(txn, "CMCC", 0, 1, err);
}

static void test_writes_refused_in_read(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    mnp_feed_event_t ev = {.kind = MNP_FEED_ORDER, .body = "{}"};
    assert_int_equal(mnp_store_read(s, append_bare, &ev, &err), MNP_EINTERNAL);
    assert_int_equal(mnp_store_read(s, ack_in_read, NULL, &err), MNP_EINTERNAL);
    assert_consecutive(s, 0);
    mnp_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_consecutive, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_no_gap, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_group_consecutive, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_each_after_limit, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_append_bare_and_invalid, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_acks, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_writes_refused_in_read, test_fixture_setup,
                                        test_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
