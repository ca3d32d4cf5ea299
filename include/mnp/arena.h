/*
 * A per-request arena: many small allocations, one release. Memory comes in chunks; nothing is
 * freed individually. A limit bounds the total, so input-driven allocations fail cleanly (NULL)
 * instead of exhausting the process.
 */
#ifndef MNP_ARENA_H
#define MNP_ARENA_H

#include <stddef.h>

typedef struct mnp_arena_chunk mnp_arena_chunk_t;

typedef struct mnp_arena {
    mnp_arena_chunk_t *head; /* newest chunk first; owned */
    size_t used_bytes;       /* bytes handed out (with alignment padding) */
    size_t max_bytes;        /* used_bytes never exceeds this */
    size_t chunk_bytes;      /* default chunk size */
} mnp_arena_t;

/* Initialises an empty arena that hands out at most max_bytes in total, in chunks of chunk_bytes
 * (0 picks 4096). Caller-allocated; release with mnp_arena_fini. */
void mnp_arena_init(mnp_arena_t *a, size_t chunk_bytes, size_t max_bytes);

/* Frees every chunk. */
void mnp_arena_fini(mnp_arena_t *a);

/* Releases everything handed out, keeping the first chunk for reuse. */
void mnp_arena_reset(mnp_arena_t *a);

/* Returns size bytes aligned for any type, valid until reset/fini; NULL when the limit would be
 * passed or memory is exhausted. size 0 returns a unique non-NULL pointer. */
void *mnp_arena_alloc(mnp_arena_t *a, size_t size);

/* Copies len bytes of s into the arena and NUL-terminates; NULL on limit. */
char *mnp_arena_strndup(mnp_arena_t *a, const char *s, size_t len);

#endif
