/*
 * Private to the clearinghouse workflow: the handle and the helpers its request files share —
 * setting an outcome, finding who serves a number now, and writing the audit record and feed
 * event that go with every change.
 */
#ifndef MNP_CH_INT_H
#define MNP_CH_INT_H

#include <pthread.h>

#include "mnp/buf.h"
#include "mnp/clearinghouse.h"
#include "mnp/number.h"
#include "mnp/order.h"
#include "mnp/store_orders.h"

struct mnp_ch {
    mnp_store_t *store;
    const mnp_hash_key_t *key;
    const mnp_clock_t *clock;
    int64_t donor_window_ms;
    int64_t cutover_step_ms; /* 0: immediate */
    int64_t ack_timeout_ms;
    mnp_numplan_t *plan;     /* built-in network codes: number types and range holders */
    /* Long polls of the feed wait here for any write to finish. */
    pthread_mutex_t wake_mu;
    pthread_cond_t wake_cv;
    uint64_t writes; /* under wake_mu: completed writes, so a waiter knows to read again */
    void (*on_due)(void *arg);
    void *on_due_arg;
};

/* Tells the process a timer may be due now (clearinghouse.h: on_due). */
static inline void ch_due(const mnp_ch_t *ch)
{
    if (ch->on_due != NULL)
        ch->on_due(ch->on_due_arg);
}

/* mnp_store_write on the workflow's store, then wakes the feed's long polls. */
int ch_write(mnp_ch_t *ch, mnp_store_fn fn, void *arg, mnp_error_t *err);

/* Moves order o (as read in txn) by event ev caused by actor: checks the state machine, sets the
 * new state and updated_ms (and closed_ms for a final state), writes it only if the stored state
 * is still o's, and appends the feed event and the audit record ("order.state": the order as the
 * feed tells it, with detail_extra members added). MNP_EBUSY when the order moved meanwhile; MNP_EINVAL
 * (err set) when the state machine refuses. *o holds the new state on success. */
int ch_move(mnp_txn_t *txn, mnp_order_rec_t *o, mnp_order_event_t ev, mnp_actor_t actor,
            const char *actor_name, int64_t now_ms, const char *detail_extra, mnp_error_t *err);

/* Appends the feed event telling o's current state and the audit record of action (its detail
 * the same JSON, with detail_extra members such as "\"silent\":true" added when not NULL). */
int ch_announce(mnp_txn_t *txn, const mnp_order_rec_t *o, const char *actor_name, int64_t now_ms,
                const char *action, const char *detail_extra, mnp_error_t *err);

/* Makes op serve o's number from now_ms (the range holder: the NPDB forgets the number) and
 * announces the change on the feed; the feed seq is stored with the NPDB row. */
int ch_npdb_change(mnp_txn_t *txn, const mnp_order_rec_t *o, const char *op, int64_t now_ms,
                   mnp_error_t *err);

/* Fills out as done with status. */
void ch_done(mnp_ch_outcome_t *out, int status, int64_t order_id);

/* Fills out as refused with status, code and a formatted detail. */
void ch_refuse(mnp_ch_outcome_t *out, int status, const char *code, const char *fmt, ...)
    MNP_PRINTF(4, 5);

/* Parses what a request says about the subscriber and hashes the identity, and the code bound
 * to the number and identity (SPEC §3.2). Returns true with *num, id_hash and code_hash filled,
 * or false with out refused as 400 C08: a malformed request changes nothing. */
bool ch_subscriber(const mnp_ch_t *ch, const char *number, const char *identity, const char *code,
                   mnp_number_t *num, uint8_t id_hash[MNP_HASH_BYTES],
                   uint8_t code_hash[MNP_HASH_BYTES], mnp_ch_outcome_t *out);

/* Who serves number now: the NPDB's operator when it was ported, else its range holder from the
 * stored block. Fills local_network (MNP_LOCAL_NETWORK_MAX) from the block. MNP_ENOENT when the
 * block is not in the stored number plan. */
int ch_serving(mnp_txn_t *txn, uint64_t number, char serving[MNP_STORE_CODE_MAX],
               char holder[MNP_STORE_CODE_MAX], char *local_network, mnp_error_t *err);

/* Appends an audit record (actor, action, subject = the number's digits, detail JSON). */
int ch_audit(mnp_txn_t *txn, int64_t now_ms, const char *actor, const char *action, uint64_t number,
             const char *detail, mnp_error_t *err);

/* Starts a JSON object into b ("{"); ch_json_str/ch_json_int add members; close with "}". */
void ch_json_str(mnp_buf_t *b, const char *key, const char *value);
void ch_json_int(mnp_buf_t *b, const char *key, int64_t value);

#endif
