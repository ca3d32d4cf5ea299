/*
 * The JSON bodies of the gateway's routes (gw_apiInt.h): one field table each, decoded by the
 * strict decoder of json.h, so that an unknown member, a wrong type or an overlong value is
 * refused with its stable code before a route does anything. The fuzzer drives them all.
 */
#include "gw_apiInt.h"

static const mnp_json_field_t inbound_fields[] = {
    {"from", MNP_JSON_STRING, true, 32, 0, 0, offsetof(gw_inbound_body_t, from)},
    {"to", MNP_JSON_STRING, true, 15, 0, 0, offsetof(gw_inbound_body_t, to)},
    {"text", MNP_JSON_STRING, true, 1024, 0, 0, offsetof(gw_inbound_body_t, text)},
};

static const mnp_json_field_t port_fields[] = {
    {"number", MNP_JSON_STRING, true, 32, 0, 0, offsetof(gw_port_body_t, number)},
    {"name", MNP_JSON_STRING, true, 63, 0, 0, offsetof(gw_port_body_t, name)},
    {"identity", MNP_JSON_STRING, true, 18, 0, 0, offsetof(gw_port_body_t, identity)},
    {"code", MNP_JSON_NUMBER_STRING, true, 6, 0, 0, offsetof(gw_port_body_t, code)},
    {"channel", MNP_JSON_STRING, true, 15, 0, 0, offsetof(gw_port_body_t, channel)},
};

static const mnp_json_field_t ack_fields[] = {
    {"up_to", MNP_JSON_INTEGER, true, 0, 1, INT64_MAX, offsetof(gw_ack_body_t, up_to)},
};

static const mnp_json_field_t number_fields[] = {
    {"number", MNP_JSON_STRING, true, 32, 0, 0, offsetof(gw_number_body_t, number)},
};

static const mnp_json_field_t session_fields[] = {
    {"number", MNP_JSON_STRING, true, 32, 0, 0, offsetof(gw_session_body_t, number)},
    {"code", MNP_JSON_NUMBER_STRING, true, 6, 0, 0, offsetof(gw_session_body_t, code)},
};

static const mnp_json_field_t query_fields[] = {
    {"name", MNP_JSON_STRING, true, 63, 0, 0, offsetof(gw_query_body_t, name)},
    {"identity", MNP_JSON_STRING, true, 18, 0, 0, offsetof(gw_query_body_t, identity)},
};

#define KIND(name, fields, type)                                                                   \
    {                                                                                              \
        name, fields, sizeof(fields) / sizeof(fields[0]), sizeof(type)                             \
    }

const gw_body_spec_t gw_body_specs[GW_BODY_COUNT] = {
    [GW_BODY_SMS_INBOUND] = KIND("sms_inbound", inbound_fields, gw_inbound_body_t),
    [GW_BODY_PORT_IN] = KIND("port_in", port_fields, gw_port_body_t),
    [GW_BODY_ACK] = KIND("ack", ack_fields, gw_ack_body_t),
    [GW_BODY_NUMBER] = KIND("number", number_fields, gw_number_body_t),
    [GW_BODY_SELF_SESSION] = KIND("self_session", session_fields, gw_session_body_t),
    [GW_BODY_SELF_QUERY] = KIND("self_query", query_fields, gw_query_body_t),
};

int gw_body_decode(gw_body_kind_t kind, const char *body, size_t len, void *dst, json_t **root,
                   mnp_json_problem_t *p)
{
    const gw_body_spec_t *spec = &gw_body_specs[kind];
    *root = NULL;
    int rc = mnp_json_parse(body, len, GW_BODY_MAX, root, p);
    if (rc == 0 && (rc = mnp_json_decode(*root, spec->fields, spec->nfields, dst, p)) != 0) {
        json_decref(*root);
        *root = NULL;
    }
    return rc;
}
