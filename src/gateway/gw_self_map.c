/*
 * The bounded table of self-service codes and sessions (gw_selfInt.h). Linear probing over a
 * power-of-two array kept at most half full. Entries are never moved out of a probe chain: one
 * that is no longer live stays in its slot (so later entries of the chain are still found) until
 * a new entry reuses the slot or the table is rebuilt, which happens when it grows and when it
 * is full of entries; a rebuild keeps the live ones only. A rebuild because the table is full
 * happens only once some entry can have expired (next_reclaim_ms), so a table full of live
 * entries answers "busy" without walking its slots each time.
 */
#include <stdlib.h>
#include <string.h>

#include "gw_selfInt.h"
#include "mnp/alloc.h"

#define CAP_MIN 16

static size_t slot_of(const gw_map_t *m, uint64_t key)
{
    /* Numbers are anything but random in their low bits: mix them (Fibonacci hashing). */
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (m->cap - 1);
}

static bool live(const gw_entry_t *e, int64_t now_ms)
{
    return e->used && e->reclaim_ms > now_ms;
}

void gw_map_init(gw_map_t *m, size_t max)
{
    memset(m, 0, sizeof(*m));
    m->max = max;
    m->next_reclaim_ms = INT64_MAX;
}

void gw_map_fini(gw_map_t *m)
{
    if (m->slots != NULL) {
        mnp_memzero(m->slots, m->cap * sizeof(*m->slots));
        free(m->slots);
    }
    m->slots = NULL;
    m->cap = m->used = 0;
}

gw_entry_t *gw_map_find(gw_map_t *m, uint64_t key, const uint8_t *hash, int64_t now_ms)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
        gw_entry_t *e = &m->slots[i];
        if (!e->used)
            return NULL;
        if (e->key == key && live(e, now_ms) &&
            (hash == NULL || mnp_ct_equal(e->hash, hash, MNP_HASH_BYTES)))
            return e;
    }
}

/* Rebuilds the table with the live entries only, in an array of at least twice their number
 * (and one more). */
static void rebuild(gw_map_t *m, int64_t now_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++)
        n += live(&m->slots[i], now_ms);
    size_t cap = CAP_MIN;
    while (cap < 2 * (n + 1))
        cap *= 2;
    gw_map_t next = {.slots = mnp_xcalloc(cap, sizeof(gw_entry_t)),
                     .cap = cap,
                     .max = m->max,
                     .next_reclaim_ms = INT64_MAX};
    for (size_t i = 0; i < m->cap; i++) {
        const gw_entry_t *e = &m->slots[i];
        if (!live(e, now_ms))
            continue;
        size_t k = slot_of(&next, e->key);
        while (next.slots[k].used)
            k = (k + 1) & (cap - 1);
        next.slots[k] = *e;
        next.used++;
        if (e->reclaim_ms < next.next_reclaim_ms)
            next.next_reclaim_ms = e->reclaim_ms;
    }
    gw_map_fini(m);
    *m = next;
}

gw_entry_t *gw_map_add(gw_map_t *m, uint64_t key, int64_t now_ms)
{
    bool full = m->used >= m->max;
    if ((full && now_ms >= m->next_reclaim_ms) || 2 * (m->used + 1) > m->cap)
        rebuild(m, now_ms);
    if (m->used >= m->max)
        return NULL;
    size_t i = slot_of(m, key);
    while (live(&m->slots[i], now_ms))
        i = (i + 1) & (m->cap - 1);
    gw_entry_t *e = &m->slots[i];
    m->used += !e->used;
    memset(e, 0, sizeof(*e));
    e->used = true;
    e->key = key;
    return e;
}

void gw_map_reclaim_at(gw_map_t *m, gw_entry_t *e, int64_t at_ms)
{
    e->reclaim_ms = at_ms;
    if (at_ms < m->next_reclaim_ms)
        m->next_reclaim_ms = at_ms;
}
