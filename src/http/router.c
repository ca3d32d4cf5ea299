/*
 * The router: a list of routes scanned in full for every request. An API has tens of routes, so
 * a scan is cheaper than any index and keeps the precedence rule simple to state: among the
 * routes whose pattern matches the path and whose method matches, the one with a literal at the
 * first segment where they differ wins, which is the larger literal mask read from the first
 * segment down. Patterns and paths split on '/' alike, so "/" is one empty segment and a
 * trailing slash is an empty last segment that only a pattern with one matches.
 */
#include <stdlib.h>
#include <string.h>

#include "httpInt.h"
#include "mnp/alloc.h"

int mnp_http_router_new(mnp_http_router_t **out)
{
    *out = mnp_xcalloc(1, sizeof **out);
    return 0;
}

void mnp_http_router_free(mnp_http_router_t *router)
{
    if (router == NULL)
        return;
    for (size_t i = 0; i < router->n; i++) {
        http_route_t *r = &router->routes[i];
        for (size_t k = 0; k < r->n_segs; k++)
            free(r->segs[k]);
        free(r->method);
        free(r->pattern);
        free(r->name);
    }
    free(router->routes);
    free(router);
}

static bool token_ok(const char *s, const char *alphabet)
{
    return s != NULL && *s != '\0' && strspn(s, alphabet) == strlen(s);
}

#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGIT "0123456789"

/* Splits pattern into r's segments; MNP_EINVAL / MNP_ELIMIT on a bad pattern. */
static int split_pattern(http_route_t *r, const char *pattern)
{
    if (pattern[0] != '/')
        return MNP_EINVAL;
    size_t n_params = 0;
    const char *p = pattern + 1;
    for (;;) {
        size_t len = strcspn(p, "/");
        if (r->n_segs == MNP_HTTP_ROUTE_SEGMENTS)
            return MNP_ELIMIT;
        char *seg = mnp_xmalloc(len + 1);
        memcpy(seg, p, len);
        seg[len] = '\0';
        r->segs[r->n_segs++] = seg;
        if (len >= 2 && seg[0] == '{' && seg[len - 1] == '}') {
            memmove(seg, seg + 1, len - 2);
            seg[len - 2] = '\0';
            if (!token_ok(seg, LOWER UPPER DIGIT "_"))
                return MNP_EINVAL;
            if (++n_params > MNP_HTTP_PARAMS_MAX)
                return MNP_ELIMIT;
        } else {
            if (strpbrk(seg, "{}?#%") != NULL)
                return MNP_EINVAL;
            r->literal_mask |= 1u << (31 - (r->n_segs - 1));
        }
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

int mnp_http_router_add(mnp_http_router_t *router, const char *method, const char *pattern,
                        const char *name, mnp_http_handler_fn fn, void *ud)
{
    if (!token_ok(method, UPPER) || pattern == NULL || fn == NULL ||
        !token_ok(name, LOWER DIGIT "_"))
        return MNP_EINVAL;
    for (size_t i = 0; i < router->n; i++)
        if (!strcmp(router->routes[i].method, method) &&
            !strcmp(router->routes[i].pattern, pattern))
            return MNP_EEXIST;
    http_route_t r = {.fn = fn, .ud = ud};
    int rc = split_pattern(&r, pattern);
    if (rc != 0) {
        for (size_t k = 0; k < r.n_segs; k++)
            free(r.segs[k]);
        return rc;
    }
    r.method = mnp_xstrdup(method);
    r.pattern = mnp_xstrdup(pattern);
    r.name = mnp_xstrdup(name);
    if (router->n == router->cap) {
        router->cap = router->cap ? 2 * router->cap : 16;
        router->routes = mnp_xrealloc(router->routes, router->cap * sizeof *router->routes);
    }
    router->routes[router->n++] = r;
    return 0;
}

int mnp_http_router_each(const mnp_http_router_t *r,
                         int (*fn)(const char *method, const char *pattern, const char *name,
                                   void *arg),
                         void *arg)
{
    for (size_t i = 0; i < r->n; i++) {
        int rc = fn(r->routes[i].method, r->routes[i].pattern, r->routes[i].name, arg);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Whether r's pattern matches the n path segments (starts and lengths in seg/len). */
static bool path_matches(const http_route_t *r, const char *const *seg, const size_t *len, size_t n)
{
    if (r->n_segs != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool literal = r->literal_mask & (1u << (31 - i));
        if (literal ? strlen(r->segs[i]) != len[i] || memcmp(r->segs[i], seg[i], len[i]) != 0
                    : len[i] == 0)
            return false;
    }
    return true;
}

static bool method_matches(const http_route_t *r, const char *method)
{
    return !strcmp(r->method, method) || (!strcmp(method, "HEAD") && !strcmp(r->method, "GET"));
}

/* Appends method to the comma-separated allow list unless it is there already. */
static void allow_add(char *allow, size_t size, const char *method)
{
    size_t mlen = strlen(method);
    for (const char *p = allow; *p;) {
        size_t n = strcspn(p, ",");
        if (n == mlen && !memcmp(p, method, n))
            return;
        p += n;
        p += strspn(p, ", ");
    }
    size_t used = strlen(allow);
    if (used + (used ? 2 : 0) + mlen + 1 > size)
        return;
    if (used)
        strcat(allow, ", ");
    strcat(allow, method);
}

int http_router_match(const mnp_http_router_t *r, const char *method, const char *path,
                      mnp_arena_t *arena, http_match_t *m)
{
    memset(m, 0, sizeof *m);
    const char *seg[MNP_HTTP_ROUTE_SEGMENTS];
    size_t len[MNP_HTTP_ROUTE_SEGMENTS], n = 0;
    if (path[0] != '/')
        return 0;
    for (const char *p = path + 1;; p += len[n - 1] + 1) {
        if (n == MNP_HTTP_ROUTE_SEGMENTS)
            return 0; /* deeper than any pattern can be */
        seg[n] = p;
        len[n] = strcspn(p, "/");
        if (p[len[n++]] == '\0')
            break;
    }
    for (size_t i = 0; i < r->n; i++) {
        const http_route_t *rt = &r->routes[i];
        if (!path_matches(rt, seg, len, n))
            continue;
        if (m->path_route == NULL)
            m->path_route = rt;
        allow_add(m->allow, sizeof m->allow, rt->method);
        if (!strcmp(rt->method, "GET"))
            allow_add(m->allow, sizeof m->allow, "HEAD");
        if (method_matches(rt, method) &&
            (m->route == NULL || rt->literal_mask > m->route->literal_mask))
            m->route = rt;
    }
    if (m->route == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (m->route->literal_mask & (1u << (31 - i)))
            continue;
        char *v = mnp_arena_strndup(arena, seg[i], len[i]);
        if (v == NULL)
            return MNP_ENOMEM;
        m->param_names[m->n_params] = m->route->segs[i];
        m->param_values[m->n_params++] = v;
    }
    return 0;
}

int mnp_http_router_add_all(mnp_http_router_t *router, const mnp_http_route_t *routes, size_t n,
                            void *ud)
{
    for (size_t i = 0; i < n; i++) {
        int rc = mnp_http_router_add(router, routes[i].method, routes[i].pattern, routes[i].name,
                                     routes[i].fn, ud);
        if (rc != 0)
            return rc;
    }
    return 0;
}
