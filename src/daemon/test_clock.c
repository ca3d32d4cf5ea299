/*
 * The test clock (mnpd --test-clock START): time stands still until a test moves it with
 * POST /v1/test/clock, which then runs every timer that became due before answering, so
 * integration tests walk an order through its timers without sleeping. The route exists only in
 * this mode, and mnpd says so loudly when it starts.
 */
#include <stdio.h>
#include <string.h>

#include "mnp/json.h"
#include "mnpd.h"

typedef struct clock_body {
    int64_t advance_ms;
    int64_t set_ms;
} clock_body_t;

static const mnp_json_field_t clock_spec[] = {
    {"advance_ms", MNP_JSON_INTEGER, false, 0, 0, INT64_C(10) * 366 * 86400000,
     offsetof(clock_body_t, advance_ms)},
    {"set_ms", MNP_JSON_INTEGER, false, 0, 0, INT64_MAX, offsetof(clock_body_t, set_ms)},
};

static void post_clock(mnp_http_request_t *req, void *ud)
{
    mnpd_test_clock_t *tc = ud;
    size_t len;
    const char *body = mnp_http_request_body(req, &len);
    json_t *root = NULL;
    mnp_json_problem_t p;
    clock_body_t b = {0};
    if (mnp_json_parse(body, len, 1024, &root, &p) != 0 ||
        mnp_json_decode(root, clock_spec, 2, &b, &p) != 0) {
        mnp_http_reply_json_problem(req, &p);
        json_decref(root);
        return;
    }
    json_decref(root);
    int rc =
        b.set_ms ? mnp_clock_set(tc->clock, b.set_ms) : mnp_clock_advance(tc->clock, b.advance_ms);
    if (rc != 0) {
        mnp_http_reply_problem(req, 422, "time_backwards", "time only moves forward");
        return;
    }
    unsigned changed = 0;
    mnp_error_t err = {0};
    if (mnp_ch_tick(tc->ch, &changed, &err) != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "timers: %s", err.msg);
        return;
    }
    mnpd_metrics_update(tc->metrics, tc->store);
    char out[96];
    int n = snprintf(out, sizeof(out), "{\"now_ms\":%lld,\"changed\":%u}",
                     (long long)mnp_clock_now_ms(tc->clock), changed);
    mnp_http_reply_json(req, 200, out, (size_t)n);
}

int mnpd_test_clock_routes(mnp_http_router_t *router, mnpd_test_clock_t *tc)
{
    return mnp_http_router_add(router, "POST", "/v1/test/clock", "test_clock", post_clock, tc);
}
