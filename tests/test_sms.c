/*
 * Tests of the SMS commands and reply segmentation (SPEC.md §3): every tolerance of the parser
 * (full-width separators, letters and digits, the three kinds of space, case, a trailing
 * separator), the texts it must refuse, and segmentation at the exact limits of a single and a
 * concatenated message in GSM 7-bit and UCS-2, with escape pairs and surrogate pairs at part
 * boundaries, checked against the GSM 03.38 default alphabet character by character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/buf.h"
#include "mnp/sms.h"

#define ID_A "11010519491231002X" /* the example of GB 11643-1999 */
#define ID_B "110101198001010010"

/* ---- parsing ---- */

static void expect_cmd(const char *text, mnp_sms_kind_t kind, const char *name, const char *id)
{
    mnp_sms_command_t cmd;
    memset(&cmd, 'Z', sizeof(cmd));
    mnp_sms_kind_t got = mnp_sms_parse(text, strlen(text), &cmd);
    if (got != kind)
        fail_msg("\"%s\": kind %d, expected %d", text, (int)got, (int)kind);
    assert_int_equal(cmd.kind, kind);
    assert_string_equal(cmd.name, name);
    assert_string_equal(cmd.identity, id);
}

static void expect_unknown_n(const char *text, size_t len)
{
    mnp_sms_command_t cmd;
    memset(&cmd, 'Z', sizeof(cmd));
    mnp_sms_kind_t got = mnp_sms_parse(text, len, &cmd);
    if (got != MNP_SMS_UNKNOWN)
        fail_msg("\"%.*s\": kind %d, expected UNKNOWN", (int)len, text, (int)got);
    assert_int_equal(cmd.kind, MNP_SMS_UNKNOWN);
    assert_string_equal(cmd.name, "");
    assert_string_equal(cmd.identity, "");
}

static void expect_unknown(const char *text)
{
    expect_unknown_n(text, strlen(text));
}

static void test_parse_plain(void **state)
{
    (void)state;
    expect_cmd("CXXZ#张三#" ID_A, MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("SQXZ#李四#" ID_B, MNP_SMS_SQXZ, "李四", ID_B);
    /* The check character is the caller's business: a wrong one still parses. */
    expect_cmd("CXXZ#张三#110105194912310021", MNP_SMS_CXXZ, "张三", "110105194912310021");
    expect_cmd("SQXZ#Wang Wei#" ID_B, MNP_SMS_SQXZ, "Wang Wei", ID_B);
    expect_cmd("CXXZ#阿依古丽·买买提#" ID_B, MNP_SMS_CXXZ, "阿依古丽·买买提", ID_B);
}

static void test_parse_case_and_width(void **state)
{
    (void)state;
    expect_cmd("cxxz#张三#" ID_A, MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("CxXz#张三#" ID_A, MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("sqxz#张三#" ID_A, MNP_SMS_SQXZ, "张三", ID_A);
    expect_cmd("ＣＸＸＺ#张三#" ID_A, MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("ｃｘｘｚ#张三#" ID_A, MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("ＳＱＸＺ＃张三＃" ID_A, MNP_SMS_SQXZ, "张三", ID_A);
    expect_cmd("ｓｑｘｚ＃张三＃" ID_A, MNP_SMS_SQXZ, "张三", ID_A);
    expect_cmd("ＣxＸz#张三#" ID_A, MNP_SMS_CXXZ, "张三", ID_A); /* mixed widths */
    /* Separators of both widths in one text. */
    expect_cmd("CXXZ＃张三#" ID_A, MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("CXXZ#张三＃" ID_A, MNP_SMS_CXXZ, "张三", ID_A);
    /* Full-width digits and x in the identity. */
    expect_cmd("CXXZ#张三#１１０１０５１９４９１２３１００２Ｘ", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("CXXZ#张三#１１０１０５１９４９１２３１００２ｘ", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("CXXZ#张三#110105１９４９1231002X", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("CXXZ#张三#11010519491231002x", MNP_SMS_CXXZ, "张三", ID_A);
    /* The name keeps its own full-width letters: it is not ours to change. */
    expect_cmd("CXXZ#ＡＢＣ#" ID_A, MNP_SMS_CXXZ, "ＡＢＣ", ID_A);
}

static void test_parse_spaces(void **state)
{
    (void)state;
    expect_cmd("CXXZ # 张三 # " ID_A, MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("  CXXZ#张三#" ID_A "  ", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("\tCXXZ\t#\t张三\t#\t" ID_A "\t", MNP_SMS_CXXZ, "张三", ID_A);
    /* Line breaks around the whole message, as some phones and SMS centres add them. */
    expect_cmd("CXXZ#张三#" ID_A "\r\n", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("\nSQXZ#张三#" ID_A " \n", MNP_SMS_SQXZ, "张三", ID_A);
    expect_unknown("\r\n");
    expect_cmd("　CXXZ　＃　张三　＃　" ID_A "　", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd(" \t　CXXZ 　#　 张三 \t＃ " ID_A " 　", MNP_SMS_CXXZ, "张三", ID_A);
    /* Spaces anywhere in the identity. */
    expect_cmd("CXXZ#张三#110105 19491231 002X", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("CXXZ#张三#1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 x", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("CXXZ#张三#110105　19491231\t002 X", MNP_SMS_CXXZ, "张三", ID_A);
    /* Inner runs of spaces of any kind become one ASCII space. */
    expect_cmd("CXXZ#Zhang   San#" ID_A, MNP_SMS_CXXZ, "Zhang San", ID_A);
    expect_cmd("CXXZ#张　三#" ID_A, MNP_SMS_CXXZ, "张 三", ID_A);
    expect_cmd("CXXZ#张 \t　 三  丰#" ID_A, MNP_SMS_CXXZ, "张 三 丰", ID_A);
}

static void test_parse_trailing_separator(void **state)
{
    (void)state;
    expect_cmd("CXXZ#张三#" ID_A "#", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("CXXZ#张三#" ID_A "＃", MNP_SMS_CXXZ, "张三", ID_A);
    expect_cmd("SQXZ#张三#" ID_A " # ", MNP_SMS_SQXZ, "张三", ID_A);
    expect_cmd("SQXZ＃张三＃" ID_A "＃　", MNP_SMS_SQXZ, "张三", ID_A);
}

static void test_parse_name_length(void **state)
{
    (void)state;
    /* 21 Chinese characters are 63 bytes: the longest name. */
    const char *n21 = "一二三四五六七八九十一二三四五六七八九十一";
    assert_int_equal(strlen(n21), 63);
    char text[256];
    snprintf(text, sizeof(text), "CXXZ#%s#%s", n21, ID_A);
    expect_cmd(text, MNP_SMS_CXXZ, n21, ID_A);
    snprintf(text, sizeof(text), "CXXZ#  %s　#%s", n21, ID_A); /* trimmed to 63 */
    expect_cmd(text, MNP_SMS_CXXZ, n21, ID_A);
    snprintf(text, sizeof(text), "CXXZ#%sa#%s", n21, ID_A); /* 64 bytes */
    expect_unknown(text);
    snprintf(text, sizeof(text), "CXXZ#%s 丁#%s", n21, ID_A); /* 67 with the space */
    expect_unknown(text);

    /* A run of spaces in the middle counts once. */
    char name[64], want[64];
    memset(name, 'a', 31);
    memset(name + 31, ' ', 5);
    memset(name + 36, 'b', 27);
    name[63] = '\0'; /* a...a (31), 5 spaces, b...b (27): 63 bytes given */
    snprintf(want, sizeof(want), "%.31s %.27s", name, name + 36);
    assert_int_equal(strlen(want), 59);
    snprintf(text, sizeof(text), "SQXZ#%s#%s", name, ID_B);
    expect_cmd(text, MNP_SMS_SQXZ, want, ID_B);
    /* 63 bytes of name once its 40 spaces collapse to one. */
    char wide[128];
    memset(wide, 'c', 31);
    memset(wide + 31, ' ', 40);
    memset(wide + 71, 'd', 31);
    wide[102] = '\0';
    snprintf(text, sizeof(text), "SQXZ#%s#%s", wide, ID_B);
    mnp_sms_command_t cmd;
    assert_int_equal(mnp_sms_parse(text, strlen(text), &cmd), MNP_SMS_SQXZ);
    assert_int_equal(strlen(cmd.name), 63);
    assert_int_equal(cmd.name[31], ' ');
    assert_int_equal(cmd.name[32], 'd');
    expect_cmd("CXXZ#a#" ID_A, MNP_SMS_CXXZ, "a", ID_A); /* one byte */
}

static void test_parse_unknown_shapes(void **state)
{
    (void)state;
    expect_unknown("");
    expect_unknown("   ");
    expect_unknown("CXXZ");
    expect_unknown("CXXZ#");
    expect_unknown("CXXZ#张三");
    expect_unknown("CXXZ#张三#");
    expect_unknown("CXXZ#" ID_A);
    expect_unknown("CXXZ#张三#" ID_A "#多余");  /* extra field */
    expect_unknown("CXXZ#张三#" ID_A "#" ID_A); /* extra field */
    expect_unknown("CXXZ#张三#" ID_A "##");     /* two trailing separators */
    expect_unknown("CXXZ##张三#" ID_A);         /* empty field */
    expect_unknown("CXXZ##" ID_A);              /* empty name */
    expect_unknown("CXXZ# 　\t #" ID_A);        /* blank name */
    expect_unknown("#CXXZ#张三#" ID_A);         /* leading separator */
    expect_unknown("CXXZ 张三 " ID_A);          /* spaces are no separators */
    expect_unknown("CXXZ:张三:" ID_A);
    expect_unknown("CXXZ#" ID_A "#张三"); /* fields swapped */
    expect_unknown("CXXY#张三#" ID_A);    /* other keywords */
    expect_unknown("CXX#张三#" ID_A);
    expect_unknown("CXXZZ#张三#" ID_A);
    expect_unknown("CX XZ#张三#" ID_A);
    expect_unknown("XXCXXZ#张三#" ID_A);
    expect_unknown("查询携转#张三#" ID_A);
    expect_unknown("CXXZ1#张三#" ID_A);
    expect_unknown("ＣＸＸ#张三#" ID_A);
    expect_unknown("hello");
    expect_unknown("TD");
}

static void test_parse_unknown_identity(void **state)
{
    (void)state;
    expect_unknown("CXXZ#张三#11010519491231002");   /* 17 */
    expect_unknown("CXXZ#张三#11010519491231002XX"); /* 19 */
    expect_unknown("CXXZ#张三#1101051949123100211"); /* 19 */
    expect_unknown("CXXZ#张三#110105194912310X21");  /* X inside */
    expect_unknown("CXXZ#张三#X10105194912310021");
    expect_unknown("CXXZ#张三#11010519491231002Y");
    expect_unknown("CXXZ#张三#1101051949-1231002X");
    expect_unknown("CXXZ#张三#110105194912310０2"); /* 17 with a full-width digit */
    expect_unknown("CXXZ#张三#110101800101001");    /* first generation, 15 digits */
    expect_unknown("CXXZ#张三#一一〇一〇五一九四九一二三一〇〇二X");
    expect_unknown("CXXZ#张三#   ");
}

static void test_parse_unknown_bytes(void **state)
{
    (void)state;
    expect_unknown("CXXZ#\xFF\xFE#" ID_A);           /* not UTF-8 */
    expect_unknown("CXXZ#\xC0\xA3#" ID_A);           /* overlong '#' */
    expect_unknown("CXXZ\xC0\xA3张三\xC0\xA3" ID_A); /* overlong '#' as separators */
    expect_unknown("CXXZ#\xE5\xBC#" ID_A);           /* sequence cut short */
    expect_unknown("CXXZ#\xED\xA0\x80#" ID_A);       /* surrogate */
    expect_unknown("CXXZ#\xF4\x90\x80\x80#" ID_A);   /* above U+10FFFF */
    expect_unknown("CXXZ#张\x80三#" ID_A);           /* stray continuation byte */
    expect_unknown("CXXZ#张三#" ID_A "\xE5");        /* cut short at the end */
    expect_unknown("CXXZ#\x01#" ID_A);               /* controls are not names */
    expect_unknown("CXXZ#张\x7F三#" ID_A);
    expect_unknown("CXXZ#张\xC2\x85三#" ID_A); /* U+0085 NEL */
    expect_unknown("CXXZ#张三\n#" ID_A);
    const char nul[] = "CXXZ#张\0三#" ID_A;
    expect_unknown_n(nul, sizeof(nul) - 1);

    mnp_sms_command_t cmd;
    memset(&cmd, 'Z', sizeof(cmd));
    assert_int_equal(mnp_sms_parse(NULL, 0, &cmd), MNP_SMS_UNKNOWN);
    assert_string_equal(cmd.name, "");
    assert_string_equal(cmd.identity, "");
}

static void test_parse_text_max(void **state)
{
    (void)state;
    /* A command padded with spaces to exactly MNP_SMS_TEXT_MAX bytes, then one byte more. */
    char text[MNP_SMS_TEXT_MAX + 2];
    const char *cmdtext = "CXXZ#张三#" ID_A;
    size_t n = strlen(cmdtext);
    memcpy(text, cmdtext, n);
    memset(text + n, ' ', sizeof(text) - n);
    mnp_sms_command_t cmd;
    assert_int_equal(mnp_sms_parse(text, MNP_SMS_TEXT_MAX, &cmd), MNP_SMS_CXXZ);
    assert_string_equal(cmd.identity, ID_A);
    expect_unknown_n(text, MNP_SMS_TEXT_MAX + 1);
    /* The parser reads only len bytes: what follows does not matter. */
    char copy[64];
    snprintf(copy, sizeof(copy), "%s#extra", cmdtext);
    assert_int_equal(mnp_sms_parse(copy, n, &cmd), MNP_SMS_CXXZ);
}

/* ---- segmentation ---- */

/* A malloc'ed text of unit repeated times (caller frees). */
static char *repeat(const char *unit, size_t times)
{
    size_t n = strlen(unit);
    char *s = malloc(n * times + 1);
    assert_non_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * n, unit, n);
    s[n * times] = '\0';
    return s;
}

/* A malloc'ed concatenation of a and b (caller frees). */
static char *concat(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 1);
    assert_non_null(s);
    memcpy(s, a, na);
    memcpy(s + na, b, nb + 1);
    return s;
}

#define PARTS 300

/* Segments s, checks that the parts cover it in order without gaps, each within its limit, and
 * returns the count. */
static size_t segment(const char *s, mnp_sms_encoding_t *enc, mnp_sms_part_t parts[PARTS])
{
    size_t len = strlen(s), count = 0;
    assert_int_equal(mnp_sms_segment(s, len, enc, parts, PARTS, &count), 0);
    assert_true(count >= 1 && count <= 255);
    size_t single = *enc == MNP_SMS_GSM7 ? 160 : 70;
    size_t limit = count == 1 ? single : (*enc == MNP_SMS_GSM7 ? 153 : 67);
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(parts[i].offset, at);
        assert_true(parts[i].units <= limit);
        assert_true(count == 1 || parts[i].len > 0);
        at += parts[i].len;
    }
    assert_int_equal(at, len);
    return count;
}

static void test_segment_ascii(void **state)
{
    (void)state;
    mnp_sms_encoding_t enc;
    mnp_sms_part_t p[PARTS];
    char *s = repeat("a", 160);
    assert_int_equal(segment(s, &enc, p), 1);
    assert_int_equal(enc, MNP_SMS_GSM7);
    assert_int_equal(p[0].units, 160);
    free(s);
    s = repeat("a", 161);
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(enc, MNP_SMS_GSM7);
    assert_int_equal(p[0].units, 153);
    assert_int_equal(p[0].len, 153);
    assert_int_equal(p[1].units, 8);
    free(s);
    s = repeat("a", 306); /* two full parts */
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(p[1].units, 153);
    free(s);
    s = repeat("a", 307);
    assert_int_equal(segment(s, &enc, p), 3);
    assert_int_equal(p[2].units, 1);
    free(s);
    /* Empty: one empty message. */
    assert_int_equal(segment("", &enc, p), 1);
    assert_int_equal(enc, MNP_SMS_GSM7);
    assert_int_equal(p[0].units, 0);
    assert_int_equal(p[0].len, 0);
    size_t count = 9;
    assert_int_equal(mnp_sms_segment(NULL, 0, &enc, p, PARTS, &count), 0);
    assert_int_equal(count, 1);
}

/* Every character of the GSM 03.38 basic table (TS 23.038 §6.2.1), 0x00..0x7F without the
 * escape 0x1B, in table order; and the extension table's characters. */
static const char gsm_basic[] = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                                "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
static const char *const gsm_ext[] = {"\f", "^", "{", "}", "\\", "[", "~", "]", "|", "€"};

static void test_segment_gsm_alphabet(void **state)
{
    (void)state;
    mnp_sms_encoding_t enc;
    mnp_sms_part_t p[PARTS];
    /* 127 characters, one septet each: one message. */
    assert_int_equal(segment(gsm_basic, &enc, p), 1);
    assert_int_equal(enc, MNP_SMS_GSM7);
    assert_int_equal(p[0].units, 127);
    for (size_t i = 0; i < sizeof(gsm_ext) / sizeof(gsm_ext[0]); i++) {
        assert_int_equal(segment(gsm_ext[i], &enc, p), 1);
        assert_int_equal(enc, MNP_SMS_GSM7);
        assert_int_equal(p[0].units, 2);
    }
    /* Every other ASCII character forces UCS-2. */
    for (int ch = 1; ch < 128; ch++) {
        char one[2] = {(char)ch, '\0'};
        bool in_gsm = strchr(gsm_basic, ch) != NULL || strchr("\f^{}\\[~]|", ch) != NULL;
        assert_int_equal(segment(one, &enc, p), 1);
        assert_int_equal(enc, in_gsm ? MNP_SMS_GSM7 : MNP_SMS_UCS2);
        if (!in_gsm)
            assert_int_equal(p[0].units, 1);
    }
    assert_int_equal(mnp_sms_segment("\0", 1, &enc, p, PARTS, &(size_t){0}), 0);
    assert_int_equal(enc, MNP_SMS_UCS2); /* NUL is not '@' */
    /* Look-alikes that GSM 7-bit does not have. */
    const char *foreign[] = {"`",        "\t", "ç", "û", "ê", "Á",  "α", "Β",
                             "\xC2\xA0", "“",  "…", "¢", "™", "，", "😀"};
    for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
        char *s = concat("Hello ", foreign[i]);
        assert_int_equal(segment(s, &enc, p), 1);
        assert_int_equal(enc, MNP_SMS_UCS2);
        free(s);
    }
}

static void test_segment_gsm_escape_boundary(void **state)
{
    (void)state;
    mnp_sms_encoding_t enc;
    mnp_sms_part_t p[PARTS];
    char *s = repeat("{", 80); /* 160 septets: still one message */
    assert_int_equal(segment(s, &enc, p), 1);
    assert_int_equal(enc, MNP_SMS_GSM7);
    assert_int_equal(p[0].units, 160);
    free(s);
    s = repeat("€", 81); /* 162 septets: 76 pairs (152) do not leave room for a 77th */
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(p[0].units, 152);
    assert_int_equal(p[0].len, 76 * 3);
    assert_int_equal(p[1].units, 10);
    free(s);
    /* 152 letters and an escape pair: the pair opens part 2 rather than straddle the cut. */
    char *a = repeat("a", 152);
    s = concat(a, "]bcdefghij");
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(p[0].units, 152);
    assert_int_equal(p[0].len, 152);
    assert_int_equal(p[1].offset, 152);
    assert_int_equal(s[p[1].offset], ']');
    assert_int_equal(p[1].units, 2 + 9);
    free(s);
    /* 151 letters and the pair: exactly 153 in part 1. */
    s = concat(a + 1, "|bcdefghij");
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(p[0].units, 153);
    assert_int_equal(p[0].len, 152);
    assert_int_equal(p[1].units, 9);
    free(s);
    free(a);
    /* 158 letters and a pair is 160: one message; 159 and a pair is not. */
    a = repeat("a", 158);
    s = concat(a, "€");
    assert_int_equal(segment(s, &enc, p), 1);
    assert_int_equal(p[0].units, 160);
    free(s);
    char *b = concat(a, "a€");
    assert_int_equal(segment(b, &enc, p), 2);
    assert_int_equal(p[0].units + p[1].units, 161);
    free(b);
    free(a);
}

static void test_segment_chinese(void **state)
{
    (void)state;
    mnp_sms_encoding_t enc;
    mnp_sms_part_t p[PARTS];
    char *s = repeat("携", 70);
    assert_int_equal(segment(s, &enc, p), 1);
    assert_int_equal(enc, MNP_SMS_UCS2);
    assert_int_equal(p[0].units, 70);
    assert_int_equal(p[0].len, 210);
    free(s);
    s = repeat("携", 71);
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(p[0].units, 67);
    assert_int_equal(p[0].len, 201);
    assert_int_equal(p[1].units, 4);
    free(s);
    s = repeat("转", 134);
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(p[1].units, 67);
    free(s);
    s = repeat("转", 135);
    assert_int_equal(segment(s, &enc, p), 3);
    assert_int_equal(p[2].units, 1);
    assert_int_equal(p[2].len, 3);
    free(s);
    /* ASCII in a UCS-2 message counts one unit like any other character. */
    s = repeat("a1", 35);
    char *m = concat(s, "号");
    assert_int_equal(segment(m, &enc, p), 2);
    assert_int_equal(enc, MNP_SMS_UCS2);
    assert_int_equal(p[0].units, 67);
    assert_int_equal(p[0].len, 67);
    assert_int_equal(p[1].units, 4);
    free(m);
    free(s);
    assert_int_equal(segment("您好，Hello 10086", &enc, p), 1);
    assert_int_equal(enc, MNP_SMS_UCS2);
    assert_int_equal(p[0].units, 14);
}

static void test_segment_surrogates(void **state)
{
    (void)state;
    mnp_sms_encoding_t enc;
    mnp_sms_part_t p[PARTS];
    char *s = repeat("😀", 35); /* 70 units */
    assert_int_equal(segment(s, &enc, p), 1);
    assert_int_equal(enc, MNP_SMS_UCS2);
    assert_int_equal(p[0].units, 70);
    free(s);
    s = repeat("😀", 36); /* 72 units: 33 pairs (66) and 3 */
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(p[0].units, 66);
    assert_int_equal(p[0].len, 33 * 4);
    assert_int_equal(p[1].units, 6);
    free(s);
    /* 66 Chinese characters then an emoji: the pair goes whole to part 2. */
    char *c66 = repeat("中", 66);
    s = concat(c66, "😀文字文字");
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(p[0].units, 66);
    assert_int_equal(p[0].len, 66 * 3);
    assert_int_equal(p[1].units, 6);
    assert_int_equal((unsigned char)s[p[1].offset], 0xF0);
    free(s);
    /* 65 and an emoji: exactly 67 in part 1. */
    s = concat(c66 + 3, "😀文字文字");
    assert_int_equal(segment(s, &enc, p), 2);
    assert_int_equal(p[0].units, 67);
    assert_int_equal(p[0].len, 65 * 3 + 4);
    free(s);
    free(c66);
}

static void test_segment_invalid(void **state)
{
    (void)state;
    const char *bad[] = {"\xFF",
                         "abc\x80",
                         "\xC0\xAF",
                         "\xE0\x80\xAF",
                         "中\xE4\xB8",
                         "\xED\xB2\x80",
                         "\xF4\x90\x80\x80",
                         "\xF8\x88\x80\x80\x80",
                         "\xC3",
                         "ok\xF0\x9F\x98\x61",
                         "\xE2\x82"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mnp_sms_encoding_t enc = 0;
        mnp_sms_part_t p[4];
        size_t count = 7;
        assert_int_equal(mnp_sms_segment(bad[i], strlen(bad[i]), &enc, p, 4, &count), MNP_EINVAL);
        assert_int_equal(count, 0);
    }
    /* A text made invalid only by its last byte, past many parts. */
    char *s = repeat("转", 200);
    s[599] = 'x';
    size_t count = 0;
    mnp_sms_encoding_t enc;
    assert_int_equal(mnp_sms_segment(s, 600, &enc, NULL, 0, &count), MNP_EINVAL);
    free(s);
    /* Argument errors. */
    assert_int_equal(mnp_sms_segment(NULL, 1, &enc, NULL, 0, &count), MNP_EINVAL);
    assert_int_equal(mnp_sms_segment("a", 1, &enc, NULL, 1, &count), MNP_EINVAL);
    assert_int_equal(mnp_sms_segment("a", 1, NULL, NULL, 0, &count), MNP_EINVAL);
    assert_int_equal(mnp_sms_segment("a", 1, &enc, NULL, 0, NULL), MNP_EINVAL);
}

static void test_segment_count_only(void **state)
{
    (void)state;
    char *s = repeat("携转", 100); /* 200 units: 3 parts */
    mnp_sms_encoding_t enc = 0;
    size_t count = 0;
    assert_int_equal(mnp_sms_segment(s, strlen(s), &enc, NULL, 0, &count), 0);
    assert_int_equal(count, 3);
    assert_int_equal(enc, MNP_SMS_UCS2);
    /* A smaller array gets the first parts; the count is still the total. */
    mnp_sms_part_t p[3];
    memset(p, 0xAB, sizeof(p));
    assert_int_equal(mnp_sms_segment(s, strlen(s), &enc, p, 2, &count), 0);
    assert_int_equal(count, 3);
    assert_int_equal(p[0].offset, 0);
    assert_int_equal(p[0].units, 67);
    assert_int_equal(p[1].offset, 201);
    assert_int_equal(p[1].units, 67);
    mnp_sms_part_t untouched;
    memset(&untouched, 0xAB, sizeof(untouched));
    assert_memory_equal(&p[2], &untouched, sizeof(untouched));
    assert_int_equal(mnp_sms_segment(s, strlen(s), &enc, p, 3, &count), 0);
    assert_int_equal(p[2].offset, 402);
    assert_int_equal(p[2].units, 66);
    assert_int_equal(p[2].len, 198);
    free(s);
    /* Single message, count only. */
    assert_int_equal(mnp_sms_segment("hi", 2, &enc, NULL, 0, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(enc, MNP_SMS_GSM7);
}

static void test_segment_part_limit(void **state)
{
    (void)state;
    mnp_sms_encoding_t enc;
    size_t count = 0;
    char *s = repeat("a", 255 * 153);
    assert_int_equal(mnp_sms_segment(s, strlen(s), &enc, NULL, 0, &count), 0);
    assert_int_equal(count, 255);
    free(s);
    s = repeat("a", 255 * 153 + 1);
    count = 5;
    assert_int_equal(mnp_sms_segment(s, strlen(s), &enc, NULL, 0, &count), MNP_ELIMIT);
    assert_int_equal(count, 0);
    free(s);
    s = repeat("号", 255 * 67 + 1);
    assert_int_equal(mnp_sms_segment(s, strlen(s), &enc, NULL, 0, &count), MNP_ELIMIT);
    free(s);
}

/* A reply as the gateway writes it: Chinese, several lines, digits and a yuan amount. */
static void test_segment_reply(void **state)
{
    (void)state;
    mnp_buf_t b;
    mnp_buf_init(&b, 4096);
    mnp_buf_puts(&b, "【中国联通】您的号码暂不满足携号转网条件：\n");
    mnp_buf_puts(&b, "1. 欠费 12.50元，请缴清后再试；\n");
    mnp_buf_puts(&b, "2. 合约“129元5G套餐”至2027年3月15日，违约金300.00元，可到营业厅解除。\n");
    mnp_buf_puts(&b, "携号转网将终止：副卡、宽带融合套餐。详询10010。");
    assert_int_equal(mnp_buf_error(&b), 0);
    mnp_sms_encoding_t enc;
    mnp_sms_part_t p[PARTS];
    size_t n = segment(b.data, &enc, p);
    assert_int_equal(enc, MNP_SMS_UCS2);
    size_t units = 0;
    for (size_t i = 0; i < n; i++)
        units += p[i].units;
    assert_true(units > 70);
    assert_int_equal(n, (units + 66) / 67); /* no surrogates: parts fill up exactly */
    mnp_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_plain),
        cmocka_unit_test(test_parse_case_and_width),
        cmocka_unit_test(test_parse_spaces),
        cmocka_unit_test(test_parse_trailing_separator),
        cmocka_unit_test(test_parse_name_length),
        cmocka_unit_test(test_parse_unknown_shapes),
        cmocka_unit_test(test_parse_unknown_identity),
        cmocka_unit_test(test_parse_unknown_bytes),
        cmocka_unit_test(test_parse_text_max),
        cmocka_unit_test(test_segment_ascii),
        cmocka_unit_test(test_segment_gsm_alphabet),
        cmocka_unit_test(test_segment_gsm_escape_boundary),
        cmocka_unit_test(test_segment_chinese),
        cmocka_unit_test(test_segment_surrogates),
        cmocka_unit_test(test_segment_invalid),
        cmocka_unit_test(test_segment_count_only),
        cmocka_unit_test(test_segment_part_limit),
        cmocka_unit_test(test_segment_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
