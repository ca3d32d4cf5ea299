/*
 * What the benchmarks of durable writes share: their command line (--clients, --seconds, --dir),
 * the disk's single-writer fdatasync rate that their figures are a ratio to, removing their
 * SQLite files, and latency percentiles.
 */
#ifndef MNP_BENCH_DURABLE_H
#define MNP_BENCH_DURABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct durable_args {
    uint64_t clients; /* concurrent clients (default 64, 1..4096) */
    uint64_t seconds; /* per measurement (default 5, 1..600) */
    const char *dir;  /* on the disk to measure (default ".") */
} durable_args_t;

/* Parses argv into *a; name and what (one sentence after the usage line) make --help. Returns -1
 * to go on, else the exit status (0 after --help, 2 after a usage error). */
int durable_args_parse(int argc, char **argv, const char *name, const char *what,
                       durable_args_t *a);

/* Monotonic nanoseconds. */
int64_t durable_now_ns(void);

/* Appends 64-byte records with an fdatasync after each to a scratch file in dir for `seconds`
 * and returns the rate per second; exits the process with a message if the file cannot be
 * written. The scratch file is removed. */
double fsync_probe_rate(const char *dir, double seconds);

/* Removes the SQLite database at path with its -wal and -shm files. */
void durable_remove_db(const char *path);

/* Sorts lat[0..n) (nanoseconds) and prints "LABEL: p50 X ms, p99 Y ms, max Z ms". */
void durable_print_latency(const char *label, int64_t *lat, size_t n);

#endif
