/*
 * The number plan and the routing numbers as the clearinghouse stores them (SPEC.md §2): the
 * blocks (7-digit prefixes with their range holder and local network) and one routing number per
 * (operator, local network). Both are imported whole: an import replaces the stored set in the
 * caller's transaction and reports what it added, removed and changed, so that an administrator
 * sees what a new file did. These are domain operations on mnp_txn_t (see store.h); strings
 * passed in are borrowed for the call, strings returned are copied into the caller's records.
 */
#ifndef MNP_STORE_NUMPLAN_H
#define MNP_STORE_NUMPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/numplan.h"
#include "mnp/routing.h"
#include "mnp/store.h"

/* What a full replacement did, compared with what was stored before. */
typedef struct mnp_store_diff {
    size_t added;     /* keys that were not stored */
    size_t removed;   /* stored keys the new set does not have */
    size_t changed;   /* keys stored with other values */
    size_t unchanged; /* keys stored with the same values */
} mnp_store_diff_t;

typedef struct mnp_block_rec {
    uint32_t block;                  /* 7-digit national prefix, 1000000..1999999 */
    char holder[MNP_STORE_CODE_MAX]; /* range holder's operator code */
    char local_network[MNP_LOCAL_NETWORK_MAX];
} mnp_block_rec_t;

/* Replaces every stored block with plan's blocks (the plan validated them when it loaded them).
 * Writes only the rows that differ. *diff (may be NULL) receives the counts. Write transactions
 * only (MNP_EINTERNAL otherwise). */
int mnp_txn_blocks_replace(mnp_txn_t *txn, const mnp_numplan_t *plan, mnp_store_diff_t *diff,
                           mnp_error_t *err) MNP_WUR;

/* Finds one block. MNP_ENOENT when it is not stored. */
int mnp_txn_block_get(mnp_txn_t *txn, uint32_t block, mnp_block_rec_t *out,
                      mnp_error_t *err) MNP_WUR;

/* The number of stored blocks. */
int mnp_txn_block_count(mnp_txn_t *txn, size_t *out, mnp_error_t *err) MNP_WUR;

/* Replaces every stored routing number with table's entries. Each entry is checked again
 * (mnp_routing_entry_check: MNP_EINVAL), its operator must be in the operators table (MNP_ENOENT)
 * and a pair (operator, local network) may appear once (MNP_EEXIST); the first problem refuses
 * the whole table, err naming the entry's line when it has one ("routing.csv: line 3: ...").
 * *diff (may be NULL) receives the counts. Write transactions only. The table is not changed. */
int mnp_txn_routing_replace(mnp_txn_t *txn, const mnp_routing_table_t *table,
                            mnp_store_diff_t *diff, mnp_error_t *err) MNP_WUR;

/* The routing number of operator_code in local_network; out->line is 0. MNP_ENOENT when there is
 * none. */
int mnp_txn_routing_get(mnp_txn_t *txn, const char *operator_code, const char *local_network,
                        mnp_routing_entry_t *out, mnp_error_t *err) MNP_WUR;

/* Calls fn for every stored routing number, ordered by operator code then local network; stops at
 * and returns fn's first non-zero result. */
int mnp_txn_routing_each(mnp_txn_t *txn, int (*fn)(const mnp_routing_entry_t *e, void *arg),
                         void *arg, mnp_error_t *err) MNP_WUR;

#endif
