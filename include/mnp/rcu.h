/*
 * Read-copy-update of one pointer: readers take no lock and never wait, a publisher swaps in a
 * new object and destroys the old one once no reader can still hold it. Used for everything the
 * lookup service answers from (an NPDB index, a replica's table version) while updates arrive.
 *
 * Readers register once per thread (a reader slot) and bracket each use with enter/leave; enter
 * announces the epoch the reader entered in before it reads the pointer, so the publisher, after
 * the swap, waits only for readers still inside an older epoch, at most the length of the
 * longest read in progress.
 */
#ifndef MNP_RCU_H
#define MNP_RCU_H

#include "mnp/error.h"

#define MNP_RCU_READERS_MAX 256

typedef struct mnp_rcu mnp_rcu_t;
typedef struct mnp_rcu_reader mnp_rcu_reader_t;

/* Destroys an object that no reader can see any more (obj is never NULL). */
typedef void (*mnp_rcu_free_fn)(void *obj);

/* A cell holding obj (owned; may be NULL for "nothing yet"), destroyed with free_obj. */
int mnp_rcu_new(void *obj, mnp_rcu_free_fn free_obj, mnp_rcu_t **out) MNP_WUR;

/* Frees the cell and the object it holds. No reader may be registered. */
void mnp_rcu_free(mnp_rcu_t *rcu);

/* A reader slot for the calling thread; MNP_ELIMIT when all MNP_RCU_READERS_MAX are taken. */
int mnp_rcu_reader(mnp_rcu_t *rcu, mnp_rcu_reader_t **out) MNP_WUR;

/* Returns the slot. The reader must not be inside. */
void mnp_rcu_reader_release(mnp_rcu_reader_t *r);

/* Starts a read: the current object (possibly NULL), valid until mnp_rcu_leave. Never blocks. */
void *mnp_rcu_enter(mnp_rcu_reader_t *r);
void mnp_rcu_leave(mnp_rcu_reader_t *r);

/* The current object as the publisher sees it (publishers only: no reader protection). */
void *mnp_rcu_current(mnp_rcu_t *rcu);

/* Makes obj (owned from now on) the current object, waits until no reader still uses the
 * previous one, and destroys it. Publishers are serialised internally. */
void mnp_rcu_publish(mnp_rcu_t *rcu, void *obj);

#endif
