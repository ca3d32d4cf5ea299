/*
 * Fuzzes the clearinghouse API's real request decoders: the same bytes as the body of every
 * /v1 route that takes one (ch_body_decode with each route's field table). A refusal carries an
 * HTTP status of 400 or 413 and a message and leaves the destination exactly as it was; an
 * accepted body fills every required field, each string within its byte limit and valid UTF-8,
 * each number-string of ASCII digits only, each integer within its bounds, and the object has
 * no member the route does not know. The same bytes also go through the batch decoder of
 * POST /v1/signals/batch (ch_signals_decode): refused the same way, or 1 to MNP_CH_SIGNALS_MAX
 * reports, one per element of "signals", each with its strings within their limits.
 */
#include <string.h>

#include "ch_apiInt.h"
#include "fuzz.h"

#define DST_MAX 64 /* bytes: larger than every body struct */

static void check_field(const mnp_json_field_t *f, const json_t *obj, const unsigned char *dst,
                        const unsigned char *before)
{
    const json_t *m = json_object_get(obj, f->name);
    if (m == NULL || json_is_null(m)) {
        FUZZ_CHECK(!f->required);
        /* An absent optional member leaves its destination as it was. */
        size_t width = f->type == MNP_JSON_INTEGER ? sizeof(int64_t) : sizeof(const char *);
        FUZZ_CHECK(memcmp(dst + f->offset, before + f->offset, width) == 0);
        return;
    }
    if (f->type == MNP_JSON_INTEGER) {
        int64_t v;
        memcpy(&v, dst + f->offset, sizeof(v));
        FUZZ_CHECK(v >= f->min && v <= f->max);
        return;
    }
    const char *s;
    memcpy(&s, dst + f->offset, sizeof(s));
    FUZZ_CHECK(s != NULL);
    size_t n = strlen(s);
    FUZZ_CHECK(f->max_len == 0 || n <= f->max_len);
    FUZZ_CHECK(mnp_json_utf8_valid_prefix(s, n) == n);
    if (f->type == MNP_JSON_NUMBER_STRING)
        FUZZ_CHECK(n >= 1 && strspn(s, "0123456789") == n);
}

/* A string a report decoded into: present unless optional, within max bytes, valid UTF-8. */
static void check_report_str(const char *s, size_t max, bool optional)
{
    if (s == NULL) {
        FUZZ_CHECK(optional);
        return;
    }
    size_t n = strlen(s);
    FUZZ_CHECK(n <= max);
    FUZZ_CHECK(mnp_json_utf8_valid_prefix(s, n) == n);
}

static void check_signals(const uint8_t *data, size_t size)
{
    mnp_ch_signal_t out[MNP_CH_SIGNALS_MAX];
    size_t n = 12345;
    json_t *root = NULL;
    mnp_json_problem_t p;
    int rc = ch_signals_decode(size ? (const char *)data : NULL, size, out, &n, &root, &p);
    if (rc != 0) {
        FUZZ_CHECK(rc < 0 && root == NULL && n == 0);
        FUZZ_CHECK(p.http_status == 400 || p.http_status == 413);
        FUZZ_CHECK(p.code != NULL && p.code[0] != '\0' && p.err.msg[0] != '\0');
        return;
    }
    FUZZ_CHECK(root != NULL && json_is_object(root) && json_object_size(root) == 1);
    const json_t *list = json_object_get(root, "signals");
    FUZZ_CHECK(json_is_array(list) && json_array_size(list) == n);
    FUZZ_CHECK(n >= 1 && n <= MNP_CH_SIGNALS_MAX);
    for (size_t i = 0; i < n; i++) {
        check_report_str(out[i].kind, 16, false);
        check_report_str(out[i].number, 32, false);
        check_report_str(out[i].detail, 255, true);
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_signals(data, size);
    for (int k = 0; k < CH_BODY_COUNT; k++) {
        const ch_body_spec_t *spec = &ch_body_specs[k];
        FUZZ_CHECK(spec->size <= DST_MAX);
        unsigned char dst[DST_MAX], before[DST_MAX];
        memset(before, 0, sizeof(before)); /* the routes zero their body structs */
        memcpy(dst, before, sizeof(dst));
        json_t *root = NULL;
        mnp_json_problem_t p;
        int rc = ch_body_decode((ch_body_kind_t)k, size ? (const char *)data : NULL, size,
                                spec->size ? dst : NULL, &root, &p);
        if (rc != 0) {
            FUZZ_CHECK(rc < 0 && root == NULL);
            FUZZ_CHECK(p.http_status == 400 || p.http_status == 413);
            FUZZ_CHECK(p.code[0] != '\0' && p.err.msg[0] != '\0');
            FUZZ_CHECK(memcmp(dst, before, sizeof(dst)) == 0);
            continue;
        }
        if (root == NULL) { /* no body, for a route without fields */
            FUZZ_CHECK(spec->nfields == 0 && size == 0);
            continue;
        }
        for (size_t i = 0; i < spec->nfields; i++)
            check_field(&spec->fields[i], root, dst, before);
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v)
        {
            size_t i = 0;
            while (i < spec->nfields && strcmp(spec->fields[i].name, key) != 0)
                i++;
            FUZZ_CHECK(i < spec->nfields);
        }
        json_decref(root);
    }
    return 0;
}
