/*
 * The process logger: formats one logfmt line per event and writes it in one call, so lines from
 * many threads never interleave. Level, stream and clock are the logger's process globals, kept
 * in atomics so that any thread may log while another reconfigures. The formatter never leaves a
 * half-written token: a line too long for its buffer is cut at a token boundary (a quoted value
 * may be cut inside, and is then closed) and ends in " ...", so it still parses as logfmt.
 */
#include "mnp/log.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

/* Longest line mnp_log writes; longer lines are cut (see mnp_log_format). */
#define LOG_LINE_MAX 4096

/* Appended to a cut line, after the last whole token. */
#define CUT_TAIL     " ...\n"
#define CUT_TAIL_LEN (sizeof(CUT_TAIL) - 1)

static _Atomic int log_level = MNP_LOG_INFO;
static _Atomic(FILE *) log_stream;             /* NULL means stderr */
static _Atomic(const mnp_clock_t *) log_clock; /* NULL means the real clock */

static const char *const level_names[] = {"debug", "info", "warn", "error"};
#define LEVEL_COUNT ((int)(sizeof(level_names) / sizeof(level_names[0])))

/* Line writer. `need` counts the whole line as if the buffer were unbounded; `len` is what was
 * actually written. Every put is one unit that is written whole or not at all, so an escape
 * sequence or a UTF-8 character is never split. In cut mode, running out of room closes an open
 * quoted value, or else rolls the line back to the start of the current key=value pair. */
typedef struct line_writer {
    char *buf;
    size_t limit; /* bytes available for the line proper (NUL and tail already set aside) */
    size_t len;
    size_t need;
    size_t pair_mark;   /* len before the current pair's leading space */
    size_t value_start; /* len after the current quoted value's opening quote */
    bool cut_mode;      /* keep the line valid when cutting (second pass) */
    bool full;          /* ran out of room; later puts only count */
    bool quoted;        /* inside a quoted value */
} line_writer_t;

static void lw_put(line_writer_t *w, const char *s, size_t n)
{
    w->need += n;
    if (w->full)
        return;
    /* Inside a quoted value, one byte stays free for the closing quote a cut would add. */
    size_t reserve = w->cut_mode && w->quoted ? 1 : 0;
    if (n + reserve <= w->limit - w->len) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        return;
    }
    w->full = true;
    if (!w->cut_mode)
        return;
    if (w->quoted && w->len > w->value_start)
        w->buf[w->len++] = '"';
    else
        w->len = w->pair_mark;
}

static void lw_puts(line_writer_t *w, const char *s)
{
    lw_put(w, s, strlen(s));
}

/* Bytes that force a value into quotes: logfmt separators and anything unprintable. */
static bool needs_quotes(const char *s)
{
    if (*s == '\0')
        return true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' || *p == 0x7f)
            return true;
    }
    return false;
}

/* Length of the UTF-8 character starting at s: the lead byte and the continuation bytes that
 * follow it (at most 3). Invalid bytes pass through one at a time; this only keeps a cut from
 * splitting a well-formed character. */
static size_t utf8_unit_len(const unsigned char *s)
{
    size_t want;
    if (s[0] < 0xc0)
        return 1;
    else if (s[0] < 0xe0)
        want = 2;
    else if (s[0] < 0xf0)
        want = 3;
    else
        want = 4;
    size_t n = 1;
    while (n < want && (s[n] & 0xc0) == 0x80)
        n++;
    return n;
}

/* Writes the body of a quoted value, escaping quotes, backslashes and control bytes. */
static void put_escaped(line_writer_t *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        char esc[6];
        size_t n;
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            lw_put(w, esc, 2);
            n = 1;
        } else if (*p == '\n') {
            lw_put(w, "\\n", 2);
            n = 1;
        } else if (*p == '\t') {
            lw_put(w, "\\t", 2);
            n = 1;
        } else if (*p == '\r') {
            lw_put(w, "\\r", 2);
            n = 1;
        } else if (*p < 0x20 || *p == 0x7f) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 0xf];
            lw_put(w, esc, 6);
            n = 1;
        } else {
            n = utf8_unit_len(p);
            lw_put(w, (const char *)p, n);
        }
        p += n;
    }
}

static void put_quoted(line_writer_t *w, const char *s)
{
    lw_put(w, "\"", 1);
    w->value_start = w->len;
    w->quoted = true;
    put_escaped(w, s);
    w->quoted = false;
    lw_put(w, "\"", 1);
}

static void put_str_value(line_writer_t *w, const char *s)
{
    if (s == NULL)
        s = "";
    size_t len = strlen(s);
    /* A bare value is one unit, never cut. When cutting, a long one that does not fit is quoted
     * instead, so that its start survives and the quotes show where it was cut. */
    if (needs_quotes(s) || (w->cut_mode && !w->full && len > w->limit - w->len))
        put_quoted(w, s);
    else
        lw_put(w, s, len);
}

/* Starts a pair: the separating space (none at the line start), the key and '='. Keys come from
 * code, but a bad byte in one would break the line, so such bytes become '_'. */
static void put_key(line_writer_t *w, const char *key)
{
    w->pair_mark = w->len;
    char tmp[64];
    size_t n = 0;
    if (w->need > 0)
        tmp[n++] = ' ';
    for (const unsigned char *p = (const unsigned char *)key; *p && n < sizeof(tmp) - 1; p++)
        tmp[n++] =
            (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' || *p == 0x7f) ? '_' : (char)*p;
    tmp[n++] = '=';
    lw_put(w, tmp, n);
}

static void put_kv(line_writer_t *w, const mnp_kv_t *kv)
{
    char num[40];
    put_key(w, kv->key);
    switch (kv->type) {
    case MNP_KV_T_STR:
        put_str_value(w, kv->v.s);
        return;
    case MNP_KV_T_I64:
        snprintf(num, sizeof(num), "%" PRId64, kv->v.i);
        break;
    case MNP_KV_T_U64:
        snprintf(num, sizeof(num), "%" PRIu64, kv->v.u);
        break;
    case MNP_KV_T_F64:
        /* 15 significant digits: exact for every decimal a person would write, no noise. */
        snprintf(num, sizeof(num), "%.15g", kv->v.f);
        break;
    case MNP_KV_T_BOOL:
        snprintf(num, sizeof(num), "%s", kv->v.b ? "true" : "false");
        break;
    default:
        snprintf(num, sizeof(num), "%s", "?");
        break;
    }
    lw_puts(w, num);
}

static const char *level_name(mnp_log_level_t level)
{
    if ((int)level < 0 || (int)level >= LEVEL_COUNT)
        return "unknown";
    return level_names[level];
}

static void format_line(line_writer_t *w, mnp_log_level_t level, int64_t now_ms, const char *msg,
                        const mnp_kv_t *kv)
{
    char ts[MNP_TIME_STR_SIZE];
    put_key(w, "level");
    lw_puts(w, level_name(level));
    put_key(w, "time");
    lw_puts(w, mnp_time_format(now_ms, ts));
    put_key(w, "msg");
    put_quoted(w, msg ? msg : "");
    for (; kv != NULL && kv->key != NULL; kv++) {
        if (kv->type == MNP_KV_T_END)
            break;
        put_kv(w, kv);
    }
    w->pair_mark = w->len; /* the newline alone is never rolled back into a pair */
    lw_put(w, "\n", 1);
}

size_t mnp_log_format(char *buf, size_t size, mnp_log_level_t level, int64_t now_ms,
                      const char *msg, const mnp_kv_t *kv)
{
    /* First pass: the line as it is, which is all there is to do when it fits. */
    line_writer_t w = {.buf = buf, .limit = size > 0 ? size - 1 : 0};
    w.full = size == 0;
    format_line(&w, level, now_ms, msg, kv);
    if (size == 0)
        return w.need;
    if (!w.full) {
        buf[w.len] = '\0';
        return w.need;
    }
    /* Second pass for a line that did not fit: cut at a token boundary and mark the cut. */
    if (size < CUT_TAIL_LEN + 1) {
        buf[0] = '\0';
        return w.need;
    }
    line_writer_t cut = {.buf = buf, .limit = size - 1 - CUT_TAIL_LEN, .cut_mode = true};
    format_line(&cut, level, now_ms, msg, kv);
    /* The pass overflowed too (same content, less room), so cut.full is set and len is at a
     * token boundary. A line cut down to nothing is just "...\n". */
    const char *tail = cut.len > 0 ? CUT_TAIL : &CUT_TAIL[1];
    size_t tail_len = strlen(tail);
    memcpy(buf + cut.len, tail, tail_len + 1);
    return w.need;
}

void mnp_log(mnp_log_level_t level, const char *msg, const mnp_kv_t *kv)
{
    if ((int)level < atomic_load_explicit(&log_level, memory_order_relaxed))
        return;
    const mnp_clock_t *clock = atomic_load(&log_clock);
    if (clock == NULL)
        clock = mnp_clock_real();
    FILE *f = atomic_load(&log_stream);
    if (f == NULL)
        f = stderr;

    char line[LOG_LINE_MAX];
    size_t n = mnp_log_format(line, sizeof(line), level, mnp_clock_now_ms(clock), msg, kv);
    if (n >= sizeof(line))
        n = strlen(line);
    /* One locked write and flush per line: other threads' lines go before or after, never
     * inside; and a line reaches the file even if the process dies right after. */
    flockfile(f);
    fwrite(line, 1, n, f);
    fflush(f);
    funlockfile(f);
}

void mnp_log_set_level(mnp_log_level_t level)
{
    if ((int)level < 0 || (int)level >= LEVEL_COUNT)
        return;
    atomic_store(&log_level, (int)level);
}

mnp_log_level_t mnp_log_get_level(void)
{
    return (mnp_log_level_t)atomic_load(&log_level);
}

int mnp_log_level_parse(const char *name, mnp_log_level_t *out)
{
    if (name == NULL)
        return MNP_EINVAL;
    for (int i = 0; i < LEVEL_COUNT; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (mnp_log_level_t)i;
            return 0;
        }
    }
    return MNP_EINVAL;
}

void mnp_log_set_stream(FILE *stream)
{
    atomic_store(&log_stream, stream);
}

void mnp_log_set_clock(const mnp_clock_t *clock)
{
    atomic_store(&log_clock, clock);
}
