/*
 * bench/gw_port_e2e: the end-to-end time of a port, from a shop's POST /v1/port-in at the
 * recipient's gateway to the number answering with the new operator in a lookup
 * (GET /v1/numbers/{number}), with the cutover set to immediate. One mnpd runs the
 * clearinghouse and the gateways of all four operators (clearinghouse = local, over HTTP), so
 * every step is the real one: the recipient's gateway submits the order, the donor's gateway
 * sees it on the feed and accepts by itself, the timers schedule and cut over at once, and the
 * lookup answers. Ports run one after another (each number's code is asked for by SMS first,
 * outside the timing); the lookup side waits on the feed's long poll, never on a timer. In the
 * same run, as baselines: one durable write over HTTP (a code registration) and one lookup.
 * Usage: gw_port_e2e [--seconds S] [--dir DIR] (--clients is ignored: ports are sequential).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "durable_bench.h"
#include "http_load.h"

#define PORTS_MAX 5000

typedef struct run {
    char keys[4][128]; /* CMCC, CUCC, CTCC, CBN */
    uint32_t blocks[64];
    size_t nblocks;
} run_t;

/* The 6 digits after 授权码为 in an SMS reply, or false. */
static bool code_of(const char *reply, char code[7])
{
    const char *p = strstr(reply, "授权码为");
    if (p == NULL)
        return false;
    p += strlen("授权码为");
    for (int i = 0; i < 6; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    memcpy(code, p, 6);
    code[6] = '\0';
    return true;
}

/* The feed position the lookup side waits after. */
static long long next_after(const char *body)
{
    const char *p = body ? strstr(body, "\"next_after\":") : NULL;
    return p ? atoll(p + 13) : -1;
}

/* Asks the replica (rep) for num until it answers CMCC; the instant it did, or -1 after 5 s. */
static int64_t replica_sees(hl_conn_t *rep, const char *num)
{
    char path[64];
    const char *answer;
    snprintf(path, sizeof(path), "/v1/lookup/%s", num);
    int64_t until = durable_now_ns() + 5000000000LL;
    while (durable_now_ns() < until)
        if (hl_request(rep, "GET", path, NULL, NULL, &answer) == 200 &&
            strstr(answer, "\"operator\":\"CMCC\"") != NULL)
            return durable_now_ns();
    return -1;
}

/* One port, timed from the port-in request to the first lookup answering CMCC, at the
 * clearinghouse (the result) and at the replica (*at_replica, from the same start); -1 when a
 * step failed (with a message). */
static int64_t port_one(const run_t *r, hl_conn_t *gw, hl_conn_t *look, hl_conn_t *feed,
                        hl_conn_t *rep, uint64_t i, long long *seq, int64_t *at_replica)
{
    char num[16], id[19], body[512], path[128], code[7];
    const char *answer;
    hl_cucc_subscriber(r->blocks, r->nblocks, i, num, id);
    snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"10010\",\"text\":\"SQXZ#张三#%s\"}",
             num, id);
    int st = hl_request(gw, "POST", "/v1/sms/inbound", r->keys[1], body, &answer);
    if (st != 200 || !code_of(answer, code)) {
        fprintf(stderr, "gw_port_e2e: SQXZ for %s: %d %s\n", num, st, answer ? answer : "");
        return -1;
    }
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"name\":\"张三\",\"identity\":\"%s\",\"code\":\"%s\","
             "\"channel\":\"store\"}",
             num, id, code);
    int64_t t0 = durable_now_ns();
    st = hl_request(gw, "POST", "/v1/port-in", r->keys[0], body, &answer);
    if (st != 201) {
        fprintf(stderr, "gw_port_e2e: port-in %s: %d %s\n", num, st, answer ? answer : "");
        return -1;
    }
    snprintf(path, sizeof(path), "/v1/numbers/%s", num);
    for (int tries = 0; tries < 100; tries++) {
        st = hl_request(look, "GET", path, r->keys[2], NULL, &answer);
        if (st == 200 && strstr(answer, "\"operator\":\"CMCC\"") != NULL) {
            int64_t t1 = durable_now_ns(), t2 = replica_sees(rep, num);
            if (t2 < 0) {
                fprintf(stderr, "gw_port_e2e: the replica never answered CMCC for %s\n", num);
                return -1;
            }
            *at_replica = t2 - t0;
            return t1 - t0;
        }
        /* Not yet: wait for the clearinghouse's next change that China Telecom sees (every
         * NPDB change), at most 2 s. */
        char fpath[128];
        snprintf(fpath, sizeof(fpath), "/v1/events?after=%lld&limit=1000&wait=2", *seq);
        st = hl_request(feed, "GET", fpath, r->keys[2], NULL, &answer);
        long long n = st == 200 ? next_after(answer) : -1;
        if (n >= 0)
            *seq = n;
    }
    fprintf(stderr, "gw_port_e2e: %s never answered CMCC\n", num);
    return -1;
}

static int write_conf(const char *conf, const char *ch, const char *dir, const run_t *r)
{
    static const char *const ops[4][3] = {{"CMCC", "中国移动", "10086"},
                                          {"CUCC", "中国联通", "10010"},
                                          {"CTCC", "中国电信", "10000"},
                                          {"CBN", "中国广电", "10099"}};
    FILE *f = fopen(conf, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "[mnpd]\nlog_level = info\n[clearinghouse]\nlisten = 127.0.0.1:0\nstore = sqlite:%s\n"
            "key_file = %s.key\ncutover_step = 0\n[gateway]\n",
            ch, ch);
    for (int k = 0; k < 4; k++) {
        char keyp[4200];
        snprintf(keyp, sizeof(keyp), "%s/gw-e2e-%s.key", dir, ops[k][0]);
        FILE *kf = fopen(keyp, "w");
        if (kf == NULL) {
            fclose(f);
            return -1;
        }
        fprintf(kf, "%s\n", r->keys[k]);
        fclose(kf);
        chmod(keyp, 0600); /* mnpd reads only a key file no one else can */
        fprintf(f,
                "[operator \"%s\"]\nname = %s\nservice_number = %s\nclearinghouse = local\n"
                "api_key_file = %s\nstore = sqlite:%s/gw-e2e-%s.db\n",
                ops[k][0], ops[k][1], ops[k][2], keyp, dir, ops[k][0]);
    }
    return fclose(f);
}

static void cleanup(const char *dir, const char *ch, bool keep_log)
{
    static const char *const ops[] = {"CMCC", "CUCC", "CTCC", "CBN"};
    char p[4200];
    durable_remove_db(ch);
    snprintf(p, sizeof(p), "%s.key", ch);
    remove(p);
    for (int k = 0; k < 4; k++) {
        snprintf(p, sizeof(p), "%s/gw-e2e-%s.db", dir, ops[k]);
        durable_remove_db(p);
        snprintf(p, sizeof(p), "%s/gw-e2e-%s.key", dir, ops[k]);
        remove(p);
    }
    snprintf(p, sizeof(p), "%s/gw-e2e-subscribers.csv", dir);
    remove(p);
    snprintf(p, sizeof(p), "%s/gw-e2e.conf", dir);
    remove(p);
    if (!keep_log) {
        snprintf(p, sizeof(p), "%s/gw-e2e.log", dir);
        remove(p);
    }
}

/* The p99 of lat[0..n) after durable_print_latency sorted it, in ms. */
static double p99_ms(const int64_t *lat, size_t n)
{
    return n ? (double)lat[n * 99 / 100] / 1e6 : 0;
}

/* A baseline: n sequential requests made by send, their latencies printed; returns the p99. */
static double baseline(const char *label, hl_conn_t *c, const run_t *r, uint64_t n,
                       int (*send)(hl_conn_t *c, const run_t *r, uint64_t i), int64_t *lat)
{
    size_t got = 0;
    for (uint64_t i = 0; i < n; i++) {
        int64_t t0 = durable_now_ns();
        if (send(c, r, i) >= 200)
            lat[got++] = durable_now_ns() - t0;
    }
    durable_print_latency(label, lat, got);
    return p99_ms(lat, got);
}

static int send_lookup(hl_conn_t *c, const run_t *r, uint64_t i)
{
    char num[16], id[19], path[64];
    const char *answer;
    hl_cucc_subscriber(r->blocks, r->nblocks, PORTS_MAX + i, num, id);
    snprintf(path, sizeof(path), "/v1/numbers/%s", num);
    return hl_request(c, "GET", path, r->keys[2], NULL, &answer);
}

/* A code registration: the donor's durable write, answered after its commit. */
static int send_code(hl_conn_t *c, const run_t *r, uint64_t i)
{
    char num[16], id[19], body[256];
    const char *answer;
    hl_cucc_subscriber(r->blocks, r->nblocks, PORTS_MAX + i, num, id);
    snprintf(body, sizeof(body), "{\"number\":\"%s\",\"identity\":\"%s\",\"code\":\"%06u\"}", num,
             id, (unsigned)(i % 1000000));
    int st = hl_request(c, "POST", "/v1/authcodes", r->keys[1], body, &answer);
    return st == 201 ? st : -1;
}

int main(int argc, char **argv)
{
    durable_args_t args;
    int exit_st = durable_args_parse(
        argc, argv, "gw_port_e2e",
        "Time from POST /v1/port-in to the lookup answering the new operator, cutover\n"
        "immediate, ports one after another for --seconds (at most 5000), stores in DIR.",
        &args);
    if (exit_st >= 0)
        return exit_st;
    const char *bin = getenv("MNP_BIN_DIR") ? getenv("MNP_BIN_DIR") : MNP_BIN_DIR;
    const char *src = MNP_SOURCE_DIR;
    run_t r = {0};
    r.nblocks = hl_cucc_changsha_blocks(src, r.blocks);
    if (r.nblocks < 2)
        return 1;
    char ch[4096], conf[4200], logp[4200], csv[4200];
    snprintf(ch, sizeof(ch), "%s/gw-e2e-ch.db", args.dir);
    snprintf(conf, sizeof(conf), "%s/gw-e2e.conf", args.dir);
    snprintf(logp, sizeof(logp), "%s/gw-e2e.log", args.dir);
    snprintf(csv, sizeof(csv), "%s/gw-e2e-subscribers.csv", args.dir);
    cleanup(args.dir, ch, false);
    if (hl_clearinghouse_setup(bin, src, ch, r.keys) != 0 ||
        write_conf(conf, ch, args.dir, &r) != 0)
        return 1;
    char gw[4200];
    snprintf(gw, sizeof(gw), "%s/gw-e2e-CUCC.db", args.dir);
    if (hl_cucc_subscribers_import(bin, csv, gw, r.blocks, r.nblocks, PORTS_MAX, 0) != 0)
        return 1;
    hl_daemon_t d;
    if (hl_mnpd_start(bin, conf, logp, &d) != 0)
        return 1;
    /* A lookup replica of it, in its own process, following the feed over HTTP. */
    char rconf[4200], rlog[4200], rkey[4200], rdir[4200], cmd[9000], line[256];
    snprintf(rconf, sizeof(rconf), "%s/gw-e2e-replica.conf", args.dir);
    snprintf(rlog, sizeof(rlog), "%s/gw-e2e-replica.log", args.dir);
    snprintf(rkey, sizeof(rkey), "%s/gw-e2e-replica.key", args.dir);
    snprintf(rdir, sizeof(rdir), "%s/gw-e2e-replica", args.dir);
    snprintf(cmd, sizeof(cmd),
             "umask 077 && '%s/mnpctl' replica add BENCH --db '%s' > '%s' && echo ok", bin, ch,
             rkey);
    FILE *rf = NULL;
    if (hl_command_line(cmd, line, sizeof(line)) != 0 || (rf = fopen(rconf, "w")) == NULL)
        return 1;
    fprintf(rf,
            "[lookup]\nlisten = 127.0.0.1:0\nclearinghouse = http://127.0.0.1:%u\n"
            "api_key_file = %s\nstate_dir = %s\n",
            d.port, rkey, rdir);
    fclose(rf);
    hl_daemon_t rd;
    if (hl_mnpd_start(bin, rconf, rlog, &rd) != 0)
        return 1;

    hl_conn_t *conns = calloc(4, sizeof(*conns));
    int64_t *lat = calloc(PORTS_MAX, sizeof(*lat)), *base = calloc(PORTS_MAX, sizeof(*base));
    int64_t *rlat = calloc(PORTS_MAX, sizeof(*rlat));
    if (conns == NULL || lat == NULL || base == NULL || rlat == NULL)
        return 1;
    for (int k = 0; k < 3; k++)
        hl_conn_init(&conns[k], d.port);
    hl_conn_init(&conns[3], rd.port);
    double look_p99 =
        baseline("baseline, one lookup (GET /v1/numbers)", &conns[1], &r, 1000, send_lookup, base);
    double write_p99 = baseline("baseline, one durable write (POST /v1/authcodes)", &conns[1], &r,
                                1000, send_code, base);
    long long seq = 0;
    size_t n = 0;
    bool failed = false;
    int64_t end = durable_now_ns() + (int64_t)args.seconds * 1000000000LL;
    while (n < PORTS_MAX && durable_now_ns() < end) {
        int64_t t = port_one(&r, &conns[0], &conns[1], &conns[2], &conns[3], n, &seq, &rlat[n]);
        if (t < 0) {
            failed = true;
            break;
        }
        lat[n++] = t;
    }
    printf("ports, port-in to the lookup answering the new operator (cutover immediate): %zu\n", n);
    durable_print_latency("  end to end", lat, n);
    double e2e_p99 = p99_ms(lat, n);
    printf("end to end p99: %.2f ms (target < 100 ms); %.1fx one durable write's p99, %.1fx one "
           "lookup's\n",
           e2e_p99, write_p99 > 0 ? e2e_p99 / write_p99 : 0, look_p99 > 0 ? e2e_p99 / look_p99 : 0);
    durable_print_latency("  to the same answer at a lookup replica (another process)", rlat, n);
    printf("change propagation to a replica p99: at most %.2f ms (target < 100 ms; measured from "
           "the port-in request, before the clearinghouse's commit)\n",
           p99_ms(rlat, n));
    for (int k = 0; k < 4; k++)
        hl_conn_close(&conns[k]);
    int rst = hl_daemon_stop(&rd);
    int st = hl_daemon_stop(&d);
    if (rst != 0)
        fprintf(stderr, "gw_port_e2e: the replica exited with %d; its log is %s\n", rst, rlog);
    else
        remove(rlog);
    remove(rconf);
    remove(rkey);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && echo ok", rdir);
    if (hl_command_line(cmd, line, sizeof(line)) != 0)
        fprintf(stderr, "gw_port_e2e: could not remove %s\n", rdir);
    cleanup(args.dir, ch, st != 0 || failed);
    if (st != 0 || failed)
        fprintf(stderr, "gw_port_e2e: mnpd exited with %d; its log is %s\n", st, logp);
    free(conns);
    free(lat);
    free(rlat);
    free(base);
    return st == 0 && rst == 0 && !failed ? 0 : 1;
}
