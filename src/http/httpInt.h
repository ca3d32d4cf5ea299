/*
 * Private to src/http: the request, route and stream structures shared by the server glue
 * (server.c), the router (router.c) and the reply functions (reply.c). Handlers see only the
 * accessors of http.h.
 */
#ifndef MNP_HTTP_INT_H
#define MNP_HTTP_INT_H

#include <microhttpd.h>
#include <pthread.h>

#include "mnp/buf.h"
#include "mnp/http.h"

/* Largest buffered (non-streaming) response body. */
#define HTTP_RESPONSE_MAX (1024u * 1024 * 1024) /* a full NPDB snapshot fits; grown on demand */

typedef struct http_route {
    char *method;
    char *pattern;
    char *name;
    size_t n_segs;
    char *segs[MNP_HTTP_ROUTE_SEGMENTS]; /* literal text, or the parameter name */
    uint32_t literal_mask;               /* bit (31 - i) set when segment i is literal */
    mnp_http_handler_fn fn;
    void *ud;
} http_route_t;

struct mnp_http_router {
    http_route_t *routes;
    size_t n, cap;
};

/* What the router found for a request. */
typedef struct http_match {
    const http_route_t *route;      /* the route to run, or NULL */
    const http_route_t *path_route; /* NULL: no route has this path (404); else one that has */
    char allow[96];                 /* for 405: the path's methods, "GET, HEAD, POST" */
    size_t n_params;
    const char *param_names[MNP_HTTP_PARAMS_MAX];
    const char *param_values[MNP_HTTP_PARAMS_MAX]; /* in the request's arena */
} http_match_t;

/* Matches method and path; parameter values are copied into arena. MNP_ENOMEM when the arena
 * is full, else 0 (with m->route NULL when nothing matched). */
int http_router_match(const mnp_http_router_t *r, const char *method, const char *path,
                      mnp_arena_t *arena, http_match_t *m);

/* A streaming response: the handler's callbacks plus the server's list of live streams. */
typedef struct http_stream {
    mnp_http_stream_t user;
    mnp_http_server_t *srv;
    struct http_stream *prev, *next; /* in srv's list while MHD owns the stream */
    bool listed;
    bool cancelled;
} http_stream_t;

struct mnp_http_request {
    mnp_http_server_t *srv;
    struct MHD_Connection *conn;
    mnp_arena_t arena;
    char *method;
    char *path;
    const char *method_label; /* method for metrics: a known method or "other" */
    http_match_t match;
    mnp_buf_t body;
    bool too_large; /* the body passed max_body_bytes; the rest is being discarded */
    size_t discarded;
    int64_t start_ns;
    /* the reply */
    bool replied;
    bool broken;     /* the reply could not be stored: send 500 */
    bool bad_header; /* a header was invalid or did not fit: send 500 */
    int status;      /* the reply's status */
    int sent_status; /* the status queued to MHD, 0 until one was */
    const char *content_type;
    mnp_buf_t resp;
    size_t n_headers;
    const char *hdr_names[MNP_HTTP_HEADERS_MAX];
    const char *hdr_values[MNP_HTTP_HEADERS_MAX];
    http_stream_t *stream; /* owned until handed to MHD */
};

/* Replaces any reply with nothing (frees a pending stream). */
void http_reply_clear(mnp_http_request_t *req);

/* Frees a stream that MHD never took. */
void http_stream_discard(http_stream_t *s);

#endif
