/*
 * A growable byte buffer with a hard upper bound. Appends past the bound (or failed allocations)
 * set a sticky error and are dropped, so a writer appends freely and checks once at the end —
 * the same shape as the input cursor. The content is always NUL-terminated for convenience.
 */
#ifndef MNP_BUF_H
#define MNP_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

typedef struct mnp_buf {
    char *data;       /* owned; NUL-terminated; NULL until the first append */
    size_t len;       /* bytes used, excluding the NUL */
    size_t cap;       /* bytes allocated */
    size_t max_bytes; /* len never exceeds this */
    int error;        /* 0, or the first MNP_ELIMIT / MNP_ENOMEM met */
} mnp_buf_t;

/* Initialises an empty buffer that will hold at most max_bytes. Caller-allocated; release with
 * mnp_buf_fini. */
void mnp_buf_init(mnp_buf_t *b, size_t max_bytes);

/* Frees the storage; the buffer may be initialised again. */
void mnp_buf_fini(mnp_buf_t *b);

/* Empties the buffer and clears its error, keeping the storage. */
void mnp_buf_reset(mnp_buf_t *b);

/* Appends bytes / a C string / one byte / printf-formatted text. On overflow the whole append is
 * dropped and the sticky error set (MNP_ELIMIT); after an error every append is a no-op. */
void mnp_buf_append(mnp_buf_t *b, const void *data, size_t len);
void mnp_buf_puts(mnp_buf_t *b, const char *s);
void mnp_buf_putc(mnp_buf_t *b, char c);
void mnp_buf_printf(mnp_buf_t *b, const char *fmt, ...) MNP_PRINTF(2, 3);

/* Appends s as a JSON string literal, quotes included, escaping what JSON requires. */
void mnp_buf_json_str(mnp_buf_t *b, const char *s);

/* Returns b->error (0 when every append fit). */
static inline int mnp_buf_error(const mnp_buf_t *b)
{
    return b->error;
}

#endif
