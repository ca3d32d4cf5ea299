/*
 * The request bodies of the clearinghouse's /v1 routes: one field table per kind of body, and
 * the one function that parses and decodes them all, strictly (json.h: an unknown, missing or
 * mistyped field, bad JSON or a body over the limit is refused before anything runs). The
 * routes and the fuzz target fuzz/fuzz_requests.c both go through ch_body_decode.
 */
#include "ch_apiInt.h"

#include <stdio.h>
#include <string.h>

static const mnp_json_field_t code_fields[] = {
    {"number", MNP_JSON_STRING, true, 32, 0, 0, offsetof(ch_subscriber_body_t, number)},
    {"identity", MNP_JSON_STRING, true, 18, 0, 0, offsetof(ch_subscriber_body_t, identity)},
    {"code", MNP_JSON_NUMBER_STRING, true, 6, 0, 0, offsetof(ch_subscriber_body_t, code)},
};

static const mnp_json_field_t order_fields[] = {
    {"number", MNP_JSON_STRING, true, 32, 0, 0, offsetof(ch_subscriber_body_t, number)},
    {"identity", MNP_JSON_STRING, true, 18, 0, 0, offsetof(ch_subscriber_body_t, identity)},
    {"code", MNP_JSON_NUMBER_STRING, true, 6, 0, 0, offsetof(ch_subscriber_body_t, code)},
    {"channel", MNP_JSON_STRING, true, 15, 0, 0, offsetof(ch_subscriber_body_t, channel)},
};

static const mnp_json_field_t answer_fields[] = {
    {"reason", MNP_JSON_STRING, false, 8, 0, 0, offsetof(ch_answer_body_t, reason)},
    {"text", MNP_JSON_STRING, false, 255, 0, 0, offsetof(ch_answer_body_t, text)},
};

static const mnp_json_field_t reverse_fields[] = {
    {"text", MNP_JSON_STRING, true, 255, 0, 0, offsetof(ch_text_body_t, text)},
};

static const mnp_json_field_t return_fields[] = {
    {"number", MNP_JSON_STRING, true, 32, 0, 0, offsetof(ch_number_body_t, number)},
};

static const mnp_json_field_t ack_fields[] = {
    {"seq", MNP_JSON_INTEGER, true, 0, 0, INT64_MAX, offsetof(ch_ack_body_t, seq)},
};

static const mnp_json_field_t signal_fields[] = {
    {"kind", MNP_JSON_STRING, true, 16, 0, 0, offsetof(ch_signal_body_t, kind)},
    {"number", MNP_JSON_STRING, true, 32, 0, 0, offsetof(ch_signal_body_t, number)},
    {"detail", MNP_JSON_STRING, false, 255, 0, 0, offsetof(ch_signal_body_t, detail)},
};

#define KIND(name, fields, type)                                                                   \
    {                                                                                              \
        name, fields, sizeof(fields) / sizeof(fields[0]), sizeof(type)                             \
    }

const ch_body_spec_t ch_body_specs[CH_BODY_COUNT] = {
    [CH_BODY_AUTHCODE] = KIND("authcodes_post", code_fields, ch_subscriber_body_t),
    [CH_BODY_ORDER] = KIND("orders_post", order_fields, ch_subscriber_body_t),
    [CH_BODY_ANSWER] = KIND("orders_answer", answer_fields, ch_answer_body_t),
    [CH_BODY_CANCEL] = {"orders_cancel", NULL, 0, 0},
    [CH_BODY_REVERSE] = KIND("orders_reverse", reverse_fields, ch_text_body_t),
    [CH_BODY_RETURN] = KIND("returns_post", return_fields, ch_number_body_t),
    [CH_BODY_ACK] = KIND("events_ack", ack_fields, ch_ack_body_t),
    [CH_BODY_SIGNAL] = KIND("signals_post", signal_fields, ch_signal_body_t),
};

int ch_body_decode(ch_body_kind_t kind, const char *body, size_t len, void *dst, json_t **root,
                   mnp_json_problem_t *p)
{
    const ch_body_spec_t *s = &ch_body_specs[kind];
    *root = NULL;
    if (s->nfields == 0 && len == 0)
        return 0; /* a request without fields may come without a body */
    int rc = mnp_json_parse(body, len, CH_BODY_MAX, root, p);
    if (rc == 0)
        rc = mnp_json_decode(*root, s->fields, s->nfields, dst, p);
    if (rc != 0) {
        json_decref(*root);
        *root = NULL;
    }
    return rc;
}

typedef struct signals_body {
    json_t *signals;
} signals_body_t;

static const mnp_json_field_t signals_fields[] = {
    {"signals", MNP_JSON_ARRAY, true, MNP_CH_SIGNALS_MAX, 0, 0, offsetof(signals_body_t, signals)},
};

int ch_signals_decode(const char *body, size_t len, mnp_ch_signal_t *out, size_t *n, json_t **root,
                      mnp_json_problem_t *p)
{
    signals_body_t b = {0};
    *n = 0;
    int rc = mnp_json_parse(body, len, CH_SIGNALS_BODY_MAX, root, p);
    if (rc == 0)
        rc = mnp_json_decode(*root, signals_fields, 1, &b, p);
    size_t count = rc == 0 ? json_array_size(b.signals) : 0;
    for (size_t i = 0; i < count; i++) {
        ch_signal_body_t s = {0};
        rc = mnp_json_decode(json_array_get(b.signals, i), signal_fields,
                             sizeof(signal_fields) / sizeof(signal_fields[0]), &s, p);
        if (rc != 0) {
            /* The report's place in the batch, for the caller's log. */
            char field[sizeof(p->field)], msg[sizeof(p->err.msg)];
            memcpy(field, p->field, sizeof(field));
            memcpy(msg, p->err.msg, sizeof(msg));
            if (snprintf(p->field, sizeof(p->field), "signals[%zu].%.40s", i, field) < 0)
                p->field[0] = '\0';
            if (p->code != NULL && strcmp(p->code, "not_object") == 0)
                mnp_error_set(&p->err, rc, "signals[%zu]: each report must be a JSON object", i);
            else
                mnp_error_set(&p->err, rc, "signals[%zu]: %.200s", i, msg);
            break;
        }
        out[i] = (mnp_ch_signal_t){.kind = s.kind, .number = s.number, .detail = s.detail};
    }
    if (rc == 0 && count == 0) {
        mnp_json_problem_clear(p);
        p->code = "bad_value";
        p->http_status = 400;
        snprintf(p->field, sizeof(p->field), "signals");
        rc = mnp_error_set(&p->err, MNP_EINVAL, "signals: at least one report");
    }
    if (rc != 0) {
        json_decref(*root);
        *root = NULL;
        return rc;
    }
    *n = count;
    return 0;
}
