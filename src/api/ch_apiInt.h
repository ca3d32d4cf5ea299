/*
 * Private to the API area: who is calling, and the helpers the route files share.
 */
#ifndef MNP_CH_API_INT_H
#define MNP_CH_API_INT_H

#include "mnp/ch_api.h"

typedef struct caller {
    mnp_role_t role;
    char principal[MNP_STORE_CODE_MAX];
} caller_t;

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

/* GET /v1/orders and GET /v1/numbers/{number} (ch_api_read.c). */
void ch_api_list_orders(mnp_http_request_t *req, void *ud);
void ch_api_lookup(mnp_http_request_t *req, void *ud);

/* GET /v1/events: the change feed, long-polled or streamed (ch_api_events.c). */
void ch_api_events(mnp_http_request_t *req, void *ud);

/* GET /v1/audit: the audit log, for the regulator. */
void ch_api_audit(mnp_http_request_t *req, void *ud);

/* GET /v1/npdb/snapshot: the whole NPDB in the snapshot format of docs/npdb-format.md. */
void ch_api_snapshot(mnp_http_request_t *req, void *ud);

/* POST /v1/signals: an operator's gateway reports a CXXZ query or a late agreement about a
 * number it serves; GET /v1/stats: the regulator's statistics for a period (ch_api_stats.c). */
void ch_api_signal(mnp_http_request_t *req, void *ud);
void ch_api_stats(mnp_http_request_t *req, void *ud);

#endif
