/*
 * Keeps docs/openapi.yaml in step with the routes mnpd serves: the router the daemon builds
 * (built-in routes, /readyz, the clearinghouse API) is enumerated with mnp_http_router_each and
 * compared, as a set of (METHOD, path), with the operations the document describes. The document
 * is read by a small line-based reader that knows just enough of the file's layout (the
 * `paths:` section, path keys at two spaces, method keys at four, `responses:` at six), so no
 * YAML library is needed; the reader itself is checked on inline text first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/ch_api.h"
#include "mnp/http.h"

#define SPEC_PATH   MNP_SOURCE_DIR "/docs/openapi.yaml"
#define OPS_MAX     64
#define METHOD_MAX  8
#define OP_PATH_MAX 128

typedef struct op {
    char method[METHOD_MAX];
    char path[OP_PATH_MAX];
    char name[32];
    bool has_responses;
} op_t;

typedef struct op_set {
    op_t ops[OPS_MAX];
    size_t n;
    bool overflow;
} op_set_t;

static op_t *set_add(op_set_t *s, const char *method, const char *path, size_t path_len)
{
    if (s->n == OPS_MAX || strlen(method) >= METHOD_MAX || path_len >= OP_PATH_MAX) {
        s->overflow = true;
        return NULL;
    }
    op_t *o = &s->ops[s->n++];
    memset(o, 0, sizeof(*o));
    for (size_t i = 0; method[i]; i++)
        o->method[i] = (char)toupper((unsigned char)method[i]);
    memcpy(o->path, path, path_len);
    o->path[path_len] = '\0';
    return o;
}

static bool set_has(const op_set_t *s, const char *method, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->ops[i].method, method) && !strcmp(s->ops[i].path, path))
            return true;
    return false;
}

/* ---- the reader ---- */

static size_t indent_of(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && line[i] == ' ')
        i++;
    return i;
}

/* Whether line[0..len) is the mapping key "key:" at indent, followed by the end of the line or
 * a space (and then a value or a comment). */
static bool key_is(const char *line, size_t len, size_t indent, const char *key)
{
    size_t k = strlen(key);
    return indent_of(line, len) == indent && len >= indent + k + 1 &&
           memcmp(line + indent, key, k) == 0 && line[indent + k] == ':' &&
           (len == indent + k + 1 || line[indent + k + 1] == ' ');
}

static const char *const http_methods[] = {"get",   "put",  "post",    "delete",
                                           "patch", "head", "options", "trace"};

/* Reads the operations of the `paths:` section of text into s. Returns 0, or -1 when a path
 * key is malformed or the set overflows. */
static int spec_read(const char *text, op_set_t *s)
{
    bool in_paths = false;
    char path[OP_PATH_MAX] = "";
    size_t path_len = 0;
    op_t *cur = NULL;
    memset(s, 0, sizeof(*s));
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        const char *next = line[len] ? line + len + 1 : line + len;
        size_t ind = indent_of(line, len);
        if (ind == len || line[ind] == '#') { /* blank or comment */
            line = next;
            continue;
        }
        if (ind == 0) {
            in_paths = key_is(line, len, 0, "paths");
            cur = NULL;
            path_len = 0;
        } else if (in_paths && ind == 2) {
            cur = NULL;
            /* "  /v1/orders/{id}:" */
            size_t end = len;
            while (end > ind && line[end - 1] == ' ')
                end--;
            if (line[ind] != '/' || end < ind + 2 || line[end - 1] != ':' ||
                end - 1 - ind >= OP_PATH_MAX)
                return -1;
            path_len = end - 1 - ind;
            memcpy(path, line + ind, path_len);
            path[path_len] = '\0';
        } else if (in_paths && ind == 4 && path_len > 0) {
            cur = NULL;
            for (size_t m = 0; m < sizeof(http_methods) / sizeof(http_methods[0]); m++) {
                if (key_is(line, len, 4, http_methods[m])) {
                    cur = set_add(s, http_methods[m], path, path_len);
                    if (cur == NULL)
                        return -1;
                }
            }
        } else if (in_paths && ind == 6 && cur != NULL && key_is(line, len, 6, "responses")) {
            cur->has_responses = true;
        }
        line = next;
    }
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }
    for (;;) {
        if (n + 1024 + 1 > cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, 1024, f);
        n += got;
        if (got < 1024)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* ---- the served routes ---- */

static void never_called(mnp_http_request_t *req, void *ud)
{
    (void)req;
    (void)ud;
    fail_msg("a handler ran: the test only enumerates routes");
}

static int collect(const char *method, const char *pattern, const char *name, void *arg)
{
    op_t *o = set_add(arg, method, pattern, strlen(pattern));
    if (o == NULL)
        return -1;
    snprintf(o->name, sizeof(o->name), "%s", name);
    return 0;
}

/* The router mnpd builds (src/daemon/mnpd.c), without the --test-clock route. */
static void served_routes(op_set_t *s)
{
    mnp_http_router_t *r;
    mnp_ch_api_t api = {0};
    memset(s, 0, sizeof(*s));
    assert_int_equal(mnp_http_router_new(&r), 0);
    assert_int_equal(mnp_http_add_builtin_routes(r, NULL), 0);
    assert_int_equal(mnp_http_router_add(r, "GET", "/readyz", "readyz", never_called, NULL), 0);
    assert_int_equal(mnp_ch_api_routes(r, &api), 0);
    assert_int_equal(mnp_http_router_each(r, collect, s), 0);
    mnp_http_router_free(r);
    assert_false(s->overflow);
}

/* ---- tests ---- */

static int stop_at_second(const char *method, const char *pattern, const char *name, void *arg)
{
    (void)method;
    (void)pattern;
    (void)name;
    int *calls = arg;
    return ++*calls == 2 ? 42 : 0;
}

static void test_router_each_order_and_stop(void **state)
{
    (void)state;
    mnp_http_router_t *r;
    op_set_t s = {0};
    int calls = 0;
    assert_int_equal(mnp_http_router_new(&r), 0);
    assert_int_equal(mnp_http_router_each(r, collect, &s), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(mnp_http_router_add(r, "POST", "/b/{x}", "b_post", never_called, NULL), 0);
    assert_int_equal(mnp_http_router_add(r, "GET", "/a", "a_get", never_called, NULL), 0);
    assert_int_equal(mnp_http_router_add(r, "GET", "/b/{x}", "b_get", never_called, NULL), 0);
    assert_int_equal(mnp_http_router_each(r, collect, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.ops[0].method, "POST");
    assert_string_equal(s.ops[0].path, "/b/{x}");
    assert_string_equal(s.ops[0].name, "b_post");
    assert_string_equal(s.ops[1].path, "/a");
    assert_string_equal(s.ops[1].name, "a_get");
    assert_string_equal(s.ops[2].method, "GET");
    assert_string_equal(s.ops[2].name, "b_get");
    /* the callback's non-zero value stops the walk and is returned */
    assert_int_equal(mnp_http_router_each(r, stop_at_second, &calls), 42);
    assert_int_equal(calls, 2);
    mnp_http_router_free(r);
}

static void test_reader_on_inline_text(void **state)
{
    (void)state;
    static const char text[] = "openapi: 3.1.0\n"
                               "info:\n"
                               "  /not/a/path:\n"
                               "    get:\n"
                               "paths:\n"
                               "  # a comment\n"
                               "  /a:\n"
                               "    parameters:\n"
                               "      - x\n"
                               "    get:\n"
                               "      description: |\n"
                               "        responses:\n"
                               "      responses:\n"
                               "        \"200\":\n"
                               "\n"
                               "    post:  # no responses\n"
                               "      responsesx:\n"
                               "      summary: s\n"
                               "  /b/{id}:\n"
                               "    delete:\n"
                               "      responses: {}\n"
                               "components:\n"
                               "  /c:\n"
                               "    put:\n";
    op_set_t s;
    assert_int_equal(spec_read(text, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.ops[0].method, "GET");
    assert_string_equal(s.ops[0].path, "/a");
    assert_true(s.ops[0].has_responses);
    assert_string_equal(s.ops[1].method, "POST");
    assert_false(s.ops[1].has_responses);
    assert_string_equal(s.ops[2].method, "DELETE");
    assert_string_equal(s.ops[2].path, "/b/{id}");
    assert_true(s.ops[2].has_responses);
    assert_int_equal(spec_read("paths:\n  notapath:\n", &s), -1);
}

static void test_spec_matches_router(void **state)
{
    (void)state;
    char *text = slurp(SPEC_PATH);
    if (text == NULL)
        fail_msg("cannot read %s", SPEC_PATH);
    op_set_t *spec = malloc(sizeof(*spec)), *served = malloc(sizeof(*served));
    assert_non_null(spec);
    assert_non_null(served);
    int rc = spec_read(text, spec);
    free(text);
    assert_int_equal(rc, 0);
    served_routes(served);
    assert_true(served->n >= 11); /* healthz, metrics, readyz and the /v1 routes */

    unsigned problems = 0;
    for (size_t i = 0; i < served->n; i++) {
        const op_t *o = &served->ops[i];
        if (!set_has(spec, o->method, o->path)) {
            print_error("route %s %s (%s) is served but missing from docs/openapi.yaml\n",
                        o->method, o->path, o->name);
            problems++;
        }
    }
    for (size_t i = 0; i < spec->n; i++) {
        const op_t *o = &spec->ops[i];
        if (!set_has(served, o->method, o->path)) {
            print_error("%s %s is documented in docs/openapi.yaml but not served\n", o->method,
                        o->path);
            problems++;
        }
        if (!o->has_responses) {
            print_error("%s %s in docs/openapi.yaml has no responses\n", o->method, o->path);
            problems++;
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(spec->ops[k].method, o->method) && !strcmp(spec->ops[k].path, o->path)) {
                print_error("%s %s is documented twice\n", o->method, o->path);
                problems++;
            }
    }
    size_t n_spec = spec->n, n_served = served->n;
    free(spec);
    free(served);
    assert_int_equal(problems, 0);
    assert_int_equal(n_spec, n_served);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router_each_order_and_stop),
        cmocka_unit_test(test_reader_on_inline_text),
        cmocka_unit_test(test_spec_matches_router),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
