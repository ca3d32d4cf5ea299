/*
 * GET /v1/me: whom the presented key belongs to, and the clearinghouse's clock. A person who
 * types a key into the web interface learns at once whether it is accepted and whose it is (an
 * operator's console needs its own code to tell its donor orders from its recipient orders), and
 * the dashboard's "today" is the clearinghouse's day, also on a test clock.
 */
#include "ch_apiInt.h"

void ch_api_me(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    if (!ch_api_authenticate(req, api, &c))
        return;
    /* A replica's key never gets here: like every route not of its feed, this one is 403. */
    const char *role = c.role == MNP_ROLE_REGULATOR ? "regulator" : "operator";
    json_t *j = json_pack("{ss ss sI}", "role", role, "principal", c.principal, "now_ms",
                          (json_int_t)mnp_clock_now_ms(api->clock));
    if (j == NULL) {
        mnp_http_reply_problem(req, 500, "internal", "cannot build the answer's JSON");
        return;
    }
    mnp_http_reply_json_value(req, 200, j);
    json_decref(j);
}
