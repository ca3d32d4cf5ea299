/*
 * A lookup replica's HTTP answers (SPEC.md §6), for the operators' own systems:
 *
 *   GET  /v1/lookup/{number}   one number, in any written form number.h accepts
 *   POST /v1/lookup            {"numbers": [...]}, at most MNP_LOOKUP_API_BATCH_MAX, answered in
 *                              order: {"answers": [...], "seq": N}
 *
 * An answer: {"number": E.164 digits, "operator": who serves it now, "ported": bool, "holder":
 * its range holder, "local_network": "0731" or null, "routing_number": the serving operator's
 * in that local network or null, "seq": the feed sequence number it reflects}. A number that is
 * not one (or not of the plan) is 400 bad_number for GET and {"number": as given, "error":
 * reason} in a batch. Lookups take no lock (lookup.h); the routes need no key: the service
 * answers what every network may know.
 */
#ifndef MNP_LOOKUP_API_H
#define MNP_LOOKUP_API_H

#include "mnp/http.h"
#include "mnp/lookup.h"
#include "mnp/routing.h"

#define MNP_LOOKUP_API_BATCH_MAX 1000

typedef struct mnp_lookup_api {
    mnp_lookup_t *table;                /* borrowed */
    const mnp_routing_table_t *routing; /* borrowed: routing numbers; may be NULL */
} mnp_lookup_api_t;

/* Adds the routes above to router (api borrowed; it must outlive every server using it). */
int mnp_lookup_api_routes(mnp_http_router_t *router, mnp_lookup_api_t *api) MNP_WUR;

#endif
