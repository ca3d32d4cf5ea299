/*
 * An operator gateway's own data (SPEC.md §3-§4, §7), in its own store file (the same schema as
 * every mnp store; a gateway uses these tables): the subscriber records and term agreements its
 * billing system hands over, the freeze of each number's agreements at its first CXXZ, the codes
 * it issued (when and until when, never the code), the SMS it owes subscribers, the
 * provisioning events it owes its own network, the port orders it follows, and how far it has
 * applied the clearinghouse's change feed. Every record belongs to one operator (the gateway's
 * tenant), so one file may serve several. Strings are borrowed for the call; records returned
 * are copied into caller memory.
 */
#ifndef MNP_STORE_GATEWAY_H
#define MNP_STORE_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/eligibility.h"
#include "mnp/store.h"
#include "mnp/subscriber_csv.h"

/* ---- subscribers and agreements ----------------------------------------------------------- */

typedef struct mnp_gw_subscriber {
    char op[MNP_STORE_CODE_MAX];
    mnp_subscriber_row_t row;
    bool active;               /* served by this operator now (false once ported out) */
    int64_t status_since_ms;   /* when status last changed (D01: lost after the code) */
    int64_t identity_since_ms; /* when the owner's identity last changed (D02) */
    int64_t updated_ms;
} mnp_gw_subscriber_t;

/* Inserts or replaces the subscriber rows[0..n) of operator op in one go; a changed status or
 * identity moves status_since_ms / identity_since_ms to now_ms. *added and *changed (may be
 * NULL) count them; a row equal to the stored one is neither and changes nothing (updated_ms
 * included). New subscribers are active; a replaced one keeps its active flag, which only the
 * port workflow sets. A bad row (MNP_EINVAL) is refused before anything is written. Write
 * transactions only. */
int mnp_txn_gw_subscribers_put(mnp_txn_t *txn, const char *op, const mnp_subscriber_row_t *rows,
                               size_t n, int64_t now_ms, size_t *added, size_t *changed,
                               mnp_error_t *err) MNP_WUR;

/* One subscriber of op; MNP_ENOENT when op has none with that number. */
int mnp_txn_gw_subscriber_get(mnp_txn_t *txn, const char *op, uint64_t number,
                              mnp_gw_subscriber_t *out, mnp_error_t *err) MNP_WUR;

/* Marks the subscriber active or not (ported in / out), at now_ms. MNP_ENOENT when none. */
int mnp_txn_gw_subscriber_set_active(mnp_txn_t *txn, const char *op, uint64_t number, bool active,
                                     int64_t now_ms, mnp_error_t *err) MNP_WUR;

/* Adds the agreements rows[0..n) of op, created at now_ms (each gets an id). Rows for numbers op
 * has no subscriber for are refused (MNP_ENOENT, nothing added, err names the number). A row
 * whose terms (number, name, start, end, fee, has_term) equal an agreement op already has is
 * that agreement: it is not added again and keeps its id and created_ms, so a billing system
 * may hand over its whole file again without old agreements looking new (SPEC §3.1). *added
 * (may be NULL) counts the rows that were new. */
int mnp_txn_gw_agreements_add(mnp_txn_t *txn, const char *op, const mnp_agreement_row_t *rows,
                              size_t n, int64_t now_ms, size_t *added, mnp_error_t *err) MNP_WUR;

/* The agreements of op's number, oldest first, at most max into out; *n gets the count stored
 * (which may exceed max). */
int mnp_txn_gw_agreements_of(mnp_txn_t *txn, const char *op, uint64_t number, mnp_agreement_t *out,
                             size_t max, size_t *n, mnp_error_t *err) MNP_WUR;

/* Ends op's agreement id at ended_ms (the subscriber paid the early-termination fee, or the
 * operator waived it): from then on it never blocks (E04). Ending an ended agreement again
 * keeps the first instant (*already set). MNP_ENOENT when op has no agreement with that id. */
int mnp_txn_gw_agreement_end(mnp_txn_t *txn, const char *op, int64_t id, int64_t ended_ms,
                             bool *already, mnp_error_t *err) MNP_WUR;

/* One agreement of op by id (with its number in *number, may be NULL); MNP_ENOENT when none. */
int mnp_txn_gw_agreement_get(mnp_txn_t *txn, const char *op, int64_t id, mnp_agreement_t *out,
                             uint64_t *number, mnp_error_t *err) MNP_WUR;

/* ---- the freeze and issued codes ---------------------------------------------------------- */

/* The first CXXZ of op's number: records now_ms if there was none, and returns the recorded
 * instant in *first_ms either way. */
int mnp_txn_gw_freeze(mnp_txn_t *txn, const char *op, uint64_t number, int64_t now_ms,
                      int64_t *first_ms, mnp_error_t *err) MNP_WUR;

/* The freeze instant, MNP_ENOENT when the number was never queried. */
int mnp_txn_gw_freeze_get(mnp_txn_t *txn, const char *op, uint64_t number, int64_t *first_ms,
                          mnp_error_t *err) MNP_WUR;

/* Records that op issued a code for number at issued_ms, valid until expires_ms (replacing any
 * earlier record), and reads it back. MNP_ENOENT from get when none was issued. */
int mnp_txn_gw_code_issued(mnp_txn_t *txn, const char *op, uint64_t number, int64_t issued_ms,
                           int64_t expires_ms, mnp_error_t *err) MNP_WUR;
int mnp_txn_gw_code_get(mnp_txn_t *txn, const char *op, uint64_t number, int64_t *issued_ms,
                        int64_t *expires_ms, mnp_error_t *err) MNP_WUR;

/* Whether op already reported agreement_id to the clearinghouse as late (recorded after the
 * number's first CXXZ, SPEC §3.1), and recording that it did (a second time changes nothing). */
int mnp_txn_gw_late_reported(mnp_txn_t *txn, const char *op, int64_t agreement_id, bool *reported,
                             mnp_error_t *err) MNP_WUR;
int mnp_txn_gw_late_report_done(mnp_txn_t *txn, const char *op, int64_t agreement_id,
                                int64_t now_ms, mnp_error_t *err) MNP_WUR;

/* ---- reports for the clearinghouse (an outbox) ------------------------------------------ */

typedef struct mnp_gw_report {
    int64_t id;
    char op[MNP_STORE_CODE_MAX];
    char kind[16]; /* "query" or "late_agreement" (POST /v1/signals) */
    uint64_t number;
    char detail[256];
    int64_t created_ms;
} mnp_gw_report_t;

/* Queues r (id assigned into r->id) in the caller's transaction. */
int mnp_txn_gw_report_add(mnp_txn_t *txn, mnp_gw_report_t *r, mnp_error_t *err) MNP_WUR;
/* Calls fn for op's queued reports, oldest first, at most limit (1..1000). */
int mnp_txn_gw_reports_pending(mnp_txn_t *txn, const char *op, unsigned limit,
                               int (*fn)(const mnp_gw_report_t *r, void *arg), void *arg,
                               mnp_error_t *err) MNP_WUR;
/* Removes op's reports ids[0..n) (the clearinghouse took them). */
int mnp_txn_gw_reports_done(mnp_txn_t *txn, const char *op, const int64_t *ids, size_t n,
                            mnp_error_t *err) MNP_WUR;
/* How many reports of op wait. */
int mnp_txn_gw_reports_count(mnp_txn_t *txn, const char *op, uint64_t *n, mnp_error_t *err) MNP_WUR;

/* ---- outbound SMS and provisioning events (queues with acknowledgement) -------------------- */

#define MNP_GW_TEXT_MAX 2048 /* bytes of one SMS reply, all its segments */

typedef struct mnp_gw_sms {
    int64_t id;
    char op[MNP_STORE_CODE_MAX];
    uint64_t to;                /* the subscriber's number, E.164 */
    char from[16];              /* the service number, "10010" */
    char text[MNP_GW_TEXT_MAX]; /* UTF-8, whole */
    unsigned segments;          /* how many SMS it takes */
    int64_t created_ms;
} mnp_gw_sms_t;

/* Queues an SMS (id assigned into msg->id). */
int mnp_txn_gw_sms_add(mnp_txn_t *txn, mnp_gw_sms_t *msg, mnp_error_t *err) MNP_WUR;

/* Calls fn for op's queued SMS not yet acknowledged with id > after_id, oldest first, at most
 * limit (1..1000). */
int mnp_txn_gw_sms_pending(mnp_txn_t *txn, const char *op, int64_t after_id, unsigned limit,
                           int (*fn)(const mnp_gw_sms_t *msg, void *arg), void *arg,
                           mnp_error_t *err) MNP_WUR;

/* Acknowledges op's SMS up to and including id (the gateway's SMS centre sent them). *n (may be
 * NULL) counts those newly acknowledged. */
int mnp_txn_gw_sms_ack(mnp_txn_t *txn, const char *op, int64_t up_to_id, int64_t now_ms, size_t *n,
                       mnp_error_t *err) MNP_WUR;

typedef enum mnp_prov_kind {
    MNP_PROV_ACTIVATE = 1, /* ported in: serve the number */
    MNP_PROV_DEACTIVATE,   /* ported out: stop serving it */
    MNP_PROV_RETURN,       /* returned to its range holder */
} mnp_prov_kind_t;

typedef struct mnp_gw_prov {
    int64_t id;
    char op[MNP_STORE_CODE_MAX];
    mnp_prov_kind_t kind;
    uint64_t number;
    int64_t order_id;
    int64_t created_ms;
    int64_t delivered_ms; /* 0 until delivered (webhook 2xx or queue acknowledgement) */
    unsigned attempts;    /* failed deliveries so far */
    int64_t next_try_ms;  /* when to try the webhook again */
    char last_error[128];
} mnp_gw_prov_t;

int mnp_txn_gw_prov_add(mnp_txn_t *txn, mnp_gw_prov_t *ev, mnp_error_t *err) MNP_WUR;
/* Undelivered events of op with id > after_id, oldest first, at most limit (1..1000); with
 * due_ms > 0 only those whose next_try_ms <= due_ms. */
int mnp_txn_gw_prov_pending(mnp_txn_t *txn, const char *op, int64_t after_id, unsigned limit,
                            int64_t due_ms, int (*fn)(const mnp_gw_prov_t *ev, void *arg),
                            void *arg, mnp_error_t *err) MNP_WUR;
/* Delivered (at now_ms), or failed once more with error (next try at next_try_ms). */
int mnp_txn_gw_prov_delivered(mnp_txn_t *txn, int64_t id, int64_t now_ms, mnp_error_t *err) MNP_WUR;
int mnp_txn_gw_prov_failed(mnp_txn_t *txn, int64_t id, const char *error, int64_t next_try_ms,
                           mnp_error_t *err) MNP_WUR;
/* Undelivered events of op and the most attempts among them (for /metrics). */
int mnp_txn_gw_prov_backlog(mnp_txn_t *txn, const char *op, uint64_t *pending,
                            uint64_t *max_attempts, mnp_error_t *err) MNP_WUR;

/* ---- followed port orders and the feed position -------------------------------------------- */

typedef enum mnp_gw_side { MNP_GW_RECIPIENT = 1, MNP_GW_DONOR } mnp_gw_side_t;

typedef struct mnp_gw_order {
    int64_t order_id; /* the clearinghouse's id */
    char op[MNP_STORE_CODE_MAX];
    mnp_gw_side_t side;
    uint64_t number;
    char state[24];              /* the last state the feed told, "PENDING_DONOR" */
    char name[MNP_SUB_NAME_MAX]; /* recipient side: the subscriber to create at ACTIVE */
    char identity[MNP_SUB_IDENTITY_MAX];
    char channel[16];
    int64_t created_ms, updated_ms;
} mnp_gw_order_t;

/* Inserts or updates (by order_id and op) the followed order. */
int mnp_txn_gw_order_put(mnp_txn_t *txn, const mnp_gw_order_t *o, mnp_error_t *err) MNP_WUR;
int mnp_txn_gw_order_get(mnp_txn_t *txn, const char *op, int64_t order_id, mnp_gw_order_t *out,
                         mnp_error_t *err) MNP_WUR;

/* How far op has applied the clearinghouse's feed (0: from the start). */
int mnp_txn_gw_feed_get(mnp_txn_t *txn, const char *op, uint64_t *seq, mnp_error_t *err) MNP_WUR;
int mnp_txn_gw_feed_set(mnp_txn_t *txn, const char *op, uint64_t seq, mnp_error_t *err) MNP_WUR;

#endif
