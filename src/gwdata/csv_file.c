/*
 * The strict reader under both of the gateway's data files (subscriber_csv.h). It works on the
 * whole file in memory rather than on a stream because the files are bounded (64 MiB) and a
 * refused file must name every bad row, so each line is read, reported if bad and skipped, and
 * the next one read. Fields are split by the project's RFC 4180 splitter (csv.h) on a copy of
 * the line, as the splitter unquotes in place and the caller's text is read-only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwdataInt.h"
#include "mnp/alloc.h"
#include "mnp/number.h"

#define SHOW_MAX 32 /* bytes of a bad value repeated in a message */

/* Adds one line to the report, whatever its form; the count is kept exact past the cut. */
static void report_v(mnp_csv_report_t *rep, const char *name, size_t line_no, const char *fmt,
                     va_list ap) MNP_PRINTF(4, 0);
static void report_v(mnp_csv_report_t *rep, const char *name, size_t line_no, const char *fmt,
                     va_list ap)
{
    rep->bad_rows++;
    if (rep->nlines >= MNP_CSV_ERRORS_MAX)
        return;
    char *dst = rep->lines[rep->nlines++];
    size_t size = sizeof(rep->lines[0]);
    int n = line_no ? snprintf(dst, size, "%s:%zu: ", name, line_no)
                    : snprintf(dst, size, "%s: ", name);
    if (n >= 0 && (size_t)n < size)
        vsnprintf(dst + n, size - (size_t)n, fmt, ap);
}

void gw_file_bad(gw_file_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_v(r->report, r->name, r->line_no, fmt, ap);
    va_end(ap);
}

void gw_why(gw_why_t *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->buf, w->size, fmt, ap);
    va_end(ap);
}

/* Reports with an explicit line (0: the file as a whole). */
static void file_bad_at(gw_file_t *r, size_t line_no, const char *fmt, ...) MNP_PRINTF(3, 4);
static void file_bad_at(gw_file_t *r, size_t line_no, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_v(r->report, r->name, line_no, fmt, ap);
    va_end(ap);
}

/* The next physical line into r->buf: 1 with *len set, 0 at the end of the text, -1 for a line
 * that cannot be read as text (reported). A "\r" before the "\n" is dropped. */
static int next_line(gw_file_t *r, size_t *len)
{
    if (r->pos >= r->len)
        return 0;
    const char *p = r->text + r->pos;
    size_t rest = r->len - r->pos;
    const char *nl = memchr(p, '\n', rest);
    size_t n = nl != NULL ? (size_t)(nl - p) : rest;
    r->pos += nl != NULL ? n + 1 : n;
    r->line_no++;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n > MNP_CSV_LINE_MAX) {
        gw_file_bad(r, "line is longer than %d bytes", MNP_CSV_LINE_MAX);
        return -1;
    }
    const char *nul = memchr(p, '\0', n);
    if (nul != NULL) {
        gw_file_bad(r, "NUL byte at column %zu", (size_t)(nul - p) + 1);
        return -1;
    }
    memcpy(r->buf, p, n);
    r->buf[n] = '\0';
    *len = n;
    return 1;
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

/* The header as one string, for messages ("number,name,..."). */
static void header_text(const char *const *columns, size_t ncolumns, char *dst, size_t size)
{
    size_t o = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < ncolumns && o < size; i++) {
        int n = snprintf(dst + o, size - o, "%s%s", i ? "," : "", columns[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

int gw_file_open(gw_file_t *r, const char *text, size_t len, const char *name,
                 const char *const *columns, size_t ncolumns, mnp_csv_report_t *report)
{
    memset(report, 0, sizeof(*report));
    r->text = text;
    r->len = len;
    r->pos = 0;
    r->name = name;
    r->line_no = 0;
    r->nrows = 0;
    r->nfields = ncolumns;
    r->report = report;

    char header[160];
    header_text(columns, ncolumns, header, sizeof(header));
    if (len > GW_FILE_MAX_BYTES) {
        file_bad_at(r, 0, "the file is larger than %u MiB", GW_FILE_MAX_BYTES >> 20);
        return MNP_EFORMAT;
    }
    /* Spreadsheets save UTF-8 with a byte order mark; it is not part of the first column. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;

    size_t n;
    int rc;
    while ((rc = next_line(r, &n)) == 1 && is_blank(r->buf, n))
        ;
    if (rc < 0)
        return MNP_EFORMAT;
    if (rc == 0) {
        file_bad_at(r, r->line_no + 1, "no header line: the first line must be %s", header);
        return MNP_EFORMAT;
    }
    int nf = mnp_csv_split(r->buf, n, r->f, MNP_CSV_FIELDS_MAX, NULL);
    bool ok = nf == (int)ncolumns;
    for (size_t i = 0; ok && i < ncolumns; i++)
        ok = r->f[i].len == strlen(columns[i]) && memcmp(r->f[i].ptr, columns[i], r->f[i].len) == 0;
    if (!ok) {
        gw_file_bad(r, "the header must be %s", header);
        return MNP_EFORMAT;
    }
    return 0;
}

int gw_file_next(gw_file_t *r)
{
    for (;;) {
        size_t n;
        int rc = next_line(r, &n);
        if (rc == 0)
            return 0;
        if (rc == 1 && is_blank(r->buf, n))
            continue; /* blank lines, e.g. at the end of a hand-edited file */
        if (++r->nrows > GW_FILE_MAX_ROWS) {
            gw_file_bad(r, "more than %u rows", GW_FILE_MAX_ROWS);
            return MNP_EFORMAT;
        }
        if (rc < 0)
            continue;
        mnp_error_t e;
        int nf = mnp_csv_split(r->buf, n, r->f, MNP_CSV_FIELDS_MAX, &e);
        if (nf < 0) {
            gw_file_bad(r, "%s", e.msg);
            continue;
        }
        if ((size_t)nf != r->nfields) {
            gw_file_bad(r, "%d fields, expected %zu", nf, r->nfields);
            continue;
        }
        return 1;
    }
}

/* Length of the UTF-8 sequence at s[0..len) if it is a well-formed one (no overlong forms, no
 * surrogates, nothing above U+10FFFF), else 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

bool gw_utf8_text_ok(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x20 || u[i] == 0x7F)
            return false;
        size_t n = utf8_seq(u + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

const char *gw_field_show(const mnp_csv_field_t *f, char *dst, size_t size)
{
    const unsigned char *u = (const unsigned char *)f->ptr;
    size_t max = size - 1 < SHOW_MAX ? size - 1 : SHOW_MAX, o = 0;
    for (size_t i = 0; i < f->len;) {
        size_t n = u[i] < 0x80 ? 1 : utf8_seq(u + i, f->len - i);
        if (n == 0)
            n = 1; /* a stray byte is shown as '?' */
        if (o + n > max) {
            if (o + 3 <= max) {
                memcpy(dst + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (n == 1 && (u[i] < 0x20 || u[i] >= 0x7F))
            dst[o++] = '?';
        else {
            memcpy(dst + o, u + i, n);
            o += n;
        }
        i += n;
    }
    dst[o] = '\0';
    return dst;
}

bool gw_field_text(gw_why_t *w, const mnp_csv_field_t *f, const char *column, size_t min_len,
                   size_t max_len, char *dst)
{
    if (f->len < min_len) {
        gw_why(w, "%s is empty", column);
        return false;
    }
    if (f->len > max_len) {
        gw_why(w, "%s is longer than %zu bytes", column, max_len);
        return false;
    }
    if (!gw_utf8_text_ok(f->ptr, f->len)) {
        gw_why(w, "%s is not UTF-8 text (or has a control character)", column);
        return false;
    }
    memcpy(dst, f->ptr, f->len);
    dst[f->len] = '\0';
    return true;
}

bool gw_field_number(gw_why_t *w, const mnp_csv_field_t *f, uint64_t *e164)
{
    mnp_number_t num;
    mnp_number_reason_t why;
    if (mnp_number_parse(f->ptr, f->len, &num, &why) != 0) {
        char show[SHOW_MAX + 1];
        gw_why(w, "number \"%s\": %s", gw_field_show(f, show, sizeof(show)),
               mnp_number_reason_str(why));
        return false;
    }
    *e164 = num.e164;
    return true;
}

bool gw_field_amount(gw_why_t *w, const mnp_csv_field_t *f, const char *column, int64_t *out)
{
    /* 18 digits cannot overflow int64_t; no amount of fen comes near that. */
    bool ok = f->len >= 1 && f->len <= 18;
    int64_t v = 0;
    for (size_t i = 0; ok && i < f->len; i++) {
        ok = f->ptr[i] >= '0' && f->ptr[i] <= '9';
        v = v * 10 + (f->ptr[i] - '0');
    }
    if (!ok) {
        char show[SHOW_MAX + 1];
        gw_why(w, "%s \"%s\" is not a whole number of fen (0 or more)", column,
               gw_field_show(f, show, sizeof(show)));
        return false;
    }
    *out = v;
    return true;
}

/* RULE §3: dates in the operator's files are Beijing dates (UTC+8, no daylight saving). */
#define BEIJING_OFFSET_MS (8 * 3600 * 1000LL)
#define DAY_MS            (86400 * 1000LL)
#define DATE_YEAR_MIN     1900
#define DATE_YEAR_MAX     9999

/* Days from 1970-01-01 to the Gregorian date y-m-d (valid), by shifting the year to start in
 * March so that the leap day comes last. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = y / 400; /* y >= 1899 here, so no negative division */
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int gw_date_parse(const char *s, size_t len, int64_t *ms)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return MNP_EFORMAT;
    unsigned v[3] = {0, 0, 0};
    static const unsigned char start[3] = {0, 5, 8}, width[3] = {4, 2, 2};
    for (int k = 0; k < 3; k++)
        for (unsigned i = start[k]; i < start[k] + width[k]; i++) {
            if (s[i] < '0' || s[i] > '9')
                return MNP_EFORMAT;
            v[k] = v[k] * 10 + (unsigned)(s[i] - '0');
        }
    unsigned y = v[0], m = v[1], d = v[2];
    if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX)
        return MNP_ELIMIT;
    if (m < 1 || m > 12 || d < 1)
        return MNP_ERANGE;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > days[m - 1] + (m == 2 && leap ? 1u : 0u))
        return MNP_ERANGE;
    *ms = days_from_civil(y, m, d) * DAY_MS - BEIJING_OFFSET_MS;
    return 0;
}

bool gw_field_date(gw_why_t *w, const mnp_csv_field_t *f, const char *column, int64_t *ms)
{
    int rc = gw_date_parse(f->ptr, f->len, ms);
    if (rc == 0)
        return true;
    char show[SHOW_MAX + 1];
    gw_field_show(f, show, sizeof(show));
    if (rc == MNP_ERANGE)
        gw_why(w, "%s \"%s\" is not a real date", column, show);
    else if (rc == MNP_ELIMIT)
        gw_why(w, "%s \"%s\" is not between the years %d and %d", column, show, DATE_YEAR_MIN,
               DATE_YEAR_MAX);
    else
        gw_why(w, "%s \"%s\" is not a date YYYY-MM-DD", column, show);
    return false;
}

/* ---- rows seen ---------------------------------------------------------------------------- */

uint64_t gw_hash(uint64_t h, const void *p, size_t len)
{
    const unsigned char *u = p;
    if (h == 0)
        h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= u[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Spreads every bit of h over the low bits that pick a slot (MurmurHash3's finaliser). */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static void seen_grow(gw_seen_t *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    struct gw_seen_slot *slots = mnp_xcalloc(cap, sizeof(*slots));
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i].row == 0)
            continue;
        size_t j = (size_t)mix(s->slots[i].hash) & (cap - 1);
        while (slots[j].row != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
}

size_t gw_seen_add(gw_seen_t *s, uint64_t hash, size_t row, size_t line,
                   bool (*same)(size_t row, const void *arg), const void *arg)
{
    if ((s->n + 1) * 2 > s->cap)
        seen_grow(s);
    size_t j = (size_t)mix(hash) & (s->cap - 1);
    for (; s->slots[j].row != 0; j = (j + 1) & (s->cap - 1))
        if (s->slots[j].hash == hash && same(s->slots[j].row - 1, arg))
            return s->slots[j].line;
    s->slots[j].hash = hash;
    s->slots[j].row = row + 1;
    s->slots[j].line = line;
    s->n++;
    return 0;
}

void gw_seen_fini(gw_seen_t *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->n = 0;
}
