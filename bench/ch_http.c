/*
 * bench/ch_http: durable port-order submissions per second over HTTP against a real mnpd, from
 * C concurrent keep-alive clients (default 64), next to the disk's single-writer fdatasync rate
 * measured by this same program on the same disk, and next to what the same clients and server
 * do with GET /healthz (the machine's ceiling for anything over HTTP). The donor first registers a
 * code for every number the recipient will port (timed and reported too: it is the same kind of
 * durable write); then the recipient submits POST /v1/orders for them, every check of SPEC §5 run,
 * each answered only once its transaction is on disk. Usage:
 * ch_http [--clients C] [--seconds S] [--dir DIR]; mnpd and mnpctl are taken from MNP_BIN_DIR
 * (the build's bin directory by default).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "durable_bench.h"
#include "http_load.h"
#include "mnp/numplan.h"

#define NUMBERS_MAX 4000000
#define IDENTITY    "430102199001011238"

typedef struct phase {
    const char *name;
    const char *key;                          /* the caller's API key */
    const char *path;                         /* POST path, or GET for PH_NULL */
    enum { PH_CODE, PH_ORDER, PH_NULL } kind; /* donor's code, recipient's order, /healthz */
    uint64_t limit;                           /* numbers 0 .. limit-1 */
    int64_t end_ns;                           /* or until then */
    int want;                                 /* the success status */
    atomic_uint_fast64_t next, done, refused, failed;
    int64_t *lat;
} phase_t;

typedef struct run {
    unsigned port;
    uint32_t blocks[64]; /* CUCC blocks of Changsha in the demo plan */
    size_t nblocks;
    phase_t *ph;
} run_t;

static void number_of(const run_t *r, uint64_t i, char out[16])
{
    snprintf(out, 16, "%u%04u", r->blocks[(i / 10000) % r->nblocks], (unsigned)(i % 10000));
}

static void *client(void *arg)
{
    run_t *r = arg;
    phase_t *ph = r->ph;
    hl_conn_t *c = malloc(sizeof(*c));
    hl_conn_init(c, r->port);
    for (;;) {
        uint64_t i = atomic_fetch_add(&ph->next, 1);
        if (i >= ph->limit || durable_now_ns() >= ph->end_ns)
            break;
        char num[16], body[256];
        const char *answer;
        number_of(r, i, num);
        if (ph->kind == PH_ORDER)
            snprintf(body, sizeof(body),
                     "{\"number\":\"%s\",\"identity\":\"" IDENTITY
                     "\",\"code\":\"123456\",\"channel\":\"online\"}",
                     num);
        else
            snprintf(body, sizeof(body),
                     "{\"number\":\"%s\",\"identity\":\"" IDENTITY "\",\"code\":\"123456\"}", num);
        int64_t t0 = durable_now_ns();
        int st = ph->kind == PH_NULL ? hl_request(c, "GET", ph->path, NULL, NULL, &answer)
                                     : hl_request(c, "POST", ph->path, ph->key, body, &answer);
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

/* Runs ph with n clients; returns durable successes per second. */
static double run_phase(run_t *r, phase_t *ph, uint64_t clients, uint64_t seconds)
{
    r->ph = ph;
    pthread_t *th = calloc(clients, sizeof(pthread_t));
    int64_t start = durable_now_ns();
    ph->end_ns = start + (int64_t)seconds * 1000000000;
    for (uint64_t i = 0; i < clients; i++)
        pthread_create(&th[i], NULL, client, r);
    for (uint64_t i = 0; i < clients; i++)
        pthread_join(th[i], NULL);
    free(th);
    double elapsed = (double)(durable_now_ns() - start) / 1e9;
    uint64_t n = atomic_load(&ph->next) < ph->limit ? atomic_load(&ph->next) : ph->limit;
    /* Numbers taken after the deadline were never sent. */
    uint64_t sent = atomic_load(&ph->done) + atomic_load(&ph->refused) + atomic_load(&ph->failed);
    double rate = (double)atomic_load(&ph->done) / elapsed;
    printf("%s, %llu clients: %.0f/s %s (%llu done, %llu refused, %llu failed in %.1f s)\n",
           ph->name, (unsigned long long)clients, rate,
           ph->kind == PH_NULL ? "answered" : "durable", (unsigned long long)atomic_load(&ph->done),
           (unsigned long long)atomic_load(&ph->refused),
           (unsigned long long)atomic_load(&ph->failed), elapsed);
    (void)n;
    int64_t *lat = malloc(sent * sizeof(int64_t));
    size_t k = 0;
    for (uint64_t i = 0; i < ph->limit && k < sent; i++)
        if (ph->lat[i] > 0)
            lat[k++] = ph->lat[i];
    durable_print_latency("  latency", lat, k);
    free(lat);
    return rate;
}

/* The daemon's store counters: writes and commits. mnpd refreshes them once a second, so this
 * waits that long first. */
static void store_counters(hl_conn_t *c, double *writes, double *commits)
{
    static const char *const names[] = {"mnp_store_writes_total", "mnp_store_commits_total"};
    double *out[] = {writes, commits};
    const char *text;
    *writes = *commits = 0;
    nanosleep(&(struct timespec){.tv_sec = 1, .tv_nsec = 200000000}, NULL);
    if (hl_request(c, "GET", "/metrics", NULL, NULL, &text) != 200)
        return;
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(names[i]);
        for (const char *p = text; (p = strstr(p, names[i])) != NULL; p += n)
            if ((p == text || p[-1] == '\n') && p[n] == ' ') {
                *out[i] = strtod(p + n + 1, NULL);
                break;
            }
    }
}

static int setup(const char *bin, const char *src, const char *db, char keys[2][128])
{
    char cmd[8192], line[256];
    static const char *const ops[] = {"CMCC", "CUCC", "CTCC", "CBN"};
    for (int i = 0; i < 4; i++) {
        snprintf(cmd, sizeof(cmd), "'%s/mnpctl' operator add %s --name %s --db '%s'", bin, ops[i],
                 ops[i], db);
        if (hl_command_line(cmd, i < 2 ? keys[i] : line, i < 2 ? 128 : sizeof(line)) != 0)
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

static int load_blocks(run_t *r, const char *src)
{
    char path[4096];
    mnp_numplan_t *plan;
    mnp_error_t err;
    snprintf(path, sizeof(path), "%s/data/blocks-demo.csv", src);
    if (mnp_numplan_new(&plan) != 0)
        return -1;
    if (mnp_numplan_load_blocks_file(plan, path, &err) != 0) {
        fprintf(stderr, "ch_http: %s\n", err.msg);
        mnp_numplan_free(plan);
        return -1;
    }
    for (size_t i = 0; i < mnp_numplan_block_count(plan) && r->nblocks < 64; i++) {
        uint32_t block;
        mnp_operator_t holder;
        const char *ln;
        mnp_numplan_block_at(plan, i, &block, &holder, &ln);
        if (holder == MNP_OP_CUCC && strcmp(ln, "0731") == 0)
            r->blocks[r->nblocks++] = block;
    }
    mnp_numplan_free(plan);
    return r->nblocks > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    durable_args_t args;
    int exit_st = durable_args_parse(
        argc, argv, "ch_http",
        "Durable port-order submissions per second over HTTP against a real mnpd from C\n"
        "keep-alive clients (default 64) on the disk of DIR (default .), next to its\n"
        "fdatasync rate. mnpd and mnpctl come from $MNP_BIN_DIR (default: this build's).",
        &args);
    if (exit_st >= 0)
        return exit_st;
    const char *bin = getenv("MNP_BIN_DIR") ? getenv("MNP_BIN_DIR") : MNP_BIN_DIR;
    const char *src = MNP_SOURCE_DIR;
    run_t r = {0};
    if (load_blocks(&r, src) != 0)
        return 1;
    double base = fsync_probe_rate(args.dir, (double)args.seconds);

    char db[4096], conf[4200], logp[4200], keyp[4200];
    snprintf(db, sizeof(db), "%s/ch-http-bench.db", args.dir);
    snprintf(conf, sizeof(conf), "%s/ch-http-bench.conf", args.dir);
    snprintf(logp, sizeof(logp), "%s/ch-http-bench.log", args.dir);
    snprintf(keyp, sizeof(keyp), "%s.key", db);
    durable_remove_db(db); /* a stale one from an interrupted run */
    remove(keyp);
    char keys[2][128];
    if (setup(bin, src, db, keys) != 0)
        return 1;
    FILE *f = fopen(conf, "w");
    if (f == NULL)
        return 1;
    fprintf(f,
            "[clearinghouse]\nlisten = 127.0.0.1:0\n"
            "store = sqlite:%s\nkey_file = %s\n",
            db, keyp);
    fclose(f);
    char mnpd[4096];
    snprintf(mnpd, sizeof(mnpd), "%s/mnpd", bin);
    char opt[] = "--config";
    char *dargv[] = {mnpd, opt, conf, NULL};
    hl_daemon_t d;
    if (hl_daemon_start(dargv, logp, &d) != 0)
        return 1;
    r.port = d.port;

    int64_t *lat = calloc(NUMBERS_MAX, sizeof(int64_t));
    /* What the same clients and server do with a request that writes nothing: the ceiling
     * this machine puts on any figure over HTTP. */
    phase_t null = {.name = "HTTP ceiling: GET /healthz",
                    .path = "/healthz",
                    .kind = PH_NULL,
                    .limit = NUMBERS_MAX,
                    .want = 200,
                    .lat = lat};
    double ceiling = run_phase(&r, &null, args.clients, args.seconds);
    memset(lat, 0, NUMBERS_MAX * sizeof(int64_t));
    phase_t codes = {.name = "code registrations (donor)",
                     .key = keys[1],
                     .path = "/v1/authcodes",
                     .limit = NUMBERS_MAX,
                     .want = 201,
                     .lat = lat};
    run_phase(&r, &codes, args.clients, args.seconds);
    uint64_t registered = atomic_load(&codes.done);

    hl_conn_t mc;
    hl_conn_init(&mc, d.port);
    double w0, c0, w, c;
    store_counters(&mc, &w0, &c0);
    memset(lat, 0, NUMBERS_MAX * sizeof(int64_t));
    phase_t orders = {.name = "port-order submissions (recipient)",
                      .key = keys[0],
                      .path = "/v1/orders",
                      .kind = PH_ORDER,
                      .limit = registered,
                      .want = 201,
                      .lat = lat};
    double rate = run_phase(&r, &orders, args.clients, args.seconds);
    store_counters(&mc, &w, &c);
    printf("  store: %.0f writes in %.0f commits, %.1f per commit\n", w - w0, c - c0,
           c > c0 ? (w - w0) / (c - c0) : 0.0);
    hl_conn_close(&mc);
    int st = hl_daemon_stop(&d);
    printf("single-writer fdatasync rate: %.0f/s (%s)\n", base, args.dir);
    printf("ratio: %.1fx the single-writer fsync rate (port-order submissions)\n", rate / base);
    printf("       %.1fx the HTTP ceiling (GET /healthz, same clients and server)\n",
           rate / ceiling);
    free(lat);
    durable_remove_db(db);
    remove(keyp);
    remove(conf);
    if (st != 0)
        fprintf(stderr, "ch_http: mnpd exited with %d; its log is %s\n", st, logp);
    else
        remove(logp);
    return st == 0 ? 0 : 1;
}
