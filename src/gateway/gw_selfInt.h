/*
 * Private to self-service (gw_self.c, gw_self_map.c): the bounded in-memory table that holds a
 * tenant's login codes (by number) and its sessions (by the hash of their token). An open-
 * addressing hash table with linear probing; an entry lives until its reclaim instant, after
 * which it is as good as absent and its slot is reused, or dropped when the table is rebuilt.
 * Not thread-safe: gw_self.c holds its tenant's mutex around every call.
 */
#ifndef MNP_GW_SELF_INT_H
#define MNP_GW_SELF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/gw_self.h"
#include "mnp/secret.h"

typedef struct gw_entry {
    bool used;                    /* the slot holds an entry, live or not (see reclaim_ms) */
    uint64_t key;                 /* codes: the number; sessions: the first 8 bytes of hash */
    int64_t reclaim_ms;           /* from this instant on the entry serves nothing */
    uint8_t hash[MNP_HASH_BYTES]; /* the keyed hash of the code (with the number), or token */
    uint64_t number;              /* E.164 */
    int64_t expires_ms;           /* the code's, or the session's */
    /* Codes only: when the last codes were sent, newest first (0: none), for the limits; the
     * current code's wrong tries; whether it still waits (neither used nor void). */
    int64_t sent_ms[MNP_GW_LOGIN_PER_WINDOW];
    unsigned fails;
    bool waiting;
} gw_entry_t;

typedef struct gw_map {
    gw_entry_t *slots;
    size_t cap;              /* a power of two, or 0 before the first entry */
    size_t used;             /* slots with used set */
    size_t max;              /* live entries at most */
    int64_t next_reclaim_ms; /* no entry's reclaim instant is earlier */
} gw_map_t;

/* An empty table for at most max live entries. */
void gw_map_init(gw_map_t *m, size_t max);

/* Frees the table, its slots wiped. */
void gw_map_fini(gw_map_t *m);

/* The live entry (reclaim_ms after now_ms) with key and, when hash is not NULL, that hash
 * (compared in constant time); NULL when none. The pointer is valid until the next add. */
gw_entry_t *gw_map_find(gw_map_t *m, uint64_t key, const uint8_t *hash, int64_t now_ms);

/* A new zeroed entry with key (used set, reclaim_ms 0: set it with gw_map_reclaim_at at once),
 * in a free slot or one whose entry is no longer live. When the table holds max entries, those
 * no longer live are reclaimed first (the table is rebuilt without them); NULL when it still
 * holds max live ones: a live entry is never pushed out. The caller has made sure no live
 * entry has the key, where that matters. Aborts on out of memory (the size is bounded by
 * max). */
gw_entry_t *gw_map_add(gw_map_t *m, uint64_t key, int64_t now_ms);

/* Sets e's reclaim instant (0: at once). */
void gw_map_reclaim_at(gw_map_t *m, gw_entry_t *e, int64_t at_ms);

#endif
