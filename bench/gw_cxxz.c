/*
 * bench/gw_cxxz: CXXZ eligibility replies per second through a real mnpd's gateway, as an SMS
 * centre would deliver them: POST /v1/sms/inbound from C keep-alive clients (default 64), each
 * reply complete (every check of E01-E07 on the subscriber's record and agreements, the freeze,
 * the reply and the query's report for the clearinghouse written in one durable transaction)
 * before it is answered; the gateway's courier sends the reports to the clearinghouse in
 * batches meanwhile, in the same process. One mnpd runs the clearinghouse and China Unicom's
 * gateway (clearinghouse = local) on stores in DIR, with --subscribers N subscribers (default
 * 20000) imported by mnpctl; GET /healthz through the same clients and server is measured in the
 * same run as the HTTP ceiling. Usage: gw_cxxz [--clients C] [--seconds S] [--dir DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "durable_bench.h"
#include "http_load.h"

#define SUBSCRIBERS 20000
#define REQUESTS    4000000

typedef struct run {
    const char *key;
    uint32_t blocks[64];
    size_t nblocks;
} run_t;

static int send_cxxz(hl_conn_t *c, uint64_t i, void *arg)
{
    const run_t *r = arg;
    char num[16], id[19], body[256];
    const char *answer;
    hl_cucc_subscriber(r->blocks, r->nblocks, i % SUBSCRIBERS, num, id);
    snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"10010\",\"text\":\"CXXZ#张三#%s\"}",
             num, id);
    return hl_request(c, "POST", "/v1/sms/inbound", r->key, body, &answer);
}

/* How long after the load the gateway's report queue took to empty (its courier sends the
 * queries to the clearinghouse in batches meanwhile), from /metrics; -1 after 30 s. */
static int64_t reports_drained(unsigned port)
{
    hl_conn_t *c = malloc(sizeof(*c));
    if (c == NULL)
        return -1;
    hl_conn_init(c, port);
    int64_t t0 = durable_now_ns(), took = -1;
    while (durable_now_ns() - t0 < 30 * 1000000000LL) {
        const char *body;
        if (hl_request(c, "GET", "/metrics", NULL, NULL, &body) == 200 &&
            strstr(body, "mnp_gateway_reports_pending{operator=\"CUCC\"} 0\n") != NULL) {
            took = (durable_now_ns() - t0) / 1000000;
            break;
        }
    }
    hl_conn_close(c);
    free(c);
    return took;
}

int main(int argc, char **argv)
{
    durable_args_t args;
    int exit_st = durable_args_parse(
        argc, argv, "gw_cxxz",
        "CXXZ replies per second through a real mnpd's gateway from C keep-alive clients\n"
        "(default 64), stores in DIR (default .), next to the HTTP ceiling of the same run.",
        &args);
    if (exit_st >= 0)
        return exit_st;
    const char *bin = getenv("MNP_BIN_DIR") ? getenv("MNP_BIN_DIR") : MNP_BIN_DIR;
    const char *src = MNP_SOURCE_DIR;
    run_t r = {0};
    r.nblocks = hl_cucc_changsha_blocks(src, r.blocks);
    if (r.nblocks < (SUBSCRIBERS + 9999) / 10000)
        return 1;

    char ch[4096], gw[4200], conf[4200], logp[4200], keyp[4200], csv[4200];
    snprintf(ch, sizeof(ch), "%s/gw-cxxz-ch.db", args.dir);
    snprintf(gw, sizeof(gw), "%s/gw-cxxz-cucc.db", args.dir);
    snprintf(conf, sizeof(conf), "%s/gw-cxxz.conf", args.dir);
    snprintf(logp, sizeof(logp), "%s/gw-cxxz.log", args.dir);
    snprintf(keyp, sizeof(keyp), "%s/gw-cxxz-cucc.key", args.dir);
    snprintf(csv, sizeof(csv), "%s/gw-cxxz-subscribers.csv", args.dir);
    durable_remove_db(ch);
    durable_remove_db(gw);
    char keys[4][128];
    if (hl_clearinghouse_setup(bin, src, ch, keys) != 0)
        return 1;
    r.key = keys[1];
    FILE *f = fopen(keyp, "w");
    if (f == NULL)
        return 1;
    fprintf(f, "%s\n", keys[1]);
    fclose(f);
    chmod(keyp, 0600); /* mnpd reads only a key file no one else can */
    if (hl_cucc_subscribers_import(bin, csv, gw, r.blocks, r.nblocks, SUBSCRIBERS, 10) != 0)
        return 1;
    f = fopen(conf, "w");
    if (f == NULL)
        return 1;
    fprintf(f,
            "[mnpd]\nlog_level = info\n[clearinghouse]\nlisten = 127.0.0.1:0\nstore = sqlite:%s\n"
            "key_file = %s.key\n[gateway]\n[operator \"CUCC\"]\nname = 中国联通\n"
            "service_number = 10010\nclearinghouse = local\napi_key_file = %s\n"
            "store = sqlite:%s\n",
            ch, ch, keyp, gw);
    fclose(f);
    hl_daemon_t d;
    if (hl_mnpd_start(bin, conf, logp, &d) != 0)
        return 1;

    double fsyncs = fsync_probe_rate(args.dir, (double)args.seconds);
    printf("disk: %.0f fsync/s from one writer in %s\n", fsyncs, args.dir);
    double ceiling = hl_http_ceiling(d.port, args.clients, args.seconds);
    hl_phase_t cxxz = {.name = "CXXZ replies (SMS in, reply queued)",
                       .verb = "durable",
                       .port = d.port,
                       .limit = REQUESTS,
                       .want = 200,
                       .send = send_cxxz,
                       .arg = &r};
    double rate = hl_phase_run(&cxxz, args.clients, args.seconds);
    int64_t drained_ms = reports_drained(d.port);
    int st = hl_daemon_stop(&d);
    printf("CXXZ replies: %.0f/s (target 5000/s), %.2fx the HTTP ceiling, %.1fx the disk's fsync "
           "rate\n",
           rate, rate / ceiling, rate / fsyncs);
    if (drained_ms >= 0)
        printf("every query reported to the clearinghouse %lld ms after the last reply\n",
               (long long)drained_ms);
    else
        printf("queries still waiting to be reported to the clearinghouse after 30 s\n");
    durable_remove_db(ch);
    durable_remove_db(gw);
    char chkey[4300];
    snprintf(chkey, sizeof(chkey), "%s.key", ch);
    remove(chkey);
    remove(keyp);
    remove(csv);
    remove(conf);
    if (st != 0)
        fprintf(stderr, "gw_cxxz: mnpd exited with %d; its log is %s\n", st, logp);
    else
        remove(logp);
    return st == 0 ? 0 : 1;
}
