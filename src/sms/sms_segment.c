/*
 * Splitting a reply into the segments an SMS network carries (3GPP TS 23.038 and TS 23.040).
 * A text goes as GSM 7-bit only when every character is in the GSM 03.38 default alphabet or
 * its default extension table; one foreign character (a Chinese reply always has many) makes
 * the whole message UCS-2. A single message holds 160 septets or 70 UTF-16 units; the parts of
 * a concatenated message lose 7 septets or 6 bytes to the user data header, leaving 153 and 67.
 * Parts are cut greedily and only between characters, so an escape pair or a surrogate pair
 * never straddles two parts: a handset would show garbage at the join.
 */
#include "mnp/sms.h"
#include "smsInt.h"

#define GSM7_SINGLE 160
#define GSM7_PART   153
#define UCS2_SINGLE 70
#define UCS2_PART   67
#define PARTS_MAX   255 /* the concatenation header counts parts in one octet */

/* Septets of each ASCII character: 1 in the basic table, 2 for an escape to the extension table
 * (form feed ^ { } \ [ ~ ] |), 0 when GSM 7-bit cannot carry it (other controls, '`'). */
static const uint8_t ascii_septets[128] = {
    ['\n'] = 1, ['\r'] = 1, ['\f'] = 2, [' '] = 1, ['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1,
    ['%'] = 1,  ['&'] = 1,  ['\''] = 1, ['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1,
    ['-'] = 1,  ['.'] = 1,  ['/'] = 1,  ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
    ['5'] = 1,  ['6'] = 1,  ['7'] = 1,  ['8'] = 1, ['9'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1,
    ['='] = 1,  ['>'] = 1,  ['?'] = 1,  ['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1,
    ['E'] = 1,  ['F'] = 1,  ['G'] = 1,  ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1,  ['N'] = 1,  ['O'] = 1,  ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1,  ['V'] = 1,  ['W'] = 1,  ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['['] = 2, ['\\'] = 2,
    [']'] = 2,  ['^'] = 2,  ['_'] = 1,  ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1,  ['g'] = 1,  ['h'] = 1,  ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1,  ['o'] = 1,  ['p'] = 1,  ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1,  ['w'] = 1,  ['x'] = 1,  ['y'] = 1, ['z'] = 1, ['{'] = 2, ['|'] = 2, ['}'] = 2,
    ['~'] = 2,
};

/* The rest of the basic table (TS 23.038 §6.2.1), ascending: Latin-1 letters and signs and the
 * Greek capitals that look unlike Latin ones. 0x09 is U+00C7 as in the standard's figure. */
static const uint16_t basic_other[] = {
    0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, 0x00E5, 0x00E6,
    0x00E8, 0x00E9, 0x00EC, 0x00F1, 0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393,
    0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,
};

#define EURO_SIGN 0x20AC /* extension table 0x65 */

/* Septets cp takes in GSM 7-bit, or 0 when it has no place in the default alphabet. */
static unsigned gsm7_septets(uint32_t cp)
{
    if (cp < 0x80)
        return ascii_septets[cp];
    if (cp == EURO_SIGN)
        return 2;
    size_t lo = 0, hi = sizeof(basic_other) / sizeof(basic_other[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (basic_other[mid] == cp)
            return 1;
        if (basic_other[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static unsigned ucs2_units(uint32_t cp)
{
    return cp > 0xFFFF ? 2 : 1; /* a surrogate pair beyond the BMP */
}

static unsigned units_of(uint32_t cp, mnp_sms_encoding_t enc)
{
    return enc == MNP_SMS_GSM7 ? gsm7_septets(cp) : ucs2_units(cp);
}

/* Validates the text and finds its encoding and its length in that encoding's units. */
static int measure(const char *text, size_t len, mnp_sms_encoding_t *enc, size_t *units)
{
    mnp_cursor_t c;
    mnp_cursor_init(&c, text, len);
    size_t septets = 0, utf16 = 0;
    bool gsm7 = true;
    while (!mnp_cursor_eof(&c)) {
        uint32_t cp;
        if (sms_utf8_next(&c, &cp) != 0)
            return MNP_EINVAL;
        unsigned s = gsm7_septets(cp);
        gsm7 = gsm7 && s != 0;
        septets += s;
        utf16 += ucs2_units(cp);
    }
    *enc = gsm7 ? MNP_SMS_GSM7 : MNP_SMS_UCS2;
    *units = gsm7 ? septets : utf16;
    return 0;
}

int mnp_sms_segment(const char *text, size_t len, mnp_sms_encoding_t *enc, mnp_sms_part_t *parts,
                    size_t max, size_t *count)
{
    if (count != NULL)
        *count = 0;
    if (enc == NULL || count == NULL || (text == NULL && len > 0) || (parts == NULL && max > 0))
        return MNP_EINVAL;

    mnp_sms_encoding_t e;
    size_t total;
    int rc = measure(text, len, &e, &total);
    if (rc != 0)
        return rc;
    size_t single = e == MNP_SMS_GSM7 ? GSM7_SINGLE : UCS2_SINGLE;
    size_t limit = e == MNP_SMS_GSM7 ? GSM7_PART : UCS2_PART;
    if (total <= single) {
        /* An empty text too: it is still one (empty) message. */
        if (max > 0)
            parts[0] = (mnp_sms_part_t){0, len, total};
        *enc = e;
        *count = 1;
        return 0;
    }

    mnp_cursor_t c;
    mnp_cursor_init(&c, text, len);
    mnp_sms_part_t cur = {0, 0, 0};
    size_t n = 0;
    while (!mnp_cursor_eof(&c)) {
        size_t at = mnp_cursor_offset(&c);
        uint32_t cp;
        if (sms_utf8_next(&c, &cp) != 0)
            return MNP_EINTERNAL; /* measure() has read the same bytes */
        unsigned w = units_of(cp, e);
        if (cur.units + w > limit) {
            if (n == PARTS_MAX - 1)
                return MNP_ELIMIT;
            if (n < max)
                parts[n] = cur;
            n++;
            cur = (mnp_sms_part_t){at, 0, 0};
        }
        cur.units += w;
        cur.len = mnp_cursor_offset(&c) - cur.offset;
    }
    if (n < max)
        parts[n] = cur;
    *enc = e;
    *count = n + 1;
    return 0;
}
