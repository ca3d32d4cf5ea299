/*
 * Tests for the HTTP server layer, against a real server on 127.0.0.1 (ephemeral port) driven
 * by a small blocking client over a socket written here: routing with parameters, query and
 * headers, literal-over-parameter precedence, HEAD; 404 and 405 (with Allow) problem bodies;
 * 413 by Content-Length without sending the body and by a chunked body; the exact problem shape
 * with escaping and invalid UTF-8 replaced; JSON decoding refusals as problems; 500 for a
 * handler that replies nothing or sets a bad header; the request metrics counted exactly; the
 * built-in /healthz and /metrics; a thread-pool server; graceful stop letting an in-flight slow
 * request finish while refusing new connections and answering 503 on open ones; a stop that
 * times out on an unfinished upload; a streaming response read incrementally, and ended by a
 * stop; bad configurations; router rules; and the curl command-line tool when installed.
 * Handlers block on condition variables the test releases: there are no sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mnp/http.h"

/* ---- the test client ---- */

typedef struct resp {
    int status;
    char head[8192]; /* status line and headers */
    mnp_buf_t body;  /* de-chunked */
} resp_t;

static int tcp_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 20};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        s += n;
        len -= (size_t)n;
    }
}

/* Reads until needle has arrived (or to EOF when needle is NULL); false on EOF first. */
static bool read_until(int fd, mnp_buf_t *in, const char *needle)
{
    while (needle == NULL || in->data == NULL || strstr(in->data, needle) == NULL) {
        char tmp[4096];
        ssize_t n = recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0)
            return needle == NULL && n == 0;
        mnp_buf_append(in, tmp, (size_t)n);
    }
    return true;
}

static const char *header(const resp_t *r, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, nlen) == 0 && p[2 + nlen] == ':') {
            const char *v = p + 3 + nlen + strspn(p + 3 + nlen, " ");
            snprintf(out, size, "%.*s", (int)strcspn(v, "\r"), v);
            return out;
        }
    }
    return NULL;
}

/* Splits raw (a whole response up to EOF) into r. */
static void parse(const mnp_buf_t *raw, resp_t *r)
{
    assert_non_null(raw->data);
    const char *end = strstr(raw->data, "\r\n\r\n");
    assert_non_null(end);
    snprintf(r->head, sizeof r->head, "%.*s", (int)(end - raw->data), raw->data);
    assert_int_equal(sscanf(r->head, "HTTP/1.1 %d", &r->status), 1);
    mnp_buf_init(&r->body, 1 << 24);
    const char *p = end + 4, *stop = raw->data + raw->len;
    char te[64];
    if (header(r, "Transfer-Encoding", te, sizeof te) && strcmp(te, "chunked") == 0) {
        for (;;) {
            unsigned long n = strtoul(p, NULL, 16);
            p = strstr(p, "\r\n");
            assert_non_null(p);
            if (n == 0)
                break;
            assert_true(p + 2 + n + 2 <= stop);
            mnp_buf_append(&r->body, p + 2, n);
            p += 2 + n + 2;
        }
    } else {
        mnp_buf_append(&r->body, p, (size_t)(stop - p));
    }
    if (r->body.data == NULL)
        mnp_buf_puts(&r->body, "");
}

/* Sends raw on a new connection and reads the whole response (raw should close). */
static void exchange(uint16_t port, const char *raw, size_t len, resp_t *r)
{
    int fd = tcp_connect(port);
    assert_true(fd >= 0);
    send_all(fd, raw, len);
    mnp_buf_t in;
    mnp_buf_init(&in, 1 << 24);
    assert_true(read_until(fd, &in, NULL));
    close(fd);
    parse(&in, r);
    mnp_buf_fini(&in);
}

static void get(uint16_t port, const char *method, const char *path, const char *extra, resp_t *r)
{
    char raw[2048];
    snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s\r\n", method,
             path, extra ? extra : "");
    exchange(port, raw, strlen(raw), r);
}

static void post(uint16_t port, const char *path, const char *body, resp_t *r)
{
    char raw[4096];
    snprintf(raw, sizeof raw,
             "POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: "
             "application/json\r\nContent-Length: %zu\r\n\r\n%s",
             path, strlen(body), body);
    exchange(port, raw, strlen(raw), r);
}

/* ---- handlers ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool slow_entered, slow_release;
    bool feed_go;
    int feeds_freed;
} g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, false, 0};

static void h_order_get(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    const char *x = mnp_http_request_query(req, "x"), *auth;
    auth = mnp_http_request_header(req, "authorization");
    json_t *v = json_pack("{s:s,s:s?,s:s?,s:s,s:s?}", "id", mnp_http_request_param(req, "id"), "x",
                          x, "auth", auth, "route", mnp_http_request_route(req), "nope",
                          mnp_http_request_param(req, "nope"));
    mnp_http_reply_json_value(req, 200, v);
    json_decref(v);
}

static char txt_deleted[] = "deleted", txt_search[] = "search";

static void h_text(mnp_http_request_t *req, void *ud)
{
    mnp_http_reply_text(req, 200, ud);
}

typedef struct order_in {
    const char *number;
} order_in_t;

static void h_order_post(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    static const mnp_json_field_t spec[] = {
        {"number", MNP_JSON_NUMBER_STRING, true, 11, 0, 0, offsetof(order_in_t, number)}};
    size_t len;
    const char *body = mnp_http_request_body(req, &len);
    json_t *v;
    mnp_json_problem_t p;
    order_in_t in = {0};
    if (mnp_json_parse(body, len, mnp_http_request_max_body(req), &v, &p) != 0) {
        mnp_http_reply_json_problem(req, &p);
        return;
    }
    if (mnp_json_decode(v, spec, 1, &in, &p) != 0) {
        mnp_http_reply_json_problem(req, &p);
    } else {
        char out[64];
        int n = snprintf(out, sizeof out, "{\"number\":\"%s\"}", in.number);
        mnp_http_reply_json(req, 201, out, (size_t)n);
        mnp_http_add_header(req, "Location", "/v1/orders/1");
    }
    json_decref(v);
}

static void h_echo_len(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    size_t len;
    mnp_http_request_body(req, &len);
    char out[32];
    snprintf(out, sizeof out, "%zu", len);
    mnp_http_reply_text(req, 200, out);
}

static void h_conflict(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    mnp_http_reply_text(req, 200, "replaced by the problem below");
    mnp_http_reply_problem(req, 409, "C04", "an open order exists for \"%s\" %s", "138", "bad\xff");
}

static void h_noreply(mnp_http_request_t *req, void *ud)
{
    (void)req;
    (void)ud;
}

static void h_badheader(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    mnp_http_reply_text(req, 200, "x");
    mnp_http_add_header(req, "X-Bad", "a\r\nInjected: 1");
}

static void h_slow(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    pthread_mutex_lock(&g.mu);
    g.slow_entered = true;
    pthread_cond_broadcast(&g.cv);
    while (!g.slow_release)
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    mnp_http_reply_text(req, 200, "slow done");
}

typedef struct feed {
    int step;
    bool cancelled;
} feed_t;

static ssize_t feed_read(void *ud, char *buf, size_t max)
{
    feed_t *f = ud;
    const char *msg = NULL;
    pthread_mutex_lock(&g.mu);
    if (f->step == 0) {
        msg = "data: one\n\n";
    } else if (f->step == 1) {
        while (!g.feed_go && !f->cancelled)
            pthread_cond_wait(&g.cv, &g.mu);
        if (!f->cancelled)
            msg = "data: two\n\n";
    }
    f->step++;
    pthread_mutex_unlock(&g.mu);
    if (msg == NULL)
        return MNP_HTTP_STREAM_END;
    assert_true(strlen(msg) <= max);
    memcpy(buf, msg, strlen(msg));
    return (ssize_t)strlen(msg);
}

static void feed_cancel(void *ud)
{
    feed_t *f = ud;
    pthread_mutex_lock(&g.mu);
    f->cancelled = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
}

static void feed_free(void *ud)
{
    pthread_mutex_lock(&g.mu);
    g.feeds_freed++;
    pthread_mutex_unlock(&g.mu);
    free(ud);
}

static void h_stream(mnp_http_request_t *req, void *ud)
{
    (void)ud;
    feed_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    mnp_http_stream_t s = {feed_read, feed_cancel, feed_free, f};
    mnp_http_reply_stream(req, 200, "text/event-stream", &s);
    mnp_http_add_header(req, "Cache-Control", "no-cache");
}

/* ---- fixture ---- */

typedef struct fixture {
    mnp_metrics_t *reg;
    mnp_http_router_t *router;
    mnp_http_server_t *srv;
    uint16_t port;
} fixture_t;

static int start(void **state, unsigned pool)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_int_equal(mnp_metrics_new(0, &f->reg), 0);
    assert_int_equal(mnp_http_router_new(&f->router), 0);
    mnp_http_router_t *r = f->router;
    static const struct {
        const char *method, *pattern, *name;
        mnp_http_handler_fn fn;
        void *ud;
    } routes[] = {
        {"GET", "/v1/orders/{id}", "orders_get", h_order_get, NULL},
        {"DELETE", "/v1/orders/{id}", "orders_delete", h_text, txt_deleted},
        {"GET", "/v1/orders/search", "orders_search", h_text, txt_search},
        {"POST", "/v1/orders", "orders_post", h_order_post, NULL},
        {"POST", "/v1/echo", "echo", h_echo_len, NULL},
        {"GET", "/v1/conflict", "conflict", h_conflict, NULL},
        {"GET", "/v1/noreply", "noreply", h_noreply, NULL},
        {"GET", "/v1/badheader", "badheader", h_badheader, NULL},
        {"GET", "/v1/slow", "slow", h_slow, NULL},
        {"GET", "/v1/feed", "feed", h_stream, NULL},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        assert_int_equal(mnp_http_router_add(r, routes[i].method, routes[i].pattern, routes[i].name,
                                             routes[i].fn, routes[i].ud),
                         0);
    assert_int_equal(mnp_http_add_builtin_routes(r, f->reg), 0);
    mnp_http_config_t cfg = {.port = 0,
                             .max_body_bytes = 1024,
                             .router = r,
                             .metrics = f->reg,
                             .thread_pool_size = pool};
    mnp_error_t err = {0};
    assert_int_equal(mnp_http_server_new(&cfg, &f->srv, &err), 0);
    f->port = mnp_http_server_port(f->srv);
    assert_true(f->port != 0);
    pthread_mutex_lock(&g.mu);
    g.slow_entered = g.slow_release = g.feed_go = false;
    g.feeds_freed = 0;
    pthread_mutex_unlock(&g.mu);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return start(state, 0);
}

static int setup_pool(void **state)
{
    return start(state, 3);
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    mnp_http_server_free(f->srv);
    mnp_http_router_free(f->router);
    mnp_metrics_free(f->reg);
    free(f);
    return 0;
}

/* ---- cases ---- */

static void free_resp(resp_t *r)
{
    mnp_buf_fini(&r->body);
}

static void test_routes(void **state)
{
    fixture_t *f = *state;
    resp_t r;
    char h[256];
    get(f->port, "GET", "/v1/orders/42?x=a%20b&flag", "Authorization: Bearer t0k\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type", h, sizeof h), "application/json");
    assert_string_equal(r.body.data, "{\"auth\":\"Bearer t0k\",\"id\":\"42\",\"nope\":null,"
                                     "\"route\":\"orders_get\",\"x\":\"a b\"}");
    free_resp(&r);
    /* A literal segment beats a parameter; the method picks among routes of one path. */
    get(f->port, "GET", "/v1/orders/search", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "search");
    free_resp(&r);
    get(f->port, "DELETE", "/v1/orders/7", NULL, &r);
    assert_string_equal(r.body.data, "deleted");
    free_resp(&r);
    /* HEAD is served by the GET route, without a body. */
    get(f->port, "HEAD", "/v1/orders/search", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "");
    free_resp(&r);
    post(f->port, "/v1/orders", "{\"number\":\"13800138000\"}", &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(header(&r, "Location", h, sizeof h), "/v1/orders/1");
    assert_string_equal(r.body.data, "{\"number\":\"13800138000\"}");
    free_resp(&r);
    get(f->port, "GET", "/healthz", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "ok\n");
    assert_string_equal(header(&r, "Content-Type", h, sizeof h), "text/plain; charset=utf-8");
    free_resp(&r);
}

static void test_not_found_and_405(void **state)
{
    fixture_t *f = *state;
    resp_t r;
    char h[256];
    get(f->port, "GET", "/v1/nope", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(header(&r, "Content-Type", h, sizeof h), "application/problem+json");
    assert_string_equal(r.body.data, "{\"status\":404,\"code\":\"not_found\",\"title\":\"Not "
                                     "Found\",\"detail\":\"no resource at /v1/nope\"}");
    free_resp(&r);
    get(f->port, "GET", "/v1/orders/", NULL, &r); /* empty parameter: no match */
    assert_int_equal(r.status, 404);
    free_resp(&r);
    get(f->port, "PUT", "/v1/orders/7", NULL, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(header(&r, "Allow", h, sizeof h), "GET, HEAD, DELETE");
    assert_string_equal(r.body.data,
                        "{\"status\":405,\"code\":\"method_not_allowed\",\"title\":\"Method Not "
                        "Allowed\",\"detail\":\"PUT is not allowed on /v1/orders/7\"}");
    free_resp(&r);
}

/* A refusal made at the headers (no route, wrong method) with a body still to come: the refusal
 * is the answer, no handler runs for the body's end, and the server goes on serving. */
static void test_refusal_with_a_body(void **state)
{
    fixture_t *f = *state;
    resp_t r;
    for (int i = 0; i < 3; i++) {
        post(f->port, "/v1/nope", "{\"a\":1}", &r);
        assert_int_equal(r.status, 404);
        free_resp(&r);
        /* PUT with a body, written out: the route exists for other methods only. */
        static const char put[] = "PUT /v1/orders/7 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                                  "Content-Length: 7\r\n\r\n{\"a\":1}";
        exchange(f->port, put, sizeof(put) - 1, &r);
        assert_int_equal(r.status, 405);
        free_resp(&r);
    }
    get(f->port, "GET", "/v1/orders/7", NULL, &r);
    assert_int_equal(r.status, 200);
    free_resp(&r);
}

static void test_body_limit(void **state)
{
    fixture_t *f = *state;
    resp_t r;
    /* Refused on the headers alone: the body is never sent, yet the answer comes. */
    const char *big = "POST /v1/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2048\r\n\r\n";
    exchange(f->port, big, strlen(big), &r);
    assert_int_equal(r.status, 413);
    assert_string_equal(r.body.data, "{\"status\":413,\"code\":\"body_too_large\",\"title\":"
                                     "\"Content Too Large\",\"detail\":\"request body is larger "
                                     "than 1024 bytes\"}");
    free_resp(&r);
    /* A chunked body has no length to refuse early: it is refused once past the limit. */
    char raw[4096], chunk[700];
    memset(chunk, 'a', sizeof chunk - 1);
    chunk[sizeof chunk - 1] = '\0';
    snprintf(raw, sizeof raw,
             "POST /v1/echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: "
             "chunked\r\n\r\n2bb\r\n%s\r\n2bb\r\n%s\r\n0\r\n\r\n",
             chunk, chunk);
    exchange(f->port, raw, strlen(raw), &r);
    assert_int_equal(r.status, 413);
    free_resp(&r);
    /* Exactly at the limit is fine, chunked or not. */
    char body[1025];
    memset(body, 'b', 1024);
    body[1024] = '\0';
    snprintf(raw, sizeof raw,
             "POST /v1/echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: "
             "1024\r\n\r\n%s",
             body);
    exchange(f->port, raw, strlen(raw), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "1024");
    free_resp(&r);
}

static void test_problems(void **state)
{
    fixture_t *f = *state;
    resp_t r;
    get(f->port, "GET", "/v1/conflict", NULL, &r);
    assert_int_equal(r.status, 409);
    assert_string_equal(r.body.data,
                        "{\"status\":409,\"code\":\"C04\",\"title\":\"Conflict\",\"detail\":\"an "
                        "open order exists for \\\"138\\\" bad\xef\xbf\xbd\"}");
    free_resp(&r);
    post(f->port, "/v1/orders", "{\"number\":\"138\",\"pin\":1}", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body.data, "{\"status\":400,\"code\":\"unknown_field\",\"title\":\"Bad "
                                     "Request\",\"detail\":\"field \\\"pin\\\" is not allowed\"}");
    free_resp(&r);
    post(f->port, "/v1/orders", "{\"number\":\"138\",", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body.data, "\"code\":\"bad_json\""));
    assert_non_null(strstr(r.body.data, "line 1"));
    free_resp(&r);
    post(f->port, "/v1/orders", "", &r);
    assert_non_null(strstr(r.body.data, "\"code\":\"empty_body\""));
    free_resp(&r);
    get(f->port, "GET", "/v1/noreply", NULL, &r);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body.data, "\"code\":\"internal\""));
    free_resp(&r);
    get(f->port, "GET", "/v1/badheader", NULL, &r);
    assert_int_equal(r.status, 500);
    assert_null(strstr(r.head, "Injected"));
    free_resp(&r);
}

/* The value of the series line starting with key in text, or -1 if absent. */
static long long series(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static void test_metrics_counted(void **state)
{
    fixture_t *f = *state;
    resp_t r;
    for (int i = 0; i < 3; i++) {
        get(f->port, "GET", "/v1/orders/1", NULL, &r);
        free_resp(&r);
    }
    get(f->port, "GET", "/v1/nope", NULL, &r);
    free_resp(&r);
    get(f->port, "BREW", "/v1/orders/1", NULL, &r);
    assert_int_equal(r.status, 405);
    free_resp(&r);
    get(f->port, "GET", "/metrics", NULL, &r);
    char h[256];
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type", h, sizeof h), MNP_METRICS_CONTENT_TYPE);
    assert_non_null(strstr(r.body.data, "# TYPE mnp_http_requests_total counter\n"));
    assert_non_null(strstr(r.body.data, "# TYPE mnp_http_request_duration_seconds histogram\n"));
    free_resp(&r);
    /* After a stop every request has completed, so the counts are exact. */
    assert_int_equal(mnp_http_server_stop(f->srv, 5000), 0);
    mnp_buf_t b;
    mnp_buf_init(&b, 1 << 20);
    assert_int_equal(mnp_metrics_render_registry(f->reg, &b), 0);
    assert_int_equal(series(b.data, "mnp_http_requests_total{route=\"orders_get\",method=\"GET\","
                                    "status=\"200\"} "),
                     3);
    assert_int_equal(
        series(b.data,
               "mnp_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} "),
        1);
    assert_int_equal(series(b.data, "mnp_http_requests_total{route=\"orders_get\",method="
                                    "\"other\",status=\"405\"} "),
                     1);
    assert_int_equal(
        series(b.data, "mnp_http_requests_total{route=\"metrics\",method=\"GET\",status=\"200\"} "),
        1);
    assert_int_equal(
        series(b.data, "mnp_http_request_duration_seconds_count{route=\"orders_get\"} "),
        4); /* the 405 on its path counts under its name too */
    assert_int_equal(series(b.data, "mnp_http_request_duration_seconds_bucket{route="
                                    "\"orders_get\",le=\"+Inf\"} "),
                     4);
    mnp_buf_fini(&b);
}

static void *slow_client(void *arg)
{
    fixture_t *f = arg;
    resp_t *r = malloc(sizeof *r);
    get(f->port, "GET", "/v1/slow", NULL, r);
    return r;
}

struct stopper {
    mnp_http_server_t *srv;
    unsigned timeout_ms;
    int rc;
};

static void *stop_main(void *arg)
{
    struct stopper *s = arg;
    s->rc = mnp_http_server_stop(s->srv, s->timeout_ms);
    return NULL;
}

/* Waits until connecting to port is refused: the server has stopped accepting. The stop is in
 * another thread with no event to wait on, so this polls (yielding, bounded by 20 s). */
static void wait_refused(uint16_t port)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int fd = tcp_connect(port);
        if (fd < 0)
            return;
        close(fd);
        sched_yield();
        clock_gettime(CLOCK_MONOTONIC, &t);
        assert_true(t.tv_sec - t0.tv_sec < 20);
    }
}

static void test_graceful_stop(void **state)
{
    fixture_t *f = *state;
    /* An idle keep-alive connection opened before the stop. */
    int keep = tcp_connect(f->port);
    assert_true(keep >= 0);
    const char *hz = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
    send_all(keep, hz, strlen(hz));
    mnp_buf_t in;
    mnp_buf_init(&in, 1 << 16);
    assert_true(read_until(keep, &in, "ok\n"));
    mnp_buf_reset(&in);

    pthread_t client, stopper;
    assert_int_equal(pthread_create(&client, NULL, slow_client, f), 0);
    pthread_mutex_lock(&g.mu);
    while (!g.slow_entered)
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);

    struct stopper s = {f->srv, 20000, -99};
    assert_int_equal(pthread_create(&stopper, NULL, stop_main, &s), 0);
    wait_refused(f->port);
    /* New requests on open connections are refused politely and the connection closed. */
    send_all(keep, hz, strlen(hz));
    assert_true(read_until(keep, &in, NULL));
    resp_t r;
    parse(&in, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body.data, "\"code\":\"shutting_down\""));
    free_resp(&r);
    close(keep);
    mnp_buf_fini(&in);

    pthread_mutex_lock(&g.mu);
    g.slow_release = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    resp_t *slow;
    assert_int_equal(pthread_join(client, (void **)&slow), 0);
    assert_int_equal(slow->status, 200);
    assert_string_equal(slow->body.data, "slow done");
    free_resp(slow);
    free(slow);
    assert_int_equal(pthread_join(stopper, NULL), 0);
    assert_int_equal(s.rc, 0);
    assert_int_equal(mnp_http_server_stop(f->srv, 0), 0); /* again: nothing to do */
}

static void test_stop_timeout(void **state)
{
    fixture_t *f = *state;
    /* A request whose body never finishes: in flight until the drain timeout cuts it off. */
    int fd = tcp_connect(f->port);
    const char *part = "POST /v1/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n"
                       "Expect: 100-continue\r\n\r\n";
    send_all(fd, part, strlen(part));
    mnp_buf_t in;
    mnp_buf_init(&in, 1 << 16);
    assert_true(read_until(fd, &in, "100 Continue\r\n\r\n")); /* the server has the request */
    send_all(fd, "0123456789", 10);
    assert_int_equal(mnp_http_server_stop(f->srv, 50), MNP_EBUSY);
    mnp_buf_reset(&in);
    assert_true(read_until(fd, &in, NULL) || true); /* closed by the stop */
    close(fd);
    mnp_buf_fini(&in);
}

static void test_stream(void **state)
{
    fixture_t *f = *state;
    int fd = tcp_connect(f->port);
    const char *req = "GET /v1/feed HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    send_all(fd, req, strlen(req));
    mnp_buf_t in;
    mnp_buf_init(&in, 1 << 16);
    /* The first event arrives while the stream is still open, waiting for the second. */
    assert_true(read_until(fd, &in, "data: one\n\n"));
    assert_null(strstr(in.data, "data: two"));
    pthread_mutex_lock(&g.mu);
    g.feed_go = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    assert_true(read_until(fd, &in, NULL));
    close(fd);
    resp_t r;
    parse(&in, &r);
    char h[256];
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type", h, sizeof h), "text/event-stream");
    assert_string_equal(header(&r, "Cache-Control", h, sizeof h), "no-cache");
    assert_string_equal(r.body.data, "data: one\n\ndata: two\n\n");
    assert_non_null(strstr(in.data, "\r\n0\r\n\r\n")); /* ended cleanly */
    free_resp(&r);
    mnp_buf_fini(&in);
    assert_int_equal(mnp_http_server_stop(f->srv, 5000), 0);
    assert_int_equal(g.feeds_freed, 1);
}

static void test_stream_ended_by_stop(void **state)
{
    fixture_t *f = *state;
    int fd = tcp_connect(f->port);
    const char *req = "GET /v1/feed HTTP/1.1\r\nHost: t\r\n\r\n";
    send_all(fd, req, strlen(req));
    mnp_buf_t in;
    mnp_buf_init(&in, 1 << 16);
    assert_true(read_until(fd, &in, "data: one\n\n"));
    /* The stream would wait for ever; the stop cancels it and it ends cleanly in time. */
    assert_int_equal(mnp_http_server_stop(f->srv, 20000), 0);
    assert_true(read_until(fd, &in, NULL));
    close(fd);
    resp_t r;
    parse(&in, &r);
    assert_string_equal(r.body.data, "data: one\n\n");
    assert_non_null(strstr(in.data, "\r\n0\r\n\r\n"));
    free_resp(&r);
    mnp_buf_fini(&in);
    assert_int_equal(g.feeds_freed, 1);
}

static void test_bad_config(void **state)
{
    fixture_t *f = *state;
    mnp_http_server_t *srv = NULL;
    mnp_error_t err = {0};
    mnp_http_config_t cfg = {.bind_address = "localhost", .router = f->router};
    assert_int_equal(mnp_http_server_new(&cfg, &srv, &err), MNP_EINVAL);
    assert_null(srv);
    assert_non_null(strstr(err.msg, "localhost"));
    cfg.bind_address = NULL;
    cfg.port = f->port; /* in use */
    assert_int_equal(mnp_http_server_new(&cfg, &srv, &err), MNP_EIO);
    assert_non_null(strstr(err.msg, "cannot listen"));
    cfg.router = NULL;
    assert_int_equal(mnp_http_server_new(&cfg, &srv, &err), MNP_EINVAL);
    /* IPv6 loopback, where the host has it. */
    cfg = (mnp_http_config_t){.bind_address = "::1", .router = f->router, .metrics = f->reg};
    if (mnp_http_server_new(&cfg, &srv, &err) == 0) {
        assert_true(mnp_http_server_port(srv) != 0);
        mnp_http_server_free(srv);
    }
}

static void test_router_rules(void **state)
{
    (void)state;
    mnp_http_router_t *r;
    assert_int_equal(mnp_http_router_new(&r), 0);
    assert_int_equal(mnp_http_router_add(r, "GET", "/a/{id}", "a", h_noreply, NULL), 0);
    assert_int_equal(mnp_http_router_add(r, "GET", "/a/{id}", "a2", h_noreply, NULL), MNP_EEXIST);
    assert_int_equal(mnp_http_router_add(r, "get", "/a", "a", h_noreply, NULL), MNP_EINVAL);
    assert_int_equal(mnp_http_router_add(r, "GET", "a", "a", h_noreply, NULL), MNP_EINVAL);
    assert_int_equal(mnp_http_router_add(r, "GET", "/a/{}", "a", h_noreply, NULL), MNP_EINVAL);
    assert_int_equal(mnp_http_router_add(r, "GET", "/a/{x-y}", "a", h_noreply, NULL), MNP_EINVAL);
    /* A table goes in route by route and stops at the first it cannot take. */
    static const mnp_http_route_t table[] = {
        {"GET", "/t/one", "t1", h_noreply},
        {"GET", "t/two", "t2", h_noreply},
        {"GET", "/t/three", "t3", h_noreply},
    };
    assert_int_equal(mnp_http_router_add_all(r, table, 3, NULL), MNP_EINVAL);
    assert_int_equal(mnp_http_router_add(r, "GET", "/t/one", "t1", h_noreply, NULL), MNP_EEXIST);
    assert_int_equal(mnp_http_router_add(r, "GET", "/t/three", "t3", h_noreply, NULL), 0);
    assert_int_equal(mnp_http_router_add(r, "GET", "/a/b{c}", "a", h_noreply, NULL), MNP_EINVAL);
    assert_int_equal(mnp_http_router_add(r, "GET", "/b", "Bad Name", h_noreply, NULL), MNP_EINVAL);
    assert_int_equal(mnp_http_router_add(r, "GET", "/b", "b", NULL, NULL), MNP_EINVAL);
    assert_int_equal(mnp_http_router_add(r, "GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17",
                                         "deep", h_noreply, NULL),
                     MNP_ELIMIT);
    assert_int_equal(mnp_http_router_add(r, "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", "params",
                                         h_noreply, NULL),
                     MNP_ELIMIT);
    mnp_http_router_free(r);
    mnp_http_router_free(NULL);
    assert_string_equal(mnp_http_reason(404), "Not Found");
    assert_string_equal(mnp_http_reason(299), "Unknown");
}

static void test_curl(void **state)
{
    fixture_t *f = *state;
    if (system("command -v curl >/dev/null 2>&1") != 0) {
        skip();
    }
    char cmd[256], out[4096];
    snprintf(cmd, sizeof cmd,
             "curl -s -S -i -X POST -H 'Content-Type: application/json' "
             "--data '{\"number\":\"12\"}' http://127.0.0.1:%u/v1/orders",
             (unsigned)f->port);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    assert_non_null(strstr(out, "HTTP/1.1 201"));
    assert_non_null(strstr(out, "{\"number\":\"12\"}"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_routes),
        T(test_not_found_and_405),
        T(test_refusal_with_a_body),
        T(test_body_limit),
        T(test_problems),
        T(test_metrics_counted),
        T(test_graceful_stop),
        T(test_stop_timeout),
        T(test_stream),
        T(test_stream_ended_by_stop),
        T(test_bad_config),
        T(test_curl),
        cmocka_unit_test(test_router_rules),
        cmocka_unit_test_setup_teardown(test_routes, setup_pool, teardown),
        cmocka_unit_test_setup_teardown(test_problems, setup_pool, teardown),
        cmocka_unit_test_setup_teardown(test_body_limit, setup_pool, teardown),
        cmocka_unit_test_setup_teardown(test_stream, setup_pool, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
