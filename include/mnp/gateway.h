/*
 * An operator gateway (SPEC.md §1, §3-§4): what one operator runs between its subscribers, its
 * billing system and the clearinghouse. One mnp_gw_t per operator (a tenant); several may share
 * a process and even a store file. It answers the subscriber's SMS commands itself: CXXZ with
 * the eligibility verdict (every unmet condition at once; the first query freezes the number's
 * term agreements), SQXZ with a fresh 6-digit code registered at the clearinghouse, anything
 * else with help. Every reply is queued for the operator's SMS centre and returned to the
 * caller. It talks to the clearinghouse only through its public API (ch_client.h).
 */
#ifndef MNP_GATEWAY_H
#define MNP_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>

#include "mnp/ch_client.h"
#include "mnp/clock.h"
#include "mnp/error.h"
#include "mnp/sms.h"
#include "mnp/store.h"
#include "mnp/store_gateway.h"

typedef struct mnp_gw mnp_gw_t;

typedef struct mnp_gw_config {
    const char *op;             /* operator code, "CUCC"; copied */
    const char *name;           /* how replies name it, "中国联通"; copied */
    const char *service_number; /* where subscribers send commands, "10010"; copied */
    mnp_store_t *store;         /* borrowed: the gateway's own store */
    mnp_ch_client_t *ch;        /* borrowed: the clearinghouse, with this operator's key */
    const mnp_clock_t *clock;   /* borrowed */
    /* Provisioning webhook (optional): every provisioning event is POSTed to this URL as JSON
     * until it answers 2xx, with retries (mnp_gw_prov_deliver). NULL or "": the network reads
     * the queue (GET /v1/provisioning) instead. Copied. */
    const char *prov_webhook;
    /* With a webhook, the key (at least 32 bytes) that signs each body: header
     * "X-Mnp-Signature: sha256=HEX" of HMAC-SHA256(key, body). NULL: unsigned. Copied, wiped. */
    const char *prov_webhook_key;
    /* Called from any thread, with no gateway lock held, whenever the gateway queued work for
     * its courier (a provisioning event, a report for the clearinghouse): the process wakes the
     * thread that calls mnp_gw_prov_deliver and mnp_gw_reports_send. May be NULL. */
    void (*on_work)(void *arg);
    void *on_work_arg;
    /* The secret (at least 32 bytes, e.g. the operator's API key) from which the key that seals
     * queued SMS carrying an authorization code is derived, so that a copy of the store never
     * holds a code in clear; the same secret opens them after a restart. NULL: a random key
     * for this gateway's life (tests). Copied into a derived key only. */
    const char *seal_secret;
    /* Self-service (gw_self.h): the answer to a login also carries the SMS with the login code,
     * so that someone trying a demo in a browser can log in without a phone. Demos only: it
     * lets anyone who knows a number log in as its subscriber. */
    bool demo_show_login_sms;
    /* How the gateway answers as the donor (SPEC §5). false: by itself at once: D01 or D02 when
     * its records show the status or the owner changed since the code was issued, otherwise
     * acceptance. true ("by staff"): D01 and D02 still at once, but otherwise no answer, so that
     * the operator's staff may object within the window (D03 needs a person's justification)
     * or accept; when the window closes unanswered, silence is consent. */
    bool donor_by_staff;
} mnp_gw_config_t;

int mnp_gw_new(const mnp_gw_config_t *cfg, mnp_gw_t **out, mnp_error_t *err) MNP_WUR;
void mnp_gw_free(mnp_gw_t *gw);

const char *mnp_gw_operator(const mnp_gw_t *gw);
const char *mnp_gw_service_number(const mnp_gw_t *gw);

/* What an inbound SMS led to. */
typedef struct mnp_gw_sms_result {
    int status;       /* 200 replied; 400 when the SMS itself is not one this gateway takes */
    char code[32];    /* the problem code when status >= 400 */
    char detail[256]; /* one sentence for people */
    mnp_sms_kind_t kind;
    bool eligible;               /* CXXZ/SQXZ: no unmet condition */
    bool code_issued;            /* SQXZ: a code was registered and sent */
    int64_t sms_id;              /* the queued reply */
    unsigned segments;           /* SMS it takes */
    char reply[MNP_GW_TEXT_MAX]; /* UTF-8 */
} mnp_gw_sms_result_t;

/* An SMS from the subscriber's number `from` (any form number.h accepts) to `to` (must be this
 * gateway's service number) with text (UTF-8). Replies and queues the answer. 400 bad_from /
 * wrong_service_number for an SMS that is not this gateway's; otherwise 200, also when the
 * clearinghouse could not be reached (the reply then says to try again later). Returns <0 only
 * when the gateway's own store failed (err set). */
int mnp_gw_sms_inbound(mnp_gw_t *gw, const char *from, const char *to, const char *text,
                       mnp_gw_sms_result_t *out, mnp_error_t *err) MNP_WUR;

typedef struct mnp_gw_port_result {
    int status;    /* 201, or the refusal (the clearinghouse's own status and code) */
    char code[32]; /* "C01", "C08", "clearinghouse_unreachable" */
    char detail[256];
    int64_t order_id;
} mnp_gw_port_result_t;

/* The recipient submits a port for a subscriber at its store or online channel: checks the
 * number, name (1-63 bytes) and identity number (400 C08), submits the order to the
 * clearinghouse with the code, and follows it; at ACTIVE the subscriber is created with this name
 * and identity. The clearinghouse's refusals come back as they are (C01-C08; at a lockout, 429,
 * the subscriber is also told by SMS); 503
 * clearinghouse_unreachable when it could not be asked. <0 only when the store failed. */
int mnp_gw_port_in(mnp_gw_t *gw, const char *number, const char *name, const char *identity,
                   const char *code, const char *channel, mnp_gw_port_result_t *out,
                   mnp_error_t *err) MNP_WUR;

/* The provisioning events the operator's network has not acknowledged, id > after, oldest
 * first, at most limit (1..1000): *out = {"events":[{id, kind: activate|deactivate|return,
 * number, order, created_ms}], "next_after": ID}, a new reference. */
int mnp_gw_prov_list(mnp_gw_t *gw, int64_t after, unsigned limit, json_t **out,
                     mnp_error_t *err) MNP_WUR;

/* The network applied every event up to and including id up_to. */
int mnp_gw_prov_ack(mnp_gw_t *gw, int64_t up_to, size_t *acknowledged, mnp_error_t *err) MNP_WUR;

/* A ported-in subscriber leaves: the number goes back to its range holder through the
 * clearinghouse's number return (its answer comes back as it is: 200, or 404 not_serving ...). */
int mnp_gw_terminate(mnp_gw_t *gw, const char *number, mnp_gw_port_result_t *out,
                     mnp_error_t *err) MNP_WUR;

/* Posts the provisioning events that are due (next try at or before now) to the webhook, oldest
 * first, at most max of them: a 2xx answer marks one delivered; anything else (no answer, a
 * timeout, another status) counts a failed attempt, keeps its error and schedules the next try
 * with a growing back-off (1 s doubling up to 5 min). Events are delivered in id order per
 * operator: after a failure the later ones wait too. *delivered and *failed count this call's
 * outcomes; *next_due_ms is when the next undelivered event is due (0: none pending). Without a
 * webhook it does nothing and *next_due_ms is 0. <0 only when the store failed. */
int mnp_gw_prov_deliver(mnp_gw_t *gw, unsigned max, size_t *delivered, size_t *failed,
                        int64_t *next_due_ms, mnp_error_t *err) MNP_WUR;

/* Sends the reports the gateway queued for the clearinghouse (a subscriber's CXXZ, a late
 * agreement: POST /v1/signals/batch), up to max per call, oldest first. Each one the
 * clearinghouse answered (recorded, or refused for good with a 4xx) leaves the queue; when it
 * cannot be reached they stay for the next call (MNP_EIO, err says why). *sent counts those
 * that left. */
int mnp_gw_reports_send(mnp_gw_t *gw, unsigned max, size_t *sent, mnp_error_t *err) MNP_WUR;

/* RULE §3.1: agreement ag of op's number, recorded after the number's first CXXZ (freeze_ms),
 * is queued as a report for the regulator in txn, once (*queued tells whether this call did). */
int mnp_gw_late_report(mnp_txn_t *txn, const char *op, uint64_t number, const mnp_agreement_t *ag,
                       int64_t freeze_ms, int64_t now_ms, bool *queued, mnp_error_t *err) MNP_WUR;

/* For whoever records agreements (the billing system's API, mnpctl agreements import), after
 * recording rows[0..n) in txn: every late agreement (eligibility.h: mnp_agreement_late) of their
 * numbers not yet reported, queued as mnp_gw_late_report does, each number looked at once;
 * *queued counts them. */
int mnp_gw_late_agreements(mnp_txn_t *txn, const char *op, const mnp_agreement_row_t *rows,
                           size_t n, int64_t now_ms, size_t *queued, mnp_error_t *err) MNP_WUR;

/* What /metrics shows of a gateway. */
typedef struct mnp_gw_figures {
    uint64_t feed_seq;          /* how far it applied the clearinghouse's feed */
    uint64_t prov_pending;      /* provisioning events the network has not taken yet */
    uint64_t prov_max_attempts; /* the most failed deliveries among them */
    uint64_t reports_pending;   /* reports not yet taken by the clearinghouse */
} mnp_gw_figures_t;

int mnp_gw_figures(mnp_gw_t *gw, mnp_gw_figures_t *out, mnp_error_t *err) MNP_WUR;

/* Follows the clearinghouse's feed one page: reads after the stored position (waiting up to
 * wait_s seconds for something new), answers port orders for this operator's numbers as the
 * donor (D01 when the number was reported lost or suspended after the code was issued, D02 when
 * the owner changed since, otherwise acceptance), and at ACTIVE or RETURNED updates the
 * subscriber, queues a provisioning event and, for a number ported in, an SMS. Then stores the
 * new position and acknowledges it. *handled counts the events looked at. MNP_EIO (err set) when
 * the clearinghouse could not be read; other negative codes when the store failed. */
int mnp_gw_feed_poll(mnp_gw_t *gw, unsigned wait_s, unsigned *handled, mnp_error_t *err) MNP_WUR;

#endif
