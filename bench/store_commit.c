/*
 * bench/store_commit: how much group commit buys. In one run, on the same disk, it measures
 *   1. the single-writer fsync rate: one thread appending a small record to a file and calling
 *      fdatasync after each (what one durable write per commit can never beat), and
 *   2. durable store writes per second from C concurrent clients through mnp_store_write (each
 *      write appends an audit record; each caller is answered only after its commit is durable),
 * and prints both, their ratio, the average group size and the write latency percentiles.
 * Usage: store_commit [--clients C] [--seconds S] [--dir DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "durable_bench.h"
#include "mnp/clock.h"
#include "mnp/store.h"
#include "mnp/store_audit.h"

#define LAT_MAX 2000000 /* latencies kept per run */

typedef struct run {
    mnp_store_t *store;
    int64_t end_ns;
    atomic_uint_fast64_t done;
    atomic_uint_fast64_t failed;
    int64_t *lat; /* nanoseconds, LAT_MAX slots */
    atomic_size_t nlat;
} run_t;

static int append(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    return mnp_txn_audit_append(txn, mnp_clock_now_ms(mnp_clock_real()), "bench", "bench.write",
                                "store_commit", "{}", NULL, err);
}

static void *client(void *arg)
{
    run_t *r = arg;
    mnp_error_t err;
    while (durable_now_ns() < r->end_ns) {
        int64_t t0 = durable_now_ns();
        int rc = mnp_store_write(r->store, append, NULL, &err);
        int64_t t1 = durable_now_ns();
        if (rc != 0) {
            atomic_fetch_add(&r->failed, 1);
            continue;
        }
        atomic_fetch_add(&r->done, 1);
        size_t i = atomic_fetch_add(&r->nlat, 1);
        if (i < LAT_MAX)
            r->lat[i] = t1 - t0;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    durable_args_t args;
    int exit_st = durable_args_parse(
        argc, argv, "store_commit",
        "Measures the single-writer fdatasync rate and durable mnp_store_write rate from C\n"
        "concurrent clients (default 64) on the disk of DIR (default .), S seconds each\n"
        "(default 5), and prints their ratio.",
        &args);
    if (exit_st >= 0)
        return exit_st;
    uint64_t clients = args.clients, seconds = args.seconds;
    const char *dir = args.dir;
    double base = fsync_probe_rate(dir, (double)seconds);

    char path[4096];
    snprintf(path, sizeof(path), "%s/store-commit-bench.db", dir);
    durable_remove_db(path); /* a stale one from an interrupted run */
    mnp_store_config_t cfg = {.url = path, .create = true};
    mnp_error_t err;
    run_t r = {0};
    if (mnp_store_open(&cfg, &r.store, &err) != 0) {
        fprintf(stderr, "store_commit: %s\n", err.msg);
        return 1;
    }
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
    mnp_store_stats(r.store, &st);
    mnp_store_close(r.store);
    durable_remove_db(path);

    size_t n = atomic_load(&r.nlat) < LAT_MAX ? atomic_load(&r.nlat) : LAT_MAX;
    double rate = (double)atomic_load(&r.done) / elapsed;
    printf("single-writer fdatasync rate: %.0f/s (%s)\n", base, dir);
    printf("store writes, %llu clients:  %.0f/s durable (%llu writes, %llu failed, %llu commits, "
           "%.1f writes per commit, largest group %llu)\n",
           (unsigned long long)clients, rate, (unsigned long long)atomic_load(&r.done),
           (unsigned long long)atomic_load(&r.failed), (unsigned long long)st.commits,
           st.commits ? (double)st.writes / (double)st.commits : 0.0,
           (unsigned long long)st.largest_group);
    durable_print_latency("write latency", r.lat, n);
    printf("ratio: %.1fx the single-writer fsync rate\n", rate / base);
    free(r.lat);
    free(th);
    return 0;
}
