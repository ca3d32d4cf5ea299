/*
 * The bounded output buffer. Growth doubles (amortised O(1) appends) but never allocates past
 * max_bytes + 1, so a writer fed by untrusted input cannot make the process allocate more than
 * its limit. Errors are sticky: the writer appends freely and checks mnp_buf_error() once.
 */
#include "mnp/buf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First allocation, so that short strings do not realloc for every byte. */
#define BUF_MIN_CAP 64

void mnp_buf_init(mnp_buf_t *b, size_t max_bytes)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max_bytes = max_bytes;
    b->error = 0;
}

void mnp_buf_fini(mnp_buf_t *b)
{
    free(b->data);
    mnp_buf_init(b, b->max_bytes);
}

void mnp_buf_reset(mnp_buf_t *b)
{
    b->len = 0;
    b->error = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

static void buf_fail(mnp_buf_t *b, int code)
{
    if (b->error == 0)
        b->error = code;
}

/* Makes room for extra more bytes plus the NUL; false (with the sticky error set) when that
 * would pass max_bytes or memory ran out. The content is unchanged either way. */
static bool buf_reserve(mnp_buf_t *b, size_t extra)
{
    if (b->error != 0)
        return false;
    /* One byte always goes to the NUL, so a max_bytes of SIZE_MAX means SIZE_MAX - 1. */
    size_t max = b->max_bytes < SIZE_MAX ? b->max_bytes : SIZE_MAX - 1;
    if (extra > max - b->len) {
        buf_fail(b, MNP_ELIMIT);
        return false;
    }
    size_t need = b->len + extra + 1; /* <= max + 1: cannot overflow */
    if (need <= b->cap)
        return true;
    size_t ceiling = max + 1;
    size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need)
        cap = cap > ceiling / 2 ? ceiling : cap * 2;
    if (cap > ceiling)
        cap = ceiling;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        buf_fail(b, MNP_ENOMEM);
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void mnp_buf_append(mnp_buf_t *b, const void *data, size_t len)
{
    if (!buf_reserve(b, len))
        return;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void mnp_buf_puts(mnp_buf_t *b, const char *s)
{
    mnp_buf_append(b, s, strlen(s));
}

void mnp_buf_putc(mnp_buf_t *b, char c)
{
    mnp_buf_append(b, &c, 1);
}

void mnp_buf_printf(mnp_buf_t *b, const char *fmt, ...)
{
    if (b->error != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    va_list again;
    va_copy(again, ap);
    /* Try the room already there first; most appends fit and format only once. */
    size_t room = b->data != NULL ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        /* vsnprintf fails only for output longer than INT_MAX: a limit like any other. */
        buf_fail(b, MNP_ELIMIT);
    } else if ((size_t)n < room) {
        b->len += (size_t)n;
    } else if (buf_reserve(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    /* A failed attempt may have written a partial text past len: restore the terminator. */
    if (b->data != NULL)
        b->data[b->len] = '\0';
    va_end(again);
}

/* JSON escape for byte c (RFC 8259 §7), or NULL when c goes out as itself. */
static const char *json_escape(unsigned char c, char tmp[7])
{
    static const char hex[] = "0123456789abcdef";
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    default:
        break;
    }
    if (c >= 0x20)
        return NULL; /* printable ASCII and UTF-8 bytes pass through */
    memcpy(tmp, "\\u00", 4);
    tmp[4] = hex[c >> 4];
    tmp[5] = hex[c & 0xf];
    tmp[6] = '\0';
    return tmp;
}

void mnp_buf_json_str(mnp_buf_t *b, const char *s)
{
    /* Measure first so that the whole literal is appended or none of it. */
    char tmp[7];
    size_t len = 2;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *e = json_escape(*p, tmp);
        len += e ? strlen(e) : 1;
    }
    if (!buf_reserve(b, len))
        return;
    char *out = b->data + b->len;
    *out++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *e = json_escape(*p, tmp);
        if (e == NULL) {
            *out++ = (char)*p;
        } else {
            size_t n = strlen(e);
            memcpy(out, e, n);
            out += n;
        }
    }
    *out++ = '"';
    b->len += len;
    *out = '\0';
}
