/*
 * What the regulator sees (SPEC.md §8) and the operators' reports that feed it. POST /v1/signals
 * hands mnp_ch_signal what only an operator's gateway can see: a subscriber's CXXZ
 * eligibility query, and an agreement added to a number after a CXXZ (a suspicious pattern the
 * rules name). GET /v1/stats turns a period of the audit log and the orders it names into the
 * counters per operator and local network and the list of flagged events (store_stats.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ch_apiInt.h"
#include "mnp/store_stats.h"

void ch_api_signal(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    ch_signal_body_t b = {0};
    json_t *root = NULL;
    mnp_json_problem_t p;
    size_t len;
    if (!ch_api_authenticate(req, api, &c))
        return;
    if (c.role != MNP_ROLE_OPERATOR) {
        mnp_http_reply_problem(req, 403, "forbidden", "only operators' gateways send reports");
        return;
    }
    const char *body = mnp_http_request_body(req, &len);
    if (ch_body_decode(CH_BODY_SIGNAL, body, len, &b, &root, &p) != 0) {
        mnp_http_reply_json_problem(req, &p);
    } else {
        mnp_ch_outcome_t o;
        mnp_error_t err = {0};
        int rc = mnp_ch_signal(api->ch, c.principal, b.kind, b.number, b.detail, &o, &err);
        ch_api_reply_outcome(req, &o, rc, &err);
    }
    json_decref(root);
}

/* Many reports in one request and one transaction, each answered on its own. */
void ch_api_signals(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    json_t *root = NULL;
    mnp_json_problem_t p;
    size_t len, n = 0;
    if (!ch_api_authenticate(req, api, &c))
        return;
    if (c.role != MNP_ROLE_OPERATOR) {
        mnp_http_reply_problem(req, 403, "forbidden", "only operators' gateways send reports");
        return;
    }
    mnp_ch_signal_t in[MNP_CH_SIGNALS_MAX];
    const char *body = mnp_http_request_body(req, &len);
    if (ch_signals_decode(body, len, in, &n, &root, &p) != 0) {
        mnp_http_reply_json_problem(req, &p);
        return;
    }
    mnp_ch_outcome_t *out = calloc(n, sizeof(*out));
    mnp_error_t err = {0};
    int rc = out ? mnp_ch_signals(api->ch, c.principal, in, n, out, &err) : MNP_ENOMEM;
    if (rc != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "the store failed: %s",
                               err.msg[0] ? err.msg : mnp_strerror(rc));
    } else {
        json_t *results = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *r = json_pack("{s:i}", "status", out[i].status);
            if (out[i].code[0]) {
                json_object_set_new(r, "code", json_string(out[i].code));
                json_object_set_new(r, "detail", json_string(out[i].detail));
            }
            json_array_append_new(results, r);
        }
        json_t *j = json_pack("{s:o}", "results", results);
        mnp_http_reply_json_value(req, 200, j);
        json_decref(j);
    }
    free(out);
    json_decref(root);
}

/* {"count":N,"median_ms":M,"worst_ms":W}, with null times when there were none. */
static json_t *times_json(const mnp_stats_times_t *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "count", json_integer((json_int_t)t->count));
    json_object_set_new(o, "median_ms", t->count ? json_integer(t->median_ms) : json_null());
    json_object_set_new(o, "worst_ms", t->count ? json_integer(t->worst_ms) : json_null());
    return o;
}

static json_t *row_json(const mnp_stats_row_t *r)
{
    json_t *o = json_object(), *rej = json_object();
    const struct {
        const char *name;
        uint64_t v;
    } counters[] = {
        {"queries", r->queries},
        {"codes_issued", r->codes_issued},
        {"requests", r->requests},
        {"requests_received", r->requests_received},
        {"acceptances", r->acceptances},
        {"silences", r->silences},
        {"cancellations", r->cancellations},
        {"returns", r->returns},
        {"reversals", r->reversals},
        {"late_agreements", r->late_agreements},
    };
    json_object_set_new(o, "operator", json_string(r->op));
    json_object_set_new(o, "local_network", json_string(r->local_network));
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        json_object_set_new(o, counters[i].name, json_integer((json_int_t)counters[i].v));
    for (int k = MNP_C01_CODE_INVALID; k <= MNP_D03_FRAUD_SUSPECTED; k++)
        json_object_set_new(rej, mnp_reason_code((mnp_reason_t)k),
                            json_integer((json_int_t)r->rejections[k]));
    json_object_set_new(o, "rejections", rej);
    json_object_set_new(o, "answer_time", times_json(&r->answer));
    json_object_set_new(o, "time_to_active", times_json(&r->to_active));
    return o;
}

static json_t *flag_json(const mnp_stats_flag_t *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(mnp_stats_flag_name(f->kind)));
    json_object_set_new(o, "at_ms", json_integer(f->at_ms));
    json_object_set_new(o, "operator", json_string(f->op));
    json_object_set_new(o, "local_network", json_string(f->local_network));
    if (f->order_id)
        json_object_set_new(o, "order", json_integer(f->order_id));
    if (f->number) {
        char num[MNP_NUMBER_STR_SIZE];
        mnp_number_t n = {.e164 = f->number, .national_len = MNP_NATIONAL_DIGITS};
        json_object_set_new(o, "number", json_string(mnp_number_format(&n, num)));
    }
    if (f->kind == MNP_STATS_FLAG_STORE_ONLY)
        json_object_set_new(o, "orders", json_integer((json_int_t)f->count));
    json_object_set_new(o, "detail", json_string(f->detail));
    return o;
}

static json_t *report_json(const mnp_stats_report_t *r)
{
    json_t *rows = json_array(), *flags = json_array();
    for (size_t i = 0; i < r->n_rows; i++)
        json_array_append_new(rows, row_json(&r->rows[i]));
    for (size_t i = 0; i < r->n_flags; i++)
        json_array_append_new(flags, flag_json(&r->flags[i]));
    return json_pack("{sI sI so so sI}", "from_ms", (json_int_t)r->from_ms, "to_ms",
                     (json_int_t)r->to_ms, "rows", rows, "flags", flags, "flags_total",
                     (json_int_t)r->flags_total);
}

void ch_api_stats(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    uint64_t from, to, limit;
    if (!ch_api_authenticate(req, api, &c))
        return;
    /* SPEC §8: the statistics are the regulator's. */
    if (c.role != MNP_ROLE_REGULATOR) {
        mnp_http_reply_problem(req, 403, "forbidden", "the statistics are the regulator's to read");
        return;
    }
    int64_t now_ms = mnp_clock_now_ms(api->clock);
    if (!ch_api_query_u64(req, "from", 0, INT64_MAX, &from) ||
        !ch_api_query_u64(req, "to", now_ms > 0 ? (uint64_t)now_ms : 0, INT64_MAX, &to) ||
        !ch_api_query_u64(req, "flag_limit", MNP_STATS_FLAGS_DEFAULT, MNP_STATS_FLAGS_MAX, &limit))
        return;
    if (from > to) {
        mnp_http_reply_problem(req, 400, "bad_query", "from (%llu) is after to (%llu)",
                               (unsigned long long)from, (unsigned long long)to);
        return;
    }
    mnp_stats_query_t q = {.from_ms = (int64_t)from,
                           .to_ms = (int64_t)to,
                           .now_ms = now_ms,
                           .flag_limit = limit ? (unsigned)limit : 1};
    mnp_stats_report_t rep = {0};
    mnp_error_t err = {0};
    if (mnp_store_stats_report(api->store, &q, &rep, &err) != 0) {
        mnp_stats_report_fini(&rep);
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg[0] ? err.msg : "store");
        return;
    }
    json_t *root = report_json(&rep);
    mnp_stats_report_fini(&rep);
    if (root == NULL) {
        mnp_http_reply_problem(req, 500, "internal", "cannot build the report's JSON");
        return;
    }
    mnp_http_reply_json_value(req, 200, root);
    json_decref(root);
}
