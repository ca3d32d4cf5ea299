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
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "durable_bench.h"
#include "http_load.h"

#define NUMBERS_MAX 4000000
#define IDENTITY    "430102199001011238"

typedef struct run {
    const char *key;     /* the caller's API key */
    uint32_t blocks[64]; /* CUCC blocks of Changsha in the demo plan */
    size_t nblocks;
} run_t;

static void number_of(const run_t *r, uint64_t i, char out[16])
{
    snprintf(out, 16, "%u%04u", r->blocks[(i / 10000) % r->nblocks], (unsigned)(i % 10000));
}

/* The donor registers a code for number i. */
static int send_code(hl_conn_t *c, uint64_t i, void *arg)
{
    const run_t *r = arg;
    char num[16], body[256];
    const char *answer;
    number_of(r, i, num);
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"identity\":\"" IDENTITY "\",\"code\":\"123456\"}", num);
    return hl_request(c, "POST", "/v1/authcodes", r->key, body, &answer);
}

/* The recipient submits the port of number i with its code. */
static int send_order(hl_conn_t *c, uint64_t i, void *arg)
{
    const run_t *r = arg;
    char num[16], body[256];
    const char *answer;
    number_of(r, i, num);
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"identity\":\"" IDENTITY
             "\",\"code\":\"123456\",\"channel\":\"online\"}",
             num);
    return hl_request(c, "POST", "/v1/orders", r->key, body, &answer);
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
    run_t donor = {0}, recipient = {0};
    donor.nblocks = hl_cucc_changsha_blocks(src, donor.blocks);
    if (donor.nblocks == 0)
        return 1;
    recipient = donor;
    double base = fsync_probe_rate(args.dir, (double)args.seconds);

    char db[4096], conf[4200], logp[4200], keyp[4200];
    snprintf(db, sizeof(db), "%s/ch-http-bench.db", args.dir);
    snprintf(conf, sizeof(conf), "%s/ch-http-bench.conf", args.dir);
    snprintf(logp, sizeof(logp), "%s/ch-http-bench.log", args.dir);
    snprintf(keyp, sizeof(keyp), "%s.key", db);
    durable_remove_db(db); /* a stale one from an interrupted run */
    remove(keyp);
    char keys[4][128];
    if (hl_clearinghouse_setup(bin, src, db, keys) != 0)
        return 1;
    recipient.key = keys[0];
    donor.key = keys[1];
    FILE *f = fopen(conf, "w");
    if (f == NULL)
        return 1;
    fprintf(f,
            "[clearinghouse]\nlisten = 127.0.0.1:0\n"
            "store = sqlite:%s\nkey_file = %s\n",
            db, keyp);
    fclose(f);
    hl_daemon_t d;
    if (hl_mnpd_start(bin, conf, logp, &d) != 0)
        return 1;

    double ceiling = hl_http_ceiling(d.port, args.clients, args.seconds);
    hl_phase_t codes = {.name = "code registrations (donor)",
                        .verb = "durable",
                        .port = d.port,
                        .limit = NUMBERS_MAX,
                        .want = 201,
                        .send = send_code,
                        .arg = &donor};
    hl_phase_run(&codes, args.clients, args.seconds);
    uint64_t registered = atomic_load(&codes.done);

    hl_conn_t mc;
    hl_conn_init(&mc, d.port);
    double w0, c0, w, c;
    store_counters(&mc, &w0, &c0);
    hl_phase_t orders = {.name = "port-order submissions (recipient)",
                         .verb = "durable",
                         .port = d.port,
                         .limit = registered,
                         .want = 201,
                         .send = send_order,
                         .arg = &recipient};
    double rate = hl_phase_run(&orders, args.clients, args.seconds);
    store_counters(&mc, &w, &c);
    printf("  store: %.0f writes in %.0f commits, %.1f per commit\n", w - w0, c - c0,
           c > c0 ? (w - w0) / (c - c0) : 0.0);
    hl_conn_close(&mc);
    int st = hl_daemon_stop(&d);
    printf("single-writer fdatasync rate: %.0f/s (%s)\n", base, args.dir);
    printf("ratio: %.1fx the single-writer fsync rate (port-order submissions)\n", rate / base);
    printf("       %.1fx the HTTP ceiling (GET /healthz, same clients and server)\n",
           rate / ceiling);
    durable_remove_db(db);
    remove(keyp);
    remove(conf);
    if (st != 0)
        fprintf(stderr, "ch_http: mnpd exited with %d; its log is %s\n", st, logp);
    else
        remove(logp);
    return st == 0 ? 0 : 1;
}
