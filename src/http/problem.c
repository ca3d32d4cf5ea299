/*
 * Problem bodies (SPEC.md §7): the one JSON shape every refusal takes, written by hand rather
 * than through jansson so that the member order is fixed and documented ({"status", "code",
 * "title", "detail"}) and so that building one cannot fail halfway. The detail is usually a
 * message from an mnp_error_t, which may have been cut in the middle of a UTF-8 sequence or
 * quote client bytes; invalid UTF-8 becomes U+FFFD so the body is always valid JSON.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "httpInt.h"

const char *mnp_http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

/* Appends s as a JSON string literal, invalid UTF-8 replaced by U+FFFD. */
static void put_text(mnp_buf_t *b, const char *s)
{
    size_t len = strlen(s);
    mnp_buf_t clean;
    mnp_buf_init(&clean, 3 * len + 1);
    size_t i = 0;
    while (i < len) {
        size_t ok = mnp_json_utf8_valid_prefix(s + i, len - i);
        mnp_buf_append(&clean, s + i, ok);
        i += ok;
        if (i < len) {
            mnp_buf_puts(&clean, "\xEF\xBF\xBD");
            i++;
        }
    }
    mnp_buf_json_str(b, clean.data ? clean.data : "");
    if (mnp_buf_error(&clean) != 0 && b->error == 0)
        b->error = mnp_buf_error(&clean);
    mnp_buf_fini(&clean);
}

static void reply_problem_v(mnp_http_request_t *req, int status, const char *code, const char *fmt,
                            va_list ap) MNP_PRINTF(4, 0);

static void reply_problem_v(mnp_http_request_t *req, int status, const char *code, const char *fmt,
                            va_list ap)
{
    char detail[512];
    vsnprintf(detail, sizeof detail, fmt, ap);
    http_reply_clear(req);
    mnp_buf_printf(&req->resp, "{\"status\":%d,\"code\":", status);
    put_text(&req->resp, code);
    mnp_buf_puts(&req->resp, ",\"title\":");
    put_text(&req->resp, mnp_http_reason(status));
    mnp_buf_puts(&req->resp, ",\"detail\":");
    put_text(&req->resp, detail);
    mnp_buf_putc(&req->resp, '}');
    req->status = status;
    req->content_type = "application/problem+json";
    req->replied = true;
    if (mnp_buf_error(&req->resp) != 0)
        req->broken = true;
}

void mnp_http_reply_problem(mnp_http_request_t *req, int status, const char *code, const char *fmt,
                            ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_problem_v(req, status, code, fmt, ap);
    va_end(ap);
}

void mnp_http_reply_json_problem(mnp_http_request_t *req, const mnp_json_problem_t *p)
{
    if (p == NULL || p->code == NULL) {
        mnp_http_reply_problem(req, 500, "internal", "request decoding failed without a reason");
        return;
    }
    mnp_http_reply_problem(req, p->http_status ? p->http_status : 400, p->code, "%s", p->err.msg);
}
