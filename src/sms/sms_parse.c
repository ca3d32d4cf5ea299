/*
 * The subscriber's two commands, CXXZ#姓名#证件号码 and SQXZ#姓名#证件号码 (SPEC.md §3), read the
 * way people actually type them on a phone: a Chinese input method gives full-width '＃',
 * full-width letters and digits and the ideographic space; people add spaces around separators, in
 * the middle of an identity number and at the ends, and end with a separator. Everything that does
 * not read as exactly keyword, name and identity is MNP_SMS_UNKNOWN, so the gateway answers with
 * help instead of guessing what was meant.
 */
#include <string.h>

#include "mnp/sms.h"
#include "smsInt.h"

#define ID_LEN 18 /* GB 11643: 17 digits and a check character */

/* Keyword, name, identity and the empty field after a tolerated trailing separator. */
#define FIELDS_MAX 4

typedef struct field {
    size_t off, len; /* bytes of the text */
} field_t;

static bool is_space(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == 0x3000; /* U+3000 IDEOGRAPHIC SPACE */
}

static bool is_separator(uint32_t cp)
{
    return cp == '#' || cp == 0xFF03; /* U+FF03 FULLWIDTH NUMBER SIGN */
}

/* C0 and C1 controls and DEL: no name contains them, and a NUL would cut the C string short. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Splits text at separators into at most FIELDS_MAX fields; false for invalid UTF-8 or more
 * fields than a command has. */
static bool split(const char *text, size_t len, field_t fields[FIELDS_MAX], size_t *nfields)
{
    mnp_cursor_t c;
    mnp_cursor_init(&c, text, len);
    size_t n = 0, start = 0;
    while (!mnp_cursor_eof(&c)) {
        size_t at = mnp_cursor_offset(&c);
        uint32_t cp;
        if (sms_utf8_next(&c, &cp) != 0)
            return false;
        if (!is_separator(cp))
            continue;
        if (n == FIELDS_MAX - 1)
            return false;
        fields[n++] = (field_t){start, at - start};
        start = mnp_cursor_offset(&c);
    }
    fields[n++] = (field_t){start, len - start};
    *nfields = n;
    return true;
}

/* The field without the spaces at its ends (the text is already known to be valid UTF-8). */
static field_t trim(const char *text, field_t f)
{
    mnp_cursor_t c;
    mnp_cursor_init(&c, text + f.off, f.len);
    size_t first = f.len, end = 0;
    while (!mnp_cursor_eof(&c)) {
        size_t at = mnp_cursor_offset(&c);
        uint32_t cp;
        if (sms_utf8_next(&c, &cp) != 0)
            break;
        if (is_space(cp))
            continue;
        if (first == f.len)
            first = at;
        end = mnp_cursor_offset(&c);
    }
    if (first == f.len)
        return (field_t){f.off, 0};
    return (field_t){f.off + first, end - first};
}

/* An ASCII or full-width Latin letter as its ASCII capital, else 0. */
static char upper_letter(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return (char)cp;
    if (cp >= 'a' && cp <= 'z')
        return (char)(cp - 'a' + 'A');
    if (cp >= 0xFF21 && cp <= 0xFF3A) /* FULLWIDTH LATIN CAPITAL LETTER A..Z */
        return (char)(cp - 0xFF21 + 'A');
    if (cp >= 0xFF41 && cp <= 0xFF5A) /* FULLWIDTH LATIN SMALL LETTER A..Z */
        return (char)(cp - 0xFF41 + 'A');
    return 0;
}

static mnp_sms_kind_t read_keyword(const char *text, field_t f)
{
    f = trim(text, f);
    mnp_cursor_t c;
    mnp_cursor_init(&c, text + f.off, f.len);
    char kw[4];
    size_t n = 0;
    while (!mnp_cursor_eof(&c)) {
        uint32_t cp;
        if (sms_utf8_next(&c, &cp) != 0 || n == sizeof(kw))
            return MNP_SMS_UNKNOWN;
        kw[n] = upper_letter(cp);
        if (kw[n++] == 0)
            return MNP_SMS_UNKNOWN;
    }
    if (n == sizeof(kw) && memcmp(kw, "CXXZ", 4) == 0)
        return MNP_SMS_CXXZ;
    if (n == sizeof(kw) && memcmp(kw, "SQXZ", 4) == 0)
        return MNP_SMS_SQXZ;
    return MNP_SMS_UNKNOWN;
}

/* The name as given, trimmed, each inner run of spaces (of any width) as one ASCII space. */
static bool read_name(const char *text, field_t f, char out[MNP_SMS_NAME_MAX])
{
    f = trim(text, f);
    mnp_cursor_t c;
    mnp_cursor_init(&c, text + f.off, f.len);
    size_t n = 0;
    bool gap = false;
    while (!mnp_cursor_eof(&c)) {
        size_t at = mnp_cursor_offset(&c);
        uint32_t cp;
        if (sms_utf8_next(&c, &cp) != 0)
            return false;
        if (is_space(cp)) {
            gap = true;
            continue;
        }
        if (is_control(cp))
            return false;
        size_t w = mnp_cursor_offset(&c) - at;
        if (n + gap + w > MNP_SMS_NAME_MAX - 1)
            return false;
        if (gap)
            out[n++] = ' ';
        gap = false;
        memcpy(out + n, text + f.off + at, w);
        n += w;
    }
    out[n] = '\0';
    return n > 0;
}

/* The identity number without its spaces, full-width digits as ASCII and x as X; its form only
 * (the check character is the caller's: it knows how to tell the subscriber what is wrong). */
static bool read_identity(const char *text, field_t f, char out[MNP_SMS_IDENTITY_MAX])
{
    mnp_cursor_t c;
    mnp_cursor_init(&c, text + f.off, f.len);
    size_t n = 0;
    while (!mnp_cursor_eof(&c)) {
        uint32_t cp;
        if (sms_utf8_next(&c, &cp) != 0)
            return false;
        char ch;
        if (is_space(cp))
            continue;
        if (cp >= '0' && cp <= '9')
            ch = (char)cp;
        else if (cp >= 0xFF10 && cp <= 0xFF19) /* FULLWIDTH DIGIT ZERO..NINE */
            ch = (char)(cp - 0xFF10 + '0');
        else if (upper_letter(cp) == 'X')
            ch = 'X';
        else
            return false;
        if (n == ID_LEN || (ch == 'X' && n != ID_LEN - 1))
            return false;
        out[n++] = ch;
    }
    out[n] = '\0';
    return n == ID_LEN;
}

mnp_sms_kind_t mnp_sms_parse(const char *text, size_t len, mnp_sms_command_t *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = MNP_SMS_UNKNOWN;
    if (text == NULL || len == 0 || len > MNP_SMS_TEXT_MAX)
        return MNP_SMS_UNKNOWN;
    /* Line breaks a phone or an SMS centre adds around the message are not part of it; inside
     * a name they still make it unreadable. */
    while (len > 0 && (text[len - 1] == '\r' || text[len - 1] == '\n'))
        len--;
    while (len > 0 && (text[0] == '\r' || text[0] == '\n')) {
        text++;
        len--;
    }

    field_t fields[FIELDS_MAX];
    size_t nfields = 0;
    if (!split(text, len, fields, &nfields) || nfields < 3)
        return MNP_SMS_UNKNOWN;
    if (nfields == 4 && trim(text, fields[3]).len != 0)
        return MNP_SMS_UNKNOWN;

    mnp_sms_command_t cmd = {.kind = read_keyword(text, fields[0])};
    if (cmd.kind == MNP_SMS_UNKNOWN || !read_name(text, fields[1], cmd.name) ||
        !read_identity(text, fields[2], cmd.identity))
        return MNP_SMS_UNKNOWN;
    *out = cmd;
    return cmd.kind;
}
