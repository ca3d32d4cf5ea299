/*
 * A group commit formed on purpose, for the store's tests: a first write holds the store's
 * writer inside its function until the other writes have queued behind it (seen through the
 * store's own queue count), so the test knows they run as one group, with no timing assumption.
 */
#ifndef MNP_TEST_GROUP_GATE_H
#define MNP_TEST_GROUP_GATE_H

#include <stddef.h>

#include "mnp/store.h"

/* One write of a test: what it runs and what the store answered. */
typedef struct test_write {
    mnp_store_fn fn;
    void *arg;
    int rc;
    mnp_error_t err;
} test_write_t;

/* Runs held first, alone (its fn once the others have queued), then writes[0..n) as one group
 * behind it, each from its own thread; returns when every write is answered. */
void test_group_run(mnp_store_t *s, test_write_t *held, test_write_t *writes, size_t n);

#endif
