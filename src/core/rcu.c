/*
 * rcu.h by epochs. A reader announces the epoch it entered in before it reads the current
 * pointer; a publisher swaps the pointer, advances the epoch and destroys the old object only
 * once every reader is either outside or announced the new epoch (and so read the new pointer).
 * Readers never wait; only the publisher does, for at most the longest read in progress.
 */
#include "mnp/rcu.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct mnp_rcu_reader {
    _Alignas(64) atomic_uint_fast64_t active; /* 0 outside, else the epoch it entered in */
    atomic_bool taken;
    mnp_rcu_t *rcu;
};

struct mnp_rcu {
    _Atomic(void *) current;
    atomic_uint_fast64_t epoch; /* starts at 1; 0 means "outside" in reader slots */
    mnp_rcu_free_fn free_obj;
    pthread_mutex_t publish_lock;
    struct mnp_rcu_reader readers[MNP_RCU_READERS_MAX];
};

int mnp_rcu_new(void *obj, mnp_rcu_free_fn free_obj, mnp_rcu_t **out)
{
    mnp_rcu_t *r = aligned_alloc(64, sizeof(*r));
    if (r == NULL)
        return MNP_ENOMEM;
    atomic_init(&r->current, obj);
    atomic_init(&r->epoch, 1);
    r->free_obj = free_obj;
    pthread_mutex_init(&r->publish_lock, NULL);
    for (size_t i = 0; i < MNP_RCU_READERS_MAX; i++) {
        atomic_init(&r->readers[i].active, 0);
        atomic_init(&r->readers[i].taken, false);
        r->readers[i].rcu = r;
    }
    *out = r;
    return 0;
}

void mnp_rcu_free(mnp_rcu_t *rcu)
{
    if (rcu == NULL)
        return;
    void *obj = atomic_load(&rcu->current);
    if (obj != NULL)
        rcu->free_obj(obj);
    pthread_mutex_destroy(&rcu->publish_lock);
    free(rcu);
}

int mnp_rcu_reader(mnp_rcu_t *rcu, mnp_rcu_reader_t **out)
{
    for (size_t i = 0; i < MNP_RCU_READERS_MAX; i++) {
        bool expected = false;
        if (atomic_compare_exchange_strong(&rcu->readers[i].taken, &expected, true)) {
            *out = &rcu->readers[i];
            return 0;
        }
    }
    return MNP_ELIMIT;
}

void mnp_rcu_reader_release(mnp_rcu_reader_t *r)
{
    atomic_store(&r->active, 0);
    atomic_store(&r->taken, false);
}

void *mnp_rcu_enter(mnp_rcu_reader_t *r)
{
    /* The announcement must be visible before the pointer is read (store-load order), which
     * only sequentially consistent operations guarantee. */
    atomic_store(&r->active, atomic_load(&r->rcu->epoch));
    return atomic_load(&r->rcu->current);
}

void mnp_rcu_leave(mnp_rcu_reader_t *r)
{
    atomic_store_explicit(&r->active, 0, memory_order_release);
}

void *mnp_rcu_current(mnp_rcu_t *rcu)
{
    return atomic_load(&rcu->current);
}

void mnp_rcu_publish(mnp_rcu_t *rcu, void *obj)
{
    pthread_mutex_lock(&rcu->publish_lock);
    void *old = atomic_exchange(&rcu->current, obj);
    uint_fast64_t next = atomic_fetch_add(&rcu->epoch, 1) + 1;
    for (size_t i = 0; i < MNP_RCU_READERS_MAX; i++) {
        struct mnp_rcu_reader *r = &rcu->readers[i];
        for (;;) {
            uint_fast64_t e = atomic_load(&r->active);
            if (e == 0 || e >= next)
                break;
            sched_yield();
        }
    }
    pthread_mutex_unlock(&rcu->publish_lock);
    if (old != NULL)
        rcu->free_obj(old);
}
