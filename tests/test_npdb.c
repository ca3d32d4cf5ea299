/*
 * Tests of the ported-number index: build, open, single and batched lookups against a model,
 * block shapes (sparse, dense, clustered), duplicates, limits, corrupt files, atomic replacement
 * and publishing new versions under concurrent readers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnp/npdb.h"
#include "test_support.h"

#include "../src/npdb/npdbInt.h"

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static const char *const OPS[] = {"CMCC", "CUCC", "CTCC", "CBN"};

/* Builds path from (numbers, op indexes 0..3) and opens it. */
static mnp_npdb_t *build_open(const char *path, const uint64_t *nums, const uint8_t *ops, size_t n,
                              mnp_npdb_build_stats_t *stats)
{
    mnp_npdb_builder_t *b;
    mnp_error_t err;
    assert_int_equal(mnp_npdb_builder_new(&b), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(mnp_npdb_builder_add(b, nums[i], OPS[ops[i]]), 0);
    assert_int_equal(mnp_npdb_builder_write(b, path, 42, 1764086400000, stats, &err), 0);
    mnp_npdb_builder_free(b);
    mnp_npdb_t *db;
    int rc = mnp_npdb_open(path, MNP_NPDB_OPEN_VERIFY, &db, &err);
    if (rc != 0)
        fail_msg("open: %s", err.msg);
    return db;
}

/* The operator code db gives for e164, or NULL when it is not in the index. */
static const char *code_of(const mnp_npdb_t *db, uint64_t e164)
{
    unsigned op = mnp_npdb_lookup(db, e164);
    return op ? mnp_npdb_op_code(db, op) : NULL;
}

static void test_small_roundtrip(void **state)
{
    test_fixture_t *f = *state;
    const uint64_t nums[] = {8613012345678ull, 8613012340000ull, 8613012349999ull, 8618800000001ull,
                             8619200001234ull};
    const uint8_t ops[] = {1, 2, 0, 3, 0};
    mnp_npdb_build_stats_t st;
    mnp_npdb_t *db = build_open(f->path, nums, ops, 5, &st);
    assert_int_equal(st.entries, 5);
    assert_int_equal(st.duplicates, 0);
    assert_int_equal(st.blocks, 3);

    for (size_t i = 0; i < 5; i++)
        assert_string_equal(code_of(db, nums[i]), OPS[ops[i]]);
    /* Neighbours in the same block, other blocks, other uppers, out of range. */
    assert_null(code_of(db, 8613012345677ull));
    assert_null(code_of(db, 8613012345679ull));
    assert_null(code_of(db, 8613012350000ull));
    assert_null(code_of(db, 8613112345678ull));
    assert_null(code_of(db, 8619900000001ull));
    assert_null(code_of(db, 8612999999999ull));
    assert_null(code_of(db, 0));
    assert_null(code_of(db, UINT64_MAX));

    mnp_npdb_info_t info;
    mnp_npdb_info(db, &info);
    assert_int_equal(info.entries, 5);
    assert_int_equal(info.seq, 42);
    assert_int_equal(info.created_ms, 1764086400000);
    assert_int_equal(info.format_version, MNP_NPDB_FORMAT_VERSION);
    assert_int_equal(info.op_count, 4);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(info.file_bytes, (uint64_t)sb.st_size);
    assert_int_equal(mnp_npdb_op_find(db, "CUCC"), mnp_npdb_lookup(db, nums[0]));
    assert_int_equal(mnp_npdb_op_find(db, "XXXX"), 0);
    assert_null(mnp_npdb_op_code(db, 0));
    assert_null(mnp_npdb_op_code(db, 5));
    mnp_npdb_free(db);
}

static void test_empty_index(void **state)
{
    test_fixture_t *f = *state;
    mnp_npdb_t *db = build_open(f->path, NULL, NULL, 0, NULL);
    assert_null(code_of(db, 8613012345678ull));
    uint64_t k = 8613012345678ull;
    uint8_t op = 9;
    mnp_npdb_lookup_batch(db, &k, &op, 1);
    assert_int_equal(op, 0);
    mnp_npdb_free(db);
}

static void test_duplicates_last_wins(void **state)
{
    test_fixture_t *f = *state;
    const uint64_t nums[] = {8613012345678ull, 8613800000000ull, 8613012345678ull,
                             8613012345678ull};
    const uint8_t ops[] = {0, 1, 2, 3};
    mnp_npdb_build_stats_t st;
    mnp_npdb_t *db = build_open(f->path, nums, ops, 4, &st);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.duplicates, 2);
    assert_string_equal(code_of(db, 8613012345678ull), "CBN");
    assert_string_equal(code_of(db, 8613800000000ull), "CUCC");
    mnp_npdb_free(db);
}

/* The first number of test block b (b < 10000): blocks scattered over the 130 network code. */
static uint64_t block_base(size_t b)
{
    return 8613000000000ull + (b * 7919 % 10000) * 10000;
}

/* A model check over many block shapes: every number of every touched block is looked up,
 * singly and in batches of odd sizes, and compared with the model. */
static void check_blocks_against_model(const char *path, uint64_t seed, size_t blocks,
                                       unsigned fill_pct, int clustered)
{
    uint8_t *model = calloc(blocks * 10000, 1); /* 0 = absent, else op index + 1 */
    uint64_t *nums = malloc(blocks * 10000 * sizeof(uint64_t));
    uint8_t *ops = malloc(blocks * 10000);
    size_t n = 0;
    uint64_t s = seed;
    for (size_t b = 0; b < blocks; b++) {
        for (uint32_t k = 0; k < 10000; k++) {
            int take = clustered ? (k < 10000 * fill_pct / 100) : (rng_next(&s) % 100 < fill_pct);
            if (!take)
                continue;
            uint8_t op = (uint8_t)(rng_next(&s) % 4);
            model[b * 10000 + k] = op + 1;
            nums[n] = block_base(b) + k;
            ops[n++] = op;
        }
    }
    /* Shuffle so the builder sees an unsorted input. */
    for (size_t i = n; i > 1; i--) {
        size_t j = rng_next(&s) % i;
        uint64_t t = nums[i - 1];
        nums[i - 1] = nums[j];
        nums[j] = t;
        uint8_t o = ops[i - 1];
        ops[i - 1] = ops[j];
        ops[j] = o;
    }
    mnp_npdb_t *db = build_open(path, nums, ops, n, NULL);
    uint64_t *keys = malloc(10000 * sizeof(uint64_t));
    uint8_t *got = malloc(10000);
    for (size_t b = 0; b < blocks; b++) {
        uint64_t base = block_base(b);
        for (uint32_t k = 0; k < 10000; k++)
            keys[k] = base + k;
        for (size_t off = 0; off < 10000;) {
            size_t len = 1 + rng_next(&s) % 97;
            if (off + len > 10000)
                len = 10000 - off;
            mnp_npdb_lookup_batch(db, keys + off, got + off, len);
            off += len;
        }
        for (uint32_t k = 0; k < 10000; k++) {
            uint8_t want = model[b * 10000 + k];
            unsigned single = mnp_npdb_lookup(db, keys[k]);
            unsigned expect = want ? mnp_npdb_op_find(db, OPS[want - 1]) : 0;
            if (single != expect || got[k] != expect)
                fail_msg("number %llu: single %u batch %u want %u", (unsigned long long)keys[k],
                         single, got[k], expect);
        }
    }
    mnp_npdb_free(db);
    free(keys);
    free(got);
    free(nums);
    free(ops);
    free(model);
}

static void test_sparse_blocks(void **state)
{
    check_blocks_against_model(((test_fixture_t *)*state)->path, 1, 200, 1, 0);
}

static void test_medium_blocks(void **state)
{
    check_blocks_against_model(((test_fixture_t *)*state)->path, 2, 50, 12, 0);
}

static void test_full_blocks(void **state)
{
    check_blocks_against_model(((test_fixture_t *)*state)->path, 3, 3, 100, 0);
}

static void test_clustered_blocks(void **state)
{
    /* All entries in the lowest tenth of each block: most buckets empty, one bucket huge. */
    check_blocks_against_model(((test_fixture_t *)*state)->path, 4, 5, 10, 1);
}

/* The directory stores only where each block starts; its entry and bucket counts come back from
 * its length. That must invert the builder's choice for every possible block size. */
static void test_block_shape_inverts(void **state)
{
    (void)state;
    for (uint32_t n = 0; n <= NPDB_SUFFIX_COUNT; n++) {
        uint32_t nb = npdb_nb_for(n), got_n, got_nb;
        npdb_block_shape(nb - 1 + n, &got_n, &got_nb);
        if (got_n != n || got_nb != nb)
            fail_msg("n %u: shape gives n %u nb %u, want nb %u", n, got_n, got_nb, nb);
    }
    assert_int_equal(npdb_nb_for(NPDB_SUFFIX_COUNT) - 1 + NPDB_SUFFIX_COUNT, NPDB_BLOCK_WORDS_MAX);
    /* Buckets split the suffixes evenly and in order. */
    for (uint32_t nb = 1; nb <= 1250; nb += 13) {
        uint32_t prev = 0;
        for (uint32_t s = 0; s < NPDB_SUFFIX_COUNT; s++) {
            uint32_t b = npdb_bucket(s, nb);
            assert_true(b >= prev && b < nb);
            prev = b;
        }
        assert_int_equal(npdb_bucket(NPDB_SUFFIX_COUNT - 1, nb), nb - 1);
    }
}

static void test_builder_limits(void **state)
{
    test_fixture_t *f = *state;
    mnp_npdb_builder_t *b;
    mnp_error_t err;
    unsigned op;
    assert_int_equal(mnp_npdb_builder_new(&b), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(mnp_npdb_builder_add(b, 8613012345678ull + (uint64_t)i, OPS[i]), 0);
    assert_int_equal(mnp_npdb_builder_add(b, 8613012345000ull, "XTRA"), MNP_ELIMIT);
    assert_int_equal(mnp_npdb_builder_add(b, 8613012345000ull, ""), MNP_EINVAL);
    assert_int_equal(mnp_npdb_builder_add(b, 8613012345000ull, "TOOLONGCODE"), MNP_EINVAL);
    assert_int_equal(mnp_npdb_builder_add(b, 1000000000000000ull, "CMCC"), MNP_ERANGE);
    assert_int_equal(mnp_npdb_builder_add(b, 9999ull, "CMCC"), MNP_ERANGE);
    assert_int_equal(mnp_npdb_builder_add_op(b, 8613012345000ull, 0), MNP_EINVAL);
    assert_int_equal(mnp_npdb_builder_add_op(b, 8613012345000ull, 5), MNP_EINVAL);
    assert_int_equal(mnp_npdb_builder_op(b, "CTCC", &op), 0);
    assert_int_equal(op, 3);
    assert_int_equal(mnp_npdb_builder_count(b), 4);
    /* Numbers of two countries far apart do not fit one index, and nothing is written. */
    assert_int_equal(mnp_npdb_builder_add(b, 12125550100ull, "CMCC"), 0);
    assert_int_equal(mnp_npdb_builder_write(b, f->path, 0, 0, NULL, &err), MNP_ERANGE);
    assert_int_equal(err.code, MNP_ERANGE);
    assert_int_equal(access(f->path, F_OK), -1);
    mnp_npdb_builder_free(b);
    mnp_npdb_builder_free(NULL);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    fclose(fp);
}

static uint8_t *read_bytes(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *p = malloc(*n);
    assert_int_equal(fread(p, 1, *n, fp), *n);
    fclose(fp);
    return p;
}

static void test_corrupt_files(void **state)
{
    test_fixture_t *f = *state;
    const uint64_t nums[] = {8613012345678ull, 8613812345678ull};
    const uint8_t ops[] = {1, 2};
    mnp_npdb_free(build_open(f->path, nums, ops, 2, NULL));
    size_t n;
    uint8_t *good = read_bytes(f->path, &n);
    uint8_t *bad = malloc(n);
    mnp_npdb_t *db;
    mnp_error_t err;

    assert_int_equal(mnp_npdb_open("/nonexistent/x.npdb", 0, &db, &err), MNP_ENOENT);
    assert_null(db);

    write_bytes(f->path, good, 100); /* shorter than a header */
    assert_int_equal(mnp_npdb_open(f->path, 0, &db, &err), MNP_EFORMAT);

    write_bytes(f->path, good, n - 2); /* truncated body */
    assert_int_equal(mnp_npdb_open(f->path, 0, &db, &err), MNP_EFORMAT);
    assert_non_null(strstr(err.msg, "truncated"));

    memcpy(bad, good, n);
    bad[0] = 'X';
    write_bytes(f->path, bad, n);
    assert_int_equal(mnp_npdb_open(f->path, 0, &db, &err), MNP_EFORMAT);

    memcpy(bad, good, n);
    bad[8] = 9; /* format version */
    write_bytes(f->path, bad, n);
    assert_int_equal(mnp_npdb_open(f->path, 0, &db, &err), MNP_EVERSION);

    memcpy(bad, good, n);
    bad[16] ^= 1; /* seq: caught by the header checksum */
    write_bytes(f->path, bad, n);
    assert_int_equal(mnp_npdb_open(f->path, 0, &db, &err), MNP_ECHECKSUM);

    /* A directory that points outside the data is refused even though its header is intact
     * (the header checksum does not cover it). */
    memcpy(bad, good, n);
    const npdb_header_t *h = (const npdb_header_t *)good;
    uint32_t *last_start = (uint32_t *)(bad + h->starts_off) + h->sub_count * NPDB_HLR_COUNT;
    *last_start += 1000;
    write_bytes(f->path, bad, n);
    assert_int_equal(mnp_npdb_open(f->path, 0, &db, &err), MNP_EFORMAT);
    memcpy(bad, good, n);
    ((uint32_t *)(bad + h->starts_off))[5] = 0xFFFFFFF0u;
    write_bytes(f->path, bad, n);
    assert_int_equal(mnp_npdb_open(f->path, 0, &db, &err), MNP_EFORMAT);

    /* A flipped entry: the header is fine, so open without verification succeeds and lookups
     * stay inside the file; verification names the corruption. */
    memcpy(bad, good, n);
    bad[n - 1] ^= 0x40;
    write_bytes(f->path, bad, n);
    assert_int_equal(mnp_npdb_open(f->path, 0, &db, &err), 0);
    (void)mnp_npdb_lookup(db, nums[0]);
    (void)mnp_npdb_lookup(db, nums[1]);
    assert_int_equal(mnp_npdb_verify(db, &err), MNP_ECHECKSUM);
    mnp_npdb_free(db);
    assert_int_equal(mnp_npdb_open(f->path, MNP_NPDB_OPEN_VERIFY, &db, &err), MNP_ECHECKSUM);
    free(good);
    free(bad);
}

static void test_replace_is_atomic(void **state)
{
    test_fixture_t *f = *state;
    const uint64_t a[] = {8613012345678ull};
    const uint8_t opa[] = {1};
    const uint8_t opb[] = {2};
    mnp_npdb_t *old = build_open(f->path, a, opa, 1, NULL);
    /* Rewriting the path while the old version is open: the old mapping stays valid and keeps
     * its answer; a new open sees the new one. No temporary file is left behind. */
    mnp_npdb_t *cur = build_open(f->path, a, opb, 1, NULL);
    assert_string_equal(code_of(old, a[0]), "CUCC");
    assert_string_equal(code_of(cur, a[0]), "CTCC");
    mnp_npdb_free(old);
    mnp_npdb_free(cur);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 1", f->dir);
    assert_int_equal(system(cmd), 0);
}

/* Readers check that every version they see is whole: numbers 0..99 of the version all carry the
 * same operator. The publisher swaps in versions alternating between two operators. */
typedef struct view_ctx {
    mnp_npdb_view_t *view;
    atomic_bool stop;
    atomic_ulong reads;
    atomic_int bad;
} view_ctx_t;

static void *reader_main(void *arg)
{
    view_ctx_t *c = arg;
    mnp_npdb_reader_t *r;
    if (mnp_npdb_view_reader(c->view, &r) != 0) {
        atomic_fetch_add(&c->bad, 1);
        return NULL;
    }
    while (!atomic_load(&c->stop)) {
        const mnp_npdb_t *db = mnp_npdb_view_enter(r);
        unsigned first = mnp_npdb_lookup(db, 8613012340000ull);
        for (uint64_t k = 1; k < 100; k++)
            if (mnp_npdb_lookup(db, 8613012340000ull + k) != first || first == 0)
                atomic_fetch_add(&c->bad, 1);
        mnp_npdb_view_leave(r);
        atomic_fetch_add(&c->reads, 1);
    }
    mnp_npdb_view_reader_release(r);
    return NULL;
}

static void test_view_publish_under_readers(void **state)
{
    test_fixture_t *f = *state;
    uint64_t nums[100];
    uint8_t ops[100];
    for (int i = 0; i < 100; i++)
        nums[i] = 8613012340000ull + (uint64_t)i;
    view_ctx_t c = {0};
    memset(ops, 0, sizeof(ops));
    assert_int_equal(mnp_npdb_view_new(build_open(f->path, nums, ops, 100, NULL), &c.view), 0);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, reader_main, &c);
    for (int v = 1; v <= 40; v++) {
        memset(ops, v % 4, sizeof(ops));
        mnp_npdb_view_publish(c.view, build_open(f->path, nums, ops, 100, NULL));
    }
    atomic_store(&c.stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&c.bad), 0);
    assert_true(atomic_load(&c.reads) > 0);

    /* The last version is what a new reader sees. */
    mnp_npdb_reader_t *r;
    assert_int_equal(mnp_npdb_view_reader(c.view, &r), 0);
    assert_string_equal(code_of(mnp_npdb_view_enter(r), nums[0]), OPS[40 % 4]);
    mnp_npdb_view_leave(r);
    mnp_npdb_view_reader_release(r);
    mnp_npdb_view_free(c.view);
}

static void test_view_reader_slots(void **state)
{
    (void)state;
    mnp_npdb_view_t *v;
    assert_int_equal(mnp_npdb_view_new(NULL, &v), 0);
    mnp_npdb_reader_t *r[MNP_NPDB_VIEW_READERS_MAX + 1];
    for (int i = 0; i < MNP_NPDB_VIEW_READERS_MAX; i++)
        assert_int_equal(mnp_npdb_view_reader(v, &r[i]), 0);
    assert_int_equal(mnp_npdb_view_reader(v, &r[MNP_NPDB_VIEW_READERS_MAX]), MNP_ELIMIT);
    assert_null(mnp_npdb_view_enter(r[0]));
    mnp_npdb_view_leave(r[0]);
    mnp_npdb_view_reader_release(r[7]);
    assert_int_equal(mnp_npdb_view_reader(v, &r[7]), 0);
    for (int i = 0; i < MNP_NPDB_VIEW_READERS_MAX; i++)
        mnp_npdb_view_reader_release(r[i]);
    mnp_npdb_view_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_small_roundtrip, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_empty_index, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_last_wins, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sparse_blocks, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_medium_blocks, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_full_blocks, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_clustered_blocks, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test(test_block_shape_inverts),
        cmocka_unit_test_setup_teardown(test_builder_limits, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_files, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_replace_is_atomic, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_view_publish_under_readers, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test(test_view_reader_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
