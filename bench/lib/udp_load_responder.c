/*
 * The load generator's reference responder (udp_load_responder.h). Batched like a real server
 * (recvmmsg, answer, sendmmsg) so that it can keep up with the generator; stopped through an
 * eventfd so that shutting it down needs no timeout.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "udp_load_responder.h"

#define BATCH     64
#define BUF_BYTES 512
#define DNS_TTL   300

typedef struct batch {
    struct mmsghdr in[BATCH], out[BATCH];
    struct iovec in_iov[BATCH], out_iov[BATCH];
    struct sockaddr_in from[BATCH];
    uint8_t in_buf[BATCH][BUF_BYTES], out_buf[BATCH][BUF_BYTES];
} batch_t;

static bool parse_digits(const uint8_t *p, size_t n, uint64_t *v)
{
    if (n == 0 || n > 19)
        return false;
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        *v = *v * 10 + (p[i] - '0');
    }
    return true;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* pdb version 1: header, digits, NUL. Returns the reply length, 0 to stay silent. */
static size_t answer_pdb(const ul_responder_t *r, const uint8_t *q, size_t len, uint8_t *out,
                         bool corrupt)
{
    uint64_t number;
    if (len < 8 || q[0] != 1 || q[1] != 0 || q[3] != len || q[len - 1] != 0 ||
        !parse_digits(q + 6, len - 7, &number))
        return 0;
    unsigned op = hashtab_get(r->set, number);
    memcpy(out, q, len);
    out[1] = 1;
    if (op == 0) {
        out[2] = corrupt ? 2 : 3; /* "non-digits": never right for the generator's queries */
        out[3] = 6;
        return 6;
    }
    out[2] = 1;
    out[3] = (uint8_t)(len + 2);
    put16(out + len, op);
    if (corrupt)
        out[len - 2] = out[len - 2] == '9' ? '0' : (uint8_t)(out[len - 2] + 1); /* last digit */
    return len + 2;
}

/* legacy: digits (optionally NUL-terminated); reply digits, NUL, carrier (0: not found). */
static size_t answer_legacy(const ul_responder_t *r, const uint8_t *q, size_t len, uint8_t *out,
                            bool corrupt)
{
    uint64_t number;
    size_t n = len > 0 && q[len - 1] == 0 ? len - 1 : len;
    if (!parse_digits(q, n, &number))
        return 0;
    memcpy(out, q, n);
    out[n] = 0;
    put16(out + n + 1, corrupt ? 1000 : hashtab_get(r->set, number));
    return n + 3;
}

/* DNS: the question d.d....d.e164.arpa. NAPTR IN, answered with one NAPTR (rn= for a ported
 * number, npdi alone otherwise) and the OPT record echoed. */
static size_t answer_dns(const ul_responder_t *r, const uint8_t *q, size_t len, uint8_t *out,
                         bool corrupt)
{
    uint8_t rev[UL_DIGITS_MAX];
    size_t n = 0, off = 12;
    while (off + 2 <= len && q[off] == 1 && n < UL_DIGITS_MAX) {
        rev[n++] = q[off + 1];
        off += 2;
    }
    uint64_t number = 0;
    if (len < 12 || off + 15 > len || memcmp(q + off, "\4e164\4arpa\0", 11) != 0 ||
        q[off + 12] != 35 || n == 0)
        return 0;
    for (size_t i = n; i-- > 0;) {
        if (rev[i] < '0' || rev[i] > '9')
            return 0;
        number = number * 10 + (rev[i] - '0');
    }
    size_t qend = off + 15;
    unsigned op = hashtab_get(r->set, number);
    memcpy(out, q, qend);
    out[2] = (uint8_t)(0x84 | (q[2] & 0x01)); /* QR, AA, RD copied */
    out[3] = corrupt ? 2 : 0;                 /* SERVFAIL when corrupting */
    put16(out + 6, 1);
    put16(out + 8, 0);
    put16(out + 10, 1);
    uint8_t *p = out + qend;
    char regexp[64];
    int rl = op ? snprintf(regexp, sizeof regexp, "!^(.*)$!tel:\\1;npdi;rn=1%02u%04u!", op,
                           (unsigned)(number % 10000))
                : snprintf(regexp, sizeof regexp, "!^(.*)$!tel:\\1;npdi!");
    static const uint8_t head[] = {0xc0, 12, 0, 35, 0, 1, 0, 0, DNS_TTL >> 8, DNS_TTL & 0xff};
    memcpy(p, head, sizeof head);
    p += sizeof head;
    uint8_t *rdlen = p;
    p += 2;
    memcpy(p, "\0\12\0\144\1u\14E2U+pstn:tel", 19); /* order 10, preference 100, flags, service */
    p += 19;
    *p++ = (uint8_t)rl;
    memcpy(p, regexp, (size_t)rl);
    p += rl;
    *p++ = 0; /* replacement: the root */
    put16(rdlen, (unsigned)(p - rdlen - 2));
    memcpy(p, "\0\0\51\4\320\0\0\0\0\0\0", 11); /* OPT, UDP size 1232 */
    return (size_t)(p + 11 - out);
}

static void *responder_main(void *arg)
{
    ul_responder_t *r = arg;
    batch_t *b = malloc(sizeof *b); /* 70 KiB: too large for a thread stack */
    if (b == NULL) {
        fprintf(stderr, "udp_load: responder: out of memory\n");
        return NULL;
    }
    for (unsigned k = 0; k < BATCH; k++) {
        b->in_iov[k] = (struct iovec){.iov_base = b->in_buf[k], .iov_len = BUF_BYTES};
        b->out_iov[k] = (struct iovec){.iov_base = b->out_buf[k]};
    }
    struct pollfd pfd[2] = {{.fd = r->fd, .events = POLLIN}, {.fd = r->stop_fd, .events = POLLIN}};
    for (;;) {
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents)
            break;
        for (unsigned k = 0; k < BATCH; k++)
            b->in[k].msg_hdr = (struct msghdr){.msg_name = &b->from[k],
                                               .msg_namelen = sizeof b->from[k],
                                               .msg_iov = &b->in_iov[k],
                                               .msg_iovlen = 1};
        int m = recvmmsg(r->fd, b->in, BATCH, MSG_DONTWAIT, NULL);
        unsigned nout = 0;
        for (int k = 0; k < m; k++) {
            r->seen++;
            if (r->drop_every && r->seen % r->drop_every == 0) {
                r->dropped++;
                continue;
            }
            bool corrupt = r->corrupt_every && r->seen % r->corrupt_every == 0;
            const uint8_t *q = b->in_buf[k];
            size_t len = b->in[k].msg_len, n = 0;
            uint8_t *out = b->out_buf[nout];
            if (r->proto == UL_PDB)
                n = answer_pdb(r, q, len, out, corrupt);
            else if (r->proto == UL_PDB_LEGACY)
                n = answer_legacy(r, q, len, out, corrupt);
            else
                n = answer_dns(r, q, len, out, corrupt);
            if (n == 0) {
                r->unparsed++;
                continue;
            }
            r->corrupted += corrupt;
            b->out_iov[nout].iov_len = n;
            b->out[nout].msg_hdr = (struct msghdr){.msg_name = &b->from[k],
                                                   .msg_namelen = b->in[k].msg_hdr.msg_namelen,
                                                   .msg_iov = &b->out_iov[nout],
                                                   .msg_iovlen = 1};
            nout++;
        }
        for (unsigned done = 0; done < nout;) {
            int s = sendmmsg(r->fd, b->out + done, nout - done, 0);
            if (s < 0 && errno != EINTR && errno != EAGAIN)
                break; /* the client went away: drop the rest, like any UDP server */
            done += s > 0 ? (unsigned)s : 0;
        }
    }
    free(b);
    return NULL;
}

int ul_responder_start(ul_responder_t *r, uint32_t addr)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(addr)};
    socklen_t salen = sizeof sa;
    int size = 4 << 20;
    r->seen = r->dropped = r->corrupted = r->unparsed = 0;
    r->stop_fd = eventfd(0, EFD_CLOEXEC);
    r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (r->fd < 0 || r->stop_fd < 0)
        goto fail;
    (void)setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (bind(r->fd, (const struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(r->fd, (struct sockaddr *)&sa, &salen) != 0)
        goto fail;
    r->port = ntohs(sa.sin_port);
    errno = pthread_create(&r->thread, NULL, responder_main, r);
    if (errno != 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "udp_load: responder: %s\n", strerror(errno));
    if (r->fd >= 0)
        close(r->fd);
    if (r->stop_fd >= 0)
        close(r->stop_fd);
    r->fd = r->stop_fd = -1;
    return MNP_EIO;
}

void ul_responder_stop(ul_responder_t *r)
{
    uint64_t one = 1;
    if (write(r->stop_fd, &one, sizeof one) == (ssize_t)sizeof one)
        pthread_join(r->thread, NULL);
    close(r->fd);
    close(r->stop_fd);
    r->fd = r->stop_fd = -1;
}
