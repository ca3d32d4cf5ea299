/*
 * The clearinghouse's change feed in the store (SPEC.md §5, §6): every NPDB change and every
 * order event gets the next sequence number, with no gaps, in the same write transaction as the
 * change itself; operators and lookup replicas read the feed after the last seq they applied and
 * acknowledge what they applied. A broadcast is complete when every operator's acknowledgement
 * reaches its event's seq. Storage only: who must acknowledge, and what is retried and reported,
 * is the workflow's business. Strings passed in are borrowed for the call.
 */
#ifndef MNP_STORE_FEED_H
#define MNP_STORE_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"
#include "mnp/store.h"

#define MNP_FEED_CONSUMER_MAX 64 /* consumer name, with NUL */

typedef enum mnp_feed_kind {
    MNP_FEED_NPDB = 1, /* a number changed operator */
    MNP_FEED_ORDER = 2 /* an order changed state */
} mnp_feed_kind_t;

/* One event. In mnp_txn_feed_append, body is borrowed for the call; in an mnp_feed_each_fn,
 * body points into the database row and is valid only during the call (copy what you keep). */
typedef struct mnp_feed_event {
    uint64_t seq;
    int64_t at_ms;
    mnp_feed_kind_t kind;
    int64_t order_id;            /* 0: none */
    uint64_t number;             /* 0: none */
    char op[MNP_STORE_CODE_MAX]; /* operator code; "": none */
    int state;                   /* order state (order.h); 0: none */
    const char *body;            /* JSON text the consumers receive; never NULL */
} mnp_feed_event_t;

/* Appends ev (ev->seq is ignored) inside txn, a write transaction, as seq = the feed head as txn
 * sees it + 1, so that seqs are consecutive however writes are grouped: appends earlier in the
 * group are seen, a rolled-back one is not. *seq_out (may be NULL) receives the seq. MNP_EINVAL
 * (nothing written) for an unknown kind, a NULL body or an op that does not end within its array;
 * MNP_ERANGE for a number of more than 15 digits. */
int mnp_txn_feed_append(mnp_txn_t *txn, const mnp_feed_event_t *ev, uint64_t *seq_out,
                        mnp_error_t *err) MNP_WUR;

/* The seq of the last event as txn sees it; 0 when the feed is empty. */
int mnp_txn_feed_head(mnp_txn_t *txn, uint64_t *seq, mnp_error_t *err) MNP_WUR;

/* Called for each event by mnp_txn_feed_each; see mnp_feed_event_t for how long ev lives. Return
 * 0 to go on, anything else to stop. */
typedef int (*mnp_feed_each_fn)(const mnp_feed_event_t *ev, void *arg);

/* Calls fn for at most limit events with seq > after_seq in seq order (limit 0: no limit). Stops
 * at and returns fn's first non-zero result; 0 otherwise, or a store error. */
int mnp_txn_feed_each(mnp_txn_t *txn, uint64_t after_seq, unsigned limit, mnp_feed_each_fn fn,
                      void *arg, mnp_error_t *err) MNP_WUR;

/* ---- consumers and their acknowledgements -------------------------------------------------- */

typedef struct mnp_consumer_rec {
    char name[MNP_FEED_CONSUMER_MAX];
    uint64_t acked_seq; /* everything up to here is applied */
    int64_t acked_ms;   /* when that was acknowledged; 0 when never */
} mnp_consumer_rec_t;

/* Records that consumer name (1 to MNP_FEED_CONSUMER_MAX - 1 bytes, else MNP_EINVAL) applied
 * every event up to seq, at at_ms; the first acknowledgement registers the consumer. An
 * acknowledgement never moves backwards: a seq not above the recorded one is accepted and
 * ignored (returns 0, nothing changes). MNP_ERANGE for a seq beyond the feed head. Write
 * transactions only. */
int mnp_txn_consumer_ack(mnp_txn_t *txn, const char *name, uint64_t seq, int64_t at_ms,
                         mnp_error_t *err) MNP_WUR;

/* The seq consumer name has acknowledged; 0 for a consumer that never acknowledged. */
int mnp_txn_consumer_get(mnp_txn_t *txn, const char *name, uint64_t *acked,
                         mnp_error_t *err) MNP_WUR;

/* Calls fn for every known consumer in name order (c valid during the call only); stops at and
 * returns fn's first non-zero result. */
int mnp_txn_consumer_each(mnp_txn_t *txn, int (*fn)(const mnp_consumer_rec_t *c, void *arg),
                          void *arg, mnp_error_t *err) MNP_WUR;

/* The lowest seq acknowledged by the n consumers names[0..n), unknown ones counting as 0: an
 * event with seq <= *min has reached all of them. With n == 0 (nobody to wait for) *min is the
 * feed head. */
int mnp_txn_consumers_min_acked(mnp_txn_t *txn, const char *const names[], size_t n, uint64_t *min,
                                mnp_error_t *err) MNP_WUR;

#endif
