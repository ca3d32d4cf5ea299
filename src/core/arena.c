/*
 * The per-request arena: a list of chunks, each handing out memory by bumping an offset. Every
 * allocation is rounded up to max_align_t so that the next one starts aligned too, and that
 * rounding counts against the limit (used_bytes is what the arena has promised, padding
 * included). A large allocation gets a chunk of its own, placed behind the current chunk so
 * that small allocations keep filling the current one.
 */
#include "mnp/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN         alignof(max_align_t)
#define ARENA_DEFAULT_CHUNK 4096

struct mnp_arena_chunk {
    mnp_arena_chunk_t *next;
    size_t size; /* usable bytes after the header */
    size_t used;
};

/* The header rounded up, so a chunk's usable memory starts aligned (malloc's result is). */
#define CHUNK_HDR ((sizeof(mnp_arena_chunk_t) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))

static unsigned char *chunk_mem(mnp_arena_chunk_t *c)
{
    return (unsigned char *)c + CHUNK_HDR;
}

void mnp_arena_init(mnp_arena_t *a, size_t chunk_bytes, size_t max_bytes)
{
    a->head = NULL;
    a->used_bytes = 0;
    a->max_bytes = max_bytes;
    a->chunk_bytes = chunk_bytes ? chunk_bytes : ARENA_DEFAULT_CHUNK;
}

static void free_chunks(mnp_arena_chunk_t *c)
{
    while (c != NULL) {
        mnp_arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
}

void mnp_arena_fini(mnp_arena_t *a)
{
    free_chunks(a->head);
    a->head = NULL;
    a->used_bytes = 0;
}

void mnp_arena_reset(mnp_arena_t *a)
{
    /* Keep one standard-size chunk (the oldest such), which is all a typical request needs; a
     * big allocation's own chunk is not worth keeping. */
    mnp_arena_chunk_t *keep = NULL, *c = a->head;
    while (c != NULL) {
        mnp_arena_chunk_t *next = c->next;
        if (c->size == a->chunk_bytes) {
            if (keep != NULL)
                free(keep);
            keep = c;
        } else {
            free(c);
        }
        c = next;
    }
    if (keep != NULL) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->used_bytes = 0;
}

static mnp_arena_chunk_t *chunk_new(size_t size)
{
    if (size > SIZE_MAX - CHUNK_HDR)
        return NULL;
    mnp_arena_chunk_t *c = malloc(CHUNK_HDR + size);
    if (c == NULL)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void *mnp_arena_alloc(mnp_arena_t *a, size_t size)
{
    /* Size 0 still takes one aligned slot, so every pointer returned is unique. */
    if (size > SIZE_MAX - (ARENA_ALIGN - 1))
        return NULL;
    size_t rounded = size ? (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1) : ARENA_ALIGN;
    if (rounded > a->max_bytes - a->used_bytes)
        return NULL;

    mnp_arena_chunk_t *c = a->head;
    if (c == NULL || rounded > c->size - c->used) {
        if (rounded > a->chunk_bytes / 4) {
            /* Big: its own chunk of exactly this size, behind the current one. */
            mnp_arena_chunk_t *big = chunk_new(rounded);
            if (big == NULL)
                return NULL;
            big->used = rounded;
            if (c != NULL) {
                big->next = c->next;
                c->next = big;
            } else {
                a->head = big;
            }
            a->used_bytes += rounded;
            return chunk_mem(big);
        }
        c = chunk_new(a->chunk_bytes);
        if (c == NULL)
            return NULL;
        c->next = a->head;
        a->head = c;
    }
    void *p = chunk_mem(c) + c->used;
    c->used += rounded;
    a->used_bytes += rounded;
    return p;
}

char *mnp_arena_strndup(mnp_arena_t *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = mnp_arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
