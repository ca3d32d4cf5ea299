/*
 * A small HTTP/1.1 server over libmicrohttpd for the operator API, the change feed and the
 * daemons' /healthz and /metrics. A router maps (method, path pattern) to handlers; the server
 * reads each request body up to a limit, calls the handler once with the whole request, and
 * sends what the handler replied. Every request is counted in the metrics registry as
 * mnp_http_requests_total{route,method,status} and mnp_http_request_duration_seconds{route}.
 *
 * Threads: by default every connection has its own thread (thread_pool_size 0), so a handler or a
 * streaming callback may block (long poll, server-sent events). With a thread pool (epoll where
 * available) they must not block: a blocked handler stalls the other connections of its thread.
 * Handlers run concurrently; the router must not change once a server uses it.
 *
 * Problem bodies (SPEC.md §7). Every refusal, the server's own and the handlers', is sent as
 * Content-Type application/problem+json with exactly these members, in this order:
 *   {"status":409,"code":"C04","title":"Conflict","detail":"an open order exists for ..."}
 * status repeats the HTTP status; code is the stable machine-readable code (SPEC codes such as
 * "C04", or the server's own: "not_found", "method_not_allowed", "body_too_large",
 * "shutting_down", "internal", and the JSON decoding codes of json.h); title is the standard
 * reason phrase of the status; detail is one human-readable sentence (UTF-8; invalid bytes are
 * replaced by U+FFFD). Per RFC 9457 an absent "type" means "about:blank".
 */
#ifndef MNP_HTTP_H
#define MNP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mnp/arena.h"
#include "mnp/error.h"
#include "mnp/json.h"
#include "mnp/metrics.h"

/* Protocol limits of the server layer. */
#define MNP_HTTP_BODY_DEFAULT   (64 * 1024) /* max_body_bytes when the config says 0 */
#define MNP_HTTP_ROUTE_SEGMENTS 16          /* path segments in a pattern */
#define MNP_HTTP_PARAMS_MAX     8           /* {name} parameters in a pattern */
#define MNP_HTTP_HEADERS_MAX    16          /* custom headers on one response */

typedef struct mnp_http_router mnp_http_router_t;
typedef struct mnp_http_server mnp_http_server_t;
typedef struct mnp_http_request mnp_http_request_t;

/* A handler answers one request by calling one of the mnp_http_reply_* functions (the last
 * call wins). If it replies nothing the client gets 500 "internal". ud is the pointer given
 * when the route was added. */
typedef void (*mnp_http_handler_fn)(mnp_http_request_t *req, void *ud);

/* ---- router ---- */

/* Creates an empty router. Free with mnp_http_router_free (after every server using it). */
int mnp_http_router_new(mnp_http_router_t **out) MNP_WUR;
void mnp_http_router_free(mnp_http_router_t *router);

/* Adds a route: method ("GET", "POST", ...; HEAD is served by GET routes), a pattern of
 * '/'-separated segments, each literal or a whole-segment parameter "{name}" (e.g.
 * "/v1/orders/{id}"), the route's name for metrics (a code literal such as "orders_get"), and
 * the handler with its ud (borrowed; must outlive the servers). Where two patterns match a
 * path, the one with a literal at the first segment where they differ wins. MNP_EINVAL for a
 * malformed pattern or name, MNP_EEXIST for the same method and pattern twice, MNP_ELIMIT past
 * the segment or parameter limits. */
int mnp_http_router_add(mnp_http_router_t *router, const char *method, const char *pattern,
                        const char *name, mnp_http_handler_fn fn, void *ud) MNP_WUR;

/* A route for mnp_http_router_add_all: what mnp_http_router_add takes, but ud. */
typedef struct mnp_http_route {
    const char *method, *pattern, *name;
    mnp_http_handler_fn fn;
} mnp_http_route_t;

/* Adds the n routes of a table, each with ud; stops at and returns the first failure. */
int mnp_http_router_add_all(mnp_http_router_t *router, const mnp_http_route_t *routes, size_t n,
                            void *ud) MNP_WUR;

/* Calls fn(method, pattern, name, arg) for every route of router in registration order (the
 * strings are the router's, valid while it lives). Stops at the first non-zero value fn returns
 * and returns it; 0 when fn returned 0 for every route. For documentation checks and listings;
 * like matching, it must not run while the router is being changed. */
int mnp_http_router_each(const mnp_http_router_t *r,
                         int (*fn)(const char *method, const char *pattern, const char *name,
                                   void *arg),
                         void *arg);

/* ---- server ---- */

typedef struct mnp_http_config {
    const char *bind_address;        /* IPv4 or IPv6 literal; NULL = "127.0.0.1" */
    uint16_t port;                   /* 0 = an ephemeral port (see mnp_http_server_port) */
    size_t max_body_bytes;           /* 0 = MNP_HTTP_BODY_DEFAULT; larger bodies get 413 */
    size_t arena_max_bytes;          /* per-request arena limit; 0 = 1 MiB */
    unsigned max_connections;        /* 0 = 256 */
    unsigned timeout_s;              /* idle connection timeout; 0 = 30 s */
    unsigned thread_pool_size;       /* 0 = one thread per connection; else a pool of this size */
    const mnp_http_router_t *router; /* required; borrowed, must outlive the server */
    mnp_metrics_t *metrics;          /* NULL = the default registry */
} mnp_http_config_t;

/* Starts a server listening on cfg's address and port. On failure err says why (address in
 * use, bad address, ...). Stop and free with mnp_http_server_stop / mnp_http_server_free. */
int mnp_http_server_new(const mnp_http_config_t *cfg, mnp_http_server_t **out,
                        mnp_error_t *err) MNP_WUR;

/* The port the server is bound to (the chosen one when the config said 0). */
uint16_t mnp_http_server_port(const mnp_http_server_t *server);

/* Graceful stop: stops accepting connections at once, answers new requests on open
 * connections with 503 shutting_down, ends every streaming response (its cancel function is
 * called), waits up to drain_timeout_ms for the requests in flight to finish, then closes every
 * connection. Returns 0 when everything finished in time, MNP_EBUSY when requests were still in
 * flight at the timeout (they are cut off; a handler still running is waited for, so handlers
 * must return in bounded time). Calling it again does nothing and returns 0. */
int mnp_http_server_stop(mnp_http_server_t *server, unsigned drain_timeout_ms) MNP_WUR;

/* Stops (without draining) if needed and frees the server; NULL is ignored. */
void mnp_http_server_free(mnp_http_server_t *server);

/* ---- the request, for handlers (valid until the handler returns) ---- */

const char *mnp_http_request_method(const mnp_http_request_t *req);
/* The path without the query string, percent-decoded by libmicrohttpd. */
const char *mnp_http_request_path(const mnp_http_request_t *req);
/* The matched route's name. */
const char *mnp_http_request_route(const mnp_http_request_t *req);
/* The value of the pattern's {name} segment (percent-decoded: any bytes but NUL, so validate
 * it), or NULL if the pattern has no such parameter. */
const char *mnp_http_request_param(const mnp_http_request_t *req, const char *name);
/* The first value of query argument name (percent-decoded; "" for "?name" without '='), or
 * NULL if absent. */
const char *mnp_http_request_query(const mnp_http_request_t *req, const char *name);
/* The first value of header name (case-insensitive), or NULL. */
const char *mnp_http_request_header(const mnp_http_request_t *req, const char *name);
/* The whole body (NUL-terminated; may contain NUL bytes) and its length; "" and 0 if none. */
const char *mnp_http_request_body(const mnp_http_request_t *req, size_t *len);
/* The request's arena, released when the request ends. */
mnp_arena_t *mnp_http_request_arena(mnp_http_request_t *req);
/* The server's max_body_bytes (for mnp_json_parse). */
size_t mnp_http_request_max_body(const mnp_http_request_t *req);

/* ---- replies (the last call wins; storage failures turn the reply into 500 internal) ---- */

/* Sends body[0..len) (copied) with status and content_type. */
void mnp_http_reply(mnp_http_request_t *req, int status, const char *content_type, const void *body,
                    size_t len);
/* application/json. */
void mnp_http_reply_json(mnp_http_request_t *req, int status, const char *json, size_t len);
/* application/json, v dumped compactly with sorted keys (v stays the caller's). */
void mnp_http_reply_json_value(mnp_http_request_t *req, int status, const json_t *v);
/* text/plain; charset=utf-8. */
void mnp_http_reply_text(mnp_http_request_t *req, int status, const char *text);
/* A problem body (shape above) with status, code and a printf-formatted detail. */
void mnp_http_reply_problem(mnp_http_request_t *req, int status, const char *code, const char *fmt,
                            ...) MNP_PRINTF(4, 5);
/* The problem body for a JSON decoding refusal (its http_status, code and message). */
void mnp_http_reply_json_problem(mnp_http_request_t *req, const mnp_json_problem_t *p);
/* Adds a response header (copied) to whatever reply is sent; a name or value with CR, LF or a
 * non-token name is a bug and turns the reply into 500 internal. */
void mnp_http_add_header(mnp_http_request_t *req, const char *name, const char *value);

/* A streaming response (chunked), for server-sent events and long polls. read fills up to max
 * bytes of buf and returns how many (> 0), MNP_HTTP_STREAM_END, or MNP_HTTP_STREAM_ERROR (the
 * connection is then closed; 0 counts as an error). With one thread per connection read may
 * block until it has data, but must return soon after cancel(ud) was called (server stopping),
 * which it should answer with MNP_HTTP_STREAM_END. cancel is called from another thread, at
 * most once, and may be NULL. free(ud), if not NULL, is called exactly once when the stream is
 * done with, even if the response is never sent (another reply replaced it, the connection
 * failed); after mnp_http_reply_stream the stream owns ud. */
#define MNP_HTTP_STREAM_END   ((ssize_t)-1)
#define MNP_HTTP_STREAM_ERROR ((ssize_t)-2)
typedef struct mnp_http_stream {
    ssize_t (*read)(void *ud, char *buf, size_t max);
    void (*cancel)(void *ud);
    void (*free)(void *ud);
    void *ud;
} mnp_http_stream_t;
void mnp_http_reply_stream(mnp_http_request_t *req, int status, const char *content_type,
                           const mnp_http_stream_t *stream);

/* ---- built-in routes ---- */

/* Adds GET /healthz (200 "ok\n", text) and GET /metrics (the registry reg, NULL = default, in
 * the exposition format) to router, as routes "healthz" and "metrics". */
int mnp_http_add_builtin_routes(mnp_http_router_t *router, mnp_metrics_t *reg) MNP_WUR;

/* The standard reason phrase of an HTTP status ("Not Found"); "Unknown" for others. */
const char *mnp_http_reason(int status);

#endif
