/*
 * Tests of the INI configuration parser: every piece of syntax (sections and subsections, quoting,
 * escapes, comments, trimming, CRLF, BOM, UTF-8), every parse error with its exact "file:line"
 * message, the limits at and just past their bounds, the typed getters at their boundaries and
 * with values of the wrong type, the unknown-key and unknown-section checks, the canonical writer
 * and file loading (missing file, directory, too large).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnp/ini.h"

/* Parses text (NUL-terminated) named "t.conf" or fails the test with the parser's message. */
static mnp_ini_t *parse_ok(const char *text)
{
    mnp_ini_t *ini = (mnp_ini_t *)0x1;
    mnp_error_t err = {0};
    int rc = mnp_ini_parse(text, strlen(text), "t.conf", &ini, &err);
    if (rc != 0)
        fail_msg("parse failed (%s): %s\n--- text:\n%s", mnp_errname(rc), err.msg, text);
    return ini;
}

/* Parses text[0..len) and checks it fails with code and exactly the message want. */
static void expect_error_n(const char *text, size_t len, int code, const char *want)
{
    mnp_ini_t *ini = (mnp_ini_t *)0x1;
    mnp_error_t err = {0};
    int rc = mnp_ini_parse(text, len, "t.conf", &ini, &err);
    if (rc != code || err.code != code || strcmp(err.msg, want) != 0)
        fail_msg("%.*s\n--- gave %s \"%s\", expected %s \"%s\"", (int)len, text, mnp_errname(rc),
                 err.msg, mnp_errname(code), want);
    assert_null(ini);
}

static void expect_error(const char *text, int code, const char *want)
{
    expect_error_n(text, strlen(text), code, want);
}

static void check_value(const mnp_ini_t *ini, const char *sec, const char *sub, const char *key,
                        const char *want)
{
    const char *got = mnp_ini_get(mnp_ini_section(ini, sec, sub), key);
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("[%s] %s = \"%s\", expected \"%s\"", sec, key, got ? got : "(absent)", want);
}

static void test_sections_and_keys(void **state)
{
    (void)state;
    mnp_ini_t *ini = parse_ok("# mnpd configuration\n"
                              "; another comment\n"
                              "\n"
                              "[clearinghouse]\n"
                              "listen = 127.0.0.1:8080\n"
                              "  answer_window=10m   \n"
                              "\t[operator \"CMCC\"]  # China Mobile\n"
                              "db.path = /var/lib/mnp/cmcc.db\n"
                              "[operator \"CUCC\"]\n"
                              "[lookup]\n"
                              "udp-workers = 4\n");
    assert_string_equal(mnp_ini_name(ini), "t.conf");
    assert_int_equal(mnp_ini_section_count(ini), 4);
    static const struct {
        const char *name, *sub;
        size_t line, keys;
    } want[] = {{"clearinghouse", NULL, 4, 2},
                {"operator", "CMCC", 7, 1},
                {"operator", "CUCC", 9, 0},
                {"lookup", NULL, 10, 1}};
    for (size_t i = 0; i < 4; i++) {
        const mnp_ini_section_t *sec = mnp_ini_section_at(ini, i);
        assert_non_null(sec);
        assert_string_equal(mnp_ini_section_name(sec), want[i].name);
        if (want[i].sub == NULL)
            assert_null(mnp_ini_section_sub(sec));
        else
            assert_string_equal(mnp_ini_section_sub(sec), want[i].sub);
        assert_int_equal(mnp_ini_section_line(sec), want[i].line);
        assert_int_equal(mnp_ini_key_count(sec), want[i].keys);
        assert_ptr_equal(mnp_ini_section(ini, want[i].name, want[i].sub), sec);
    }
    assert_null(mnp_ini_section_at(ini, 4));
    assert_null(mnp_ini_section(ini, "operator", NULL));
    assert_null(mnp_ini_section(ini, "operator", ""));
    assert_null(mnp_ini_section(ini, "operator", "cmcc"));
    assert_null(mnp_ini_section(ini, "lookup", "x"));
    assert_null(mnp_ini_section(ini, "nothing", NULL));

    const mnp_ini_section_t *ch = mnp_ini_section(ini, "clearinghouse", NULL);
    const mnp_ini_entry_t *e = mnp_ini_entry_at(ch, 1);
    assert_string_equal(e->key, "answer_window");
    assert_string_equal(e->value, "10m");
    assert_int_equal(e->line, 6);
    assert_null(mnp_ini_entry_at(ch, 2));
    assert_ptr_equal(mnp_ini_find(ch, "answer_window"), e);
    assert_int_equal(mnp_ini_find(ch, "listen")->line, 5);
    assert_null(mnp_ini_find(ch, "db.path")); /* a key of another section */
    assert_null(mnp_ini_find(NULL, "listen"));
    assert_null(mnp_ini_get(NULL, "listen"));
    check_value(ini, "operator", "CMCC", "db.path", "/var/lib/mnp/cmcc.db");
    check_value(ini, "lookup", NULL, "udp-workers", "4");
    mnp_ini_free(ini);
    mnp_ini_free(NULL);
}

static void test_values(void **state)
{
    (void)state;
    mnp_ini_t *ini = parse_ok("\xef\xbb\xbf[v]\r\n"
                              "plain = a b  c\r\n"
                              "empty =\n"
                              "empty2 = # only a comment\n"
                              "hash = color#fff\n"
                              "semi = a;b\n"
                              "cut1 = 53 # dns\n"
                              "cut2 = 53\t; dns\n"
                              "quote_in = say \"hi\"\n"
                              "backslash = C:\\dir\\n\n"
                              "q_spaces = \"  keep  \"\n"
                              "q_hash = \"a # b ; c\"   # comment\n"
                              "q_esc = \"q\\\" b\\\\ n\\n t\\t\"\n"
                              "q_empty = \"\"\n"
                              "q_tab = \"\tx\"\n"
                              "utf8 = 中国移动 ✓\n"
                              "last = no newline");
    check_value(ini, "v", NULL, "plain", "a b  c");
    check_value(ini, "v", NULL, "empty", "");
    check_value(ini, "v", NULL, "empty2", "");
    check_value(ini, "v", NULL, "hash", "color#fff");
    check_value(ini, "v", NULL, "semi", "a;b");
    check_value(ini, "v", NULL, "cut1", "53");
    check_value(ini, "v", NULL, "cut2", "53");
    check_value(ini, "v", NULL, "quote_in", "say \"hi\"");
    check_value(ini, "v", NULL, "backslash", "C:\\dir\\n");
    check_value(ini, "v", NULL, "q_spaces", "  keep  ");
    check_value(ini, "v", NULL, "q_hash", "a # b ; c");
    check_value(ini, "v", NULL, "q_esc", "q\" b\\ n\n t\t");
    check_value(ini, "v", NULL, "q_empty", "");
    check_value(ini, "v", NULL, "q_tab", "\tx");
    check_value(ini, "v", NULL, "utf8", "中国移动 ✓");
    check_value(ini, "v", NULL, "last", "no newline");
    assert_int_equal(mnp_ini_find(mnp_ini_section(ini, "v", NULL), "last")->line, 17);
    mnp_ini_free(ini);

    /* Subsections take the same escapes and any UTF-8; "[a]" and "[a \"x\"]" are distinct. */
    ini = parse_ok("[op \"中国 \\\"移动\\\"\"]\nk=1\n[op]\nk=2\n[ op\t\"x]y\" ]\nk=3\n");
    check_value(ini, "op", "中国 \"移动\"", "k", "1");
    check_value(ini, "op", NULL, "k", "2");
    check_value(ini, "op", "x]y", "k", "3");
    mnp_ini_free(ini);

    /* Empty input, NULL text, only comments: no sections. The default name is "(text)". */
    mnp_ini_t *empty = NULL;
    mnp_error_t err = {0};
    assert_int_equal(mnp_ini_parse(NULL, 0, NULL, &empty, &err), 0);
    assert_int_equal(mnp_ini_section_count(empty), 0);
    assert_string_equal(mnp_ini_name(empty), "(text)");
    mnp_ini_free(empty);
    ini = parse_ok("# nothing\n\n   \n");
    assert_int_equal(mnp_ini_section_count(ini), 0);
    mnp_ini_free(ini);
    assert_int_equal(mnp_ini_parse("k=v", 3, NULL, &empty, &err), MNP_EFORMAT);
    assert_string_equal(err.msg, "(text):1: key 'k' before the first [section]");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"k = v\n", "t.conf:1: key 'k' before the first [section]"},
        {"# c\n\nport = 53\n[a]\n", "t.conf:3: key 'port' before the first [section]"},
        {"[a]\nPort = 53\n", "t.conf:2: invalid character 'P' in key (keys are lowercase)"},
        {"[a]\npOrt = 53\n", "t.conf:2: invalid character 'O' in key (keys are lowercase)"},
        {"[a]\nk! = 1\n", "t.conf:2: invalid character '!' in key"},
        {"[a]\nk v\n", "t.conf:2: expected '=' after key 'k'"},
        {"[a]\n\nkey\n", "t.conf:3: expected '=' after key 'key'"},
        {"[a]\n = v\n", "t.conf:2: missing key before '='"},
        {"[a]\nk = 1\nj = 0\nk = 2\n", "t.conf:4: duplicate key 'k' in [a] (first at line 2)"},
        {"[a]\n[b]\n[a]\n", "t.conf:3: duplicate section [a] (first at line 1)"},
        {"[o \"x\"]\n[o]\n[o \"x\"]\n", "t.conf:3: duplicate section [o \"x\"] (first at line 1)"},
        {"[a\n", "t.conf:1: unterminated section header (missing ']')"},
        {"[a \"x\"\n", "t.conf:1: unterminated section header (missing ']')"},
        {"[]\n", "t.conf:1: empty section name"},
        {"[ \"x\"]\n", "t.conf:1: empty section name"},
        {"[a \"\"]\n", "t.conf:1: empty subsection name"},
        {"[a \"x]\n", "t.conf:1: unterminated quoted subsection name"},
        {"[a \"\\x\"]\n", "t.conf:1: unknown escape '\\' + 'x' in subsection name (use \\\" \\\\ "
                          "\\n \\t)"},
        {"[Ab]\n", "t.conf:1: invalid character 'A' in section name (names are lowercase)"},
        {"[a\"x\"]\n", "t.conf:1: invalid character '\"' in section name"},
        {"[a b]\n", "t.conf:1: unexpected 'b' in section header"},
        {"[a \"x\" y]\n", "t.conf:1: unexpected 'y' in section header"},
        {"[a] x\n", "t.conf:1: text after section header"},
        {"[a]\nk = \"abc\n", "t.conf:2: unterminated quoted value"},
        {"[a]\nk = \"abc\\\"\n", "t.conf:2: unterminated quoted value"},
        {"[a]\nk = \"ab\\\n", "t.conf:2: unterminated quoted value"},
        {"[a]\nk = \"a\\qb\"\n",
         "t.conf:2: unknown escape '\\' + 'q' in value (use \\\" \\\\ \\n \\t)"},
        {"[a]\nk = \"a\" b\n", "t.conf:2: text after closing quote of value"},
        {"[a]\nk = a\x01\n", "t.conf:2: control character 0x01"},
        {"[a]\nk = a\x7f\n", "t.conf:2: control character 0x7f"},
        {"[a]\nk = a\rb\n", "t.conf:2: control character 0x0d"},
        {"[a]\nk = a\r", "t.conf:2: control character 0x0d"},
        {"[a]\n# \xc0\x80 overlong\n", "t.conf:2: invalid UTF-8"},
        {"[a]\nk = \xed\xa0\x80\n", "t.conf:2: invalid UTF-8"},     /* surrogate */
        {"[a]\nk = \xf4\x90\x80\x80\n", "t.conf:2: invalid UTF-8"}, /* past U+10FFFF */
        {"[a]\nk = \xe4\xb8\n", "t.conf:2: invalid UTF-8"},         /* truncated */
        {"[a]\nk = \xe0\x9f\xbf\n", "t.conf:2: invalid UTF-8"},     /* overlong 3-byte */
        {"[a]\nk = \xf0\x8f\xbf\xbf\n", "t.conf:2: invalid UTF-8"}, /* overlong 4-byte */
        {"[a]\nk = \xff\n", "t.conf:2: invalid UTF-8"},
        {"[a]\nk = \x80\n", "t.conf:2: invalid UTF-8"},
        {"[a]\nk = ok\n[b]\nk = \"\\\xe4\xb8\xad\"\n",
         "t.conf:4: unknown escape '\\' + byte 0xe4 in value (use \\\" \\\\ \\n \\t)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(cases[i].text, MNP_EFORMAT, cases[i].msg);
    /* A NUL byte anywhere, even in a comment. */
    expect_error_n("[a]\n# x\0y\n", 9, MNP_EFORMAT, "t.conf:2: NUL byte");
    expect_error_n("[a]\nk = v\0", 10, MNP_EFORMAT, "t.conf:2: NUL byte");
}

/* Appends n copies of c to b. */
static void repeat(mnp_buf_t *b, char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mnp_buf_putc(b, c);
}

static void test_limits(void **state)
{
    (void)state;
    mnp_buf_t b;
    mnp_buf_init(&b, 4 * MNP_INI_TEXT_MAX);
    mnp_ini_t *ini;

    /* A line of exactly MNP_INI_LINE_MAX bytes, with "\n" or "\r\n", passes; one more fails. */
    mnp_buf_puts(&b, "[a]\nk = ");
    repeat(&b, 'x', MNP_INI_LINE_MAX - 4);
    mnp_buf_puts(&b, "\r\nj = ");
    repeat(&b, 'y', MNP_INI_LINE_MAX - 4);
    ini = parse_ok(b.data);
    assert_int_equal(strlen(mnp_ini_get(mnp_ini_section(ini, "a", NULL), "j")),
                     MNP_INI_LINE_MAX - 4);
    mnp_ini_free(ini);
    mnp_buf_puts(&b, "\n# ");
    repeat(&b, 'z', MNP_INI_LINE_MAX - 1);
    expect_error(b.data, MNP_ELIMIT, "t.conf:4: line longer than 4096 bytes");

    /* MNP_INI_TEXT_MAX bytes of text pass; one more is refused before parsing. */
    mnp_buf_reset(&b);
    mnp_buf_puts(&b, "[a]\n");
    while (b.len < MNP_INI_TEXT_MAX - 100)
        mnp_buf_puts(&b, "# some comment to fill the file up to its limit\n");
    mnp_buf_putc(&b, '#');
    repeat(&b, 'c', MNP_INI_TEXT_MAX - b.len);
    assert_int_equal(b.len, MNP_INI_TEXT_MAX);
    ini = parse_ok(b.data);
    mnp_ini_free(ini);
    mnp_buf_putc(&b, '\n');
    expect_error(b.data, MNP_ELIMIT,
                 "t.conf: text of 1048577 bytes is over the limit of "
                 "1048576 bytes");

    /* MNP_INI_KEYS_MAX keys pass (across sections); the next key fails on its line. */
    mnp_buf_reset(&b);
    for (int s = 0; s < 10; s++) {
        mnp_buf_printf(&b, "[s%d]\n", s);
        for (int k = 0; k < MNP_INI_KEYS_MAX / 10; k++)
            mnp_buf_printf(&b, "k%d = %d\n", k, k);
    }
    ini = parse_ok(b.data);
    check_value(ini, "s9", NULL, "k999", "999");
    mnp_ini_free(ini);
    mnp_buf_puts(&b, "extra = 1\n");
    expect_error(b.data, MNP_ELIMIT, "t.conf:10011: more than 10000 keys");

    mnp_buf_reset(&b);
    for (int s = 0; s < MNP_INI_SECTIONS_MAX; s++)
        mnp_buf_printf(&b, "[s \"%d\"]\n", s);
    ini = parse_ok(b.data);
    assert_int_equal(mnp_ini_section_count(ini), MNP_INI_SECTIONS_MAX);
    assert_non_null(mnp_ini_section(ini, "s", "9999"));
    mnp_ini_free(ini);
    mnp_buf_puts(&b, "[one_more]\n");
    expect_error(b.data, MNP_ELIMIT, "t.conf:10001: more than 10000 sections");
    mnp_buf_fini(&b);
}

/* Checks that a and b hold the same sections, keys and values in the same order. */
static void assert_same_content(const mnp_ini_t *a, const mnp_ini_t *b)
{
    assert_int_equal(mnp_ini_section_count(a), mnp_ini_section_count(b));
    for (size_t i = 0; i < mnp_ini_section_count(a); i++) {
        const mnp_ini_section_t *sa = mnp_ini_section_at(a, i), *sb = mnp_ini_section_at(b, i);
        assert_string_equal(mnp_ini_section_name(sa), mnp_ini_section_name(sb));
        assert_true((mnp_ini_section_sub(sa) == NULL) == (mnp_ini_section_sub(sb) == NULL));
        if (mnp_ini_section_sub(sa) != NULL)
            assert_string_equal(mnp_ini_section_sub(sa), mnp_ini_section_sub(sb));
        assert_int_equal(mnp_ini_key_count(sa), mnp_ini_key_count(sb));
        for (size_t k = 0; k < mnp_ini_key_count(sa); k++) {
            assert_string_equal(mnp_ini_entry_at(sa, k)->key, mnp_ini_entry_at(sb, k)->key);
            assert_string_equal(mnp_ini_entry_at(sa, k)->value, mnp_ini_entry_at(sb, k)->value);
        }
    }
}

/* Writes ini, checks the text is want (unless NULL), parses it back to the same content and
 * checks that writing that gives the same text again. */
static void check_write(const mnp_ini_t *ini, const char *want)
{
    mnp_buf_t out, again;
    mnp_buf_init(&out, 2 * MNP_INI_TEXT_MAX);
    mnp_buf_init(&again, 2 * MNP_INI_TEXT_MAX);
    assert_int_equal(mnp_ini_write(ini, &out), 0);
    if (want != NULL)
        assert_string_equal(out.data != NULL ? out.data : "", want);
    mnp_ini_t *back = parse_ok(out.data != NULL ? out.data : "");
    assert_same_content(ini, back);
    assert_int_equal(mnp_ini_write(back, &again), 0);
    assert_int_equal(out.len, again.len);
    assert_memory_equal(out.data != NULL ? out.data : "", again.data != NULL ? again.data : "",
                        out.len);
    mnp_ini_free(back);
    mnp_buf_fini(&out);
    mnp_buf_fini(&again);
}

static void test_write(void **state)
{
    (void)state;
    mnp_ini_t *ini = parse_ok("# dropped\n[b]\nz=1\n  a = x y # c\n"
                              "[op \"C\\\"M\\\\C\\n\\t\"]\n\n[e]\n[q]\n"
                              "empty=\nlead = \"  x\"\ntrail=\"x\t\"\nhash=\"a #b\"\n"
                              "semi=\"a\t;b\"\nfirst_hash=\"#x\"\nfirst_semi=\";x\"\n"
                              "first_quote=\"\\\"x\"\nnl=\"a\\nb\"\ntab=\"a\\tb\"\n"
                              "bs=\"a\\\\b\"\nmid=a\"b#c;d\nplain=\"no need\"\n");
    check_write(ini, "[b]\nz = 1\na = x y\n\n"
                     "[op \"C\\\"M\\\\C\\n\t\"]\n\n"
                     "[e]\n\n"
                     "[q]\nempty = \"\"\nlead = \"  x\"\ntrail = \"x\t\"\nhash = \"a #b\"\n"
                     "semi = \"a\t;b\"\nfirst_hash = \"#x\"\nfirst_semi = \";x\"\n"
                     "first_quote = \"\\\"x\"\nnl = \"a\\nb\"\ntab = a\tb\nbs = a\\b\n"
                     "mid = a\"b#c;d\nplain = no need\n");
    mnp_ini_free(ini);

    /* Nothing to write: empty text. A full buffer reports its limit. */
    ini = parse_ok("");
    check_write(ini, "");
    mnp_ini_free(ini);
    ini = parse_ok("[a]\nk = v\n");
    mnp_buf_t small;
    mnp_buf_init(&small, 8);
    assert_int_equal(mnp_ini_write(ini, &small), MNP_ELIMIT);
    mnp_buf_fini(&small);
    mnp_ini_free(ini);

    /* Lines at the length limit are written without the spaces around '=', so they still fit. */
    mnp_buf_t b;
    mnp_buf_init(&b, 4 * MNP_INI_LINE_MAX);
    mnp_buf_puts(&b, "[a]\n");
    repeat(&b, 'k', MNP_INI_LINE_MAX - 96);
    mnp_buf_putc(&b, '=');
    repeat(&b, 'v', 95);
    mnp_buf_putc(&b, '\n');
    repeat(&b, 'e', MNP_INI_LINE_MAX - 1);
    mnp_buf_puts(&b, "=\nq=\"#");
    repeat(&b, 'q', MNP_INI_LINE_MAX - 5);
    mnp_buf_puts(&b, "\"\n");
    ini = parse_ok(b.data);
    mnp_buf_t out;
    mnp_buf_init(&out, 4 * MNP_INI_LINE_MAX);
    assert_int_equal(mnp_ini_write(ini, &out), 0);
    assert_non_null(strstr(out.data, "kkk=vvv"));
    assert_non_null(strstr(out.data, "eee=\n"));
    assert_non_null(strstr(out.data, "q=\"#qqq"));
    check_write(ini, NULL);
    mnp_buf_fini(&out);
    mnp_buf_fini(&b);
    mnp_ini_free(ini);
}

/* Writes len bytes of text to dir/name; returns the path (caller frees). */
static char *write_file(const char *dir, const char *name, const char *text, size_t len)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    assert_non_null(path);
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void test_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/mnp-test-ini-XXXXXX";
    assert_non_null(mkdtemp(dir));
    mnp_ini_t *ini = NULL;
    mnp_error_t err = {0};
    char want[512];

    const char good_text[] = "[clearinghouse]\nlisten = 127.0.0.1:8080\n";
    char *good = write_file(dir, "mnpd.conf", good_text, sizeof(good_text) - 1);
    assert_int_equal(mnp_ini_load(good, &ini, &err), 0);
    assert_string_equal(mnp_ini_name(ini), good);
    check_value(ini, "clearinghouse", NULL, "listen", "127.0.0.1:8080");
    mnp_ini_free(ini);

    char *empty = write_file(dir, "empty.conf", "", 0);
    assert_int_equal(mnp_ini_load(empty, &ini, &err), 0);
    assert_int_equal(mnp_ini_section_count(ini), 0);
    mnp_ini_free(ini);

    /* Errors in the text name the file by its path. */
    char *bad = write_file(dir, "bad.conf", "[a]\n\nlistn\n", 11);
    assert_int_equal(mnp_ini_load(bad, &ini, &err), MNP_EFORMAT);
    assert_null(ini);
    snprintf(want, sizeof(want), "%s:3: expected '=' after key 'listn'", bad);
    assert_string_equal(err.msg, want);

    char *missing = malloc(strlen(dir) + 16);
    assert_non_null(missing);
    sprintf(missing, "%s/none.conf", dir);
    assert_int_equal(mnp_ini_load(missing, &ini, &err), MNP_ENOENT);
    assert_int_equal(err.code, MNP_ENOENT);
    snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", missing);
    assert_string_equal(err.msg, want);

    assert_int_equal(mnp_ini_load(dir, &ini, &err), MNP_EIO);
    snprintf(want, sizeof(want), "%s: is a directory", dir);
    assert_string_equal(err.msg, want);
    assert_null(ini);

    /* One byte over the limit: refused without parsing. */
    char *big_text = malloc(MNP_INI_TEXT_MAX + 1);
    assert_non_null(big_text);
    memset(big_text, '\n', MNP_INI_TEXT_MAX + 1);
    char *big = write_file(dir, "big.conf", big_text, MNP_INI_TEXT_MAX + 1);
    assert_int_equal(mnp_ini_load(big, &ini, &err), MNP_ELIMIT);
    snprintf(want, sizeof(want), "%s: file is larger than 1048576 bytes", big);
    assert_string_equal(err.msg, want);
    assert_int_equal(unlink(big), 0);
    free(big);
    big = write_file(dir, "big.conf", big_text, MNP_INI_TEXT_MAX);
    assert_int_equal(mnp_ini_load(big, &ini, &err), 0);
    mnp_ini_free(ini);
    free(big_text);

    /* Unreadable (root reads anything, so only as another user). */
    if (geteuid() != 0) {
        assert_int_equal(chmod(good, 0), 0);
        assert_int_equal(mnp_ini_load(good, &ini, &err), MNP_EIO);
        assert_non_null(strstr(err.msg, "cannot open: Permission denied"));
    }

    char *paths[] = {good, empty, bad, big};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(unlink(paths[i]), 0);
        free(paths[i]);
    }
    free(missing);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections_and_keys),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
