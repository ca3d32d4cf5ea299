/*
 * Parsing the written forms of China-profile telephone numbers into one canonical E.164 value.
 * This runs once per line of files with hundreds of millions of lines, so it makes one pass over
 * at most MNP_NUMBER_INPUT_MAX bytes, never allocates, and keeps the digits it needs in a small
 * array on the stack. The first pass checks the characters and collects digits; the decision
 * between national and international forms is then made on the digits alone.
 */
#include "mnp/number.h"

/* Enough for "00" + "86" + a 13-digit IoT number; digits beyond are counted but not kept, as any
 * such input is refused as too long before they would be read. */
#define DIGITS_KEPT 20

enum scan_state {
    SCAN_START, /* no digit yet (possibly after '+') */
    SCAN_DIGIT, /* last significant character was a digit */
    SCAN_SPACE, /* spaces after a digit */
    SCAN_DASH,  /* a '-' after a digit, possibly followed by spaces */
};

struct digits {
    uint8_t d[DIGITS_KEPT];
    size_t n; /* digits seen, may exceed DIGITS_KEPT */
    bool plus;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Checks the characters of s[0..len) and collects its digits. Separators (spaces, one '-' per
 * gap) may only stand between digits, so "-130..." and "130--1234" are refused: they are more
 * likely a pasting accident than a number. */
static mnp_number_reason_t scan(const char *s, size_t len, struct digits *out)
{
    if (len > MNP_NUMBER_INPUT_MAX)
        return MNP_NUMBER_TOO_LONG;
    size_t b = 0, e = len;
    while (b < e && is_space(s[b]))
        b++;
    while (e > b && is_space(s[e - 1]))
        e--;
    if (b == e)
        return MNP_NUMBER_EMPTY;

    out->plus = s[b] == '+';
    if (out->plus)
        b++;
    out->n = 0;
    enum scan_state state = SCAN_START;
    for (size_t i = b; i < e; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (out->n < DIGITS_KEPT)
                out->d[out->n] = (uint8_t)(c - '0');
            out->n++;
            state = SCAN_DIGIT;
        } else if (is_space(c)) {
            if (state == SCAN_DIGIT)
                state = SCAN_SPACE;
        } else if (c == '-') {
            if (state == SCAN_START || state == SCAN_DASH)
                return MNP_NUMBER_BAD_CHAR;
            state = SCAN_DASH;
        } else {
            return MNP_NUMBER_BAD_CHAR;
        }
    }
    /* Trailing spaces were trimmed, so ending in SCAN_DASH means the last character is a '-'. */
    if (state == SCAN_DASH)
        return MNP_NUMBER_BAD_CHAR;
    return MNP_NUMBER_OK;
}

/* Finds where the national number starts in the collected digits. "+" and "00" announce a country
 * code, which must be 86. Without them, a leading "86" is the country code too: no national
 * mobile number (11 digits from 1) or IoT number (13 digits from 10 or 14) starts with 8, so
 * there is no ambiguity. Anything else is national. */
static mnp_number_reason_t national_start(const struct digits *dg, size_t *start)
{
    size_t cc;
    if (dg->plus)
        cc = 0;
    else if (dg->n >= 2 && dg->d[0] == 0 && dg->d[1] == 0)
        cc = 2;
    else if (dg->n >= 2 && dg->d[0] == 8 && dg->d[1] == 6)
        cc = 0;
    else {
        *start = 0;
        return MNP_NUMBER_OK;
    }
    if (dg->n > cc && dg->d[cc] != 8)
        return MNP_NUMBER_BAD_COUNTRY;
    if (dg->n > cc + 1 && dg->d[cc + 1] != 6)
        return MNP_NUMBER_BAD_COUNTRY;
    if (dg->n < cc + 2)
        return MNP_NUMBER_TOO_SHORT;
    *start = cc + 2;
    return MNP_NUMBER_OK;
}

/* Checks the national number dg->d[start..n): 11 digits from 1 (mobile), or 13 digits from 10
 * or 14 (IoT: 1064..., 1440-1449..., 146..., 148...). Length is judged before the first digit
 * so that a person who dropped a digit hears "too short", not "not a mobile number". */
static mnp_number_reason_t check_national(const struct digits *dg, size_t start)
{
    size_t m = dg->n - start;
    if (m < MNP_NATIONAL_DIGITS)
        return MNP_NUMBER_TOO_SHORT;
    if (m > MNP_IOT_DIGITS)
        return MNP_NUMBER_TOO_LONG;
    if (dg->d[start] != 1)
        return MNP_NUMBER_NOT_MOBILE;
    if (m == MNP_NATIONAL_DIGITS)
        return MNP_NUMBER_OK;
    if (m == MNP_IOT_DIGITS && (dg->d[start + 1] == 0 || dg->d[start + 1] == 4))
        return MNP_NUMBER_OK;
    return MNP_NUMBER_TOO_LONG;
}

int mnp_number_parse(const char *s, size_t len, mnp_number_t *out, mnp_number_reason_t *why)
{
    struct digits dg;
    size_t start = 0;
    mnp_number_reason_t r = s == NULL ? MNP_NUMBER_EMPTY : scan(s, len, &dg);
    if (r == MNP_NUMBER_OK)
        r = national_start(&dg, &start);
    if (r == MNP_NUMBER_OK)
        r = check_national(&dg, start);
    if (why != NULL)
        *why = r;
    if (r != MNP_NUMBER_OK)
        return MNP_EINVAL;

    uint64_t v = MNP_COUNTRY_CODE;
    for (size_t i = start; i < dg.n; i++)
        v = v * 10 + dg.d[i];
    out->e164 = v;
    out->national_len = (uint8_t)(dg.n - start);
    return 0;
}

static const struct {
    const char *name;
    const char *str;
} reasons[] = {
    [MNP_NUMBER_OK] = {"ok", "ok"},
    [MNP_NUMBER_EMPTY] = {"empty", "no number given"},
    [MNP_NUMBER_BAD_CHAR] = {"bad_char", "contains a character that is not part of a number"},
    [MNP_NUMBER_TOO_SHORT] = {"too_short", "too short"},
    [MNP_NUMBER_TOO_LONG] = {"too_long", "too long"},
    [MNP_NUMBER_BAD_COUNTRY] = {"bad_country", "not a number of country code 86"},
    [MNP_NUMBER_NOT_MOBILE] = {"not_mobile", "not a mobile number"},
};

#define REASON_COUNT (sizeof(reasons) / sizeof(reasons[0]))

const char *mnp_number_reason_str(mnp_number_reason_t why)
{
    if ((unsigned)why >= REASON_COUNT)
        return "unknown reason";
    return reasons[why].str;
}

const char *mnp_number_reason_name(mnp_number_reason_t why)
{
    if ((unsigned)why >= REASON_COUNT)
        return "unknown";
    return reasons[why].name;
}

char *mnp_number_format(const mnp_number_t *n, char *buf)
{
    char rev[20];
    size_t k = 0;
    uint64_t v = n->e164;
    do {
        rev[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    /* A parsed number has at most 15 digits; a hand-made value that would not fit the caller's
     * MNP_NUMBER_STR_SIZE buffer is shown as empty rather than overflowing it. */
    if (k > MNP_NUMBER_STR_SIZE - 1)
        k = 0;
    for (size_t i = 0; i < k; i++)
        buf[i] = rev[k - 1 - i];
    buf[k] = '\0';
    return buf;
}
