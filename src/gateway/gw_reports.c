/*
 * The gateway's reports to the clearinghouse (SPEC.md §8): a subscriber's CXXZ and a term
 * agreement recorded after it are what only the operator sees, and the regulator's statistics
 * need them. The SMS path queues them in the gateway's store, in the transaction that answers the
 * subscriber, so the answer never waits for the clearinghouse and no report is lost when it is
 * away; the courier sends them in batches (POST /v1/signals/batch) and removes each one the
 * clearinghouse answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/clearinghouse.h"

typedef struct batch {
    const char *op;
    mnp_gw_report_t *reports;
    size_t n, max;
} batch_t;

static int add_report(const mnp_gw_report_t *r, void *arg)
{
    batch_t *b = arg;
    b->reports[b->n++] = *r;
    return 0;
}

static int read_batch(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    batch_t *b = arg;
    b->n = 0; /* this run's rows alone */
    return mnp_txn_gw_reports_pending(txn, b->op, (unsigned)b->max, add_report, b, err);
}

typedef struct done_job {
    const char *op;
    const int64_t *ids;
    size_t n;
} done_job_t;

static int write_done(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    done_job_t *d = arg;
    return mnp_txn_gw_reports_done(txn, d->op, d->ids, d->n, err);
}

static char *batch_body(const batch_t *b)
{
    json_t *list = json_array();
    for (size_t i = 0; i < b->n; i++) {
        const mnp_gw_report_t *r = &b->reports[i];
        char number[24];
        snprintf(number, sizeof(number), "%llu", (unsigned long long)r->number);
        json_t *o = json_pack("{s:s,s:s}", "kind", r->kind, "number", number);
        if (r->detail[0])
            json_object_set_new(o, "detail", json_string(r->detail));
        json_array_append_new(list, o);
    }
    json_t *req = json_pack("{s:o}", "signals", list);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    return body;
}

/* Which reports the clearinghouse answered: every one it recorded or refused for good (a 4xx
 * says the report itself is wrong and sending it again would not help; that is logged). */
static size_t answered(const mnp_gw_t *gw, const batch_t *b, const json_t *answer, int64_t *ids)
{
    const json_t *results = json_object_get(answer, "results");
    size_t n = 0;
    for (size_t i = 0; i < b->n && i < json_array_size(results); i++) {
        const json_t *r = json_array_get(results, i);
        json_int_t status = json_integer_value(json_object_get(r, "status"));
        if (status >= 500 || status < 200)
            continue;
        if (status >= 300)
            mnp_log(MNP_LOG_WARN, "the clearinghouse refused a report",
                    MNP_KV(MNP_KV_STR("operator", gw->op),
                           MNP_KV_STR("kind", b->reports[i].kind),
                           MNP_KV_I64("number", (int64_t)b->reports[i].number),
                           MNP_KV_I64("status", (int64_t)status),
                           MNP_KV_STR("code", json_string_value(json_object_get(r, "code")))));
        ids[n++] = b->reports[i].id;
    }
    return n;
}

/* One batch: read, send, remove what was answered. */
static int send_batch(mnp_gw_t *gw, size_t max, size_t *sent, bool *more, mnp_error_t *err)
{
    batch_t b = {.op = gw->op, .max = max};
    b.reports = calloc(max, sizeof(*b.reports));
    int64_t *ids = calloc(max, sizeof(*ids));
    char *body = NULL;
    json_t *answer = NULL;
    int rc = b.reports && ids ? mnp_store_read(gw->store, read_batch, &b, err)
                              : mnp_error_set(err, MNP_ENOMEM, "out of memory");
    *more = false;
    if (rc != 0 || b.n == 0)
        goto done;
    body = batch_body(&b);
    int status = 0;
    if (body == NULL) {
        rc = mnp_error_set(err, MNP_ENOMEM, "out of memory");
        goto done;
    }
    rc = mnp_ch_client_call(gw->ch, "POST", "/v1/signals/batch", body, &status, &answer, err);
    if (rc == 0 && status != 200)
        rc = mnp_error_set(err, MNP_EIO, "the clearinghouse answered %d %s: %s", status,
                           mnp_ch_problem_code(answer), mnp_ch_problem_detail(answer));
    if (rc != 0)
        goto done;
    done_job_t d = {.op = gw->op, .ids = ids, .n = answered(gw, &b, answer, ids)};
    if (d.n > 0)
        rc = mnp_store_write(gw->store, write_done, &d, err);
    if (rc == 0) {
        *sent += d.n;
        *more = b.n == max && d.n == b.n;
    }
done:
    json_decref(answer);
    free(body);
    free(ids);
    free(b.reports);
    return rc;
}

int mnp_gw_reports_send(mnp_gw_t *gw, unsigned max, size_t *sent, mnp_error_t *err)
{
    *sent = 0;
    bool more = true;
    int rc = 0;
    while (rc == 0 && more && *sent < max) {
        size_t left = max - *sent;
        rc = send_batch(gw, left < MNP_CH_SIGNALS_MAX ? left : MNP_CH_SIGNALS_MAX, sent, &more,
                        err);
    }
    return rc;
}
