/*
 * The clearinghouse's NPDB master in the store (SPEC.md §5, §6): which operator serves each
 * ported number now, every change of every number since, and the snapshot file built from the
 * current rows for operators and lookup replicas that start over. A number without a row is not
 * ported and is served by its range holder. These are storage operations only: whether a change
 * is allowed (an order, the 120-day rule) is the workflow's decision, taken before it calls them
 * inside the same write transaction as the order's state change and the feed event. Numbers are
 * E.164 digits as an integer (see number.h); strings passed in are borrowed for the call; records
 * returned are copied into caller memory.
 */
#ifndef MNP_STORE_NPDB_H
#define MNP_STORE_NPDB_H

#include <stdint.h>

#include "mnp/error.h"
#include "mnp/npdb.h"
#include "mnp/store.h"

/* A ported number's current row. */
typedef struct mnp_npdb_rec {
    uint64_t number;
    char op[MNP_STORE_CODE_MAX]; /* serving operator's code */
    int64_t since_ms;            /* when it started serving the number */
    uint64_t seq;                /* feed seq of the change that made it so */
} mnp_npdb_rec_t;

/* One change of a number, as recorded in the history. */
typedef struct mnp_npdb_change {
    uint64_t number;
    char op[MNP_STORE_CODE_MAX]; /* who serves it from at_ms (the holder after a clear) */
    int64_t at_ms;
    int64_t order_id; /* the order that caused it; 0 for none */
    uint64_t seq;     /* feed seq of the change event */
} mnp_npdb_change_t;

/* The current row of number. MNP_ENOENT when the number is not ported (its range holder serves
 * it); *out is then untouched. */
int mnp_txn_npdb_get(mnp_txn_t *txn, uint64_t number, mnp_npdb_rec_t *out,
                     mnp_error_t *err) MNP_WUR;

/* From at_ms on, number is served by operator op (the row is inserted or replaced, since_ms =
 * at_ms) and the change is added to the history. order_id 0 means none (stored as NULL); seq is the
 * feed seq of the change event (appended by the caller in the same transaction). Write transactions
 * only. MNP_ERANGE for a number of 0 or more than 15 digits, MNP_EINVAL for an op that
 * is empty or longer than MNP_STORE_CODE_MAX - 1; nothing is written then. */
int mnp_txn_npdb_set(mnp_txn_t *txn, uint64_t number, const char *op, int64_t at_ms,
                     int64_t order_id, uint64_t seq, mnp_error_t *err) MNP_WUR;

/* From at_ms on, number is served again by its range holder: the row is removed and the history
 * records holder as its op. Arguments as mnp_txn_npdb_set. MNP_ENOENT when the number is
 * not ported (nothing is written). */
int mnp_txn_npdb_clear(mnp_txn_t *txn, uint64_t number, const char *holder, int64_t at_ms,
                       int64_t order_id, uint64_t seq, mnp_error_t *err) MNP_WUR;

/* Called for each change by mnp_txn_npdb_history; c is valid during the call only. Return 0 to go
 * on, anything else to stop. */
typedef int (*mnp_npdb_change_fn)(const mnp_npdb_change_t *c, void *arg);

/* Calls fn for every change of number in time order (ties in the order they were recorded).
 * Stops at and returns fn's first non-zero result; 0 otherwise (also when there is none). */
int mnp_txn_npdb_history(mnp_txn_t *txn, uint64_t number, mnp_npdb_change_fn fn, void *arg,
                         mnp_error_t *err) MNP_WUR;

/* The time of the latest change of number, whatever caused it (a port, a return, a reversal).
 * MNP_ENOENT when the number never changed. */
int mnp_txn_npdb_last_change(mnp_txn_t *txn, uint64_t number, int64_t *at_ms,
                             mnp_error_t *err) MNP_WUR;

/* The number of ported numbers. */
int mnp_txn_npdb_count(mnp_txn_t *txn, uint64_t *n, mnp_error_t *err) MNP_WUR;

/* Writes every current row into an NPDB snapshot file at path (atomically, see
 * mnp_npdb_builder_write), stamped with created_ms and with seq = the feed head as txn sees it,
 * so that a consumer loading the file continues the feed after that seq. Run it in a read
 * transaction: the rows and the seq then come from one consistent snapshot while writers go on.
 * *seq_out and stats may be NULL. Errors of the builder are returned as they are (MNP_ELIMIT:
 * more operators than the format can name; MNP_EINVAL: a code too long for it; MNP_EIO). */
int mnp_txn_npdb_snapshot(mnp_txn_t *txn, const char *path, int64_t created_ms, uint64_t *seq_out,
                          mnp_npdb_build_stats_t *stats, mnp_error_t *err) MNP_WUR;

/* mnp_txn_npdb_snapshot in one read snapshot of store (a consistent view while writers go on). */
int mnp_store_npdb_snapshot(mnp_store_t *store, const char *path, int64_t created_ms,
                            uint64_t *seq_out, mnp_npdb_build_stats_t *stats,
                            mnp_error_t *err) MNP_WUR;

#endif
