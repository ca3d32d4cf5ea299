/*
 * The clearinghouse's read-only routes: listing orders (each operator its own, the regulator all;
 * by number, side and state), looking a number up with its history (SPEC.md §6: current
 * operator, routing number, whether it is ported, and the feed sequence the answer reflects),
 * the NPDB snapshot, and the audit log for the regulator (whole, or one number's records).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ch_apiInt.h"
#include "mnp/number.h"
#include "mnp/store_audit.h"
#include "mnp/store_feed.h"
#include "mnp/store_npdb.h"
#include "mnp/store_numplan.h"
#include "mnp/store_orders.h"

#define LIST_LIMIT_MAX 1000

typedef struct list_job {
    mnp_order_filter_t f;
    json_t *arr;
} list_job_t;

static int add_order(const mnp_order_rec_t *o, void *arg)
{
    list_job_t *j = arg;
    char num[MNP_NUMBER_STR_SIZE];
    mnp_number_t n = {.e164 = o->number, .national_len = MNP_NATIONAL_DIGITS};
    json_array_append_new(j->arr, json_pack("{sI ss ss ss ss ss sI sI}", "order", (json_int_t)o->id,
                                            "number", mnp_number_format(&n, num), "state",
                                            mnp_order_state_name(o->state), "recipient",
                                            o->recipient, "donor", o->donor, "channel", o->channel,
                                            "created_ms", (json_int_t)o->created_ms, "updated_ms",
                                            (json_int_t)o->updated_ms));
    return 0;
}

/* Query parameter name as a number in any written form (SPEC §2) into *e164, 0 when absent;
 * replies 400 bad_query saying why and returns false when it is not one. */
static bool query_number(mnp_http_request_t *req, const char *name, uint64_t *e164)
{
    const char *s = mnp_http_request_query(req, name);
    mnp_number_t n;
    mnp_number_reason_t why;
    *e164 = 0;
    if (s == NULL)
        return true;
    if (mnp_number_parse(s, strlen(s), &n, &why) != 0) {
        mnp_http_reply_problem(req, 400, "bad_query", "%s: %s", name, mnp_number_reason_str(why));
        return false;
    }
    *e164 = n.e164;
    return true;
}

/* The role query parameter of GET /v1/orders into f->role; replies 400 bad_query and returns
 * false when c cannot ask for it or it names no role. */
static bool query_role(mnp_http_request_t *req, const caller_t *c, mnp_order_filter_t *f)
{
    const char *s = mnp_http_request_query(req, "role");
    if (s == NULL)
        return true;
    if (c->role != MNP_ROLE_OPERATOR) {
        mnp_http_reply_problem(req, 400, "bad_query", "role: the regulator is party to no order");
        return false;
    }
    if (strcmp(s, "recipient") == 0)
        f->role = MNP_ORDER_ROLE_RECIPIENT;
    else if (strcmp(s, "donor") == 0)
        f->role = MNP_ORDER_ROLE_DONOR;
    else {
        mnp_http_reply_problem(req, 400, "bad_query", "role: must be donor or recipient");
        return false;
    }
    return true;
}

static int list_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    list_job_t *j = arg;
    return mnp_txn_order_list(txn, &j->f, add_order, j, err);
}

void ch_api_list_orders(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    uint64_t after, limit;
    if (!ch_api_authenticate(req, api, &c) ||
        !ch_api_query_u64(req, "after", 0, INT64_MAX, &after) ||
        !ch_api_query_u64(req, "limit", 100, LIST_LIMIT_MAX, &limit))
        return;
    list_job_t j = {.f = {.after_id = (int64_t)after, .limit = limit ? (unsigned)limit : 1}};
    /* RULE §7: an operator lists only orders where it is recipient or donor. */
    if (c.role == MNP_ROLE_OPERATOR)
        j.f.operator_code = c.principal;
    const char *state = mnp_http_request_query(req, "state");
    if (state != NULL && (j.f.state = mnp_order_state_parse(state)) == 0) {
        mnp_http_reply_problem(req, 400, "bad_query", "state: not a state name");
        return;
    }
    if (!query_number(req, "number", &j.f.number) || !query_role(req, &c, &j.f))
        return;
    j.arr = json_array();
    mnp_error_t err = {0};
    if (mnp_store_read(api->store, list_read, &j, &err) != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg);
    } else {
        json_t *root = json_pack("{so}", "orders", j.arr);
        mnp_http_reply_json_value(req, 200, root);
        json_decref(root);
        return;
    }
    json_decref(j.arr);
}

typedef struct lookup_job {
    mnp_number_t num;
    char holder[MNP_STORE_CODE_MAX];
    char serving[MNP_STORE_CODE_MAX];
    char local_network[MNP_LOCAL_NETWORK_MAX];
    char routing[MNP_ROUTING_NUMBER_MAX];
    bool known, ported;
    uint64_t seq;
    json_t *history;
} lookup_job_t;

static int add_change(const mnp_npdb_change_t *ch, void *arg)
{
    lookup_job_t *j = arg;
    json_array_append_new(j->history,
                          json_pack("{ss sI sI}", "operator", ch->op, "at_ms",
                                    (json_int_t)ch->at_ms, "order", (json_int_t)ch->order_id));
    return 0;
}

static int lookup_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    lookup_job_t *j = arg;
    mnp_block_rec_t blk;
    uint32_t block = (uint32_t)(mnp_number_national(&j->num) / 10000);
    int rc = mnp_txn_feed_head(txn, &j->seq, err);
    if (rc != 0)
        return rc;
    rc = mnp_txn_block_get(txn, block, &blk, err);
    if (rc == MNP_ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    j->known = true;
    snprintf(j->holder, sizeof(j->holder), "%s", blk.holder);
    snprintf(j->local_network, sizeof(j->local_network), "%s", blk.local_network);
    mnp_npdb_rec_t cur;
    rc = mnp_txn_npdb_get(txn, j->num.e164, &cur, err);
    if (rc != 0 && rc != MNP_ENOENT)
        return rc;
    j->ported = rc == 0;
    snprintf(j->serving, sizeof(j->serving), "%s", j->ported ? cur.op : blk.holder);
    mnp_routing_entry_t route;
    rc = mnp_txn_routing_get(txn, j->serving, j->local_network, &route, err);
    if (rc == 0)
        snprintf(j->routing, sizeof(j->routing), "%s", route.routing_number);
    else if (rc != MNP_ENOENT)
        return rc;
    mnp_error_clear(err);
    return mnp_txn_npdb_history(txn, j->num.e164, add_change, j, err);
}

void ch_api_lookup(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    if (!ch_api_authenticate(req, api, &c))
        return;
    const char *s = mnp_http_request_param(req, "number");
    lookup_job_t j = {0};
    mnp_number_reason_t why;
    if (s == NULL || mnp_number_parse(s, strlen(s), &j.num, &why) != 0) {
        mnp_http_reply_problem(req, 400, "bad_number", "number: %s",
                               s ? mnp_number_reason_str(why) : "missing");
        return;
    }
    j.history = json_array();
    mnp_error_t err = {0};
    if (mnp_store_read(api->store, lookup_read, &j, &err) != 0) {
        json_decref(j.history);
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg);
        return;
    }
    if (!j.known) {
        json_decref(j.history);
        mnp_http_reply_problem(req, 404, "not_in_plan", "the number is not in the number plan");
        return;
    }
    char num[MNP_NUMBER_STR_SIZE];
    json_t *root =
        json_pack("{ss ss sb ss ss sI so}", "number", mnp_number_format(&j.num, num), "operator",
                  j.serving, "ported", j.ported, "holder", j.holder, "local_network",
                  j.local_network, "seq", (json_int_t)j.seq, "history", j.history);
    if (j.routing[0])
        json_object_set_new(root, "routing_number", json_string(j.routing));
    mnp_http_reply_json_value(req, 200, root);
    json_decref(root);
}

/* The largest snapshot this route sends from memory: about 200 million ported numbers. */
#define SNAPSHOT_MAX_BYTES (512u * 1024 * 1024)

/* Reads the whole file at path into a new buffer (*out, caller frees). */
static int slurp(const char *path, char **out, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    if (fp == NULL || fstat(fileno(fp), &st) != 0 || (uint64_t)st.st_size > SNAPSHOT_MAX_BYTES) {
        if (fp)
            fclose(fp);
        return MNP_EIO;
    }
    *len = (size_t)st.st_size;
    *out = malloc(*len ? *len : 1);
    int rc = (*out != NULL && fread(*out, 1, *len, fp) == *len) ? 0 : MNP_EIO;
    fclose(fp);
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

void ch_api_snapshot(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    if (!ch_api_authenticate(req, api, &c))
        return;
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/mnp-snapshot-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "no room for a snapshot file");
        return;
    }
    close(fd);
    uint64_t seq = 0;
    mnp_error_t err = {0};
    char *data = NULL;
    size_t len = 0;
    int rc =
        mnp_store_npdb_snapshot(api->store, path, mnp_clock_now_ms(api->clock), &seq, NULL, &err);
    if (rc == 0)
        rc = slurp(path, &data, &len);
    unlink(path);
    if (rc != 0) {
        mnp_http_reply_problem(req, 503, "unavailable", "snapshot: %s",
                               err.msg[0] ? err.msg : mnp_strerror(rc));
        return;
    }
    char seq_text[24];
    snprintf(seq_text, sizeof(seq_text), "%llu", (unsigned long long)seq);
    /* The snapshot carries its seq in its header too; the header saves a client parsing it. */
    mnp_http_add_header(req, "X-MNP-Seq", seq_text);
    mnp_http_reply(req, 200, "application/vnd.mnp.npdb", data, len);
    free(data);
}

typedef struct audit_job {
    mnp_audit_filter_t f; /* f.subject NULL: the whole log */
    char subject[24];     /* the number's E.164 digits, as ch_audit names it */
    json_t *arr;
    uint64_t last;
} audit_job_t;

json_t *ch_api_audit_json(const mnp_audit_record_t *r)
{
    char hash[MNP_HASH_HEX_SIZE];
    json_t *detail = r->detail && r->detail[0] ? json_loads(r->detail, 0, NULL) : NULL;
    if (detail == NULL) /* kept as text when it is not JSON (it always is when mnp wrote it) */
        detail = json_string(r->detail ? r->detail : "");
    if (mnp_hex_encode(r->hash, sizeof(r->hash), hash, sizeof(hash)) != 0)
        hash[0] = '\0';
    return json_pack("{sI sI ss ss so ss}", "seq", (json_int_t)r->seq, "at_ms",
                     (json_int_t)r->at_ms, "actor", r->actor, "action", r->action, "detail", detail,
                     "hash", hash);
}

static int add_record(const mnp_audit_record_t *r, void *arg)
{
    audit_job_t *j = arg;
    json_t *rec = ch_api_audit_json(r);
    json_object_set_new(rec, "subject", json_string(r->subject));
    json_array_append_new(j->arr, rec);
    j->last = r->seq;
    return 0;
}

static int audit_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    audit_job_t *j = arg;
    if (j->f.subject != NULL)
        return mnp_txn_audit_subject_each(txn, &j->f, add_record, j, NULL, err);
    return mnp_txn_audit_each(txn, j->f.after_seq, j->f.limit, add_record, j, NULL, err);
}

void ch_api_audit(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    uint64_t after, limit, number;
    if (!ch_api_authenticate(req, api, &c))
        return;
    /* SPEC §8: the audit log is the regulator's to read. */
    if (c.role != MNP_ROLE_REGULATOR) {
        mnp_http_reply_problem(req, 403, "forbidden", "the audit log is the regulator's to read");
        return;
    }
    if (!ch_api_query_u64(req, "after", 0, INT64_MAX, &after) ||
        !ch_api_query_u64(req, "limit", 100, LIST_LIMIT_MAX, &limit) ||
        !query_number(req, "number", &number))
        return;
    audit_job_t j = {.f = {.after_seq = after, .limit = limit ? (unsigned)limit : 1},
                     .last = after};
    /* A number's records are those whose subject is its E.164 digits (ch_audit). */
    if (number != 0) {
        snprintf(j.subject, sizeof(j.subject), "%llu", (unsigned long long)number);
        j.f.subject = j.subject;
    }
    j.arr = json_array();
    mnp_error_t err = {0};
    if (mnp_store_read(api->store, audit_read, &j, &err) != 0) {
        json_decref(j.arr);
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg);
        return;
    }
    json_t *root = json_pack("{so sI}", "records", j.arr, "next_after", (json_int_t)j.last);
    mnp_http_reply_json_value(req, 200, root);
    json_decref(root);
}
