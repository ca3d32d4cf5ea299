/*
 * Command-line number parsing shared by the benchmark programs: strict (the whole argument must
 * be a number) so that a typo is a usage error rather than a silent zero.
 */
#ifndef MNP_BENCH_ARGS_H
#define MNP_BENCH_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Parses s as a decimal count with an optional decimal suffix k/K (10^3), m/M (10^6) or g/G
 * (10^9): "20000000" and "20M" are the same. Returns false for anything else or on overflow. */
bool args_count(const char *s, uint64_t *out);

#endif
