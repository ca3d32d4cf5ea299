/*
 * The routes every daemon serves: /healthz for load balancers and supervisors, /metrics for
 * Prometheus. They are plain handlers registered like any other route, so they are counted in
 * the request metrics too.
 */
#include "httpInt.h"

/* Largest exposition /metrics sends; a registry that outgrows it is a bug worth a 500. */
#define METRICS_RENDER_MAX (8u * 1024 * 1024)

static void healthz(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    mnp_http_reply_text(req, 200, "ok\n");
}

static void metrics(mnp_http_request_t *req, void *ud)
{
    mnp_buf_t b;
    mnp_buf_init(&b, METRICS_RENDER_MAX);
    int rc = mnp_metrics_render_registry(ud, &b);
    if (rc == 0)
        mnp_http_reply(req, 200, MNP_METRICS_CONTENT_TYPE, b.data ? b.data : "", b.len);
    else
        mnp_http_reply_problem(req, 500, "internal", "cannot render metrics: %s", mnp_strerror(rc));
    mnp_buf_fini(&b);
}

int mnp_http_add_builtin_routes(mnp_http_router_t *router, mnp_metrics_t *reg)
{
    int rc = mnp_http_router_add(router, "GET", "/healthz", "healthz", healthz, NULL);
    if (rc != 0)
        return rc;
    return mnp_http_router_add(router, "GET", "/metrics", "metrics", metrics,
                               reg ? reg : mnp_metrics_default());
}
