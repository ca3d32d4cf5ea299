/*
 * What the gateway owes the operator's own network (SPEC.md §3.4): provisioning events for the
 * numbers it gains, loses or hands back, queued in its store until the network's provisioning
 * system reads and acknowledges them (GET /v1/provisioning, POST /v1/provisioning/ack) or its
 * webhook takes them (gw_webhook.c); the gateway's figures for /metrics; and the number return a
 * ported-in subscriber's leaving starts (POST /v1/terminations).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/number.h"

const char *gw_prov_kind_name(mnp_prov_kind_t k)
{
    return k == MNP_PROV_ACTIVATE ? "activate" : k == MNP_PROV_DEACTIVATE ? "deactivate" : "return";
}

json_t *gw_prov_json(const mnp_gw_prov_t *ev, const char *op)
{
    char number[MNP_NUMBER_STR_SIZE];
    snprintf(number, sizeof(number), "%llu", (unsigned long long)ev->number);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(ev->id));
    if (op != NULL)
        json_object_set_new(o, "operator", json_string(op));
    json_object_set_new(o, "kind", json_string(gw_prov_kind_name(ev->kind)));
    json_object_set_new(o, "number", json_string(number));
    json_object_set_new(o, "order", json_integer(ev->order_id));
    json_object_set_new(o, "created_ms", json_integer(ev->created_ms));
    return o;
}

typedef struct page {
    const char *op;
    int64_t after;
    unsigned limit;
    json_t *list;
    int64_t last;
} page_t;

static int add_event(const mnp_gw_prov_t *ev, void *arg)
{
    page_t *p = arg;
    json_array_append_new(p->list, gw_prov_json(ev, NULL));
    p->last = ev->id;
    return 0;
}

static int read_page(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    page_t *p = arg;
    return mnp_txn_gw_prov_pending(txn, p->op, p->after, p->limit, 0, add_event, p, err);
}

int mnp_gw_prov_list(mnp_gw_t *gw, int64_t after, unsigned limit, json_t **out, mnp_error_t *err)
{
    page_t p = {.op = gw->op, .after = after, .limit = limit, .list = json_array(), .last = after};
    int rc = mnp_store_read(gw->store, read_page, &p, err);
    if (rc != 0) {
        json_decref(p.list);
        return rc;
    }
    *out = json_pack("{s:o,s:I}", "events", p.list, "next_after", (json_int_t)p.last);
    return 0;
}

typedef struct ack_job {
    const char *op;
    int64_t up_to, now_ms;
    int64_t ids[1000];
    size_t n;
} ack_job_t;

static int collect(const mnp_gw_prov_t *ev, void *arg)
{
    ack_job_t *j = arg;
    if (ev->id <= j->up_to && j->n < sizeof(j->ids) / sizeof(j->ids[0]))
        j->ids[j->n++] = ev->id;
    return 0;
}

static int ack_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    ack_job_t *j = arg;
    j->n = 0;
    int rc = mnp_txn_gw_prov_pending(txn, j->op, 0, 1000, 0, collect, j, err);
    for (size_t i = 0; rc == 0 && i < j->n; i++)
        rc = mnp_txn_gw_prov_delivered(txn, j->ids[i], j->now_ms, err);
    return rc;
}

int mnp_gw_prov_ack(mnp_gw_t *gw, int64_t up_to, size_t *acknowledged, mnp_error_t *err)
{
    ack_job_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return mnp_error_set(err, MNP_ENOMEM, "out of memory");
    j->op = gw->op;
    j->up_to = up_to;
    j->now_ms = mnp_clock_now_ms(gw->clock);
    int rc = mnp_store_write(gw->store, ack_write, j, err);
    *acknowledged = rc == 0 ? j->n : 0;
    free(j);
    return rc;
}

int mnp_gw_terminate(mnp_gw_t *gw, const char *number, mnp_gw_port_result_t *out, mnp_error_t *err)
{
    memset(out, 0, sizeof(*out));
    mnp_number_t num;
    mnp_number_reason_t why;
    char digits[MNP_NUMBER_STR_SIZE], body[64];
    if (mnp_number_parse(number, strlen(number), &num, &why) != 0) {
        out->status = 400;
        snprintf(out->code, sizeof(out->code), "C08");
        snprintf(out->detail, sizeof(out->detail), "number: %s", mnp_number_reason_str(why));
        return 0;
    }
    snprintf(body, sizeof(body), "{\"number\":\"%s\"}", mnp_number_format(&num, digits));
    int status = 0;
    json_t *answer = NULL;
    if (mnp_ch_client_call(gw->ch, "POST", "/v1/returns", body, &status, &answer, err) != 0) {
        out->status = 503;
        snprintf(out->code, sizeof(out->code), "clearinghouse_unreachable");
        snprintf(out->detail, sizeof(out->detail), "%s", err->msg);
        mnp_error_clear(err);
        return 0;
    }
    out->status = status;
    if (status >= 300) {
        snprintf(out->code, sizeof(out->code), "%s", mnp_ch_problem_code(answer));
        snprintf(out->detail, sizeof(out->detail), "%s", mnp_ch_problem_detail(answer));
    }
    json_decref(answer);
    return 0;
}

typedef struct figures_job {
    const char *op;
    mnp_gw_figures_t *out;
} figures_job_t;

static int read_figures(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    figures_job_t *j = arg;
    int rc = mnp_txn_gw_feed_get(txn, j->op, &j->out->feed_seq, err);
    if (rc == 0)
        rc = mnp_txn_gw_prov_backlog(txn, j->op, &j->out->prov_pending, &j->out->prov_max_attempts,
                                     err);
    if (rc == 0)
        rc = mnp_txn_gw_reports_count(txn, j->op, &j->out->reports_pending, err);
    return rc;
}

int mnp_gw_figures(mnp_gw_t *gw, mnp_gw_figures_t *out, mnp_error_t *err)
{
    memset(out, 0, sizeof(*out));
    figures_job_t j = {.op = gw->op, .out = out};
    return mnp_store_read(gw->store, read_figures, &j, err);
}
