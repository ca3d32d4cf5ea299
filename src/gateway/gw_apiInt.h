/*
 * Private to the gateway's HTTP API (gw_api.c, gw_api_billing.c, gw_billing_rows.c): how a
 * route learns which tenant calls it, and the billing system's row batches (PUT /v1/subscribers,
 * POST /v1/agreements) decoded from JSON and checked row by row with the same rules as the
 * billing files (subscriber_csv.h), apart from any store so that a fuzzer can drive them.
 */
#ifndef MNP_GW_API_INT_H
#define MNP_GW_API_INT_H

#include <stddef.h>

#include "gwInt.h"
#include "mnp/gw_api.h"
#include "mnp/json.h"
#include "mnp/subscriber_csv.h"

/* The tenant whose key the request carries (Authorization: Bearer KEY); replies 401 and
 * returns NULL when none. */
mnp_gw_t *gw_api_authenticate(mnp_http_request_t *req, mnp_gw_api_t *api);

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
