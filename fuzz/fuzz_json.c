/*
 * Fuzzes strict JSON request decoding: mnp_json_parse on the raw bytes, then mnp_json_decode
 * with a field spec like an API's (every field type, limits on each). Beyond not crashing: a
 * refusal carries a known code, its HTTP status and a message, and leaves the destination
 * exactly as it was; an accepted body has no NUL byte and fits the limit; a decoded struct
 * satisfies every limit of the spec; and an accepted value dumps to compact JSON that parses
 * back to an equal value.
 */
#include <string.h>

#include "fuzz.h"
#include "mnp/json.h"

#define BODY_MAX 4096

typedef struct request {
    const char *number;
    const char *name;
    int64_t count;
    bool urgent;
    json_t *tags;
    json_t *meta;
} request_t;

static const mnp_json_field_t spec[] = {
    {"number", MNP_JSON_NUMBER_STRING, true, 11, 0, 0, offsetof(request_t, number)},
    {"name", MNP_JSON_STRING, false, 16, 0, 0, offsetof(request_t, name)},
    {"count", MNP_JSON_INTEGER, false, 0, -5, 100, offsetof(request_t, count)},
    {"urgent", MNP_JSON_BOOLEAN, false, 0, 0, 0, offsetof(request_t, urgent)},
    {"tags", MNP_JSON_ARRAY, false, 4, 0, 0, offsetof(request_t, tags)},
    {"meta", MNP_JSON_OBJECT, false, 3, 0, 0, offsetof(request_t, meta)},
};
#define SPEC_N (sizeof spec / sizeof spec[0])

static const char *const parse_codes[] = {"body_too_large", "empty_body", "bad_json",
                                          "duplicate_key", "not_object"};
static const char *const decode_codes[] = {"unknown_field", "missing_field", "wrong_type",
                                           "too_long",      "out_of_range",  "bad_value"};

static bool known(const char *code, const char *const *codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (code != NULL && strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

static void check_refusal(int rc, const mnp_json_problem_t *p)
{
    FUZZ_CHECK(p->err.code == rc && p->err.msg[0] != '\0');
    FUZZ_CHECK(p->http_status == (strcmp(p->code, "body_too_large") == 0 ? 413 : 400));
    size_t flen = strlen(p->field);
    FUZZ_CHECK(flen <= MNP_JSON_FIELD_MAX);
    FUZZ_CHECK(mnp_json_utf8_valid_prefix(p->field, flen) == flen);
}

static void check_decoded(const json_t *obj, const request_t *r, const request_t *before)
{
    FUZZ_CHECK(r->number != NULL);
    size_t n = strlen(r->number);
    FUZZ_CHECK(n >= 1 && n <= 11 && strspn(r->number, "0123456789") == n);
    if (json_object_get(obj, "name") && !json_is_null(json_object_get(obj, "name"))) {
        size_t len = strlen(r->name);
        FUZZ_CHECK(len <= 16 && mnp_json_utf8_valid_prefix(r->name, len) == len);
    } else {
        FUZZ_CHECK(r->name == before->name);
    }
    FUZZ_CHECK(r->count >= -5 && r->count <= 100);
    FUZZ_CHECK(r->tags == NULL || (json_is_array(r->tags) && json_array_size(r->tags) <= 4));
    FUZZ_CHECK(r->meta == NULL || (json_is_object(r->meta) && json_object_size(r->meta) <= 3));
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)obj, key, v)
    {
        size_t i = 0;
        while (i < SPEC_N && strcmp(spec[i].name, key) != 0)
            i++;
        FUZZ_CHECK(i < SPEC_N);
    }
}

static void check_round_trip(const json_t *v)
{
    mnp_buf_t b;
    mnp_buf_init(&b, 1 << 20);
    FUZZ_CHECK(mnp_json_dump(v, &b) == 0);
    json_t *again = NULL;
    mnp_json_problem_t p;
    FUZZ_CHECK(mnp_json_parse(b.data, b.len, 1 << 20, &again, &p) == 0);
    FUZZ_CHECK(json_equal(v, again));
    json_decref(again);
    mnp_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    json_t *v = (json_t *)&v;
    mnp_json_problem_t p;
    int rc = mnp_json_parse(s, size, BODY_MAX, &v, &p);
    if (rc != 0) {
        FUZZ_CHECK(rc == MNP_ELIMIT || rc == MNP_EFORMAT || rc == MNP_ENOMEM);
        FUZZ_CHECK(v == NULL);
        FUZZ_CHECK(known(p.code, parse_codes, 5));
        FUZZ_CHECK((rc == MNP_ELIMIT) == (size > BODY_MAX));
        check_refusal(rc, &p);
        return 0;
    }
    FUZZ_CHECK(size <= BODY_MAX && memchr(s, '\0', size) == NULL);
    FUZZ_CHECK(json_is_object(v) && p.code == NULL);
    check_round_trip(v);

    request_t r, before;
    memset(&r, 0, sizeof r); /* padding too, for the memcmp below */
    r.name = "unset";
    r.count = 7;
    memcpy(&before, &r, sizeof r);
    rc = mnp_json_decode(v, spec, SPEC_N, &r, &p);
    if (rc != 0) {
        FUZZ_CHECK(rc == MNP_EINVAL || rc == MNP_ELIMIT || rc == MNP_ERANGE);
        FUZZ_CHECK(known(p.code, decode_codes, 6));
        FUZZ_CHECK(p.field[0] != '\0' || strcmp(p.code, "unknown_field") == 0);
        FUZZ_CHECK(memcmp(&r, &before, sizeof r) == 0);
        check_refusal(rc, &p);
    } else {
        check_decoded(v, &r, &before);
    }
    json_decref(v);
    return 0;
}
