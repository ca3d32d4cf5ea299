/*
 * The single-writer fdatasync rate of the disk holding a directory, for benchmarks that report
 * durable writes per second as a ratio against it.
 */
#ifndef MNP_BENCH_FSYNC_PROBE_H
#define MNP_BENCH_FSYNC_PROBE_H

/* Appends 64-byte records with an fdatasync after each to a scratch file in dir for `seconds`
 * and returns the rate per second; exits the process with a message if the file cannot be
 * written. The scratch file is removed. */
double fsync_probe_rate(const char *dir, double seconds);

#endif
