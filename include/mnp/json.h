/*
 * Strict decoding of JSON request bodies (jansson) and compact JSON output. A body is parsed
 * with mnp_json_parse (size limit, no NUL bytes, no duplicate keys, must be an object), then a
 * field spec says which members the object may have, of which type and within which limits;
 * mnp_json_decode checks them all before it writes anything, so a refused request changes
 * nothing (SPEC.md §7). Every refusal names a stable problem code and a message naming the
 * field, which the HTTP layer sends as a problem body (see http.h):
 *
 *   code            HTTP  when
 *   body_too_large  413   the body is longer than the limit
 *   empty_body      400   no body, or only white space
 *   bad_json        400   not JSON (message gives line and column), NUL byte, integer overflow
 *   duplicate_key   400   an object has the same key twice
 *   not_object      400   the top-level value is not an object
 *   unknown_field   400   a member the spec does not name
 *   missing_field   400   a required member is absent (null counts as absent)
 *   wrong_type      400   a member of another JSON type
 *   too_long        400   a string, array or object longer than its max_len
 *   out_of_range    400   an integer outside [min, max]
 *   bad_value       400   a number-string with a non-digit, or a string not valid UTF-8
 */
#ifndef MNP_JSON_H
#define MNP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mnp/buf.h"
#include "mnp/error.h"

/* Longest field name a problem keeps (longer names from a client are cut). */
#define MNP_JSON_FIELD_MAX 64

/* Why a body was refused: filled by the functions below on failure, owned by the caller. */
typedef struct mnp_json_problem {
    mnp_error_t err;                    /* MNP_E* code and a message naming the field */
    const char *code;                   /* stable problem code (table above); NULL if none */
    int http_status;                    /* 413 for body_too_large, else 400; 0 if none */
    char field[MNP_JSON_FIELD_MAX + 1]; /* the member concerned, "" when none */
    size_t line, column;                /* bad_json / duplicate_key: where, 1-based; else 0 */
} mnp_json_problem_t;

/* Clears p to "no problem". */
void mnp_json_problem_clear(mnp_json_problem_t *p);

/* Parses body[0..len) as one JSON object. Refuses (with p filled): len > max_bytes
 * (body_too_large, MNP_ELIMIT), empty or white space (empty_body, MNP_EFORMAT), a NUL byte or
 * invalid JSON or invalid UTF-8 (bad_json, MNP_EFORMAT), a key twice (duplicate_key,
 * MNP_EFORMAT), another top-level type (not_object, MNP_EFORMAT). On success *out is a new
 * reference the caller releases with json_decref; on failure *out is NULL. body may be NULL when
 * len is 0. */
int mnp_json_parse(const char *body, size_t len, size_t max_bytes, json_t **out,
                   mnp_json_problem_t *p) MNP_WUR;

typedef enum mnp_json_type {
    MNP_JSON_STRING,        /* dst: const char *, borrowed from the json_t; UTF-8, no NUL */
    MNP_JSON_INTEGER,       /* dst: int64_t, within [min, max] */
    MNP_JSON_BOOLEAN,       /* dst: bool */
    MNP_JSON_NUMBER_STRING, /* dst: const char *; a string of 1..max_len ASCII digits */
    MNP_JSON_OBJECT,        /* dst: json_t *, borrowed; at most max_len members */
    MNP_JSON_ARRAY,         /* dst: json_t *, borrowed; at most max_len elements */
} mnp_json_type_t;

/* One member an object may have. offset is where the value goes in the destination struct
 * (offsetof), of the C type given above. max_len counts bytes for strings, digits for
 * number-strings, members or elements for objects and arrays; 0 means no limit beyond the body
 * limit. min/max bound integers; both 0 means any 64-bit integer. */
typedef struct mnp_json_field {
    const char *name;
    mnp_json_type_t type;
    bool required;
    size_t max_len;
    int64_t min, max;
    size_t offset;
} mnp_json_field_t;

/* Checks obj against the n fields of spec and, only when every check passes, writes each
 * present member to dst + offset. Absent optional members (and members that are null) leave
 * their destination unchanged, so the caller sets defaults first. Members are checked in the
 * object's order for unknown_field, then in spec order. Strings and json_t values written are
 * borrowed from obj and live as long as it does. Returns 0, or MNP_EINVAL (unknown_field,
 * missing_field, wrong_type, bad_value, obj not an object: not_object), MNP_ELIMIT (too_long)
 * or MNP_ERANGE (out_of_range) with p filled and dst untouched. */
int mnp_json_decode(const json_t *obj, const mnp_json_field_t *spec, size_t n, void *dst,
                    mnp_json_problem_t *p) MNP_WUR;

/* Length of the longest prefix of s[0..len) that is valid UTF-8 (shortest forms, no surrogates,
 * at most U+10FFFF); len when all of it is. */
size_t mnp_json_utf8_valid_prefix(const char *s, size_t len);

/* Appends v to out as compact JSON (no white space) with object keys sorted, so equal values
 * always give equal bytes. Returns 0, MNP_ENOMEM when jansson fails, or out's sticky error. */
int mnp_json_dump(const json_t *v, mnp_buf_t *out) MNP_WUR;

#endif
