/*
 * npdb: measures the ported-number index (include/mnp/npdb.h) against the plain open-addressing
 * hash table of bench/lib/hashtab.h on the same synthetic numbers, in one run and one process so
 * that both see the same machine state. It builds the index through the builder API, checks that
 * index and hash table agree on every generated number and every lookup key, then times single
 * and batched lookups for two key mixes (50 % and 5 % hits) on one thread and on all cores, and
 * prints a table with the ratio of each structure to hash single lookups, plus a verdict line per
 * performance criterion. Numbers are lookups per second of wall time; best and median of 3.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "hashtab.h"
#include "mnp/npdb.h"
#include "mnp/operator.h"
#include "synth.h"

#define REPEATS    3
#define BATCH_KEYS 64
#define MIX_COUNT  2
#define SEED_MISS  0x6d697373ull /* misses and keys get streams of their own */

typedef enum kind { K_INDEX_SINGLE, K_INDEX_BATCH, K_HASH_SINGLE, K_HASH_BATCH, K_COUNT } kind_t;

static const char *const kind_names[K_COUNT] = {"index single", "index batch", "hash single",
                                                "hash batch*"};
static const unsigned mix_pct[MIX_COUNT] = {50, 5};

typedef struct config {
    uint64_t entries, seed, lookups, threads, blocks, hash_load_pct;
    const char *dir;
} config_t;

typedef struct mix {
    uint64_t *keys;
    size_t hits;
    uint64_t checksum; /* sum of the answers (index operator numbers) over all keys */
} mix_t;

/* One timed run: `threads` workers each look up their slice of keys with `kind`. */
typedef struct run {
    const mnp_npdb_t *db;
    const hashtab_t *hash;
    kind_t kind;
    pthread_barrier_t start, end;
} run_t;

typedef struct worker {
    run_t *run;
    const uint64_t *keys;
    size_t n;
    uint64_t sum;
    pthread_t tid;
} worker_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "npdb bench: %s\n", what);
    exit(1);
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (p == NULL)
        die("out of memory");
    return p;
}

/* ---- the timed loops ------------------------------------------------------------------- */

static uint64_t loop_index_single(const mnp_npdb_t *db, const uint64_t *keys, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += mnp_npdb_lookup(db, keys[i]);
    return sum;
}

static uint64_t loop_hash_single(const hashtab_t *t, const uint64_t *keys, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += hashtab_get(t, keys[i]);
    return sum;
}

static uint64_t loop_batch(const run_t *run, const uint64_t *keys, size_t n)
{
    uint8_t ops[BATCH_KEYS];
    uint64_t sum = 0;
    for (size_t base = 0; base < n; base += BATCH_KEYS) {
        size_t m = n - base < BATCH_KEYS ? n - base : BATCH_KEYS;
        if (run->kind == K_INDEX_BATCH)
            mnp_npdb_lookup_batch(run->db, keys + base, ops, m);
        else
            hashtab_get_batch(run->hash, keys + base, ops, m);
        for (size_t i = 0; i < m; i++)
            sum += ops[i];
    }
    return sum;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    run_t *run = w->run;
    pthread_barrier_wait(&run->start);
    switch (run->kind) {
    case K_INDEX_SINGLE:
        w->sum = loop_index_single(run->db, w->keys, w->n);
        break;
    case K_HASH_SINGLE:
        w->sum = loop_hash_single(run->hash, w->keys, w->n);
        break;
    default:
        w->sum = loop_batch(run, w->keys, w->n);
        break;
    }
    pthread_barrier_wait(&run->end);
    return NULL;
}

/* Lookups per second of one run over keys[0..n) split across `threads` threads released
 * together; aborts when the answers' checksum is not the expected one. */
static double measure(run_t *run, const uint64_t *keys, size_t n, unsigned threads,
                      uint64_t checksum)
{
    worker_t *w = xmalloc(threads * sizeof *w);
    if (pthread_barrier_init(&run->start, NULL, threads + 1) != 0 ||
        pthread_barrier_init(&run->end, NULL, threads + 1) != 0)
        die("pthread_barrier_init failed");
    for (unsigned t = 0; t < threads; t++) {
        size_t lo = n * t / threads, hi = n * (t + 1) / threads;
        w[t] = (worker_t){.run = run, .keys = keys + lo, .n = hi - lo};
        if (pthread_create(&w[t].tid, NULL, worker_main, &w[t]) != 0)
            die("pthread_create failed");
    }
    pthread_barrier_wait(&run->start);
    double t0 = now_s();
    pthread_barrier_wait(&run->end);
    double secs = now_s() - t0;
    uint64_t sum = 0;
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(w[t].tid, NULL);
        sum += w[t].sum;
    }
    pthread_barrier_destroy(&run->start);
    pthread_barrier_destroy(&run->end);
    free(w);
    if (sum != checksum) {
        fprintf(stderr, "npdb bench: %s: checksum %llu, expected %llu\n", kind_names[run->kind],
                (unsigned long long)sum, (unsigned long long)checksum);
        exit(1);
    }
    return (double)n / secs;
}

/* ---- setup ----------------------------------------------------------------------------- */

/* Builds the index of e164/ops into a file under dir, opens it (populated) and removes the file
 * (the mapping stays valid). opidx[op] receives the index's number for each mnp_operator_t. */
static mnp_npdb_t *build_index(const config_t *cfg, const uint64_t *e164, const uint8_t *ops,
                               size_t n, unsigned opidx[MNP_OP_COUNT], double *add_s,
                               double *write_s, double *open_s)
{
    mnp_npdb_builder_t *b;
    mnp_error_t err;
    char dir[4096], path[4200];
    if (snprintf(dir, sizeof dir, "%s/npdb-bench-XXXXXX", cfg->dir) >= (int)sizeof dir ||
        mkdtemp(dir) == NULL)
        die("cannot create a temporary directory under --dir");
    snprintf(path, sizeof path, "%s/bench.npdb", dir);
    if (mnp_npdb_builder_new(&b) < 0)
        die("mnp_npdb_builder_new failed");
    opidx[MNP_OP_NONE] = 0;
    for (unsigned op = MNP_OP_CMCC; op < MNP_OP_COUNT; op++)
        if (mnp_npdb_builder_op(b, mnp_operator_code((mnp_operator_t)op), &opidx[op]) < 0)
            die("mnp_npdb_builder_op failed");
    double t0 = now_s();
    for (size_t i = 0; i < n; i++)
        if (mnp_npdb_builder_add_op(b, e164[i], opidx[ops[i]]) < 0)
            die("mnp_npdb_builder_add_op refused a generated number");
    double t1 = now_s();
    mnp_npdb_build_stats_t st;
    int rc = mnp_npdb_builder_write(b, path, 1, (int64_t)time(NULL) * 1000, &st, &err);
    double t2 = now_s();
    mnp_npdb_builder_free(b);
    if (rc < 0) {
        fprintf(stderr, "npdb bench: writing the index: %s\n", err.msg);
        exit(1);
    }
    if (st.entries != n || st.duplicates != 0)
        die("the index holds a different number of entries than were generated");
    mnp_npdb_t *db;
    rc = mnp_npdb_open(path, MNP_NPDB_OPEN_POPULATE, &db, &err);
    double t3 = now_s();
    unlink(path);
    rmdir(dir);
    if (rc < 0) {
        fprintf(stderr, "npdb bench: opening the index: %s\n", err.msg);
        exit(1);
    }
    for (unsigned op = MNP_OP_CMCC; op < MNP_OP_COUNT; op++) {
        const char *code = mnp_npdb_op_code(db, opidx[op]);
        if (code == NULL || strcmp(code, mnp_operator_code((mnp_operator_t)op)) != 0)
            die("the index names its operators differently from the builder");
    }
    *add_s = t1 - t0;
    *write_s = t2 - t1;
    *open_s = t3 - t2;
    return db;
}

/* Aborts unless index single, index batch and hash table give the same answer for every key of
 * keys[0..n), equal to want[i] when want is not NULL; returns the answers' sum and the hits. */
static void check_agree(const mnp_npdb_t *db, const hashtab_t *hash, const uint64_t *keys, size_t n,
                        const uint8_t *want, uint64_t *checksum, size_t *found)
{
    uint8_t batch[BATCH_KEYS];
    *checksum = 0;
    *found = 0;
    for (size_t base = 0; base < n; base += BATCH_KEYS) {
        size_t m = n - base < BATCH_KEYS ? n - base : BATCH_KEYS;
        mnp_npdb_lookup_batch(db, keys + base, batch, m);
        for (size_t i = 0; i < m; i++) {
            uint64_t k = keys[base + i];
            unsigned a = mnp_npdb_lookup(db, k), h = hashtab_get(hash, k);
            if (a != h || batch[i] != a || (want != NULL && a != want[base + i])) {
                fprintf(stderr,
                        "npdb bench: MISMATCH for %llu: index %u, index batch %u, hash %u, "
                        "expected %d\n",
                        (unsigned long long)k, a, batch[i], h, want ? want[base + i] : -1);
                exit(1);
            }
            *checksum += a;
            *found += a != 0;
        }
    }
}

static void make_mixes(const config_t *cfg, const uint64_t *e164, size_t n, mix_t mixes[])
{
    size_t need = 0;
    for (unsigned m = 0; m < MIX_COUNT; m++) {
        size_t misses = cfg->lookups - cfg->lookups * mix_pct[m] / 100;
        need = misses > need ? misses : need;
    }
    uint64_t *misses = xmalloc(need * sizeof *misses);
    if (synth_misses(cfg->seed ^ SEED_MISS, e164, n, need, cfg->blocks, misses) < 0)
        die("synth_misses failed");
    for (unsigned m = 0; m < MIX_COUNT; m++) {
        mixes[m].keys = xmalloc(cfg->lookups * sizeof *mixes[m].keys);
        mixes[m].hits = synth_lookup_keys(cfg->seed ^ SEED_MISS, e164, n, misses, need,
                                          cfg->lookups, mix_pct[m], mixes[m].keys);
        if (mixes[m].hits == (size_t)-1)
            die("synth_lookup_keys failed");
    }
    free(misses);
}

/* ---- reporting ------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void thp_mode(char *out, size_t size)
{
    snprintf(out, size, "unknown");
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    char line[128];
    if (f == NULL)
        return;
    if (fgets(line, sizeof line, f) != NULL) {
        char *l = strchr(line, '['), *r = l ? strchr(l, ']') : NULL;
        if (r != NULL)
            snprintf(out, size, "%.*s", (int)(r - l - 1), l + 1);
    }
    fclose(f);
}

/* CPU time of the whole machine and of this process, to tell how much of the machine other
 * processes took while we measured (the load average cannot: it counts our own setup too). */
typedef struct cpu_sample {
    double wall_s, busy_s, self_s;
} cpu_sample_t;

static void cpu_sample(cpu_sample_t *c)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (f != NULL) {
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]) != 8)
            memset(v, 0, sizeof v);
        fclose(f);
    }
    long tick = sysconf(_SC_CLK_TCK);
    /* busy = user + nice + system + irq + softirq + steal (idle and iowait left out) */
    c->busy_s = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)(tick > 0 ? tick : 100);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    c->self_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    c->wall_s = now_s();
}

/* Share (0..1) of all CPUs that other processes used since *start. */
static double cpu_others(const cpu_sample_t *start)
{
    cpu_sample_t end;
    cpu_sample(&end);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double others = (end.busy_s - start->busy_s) - (end.self_s - start->self_s);
    double share = others / ((end.wall_s - start->wall_s) * (double)(cpus > 0 ? cpus : 1));
    return share > 0 ? share : 0;
}

typedef struct verdict {
    const char *what;
    kind_t kind;
    double need, worst;
    unsigned worst_mix, worst_threads;
} verdict_t;

/* Times every structure for every mix and thread count, prints the table and the verdicts. */
static void run_table(const config_t *cfg, const mnp_npdb_t *db, const hashtab_t *hash,
                      const mix_t mixes[])
{
    unsigned thread_cfg[2] = {1, (unsigned)cfg->threads};
    unsigned nthread_cfg = cfg->threads > 1 ? 2 : 1;
    verdict_t verdicts[] = {
        {"index single >= 1.0x hash single", K_INDEX_SINGLE, 1.0, 1e9, 0, 0},
        {"index batch  >= 2.0x hash single", K_INDEX_BATCH, 2.0, 1e9, 0, 0},
    };
    printf("%-9s %7s  %-13s %12s %12s %9s\n", "mix", "threads", "structure", "best Ml/s",
           "median Ml/s", "vs hash");
    for (unsigned m = 0; m < MIX_COUNT; m++) {
        for (unsigned tc = 0; tc < nthread_cfg; tc++) {
            double rate[K_COUNT][REPEATS];
            run_t run = {.db = db, .hash = hash};
            /* Interleave the structures so that drift (frequency, other load) hits all alike. */
            for (unsigned r = 0; r < REPEATS; r++) {
                for (unsigned k = 0; k < K_COUNT; k++) {
                    run.kind = (kind_t)k;
                    rate[k][r] = measure(&run, mixes[m].keys, cfg->lookups, thread_cfg[tc],
                                         mixes[m].checksum);
                }
            }
            for (unsigned k = 0; k < K_COUNT; k++)
                qsort(rate[k], REPEATS, sizeof rate[k][0], cmp_double);
            double base = rate[K_HASH_SINGLE][REPEATS - 1];
            for (unsigned k = 0; k < K_COUNT; k++) {
                double best = rate[k][REPEATS - 1], ratio = best / base;
                printf("%2u%% hits  %7u  %-13s %12.2f %12.2f %8.2fx\n", mix_pct[m], thread_cfg[tc],
                       kind_names[k], best / 1e6, rate[k][REPEATS / 2] / 1e6, ratio);
                for (unsigned v = 0; v < sizeof verdicts / sizeof verdicts[0]; v++) {
                    if (verdicts[v].kind == k && ratio < verdicts[v].worst) {
                        verdicts[v].worst = ratio;
                        verdicts[v].worst_mix = mix_pct[m];
                        verdicts[v].worst_threads = thread_cfg[tc];
                    }
                }
            }
            fflush(stdout);
        }
    }
    printf("(* hash batch: the same table with 64-key prefetching; shown for context, no "
           "criterion)\n\n");
    for (unsigned v = 0; v < sizeof verdicts / sizeof verdicts[0]; v++)
        printf("verdict: %s: %s (worst %.2fx, %u%% hits, %u thread%s)\n", verdicts[v].what,
               verdicts[v].worst >= verdicts[v].need ? "PASS" : "FAIL", verdicts[v].worst,
               verdicts[v].worst_mix, verdicts[v].worst_threads,
               verdicts[v].worst_threads == 1 ? "" : "s");
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: npdb [--entries N] [--seed S] [--lookups M] [--threads T] [--blocks B] "
            "[--dir DIR] [--hash-load P]\n"
            "Builds the NPDB index and a plain hash table of N synthetic ported numbers and\n"
            "compares their lookup rates (suffixes k, M, G allowed: --entries 10M).\n"
            "  --entries N    ported numbers (default 10M)\n"
            "  --seed S       PRNG seed (default 1)\n"
            "  --lookups M    lookup keys per mix (default 20M); mixes are 50 %% and 5 %% hits\n"
            "  --threads T    the many-thread runs use T threads (default: online CPUs)\n"
            "  --blocks B     allocated blocks in the synthetic universe (default %u)\n"
            "  --dir DIR      where the index file is written, then removed (default /tmp)\n"
            "  --hash-load P  hash table maximum load factor, percent (default %u)\n",
            SYNTH_DEFAULT_BLOCKS, HASHTAB_LOAD_PCT);
}

static void parse_args(int argc, char **argv, config_t *cfg)
{
    static const struct option opts[] = {
        {"entries", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"lookups", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"blocks", required_argument, NULL, 'b'},
        {"dir", required_argument, NULL, 'd'},
        {"hash-load", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *cfg = (config_t){.entries = 10000000,
                      .seed = 1,
                      .lookups = 20000000,
                      .threads = cpus > 0 ? (uint64_t)cpus : 1,
                      .blocks = SYNTH_DEFAULT_BLOCKS,
                      .hash_load_pct = HASHTAB_LOAD_PCT,
                      .dir = "/tmp"};
    int c, li = 0;
    while ((c = getopt_long(argc, argv, "", opts, &li)) != -1) {
        bool ok = true;
        switch (c) {
        case 'n':
            ok = args_count(optarg, &cfg->entries) && cfg->entries > 0;
            break;
        case 's':
            ok = args_count(optarg, &cfg->seed);
            break;
        case 'l':
            ok = args_count(optarg, &cfg->lookups) && cfg->lookups > 0;
            break;
        case 't':
            ok = args_count(optarg, &cfg->threads) && cfg->threads > 0 && cfg->threads <= 1024;
            break;
        case 'b':
            ok = args_count(optarg, &cfg->blocks) && cfg->blocks > 0 &&
                 cfg->blocks <= SYNTH_MAX_BLOCKS;
            break;
        case 'L':
            ok = args_count(optarg, &cfg->hash_load_pct) && cfg->hash_load_pct > 0 &&
                 cfg->hash_load_pct < 100;
            break;
        case 'd':
            cfg->dir = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            ok = false;
        }
        if (!ok) {
            if (c != '?')
                fprintf(stderr, "npdb: bad value for --%s: '%s'\n", opts[li].name, optarg);
            usage(stderr);
            exit(2);
        }
    }
    if (optind != argc) {
        fprintf(stderr, "npdb: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        exit(2);
    }
    if (cfg->entries > cfg->blocks * SYNTH_BLOCK_NUMBERS / 2) {
        fprintf(stderr, "npdb: --entries must be at most half the %llu numbers of the universe\n",
                (unsigned long long)(cfg->blocks * SYNTH_BLOCK_NUMBERS));
        exit(2);
    }
}

int main(int argc, char **argv)
{
    config_t cfg;
    parse_args(argc, argv, &cfg);
    size_t n = cfg.entries;

    fprintf(stderr, "generating %zu numbers...\n", n);
    double t0 = now_s();
    uint64_t *e164 = xmalloc(n * sizeof *e164);
    uint8_t *ops = xmalloc(n);
    if (synth_ported(cfg.seed, n, cfg.blocks, e164, ops) < 0)
        die("synth_ported failed");
    double gen_s = now_s() - t0;

    fprintf(stderr, "building the index...\n");
    unsigned opidx[MNP_OP_COUNT];
    double add_s, write_s, open_s;
    mnp_npdb_t *db = build_index(&cfg, e164, ops, n, opidx, &add_s, &write_s, &open_s);
    mnp_npdb_info_t info;
    mnp_npdb_info(db, &info);

    fprintf(stderr, "building the hash table...\n");
    t0 = now_s();
    hashtab_t hash;
    if (hashtab_init(&hash, n, (unsigned)cfg.hash_load_pct) < 0)
        die("out of memory for the hash table");
    for (size_t i = 0; i < n; i++)
        if (hashtab_put(&hash, e164[i], opidx[ops[i]]) < 0)
            die("hashtab_put failed");
    double hash_s = now_s() - t0;
    if (hash.n != n)
        die("the generated numbers are not distinct");

    fprintf(stderr, "checking every number and key...\n");
    uint8_t *want = ops; /* the truth, renumbered in place to the index's operator numbers */
    for (size_t i = 0; i < n; i++)
        want[i] = (uint8_t)opidx[ops[i]];
    uint64_t sum;
    size_t found;
    check_agree(db, &hash, e164, n, want, &sum, &found);
    mix_t mixes[MIX_COUNT];
    make_mixes(&cfg, e164, n, mixes);
    for (unsigned m = 0; m < MIX_COUNT; m++) {
        check_agree(db, &hash, mixes[m].keys, cfg.lookups, NULL, &mixes[m].checksum, &found);
        if (found != mixes[m].hits)
            die("a lookup key that should hit missed, or one that should miss hit");
    }
    free(e164);
    free(ops);

    char thp[32];
    thp_mode(thp, sizeof thp);
    cpu_sample_t cpu0;
    cpu_sample(&cpu0);
    printf("npdb bench: entries %zu (seed %llu, %llu-block universe, generated in %.2f s), "
           "%llu lookups per mix, threads 1 and %llu, THP %s\n",
           n, (unsigned long long)cfg.seed, (unsigned long long)cfg.blocks, gen_s,
           (unsigned long long)cfg.lookups, (unsigned long long)cfg.threads, thp);
    printf("index: %llu bytes (%.1f MB), %.2f bytes/number, %llu blocks; build %.2f s "
           "(add %.2f s, write %.2f s), open %.2f s\n",
           (unsigned long long)info.file_bytes, (double)info.file_bytes / 1e6,
           (double)info.file_bytes / (double)n, (unsigned long long)info.blocks, add_s + write_s,
           add_s, write_s, open_s);
    printf("hash:  %zu bytes (%.1f MB), %.2f bytes/number (%zu slots, load %.2f); build %.2f s\n",
           hashtab_bytes(&hash), (double)hashtab_bytes(&hash) / 1e6,
           (double)hashtab_bytes(&hash) / (double)n, hash.cap, (double)n / (double)hash.cap,
           hash_s);
    printf("check: index single, index batch and hash agree on all %zu numbers and %llu keys\n\n",
           n, (unsigned long long)(MIX_COUNT * cfg.lookups));

    run_table(&cfg, db, &hash, mixes);
    double others = cpu_others(&cpu0);
    printf("other processes used %.0f %% of the %ld CPUs while timing%s\n", others * 100,
           sysconf(_SC_NPROCESSORS_ONLN),
           others > 0.05 ? ": the numbers above are low and noisy, run again on a quiet machine"
                         : "");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.2f GB\n", (double)ru.ru_maxrss / 1e6);

    for (unsigned m = 0; m < MIX_COUNT; m++)
        free(mixes[m].keys);
    hashtab_fini(&hash);
    mnp_npdb_free(db);
    return 0;
}
