/*
 * The billing system's row batches as JSON (gw_apiInt.h). A row is decoded strictly (json.h:
 * unknown members, wrong types), turned into the text of its columns and checked by the very
 * function the billing files use (mnp_subscriber_row_check, mnp_agreement_row_check), so a row
 * means the same and is refused for the same reason whether it came as a CSV line or as JSON.
 * Every row is looked at before anything is answered, so a refused batch names all its bad rows
 * (the first 20 with their reasons) and the billing system can fix them in one round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_apiInt.h"
#include "mnp/alloc.h"

/* A text field over a decoded JSON string (jansson refuses NUL bytes in strings). */
static mnp_csv_field_t text_field(const char *s)
{
    return (mnp_csv_field_t){s != NULL ? s : "", s != NULL ? strlen(s) : 0};
}

/* An integer as the column's decimal text, into buf (24 bytes): a negative amount is then
 * refused by the same rule and with the same words as in a file. */
static mnp_csv_field_t int_field(int64_t v, char *buf)
{
    int n = snprintf(buf, 24, "%lld", (long long)v);
    return (mnp_csv_field_t){buf, n > 0 ? (size_t)n : 0};
}

static void bad_row(gw_bad_rows_t *bad, size_t index, const char *reason)
{
    bad->count++;
    if (bad->n == MNP_CSV_ERRORS_MAX)
        return;
    struct gw_bad_row *r = &bad->rows[bad->n++];
    r->index = index;
    snprintf(r->reason, sizeof(r->reason), "%s", reason);
    /* A reason cut to fit may end inside a UTF-8 sequence; the answer must stay valid JSON. */
    r->reason[mnp_json_utf8_valid_prefix(r->reason, strlen(r->reason))] = '\0';
}

/* Parses the body and finds its one member, the array of rows: 0 with *root (the caller
 * releases it) and *array (borrowed from it), or MNP_EFORMAT with p filled. */
static int batch_open(const char *body, size_t len, size_t max_bytes, const char *member,
                      json_t **root, json_t **array, mnp_json_problem_t *p)
{
    const mnp_json_field_t spec[] = {
        {member, MNP_JSON_ARRAY, true, GW_BATCH_ROWS_MAX, 0, 0, 0},
    };
    json_t *a = NULL;
    *root = NULL;
    if (mnp_json_parse(body, len, max_bytes, root, p) != 0)
        return MNP_EFORMAT;
    if (mnp_json_decode(*root, spec, 1, &a, p) != 0)
        goto fail;
    if (json_array_size(a) == 0) {
        mnp_json_problem_clear(p);
        p->code = "no_rows";
        p->http_status = 400;
        snprintf(p->field, sizeof(p->field), "%s", member);
        mnp_error_set(&p->err, MNP_EINVAL, "\"%s\" must hold 1 to %d rows", member,
                      GW_BATCH_ROWS_MAX);
        goto fail;
    }
    *array = a;
    return 0;
fail:
    json_decref(*root);
    *root = NULL;
    return MNP_EFORMAT;
}

/* Decodes row i of the array with spec into dst; false with the row reported bad. */
static bool row_decode(json_t *array, size_t i, const mnp_json_field_t *spec, size_t n, void *dst,
                       gw_bad_rows_t *bad)
{
    json_t *obj = json_array_get(array, i);
    if (!json_is_object(obj)) {
        bad_row(bad, i, "a row must be a JSON object");
        return false;
    }
    mnp_json_problem_t p;
    if (mnp_json_decode(obj, spec, n, dst, &p) != 0) {
        bad_row(bad, i, p.err.msg);
        return false;
    }
    return true;
}

/* One kind of row: its batch member, its size, how row i of the array is read into dst, and
 * whether a row is an earlier one (row k) twice, with why. */
typedef struct batch_kind {
    const char *member;
    size_t row_size;
    bool (*row)(json_t *array, size_t i, void *dst, gw_bad_rows_t *bad);
    bool (*twin)(const void *earlier, const void *row, size_t k, char *why, size_t size);
} batch_kind_t;

/* Every row of the batch read and checked, all of them before any answer: 0 with *rows (the
 * caller frees it) and *n; MNP_EFORMAT (p filled) for a body that is no batch; MNP_EINVAL with
 * bad naming the bad rows. At most GW_BATCH_ROWS_MAX rows: looking back through them all for a
 * twin is cheap. */
static int batch_decode(const batch_kind_t *kind, const char *body, size_t len, size_t max_bytes,
                        void **rows, size_t *n, mnp_json_problem_t *p, gw_bad_rows_t *bad)
{
    json_t *root, *array;
    memset(bad, 0, sizeof(*bad));
    *rows = NULL;
    *n = 0;
    if (batch_open(body, len, max_bytes, kind->member, &root, &array, p) != 0)
        return MNP_EFORMAT;
    mnp_json_problem_clear(p);
    size_t count = json_array_size(array);
    unsigned char *v = mnp_xcalloc(count, kind->row_size);
    bool *ok = mnp_xcalloc(count, sizeof(*ok));
    for (size_t i = 0; i < count; i++) {
        ok[i] = kind->row(array, i, v + i * kind->row_size, bad);
        char why[128];
        for (size_t k = 0; ok[i] && k < i; k++)
            if (ok[k] &&
                kind->twin(v + k * kind->row_size, v + i * kind->row_size, k, why, sizeof(why))) {
                bad_row(bad, i, why);
                ok[i] = false;
            }
    }
    free(ok);
    json_decref(root);
    if (bad->count > 0) {
        free(v);
        return MNP_EINVAL;
    }
    *rows = v;
    *n = count;
    return 0;
}

/* ---- subscribers -------------------------------------------------------------------------- */

typedef struct sub_json {
    const char *number, *name, *identity, *registration, *status, *last_port;
    int64_t unpaid_fen, balance_fen;
    json_t *services;
} sub_json_t;

/* Lengths and words are the row check's to judge, with the same reasons as in a file. */
static const mnp_json_field_t sub_spec[] = {
    {"number", MNP_JSON_STRING, true, 0, 0, 0, offsetof(sub_json_t, number)},
    {"name", MNP_JSON_STRING, true, 0, 0, 0, offsetof(sub_json_t, name)},
    {"identity", MNP_JSON_STRING, true, 0, 0, 0, offsetof(sub_json_t, identity)},
    {"registration", MNP_JSON_STRING, true, 0, 0, 0, offsetof(sub_json_t, registration)},
    {"status", MNP_JSON_STRING, true, 0, 0, 0, offsetof(sub_json_t, status)},
    {"unpaid_fen", MNP_JSON_INTEGER, true, 0, 0, 0, offsetof(sub_json_t, unpaid_fen)},
    {"last_port", MNP_JSON_STRING, false, 0, 0, 0, offsetof(sub_json_t, last_port)},
    {"services", MNP_JSON_ARRAY, false, 0, 0, 0, offsetof(sub_json_t, services)},
    {"balance_fen", MNP_JSON_INTEGER, true, 0, 0, 0, offsetof(sub_json_t, balance_fen)},
};

/* Row i of the array into *dst (an mnp_subscriber_row_t); false with it reported bad. */
static bool subscriber_row(json_t *array, size_t i, void *dst, gw_bad_rows_t *bad)
{
    mnp_subscriber_row_t *row = dst;
    sub_json_t j = {0};
    if (!row_decode(array, i, sub_spec, sizeof(sub_spec) / sizeof(sub_spec[0]), &j, bad))
        return false;
    /* One name more than a row may have is enough for the check to refuse it. */
    mnp_csv_field_t services[MNP_SERVICES_MAX + 1];
    size_t nservices = json_array_size(j.services);
    if (nservices > MNP_SERVICES_MAX + 1)
        nservices = MNP_SERVICES_MAX + 1;
    for (size_t k = 0; k < nservices; k++) {
        json_t *s = json_array_get(j.services, k);
        if (!json_is_string(s)) {
            char why[64];
            snprintf(why, sizeof(why), "service %zu is not a string", k + 1);
            bad_row(bad, i, why);
            return false;
        }
        services[k] = (mnp_csv_field_t){json_string_value(s), json_string_length(s)};
    }
    char unpaid[24], balance[24], why[MNP_ROW_REASON_MAX];
    mnp_subscriber_fields_t f = {
        .number = text_field(j.number),
        .name = text_field(j.name),
        .identity = text_field(j.identity),
        .registration = text_field(j.registration),
        .status = text_field(j.status),
        .unpaid_fen = int_field(j.unpaid_fen, unpaid),
        .last_port = text_field(j.last_port), /* absent or null: never ported */
        .services = services,
        .nservices = nservices,
        .balance_fen = int_field(j.balance_fen, balance),
    };
    if (mnp_subscriber_row_check(&f, row, why, sizeof(why)) != 0) {
        bad_row(bad, i, why);
        return false;
    }
    return true;
}

/* Which of two rows for one number the billing system meant is not ours to guess. */
static bool same_subscriber(const void *earlier, const void *row, size_t k, char *why, size_t size)
{
    const mnp_subscriber_row_t *x = earlier, *y = row;
    if (x->sub.number != y->sub.number)
        return false;
    snprintf(why, size, "number %llu is also row %zu", (unsigned long long)y->sub.number, k);
    return true;
}

static const batch_kind_t subscribers = {"subscribers", sizeof(mnp_subscriber_row_t),
                                         subscriber_row, same_subscriber};

int gw_billing_subscribers_decode(const char *body, size_t len, size_t max_bytes,
                                  mnp_subscriber_row_t **rows, size_t *n, mnp_json_problem_t *p,
                                  gw_bad_rows_t *bad)
{
    void *v = NULL;
    int rc = batch_decode(&subscribers, body, len, max_bytes, &v, n, p, bad);
    *rows = v;
    return rc;
}

/* ---- agreements --------------------------------------------------------------------------- */

typedef struct agr_json {
    const char *number, *name, *start, *end;
    int64_t fee_fen;
    bool has_term;
} agr_json_t;

static const mnp_json_field_t agr_spec[] = {
    {"number", MNP_JSON_STRING, true, 0, 0, 0, offsetof(agr_json_t, number)},
    {"name", MNP_JSON_STRING, true, 0, 0, 0, offsetof(agr_json_t, name)},
    {"start", MNP_JSON_STRING, true, 0, 0, 0, offsetof(agr_json_t, start)},
    {"end", MNP_JSON_STRING, true, 0, 0, 0, offsetof(agr_json_t, end)},
    {"fee_fen", MNP_JSON_INTEGER, true, 0, 0, 0, offsetof(agr_json_t, fee_fen)},
    {"has_term", MNP_JSON_BOOLEAN, true, 0, 0, 0, offsetof(agr_json_t, has_term)},
};

static bool agreement_row(json_t *array, size_t i, void *dst, gw_bad_rows_t *bad)
{
    mnp_agreement_row_t *row = dst;
    agr_json_t j = {0};
    if (!row_decode(array, i, agr_spec, sizeof(agr_spec) / sizeof(agr_spec[0]), &j, bad))
        return false;
    char fee[24], why[MNP_ROW_REASON_MAX];
    mnp_agreement_fields_t f = {
        .number = text_field(j.number),
        .name = text_field(j.name),
        .start = text_field(j.start),
        .end = text_field(j.end),
        .fee_fen = int_field(j.fee_fen, fee),
        .has_term = text_field(j.has_term ? "yes" : "no"), /* the file's words for a boolean */
    };
    if (mnp_agreement_row_check(&f, row, why, sizeof(why)) != 0) {
        bad_row(bad, i, why);
        return false;
    }
    return true;
}

/* One agreement is a number's agreement of one name over one period (as in a file). */
static bool same_agreement(const void *earlier, const void *row, size_t k, char *why, size_t size)
{
    const mnp_agreement_row_t *x = earlier, *y = row;
    if (x->number != y->number || x->agreement.start_ms != y->agreement.start_ms ||
        x->agreement.end_ms != y->agreement.end_ms ||
        strcmp(x->agreement.name, y->agreement.name) != 0)
        return false;
    snprintf(why, size, "the same agreement (number, name, start, end) is row %zu", k);
    return true;
}

static const batch_kind_t agreements = {"agreements", sizeof(mnp_agreement_row_t), agreement_row,
                                        same_agreement};

int gw_billing_agreements_decode(const char *body, size_t len, size_t max_bytes,
                                 mnp_agreement_row_t **rows, size_t *n, mnp_json_problem_t *p,
                                 gw_bad_rows_t *bad)
{
    void *v = NULL;
    int rc = batch_decode(&agreements, body, len, max_bytes, &v, n, p, bad);
    *rows = v;
    return rc;
}
