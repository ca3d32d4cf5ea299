/*
 * GET /v1/events: the change feed (SPEC.md §6) for operators and lookup replicas, in the two
 * forms a consumer can follow it. A plain request is a long poll answered with one JSON page;
 * a request that accepts text/event-stream gets server-sent events: every feed event as
 *
 *   id: SEQ
 *   event: npdb | order
 *   data: {"seq":SEQ,"at_ms":T,"kind":"npdb","event":{...}}
 *
 * and a ": heartbeat" comment whenever nothing happened for `heartbeat` seconds, so that a
 * consumer (and any proxy between) can tell a quiet feed from a dead connection. A reconnecting
 * EventSource sends Last-Event-ID, which resumes after that event. The stream holds its
 * connection's thread while it waits (mnpd runs one thread per connection by default) and ends
 * when the server stops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ch_apiInt.h"

#define EVENTS_LIMIT_MAX  1000
#define EVENTS_WAIT_MAX_S 30
#define EVENTS_BODY_MAX   (8u * 1024 * 1024)
#define HEARTBEAT_DEFAULT 15
#define HEARTBEAT_MAX     60

typedef struct sse {
    mnp_ch_api_t *api;
    char reader[MNP_FEED_CONSUMER_MAX]; /* "" for the regulator (everything) */
    uint64_t after;
    unsigned limit;
    int64_t heartbeat_ms;
    bool cancel;   /* set under the feed's lock by mnp_ch_events_cancel */
    bool failed;   /* the feed could not be read: the stream ends after saying so */
    mnp_buf_t out; /* what the next reads hand out, from pos */
    size_t pos;
} sse_t;

/* Appends one page of the feed to s->out as events, or a heartbeat when there was none. */
static void sse_fill(sse_t *s)
{
    mnp_buf_t page;
    mnp_error_t err = {0};
    uint64_t next = s->after;
    mnp_buf_init(&page, EVENTS_BODY_MAX);
    int rc = mnp_ch_events(s->api->ch, s->reader[0] ? s->reader : NULL, s->after, s->limit,
                           s->heartbeat_ms, &s->cancel, &page, &next, &err);
    json_t *events = rc == 0 ? json_loadb(page.data, page.len, 0, NULL) : NULL;
    mnp_buf_fini(&page);
    if (!json_is_array(events)) {
        mnp_buf_printf(&s->out, "event: error\ndata: %s\n\n",
                       err.msg[0] ? err.msg : "the feed cannot be read now");
        s->failed = true;
        json_decref(events);
        return;
    }
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        char *data = json_dumps(ev, JSON_COMPACT);
        mnp_buf_printf(&s->out, "id: %lld\nevent: %s\ndata: %s\n\n",
                       (long long)json_integer_value(json_object_get(ev, "seq")),
                       json_string_value(json_object_get(ev, "kind")), data ? data : "{}");
        free(data);
    }
    if (json_array_size(events) == 0)
        mnp_buf_puts(&s->out, ": heartbeat\n\n");
    json_decref(events);
    s->after = next;
}

static ssize_t sse_read(void *ud, char *buf, size_t max)
{
    sse_t *s = ud;
    if (s->pos == s->out.len) {
        if (s->cancel || s->failed)
            return MNP_HTTP_STREAM_END;
        mnp_buf_reset(&s->out);
        s->pos = 0;
        sse_fill(s);
        if (mnp_buf_error(&s->out) != 0)
            return MNP_HTTP_STREAM_ERROR;
    }
    size_t n = s->out.len - s->pos < max ? s->out.len - s->pos : max;
    memcpy(buf, s->out.data + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

static void sse_cancel(void *ud)
{
    sse_t *s = ud;
    mnp_ch_events_cancel(s->api->ch, &s->cancel);
}

static void sse_free(void *ud)
{
    sse_t *s = ud;
    mnp_buf_fini(&s->out);
    free(s);
}

static bool wants_stream(mnp_http_request_t *req)
{
    const char *accept = mnp_http_request_header(req, "Accept");
    return accept != NULL && strstr(accept, "text/event-stream") != NULL;
}

static void stream_events(mnp_http_request_t *req, mnp_ch_api_t *api, const caller_t *c,
                          uint64_t after, uint64_t limit)
{
    uint64_t heartbeat_s;
    if (!ch_api_query_u64(req, "heartbeat", HEARTBEAT_DEFAULT, HEARTBEAT_MAX, &heartbeat_s))
        return;
    const char *last = mnp_http_request_header(req, "Last-Event-ID");
    if (last != NULL) {
        char *end;
        unsigned long long v = strtoull(last, &end, 10);
        if (last[0] < '0' || last[0] > '9' || *end != '\0') {
            mnp_http_reply_problem(req, 400, "bad_query",
                                   "Last-Event-ID must be the id of an event (a sequence number)");
            return;
        }
        after = v;
    }
    sse_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        mnp_http_reply_problem(req, 503, "unavailable", "out of memory");
        return;
    }
    s->api = api;
    snprintf(s->reader, sizeof(s->reader), "%s", c->consumer);
    s->after = after;
    s->limit = (unsigned)limit;
    s->heartbeat_ms = (int64_t)(heartbeat_s ? heartbeat_s : 1) * 1000;
    mnp_buf_init(&s->out, EVENTS_BODY_MAX);
    /* A first comment sends the headers at once, so the consumer knows it is connected. */
    mnp_buf_printf(&s->out, ": the change feed after %llu\n\n", (unsigned long long)after);
    mnp_http_add_header(req, "Cache-Control", "no-store");
    mnp_http_reply_stream(req, 200, "text/event-stream",
                          &(mnp_http_stream_t){sse_read, sse_cancel, sse_free, s});
}

void ch_api_events(mnp_http_request_t *req, void *ud)
{
    mnp_ch_api_t *api = ud;
    caller_t c;
    uint64_t after, limit, wait_s, next = 0;
    if (!ch_api_authenticate(req, api, &c) ||
        !ch_api_query_u64(req, "after", 0, UINT64_MAX, &after) ||
        !ch_api_query_u64(req, "limit", 100, EVENTS_LIMIT_MAX, &limit))
        return;
    if (limit == 0)
        limit = 1;
    if (wants_stream(req)) {
        stream_events(req, api, &c, after, limit);
        return;
    }
    if (!ch_api_query_u64(req, "wait", 0, EVENTS_WAIT_MAX_S, &wait_s))
        return;
    mnp_buf_t b;
    mnp_error_t err = {0};
    mnp_buf_init(&b, EVENTS_BODY_MAX);
    mnp_buf_puts(&b, "{\"events\":");
    int rc = mnp_ch_events(api->ch, c.consumer[0] ? c.consumer : NULL, after, (unsigned)limit,
                           (int64_t)wait_s * 1000, NULL, &b, &next, &err);
    mnp_buf_printf(&b, ",\"next_after\":%llu}", (unsigned long long)next);
    if (rc != 0 || mnp_buf_error(&b) != 0)
        mnp_http_reply_problem(req, 503, "unavailable", "%s", err.msg[0] ? err.msg : "feed");
    else
        mnp_http_reply_json(req, 200, b.data, b.len);
    mnp_buf_fini(&b);
}
