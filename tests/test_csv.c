/*
 * Tests of CSV reading: splitting with quotes, doubled quotes, stray quotes, trimming, CRLF and
 * the field limit; the line reader's line endings, line numbers, the line-length bound at and
 * around MNP_CSV_LINE_MAX, NUL bytes and read errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/csv.h"

/* Splits a copy of s and checks the fields against want (count fields). */
static void expect_fields(const char *s, const char *const *want, int count)
{
    char line[256];
    mnp_csv_field_t f[MNP_CSV_FIELDS_MAX];
    mnp_error_t err = {0};
    size_t len = strlen(s);
    assert_true(len < sizeof(line));
    memcpy(line, s, len + 1);
    int nf = mnp_csv_split(line, len, f, MNP_CSV_FIELDS_MAX, &err);
    if (nf != count)
        fail_msg("\"%s\": %d fields (%s), expected %d", s, nf, err.msg, count);
    for (int i = 0; i < count; i++) {
        if (f[i].len != strlen(want[i]) || memcmp(f[i].ptr, want[i], f[i].len) != 0)
            fail_msg("\"%s\" field %d: \"%.*s\", expected \"%s\"", s, i, (int)f[i].len, f[i].ptr,
                     want[i]);
        /* Fields are views into the line. */
        assert_true(f[i].ptr >= line && f[i].ptr + f[i].len <= line + len);
    }
}

static void expect_split_error(const char *s, size_t max, int want_rc, const char *want_msg)
{
    char line[256];
    mnp_csv_field_t f[MNP_CSV_FIELDS_MAX + 1];
    mnp_error_t err = {0};
    size_t len = strlen(s);
    memcpy(line, s, len + 1);
    int nf = mnp_csv_split(line, len, f, max, &err);
    if (nf != want_rc)
        fail_msg("\"%s\": returned %d, expected %d", s, nf, want_rc);
    assert_int_equal(err.code, want_rc);
    if (strstr(err.msg, want_msg) == NULL)
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err.msg, want_msg);
}

#define FIELDS(...)                                                                                \
    (const char *const[]){__VA_ARGS__}, sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)

static void test_split_plain(void **state)
{
    (void)state;
    expect_fields("a,b,c", FIELDS("a", "b", "c"));
    expect_fields("1300731,CMCC,0731", FIELDS("1300731", "CMCC", "0731"));
    expect_fields("", FIELDS(""));
    expect_fields(",", FIELDS("", ""));
    expect_fields(",,", FIELDS("", "", ""));
    expect_fields("a,", FIELDS("a", ""));
    expect_fields("  a  , b\t,\tc ", FIELDS("a", "b", "c"));
    expect_fields("a b,c", FIELDS("a b", "c"));
    expect_fields("   ", FIELDS(""));
}

static void test_split_quotes(void **state)
{
    (void)state;
    expect_fields("\"a,b\",c", FIELDS("a,b", "c"));
    expect_fields("\"\"", FIELDS(""));
    expect_fields("\"\",\"\"", FIELDS("", ""));
    expect_fields("\"say \"\"hi\"\"\",x", FIELDS("say \"hi\"", "x"));
    expect_fields("\"\"\"\"", FIELDS("\""));
    expect_fields("\"\"\"\"\"\"", FIELDS("\"\""));
    /* Spaces inside quotes are kept; spaces around them are not. */
    expect_fields("  \" a \"  ,b", FIELDS(" a ", "b"));
    expect_fields("x,\"1,2,3\"", FIELDS("x", "1,2,3"));
    expect_fields("\"\xe9\x95\xbf\xe6\xb2\x99\",0731", FIELDS("\xe9\x95\xbf\xe6\xb2\x99", "0731"));
}

static void test_split_crlf(void **state)
{
    (void)state;
    expect_fields("a,b\r", FIELDS("a", "b"));
    expect_fields("\"a\"\r", FIELDS("a"));
    expect_fields("\r", FIELDS(""));
    /* Only one trailing CR is a line ending; a CR inside a field is data. */
    expect_fields("a\rb,c", FIELDS("a\rb", "c"));
    expect_fields("\"a\r\",c\r", FIELDS("a\r", "c"));
}

static void test_split_errors(void **state)
{
    (void)state;
    expect_split_error("ab\"c", MNP_CSV_FIELDS_MAX, MNP_EFORMAT, "field 1: stray quote");
    expect_split_error("a,b\"", MNP_CSV_FIELDS_MAX, MNP_EFORMAT, "field 2: stray quote");
    expect_split_error("\"abc\"def", MNP_CSV_FIELDS_MAX, MNP_EFORMAT, "after closing quote");
    expect_split_error("x,\"abc\" d", MNP_CSV_FIELDS_MAX, MNP_EFORMAT, "field 2");
    expect_split_error("\"abc", MNP_CSV_FIELDS_MAX, MNP_EFORMAT, "not terminated");
    expect_split_error("\"", MNP_CSV_FIELDS_MAX, MNP_EFORMAT, "not terminated");
    expect_split_error("\"abc\"\"", MNP_CSV_FIELDS_MAX, MNP_EFORMAT, "not terminated");
    expect_split_error("a,\"b,c", MNP_CSV_FIELDS_MAX, MNP_EFORMAT, "field 2");
    /* The CR is stripped before the quote is looked for. */
    expect_split_error("\"abc\r", MNP_CSV_FIELDS_MAX, MNP_EFORMAT, "not terminated");
}

static void test_split_max_fields(void **state)
{
    (void)state;
    mnp_csv_field_t f[4];
    mnp_error_t err = {0};
    char line[64];

    strcpy(line, "a,b,c");
    assert_int_equal(mnp_csv_split(line, 5, f, 3, &err), 3);
    strcpy(line, "a,b,c,d");
    assert_int_equal(mnp_csv_split(line, 7, f, 3, &err), MNP_ELIMIT);
    assert_int_equal(err.code, MNP_ELIMIT);
    assert_non_null(strstr(err.msg, "more than 3 fields"));
    strcpy(line, "a,b,c,");
    assert_int_equal(mnp_csv_split(line, 6, f, 3, &err), MNP_ELIMIT);
    strcpy(line, "");
    assert_int_equal(mnp_csv_split(line, 0, f, 0, &err), MNP_ELIMIT);
    /* The field array is never written past max. */
    f[2].ptr = NULL;
    f[2].len = 12345;
    strcpy(line, "a,b,c");
    assert_int_equal(mnp_csv_split(line, 5, f, 2, &err), MNP_ELIMIT);
    assert_null(f[2].ptr);
    assert_int_equal(f[2].len, 12345);

    /* MNP_CSV_FIELDS_MAX fields are accepted, one more is not. */
    char big[MNP_CSV_FIELDS_MAX * 2 + 2];
    mnp_csv_field_t many[MNP_CSV_FIELDS_MAX];
    size_t n = 0;
    for (int i = 0; i < MNP_CSV_FIELDS_MAX; i++) {
        big[n++] = (char)('a' + i % 26);
        big[n++] = ',';
    }
    n--; /* drop the last comma */
    assert_int_equal(mnp_csv_split(big, n, many, MNP_CSV_FIELDS_MAX, &err), MNP_CSV_FIELDS_MAX);
    assert_int_equal(many[MNP_CSV_FIELDS_MAX - 1].len, 1);
    big[n++] = ',';
    assert_int_equal(mnp_csv_split(big, n, many, MNP_CSV_FIELDS_MAX, &err), MNP_ELIMIT);
}

static void test_split_err_may_be_null(void **state)
{
    (void)state;
    mnp_csv_field_t f[2];
    char line[] = "a\"b";
    assert_int_equal(mnp_csv_split(line, 3, f, 2, NULL), MNP_EFORMAT);
}

/* ---- reader ---- */

static FILE *open_mem(const char *data, size_t len)
{
    FILE *in = fmemopen((void *)(uintptr_t)data, len, "r");
    assert_non_null(in);
    return in;
}

static void expect_line(mnp_csv_reader_t *r, const char *want, size_t line_no)
{
    char *line = NULL;
    size_t len = 0;
    mnp_error_t err = {0};
    int rc = mnp_csv_read_line(r, &line, &len, &err);
    if (rc != 1)
        fail_msg("expected line %zu \"%s\", got rc %d (%s)", line_no, want, rc, err.msg);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(line, want, len);
    assert_int_equal(line[len], '\0');
    assert_int_equal(r->line_no, line_no);
}

static void expect_eof(mnp_csv_reader_t *r)
{
    char *line;
    size_t len;
    mnp_error_t err = {0};
    assert_int_equal(mnp_csv_read_line(r, &line, &len, &err), 0);
    assert_int_equal(mnp_csv_read_line(r, &line, &len, &err), 0);
}

static void expect_read_error(mnp_csv_reader_t *r, int want_rc, size_t line_no, const char *msg)
{
    char *line;
    size_t len;
    mnp_error_t err = {0};
    int rc = mnp_csv_read_line(r, &line, &len, &err);
    assert_int_equal(rc, want_rc);
    assert_int_equal(err.code, want_rc);
    assert_int_equal(r->line_no, line_no);
    if (strstr(err.msg, msg) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg);
}

static void test_reader_lines(void **state)
{
    (void)state;
    static const char data[] = "a,b\nc,d\r\n\n\r\nlast";
    FILE *in = open_mem(data, sizeof(data) - 1);
    mnp_csv_reader_t r;
    assert_int_equal(mnp_csv_reader_init(&r, in), 0);
    assert_int_equal(r.line_no, 0);
    expect_line(&r, "a,b", 1);
    expect_line(&r, "c,d", 2);
    expect_line(&r, "", 3);
    expect_line(&r, "", 4);
    expect_line(&r, "last", 5); /* no final newline */
    expect_eof(&r);
    assert_int_equal(r.line_no, 5);
    mnp_csv_reader_fini(&r);
    assert_null(r.buf);
    fclose(in);
}

static void test_reader_empty_inputs(void **state)
{
    (void)state;
    mnp_csv_reader_t r;
    FILE *in = fopen("/dev/null", "r");
    assert_non_null(in);
    assert_int_equal(mnp_csv_reader_init(&r, in), 0);
    expect_eof(&r);
    assert_int_equal(r.line_no, 0);
    mnp_csv_reader_fini(&r);
    fclose(in);

    in = open_mem("\n", 1);
    assert_int_equal(mnp_csv_reader_init(&r, in), 0);
    expect_line(&r, "", 1);
    expect_eof(&r);
    mnp_csv_reader_fini(&r);
    fclose(in);

    /* A lone CR at end of input is a line ending too. */
    in = open_mem("x\r", 2);
    assert_int_equal(mnp_csv_reader_init(&r, in), 0);
    expect_line(&r, "x", 1);
    expect_eof(&r);
    mnp_csv_reader_fini(&r);
    fclose(in);
}

/* Reads data (one line of n 'a's followed by ending, then "z\n") and checks the outcome. */
static void long_line_case(size_t n, const char *ending, bool ok)
{
    size_t elen = strlen(ending);
    char *data = malloc(n + elen + 2);
    assert_non_null(data);
    memset(data, 'a', n);
    memcpy(data + n, ending, elen);
    memcpy(data + n + elen, "z\n", 2);
    FILE *in = open_mem(data, n + elen + 2);
    mnp_csv_reader_t r;
    char *line;
    size_t len;
    mnp_error_t err = {0};
    assert_int_equal(mnp_csv_reader_init(&r, in), 0);
    int rc = mnp_csv_read_line(&r, &line, &len, &err);
    if (ok) {
        if (rc != 1)
            fail_msg("line of %zu bytes + \"%s\" refused: %s", n, ending[0] == '\r' ? "CRLF" : "LF",
                     err.msg);
        assert_int_equal(len, n);
        expect_line(&r, "z", 2);
    } else {
        assert_int_equal(rc, MNP_ELIMIT);
        assert_int_equal(r.line_no, 1);
        assert_non_null(strstr(err.msg, "line 1: longer than"));
    }
    mnp_csv_reader_fini(&r);
    fclose(in);
    free(data);
}

static void test_reader_long_lines(void **state)
{
    (void)state;
    long_line_case(MNP_CSV_LINE_MAX - 1, "\n", true);
    long_line_case(MNP_CSV_LINE_MAX, "\n", true);
    long_line_case(MNP_CSV_LINE_MAX, "\r\n", true);
    long_line_case(MNP_CSV_LINE_MAX + 1, "\n", false);
    long_line_case(MNP_CSV_LINE_MAX + 1, "\r\n", false);
    long_line_case(MNP_CSV_LINE_MAX + 2, "\n", false);
    long_line_case(MNP_CSV_LINE_MAX * 3, "\n", false);
    /* A maximal line with CR at end of input, and one over the limit at end of input. */
    for (size_t extra = 0; extra < 2; extra++) {
        size_t n = MNP_CSV_LINE_MAX + extra;
        char *data = malloc(n + 1);
        assert_non_null(data);
        memset(data, 'b', n);
        data[n] = '\r';
        FILE *in = open_mem(data, n + 1);
        mnp_csv_reader_t r;
        char *line;
        size_t len;
        mnp_error_t err = {0};
        assert_int_equal(mnp_csv_reader_init(&r, in), 0);
        int rc = mnp_csv_read_line(&r, &line, &len, &err);
        assert_int_equal(rc, extra == 0 ? 1 : MNP_ELIMIT);
        if (rc == 1)
            assert_int_equal(len, MNP_CSV_LINE_MAX);
        mnp_csv_reader_fini(&r);
        fclose(in);
        free(data);
    }
}

static void test_reader_line_numbers_in_errors(void **state)
{
    (void)state;
    static const char data[] = "one\ntwo\nth\0ree\n";
    FILE *in = open_mem(data, sizeof(data) - 1);
    mnp_csv_reader_t r;
    assert_int_equal(mnp_csv_reader_init(&r, in), 0);
    expect_line(&r, "one", 1);
    expect_line(&r, "two", 2);
    expect_read_error(&r, MNP_EFORMAT, 3, "line 3: NUL byte at column 3");
    mnp_csv_reader_fini(&r);
    fclose(in);

    /* A NUL as the first byte of a line. */
    in = open_mem("\0", 1);
    assert_int_equal(mnp_csv_reader_init(&r, in), 0);
    expect_read_error(&r, MNP_EFORMAT, 1, "line 1: NUL byte at column 1");
    mnp_csv_reader_fini(&r);
    fclose(in);
}

static void test_reader_read_error(void **state)
{
    (void)state;
    /* Reading a directory fails with EISDIR: an I/O error, not end of input. */
    FILE *in = fopen("/", "r");
    assert_non_null(in);
    mnp_csv_reader_t r;
    assert_int_equal(mnp_csv_reader_init(&r, in), 0);
    expect_read_error(&r, MNP_EIO, 0, "line 1: read error");
    mnp_csv_reader_fini(&r);
    fclose(in);
}

static void test_reader_then_split(void **state)
{
    (void)state;
    static const char data[] = "block,holder,local_network\r\n\"1300731\", CUCC ,0731\r\n";
    FILE *in = open_mem(data, sizeof(data) - 1);
    mnp_csv_reader_t r;
    char *line;
    size_t len;
    mnp_csv_field_t f[4];
    mnp_error_t err = {0};
    assert_int_equal(mnp_csv_reader_init(&r, in), 0);
    assert_int_equal(mnp_csv_read_line(&r, &line, &len, &err), 1);
    assert_int_equal(mnp_csv_split(line, len, f, 4, &err), 3);
    assert_int_equal(mnp_csv_read_line(&r, &line, &len, &err), 1);
    assert_int_equal(mnp_csv_split(line, len, f, 4, &err), 3);
    assert_int_equal(f[0].len, 7);
    assert_memory_equal(f[0].ptr, "1300731", 7);
    assert_int_equal(f[1].len, 4);
    assert_memory_equal(f[1].ptr, "CUCC", 4);
    assert_int_equal(f[2].len, 4);
    assert_memory_equal(f[2].ptr, "0731", 4);
    assert_int_equal(mnp_csv_read_line(&r, &line, &len, &err), 0);
    mnp_csv_reader_fini(&r);
    fclose(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_plain),
        cmocka_unit_test(test_split_quotes),
        cmocka_unit_test(test_split_crlf),
        cmocka_unit_test(test_split_errors),
        cmocka_unit_test(test_split_max_fields),
        cmocka_unit_test(test_split_err_may_be_null),
        cmocka_unit_test(test_reader_lines),
        cmocka_unit_test(test_reader_empty_inputs),
        cmocka_unit_test(test_reader_long_lines),
        cmocka_unit_test(test_reader_line_numbers_in_errors),
        cmocka_unit_test(test_reader_read_error),
        cmocka_unit_test(test_reader_then_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
