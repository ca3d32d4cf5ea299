/*
 * Tests for the batched UDP server engine over real loopback sockets on ephemeral ports: an echo
 * handler answers every datagram of several clients with 1, 2 and 4 workers; a burst of 4,096
 * queries in flight is not lost; a handler that drops every other request; more than a batch
 * pending at once; oversize datagrams; stopping while clients send; the per-worker init/fini
 * and thread names; the counters adding up; and start failing clearly on a taken port or a bad
 * configuration. Waits are polls with timeouts and joins, never sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "mnp/udp_server.h"

#define WAIT_MS      5000 /* a reply that takes longer than this is lost */
#define MARKER       0xffffffffu
#define MAX_CLIENTS  16
#define GATE_PAYLOAD "gate"

/* ---- clients ---------------------------------------------------------------------------- */

/* A client socket connected to the server, with a receive buffer for a whole burst. */
static int client_open(int family, uint16_t port)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int bytes = 8 * 1024 * 1024;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0)
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)), 0);
    mnp_udp_addr_t a;
    memset(&a, 0, sizeof(a));
    socklen_t len;
    if (family == AF_INET6) {
        a.v6.sin6_family = AF_INET6;
        a.v6.sin6_addr = in6addr_loopback;
        a.v6.sin6_port = htons(port);
        len = sizeof(a.v6);
    } else {
        a.v4.sin_family = AF_INET;
        a.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.v4.sin_port = htons(port);
        len = sizeof(a.v4);
    }
    assert_int_equal(connect(fd, &a.sa, len), 0);
    return fd;
}

/* Sends the 8-byte request (client, seq). */
static void client_send(int fd, uint32_t client, uint32_t seq)
{
    uint32_t msg[2] = {htonl(client), htonl(seq)};
    assert_int_equal(send(fd, msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
}

/* Receives one datagram within WAIT_MS; its length, or -1 on timeout. */
static ssize_t recv_wait(int fd, void *buf, size_t cap)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, WAIT_MS) != 1)
        return -1;
    return recv(fd, buf, cap, 0);
}

/* Receives one (client, seq) reply; false on timeout. */
static bool client_recv(int fd, uint32_t *client, uint32_t *seq)
{
    uint32_t msg[4];
    if (recv_wait(fd, msg, sizeof(msg)) != (ssize_t)(2 * sizeof(uint32_t)))
        return false;
    *client = ntohl(msg[0]);
    *seq = ntohl(msg[1]);
    return true;
}

/* ---- handlers --------------------------------------------------------------------------- */

/* What the tests' handlers share: per-worker slots reached through worker_arg. */
typedef struct slot {
    struct test_ctx *ctx;
    uint64_t packets; /* written by its worker only, read after stop */
} slot_t;

typedef struct test_ctx {
    slot_t slot[MNP_UDP_MAX_WORKERS];
    atomic_uint inits, finis, bad_names;
    atomic_uint fini_mask_lo; /* bit i: fini ran for worker i (i < 32) */
    unsigned fail_worker;     /* init fails for this one when fail_rc != 0 */
    int fail_rc;
    bool drop_odd;                /* answer only even sequence numbers (and the marker) */
    int entered_fd, release_fd;   /* the gate: eventfds, -1 when unused */
    atomic_bool gated;            /* the gate closed once */
    atomic_uint max_batch, calls; /* largest n handed over, handler calls */
} test_ctx_t;

static void ctx_init(test_ctx_t *c)
{
    memset(c, 0, sizeof(*c));
    c->entered_fd = -1;
    c->release_fd = -1;
}

static int ctx_worker_init(void *ctx, unsigned worker, void **worker_arg)
{
    test_ctx_t *c = ctx;
    char name[16] = "", want[16];
    pthread_getname_np(pthread_self(), name, sizeof(name));
    snprintf(want, sizeof(want), "mnp-udp-%u", worker);
    if (strcmp(name, want) != 0)
        atomic_fetch_add(&c->bad_names, 1);
    atomic_fetch_add(&c->inits, 1);
    if (c->fail_rc != 0 && worker == c->fail_worker)
        return c->fail_rc;
    c->slot[worker].ctx = c;
    *worker_arg = &c->slot[worker];
    return 0;
}

static void ctx_worker_fini(void *ctx, unsigned worker, void *worker_arg)
{
    test_ctx_t *c = ctx;
    if (worker_arg == &c->slot[worker]) {
        atomic_fetch_add(&c->finis, 1);
        if (worker < 32)
            atomic_fetch_or(&c->fini_mask_lo, 1u << worker);
    }
}

/* Holds the first batch that carries GATE_PAYLOAD until the test releases it (bounded). */
static void gate(test_ctx_t *c, const mnp_udp_packet_t *p)
{
    if (c->entered_fd < 0 || p->len != strlen(GATE_PAYLOAD) ||
        memcmp(p->data, GATE_PAYLOAD, p->len) != 0 || atomic_exchange(&c->gated, true))
        return;
    uint64_t one = 1; /* no cmocka assert off the test's thread: a failure shows as a timeout */
    if (write(c->entered_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
        return;
    struct pollfd pfd = {.fd = c->release_fd, .events = POLLIN};
    (void)poll(&pfd, 1, WAIT_MS);
}

/* Echoes every request (or, with drop_odd, every even sequence number and the marker). */
static size_t echo_handle(void *worker_arg, const mnp_udp_packet_t *in, size_t n,
                          mnp_udp_packet_t *out)
{
    slot_t *s = worker_arg;
    test_ctx_t *c = s->ctx;
    unsigned seen = atomic_load(&c->max_batch);
    while (n > seen && !atomic_compare_exchange_weak(&c->max_batch, &seen, (unsigned)n))
        ;
    atomic_fetch_add(&c->calls, 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        s->packets++;
        gate(c, &in[i]);
        if (c->drop_odd && in[i].len == 8) {
            uint32_t seq;
            memcpy(&seq, in[i].data + 4, sizeof(seq));
            seq = ntohl(seq);
            if (seq != MARKER && seq % 2 == 1)
                continue;
        }
        size_t len = in[i].len < out[k].cap ? in[i].len : out[k].cap;
        memcpy(out[k].data, in[i].data, len);
        out[k].len = len;
        out[k].peer = in[i].peer;
        out[k].peer_len = in[i].peer_len;
        k++;
    }
    return k;
}

/* ---- server helpers --------------------------------------------------------------------- */

static mnp_udp_server_t *start_echo(test_ctx_t *c, unsigned workers, const char *address)
{
    mnp_udp_config_t cfg = {.address = address,
                            .workers = workers,
                            .handle = echo_handle,
                            .init = ctx_worker_init,
                            .fini = ctx_worker_fini,
                            .ctx = c};
    mnp_udp_server_t *srv = NULL;
    mnp_error_t err;
    int rc = mnp_udp_server_start(&cfg, &srv, &err);
    if (rc != 0)
        fail_msg("start: %s", err.msg);
    assert_non_null(srv);
    assert_int_not_equal(mnp_udp_server_port(srv), 0);
    assert_int_equal(mnp_udp_server_workers(srv), workers);
    return srv;
}

/* Checks, after stop, that the counters add up per worker and in total, and that the handler's
 * own per-worker tallies match what the engine counted. Returns the total. */
static mnp_udp_stats_t check_counters(const mnp_udp_server_t *srv, const test_ctx_t *c)
{
    mnp_udp_stats_t total, sum, w;
    memset(&sum, 0, sizeof(sum));
    for (unsigned i = 0; i < mnp_udp_server_workers(srv); i++) {
        assert_int_equal(mnp_udp_server_stats(srv, i, &w), 0);
        assert_int_equal(w.received, w.answered + w.dropped + w.send_errors);
        assert_true(w.batches <= w.received);
        assert_int_equal(w.received - w.oversize, c->slot[i].packets);
        sum.received += w.received;
        sum.answered += w.answered;
        sum.dropped += w.dropped;
        sum.batches += w.batches;
    }
    assert_int_equal(mnp_udp_server_stats(srv, mnp_udp_server_workers(srv), &w), MNP_ERANGE);
    mnp_udp_server_stats_total(srv, &total);
    assert_int_equal(total.received, sum.received);
    assert_int_equal(total.answered, sum.answered);
    assert_int_equal(total.dropped, sum.dropped);
    assert_int_equal(total.batches, sum.batches);
    assert_int_equal(total.recv_errors, 0);
    return total;
}

/* `clients` sockets each send `per_client` requests, then every reply is collected and checked
 * (right client, each sequence number once). Returns the number of workers that served. */
static unsigned echo_round(unsigned workers, unsigned clients, uint32_t per_client)
{
    test_ctx_t c;
    ctx_init(&c);
    mnp_udp_server_t *srv = start_echo(&c, workers, NULL);
    assert_int_equal(atomic_load(&c.inits), workers);
    assert_int_equal(atomic_load(&c.bad_names), 0);

    int fd[MAX_CLIENTS];
    for (unsigned i = 0; i < clients; i++)
        fd[i] = client_open(AF_INET, mnp_udp_server_port(srv));
    for (uint32_t s = 0; s < per_client; s++)
        for (unsigned i = 0; i < clients; i++)
            client_send(fd[i], i, s);

    uint8_t *seen = calloc(per_client, 1);
    assert_non_null(seen);
    for (unsigned i = 0; i < clients; i++) {
        memset(seen, 0, per_client);
        for (uint32_t got = 0; got < per_client; got++) {
            uint32_t client = 0, seq = 0;
            assert_true(client_recv(fd[i], &client, &seq));
            assert_int_equal(client, i);
            assert_true(seq < per_client);
            assert_int_equal(seen[seq], 0);
            seen[seq] = 1;
        }
        close(fd[i]);
    }
    free(seen);

    mnp_udp_server_stop(srv);
    assert_int_equal(atomic_load(&c.finis), workers);
    mnp_udp_stats_t t = check_counters(srv, &c);
    assert_int_equal(t.received, (uint64_t)clients * per_client);
    assert_int_equal(t.answered, t.received);
    assert_int_equal(t.dropped, 0);
    unsigned served = 0;
    for (unsigned i = 0; i < workers; i++)
        served += c.slot[i].packets > 0;
    mnp_udp_server_free(srv);
    return served;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_echo_one_worker(void **state)
{
    (void)state;
    assert_int_equal(echo_round(1, 3, 1000), 1);
}

static void test_echo_two_workers(void **state)
{
    (void)state;
    assert_true(echo_round(2, 3, 1000) >= 1);
}

static void test_echo_four_workers(void **state)
{
    (void)state;
    assert_true(echo_round(4, 3, 1000) >= 1);
    /* Sixteen clients land on one worker of four with probability 4^-15: the port is shared. */
    assert_true(echo_round(4, 16, 50) >= 2);
}

static void test_burst_4096_in_flight(void **state)
{
    (void)state;
    assert_int_equal(echo_round(1, 1, 4096), 1);
}

static void test_drop_every_other(void **state)
{
    (void)state;
    test_ctx_t c;
    ctx_init(&c);
    c.drop_odd = true;
    mnp_udp_server_t *srv = start_echo(&c, 1, NULL);
    int fd = client_open(AF_INET, mnp_udp_server_port(srv));
    const uint32_t n = 200;
    for (uint32_t s = 0; s < n; s++)
        client_send(fd, 0, s);
    client_send(fd, 0, MARKER);
    /* One socket pair, one worker: replies arrive in order, so the marker comes last. */
    uint32_t replies = 0, client = 0, seq = 0;
    for (;;) {
        assert_true(client_recv(fd, &client, &seq));
        if (seq == MARKER)
            break;
        assert_int_equal(seq % 2, 0);
        assert_int_equal(seq, 2 * replies);
        replies++;
    }
    assert_int_equal(replies, n / 2);
    close(fd);
    mnp_udp_server_stop(srv);
    mnp_udp_stats_t t = check_counters(srv, &c);
    assert_int_equal(t.received, n + 1);
    assert_int_equal(t.answered, n / 2 + 1);
    assert_int_equal(t.dropped, n / 2);
    assert_int_equal(t.send_errors, 0);
    mnp_udp_server_free(srv);
}

static void test_more_than_a_batch_pending(void **state)
{
    (void)state;
    test_ctx_t c;
    ctx_init(&c);
    c.entered_fd = eventfd(0, EFD_CLOEXEC);
    c.release_fd = eventfd(0, EFD_CLOEXEC);
    assert_true(c.entered_fd >= 0 && c.release_fd >= 0);
    mnp_udp_server_t *srv = start_echo(&c, 1, NULL);
    int fd = client_open(AF_INET, mnp_udp_server_port(srv));

    /* Hold the worker in its handler while 300 requests queue up behind it. */
    assert_int_equal(send(fd, GATE_PAYLOAD, strlen(GATE_PAYLOAD), 0), strlen(GATE_PAYLOAD));
    struct pollfd p = {.fd = c.entered_fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    const uint32_t n = 300;
    for (uint32_t s = 0; s < n; s++)
        client_send(fd, 0, s);
    uint64_t one = 1;
    assert_int_equal(write(c.release_fd, &one, sizeof(one)), (ssize_t)sizeof(one));

    char gate_reply[16];
    assert_int_equal(recv_wait(fd, gate_reply, sizeof(gate_reply)), strlen(GATE_PAYLOAD));
    for (uint32_t s = 0; s < n; s++) {
        uint32_t client = 0, seq = 0;
        assert_true(client_recv(fd, &client, &seq));
        assert_int_equal(seq, s);
    }
    close(fd);
    mnp_udp_server_stop(srv);
    mnp_udp_stats_t t = check_counters(srv, &c);
    assert_int_equal(t.received, n + 1);
    assert_int_equal(t.answered, n + 1);
    /* Full batches of 64, never more: 300 pending take at least 5 calls after the gate's. */
    assert_int_equal(atomic_load(&c.max_batch), MNP_UDP_MAX_BATCH);
    assert_true(t.batches >= 1 + (n + MNP_UDP_MAX_BATCH - 1) / MNP_UDP_MAX_BATCH);
    assert_int_equal(t.batches, atomic_load(&c.calls));
    mnp_udp_server_free(srv);
    close(c.entered_fd);
    close(c.release_fd);
}

static void test_oversize_dropped(void **state)
{
    (void)state;
    test_ctx_t c;
    ctx_init(&c);
    mnp_udp_config_t cfg = {.request_max_bytes = 64,
                            .reply_max_bytes = 64,
                            .batch = 8,
                            .handle = echo_handle,
                            .init = ctx_worker_init,
                            .ctx = &c};
    mnp_udp_server_t *srv = NULL;
    assert_int_equal(mnp_udp_server_start(&cfg, &srv, NULL), 0);
    int fd = client_open(AF_INET, mnp_udp_server_port(srv));
    uint8_t big[100];
    memset(big, 'x', sizeof(big));
    assert_int_equal(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
    client_send(fd, 0, 7);
    uint32_t client = 0, seq = 0;
    assert_true(client_recv(fd, &client, &seq)); /* the small one, not half of the big one */
    assert_int_equal(seq, 7);
    close(fd);
    mnp_udp_server_stop(srv);
    mnp_udp_stats_t t = check_counters(srv, &c);
    assert_int_equal(t.received, 2);
    assert_int_equal(t.oversize, 1);
    assert_int_equal(t.dropped, 1);
    assert_int_equal(t.answered, 1);
    mnp_udp_server_free(srv);
}

typedef struct blaster {
    uint16_t port;
    atomic_bool quit;
    uint64_t sent;
} blaster_t;

/* Sends from three sockets until told to quit (bounded), ignoring errors once the server is
 * gone. */
static void *blast(void *arg)
{
    blaster_t *b = arg;
    int fd[3];
    for (unsigned i = 0; i < 3; i++)
        fd[i] = client_open(AF_INET, b->port);
    uint32_t msg[2] = {0, 0};
    for (uint32_t s = 0; s < 20000000 && !atomic_load(&b->quit); s++) {
        msg[1] = htonl(s);
        if (send(fd[s % 3], msg, sizeof(msg), MSG_DONTWAIT) == (ssize_t)sizeof(msg))
            b->sent++;
    }
    for (unsigned i = 0; i < 3; i++)
        close(fd[i]);
    return NULL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_stop_while_clients_send(void **state)
{
    (void)state;
    test_ctx_t c;
    ctx_init(&c);
    mnp_udp_server_t *srv = start_echo(&c, 2, NULL);
    blaster_t b = {.port = mnp_udp_server_port(srv)};
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, blast, &b), 0);

    /* Wait until the server is demonstrably busy: a probe of our own gets its answer. */
    int probe = client_open(AF_INET, mnp_udp_server_port(srv));
    client_send(probe, 9, 9);
    uint32_t client = 0, seq = 0;
    assert_true(client_recv(probe, &client, &seq));
    assert_int_equal(client, 9);

    double t0 = now_ms();
    mnp_udp_server_stop(srv);
    double t1 = now_ms();
    mnp_udp_server_stop(srv); /* idempotent */
    double t2 = now_ms();
    assert_true(t1 - t0 < 100.0);
    assert_true(t2 - t1 < 10.0);
    assert_int_equal(atomic_load(&c.finis), 2);

    atomic_store(&b.quit, true);
    assert_int_equal(pthread_join(tid, NULL), 0);
    close(probe);
    mnp_udp_stats_t t = check_counters(srv, &c);
    assert_true(t.received >= 1);
    assert_true(t.received <= b.sent + 1);
    mnp_udp_server_free(srv);
}

static void test_init_failure_stops_everything(void **state)
{
    (void)state;
    test_ctx_t c;
    ctx_init(&c);
    c.fail_worker = 2;
    c.fail_rc = MNP_ENOMEM;
    mnp_udp_config_t cfg = {.workers = 4,
                            .handle = echo_handle,
                            .init = ctx_worker_init,
                            .fini = ctx_worker_fini,
                            .ctx = &c};
    mnp_udp_server_t *srv = (mnp_udp_server_t *)&c; /* start must reset it */
    mnp_error_t err;
    assert_int_equal(mnp_udp_server_start(&cfg, &srv, &err), MNP_ENOMEM);
    assert_null(srv);
    assert_int_equal(err.code, MNP_ENOMEM);
    assert_int_equal(atomic_load(&c.inits), 4);
    assert_int_equal(atomic_load(&c.finis), 3);
    assert_int_equal(atomic_load(&c.fini_mask_lo), 0xbu); /* workers 0, 1 and 3 */
}

static void test_taken_port(void **state)
{
    (void)state;
    /* A socket bound without SO_REUSEPORT owns its port alone. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);

    test_ctx_t c;
    ctx_init(&c);
    mnp_udp_config_t cfg = {.port = ntohs(a.sin_port), .workers = 2, .handle = echo_handle};
    mnp_udp_server_t *srv = NULL;
    mnp_error_t err;
    assert_int_equal(mnp_udp_server_start(&cfg, &srv, &err), MNP_EBUSY);
    assert_null(srv);
    assert_non_null(strstr(err.msg, "SO_REUSEPORT"));
    char port[16];
    snprintf(port, sizeof(port), "%u", (unsigned)ntohs(a.sin_port));
    assert_non_null(strstr(err.msg, port));
    close(fd);
}

static void test_bad_config(void **state)
{
    (void)state;
    mnp_udp_server_t *srv = NULL;
    mnp_error_t err;
    mnp_udp_config_t cfg = {.handle = NULL};
    assert_int_equal(mnp_udp_server_start(&cfg, &srv, &err), MNP_EINVAL);
    cfg.handle = echo_handle;
    cfg.workers = MNP_UDP_MAX_WORKERS + 1;
    assert_int_equal(mnp_udp_server_start(&cfg, &srv, &err), MNP_EINVAL);
    cfg.workers = 1;
    cfg.batch = MNP_UDP_MAX_BATCH + 1;
    assert_int_equal(mnp_udp_server_start(&cfg, &srv, &err), MNP_EINVAL);
    cfg.batch = 0;
    cfg.address = "localhost";
    assert_int_equal(mnp_udp_server_start(&cfg, &srv, &err), MNP_EINVAL);
    assert_non_null(strstr(err.msg, "localhost"));
    cfg.address = "192.0.2.1"; /* TEST-NET: not an address of this machine */
    assert_int_equal(mnp_udp_server_start(&cfg, &srv, &err), MNP_EINVAL);
    assert_null(srv);
    mnp_udp_server_free(NULL);
}

static void test_buffers_granted(void **state)
{
    (void)state;
    mnp_udp_config_t cfg = {.workers = 2,
                            .rcvbuf_bytes = 256 * 1024,
                            .sndbuf_bytes = 256 * 1024,
                            .handle = echo_handle};
    mnp_udp_server_t *srv = NULL;
    assert_int_equal(mnp_udp_server_start(&cfg, &srv, NULL), 0);
    assert_true(mnp_udp_server_rcvbuf_bytes(srv) >= 256 * 1024);
    assert_true(mnp_udp_server_sndbuf_bytes(srv) >= 256 * 1024);
    mnp_udp_server_free(srv);
}

static void test_ipv6(void **state)
{
    (void)state;
    test_ctx_t c;
    ctx_init(&c);
    mnp_udp_config_t cfg = {
        .address = "::1", .workers = 2, .handle = echo_handle, .init = ctx_worker_init, .ctx = &c};
    mnp_udp_server_t *srv = NULL;
    mnp_error_t err;
    int rc = mnp_udp_server_start(&cfg, &srv, &err);
    if (rc == MNP_EINVAL) {
        skip(); /* no IPv6 loopback here */
        return;
    }
    assert_int_equal(rc, 0);
    int fd = client_open(AF_INET6, mnp_udp_server_port(srv));
    client_send(fd, 6, 66);
    uint32_t client = 0, seq = 0;
    assert_true(client_recv(fd, &client, &seq));
    assert_int_equal(client, 6);
    assert_int_equal(seq, 66);
    close(fd);
    mnp_udp_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_one_worker),
        cmocka_unit_test(test_echo_two_workers),
        cmocka_unit_test(test_echo_four_workers),
        cmocka_unit_test(test_burst_4096_in_flight),
        cmocka_unit_test(test_drop_every_other),
        cmocka_unit_test(test_more_than_a_batch_pending),
        cmocka_unit_test(test_oversize_dropped),
        cmocka_unit_test(test_stop_while_clients_send),
        cmocka_unit_test(test_init_failure_stops_everything),
        cmocka_unit_test(test_taken_port),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_buffers_granted),
        cmocka_unit_test(test_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
