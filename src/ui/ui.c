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

/* GET /ui/areas.json: ud points at the bit set, one of masks below. */
static void areas_json(mnp_http_request_t *req, void *ud)
{
    static const char *const names[] = {"subscriber", "operator", "regulator"};
    unsigned areas = *(const unsigned *)ud;
    char body[96];
    size_t n = (size_t)snprintf(body, sizeof(body), "{\"areas\":[");
    for (unsigned i = 0; i < 3; i++)
        if (areas & (1u << i))
            n += (size_t)snprintf(body + n, sizeof(body) - n, "%s\"%s\"",
                                  body[n - 1] == '[' ? "" : ",", names[i]);
    n += (size_t)snprintf(body + n, sizeof(body) - n, "]}");
    mnp_http_add_header(req, "Cache-Control", "no-cache");
    mnp_http_reply_json(req, 200, body, n);
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

int mnp_ui_routes(mnp_http_router_t *router, unsigned areas)
{
    /* The routes' ud must outlive the router: one per possible set (never written). */
    static unsigned masks[MNP_UI_ALL + 1] = {0, 1, 2, 3, 4, 5, 6, 7};
    if (mnp_ui_find("index.html") == NULL || areas == 0 || areas > MNP_UI_ALL)
        return MNP_EINVAL; /* a build without its pages, or no area: a bug */
    int rc = mnp_http_router_add(router, "GET", "/", "ui_root", root, NULL);
    if (rc == 0)
        rc = mnp_http_router_add(router, "GET", "/ui", "ui_root", root, NULL);
    if (rc == 0)
        rc = mnp_http_router_add(router, "GET", "/ui/", "ui_index", index_page, NULL);
    if (rc == 0)
        rc = mnp_http_router_add(router, "GET", "/ui/areas.json", "ui_areas", areas_json,
                                 &masks[areas]);
    if (rc == 0)
        rc = mnp_http_router_add(router, "GET", "/ui/{file}", "ui_asset", asset, NULL);
    return rc;
}
