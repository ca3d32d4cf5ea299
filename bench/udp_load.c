/*
 * udp_load: the UDP load generator the lookup service's figures are measured with. It asks a
 * server on loopback for numbers of the benchmarks' synthetic universe (bench/lib/synth.h): hits
 * from the same ported set `gen_ported --count N --seed S` writes, mixed with misses from the
 * same blocks, over Kamailio's pdb protocol (version 1 or legacy) or as ENUM NAPTR queries. It
 * runs closed loop (a fixed number of queries outstanding) or open loop (a fixed send rate,
 * latency from the scheduled send time), checks every answer, and prints one line per run (or a
 * JSON line). Load goes to 127.0.0.0/8 only. --self-responder runs an in-process reference
 * responder instead of a server, with injectable faults, to check the generator itself.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "hashtab.h"
#include "synth.h"
#include "udp_load_engine.h"
#include "udp_load_responder.h"
#include "udp_load_wire.h"

#define KEYS_MAX       (4u << 20) /* distinct keys cycled through (32 MiB) */
#define CLOSED_MAX_QPS 2000000u   /* closed loop: arrays sized for this rate times --seconds */
#define SEED_MIX       0x9e3779b97f4a7c15ull
#define SEED_MISSES    0xd1b54a32d192ed03ull

typedef struct options {
    const char *host;
    uint32_t addr;
    uint64_t port;
    ul_proto_t proto;
    uint64_t inflight, rate, count, seconds, drain_ms, timeout_ms, sockets;
    double hit_ratio;
    uint64_t ported_seed, ported_count, blocks, keys;
    bool json, self, have_inflight, have_seconds;
    uint64_t self_drop, self_corrupt;
} options_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: udp_load --port P [--host A] [--proto pdb|pdb-legacy|dns]\n"
            "                [--inflight K | --rate R] [--count N] [--seconds S] [--drain-ms MS]\n"
            "                [--timeout-ms MS] [--sockets S] [--hit-ratio X] [--ported-seed S]\n"
            "                [--ported-count N] [--blocks B] [--keys N] [--json]\n"
            "                [--self-responder [--self-drop N] [--self-corrupt N]]\n"
            "Sends UDP lookups to a server on loopback and prints answered queries per second,\n"
            "losses, wrong answers and latency percentiles.\n"
            "  --host A          server address in 127.0.0.0/8 (default 127.0.0.1)\n"
            "  --port P          server port (required unless --self-responder)\n"
            "  --proto X         pdb (version 1, default), pdb-legacy (bare digits), dns (ENUM)\n"
            "  --inflight K      closed loop: keep K queries outstanding (default 256)\n"
            "  --rate R          open loop: send R queries per second on a fixed schedule\n"
            "  --count N         stop after N queries (with --seconds: whichever comes first)\n"
            "  --seconds S       send for S seconds (default 5 unless --count is given)\n"
            "  --drain-ms MS     then wait up to MS for late answers (default 200)\n"
            "  --timeout-ms MS   a query unanswered after MS is lost (default 1000)\n"
            "  --sockets S       client sockets, 65,536 outstanding ids each (default 4)\n"
            "  --hit-ratio X     share of ported numbers among the queries, 0..1 (default 1)\n"
            "  --ported-seed S   the server holds `gen_ported --seed S` (default 1)\n"
            "  --ported-count N  ... and `--count N` (default 1M)\n"
            "  --blocks B        ... and `--blocks B` (default %u)\n"
            "  --keys N          distinct queries cycled through (default: the run's, at most "
            "%u)\n"
            "  --json            print one JSON object instead of the text line\n"
            "  --self-responder  answer from an in-process reference responder (checks this tool)\n"
            "  --self-drop N     ... which drops every Nth query\n"
            "  --self-corrupt N  ... and answers every Nth query wrongly\n"
            "Counts accept the suffixes k, M, G.\n",
            SYNTH_DEFAULT_BLOCKS, KEYS_MAX);
}

static bool parse_ratio(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= 0 && v <= 1))
        return false;
    *out = v;
    return true;
}

static bool parse_host(const char *s, uint32_t *addr)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *addr = ntohl(a.s_addr);
    return true;
}

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, options_t *o)
{
    static const struct option opts[] = {
        {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},
        {"proto", required_argument, NULL, 'P'},
        {"inflight", required_argument, NULL, 'k'},
        {"rate", required_argument, NULL, 'r'},
        {"count", required_argument, NULL, 'n'},
        {"seconds", required_argument, NULL, 's'},
        {"drain-ms", required_argument, NULL, 'd'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"sockets", required_argument, NULL, 'S'},
        {"hit-ratio", required_argument, NULL, 'x'},
        {"ported-seed", required_argument, NULL, 'e'},
        {"ported-count", required_argument, NULL, 'c'},
        {"blocks", required_argument, NULL, 'b'},
        {"keys", required_argument, NULL, 'K'},
        {"json", no_argument, NULL, 'j'},
        {"self-responder", no_argument, NULL, 'R'},
        {"self-drop", required_argument, NULL, 'D'},
        {"self-corrupt", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (options_t){.host = "127.0.0.1",
                     .proto = UL_PDB,
                     .inflight = 256,
                     .drain_ms = 200,
                     .timeout_ms = 1000,
                     .sockets = 4,
                     .hit_ratio = 1,
                     .ported_seed = 1,
                     .ported_count = 1000000,
                     .blocks = SYNTH_DEFAULT_BLOCKS};
    int c, li = 0;
    while ((c = getopt_long(argc, argv, "", opts, &li)) != -1) {
        bool ok = true;
        switch (c) {
        case 'H':
            o->host = optarg;
            ok = parse_host(optarg, &o->addr);
            break;
        case 'p':
            ok = args_count(optarg, &o->port) && o->port > 0 && o->port <= 65535;
            break;
        case 'P':
            ok = ul_proto_parse(optarg, &o->proto);
            break;
        case 'k':
            ok = o->have_inflight = args_count(optarg, &o->inflight) && o->inflight > 0;
            break;
        case 'r':
            ok = args_count(optarg, &o->rate) && o->rate > 0 && o->rate <= 100000000;
            break;
        case 'n':
            ok = args_count(optarg, &o->count) && o->count > 0;
            break;
        case 's':
            ok = o->have_seconds =
                args_count(optarg, &o->seconds) && o->seconds > 0 && o->seconds <= 3600;
            break;
        case 'd':
            ok = args_count(optarg, &o->drain_ms) && o->drain_ms <= 4000;
            break;
        case 't':
            ok = args_count(optarg, &o->timeout_ms) && o->timeout_ms > 0 && o->timeout_ms <= 4000;
            break;
        case 'S':
            ok = args_count(optarg, &o->sockets) && o->sockets > 0 && o->sockets <= UL_SOCKETS_MAX;
            break;
        case 'x':
            ok = parse_ratio(optarg, &o->hit_ratio);
            break;
        case 'e':
            ok = args_count(optarg, &o->ported_seed);
            break;
        case 'c':
            ok = args_count(optarg, &o->ported_count);
            break;
        case 'b':
            ok = args_count(optarg, &o->blocks) && o->blocks > 0 && o->blocks <= SYNTH_MAX_BLOCKS;
            break;
        case 'K':
            ok = args_count(optarg, &o->keys) && o->keys > 0 && o->keys <= KEYS_MAX;
            break;
        case 'j':
            o->json = true;
            break;
        case 'R':
            o->self = true;
            break;
        case 'D':
            ok = args_count(optarg, &o->self_drop) && o->self_drop > 0;
            break;
        case 'C':
            ok = args_count(optarg, &o->self_corrupt) && o->self_corrupt > 0;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "udp_load: bad value for --%s: '%s'\n", opts[li].name, optarg);
            usage(stderr);
            return 2;
        }
        li = 0;
    }
    const char *err = NULL;
    if (optind != argc)
        err = "unexpected argument";
    else if (!o->self && o->port == 0)
        err = "--port missing";
    else if (o->self && o->port != 0)
        err = "--self-responder and --port exclude each other";
    else if ((o->self_drop || o->self_corrupt) && !o->self)
        err = "--self-drop and --self-corrupt need --self-responder";
    else if (o->rate > 0 && o->have_inflight)
        err = "--inflight (closed loop) and --rate (open loop) exclude each other";
    else if (o->inflight > o->sockets * UL_ID_SPACE)
        err = "--inflight exceeds 65,536 per socket: raise --sockets";
    else if (o->hit_ratio > 0 && o->ported_count == 0)
        err = "--hit-ratio above 0 needs --ported-count above 0";
    else if (o->ported_count > o->blocks * SYNTH_BLOCK_NUMBERS / 2)
        err = "--ported-count exceeds half of the universe (--blocks x 10,000)";
    if (err != NULL) {
        fprintf(stderr, "udp_load: %s\n", err);
        usage(stderr);
        return 2;
    }
    if (o->addr == 0 && !parse_host(o->host, &o->addr))
        return 2;
    if (o->addr >> 24 != 127) {
        fprintf(stderr,
                "udp_load: refusing --host %s: it is not in 127.0.0.0/8, and this generator "
                "sends load to loopback only\n",
                o->host);
        return 2;
    }
    if (!o->have_seconds && o->count == 0)
        o->seconds = 5;
    return -1;
}

/* How many queries the run may send at most: what the per-query arrays are sized for. */
static uint64_t run_capacity(const options_t *o)
{
    uint64_t cap = UINT64_MAX;
    if (o->seconds > 0)
        cap = o->seconds * (o->rate > 0 ? o->rate : CLOSED_MAX_QPS) + 1;
    if (o->count > 0 && o->count < cap)
        cap = o->count;
    return cap;
}

/* keys[0..n): ported numbers with probability hit_ratio (drawn uniformly from set, repeats
 * allowed; UL_KEY_HIT set), misses from the same blocks otherwise, in random order. */
static int make_keys(const options_t *o, const uint64_t *set, size_t nset, uint64_t *keys, size_t n)
{
    synth_rng_t r;
    synth_rng_seed(&r, o->ported_seed ^ SEED_MIX);
    uint64_t threshold = (uint64_t)(o->hit_ratio * 9007199254740992.0), nmiss = 0; /* 2^53 */
    for (size_t i = 0; i < n; i++) {
        bool hit = (synth_rng_next(&r) >> 11) < threshold || o->hit_ratio >= 1;
        keys[i] = hit ? (set[synth_rng_below(&r, nset)] | UL_KEY_HIT) : 0;
        nmiss += !hit;
    }
    if (nmiss == 0)
        return 0;
    uint64_t *misses = malloc(nmiss * sizeof *misses);
    if (misses == NULL)
        return MNP_ENOMEM;
    int rc = synth_misses(o->ported_seed ^ SEED_MISSES, set, nset, nmiss, o->blocks, misses);
    for (size_t i = 0, m = 0; rc == 0 && i < n; i++)
        if (keys[i] == 0)
            keys[i] = misses[m++];
    free(misses);
    return rc;
}

/* "1,234,567" */
static const char *grouped(uint64_t v, char buf[32])
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

/* "12.3 us" below a millisecond, "1.23 ms" above. */
static const char *duration(int64_t ns, char buf[32])
{
    if (ns < 1000000)
        snprintf(buf, 32, "%.1f us", (double)ns / 1e3);
    else
        snprintf(buf, 32, "%.2f ms", (double)ns / 1e6);
    return buf;
}

/* "99.5 %", or "-" when there was nothing to count. */
static const char *share(uint64_t part, uint64_t whole, char buf[32])
{
    if (whole == 0)
        return "-";
    snprintf(buf, 32, "%.1f %%", 100.0 * (double)part / (double)whole);
    return buf;
}

static void report(const options_t *o, ul_result_t *r)
{
    double secs = (double)r->send_ns / 1e9;
    double qps = secs > 0 ? (double)r->answered / secs : 0;
    uint32_t p50 = ul_result_quantile(r, 0.5), p99 = ul_result_quantile(r, 0.99);
    uint32_t p999 = ul_result_quantile(r, 0.999), max = ul_result_quantile(r, 1);
    const char *proto = ul_proto_name(o->proto);
    if (o->json) {
        printf("{\"proto\":\"%s\",\"mode\":\"%s\",\"inflight\":%llu,\"rate\":%llu,"
               "\"sockets\":%llu,\"seconds\":%.3f,\"qps\":%.0f,\"sent\":%llu,\"answered\":%llu,"
               "\"lost\":%llu,\"wrong\":%llu,\"stray\":%llu,\"refused\":%llu,"
               "\"hits_answered\":%llu,\"hits_found\":%llu,\"misses_answered\":%llu,"
               "\"misses_found\":%llu,\"p50_ns\":%u,\"p99_ns\":%u,\"p999_ns\":%u,\"max_ns\":%u,"
               "\"max_lag_ns\":%lld,\"capacity_hit\":%s}\n",
               proto, o->rate ? "rate" : "inflight",
               (unsigned long long)(o->rate ? 0 : o->inflight), (unsigned long long)o->rate,
               (unsigned long long)o->sockets, secs, qps, (unsigned long long)r->sent,
               (unsigned long long)r->answered, (unsigned long long)r->lost,
               (unsigned long long)r->wrong, (unsigned long long)r->stray,
               (unsigned long long)r->refused, (unsigned long long)r->hits_answered,
               (unsigned long long)r->hits_found, (unsigned long long)r->misses_answered,
               (unsigned long long)r->misses_found, p50, p99, p999, max, (long long)r->max_lag_ns,
               r->capacity_hit ? "true" : "false");
        return;
    }
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32], h[32];
    if (o->rate)
        printf("%s, rate %s/s: ", proto, grouped(o->rate, a));
    else
        printf("%s, inflight %s: ", proto, grouped(o->inflight, a));
    printf("%s q/s answered (%s sent, %s lost, %s wrong in %.1f s)",
           grouped((uint64_t)(qps + 0.5), a), grouped(r->sent, b), grouped(r->lost, c),
           grouped(r->wrong, d), secs);
    if (r->nlat > 0)
        printf("; latency p50 %s, p99 %s, p999 %s, max %s", duration(p50, e), duration(p99, f),
               duration(p999, g), duration(max, h));
    if (r->hits_answered > 0 || r->misses_answered > 0)
        printf("; found %s of hits, %s of misses", share(r->hits_found, r->hits_answered, a),
               share(r->misses_found, r->misses_answered, b));
    if (o->rate)
        printf("; send lag max %s", duration(r->max_lag_ns, a));
    if (r->stray)
        printf("; %s stray replies", grouped(r->stray, a));
    if (r->refused)
        printf("; %s refused (is anything listening on port %llu?)", grouped(r->refused, a),
               (unsigned long long)o->port);
    if (r->capacity_hit)
        printf("; stopped at the %s queries preallocated (use --count)", grouped(r->sent, a));
    printf("\n");
}

int main(int argc, char **argv)
{
    options_t o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    uint64_t capacity = run_capacity(&o);
    size_t nkeys = o.keys ? o.keys : capacity < KEYS_MAX ? capacity : KEYS_MAX;
    uint64_t *set = calloc(o.ported_count ? o.ported_count : 1, sizeof *set);
    uint8_t *ops = calloc(o.ported_count ? o.ported_count : 1, 1);
    uint64_t *keys = malloc(nkeys * sizeof *keys);
    hashtab_t table = {0};
    ul_responder_t resp = {.proto = o.proto, .set = &table, .fd = -1, .stop_fd = -1};
    ul_result_t res = {0};
    bool responding = false;
    int rc = set && ops && keys ? 0 : MNP_ENOMEM;
    if (rc == 0)
        rc = synth_ported(o.ported_seed, o.ported_count, o.blocks, set, ops);
    if (rc == 0)
        rc = make_keys(&o, set, o.ported_count, keys, nkeys);
    if (rc < 0) {
        fprintf(stderr, "udp_load: generating the numbers: %s\n", mnp_strerror(rc));
        goto done;
    }
    if (o.self) {
        rc = hashtab_init(&table, o.ported_count, HASHTAB_LOAD_PCT);
        for (size_t i = 0; rc == 0 && i < o.ported_count; i++)
            rc = hashtab_put(&table, set[i], ops[i]);
        resp.drop_every = o.self_drop;
        resp.corrupt_every = o.self_corrupt;
        if (rc == 0)
            rc = ul_responder_start(&resp, o.addr);
        if (rc < 0)
            goto done;
        responding = true;
        o.port = resp.port;
    }
    free(set);
    free(ops);
    set = NULL;
    ops = NULL;
    /* Open loop for S seconds is the schedule's rate * S queries, all sent even when the
     * generator falls behind (the lag then shows in the latencies, as it should). */
    uint64_t count = o.count;
    if (o.rate > 0 && o.seconds > 0 && (count == 0 || count > o.rate * o.seconds))
        count = o.rate * o.seconds;
    ul_config_t cfg = {.proto = o.proto,
                       .addr = o.addr,
                       .port = (uint16_t)o.port,
                       .sockets = (unsigned)o.sockets,
                       .inflight = o.inflight,
                       .rate = (double)o.rate,
                       .count = count,
                       .duration_ns = o.rate > 0 ? 0 : (int64_t)o.seconds * 1000000000,
                       .drain_ns = (int64_t)o.drain_ms * 1000000,
                       .timeout_ns = (int64_t)o.timeout_ms * 1000000,
                       .keys = keys,
                       .nkeys = nkeys,
                       .capacity = capacity};
    rc = ul_run(&cfg, &res);
    if (rc == 0)
        report(&o, &res);
done:
    if (responding) {
        ul_responder_stop(&resp);
        fprintf(stderr,
                "udp_load: responder saw %llu queries, dropped %llu, answered %llu wrongly, "
                "could not parse %llu\n",
                (unsigned long long)resp.seen, (unsigned long long)resp.dropped,
                (unsigned long long)resp.corrupted, (unsigned long long)resp.unparsed);
    }
    ul_result_fini(&res);
    hashtab_fini(&table);
    free(set);
    free(ops);
    free(keys);
    return rc < 0 ? 1 : 0;
}
