/*
 * The operator console's clearinghouse routes on a gateway with a listener of its own
 * (gw_api.h). The web console served there reads and answers orders at the clearinghouse, which
 * may be another process the browser cannot reach from this page's origin. So the gateway relays
 * a fixed list of routes through the tenant's own client: the key the caller presents picks the
 * tenant, and it is the very key that tenant's client holds, so the clearinghouse sees the
 * operator it would have seen directly and applies its own rules (RULE §7: an operator sees only
 * its own orders). Nothing else is relayed; answers come back with their status and problem
 * code.
 */
#include <stdio.h>
#include <string.h>

#include "gwInt.h"
#include "gw_apiInt.h"
#include "mnp/buf.h"

#define PATH_MAX_BYTES 1024

/* Appends s percent-encoded (RFC 3986: all but the unreserved characters). */
static void put_encoded(mnp_buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            mnp_buf_putc(b, (char)*p);
        } else {
            mnp_buf_putc(b, '%');
            mnp_buf_putc(b, hex[*p >> 4]);
            mnp_buf_putc(b, hex[*p & 15]);
        }
    }
}

/* The path at the clearinghouse: before, the request's path parameter param encoded and after
 * (param NULL: before alone), then those query parameters of names that the request carries,
 * encoded again. */
static void target(mnp_buf_t *b, mnp_http_request_t *req, const char *before, const char *param,
                   const char *after, const char *const *names)
{
    mnp_buf_puts(b, before);
    if (param != NULL) {
        put_encoded(b, mnp_http_request_param(req, param));
        mnp_buf_puts(b, after);
    }
    char sep = '?';
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        const char *v = mnp_http_request_query(req, names[i]);
        if (v == NULL)
            continue;
        mnp_buf_putc(b, sep);
        mnp_buf_puts(b, names[i]);
        mnp_buf_putc(b, '=');
        put_encoded(b, v);
        sep = '&';
    }
}

/* Sends method path (and the request's body for a POST) with gw's client and answers with what
 * came back. */
static void relay(mnp_http_request_t *req, mnp_gw_t *gw, const char *method, mnp_buf_t *path)
{
    if (mnp_buf_error(path) != 0) {
        mnp_http_reply_problem(req, 414, "too_long", "the path is too long to relay");
        return;
    }
    size_t len = 0;
    const char *raw = strcmp(method, "POST") == 0 ? mnp_http_request_body(req, &len) : NULL;
    mnp_buf_t body;
    mnp_buf_init(&body, GW_BODY_MAX + 1);
    if (raw != NULL && memchr(raw, '\0', len) != NULL) {
        mnp_http_reply_problem(req, 400, "bad_json", "the body holds a NUL byte");
        mnp_buf_fini(&body);
        return;
    }
    mnp_buf_append(&body, raw != NULL ? raw : "", len);
    mnp_buf_putc(&body, '\0');
    if (mnp_buf_error(&body) != 0) {
        mnp_http_reply_problem(req, 413, "body_too_large", "at most %d bytes", GW_BODY_MAX);
        mnp_buf_fini(&body);
        return;
    }
    int status = 0;
    json_t *answer = NULL;
    mnp_error_t err = {0};
    int rc = mnp_ch_client_call(gw->ch, method, path->data,
                                raw != NULL && len > 0 ? body.data : NULL, &status, &answer, &err);
    mnp_buf_fini(&body);
    if (rc != 0)
        mnp_http_reply_problem(req, 503, "clearinghouse_unreachable",
                               "the clearinghouse cannot be reached: %s", err.msg);
    else if (status >= 400 && mnp_ch_problem_code(answer)[0] != '\0')
        mnp_http_reply_problem(req, status, mnp_ch_problem_code(answer), "%s",
                               mnp_ch_problem_detail(answer));
    else if (answer != NULL)
        mnp_http_reply_json_value(req, status, answer);
    else
        mnp_http_reply_problem(req, 502, "clearinghouse_refused",
                               "the clearinghouse answered %d without a JSON body", status);
    json_decref(answer);
}

/* One relayed route: the request's method, and its path at the clearinghouse. */
static void console(mnp_http_request_t *req, mnp_gw_api_t *api, const char *method,
                    const char *before, const char *param, const char *after,
                    const char *const *names)
{
    mnp_gw_t *gw = gw_api_authenticate(req, api);
    if (gw == NULL)
        return;
    mnp_buf_t path;
    mnp_buf_init(&path, PATH_MAX_BYTES);
    target(&path, req, before, param, after, names);
    relay(req, gw, method, &path);
    mnp_buf_fini(&path);
}

static void me(mnp_http_request_t *req, void *ud)
{
    console(req, ud, "GET", "/v1/me", NULL, NULL, NULL);
}

static void number(mnp_http_request_t *req, void *ud)
{
    console(req, ud, "GET", "/v1/numbers/", "number", "", NULL);
}

static void orders(mnp_http_request_t *req, void *ud)
{
    static const char *const names[] = {"state", "role", "number", "after", "limit", NULL};
    console(req, ud, "GET", "/v1/orders", NULL, NULL, names);
}

static void order(mnp_http_request_t *req, void *ud)
{
    console(req, ud, "GET", "/v1/orders/", "id", "", NULL);
}

static void timeline(mnp_http_request_t *req, void *ud)
{
    static const char *const names[] = {"after", "limit", NULL};
    console(req, ud, "GET", "/v1/orders/", "id", "/timeline", names);
}

static void answer(mnp_http_request_t *req, void *ud)
{
    console(req, ud, "POST", "/v1/orders/", "id", "/answer", NULL);
}

static void cancel(mnp_http_request_t *req, void *ud)
{
    console(req, ud, "POST", "/v1/orders/", "id", "/cancel", NULL);
}

int mnp_gw_api_console_routes(mnp_http_router_t *router, mnp_gw_api_t *api)
{
    static const mnp_http_route_t routes[] = {
        {"GET", "/v1/me", "console_me", me},
        {"GET", "/v1/numbers/{number}", "console_number", number},
        {"GET", "/v1/orders", "console_orders", orders},
        {"GET", "/v1/orders/{id}", "console_order", order},
        {"GET", "/v1/orders/{id}/timeline", "console_timeline", timeline},
        {"POST", "/v1/orders/{id}/answer", "console_answer", answer},
        {"POST", "/v1/orders/{id}/cancel", "console_cancel", cancel},
    };
    return mnp_http_router_add_all(router, routes, sizeof(routes) / sizeof(routes[0]), api);
}
