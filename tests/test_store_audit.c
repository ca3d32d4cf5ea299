/*
 * Tests of the audit log in the store: appends chain across the writes of one group commit (and
 * a rolled-back write takes its record with it), many concurrent writers leave an intact chain
 * of exactly their records, paging reads every record once in order (also one subject's, and
 * one order's among them, through the audit_subject index), the triggers refuse UPDATE and
 * DELETE, and tampering behind their back (edit, delete, swap, insert) is found at the right
 * record by verification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group_gate.h"
#include "mnp/store.h"
#include "mnp/store_audit.h"
#include "test_support.h"

/* One write: appends `count` records about subject, then fails when fail is set. */
typedef struct append_job {
    const char *subject;
    int count;
    bool fail;
    uint64_t seq; /* of the last record appended */
} append_job_t;

static int append_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    append_job_t *j = arg;
    for (int i = 0; i < j->count; i++) {
        int rc = mnp_txn_audit_append(txn, 1700000000000 + i, "CMCC", "order.state", j->subject,
                                      "{\"state\":\"SUBMITTED\"}", &j->seq, err);
        if (rc != 0)
            return rc;
    }
    if (j->fail)
        return mnp_error_set(err, MNP_EINVAL, "refused on purpose");
    return 0;
}

static void append(mnp_store_t *s, int count)
{
    append_job_t j = {.subject = "13800000000", .count = count};
    mnp_error_t err;
    if (mnp_store_write(s, append_write, &j, &err) != 0)
        fail_msg("append: %s", err.msg);
}

static int verify(mnp_store_t *s, mnp_audit_verify_result_t *res, mnp_error_t *err)
{
    return mnp_store_audit_verify(s, res, err);
}

static void test_empty(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_audit_verify_result_t res;
    mnp_error_t err;
    assert_int_equal(verify(s, &res, &err), 0);
    assert_int_equal(res.records, 0);
    assert_int_equal(res.first_bad, 0);
    assert_string_equal(res.head_hex,
                        "0000000000000000000000000000000000000000000000000000000000000000");
    mnp_store_close(s);
}

static int head_in(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_audit_head(txn, arg, NULL, err);
}

/* Several appends in one write, and a failing write in between: the chain has no gap. */
static void test_append_in_one_txn(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    append_job_t j = {.subject = "A", .count = 3};
    assert_int_equal(mnp_store_write(s, append_write, &j, &err), 0);
    assert_int_equal(j.seq, 3);
    append_job_t bad = {.subject = "B", .count = 2, .fail = true};
    assert_int_equal(mnp_store_write(s, append_write, &bad, &err), MNP_EINVAL);
    j.count = 1;
    assert_int_equal(mnp_store_write(s, append_write, &j, &err), 0);
    assert_int_equal(j.seq, 4); /* the rolled-back records left no trace */

    uint64_t last = 0;
    assert_int_equal(mnp_store_read(s, head_in, &last, &err), 0);
    assert_int_equal(last, 4);
    mnp_audit_verify_result_t res;
    assert_int_equal(verify(s, &res, &err), 0);
    assert_int_equal(res.records, 4);
    mnp_store_close(s);
}

static int append_bad(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    return mnp_txn_audit_append(txn, 1, "", "order.state", NULL, NULL, NULL, err);
}

static void test_append_invalid(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    append(s, 1);
    assert_int_equal(mnp_store_write(s, append_bad, NULL, &err), MNP_EINVAL);
    assert_non_null(strstr(err.msg, "actor"));
    mnp_audit_verify_result_t res;
    assert_int_equal(verify(s, &res, &err), 0);
    assert_int_equal(res.records, 1);
    mnp_store_close(s);
}

/* A group formed on purpose (group_gate.h): the first write holds the writer until the
 * others have queued, so they run in one transaction; each appends, one appends and fails. */
static int append_held(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    return mnp_txn_audit_append(txn, 1, "system", "held", NULL, NULL, NULL, err);
}

#define GROUP 8

static void test_group_chains(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    test_write_t held = {.fn = append_held}, w[GROUP] = {{0}};
    append_job_t jobs[GROUP] = {{0}};
    mnp_store_stats_t st;

    for (int i = 0; i < GROUP; i++) {
        jobs[i].subject = "13800000000";
        jobs[i].count = 2;
        jobs[i].fail = i == 3; /* its two records must vanish, the chain must not break */
        w[i] = (test_write_t){.fn = append_write, .arg = &jobs[i]};
    }
    test_group_run(s, &held, w, GROUP);

    mnp_store_stats(s, &st);
    assert_int_equal(st.largest_group, GROUP);
    uint64_t max_seq = 0;
    for (int i = 0; i < GROUP; i++) {
        assert_int_equal(w[i].rc, i == 3 ? MNP_EINVAL : 0);
        if (w[i].rc == 0 && jobs[i].seq > max_seq)
            max_seq = jobs[i].seq;
    }
    const uint64_t expect = 1 + 2 * (GROUP - 1);
    assert_int_equal(max_seq, expect);
    mnp_audit_verify_result_t res;
    mnp_error_t err;
    assert_int_equal(verify(s, &res, &err), 0);
    assert_int_equal(res.records, expect);
    mnp_store_close(s);

    /* Durable: the same chain after a reopen. */
    s = test_store_open(f->path, false);
    char head[MNP_AUDIT_HASH_HEX];
    memcpy(head, res.head_hex, sizeof(head));
    assert_int_equal(verify(s, &res, &err), 0);
    assert_int_equal(res.records, expect);
    assert_string_equal(res.head_hex, head);
    mnp_store_close(s);
}

/* Many writers at once, no gate: groups form as they may; the chain holds all their records. */
#define THREADS 8
#define WRITES  40

typedef struct burst_ctx {
    mnp_store_t *s;
    int ok;
} burst_ctx_t;

static void *burst_main(void *arg)
{
    burst_ctx_t *b = arg;
    for (int i = 0; i < WRITES; i++) {
        append_job_t j = {.subject = "13900000000", .count = 1 + i % 2};
        mnp_error_t err;
        if (mnp_store_write(b->s, append_write, &j, &err) == 0)
            b->ok += j.count;
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    burst_ctx_t b[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        b[i] = (burst_ctx_t){.s = s};
        pthread_create(&th[i], NULL, burst_main, &b[i]);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        total += b[i].ok;
    }
    assert_int_equal(total, THREADS * (WRITES / 2) * 3);
    mnp_audit_verify_result_t res;
    mnp_error_t err;
    assert_int_equal(verify(s, &res, &err), 0);
    assert_int_equal(res.records, (uint64_t)total);
    mnp_store_close(s);
}

/* Paging: after_seq and limit cover every record exactly once, in order. */
typedef struct page_walk {
    uint64_t last;
    uint64_t seen;
    bool ordered;
} page_walk_t;

static int page_one(const mnp_audit_record_t *r, void *arg)
{
    page_walk_t *p = arg;
    p->ordered = p->ordered && r->seq == p->last + 1 && strcmp(r->actor, "CMCC") == 0;
    p->last = r->seq;
    p->seen++;
    return 0;
}

static int page_all(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    page_walk_t *p = arg;
    unsigned n;
    do {
        int rc = mnp_txn_audit_each(txn, p->last, 7, page_one, p, &n, err);
        if (rc != 0)
            return rc;
    } while (n == 7);
    return 0;
}

static void test_paging(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    append(s, 50);
    page_walk_t p = {.ordered = true};
    mnp_error_t err;
    assert_int_equal(mnp_store_read(s, page_all, &p, &err), 0);
    assert_int_equal(p.seen, 50);
    assert_int_equal(p.last, 50);
    assert_true(p.ordered);
    mnp_store_close(s);
}

/* ---- one subject's records ----------------------------------------------------------------- */

typedef struct subject_rec {
    const char *subject, *detail;
} subject_rec_t;

/* Seq 1..11: number A's records about orders 1 and 2, number B's about order 1, and details
 * that only look like order 1's. */
static const subject_rec_t subject_log[] = {
    {"8613800000001", "{\"order\":1,\"state\":\"PENDING_DONOR\"}"}, /* 1 */
    {"8613800000002", "{\"order\":1,\"state\":\"PENDING_DONOR\"}"}, /* 2: B */
    {"8613800000001", "{}"},                                        /* 3 */
    {"8613800000001", "{\"order\":2,\"state\":\"REJECTED\"}"},      /* 4 */
    {"8613800000001", "{\"number\":\"x\",\"order\":1}"},            /* 5 */
    {"8613800000001", "not JSON, \"order\":1"},                     /* 6 */
    {"8613800000001", "{\"order\":\"1\"}"},                         /* 7: a string */
    {"8613800000001", "{\"x\":{\"order\":1}}"},                     /* 8: nested */
    {"8613800000001", "{\"detail\":\"\\\"order\\\":1\"}"},          /* 9: in text */
    {"86138000000011", "{\"order\":1}"},                            /* 10: longer subject */
    {"8613800000001", "{\"order\":1,\"state\":\"ACCEPTED\"}"},      /* 11 */
};
#define SUBJECT_LOG_N (sizeof(subject_log) / sizeof(subject_log[0]))

static int subject_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    for (size_t i = 0; i < SUBJECT_LOG_N; i++) {
        int rc = mnp_txn_audit_append(txn, 1700000000000, "CMCC", "order.state",
                                      subject_log[i].subject, subject_log[i].detail, NULL, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

typedef struct subject_walk {
    mnp_audit_filter_t f;
    uint64_t seq[SUBJECT_LOG_N];
    unsigned n, visited;
    int stop_at; /* fn returns 7 at this many records; 0: never */
} subject_walk_t;

static int subject_one(const mnp_audit_record_t *r, void *arg)
{
    subject_walk_t *w = arg;
    w->seq[w->n++] = r->seq;
    /* The record is whole, not just its seq. */
    if (strcmp(r->detail, subject_log[r->seq - 1].detail) != 0 ||
        strcmp(r->subject, subject_log[r->seq - 1].subject) != 0)
        return -100;
    return w->stop_at != 0 && (int)w->n == w->stop_at ? 7 : 0;
}

static int subject_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    subject_walk_t *w = arg;
    w->n = 0;
    return mnp_txn_audit_subject_each(txn, &w->f, subject_one, w, &w->visited, err);
}

/* fn saw exactly the records want[0..n), and visited says so. */
static void assert_seqs(const subject_walk_t *w, unsigned n, const uint64_t *want)
{
    assert_int_equal(w->visited, w->n);
    assert_int_equal(w->n, n);
    if (n > 0)
        assert_memory_equal(w->seq, want, n * sizeof(want[0]));
}

static void test_subject_each(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    assert_int_equal(mnp_store_write(s, subject_write, NULL, &err), 0);

    subject_walk_t w = {.f = {.subject = "8613800000001"}};
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), 0);
    assert_seqs(&w, 9, (uint64_t[]){1, 3, 4, 5, 6, 7, 8, 9, 11});

    /* Order 1 of number A: a top-level integer member only; not B's order 1, not order 2. */
    w.f.order_id = 1;
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), 0);
    assert_seqs(&w, 3, (uint64_t[]){1, 5, 11});
    w.f.order_id = 2;
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), 0);
    assert_seqs(&w, 1, (uint64_t[]){4});
    w.f = (mnp_audit_filter_t){.subject = "8613800000002", .order_id = 1};
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), 0);
    assert_seqs(&w, 1, (uint64_t[]){2});
    w.f = (mnp_audit_filter_t){.subject = "8613800000003"};
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), 0);
    assert_seqs(&w, 0, NULL);

    /* Pages of two: every record once, in order, then a short page. */
    uint64_t seen[SUBJECT_LOG_N];
    unsigned n_seen = 0;
    w.f = (mnp_audit_filter_t){.subject = "8613800000001", .limit = 2};
    do {
        assert_int_equal(mnp_store_read(s, subject_read, &w, &err), 0);
        for (unsigned i = 0; i < w.n; i++)
            seen[n_seen++] = w.seq[i];
        if (w.n > 0)
            w.f.after_seq = w.seq[w.n - 1];
    } while (w.n == 2);
    assert_int_equal(n_seen, 9);
    assert_memory_equal(seen, ((uint64_t[]){1, 3, 4, 5, 6, 7, 8, 9, 11}), sizeof(uint64_t) * 9);
    w.f = (mnp_audit_filter_t){.subject = "8613800000001", .order_id = 1, .after_seq = 1};
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), 0);
    assert_seqs(&w, 2, (uint64_t[]){5, 11});
    w.f.after_seq = UINT64_MAX;
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), 0);
    assert_seqs(&w, 0, NULL);

    /* fn's first non-zero result stops the walk and is returned. */
    w.f = (mnp_audit_filter_t){.subject = "8613800000001"};
    w.stop_at = 2;
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), 7);
    assert_int_equal(w.visited, 2);

    w = (subject_walk_t){.f = {.subject = NULL}};
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), MNP_EINVAL);
    w.f = (mnp_audit_filter_t){.subject = "8613800000001", .order_id = -1};
    assert_int_equal(mnp_store_read(s, subject_read, &w, &err), MNP_EINVAL);
    mnp_store_close(s);
}

/* Migration 8: a subject's records are one range of an index already in seq order, so neither
 * a scan of the log nor a sort. */
static void test_subject_index(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_close(test_store_open(f->path, true));
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "EXPLAIN QUERY PLAN SELECT seq, detail FROM audit "
                                        "WHERE subject = ?1 AND seq > ?2 AND (?3 = 0 OR "
                                        "json_extract(detail, '$.order') = ?3) "
                                        "ORDER BY seq LIMIT ?4",
                                        -1, &st, NULL),
                     SQLITE_OK);
    char plan[512] = "";
    while (sqlite3_step(st) == SQLITE_ROW) {
        strncat(plan, (const char *)sqlite3_column_text(st, 3), sizeof(plan) - strlen(plan) - 2);
        strcat(plan, ";");
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_non_null(strstr(plan, "USING INDEX audit_subject (subject=? AND seq>?)"));
    assert_null(strstr(plan, "TEMP B-TREE"));
}

/* ---- tampering, through the sqlite3 API directly -------------------------------------------- */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    return db;
}

static int raw_exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Makes a store with 5 records, runs sql on it behind the store's back (triggers dropped first
 * when drop is set) and verifies: returns the code, first bad record and message. */
static int tamper(const test_fixture_t *f, bool drop, const char *sql, uint64_t *first_bad,
                  mnp_error_t *err)
{
    char side[160];
    remove(f->path);
    snprintf(side, sizeof(side), "%s-wal", f->path);
    remove(side);
    snprintf(side, sizeof(side), "%s-shm", f->path);
    remove(side);
    mnp_store_t *s = test_store_open(f->path, true);
    append(s, 5);
    mnp_store_close(s);
    sqlite3 *db = raw_open(f->path);
    if (drop)
        assert_int_equal(raw_exec(db, "DROP TRIGGER audit_no_update;"
                                      "DROP TRIGGER audit_no_delete"),
                         SQLITE_OK);
    int src = raw_exec(db, sql);
    sqlite3_close(db);
    if (src != SQLITE_OK)
        return 1; /* refused by the database */
    s = test_store_open(f->path, false);
    mnp_audit_verify_result_t res;
    int rc = verify(s, &res, err);
    mnp_store_close(s);
    *first_bad = res.first_bad;
    return rc;
}

static void test_triggers_refuse(void **state)
{
    test_fixture_t *f = *state;
    mnp_error_t err;
    uint64_t bad;
    assert_int_equal(tamper(f, false, "UPDATE audit SET detail = '{}' WHERE seq = 3", &bad, &err),
                     1);
    assert_int_equal(tamper(f, false, "DELETE FROM audit WHERE seq = 5", &bad, &err), 1);
    /* Still intact afterwards. */
    mnp_store_t *s = test_store_open(f->path, false);
    mnp_audit_verify_result_t res;
    assert_int_equal(verify(s, &res, &err), 0);
    assert_int_equal(res.records, 5);
    mnp_store_close(s);
}

static void test_tamper_update(void **state)
{
    test_fixture_t *f = *state;
    mnp_error_t err;
    uint64_t bad = 0;
    int rc = tamper(f, true, "UPDATE audit SET detail = '{\"state\":\"REJECTED\"}' WHERE seq = 3",
                    &bad, &err);
    assert_int_equal(rc, MNP_ECHECKSUM);
    assert_int_equal(bad, 3);
    assert_string_equal(err.msg, "record 3: hash does not match its content");
}

static void test_tamper_delete(void **state)
{
    test_fixture_t *f = *state;
    mnp_error_t err;
    uint64_t bad = 0;
    int rc = tamper(f, true, "DELETE FROM audit WHERE seq = 2", &bad, &err);
    assert_int_equal(rc, MNP_EFORMAT);
    assert_int_equal(bad, 2);
    assert_non_null(strstr(err.msg, "record 2: sequence number is 3"));
}

static void test_tamper_swap(void **state)
{
    test_fixture_t *f = *state;
    mnp_error_t err;
    uint64_t bad = 0;
    /* Rows 2 and 4 trade everything but their seq (their place in the log). */
    int rc = tamper(f, true,
                    "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (2, 4);"
                    "UPDATE audit SET (at_ms, actor, action, subject, detail, prev_hash, hash) = "
                    "(SELECT at_ms, actor, action, subject, detail, prev_hash, hash FROM t "
                    " WHERE t.seq = 6 - audit.seq) WHERE seq IN (2, 4)",
                    &bad, &err);
    assert_int_equal(rc, MNP_ECHECKSUM);
    assert_int_equal(bad, 2);
}

static void test_tamper_insert_before_first(void **state)
{
    test_fixture_t *f = *state;
    mnp_error_t err;
    uint64_t bad = 0;
    /* A row inserted at the front with a seq below 1 is seen, not skipped. */
    int rc = tamper(f, true,
                    "INSERT INTO audit SELECT 0, at_ms, actor, action, subject, detail, "
                    "prev_hash, hash FROM audit WHERE seq = 1",
                    &bad, &err);
    assert_int_equal(rc, MNP_EFORMAT);
    assert_int_equal(bad, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_append_in_one_txn, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_append_invalid, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_group_chains, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_paging, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_subject_each, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_subject_index, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_triggers_refuse, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_update, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_delete, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_swap, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_insert_before_first, test_fixture_setup,
                                        test_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
