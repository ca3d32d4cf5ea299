/*
 * gen_subscribers: writes one operator's synthetic billing export, the two files
 * `mnpctl subscribers import` and `mnpctl agreements import` take (docs/gateway-data.md), for
 * the demo and for loading tests. Numbers come from the operator's blocks in a block file
 * (data/blocks-demo.csv); names, identity numbers (valid GB 11643 check characters, region
 * codes of the block's local network) and every blocker of SPEC.md §4 are drawn at shares like
 * those an operator sees among people who ask whether they may port:
 *
 *   E01 company-registered 3 %, not real-name registered 1 %
 *   E02 reported lost 0.5 %, suspended 2 %
 *   E03 billed and unpaid 6 % (10-300 yuan)
 *   E04 a term agreement in force 10 % (also: 8 % a promotion without term, 3 % one that ended)
 *   E05 ported within the last 120 days 2 % (another 5 % ported earlier)
 *   E06 a data-only number (145), which never ports, 1.5 %
 *
 * Shares are independent, so some subscribers have several blockers at once. The output is a
 * pure function of the arguments: the same seed gives the same files.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "mnp/idcard.h"
#include "mnp/subscriber_csv.h"
#include "synth.h"

#define BLOCKS_MAX 256
#define DAY_MS     86400000LL

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gen_subscribers --operator CODE --blocks FILE --count N --subscribers OUT\n"
            "                       --agreements OUT [--seed S] [--today YYYY-MM-DD]\n"
            "                       [--reserve K]\n"
            "Writes N synthetic subscribers of operator CODE (numbers from its blocks in FILE,\n"
            "a 'block,holder,local_network' CSV) and their agreements, with a realistic share of\n"
            "every eligibility blocker (E01-E06). Dates are relative to --today (default: the\n"
            "real date). --reserve K leaves the numbers ending 0000 to K-1 of every block\n"
            "free for hand-written records. The same arguments give the same files.\n");
}

typedef struct block {
    uint32_t prefix; /* 7 digits */
    char ln[8];      /* local network, "0731" */
} block_t;

typedef struct gen {
    synth_rng_t rng;
    block_t blocks[BLOCKS_MAX];
    size_t nblocks;
    int64_t today_ms; /* 00:00 Beijing of today */
} gen_t;

static int read_blocks(const char *path, const char *op, gen_t *g)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        fprintf(stderr, "gen_subscribers: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[256], holder[32], ln[8];
    unsigned prefix;
    while (fgets(line, sizeof(line), f) != NULL && g->nblocks < BLOCKS_MAX)
        if (sscanf(line, "%7u,%31[^,],%7[0-9]", &prefix, holder, ln) == 3 &&
            strcmp(holder, op) == 0 && prefix >= 1000000) {
            g->blocks[g->nblocks].prefix = prefix;
            snprintf(g->blocks[g->nblocks].ln, sizeof(g->blocks[0].ln), "%s", ln);
            g->nblocks++;
        }
    fclose(f);
    if (g->nblocks == 0) {
        fprintf(stderr, "gen_subscribers: %s has no block of %s\n", path, op);
        return -1;
    }
    return 0;
}

/* True with probability per_mille / 1000. */
static bool chance(gen_t *g, unsigned per_mille)
{
    return synth_rng_below(&g->rng, 1000) < per_mille;
}

static void name(gen_t *g, char *out, size_t size)
{
    static const char *const family[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
                                         "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"};
    static const char *const given[] = {"伟", "芳",   "娜",   "敏",   "静",   "丽",  "强", "磊",
                                        "军", "洋",   "勇",   "艳",   "杰",   "娟",  "涛", "明",
                                        "超", "秀英", "桂英", "建华", "志强", "晓东"};
    size_t nf = sizeof(family) / sizeof(family[0]), ng = sizeof(given) / sizeof(given[0]);
    snprintf(out, size, "%s%s", family[synth_rng_below(&g->rng, nf)],
             given[synth_rng_below(&g->rng, ng)]);
}

/* A resident identity number of the local network's city with a valid check character. */
static void identity(gen_t *g, const char *ln, char out[19])
{
    const char *region = strcmp(ln, "010") == 0   ? "110105"
                         : strcmp(ln, "021") == 0 ? "310104"
                                                  : "430102";
    char d17[18];
    snprintf(d17, sizeof(d17), "%s%04u%02u%02u%03u", region,
             1950 + (unsigned)synth_rng_below(&g->rng, 56),
             1 + (unsigned)synth_rng_below(&g->rng, 12), 1 + (unsigned)synth_rng_below(&g->rng, 28),
             (unsigned)synth_rng_below(&g->rng, 1000));
    snprintf(out, 19, "%s%c", d17, mnp_idcard_check_char(d17));
}

/* The Beijing date of instant ms as YYYY-MM-DD (civil-from-days, proleptic Gregorian). */
static void date_of(int64_t ms, char out[11])
{
    int64_t z = (ms + 8 * 3600000LL) / DAY_MS + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000, (unsigned)m % 100, (unsigned)d % 100);
}

static void agreement(gen_t *g, FILE *out, uint64_t number, const char *what, int64_t start_days,
                      int64_t end_days, bool term)
{
    char start[11], end[11];
    date_of(g->today_ms + start_days * DAY_MS, start);
    date_of(g->today_ms + end_days * DAY_MS, end);
    unsigned fee = term ? 5000 + 500 * (unsigned)synth_rng_below(&g->rng, 190) : 0;
    fprintf(out, "%" PRIu64 ",%s,%s,%s,%u,%s\n", number, what, start, end, fee,
            term ? "yes" : "no");
}

static void subscriber(gen_t *g, FILE *subs, FILE *agrs, uint64_t number, const char *ln)
{
    static const char *const services[] = {"副卡", "宽带", "家庭网", "集团短号", "彩铃"};
    char who[32], id[19], last_port[11] = "", svc[64] = "";
    name(g, who, sizeof(who));
    identity(g, ln, id);
    const char *reg = chance(g, 30) ? "company" : chance(g, 10) ? "none" : "person";     /* E01 */
    const char *status = chance(g, 5) ? "lost" : chance(g, 20) ? "suspended" : "normal"; /* E02 */
    unsigned unpaid = chance(g, 60) ? 1000 + 10 * (unsigned)synth_rng_below(&g->rng, 2900) : 0;
    if (chance(g, 20)) /* E05: within 120 days */
        date_of(g->today_ms - (int64_t)(1 + synth_rng_below(&g->rng, 119)) * DAY_MS, last_port);
    else if (chance(g, 50))
        date_of(g->today_ms - (int64_t)(121 + synth_rng_below(&g->rng, 1500)) * DAY_MS, last_port);
    if (chance(g, 300)) { /* what porting would end: one service or two */
        size_t a = synth_rng_below(&g->rng, 5), b = (a + 1 + synth_rng_below(&g->rng, 4)) % 5;
        if (chance(g, 500))
            snprintf(svc, sizeof(svc), "%s;%s", services[a], services[b]);
        else
            snprintf(svc, sizeof(svc), "%s", services[a]);
    }
    fprintf(subs, "%" PRIu64 ",%s,%s,%s,%s,%u,%s,%s,%u\n", number, who, id, reg, status, unpaid,
            last_port, svc, 100 * (unsigned)synth_rng_below(&g->rng, 500));
    if (chance(g, 100)) /* E04: a term agreement in force */
        agreement(g, agrs, number, "合约计划（在网24个月）",
                  -(int64_t)synth_rng_below(&g->rng, 600),
                  30 + (int64_t)synth_rng_below(&g->rng, 700), true);
    if (chance(g, 80))
        agreement(g, agrs, number, "流量优惠包", -(int64_t)synth_rng_below(&g->rng, 300),
                  (int64_t)synth_rng_below(&g->rng, 300) + 1, false);
    if (chance(g, 30))
        agreement(g, agrs, number, "购机合约（已到期）", -900,
                  -(int64_t)synth_rng_below(&g->rng, 100) - 1, true);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"operator", required_argument, NULL, 'o'},
                                         {"blocks", required_argument, NULL, 'b'},
                                         {"count", required_argument, NULL, 'n'},
                                         {"subscribers", required_argument, NULL, 's'},
                                         {"agreements", required_argument, NULL, 'a'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"today", required_argument, NULL, 't'},
                                         {"reserve", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *op = NULL, *blocks = NULL, *subs_path = NULL, *agrs_path = NULL, *today = NULL;
    uint64_t count = 0, seed = 1, reserve = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            op = optarg;
            break;
        case 'b':
            blocks = optarg;
            break;
        case 's':
            subs_path = optarg;
            break;
        case 'a':
            agrs_path = optarg;
            break;
        case 't':
            today = optarg;
            break;
        case 'n':
            if (!args_count(optarg, &count) || count == 0) {
                fprintf(stderr, "gen_subscribers: --count: a positive number\n");
                return 2;
            }
            break;
        case 'S':
            if (!args_count(optarg, &seed)) {
                fprintf(stderr, "gen_subscribers: --seed: a number\n");
                return 2;
            }
            break;
        case 'r':
            if (!args_count(optarg, &reserve) || reserve >= 10000) {
                fprintf(stderr, "gen_subscribers: --reserve: 0 to 9999\n");
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (op == NULL || blocks == NULL || subs_path == NULL || agrs_path == NULL || count == 0) {
        usage(stderr);
        return 2;
    }
    gen_t *g = calloc(1, sizeof(*g));
    if (g == NULL || read_blocks(blocks, op, g) != 0)
        return 1;
    int64_t today_ms = (int64_t)time(NULL) * 1000;
    if (today != NULL && mnp_beijing_date_parse(today, &today_ms) != 0) {
        fprintf(stderr, "gen_subscribers: --today: YYYY-MM-DD\n");
        return 2;
    }
    g->today_ms = today_ms - (today_ms + 8 * 3600000LL) % DAY_MS;
    if (count > g->nblocks * (10000ull - reserve)) {
        fprintf(stderr, "gen_subscribers: %s has room for %llu numbers\n", op,
                (unsigned long long)(g->nblocks * (10000ull - reserve)));
        return 2;
    }
    synth_rng_seed(&g->rng, seed);
    FILE *subs = fopen(subs_path, "we"), *agrs = fopen(agrs_path, "we");
    if (subs == NULL || agrs == NULL) {
        fprintf(stderr, "gen_subscribers: cannot write %s or %s: %s\n", subs_path, agrs_path,
                strerror(errno));
        return 1;
    }
    fprintf(subs, "number,name,identity,registration,status,unpaid_fen,last_port,services,"
                  "balance_fen\n");
    fprintf(agrs, "number,name,start,end,fee_fen,has_term\n");
    /* Distinct numbers: a stride through the operator's numbers coprime with their count. */
    uint64_t per = 10000 - reserve, room = g->nblocks * per, step = 7919;
    uint64_t at = synth_rng_below(&g->rng, room);
    while (room % step == 0)
        step += 2;
    for (uint64_t i = 0; i < count; i++, at = (at + step) % room) {
        const block_t *b = &g->blocks[at / per];
        uint64_t suffix = reserve + at % per;
        uint64_t number = 86ull * 100000000000ull + b->prefix * 10000ull + suffix;
        if (chance(g, 15)) /* E06: a data-only number of the same local network */
            number = 86ull * 100000000000ull + (1450000ull + b->prefix % 10000) * 10000ull + suffix;
        subscriber(g, subs, agrs, number, b->ln);
    }
    int rc = fclose(subs);
    if (fclose(agrs) != 0)
        rc = EOF;
    free(g);
    if (rc != 0) {
        fprintf(stderr, "gen_subscribers: write failed\n");
        return 1;
    }
    return 0;
}
