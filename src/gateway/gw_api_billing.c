/*
 * The billing system's routes of the gateway API (gw_api.h): subscriber records and term
 * agreements kept current over HTTP instead of by file import (mnpctl subscribers|agreements
 * import), with the same rules (the rows are checked by the files' own row checks, see
 * gw_billing_rows.c) and the same all-or-nothing: a batch with any bad row writes nothing and
 * names every bad row, and a good batch is one store transaction. An agreement the subscriber
 * paid off is ended here, from which instant it no longer blocks (RULE E04).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw_apiInt.h"
#include "mnp/alloc.h"
#include "mnp/buf.h"
#include "mnp/number.h"

#define FEW_AGREEMENTS 16 /* read on the stack; a number with more gets a heap array */

/* 400 bad_rows: the problem body of http.h with one more member (RFC 9457 allows extensions),
 * "rows": [{"index": I, "reason": "..."}] for the first MNP_CSV_ERRORS_MAX bad rows, so that a
 * program can act on each; detail says how many there were and the first one. */
static void reply_bad_rows(mnp_http_request_t *req, const gw_bad_rows_t *bad)
{
    char detail[320];
    snprintf(detail, sizeof(detail), "%zu bad row%s, nothing was written; row %zu: %s", bad->count,
             bad->count == 1 ? "" : "s", bad->rows[0].index, bad->rows[0].reason);
    detail[mnp_json_utf8_valid_prefix(detail, strlen(detail))] = '\0';
    mnp_buf_t b;
    mnp_buf_init(&b, 16 * 1024);
    mnp_buf_puts(&b, "{\"status\":400,\"code\":\"bad_rows\",\"title\":\"Bad Request\",\"detail\":");
    mnp_buf_json_str(&b, detail);
    mnp_buf_puts(&b, ",\"rows\":[");
    for (size_t i = 0; i < bad->n; i++) {
        mnp_buf_printf(&b, "%s{\"index\":%zu,\"reason\":", i ? "," : "", bad->rows[i].index);
        mnp_buf_json_str(&b, bad->rows[i].reason);
        mnp_buf_putc(&b, '}');
    }
    mnp_buf_puts(&b, "]}");
    if (mnp_buf_error(&b) != 0)
        mnp_http_reply_problem(req, 400, "bad_rows", "%s", detail);
    else
        mnp_http_reply(req, 400, "application/problem+json", b.data, b.len);
    mnp_buf_fini(&b);
}

/* A store failure: a refusal the checks should have caught first is still a 400, the rest is
 * the store's trouble. */
static void reply_store_error(mnp_http_request_t *req, int rc, const mnp_error_t *err)
{
    if (rc == MNP_EINVAL)
        mnp_http_reply_problem(req, 400, "bad_rows", "%s", err->msg);
    else
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err->msg[0] ? err->msg : "store");
}

const char *gw_beijing_date(int64_t ms, char buf[32])
{
    int64_t s = ms / 1000 + 8 * 3600;
    time_t t = (time_t)(ms < 0 && ms % 1000 ? s - 1 : s);
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    gmtime_r(&t, &tm);
    snprintf(buf, 32, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return buf;
}

static json_t *int_or_null(int64_t v)
{
    return v != 0 ? json_integer((json_int_t)v) : json_null();
}

/* ---- PUT /v1/subscribers ------------------------------------------------------------------ */

typedef struct put_job {
    mnp_gw_t *gw;
    const mnp_subscriber_row_t *rows;
    size_t n, added, changed;
    int64_t now_ms;
} put_job_t;

static int put_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    put_job_t *j = arg;
    return mnp_txn_gw_subscribers_put(txn, j->gw->op, j->rows, j->n, j->now_ms, &j->added,
                                      &j->changed, err);
}

static void put_subscribers(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    if (gw == NULL)
        return;
    size_t len;
    const char *body = mnp_http_request_body(req, &len);
    mnp_subscriber_row_t *rows;
    size_t n;
    mnp_json_problem_t p;
    gw_bad_rows_t *bad = mnp_xmalloc(sizeof(*bad));
    int rc = gw_billing_subscribers_decode(body, len, mnp_http_request_max_body(req), &rows, &n, &p,
                                           bad);
    if (rc == MNP_EINVAL) {
        reply_bad_rows(req, bad);
    } else if (rc != 0) {
        mnp_http_reply_json_problem(req, &p);
    } else {
        put_job_t j = {.gw = gw, .rows = rows, .n = n, .now_ms = mnp_clock_now_ms(gw->clock)};
        mnp_error_t err = {0};
        rc = mnp_store_write(gw->store, put_write, &j, &err);
        if (rc != 0) {
            reply_store_error(req, rc, &err);
        } else {
            char out[64];
            int k =
                snprintf(out, sizeof(out), "{\"added\":%zu,\"changed\":%zu}", j.added, j.changed);
            mnp_http_reply_json(req, 200, out, (size_t)k);
        }
    }
    free(rows);
    free(bad);
}

/* ---- GET /v1/subscribers/{number} --------------------------------------------------------- */

typedef struct get_job {
    const char *op;
    uint64_t number;
    mnp_gw_subscriber_t sub;
    mnp_agreement_t few[FEW_AGREEMENTS];
    mnp_agreement_t *agreements; /* few, or a heap array of nagreements */
    size_t nagreements;
    int64_t first_query_ms; /* 0: never queried */
} get_job_t;

/* The agreements of op's number into *list (few, or a new heap array the caller frees when it
 * is not few) and *n. */
static int agreements_read(mnp_txn_t *txn, const char *op, uint64_t number, mnp_agreement_t *few,
                           mnp_agreement_t **list, size_t *n, mnp_error_t *err)
{
    *list = few;
    int rc = mnp_txn_gw_agreements_of(txn, op, number, few, FEW_AGREEMENTS, n, err);
    if (rc != 0 || *n <= FEW_AGREEMENTS)
        return rc;
    size_t max = *n;
    *list = mnp_xcalloc(max, sizeof(**list));
    rc = mnp_txn_gw_agreements_of(txn, op, number, *list, max, n, err);
    if (*n > max)
        *n = max; /* in one read transaction the count cannot grow; never read past the array */
    return rc;
}

static int get_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    get_job_t *j = arg;
    int rc = mnp_txn_gw_subscriber_get(txn, j->op, j->number, &j->sub, err);
    if (rc == 0)
        rc = agreements_read(txn, j->op, j->number, j->few, &j->agreements, &j->nagreements, err);
    if (rc != 0)
        return rc;
    rc = mnp_txn_gw_freeze_get(txn, j->op, j->number, &j->first_query_ms, err);
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        j->first_query_ms = 0;
        rc = 0;
    }
    return rc;
}

static json_t *agreement_json(const mnp_agreement_t *a)
{
    char start[32], end[32];
    /* end_ms is the exclusive end, the 00:00 after the last day in force. */
    return json_pack("{s:I,s:s,s:s,s:s,s:I,s:b,s:I,s:o}", "id", (json_int_t)a->id, "name", a->name,
                     "start", gw_beijing_date(a->start_ms, start), "end",
                     gw_beijing_date(a->end_ms - 86400 * 1000LL, end), "fee_fen",
                     (json_int_t)a->fee_fen, "has_term", a->has_term, "created_ms",
                     (json_int_t)a->created_ms, "ended_ms", int_or_null(a->ended_ms));
}

static json_t *subscriber_json(const get_job_t *j)
{
    const mnp_subscriber_row_t *r = &j->sub.row;
    const mnp_subscriber_t *s = &r->sub;
    char number[MNP_NUMBER_STR_SIZE], last_port[32];
    snprintf(number, sizeof(number), "%llu", (unsigned long long)s->number);
    json_t *services = json_array();
    for (size_t i = 0; i < r->nservices; i++)
        json_array_append_new(services, json_string(r->services[i]));
    json_t *agreements = json_array();
    for (size_t i = 0; i < j->nagreements; i++)
        json_array_append_new(agreements, agreement_json(&j->agreements[i]));
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:I,s:b,s:I,s:I,s:I,s:o,s:o}", "number", number, "name",
        s->name, "identity", s->identity, "registration", mnp_registration_name(s->registration),
        "status", mnp_sub_status_name(s->status), "unpaid_fen", (json_int_t)s->unpaid_fen,
        "last_port",
        s->last_port_ms ? json_string(gw_beijing_date(s->last_port_ms, last_port)) : json_null(),
        "services", services, "balance_fen", (json_int_t)r->balance_fen, "active", j->sub.active,
        "status_since_ms", (json_int_t)j->sub.status_since_ms, "identity_since_ms",
        (json_int_t)j->sub.identity_since_ms, "updated_ms", (json_int_t)j->sub.updated_ms,
        "agreements", agreements, "first_query_ms", int_or_null(j->first_query_ms));
}

static void get_subscriber(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    if (gw == NULL)
        return;
    const char *s = mnp_http_request_param(req, "number");
    mnp_number_t num;
    mnp_number_reason_t why;
    if (s == NULL || mnp_number_parse(s, strlen(s), &num, &why) != 0) {
        mnp_http_reply_problem(req, 400, "bad_number", "the number in the path: %s",
                               s ? mnp_number_reason_str(why) : "missing");
        return;
    }
    get_job_t *j = mnp_xcalloc(1, sizeof(*j));
    j->op = gw->op;
    j->number = num.e164;
    j->agreements = j->few;
    mnp_error_t err = {0};
    int rc = mnp_store_read(gw->store, get_read, j, &err);
    if (rc == MNP_ENOENT) {
        mnp_http_reply_problem(req, 404, "not_found", "%s", err.msg);
    } else if (rc != 0) {
        reply_store_error(req, rc, &err);
    } else {
        json_t *v = subscriber_json(j);
        if (v == NULL)
            mnp_http_reply_problem(req, 500, "internal", "the record could not be written");
        else
            mnp_http_reply_json_value(req, 200, v);
        json_decref(v);
    }
    if (j->agreements != j->few)
        free(j->agreements);
    free(j);
}

/* ---- POST /v1/agreements ------------------------------------------------------------------ */

typedef struct add_job {
    mnp_gw_t *gw;
    const mnp_agreement_row_t *rows;
    size_t n, added;
    int64_t now_ms;
    int64_t *ids;   /* n: the id of each row's agreement, new or not */
    size_t reports; /* late agreements queued for the regulator */
} add_job_t;

static bool same_terms(const mnp_agreement_t *a, const mnp_agreement_t *b)
{
    return strcmp(a->name, b->name) == 0 && a->start_ms == b->start_ms && a->end_ms == b->end_ms &&
           a->fee_fen == b->fee_fen && a->has_term == b->has_term;
}

/* The id of row's agreement: the store keys agreements by their terms (store_gateway.h), so the
 * one with the row's terms is the row's, whether this batch added it or an earlier one did. */
static int row_id(mnp_txn_t *txn, const char *op, const mnp_agreement_row_t *row, int64_t *id,
                  mnp_error_t *err)
{
    mnp_agreement_t few[FEW_AGREEMENTS], *list;
    size_t n;
    int rc = agreements_read(txn, op, row->number, few, &list, &n, err);
    *id = 0;
    for (size_t i = 0; rc == 0 && i < n && *id == 0; i++)
        if (same_terms(&list[i], &row->agreement))
            *id = list[i].id;
    if (list != few)
        free(list);
    if (rc == 0 && *id == 0)
        rc = mnp_error_set(err, MNP_EINTERNAL, "an agreement just added cannot be found");
    return rc;
}

static int add_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    add_job_t *j = arg;
    int rc = mnp_txn_gw_agreements_add(txn, j->gw->op, j->rows, j->n, j->now_ms, &j->added, err);
    for (size_t i = 0; rc == 0 && i < j->n; i++)
        rc = row_id(txn, j->gw->op, &j->rows[i], &j->ids[i], err);
    /* RULE §3.1: one recorded after the number's first query is reported now, with the rows. */
    if (rc == 0)
        rc = mnp_gw_late_agreements(txn, j->gw->op, j->rows, j->n, j->now_ms, &j->reports, err);
    return rc;
}

static void post_agreements(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    if (gw == NULL)
        return;
    size_t len;
    const char *body = mnp_http_request_body(req, &len);
    mnp_agreement_row_t *rows;
    size_t n;
    mnp_json_problem_t p;
    gw_bad_rows_t *bad = mnp_xmalloc(sizeof(*bad));
    int rc =
        gw_billing_agreements_decode(body, len, mnp_http_request_max_body(req), &rows, &n, &p, bad);
    add_job_t j = {.gw = gw, .rows = rows, .n = n};
    if (rc == MNP_EINVAL) {
        reply_bad_rows(req, bad);
    } else if (rc != 0) {
        mnp_http_reply_json_problem(req, &p);
    } else {
        j.now_ms = mnp_clock_now_ms(gw->clock);
        j.ids = mnp_xcalloc(n, sizeof(*j.ids));
        mnp_error_t err = {0};
        rc = mnp_store_write(gw->store, add_write, &j, &err);
        if (rc == MNP_ENOENT) {
            /* The store names the number; nothing of the batch was added. */
            mnp_http_reply_problem(req, 422, "unknown_subscriber", "%s", err.msg);
        } else if (rc != 0) {
            reply_store_error(req, rc, &err);
        } else {
            if (j.reports > 0)
                gw_wake(gw); /* the courier takes the reports to the clearinghouse */
            json_t *ids = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(ids, json_integer((json_int_t)j.ids[i]));
            json_t *v = json_pack("{s:I,s:o}", "added", (json_int_t)j.added, "agreements", ids);
            mnp_http_reply_json_value(req, 201, v);
            json_decref(v);
        }
    }
    free(j.ids);
    free(rows);
    free(bad);
}

/* ---- POST /v1/agreements/{id}/end --------------------------------------------------------- */

typedef struct end_job {
    const char *op;
    int64_t id, now_ms;
    bool already;
    mnp_agreement_t a;
    uint64_t number;
} end_job_t;

static int end_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    end_job_t *j = arg;
    int rc = mnp_txn_gw_agreement_end(txn, j->op, j->id, j->now_ms, &j->already, err);
    return rc != 0 ? rc : mnp_txn_gw_agreement_get(txn, j->op, j->id, &j->a, &j->number, err);
}

/* An agreement id from the path: 1 to 18 digits, no sign, no leading zero. */
static bool parse_id(const char *s, int64_t *id)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 18 || s[0] == '0')
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *id = v;
    return true;
}

static void post_agreement_end(mnp_http_request_t *req, void *ud)
{
    mnp_gw_t *gw = gw_api_authenticate(req, ud);
    if (gw == NULL)
        return;
    const char *s = mnp_http_request_param(req, "id");
    end_job_t j = {.op = gw->op};
    /* An id that cannot be one is no agreement of this operator, like another operator's. */
    if (!parse_id(s, &j.id)) {
        mnp_http_reply_problem(req, 404, "not_found", "%s has no such agreement", gw->op);
        return;
    }
    j.now_ms = mnp_clock_now_ms(gw->clock);
    mnp_error_t err = {0};
    int rc = mnp_store_write(gw->store, end_write, &j, &err);
    if (rc == MNP_ENOENT) {
        mnp_http_reply_problem(req, 404, "not_found", "%s", err.msg);
    } else if (rc != 0) {
        reply_store_error(req, rc, &err);
    } else {
        char number[MNP_NUMBER_STR_SIZE];
        snprintf(number, sizeof(number), "%llu", (unsigned long long)j.number);
        json_t *v = json_pack("{s:I,s:s,s:I,s:b}", "id", (json_int_t)j.id, "number", number,
                              "ended_ms", (json_int_t)j.a.ended_ms, "already", j.already);
        mnp_http_reply_json_value(req, 200, v);
        json_decref(v);
    }
}

int gw_api_billing_routes(mnp_http_router_t *router, mnp_gw_api_t *api)
{
    static const mnp_http_route_t routes[] = {
        {"PUT", "/v1/subscribers", "subscribers_put", put_subscribers},
        {"GET", "/v1/subscribers/{number}", "subscriber_get", get_subscriber},
        {"POST", "/v1/agreements", "agreements_add", post_agreements},
        {"POST", "/v1/agreements/{id}/end", "agreement_end", post_agreement_end},
    };
    return mnp_http_router_add_all(router, routes, sizeof(routes) / sizeof(routes[0]), api);
}
