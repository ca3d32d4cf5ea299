/*
 * ui.h: the web interface's files, served from the binary.
 */
#include "mnp/ui.h"

#include <string.h>

/* Only this origin's own files and API; nothing inline, nothing framed, no form posted away. */
#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "                   \
    "frame-ancestors 'none'"

const mnp_ui_asset_t *mnp_ui_find(const char *name)
{
    for (size_t i = 0; i < mnp_ui_assets_n; i++)
        if (strcmp(mnp_ui_assets[i].name, name) == 0)
            return &mnp_ui_assets[i];
    return NULL;
}

static void send_asset(mnp_http_request_t *req, const mnp_ui_asset_t *a)
{
    mnp_http_add_header(req, "Content-Security-Policy", CSP);
    mnp_http_add_header(req, "X-Content-Type-Options", "nosniff");
    mnp_http_add_header(req, "Referrer-Policy", "no-referrer");
    mnp_http_add_header(req, "Cache-Control", "no-cache");
    mnp_http_add_header(req, "ETag", a->etag);
    const char *seen = mnp_http_request_header(req, "If-None-Match");
    if (seen != NULL && strstr(seen, a->etag) != NULL)
        mnp_http_reply(req, 304, a->type, "", 0);
    else
        mnp_http_reply(req, 200, a->type, a->data, a->len);
}

static void root(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    mnp_http_add_header(req, "Location", "/ui/");
    mnp_http_reply_text(req, 302, "the web interface is at /ui/\n");
}

static void index_page(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    send_asset(req, mnp_ui_find("index.html"));
}

static void asset(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    const mnp_ui_asset_t *a = mnp_ui_find(mnp_http_request_param(req, "file"));
    if (a == NULL)
        mnp_http_reply_problem(req, 404, "not_found", "the web interface has no such file");
    else
        send_asset(req, a);
}

int mnp_ui_routes(mnp_http_router_t *router)
{
    if (mnp_ui_find("index.html") == NULL)
        return MNP_EINVAL; /* a build without its pages is a bug */
    int rc = mnp_http_router_add(router, "GET", "/", "ui_root", root, NULL);
    if (rc == 0)
        rc = mnp_http_router_add(router, "GET", "/ui", "ui_root", root, NULL);
    if (rc == 0)
        rc = mnp_http_router_add(router, "GET", "/ui/", "ui_index", index_page, NULL);
    if (rc == 0)
        rc = mnp_http_router_add(router, "GET", "/ui/{file}", "ui_asset", asset, NULL);
    return rc;
}
