/*
 * Fuzzes the gateway API's request decoders: the same bytes as the body of every gateway route
 * that takes a single JSON object (gw_body_decode with each route's field table: the SMS
 * centre's inbound SMS and acknowledgements, the shop's port-in, terminations, and the
 * subscribers' self-service login, session and queries). A refusal carries a stable problem
 * code, an HTTP status of 400 or 413 and a message, and leaves the destination exactly as it
 * was; an accepted body is an object whose every member the route knows, with every required
 * field present, each string within its byte limit and valid UTF-8, each number-string of ASCII
 * digits only, each integer within its bounds. Decoding the same bytes again gives the same
 * answer.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "gw_apiInt.h"

#define DST_BYTES 64 /* more than the largest body struct */

/* The value a field decoded to, checked against its spec; m is the member in the object. */
static void check_value(const mnp_json_field_t *f, const json_t *m, const unsigned char *dst)
{
    if (f->type == MNP_JSON_INTEGER) {
        int64_t v;
        memcpy(&v, dst + f->offset, sizeof(v));
        FUZZ_CHECK(json_is_integer(m) && v == json_integer_value(m));
        FUZZ_CHECK((f->min == 0 && f->max == 0) || (v >= f->min && v <= f->max));
        return;
    }
    const char *s;
    memcpy(&s, dst + f->offset, sizeof(s));
    FUZZ_CHECK(json_is_string(m) && s == json_string_value(m));
    size_t n = strlen(s);
    FUZZ_CHECK(n == json_string_length(m)); /* no NUL inside */
    FUZZ_CHECK(f->max_len == 0 || n <= f->max_len);
    FUZZ_CHECK(mnp_json_utf8_valid_prefix(s, n) == n);
    if (f->type == MNP_JSON_NUMBER_STRING)
        FUZZ_CHECK(n >= 1 && strspn(s, "0123456789") == n);
}

static bool spec_names(const gw_body_spec_t *spec, const char *name)
{
    for (size_t i = 0; i < spec->nfields; i++)
        if (strcmp(spec->fields[i].name, name) == 0)
            return true;
    return false;
}

static void check_accepted(const gw_body_spec_t *spec, json_t *root, const unsigned char *dst)
{
    FUZZ_CHECK(json_is_object(root));
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
        FUZZ_CHECK(spec_names(spec, key)); /* no member the route does not know */
    for (size_t i = 0; i < spec->nfields; i++) {
        const mnp_json_field_t *f = &spec->fields[i];
        const json_t *m = json_object_get(root, f->name);
        FUZZ_CHECK(m != NULL || !f->required);
        if (m != NULL && !json_is_null(m))
            check_value(f, m, dst);
    }
}

static void one_kind(gw_body_kind_t kind, const char *data, size_t size)
{
    const gw_body_spec_t *spec = &gw_body_specs[kind];
    FUZZ_CHECK(spec->size <= DST_BYTES);
    unsigned char dst[DST_BYTES] = {0}, zero[DST_BYTES] = {0}, again[DST_BYTES] = {0};
    json_t *root = NULL, *root2 = NULL;
    mnp_json_problem_t p, p2;
    int rc = gw_body_decode(kind, data, size, dst, &root, &p);
    int rc2 = gw_body_decode(kind, data, size, again, &root2, &p2);
    FUZZ_CHECK(rc == rc2);
    if (rc != 0) {
        FUZZ_CHECK(rc < 0 && root == NULL && root2 == NULL);
        FUZZ_CHECK(p.http_status == 400 || p.http_status == 413);
        FUZZ_CHECK(p.code != NULL && p.code[0] != '\0' && p.err.msg[0] != '\0');
        FUZZ_CHECK(strcmp(p.code, p2.code) == 0);
        FUZZ_CHECK(memcmp(dst, zero, sizeof(dst)) == 0); /* a refusal writes nothing */
        return;
    }
    check_accepted(spec, root, dst);
    FUZZ_CHECK(json_equal(root, root2));
    json_decref(root);
    json_decref(root2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int k = 0; k < GW_BODY_COUNT; k++)
        one_kind((gw_body_kind_t)k, size ? (const char *)data : NULL, size);
    return 0;
}
