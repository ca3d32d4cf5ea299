/*
 * Tests for strict JSON decoding: every parse refusal (too large, empty, NUL byte, \u0000,
 * invalid JSON with its line and column, invalid UTF-8, integer overflow, duplicate key, not an
 * object) with its stable code and HTTP status; every decode refusal (unknown, missing, wrong
 * type, too long, out of range, bad value) naming its field, leaving the destination untouched
 * byte for byte; a successful decode filling every field, optional members absent or null
 * leaving defaults; the UTF-8 validator's edge cases; compact sorted output and its limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "mnp/json.h"

typedef struct order {
    const char *number;
    const char *name;
    int64_t count;
    bool urgent;
    json_t *tags;
    json_t *meta;
} order_t;

static const mnp_json_field_t order_spec[] = {
    {"number", MNP_JSON_NUMBER_STRING, true, 11, 0, 0, offsetof(order_t, number)},
    {"name", MNP_JSON_STRING, false, 8, 0, 0, offsetof(order_t, name)},
    {"count", MNP_JSON_INTEGER, true, 0, 1, 100, offsetof(order_t, count)},
    {"urgent", MNP_JSON_BOOLEAN, false, 0, 0, 0, offsetof(order_t, urgent)},
    {"tags", MNP_JSON_ARRAY, false, 3, 0, 0, offsetof(order_t, tags)},
    {"meta", MNP_JSON_OBJECT, false, 2, 0, 0, offsetof(order_t, meta)},
};
#define ORDER_N (sizeof order_spec / sizeof order_spec[0])

static int parse(const char *s, json_t **out, mnp_json_problem_t *p)
{
    return mnp_json_parse(s, strlen(s), 1024, out, p);
}

static void expect_parse_fail(const char *s, size_t len, int rc, const char *code)
{
    json_t *v = (json_t *)&v; /* must be reset to NULL */
    mnp_json_problem_t p;
    assert_int_equal(mnp_json_parse(s, len, 1024, &v, &p), rc);
    assert_null(v);
    assert_non_null(p.code);
    assert_string_equal(p.code, code);
    assert_int_equal(p.http_status, 400);
    assert_int_equal(p.err.code, rc);
    assert_true(p.err.msg[0] != '\0');
}

static void test_parse_refusals(void **state)
{
    (void)state;
    json_t *v;
    mnp_json_problem_t p;
    char big[2000];
    memset(big, ' ', sizeof big);
    assert_int_equal(mnp_json_parse(big, sizeof big, 1024, &v, &p), MNP_ELIMIT);
    assert_string_equal(p.code, "body_too_large");
    assert_int_equal(p.http_status, 413);
    assert_non_null(strstr(p.err.msg, "1024"));

    expect_parse_fail("", 0, MNP_EFORMAT, "empty_body");
    assert_int_equal(mnp_json_parse(NULL, 0, 10, &v, &p), MNP_EFORMAT);
    expect_parse_fail(" \r\n\t ", 5, MNP_EFORMAT, "empty_body");
    expect_parse_fail("{\"a\":1}\0", 8, MNP_EFORMAT, "bad_json");
    expect_parse_fail("{\"a\":\"x\\u0000y\"}", 16, MNP_EFORMAT, "bad_json");
    expect_parse_fail("{\"a\":\"\xff\"}", 8, MNP_EFORMAT, "bad_json");
    expect_parse_fail("{\"a\":99999999999999999999}", 26, MNP_EFORMAT, "bad_json");
    expect_parse_fail("{\"a\":1}{", 8, MNP_EFORMAT, "bad_json");
    expect_parse_fail("{\"a\":1,\"a\":2}", 13, MNP_EFORMAT, "duplicate_key");
    expect_parse_fail("[1]", 3, MNP_EFORMAT, "not_object");
    expect_parse_fail("\"x\"", 3, MNP_EFORMAT, "not_object");
    expect_parse_fail("null", 4, MNP_EFORMAT, "not_object");

    /* Where: line 3, column of the stray comma. */
    assert_int_equal(parse("{\n  \"a\": 1,\n  ,\n}", &v, &p), MNP_EFORMAT);
    assert_string_equal(p.code, "bad_json");
    assert_int_equal(p.line, 3);
    assert_true(p.column >= 3);
    assert_non_null(strstr(p.err.msg, "line 3"));
    /* A NUL byte's place is reported the same way. */
    assert_int_equal(mnp_json_parse("{\n \0}", 5, 100, &v, &p), MNP_EFORMAT);
    assert_int_equal(p.line, 2);
    assert_int_equal(p.column, 2);
}

static void test_parse_ok(void **state)
{
    (void)state;
    json_t *v = NULL;
    mnp_json_problem_t p;
    assert_int_equal(parse(" {\"a\": [1, {\"b\": null}]}\n", &v, &p), 0);
    assert_true(json_is_object(v));
    assert_null(p.code);
    assert_int_equal(p.http_status, 0);
    json_decref(v);
}

static order_t order_defaults(void)
{
    order_t o;
    memset(&o, 0xA5, sizeof o); /* every byte known, padding included */
    o.name = "default";
    o.urgent = false;
    return o;
}

/* Parses body, decodes it with the order spec, and expects refusal with code for field. */
static void expect_decode_fail(const char *body, int rc, const char *code, const char *field)
{
    json_t *v;
    mnp_json_problem_t p;
    assert_int_equal(parse(body, &v, &p), 0);
    order_t o = order_defaults(), before = o;
    assert_int_equal(mnp_json_decode(v, order_spec, ORDER_N, &o, &p), rc);
    assert_memory_equal(&o, &before, sizeof o);
    assert_string_equal(p.code, code);
    assert_string_equal(p.field, field);
    assert_int_equal(p.http_status, 400);
    assert_int_equal(p.err.code, rc);
    char quoted[80];
    snprintf(quoted, sizeof quoted, "\"%s\"", field);
    assert_non_null(strstr(p.err.msg, quoted));
    json_decref(v);
}

static void test_decode_refusals(void **state)
{
    (void)state;
    /* Each body is valid but for one thing, placed after valid members that were checked. */
    expect_decode_fail("{\"number\":\"1380\",\"count\":1,\"colour\":1}", MNP_EINVAL,
                       "unknown_field", "colour");
    expect_decode_fail("{\"number\":\"1380\"}", MNP_EINVAL, "missing_field", "count");
    expect_decode_fail("{\"number\":null,\"count\":1}", MNP_EINVAL, "missing_field", "number");
    expect_decode_fail("{\"number\":\"1380\",\"count\":\"1\"}", MNP_EINVAL, "wrong_type", "count");
    expect_decode_fail("{\"number\":\"1380\",\"count\":1.0}", MNP_EINVAL, "wrong_type", "count");
    expect_decode_fail("{\"number\":13800,\"count\":1}", MNP_EINVAL, "wrong_type", "number");
    expect_decode_fail("{\"number\":\"1\",\"count\":1,\"urgent\":1}", MNP_EINVAL, "wrong_type",
                       "urgent");
    expect_decode_fail("{\"number\":\"1\",\"count\":1,\"tags\":{}}", MNP_EINVAL, "wrong_type",
                       "tags");
    expect_decode_fail("{\"number\":\"1\",\"count\":1,\"meta\":[]}", MNP_EINVAL, "wrong_type",
                       "meta");
    expect_decode_fail("{\"number\":\"1\",\"count\":1,\"name\":\"123456789\"}", MNP_ELIMIT,
                       "too_long", "name");
    expect_decode_fail("{\"number\":\"138001380001\",\"count\":1}", MNP_ELIMIT, "too_long",
                       "number");
    expect_decode_fail("{\"number\":\"1\",\"count\":1,\"tags\":[1,2,3,4]}", MNP_ELIMIT, "too_long",
                       "tags");
    expect_decode_fail("{\"number\":\"1\",\"count\":1,\"meta\":{\"a\":1,\"b\":2,\"c\":3}}",
                       MNP_ELIMIT, "too_long", "meta");
    expect_decode_fail("{\"number\":\"1\",\"count\":0}", MNP_ERANGE, "out_of_range", "count");
    expect_decode_fail("{\"number\":\"1\",\"count\":101}", MNP_ERANGE, "out_of_range", "count");
    expect_decode_fail("{\"number\":\"138a\",\"count\":1}", MNP_EINVAL, "bad_value", "number");
    expect_decode_fail("{\"number\":\"\",\"count\":1}", MNP_EINVAL, "bad_value", "number");
    expect_decode_fail("{\"number\":\"-1\",\"count\":1}", MNP_EINVAL, "bad_value", "number");
}

static void test_decode_unknown_long_name(void **state)
{
    (void)state;
    /* 62 ASCII bytes then a 3-byte character: the reported name stops before it. */
    char body[200], name[100];
    memset(name, 'k', 62);
    memcpy(name + 62, "\xe4\xb8\xad", 3);
    name[65] = '\0';
    snprintf(body, sizeof body, "{\"%s\":1}", name);
    json_t *v;
    mnp_json_problem_t p;
    assert_int_equal(parse(body, &v, &p), 0);
    order_t o = order_defaults();
    assert_int_equal(mnp_json_decode(v, order_spec, ORDER_N, &o, &p), MNP_EINVAL);
    assert_string_equal(p.code, "unknown_field");
    assert_int_equal(strlen(p.field), 62);
    json_decref(v);
    v = json_array();
    assert_int_equal(mnp_json_decode(v, order_spec, ORDER_N, &o, &p), MNP_EINVAL);
    assert_string_equal(p.code, "not_object");
    json_decref(v);
}

static void test_decode_bad_utf8_string(void **state)
{
    (void)state;
    /* Only reachable for values built in-process (the parser refuses invalid UTF-8). */
    json_t *v = json_object();
    json_object_set_new(v, "number", json_string("1"));
    json_object_set_new(v, "count", json_integer(5));
    json_object_set_new(v, "name", json_stringn_nocheck("a\xc0\x80", 3));
    order_t o = order_defaults(), before = o;
    mnp_json_problem_t p;
    assert_int_equal(mnp_json_decode(v, order_spec, ORDER_N, &o, &p), MNP_EINVAL);
    assert_string_equal(p.code, "bad_value");
    assert_string_equal(p.field, "name");
    assert_memory_equal(&o, &before, sizeof o);
    json_decref(v);
}

static void test_decode_fills(void **state)
{
    (void)state;
    json_t *v;
    mnp_json_problem_t p;
    assert_int_equal(parse("{\"meta\":{\"k\":\"v\"},\"tags\":[\"a\",\"b\"],\"urgent\":true,"
                           "\"count\":100,\"name\":\"\xe5\xbc\xa0\xe4\xb8\x89\",\"number\":"
                           "\"13800138000\"}",
                           &v, &p),
                     0);
    order_t o = order_defaults();
    assert_int_equal(mnp_json_decode(v, order_spec, ORDER_N, &o, &p), 0);
    assert_null(p.code);
    assert_string_equal(o.number, "13800138000");
    assert_string_equal(o.name, "\xe5\xbc\xa0\xe4\xb8\x89");
    assert_int_equal(o.count, 100);
    assert_true(o.urgent);
    assert_int_equal(json_array_size(o.tags), 2);
    assert_string_equal(json_string_value(json_object_get(o.meta, "k")), "v");
    json_decref(v);

    /* Absent and null optional members keep their defaults. */
    assert_int_equal(parse("{\"number\":\"1\",\"count\":1,\"name\":null}", &v, &p), 0);
    o = order_defaults();
    order_t before = o;
    assert_int_equal(mnp_json_decode(v, order_spec, ORDER_N, &o, &p), 0);
    assert_string_equal(o.number, "1");
    assert_int_equal(o.count, 1);
    assert_ptr_equal(o.name, before.name);
    assert_false(o.urgent);
    assert_ptr_equal(o.tags, before.tags);
    json_decref(v);

    /* min == max == 0: any integer. */
    static const mnp_json_field_t any[] = {{"n", MNP_JSON_INTEGER, true, 0, 0, 0, 0}};
    assert_int_equal(parse("{\"n\":-9223372036854775808}", &v, &p), 0);
    int64_t n = 0;
    assert_int_equal(mnp_json_decode(v, any, 1, &n, &p), 0);
    assert_true(n == INT64_MIN);
    json_decref(v);
}

static void test_utf8_prefix(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t want;
    } cases[] = {
        {"abc", 3},
        {"\xc3\xa9", 2},          /* é */
        {"\xe4\xb8\xad", 3},      /* 中 */
        {"\xf0\x9f\x98\x80", 4},  /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", 4},  /* U+10FFFF */
        {"a\xc0\x80", 1},         /* overlong NUL */
        {"a\xc1\xbf", 1},         /* overlong */
        {"a\xe0\x9f\xbf", 1},     /* overlong 3-byte */
        {"a\xf0\x8f\xbf\xbf", 1}, /* overlong 4-byte */
        {"a\xed\xa0\x80", 1},     /* surrogate */
        {"a\xf4\x90\x80\x80", 1}, /* past U+10FFFF */
        {"a\xf5\x80\x80\x80", 1}, /* invalid lead */
        {"ab\xe4\xb8", 2},        /* cut short */
        {"a\x80", 1},             /* stray continuation */
        {"a\xe4\x41\x41", 1},     /* continuation missing */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(mnp_json_utf8_valid_prefix(cases[i].s, strlen(cases[i].s)), cases[i].want);
}

static void test_dump(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:i,s:[s,b],s:{s:n}}", "z", 1, "a", "x\"y", 1, "m", "k");
    assert_non_null(v);
    mnp_buf_t b;
    mnp_buf_init(&b, 1024);
    assert_int_equal(mnp_json_dump(v, &b), 0);
    assert_string_equal(b.data, "{\"a\":[\"x\\\"y\",true],\"m\":{\"k\":null},\"z\":1}");
    mnp_buf_fini(&b);
    mnp_buf_init(&b, 10);
    assert_int_equal(mnp_json_dump(v, &b), MNP_ELIMIT);
    mnp_buf_fini(&b);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_decode_refusals),
        cmocka_unit_test(test_decode_unknown_long_name),
        cmocka_unit_test(test_decode_bad_utf8_string),
        cmocka_unit_test(test_decode_fills),
        cmocka_unit_test(test_utf8_prefix),
        cmocka_unit_test(test_dump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
