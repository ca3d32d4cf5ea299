/*
 * The test HTTP client of http_client.h. The socket is non-blocking and every wait goes through
 * poll() against one deadline, so a daemon that dies or hangs mid-request costs a test at most
 * its timeout. An answer counts only when all of it arrived: a daemon killed while it writes
 * must never look like one that answered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - now_ms();
        if (left <= 0)
            return MNP_EBUSY;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return MNP_EIO;
    }
}

static int connect_to(uint16_t port, int64_t deadline_ms, int *fd_out)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return MNP_EIO;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (errno != EINPROGRESS) {
            rc = MNP_EIO;
        } else {
            rc = wait_fd(fd, POLLOUT, deadline_ms);
            int so = 0;
            socklen_t len = sizeof(so);
            if (rc == 0 && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) != 0 || so != 0))
                rc = MNP_EIO;
        }
    }
    if (rc != 0) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return 0;
}

static int send_all(int fd, const char *data, size_t len, int64_t deadline_ms)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_fd(fd, POLLOUT, deadline_ms);
            if (rc != 0)
                return rc;
            continue;
        }
        return MNP_EIO;
    }
    return 0;
}

/* The end of the header block in buf[0..len), or NULL. */
static const char *header_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i + 4;
    return NULL;
}

/* The Content-Length header's value in the header block [buf, end), or -1 when there is none. */
static long long content_length(const char *buf, const char *end)
{
    static const char name[] = "\r\ncontent-length:";
    size_t n = sizeof(name) - 1;
    for (const char *p = buf; p + n < end; p++) {
        if (strncasecmp(p, name, n) == 0) {
            char *e;
            long long v = strtoll(p + n, &e, 10);
            return e == p + n || v < 0 ? -2 : v;
        }
    }
    return -1;
}

/* Parses a complete answer in buf[0..len), the connection having ended (eof) or not. Returns 0
 * with *out filled, 1 when more bytes are needed, or an error. */
static int parse(char *buf, size_t len, bool eof, test_http_reply_t *out)
{
    const char *end = header_end(buf, len);
    if (end == NULL)
        return eof ? (len ? MNP_ETRUNC : MNP_EIO) : 1;
    int status;
    if (sscanf(buf, "HTTP/1.%*[01] %3d", &status) != 1 || status < 100 || status > 599)
        return MNP_EFORMAT;
    long long clen = content_length(buf, end);
    size_t have = len - (size_t)(end - buf);
    if (clen == -2)
        return MNP_EFORMAT;
    if (clen >= 0 && have < (size_t)clen)
        return eof ? MNP_ETRUNC : 1;
    if (clen < 0 && !eof)
        return 1; /* no length: the answer ends with the connection */
    size_t blen = clen >= 0 ? (size_t)clen : have;
    out->body = malloc(blen + 1);
    if (out->body == NULL)
        return MNP_ENOMEM;
    memcpy(out->body, end, blen);
    out->body[blen] = '\0';
    out->len = blen;
    out->status = status;
    return 0;
}

static int read_reply(int fd, int64_t deadline_ms, test_http_reply_t *out)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int rc = buf ? 1 : MNP_ENOMEM;
    while (rc == 1) {
        if (len + 1 == cap) {
            if (cap >= TEST_HTTP_REPLY_MAX) {
                rc = MNP_ELIMIT;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                rc = MNP_ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int w = wait_fd(fd, POLLIN, deadline_ms);
            if (w != 0)
                rc = w;
            continue;
        }
        if (n < 0) { /* reset: whatever came is not a whole answer */
            rc = len ? MNP_ETRUNC : MNP_EIO;
            break;
        }
        len += (size_t)n;
        buf[len] = '\0';
        rc = parse(buf, len, n == 0, out);
    }
    free(buf);
    return rc;
}

int test_http_request(uint16_t port, const char *method, const char *path, const char *key,
                      const char *body, int timeout_ms, test_http_reply_t *out)
{
    *out = (test_http_reply_t){0};
    int64_t deadline = now_ms() + timeout_ms;
    size_t blen = body ? strlen(body) : 0;
    size_t cap = 512 + strlen(method) + strlen(path) + (key ? strlen(key) : 0) + blen;
    char *req = malloc(cap);
    if (req == NULL)
        return MNP_ENOMEM;
    int n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n",
                     method, path, (unsigned)port);
    if (key != NULL)
        n += snprintf(req + n, cap - (size_t)n, "Authorization: Bearer %s\r\n", key);
    if (body != NULL)
        n += snprintf(req + n, cap - (size_t)n,
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n", blen);
    n += snprintf(req + n, cap - (size_t)n, "\r\n");
    if (body != NULL) {
        memcpy(req + n, body, blen);
        n += (int)blen;
    }
    int fd = -1;
    int rc = connect_to(port, deadline, &fd);
    if (rc == 0)
        rc = send_all(fd, req, (size_t)n, deadline);
    if (rc == 0)
        rc = read_reply(fd, deadline, out);
    if (fd >= 0)
        close(fd);
    free(req);
    if (rc != 0) {
        test_http_reply_fini(out);
        *out = (test_http_reply_t){0};
    }
    return rc;
}

void test_http_reply_fini(test_http_reply_t *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}
