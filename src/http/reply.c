/*
 * What handlers call: request accessors and replies. A reply is only recorded here (status,
 * type, body in a bounded buffer, headers in the arena, or a stream); server.c turns it into a
 * libmicrohttpd response after the handler returns. Recording instead of queueing at once is
 * what lets a later reply replace an earlier one and lets a failure to store a reply become a
 * 500 instead of a half-built response.
 */
#include <string.h>

#include "httpInt.h"
#include "mnp/alloc.h"

const char *mnp_http_request_method(const mnp_http_request_t *req)
{
    return req->method;
}

const char *mnp_http_request_path(const mnp_http_request_t *req)
{
    return req->path;
}

const char *mnp_http_request_route(const mnp_http_request_t *req)
{
    return req->match.route ? req->match.route->name : "";
}

const char *mnp_http_request_param(const mnp_http_request_t *req, const char *name)
{
    for (size_t i = 0; i < req->match.n_params; i++)
        if (strcmp(req->match.param_names[i], name) == 0)
            return req->match.param_values[i];
    return NULL;
}

const char *mnp_http_request_query(const mnp_http_request_t *req, const char *name)
{
    const char *v = NULL;
    size_t vlen = 0;
    if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
                                      &vlen) != MHD_YES)
        return NULL;
    return v ? v : "";
}

const char *mnp_http_request_header(const mnp_http_request_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *mnp_http_request_body(const mnp_http_request_t *req, size_t *len)
{
    if (len != NULL)
        *len = req->body.len;
    return req->body.data ? req->body.data : "";
}

mnp_arena_t *mnp_http_request_arena(mnp_http_request_t *req)
{
    return &req->arena;
}

void http_stream_discard(http_stream_t *s)
{
    if (s == NULL)
        return;
    if (s->user.free != NULL)
        s->user.free(s->user.ud);
    free(s);
}

void http_reply_clear(mnp_http_request_t *req)
{
    http_stream_discard(req->stream);
    req->stream = NULL;
    mnp_buf_reset(&req->resp);
    req->replied = false;
    req->broken = false;
    req->status = 0;
    req->content_type = NULL;
}

void mnp_http_reply(mnp_http_request_t *req, int status, const char *content_type, const void *body,
                    size_t len)
{
    http_reply_clear(req);
    mnp_buf_append(&req->resp, body, len);
    req->status = status;
    req->content_type = mnp_arena_strndup(&req->arena, content_type, strlen(content_type));
    req->replied = true;
    req->broken = mnp_buf_error(&req->resp) != 0 || req->content_type == NULL;
}

void mnp_http_reply_json(mnp_http_request_t *req, int status, const char *json, size_t len)
{
    mnp_http_reply(req, status, "application/json", json, len);
}

void mnp_http_reply_json_value(mnp_http_request_t *req, int status, const json_t *v)
{
    http_reply_clear(req);
    req->broken = mnp_json_dump(v, &req->resp) != 0;
    req->status = status;
    req->content_type = "application/json";
    req->replied = true;
}

void mnp_http_reply_text(mnp_http_request_t *req, int status, const char *text)
{
    mnp_http_reply(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

/* RFC 9110 token characters, for header names. */
static bool is_token(const char *s)
{
    static const char tchar[] = "!#$%&'*+-.^_`|~0123456789"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    return *s != '\0' && strspn(s, tchar) == strlen(s);
}

void mnp_http_add_header(mnp_http_request_t *req, const char *name, const char *value)
{
    if (!is_token(name) || strpbrk(value, "\r\n") != NULL ||
        req->n_headers == MNP_HTTP_HEADERS_MAX) {
        req->bad_header = true;
        return;
    }
    char *n = mnp_arena_strndup(&req->arena, name, strlen(name));
    char *v = mnp_arena_strndup(&req->arena, value, strlen(value));
    if (n == NULL || v == NULL) {
        req->bad_header = true;
        return;
    }
    req->hdr_names[req->n_headers] = n;
    req->hdr_values[req->n_headers++] = v;
}

void mnp_http_reply_stream(mnp_http_request_t *req, int status, const char *content_type,
                           const mnp_http_stream_t *stream)
{
    http_reply_clear(req);
    http_stream_t *s = mnp_xcalloc(1, sizeof *s);
    s->user = *stream;
    s->srv = req->srv;
    req->stream = s;
    req->status = status;
    req->content_type = mnp_arena_strndup(&req->arena, content_type, strlen(content_type));
    req->replied = true;
    req->broken = stream->read == NULL || req->content_type == NULL;
}
