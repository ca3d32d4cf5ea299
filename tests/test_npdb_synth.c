/*
 * The index round trip at scale (issue acceptance): a synthetic set of MNP_TEST_NPDB_ENTRIES
 * ported numbers (10 million in the optimised build, fewer under the sanitizers) is built into a
 * snapshot; every number of the set must look up to its operator, and numbers not in the set —
 * a large random sample, and every number of a thousand of the set's blocks — must look up as not
 * ported, with a range holder from the number plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mnp/npdb.h"
#include "mnp/numplan.h"
#include "synth.h"

static size_t entries_from_env(void)
{
    const char *s = getenv("MNP_TEST_NPDB_ENTRIES");
    return s ? (size_t)strtoull(s, NULL, 10) : 10000000u;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void test_roundtrip(void **state)
{
    (void)state;
    size_t n = entries_from_env();
    uint64_t *nums = malloc(n * sizeof(uint64_t));
    uint8_t *ops = malloc(n);
    assert_non_null(nums);
    assert_non_null(ops);
    assert_int_equal(synth_ported(20261125, n, 0, nums, ops), 0);

    char dir[] = "/tmp/mnp-synth-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/s.npdb", dir);

    mnp_npdb_builder_t *b;
    mnp_error_t err;
    mnp_npdb_build_stats_t st;
    assert_int_equal(mnp_npdb_builder_new(&b), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(mnp_npdb_builder_add(b, nums[i], mnp_operator_code(ops[i])), 0);
    assert_int_equal(mnp_npdb_builder_write(b, path, 7, 0, &st, &err), 0);
    mnp_npdb_builder_free(b);
    assert_int_equal(st.entries, n);
    assert_int_equal(st.duplicates, 0);
    /* The size bound of the issue: at most 3 bytes per ported number at 10 million. */
    if (n >= 10000000u)
        assert_true((double)st.file_bytes / (double)n <= 3.0);

    mnp_npdb_t *db;
    assert_int_equal(mnp_npdb_open(path, MNP_NPDB_OPEN_VERIFY, &db, &err), 0);
    unsigned code_op[MNP_OP_COUNT] = {0};
    for (int op = MNP_OP_CMCC; op <= MNP_OP_CBN; op++)
        code_op[op] = mnp_npdb_op_find(db, mnp_operator_code(op));

    /* Every member, singly and in batches. */
    uint8_t *got = malloc(n);
    mnp_npdb_lookup_batch(db, nums, got, n);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned want = code_op[ops[i]];
        if (want == 0 || got[i] != want || mnp_npdb_lookup(db, nums[i]) != want)
            wrong++;
    }
    assert_int_equal(wrong, 0);

    /* A random sample of non-members, as many as members. */
    mnp_numplan_t *plan;
    assert_int_equal(mnp_numplan_new(&plan), 0);
    uint64_t *miss = malloc(n * sizeof(uint64_t));
    assert_int_equal(synth_misses(99, nums, n, n, 0, miss), 0);
    mnp_npdb_lookup_batch(db, miss, got, n);
    for (size_t i = 0; i < n; i++) {
        mnp_number_t num = {.e164 = miss[i], .national_len = MNP_NATIONAL_DIGITS};
        if (got[i] != 0 || mnp_npdb_lookup(db, miss[i]) != 0 ||
            mnp_numplan_holder(plan, &num) == MNP_OP_NONE)
            wrong++;
    }
    assert_int_equal(wrong, 0);

    /* Every number of up to 1,000 blocks of the set: exactly the members are found. */
    qsort(nums, n, sizeof(uint64_t), cmp_u64);
    size_t checked_blocks = 0;
    for (size_t i = 0; i < n && checked_blocks < 1000; checked_blocks++) {
        uint64_t base = nums[i] / 10000 * 10000;
        size_t j = i;
        for (uint64_t k = base; k < base + 10000; k++) {
            int member = j < n && nums[j] == k;
            unsigned op = mnp_npdb_lookup(db, k);
            if (member != (op != 0))
                wrong++;
            j += (size_t)member;
        }
        i = j;
        i += (size_t)(n / 1000); /* spread the sampled blocks over the set */
        while (i < n && i > 0 && nums[i] / 10000 == nums[i - 1] / 10000)
            i++;
    }
    assert_int_equal(wrong, 0);
    assert_true(checked_blocks > 0);

    mnp_numplan_free(plan);
    mnp_npdb_free(db);
    unlink(path);
    rmdir(dir);
    free(miss);
    free(got);
    free(ops);
    free(nums);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
