/*
 * Tests of the NPDB master in the store: a number set, replaced and cleared reads back as ported,
 * ported elsewhere and not ported, with every change in its history and the last one's time; bad
 * arguments and read transactions write nothing, and a failed write takes its changes with it;
 * the snapshot file opens with npdb.h, answers every number as the table does and carries the
 * feed head it was built at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mnp/npdb.h"
#include "mnp/store.h"
#include "mnp/store_feed.h"
#include "mnp/store_npdb.h"
#include "test_support.h"

#define N1 8613800000001ULL
#define N2 8613800000002ULL

/* One change for change_write: set (holder NULL) or clear (holder set), after appending the
 * feed event whose seq it records. */
typedef struct change {
    uint64_t number;
    const char *op; /* serving operator, or the holder for a clear */
    bool clear;
    int64_t at_ms;
    int64_t order_id;
} change_t;

typedef struct change_job {
    const change_t *changes;
    size_t n;
    bool fail; /* fail after the changes, so that they roll back */
} change_job_t;

static int change_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    const change_job_t *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        const change_t *c = &j->changes[i];
        mnp_feed_event_t ev = {.at_ms = c->at_ms,
                               .kind = MNP_FEED_NPDB,
                               .number = c->number,
                               .order_id = c->order_id,
                               .body = "{}"};
        snprintf(ev.op, sizeof(ev.op), "%s", c->op);
        uint64_t seq;
        int rc = mnp_txn_feed_append(txn, &ev, &seq, err);
        if (rc == 0 && c->clear)
            rc = mnp_txn_npdb_clear(txn, c->number, c->op, c->at_ms, c->order_id, seq, err);
        else if (rc == 0)
            rc = mnp_txn_npdb_set(txn, c->number, c->op, c->at_ms, c->order_id, seq, err);
        if (rc != 0)
            return rc;
    }
    return j->fail ? mnp_error_set(err, MNP_EINVAL, "refused on purpose") : 0;
}

static int apply(mnp_store_t *s, const change_t *changes, size_t n, bool fail)
{
    change_job_t j = {.changes = changes, .n = n, .fail = fail};
    mnp_error_t err;
    return mnp_store_write(s, change_write, &j, &err);
}

#define HISTORY_MAX 8

/* What a read sees of one number. */
typedef struct view {
    uint64_t number;
    int get_rc;
    mnp_npdb_rec_t rec;
    int last_rc;
    int64_t last_ms;
    uint64_t count;
    mnp_npdb_change_t history[HISTORY_MAX];
    size_t history_n;
} view_t;

static int history_one(const mnp_npdb_change_t *c, void *arg)
{
    view_t *v = arg;
    if (v->history_n == HISTORY_MAX)
        return 1;
    v->history[v->history_n++] = *c;
    return 0;
}

static int view_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    view_t *v = arg;
    v->get_rc = mnp_txn_npdb_get(txn, v->number, &v->rec, err);
    v->last_rc = mnp_txn_npdb_last_change(txn, v->number, &v->last_ms, err);
    int rc = mnp_txn_npdb_count(txn, &v->count, err);
    if (rc == 0)
        rc = mnp_txn_npdb_history(txn, v->number, history_one, v, err);
    return rc;
}

static view_t look(mnp_store_t *s, uint64_t number)
{
    view_t v = {.number = number};
    mnp_error_t err;
    if (mnp_store_read(s, view_read, &v, &err) != 0)
        fail_msg("read: %s", err.msg);
    return v;
}

static void test_set_replace_clear(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    view_t v = look(s, N1);
    assert_int_equal(v.get_rc, MNP_ENOENT);
    assert_int_equal(v.last_rc, MNP_ENOENT);
    assert_int_equal(v.count, 0);
    assert_int_equal(v.history_n, 0);

    const change_t ported = {N1, "CUCC", false, 1000, 7};
    assert_int_equal(apply(s, &ported, 1, false), 0);
    v = look(s, N1);
    assert_int_equal(v.get_rc, 0);
    assert_string_equal(v.rec.op, "CUCC");
    assert_int_equal(v.rec.number, N1);
    assert_int_equal(v.rec.since_ms, 1000);
    assert_int_equal(v.rec.seq, 1);
    assert_int_equal(v.last_ms, 1000);
    assert_int_equal(v.count, 1);
    assert_int_equal(look(s, N2).get_rc, MNP_ENOENT); /* its neighbour is not ported */

    const change_t again[] = {{N1, "CTCC", false, 2000, 8}, {N1, "CMCC", true, 3000, 0}};
    assert_int_equal(apply(s, &again[0], 1, false), 0);
    v = look(s, N1);
    assert_string_equal(v.rec.op, "CTCC");
    assert_int_equal(v.rec.since_ms, 2000);
    assert_int_equal(v.rec.seq, 2);
    assert_int_equal(v.count, 1); /* replaced, not added */

    assert_int_equal(apply(s, &again[1], 1, false), 0);
    v = look(s, N1);
    assert_int_equal(v.get_rc, MNP_ENOENT);
    assert_int_equal(v.count, 0);
    assert_int_equal(v.last_rc, 0);
    assert_int_equal(v.last_ms, 3000);
    assert_int_equal(v.history_n, 3);
    const char *ops[] = {"CUCC", "CTCC", "CMCC"};
    const int64_t orders[] = {7, 8, 0};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(v.history[i].number, N1);
        assert_string_equal(v.history[i].op, ops[i]);
        assert_int_equal(v.history[i].at_ms, 1000 * (int64_t)(i + 1));
        assert_int_equal(v.history[i].order_id, orders[i]);
        assert_int_equal(v.history[i].seq, i + 1);
    }
    /* A number that is not ported cannot be cleared; nothing is recorded. */
    assert_int_equal(apply(s, &again[1], 1, false), MNP_ENOENT);
    assert_int_equal(look(s, N1).history_n, 3);
    mnp_store_close(s);
}

/* History comes back in time order even when changes were recorded out of it. */
static void test_history_time_order(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    const change_t changes[] = {{N2, "CUCC", false, 5000, 1}, {N2, "CTCC", false, 4000, 2}};
    assert_int_equal(apply(s, changes, 2, false), 0);
    view_t v = look(s, N2);
    assert_int_equal(v.history_n, 2);
    assert_int_equal(v.history[0].at_ms, 4000);
    assert_int_equal(v.history[1].at_ms, 5000);
    assert_int_equal(v.last_ms, 5000);
    assert_string_equal(v.rec.op, "CTCC"); /* the row is the last one written */
    mnp_store_close(s);
}

static void test_failed_write_rolls_back(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    const change_t c = {N1, "CUCC", false, 1000, 1};
    assert_int_equal(apply(s, &c, 1, true), MNP_EINVAL);
    view_t v = look(s, N1);
    assert_int_equal(v.get_rc, MNP_ENOENT);
    assert_int_equal(v.last_rc, MNP_ENOENT);
    assert_int_equal(v.history_n, 0);
    mnp_store_close(s);
}

static void test_invalid(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    const change_t bad[] = {
        {0, "CUCC", false, 1, 0},
        {1000000000000000ULL, "CUCC", false, 1, 0},
        {N1, "", false, 1, 0},
        {N1, "ABCDEFGHIJKLMNOP", false, 1, 0}, /* 16 characters */
    };
    const int want[] = {MNP_ERANGE, MNP_ERANGE, MNP_EINVAL, MNP_EINVAL};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(apply(s, &bad[i], 1, false), want[i]);
    assert_int_equal(look(s, N1).history_n, 0);
    mnp_store_close(s);
}

static int set_in_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    return mnp_txn_npdb_set(txn, N1, "CUCC", 1, 0, 0, err);
}

static void test_read_txn_refused(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    assert_int_equal(mnp_store_read(s, set_in_read, NULL, &err), MNP_EINTERNAL);
    assert_int_equal(look(s, N1).count, 0);
    mnp_store_close(s);
}

typedef struct snap_job {
    const char *path;
    int64_t created_ms;
    uint64_t seq;
    mnp_npdb_build_stats_t stats;
} snap_job_t;

static int snap_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    snap_job_t *j = arg;
    return mnp_txn_npdb_snapshot(txn, j->path, j->created_ms, &j->seq, &j->stats, err);
}

#define SNAP_NUMBERS 300

static void test_snapshot(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    static const char *const ops[] = {"CMCC", "CUCC", "CTCC"};
    change_t changes[SNAP_NUMBERS + SNAP_NUMBERS / 7 + 1];
    size_t n = 0;
    /* Numbers spread over several blocks; every 7th is cleared again (back to its holder). */
    for (uint64_t i = 0; i < SNAP_NUMBERS; i++)
        changes[n++] = (change_t){8613800000000ULL + i * 3371, ops[i % 3], false, 1000, 0};
    for (uint64_t i = 0; i < SNAP_NUMBERS; i += 7)
        changes[n++] = (change_t){8613800000000ULL + i * 3371, "CMCC", true, 2000, 0};
    assert_int_equal(apply(s, changes, n, false), 0);

    char path[TEST_PATH_SIZE];
    snprintf(path, sizeof(path), "%s/npdb.snap", f->dir);
    snap_job_t j = {.path = path, .created_ms = 1700000000000};
    mnp_error_t err;
    if (mnp_store_read(s, snap_read, &j, &err) != 0)
        fail_msg("snapshot: %s", err.msg);
    uint64_t ported = SNAP_NUMBERS - (SNAP_NUMBERS + 6) / 7;
    assert_int_equal(j.seq, n); /* one feed event per change */
    assert_int_equal(j.stats.entries, ported);

    mnp_npdb_t *db;
    if (mnp_npdb_open(path, MNP_NPDB_OPEN_VERIFY, &db, &err) != 0)
        fail_msg("open snapshot: %s", err.msg);
    mnp_npdb_info_t info;
    mnp_npdb_info(db, &info);
    assert_int_equal(info.seq, n);
    assert_int_equal(info.entries, ported);
    assert_int_equal(info.created_ms, 1700000000000);
    for (uint64_t i = 0; i < SNAP_NUMBERS; i++) {
        uint64_t number = 8613800000000ULL + i * 3371;
        view_t v = look(s, number);
        unsigned op = mnp_npdb_lookup(db, number);
        if (v.get_rc == MNP_ENOENT) {
            assert_int_equal(i % 7, 0);
            assert_int_equal(op, 0);
        } else {
            assert_int_equal(v.get_rc, 0);
            assert_string_equal(mnp_npdb_op_code(db, op), v.rec.op);
            assert_string_equal(v.rec.op, ops[i % 3]);
        }
    }
    assert_int_equal(mnp_npdb_lookup(db, N1 + 1), 0); /* never ported */
    mnp_npdb_free(db);
    mnp_store_close(s);
}

static void test_snapshot_empty(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    char path[TEST_PATH_SIZE];
    snprintf(path, sizeof(path), "%s/empty.snap", f->dir);
    uint64_t seq = 99;
    mnp_npdb_build_stats_t stats;
    mnp_error_t err;
    if (mnp_store_npdb_snapshot(s, path, 1, &seq, &stats, &err) != 0)
        fail_msg("snapshot: %s", err.msg);
    assert_int_equal(seq, 0);
    assert_int_equal(stats.entries, 0);
    mnp_npdb_t *db;
    if (mnp_npdb_open(path, MNP_NPDB_OPEN_VERIFY, &db, &err) != 0)
        fail_msg("open snapshot: %s", err.msg);
    mnp_npdb_info_t info;
    mnp_npdb_info(db, &info);
    assert_int_equal(info.entries, 0);
    assert_int_equal(mnp_npdb_lookup(db, N1), 0);
    mnp_npdb_free(db);
    mnp_store_close(s);
}

/* The snapshot format names at most MNP_NPDB_OPS_MAX operators: the builder's refusal comes
 * through, and no file is left behind. */
static void test_snapshot_too_many_operators(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    const change_t changes[] = {{N1, "A", false, 1, 0},
                                {N1 + 1, "B", false, 1, 0},
                                {N1 + 2, "C", false, 1, 0},
                                {N1 + 3, "D", false, 1, 0},
                                {N1 + 4, "E", false, 1, 0}};
    assert_int_equal(apply(s, changes, 5, false), 0);
    char path[TEST_PATH_SIZE];
    snprintf(path, sizeof(path), "%s/five.snap", f->dir);
    snap_job_t j = {.path = path};
    mnp_error_t err;
    assert_int_equal(mnp_store_read(s, snap_read, &j, &err), MNP_ELIMIT);
    assert_non_null(strstr(err.msg, "operators"));
    FILE *fp = fopen(path, "rb");
    assert_null(fp);
    mnp_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_replace_clear, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_history_time_order, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_rolls_back, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_invalid, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_refused, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_empty, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_too_many_operators, test_fixture_setup,
                                        test_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
