/*
 * The clearinghouse's crash safety (SPEC.md §5: "every state change is one durable transaction
 * and one audit record; nothing acknowledged to a caller is ever lost"). Real mnpd processes on
 * one store, with the test clock: eight client threads play donors and recipients (codes,
 * submissions, answers, objections, cancels, returns, reading their orders), a clock thread
 * acknowledges every operator's feed and moves time so that orders cut over and become ACTIVE,
 * and the test kills mnpd with SIGKILL at a random moment of each round, while requests are in
 * flight, then starts it again on the same store. A request whose connection broke has an
 * unknown outcome; one that got a 2xx answer is recorded. At the end mnpd stops with SIGTERM and
 * the store must hold every acknowledged request, keep its invariants (ch_check.h: no order in
 * two states, paths of the state machine, one open order per number, NPDB = replay of the audit
 * log, an intact chain), and the run must have exercised what it claims. The seed is printed;
 * MNP_TEST_CRASH_SEED replays its choices (thread timing aside); MNP_TEST_CRASH_KEEP keeps the
 * store and mnpd's log of a passing run too (a failing one always leaves them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ch_acked.h"
#include "ch_check.h"
#include "ch_fixture.h"
#include "http_client.h"
#include "mnp/idcard.h"
#include "mnp/numplan.h"
#include "test_support.h"

#if defined(__SANITIZE_ADDRESS__)
#define CRASH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRASH_SANITIZED 1
#endif
#endif

/* Under the sanitizers: fewer kills and shorter rounds, the same paths at a fraction of the cost.
 */
#ifdef CRASH_SANITIZED
#define KILLS     12
#define ROUND_MIN 100
#define ROUND_MAX 400
#else
#define KILLS     20
#define ROUND_MIN 150
#define ROUND_MAX 600
#endif

#define CLIENTS         8
#define SLOTS           4     /* numbers one client works on at a time */
#define SHARED          6     /* numbers every client may try, for C04 contention */
#define CLOCK_EVERY     24    /* client requests between two moves of the clock */
#define KILL_JITTER_US  3000  /* the kill lands up to this long after its request count */
#define HTTP_TIMEOUT_MS 30000 /* a daemon that is up answers well within this */
#define WAIT_MS         60000 /* bound on any wait for the daemon or another thread */
#define CLOCK_START     INT64_C(1795600800000) /* 2026-11-25T10:00:00Z */
#define MIN_SUBMITS     40                     /* acknowledged submissions the run must reach */
#define BLOCKS_MAX      256
#define DEMO_BLOCKS     MNP_SOURCE_DIR "/data/blocks-demo.csv"

/* ---- the harness -------------------------------------------------------------------------- */

typedef struct harness {
    test_ch_fixture_t fx; /* the store, mnpd's configuration and log, the operators' keys */
    uint32_t blocks[BLOCKS_MAX];
    mnp_operator_t holders[BLOCKS_MAX];
    size_t nblocks;
    uint64_t seed;
    test_daemon_t daemon; /* the main thread's */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Under mu. */
    uint16_t port;
    bool up;      /* clients may send; false from just before a kill to the restart */
    unsigned gen; /* daemons started */
    uint64_t round_requests, kill_at, client_requests, clock_next;
    int64_t clock_ms; /* the latest instant the test clock was asked to show */
    uint64_t requests, unknown, unexpected;
    char unexpected_what[512];
    atomic_bool stop;
    atomic_int inflight;

    /* The clock thread's (and after it, the main thread's). */
    test_acklog_t feed_log;
    uint64_t feed_after[MNP_OP_COUNT];
} harness_t;

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static unsigned rng_below(uint64_t *s, unsigned n)
{
    return (unsigned)(rng_next(s) % n);
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

/* Records something that must not happen (under mu). */
static void unexpected_locked(harness_t *h, const char *fmt, ...) MNP_PRINTF(2, 3);
static void unexpected_locked(harness_t *h, const char *fmt, ...)
{
    if (h->unexpected++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(h->unexpected_what, sizeof(h->unexpected_what), fmt, ap);
        va_end(ap);
    }
}

/* Waits on the harness (under mu) until the deadline; false, recorded, when it passed. */
static bool wait_locked(harness_t *h, const struct timespec *deadline, const char *what)
{
    if (pthread_cond_timedwait(&h->cv, &h->mu, deadline) == 0)
        return true;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec < deadline->tv_sec ||
        (now.tv_sec == deadline->tv_sec && now.tv_nsec < deadline->tv_nsec))
        return true;
    unexpected_locked(h, "waited %d ms for %s", WAIT_MS, what);
    return false;
}

/* One request on whichever daemon runs now, with op's key (MNP_OP_NONE: none). Returns the
 * status of a complete answer, with its JSON body in *json when json is not NULL (the caller
 * frees it), or 0 when the outcome is unknown (the daemon was killed; this returns after the
 * restart) or, for a client, the run is stopping. */
static int call(harness_t *h, bool client, const char *method, const char *path, mnp_operator_t op,
                const char *body, json_t **json)
{
    struct timespec deadline;
    deadline_in(&deadline, WAIT_MS);
    pthread_mutex_lock(&h->mu);
    /* Clients wait for the daemon, and for the clock once they are CLOCK_EVERY requests ahead
     * of it, so that time moves with the traffic however slow the clock's own requests are. */
    while ((!h->up || (client && h->client_requests >= h->clock_next)) && !atomic_load(&h->stop))
        if (!wait_locked(h, &deadline, h->up ? "the clock" : "the daemon to come back"))
            break;
    if (!h->up || (client && atomic_load(&h->stop))) {
        pthread_mutex_unlock(&h->mu);
        return 0;
    }
    uint16_t port = h->port;
    unsigned gen = h->gen;
    h->requests++;
    if (++h->round_requests == h->kill_at)
        pthread_cond_broadcast(&h->cv);
    if (client && ++h->client_requests == h->clock_next)
        pthread_cond_broadcast(&h->cv);
    atomic_fetch_add(&h->inflight, 1);
    pthread_mutex_unlock(&h->mu);

    test_http_reply_t r;
    int rc = test_http_request(port, method, path, op ? h->fx.keys[op] : NULL, body,
                               HTTP_TIMEOUT_MS, &r);
    atomic_fetch_sub(&h->inflight, 1);
    if (rc == 0) {
        if (r.status >= 500) {
            pthread_mutex_lock(&h->mu);
            unexpected_locked(h, "%s %s: %d %s", method, path, r.status, r.body);
            pthread_mutex_unlock(&h->mu);
        }
        if (json != NULL) {
            json_error_t jerr;
            *json = json_loadb(r.body, r.len, 0, &jerr);
        }
        int status = r.status;
        test_http_reply_fini(&r);
        return status;
    }
    pthread_mutex_lock(&h->mu);
    if (h->up && h->gen == gen)
        unexpected_locked(h, "%s %s failed (%s) while the daemon was up", method, path,
                          mnp_strerror(rc));
    else
        h->unknown++;
    while (h->gen == gen && !atomic_load(&h->stop))
        if (!wait_locked(h, &deadline, "the restart"))
            break;
    pthread_mutex_unlock(&h->mu);
    return 0;
}

static json_int_t json_int_member(const json_t *j, const char *key)
{
    return json_integer_value(json_object_get(j, key));
}

/* ---- the clients ---------------------------------------------------------------------------- */

typedef enum slot_state {
    SLOT_EMPTY,   /* no number yet */
    SLOT_CODED,   /* the donor registered a code */
    SLOT_ORDERED, /* the recipient's order was acknowledged; the donor has not answered */
    SLOT_WAITING, /* following the order until it ends or becomes ACTIVE */
    SLOT_ACTIVE,  /* ported: the recipient serves the number */
} slot_state_t;

typedef struct slot {
    slot_state_t st;
    uint64_t national; /* 11 digits */
    mnp_operator_t donor, recipient;
    char identity[MNP_IDCARD_LEN + 1];
    unsigned code;
    int64_t order;
} slot_t;

typedef struct client {
    harness_t *h;
    unsigned index;
    uint64_t rng;
    unsigned fresh;     /* private numbers taken so far */
    unsigned conflicts; /* submissions refused with 409 */
    slot_t slots[SLOTS];
    test_acklog_t log;
    pthread_t thread;
} client_t;

static uint64_t e164(uint64_t national)
{
    return UINT64_C(8600000000000) + national;
}

/* The subscriber's identity number: made from the number, so every client that tries a shared
 * number names the same person, with a real birth date and a valid check character. */
static void identity_of(uint64_t national, char out[MNP_IDCARD_LEN + 1])
{
    unsigned v = (unsigned)(national % 1000000);
    snprintf(out, MNP_IDCARD_LEN + 1, "430102%04u%02u%02u%03u", 1960 + v % 40, 1 + v / 40 % 12,
             1 + v / 480 % 28, v % 1000);
    out[17] = mnp_idcard_check_char(out);
    out[18] = '\0';
}

/* A number nobody else works on, or (one time in five) one of the shared ones. */
static void take_number(client_t *c, slot_t *s)
{
    harness_t *h = c->h;
    size_t b;
    unsigned sub;
    if (rng_below(&c->rng, 5) == 0) {
        /* A new set with every daemon, so the contention goes on after the first ones port. */
        pthread_mutex_lock(&h->mu);
        unsigned i = h->gen * SHARED + rng_below(&c->rng, SHARED);
        pthread_mutex_unlock(&h->mu);
        b = (i * 13) % h->nblocks;
        sub = 9000 + i % 1000;
    } else {
        b = c->fresh % h->nblocks;
        sub = c->index * 1000 + c->fresh / (unsigned)h->nblocks;
        c->fresh++;
    }
    *s = (slot_t){.national = (uint64_t)h->blocks[b] * 10000 + sub, .donor = h->holders[b]};
    do
        s->recipient = (mnp_operator_t)(1 + rng_below(&c->rng, MNP_OP_COUNT - 1));
    while (s->recipient == s->donor);
    identity_of(s->national, s->identity);
    s->code = rng_below(&c->rng, 1000000);
}

static void register_code(client_t *c, slot_t *s)
{
    char body[160];
    snprintf(body, sizeof(body), "{\"number\":\"%llu\",\"identity\":\"%s\",\"code\":\"%06u\"}",
             (unsigned long long)s->national, s->identity, s->code);
    int st = call(c->h, true, "POST", "/v1/authcodes", s->donor, body, NULL);
    if (st == 201) {
        test_acklog_add(&c->log, TEST_ACK_CODE, s->donor, e164(s->national), 0);
        s->st = SLOT_CODED;
    }
}

static int submit(client_t *c, slot_t *s, unsigned code)
{
    char body[192];
    snprintf(body, sizeof(body),
             "{\"number\":\"%llu\",\"identity\":\"%s\",\"code\":\"%06u\",\"channel\":\"%s\"}",
             (unsigned long long)s->national, s->identity, code,
             rng_below(&c->rng, 2) ? "store" : "online");
    json_t *j = NULL;
    int st = call(c->h, true, "POST", "/v1/orders", s->recipient, body, &j);
    if (st == 409)
        c->conflicts++; /* C04 (or C06): another order of the number is open */
    if (st == 201) {
        s->order = json_int_member(j, "order");
        test_acklog_add(&c->log, TEST_ACK_SUBMIT, s->recipient, e164(s->national), s->order);
        s->st = SLOT_ORDERED;
    }
    json_decref(j);
    return st;
}

/* Sometimes the subscriber mistypes the code first (C01, counted towards the lock). */
static void submit_order(client_t *c, slot_t *s)
{
    if (rng_below(&c->rng, 12) == 0 && submit(c, s, (s->code + 1) % 1000000) == 201)
        return;
    if (submit(c, s, s->code) != 201)
        s->st = SLOT_EMPTY;
}

static int order_post(client_t *c, slot_t *s, const char *what, mnp_operator_t op, const char *body)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/orders/%lld/%s", (long long)s->order, what);
    return call(c->h, true, "POST", path, op, body, NULL);
}

/* The recipient cancels (on the subscriber's wish) or the donor answers, or stays silent. */
static void answer(client_t *c, slot_t *s)
{
    unsigned r = rng_below(&c->rng, 100);
    int st;
    s->st = SLOT_WAITING;
    if (r < 12) {
        st = order_post(c, s, "cancel", s->recipient, "{}");
        if (st == 200) {
            test_acklog_add(&c->log, TEST_ACK_CANCEL, s->recipient, e164(s->national), s->order);
            s->st = SLOT_EMPTY;
        }
    } else if (r < 24) {
        st = order_post(c, s, "answer", s->donor, "{\"reason\":\"D01\"}");
        if (st == 200) {
            test_acklog_add(&c->log, TEST_ACK_OBJECT, s->donor, e164(s->national), s->order);
            s->st = SLOT_EMPTY;
        }
    } else if (r < 80) {
        st = order_post(c, s, "answer", s->donor, "{}");
        if (st == 200)
            test_acklog_add(&c->log, TEST_ACK_ACCEPT, s->donor, e164(s->national), s->order);
    } else {
        return; /* silence: consent when the window closes */
    }
    if (st == 0)
        s->st = SLOT_EMPTY; /* outcome unknown: leave the number to the timers */
}

/* The recipient reads its order; cancels some that are only ACCEPTED. */
static void follow(client_t *c, slot_t *s)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/orders/%lld", (long long)s->order);
    json_t *j = NULL;
    int st = call(c->h, true, "GET", path, s->recipient, NULL, &j);
    const char *name = st == 200 ? json_string_value(json_object_get(j, "state")) : NULL;
    mnp_order_state_t state = name ? mnp_order_state_parse(name) : 0;
    json_decref(j);
    if (st == 0) {
        s->st = SLOT_EMPTY;
        return;
    }
    if (st != 200 || state == 0) {
        harness_t *h = c->h;
        pthread_mutex_lock(&h->mu);
        unexpected_locked(h, "GET %s of an acknowledged order: %d", path, st);
        pthread_mutex_unlock(&h->mu);
        s->st = SLOT_EMPTY;
        return;
    }
    if (state == MNP_ORDER_ACTIVE)
        s->st = SLOT_ACTIVE;
    else if (mnp_order_state_final(state))
        s->st = SLOT_EMPTY;
    else if (state == MNP_ORDER_ACCEPTED && rng_below(&c->rng, 5) == 0 &&
             order_post(c, s, "cancel", s->recipient, "{}") == 200) {
        test_acklog_add(&c->log, TEST_ACK_CANCEL, s->recipient, e164(s->national), s->order);
        s->st = SLOT_EMPTY;
    }
}

/* Half of the ported subscribers later close their account: the number goes home. */
static void give_back(client_t *c, slot_t *s)
{
    s->st = SLOT_EMPTY;
    if (rng_below(&c->rng, 2) == 0)
        return;
    char body[64];
    snprintf(body, sizeof(body), "{\"number\":\"%llu\"}", (unsigned long long)s->national);
    if (call(c->h, true, "POST", "/v1/returns", s->recipient, body, NULL) == 200)
        test_acklog_add(&c->log, TEST_ACK_RETURN, s->recipient, e164(s->national), s->order);
}

static void *client_main(void *arg)
{
    client_t *c = arg;
    for (unsigned i = 0; !atomic_load(&c->h->stop); i = (i + 1) % SLOTS) {
        slot_t *s = &c->slots[i];
        switch (s->st) {
        case SLOT_EMPTY:
            take_number(c, s);
            register_code(c, s);
            break;
        case SLOT_CODED:
            submit_order(c, s);
            break;
        case SLOT_ORDERED:
            answer(c, s);
            break;
        case SLOT_WAITING:
            follow(c, s);
            break;
        case SLOT_ACTIVE:
            give_back(c, s);
            break;
        }
    }
    return NULL;
}

/* ---- the clock and the operators' NPDB copies ------------------------------------------------ */

/* Every operator reads its feed and acknowledges what it read, as its NPDB copy would. A seq
 * read from the feed is committed, so acknowledging it must never be "beyond the head", even
 * when a kill came in between. */
static void ack_feeds(harness_t *h)
{
    for (int op = 1; op < MNP_OP_COUNT; op++) {
        for (;;) {
            char path[96], body[48];
            snprintf(path, sizeof(path), "/v1/events?after=%llu&limit=1000",
                     (unsigned long long)h->feed_after[op]);
            json_t *j = NULL;
            int st = call(h, false, "GET", path, (mnp_operator_t)op, NULL, &j);
            size_t events = json_array_size(json_object_get(j, "events"));
            uint64_t next = (uint64_t)json_int_member(j, "next_after");
            json_decref(j);
            if (st != 200 || next <= h->feed_after[op])
                break;
            snprintf(body, sizeof(body), "{\"seq\":%llu}", (unsigned long long)next);
            st = call(h, false, "POST", "/v1/events/ack", (mnp_operator_t)op, body, NULL);
            if (st == 200) {
                test_acklog_add(&h->feed_log, TEST_ACK_FEED, (mnp_operator_t)op, 0, (int64_t)next);
                h->feed_after[op] = next;
            } else if (st != 0) {
                pthread_mutex_lock(&h->mu);
                unexpected_locked(h, "%s acknowledging seq %llu it read: %d",
                                  mnp_operator_code((mnp_operator_t)op), (unsigned long long)next,
                                  st);
                pthread_mutex_unlock(&h->mu);
            }
            if (st != 200 || events < 1000)
                break;
        }
    }
}

/* Moves the test clock by step_ms. The instant is set absolutely and remembered first, so a
 * daemon started after a kill starts there and time never runs backwards across restarts. */
static int move_clock(harness_t *h, int64_t step_ms)
{
    pthread_mutex_lock(&h->mu);
    h->clock_ms += step_ms;
    int64_t target = h->clock_ms;
    pthread_mutex_unlock(&h->mu);
    char body[48];
    snprintf(body, sizeof(body), "{\"set_ms\":%lld}", (long long)target);
    int st = call(h, false, "POST", "/v1/test/clock", MNP_OP_NONE, body, NULL);
    if (st != 200 && st != 0) {
        pthread_mutex_lock(&h->mu);
        unexpected_locked(h, "setting the clock to %lld: %d", (long long)target, st);
        pthread_mutex_unlock(&h->mu);
    }
    return st;
}

/* After every CLOCK_EVERY client requests: feeds acknowledged, then 1 to 12 minutes later. */
static void *clock_main(void *arg)
{
    harness_t *h = arg;
    uint64_t rng = h->seed ^ UINT64_C(0xc10c);
    for (;;) {
        struct timespec deadline;
        deadline_in(&deadline, WAIT_MS);
        pthread_mutex_lock(&h->mu);
        bool ok = true;
        while (ok && !atomic_load(&h->stop) && h->client_requests < h->clock_next)
            ok = wait_locked(h, &deadline, "client requests");
        pthread_mutex_unlock(&h->mu);
        if (!ok || atomic_load(&h->stop))
            return NULL;
        ack_feeds(h);
        move_clock(h, (int64_t)(1 + rng_below(&rng, 12)) * MNP_MS_PER_MINUTE);
        pthread_mutex_lock(&h->mu);
        h->clock_next = h->client_requests + CLOCK_EVERY;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
}

/* ---- the daemon, its store and its deaths ---------------------------------------------------- */

/* The demo blocks and their range holders: donors and recipients of one local network. */
static void load_blocks(harness_t *h)
{
    mnp_numplan_t *plan;
    mnp_error_t err;
    assert_int_equal(mnp_numplan_new(&plan), 0);
    if (mnp_numplan_load_blocks_file(plan, DEMO_BLOCKS, &err) != 0)
        fail_msg("%s", err.msg);
    size_t n = mnp_numplan_block_count(plan);
    for (size_t i = 0; i < n && h->nblocks < BLOCKS_MAX; i++) {
        const char *ln;
        mnp_numplan_block_at(plan, i, &h->blocks[h->nblocks], &h->holders[h->nblocks], &ln);
        h->nblocks++;
    }
    mnp_numplan_free(plan);
    assert_true(h->nblocks >= 12);
}

static void start_daemon(harness_t *h)
{
    pthread_mutex_lock(&h->mu);
    int64_t clock_ms = h->clock_ms;
    pthread_mutex_unlock(&h->mu);
    test_ch_fixture_start(&h->fx, clock_ms, WAIT_MS, &h->daemon);
    pthread_mutex_lock(&h->mu);
    h->port = h->daemon.port;
    h->up = true;
    h->gen++;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* SIGKILL a moment (0 to KILL_JITTER_US) after the round's request count; true when requests
 * were in flight then. */
static bool kill_daemon(harness_t *h, uint64_t *rng)
{
    struct timespec jitter = {0, (long)rng_below(rng, KILL_JITTER_US) * 1000};
    nanosleep(&jitter, NULL);
    pthread_mutex_lock(&h->mu);
    h->up = false;
    int inflight = atomic_load(&h->inflight);
    pthread_mutex_unlock(&h->mu);
    int status = 0;
    assert_int_equal(test_daemon_stop(&h->daemon, SIGKILL, &status), 0);
    /* Anything else means it died before the kill (a crash of its own). */
    assert_int_equal(status, 128 + SIGKILL);
    return inflight > 0;
}

/* Waits until the round's requests reach a random count. */
static void run_round(harness_t *h, uint64_t *rng)
{
    struct timespec deadline;
    deadline_in(&deadline, WAIT_MS);
    pthread_mutex_lock(&h->mu);
    h->round_requests = 0;
    h->kill_at = ROUND_MIN + rng_below(rng, ROUND_MAX - ROUND_MIN);
    while (h->round_requests < h->kill_at && wait_locked(h, &deadline, "the round's requests"))
        ;
    pthread_mutex_unlock(&h->mu);
}

/* ---- what the store must hold ---------------------------------------------------------------- */

static size_t orders_reaching(const test_ch_world_t *w, mnp_order_state_t s)
{
    size_t n = 0;
    for (int64_t id = 1; (size_t)id < w->order_slots; id++) {
        const test_ch_order_t *o = test_ch_world_order(w, id);
        n += o != NULL && test_ch_order_reached(o, s, NULL, false);
    }
    return n;
}

/* ---- the test ------------------------------------------------------------------------------- */

static uint64_t seed_from_env(void)
{
    const char *s = getenv("MNP_TEST_CRASH_SEED");
    if (s != NULL && *s != '\0')
        return strtoull(s, NULL, 10);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
}

static double since_s(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The store after the run: its invariants, then every acknowledged request. */
static void verify(harness_t *h, client_t *clients, unsigned kills, unsigned kills_inflight,
                   const struct timespec *t0)
{
    test_acklog_t all = {0};
    unsigned conflicts = 0;
    for (unsigned i = 0; i < CLIENTS; i++) {
        conflicts += clients[i].conflicts;
        test_acklog_append(&all, &clients[i].log);
    }
    test_acklog_append(&all, &h->feed_log);

    mnp_store_t *store = test_store_open(h->fx.db, false);
    test_ch_world_t w;
    mnp_error_t err = {0};
    int rc = test_ch_world_load(store, &w, &err);
    mnp_store_close(store);
    if (rc != 0)
        fail_msg("reading the store: %s", err.msg);
    size_t counts[TEST_ACK_KINDS] = {0};
    test_acklog_check(&all, &w, counts);
    size_t active = orders_reaching(&w, MNP_ORDER_ACTIVE);

    print_message("seed %llu: %u kills (%u with requests in flight), %llu requests, %llu with "
                  "unknown outcome, %lld test-clock minutes, %.1f s\n",
                  (unsigned long long)h->seed, kills, kills_inflight,
                  (unsigned long long)h->requests, (unsigned long long)h->unknown,
                  (long long)((h->clock_ms - CLOCK_START) / MNP_MS_PER_MINUTE), since_s(t0));
    print_message("acknowledged (%u submissions refused with 409):", conflicts);
    for (int k = 0; k < TEST_ACK_KINDS; k++)
        print_message(" %zu %s", counts[k], test_ack_kind_name((test_ack_kind_t)k));
    print_message("\nstore: %zu orders (%zu reached ACTIVE), %llu audit records, %llu NPDB "
                  "changes, %llu NPDB rows, feed head %llu\n",
                  w.order_count, active, (unsigned long long)w.audit_records,
                  (unsigned long long)w.npdb_changes, (unsigned long long)w.npdb_rows,
                  (unsigned long long)w.feed_head);
    for (unsigned i = 0; i < w.problem_count && i < TEST_CH_PROBLEMS_MAX; i++)
        print_message("VIOLATION: %s\n", w.problems[i]);
    if (h->unexpected)
        print_message("UNEXPECTED (%llu): %s\n", (unsigned long long)h->unexpected,
                      h->unexpected_what);
    unsigned problems = w.problem_count;
    test_ch_world_free(&w);
    test_acklog_fini(&all);

    assert_int_equal(problems, 0);
    assert_int_equal(h->unexpected, 0);
    /* The run exercised what it claims. */
    assert_int_equal(kills, KILLS);
    assert_true(kills_inflight >= 1);
    assert_true(h->unknown >= 1);
    assert_true(counts[TEST_ACK_SUBMIT] >= MIN_SUBMITS);
    assert_true(counts[TEST_ACK_ACCEPT] >= 1 && counts[TEST_ACK_CANCEL] >= 1 &&
                counts[TEST_ACK_OBJECT] >= 1);
    assert_true(counts[TEST_ACK_FEED] >= 1 && conflicts >= 1);
    assert_true(active >= 1);
}

static void test_crash_safety(void **state)
{
    harness_t *h = *state;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    client_t *clients = calloc(CLIENTS, sizeof(*clients));
    assert_non_null(clients);
    test_ch_fixture_setup(&h->fx);
    h->seed = seed_from_env();
    print_message("seed %llu (MNP_TEST_CRASH_SEED=%llu replays it), store and log in %s\n",
                  (unsigned long long)h->seed, (unsigned long long)h->seed, h->fx.dir);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&h->mu, NULL);
    h->clock_ms = CLOCK_START;

    load_blocks(h);
    start_daemon(h);
    pthread_t clock;
    assert_int_equal(pthread_create(&clock, NULL, clock_main, h), 0);
    for (unsigned i = 0; i < CLIENTS; i++) {
        clients[i] = (client_t){.h = h, .index = i, .rng = h->seed + 1 + i};
        assert_int_equal(pthread_create(&clients[i].thread, NULL, client_main, &clients[i]), 0);
    }

    uint64_t rng = h->seed;
    unsigned kills = 0, kills_inflight = 0;
    for (unsigned round = 0;; round++) {
        run_round(h, &rng);
        if (round == KILLS)
            break;
        kills_inflight += kill_daemon(h, &rng);
        kills++;
        start_daemon(h);
    }
    pthread_mutex_lock(&h->mu);
    atomic_store(&h->stop, true);
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    for (unsigned i = 0; i < CLIENTS; i++)
        pthread_join(clients[i].thread, NULL);
    pthread_join(clock, NULL);

    /* Let what is under way finish: broadcasts acknowledged, cutovers and returns done. */
    for (int i = 0; i < 3; i++) {
        ack_feeds(h);
        assert_int_equal(move_clock(h, MNP_MS_PER_HOUR), 200);
    }
    ack_feeds(h);
    assert_int_equal(move_clock(h, MNP_MS_PER_MINUTE), 200);
    int status = -1;
    assert_int_equal(test_daemon_stop(&h->daemon, SIGTERM, &status), 0);
    assert_int_equal(status, 0);

    verify(h, clients, kills, kills_inflight, &t0);

    for (unsigned i = 0; i < CLIENTS; i++)
        test_acklog_fini(&clients[i].log);
    test_acklog_fini(&h->feed_log);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    if (getenv("MNP_TEST_CRASH_KEEP") == NULL)
        test_ch_fixture_remove(&h->fx);
    free(clients);
    free(h);
    *state = NULL;
}

static int setup(void **state)
{
    *state = calloc(1, sizeof(harness_t));
    return *state ? 0 : -1;
}

/* After a failure, no mnpd may outlive the test (its threads may still run: nothing is freed). */
static int teardown(void **state)
{
    harness_t *h = *state;
    if (h != NULL && h->daemon.pid > 0)
        kill(h->daemon.pid, SIGKILL);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
