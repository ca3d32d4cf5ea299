/*
 * What a clearinghouse store must satisfy whatever happened to the daemon that wrote it (SPEC.md
 * §5, §6, §8), read back from the store in one snapshot: the audit log's hash chain verifies;
 * each order's state changes, as the audit log tells them, are a path of the state machine made
 * by the actors allowed to make them, ending in the state the order has; no number has two open
 * orders; and the NPDB is exactly the replay of the log's "npdb.change" records (a number given
 * back to its range holder has no row). A test loads this view after its workload and checks it,
 * then checks its own acknowledged requests against the orders and numbers it holds.
 */
#ifndef MNP_TEST_CH_CHECK_H
#define MNP_TEST_CH_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/audit.h"
#include "mnp/order.h"
#include "mnp/store.h"
#include "mnp/store_feed.h"
#include "mnp/store_orders.h"

#define TEST_CH_PATH_MAX     12 /* state changes kept per order; more is itself a violation */
#define TEST_CH_PROBLEMS_MAX 8  /* violations kept with their description */
#define TEST_CH_PROBLEM_LEN  240
#define TEST_CH_CONSUMERS    8

/* One state change of an order, from its audit record. */
typedef struct test_ch_step {
    mnp_order_state_t state;
    bool silent; /* "silent":true: the donor's silence was taken as consent */
    char actor[MNP_AUDIT_ACTOR_MAX + 1];
    char reason[MNP_ORDER_REASON_MAX];
} test_ch_step_t;

/* An order as stored, with its audited path. */
typedef struct test_ch_order {
    bool exists;
    mnp_order_rec_t rec;
    test_ch_step_t path[TEST_CH_PATH_MAX];
    unsigned steps;
} test_ch_order_t;

/* What the store and its audit log say about one number. */
typedef struct test_ch_number {
    uint64_t number;                    /* E.164; 0 marks a free slot of the table */
    char replay_op[MNP_STORE_CODE_MAX]; /* serving operator by the replay; "" its range holder */
    unsigned npdb_changes;              /* "npdb.change" records */
    unsigned code_registrations;        /* "authcode.registered" records */
    bool code_row;                      /* an authorization code row exists */
    int64_t code_used_by;               /* the order that used it; 0 when unused */
    unsigned open_orders;               /* orders in an open state */
    char last_change_op[MNP_STORE_CODE_MAX]; /* operator of the last "npdb.change" record */
} test_ch_number_t;

/* A feed consumer's acknowledged position. */
typedef struct test_ch_consumer {
    char name[MNP_FEED_CONSUMER_MAX];
    uint64_t acked;
} test_ch_consumer_t;

typedef struct test_ch_world {
    test_ch_order_t *orders; /* indexed by order id; [0] unused */
    size_t order_slots;      /* highest id + 1 */
    size_t order_count;
    test_ch_number_t *numbers; /* open-addressing table of number_slots entries */
    size_t number_slots;
    size_t number_count;
    test_ch_consumer_t consumers[TEST_CH_CONSUMERS];
    size_t consumer_count;
    uint64_t audit_records;
    uint64_t npdb_changes;
    uint64_t npdb_rows;
    uint64_t feed_head;
    /* Violations found: problem_count of them, the first TEST_CH_PROBLEMS_MAX described. */
    unsigned problem_count;
    char problems[TEST_CH_PROBLEMS_MAX][TEST_CH_PROBLEM_LEN];
} test_ch_world_t;

/* Reads the store (orders, the whole audit log, the NPDB, codes, consumers) in one read
 * snapshot and checks everything the header comment lists, recording each violation in w.
 * Returns 0 (violations or not), or the store's error with err set. Free with
 * test_ch_world_free, also after a failure. */
int test_ch_world_load(mnp_store_t *store, test_ch_world_t *w, mnp_error_t *err) MNP_WUR;

void test_ch_world_free(test_ch_world_t *w);

/* The order with id, or NULL when the store has none. */
const test_ch_order_t *test_ch_world_order(const test_ch_world_t *w, int64_t id);

/* The number's entry, or NULL when neither the orders nor the audit log mention it. */
const test_ch_number_t *test_ch_world_number(const test_ch_world_t *w, uint64_t number);

/* What consumer acknowledged; 0 when it never did. */
uint64_t test_ch_world_acked(const test_ch_world_t *w, const char *consumer);

/* True when o's audited path reached state s (at any step). With actor not NULL, only a step
 * made by that actor counts; with not_silent, only one that was not the donor's silence. */
bool test_ch_order_reached(const test_ch_order_t *o, mnp_order_state_t s, const char *actor,
                           bool not_silent);

/* Records a violation found by the caller in w (printf-style description). */
void test_ch_world_problem(test_ch_world_t *w, const char *fmt, ...) MNP_PRINTF(2, 3);

#endif
