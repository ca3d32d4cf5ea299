/*
 * The provisioning webhook (gateway.h: mnp_gw_prov_deliver) against a real HTTP receiver in this
 * process, built on the project's own server on 127.0.0.1 and an ephemeral port: it fails the
 * first N deliveries with 500 and then takes them, recording what came. The gateway runs on a
 * real SQLite store in a temporary directory and a manual clock, so the back-off is walked
 * through by moving time, never by sleeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/gateway.h"
#include "mnp/http.h"
#include "mnp/secret.h"
#include "test_support.h"

#define T0       1795600800000LL /* 2026-11-25T10:00:00Z */
#define KEY      "a webhook key of 32 bytes or more, for HMAC"
#define SEEN_MAX 16

/* What the receiver got, one entry per request. */
typedef struct seen {
    char body[512];
    char event_id[32];
    char signature[96];
    char content_type[64];
} seen_t;

typedef struct receiver {
    pthread_mutex_t mu;
    unsigned fail_first; /* answer 500 to this many requests first */
    unsigned n;
    seen_t seen[SEEN_MAX];
} receiver_t;

typedef struct fixture {
    test_fixture_t tf;
    receiver_t rx;
    mnp_http_router_t *router;
    mnp_http_server_t *server;
    char url[64];
    mnp_store_t *store;
    mnp_clock_t *clock;
    mnp_ch_client_t *ch;
    mnp_gw_t *gw;
} fixture_t;

static void copy_header(mnp_http_request_t *req, const char *name, char *to, size_t size)
{
    const char *v = mnp_http_request_header(req, name);
    snprintf(to, size, "%s", v != NULL ? v : "");
}

static void on_hook(mnp_http_request_t *req, void *ud)
{
    receiver_t *rx = ud;
    size_t len = 0;
    const char *body = mnp_http_request_body(req, &len);
    pthread_mutex_lock(&rx->mu);
    unsigned i = rx->n++;
    bool fail = i < rx->fail_first;
    if (i < SEEN_MAX) {
        seen_t *s = &rx->seen[i];
        snprintf(s->body, sizeof(s->body), "%.*s", (int)len, body);
        copy_header(req, "X-Mnp-Event-Id", s->event_id, sizeof(s->event_id));
        copy_header(req, "X-Mnp-Signature", s->signature, sizeof(s->signature));
        copy_header(req, "Content-Type", s->content_type, sizeof(s->content_type));
    }
    pthread_mutex_unlock(&rx->mu);
    if (fail)
        mnp_http_reply_problem(req, 500, "internal", "the receiver fails on purpose");
    else
        mnp_http_reply_json(req, 200, "{}", 2);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    test_dir_make(f->tf.dir);
    snprintf(f->tf.path, sizeof(f->tf.path), "%s/gw.db", f->tf.dir);
    pthread_mutex_init(&f->rx.mu, NULL);
    mnp_error_t err = {0};
    assert_int_equal(mnp_http_router_new(&f->router), 0);
    assert_int_equal(mnp_http_router_add(f->router, "POST", "/hook", "hook", on_hook, &f->rx), 0);
    mnp_http_config_t hcfg = {.bind_address = "127.0.0.1", .router = f->router};
    assert_int_equal(mnp_http_server_new(&hcfg, &f->server, &err), 0);
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u/hook",
             (unsigned)mnp_http_server_port(f->server));
    f->store = test_store_open(f->tf.path, true);
    assert_int_equal(mnp_clock_manual_new(T0, &f->clock), 0);
    /* deliver never calls the clearinghouse: an address nothing answers at will do. */
    mnp_ch_client_config_t ccfg = {.base_url = "http://127.0.0.1:1", .api_key = "test-key"};
    assert_int_equal(mnp_ch_client_new(&ccfg, &f->ch, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    mnp_gw_free(f->gw);
    mnp_ch_client_free(f->ch);
    mnp_store_close(f->store);
    mnp_clock_free(f->clock);
    assert_int_equal(mnp_http_server_stop(f->server, 1000), 0);
    mnp_http_server_free(f->server);
    mnp_http_router_free(f->router);
    pthread_mutex_destroy(&f->rx.mu);
    test_dir_remove(f->tf.dir);
    free(f);
    return 0;
}

/* f->gw for CMCC with webhook url (NULL: none) and key (NULL: unsigned). */
static void gateway(fixture_t *f, const char *url, const char *key)
{
    mnp_gw_config_t cfg = {.op = "CMCC",
                           .name = "中国移动",
                           .service_number = "10086",
                           .store = f->store,
                           .ch = f->ch,
                           .clock = f->clock,
                           .prov_webhook = url,
                           .prov_webhook_key = key};
    mnp_error_t err = {0};
    int rc = mnp_gw_new(&cfg, &f->gw, &err);
    if (rc != 0)
        fail_msg("mnp_gw_new: %s", err.msg);
}

static int add_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_gw_prov_add(txn, arg, err);
}

/* Queues an event of CMCC due at next_try_ms; its id. */
static int64_t queue(fixture_t *f, mnp_prov_kind_t kind, uint64_t number, int64_t order,
                     int64_t next_try_ms)
{
    mnp_gw_prov_t ev = {.kind = kind,
                        .number = number,
                        .order_id = order,
                        .created_ms = mnp_clock_now_ms(f->clock),
                        .next_try_ms = next_try_ms};
    snprintf(ev.op, sizeof(ev.op), "CMCC");
    mnp_error_t err = {0};
    test_store_run_ok(f->store, true, add_write, &ev, &err, "queueing an event");
    return ev.id;
}

typedef struct events {
    mnp_gw_prov_t ev[8];
    size_t n;
} events_t;

static int take(const mnp_gw_prov_t *ev, void *arg)
{
    events_t *e = arg;
    if (e->n < 8)
        e->ev[e->n++] = *ev;
    return 0;
}

static int read_events(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_gw_prov_pending(txn, "CMCC", 0, 8, 0, take, arg, err);
}

/* The undelivered events of CMCC, oldest first. */
static events_t pending(fixture_t *f)
{
    events_t e = {0};
    mnp_error_t err = {0};
    test_store_run_ok(f->store, false, read_events, &e, &err, "reading events");
    return e;
}

typedef struct round {
    size_t delivered, failed;
    int64_t next_due_ms;
} round_t;

static round_t deliver(fixture_t *f, unsigned max)
{
    round_t r = {9, 9, -1};
    mnp_error_t err = {0};
    int rc = mnp_gw_prov_deliver(f->gw, max, &r.delivered, &r.failed, &r.next_due_ms, &err);
    if (rc != 0)
        fail_msg("mnp_gw_prov_deliver: %s", err.msg);
    return r;
}

static unsigned received(fixture_t *f)
{
    pthread_mutex_lock(&f->rx.mu);
    unsigned n = f->rx.n;
    pthread_mutex_unlock(&f->rx.mu);
    return n;
}

static void advance(fixture_t *f, int64_t ms)
{
    assert_int_equal(mnp_clock_advance(f->clock, ms), 0);
}

static mnp_gw_figures_t figures(fixture_t *f)
{
    mnp_gw_figures_t fig;
    mnp_error_t err = {0};
    assert_int_equal(mnp_gw_figures(f->gw, &fig, &err), 0);
    return fig;
}

/* An event whose time has not come is not sent, and the call says when it will be. */
static void test_not_before_due(void **state)
{
    fixture_t *f = *state;
    gateway(f, f->url, KEY);
    queue(f, MNP_PROV_ACTIVATE, 8613007301234ull, 7, T0 + 1500);
    round_t r = deliver(f, 100);
    assert_int_equal(r.delivered, 0);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.next_due_ms, T0 + 1500);
    assert_int_equal(received(f), 0);
    advance(f, 1499);
    r = deliver(f, 100);
    assert_int_equal(r.delivered + r.failed, 0);
    advance(f, 1);
    r = deliver(f, 100);
    assert_int_equal(r.delivered, 1);
    assert_int_equal(r.next_due_ms, 0);
    assert_int_equal(received(f), 1);
    assert_int_equal(pending(f).n, 0);
}

/* Three 500s: each failure is counted and kept, the next try backs off 1 s, 2 s, 4 s, and the
 * later event waits behind the failing one; then both go, in order, and leave the backlog. */
static void test_backoff_in_order(void **state)
{
    fixture_t *f = *state;
    f->rx.fail_first = 3;
    gateway(f, f->url, KEY);
    int64_t first = queue(f, MNP_PROV_DEACTIVATE, 8613007301234ull, 7, T0);
    int64_t second = queue(f, MNP_PROV_ACTIVATE, 8613007301235ull, 8, T0);
    static const int64_t backoff[] = {1000, 2000, 4000};
    int64_t now = T0;
    for (unsigned i = 0; i < 3; i++) {
        round_t r = deliver(f, 100);
        assert_int_equal(r.failed, 1);
        assert_int_equal(r.delivered, 0);
        assert_int_equal(r.next_due_ms, now + backoff[i]);
        assert_int_equal(received(f), i + 1); /* the second event was not sent */
        events_t e = pending(f);
        assert_int_equal(e.n, 2);
        assert_int_equal(e.ev[0].id, first);
        assert_int_equal(e.ev[0].attempts, i + 1);
        assert_int_equal(e.ev[0].next_try_ms, now + backoff[i]);
        assert_string_equal(e.ev[0].last_error, "HTTP status 500");
        assert_int_equal(e.ev[1].attempts, 0);
        assert_int_equal(figures(f).prov_max_attempts, i + 1);
        /* Not again before its time, although the second event is due. */
        advance(f, backoff[i] - 1);
        r = deliver(f, 100);
        assert_int_equal(r.delivered + r.failed, 0);
        assert_int_equal(received(f), i + 1);
        advance(f, 1);
        now += backoff[i];
    }
    round_t r = deliver(f, 100);
    assert_int_equal(r.delivered, 2);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.next_due_ms, 0);
    assert_int_equal(received(f), 5);
    char id[32];
    for (unsigned i = 0; i < 4; i++) {
        snprintf(id, sizeof(id), "%lld", (long long)first);
        assert_string_equal(f->rx.seen[i].event_id, id);
    }
    snprintf(id, sizeof(id), "%lld", (long long)second);
    assert_string_equal(f->rx.seen[4].event_id, id);
    mnp_gw_figures_t fig = figures(f);
    assert_int_equal(fig.prov_pending, 0);
    assert_int_equal(fig.prov_max_attempts, 0);
    assert_int_equal(pending(f).n, 0);
}

/* The body is the event as JSON, named by X-Mnp-Event-Id and signed with HMAC-SHA256 of the
 * key over exactly the bytes sent. */
static void test_body_and_signature(void **state)
{
    fixture_t *f = *state;
    gateway(f, f->url, KEY);
    int64_t id = queue(f, MNP_PROV_RETURN, 8613007301234ull, 42, T0);
    round_t r = deliver(f, 100);
    assert_int_equal(r.delivered, 1);
    const seen_t *s = &f->rx.seen[0];
    char want[256];
    snprintf(want, sizeof(want),
             "{\"id\":%lld,\"operator\":\"CMCC\",\"kind\":\"return\",\"number\":\"8613007301234\","
             "\"order\":42,\"created_ms\":%lld}",
             (long long)id, (long long)T0);
    assert_string_equal(s->body, want);
    assert_string_equal(s->content_type, "application/json");
    snprintf(want, sizeof(want), "%lld", (long long)id);
    assert_string_equal(s->event_id, want);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)KEY, strlen(KEY));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)s->body, strlen(s->body));
    crypto_auth_hmacsha256_final(&st, mac);
    char hex[2 * sizeof(mac) + 1];
    assert_int_equal(mnp_hex_encode(mac, sizeof(mac), hex, sizeof(hex)), 0);
    snprintf(want, sizeof(want), "sha256=%s", hex);
    assert_string_equal(s->signature, want);
}

/* Without a key the body goes unsigned. */
static void test_unsigned(void **state)
{
    fixture_t *f = *state;
    gateway(f, f->url, NULL);
    queue(f, MNP_PROV_ACTIVATE, 8613007301234ull, 1, T0);
    assert_int_equal(deliver(f, 100).delivered, 1);
    assert_string_equal(f->rx.seen[0].signature, "");
    assert_string_not_equal(f->rx.seen[0].event_id, "");
}

/* max bounds a call; the rest is due at once. */
static void test_max(void **state)
{
    fixture_t *f = *state;
    gateway(f, f->url, KEY);
    for (unsigned i = 0; i < 3; i++)
        queue(f, MNP_PROV_ACTIVATE, 8613007301234ull + i, 1 + i, T0);
    round_t r = deliver(f, 2);
    assert_int_equal(r.delivered, 2);
    assert_int_equal(r.next_due_ms, T0);
    assert_int_equal(figures(f).prov_pending, 1);
    r = deliver(f, 2);
    assert_int_equal(r.delivered, 1);
    assert_int_equal(r.next_due_ms, 0);
}

/* Nobody listening: a failed attempt with the connection error, the event kept. */
static void test_closed_port(void **state)
{
    fixture_t *f = *state;
    gateway(f, "http://127.0.0.1:1/hook", KEY);
    queue(f, MNP_PROV_ACTIVATE, 8613007301234ull, 1, T0);
    round_t r = deliver(f, 100);
    assert_int_equal(r.failed, 1);
    assert_int_equal(r.delivered, 0);
    assert_int_equal(r.next_due_ms, T0 + 1000);
    events_t e = pending(f);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.ev[0].attempts, 1);
    if (strstr(e.ev[0].last_error, "onnect") == NULL)
        fail_msg("not a connection error: '%s'", e.ev[0].last_error);
    mnp_gw_figures_t fig = figures(f);
    assert_int_equal(fig.prov_pending, 1);
    assert_int_equal(fig.prov_max_attempts, 1);
}

/* Without a webhook the network reads the queue: deliver leaves everything as it is. */
static void test_no_webhook(void **state)
{
    fixture_t *f = *state;
    gateway(f, NULL, NULL);
    queue(f, MNP_PROV_ACTIVATE, 8613007301234ull, 1, T0);
    round_t r = deliver(f, 100);
    assert_int_equal(r.delivered + r.failed, 0);
    assert_int_equal(r.next_due_ms, 0);
    events_t e = pending(f);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.ev[0].attempts, 0);
    assert_int_equal(received(f), 0);
}

/* mnp_gw_new refuses a URL that is not http(s) and a key shorter than 32 bytes. */
static void test_config_refused(void **state)
{
    fixture_t *f = *state;
    static const char *const bad[] = {"ftp://127.0.0.1/hook", "127.0.0.1:80", "http://",
                                      "http://host/a b", "file:///etc/passwd"};
    mnp_gw_config_t cfg = {
        .op = "CMCC", .service_number = "10086", .store = f->store, .ch = f->ch, .clock = f->clock};
    mnp_error_t err = {0};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg.prov_webhook = bad[i];
        assert_int_equal(mnp_gw_new(&cfg, &f->gw, &err), MNP_EINVAL);
        assert_null(f->gw);
        assert_non_null(strstr(err.msg, "http://"));
    }
    cfg.prov_webhook = "https://prov.example/hook";
    cfg.prov_webhook_key = "0123456789abcdef0123456789abcde"; /* 31 bytes */
    assert_int_equal(mnp_gw_new(&cfg, &f->gw, &err), MNP_EINVAL);
    assert_non_null(strstr(err.msg, "at least 32"));
    cfg.prov_webhook_key = "0123456789abcdef0123456789abcdef";
    assert_int_equal(mnp_gw_new(&cfg, &f->gw, &err), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_not_before_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backoff_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_and_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_webhook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
