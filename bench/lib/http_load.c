/*
 * The HTTP load helpers of bench/ (see http_load.h). The client is deliberately plain: one
 * request in flight per connection, Content-Length framing (mnpd never chunks a JSON answer),
 * and a reconnect when the server closed the connection, as a real client would do.
 */
#include "http_load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int hl_daemon_start(char *const argv[], const char *log_path, hl_daemon_t *d)
{
    int logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (logfd < 0) {
        fprintf(stderr, "%s: %s\n", log_path, strerror(errno));
        return -1;
    }
    d->port = 0;
    d->pid = fork();
    if (d->pid == 0) {
        dup2(logfd, STDERR_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    close(logfd);
    if (d->pid < 0)
        return -1;
    regex_t re;
    regcomp(&re, "msg=\"listening\".*addr=127\\.0\\.0\\.1:([0-9]+)", REG_EXTENDED);
    FILE *f = fopen(log_path, "r");
    char line[1024];
    /* The log is a file the daemon appends to: read what is there, then look again. */
    for (int tries = 0; f != NULL && d->port == 0 && tries < 3000; tries++) {
        while (fgets(line, sizeof(line), f) != NULL) {
            regmatch_t m[2];
            if (regexec(&re, line, 2, m, 0) == 0) {
                d->port = (unsigned)strtoul(line + m[1].rm_so, NULL, 10);
                break;
            }
        }
        clearerr(f);
        if (d->port == 0 && waitpid(d->pid, NULL, WNOHANG) == d->pid)
            break;
        if (d->port == 0)
            nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    regfree(&re);
    if (f != NULL)
        fclose(f);
    if (d->port == 0) {
        fprintf(stderr, "%s did not start listening; its log is %s\n", argv[0], log_path);
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
        return -1;
    }
    return 0;
}

int hl_daemon_stop(hl_daemon_t *d)
{
    int st;
    kill(d->pid, SIGTERM);
    if (waitpid(d->pid, &st, 0) != d->pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void hl_conn_init(hl_conn_t *c, unsigned port)
{
    c->fd = -1;
    c->port = port;
    c->len = 0;
}

void hl_conn_close(hl_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static int conn_open(hl_conn_t *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        hl_conn_close(c);
        return -1;
    }
    return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads until the head and Content-Length bytes of body are in; returns the status. */
static int read_answer(hl_conn_t *c, const char **body)
{
    c->len = 0;
    size_t head = 0, want = 0;
    for (;;) {
        if (c->len + 1 >= sizeof(c->buf))
            return -1;
        ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c->len += (size_t)r;
        c->buf[c->len] = '\0';
        if (head == 0) {
            char *end = strstr(c->buf, "\r\n\r\n");
            if (end == NULL)
                continue;
            head = (size_t)(end - c->buf) + 4;
            const char *cl = strcasestr(c->buf, "\r\nContent-Length:");
            if (cl == NULL || cl > end)
                return -1;
            want = head + strtoul(cl + 17, NULL, 10);
        }
        if (c->len >= want)
            break;
    }
    c->buf[want] = '\0';
    *body = c->buf + head;
    if (strncmp(c->buf, "HTTP/1.1 ", 9) != 0)
        return -1;
    if (strcasestr(c->buf, "\r\nConnection: close") != NULL)
        hl_conn_close(c);
    return atoi(c->buf + 9);
}

int hl_request(hl_conn_t *c, const char *method, const char *path, const char *key,
               const char *json, const char **body)
{
    char req[4096];
    int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: bench\r\n", method, path);
    if (key != NULL)
        n += snprintf(req + n, sizeof(req) - (size_t)n, "Authorization: Bearer %s\r\n", key);
    if (json != NULL)
        n += snprintf(req + n, sizeof(req) - (size_t)n,
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                      strlen(json), json);
    else
        n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
    if (n <= 0 || (size_t)n >= sizeof(req))
        return -1;
    if (c->fd < 0 && conn_open(c) != 0)
        return -1;
    int st = -1;
    if (send_all(c->fd, req, (size_t)n) == 0)
        st = read_answer(c, body);
    if (st < 0)
        hl_conn_close(c);
    return st;
}

int hl_command_line(const char *cmd, char *out, size_t out_size)
{
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        fprintf(stderr, "cannot run: %s\n", cmd);
        return -1;
    }
    out[0] = '\0';
    if (fgets(out, (int)out_size, p) != NULL)
        out[strcspn(out, "\n")] = '\0';
    char rest[256];
    while (fgets(rest, sizeof(rest), p) != NULL) {
    }
    int st = pclose(p);
    if (st != 0 || out[0] == '\0') {
        fprintf(stderr, "failed: %s\n", cmd);
        return -1;
    }
    return 0;
}
