/*
 * The server: libmicrohttpd glue, request lifecycle, metrics and graceful stop. libmicrohttpd
 * calls on_request several times per request (headers, each piece of body, end of body); the
 * first call routes and refuses early (404, 405, 413 by Content-Length, 503 while stopping) so a
 * refused body is never read, later calls gather the body up to the limit, and the last runs the
 * handler and queues its reply. on_completed ends every request that was started, which is where
 * metrics are observed and the in-flight count that a graceful stop waits for goes down.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpInt.h"
#include "mnp/alloc.h"
#include "mnp/clock.h"
#include "mnp/log.h"

#define HTTP_ARENA_DEFAULT   (1024 * 1024)
#define HTTP_CONN_DEFAULT    256
#define HTTP_TIMEOUT_DEFAULT 30
#define HTTP_STREAM_BLOCK    4096

struct mnp_http_server {
    struct MHD_Daemon *d;
    const mnp_http_router_t *router;
    size_t max_body_bytes;
    size_t arena_max_bytes;
    mnp_metric_t *m_requests;
    mnp_metric_t *m_duration;
    pthread_mutex_t mu;  /* guards everything below */
    pthread_cond_t idle; /* signalled when inflight drops to 0 */
    size_t inflight;
    bool stop_called;       /* mnp_http_server_stop has begun */
    bool stopping;          /* no longer accepting; new requests get 503 */
    http_stream_t *streams; /* live streaming responses */
    bool started;
    char start_error[256]; /* the last libmicrohttpd message before the daemon ran */
    uint16_t port;
};

static const double duration_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                          0.25,  0.5,    1,     2.5,  5,     10};

size_t mnp_http_request_max_body(const mnp_http_request_t *req)
{
    return req->srv->max_body_bytes;
}

uint16_t mnp_http_server_port(const mnp_http_server_t *server)
{
    return server->port;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) MNP_PRINTF(2, 0);

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    mnp_http_server_t *srv = cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    pthread_mutex_lock(&srv->mu);
    if (!srv->started)
        snprintf(srv->start_error, sizeof srv->start_error, "%s", msg);
    pthread_mutex_unlock(&srv->mu);
    mnp_log(MNP_LOG_WARN, "http server", MNP_KV(MNP_KV_STR("error", msg)));
}

/* The method as a metrics label: bounded to the methods HTTP defines. */
static const char *method_label(const char *method)
{
    static const char *const known[] = {"GET",   "HEAD",    "POST",  "PUT",    "DELETE",
                                        "PATCH", "OPTIONS", "TRACE", "CONNECT"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "other";
}

static mnp_http_request_t *request_new(mnp_http_server_t *srv, struct MHD_Connection *conn,
                                       const char *url, const char *method)
{
    mnp_http_request_t *req = mnp_xcalloc(1, sizeof *req);
    req->srv = srv;
    req->conn = conn;
    mnp_arena_init(&req->arena, 0, srv->arena_max_bytes);
    /* Both bounded by libmicrohttpd's per-connection memory limit. */
    req->method = mnp_xstrdup(method);
    req->path = mnp_xstrdup(url);
    req->method_label = method_label(method);
    mnp_buf_init(&req->body, srv->max_body_bytes);
    mnp_buf_init(&req->resp, HTTP_RESPONSE_MAX);
    req->start_ns = mnp_clock_mono_ns(mnp_clock_real());
    pthread_mutex_lock(&srv->mu);
    srv->inflight++;
    pthread_mutex_unlock(&srv->mu);
    return req;
}

static void request_free(mnp_http_request_t *req)
{
    http_stream_discard(req->stream);
    mnp_buf_fini(&req->resp);
    mnp_buf_fini(&req->body);
    mnp_arena_fini(&req->arena);
    free(req->method);
    free(req->path);
    free(req);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    http_stream_t *s = cls;
    (void)pos;
    ssize_t n = s->user.read(s->user.ud, buf, max);
    if (n > 0 && (size_t)n <= max)
        return n;
    return n == MNP_HTTP_STREAM_END ? MHD_CONTENT_READER_END_OF_STREAM
                                    : MHD_CONTENT_READER_END_WITH_ERROR;
}

/* libmicrohttpd is done with the stream's response. */
static void stream_free(void *cls)
{
    http_stream_t *s = cls;
    mnp_http_server_t *srv = s->srv;
    pthread_mutex_lock(&srv->mu);
    if (s->listed) {
        if (s->prev)
            s->prev->next = s->next;
        else
            srv->streams = s->next;
        if (s->next)
            s->next->prev = s->prev;
        s->listed = false;
    }
    pthread_mutex_unlock(&srv->mu);
    http_stream_discard(s);
}

/* Cancels s once; srv->mu held. */
static void stream_cancel_locked(http_stream_t *s)
{
    if (!s->cancelled && s->user.cancel != NULL)
        s->user.cancel(s->user.ud);
    s->cancelled = true;
}

static void stream_register(mnp_http_server_t *srv, http_stream_t *s)
{
    pthread_mutex_lock(&srv->mu);
    s->prev = NULL;
    s->next = srv->streams;
    if (srv->streams)
        srv->streams->prev = s;
    srv->streams = s;
    s->listed = true;
    if (srv->stopping) /* the stop's sweep has passed: end this one too */
        stream_cancel_locked(s);
    pthread_mutex_unlock(&srv->mu);
}

/* Turns the recorded reply into a libmicrohttpd response and queues it. */
static enum MHD_Result queue_reply(mnp_http_request_t *req)
{
    if (!req->replied || req->broken || req->bad_header) {
        const char *why = !req->replied ? "the handler sent no reply"
                          : req->broken ? "the reply could not be stored"
                                        : "the reply had an invalid header";
        mnp_log(
            MNP_LOG_ERROR, "http reply failed",
            MNP_KV(MNP_KV_STR("route", mnp_http_request_route(req)), MNP_KV_STR("reason", why)));
        req->n_headers = 0;
        req->bad_header = false;
        mnp_http_reply_problem(req, 500, "internal", "%s", why);
    }
    struct MHD_Response *resp;
    if (req->stream != NULL) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK, stream_read,
                                                 req->stream, stream_free);
        if (resp == NULL)
            return MHD_NO; /* request_free discards the stream */
        stream_register(req->srv, req->stream);
        req->stream = NULL;
    } else {
        /* Hand the body's storage to libmicrohttpd instead of copying it. */
        char *data = req->resp.data;
        size_t len = req->resp.len;
        req->resp.data = NULL;
        mnp_buf_fini(&req->resp);
        resp = data ? MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE)
                    : MHD_create_response_from_buffer(0, (void *)(uintptr_t) "",
                                                      MHD_RESPMEM_PERSISTENT);
        if (resp == NULL) {
            free(data);
            return MHD_NO;
        }
    }
    bool ok = MHD_add_response_header(resp, "Content-Type", req->content_type) == MHD_YES;
    for (size_t i = 0; i < req->n_headers; i++)
        ok &= MHD_add_response_header(resp, req->hdr_names[i], req->hdr_values[i]) == MHD_YES;
    if (!ok)
        mnp_log(MNP_LOG_WARN, "http header refused by libmicrohttpd",
                MNP_KV(MNP_KV_STR("route", mnp_http_request_route(req))));
    enum MHD_Result r = MHD_queue_response(req->conn, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    if (r == MHD_YES)
        req->sent_status = req->status;
    return r;
}

/* The first call: route, and refuse what can be refused before reading a body. */
static enum MHD_Result on_headers(mnp_http_request_t *req)
{
    mnp_http_server_t *srv = req->srv;
    pthread_mutex_lock(&srv->mu);
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->mu);
    if (stopping) {
        mnp_http_reply_problem(req, 503, "shutting_down", "the server is shutting down");
        mnp_http_add_header(req, "Connection", "close");
        return queue_reply(req);
    }
    if (http_router_match(srv->router, req->method, req->path, &req->arena, &req->match) != 0) {
        mnp_http_reply_problem(req, 500, "internal", "out of request memory");
        return queue_reply(req);
    }
    if (req->match.route == NULL) {
        if (req->match.path_route == NULL) {
            mnp_http_reply_problem(req, 404, "not_found", "no resource at %s", req->path);
        } else {
            mnp_http_reply_problem(req, 405, "method_not_allowed", "%s is not allowed on %s",
                                   req->method, req->path);
            mnp_http_add_header(req, "Allow", req->match.allow);
        }
        return queue_reply(req);
    }
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length");
    if (cl != NULL) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end != cl && *end == '\0' && (errno == ERANGE || n > srv->max_body_bytes)) {
            mnp_http_reply_problem(req, 413, "body_too_large",
                                   "request body is larger than %zu bytes", srv->max_body_bytes);
            return queue_reply(req);
        }
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    mnp_http_server_t *srv = cls;
    mnp_http_request_t *req = *con_cls;
    (void)version;
    if (req == NULL) {
        req = request_new(srv, conn, url, method);
        *con_cls = req;
        return on_headers(req);
    }
    if (*upload_data_size > 0) {
        if (!req->too_large) {
            mnp_buf_append(&req->body, upload_data, *upload_data_size);
            if (mnp_buf_error(&req->body) != 0) {
                req->too_large = true; /* a chunked body: no Content-Length to refuse early */
                mnp_buf_fini(&req->body);
            }
        }
        if (req->too_large) {
            /* A response cannot be queued mid-body: discard up to one more limit's worth so
             * the client can get its 413, then give up on a body that does not end. */
            req->discarded += *upload_data_size;
            if (req->discarded > srv->max_body_bytes)
                return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_large) {
        mnp_http_reply_problem(req, 413, "body_too_large", "request body is larger than %zu bytes",
                               srv->max_body_bytes);
        return queue_reply(req);
    }
    /* A refusal queued at the headers (no route, shutting down, too large) may be followed by
     * a call for the body's end: the answer stands, and there is no handler to run. */
    if (req->sent_status != 0 || req->match.route == NULL)
        return MHD_YES;
    req->match.route->fn(req, req->match.route->ud);
    return queue_reply(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    mnp_http_server_t *srv = cls;
    mnp_http_request_t *req = *con_cls;
    (void)conn;
    (void)toe;
    if (req == NULL)
        return;
    *con_cls = NULL;
    const http_route_t *rt = req->match.route ? req->match.route : req->match.path_route;
    const char *route = rt ? rt->name : "unmatched";
    char status[16] = "aborted";
    if (req->sent_status != 0)
        snprintf(status, sizeof status, "%d", req->sent_status);
    mnp_metrics_inc(srv->m_requests, (const char *[]){route, req->method_label, status});
    double secs = (double)(mnp_clock_mono_ns(mnp_clock_real()) - req->start_ns) / 1e9;
    mnp_metrics_observe(srv->m_duration, (const char *[]){route}, secs);
    request_free(req);
    pthread_mutex_lock(&srv->mu);
    if (--srv->inflight == 0)
        pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->mu);
}

/* Fills sa from cfg's address and port; MNP_EINVAL if the address is no IP literal. */
static int make_addr(const mnp_http_config_t *cfg, struct sockaddr_storage *sa, bool *v6)
{
    const char *addr = cfg->bind_address ? cfg->bind_address : "127.0.0.1";
    memset(sa, 0, sizeof *sa);
    struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    *v6 = false;
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(cfg->port);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(cfg->port);
        *v6 = true;
        return 0;
    }
    return MNP_EINVAL;
}

static int register_metrics(mnp_http_server_t *srv, mnp_metrics_t *reg)
{
    int rc = mnp_metrics_counter(
        reg, "mnp_http_requests_total", "HTTP requests answered, by route, method and status.",
        (const char *[]){"route", "method", "status"}, 3, &srv->m_requests);
    if (rc != 0)
        return rc;
    return mnp_metrics_histogram(
        reg, "mnp_http_request_duration_seconds",
        "Time from a request's headers to the end of its response, by route.",
        (const char *[]){"route"}, 1, duration_buckets,
        sizeof duration_buckets / sizeof duration_buckets[0], &srv->m_duration);
}

int mnp_http_server_new(const mnp_http_config_t *cfg, mnp_http_server_t **out, mnp_error_t *err)
{
    *out = NULL;
    if (cfg == NULL || cfg->router == NULL)
        return mnp_error_set(err, MNP_EINVAL, "http server: no router given");
    struct sockaddr_storage sa;
    bool v6;
    if (make_addr(cfg, &sa, &v6) != 0)
        return mnp_error_set(err, MNP_EINVAL, "http server: bad bind address \"%s\"",
                             cfg->bind_address);
    mnp_http_server_t *srv = mnp_xcalloc(1, sizeof *srv);
    srv->router = cfg->router;
    srv->max_body_bytes = cfg->max_body_bytes ? cfg->max_body_bytes : MNP_HTTP_BODY_DEFAULT;
    srv->arena_max_bytes = cfg->arena_max_bytes ? cfg->arena_max_bytes : HTTP_ARENA_DEFAULT;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->idle, &ca);
    pthread_condattr_destroy(&ca);
    int rc = register_metrics(srv, cfg->metrics);
    if (rc != 0) {
        mnp_error_set(err, rc, "http server: cannot register metrics: %s", mnp_strerror(rc));
        goto fail;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0);
    unsigned pool = cfg->thread_pool_size;
    if (pool == 0)
        flags |= MHD_USE_THREAD_PER_CONNECTION;
    /* libmicrohttpd warns about a pool size it ignores, so the option is only given for a
     * real pool (an empty option array otherwise). */
    struct MHD_OptionItem pool_opt[] = {
        {pool > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)pool, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    srv->d = MHD_start_daemon(
        flags, cfg->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections ? cfg->max_connections : HTTP_CONN_DEFAULT,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s ? cfg->timeout_s : HTTP_TIMEOUT_DEFAULT,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_ARRAY, pool_opt, MHD_OPTION_END);
    if (srv->d == NULL) {
        rc = mnp_error_set(err, MNP_EIO, "http server: cannot listen on %s port %u: %s",
                           cfg->bind_address ? cfg->bind_address : "127.0.0.1", (unsigned)cfg->port,
                           srv->start_error[0] ? srv->start_error : "libmicrohttpd failed");
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : cfg->port;
    pthread_mutex_lock(&srv->mu);
    srv->started = true;
    pthread_mutex_unlock(&srv->mu);
    *out = srv;
    return 0;
fail:
    pthread_cond_destroy(&srv->idle);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
    return rc;
}

int mnp_http_server_stop(mnp_http_server_t *server, unsigned drain_timeout_ms)
{
    pthread_mutex_lock(&server->mu);
    bool already = server->stop_called;
    server->stop_called = true;
    pthread_mutex_unlock(&server->mu);
    if (already)
        return 0;
    /* From here new requests on open connections get 503 and streams end. This comes before
     * the quiesce so that whoever sees connections refused also sees requests refused. */
    pthread_mutex_lock(&server->mu);
    server->stopping = true;
    for (http_stream_t *s = server->streams; s != NULL; s = s->next)
        stream_cancel_locked(s);
    pthread_mutex_unlock(&server->mu);
    /* Shutting the listening socket down makes the kernel refuse new connections instead of
     * queueing them in a backlog no one will accept. It is closed after MHD_stop_daemon, as
     * libmicrohttpd asks. */
    MHD_socket fd = MHD_quiesce_daemon(server->d);
    if (fd != MHD_INVALID_SOCKET)
        shutdown(fd, SHUT_RDWR);
    pthread_mutex_lock(&server->mu);
    struct timespec deadline = mnp_deadline_after(CLOCK_MONOTONIC, (int64_t)drain_timeout_ms);
    while (server->inflight > 0)
        if (pthread_cond_timedwait(&server->idle, &server->mu, &deadline) == ETIMEDOUT)
            break;
    bool busy = server->inflight > 0;
    pthread_mutex_unlock(&server->mu);
    if (busy)
        mnp_log(MNP_LOG_WARN, "http stop: requests cut off at the drain timeout",
                MNP_KV(MNP_KV_U64("drain_timeout_ms", drain_timeout_ms)));
    MHD_stop_daemon(server->d);
    server->d = NULL;
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    return busy ? MNP_EBUSY : 0;
}

void mnp_http_server_free(mnp_http_server_t *server)
{
    if (server == NULL)
        return;
    if (mnp_http_server_stop(server, 0) != 0)
        mnp_log(MNP_LOG_DEBUG, "http server freed with requests in flight", NULL);
    pthread_cond_destroy(&server->idle);
    pthread_mutex_destroy(&server->mu);
    free(server);
}
