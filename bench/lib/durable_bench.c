/*
 * The shared parts of the durable-write benchmarks (durable_bench.h). The baseline is the disk's
 * single-writer durability rate: one thread appending a small record to a file and calling
 * fdatasync after each, which is what one commit per write could never beat.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "durable_bench.h"
#include "mnp/clock.h"

int64_t durable_now_ns(void)
{
    return mnp_clock_mono_ns(mnp_clock_real());
}

/* Single-writer baseline: write 64 bytes, fdatasync, repeat for `seconds`. */
double fsync_probe_rate(const char *dir, double seconds)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/fsync-probe", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0) {
        fprintf(stderr, "fsync probe: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    char rec[64];
    memset(rec, 'x', sizeof(rec));
    uint64_t n = 0;
    int64_t start = durable_now_ns(), end = start + (int64_t)(seconds * 1e9), t;
    while ((t = durable_now_ns()) < end) {
        if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec) || fdatasync(fd) != 0) {
            fprintf(stderr, "fsync probe: fsync probe: %s\n", strerror(errno));
            exit(1);
        }
        n++;
    }
    close(fd);
    unlink(path);
    return (double)n / ((double)(t - start) / 1e9);
}

int durable_args_parse(int argc, char **argv, const char *name, const char *what, durable_args_t *a)
{
    *a = (durable_args_t){.clients = 64, .seconds = 5, .dir = "."};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc) {
            if (!args_count(argv[++i], &a->clients) || a->clients == 0 || a->clients > 4096)
                goto usage;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            if (!args_count(argv[++i], &a->seconds) || a->seconds == 0 || a->seconds > 600)
                goto usage;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            a->dir = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: %s [--clients C] [--seconds S] [--dir DIR]\n%s\n", name, what);
            return 0;
        } else {
            goto usage;
        }
    }
    return -1;
usage:
    fprintf(stderr, "usage: %s [--clients C] [--seconds S] [--dir DIR]\n", name);
    return 2;
}

void durable_remove_db(const char *path)
{
    char aux[4200];
    snprintf(aux, sizeof(aux), "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof(aux), "%s-shm", path);
    unlink(aux);
    unlink(path);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void durable_print_latency(const char *label, int64_t *lat, size_t n)
{
    if (n == 0)
        return;
    qsort(lat, n, sizeof(int64_t), cmp_i64);
    printf("%s: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", label, lat[n / 2] / 1e6,
           lat[n * 99 / 100] / 1e6, lat[n - 1] / 1e6);
}
