/*
 * Tests of lookup.h: a replica's table answers the range holder for a number nobody ported, the
 * latest change for one that was, and the holder again after a return; retries are skipped;
 * a bad batch applies nothing; a snapshot loaded while changes were applied keeps the newer
 * ones; and a reader running beside the writer never sees half a batch or a sequence going
 * back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mnp/lookup.h"
#include "test_support.h"

#define CUCC_1 UINT64_C(8613007301234) /* China Unicom's, Changsha */
#define CUCC_2 UINT64_C(8613007301235)
#define CMCC_1 UINT64_C(8613407301234)   /* China Mobile's */
#define IOT    UINT64_C(861401234567890) /* 13-digit IoT */

static mnp_lookup_answer_t get1(mnp_lookup_reader_t *r, uint64_t e164)
{
    mnp_lookup_answer_t a;
    mnp_lookup_get(r, &e164, 1, &a);
    return a;
}

static void apply_ok(mnp_lookup_t *t, const mnp_lookup_change_t *c, size_t n, uint64_t upto)
{
    mnp_error_t err = {0};
    int rc = mnp_lookup_apply(t, c, n, upto, &err);
    if (rc != 0)
        fail_msg("apply: %s (%d)", err.msg, rc);
}

static void test_changes(void **state)
{
    (void)state;
    mnp_lookup_t *t;
    mnp_lookup_reader_t *r;
    assert_int_equal(mnp_lookup_new(NULL, &t), 0);
    assert_int_equal(mnp_lookup_reader(t, &r), 0);

    mnp_lookup_answer_t a = get1(r, CUCC_1);
    assert_true(a.known && a.portable && !a.ported);
    assert_string_equal(a.op, "CUCC");
    assert_int_equal(a.seq, 0);

    mnp_lookup_change_t c1[] = {{.seq = 3, .e164 = CUCC_1, .op = "CMCC"}};
    apply_ok(t, c1, 1, 4); /* the page ended at 4 */
    a = get1(r, CUCC_1);
    assert_true(a.ported);
    assert_string_equal(a.op, "CMCC");
    assert_int_equal(a.seq, 4);
    a = get1(r, CUCC_2);
    assert_false(a.ported);
    assert_string_equal(a.op, "CUCC");

    /* A retry of seq 3 naming someone else is skipped: it was applied already. */
    mnp_lookup_change_t retry[] = {{.seq = 3, .e164 = CUCC_1, .op = "CTCC"}};
    apply_ok(t, retry, 1, 4);
    assert_string_equal(get1(r, CUCC_1).op, "CMCC");

    /* Back with its range holder: ported no more. */
    mnp_lookup_change_t back[] = {{.seq = 9, .e164 = CUCC_1, .op = "CUCC"}};
    apply_ok(t, back, 1, 9);
    a = get1(r, CUCC_1);
    assert_false(a.ported);
    assert_string_equal(a.op, "CUCC");
    assert_int_equal(a.seq, 9);

    /* Numbers the plan does not know, and IoT numbers (never portable). */
    a = get1(r, UINT64_C(8612345));
    assert_false(a.known);
    assert_string_equal(a.op, "");
    a = get1(r, IOT);
    assert_false(a.ported || a.portable);

    mnp_lookup_figures_t f;
    mnp_lookup_figures(t, &f);
    assert_int_equal(f.seq, 9);
    assert_int_equal(f.changes, 1);
    mnp_lookup_reader_release(r);
    mnp_lookup_free(t);
}

/* With a plan that has blocks, an answer names the number's local network; without one, none. */
static void test_local_network(void **state)
{
    (void)state;
    mnp_numplan_t *plan;
    mnp_error_t err = {0};
    assert_int_equal(mnp_numplan_new(&plan), 0);
    char blocks[] = "block,holder,local_network\n1300730,CUCC,0731\n";
    FILE *in = fmemopen(blocks, strlen(blocks), "r");
    assert_non_null(in);
    assert_int_equal(mnp_numplan_load_blocks(plan, in, "blocks", &err), 0);
    fclose(in);

    mnp_lookup_t *t, *bare;
    mnp_lookup_reader_t *r, *rb;
    assert_int_equal(mnp_lookup_new(plan, &t), 0);
    assert_int_equal(mnp_lookup_new(NULL, &bare), 0);
    assert_int_equal(mnp_lookup_reader(t, &r), 0);
    assert_int_equal(mnp_lookup_reader(bare, &rb), 0);
    mnp_lookup_change_t c[] = {{.seq = 1, .e164 = CUCC_1, .op = "CMCC"}};
    apply_ok(t, c, 1, 1);
    mnp_lookup_answer_t a = get1(r, CUCC_1);
    assert_string_equal(a.op, "CMCC");
    assert_string_equal(a.local_network, "0731");
    assert_string_equal(get1(r, IOT).local_network, "");
    assert_string_equal(get1(rb, CUCC_1).local_network, "");
    mnp_lookup_reader_release(r);
    mnp_lookup_reader_release(rb);
    mnp_lookup_free(t);
    mnp_lookup_free(bare);
    mnp_numplan_free(plan);
}

static void test_bad_batches(void **state)
{
    (void)state;
    mnp_lookup_t *t;
    mnp_lookup_reader_t *r;
    assert_int_equal(mnp_lookup_new(NULL, &t), 0);
    assert_int_equal(mnp_lookup_reader(t, &r), 0);
    mnp_error_t err = {0};
    mnp_lookup_change_t bad_number[] = {{.seq = 1, .e164 = CUCC_1, .op = "CMCC"},
                                        {.seq = 2, .e164 = 12345, .op = "CMCC"}};
    assert_int_equal(mnp_lookup_apply(t, bad_number, 2, 2, &err), MNP_EINVAL);
    mnp_lookup_change_t bad_code[] = {{.seq = 1, .e164 = CUCC_1, .op = "CMCC"},
                                      {.seq = 2, .e164 = CUCC_2, .op = "TOOLONGCODE"}};
    assert_int_equal(mnp_lookup_apply(t, bad_code, 2, 2, &err), MNP_EINVAL);
    mnp_lookup_answer_t a = get1(r, CUCC_1);
    assert_false(a.ported);
    assert_int_equal(a.seq, 0); /* nothing of either batch */
    assert_true(mnp_lookup_change_valid(t, &bad_number[0]));
    assert_false(mnp_lookup_change_valid(t, &bad_number[1]));
    assert_false(mnp_lookup_change_valid(t, &bad_code[1]));
    mnp_lookup_change_t no_code = {.seq = 1, .e164 = CUCC_1, .op = ""};
    assert_false(mnp_lookup_change_valid(t, &no_code));

    /* At most MNP_LOOKUP_OPS_MAX operators; the batch that would pass it applies nothing. */
    mnp_lookup_change_t many[MNP_LOOKUP_OPS_MAX + 1];
    char codes[MNP_LOOKUP_OPS_MAX + 1][8];
    for (int i = 0; i <= MNP_LOOKUP_OPS_MAX; i++) {
        snprintf(codes[i], sizeof(codes[i]), "OP%d", i);
        many[i] = (mnp_lookup_change_t){
            .seq = (uint64_t)i + 1, .e164 = CUCC_1 + (uint64_t)i, .op = codes[i]};
    }
    apply_ok(t, many, MNP_LOOKUP_OPS_MAX, MNP_LOOKUP_OPS_MAX);
    assert_int_equal(mnp_lookup_apply(t, many + MNP_LOOKUP_OPS_MAX, 1, 100, &err), MNP_ELIMIT);
    assert_int_equal(get1(r, CUCC_1).seq, MNP_LOOKUP_OPS_MAX);
    mnp_lookup_reader_release(r);
    mnp_lookup_free(t);
}

/* A snapshot at seq 5 holding CMCC_1 -> CTCC and CUCC_2 -> CBN. */
static mnp_npdb_t *snapshot(const char *path)
{
    mnp_npdb_builder_t *b;
    mnp_error_t err = {0};
    assert_int_equal(mnp_npdb_builder_new(&b), 0);
    assert_int_equal(mnp_npdb_builder_add(b, CMCC_1, "CTCC"), 0);
    assert_int_equal(mnp_npdb_builder_add(b, CUCC_2, "CBN"), 0);
    assert_int_equal(mnp_npdb_builder_write(b, path, 5, 1, NULL, &err), 0);
    mnp_npdb_builder_free(b);
    mnp_npdb_t *db;
    assert_int_equal(mnp_npdb_open(path, 0, &db, &err), 0);
    return db;
}

static void test_snapshot_keeps_newer_changes(void **state)
{
    test_fixture_t *fx = *state;
    mnp_lookup_t *t;
    mnp_lookup_reader_t *r;
    assert_int_equal(mnp_lookup_new(NULL, &t), 0);
    assert_int_equal(mnp_lookup_reader(t, &r), 0);
    mnp_lookup_change_t c[] = {{.seq = 3, .e164 = CMCC_1, .op = "CUCC"},
                               {.seq = 7, .e164 = CUCC_1, .op = "CTCC"}};
    apply_ok(t, c, 2, 7);
    mnp_error_t err = {0};
    assert_int_equal(mnp_lookup_load(t, snapshot(fx->path), &err), 0);
    mnp_lookup_answer_t a = get1(r, CMCC_1); /* seq 3 is older than the snapshot: its word */
    assert_string_equal(a.op, "CTCC");
    assert_int_equal(a.seq, 7);
    assert_string_equal(get1(r, CUCC_1).op, "CTCC"); /* seq 7 is newer: kept */
    assert_string_equal(get1(r, CUCC_2).op, "CBN");  /* only in the snapshot */
    mnp_lookup_figures_t f;
    mnp_lookup_figures(t, &f);
    assert_int_equal(f.base_seq, 5);
    assert_int_equal(f.base_entries, 2);
    assert_int_equal(f.changes, 1);

    /* A change after the snapshot overrides it, also back to the holder. */
    mnp_lookup_change_t back[] = {{.seq = 8, .e164 = CUCC_2, .op = "CUCC"}};
    apply_ok(t, back, 1, 8);
    a = get1(r, CUCC_2);
    assert_false(a.ported);
    assert_string_equal(a.op, "CUCC");
    mnp_lookup_reader_release(r);
    mnp_lookup_free(t);
}

static void test_many_changes(void **state)
{
    (void)state;
    mnp_lookup_t *t;
    mnp_lookup_reader_t *r;
    assert_int_equal(mnp_lookup_new(NULL, &t), 0);
    assert_int_equal(mnp_lookup_reader(t, &r), 0);
    enum { N = 20000, BATCH = 500 };
    static mnp_lookup_change_t c[BATCH];
    for (uint64_t s = 0; s < N; s += BATCH) {
        for (uint64_t i = 0; i < BATCH; i++)
            c[i] = (mnp_lookup_change_t){
                .seq = s + i + 1, .e164 = CUCC_1 - 1234 + s + i, .op = (i % 2) ? "CMCC" : "CTCC"};
        apply_ok(t, c, BATCH, s + BATCH);
    }
    static uint64_t keys[N];
    static mnp_lookup_answer_t out[N];
    for (uint64_t i = 0; i < N; i++)
        keys[i] = CUCC_1 - 1234 + i;
    mnp_lookup_get(r, keys, N, out);
    for (uint64_t i = 0; i < N; i++) {
        assert_true(out[i].ported);
        assert_string_equal(out[i].op, (i % 500) % 2 ? "CMCC" : "CTCC");
        assert_int_equal(out[i].seq, N);
    }
    mnp_lookup_reader_release(r);
    mnp_lookup_free(t);
}

typedef struct race {
    mnp_lookup_t *t;
    atomic_bool stop;
    atomic_uint_fast64_t reads, torn, backwards;
} race_t;

/* Reads the pair of numbers every batch moves together, and checks they always agree. */
static void *reader_main(void *p)
{
    race_t *x = p;
    mnp_lookup_reader_t *r;
    if (mnp_lookup_reader(x->t, &r) != 0)
        return NULL;
    uint64_t keys[2] = {CUCC_1, CUCC_2}, last = 0;
    mnp_lookup_answer_t a[2];
    while (!atomic_load(&x->stop)) {
        mnp_lookup_get(r, keys, 2, a);
        atomic_fetch_add(&x->reads, 1);
        if (strcmp(a[0].op, a[1].op) != 0 || a[0].seq != a[1].seq)
            atomic_fetch_add(&x->torn, 1);
        if (a[0].seq < last)
            atomic_fetch_add(&x->backwards, 1);
        last = a[0].seq;
    }
    mnp_lookup_reader_release(r);
    return NULL;
}

static void test_readers_never_see_half_a_batch(void **state)
{
    (void)state;
    race_t x = {0};
    assert_int_equal(mnp_lookup_new(NULL, &x.t), 0);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader_main, &x), 0);
    while (atomic_load(&x.reads) < 2) /* both readers run before the writer starts */
        sched_yield();
    static const char *const ops[] = {"CMCC", "CTCC", "CBN", "CUCC"};
    for (uint64_t s = 1; s <= 2000; s++) {
        mnp_lookup_change_t c[] = {{.seq = 2 * s - 1, .e164 = CUCC_1, .op = ops[s % 4]},
                                   {.seq = 2 * s, .e164 = CUCC_2, .op = ops[s % 4]}};
        apply_ok(x.t, c, 2, 2 * s);
    }
    atomic_store(&x.stop, true);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_true(atomic_load(&x.reads) > 0);
    assert_int_equal(atomic_load(&x.torn), 0);
    assert_int_equal(atomic_load(&x.backwards), 0);
    mnp_lookup_free(x.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_local_network),
        cmocka_unit_test(test_bad_batches),
        cmocka_unit_test_setup_teardown(test_snapshot_keeps_newer_changes, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test(test_many_changes),
        cmocka_unit_test(test_readers_never_see_half_a_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
