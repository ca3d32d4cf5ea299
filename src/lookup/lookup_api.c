/*
 * lookup_api.h: numbers in, answers out. Each request takes a reader slot of the table for its
 * own thread (libmicrohttpd runs handlers on several), reads through it without a lock, and
 * gives it back.
 */
#include "mnp/lookup_api.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mnp/json.h"
#include "mnp/number.h"

#define BODY_MAX (64 * 1024)

static json_t *answer_json(const mnp_lookup_api_t *api, const mnp_number_t *num,
                           const mnp_lookup_answer_t *a)
{
    char digits[MNP_NUMBER_STR_SIZE];
    const char *ln = a->local_network;
    const char *rn = mnp_routing_find(api->routing, a->op, ln);
    json_t *o = json_object();
    json_object_set_new(o, "number", json_string(mnp_number_format(num, digits)));
    json_object_set_new(o, "operator", json_string(a->op));
    json_object_set_new(o, "ported", json_boolean(a->ported));
    json_object_set_new(o, "holder", json_string(mnp_operator_code(a->holder)));
    json_object_set_new(o, "local_network", ln[0] ? json_string(ln) : json_null());
    json_object_set_new(o, "routing_number", rn ? json_string(rn) : json_null());
    json_object_set_new(o, "seq", json_integer((json_int_t)a->seq));
    return o;
}

/* A number of the plan, or false with why. */
static bool parse_number(const char *s, mnp_number_t *num, const char **why)
{
    mnp_number_reason_t r;
    if (mnp_number_parse(s, strlen(s), num, &r) != 0) {
        *why = mnp_number_reason_str(r);
        return false;
    }
    return true;
}

static void get_one(mnp_http_request_t *req, void *ud)
{
    mnp_lookup_api_t *api = ud;
    const char *s = mnp_http_request_param(req, "number");
    mnp_number_t num;
    const char *why = NULL;
    if (!parse_number(s, &num, &why)) {
        mnp_http_reply_problem(req, 400, "bad_number", "%s", why);
        return;
    }
    mnp_lookup_reader_t *r;
    if (mnp_lookup_reader(api->table, &r) != 0) {
        mnp_http_reply_problem(req, 503, "busy", "every reader slot is taken; ask again");
        return;
    }
    mnp_lookup_answer_t a;
    mnp_lookup_get(r, &num.e164, 1, &a);
    mnp_lookup_reader_release(r);
    if (!a.known) {
        mnp_http_reply_problem(req, 400, "bad_number", "not a number of the plan");
        return;
    }
    json_t *j = answer_json(api, &num, &a);
    mnp_http_reply_json_value(req, 200, j);
    json_decref(j);
}

typedef struct batch_body {
    json_t *numbers;
} batch_body_t;

static const mnp_json_field_t batch_spec[] = {
    {"numbers", MNP_JSON_ARRAY, true, MNP_LOOKUP_API_BATCH_MAX, 0, 0,
     offsetof(batch_body_t, numbers)},
};

static void post_batch(mnp_http_request_t *req, void *ud)
{
    mnp_lookup_api_t *api = ud;
    size_t len;
    const char *body = mnp_http_request_body(req, &len);
    json_t *root = NULL;
    mnp_json_problem_t p;
    batch_body_t b = {0};
    if (mnp_json_parse(body, len, BODY_MAX, &root, &p) != 0 ||
        mnp_json_decode(root, batch_spec, 1, &b, &p) != 0) {
        mnp_http_reply_json_problem(req, &p);
        json_decref(root);
        return;
    }
    size_t n = json_array_size(b.numbers);
    for (size_t i = 0; i < n; i++)
        if (!json_is_string(json_array_get(b.numbers, i))) {
            mnp_http_reply_problem(req, 400, "wrong_type", "numbers[%zu]: a string", i);
            json_decref(root);
            return;
        }
    static _Thread_local mnp_number_t nums[MNP_LOOKUP_API_BATCH_MAX];
    static _Thread_local uint64_t keys[MNP_LOOKUP_API_BATCH_MAX];
    static _Thread_local mnp_lookup_answer_t answers[MNP_LOOKUP_API_BATCH_MAX];
    static _Thread_local const char *why[MNP_LOOKUP_API_BATCH_MAX];
    for (size_t i = 0; i < n; i++) {
        why[i] = NULL;
        if (!parse_number(json_string_value(json_array_get(b.numbers, i)), &nums[i], &why[i]))
            nums[i].e164 = 0;
        keys[i] = nums[i].e164;
    }
    mnp_lookup_reader_t *r;
    if (mnp_lookup_reader(api->table, &r) != 0) {
        mnp_http_reply_problem(req, 503, "busy", "every reader slot is taken; ask again");
        json_decref(root);
        return;
    }
    mnp_lookup_get(r, keys, n, answers); /* one version: every answer of the same seq */
    uint64_t none = 0, seq;
    mnp_lookup_answer_t empty;
    mnp_lookup_get(r, &none, 1, &empty); /* the seq an empty list reflects (no number: 0) */
    seq = empty.seq;
    mnp_lookup_reader_release(r);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        seq = answers[i].seq;
        if (why[i] == NULL && !answers[i].known)
            why[i] = "not a number of the plan";
        if (why[i] != NULL)
            json_array_append_new(list, json_pack("{s:O,s:s}", "number",
                                                  json_array_get(b.numbers, i), "error", why[i]));
        else
            json_array_append_new(list, answer_json(api, &nums[i], &answers[i]));
    }
    json_t *j = json_pack("{s:o,s:I}", "answers", list, "seq", (json_int_t)seq);
    mnp_http_reply_json_value(req, 200, j);
    json_decref(j);
    json_decref(root);
}

int mnp_lookup_api_routes(mnp_http_router_t *router, mnp_lookup_api_t *api)
{
    int rc = mnp_http_router_add(router, "GET", "/v1/lookup/{number}", "lookup_get", get_one, api);
    if (rc == 0)
        rc = mnp_http_router_add(router, "POST", "/v1/lookup", "lookup_post", post_batch, api);
    return rc;
}
