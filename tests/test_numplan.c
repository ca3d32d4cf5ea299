/*
 * Tests of the number plan: the holder and type of every 3-digit network code against an
 * independent restatement of SPEC.md §2 (with the 4- and 5-digit exceptions 1349 and 1740(0-5)),
 * portability (RULE E06), 13-digit IoT numbers, and block files: the shipped demo file, and
 * temporary files with each kind of error, its line number, and nothing loaded on error.
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

#include "mnp/csv.h"
#include "mnp/numplan.h"

#define DEMO_BLOCKS MNP_SOURCE_DIR "/data/blocks-demo.csv"

typedef struct fixture {
    char dir[64];
    char path[128];
    mnp_numplan_t *plan;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/mnp-numplan-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/blocks.csv", f->dir);
    if (mnp_numplan_new(&f->plan) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    mnp_numplan_free(f->plan);
    free(f);
    return 0;
}

static mnp_number_t num(const char *s)
{
    mnp_number_t n;
    mnp_number_reason_t why;
    if (mnp_number_parse(s, strlen(s), &n, &why) != 0)
        fail_msg("test number \"%s\" refused: %s", s, mnp_number_reason_name(why));
    return n;
}

static mnp_numinfo_t classify(const mnp_numplan_t *plan, const char *s)
{
    mnp_number_t n = num(s);
    mnp_numinfo_t info;
    memset(&info, 0x5a, sizeof(info)); /* classify must fill every field */
    mnp_numplan_classify(plan, &n, &info);
    assert_int_equal(mnp_numplan_holder(plan, &n), info.holder);
    return info;
}

/* SPEC.md §2 restated per 3-digit code: M/U/T/B = mobile of CMCC/CUCC/CTCC/CBN, S satellite,
 * V MVNO, I IoT, D data-only, '-' unknown; '*' marks codes checked separately (134, 174). */
static const char spec_codes[] = "----------" /* 100-109 */
                                 "----------" /* 110-119 */
                                 "----------" /* 120-129 */
                                 "UUUT*MMMMM" /* 130-139 */
                                 "IIIIIDIDID" /* 140-149 */
                                 "MMMT-UUMMM" /* 150-159 */
                                 "--V--VUV--" /* 160-169 */
                                 "VVMT*UUTM-" /* 170-179 */
                                 "TTMMMUUMMT" /* 180-189 */
                                 "TTBT-MUMMT" /* 190-199 */;

static void expect_code(const mnp_numinfo_t *info, char kind, const char *what)
{
    static const struct {
        char kind;
        mnp_operator_t holder;
        mnp_numtype_t type;
    } kinds[] = {
        {'M', MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},    {'U', MNP_OP_CUCC, MNP_NUMTYPE_MOBILE},
        {'T', MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},    {'B', MNP_OP_CBN, MNP_NUMTYPE_MOBILE},
        {'S', MNP_OP_NONE, MNP_NUMTYPE_SATELLITE}, {'s', MNP_OP_CTCC, MNP_NUMTYPE_SATELLITE},
        {'V', MNP_OP_NONE, MNP_NUMTYPE_MVNO},      {'I', MNP_OP_NONE, MNP_NUMTYPE_IOT},
        {'D', MNP_OP_NONE, MNP_NUMTYPE_DATA},      {'-', MNP_OP_NONE, MNP_NUMTYPE_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (kinds[i].kind != kind)
            continue;
        if (info->holder != kinds[i].holder || info->type != kinds[i].type)
            fail_msg("%s: holder %s type %s, expected %s %s", what, mnp_operator_code(info->holder),
                     mnp_numplan_type_name(info->type), mnp_operator_code(kinds[i].holder),
                     mnp_numplan_type_name(kinds[i].type));
        /* RULE E06: portable exactly when an ordinary mobile number. */
        assert_int_equal(info->portable, info->type == MNP_NUMTYPE_MOBILE);
        return;
    }
    fail_msg("bad kind %c", kind);
}

static void test_every_network_code(void **state)
{
    fixture_t *f = *state;
    char s[16], what[32];
    for (int code = 100; code <= 199; code++) {
        char kind = spec_codes[code - 100];
        if (kind == '*')
            continue;
        /* The first and the last number of the code. */
        for (int last = 0; last < 2; last++) {
            snprintf(s, sizeof(s), "%d%s", code, last ? "99999999" : "00000000");
            snprintf(what, sizeof(what), "%s", s);
            mnp_numinfo_t info = classify(f->plan, s);
            expect_code(&info, kind, what);
            assert_int_equal(info.block, (uint32_t)(code * 10000 + (last ? 9999 : 0)));
            assert_false(info.block_known);
            assert_string_equal(info.local_network, "");
        }
    }
}

static void test_sub_ranges(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *number;
        char kind;
    } cases[] = {
        {"13400000000", 'M'}, {"13489999999", 'M'}, {"13490000000", 's'}, {"13499999999", 's'},
        {"17400000000", 's'}, {"17405999999", 's'}, {"17406000000", 'S'}, {"17409999999", 'S'},
        {"17410000000", 'S'}, {"17499999999", 'S'},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mnp_numinfo_t info = classify(f->plan, cases[i].number);
        expect_code(&info, cases[i].kind, cases[i].number);
    }
}

static void test_iot_13_digits(void **state)
{
    fixture_t *f = *state;
    const char *iot[] = {"1064812345678", "+861440123456789", "1460123456789", "1480000000000"};
    for (size_t i = 0; i < 4; i++) {
        mnp_numinfo_t info = classify(f->plan, iot[i]);
        assert_int_equal(info.type, MNP_NUMTYPE_IOT);
        assert_int_equal(info.holder, MNP_OP_NONE);
        assert_false(info.portable);
        assert_int_equal(info.block, 0);
        assert_false(info.block_known);
        assert_string_equal(info.local_network, "");
    }
}

static void test_hand_made_numbers(void **state)
{
    fixture_t *f = *state;
    /* Values no parser produces are unknown, not misread. */
    const mnp_number_t odd[] = {
        {8513012345678ull, 11},   /* country code 85 */
        {8603012345678ull, 11},   /* national number from 0 */
        {13012345678ull, 11},     /* no country code */
        {861301234567890ull, 13}, /* 13 digits, not an IoT prefix */
        {8613012345678ull, 12},   {0, 0},
    };
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        mnp_numinfo_t info;
        mnp_numplan_classify(f->plan, &odd[i], &info);
        assert_int_equal(info.type, MNP_NUMTYPE_UNKNOWN);
        assert_int_equal(info.holder, MNP_OP_NONE);
        assert_false(info.portable);
        assert_int_equal(mnp_numplan_holder(f->plan, &odd[i]), MNP_OP_NONE);
    }
}

static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(mnp_numplan_type_name(MNP_NUMTYPE_MOBILE), "mobile");
    assert_string_equal(mnp_numplan_type_name(MNP_NUMTYPE_SATELLITE), "satellite");
    assert_string_equal(mnp_numplan_type_name(MNP_NUMTYPE_MVNO), "mvno");
    assert_string_equal(mnp_numplan_type_name(MNP_NUMTYPE_IOT), "iot");
    assert_string_equal(mnp_numplan_type_name(MNP_NUMTYPE_DATA), "data");
    assert_string_equal(mnp_numplan_type_name(MNP_NUMTYPE_UNKNOWN), "unknown");
    assert_string_equal(mnp_numplan_type_name((mnp_numtype_t)77), "unknown");
    mnp_numplan_free(NULL);
}

static void test_demo_blocks(void **state)
{
    fixture_t *f = *state;
    mnp_error_t err = {0};
    int rc = mnp_numplan_load_blocks_file(f->plan, DEMO_BLOCKS, &err);
    if (rc != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(err.code, 0);
    size_t n = mnp_numplan_block_count(f->plan);
    assert_true(n >= 3 * 4 * 8 && n <= 3 * 4 * 20);

    /* Ascending, every operator in every local network, each block classified as loaded. */
    int seen[3][MNP_OP_COUNT] = {{0}};
    const char *nets[3] = {"0731", "010", "021"};
    uint32_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t block;
        mnp_operator_t holder;
        const char *ln;
        mnp_numplan_block_at(f->plan, i, &block, &holder, &ln);
        assert_true(block > prev);
        prev = block;
        int net = -1;
        for (int k = 0; k < 3; k++)
            if (strcmp(ln, nets[k]) == 0)
                net = k;
        assert_true(net >= 0);
        seen[net][holder]++;

        char s[16];
        snprintf(s, sizeof(s), "%u%04u", block, (unsigned)(i * 37 % 10000));
        mnp_numinfo_t info = classify(f->plan, s);
        assert_true(info.portable);
        assert_true(info.block_known);
        assert_int_equal(info.block, block);
        assert_int_equal(info.holder, holder);
        assert_string_equal(info.local_network, ln);
    }
    for (int k = 0; k < 3; k++)
        for (int op = MNP_OP_CMCC; op <= MNP_OP_CBN; op++)
            if (seen[k][op] < 8 || seen[k][op] > 20)
                fail_msg("%s has %d blocks of %s", nets[k], seen[k][op],
                         mnp_operator_code((mnp_operator_t)op));

    /* A portable number outside the loaded blocks has its holder but no local network. */
    mnp_numinfo_t info = classify(f->plan, "13899999999");
    assert_true(info.portable);
    assert_false(info.block_known);
    assert_int_equal(info.holder, MNP_OP_CMCC);
    assert_string_equal(info.local_network, "");
    /* A neighbour of a loaded block (same 4-digit prefix) is not mistaken for it. */
    uint32_t block;
    mnp_operator_t holder;
    const char *ln;
    mnp_numplan_block_at(f->plan, 0, &block, &holder, &ln);
    char s[16];
    snprintf(s, sizeof(s), "%u0000", block - 1);
    info = classify(f->plan, s);
    assert_false(info.block_known);
}

static void write_file(const fixture_t *f, const char *content, size_t len)
{
    FILE *out = fopen(f->path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(content, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
}

static int load_text(fixture_t *f, const char *content, mnp_error_t *err)
{
    write_file(f, content, strlen(content));
    return mnp_numplan_load_blocks_file(f->plan, f->path, err);
}

static void test_load_variants(void **state)
{
    fixture_t *f = *state;
    mnp_error_t err = {0};
    /* No header, CRLF, blank lines, quoted and spaced fields. */
    int rc = load_text(f,
                       "1300731,CUCC,0731\r\n"
                       "\r\n"
                       "\"1920100\", CBN ,\"010\"\r\n"
                       "1335120,CTCC,0512\n"
                       "\n",
                       &err);
    if (rc != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(mnp_numplan_block_count(f->plan), 3);
    mnp_numinfo_t info = classify(f->plan, "19201001234");
    assert_true(info.block_known);
    assert_int_equal(info.holder, MNP_OP_CBN);
    assert_string_equal(info.local_network, "010");
    info = classify(f->plan, "13351209999");
    assert_string_equal(info.local_network, "0512");

    /* A second file adds to the first; the result stays sorted. */
    rc = load_text(f, "block,holder,local_network\n1300100,CUCC,010\n1990021,CTCC,021\n", &err);
    if (rc != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(mnp_numplan_block_count(f->plan), 5);
    const uint32_t want[] = {1300100, 1300731, 1335120, 1920100, 1990021};
    for (size_t i = 0; i < 5; i++) {
        uint32_t block;
        mnp_operator_t holder;
        const char *ln;
        mnp_numplan_block_at(f->plan, i, &block, &holder, &ln);
        assert_int_equal(block, want[i]);
    }
    /* An empty file and a header alone load nothing and succeed. */
    assert_int_equal(load_text(f, "", &err), 0);
    assert_int_equal(load_text(f, "block,holder,local_network\n", &err), 0);
    assert_int_equal(mnp_numplan_block_count(f->plan), 5);
}

static void test_load_errors(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *content;
        const char *msg; /* expected in the message after the file name */
    } cases[] = {
        {"1300731,CUCC,0731\n130073,CUCC,0731\n", ": line 2: block \"130073\" is not 7 digits"},
        {"13007310,CUCC,0731\n", ": line 1: block \"13007310\" is not 7 digits"},
        {"0300731,CUCC,0731\n", ": line 1: block \"0300731\""},
        {"13a0731,CUCC,0731\n", ": line 1: block \"13a0731\""},
        {"1300731,XXXX,0731\n", ": line 1: holder \"XXXX\" is not an operator code"},
        {"1300731,cucc,0731\n", ": line 1: holder \"cucc\""},
        {"1300731,,0731\n", ": line 1: holder \"\""},
        {"1300731,CUCC,731\n", ": line 1: local network \"731\" is not 2-4 digits"},
        {"1300731,CUCC,07310\n", ": line 1: local network \"07310\""},
        {"1300731,CUCC,0\n", ": line 1: local network \"0\""},
        {"1300731,CUCC,07a1\n", ": line 1: local network \"07a1\""},
        {"block,holder,local_network\n1380731,CMCC,0731\n1300731,CMCC,0731\n",
         ": line 3: block 1300731 belongs to CUCC by the number plan, not CMCC"},
        {"1920731,CMCC,0731\n", ": line 1: block 1920731 belongs to CBN by the number plan"},
        {"1340731,CTCC,0731\n", ": line 1: block 1340731 belongs to CMCC"},
        {"1349731,CTCC,0731\n", ": line 1: block 1349731 has number type satellite"},
        {"1740031,CTCC,0731\n", ": line 1: block 1740031 has number type satellite"},
        {"1700731,CTCC,0731\n", ": line 1: block 1700731 has number type mvno"},
        {"1440731,CMCC,0731\n", ": line 1: block 1440731 has number type iot"},
        {"1470731,CMCC,0731\n", ": line 1: block 1470731 has number type data"},
        {"1600731,CMCC,0731\n", ": line 1: block 1600731 has number type unknown"},
        {"1540731,CTCC,0731\n", ": line 1: block 1540731 has number type unknown"},
        {"1300731,CUCC,0731\n1300732,CUCC,0731\n1300733,CUCC,0731\n\n1300731,CUCC,010\n",
         ": line 5: block 1300731 repeats line 1"},
        {"1300731,CUCC\n", ": line 1: 2 fields, expected block,holder,local_network"},
        {"1300731,CUCC,0731,x\n", ": line 1: 4 fields"},
        {"1300731,CUCC,0731,x,y,z\n", ": line 1: more than 4 fields"},
        {"block,holder\n1300731,CUCC,0731\n", ": line 1: header is not block,holder,local_network"},
        {"1300731,CUCC,0731\nblock,holder,local_network\n", ": line 2: block \"block\""},
        {"1300731,CUCC,0731\n1300732,CU\"CC,0731\n", ": line 2: field 2: stray quote"},
        {"1300731,\"CUCC,0731\n", ": line 1: field 2: quoted field not terminated"},
    };
    mnp_error_t err;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&err, 0, sizeof(err));
        int rc = load_text(f, cases[i].content, &err);
        if (rc != MNP_EFORMAT || err.code != MNP_EFORMAT)
            fail_msg("case %zu: rc %d (%s)", i, rc, err.msg);
        if (strncmp(err.msg, f->path, strlen(f->path)) != 0 ||
            strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
        /* Nothing loaded, not even the good rows before the bad one. */
        assert_int_equal(mnp_numplan_block_count(f->plan), 0);
        assert_false(classify(f->plan, "13007311234").block_known);
    }
}

static void test_load_errors_keep_previous(void **state)
{
    fixture_t *f = *state;
    mnp_error_t err = {0};
    assert_int_equal(mnp_numplan_load_blocks_file(f->plan, DEMO_BLOCKS, &err), 0);
    size_t n = mnp_numplan_block_count(f->plan);
    uint32_t first;
    mnp_operator_t holder;
    const char *ln;
    mnp_numplan_block_at(f->plan, 0, &first, &holder, &ln);

    /* A block of the demo file loaded again is a duplicate. */
    char content[128];
    snprintf(content, sizeof(content), "1399999,CMCC,0731\n%u,%s,%s\n", first,
             mnp_operator_code(holder), ln);
    assert_int_equal(load_text(f, content, &err), MNP_EFORMAT);
    char want[64];
    snprintf(want, sizeof(want), ": line 2: block %u is already loaded", first);
    if (strstr(err.msg, want) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
    assert_int_equal(mnp_numplan_block_count(f->plan), n);
    assert_false(classify(f->plan, "13999991234").block_known);
    assert_true(classify(f->plan, "13407301234").block_known);
}

static void test_load_bad_bytes(void **state)
{
    fixture_t *f = *state;
    mnp_error_t err = {0};
    /* A NUL byte on line 2. */
    static const char nul[] = "1300731,CUCC,0731\n1300732,CU\0CC,0731\n";
    write_file(f, nul, sizeof(nul) - 1);
    assert_int_equal(mnp_numplan_load_blocks_file(f->plan, f->path, &err), MNP_EFORMAT);
    assert_non_null(strstr(err.msg, "line 2: NUL byte"));
    assert_int_equal(mnp_numplan_block_count(f->plan), 0);

    /* An over-long line 3. */
    size_t len = 40 + MNP_CSV_LINE_MAX + 10;
    char *big = malloc(len);
    assert_non_null(big);
    memcpy(big, "1300731,CUCC,0731\n1300732,CUCC,0731\n", 36);
    memset(big + 36, 'x', len - 37);
    big[len - 1] = '\n';
    write_file(f, big, len);
    free(big);
    assert_int_equal(mnp_numplan_load_blocks_file(f->plan, f->path, &err), MNP_EFORMAT);
    assert_non_null(strstr(err.msg, "line 3: longer than"));
    assert_int_equal(mnp_numplan_block_count(f->plan), 0);
}

static void test_load_missing_file(void **state)
{
    fixture_t *f = *state;
    mnp_error_t err = {0};
    char path[160];
    snprintf(path, sizeof(path), "%s/absent.csv", f->dir);
    assert_int_equal(mnp_numplan_load_blocks_file(f->plan, path, &err), MNP_ENOENT);
    assert_int_equal(err.code, MNP_ENOENT);
    assert_non_null(strstr(err.msg, "absent.csv"));
    /* Reading a directory is an I/O error. */
    assert_int_equal(mnp_numplan_load_blocks_file(f->plan, f->dir, &err), MNP_EIO);
    assert_int_equal(mnp_numplan_block_count(f->plan), 0);
}

static void test_load_stream_name(void **state)
{
    fixture_t *f = *state;
    mnp_error_t err = {0};
    static const char data[] = "1300731,CMCC,0731\n";
    FILE *in = fmemopen((void *)(uintptr_t)data, sizeof(data) - 1, "r");
    assert_non_null(in);
    assert_int_equal(mnp_numplan_load_blocks(f->plan, in, "upload", &err), MNP_EFORMAT);
    assert_non_null(strstr(err.msg, "upload: line 1: "));
    fclose(in);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_every_network_code), T(test_sub_ranges),        T(test_iot_13_digits),
        T(test_hand_made_numbers),  T(test_type_names),        T(test_demo_blocks),
        T(test_load_variants),      T(test_load_errors),       T(test_load_errors_keep_previous),
        T(test_load_bad_bytes),     T(test_load_missing_file), T(test_load_stream_name),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
