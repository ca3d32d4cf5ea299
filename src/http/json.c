/*
 * Strict JSON request decoding over jansson. Parsing refuses what jansson would otherwise let
 * through or report vaguely (NUL bytes, an empty body, a top-level value that is not an object)
 * before or after calling it, and maps jansson's error codes onto the stable problem codes of
 * json.h. Decoding is two passes over the spec, check then write, which is what guarantees that
 * a refused body leaves the caller's struct exactly as it was.
 */
#include "mnp/json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mnp_json_problem_clear(mnp_json_problem_t *p)
{
    if (p == NULL)
        return;
    mnp_error_clear(&p->err);
    p->code = NULL;
    p->http_status = 0;
    p->field[0] = '\0';
    p->line = p->column = 0;
}

size_t mnp_json_utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = u[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (n > len - i)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        /* Overlong forms, surrogates and code points past U+10FFFF. */
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

/* Copies s[0..len) to out, cut to MNP_JSON_FIELD_MAX bytes at a character boundary. */
static void cut_name(char *out, const char *s, size_t len)
{
    size_t n = mnp_json_utf8_valid_prefix(s, len < MNP_JSON_FIELD_MAX ? len : MNP_JSON_FIELD_MAX);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Fills p with a refusal: code, status, field and message. */
static int problem(mnp_json_problem_t *p, int rc, const char *code, const char *field,
                   const char *fmt, ...) MNP_PRINTF(5, 6);

static int problem(mnp_json_problem_t *p, int rc, const char *code, const char *field,
                   const char *fmt, ...)
{
    if (p == NULL)
        return rc;
    mnp_json_problem_clear(p);
    p->code = code;
    p->http_status = strcmp(code, "body_too_large") == 0 ? 413 : 400;
    if (field != NULL)
        cut_name(p->field, field, strlen(field));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err.msg, sizeof p->err.msg, fmt, ap);
    va_end(ap);
    p->err.code = rc;
    return rc;
}

/* 1-based line and column of byte offset off in s. */
static void line_col(const char *s, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

int mnp_json_parse(const char *body, size_t len, size_t max_bytes, json_t **out,
                   mnp_json_problem_t *p)
{
    *out = NULL;
    mnp_json_problem_clear(p);
    if (len > max_bytes)
        return problem(p, MNP_ELIMIT, "body_too_large", NULL,
                       "request body is larger than %zu bytes", max_bytes);
    size_t ws = 0;
    while (ws < len && strchr(" \t\r\n", body[ws]) != NULL && body[ws] != '\0')
        ws++;
    if (ws == len)
        return problem(p, MNP_EFORMAT, "empty_body", NULL, "request body is empty");
    const char *nul = memchr(body, '\0', len);
    if (nul != NULL) {
        size_t line, col;
        line_col(body, (size_t)(nul - body), &line, &col);
        problem(p, MNP_EFORMAT, "bad_json", NULL, "invalid JSON at line %zu, column %zu: NUL byte",
                line, col);
        if (p != NULL) {
            p->line = line;
            p->column = col;
        }
        return MNP_EFORMAT;
    }
    json_error_t je;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (v == NULL) {
        enum json_error_code jc = json_error_code(&je);
        if (jc == json_error_out_of_memory)
            return problem(p, MNP_ENOMEM, "bad_json", NULL, "out of memory parsing JSON");
        bool dup = jc == json_error_duplicate_key;
        problem(p, MNP_EFORMAT, dup ? "duplicate_key" : "bad_json", NULL,
                "%s at line %d, column %d: %s", dup ? "duplicate key" : "invalid JSON", je.line,
                je.column, je.text);
        if (p != NULL) {
            p->line = je.line > 0 ? (size_t)je.line : 0;
            p->column = je.column > 0 ? (size_t)je.column : 0;
        }
        return MNP_EFORMAT;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return problem(p, MNP_EFORMAT, "not_object", NULL, "request body must be a JSON object");
    }
    *out = v;
    return 0;
}

static const char *type_phrase(mnp_json_type_t t)
{
    switch (t) {
    case MNP_JSON_STRING:
        return "a string";
    case MNP_JSON_INTEGER:
        return "an integer";
    case MNP_JSON_BOOLEAN:
        return "true or false";
    case MNP_JSON_NUMBER_STRING:
        return "a string of digits";
    case MNP_JSON_OBJECT:
        return "an object";
    case MNP_JSON_ARRAY:
        return "an array";
    }
    return "?";
}

static bool type_matches(mnp_json_type_t t, const json_t *v)
{
    switch (t) {
    case MNP_JSON_STRING:
    case MNP_JSON_NUMBER_STRING:
        return json_is_string(v);
    case MNP_JSON_INTEGER:
        return json_is_integer(v);
    case MNP_JSON_BOOLEAN:
        return json_is_boolean(v);
    case MNP_JSON_OBJECT:
        return json_is_object(v);
    case MNP_JSON_ARRAY:
        return json_is_array(v);
    }
    return false;
}

/* Checks one present, non-null member against its field; 0 or the refusal. */
static int check_field(const mnp_json_field_t *f, const json_t *v, mnp_json_problem_t *p)
{
    if (!type_matches(f->type, v))
        return problem(p, MNP_EINVAL, "wrong_type", f->name, "field \"%s\" must be %s", f->name,
                       type_phrase(f->type));
    if (f->type == MNP_JSON_INTEGER) {
        json_int_t i = json_integer_value(v);
        if ((f->min != 0 || f->max != 0) && (i < f->min || i > f->max))
            return problem(p, MNP_ERANGE, "out_of_range", f->name,
                           "field \"%s\" must be between %" PRId64 " and %" PRId64, f->name, f->min,
                           f->max);
        return 0;
    }
    if (f->type == MNP_JSON_OBJECT || f->type == MNP_JSON_ARRAY) {
        size_t n = f->type == MNP_JSON_OBJECT ? json_object_size(v) : json_array_size(v);
        if (f->max_len != 0 && n > f->max_len)
            return problem(p, MNP_ELIMIT, "too_long", f->name, "field \"%s\" has more than %zu %s",
                           f->name, f->max_len,
                           f->type == MNP_JSON_OBJECT ? "members" : "elements");
        return 0;
    }
    if (f->type != MNP_JSON_STRING && f->type != MNP_JSON_NUMBER_STRING)
        return 0;
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    bool digits = f->type == MNP_JSON_NUMBER_STRING;
    if (f->max_len != 0 && len > f->max_len)
        return problem(p, MNP_ELIMIT, "too_long", f->name, "field \"%s\" is longer than %zu %s",
                       f->name, f->max_len, digits ? "digits" : "bytes");
    if (mnp_json_utf8_valid_prefix(s, len) != len || memchr(s, '\0', len) != NULL)
        return problem(p, MNP_EINVAL, "bad_value", f->name, "field \"%s\" is not valid UTF-8 text",
                       f->name);
    if (digits) {
        bool ok = len > 0;
        for (size_t i = 0; i < len && ok; i++)
            ok = s[i] >= '0' && s[i] <= '9';
        if (!ok)
            return problem(p, MNP_EINVAL, "bad_value", f->name,
                           "field \"%s\" must be a non-empty string of digits", f->name);
    }
    return 0;
}

static void write_field(const mnp_json_field_t *f, json_t *v, void *dst)
{
    char *at = (char *)dst + f->offset;
    switch (f->type) {
    case MNP_JSON_STRING:
    case MNP_JSON_NUMBER_STRING: {
        const char *s = json_string_value(v);
        memcpy(at, &s, sizeof s);
        break;
    }
    case MNP_JSON_INTEGER: {
        int64_t i = json_integer_value(v);
        memcpy(at, &i, sizeof i);
        break;
    }
    case MNP_JSON_BOOLEAN: {
        bool b = json_is_true(v);
        memcpy(at, &b, sizeof b);
        break;
    }
    case MNP_JSON_OBJECT:
    case MNP_JSON_ARRAY:
        memcpy(at, &v, sizeof v);
        break;
    }
}

int mnp_json_decode(const json_t *obj, const mnp_json_field_t *spec, size_t n, void *dst,
                    mnp_json_problem_t *p)
{
    mnp_json_problem_clear(p);
    if (!json_is_object(obj))
        return problem(p, MNP_EINVAL, "not_object", NULL, "request body must be a JSON object");
    /* jansson's iteration macros take a non-const object; nothing below modifies it. */
    json_t *o = (json_t *)(uintptr_t)obj;
    const char *key;
    size_t key_len;
    json_t *v;
    json_object_keylen_foreach(o, key, key_len, v)
    {
        size_t i = 0;
        while (i < n && !(strlen(spec[i].name) == key_len && !memcmp(spec[i].name, key, key_len)))
            i++;
        if (i == n) {
            char name[MNP_JSON_FIELD_MAX + 1];
            cut_name(name, key, key_len);
            return problem(p, MNP_EINVAL, "unknown_field", name, "field \"%s\" is not allowed",
                           name);
        }
    }
    for (size_t i = 0; i < n; i++) {
        v = json_object_get(o, spec[i].name);
        if (v == NULL || json_is_null(v)) {
            if (spec[i].required)
                return problem(p, MNP_EINVAL, "missing_field", spec[i].name,
                               "field \"%s\" is required", spec[i].name);
            continue;
        }
        int rc = check_field(&spec[i], v, p);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        v = json_object_get(o, spec[i].name);
        if (v != NULL && !json_is_null(v))
            write_field(&spec[i], v, dst);
    }
    return 0;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    mnp_buf_t *b = data;
    mnp_buf_append(b, buffer, size);
    return mnp_buf_error(b) == 0 ? 0 : -1;
}

int mnp_json_dump(const json_t *v, mnp_buf_t *out)
{
    int rc = json_dump_callback(v, dump_cb, out, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (rc != 0)
        return mnp_buf_error(out) != 0 ? mnp_buf_error(out) : MNP_ENOMEM;
    return mnp_buf_error(out);
}
