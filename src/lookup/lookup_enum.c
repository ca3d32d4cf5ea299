/*
 * The ENUM side of lookup_servers.h. The resolver tells the DNS codec what a name under the
 * zone is: a China-profile mobile number the plan knows (86 and 11 digits from 1), a prefix of
 * such numbers, or nothing; for a ported number it gives the routing number of its operator in
 * the number's local network. UDP runs on the batched engine; TCP (RFC 7766: the retry of a
 * truncated answer) on one thread that serves a few connections with poll.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lookupInt.h"
#include "mnp/log.h"
#include "mnp/number.h"

#define NUMBER_DIGITS 13 /* 86 and an 11-digit national number */

int lookup_enum_resolve(void *ctx, uint64_t e164, unsigned ndigits, mnp_dns_number_t *out)
{
    lookup_worker_t *w = ctx;
    if (ndigits < NUMBER_DIGITS) {
        /* "8", "86" and "861..." lead to numbers; anything else leads nowhere. */
        uint64_t scale = 1;
        for (unsigned i = ndigits; i < NUMBER_DIGITS; i++)
            scale *= 10;
        uint64_t lo = e164 * scale, hi = lo + scale - 1;
        return hi >= UINT64_C(8610000000000) && lo <= UINT64_C(8619999999999) ? MNP_DNS_IS_PREFIX
                                                                              : MNP_DNS_IS_NONE;
    }
    if (ndigits != NUMBER_DIGITS)
        return MNP_DNS_IS_NONE;
    mnp_lookup_answer_t a;
    mnp_lookup_get(w->reader, &e164, 1, &a);
    if (!a.known)
        return MNP_DNS_IS_NONE;
    memset(out, 0, sizeof(*out));
    out->ported = a.ported;
    if (!a.ported)
        return MNP_DNS_IS_NUMBER;
    /* RULE §6: rn is the serving operator's routing number in the number's local network. */
    const char *rn = mnp_routing_find(w->s->routing, a.op, a.local_network);
    if (rn != NULL) {
        size_t len = strlen(rn);
        out->rn_len = (uint8_t)(len <= MNP_DNS_RN_MAX ? len : 0);
        memcpy(out->rn, rn, out->rn_len);
    }
    return MNP_DNS_IS_NUMBER; /* without a routing number the codec answers SERVFAIL */
}

size_t lookup_enum_handle(void *arg, const mnp_udp_packet_t *in, size_t n, mnp_udp_packet_t *out)
{
    lookup_worker_t *w = arg;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len =
            mnp_dns_answer(&w->zone, in[i].data, in[i].len, false, out[m].data, out[m].cap);
        if (len == 0)
            continue;
        out[m].len = len;
        out[m].peer = in[i].peer;
        out[m].peer_len = in[i].peer_len;
        m++;
    }
    return m;
}

/* ---- TCP ------------------------------------------------------------------------------ */

#define TCP_CONNS  32
#define TCP_IDLE_S 10
#define TCP_BUF    (2 + MNP_DNS_TCP_MAX)

typedef struct tcp_conn {
    int fd;
    size_t len;
    int idle_s;
    uint8_t in[TCP_BUF];
} tcp_conn_t;

/* Writes all of buf or gives up (the connection is then closed). */
static bool write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, 1000) <= 0)
                return false;
            continue;
        }
        if (w <= 0)
            return false;
        buf += w;
        len -= (size_t)w;
    }
    return true;
}

/* Answers every whole message c holds; false when the connection is to close. */
static bool tcp_serve(lookup_worker_t *w, tcp_conn_t *c, uint8_t *reply)
{
    for (;;) {
        const uint8_t *msg;
        size_t msg_len, used = mnp_dns_tcp_extract(c->in, c->len, &msg, &msg_len);
        if (used == 0)
            return true;
        size_t rlen = mnp_dns_answer(&w->zone, msg, msg_len, true, reply + 2, MNP_DNS_TCP_MAX);
        if (rlen > 0) {
            mnp_dns_tcp_put_length(reply, rlen);
            if (!write_all(c->fd, reply, rlen + 2))
                return false;
        }
        memmove(c->in, c->in + used, c->len - used);
        c->len -= used;
    }
}

static void *tcp_main(void *arg)
{
    mnp_lookup_servers_t *s = arg;
    pthread_setname_np(pthread_self(), "mnp-enum-tcp");
    lookup_worker_t *w = NULL;
    tcp_conn_t *conns = calloc(TCP_CONNS, sizeof(*conns));
    uint8_t *reply = malloc(TCP_BUF);
    if (lookup_worker_new(s, &w) != 0 || conns == NULL || reply == NULL)
        goto done;
    for (int i = 0; i < TCP_CONNS; i++)
        conns[i].fd = -1;
    for (;;) {
        struct pollfd p[TCP_CONNS + 2];
        int map[TCP_CONNS + 2], np = 0;
        p[np] = (struct pollfd){.fd = s->tcp_stop_fd, .events = POLLIN};
        map[np++] = -2;
        p[np] = (struct pollfd){.fd = s->tcp_fd, .events = POLLIN};
        map[np++] = -1;
        for (int i = 0; i < TCP_CONNS; i++)
            if (conns[i].fd >= 0) {
                p[np] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
                map[np++] = i;
            }
        int r = poll(p, (nfds_t)np, 1000);
        if (r < 0 && errno != EINTR)
            break;
        if (p[0].revents != 0)
            break;
        for (int i = 0; i < TCP_CONNS; i++) /* a second passed or something happened */
            if (conns[i].fd >= 0 && r == 0 && ++conns[i].idle_s >= TCP_IDLE_S) {
                close(conns[i].fd);
                conns[i].fd = -1;
            }
        if (p[1].revents & POLLIN) {
            int fd = accept4(s->tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            int slot = -1;
            for (int i = 0; fd >= 0 && i < TCP_CONNS && slot < 0; i++)
                if (conns[i].fd < 0)
                    slot = i;
            if (slot >= 0)
                conns[slot] = (tcp_conn_t){.fd = fd};
            else if (fd >= 0)
                close(fd); /* full: the client tries again or elsewhere */
        }
        for (int k = 2; k < np; k++) {
            tcp_conn_t *c = &conns[map[k]];
            if (p[k].revents == 0)
                continue;
            ssize_t got = recv(c->fd, c->in + c->len, TCP_BUF - c->len, 0);
            bool keep = got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR));
            if (got > 0) {
                c->len += (size_t)got;
                c->idle_s = 0;
                keep = tcp_serve(w, c, reply);
            }
            if (!keep) {
                close(c->fd);
                c->fd = -1;
            }
        }
    }
done:
    for (int i = 0; conns != NULL && i < TCP_CONNS; i++)
        if (conns[i].fd >= 0)
            close(conns[i].fd);
    free(conns);
    free(reply);
    lookup_worker_free(w);
    return NULL;
}

int lookup_enum_tcp_bind(mnp_lookup_servers_t *s, const char *address, uint16_t port,
                         mnp_error_t *err)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1)
        return mnp_error_set(err, MNP_EINVAL, "ENUM over TCP: '%s' is not an IPv4 address",
                             address);
    s->tcp_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s->tcp_fd < 0 || setsockopt(s->tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(s->tcp_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s->tcp_fd, 64) != 0) {
        int e = errno;
        if (s->tcp_fd >= 0)
            close(s->tcp_fd);
        s->tcp_fd = -1;
        return mnp_error_set(err, e == EADDRINUSE ? MNP_EBUSY : MNP_EIO,
                             "ENUM over TCP on %s:%u: %s", address, port, strerror(e));
    }
    socklen_t sl = sizeof(sa);
    getsockname(s->tcp_fd, (struct sockaddr *)&sa, &sl);
    s->tcp_port = ntohs(sa.sin_port);
    return 0;
}

void lookup_enum_tcp_unbind(mnp_lookup_servers_t *s)
{
    if (s->tcp_fd >= 0)
        close(s->tcp_fd);
    s->tcp_fd = -1;
}

int lookup_enum_tcp_run(mnp_lookup_servers_t *s, mnp_error_t *err)
{
    s->tcp_stop_fd = eventfd(0, EFD_CLOEXEC);
    if (s->tcp_stop_fd < 0)
        return mnp_error_set(err, MNP_EIO, "eventfd: %s", strerror(errno));
    if (pthread_create(&s->tcp_thread, NULL, tcp_main, s) != 0)
        return mnp_error_set(err, MNP_ENOMEM, "cannot start the ENUM TCP thread");
    s->tcp_running = true;
    return 0;
}

void lookup_enum_tcp_stop(mnp_lookup_servers_t *s)
{
    if (s->tcp_running) {
        uint64_t one = 1;
        if (write(s->tcp_stop_fd, &one, sizeof(one)) != sizeof(one))
            mnp_log(MNP_LOG_WARN, "cannot wake the ENUM TCP thread", NULL);
        pthread_join(s->tcp_thread, NULL);
        s->tcp_running = false;
    }
    if (s->tcp_fd >= 0)
        close(s->tcp_fd);
    if (s->tcp_stop_fd >= 0)
        close(s->tcp_stop_fd);
    s->tcp_fd = s->tcp_stop_fd = -1;
}
