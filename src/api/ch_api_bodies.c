/*
 * The request bodies of the clearinghouse's /v1 routes: one field table per kind of body, and
 * the one function that parses and decodes them all, strictly (json.h: an unknown, missing or
 * mistyped field, bad JSON or a body over the limit is refused before anything runs). The
 * routes and the fuzz target fuzz/fuzz_requests.c both go through ch_body_decode.
 */
#include "ch_apiInt.h"

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
