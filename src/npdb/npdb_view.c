/*
 * Publishing NPDB versions while readers run, by epochs. A reader announces the epoch it entered
 * in before it reads the current pointer; a publisher swaps the pointer, advances the epoch and
 * frees the old index only once every reader is either outside or announced the new epoch (and
 * so read the new pointer). Readers never wait; only the publisher does, for at most the length
 * of the longest read in progress.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "mnp/alloc.h"
#include "npdbInt.h"

struct mnp_npdb_reader {
    _Alignas(64) atomic_uint_fast64_t active; /* 0 outside, else the epoch it entered in */
    atomic_bool taken;
    mnp_npdb_view_t *view;
};

struct mnp_npdb_view {
    _Atomic(mnp_npdb_t *) current;
    atomic_uint_fast64_t epoch; /* starts at 1; 0 means "outside" in reader slots */
    pthread_mutex_t publish_lock;
    struct mnp_npdb_reader readers[MNP_NPDB_VIEW_READERS_MAX];
};

int mnp_npdb_view_new(mnp_npdb_t *db, mnp_npdb_view_t **out)
{
    mnp_npdb_view_t *v = aligned_alloc(64, sizeof(*v));
    if (v == NULL)
        return MNP_ENOMEM;
    atomic_init(&v->current, db);
    atomic_init(&v->epoch, 1);
    pthread_mutex_init(&v->publish_lock, NULL);
    for (size_t i = 0; i < MNP_NPDB_VIEW_READERS_MAX; i++) {
        atomic_init(&v->readers[i].active, 0);
        atomic_init(&v->readers[i].taken, false);
        v->readers[i].view = v;
    }
    *out = v;
    return 0;
}

void mnp_npdb_view_free(mnp_npdb_view_t *view)
{
    if (view == NULL)
        return;
    mnp_npdb_free(atomic_load(&view->current));
    pthread_mutex_destroy(&view->publish_lock);
    free(view);
}

int mnp_npdb_view_reader(mnp_npdb_view_t *view, mnp_npdb_reader_t **out)
{
    for (size_t i = 0; i < MNP_NPDB_VIEW_READERS_MAX; i++) {
        bool expected = false;
        if (atomic_compare_exchange_strong(&view->readers[i].taken, &expected, true)) {
            *out = &view->readers[i];
            return 0;
        }
    }
    return MNP_ELIMIT;
}

void mnp_npdb_view_reader_release(mnp_npdb_reader_t *r)
{
    atomic_store(&r->active, 0);
    atomic_store(&r->taken, false);
}

const mnp_npdb_t *mnp_npdb_view_enter(mnp_npdb_reader_t *r)
{
    /* The announcement must be visible before the pointer is read (store-load order), which
     * only sequentially consistent operations guarantee. */
    atomic_store(&r->active, atomic_load(&r->view->epoch));
    return atomic_load(&r->view->current);
}

void mnp_npdb_view_leave(mnp_npdb_reader_t *r)
{
    atomic_store_explicit(&r->active, 0, memory_order_release);
}

void mnp_npdb_view_publish(mnp_npdb_view_t *view, mnp_npdb_t *db)
{
    pthread_mutex_lock(&view->publish_lock);
    mnp_npdb_t *old = atomic_exchange(&view->current, db);
    uint_fast64_t next = atomic_fetch_add(&view->epoch, 1) + 1;
    for (size_t i = 0; i < MNP_NPDB_VIEW_READERS_MAX; i++) {
        struct mnp_npdb_reader *r = &view->readers[i];
        for (;;) {
            uint_fast64_t e = atomic_load(&r->active);
            if (e == 0 || e >= next)
                break;
            sched_yield();
        }
    }
    pthread_mutex_unlock(&view->publish_lock);
    mnp_npdb_free(old);
}
