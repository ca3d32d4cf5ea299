/*
 * Private to the gateway's HTTP API (gw_api*.c, gw_billing_rows.c): how a route learns which
 * tenant calls it, the routes' JSON bodies, and the billing system's row batches
 * (PUT /v1/subscribers, POST /v1/agreements) decoded from JSON and checked row by row with the
 * same rules as the billing files (subscriber_csv.h); bodies and batches are decoded apart from
 * any store so that a fuzzer can drive them.
 */
#ifndef MNP_GW_API_INT_H
#define MNP_GW_API_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "gwInt.h"
#include "mnp/gw_api.h"
#include "mnp/json.h"
#include "mnp/subscriber_csv.h"

/* The tenant whose key the request carries (Authorization: Bearer KEY); replies 401 and
 * returns NULL when none. */
mnp_gw_t *gw_api_authenticate(mnp_http_request_t *req, mnp_gw_api_t *api);

/* The tenants served so far (a snapshot: more may come) and the i-th of them, i < count. */
size_t gw_api_tenant_count(const mnp_gw_api_t *api);
mnp_gw_t *gw_api_tenant(const mnp_gw_api_t *api, size_t i);

/* Adds the subscribers' self-service routes (gw_api_self.c) to router. */
int gw_api_self_routes(mnp_http_router_t *router, mnp_gw_api_t *api);

/* The JSON bodies of the gateway's routes (gw_api_bodies.c), each decoded strictly by its field
 * table (json.h), apart from any route so that a fuzzer can drive them. */
#define GW_BODY_MAX (8 * 1024) /* the largest such body */

typedef struct gw_inbound_body {
    const char *from, *to, *text;
} gw_inbound_body_t;

typedef struct gw_port_body {
    const char *number, *name, *identity, *code, *channel;
} gw_port_body_t;

typedef struct gw_ack_body {
    int64_t up_to;
} gw_ack_body_t;

typedef struct gw_number_body {
    const char *number;
} gw_number_body_t;

typedef struct gw_session_body {
    const char *number, *code;
} gw_session_body_t;

typedef struct gw_query_body {
    const char *name, *identity;
} gw_query_body_t;

typedef enum gw_body_kind {
    GW_BODY_SMS_INBOUND,  /* gw_inbound_body_t: POST /v1/sms/inbound */
    GW_BODY_PORT_IN,      /* gw_port_body_t: POST /v1/port-in */
    GW_BODY_ACK,          /* gw_ack_body_t: POST /v1/sms/outbound/ack, /v1/provisioning/ack */
    GW_BODY_NUMBER,       /* gw_number_body_t: POST /v1/terminations, /v1/self/login */
    GW_BODY_SELF_SESSION, /* gw_session_body_t: POST /v1/self/session */
    GW_BODY_SELF_QUERY,   /* gw_query_body_t: POST /v1/self/eligibility, /v1/self/authcode */
    GW_BODY_COUNT
} gw_body_kind_t;

typedef struct gw_body_spec {
    const char *name; /* for messages and the fuzzer */
    const mnp_json_field_t *fields;
    size_t nfields;
    size_t size; /* of the destination struct */
} gw_body_spec_t;

extern const gw_body_spec_t gw_body_specs[GW_BODY_COUNT];

/* Parses body[0..len) (at most GW_BODY_MAX bytes) and decodes it as kind into dst, which the
 * caller zeroed; strings in dst borrow from *root, which the caller releases with json_decref.
 * Returns 0, or the json.h refusal with p filled, *root NULL and dst untouched. */
int gw_body_decode(gw_body_kind_t kind, const char *body, size_t len, void *dst, json_t **root,
                   mnp_json_problem_t *p);

/* gw_body_decode of the request's body; replies the problem and returns false when refused. */
bool gw_api_decode(mnp_http_request_t *req, gw_body_kind_t kind, void *dst, json_t **root);

/* The Beijing date of the instant ms ("2027-03-01") into buf; returns buf. */
const char *gw_beijing_date(int64_t ms, char buf[32]);

/* Adds the billing system's routes (gw_api_billing.c) to router. */
int gw_api_billing_routes(mnp_http_router_t *router, mnp_gw_api_t *api);

#define GW_BATCH_ROWS_MAX 1000 /* rows in one PUT /v1/subscribers or POST /v1/agreements */

/* The bad rows of a refused batch: the first MNP_CSV_ERRORS_MAX by 0-based index in the
 * array, with the reason (valid UTF-8), and how many there were. */
typedef struct gw_bad_rows {
    size_t count; /* exact */
    size_t n;     /* kept in rows[] */
    struct gw_bad_row {
        size_t index;
        char reason[MNP_ROW_REASON_MAX];
    } rows[MNP_CSV_ERRORS_MAX];
} gw_bad_rows_t;

/* Decodes body[0..len) as {"subscribers":[row, ...]} (1..GW_BATCH_ROWS_MAX rows; a row is an
 * object {number, name, identity, registration, status, unpaid_fen, last_port, services,
 * balance_fen}, see docs/gateway-data.md) and checks every row with mnp_subscriber_row_check; a
 * number twice is a bad row naming the earlier one. 0 with *rows (free() it) and *n set.
 * MNP_EFORMAT with p filled when the body as a whole is refused (json.h codes, and "no_rows"
 * for an empty array); MNP_EINVAL with bad filled (p cleared) when any row is bad. On failure
 * *rows is NULL. */
int gw_billing_subscribers_decode(const char *body, size_t len, size_t max_bytes,
                                  mnp_subscriber_row_t **rows, size_t *n, mnp_json_problem_t *p,
                                  gw_bad_rows_t *bad);

/* The same for {"agreements":[{number, name, start, end, fee_fen, has_term}, ...]} with
 * mnp_agreement_row_check (has_term a JSON boolean); the same agreement (number, name, start,
 * end) twice is a bad row. */
int gw_billing_agreements_decode(const char *body, size_t len, size_t max_bytes,
                                 mnp_agreement_row_t **rows, size_t *n, mnp_json_problem_t *p,
                                 gw_bad_rows_t *bad);

#endif
