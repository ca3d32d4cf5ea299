/*
 * The subscribers' self-service routes of the gateway API (gw_self.h, docs/self-service.md). No
 * operator key here: the tenant is the one whose store holds the number as an active subscriber,
 * and after the login the session token says both the tenant and the number. The answers to the
 * two queries carry, besides the reply text the SMS would carry, each unmet condition with its
 * facts, so that a web page can say the same in another language.
 *
 *   POST /v1/self/login        {number}            a login code by SMS            202
 *   POST /v1/self/session      {number, code}      the code for a session token   201
 *   POST /v1/self/eligibility  {name, identity}    the CXXZ answer                200
 *   POST /v1/self/authcode     {name, identity}    the SQXZ answer, with the code 200
 *   GET  /v1/self/orders                           the number's port orders       200
 *   POST /v1/self/logout                           the token is void              204
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_apiInt.h"
#include "mnp/number.h"

static void reply_refusal(mnp_http_request_t *req, const mnp_gw_self_refusal_t *r)
{
    if (r->retry_after_ms > 0) {
        char secs[24];
        snprintf(secs, sizeof(secs), "%lld", (long long)((r->retry_after_ms + 999) / 1000));
        mnp_http_add_header(req, "Retry-After", secs);
    }
    mnp_http_reply_problem(req, r->status, r->code, "%s", r->detail);
}

static void reply_store_error(mnp_http_request_t *req, const mnp_error_t *err)
{
    mnp_http_reply_problem(req, 503, "unavailable", "%s", err->msg[0] ? err->msg : "store");
}

static bool parse_number(mnp_http_request_t *req, const char *s, mnp_number_t *num)
{
    mnp_number_reason_t why;
    if (mnp_number_parse(s, strlen(s), num, &why) == 0)
        return true;
    mnp_http_reply_problem(req, 400, "bad_number", "number: %s", mnp_number_reason_str(why));
    return false;
}

/* The tenant that serves num; replies 404 not_a_subscriber (or 503) and returns NULL when none. */
static mnp_gw_t *tenant_of(mnp_http_request_t *req, mnp_gw_api_t *api, const mnp_number_t *num)
{
    for (size_t i = 0, n = gw_api_tenant_count(api); i < n; i++) {
        mnp_gw_t *gw = gw_api_tenant(api, i);
        bool yes = false;
        mnp_error_t err = {0};
        if (mnp_gw_self_serves(gw, num->e164, &yes, &err) != 0) {
            reply_store_error(req, &err);
            return NULL;
        }
        if (yes)
            return gw;
    }
    mnp_http_reply_problem(req, 404, "not_a_subscriber",
                           "no operator here serves this number: log in at your own operator");
    return NULL;
}

/* The tenant and number of the request's session (Authorization: Bearer TOKEN); replies 401
 * and returns NULL when there is none. */
static mnp_gw_t *session_of(mnp_http_request_t *req, mnp_gw_api_t *api, uint64_t *number)
{
    const char *auth = mnp_http_request_header(req, "Authorization");
    int64_t expires_ms;
    for (size_t i = 0, n = gw_api_tenant_count(api);
         auth != NULL && strncmp(auth, "Bearer ", 7) == 0 && i < n; i++) {
        mnp_gw_t *gw = gw_api_tenant(api, i);
        if (mnp_gw_self_session_find(gw, auth + 7, number, &expires_ms))
            return gw;
    }
    mnp_http_reply_problem(req, 401, "unauthorized",
                           "no session, or it ended or expired: log in again "
                           "(POST /v1/self/login) and send its token as Authorization: Bearer");
    return NULL;
}

/* "138****5678": enough for the subscriber to recognise the number, little for anyone else. */
static void masked(const mnp_number_t *num, char out[MNP_NUMBER_STR_SIZE])
{
    char national[MNP_NUMBER_STR_SIZE];
    int n =
        snprintf(national, sizeof(national), "%llu", (unsigned long long)mnp_number_national(num));
    for (int i = 0; i < n; i++)
        out[i] = i < 3 || i >= n - 4 ? national[i] : '*';
    out[n] = '\0';
}

/* Decodes the body as kind, of which *number is a member, and finds the tenant that serves the
 * number (into num); replies and returns NULL when refused. *root as gw_api_decode leaves it. */
static mnp_gw_t *tenant_of_body(mnp_http_request_t *req, mnp_gw_api_t *api, gw_body_kind_t kind,
                                void *b, const char *const *number, json_t **root,
                                mnp_number_t *num)
{
    if (!gw_api_decode(req, kind, b, root))
        return NULL;
    return parse_number(req, *number, num) ? tenant_of(req, api, num) : NULL;
}

static void post_login(mnp_http_request_t *req, void *ud)
{
    gw_number_body_t b = {0};
    json_t *root;
    mnp_number_t num;
    mnp_gw_t *gw = tenant_of_body(req, ud, GW_BODY_NUMBER, &b, &b.number, &root, &num);
    json_decref(root);
    if (gw == NULL)
        return;
    mnp_gw_login_t *r = malloc(sizeof(*r));
    mnp_error_t err = {0};
    int rc = r ? mnp_gw_self_login(gw, num.e164, r, &err)
               : mnp_error_set(&err, MNP_ENOMEM, "out of memory");
    char sent_to[MNP_NUMBER_STR_SIZE];
    masked(&num, sent_to);
    if (rc != 0) {
        reply_store_error(req, &err);
    } else if (r->refused.status != 0) {
        reply_refusal(req, &r->refused);
    } else {
        json_t *j = json_pack("{s:s,s:s,s:s,s:I}", "operator", gw->op, "operator_name", gw->name,
                              "sent_to", sent_to, "expires_ms", (json_int_t)r->expires_ms);
        if (r->demo_sms[0] != '\0') /* [gateway] demo_show_login_sms: demos only */
            json_object_set_new(j, "demo_sms", json_string(r->demo_sms));
        mnp_http_reply_json_value(req, 202, j);
        json_decref(j);
    }
    if (r != NULL)
        mnp_memzero(r, sizeof(*r)); /* the demo's SMS carries the code */
    free(r);
}

static void post_session(mnp_http_request_t *req, void *ud)
{
    gw_session_body_t b = {0};
    json_t *root;
    mnp_number_t num;
    mnp_gw_t *gw = tenant_of_body(req, ud, GW_BODY_SELF_SESSION, &b, &b.number, &root, &num);
    mnp_gw_session_t s;
    if (gw != NULL)
        mnp_gw_self_session_new(gw, num.e164, b.code, &s);
    json_decref(root);
    if (gw == NULL)
        return;
    if (s.refused.status != 0) {
        reply_refusal(req, &s.refused);
        return;
    }
    char digits[MNP_NUMBER_STR_SIZE];
    json_t *j = json_pack("{s:s,s:I,s:s,s:s,s:s}", "token", s.token, "expires_ms",
                          (json_int_t)s.expires_ms, "operator", gw->op, "operator_name", gw->name,
                          "number", mnp_number_format(&num, digits));
    mnp_http_reply_json_value(req, 201, j);
    json_decref(j);
    mnp_memzero(&s, sizeof(s));
}

/* One unmet condition with the facts a page needs to say it in its own words (E07 none: it
 * discloses nothing, as the SMS does not). */
static json_t *condition_json(int code, const mnp_elig_result_t *r)
{
    char name[8], day[32];
    snprintf(name, sizeof(name), "E%02d", code);
    json_t *c = json_pack("{s:s}", "code", name);
    if (code == 1)
        json_object_set_new(c, "why", json_string(mnp_registration_name(r->registration)));
    else if (code == 2)
        json_object_set_new(c, "status", json_string(mnp_sub_status_name(r->status)));
    else if (code == 3)
        json_object_set_new(c, "unpaid_fen", json_integer((json_int_t)r->unpaid_fen));
    else if (code == 5)
        json_object_set_new(c, "portable_from",
                            json_string(gw_beijing_date(r->port_again_ms, day)));
    if (code != 4)
        return c;
    json_t *list = json_array();
    for (size_t i = 0; i < r->nblocking; i++) {
        const mnp_agreement_t *a = r->blocking[i];
        /* end_ms is exclusive: the last day in force, as the SMS says it. */
        json_array_append_new(list, json_pack("{s:s,s:s,s:I}", "name", a->name, "end",
                                              gw_beijing_date(a->end_ms - 1, day), "fee_fen",
                                              (json_int_t)a->fee_fen));
    }
    json_object_set_new(c, "agreements", list);
    return c;
}

/* The answer to a query as the web gets it: the verdict, the SMS's reply, the conditions, and
 * what porting ends (only to the subscriber whose name and identity matched). */
static json_t *answer_json(const mnp_gw_answer_t *a)
{
    json_t *conditions = json_array(), *services = json_array();
    for (int code = 1; code <= 7; code++)
        if (a->r.unmet[code])
            json_array_append_new(conditions, condition_json(code, &a->r));
    bool disclose = a->found && !a->r.unmet[7];
    for (size_t i = 0; disclose && i < a->sub.row.nservices; i++)
        json_array_append_new(services, json_string(a->sub.row.services[i]));
    return json_pack("{s:b,s:s,s:o,s:o,s:I}", "eligible", a->r.eligible, "reply", a->reply,
                     "conditions", conditions, "services", services, "balance_fen",
                     (json_int_t)(disclose ? a->sub.row.balance_fen : 0));
}

/* The name as a person types it into a form: without the spaces around it. */
static void trimmed(const char *s, char out[MNP_SUB_NAME_MAX])
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    snprintf(out, MNP_SUB_NAME_MAX, "%.*s", (int)n, s);
}

/* CXXZ or SQXZ for the session's number. */
static void self_query(mnp_http_request_t *req, mnp_gw_api_t *api, mnp_sms_kind_t kind)
{
    uint64_t number;
    gw_query_body_t b = {0};
    json_t *root;
    mnp_gw_t *gw = session_of(req, api, &number);
    if (gw == NULL || !gw_api_decode(req, GW_BODY_SELF_QUERY, &b, &root))
        return;
    char name[MNP_SUB_NAME_MAX];
    trimmed(b.name, name);
    mnp_gw_answer_t *a = malloc(sizeof(*a));
    mnp_error_t err = {0};
    int rc = a ? mnp_gw_self_query(gw, number, kind, name, b.identity, a, &err)
               : mnp_error_set(&err, MNP_ENOMEM, "out of memory");
    json_decref(root);
    if (rc != 0) {
        reply_store_error(req, &err);
    } else {
        json_t *j = answer_json(a);
        if (kind == MNP_SMS_SQXZ)
            json_object_set_new(j, "code_issued", json_boolean(a->code_issued));
        /* The code goes to the subscriber who proved to hold the number, on the web: the web
         * channel answers on the web, as the SMS channel answers by SMS. */
        if (a->code_issued) {
            json_object_set_new(j, "code", json_string(a->code));
            json_object_set_new(j, "expires_ms", json_integer((json_int_t)a->code_expires_ms));
        }
        mnp_http_reply_json_value(req, 200, j);
        json_decref(j);
    }
    if (a != NULL)
        mnp_gw_answer_wipe(a);
    free(a);
}

static void post_eligibility(mnp_http_request_t *req, void *ud)
{
    self_query(req, ud, MNP_SMS_CXXZ);
}

static void post_authcode(mnp_http_request_t *req, void *ud)
{
    self_query(req, ud, MNP_SMS_SQXZ);
}

static void get_orders(mnp_http_request_t *req, void *ud)
{
    uint64_t number;
    mnp_gw_t *gw = session_of(req, ud, &number);
    if (gw == NULL)
        return;
    json_t *orders = NULL;
    mnp_gw_self_refusal_t r;
    if (mnp_gw_self_orders(gw, number, &orders, &r) != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "out of memory");
        return;
    }
    if (r.status != 0) {
        reply_refusal(req, &r);
        return;
    }
    char digits[MNP_NUMBER_STR_SIZE];
    snprintf(digits, sizeof(digits), "%llu", (unsigned long long)number);
    json_t *j = json_pack("{s:s,s:o}", "number", digits, "orders", orders);
    mnp_http_reply_json_value(req, 200, j);
    json_decref(j);
}

static void post_logout(mnp_http_request_t *req, void *ud)
{
    uint64_t number;
    mnp_gw_t *gw = session_of(req, ud, &number);
    if (gw == NULL)
        return;
    const char *auth = mnp_http_request_header(req, "Authorization");
    if (mnp_gw_self_logout(gw, auth + 7))
        mnp_http_reply(req, 204, "application/json", "", 0);
    else /* ended or expired between the two looks */
        session_of(req, ud, &number);
}

int gw_api_self_routes(mnp_http_router_t *router, mnp_gw_api_t *api)
{
    static const mnp_http_route_t routes[] = {
        {"POST", "/v1/self/login", "self_login", post_login},
        {"POST", "/v1/self/session", "self_session", post_session},
        {"POST", "/v1/self/eligibility", "self_eligibility", post_eligibility},
        {"POST", "/v1/self/authcode", "self_authcode", post_authcode},
        {"GET", "/v1/self/orders", "self_orders", get_orders},
        {"POST", "/v1/self/logout", "self_logout", post_logout},
    };
    return mnp_http_router_add_all(router, routes, sizeof(routes) / sizeof(routes[0]), api);
}
