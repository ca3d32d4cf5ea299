/*
 * GET /v1/orders/{id}/timeline: one order's story for the operator console and the regulator's
 * drill-down, the order as GET /v1/orders/{id} shows it and every audit record about it in seq
 * order, both from one read snapshot so that the two agree. Whoever may read the order may read
 * its timeline, and nobody else learns more from it than from the order itself.
 */
#include <stdio.h>

#include "ch_apiInt.h"
#include "mnp/store_audit.h"

#define TIMELINE_LIMIT_MAX 1000

typedef struct timeline_job {
    int64_t id;
    caller_t caller;
    mnp_order_rec_t o;
    mnp_audit_filter_t f;
    char subject[24]; /* the number's E.164 digits, as ch_audit names it */
    json_t *records;
    uint64_t last;
} timeline_job_t;

static int add_record(const mnp_audit_record_t *r, void *arg)
{
    timeline_job_t *j = arg;
    json_array_append_new(j->records, ch_api_audit_json(r));
    j->last = r->seq;
    return 0;
}

static int timeline_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    timeline_job_t *j = arg;
    int rc = mnp_txn_order_get(txn, j->id, &j->o, err);
    /* Nothing more for a caller the order is hidden from: the handler answers 404. */
    if (rc != 0 || !ch_api_order_visible(&j->caller, &j->o))
        return rc;
    /* RULE §7: the number's records about this order only. Another order of the same number
     * may be between other operators, and its records are not this caller's to see. */
    snprintf(j->subject, sizeof(j->subject), "%llu", (unsigned long long)j->o.number);
    j->f.subject = j->subject;
    j->f.order_id = j->o.id;
    return mnp_txn_audit_subject_each(txn, &j->f, add_record, j, NULL, err);
}

void ch_api_timeline(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    timeline_job_t j = {0};
    uint64_t after, limit;
    if (!ch_api_authenticate(req, api, &j.caller))
        return;
    j.id = ch_api_order_id(req);
    if (j.id == 0 || !ch_api_query_u64(req, "after", 0, INT64_MAX, &after) ||
        !ch_api_query_u64(req, "limit", TIMELINE_LIMIT_MAX, TIMELINE_LIMIT_MAX, &limit))
        return;
    j.f.after_seq = j.last = after;
    j.f.limit = limit ? (unsigned)limit : 1;
    j.records = json_array();
    mnp_error_t err = {0};
    int rc = mnp_store_read(api->store, timeline_read, &j, &err);
    if (!ch_api_order_shown(req, &j.caller, j.id, &j.o, rc, &err)) {
        json_decref(j.records);
        return;
    }
    json_t *order = ch_api_order_json(&j.o);
    if (order == NULL)
        json_decref(j.records);
    /* json_pack takes both references, also when it fails. */
    json_t *root = order ? json_pack("{so so sI}", "order", order, "records", j.records,
                                     "next_after", (json_int_t)j.last)
                         : NULL;
    if (root == NULL) {
        mnp_http_reply_problem(req, 500, "internal", "cannot build the timeline's JSON");
        return;
    }
    mnp_http_reply_json_value(req, 200, root);
    json_decref(root);
}
