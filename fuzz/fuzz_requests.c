/*
 * Fuzzes the clearinghouse API's real request decoders: the same bytes as the body of every
 * /v1 route that takes one (ch_body_decode with each route's field table). A refusal carries an
 * HTTP status of 400 or 413 and a message and leaves the destination exactly as it was; an
 * accepted body fills every required field, each string within its byte limit and valid UTF-8,
 * each number-string of ASCII digits only, each integer within its bounds, and the object has
 * no member the route does not know.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
