/*
 * The UDP load generator's loop (udp_load_engine.h). One thread drives everything: on a 2-core
 * machine the server under test gets the other core, and a single thread needs no locks between
 * sending and matching. Queries go out in blocks of 64 consecutive ones per socket (block b on
 * socket b mod S), so that a send of a few queries is one sendmmsg even in an open loop at a high
 * rate; each socket numbers its queries 0, 1, 2, ... and uses that sequence number mod 65536 as
 * the id. A reply's socket and id thus name exactly one query among the last S * 65536 sent; that
 * is why the number of sockets bounds how many queries can be outstanding, and why an older query
 * with the same id is declared lost before its id is reused. Each turn of the loop makes one ppoll
 * that both waits (for a reply or the next deadline) and says which sockets to read. Legacy pdb
 * replies carry no id: they are matched to the oldest outstanding query on their socket that asked
 * the number they echo.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mnp/clock.h"
#include "udp_load_engine.h"

#define SEND_BATCH  64   /* datagrams per sendmmsg */
#define RECV_BATCH  64   /* datagrams per recvmmsg */
#define RECV_ROUNDS 8    /* recvmmsg calls per socket before sending again */
#define RECV_BYTES  1536 /* larger than any reply we accept; a longer one is WRONG (truncated) */
#define SOCK_BUF    (4 << 20)
#define SPIN_NS     10000 /* closer than this to a deadline, poll no more and spin */
/* Open loop: queries go out in groups at most this late, so that between groups the thread
 * sleeps instead of spinning on a machine whose other core serves (a spinning generator takes
 * the CPU the kernel's network work and the server need, and everyone's latency grows); the
 * wait counts in the latencies, which are measured from the scheduled instant. */
#define GROUP_NS    100000

enum { Q_UNSENT = 0, Q_OUT, Q_DONE };

typedef struct send_slot {
    struct mmsghdr msg[SEND_BATCH];
    struct iovec iov[SEND_BATCH];
    uint8_t buf[SEND_BATCH][UL_REQUEST_MAX];
    unsigned n;
} send_slot_t;

typedef struct engine {
    const ul_config_t *cfg;
    ul_result_t *res;
    unsigned nsock;
    struct pollfd pfd[UL_SOCKETS_MAX];
    send_slot_t *slots; /* one per socket */
    struct mmsghdr rmsg[RECV_BATCH];
    struct iovec riov[RECV_BATCH];
    uint8_t (*rbuf)[RECV_BYTES];
    int64_t *t_ns;   /* per query: send time (closed loop) or scheduled send time (open loop) */
    uint8_t *st;     /* per query: Q_* */
    uint64_t oldest; /* every query below this is Q_DONE */
    uint64_t legacy_head[UL_SOCKETS_MAX]; /* per socket: seqs below this are Q_DONE */
    uint64_t seq_next[UL_SOCKETS_MAX];    /* per socket: sequence number of the next query */
    uint64_t outstanding;
    int64_t start_ns;
    double ns_per_query; /* open loop */
} engine_t;

static int64_t now_ns(void)
{
    return mnp_clock_mono_ns(mnp_clock_real());
}

static uint64_t key_number(const engine_t *e, uint64_t i)
{
    return e->cfg->keys[i % e->cfg->nkeys] & ~UL_KEY_HIT;
}

static unsigned socket_of(const engine_t *e, uint64_t i)
{
    return (unsigned)(i / SEND_BATCH % e->nsock);
}

static uint64_t seq_of(const engine_t *e, uint64_t i)
{
    return i / SEND_BATCH / e->nsock * SEND_BATCH + i % SEND_BATCH;
}

/* The inverse of (socket_of, seq_of). */
static uint64_t index_of(const engine_t *e, unsigned s, uint64_t seq)
{
    return (seq / SEND_BATCH * e->nsock + s) * SEND_BATCH + seq % SEND_BATCH;
}

static int64_t scheduled_ns(const engine_t *e, uint64_t i)
{
    return e->start_ns + (int64_t)((double)i * e->ns_per_query);
}

static int open_sockets(engine_t *e)
{
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons(e->cfg->port),
                             .sin_addr.s_addr = htonl(e->cfg->addr)};
    for (unsigned s = 0; s < e->nsock; s++) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        e->pfd[s] = (struct pollfd){.fd = fd, .events = POLLIN};
        if (fd < 0)
            goto fail;
        int size = SOCK_BUF; /* the kernel caps it at net.core.[rw]mem_max: best effort */
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        if (connect(fd, (const struct sockaddr *)&to, sizeof to) != 0)
            goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "udp_load: socket to port %u: %s\n", e->cfg->port, strerror(errno));
    return MNP_EIO;
}

/* Declares lost every outstanding query older than the timeout or below index min_index. */
static void expire(engine_t *e, int64_t now, uint64_t min_index)
{
    ul_result_t *r = e->res;
    while (e->oldest < r->sent) {
        uint64_t i = e->oldest;
        if (e->st[i] == Q_OUT) {
            if (i >= min_index && now - e->t_ns[i] < e->cfg->timeout_ns)
                return;
            e->st[i] = Q_DONE;
            r->lost++;
            e->outstanding--;
        }
        e->oldest++;
    }
}

/* Sends on fd every message of slot, waiting briefly when the socket buffer is full. A message
 * the kernel refuses is skipped: its query stays outstanding and times out. */
static void send_slot(engine_t *e, int fd, send_slot_t *slot)
{
    unsigned k = 0;
    while (k < slot->n) {
        int m = sendmmsg(fd, slot->msg + k, slot->n - k, 0);
        if (m > 0) {
            k += (unsigned)m;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            (void)poll(&p, 1, 1);
        } else if (errno != EINTR) {
            if (errno == ECONNREFUSED)
                e->res->refused++;
            k++;
        }
    }
    slot->n = 0;
}

/* Sends queries sent .. sent+n-1, grouped per socket. n <= nsock * SEND_BATCH: so many
 * consecutive queries hold at most SEND_BATCH of each socket's. */
static void send_queries(engine_t *e, uint64_t n, int64_t now)
{
    const ul_config_t *c = e->cfg;
    ul_result_t *r = e->res;
    uint64_t base = r->sent, window = (uint64_t)e->nsock * UL_ID_SPACE;
    if (base + n > window)
        expire(e, now, base + n - window); /* the ids about to be reused */
    for (uint64_t i = base; i < base + n; i++) {
        unsigned s = socket_of(e, i);
        send_slot_t *slot = &e->slots[s];
        char digits[UL_DIGITS_MAX];
        size_t nd = ul_digits(key_number(e, i), digits);
        uint16_t id = (uint16_t)seq_of(e, i);
        e->seq_next[s] = seq_of(e, i) + 1;
        slot->iov[slot->n].iov_len = ul_request(c->proto, id, digits, nd, slot->buf[slot->n]);
        slot->n++;
        e->t_ns[i] = c->rate > 0 ? scheduled_ns(e, i) : now;
        e->st[i] = Q_OUT;
    }
    r->sent += n;
    e->outstanding += n;
    for (unsigned s = 0; s < e->nsock; s++)
        if (e->slots[s].n > 0)
            send_slot(e, e->pfd[s].fd, &e->slots[s]);
}

/* The outstanding query a reply on socket s belongs to, or UINT64_MAX. */
static uint64_t match_id(const engine_t *e, unsigned s, uint16_t id)
{
    if (e->seq_next[s] == 0)
        return UINT64_MAX;
    uint64_t last = e->seq_next[s] - 1; /* newest seq sent on socket s */
    uint64_t back = (last - id) & (UL_ID_SPACE - 1);
    if (back > last)
        return UINT64_MAX;
    uint64_t i = index_of(e, s, last - back);
    return e->st[i] == Q_OUT ? i : UINT64_MAX;
}

static uint64_t match_legacy(engine_t *e, unsigned s, uint64_t number)
{
    uint64_t *head = &e->legacy_head[s];
    while (*head < e->seq_next[s] && e->st[index_of(e, s, *head)] != Q_OUT)
        (*head)++;
    for (uint64_t j = *head; j < e->seq_next[s]; j++) {
        uint64_t i = index_of(e, s, j);
        if (e->st[i] == Q_OUT && key_number(e, i) == number)
            return i;
    }
    return UINT64_MAX;
}

static void on_reply(engine_t *e, unsigned s, const uint8_t *buf, size_t len, bool truncated,
                     int64_t now)
{
    const ul_config_t *c = e->cfg;
    ul_result_t *r = e->res;
    uint16_t id = 0;
    uint64_t number, i = UINT64_MAX;
    if (c->proto == UL_PDB_LEGACY) {
        if (ul_legacy_reply_number(buf, len, &number))
            i = match_legacy(e, s, number);
    } else if (ul_reply_id(c->proto, buf, len, &id)) {
        i = match_id(e, s, id);
    }
    if (i == UINT64_MAX) {
        r->stray++;
        return;
    }
    char digits[UL_DIGITS_MAX];
    size_t nd = ul_digits(key_number(e, i), digits);
    ul_verdict_t v = truncated ? UL_WRONG : ul_reply_check(c->proto, buf, len, id, digits, nd);
    e->st[i] = Q_DONE;
    e->outstanding--;
    if (v == UL_WRONG) {
        r->wrong++;
        return;
    }
    int64_t lat = now - e->t_ns[i];
    r->lat_ns[r->nlat++] = lat < 0 ? 0 : lat > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)lat;
    r->answered++;
    bool hit = (c->keys[i % c->nkeys] & UL_KEY_HIT) != 0;
    *(hit ? &r->hits_answered : &r->misses_answered) += 1;
    if (v == UL_FOUND)
        *(hit ? &r->hits_found : &r->misses_found) += 1;
}

/* Reads what has arrived on the sockets ppoll found ready. */
static void receive(engine_t *e)
{
    for (unsigned s = 0; s < e->nsock; s++) {
        if (e->pfd[s].revents == 0)
            continue;
        for (unsigned round = 0; round < RECV_ROUNDS; round++) {
            int m = recvmmsg(e->pfd[s].fd, e->rmsg, RECV_BATCH, MSG_DONTWAIT, NULL);
            if (m < 0) {
                if (errno == ECONNREFUSED) {
                    e->res->refused++;
                    continue;
                }
                break; /* EAGAIN, or EINTR: come back next time */
            }
            int64_t now = now_ns();
            for (int k = 0; k < m; k++)
                on_reply(e, s, e->rbuf[k], e->rmsg[k].msg_len,
                         (e->rmsg[k].msg_hdr.msg_flags & MSG_TRUNC) != 0, now);
            if (m < RECV_BATCH)
                break;
        }
    }
}

/* Waits for a reply or until deadline (whichever first; not at all when the deadline is close)
 * and reads the replies. */
static void wait_and_receive(engine_t *e, int64_t now, int64_t deadline)
{
    int64_t d = deadline - now < SPIN_NS ? 0 : deadline - now;
    struct timespec ts = {.tv_sec = d / 1000000000, .tv_nsec = d % 1000000000};
    if (ppoll(e->pfd, e->nsock, &ts, NULL) > 0)
        receive(e);
}

/* How many queries to send now; 0 when the window is full or nothing is due yet. */
static uint64_t due_now(engine_t *e, int64_t now)
{
    const ul_config_t *c = e->cfg;
    ul_result_t *r = e->res;
    uint64_t want;
    if (c->rate > 0) {
        uint64_t due = (uint64_t)((double)(now - e->start_ns) / e->ns_per_query) + 1;
        want = due > r->sent ? due - r->sent : 0;
        if (want > 0 && now - scheduled_ns(e, r->sent) > r->max_lag_ns)
            r->max_lag_ns = now - scheduled_ns(e, r->sent);
    } else {
        want = e->outstanding < c->inflight ? c->inflight - e->outstanding : 0;
    }
    uint64_t limit = c->capacity - r->sent;
    if (c->count > 0 && c->count - r->sent < limit)
        limit = c->count - r->sent;
    if (want > limit)
        want = limit;
    uint64_t batch = (uint64_t)e->nsock * SEND_BATCH;
    return want < batch ? want : batch;
}

static void run_loop(engine_t *e)
{
    const ul_config_t *c = e->cfg;
    ul_result_t *r = e->res;
    int64_t now = now_ns();
    e->start_ns = now;
    int64_t end = c->duration_ns > 0 ? now + c->duration_ns : INT64_MAX, drain_end = 0;
    bool sending = true;
    for (;;) {
        now = now_ns();
        if (sending &&
            ((c->count > 0 && r->sent >= c->count) || r->sent >= c->capacity || now >= end)) {
            sending = false;
            r->send_ns = now - e->start_ns;
            r->capacity_hit = r->sent >= c->capacity && (c->count == 0 || c->count > c->capacity);
            drain_end = now + c->drain_ns;
        }
        if (!sending && (e->outstanding == 0 || now >= drain_end))
            break;
        expire(e, now, 0);
        uint64_t n = sending ? due_now(e, now) : 0;
        int64_t deadline = sending ? end : drain_end;
        if (n > 0) {
            send_queries(e, n, now);
            deadline = now; /* just look for replies: more may be due */
        }
        if (e->oldest < r->sent && e->t_ns[e->oldest] + c->timeout_ns < deadline)
            deadline = e->t_ns[e->oldest] + c->timeout_ns;
        if (sending && c->rate > 0 && scheduled_ns(e, r->sent) + GROUP_NS < deadline)
            deadline = scheduled_ns(e, r->sent) + GROUP_NS;
        wait_and_receive(e, now_ns(), deadline);
    }
    expire(e, INT64_MAX, UINT64_MAX); /* whatever is still outstanding is lost */
}

int ul_run(const ul_config_t *cfg, ul_result_t *res)
{
    engine_t *e = calloc(1, sizeof *e);
    int rc = MNP_ENOMEM;
    *res = (ul_result_t){0};
    if (e == NULL)
        return MNP_ENOMEM;
    e->cfg = cfg;
    e->res = res;
    e->nsock = cfg->sockets;
    e->ns_per_query = cfg->rate > 0 ? 1e9 / cfg->rate : 0;
    for (unsigned s = 0; s < UL_SOCKETS_MAX; s++)
        e->pfd[s].fd = -1;
    e->slots = calloc(e->nsock, sizeof *e->slots);
    e->rbuf = calloc(RECV_BATCH, sizeof *e->rbuf);
    /* malloc'd, not touched: the kernel maps the pages as the run reaches them, one fault per
     * 4 KiB, instead of making the program pay for a capacity it may not use. */
    e->t_ns = malloc(cfg->capacity * sizeof *e->t_ns);
    e->st = calloc(cfg->capacity, 1);
    res->lat_ns = malloc(cfg->capacity * sizeof *res->lat_ns);
    if (!e->slots || !e->rbuf || !e->t_ns || !e->st || !res->lat_ns)
        goto fail;
    for (unsigned s = 0; s < e->nsock; s++) {
        for (unsigned k = 0; k < SEND_BATCH; k++) {
            send_slot_t *slot = &e->slots[s];
            slot->iov[k].iov_base = slot->buf[k];
            slot->msg[k].msg_hdr = (struct msghdr){.msg_iov = &slot->iov[k], .msg_iovlen = 1};
        }
    }
    for (unsigned k = 0; k < RECV_BATCH; k++) {
        e->riov[k] = (struct iovec){.iov_base = e->rbuf[k], .iov_len = RECV_BYTES};
        e->rmsg[k].msg_hdr = (struct msghdr){.msg_iov = &e->riov[k], .msg_iovlen = 1};
    }
    rc = open_sockets(e);
    if (rc < 0)
        goto fail;
    (void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); /* ppoll wakes within ~1 us of a deadline */
    run_loop(e);
    rc = 0;
fail:
    for (unsigned s = 0; s < e->nsock; s++)
        if (e->pfd[s].fd >= 0)
            close(e->pfd[s].fd);
    free(e->slots);
    free(e->rbuf);
    free(e->t_ns);
    free(e->st);
    free(e);
    return rc;
}

void ul_result_fini(ul_result_t *res)
{
    free(res->lat_ns);
    res->lat_ns = NULL;
    res->nlat = 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

uint32_t ul_result_quantile(ul_result_t *res, double q)
{
    if (res->nlat == 0)
        return 0;
    if (!res->lat_sorted) {
        qsort(res->lat_ns, res->nlat, sizeof *res->lat_ns, cmp_u32);
        res->lat_sorted = true;
    }
    size_t k = (size_t)(q * (double)res->nlat);
    return res->lat_ns[k < res->nlat ? k : res->nlat - 1];
}
