/*
 * The HTTP load helpers of bench/ (see http_load.h). The client is deliberately plain: one
 * request in flight per connection, Content-Length framing (mnpd never chunks a JSON answer),
 * and a reconnect when the server closed the connection, as a real client would do.
 */
#include "http_load.h"

#include "durable_bench.h"
#include "mnp/idcard.h"
#include "mnp/numplan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
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

static void *phase_client(void *arg)
{
    hl_phase_t *ph = arg;
    hl_conn_t *c = malloc(sizeof(*c));
    hl_conn_init(c, ph->port);
    for (;;) {
        uint64_t i = atomic_fetch_add(&ph->next, 1);
        if (i >= ph->limit || durable_now_ns() >= ph->end_ns)
            break;
        int64_t t0 = durable_now_ns();
        int st = ph->send(c, i, ph->arg);
        ph->lat[i] = durable_now_ns() - t0;
        if (st == ph->want)
            atomic_fetch_add(&ph->done, 1);
        else if (st < 0 || st >= 500)
            atomic_fetch_add(&ph->failed, 1);
        else
            atomic_fetch_add(&ph->refused, 1);
    }
    hl_conn_close(c);
    free(c);
    return NULL;
}

double hl_phase_run(hl_phase_t *ph, uint64_t clients, uint64_t seconds)
{
    ph->lat = calloc(ph->limit, sizeof(int64_t));
    pthread_t *th = calloc(clients, sizeof(pthread_t));
    int64_t start = durable_now_ns();
    ph->end_ns = start + (int64_t)seconds * 1000000000;
    for (uint64_t i = 0; i < clients; i++)
        pthread_create(&th[i], NULL, phase_client, ph);
    for (uint64_t i = 0; i < clients; i++)
        pthread_join(th[i], NULL);
    free(th);
    double elapsed = (double)(durable_now_ns() - start) / 1e9;
    uint64_t sent = atomic_load(&ph->done) + atomic_load(&ph->refused) + atomic_load(&ph->failed);
    double rate = (double)atomic_load(&ph->done) / elapsed;
    printf("%s, %llu clients: %.0f/s %s (%llu done, %llu refused, %llu failed in %.1f s)\n",
           ph->name, (unsigned long long)clients, rate, ph->verb,
           (unsigned long long)atomic_load(&ph->done),
           (unsigned long long)atomic_load(&ph->refused),
           (unsigned long long)atomic_load(&ph->failed), elapsed);
    /* Requests taken after the deadline were never sent: only measured ones count. */
    int64_t *lat = malloc((sent ? sent : 1) * sizeof(int64_t));
    size_t k = 0;
    for (uint64_t i = 0; i < ph->limit && k < sent; i++)
        if (ph->lat[i] > 0)
            lat[k++] = ph->lat[i];
    durable_print_latency("  latency", lat, k);
    free(lat);
    free(ph->lat);
    ph->lat = NULL;
    return rate;
}

int hl_clearinghouse_setup(const char *bin, const char *src, const char *db, char keys[4][128])
{
    char cmd[8192], line[256];
    static const char *const ops[] = {"CMCC", "CUCC", "CTCC", "CBN"};
    for (int i = 0; i < 4; i++) {
        snprintf(cmd, sizeof(cmd), "'%s/mnpctl' operator add %s --name %s --db '%s'", bin, ops[i],
                 ops[i], db);
        if (hl_command_line(cmd, keys[i], 128) != 0)
            return -1;
    }
    snprintf(cmd, sizeof(cmd), "'%s/mnpctl' numplan import '%s/data/blocks-demo.csv' --db '%s'",
             bin, src, db);
    if (hl_command_line(cmd, line, sizeof(line)) != 0)
        return -1;
    snprintf(cmd, sizeof(cmd), "'%s/mnpctl' routing import '%s/data/routing-demo.csv' --db '%s'",
             bin, src, db);
    return hl_command_line(cmd, line, sizeof(line));
}

size_t hl_cucc_changsha_blocks(const char *src, uint32_t blocks[64])
{
    char path[4096];
    mnp_numplan_t *plan;
    mnp_error_t err;
    size_t n = 0;
    snprintf(path, sizeof(path), "%s/data/blocks-demo.csv", src);
    if (mnp_numplan_new(&plan) != 0)
        return 0;
    if (mnp_numplan_load_blocks_file(plan, path, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        mnp_numplan_free(plan);
        return 0;
    }
    for (size_t i = 0; i < mnp_numplan_block_count(plan) && n < 64; i++) {
        uint32_t block;
        mnp_operator_t holder;
        const char *ln;
        mnp_numplan_block_at(plan, i, &block, &holder, &ln);
        if (holder == MNP_OP_CUCC && strcmp(ln, "0731") == 0)
            blocks[n++] = block;
    }
    mnp_numplan_free(plan);
    return n;
}

int hl_mnpd_start(const char *bin, const char *conf, const char *log_path, hl_daemon_t *d)
{
    char mnpd[4096], opt[] = "--config", cfg[4096];
    snprintf(mnpd, sizeof(mnpd), "%s/mnpd", bin);
    snprintf(cfg, sizeof(cfg), "%s", conf);
    char *argv[] = {mnpd, opt, cfg, NULL};
    return hl_daemon_start(argv, log_path, d);
}

static int send_null(hl_conn_t *c, uint64_t i, void *arg)
{
    (void)i, (void)arg;
    const char *answer;
    return hl_request(c, "GET", "/healthz", NULL, NULL, &answer);
}

double hl_http_ceiling(unsigned port, uint64_t clients, uint64_t seconds)
{
    hl_phase_t null = {.name = "HTTP ceiling: GET /healthz",
                       .verb = "answered",
                       .port = port,
                       .limit = 4000000,
                       .want = 200,
                       .send = send_null};
    return hl_phase_run(&null, clients, seconds);
}

void hl_cucc_subscriber(const uint32_t *blocks, size_t nblocks, uint64_t i, char num[16],
                        char id[19])
{
    snprintf(num, 16, "%u%04u", blocks[(i / 10000) % nblocks], (unsigned)(i % 10000));
    char d17[18];
    snprintf(d17, sizeof(d17), "43010219900101%03u", (unsigned)(i % 1000));
    snprintf(id, 19, "%s%c", d17, mnp_idcard_check_char(d17));
}

int hl_cucc_subscribers_import(const char *bin, const char *csv, const char *db,
                               const uint32_t *blocks, size_t nblocks, uint64_t count,
                               unsigned unpaid_every)
{
    FILE *f = fopen(csv, "w");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", csv, strerror(errno));
        return -1;
    }
    fprintf(f, "number,name,identity,registration,status,unpaid_fen,last_port,services,"
               "balance_fen\n");
    for (uint64_t i = 0; i < count; i++) {
        char num[16], id[19];
        hl_cucc_subscriber(blocks, nblocks, i, num, id);
        bool unpaid = unpaid_every != 0 && i % unpaid_every == 0;
        fprintf(f, "%s,张三,%s,person,normal,%d,,副卡,0\n", num, id, unpaid ? 1250 : 0);
    }
    if (fclose(f) != 0)
        return -1;
    char cmd[9000], line[256];
    snprintf(cmd, sizeof(cmd), "'%s/mnpctl' subscribers import --operator CUCC '%s' --db '%s'", bin,
             csv, db);
    return hl_command_line(cmd, line, sizeof(line));
}
