/*
 * The bounds-checked input cursor every parser of untrusted input goes through. Reads past the
 * end never touch memory: they set a sticky error, return zero and leave the position where it
 * was, so a parser may read a whole structure and check mnp_cursor_error() once at the end.
 * Multi-byte integers are big-endian (network order), as wire formats are.
 */
#ifndef MNP_CURSOR_H
#define MNP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mnp/error.h"

typedef struct mnp_cursor {
    const uint8_t *start; /* borrowed input */
    const uint8_t *pos;
    const uint8_t *end;
    int error; /* 0, or MNP_ETRUNC after the first read past the end */
} mnp_cursor_t;

/* data may be NULL when len is 0. */
static inline void mnp_cursor_init(mnp_cursor_t *c, const void *data, size_t len)
{
    /* NULL + 0 is undefined in C (UBSan stops on it); an empty input without a buffer points
     * at this byte instead, so take(c, 0) also returns non-NULL. */
    static const uint8_t no_input[1];
    if (data == NULL)
        data = no_input;
    c->start = (const uint8_t *)data;
    c->pos = c->start;
    c->end = c->start + len;
    c->error = 0;
}

static inline size_t mnp_cursor_left(const mnp_cursor_t *c)
{
    return (size_t)(c->end - c->pos);
}

static inline size_t mnp_cursor_offset(const mnp_cursor_t *c)
{
    return (size_t)(c->pos - c->start);
}

static inline int mnp_cursor_error(const mnp_cursor_t *c)
{
    return c->error;
}

static inline bool mnp_cursor_eof(const mnp_cursor_t *c)
{
    return c->pos >= c->end;
}

/* True, without moving, when n more bytes are available and no error is set; otherwise sets the
 * sticky error and returns false. */
static inline bool mnp_cursor_need(mnp_cursor_t *c, size_t n)
{
    if (c->error == 0 && mnp_cursor_left(c) >= n)
        return true;
    c->error = MNP_ETRUNC;
    return false;
}

/* Next byte without consuming it, or -1 at the end or after an error (no error is set). */
static inline int mnp_cursor_peek(const mnp_cursor_t *c)
{
    return (c->error == 0 && c->pos < c->end) ? *c->pos : -1;
}

static inline uint8_t mnp_cursor_u8(mnp_cursor_t *c)
{
    if (!mnp_cursor_need(c, 1))
        return 0;
    return *c->pos++;
}

static inline uint16_t mnp_cursor_be16(mnp_cursor_t *c)
{
    if (!mnp_cursor_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)((c->pos[0] << 8) | c->pos[1]);
    c->pos += 2;
    return v;
}

static inline uint32_t mnp_cursor_be32(mnp_cursor_t *c)
{
    if (!mnp_cursor_need(c, 4))
        return 0;
    uint32_t v = ((uint32_t)c->pos[0] << 24) | ((uint32_t)c->pos[1] << 16) |
                 ((uint32_t)c->pos[2] << 8) | c->pos[3];
    c->pos += 4;
    return v;
}

/* Skips n bytes. */
static inline void mnp_cursor_skip(mnp_cursor_t *c, size_t n)
{
    if (mnp_cursor_need(c, n))
        c->pos += n;
}

/* Copies n bytes into dst (zero-filled on error). */
static inline void mnp_cursor_read(mnp_cursor_t *c, void *dst, size_t n)
{
    if (!mnp_cursor_need(c, n)) {
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, c->pos, n);
    c->pos += n;
}

/* Returns a pointer to the next n bytes and consumes them, or NULL (sticky error) if fewer are
 * left. The pointer borrows the cursor's input. */
static inline const uint8_t *mnp_cursor_take(mnp_cursor_t *c, size_t n)
{
    if (!mnp_cursor_need(c, n))
        return NULL;
    const uint8_t *p = c->pos;
    c->pos += n;
    return p;
}

/* Consumes the next byte if it equals b; returns whether it did (never sets the error). */
static inline bool mnp_cursor_accept(mnp_cursor_t *c, uint8_t b)
{
    if (c->error == 0 && c->pos < c->end && *c->pos == b) {
        c->pos++;
        return true;
    }
    return false;
}

#endif
