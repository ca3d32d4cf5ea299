/*
 * The INI parser and file loader (lookups and the writer are in ini_doc.c, typed getters in
 * ini_get.c). Parsing copies the text into the document's arena once and unquotes in place, writing
 * NULs where names, keys and values end, so the document costs the text plus a few small arrays
 * whose size the line count bounds before parsing starts: a hostile file can make it neither
 * allocate more than its own size allows nor run longer than linear time (duplicates are found by
 * hash).
 */
#include "mnp/ini.h"

#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iniInt.h"

#define INI_DEFAULT_NAME "(text)"
#define INI_ALIGN        alignof(max_align_t) /* what the arena rounds each allocation to */

typedef struct ini_parser {
    mnp_ini_t *ini;
    mnp_ini_section_t *cur; /* section of the keys that follow; NULL before the first */
    size_t line;
    mnp_error_t *err;
} ini_parser_t;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static char *skip_blank(char *s, const char *e)
{
    while (s < e && is_blank(*s))
        s++;
    return s;
}

/* ---- parsing ---------------------------------------------------------------------------- */

static int perr(ini_parser_t *p, int code, const char *fmt, ...) MNP_PRINTF(3, 4);

static int perr(ini_parser_t *p, int code, const char *fmt, ...)
{
    char reason[MNP_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(reason, sizeof(reason), fmt, ap) < 0)
        reason[0] = '\0';
    va_end(ap);
    return mnp_error_set(p->err, code, "%s:%zu: %s", p->ini->name, p->line, reason);
}

/* "'x'" for a printable ASCII byte, "byte 0xNN" for any other, for messages. */
static const char *show_byte(char c, char buf[16])
{
    unsigned char u = (unsigned char)c;
    if (u > 0x20 && u < 0x7f)
        snprintf(buf, 16, "'%c'", c);
    else
        snprintf(buf, 16, "byte 0x%02x", u);
    return buf;
}

/* Length of the valid UTF-8 sequence starting at s (before e), or 0 when it is not one:
 * overlong forms, surrogates and code points past U+10FFFF are refused (RFC 3629). */
static size_t utf8_len(const unsigned char *s, const unsigned char *e)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if ((size_t)(e - s) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
        return 0;
    if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
        return 0;
    return n;
}

/* Refuses what no part of a line may hold, so that the rest of the parser sees only tabs and
 * valid UTF-8, and values can never hide a control character. */
static int check_bytes(ini_parser_t *p, const char *s, const char *e)
{
    const unsigned char *u = (const unsigned char *)s, *ue = (const unsigned char *)e;
    while (u < ue) {
        if (*u == 0)
            return perr(p, MNP_EFORMAT, "NUL byte");
        if ((*u < 0x20 && *u != '\t') || *u == 0x7f)
            return perr(p, MNP_EFORMAT, "control character 0x%02x", *u);
        size_t n = utf8_len(u, ue);
        if (n == 0)
            return perr(p, MNP_EFORMAT, "invalid UTF-8");
        u += n;
    }
    return 0;
}

/* Unquotes the string whose opening quote is at *pp, in place: the result starts one byte
 * later and is NUL-terminated (unescaping only shrinks it). On success moves *pp past the closing
 * quote and returns 0; otherwise returns the error with *pp unchanged. */
static int unquote(ini_parser_t *p, char **pp, const char *e, char **out, const char *what)
{
    char *r = *pp + 1, *w = r;
    while (r < e) {
        char c = *r++;
        if (c == '"') {
            *w = '\0';
            *out = *pp + 1;
            *pp = r;
            return 0;
        }
        if (c == '\\' && r < e) {
            char x = *r++;
            char buf[16];
            switch (x) {
            case '"':
            case '\\':
                c = x;
                break;
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            default:
                return perr(p, MNP_EFORMAT,
                            "unknown escape '\\' + %s in %s (use \\\" \\\\ \\n \\t)",
                            show_byte(x, buf), what);
            }
        } else if (c == '\\') {
            break;
        }
        *w++ = c;
    }
    return perr(p, MNP_EFORMAT, "unterminated quoted %s", what);
}

static int add_section(ini_parser_t *p, const char *name, const char *sub)
{
    mnp_ini_t *ini = p->ini;
    char label[INI_LABEL_SIZE];
    if (ini->nsections == MNP_INI_SECTIONS_MAX)
        return perr(p, MNP_ELIMIT, "more than %d sections", MNP_INI_SECTIONS_MAX);
    size_t slot = ini_sec_probe(ini, name, sub);
    if (ini->sec_slots[slot] != 0) {
        const mnp_ini_section_t *old = &ini->sections[ini->sec_slots[slot] - 1];
        return perr(p, MNP_EFORMAT, "duplicate section %s (first at line %zu)",
                    ini_label(old, label, sizeof(label)), old->line);
    }
    mnp_ini_section_t *sec = &ini->sections[ini->nsections];
    *sec = (mnp_ini_section_t){
        .doc = ini, .name = name, .sub = sub, .line = p->line, .first = ini->nentries};
    ini->sec_slots[slot] = (uint32_t)++ini->nsections;
    p->cur = sec;
    return 0;
}

static int add_entry(ini_parser_t *p, const char *key, const char *value)
{
    mnp_ini_t *ini = p->ini;
    char label[INI_LABEL_SIZE], snip[INI_SNIP_MAX + 4];
    if (p->cur == NULL)
        return perr(p, MNP_EFORMAT, "key '%s' before the first [section]",
                    ini_snip(key, snip, sizeof(snip)));
    if (ini->nentries == MNP_INI_KEYS_MAX)
        return perr(p, MNP_ELIMIT, "more than %d keys", MNP_INI_KEYS_MAX);
    size_t slot = ini_key_probe(ini, p->cur, key);
    if (ini->key_slots[slot] != 0)
        return perr(p, MNP_EFORMAT, "duplicate key '%s' in %s (first at line %zu)",
                    ini_snip(key, snip, sizeof(snip)), ini_label(p->cur, label, sizeof(label)),
                    ini->entries[ini->key_slots[slot] - 1].line);
    ini->entries[ini->nentries] = (mnp_ini_entry_t){.key = key, .value = value, .line = p->line};
    ini->key_slots[slot] = (uint32_t)++ini->nentries;
    p->cur->nkeys++;
    return 0;
}

/* s is just past '['. Grammar: '[' blank* name (blank+ quoted-sub)? blank* ']' blank* comment? */
static int parse_header(ini_parser_t *p, char *s, char *e)
{
    char buf[16];
    s = skip_blank(s, e);
    char *name = s;
    while (s < e && is_name_char(*s))
        s++;
    char *name_end = s;
    if (s == e)
        return perr(p, MNP_EFORMAT, "unterminated section header (missing ']')");
    if (name_end == name && (*s == ']' || *s == '"'))
        return perr(p, MNP_EFORMAT, "empty section name");
    if (!is_blank(*s) && *s != ']')
        return perr(p, MNP_EFORMAT, "invalid character %s in section name%s", show_byte(*s, buf),
                    (*s >= 'A' && *s <= 'Z') ? " (names are lowercase)" : "");
    s = skip_blank(s, e);
    char *sub = NULL;
    if (s < e && *s == '"') {
        int rc = unquote(p, &s, e, &sub, "subsection name");
        if (rc != 0)
            return rc;
        if (*sub == '\0')
            return perr(p, MNP_EFORMAT, "empty subsection name");
        s = skip_blank(s, e);
    }
    if (s == e)
        return perr(p, MNP_EFORMAT, "unterminated section header (missing ']')");
    if (*s != ']')
        return perr(p, MNP_EFORMAT, "unexpected %s in section header", show_byte(*s, buf));
    s = skip_blank(s + 1, e);
    if (s < e && *s != '#' && *s != ';')
        return perr(p, MNP_EFORMAT, "text after section header");
    *name_end = '\0'; /* a blank or the ']', both consumed */
    return add_section(p, name, sub);
}

/* Grammar: key blank* '=' blank* (quoted blank* | unquoted) comment? */
static int parse_pair(ini_parser_t *p, char *s, char *e)
{
    char buf[16], snip[INI_SNIP_MAX + 4];
    char *key = s;
    while (s < e && is_name_char(*s))
        s++;
    char *key_end = s;
    if (key_end == key && *s == '=')
        return perr(p, MNP_EFORMAT, "missing key before '='");
    if (s < e && !is_blank(*s) && *s != '=')
        return perr(p, MNP_EFORMAT, "invalid character %s in key%s", show_byte(*s, buf),
                    (*s >= 'A' && *s <= 'Z') ? " (keys are lowercase)" : "");
    s = skip_blank(s, e);
    if (s == e || *s != '=') {
        *key_end = '\0'; /* a blank or the line's end */
        return perr(p, MNP_EFORMAT, "expected '=' after key '%s'",
                    ini_snip(key, snip, sizeof(snip)));
    }
    s = skip_blank(s + 1, e);
    char *value;
    if (s < e && *s == '"') {
        int rc = unquote(p, &s, e, &value, "value");
        if (rc != 0)
            return rc;
        s = skip_blank(s, e);
        if (s < e && *s != '#' && *s != ';')
            return perr(p, MNP_EFORMAT, "text after closing quote of value");
    } else {
        /* A '#' or ';' starting the value or after a blank starts a comment; trailing blanks go. */
        value = s;
        char *end = s;
        for (; s < e; s++) {
            if ((*s == '#' || *s == ';') && (s == value || is_blank(s[-1])))
                break;
            if (!is_blank(*s))
                end = s + 1;
        }
        *end = '\0'; /* a blank, '#', ';', the line ending or the copy's final NUL */
    }
    *key_end = '\0'; /* a blank or the '=', both consumed */
    return add_entry(p, key, value);
}

static int parse_line(ini_parser_t *p, char *s, char *e)
{
    if ((size_t)(e - s) > MNP_INI_LINE_MAX)
        return perr(p, MNP_ELIMIT, "line longer than %d bytes", MNP_INI_LINE_MAX);
    int rc = check_bytes(p, s, e);
    if (rc != 0)
        return rc;
    s = skip_blank(s, e);
    if (s == e || *s == '#' || *s == ';')
        return 0;
    if (*s == '[')
        return parse_header(p, s + 1, e);
    return parse_pair(p, s, e);
}

static size_t round_up(size_t n)
{
    return (n + INI_ALIGN - 1) & ~(size_t)(INI_ALIGN - 1);
}

/* Slots for a table of at most cap items: a power of two, at least twice cap. */
static size_t table_slots(size_t cap)
{
    size_t n = 2;
    while (n < 2 * cap)
        n *= 2;
    return n;
}

/* Sizes and carves every array of the document from its arena. */
static int ini_alloc(mnp_ini_t *ini, const char *name, const char *text, size_t len,
                     char **copy_out)
{
    size_t lines = 1;
    for (const char *s = text; s != NULL && (s = memchr(s, '\n', len - (size_t)(s - text))); s++)
        lines++;
    size_t sec_cap = lines < MNP_INI_SECTIONS_MAX ? lines : MNP_INI_SECTIONS_MAX;
    size_t key_cap = lines < MNP_INI_KEYS_MAX ? lines : MNP_INI_KEYS_MAX;
    size_t sec_slots = table_slots(sec_cap), key_slots = table_slots(key_cap);
    size_t name_len = strlen(name);
    size_t need = round_up(len + 1) + round_up(name_len + 1) +
                  round_up(sec_cap * sizeof(mnp_ini_section_t)) +
                  round_up(key_cap * sizeof(mnp_ini_entry_t)) + round_up(sec_slots * 4) +
                  round_up(key_slots * 4);
    mnp_arena_init(&ini->arena, 0, need);

    char *copy = mnp_arena_alloc(&ini->arena, len + 1);
    ini->name = mnp_arena_strndup(&ini->arena, name, name_len);
    ini->sections = mnp_arena_alloc(&ini->arena, sec_cap * sizeof(mnp_ini_section_t));
    ini->entries = mnp_arena_alloc(&ini->arena, key_cap * sizeof(mnp_ini_entry_t));
    ini->sec_slots = mnp_arena_alloc(&ini->arena, sec_slots * 4);
    ini->key_slots = mnp_arena_alloc(&ini->arena, key_slots * 4);
    if (copy == NULL || ini->name == NULL || ini->sections == NULL || ini->entries == NULL ||
        ini->sec_slots == NULL || ini->key_slots == NULL)
        return MNP_ENOMEM;
    if (len > 0)
        memcpy(copy, text, len);
    copy[len] = '\0';
    memset(ini->sec_slots, 0, sec_slots * 4);
    memset(ini->key_slots, 0, key_slots * 4);
    ini->sec_mask = sec_slots - 1;
    ini->key_mask = key_slots - 1;
    *copy_out = copy;
    return 0;
}

int mnp_ini_parse(const char *text, size_t len, const char *name, mnp_ini_t **out, mnp_error_t *err)
{
    *out = NULL;
    if (name == NULL)
        name = INI_DEFAULT_NAME;
    if (len > MNP_INI_TEXT_MAX)
        return mnp_error_set(err, MNP_ELIMIT, "%s: text of %zu bytes is over the limit of %u bytes",
                             name, len, MNP_INI_TEXT_MAX);
    mnp_ini_t *ini = calloc(1, sizeof(*ini));
    if (ini == NULL)
        return mnp_error_set(err, MNP_ENOMEM, "%s: out of memory", name);
    char *s;
    int rc = ini_alloc(ini, name, text, len, &s);
    if (rc != 0) {
        mnp_error_set(err, rc, "%s: out of memory", name);
        goto fail;
    }

    ini_parser_t p = {.ini = ini, .err = err};
    const char *end = s + len;
    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        s += 3;
    while (s < end) {
        /* Find the next line before parsing this one, which writes NULs into it. */
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *e = nl != NULL ? nl : s + (end - s);
        if (nl != NULL && e > s && e[-1] == '\r')
            e--;
        p.line++;
        rc = parse_line(&p, s, e);
        if (rc != 0)
            goto fail;
        s = nl != NULL ? nl + 1 : e;
    }
    *out = ini;
    return 0;
fail:
    mnp_ini_free(ini);
    return rc;
}

int mnp_ini_load(const char *path, mnp_ini_t **out, mnp_error_t *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return mnp_error_set(err, e == ENOENT ? MNP_ENOENT : MNP_EIO, "%s: cannot open: %s", path,
                             strerror(e));
    }
    int rc = 0;
    struct stat st;
    mnp_buf_t text;
    mnp_buf_init(&text, MNP_INI_TEXT_MAX);
    if (fstat(fd, &st) != 0) {
        rc = mnp_error_set(err, MNP_EIO, "%s: cannot stat: %s", path, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = mnp_error_set(err, MNP_EIO, "%s: is a directory", path);
        goto fail;
    }
    /* Read in pieces rather than trust st_size: the path may be a pipe or a growing file. */
    for (;;) {
        char chunk[16384];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = mnp_error_set(err, MNP_EIO, "%s: cannot read: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        mnp_buf_append(&text, chunk, (size_t)n);
        if (mnp_buf_error(&text) == MNP_ELIMIT) {
            rc = mnp_error_set(err, MNP_ELIMIT, "%s: file is larger than %u bytes", path,
                               MNP_INI_TEXT_MAX);
            goto fail;
        }
        if (mnp_buf_error(&text) != 0) {
            rc = mnp_error_set(err, MNP_ENOMEM, "%s: out of memory", path);
            goto fail;
        }
    }
    rc = mnp_ini_parse(text.data, text.len, path, out, err);
fail:
    close(fd);
    mnp_buf_fini(&text);
    return rc;
}

void mnp_ini_free(mnp_ini_t *ini)
{
    if (ini == NULL)
        return;
    mnp_arena_fini(&ini->arena);
    free(ini);
}

const char *mnp_ini_name(const mnp_ini_t *ini)
{
    return ini->name;
}
