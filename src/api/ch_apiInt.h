/*
 * Private to the API area: who is calling, and the helpers the route files share.
 */
#ifndef MNP_CH_API_INT_H
#define MNP_CH_API_INT_H

#include "mnp/audit.h"
#include "mnp/ch_api.h"
#include "mnp/store_feed.h"
#include "mnp/store_orders.h"

typedef struct caller {
    mnp_role_t role;
    char principal[MNP_STORE_CODE_MAX];
    /* Who reads the feed and acknowledges it: the operator's code, "replica:NAME" for a lookup
     * replica (so that a replica never stands for an operator of the same name), "" for the
     * regulator (it reads everything and acknowledges nothing). */
    char consumer[MNP_FEED_CONSUMER_MAX];
} caller_t;

/* ---- request bodies (ch_api_bodies.c) ---- */

#define CH_BODY_MAX (16 * 1024) /* the largest request body a /v1 route reads */

typedef struct ch_subscriber_body {
    const char *number, *identity, *code, *channel; /* channel: orders only */
} ch_subscriber_body_t;
typedef struct ch_answer_body {
    const char *reason, *text;
} ch_answer_body_t;
typedef struct ch_text_body {
    const char *text;
} ch_text_body_t;
typedef struct ch_number_body {
    const char *number;
} ch_number_body_t;
typedef struct ch_ack_body {
    int64_t seq;
} ch_ack_body_t;
typedef struct ch_signal_body {
    const char *kind, *number, *detail;
} ch_signal_body_t;

typedef enum ch_body_kind {
    CH_BODY_AUTHCODE, /* ch_subscriber_body_t without channel */
    CH_BODY_ORDER,    /* ch_subscriber_body_t */
    CH_BODY_ANSWER,
    CH_BODY_CANCEL, /* no fields: {} or no body at all */
    CH_BODY_REVERSE,
    CH_BODY_RETURN,
    CH_BODY_ACK,
    CH_BODY_SIGNAL,
    CH_BODY_COUNT
} ch_body_kind_t;

typedef struct ch_body_spec {
    const char *route; /* the route's name in the router and docs/openapi.yaml */
    const mnp_json_field_t *fields;
    size_t nfields;
    size_t size; /* of the struct the body decodes into; 0 for none */
} ch_body_spec_t;

extern const ch_body_spec_t ch_body_specs[CH_BODY_COUNT];

/* Parses body[0..len) (at most CH_BODY_MAX bytes) and decodes it as kind into dst, which the
 * caller zeroed or set to defaults; strings in dst borrow from *root, which the caller releases
 * with json_decref (NULL when there was nothing to parse). Returns 0, or the json.h refusal with
 * p filled, *root NULL and dst untouched. */
int ch_body_decode(ch_body_kind_t kind, const char *body, size_t len, void *dst, json_t **root,
                   mnp_json_problem_t *p);

/* POST /v1/signals/batch: {"signals":[{kind, number, detail?}, ...]} with 1 to
 * MNP_CH_SIGNALS_MAX reports, each as POST /v1/signals takes one, in at most CH_SIGNALS_BODY_MAX
 * bytes. Fills out[0..*n) with strings borrowed from *root (released by the caller), or refuses
 * like ch_body_decode, naming the report ("signals[3].number"). */
#define CH_SIGNALS_BODY_MAX (64 * 1024)
int ch_signals_decode(const char *body, size_t len, mnp_ch_signal_t *out, size_t *n, json_t **root,
                      mnp_json_problem_t *p);

/* RULE §7: identifies the caller by the keyed hash of its Bearer key; replies 401 (or 503) and
 * returns false when it cannot. */
bool ch_api_authenticate(mnp_http_request_t *req, mnp_ch_api_t *api, caller_t *c);

/* Answers a workflow outcome: 503 when rc says the store failed, the problem of a refusal, or
 * {"order":N} / {"status":"ok"} with the outcome's status. */
void ch_api_reply_outcome(mnp_http_request_t *req, const mnp_ch_outcome_t *o, int rc,
                          const mnp_error_t *err);

/* A query parameter as an unsigned integer within [0, max], def when absent; false (and a 400
 * bad_query reply) when it is not one. */
bool ch_api_query_u64(mnp_http_request_t *req, const char *name, uint64_t def, uint64_t max,
                      uint64_t *out);

/* ---- one order, as GET /v1/orders/{id} shows it (ch_api.c) ---- */

/* The {id} path parameter; replies 404 and returns 0 when it is not a positive integer. */
int64_t ch_api_order_id(mnp_http_request_t *req);

/* RULE §7: whether c may see order o: the regulator every order, an operator those where it is
 * recipient or donor (a replica none; ch_api_authenticate has refused it already). */
bool ch_api_order_visible(const caller_t *c, const mnp_order_rec_t *o);

/* Whether order id, read into *o with result rc, may be shown to c: true when it may; else
 * replies 404 not_found (no such order, or one c is no party to: RULE §7, the two look the
 * same), or 503 with err's message for a store failure, and returns false. */
bool ch_api_order_shown(mnp_http_request_t *req, const caller_t *c, int64_t id,
                        const mnp_order_rec_t *o, int rc, const mnp_error_t *err);

/* The order as GET /v1/orders/{id} answers it: a new reference (caller decrefs), NULL when out
 * of memory. */
json_t *ch_api_order_json(const mnp_order_rec_t *o);

/* GET /v1/orders/{id}/timeline: the order and its audit records (ch_api_timeline.c). */
void ch_api_timeline(mnp_http_request_t *req, void *ud);

/* GET /v1/orders and GET /v1/numbers/{number} (ch_api_read.c). */
void ch_api_list_orders(mnp_http_request_t *req, void *ud);
void ch_api_lookup(mnp_http_request_t *req, void *ud);

/* GET /v1/events: the change feed, long-polled or streamed (ch_api_events.c). */
void ch_api_events(mnp_http_request_t *req, void *ud);

/* GET /v1/audit: the audit log, for the regulator (ch_api_read.c). */
void ch_api_audit(mnp_http_request_t *req, void *ud);

/* An audit record as the API shows it, without its subject: {seq, at_ms, actor, action, detail
 * (parsed when it is JSON, else the text), hash (hex)}. A new reference (caller decrefs); NULL
 * when out of memory. */
json_t *ch_api_audit_json(const mnp_audit_record_t *r);

/* GET /v1/npdb/snapshot: the whole NPDB in the snapshot format of docs/npdb-format.md. */
void ch_api_snapshot(mnp_http_request_t *req, void *ud);

/* POST /v1/signals: an operator's gateway reports a CXXZ query or a late agreement about a
 * number it serves; GET /v1/stats: the regulator's statistics for a period (ch_api_stats.c). */
void ch_api_signal(mnp_http_request_t *req, void *ud);
void ch_api_signals(mnp_http_request_t *req, void *ud);
void ch_api_stats(mnp_http_request_t *req, void *ud);

/* GET /v1/me: the caller's role and principal, and the clearinghouse's clock (ch_api_me.c). */
void ch_api_me(mnp_http_request_t *req, void *ud);

#endif
