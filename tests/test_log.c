/*
 * Tests for the logger: exact logfmt lines (quoting, escaping, every value type, timestamps from
 * a manual clock), lines cut to fit a buffer that still parse, level filtering and parsing, and
 * whole lines from many threads written to a real file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mnp/clock.h"
#include "mnp/log.h"

/* 2026-11-25T16:07:21.123Z */
#define T0 INT64_C(1795622841123)

/* Formats into a large buffer and checks the result is exactly want. */
static void expect_line(mnp_log_level_t level, const char *msg, const mnp_kv_t *kv,
                        const char *want)
{
    char buf[1024];
    size_t n = mnp_log_format(buf, sizeof(buf), level, T0, msg, kv);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format_basic(void **state)
{
    (void)state;
    expect_line(MNP_LOG_INFO, "npdb built",
                MNP_KV(MNP_KV_U64("entries", 10000000), MNP_KV_STR("path", "/tmp/x.npdb")),
                "level=info time=2026-11-25T16:07:21.123Z msg=\"npdb built\" entries=10000000 "
                "path=/tmp/x.npdb\n");
    expect_line(MNP_LOG_DEBUG, "x", NULL, "level=debug time=2026-11-25T16:07:21.123Z msg=\"x\"\n");
    expect_line(MNP_LOG_WARN, "", NULL, "level=warn time=2026-11-25T16:07:21.123Z msg=\"\"\n");
    expect_line(MNP_LOG_ERROR, NULL, NULL, "level=error time=2026-11-25T16:07:21.123Z msg=\"\"\n");
}

static void test_format_types(void **state)
{
    (void)state;
    expect_line(MNP_LOG_INFO, "t",
                MNP_KV(MNP_KV_I64("neg", -42), MNP_KV_I64("min", INT64_MIN),
                       MNP_KV_U64("max", UINT64_MAX), MNP_KV_F64("ratio", 1.5),
                       MNP_KV_F64("tenth", 0.1), MNP_KV_BOOL("yes", 7), MNP_KV_BOOL("no", 0),
                       MNP_KV_STR("null", NULL)),
                "level=info time=2026-11-25T16:07:21.123Z msg=\"t\" neg=-42 "
                "min=-9223372036854775808 max=18446744073709551615 ratio=1.5 tenth=0.1 yes=true "
                "no=false null=\"\"\n");
}

static void test_format_quoting(void **state)
{
    (void)state;
    expect_line(MNP_LOG_INFO, "q",
                MNP_KV(MNP_KV_STR("empty", ""), MNP_KV_STR("space", "a b"), MNP_KV_STR("eq", "a=b"),
                       MNP_KV_STR("quote", "say \"hi\""), MNP_KV_STR("bs", "c:\\dir"),
                       MNP_KV_STR("plain", "13800138000")),
                "level=info time=2026-11-25T16:07:21.123Z msg=\"q\" empty=\"\" space=\"a b\" "
                "eq=\"a=b\" quote=\"say \\\"hi\\\"\" bs=\"c:\\\\dir\" plain=13800138000\n");
}

static void test_format_control_bytes(void **state)
{
    (void)state;
    expect_line(
        MNP_LOG_INFO, "line1\nline2\ttab\rcr",
        MNP_KV(MNP_KV_STR("ctl", "\x01\x1f"), MNP_KV_STR("del", "x\x7fy"), MNP_KV_STR("nl", "\n")),
        "level=info time=2026-11-25T16:07:21.123Z msg=\"line1\\nline2\\ttab\\rcr\" "
        "ctl=\"\\u0001\\u001f\" del=\"x\\u007fy\" nl=\"\\n\"\n");
}

static void test_format_utf8(void **state)
{
    (void)state;
    expect_line(MNP_LOG_INFO, "用户 已迁移",
                MNP_KV(MNP_KV_STR("name", "张三"), MNP_KV_STR("op", "中国 移动")),
                "level=info time=2026-11-25T16:07:21.123Z msg=\"用户 已迁移\" name=张三 "
                "op=\"中国 移动\"\n");
}

static void test_format_bad_key(void **state)
{
    (void)state;
    expect_line(MNP_LOG_INFO, "k", MNP_KV(MNP_KV_I64("a b=c", 1)),
                "level=info time=2026-11-25T16:07:21.123Z msg=\"k\" a_b_c=1\n");
}

/* A small logfmt checker: space-separated key=value tokens, values bare or quoted with only the
 * escapes the logger produces, no raw control bytes, one newline at the end. Returns the number
 * of tokens, or -1 when the line does not parse. */
static int logfmt_check(const char *line)
{
    size_t len = strlen(line);
    if (len == 0 || line[len - 1] != '\n')
        return -1;
    const unsigned char *p = (const unsigned char *)line;
    const unsigned char *end = p + len - 1;
    int tokens = 0;
    while (p < end) {
        if (tokens > 0 && *p++ != ' ')
            return -1;
        const unsigned char *key = p;
        while (p<end && * p> ' ' && *p != '=' && *p != '"' && *p != 0x7f)
            p++;
        if (p == key)
            return -1;
        tokens++;
        if (p == end || *p == ' ')
            continue; /* bare key, like the "..." of a cut line */
        if (*p++ != '=')
            return -1;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end || *p < 0x20 || *p == 0x7f)
                    return -1;
                if (*p == '"')
                    break;
                if (*p == '\\') {
                    p++;
                    if (p >= end)
                        return -1;
                    if (*p == 'u') {
                        if (end - p < 5 || p[1] != '0' || p[2] != '0')
                            return -1;
                        p += 4;
                    } else if (!strchr("\"\\ntr", *p)) {
                        return -1;
                    }
                }
                p++;
            }
            p++;
        } else {
            const unsigned char *v = p;
            while (p<end && * p> ' ' && *p != '"' && *p != '=' && *p != '\\' && *p != 0x7f)
                p++;
            if (p == v)
                return -1;
        }
        if (p < end && *p != ' ')
            return -1;
    }
    return tokens;
}

/* True when s is well-formed UTF-8 (enough to catch a character split by a cut). */
static bool utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc0 ? 1 : -1;
        if (n < 0)
            return false;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xc0) != 0x80)
                return false;
    }
    return true;
}

static void test_logfmt_checker(void **state)
{
    (void)state;
    /* The checker itself must reject broken lines, or the cut test proves nothing. */
    assert_int_equal(logfmt_check("a=1 b=\"x y\"\n"), 2);
    assert_int_equal(logfmt_check("a=1 ...\n"), 2);
    assert_int_equal(logfmt_check("a=\"open\n"), -1);
    assert_int_equal(logfmt_check("a=\"bad\\q\"\n"), -1);
    assert_int_equal(logfmt_check("a=1"), -1);
    assert_int_equal(logfmt_check("a=1  b=2\n"), -1);
    assert_int_equal(logfmt_check("a=\"x\"y\n"), -1);
    assert_false(utf8_valid("\xe4\xb8"));
    assert_true(utf8_valid("张三"));
}

static void test_format_cut_lines_stay_valid(void **state)
{
    (void)state;
    const mnp_kv_t *kv = MNP_KV(MNP_KV_STR("name", "张三 \"李四\"\n"), MNP_KV_I64("n", 123456789),
                                MNP_KV_STR("path", "/var/lib/mnp/npdb/current.npdb"),
                                MNP_KV_STR("ctl", "\x01\x02\x03"), MNP_KV_STR("op", "移动"));
    const char *msg = "number \"13800138000\" ported\tto 中国联通";
    char full[512];
    size_t need = mnp_log_format(full, sizeof(full), MNP_LOG_WARN, T0, msg, kv);
    assert_true(need < sizeof(full));
    assert_int_equal(logfmt_check(full), 8);

    size_t prev_len = 0;
    for (size_t size = 0; size <= need + 1; size++) {
        char buf[512];
        memset(buf, 'Z', sizeof(buf));
        size_t n = mnp_log_format(size ? buf : NULL, size, MNP_LOG_WARN, T0, msg, kv);
        assert_int_equal(n, need); /* always the full length, like snprintf */
        if (size == 0)
            continue;
        size_t len = strlen(buf);
        assert_true(len < size); /* never past the buffer */
        assert_int_equal(buf[size], 'Z');
        if (size > need) {
            assert_string_equal(buf, full);
            continue;
        }
        if (size < 6) {
            assert_int_equal(len, 0);
            continue;
        }
        /* A cut line: valid logfmt and UTF-8, ends with "...", never shrinks as size grows. */
        assert_true(len >= 4);
        assert_string_equal(buf + len - 4, "...\n");
        assert_true(logfmt_check(buf) > 0);
        assert_true(utf8_valid(buf));
        assert_true(len >= prev_len);
        prev_len = len;
    }
}

static void test_format_cut_inside_quoted_value(void **state)
{
    (void)state;
    char buf[64];
    char big[200];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    size_t n = mnp_log_format(buf, sizeof(buf), MNP_LOG_INFO, T0, big, NULL);
    assert_int_equal(n, strlen("level=info time=2026-11-25T16:07:21.123Z msg=\"\"\n") + 199);
    /* The message is kept as far as it fits, closed, and the cut marked. */
    assert_string_equal(buf, "level=info time=2026-11-25T16:07:21.123Z msg=\"aaaaaaaaaaa\" ...\n");
    assert_int_equal(strlen(buf), sizeof(buf) - 1); /* the buffer is used to the last byte */

    /* A number is all or nothing: a half number would be a wrong number. */
    n = mnp_log_format(buf, 58, MNP_LOG_INFO, T0, "m", MNP_KV(MNP_KV_U64("n", 1234567890)));
    assert_int_equal(n, 62);
    assert_string_equal(buf, "level=info time=2026-11-25T16:07:21.123Z msg=\"m\" ...\n");
}

/* A temporary directory with one log file, removed after the test. */
struct logfile {
    char dir[64];
    char path[96];
    FILE *f;
};

static void logfile_open(struct logfile *lf)
{
    snprintf(lf->dir, sizeof(lf->dir), "/tmp/mnp_test_log.XXXXXX");
    assert_non_null(mkdtemp(lf->dir));
    snprintf(lf->path, sizeof(lf->path), "%s/log", lf->dir);
    lf->f = fopen(lf->path, "w+");
    assert_non_null(lf->f);
}

/* Reads back everything written (caller frees) and removes the file and directory. */
static char *logfile_close(struct logfile *lf)
{
    mnp_log_set_stream(NULL);
    assert_int_equal(fseek(lf->f, 0, SEEK_END), 0);
    long size = ftell(lf->f);
    assert_true(size >= 0);
    rewind(lf->f);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, lf->f), (size_t)size);
    fclose(lf->f);
    assert_int_equal(unlink(lf->path), 0);
    assert_int_equal(rmdir(lf->dir), 0);
    return text;
}

static void test_log_levels_to_stream(void **state)
{
    (void)state;
    struct logfile lf;
    logfile_open(&lf);
    mnp_clock_t *clock = NULL;
    assert_int_equal(mnp_clock_manual_new(T0, &clock), 0);
    mnp_log_set_clock(clock);
    mnp_log_set_stream(lf.f);

    assert_int_equal(mnp_log_get_level(), MNP_LOG_INFO); /* the default */
    mnp_log(MNP_LOG_DEBUG, "dropped", NULL);
    mnp_log(MNP_LOG_INFO, "kept", MNP_KV(MNP_KV_I64("n", 1)));
    mnp_log_set_level(MNP_LOG_WARN);
    assert_int_equal(mnp_log_get_level(), MNP_LOG_WARN);
    mnp_log(MNP_LOG_INFO, "dropped too", NULL);
    assert_int_equal(mnp_clock_advance(clock, 1000), 0);
    mnp_log(MNP_LOG_WARN, "warned", NULL);
    mnp_log(MNP_LOG_ERROR, "failed", MNP_KV(MNP_KV_STR("err", "MNP_EIO")));
    mnp_log_set_level((mnp_log_level_t)99); /* ignored */
    assert_int_equal(mnp_log_get_level(), MNP_LOG_WARN);
    mnp_log_set_level(MNP_LOG_DEBUG);
    mnp_log(MNP_LOG_DEBUG, "debugging", NULL);

    char *text = logfile_close(&lf);
    assert_string_equal(text, "level=info time=2026-11-25T16:07:21.123Z msg=\"kept\" n=1\n"
                              "level=warn time=2026-11-25T16:07:22.123Z msg=\"warned\"\n"
                              "level=error time=2026-11-25T16:07:22.123Z msg=\"failed\" "
                              "err=MNP_EIO\n"
                              "level=debug time=2026-11-25T16:07:22.123Z msg=\"debugging\"\n");
    free(text);
    mnp_log_set_level(MNP_LOG_INFO);
    mnp_log_set_clock(NULL);
    mnp_clock_free(clock);
}

static void test_log_long_line_cut(void **state)
{
    (void)state;
    struct logfile lf;
    logfile_open(&lf);
    size_t big_len = 10000;
    char *big = malloc(big_len + 1);
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)('a' + i % 26);
    big[big_len] = '\0';
    mnp_log_set_stream(lf.f);
    mnp_log(MNP_LOG_ERROR, "long", MNP_KV(MNP_KV_STR("v", big)));
    mnp_log(MNP_LOG_ERROR, "after", NULL);
    free(big);

    char *text = logfile_close(&lf);
    char *second = strstr(text, "\nlevel=error");
    assert_non_null(second);
    /* The bare value was quoted so that its start could be kept. */
    assert_non_null(strstr(text, " v=\"abcdefghijklmnopqrstuvwxyzabc"));
    size_t first_len = (size_t)(second - text) + 1;
    assert_true(first_len <= 4095);
    assert_true(first_len > 4000);
    assert_memory_equal(second - 4, " ...\n", 5);
    second[1] = '\0';
    assert_int_equal(logfmt_check(text), 5);
    free(text);
}

static void test_level_parse(void **state)
{
    (void)state;
    mnp_log_level_t lv = MNP_LOG_ERROR;
    assert_int_equal(mnp_log_level_parse("debug", &lv), 0);
    assert_int_equal(lv, MNP_LOG_DEBUG);
    assert_int_equal(mnp_log_level_parse("info", &lv), 0);
    assert_int_equal(lv, MNP_LOG_INFO);
    assert_int_equal(mnp_log_level_parse("warn", &lv), 0);
    assert_int_equal(lv, MNP_LOG_WARN);
    assert_int_equal(mnp_log_level_parse("error", &lv), 0);
    assert_int_equal(lv, MNP_LOG_ERROR);
    const char *bad[] = {"", "INFO", "warning", "err", "info ", NULL};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lv = MNP_LOG_WARN;
        assert_int_equal(mnp_log_level_parse(bad[i], &lv), MNP_EINVAL);
        assert_int_equal(lv, MNP_LOG_WARN); /* untouched on failure */
    }
}

#define LOG_THREADS    4
#define LINES_PER_THR  500
#define THREAD_PAD_LEN 300

static void *log_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    char pad[THREAD_PAD_LEN + 1];
    memset(pad, 'a' + id, THREAD_PAD_LEN);
    pad[THREAD_PAD_LEN] = '\0';
    for (int i = 0; i < LINES_PER_THR; i++)
        mnp_log(MNP_LOG_INFO, "work", MNP_KV(MNP_KV_I64("thr", id), MNP_KV_STR("pad", pad)));
    return NULL;
}

static void test_log_threads_whole_lines(void **state)
{
    (void)state;
    struct logfile lf;
    logfile_open(&lf);
    mnp_log_set_stream(lf.f);
    pthread_t th[LOG_THREADS];
    for (int i = 0; i < LOG_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, log_worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < LOG_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);

    char *text = logfile_close(&lf);
    int count[LOG_THREADS] = {0};
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char copy[512];
        assert_true(strlen(line) + 2 < sizeof(copy));
        snprintf(copy, sizeof(copy), "%s\n", line);
        assert_int_equal(logfmt_check(copy), 5);
        int id = -1;
        char *thr = strstr(line, " thr=");
        assert_non_null(thr);
        id = thr[5] - '0';
        assert_true(id >= 0 && id < LOG_THREADS);
        /* The padding is all this thread's letter: no other line got mixed in. */
        char *pad = strstr(line, " pad=");
        assert_non_null(pad);
        assert_int_equal(strlen(pad + 5), THREAD_PAD_LEN);
        for (size_t k = 0; k < THREAD_PAD_LEN; k++)
            assert_int_equal(pad[5 + k], 'a' + id);
        count[id]++;
    }
    for (int i = 0; i < LOG_THREADS; i++)
        assert_int_equal(count[i], LINES_PER_THR);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_basic),
        cmocka_unit_test(test_format_types),
        cmocka_unit_test(test_format_quoting),
        cmocka_unit_test(test_format_control_bytes),
        cmocka_unit_test(test_format_utf8),
        cmocka_unit_test(test_format_bad_key),
        cmocka_unit_test(test_logfmt_checker),
        cmocka_unit_test(test_format_cut_lines_stay_valid),
        cmocka_unit_test(test_format_cut_inside_quoted_value),
        cmocka_unit_test(test_log_levels_to_stream),
        cmocka_unit_test(test_log_long_line_cut),
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_log_threads_whole_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
