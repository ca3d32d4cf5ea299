/*
 * The gateway's routes (gw_api.h): authenticate the operator's system by its key, decode the
 * body strictly, hand the work to the tenant's gateway, answer JSON or a problem body. The
 * billing system's routes are in gw_api_billing.c.
 */
#include "mnp/gw_api.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_apiInt.h"
#include "mnp/alloc.h"
#include "mnp/json.h"
#include "mnp/secret.h"

#define TENANTS_MAX        64
#define OUTBOUND_LIMIT_MAX 1000

struct mnp_gw_api {
    mnp_hash_key_t key; /* hashes the configured and the presented keys alike */
    struct {
        mnp_gw_t *gw;
        uint8_t key_hash[MNP_HASH_BYTES];
    } tenants[TENANTS_MAX];
    /* Tenants are added while the server may already serve: an entry is complete before n
     * counts it (release), and readers see n first (acquire). Adding is single-threaded. */
    atomic_size_t n;
};

int mnp_gw_api_new(mnp_gw_api_t **out)
{
    mnp_gw_api_t *api = mnp_xcalloc(1, sizeof(*api));
    mnp_hash_key_generate(&api->key);
    *out = api;
    return 0;
}

void mnp_gw_api_free(mnp_gw_api_t *api)
{
    if (api == NULL)
        return;
    mnp_hash_key_wipe(&api->key);
    free(api);
}

static void key_hash(const mnp_gw_api_t *api, const char *key, uint8_t out[MNP_HASH_BYTES])
{
    mnp_keyed_hash(&api->key, "mnp gateway api key", key, strlen(key), out);
}

int mnp_gw_api_add(mnp_gw_api_t *api, mnp_gw_t *gw, const char *api_key)
{
    size_t n = atomic_load_explicit(&api->n, memory_order_relaxed);
    if (n == TENANTS_MAX)
        return MNP_ELIMIT;
    uint8_t h[MNP_HASH_BYTES];
    key_hash(api, api_key, h);
    for (size_t i = 0; i < n; i++)
        if (strcmp(api->tenants[i].gw->op, gw->op) == 0 ||
            mnp_ct_equal(api->tenants[i].key_hash, h, sizeof(h)))
            return MNP_EEXIST;
    api->tenants[n].gw = gw;
    memcpy(api->tenants[n].key_hash, h, sizeof(h));
    atomic_store_explicit(&api->n, n + 1, memory_order_release);
    return 0;
}

mnp_gw_t *gw_api_authenticate(mnp_http_request_t *req, mnp_gw_api_t *api)
{
    const char *auth = mnp_http_request_header(req, "Authorization");
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 || auth[7] == '\0') {
        mnp_http_reply_problem(req, 401, "unauthorized",
                               "send the operator's key as Authorization: Bearer KEY");
        return NULL;
    }
    uint8_t h[MNP_HASH_BYTES];
    key_hash(api, auth + 7, h);
    mnp_gw_t *found = NULL;
    /* Every tenant is compared, so the time taken says nothing about which one matched. */
    size_t n = atomic_load_explicit(&api->n, memory_order_acquire);
    for (size_t i = 0; i < n; i++)
        if (mnp_ct_equal(api->tenants[i].key_hash, h, sizeof(h)))
            found = api->tenants[i].gw;
    if (found == NULL)
        mnp_http_reply_problem(req, 401, "unauthorized", "unknown key");
    return found;
}

size_t gw_api_tenant_count(const mnp_gw_api_t *api)
{
    return atomic_load_explicit(&api->n, memory_order_acquire);
}

mnp_gw_t *gw_api_tenant(const mnp_gw_api_t *api, size_t i)
{
    return api->tenants[i].gw;
}

bool gw_api_decode(mnp_http_request_t *req, gw_body_kind_t kind, void *dst, json_t **root)
{
    size_t len;
    const char *body = mnp_http_request_body(req, &len);
    mnp_json_problem_t p;
    if (gw_body_decode(kind, body, len, dst, root, &p) != 0) {
        mnp_http_reply_json_problem(req, &p);
        return false;
    }
    return true;
}

static const char *kind_name(mnp_sms_kind_t k)
{
    return k == MNP_SMS_CXXZ ? "CXXZ" : k == MNP_SMS_SQXZ ? "SQXZ" : "unknown";
}

static void post_inbound(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    gw_inbound_body_t b = {0};
    json_t *root;
    if (gw == NULL || !gw_api_decode(req, GW_BODY_SMS_INBOUND, &b, &root))
        return;
    mnp_gw_sms_result_t *r = malloc(sizeof(*r));
    mnp_error_t err = {0};
    int rc = r ? mnp_gw_sms_inbound(gw, b.from, b.to, b.text, r, &err) : MNP_ENOMEM;
    if (rc != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg[0] ? err.msg : "store");
    } else if (r->status >= 400) {
        mnp_http_reply_problem(req, r->status, r->code, "%s", r->detail);
    } else {
        json_t *j =
            json_pack("{s:I,s:s,s:b,s:b,s:I,s:s}", "sms", (json_int_t)r->sms_id, "kind",
                      kind_name(r->kind), "eligible", r->eligible, "code_issued", r->code_issued,
                      "segments", (json_int_t)r->segments, "reply", r->reply);
        mnp_http_reply_json_value(req, 200, j);
        json_decref(j);
    }
    if (r != NULL)
        mnp_memzero(r->reply, sizeof(r->reply)); /* it may carry a code */
    free(r);
    json_decref(root);
}

static void post_port_in(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    gw_port_body_t b = {0};
    json_t *root;
    if (gw == NULL || !gw_api_decode(req, GW_BODY_PORT_IN, &b, &root))
        return;
    mnp_gw_port_result_t r;
    mnp_error_t err = {0};
    int rc = mnp_gw_port_in(gw, b.number, b.name, b.identity, b.code, b.channel, &r, &err);
    if (rc != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg[0] ? err.msg : "store");
    } else if (r.status >= 400) {
        mnp_http_reply_problem(req, r.status, r.code[0] ? r.code : "refused", "%s", r.detail);
    } else {
        char body[64];
        int n = snprintf(body, sizeof(body), "{\"order\":%lld}", (long long)r.order_id);
        mnp_http_reply_json(req, 201, body, (size_t)n);
    }
    json_decref(root);
}

typedef struct outbound_page {
    mnp_gw_t *gw;
    int64_t after;
    unsigned limit;
    json_t *list;
    int64_t last;
} outbound_page_t;

static int add_message(const mnp_gw_sms_t *m, void *arg)
{
    outbound_page_t *p = arg;
    char to[MNP_NUMBER_STR_SIZE];
    snprintf(to, sizeof(to), "%llu", (unsigned long long)m->to);
    char *text = malloc(MNP_GW_TEXT_MAX);
    if (text == NULL)
        return MNP_ENOMEM;
    if (!gw_sms_open(p->gw, m->text, text))
        mnp_log(MNP_LOG_WARN, "a queued SMS does not open with this gateway's key",
                MNP_KV(MNP_KV_STR("operator", p->gw->op), MNP_KV_I64("sms", m->id)));
    json_array_append_new(p->list,
                          json_pack("{s:I,s:s,s:s,s:s,s:i,s:I}", "id", (json_int_t)m->id, "to", to,
                                    "from", m->from, "text", text, "segments", (int)m->segments,
                                    "created_ms", (json_int_t)m->created_ms));
    mnp_memzero(text, MNP_GW_TEXT_MAX); /* it may carry a code */
    free(text);
    p->last = m->id;
    return 0;
}

static int read_outbound(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    outbound_page_t *p = arg;
    return mnp_txn_gw_sms_pending(txn, p->gw->op, p->after, p->limit, add_message, p, err);
}

/* A query parameter as a non-negative integer up to max, def when absent; 400 otherwise. */
static bool query_int(mnp_http_request_t *req, const char *name, int64_t def, int64_t max,
                      int64_t *out)
{
    const char *s = mnp_http_request_query(req, name);
    char *end;
    long long v = s ? strtoll(s, &end, 10) : def;
    if (s != NULL && (s[0] < '0' || s[0] > '9' || *end != '\0' || v > max)) {
        mnp_http_reply_problem(req, 400, "bad_query", "%s must be an integer from 0 to %lld", name,
                               (long long)max);
        return false;
    }
    *out = v;
    return true;
}

static void get_outbound(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    int64_t after, limit;
    if (gw == NULL || !query_int(req, "after", 0, INT64_MAX, &after) ||
        !query_int(req, "limit", 100, OUTBOUND_LIMIT_MAX, &limit))
        return;
    outbound_page_t p = {.gw = gw,
                         .after = after,
                         .limit = limit ? (unsigned)limit : 1,
                         .list = json_array(),
                         .last = after};
    mnp_error_t err = {0};
    if (mnp_store_read(gw->store, read_outbound, &p, &err) != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg);
    } else {
        json_t *j = json_pack("{s:o,s:I}", "messages", p.list, "next_after", (json_int_t)p.last);
        p.list = NULL;
        mnp_http_reply_json_value(req, 200, j);
        json_decref(j);
    }
    json_decref(p.list);
}

typedef struct ack_job {
    mnp_gw_t *gw;
    int64_t up_to;
    size_t n;
} ack_job_t;

static int ack_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    ack_job_t *j = arg;
    return mnp_txn_gw_sms_ack(txn, j->gw->op, j->up_to, mnp_clock_now_ms(j->gw->clock), &j->n, err);
}

static void post_outbound_ack(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    gw_ack_body_t b = {0};
    json_t *root;
    if (gw == NULL || !gw_api_decode(req, GW_BODY_ACK, &b, &root))
        return;
    ack_job_t j = {.gw = gw, .up_to = b.up_to};
    mnp_error_t err = {0};
    if (mnp_store_write(gw->store, ack_write, &j, &err) != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg);
    } else {
        char body[64];
        int n = snprintf(body, sizeof(body), "{\"acknowledged\":%zu}", j.n);
        mnp_http_reply_json(req, 200, body, (size_t)n);
    }
    json_decref(root);
}

static void get_provisioning(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    int64_t after, limit;
    if (gw == NULL || !query_int(req, "after", 0, INT64_MAX, &after) ||
        !query_int(req, "limit", 100, OUTBOUND_LIMIT_MAX, &limit))
        return;
    json_t *page = NULL;
    mnp_error_t err = {0};
    if (mnp_gw_prov_list(gw, after, limit ? (unsigned)limit : 1, &page, &err) != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg);
        return;
    }
    mnp_http_reply_json_value(req, 200, page);
    json_decref(page);
}

static void post_provisioning_ack(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    gw_ack_body_t b = {0};
    json_t *root;
    if (gw == NULL || !gw_api_decode(req, GW_BODY_ACK, &b, &root))
        return;
    size_t n = 0;
    mnp_error_t err = {0};
    if (mnp_gw_prov_ack(gw, b.up_to, &n, &err) != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg);
    } else {
        char body[64];
        int len = snprintf(body, sizeof(body), "{\"acknowledged\":%zu}", n);
        mnp_http_reply_json(req, 200, body, (size_t)len);
    }
    json_decref(root);
}

static void post_termination(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    gw_number_body_t b = {0};
    json_t *root;
    if (gw == NULL || !gw_api_decode(req, GW_BODY_NUMBER, &b, &root))
        return;
    mnp_gw_port_result_t r;
    mnp_error_t err = {0};
    if (mnp_gw_terminate(gw, b.number, &r, &err) != 0)
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg);
    else if (r.status >= 300)
        mnp_http_reply_problem(req, r.status, r.code[0] ? r.code : "refused", "%s", r.detail);
    else
        mnp_http_reply_json(req, 200, "{\"status\":\"ok\"}", 15);
    json_decref(root);
}

int mnp_gw_api_routes(mnp_http_router_t *router, mnp_gw_api_t *api)
{
    static const mnp_http_route_t routes[] = {
        {"POST", "/v1/sms/inbound", "sms_inbound", post_inbound},
        {"GET", "/v1/sms/outbound", "sms_outbound", get_outbound},
        {"POST", "/v1/sms/outbound/ack", "sms_outbound_ack", post_outbound_ack},
        {"POST", "/v1/port-in", "port_in", post_port_in},
        {"POST", "/v1/terminations", "terminations", post_termination},
        {"GET", "/v1/provisioning", "provisioning", get_provisioning},
        {"POST", "/v1/provisioning/ack", "provisioning_ack", post_provisioning_ack},
    };
    int rc = mnp_http_router_add_all(router, routes, sizeof(routes) / sizeof(routes[0]), api);
    if (rc == 0)
        rc = gw_api_billing_routes(router, api);
    return rc == 0 ? gw_api_self_routes(router, api) : rc;
}
