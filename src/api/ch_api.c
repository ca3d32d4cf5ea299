/*
 * The clearinghouse's /v1 routes: authenticate, decode the body strictly (unknown, missing and
 * mistyped fields are refused before anything runs), call the workflow, and turn its outcome into
 * a JSON answer or a problem body. No rule lives here: the workflow decides, this file translates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ch_apiInt.h"
#include "mnp/number.h"
#include "mnp/store_orders.h"

typedef struct cred_find {
    uint8_t hash[MNP_HASH_BYTES];
    mnp_credential_rec_t rec;
} cred_find_t;

static int find_cred(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    cred_find_t *f = arg;
    return mnp_txn_credential_find(txn, f->hash, &f->rec, err);
}

/* RULE §7: every request carries its operator's (or the regulator's) key; only its keyed hash is
 * ever compared. */
bool ch_api_authenticate(mnp_http_request_t *req, mnp_ch_api_t *api, caller_t *c)
{
    const char *h = mnp_http_request_header(req, "Authorization");
    cred_find_t f;
    mnp_error_t err;
    if (h == NULL || strncmp(h, "Bearer ", 7) != 0 ||
        mnp_apikey_hash(api->key, h + 7, f.hash) != 0) {
        mnp_http_reply_problem(req, 401, "unauthorized",
                               "send 'Authorization: Bearer KEY' with the key mnpctl printed");
        return false;
    }
    int rc = mnp_store_read(api->store, find_cred, &f, &err);
    if (rc != 0) {
        if (rc == MNP_ENOENT)
            mnp_http_reply_problem(req, 401, "unauthorized", "unknown or revoked API key");
        else
            mnp_http_reply_problem(req, 503, "unavailable", "the store cannot be read now");
        return false;
    }
    c->role = f.rec.role;
    snprintf(c->principal, sizeof(c->principal), "%s", f.rec.principal);
    snprintf(c->consumer, sizeof(c->consumer), "%s%s",
             c->role == MNP_ROLE_REPLICA ? "replica:" : "",
             c->role == MNP_ROLE_REGULATOR ? "" : f.rec.principal);
    /* RULE §7: a lookup replica follows the NPDB (its changes, its snapshot, a number's answer)
     * and nothing else. */
    static const char *const replica_routes[] = {"events_get", "events_ack", "npdb_snapshot",
                                                 "numbers_get"};
    bool allowed = c->role != MNP_ROLE_REPLICA;
    for (size_t i = 0; !allowed && i < sizeof(replica_routes) / sizeof(replica_routes[0]); i++)
        allowed = strcmp(mnp_http_request_route(req), replica_routes[i]) == 0;
    if (!allowed)
        mnp_http_reply_problem(req, 403, "forbidden",
                               "a lookup replica reads the change feed and the snapshot only");
    return allowed;
}

/* Operators only: the regulator changes nothing (RULE §7). */
static bool need_operator(mnp_http_request_t *req, const caller_t *c)
{
    if (c->role == MNP_ROLE_OPERATOR)
        return true;
    mnp_http_reply_problem(req, 403, "forbidden", "the regulator reads and reverses; it cannot %s",
                           mnp_http_request_route(req));
    return false;
}

/* Parses and decodes the body as kind into dst; replies the problem and returns false on
 * failure. */
static bool decode(mnp_http_request_t *req, ch_body_kind_t kind, void *dst, json_t **root)
{
    size_t len;
    const char *body = mnp_http_request_body(req, &len);
    mnp_json_problem_t p;
    if (ch_body_decode(kind, body, len, dst, root, &p) != 0) {
        mnp_http_reply_json_problem(req, &p);
        return false;
    }
    return true;
}

/* The workflow's outcome as the answer: a problem, or body_json (NULL: {"status":"ok"}). */
void ch_api_reply_outcome(mnp_http_request_t *req, const mnp_ch_outcome_t *o, int rc,
                          const mnp_error_t *err)
{
    if (rc != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err->msg[0] ? err->msg : "store");
        return;
    }
    if (o->status >= 400) {
        mnp_http_reply_problem(req, o->status, o->code, "%s", o->detail);
        return;
    }
    char body[64];
    int n = o->order_id ? snprintf(body, sizeof(body), "{\"order\":%lld}", (long long)o->order_id)
                        : snprintf(body, sizeof(body), "{\"status\":\"ok\"}");
    mnp_http_reply_json(req, o->status, body, (size_t)n);
}

int64_t ch_api_order_id(mnp_http_request_t *req)
{
    const char *s = mnp_http_request_param(req, "id");
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (s == NULL || *s == '\0' || *end != '\0' || v <= 0) {
        mnp_http_reply_problem(req, 404, "not_found", "no such order");
        return 0;
    }
    return (int64_t)v;
}

static void post_authcode(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    ch_subscriber_body_t b = {0};
    json_t *root;
    if (!ch_api_authenticate(req, api, &c) || !need_operator(req, &c) ||
        !decode(req, CH_BODY_AUTHCODE, &b, &root))
        return;
    mnp_ch_outcome_t o;
    mnp_error_t err = {0};
    int rc = mnp_ch_register_code(api->ch, c.principal, b.number, b.identity, b.code, &o, &err);
    ch_api_reply_outcome(req, &o, rc, &err);
    json_decref(root);
}

static void post_order(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    ch_subscriber_body_t b = {0};
    json_t *root;
    if (!ch_api_authenticate(req, api, &c) || !need_operator(req, &c) ||
        !decode(req, CH_BODY_ORDER, &b, &root))
        return;
    mnp_ch_outcome_t o;
    mnp_error_t err = {0};
    int rc = mnp_ch_submit(api->ch, c.principal, b.number, b.identity, b.code, b.channel, &o, &err);
    ch_api_reply_outcome(req, &o, rc, &err);
    json_decref(root);
}

typedef struct get_job {
    int64_t id;
    mnp_order_rec_t o;
} get_job_t;

static int get_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    get_job_t *g = arg;
    return mnp_txn_order_get(txn, g->id, &g->o, err);
}

bool ch_api_order_visible(const caller_t *c, const mnp_order_rec_t *o)
{
    /* RULE §7: an operator sees only orders where it is recipient or donor. */
    return c->role != MNP_ROLE_OPERATOR || strcmp(o->recipient, c->principal) == 0 ||
           strcmp(o->donor, c->principal) == 0;
}

bool ch_api_order_shown(mnp_http_request_t *req, const caller_t *c, int64_t id,
                        const mnp_order_rec_t *o, int rc, const mnp_error_t *err)
{
    /* An order the caller may not see is answered exactly as one that does not exist. */
    if (rc == MNP_ENOENT || (rc == 0 && !ch_api_order_visible(c, o))) {
        mnp_http_reply_problem(req, 404, "not_found", "no order %lld for %s", (long long)id,
                               c->principal);
        return false;
    }
    if (rc != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err->msg);
        return false;
    }
    return true;
}

json_t *ch_api_order_json(const mnp_order_rec_t *o)
{
    char num[MNP_NUMBER_STR_SIZE];
    mnp_number_t n = {.e164 = o->number, .national_len = MNP_NATIONAL_DIGITS};
    json_t *j =
        json_pack("{sI ss ss ss ss ss ss ss sI sI}", "order", (json_int_t)o->id, "number",
                  mnp_number_format(&n, num), "state", mnp_order_state_name(o->state), "recipient",
                  o->recipient, "donor", o->donor, "local_network", o->local_network, "reason",
                  o->reason, "channel", o->channel, "created_ms", (json_int_t)o->created_ms,
                  "updated_ms", (json_int_t)o->updated_ms);
    if (j == NULL)
        return NULL;
    if (o->donor_deadline_ms)
        json_object_set_new(j, "donor_deadline_ms", json_integer(o->donor_deadline_ms));
    if (o->cutover_ms)
        json_object_set_new(j, "cutover_ms", json_integer(o->cutover_ms));
    if (o->npdb_seq)
        json_object_set_new(j, "npdb_seq", json_integer(o->npdb_seq));
    json_object_set_new(j, "donor_silent", json_boolean(o->donor_silent));
    return j;
}

static void get_order(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    if (!ch_api_authenticate(req, api, &c))
        return;
    get_job_t g = {.id = ch_api_order_id(req)};
    if (g.id == 0)
        return;
    mnp_error_t err;
    int rc = mnp_store_read(api->store, get_read, &g, &err);
    if (!ch_api_order_shown(req, &c, g.id, &g.o, rc, &err))
        return;
    json_t *j = ch_api_order_json(&g.o);
    if (j == NULL) {
        mnp_http_reply_problem(req, 500, "internal", "cannot build the order's JSON");
        return;
    }
    mnp_http_reply_json_value(req, 200, j);
    json_decref(j);
}

static void post_answer(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    ch_answer_body_t b = {0};
    json_t *root;
    if (!ch_api_authenticate(req, api, &c) || !need_operator(req, &c))
        return;
    int64_t id = ch_api_order_id(req);
    if (id == 0 || !decode(req, CH_BODY_ANSWER, &b, &root))
        return;
    mnp_ch_outcome_t o;
    mnp_error_t err = {0};
    int rc = mnp_ch_answer(api->ch, c.principal, id, b.reason, b.text, &o, &err);
    ch_api_reply_outcome(req, &o, rc, &err);
    json_decref(root);
}

static void post_cancel(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    json_t *root;
    if (!ch_api_authenticate(req, api, &c) || !need_operator(req, &c))
        return;
    int64_t id = ch_api_order_id(req);
    if (id == 0 || !decode(req, CH_BODY_CANCEL, NULL, &root))
        return;
    mnp_ch_outcome_t o;
    mnp_error_t err = {0};
    int rc = mnp_ch_cancel(api->ch, c.principal, id, &o, &err);
    ch_api_reply_outcome(req, &o, rc, &err);
    json_decref(root);
}

static void post_reverse(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    ch_text_body_t b = {0};
    json_t *root;
    if (!ch_api_authenticate(req, api, &c))
        return;
    if (c.role != MNP_ROLE_REGULATOR) {
        mnp_http_reply_problem(req, 403, "forbidden", "only the regulator reverses a port");
        return;
    }
    int64_t id = ch_api_order_id(req);
    if (id == 0 || !decode(req, CH_BODY_REVERSE, &b, &root))
        return;
    mnp_ch_outcome_t o;
    mnp_error_t err = {0};
    int rc = mnp_ch_reverse(api->ch, c.principal, id, b.text, &o, &err);
    ch_api_reply_outcome(req, &o, rc, &err);
    json_decref(root);
}

static void post_return(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    ch_number_body_t b = {0};
    json_t *root;
    if (!ch_api_authenticate(req, api, &c) || !need_operator(req, &c) ||
        !decode(req, CH_BODY_RETURN, &b, &root))
        return;
    mnp_ch_outcome_t o;
    mnp_error_t err = {0};
    int rc = mnp_ch_return(api->ch, c.principal, b.number, &o, &err);
    ch_api_reply_outcome(req, &o, rc, &err);
    json_decref(root);
}

static void post_ack(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    ch_ack_body_t b = {0};
    json_t *root;
    if (!ch_api_authenticate(req, api, &c))
        return;
    if (c.role == MNP_ROLE_REGULATOR) {
        mnp_http_reply_problem(req, 403, "forbidden", "the regulator acknowledges nothing");
        return;
    }
    if (!decode(req, CH_BODY_ACK, &b, &root))
        return;
    mnp_ch_outcome_t o;
    mnp_error_t err = {0};
    int rc = mnp_ch_ack(api->ch, c.consumer, (uint64_t)b.seq, &o, &err);
    ch_api_reply_outcome(req, &o, rc, &err);
    json_decref(root);
}

bool ch_api_query_u64(mnp_http_request_t *req, const char *name, uint64_t def, uint64_t max,
                      uint64_t *out)
{
    const char *s = mnp_http_request_query(req, name);
    if (s == NULL) {
        *out = def;
        return true;
    }
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || v > max) {
        mnp_http_reply_problem(req, 400, "bad_query", "%s must be an integer from 0 to %llu", name,
                               (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}

int mnp_ch_api_routes(mnp_http_router_t *router, mnp_ch_api_t *api)
{
    static const mnp_http_route_t routes[] = {
        {"POST", "/v1/authcodes", "authcodes_post", post_authcode},
        {"POST", "/v1/orders", "orders_post", post_order},
        {"GET", "/v1/orders", "orders_list", ch_api_list_orders},
        {"GET", "/v1/numbers/{number}", "numbers_get", ch_api_lookup},
        {"GET", "/v1/npdb/snapshot", "npdb_snapshot", ch_api_snapshot},
        {"GET", "/v1/audit", "audit_get", ch_api_audit},
        {"GET", "/v1/orders/{id}", "orders_get", get_order},
        {"GET", "/v1/orders/{id}/timeline", "orders_timeline", ch_api_timeline},
        {"POST", "/v1/orders/{id}/answer", "orders_answer", post_answer},
        {"POST", "/v1/orders/{id}/cancel", "orders_cancel", post_cancel},
        {"POST", "/v1/orders/{id}/reverse", "orders_reverse", post_reverse},
        {"POST", "/v1/returns", "returns_post", post_return},
        {"GET", "/v1/events", "events_get", ch_api_events},
        {"POST", "/v1/events/ack", "events_ack", post_ack},
        {"POST", "/v1/signals", "signals_post", ch_api_signal},
        {"POST", "/v1/signals/batch", "signals_batch", ch_api_signals},
        {"GET", "/v1/stats", "stats_get", ch_api_stats},
        {"GET", "/v1/me", "me_get", ch_api_me},
    };
    return mnp_http_router_add_all(router, routes, sizeof(routes) / sizeof(routes[0]), api);
}
