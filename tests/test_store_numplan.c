/*
 * Tests of the number plan and routing numbers in the store: importing the demo blocks into a
 * real SQLite file, re-importing a changed plan (with the added/removed/changed counts), block
 * lookups, routing numbers set, read, listed and replaced, an unknown operator or a repeated pair
 * refused with nothing changed, routing CSV parsing with line numbers, and read transactions
 * refusing writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/store_numplan.h"
#include "test_support.h"

typedef struct fixture {
    char dir[TEST_DIR_SIZE];
    char path[128];
    mnp_store_t *store;
} fixture_t;

static int add_ops(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    static const char *const codes[] = {"CMCC", "CUCC", "CTCC", "CBN"};
    for (size_t i = 0; i < 4; i++) {
        int rc = mnp_txn_operator_add(txn, codes[i], codes[i], 1000, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    mnp_error_t err;
    test_dir_make(f->dir);
    snprintf(f->path, sizeof(f->path), "%s/ch.db", f->dir);
    mnp_store_config_t cfg = {.url = f->path, .create = true, .readers = 2};
    if (mnp_store_open(&cfg, &f->store, &err) != 0)
        return -1;
    if (mnp_store_write(f->store, add_ops, NULL, &err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    mnp_store_close(f->store);
    test_dir_remove(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static mnp_numplan_t *plan_from(const char *csv)
{
    mnp_numplan_t *plan;
    mnp_error_t err;
    assert_int_equal(mnp_numplan_new(&plan), 0);
    FILE *in = fmemopen((void *)(uintptr_t)csv, strlen(csv), "r");
    assert_non_null(in);
    if (mnp_numplan_load_blocks(plan, in, "test", &err) != 0)
        fail_msg("load: %s", err.msg);
    fclose(in);
    return plan;
}

typedef struct blocks_job {
    const mnp_numplan_t *plan;
    mnp_store_diff_t diff;
} blocks_job_t;

static int blocks_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    blocks_job_t *j = arg;
    return mnp_txn_blocks_replace(txn, j->plan, &j->diff, err);
}

static void import_blocks(fixture_t *f, const mnp_numplan_t *plan, size_t added, size_t removed,
                          size_t changed, size_t unchanged)
{
    blocks_job_t job = {.plan = plan};
    mnp_error_t err;
    if (mnp_store_write(f->store, blocks_write, &job, &err) != 0)
        fail_msg("import: %s", err.msg);
    assert_int_equal(job.diff.added, added);
    assert_int_equal(job.diff.removed, removed);
    assert_int_equal(job.diff.changed, changed);
    assert_int_equal(job.diff.unchanged, unchanged);
}

typedef struct get_job {
    uint32_t block;
    mnp_block_rec_t rec;
    size_t count;
} get_job_t;

static int block_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    get_job_t *j = arg;
    int rc = mnp_txn_block_count(txn, &j->count, err);
    if (rc == 0)
        rc = mnp_txn_block_get(txn, j->block, &j->rec, err);
    return rc;
}

/* Reads block b; returns the lookup's code and fills *job. */
static int get_block(fixture_t *f, uint32_t b, get_job_t *job)
{
    mnp_error_t err;
    memset(job, 0, sizeof(*job));
    job->block = b;
    return mnp_store_read(f->store, block_read, job, &err);
}

static int routing_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_routing_replace(txn, arg, NULL, err);
}

static int routing_load_str(mnp_routing_table_t *t, const char *csv, mnp_error_t *err)
{
    mnp_routing_table_init(t);
    FILE *in = fmemopen((void *)(uintptr_t)csv, strlen(csv), "r");
    assert_non_null(in);
    int rc = mnp_routing_load(t, in, "r.csv", err);
    fclose(in);
    return rc;
}

typedef struct diff_job {
    const mnp_routing_table_t *t;
    mnp_store_diff_t diff;
} diff_job_t;

static int routing_write_diff(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    diff_job_t *j = arg;
    return mnp_txn_routing_replace(txn, j->t, &j->diff, err);
}

/* Loads csv and stores it as the routing table; returns the store's code, err set. */
static int set_routing(fixture_t *f, const char *csv, mnp_store_diff_t *diff, mnp_error_t *err)
{
    mnp_routing_table_t t;
    if (routing_load_str(&t, csv, err) != 0)
        fail_msg("parse: %s", err->msg);
    diff_job_t job = {.t = &t};
    int rc = mnp_store_write(f->store, routing_write_diff, &job, err);
    if (diff != NULL)
        *diff = job.diff;
    mnp_routing_table_fini(&t);
    return rc;
}

static int concat_one(const mnp_routing_entry_t *e, void *arg)
{
    char *buf = arg;
    size_t n = strlen(buf);
    snprintf(buf + n, 1024 - n, "%s,%s,%s;", e->operator_code, e->local_network, e->routing_number);
    return 0;
}

static int routing_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    ((char *)arg)[0] = '\0';
    return mnp_txn_routing_each(txn, concat_one, arg, err);
}

/* The stored routing table as "op,ln,rn;" in key order (buf: 1024 bytes). */
static const char *routing_dump(fixture_t *f, char *buf)
{
    mnp_error_t err;
    if (mnp_store_read(f->store, routing_read, buf, &err) != 0)
        fail_msg("list: %s", err.msg);
    return buf;
}

/* ---- blocks ----------------------------------------------------------------------------- */

static void test_import_demo_blocks(void **state)
{
    fixture_t *f = *state;
    char path[512];
    mnp_error_t err;
    mnp_numplan_t *plan;
    snprintf(path, sizeof(path), "%s/data/blocks-demo.csv", MNP_SOURCE_DIR);
    assert_int_equal(mnp_numplan_new(&plan), 0);
    assert_int_equal(mnp_numplan_load_blocks_file(plan, path, &err), 0);
    size_t n = mnp_numplan_block_count(plan);
    assert_true(n > 100);
    import_blocks(f, plan, n, 0, 0, 0);

    get_job_t job;
    assert_int_equal(get_block(f, 1300731, &job), 0);
    assert_int_equal(job.count, n);
    assert_int_equal(job.rec.block, 1300731);
    assert_string_equal(job.rec.holder, "CUCC");
    assert_string_equal(job.rec.local_network, "0731");
    assert_int_equal(get_block(f, 1340730, &job), 0);
    assert_string_equal(job.rec.holder, "CMCC");
    assert_int_equal(get_block(f, 1399999, &job), MNP_ENOENT);

    /* The same file again writes nothing. */
    import_blocks(f, plan, 0, 0, 0, n);
    mnp_numplan_free(plan);
}

static void test_reimport_counts(void **state)
{
    fixture_t *f = *state;
    mnp_numplan_t *p1 = plan_from("block,holder,local_network\n"
                                  "1300731,CUCC,0731\n1340730,CMCC,0731\n1380100,CMCC,010\n");
    import_blocks(f, p1, 3, 0, 0, 0);
    /* 1300731 moves to 0732, 1340730 stays, 1380100 goes, two blocks come. */
    mnp_numplan_t *p2 =
        plan_from("1340730,CMCC,0731\n1300731,CUCC,0732\n1330210,CTCC,021\n1920210,CBN,021\n");
    import_blocks(f, p2, 2, 1, 1, 1);

    get_job_t job;
    assert_int_equal(get_block(f, 1300731, &job), 0);
    assert_string_equal(job.rec.local_network, "0732");
    assert_int_equal(job.count, 4);
    assert_int_equal(get_block(f, 1380100, &job), MNP_ENOENT);
    assert_int_equal(get_block(f, 1920210, &job), 0);
    assert_string_equal(job.rec.holder, "CBN");

    /* An empty plan removes everything. */
    mnp_numplan_t *p3 = plan_from("");
    import_blocks(f, p3, 0, 4, 0, 0);
    assert_int_equal(get_block(f, 1340730, &job), MNP_ENOENT);
    assert_int_equal(job.count, 0);
    mnp_numplan_free(p1);
    mnp_numplan_free(p2);
    mnp_numplan_free(p3);
}

/* ---- routing numbers -------------------------------------------------------------------- */

typedef struct rget_job {
    const char *op, *ln;
    mnp_routing_entry_t e;
} rget_job_t;

static int rget(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    rget_job_t *j = arg;
    return mnp_txn_routing_get(txn, j->op, j->ln, &j->e, err);
}

static void test_routing_set_get_replace(void **state)
{
    fixture_t *f = *state;
    char buf[1024];
    mnp_error_t err;
    mnp_store_diff_t d;
    assert_int_equal(set_routing(f,
                                 "operator,local_network,routing_number\n"
                                 "CUCC,0731,1020731\nCMCC,0731,1010731\nCMCC,010,101010\n",
                                 &d, &err),
                     0);
    assert_int_equal(d.added, 3);
    assert_int_equal(d.removed + d.changed + d.unchanged, 0);
    assert_string_equal(routing_dump(f, buf),
                        "CMCC,010,101010;CMCC,0731,1010731;CUCC,0731,1020731;");

    rget_job_t g = {.op = "CUCC", .ln = "0731"};
    assert_int_equal(mnp_store_read(f->store, rget, &g, &err), 0);
    assert_string_equal(g.e.routing_number, "1020731");
    assert_int_equal(g.e.line, 0);
    g.ln = "010";
    assert_int_equal(mnp_store_read(f->store, rget, &g, &err), MNP_ENOENT);
    assert_non_null(strstr(err.msg, "CUCC"));

    /* Full replacement: one changed, one kept, one gone, one new. */
    assert_int_equal(set_routing(f, "CMCC,0731,999\nCUCC,0731,1020731\nCBN,021,104021\n", &d, &err),
                     0);
    assert_int_equal(d.added, 1);
    assert_int_equal(d.removed, 1);
    assert_int_equal(d.changed, 1);
    assert_int_equal(d.unchanged, 1);
    assert_string_equal(routing_dump(f, buf), "CBN,021,104021;CMCC,0731,999;CUCC,0731,1020731;");
}

static void test_routing_unknown_operator_changes_nothing(void **state)
{
    fixture_t *f = *state;
    char before[1024], after[1024];
    mnp_error_t err;
    assert_int_equal(set_routing(f, "CMCC,0731,1010731\n", NULL, &err), 0);
    routing_dump(f, before);

    assert_int_equal(set_routing(f, "CTCC,0731,1\nCMCC,010,2\nCMCX,021,3\n", NULL, &err),
                     MNP_ENOENT);
    assert_string_equal(err.msg, "r.csv: line 3: no operator CMCX (add the operator first)");
    assert_string_equal(routing_dump(f, after), before);
}

static void test_routing_table_refused_pairs(void **state)
{
    fixture_t *f = *state;
    mnp_error_t err;
    char buf[1024];
    /* Built by hand (not from a file): entries are named by position, and re-checked. */
    mnp_routing_table_t t;
    mnp_routing_table_init(&t);
    assert_int_equal(mnp_routing_table_add(&t, "CMCC", "0731", "1", 0, &err), 0);
    assert_int_equal(mnp_routing_table_add(&t, "CUCC", "0731", "2", 0, &err), 0);
    assert_int_equal(mnp_routing_table_add(&t, "CMCC", "0731", "3", 0, &err), 0);
    assert_int_equal(mnp_store_write(f->store, routing_write, &t, &err), MNP_EEXIST);
    assert_string_equal(err.msg,
                        "routing table: entry 3: CMCC in local network 0731 is given twice");
    assert_string_equal(routing_dump(f, buf), "");

    assert_int_equal(mnp_routing_table_add(&t, "cmcc", "0731", "3", 0, &err), MNP_EINVAL);
    assert_int_equal(mnp_routing_table_add(&t, "CMCC", "731", "3", 0, &err), MNP_EINVAL);
    assert_int_equal(mnp_routing_table_add(&t, "CMCC", "0731", "", 0, &err), MNP_EINVAL);
    assert_int_equal(mnp_routing_table_add(&t, "CMCC", "0731", "1234567890123456", 0, &err),
                     MNP_EINVAL);
    assert_int_equal(t.n, 3);
    mnp_routing_table_fini(&t);
}

static void test_routing_csv_errors(void **state)
{
    (void)state;
    static const struct {
        const char *csv;
        const char *msg;
    } cases[] = {
        {"CMCC,0731,1\nCMCC,0731,2\n", "r.csv: line 2: CMCC in local network 0731 repeats line 1"},
        {"operator,local_network,routing_number\n\nCMCC,731,1\n",
         "r.csv: line 3: local network \"731\" is not 2-4 digits starting with 0"},
        {"CMCC,0731,12a\n", "r.csv: line 1: routing number \"12a\" is not 1-15 digits"},
        {"CMCC,0731,1234567890123456\n",
         "r.csv: line 1: routing number \"1234567890123456\" is not 1-15 digits"},
        {"CMCC,0731\n", "r.csv: line 1: 2 fields, expected operator,local_network,routing_number"},
        {"operator,ln,rn\n", "r.csv: line 1: header is not operator,local_network,routing_number"},
        {"CMCC,0731,1\nc,010,1\n",
         "r.csv: line 2: operator \"c\" is not an operator code (2-15 upper-case letters or "
         "digits)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mnp_routing_table_t t;
        mnp_error_t err;
        assert_int_equal(routing_load_str(&t, cases[i].csv, &err), MNP_EFORMAT);
        assert_string_equal(err.msg, cases[i].msg);
        assert_int_equal(t.n, 0);
        mnp_routing_table_fini(&t);
    }
    mnp_routing_table_t t;
    mnp_error_t err;
    assert_int_equal(routing_load_str(&t, "\"CMCC\", 0731 ,1\r\n\nCBN,010,4\n", &err), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.v[0].local_network, "0731");
    assert_int_equal(t.v[1].line, 3);
    assert_string_equal(t.name, "r.csv");
    mnp_routing_table_fini(&t);
}

/* ---- read transactions -------------------------------------------------------------------- */

static int write_in_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    int *codes = arg;
    mnp_routing_table_t t;
    mnp_routing_table_init(&t);
    codes[0] = mnp_txn_routing_replace(txn, &t, NULL, err);
    mnp_numplan_t *plan;
    if (mnp_numplan_new(&plan) != 0)
        return MNP_ENOMEM;
    codes[1] = mnp_txn_blocks_replace(txn, plan, NULL, err);
    mnp_numplan_free(plan);
    return 0;
}

static void test_read_txn_refuses_writes(void **state)
{
    fixture_t *f = *state;
    mnp_error_t err;
    char buf[1024];
    assert_int_equal(set_routing(f, "CMCC,0731,1010731\n", NULL, &err), 0);
    mnp_numplan_t *plan = plan_from("1300731,CUCC,0731\n");
    import_blocks(f, plan, 1, 0, 0, 0);
    mnp_numplan_free(plan);

    int codes[2] = {0, 0};
    assert_int_equal(mnp_store_read(f->store, write_in_read, codes, &err), 0);
    assert_int_equal(codes[0], MNP_EINTERNAL);
    assert_int_equal(codes[1], MNP_EINTERNAL);
    assert_string_equal(routing_dump(f, buf), "CMCC,0731,1010731;");
    get_job_t job;
    assert_int_equal(get_block(f, 1300731, &job), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_demo_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reimport_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing_set_get_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing_unknown_operator_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_routing_table_refused_pairs, setup, teardown),
        cmocka_unit_test(test_routing_csv_errors),
        cmocka_unit_test_setup_teardown(test_read_txn_refuses_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
