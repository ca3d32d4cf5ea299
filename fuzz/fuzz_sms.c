/*
 * Fuzzes the SMS command parser and the reply segmenter on the same input. The checks use their
 * own UTF-8 validator (Unicode Table 3-7) and their own list of the GSM 03.38 alphabet, so they
 * do not share a bug with the code under test. A command must come with a clean name and
 * identity that parse again to the same command; segments must cover the text in order, each
 * within its limit, cut only between characters and greedily, with the encoding the content
 * calls for.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "mnp/sms.h"

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0. */
static size_t seq_len(const uint8_t *s, size_t n)
{
    uint8_t b = s[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        len = 2;
    else if (b == 0xE0)
        len = 3, lo = 0xA0;
    else if (b == 0xED)
        len = 3, hi = 0x9F;
    else if (b >= 0xE1 && b <= 0xEF)
        len = 3;
    else if (b == 0xF0)
        len = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3)
        len = 4;
    else if (b == 0xF4)
        len = 4, hi = 0x8F;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

static bool valid_utf8(const uint8_t *s, size_t n)
{
    for (size_t i = 0, k; i < n; i += k)
        if ((k = seq_len(s + i, n - i)) == 0)
            return false;
    return true;
}

/* The GSM 03.38 basic table without the escape, then the extension table. */
static const char gsm_basic[] = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                                "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
static const char gsm_ext[] = "\f^{}\\[~]|€";

/* Whether the k-byte character c is one of the characters of the UTF-8 list set. */
static bool in_list(const char *set, const uint8_t *c, size_t k)
{
    size_t n = strlen(set);
    for (size_t i = 0, m; i < n; i += m) {
        m = seq_len((const uint8_t *)set + i, n - i);
        if (m == k && memcmp(set + i, c, k) == 0)
            return true;
    }
    return false;
}

/* Units of the k-byte character c in encoding enc (0: GSM 7-bit cannot carry it). */
static size_t units_of(const uint8_t *c, size_t k, mnp_sms_encoding_t enc)
{
    if (enc == MNP_SMS_UCS2)
        return k == 4 ? 2 : 1;
    if (k == 1 && c[0] == 0)
        return 0; /* strlen-based lists cannot hold NUL, and NUL is not '@' */
    return in_list(gsm_basic, c, k) ? 1 : in_list(gsm_ext, c, k) ? 2 : 0;
}

static size_t units_in(const uint8_t *s, size_t n, mnp_sms_encoding_t enc)
{
    size_t u = 0;
    for (size_t i = 0, k; i < n; i += k) {
        k = seq_len(s + i, n - i);
        u += units_of(s + i, k, enc);
    }
    return u;
}

static bool is_gsm(const uint8_t *s, size_t n)
{
    for (size_t i = 0, k; i < n; i += k) {
        k = seq_len(s + i, n - i);
        if (units_of(s + i, k, MNP_SMS_GSM7) == 0)
            return false;
    }
    return true;
}

static void check_command(const uint8_t *data, size_t size, const mnp_sms_command_t *cmd)
{
    size_t nlen = strlen(cmd->name);
    FUZZ_CHECK(size <= MNP_SMS_TEXT_MAX && valid_utf8(data, size));
    FUZZ_CHECK(nlen >= 1 && nlen <= 63 && valid_utf8((const uint8_t *)cmd->name, nlen));
    FUZZ_CHECK(cmd->name[0] != ' ' && cmd->name[nlen - 1] != ' ');
    FUZZ_CHECK(strstr(cmd->name, "  ") == NULL && strstr(cmd->name, "　") == NULL);
    FUZZ_CHECK(strchr(cmd->name, '#') == NULL && strstr(cmd->name, "＃") == NULL);
    for (size_t i = 0; i < nlen; i++)
        FUZZ_CHECK((unsigned char)cmd->name[i] >= 0x20 && cmd->name[i] != 0x7F);
    FUZZ_CHECK(strlen(cmd->identity) == 18);
    for (size_t i = 0; i < 17; i++)
        FUZZ_CHECK(cmd->identity[i] >= '0' && cmd->identity[i] <= '9');
    FUZZ_CHECK((cmd->identity[17] >= '0' && cmd->identity[17] <= '9') || cmd->identity[17] == 'X');

    /* The canonical spelling parses to the same command. */
    char text[128];
    int n = snprintf(text, sizeof(text), "%s#%s#%s", cmd->kind == MNP_SMS_CXXZ ? "CXXZ" : "SQXZ",
                     cmd->name, cmd->identity);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof(text));
    mnp_sms_command_t again;
    FUZZ_CHECK(mnp_sms_parse(text, (size_t)n, &again) == cmd->kind);
    FUZZ_CHECK(strcmp(again.name, cmd->name) == 0);
    FUZZ_CHECK(strcmp(again.identity, cmd->identity) == 0);
}

static void check_parse(const uint8_t *data, size_t size)
{
    mnp_sms_command_t cmd;
    memset(&cmd, 0x5A, sizeof(cmd));
    mnp_sms_kind_t kind = mnp_sms_parse((const char *)data, size, &cmd);
    FUZZ_CHECK(kind == MNP_SMS_UNKNOWN || kind == MNP_SMS_CXXZ || kind == MNP_SMS_SQXZ);
    FUZZ_CHECK(cmd.kind == kind);
    if (kind == MNP_SMS_UNKNOWN)
        FUZZ_CHECK(cmd.name[0] == '\0' && cmd.identity[0] == '\0');
    else
        check_command(data, size, &cmd);
}

#define PARTS 256

static void check_segment(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    mnp_sms_part_t parts[PARTS];
    mnp_sms_encoding_t enc = 0;
    size_t count = 99;
    int rc = mnp_sms_segment(text, size, &enc, parts, PARTS, &count);
    bool valid = valid_utf8(data, size);
    FUZZ_CHECK(rc == 0 || rc == MNP_EINVAL || rc == MNP_ELIMIT);
    FUZZ_CHECK((rc == MNP_EINVAL) == !valid);
    if (rc != 0) {
        FUZZ_CHECK(count == 0);
        /* Greedy parts are full but for the width of one character. */
        if (rc == MNP_ELIMIT && is_gsm(data, size))
            FUZZ_CHECK(units_in(data, size, MNP_SMS_GSM7) > 255 * 152);
        else if (rc == MNP_ELIMIT)
            FUZZ_CHECK(units_in(data, size, MNP_SMS_UCS2) > 255 * 66);
        return;
    }

    FUZZ_CHECK(enc == (is_gsm(data, size) ? MNP_SMS_GSM7 : MNP_SMS_UCS2));
    size_t total = units_in(data, size, enc);
    size_t single = enc == MNP_SMS_GSM7 ? 160 : 70;
    size_t limit = enc == MNP_SMS_GSM7 ? 153 : 67;
    FUZZ_CHECK(count >= 1 && count <= 255);
    FUZZ_CHECK((count == 1) == (total <= single));

    size_t at = 0, sum = 0;
    for (size_t i = 0; i < count; i++) {
        const mnp_sms_part_t *p = &parts[i];
        FUZZ_CHECK(p->offset == at && p->len <= size - at);
        FUZZ_CHECK(count == 1 || p->len > 0);
        FUZZ_CHECK(p->len == 0 || seq_len(data + at, size - at) > 0); /* starts a character */
        FUZZ_CHECK(units_in(data + at, p->len, enc) == p->units);
        FUZZ_CHECK(p->units <= (count == 1 ? single : limit));
        at += p->len;
        sum += p->units;
        if (i + 1 < count) {
            /* Greedy: the next part's first character did not fit this one. */
            size_t k = seq_len(data + at, size - at);
            FUZZ_CHECK(k > 0 && p->units + units_of(data + at, k, enc) > limit);
        }
    }
    FUZZ_CHECK(at == size && sum == total);

    size_t again = 0;
    mnp_sms_encoding_t enc2 = 0;
    FUZZ_CHECK(mnp_sms_segment(text, size, &enc2, NULL, 0, &again) == 0);
    FUZZ_CHECK(again == count && enc2 == enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parse(data, size);
    check_segment(data, size);
    return 0;
}
