/*
 * The clearinghouse's workflow (SPEC.md §5): what happens when a donor registers an authorization
 * code and when a recipient submits a port request. Each call is one durable store transaction
 * that applies the rules, writes the order, its audit record and its feed event together, and
 * says what the API answers. A refused request is answered with the SPEC's reason code; its audit
 * record (and, for a wrong code, the failed attempt) is kept, nothing else changes. Malformed
 * requests (C08) change nothing at all.
 */
#ifndef MNP_CLEARINGHOUSE_H
#define MNP_CLEARINGHOUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "mnp/buf.h"
#include "mnp/clock.h"
#include "mnp/error.h"
#include "mnp/numplan.h"
#include "mnp/secret.h"
#include "mnp/store.h"

typedef struct mnp_ch mnp_ch_t;

typedef struct mnp_ch_config {
    mnp_store_t *store;        /* borrowed */
    const mnp_hash_key_t *key; /* borrowed: the server's hashing key */
    const mnp_clock_t *clock;  /* borrowed: all time goes through it */
    int64_t donor_window_ms;   /* 0: MNP_DONOR_WINDOW_MS_DEFAULT (10 minutes) */
    int64_t cutover_step_ms;   /* 0: MNP_CUTOVER_STEP_MS_DEFAULT (the next whole hour) */
    bool cutover_immediate;    /* demos and tests: cut over as soon as scheduled */
    int64_t ack_timeout_ms;    /* 0: MNP_ACK_TIMEOUT_MS_DEFAULT; see mnp_ch_tick */
    /* Called (any thread, no workflow lock held) after a write that may have made a timer due at
     * once: a donor's acceptance, an acknowledgement of the feed, a number return. The caller's
     * timer thread then runs mnp_ch_tick without waiting for its period, so that with an
     * immediate cutover a port reaches ACTIVE as soon as every operator acknowledged. May be
     * NULL. */
    void (*on_due)(void *arg);
    void *on_due_arg;
} mnp_ch_config_t;

/* What the API answers. */
typedef struct mnp_ch_outcome {
    int status;       /* HTTP status: 200/201 done; 400, 403, 409, 422, 429 refused */
    char code[32];    /* "" when done; the SPEC reason ("C04") or "bad_request"/"not_serving" */
    char detail[256]; /* one sentence for people */
    int64_t order_id; /* the order made or refused about, 0 when none */
} mnp_ch_outcome_t;

/* A workflow over cfg's store. Free with mnp_ch_free. */
int mnp_ch_new(const mnp_ch_config_t *cfg, mnp_ch_t **out) MNP_WUR;
void mnp_ch_free(mnp_ch_t *ch);

/* The donor (operator code, authenticated by the caller) registers the 6-digit code it sent the
 * subscriber of number, bound to identity. Only the operator serving the number may (403
 * not_serving). The code is kept as a keyed hash, valid 60 minutes, replacing any earlier one.
 * Returns 0 with *out filled, or a negative code when the store failed (err set). */
int mnp_ch_register_code(mnp_ch_t *ch, const char *donor, const char *number, const char *identity,
                         const char *code, mnp_ch_outcome_t *out, mnp_error_t *err) MNP_WUR;

/* The recipient (operator code, authenticated by the caller) submits a port request for number
 * with the subscriber's identity and code, taken through channel ("store", "online", ...). The
 * checks C01-C08 and the 120-day rule run at once; on success the order exists in
 * PENDING_DONOR with the donor's answer window set (201, out->order_id). Returns 0 with *out
 * filled, or a negative code when the store failed (err set). */
int mnp_ch_submit(mnp_ch_t *ch, const char *recipient, const char *number, const char *identity,
                  const char *code, const char *channel, mnp_ch_outcome_t *out,
                  mnp_error_t *err) MNP_WUR;

/* The donor answers order_id: accept (reason NULL or "") or object with reason D01, D02 or D03
 * (D03 needs a justification in text). Only the order's donor, only in PENDING_DONOR, only before
 * the window closes (409 window_closed; its silence is then consent). Any other reason is
 * refused (422 not_an_objection): RULE §5, the system has no way to express one. */
int mnp_ch_answer(mnp_ch_t *ch, const char *donor, int64_t order_id, const char *reason,
                  const char *text, mnp_ch_outcome_t *out, mnp_error_t *err) MNP_WUR;

/* Runs every timer that has come, each state change in its own transaction: a closed answer
 * window is consent (ACCEPTED, the silence recorded), an accepted order is SCHEDULED for the
 * next cutover instant, a reached cutover switches the NPDB and broadcasts (BROADCASTING), and
 * an order whose NPDB change every operator has acknowledged becomes ACTIVE. When some operator
 * has not acknowledged it ack_timeout after the broadcast (or the last retry), the change is
 * retried and reported (SPEC §5): announced again at the head of the feed, with the operators
 * missing named in an "npdb.ack_overdue" audit record and a warning in the log. *changed (may
 * be NULL) counts the state changes made. */
int mnp_ch_tick(mnp_ch_t *ch, unsigned *changed, mnp_error_t *err) MNP_WUR;

/* The recipient cancels order_id on the subscriber's wish: possible until SCHEDULED (409
 * invalid_state after); only the order's recipient (404 otherwise). */
int mnp_ch_cancel(mnp_ch_t *ch, const char *recipient, int64_t order_id, mnp_ch_outcome_t *out,
                  mnp_error_t *err) MNP_WUR;

/* The regulator (name, for the audit record) reverses a wrong port: an ACTIVE order becomes
 * REVERSED and the number goes back to the donor in the NPDB, announced on the feed. text says
 * why (required; it is audited). Only the port in force can be reversed: an ACTIVE order that a
 * later port of the number superseded is refused (409 invalid_state). */
int mnp_ch_reverse(mnp_ch_t *ch, const char *regulator, int64_t order_id, const char *text,
                   mnp_ch_outcome_t *out, mnp_error_t *err) MNP_WUR;

/* The operator serving a ported number reports that its subscriber closed the account: the
 * number's ACTIVE order goes RETURN_PENDING and, at the next tick, the number returns to its
 * range holder (RETURNED). 409 not_ported when the number was never ported, 404 when op does not
 * serve it. */
int mnp_ch_return(mnp_ch_t *ch, const char *op, const char *number, mnp_ch_outcome_t *out,
                  mnp_error_t *err) MNP_WUR;

/* An operator's gateway reports what only it sees about a number it serves (403 not_serving
 * otherwise): kind "query" (a subscriber's CXXZ eligibility query) or "late_agreement" (a term
 * agreement added after a CXXZ, a suspicious pattern of SPEC §8), with an optional detail of at
 * most 255 bytes. Recorded as an audit record ("signal.query", "signal.late_agreement") that the
 * regulator's statistics count (201). 400 bad_value for another kind or a longer detail, 400 C08
 * for a malformed number, 422 C07 for one outside the number plan. */
int mnp_ch_signal(mnp_ch_t *ch, const char *op, const char *kind, const char *number,
                  const char *detail, mnp_ch_outcome_t *out, mnp_error_t *err) MNP_WUR;

/* Many reports of op at once, recorded in one transaction: out[i] is in[i]'s answer, judged on
 * its own exactly as mnp_ch_signal would (a refused report does not hold back the others).
 * n <= MNP_CH_SIGNALS_MAX (MNP_ELIMIT otherwise). <0 only when the store failed: then none was
 * recorded. */
#define MNP_CH_SIGNALS_MAX 200
typedef struct mnp_ch_signal {
    const char *kind, *number, *detail; /* detail may be NULL */
} mnp_ch_signal_t;
int mnp_ch_signals(mnp_ch_t *ch, const char *op, const mnp_ch_signal_t *in, size_t n,
                   mnp_ch_outcome_t *out, mnp_error_t *err) MNP_WUR;

/* The feed after seq `after`, at most limit events, as a JSON array appended to out:
 * [{"seq":N,"at_ms":T,"kind":"npdb"|"order","event":{...}}, ...]. reader is an operator code
 * (it gets NPDB changes and the events of its own orders) or NULL (the regulator: everything).
 * With wait_ms > 0 and nothing new, waits that long for a write (long poll), or until *cancel
 * (NULL: never) is set by mnp_ch_events_cancel. *next_after is the seq to ask after next time. */
int mnp_ch_events(mnp_ch_t *ch, const char *reader, uint64_t after, unsigned limit, int64_t wait_ms,
                  const bool *cancel, mnp_buf_t *out, uint64_t *next_after,
                  mnp_error_t *err) MNP_WUR;

/* Sets *cancel and ends the wait of the mnp_ch_events call (from any thread) that was given
 * it; a call that starts afterwards with it set does not wait at all. */
void mnp_ch_events_cancel(mnp_ch_t *ch, bool *cancel);

/* Records that consumer (an operator code or a lookup replica) applied the feed up to seq.
 * 422 beyond_head for a seq not yet in the feed. */
int mnp_ch_ack(mnp_ch_t *ch, const char *consumer, uint64_t seq, mnp_ch_outcome_t *out,
               mnp_error_t *err) MNP_WUR;

#endif
