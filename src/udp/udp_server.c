/*
 * The batched UDP server engine (include/mnp/udp_server.h), its lifecycle: checking the
 * configuration, opening and sizing the SO_REUSEPORT sockets, allocating every buffer a worker
 * will use, starting the workers (udp_worker.c) with signals blocked, stopping them through the
 * stop eventfd, and reading the counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mnp/alloc.h"
#include "udp_serverInt.h"

static int errno_rc(int e)
{
    if (e == EADDRINUSE)
        return MNP_EBUSY;
    if (e == EADDRNOTAVAIL || e == EAFNOSUPPORT)
        return MNP_EINVAL;
    return mnp_error_from_errno(e);
}

static void addr_text(const mnp_udp_addr_t *a, char *out, size_t cap)
{
    const void *ip = a->sa.sa_family == AF_INET6 ? (const void *)&a->v6.sin6_addr
                                                 : (const void *)&a->v4.sin_addr;
    if (inet_ntop(a->sa.sa_family, ip, out, (socklen_t)cap) == NULL)
        snprintf(out, cap, "?");
}

/* Asks for bytes of buffer `opt`; the FORCE variant (CAP_NET_ADMIN) passes net.core.*mem_max,
 * the plain one is capped by it. Returns what the kernel granted. */
static int set_buffer(int fd, int force_opt, int opt, int bytes)
{
    if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof(bytes)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes));
    int got = 0;
    socklen_t len = sizeof(got);
    if (getsockopt(fd, SOL_SOCKET, opt, &got, &len) != 0)
        return 0;
    return got;
}

/* Opens, sizes and binds worker w's socket to *addr (whose port the first worker fills in). */
static int open_socket(mnp_udp_server_t *srv, udp_worker_t *w, mnp_udp_addr_t *addr,
                       socklen_t addr_len, mnp_error_t *err)
{
    char text[INET6_ADDRSTRLEN];
    addr_text(addr, text, sizeof(text));
    int one = 1, e;
    w->fd = socket(addr->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (w->fd < 0) {
        e = errno;
        return mnp_error_set(err, errno_rc(e), "udp socket for %s: %s", text, strerror(e));
    }
    if (setsockopt(w->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        (addr->sa.sa_family == AF_INET6 &&
         setsockopt(w->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)) {
        e = errno;
        return mnp_error_set(err, MNP_EIO, "udp socket options: %s", strerror(e));
    }
    int rcv = set_buffer(w->fd, SO_RCVBUFFORCE, SO_RCVBUF, srv->cfg.rcvbuf_bytes);
    int snd = set_buffer(w->fd, SO_SNDBUFFORCE, SO_SNDBUF, srv->cfg.sndbuf_bytes);
    if (w->index == 0 || rcv < srv->rcvbuf_bytes)
        srv->rcvbuf_bytes = rcv;
    if (w->index == 0 || snd < srv->sndbuf_bytes)
        srv->sndbuf_bytes = snd;

    uint16_t port = ntohs(addr->sa.sa_family == AF_INET6 ? addr->v6.sin6_port : addr->v4.sin_port);
    if (bind(w->fd, &addr->sa, addr_len) != 0) {
        e = errno;
        if (e == EADDRINUSE)
            return mnp_error_set(err, MNP_EBUSY,
                                 "udp bind %s port %u: in use by a socket that does not share it "
                                 "through SO_REUSEPORT",
                                 text, (unsigned)port);
        return mnp_error_set(err, errno_rc(e), "udp bind %s port %u: %s", text, (unsigned)port,
                             strerror(e));
    }
    if (port == 0) { /* the first socket picked the port: the others join it */
        mnp_udp_addr_t bound;
        socklen_t len = sizeof(bound);
        if (getsockname(w->fd, &bound.sa, &len) != 0) {
            e = errno;
            return mnp_error_set(err, MNP_EIO, "udp getsockname: %s", strerror(e));
        }
        if (addr->sa.sa_family == AF_INET6)
            addr->v6.sin6_port = bound.v6.sin6_port;
        else
            addr->v4.sin_port = bound.v4.sin_port;
    }
    srv->port = ntohs(addr->sa.sa_family == AF_INET6 ? addr->v6.sin6_port : addr->v4.sin_port);
    return 0;
}

/* Allocates worker `index` with every buffer it will ever use. */
static int worker_new(mnp_udp_server_t *srv, unsigned index, udp_worker_t **out)
{
    size_t size = (sizeof(udp_worker_t) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    udp_worker_t *w = aligned_alloc(CACHE_LINE, size);
    if (w == NULL)
        return MNP_ENOMEM;
    memset(w, 0, size);
    const size_t b = srv->cfg.batch;
    w->srv = srv;
    w->index = index;
    w->fd = -1;
    w->rmsg = mnp_xcalloc(b, sizeof(*w->rmsg));
    w->smsg = mnp_xcalloc(b, sizeof(*w->smsg));
    w->riov = mnp_xcalloc(b, sizeof(*w->riov));
    w->siov = mnp_xcalloc(b, sizeof(*w->siov));
    w->raddr = mnp_xcalloc(b, sizeof(*w->raddr));
    w->in = mnp_xcalloc(b, sizeof(*w->in));
    w->out = mnp_xcalloc(b, sizeof(*w->out));
    w->rbuf = mnp_xmalloc(b * srv->cfg.request_max_bytes);
    w->sbuf = mnp_xmalloc(b * srv->cfg.reply_max_bytes);
    for (size_t i = 0; i < b; i++) {
        w->riov[i].iov_base = w->rbuf + i * srv->cfg.request_max_bytes;
        w->riov[i].iov_len = srv->cfg.request_max_bytes;
        w->rmsg[i].msg_hdr.msg_name = &w->raddr[i];
        w->rmsg[i].msg_hdr.msg_iov = &w->riov[i];
        w->rmsg[i].msg_hdr.msg_iovlen = 1;
    }
    *out = w;
    return 0;
}

static void worker_free(udp_worker_t *w)
{
    if (w == NULL)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w->rmsg);
    free(w->smsg);
    free(w->riov);
    free(w->siov);
    free(w->raddr);
    free(w->in);
    free(w->out);
    free(w->rbuf);
    free(w->sbuf);
    free(w);
}

static int parse_config(const mnp_udp_config_t *in, mnp_udp_config_t *cfg, mnp_udp_addr_t *addr,
                        socklen_t *addr_len, mnp_error_t *err)
{
    *cfg = *in;
    if (cfg->handle == NULL)
        return mnp_error_set(err, MNP_EINVAL, "udp server: no handler");
    if (cfg->workers == 0)
        cfg->workers = 1;
    if (cfg->batch == 0)
        cfg->batch = MNP_UDP_MAX_BATCH;
    if (cfg->request_max_bytes == 0)
        cfg->request_max_bytes = MNP_UDP_DEFAULT_REQUEST_MAX;
    if (cfg->reply_max_bytes == 0)
        cfg->reply_max_bytes = MNP_UDP_DEFAULT_REPLY_MAX;
    if (cfg->rcvbuf_bytes == 0)
        cfg->rcvbuf_bytes = MNP_UDP_DEFAULT_BUF_BYTES;
    if (cfg->sndbuf_bytes == 0)
        cfg->sndbuf_bytes = MNP_UDP_DEFAULT_BUF_BYTES;
    if (cfg->address == NULL)
        cfg->address = "127.0.0.1";
    if (cfg->workers > MNP_UDP_MAX_WORKERS)
        return mnp_error_set(err, MNP_EINVAL, "udp server: %u workers (1 to %d)", cfg->workers,
                             MNP_UDP_MAX_WORKERS);
    if (cfg->batch > MNP_UDP_MAX_BATCH)
        return mnp_error_set(err, MNP_EINVAL, "udp server: batch of %u (1 to %d)", cfg->batch,
                             MNP_UDP_MAX_BATCH);
    if (cfg->request_max_bytes > MNP_UDP_MAX_DATAGRAM_BYTES ||
        cfg->reply_max_bytes > MNP_UDP_MAX_DATAGRAM_BYTES)
        return mnp_error_set(err, MNP_EINVAL, "udp server: datagram buffers above %d bytes",
                             MNP_UDP_MAX_DATAGRAM_BYTES);
    if (cfg->rcvbuf_bytes < 0 || cfg->sndbuf_bytes < 0)
        return mnp_error_set(err, MNP_EINVAL, "udp server: negative socket buffer size");

    memset(addr, 0, sizeof(*addr));
    if (inet_pton(AF_INET, cfg->address, &addr->v4.sin_addr) == 1) {
        addr->v4.sin_family = AF_INET;
        addr->v4.sin_port = htons(cfg->port);
        *addr_len = sizeof(addr->v4);
    } else if (inet_pton(AF_INET6, cfg->address, &addr->v6.sin6_addr) == 1) {
        addr->v6.sin6_family = AF_INET6;
        addr->v6.sin6_port = htons(cfg->port);
        *addr_len = sizeof(addr->v6);
    } else {
        return mnp_error_set(err, MNP_EINVAL, "udp server: '%s' is not a numeric IP address",
                             cfg->address);
    }
    cfg->address = NULL; /* borrowed for start only */
    return 0;
}

/* Starts the worker threads with every signal blocked but those a fault raises (a sanitizer
 * or a core dump needs these), so that the program's signal handling stays with its threads. */
static int start_threads(mnp_udp_server_t *srv, mnp_error_t *err)
{
    sigset_t all, old;
    sigfillset(&all);
    const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        sigdelset(&all, faults[i]);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = 0;
    for (unsigned i = 0; i < srv->cfg.workers; i++) {
        int e = pthread_create(&srv->w[i]->tid, NULL, mnp_udp_worker_main, srv->w[i]);
        if (e != 0) {
            rc = mnp_error_set(err, MNP_EIO, "udp server: starting worker %u: %s", i, strerror(e));
            break;
        }
        srv->w[i]->thread_started = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* Lets the started workers go (go > 0 serve, go < 0 leave), once all have reported init. */
static int release_workers(mnp_udp_server_t *srv, int rc, mnp_error_t *err)
{
    unsigned started = 0;
    for (unsigned i = 0; i < srv->cfg.workers; i++)
        started += srv->w[i]->thread_started;
    pthread_mutex_lock(&srv->lock);
    while (srv->reported < started)
        pthread_cond_wait(&srv->cond, &srv->lock);
    if (rc == 0 && srv->init_rc != 0)
        rc = mnp_error_set(err, srv->init_rc, "udp server: a worker's init failed: %s",
                           mnp_strerror(srv->init_rc));
    srv->go = rc == 0 ? 1 : -1;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    return rc;
}

int mnp_udp_server_start(const mnp_udp_config_t *cfg, mnp_udp_server_t **out, mnp_error_t *err)
{
    *out = NULL;
    mnp_udp_server_t *srv = mnp_xcalloc(1, sizeof(*srv));
    srv->stop_fd = -1;
    srv->stopped = true; /* nothing to stop until threads run */
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->cond, NULL);
    mnp_udp_addr_t addr;
    socklen_t addr_len = 0;
    int rc = parse_config(cfg, &srv->cfg, &addr, &addr_len, err);
    if (rc != 0)
        goto fail;
    srv->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (srv->stop_fd < 0) {
        int e = errno;
        rc = mnp_error_set(err, MNP_EIO, "udp server: eventfd: %s", strerror(e));
        goto fail;
    }
    for (unsigned i = 0; i < srv->cfg.workers; i++) {
        rc = worker_new(srv, i, &srv->w[i]);
        if (rc != 0) {
            mnp_error_set(err, rc, "udp server: no memory for worker %u", i);
            goto fail;
        }
        rc = open_socket(srv, srv->w[i], &addr, addr_len, err);
        if (rc != 0)
            goto fail;
    }
    srv->stopped = false;
    rc = release_workers(srv, start_threads(srv, err), err);
    if (rc != 0)
        goto fail;
    *out = srv;
    return 0;
fail:
    mnp_udp_server_free(srv);
    return rc;
}

void mnp_udp_server_stop(mnp_udp_server_t *srv)
{
    if (srv == NULL || srv->stopped)
        return;
    srv->stopped = true;
    atomic_store_explicit(&srv->stopping, true, memory_order_relaxed);
    uint64_t one = 1;
    if (write(srv->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
        /* Cannot fail for an eventfd below its maximum; the flag stops busy workers anyway,
         * and idle ones would only notice at their next datagram. */
    }
    for (unsigned i = 0; i < srv->cfg.workers; i++) {
        udp_worker_t *w = srv->w[i];
        if (w == NULL)
            continue;
        if (w->thread_started)
            pthread_join(w->tid, NULL);
        w->thread_started = false;
        if (w->fd >= 0)
            close(w->fd);
        w->fd = -1;
    }
}

void mnp_udp_server_free(mnp_udp_server_t *srv)
{
    if (srv == NULL)
        return;
    mnp_udp_server_stop(srv);
    for (unsigned i = 0; i < MNP_UDP_MAX_WORKERS; i++)
        worker_free(srv->w[i]);
    if (srv->stop_fd >= 0)
        close(srv->stop_fd);
    pthread_cond_destroy(&srv->cond);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

uint16_t mnp_udp_server_port(const mnp_udp_server_t *srv)
{
    return srv->port;
}

unsigned mnp_udp_server_workers(const mnp_udp_server_t *srv)
{
    return srv->cfg.workers;
}

int mnp_udp_server_rcvbuf_bytes(const mnp_udp_server_t *srv)
{
    return srv->rcvbuf_bytes;
}

int mnp_udp_server_sndbuf_bytes(const mnp_udp_server_t *srv)
{
    return srv->sndbuf_bytes;
}

static void add_stats(const udp_worker_t *w, mnp_udp_stats_t *s)
{
    s->received += atomic_load_explicit(&w->c.received, memory_order_relaxed);
    s->answered += atomic_load_explicit(&w->c.answered, memory_order_relaxed);
    s->dropped += atomic_load_explicit(&w->c.dropped, memory_order_relaxed);
    s->oversize += atomic_load_explicit(&w->c.oversize, memory_order_relaxed);
    s->send_errors += atomic_load_explicit(&w->c.send_errors, memory_order_relaxed);
    s->recv_errors += atomic_load_explicit(&w->c.recv_errors, memory_order_relaxed);
    s->batches += atomic_load_explicit(&w->c.batches, memory_order_relaxed);
}

int mnp_udp_server_stats(const mnp_udp_server_t *srv, unsigned worker, mnp_udp_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    if (worker >= srv->cfg.workers)
        return MNP_ERANGE;
    add_stats(srv->w[worker], out);
    return 0;
}

void mnp_udp_server_stats_total(const mnp_udp_server_t *srv, mnp_udp_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < srv->cfg.workers; i++)
        add_stats(srv->w[i], out);
}
