/*
 * bench/ch_submit: durable port-order submissions per second through the clearinghouse workflow
 * (mnp_ch_register_code by the donor, then mnp_ch_submit by the recipient: two durable writes,
 * every check of SPEC §5 run) from C concurrent clients, next to the disk's single-writer
 * fdatasync rate measured in the same run. HTTP is not in the path: this is the workflow and
 * the store's group commit. Usage: ch_submit [--clients C] [--seconds S] [--dir DIR]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "durable_bench.h"
#include "mnp/clearinghouse.h"
#include "mnp/routing.h"
#include "mnp/store_numplan.h"

#define LAT_MAX  2000000
#define IDENTITY "430102199001011238"

typedef struct run {
    mnp_ch_t *ch;
    uint32_t blocks[64]; /* CUCC blocks of Changsha in the demo plan */
    size_t nblocks;
    atomic_uint_fast64_t next;
    int64_t end_ns;
    atomic_uint_fast64_t done, refused, failed;
    int64_t *lat;
    atomic_size_t nlat;
} run_t;

static void *client(void *arg)
{
    run_t *r = arg;
    while (durable_now_ns() < r->end_ns) {
        uint64_t n = atomic_fetch_add(&r->next, 1);
        char num[16];
        snprintf(num, sizeof(num), "%u%04u", r->blocks[(n / 10000) % r->nblocks],
                 (unsigned)(n % 10000));
        mnp_ch_outcome_t o;
        mnp_error_t err;
        int64_t t0 = durable_now_ns();
        int rc = mnp_ch_register_code(r->ch, "CUCC", num, IDENTITY, "123456", &o, &err);
        if (rc == 0 && o.status < 400)
            rc = mnp_ch_submit(r->ch, "CMCC", num, IDENTITY, "123456", "store", &o, &err);
        int64_t t1 = durable_now_ns();
        if (rc != 0)
            atomic_fetch_add(&r->failed, 1);
        else if (o.status >= 400)
            atomic_fetch_add(&r->refused, 1);
        else
            atomic_fetch_add(&r->done, 1);
        size_t i = atomic_fetch_add(&r->nlat, 1);
        if (i < LAT_MAX)
            r->lat[i] = t1 - t0;
    }
    return NULL;
}

static int setup_store(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    const char *src = arg;
    char path[4096];
    static const char *const ops[] = {"CMCC", "CUCC", "CTCC", "CBN"};
    for (size_t i = 0; i < 4; i++) {
        int rc = mnp_txn_operator_add(txn, ops[i], ops[i], 0, err);
        if (rc != 0)
            return rc;
    }
    mnp_numplan_t *plan;
    mnp_routing_table_t routes;
    int rc = mnp_numplan_new(&plan);
    snprintf(path, sizeof(path), "%s/data/blocks-demo.csv", src);
    if (rc == 0)
        rc = mnp_numplan_load_blocks_file(plan, path, err);
    if (rc == 0)
        rc = mnp_txn_blocks_replace(txn, plan, NULL, err);
    mnp_numplan_free(plan);
    mnp_routing_table_init(&routes);
    snprintf(path, sizeof(path), "%s/data/routing-demo.csv", src);
    if (rc == 0)
        rc = mnp_routing_load_file(&routes, path, err);
    if (rc == 0)
        rc = mnp_txn_routing_replace(txn, &routes, NULL, err);
    mnp_routing_table_fini(&routes);
    return rc;
}

int main(int argc, char **argv)
{
    durable_args_t args;
    int exit_st = durable_args_parse(
        argc, argv, "ch_submit",
        "Durable port submissions per second through the workflow from C clients\n"
        "(default 64) on the disk of DIR (default .), next to its fdatasync rate.",
        &args);
    if (exit_st >= 0)
        return exit_st;
    uint64_t clients = args.clients, seconds = args.seconds;
    const char *dir = args.dir;
    const char *src = MNP_SOURCE_DIR;
    double base = fsync_probe_rate(dir, (double)seconds);

    char db[4096];
    snprintf(db, sizeof(db), "%s/ch-submit-bench.db", dir);
    durable_remove_db(db); /* a stale one from an interrupted run */
    mnp_store_config_t scfg = {.url = db, .create = true};
    mnp_store_t *store;
    mnp_error_t err;
    if (mnp_store_open(&scfg, &store, &err) != 0 ||
        mnp_store_write(store, setup_store, (void *)(uintptr_t)src, &err) != 0 ||
        mnp_crypto_init() != 0) {
        fprintf(stderr, "ch_submit: %s\n", err.msg);
        return 1;
    }
    mnp_hash_key_t key;
    mnp_hash_key_generate(&key);
    run_t r = {0};
    mnp_ch_config_t ccfg = {.store = store, .key = &key, .clock = mnp_clock_real()};
    if (mnp_ch_new(&ccfg, &r.ch) != 0)
        return 1;
    mnp_numplan_t *plan;
    char path[4096];
    snprintf(path, sizeof(path), "%s/data/blocks-demo.csv", src);
    if (mnp_numplan_new(&plan) != 0 || mnp_numplan_load_blocks_file(plan, path, &err) != 0) {
        fprintf(stderr, "ch_submit: %s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < mnp_numplan_block_count(plan) && r.nblocks < 64; i++) {
        uint32_t block;
        mnp_operator_t holder;
        const char *ln;
        mnp_numplan_block_at(plan, i, &block, &holder, &ln);
        if (holder == MNP_OP_CUCC && strcmp(ln, "0731") == 0)
            r.blocks[r.nblocks++] = block;
    }
    mnp_numplan_free(plan);

    r.lat = malloc(LAT_MAX * sizeof(int64_t));
    pthread_t *th = calloc(clients, sizeof(pthread_t));
    int64_t start = durable_now_ns();
    r.end_ns = start + (int64_t)seconds * 1000000000;
    for (uint64_t i = 0; i < clients; i++)
        pthread_create(&th[i], NULL, client, &r);
    for (uint64_t i = 0; i < clients; i++)
        pthread_join(th[i], NULL);
    double elapsed = (double)(durable_now_ns() - start) / 1e9;
    mnp_store_stats_t st;
    mnp_store_stats(store, &st);
    mnp_ch_free(r.ch);
    mnp_store_close(store);
    mnp_hash_key_wipe(&key);
    durable_remove_db(db);

    size_t n = atomic_load(&r.nlat) < LAT_MAX ? atomic_load(&r.nlat) : LAT_MAX;
    double rate = (double)atomic_load(&r.done) / elapsed;
    printf("single-writer fdatasync rate: %.0f/s (%s)\n", base, dir);
    printf("port submissions, %llu clients: %.0f/s durable (%llu accepted, %llu refused, %llu "
           "failed; %llu writes in %llu commits, %.1f per commit)\n",
           (unsigned long long)clients, rate, (unsigned long long)atomic_load(&r.done),
           (unsigned long long)atomic_load(&r.refused), (unsigned long long)atomic_load(&r.failed),
           (unsigned long long)st.writes, (unsigned long long)st.commits,
           st.commits ? (double)st.writes / (double)st.commits : 0.0);
    printf("writer: %.1f us per write, %.1f us per commit in the final commit\n",
           st.writes ? (double)(st.commit_ns_total - st.sync_ns_total) / 1e3 / (double)st.writes
                     : 0.0,
           st.commits ? (double)st.sync_ns_total / 1e3 / (double)st.commits : 0.0);
    durable_print_latency("submission latency (code + order)", r.lat, n);
    printf("ratio: %.1fx the single-writer fsync rate\n", rate / base);
    free(r.lat);
    free(th);
    return 0;
}
