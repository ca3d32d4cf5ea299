/*
 * Port orders, authorization codes and failed code attempts as the clearinghouse stores them
 * (SPEC.md §5, §7): plain data operations on mnp_txn_t (see store.h) for the port-order workflow,
 * which alone decides what a state change is. The store adds no business rule of its own beyond
 * what its schema keeps by itself: at most one open order (SUBMITTED .. BROADCASTING) per number,
 * and an update that applies only when the order is still in the state its caller read, so that
 * two writers never both move one order. Strings passed in are borrowed for the call; records
 * returned are copied into caller memory. Instants are milliseconds since the Unix epoch; 0 in an
 * optional field means "not set" (stored as NULL), so no optional instant can be 0 itself.
 */
#ifndef MNP_STORE_ORDERS_H
#define MNP_STORE_ORDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"
#include "mnp/numplan.h"
#include "mnp/order.h"
#include "mnp/store.h"

#define MNP_ORDER_CHANNEL_MAX     16   /* "sms", "app", "store" ..., with NUL */
#define MNP_ORDER_REASON_MAX      4    /* "C04", "D03"; "" when none; with NUL */
#define MNP_ORDER_REASON_TEXT_MAX 256  /* free text (D03 justification), with NUL */
#define MNP_ORDER_LIST_MAX        1000 /* most records one list or due call returns */
#define MNP_STORE_NUMBER_MAX      UINT64_C(999999999999999) /* 15 digits */

typedef struct mnp_order_rec {
    int64_t id;                                /* assigned by mnp_txn_order_insert */
    uint64_t number;                           /* E.164, 1 .. MNP_STORE_NUMBER_MAX */
    char recipient[MNP_STORE_CODE_MAX];        /* operator the number moves to; required */
    char donor[MNP_STORE_CODE_MAX];            /* operator serving it now */
    char holder[MNP_STORE_CODE_MAX];           /* range holder */
    char local_network[MNP_LOCAL_NETWORK_MAX]; /* "0731" */
    char channel[MNP_ORDER_CHANNEL_MAX];       /* how the subscriber asked */
    mnp_order_state_t state;
    char reason[MNP_ORDER_REASON_MAX];           /* "" or a 3-character code */
    char reason_text[MNP_ORDER_REASON_TEXT_MAX]; /* "" when none */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t donor_deadline_ms; /* the donor's answer window closes (PENDING_DONOR timer) */
    int64_t donor_answer_ms;   /* when the donor answered, or its silence was recorded */
    bool donor_silent;         /* accepted by silence */
    int64_t cutover_ms;        /* SCHEDULED timer */
    int64_t npdb_seq;          /* feed sequence of the NPDB change */
    int64_t active_ms;
    int64_t closed_ms; /* reached a final state */
} mnp_order_rec_t;

/* Inserts rec as a new order (rec->id is ignored) and sets rec->id. Strings must fit their
 * arrays, recipient must not be empty, reason must be "" or 3 characters, number in range, state
 * a value of mnp_order_state_t (MNP_EINVAL otherwise, nothing written). MNP_EEXIST when the
 * number already has an open order and rec's state is open too (RULE §5: at most one open order
 * per number). Write transactions only (MNP_EINTERNAL otherwise). */
int mnp_txn_order_insert(mnp_txn_t *txn, mnp_order_rec_t *rec, mnp_error_t *err) MNP_WUR;

/* Reads order id into *out. MNP_ENOENT when there is none. */
int mnp_txn_order_get(mnp_txn_t *txn, int64_t id, mnp_order_rec_t *out, mnp_error_t *err) MNP_WUR;

/* Reads the open order (SUBMITTED .. BROADCASTING) of number into *out. MNP_ENOENT when the
 * number has none. */
int mnp_txn_order_open_for(mnp_txn_t *txn, uint64_t number, mnp_order_rec_t *out,
                           mnp_error_t *err) MNP_WUR;

/* Writes every mutable field of rec (state, reason, reason_text, updated_ms, donor_deadline_ms,
 * donor_answer_ms, donor_silent, cutover_ms, npdb_seq, active_ms, closed_ms) into order rec->id,
 * only if its stored state is still expected_state. The other fields of rec (number, operators,
 * local network, channel, created_ms) are not written. MNP_EBUSY when the stored state is another
 * one (someone changed the order first; nothing written), MNP_ENOENT when there is no such order,
 * MNP_EINVAL for fields as in mnp_txn_order_insert, MNP_EEXIST when rec's state would open an
 * order while the number already has another open one. Write transactions only. */
int mnp_txn_order_update(mnp_txn_t *txn, const mnp_order_rec_t *rec,
                         mnp_order_state_t expected_state, mnp_error_t *err) MNP_WUR;

/* Which side of an order operator_code must be on, in mnp_order_filter_t. */
typedef enum mnp_order_role {
    MNP_ORDER_ROLE_ANY = 0, /* recipient or donor */
    MNP_ORDER_ROLE_RECIPIENT = 1,
    MNP_ORDER_ROLE_DONOR = 2,
} mnp_order_role_t;

/* Which orders mnp_txn_order_list returns. */
typedef struct mnp_order_filter {
    const char *operator_code; /* orders where it is recipient or donor; NULL: every operator */
    mnp_order_role_t role;     /* narrows operator_code to one side; needs operator_code */
    mnp_order_state_t state;   /* 0: any state */
    uint64_t number;           /* 0: any number */
    int64_t after_id;          /* only ids above it (pagination); 0 from the start */
    unsigned limit;            /* 1 .. MNP_ORDER_LIST_MAX */
} mnp_order_filter_t;

/* Called for each order by the list functions; o is valid only during the call. Return 0 to go
 * on, anything else to stop. fn may run any other operation on the same transaction (including
 * mnp_txn_order_update of the order it was given): the rows are read before the first call. */
typedef int (*mnp_order_each_fn)(const mnp_order_rec_t *o, void *arg);

/* Calls fn for at most f->limit orders matching f, in ascending id; a caller pages with after_id
 * = the last id it saw until fewer than limit come back. Each combination reads an index range
 * (by number, by recipient, by donor, or by id), never the whole table for a narrow filter.
 * Stops at and returns fn's first non-zero result; 0 otherwise. MNP_EINVAL for a limit out of
 * range, an operator code too long, or a role that is not one or has no operator code. */
int mnp_txn_order_list(mnp_txn_t *txn, const mnp_order_filter_t *f, mnp_order_each_fn fn, void *arg,
                       mnp_error_t *err) MNP_WUR;

/* counts[state] = the number of orders in each state (index 0 unused). */
int mnp_txn_order_count_by_state(mnp_txn_t *txn, uint64_t counts[MNP_ORDER_STATE_COUNT],
                                 mnp_error_t *err) MNP_WUR;

/* Calls fn for at most limit (1 .. MNP_ORDER_LIST_MAX) orders whose timer has come at now_ms:
 * PENDING_DONOR with donor_deadline_ms <= now_ms, SCHEDULED with cutover_ms <= now_ms, and every
 * ACCEPTED order (it waits to be scheduled; its instant is updated_ms). Oldest instant first,
 * then by id. Stops at and returns fn's first non-zero result. */
int mnp_txn_order_due(mnp_txn_t *txn, int64_t now_ms, size_t limit, mnp_order_each_fn fn, void *arg,
                      mnp_error_t *err) MNP_WUR;

/* ---- authorization codes (only keyed hashes, SPEC §7) ------------------------------------ */

typedef struct mnp_authcode_rec {
    uint64_t number;                       /* E.164; one code per number */
    char donor[MNP_STORE_CODE_MAX];        /* operator that issued it; required */
    uint8_t id_hash[MNP_STORE_HASH_BYTES]; /* keyed hash of the owner's identity number */
    uint8_t code_hash[MNP_STORE_HASH_BYTES];
    int64_t issued_ms;
    int64_t expires_ms;
    int64_t used_ms;       /* 0: not used */
    int64_t used_by_order; /* 0: not used */
} mnp_authcode_rec_t;

/* Stores rec as the code of rec->number, replacing any earlier code of that number, used or
 * not ("a new request replaces the old code"). MNP_EINVAL for a number out of range or a donor
 * empty or too long. Write transactions only. */
int mnp_txn_authcode_put(mnp_txn_t *txn, const mnp_authcode_rec_t *rec, mnp_error_t *err) MNP_WUR;

/* Reads the code of number into *out. MNP_ENOENT when the number has none. */
int mnp_txn_authcode_get(mnp_txn_t *txn, uint64_t number, mnp_authcode_rec_t *out,
                         mnp_error_t *err) MNP_WUR;

/* Records that order_id (> 0) used the code of number at at_ms (non-zero). MNP_EBUSY when the
 * code was already used (nothing written), MNP_ENOENT when the number has no code. Write
 * transactions only. */
int mnp_txn_authcode_mark_used(mnp_txn_t *txn, uint64_t number, int64_t order_id, int64_t at_ms,
                               mnp_error_t *err) MNP_WUR;

/* ---- failed code attempts (SPEC §7: at most 5 wrong attempts per number per hour) --------- */

/* Records one wrong attempt for number at at_ms. Write transactions only. */
int mnp_txn_code_failure_add(mnp_txn_t *txn, uint64_t number, int64_t at_ms,
                             mnp_error_t *err) MNP_WUR;

/* Puts in *count the wrong attempts recorded for number at or after since_ms. */
int mnp_txn_code_failures_since(mnp_txn_t *txn, uint64_t number, int64_t since_ms, uint64_t *count,
                                mnp_error_t *err) MNP_WUR;

/* Forgets every attempt (of every number) recorded before before_ms. Scans the table: for
 * periodic housekeeping, not per request. Write transactions only. */
int mnp_txn_code_failures_prune(mnp_txn_t *txn, int64_t before_ms, mnp_error_t *err) MNP_WUR;

#endif
