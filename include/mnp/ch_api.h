/*
 * The clearinghouse's operator API (SPEC.md §7) on the HTTP server layer: versioned under /v1,
 * JSON in and out, every request authenticated by "Authorization: Bearer KEY" against the keyed
 * hashes of the credentials store, every refusal a problem body with a stable code. An operator
 * acts only on orders where it is recipient or donor; the regulator reads everything and changes
 * nothing but by reversal.
 *
 *   GET  /v1/me                   whose key this is: {role, principal, now_ms}
 *   POST /v1/authcodes            donor registers a code      {number, identity, code}
 *   POST /v1/orders               recipient submits a port    {number, identity, code, channel}
 *   GET  /v1/orders?state=S&after=N&limit=M   orders (an operator's own; the regulator's all)
 *        &number=NUMBER (any written form) &role=donor|recipient (the operator's side)
 *   GET  /v1/orders/{id}          the order (its parties and the regulator)
 *   GET  /v1/orders/{id}/timeline?after=N&limit=M   the order and its audit records (the same)
 *   GET  /v1/numbers/{number}     who serves it now, routing number, ported, history, feed seq
 *   POST /v1/orders/{id}/answer   donor accepts or objects    {reason?, text?}
 *   POST /v1/orders/{id}/cancel   recipient cancels           {}
 *   POST /v1/orders/{id}/reverse  regulator reverses          {text}
 *   POST /v1/returns              serving operator returns    {number}
 *   GET  /v1/audit?after=N&limit=M&number=NUMBER   the hash-chained audit log, or one
 *                                 number's records (regulator only)
 *   GET  /v1/npdb/snapshot        the whole NPDB (docs/npdb-format.md), seq in X-MNP-Seq
 *   GET  /v1/events?after=N&limit=M&wait=S   the change feed after N (long poll up to S s)
 *        (with Accept: text/event-stream: server-sent events, heartbeat=S, Last-Event-ID)
 *   POST /v1/events/ack           a consumer acknowledges     {seq}
 *   POST /v1/signals              gateway reports about a number it serves
 *                                 {kind: "query"|"late_agreement", number, detail?}
 *   GET  /v1/stats?from=MS&to=MS&flag_limit=N   counters per operator and local network, and
 *                                 flagged events, over [from, to) (regulator only)
 */
#ifndef MNP_CH_API_H
#define MNP_CH_API_H

#include "mnp/clearinghouse.h"
#include "mnp/http.h"

typedef struct mnp_ch_api {
    mnp_ch_t *ch;              /* borrowed */
    mnp_store_t *store;        /* borrowed: credentials and reads */
    const mnp_hash_key_t *key; /* borrowed */
    const mnp_clock_t *clock;  /* borrowed: the workflow's clock, for times in answers and files */
} mnp_ch_api_t;

/* Adds the routes above to router; api is borrowed and must outlive every server using it. */
int mnp_ch_api_routes(mnp_http_router_t *router, mnp_ch_api_t *api) MNP_WUR;

#endif
