/*
 * The operator gateway's HTTP API for the operator's own systems (SPEC.md §3, §7): its SMS
 * centre delivers subscribers' SMS and drains the replies, its billing system keeps subscriber
 * records and term agreements current, its shops submit ports. One API serves every tenant of a
 * process: the Bearer key picks the operator (the same key the operator holds for the
 * clearinghouse; only a keyed hash of it is kept here).
 *
 *   POST /v1/sms/inbound           an SMS as the SMS centre delivers it   {from, to, text}
 *   GET  /v1/sms/outbound?after=ID&limit=N   replies waiting to be sent, oldest first
 *   POST /v1/sms/outbound/ack      the SMS centre sent them               {up_to}
 *   POST /v1/port-in               a shop submits a port (recipient)
 *                                  {number, name, identity, code, channel}
 *   POST /v1/terminations          a ported-in subscriber leaves          {number}
 *   GET  /v1/provisioning?after=ID&limit=N   events for the operator's network, oldest first
 *   POST /v1/provisioning/ack      the network applied them               {up_to}
 *
 * The billing system (docs/gateway-data.md; the same rows and rules as the files of
 * mnpctl subscribers|agreements import, all-or-nothing, bad rows answered 400 bad_rows):
 *   PUT  /v1/subscribers           adds or replaces 1-1000 records        {subscribers: [...]}
 *   GET  /v1/subscribers/{number}  one record, its agreements and its first CXXZ
 *   POST /v1/agreements            adds 1-1000 term agreements            {agreements: [...]}
 *   POST /v1/agreements/{id}/end   the subscriber ended it: no block from now on (E04)
 *
 * The subscribers themselves, without an operator key (gw_self.h, docs/self-service.md): the
 * tenant is the one that serves the number; after the login a session token stands for both.
 *   POST /v1/self/login            a login code by SMS to the number      {number}
 *   POST /v1/self/session          the code for a session token           {number, code}
 *   POST /v1/self/eligibility      the CXXZ answer, with its conditions   {name, identity}
 *   POST /v1/self/authcode         the SQXZ answer, with the code         {name, identity}
 *   GET  /v1/self/orders           the number's port orders
 *   POST /v1/self/logout           the token is void
 */
#ifndef MNP_GW_API_H
#define MNP_GW_API_H

#include "mnp/gateway.h"
#include "mnp/http.h"

typedef struct mnp_gw_api mnp_gw_api_t;

int mnp_gw_api_new(mnp_gw_api_t **out) MNP_WUR;
void mnp_gw_api_free(mnp_gw_api_t *api);

/* Serves gw (borrowed; must outlive the API) to callers presenting api_key. MNP_EEXIST for a
 * second tenant with the same operator code or key, MNP_ELIMIT past 64 tenants. */
int mnp_gw_api_add(mnp_gw_api_t *api, mnp_gw_t *gw, const char *api_key) MNP_WUR;

/* Adds the routes above to router (api borrowed; it must outlive every server using it). */
int mnp_gw_api_routes(mnp_http_router_t *router, mnp_gw_api_t *api) MNP_WUR;

/* The operator console's clearinghouse routes, for a gateway with a listener of its own (where
 * the clearinghouse does not serve them): relayed through the tenant whose key the caller
 * presents, with that same key, and answered as the clearinghouse answered (its status and
 * problem code; 503 clearinghouse_unreachable when it could not be asked):
 *   GET  /v1/me, /v1/numbers/{number}, /v1/orders?state&role&number&after&limit,
 *        /v1/orders/{id}, /v1/orders/{id}/timeline?after&limit
 *   POST /v1/orders/{id}/answer, /v1/orders/{id}/cancel */
int mnp_gw_api_console_routes(mnp_http_router_t *router, mnp_gw_api_t *api) MNP_WUR;

#endif
