/*
 * The process logger: one logfmt line per event on stderr (or a chosen stream), e.g.
 *   level=info time=2026-11-25T16:07:21.123Z msg="npdb built" entries=10000000 path=/tmp/x.npdb
 * Values are quoted and escaped when they need it, so a line always parses as logfmt.
 * The logger is one of the few process globals; it is safe to call from any thread (each line is
 * written with a single write so lines never interleave).
 */
#ifndef MNP_LOG_H
#define MNP_LOG_H

#include <stdint.h>
#include <stdio.h>

#include "mnp/clock.h"

typedef enum mnp_log_level {
    MNP_LOG_DEBUG = 0,
    MNP_LOG_INFO = 1,
    MNP_LOG_WARN = 2,
    MNP_LOG_ERROR = 3,
} mnp_log_level_t;

typedef enum mnp_kv_type {
    MNP_KV_T_END = 0,
    MNP_KV_T_STR,
    MNP_KV_T_I64,
    MNP_KV_T_U64,
    MNP_KV_T_F64,
    MNP_KV_T_BOOL,
} mnp_kv_type_t;

/* One key=value of a log line. Keys are code literals; string values are borrowed for the call. */
typedef struct mnp_kv {
    const char *key;
    mnp_kv_type_t type;
    union {
        const char *s;
        int64_t i;
        uint64_t u;
        double f;
        int b;
    } v;
} mnp_kv_t;

#define MNP_KV_STR(k, x)  ((mnp_kv_t){.key = (k), .type = MNP_KV_T_STR, .v.s = (x)})
#define MNP_KV_I64(k, x)  ((mnp_kv_t){.key = (k), .type = MNP_KV_T_I64, .v.i = (int64_t)(x)})
#define MNP_KV_U64(k, x)  ((mnp_kv_t){.key = (k), .type = MNP_KV_T_U64, .v.u = (uint64_t)(x)})
#define MNP_KV_F64(k, x)  ((mnp_kv_t){.key = (k), .type = MNP_KV_T_F64, .v.f = (double)(x)})
#define MNP_KV_BOOL(k, x) ((mnp_kv_t){.key = (k), .type = MNP_KV_T_BOOL, .v.b = !!(x)})
/* A key/value list for mnp_log: MNP_KV(MNP_KV_U64("entries", n), MNP_KV_STR("path", p)). */
#define MNP_KV(...) ((const mnp_kv_t[]){__VA_ARGS__, {.key = NULL}})

/* Writes one line at level with message msg and the key/value list kv (terminated by a NULL
 * key, as MNP_KV builds it; kv may be NULL). Lines below the current level are dropped. */
void mnp_log(mnp_log_level_t level, const char *msg, const mnp_kv_t *kv);

/* Lines below level are dropped. Default MNP_LOG_INFO. */
void mnp_log_set_level(mnp_log_level_t level);
mnp_log_level_t mnp_log_get_level(void);

/* Parses "debug", "info", "warn", "error" into *out; MNP_EINVAL otherwise. */
int mnp_log_level_parse(const char *name, mnp_log_level_t *out);

/* Where lines go; NULL restores stderr. The stream is borrowed and must outlive its use. */
void mnp_log_set_stream(FILE *stream);

/* The clock that stamps lines; NULL restores the real clock. Borrowed. */
void mnp_log_set_clock(const mnp_clock_t *clock);

/* Formats one logfmt line (with the trailing newline) into buf of size bytes, as mnp_log would
 * write it at wall time now_ms. Returns the length it needed (like snprintf): a result >= size
 * means the line was cut. A cut line still parses: it stops after the last whole token (a long
 * string value may be cut inside its quotes, which are then closed) and ends in " ...\n"; numbers
 * are never cut. Exposed for tests and for writers that log elsewhere. */
size_t mnp_log_format(char *buf, size_t size, mnp_log_level_t level, int64_t now_ms,
                      const char *msg, const mnp_kv_t *kv);

#endif
