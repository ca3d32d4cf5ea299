/*
 * The worker loop of the UDP server engine: poll the socket and the stop eventfd, read batches
 * with recvmmsg until the socket is empty, hand each batch to the handler in one call, send the
 * replies with sendmmsg. Nothing here allocates or locks; the only shared state on this path is
 * the stop flag, read relaxed once per batch, and the worker's own counters.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "udp_serverInt.h"

/* How long a worker waits for room in its send buffer before it gives a batch's remaining
 * replies up: SEND_WAITS polls of SEND_WAIT_MS without progress. A client that cannot take
 * its answers within 50 ms has timed out anyway (Kamailio's pdb default is 50 ms). */
#define SEND_WAITS   5
#define SEND_WAIT_MS 10

static inline void bump(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static bool stopping(const mnp_udp_server_t *srv)
{
    return atomic_load_explicit(&srv->stopping, memory_order_relaxed);
}

/* Waits (bounded) until fd can take more datagrams; false when the wait timed out or the
 * server is stopping, so a stop is never held up by a client that does not read. */
static bool wait_writable(udp_worker_t *w)
{
    struct pollfd pfd[2] = {{.fd = w->fd, .events = POLLOUT},
                            {.fd = w->srv->stop_fd, .events = POLLIN}};
    int r = poll(pfd, 2, SEND_WAIT_MS);
    if (r <= 0 || pfd[1].revents != 0)
        return false;
    return (pfd[0].revents & POLLOUT) != 0;
}

/* Sends smsg[0..m); partial sends are resumed where they stopped. */
static void send_all(udp_worker_t *w, unsigned m)
{
    unsigned sent = 0, waits = 0;
    uint64_t ok = 0, failed = 0;
    while (sent < m) {
        int r = sendmmsg(w->fd, w->smsg + sent, m - sent, MSG_DONTWAIT);
        if (r > 0) {
            sent += (unsigned)r;
            ok += (uint64_t)r;
            waits = 0;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            if (waits++ < SEND_WAITS && wait_writable(w))
                continue;
            failed += m - sent;
            break;
        }
        /* sendmmsg fails only for its first message (later failures shorten the count), so
         * this reply alone is refused (bad destination, filtered): skip it, send the rest. */
        failed++;
        sent++;
    }
    bump(&w->c.answered, ok);
    if (failed)
        bump(&w->c.send_errors, failed);
}

/* Hands the n datagrams recvmmsg just read to the handler and sends its replies. */
static void process(udp_worker_t *w, void *arg, unsigned n)
{
    const mnp_udp_config_t *cfg = &w->srv->cfg;
    size_t k = 0;
    uint64_t oversize = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct msghdr *h = &w->rmsg[i].msg_hdr;
        if (h->msg_flags & MSG_TRUNC) { /* longer than request_max: never half a request */
            oversize++;
            continue;
        }
        w->in[k].data = w->rbuf + (size_t)i * cfg->request_max_bytes;
        w->in[k].len = w->rmsg[i].msg_len;
        w->in[k].peer = w->raddr[i];
        w->in[k].peer_len = h->msg_namelen;
        k++;
    }
    bump(&w->c.received, n);
    if (oversize) {
        bump(&w->c.oversize, oversize);
        bump(&w->c.dropped, oversize);
    }
    if (k == 0)
        return;

    for (size_t j = 0; j < k; j++) {
        w->out[j].data = w->sbuf + j * cfg->reply_max_bytes;
        w->out[j].len = 0;
        w->out[j].cap = cfg->reply_max_bytes;
        w->out[j].peer_len = 0;
    }
    size_t answers = cfg->handle(arg, w->in, k, w->out);
    bump(&w->c.batches, 1);
    if (answers > k) /* a handler bug: never send from slots it was not given */
        answers = k;
    if (answers < k)
        bump(&w->c.dropped, k - answers);

    unsigned m = 0;
    uint64_t invalid = 0;
    for (size_t j = 0; j < answers; j++) {
        mnp_udp_packet_t *o = &w->out[j];
        if (o->len > o->cap || o->peer_len == 0 || o->peer_len > sizeof(o->peer)) {
            invalid++; /* a reply that would overrun its buffer or has no destination */
            continue;
        }
        w->siov[m].iov_base = o->data;
        w->siov[m].iov_len = o->len;
        struct msghdr *h = &w->smsg[m].msg_hdr;
        h->msg_name = &o->peer;
        h->msg_namelen = o->peer_len;
        h->msg_iov = &w->siov[m];
        h->msg_iovlen = 1;
        m++;
    }
    if (invalid)
        bump(&w->c.send_errors, invalid);
    if (m)
        send_all(w, m);
}

/* Reads batches until the socket is empty. A recvmmsg that returns fewer than a batch has
 * emptied the queue (MSG_DONTWAIT returns what is there), so the worker goes back to poll
 * instead of paying one more call just to see EAGAIN. */
static void drain(udp_worker_t *w, void *arg)
{
    const unsigned batch = w->srv->cfg.batch;
    while (!stopping(w->srv)) {
        for (unsigned i = 0; i < batch; i++) {
            w->rmsg[i].msg_hdr.msg_namelen = sizeof(w->raddr[i]);
            w->rmsg[i].msg_hdr.msg_flags = 0;
        }
        int n = recvmmsg(w->fd, w->rmsg, batch, MSG_DONTWAIT, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                bump(&w->c.recv_errors, 1);
            return;
        }
        if (n == 0)
            return;
        process(w, arg, (unsigned)n);
        if ((unsigned)n < batch)
            return;
    }
}

static void serve(udp_worker_t *w, void *arg)
{
    struct pollfd pfd[2] = {{.fd = w->fd, .events = POLLIN},
                            {.fd = w->srv->stop_fd, .events = POLLIN}};
    while (!stopping(w->srv)) {
        if (poll(pfd, 2, -1) < 0)
            continue; /* EINTR (signals are blocked, but a debugger may interrupt) */
        if (pfd[1].revents != 0)
            break;
        if (pfd[0].revents != 0)
            drain(w, arg);
    }
}

void *mnp_udp_worker_main(void *p)
{
    udp_worker_t *w = p;
    mnp_udp_server_t *srv = w->srv;
    char name[16];
    snprintf(name, sizeof(name), "mnp-udp-%u", w->index);
    pthread_setname_np(pthread_self(), name);

    void *arg = srv->cfg.ctx;
    int rc = srv->cfg.init ? srv->cfg.init(srv->cfg.ctx, w->index, &arg) : 0;

    pthread_mutex_lock(&srv->lock);
    srv->reported++;
    if (rc != 0 && srv->init_rc == 0)
        srv->init_rc = rc;
    pthread_cond_broadcast(&srv->cond);
    while (srv->go == 0)
        pthread_cond_wait(&srv->cond, &srv->lock);
    int go = srv->go;
    pthread_mutex_unlock(&srv->lock);

    if (rc != 0)
        return NULL;
    if (go > 0)
        serve(w, arg);
    if (srv->cfg.fini)
        srv->cfg.fini(srv->cfg.ctx, w->index, arg);
    return NULL;
}
