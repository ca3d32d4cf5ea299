/*
 * Private to the metrics registry (metrics.c) and its renderer (metrics_render.c): the layout of
 * registries, metrics and series, and the bit-pattern helpers for doubles kept in 64-bit atomics.
 */
#ifndef MNP_METRICS_INT_H
#define MNP_METRICS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "mnp/metrics.h"

#define METRICS_SERIES_LIMIT 65536

enum metric_type { TYPE_COUNTER, TYPE_GAUGE, TYPE_HISTOGRAM };

typedef struct series {
    uint64_t hash;
    const char *values[MNP_METRICS_LABELS_MAX]; /* into the same allocation; "" when unused */
    _Atomic uint64_t value;    /* counter count, gauge bits, or histogram sum bits */
    _Atomic uint64_t counts[]; /* histogram only: n_buckets + 1 (the last is +Inf) */
} series_t;

struct mnp_metric {
    char *name;
    char *help;
    enum metric_type type;
    size_t n_labels;
    char *labels[MNP_METRICS_LABELS_MAX];
    double *buckets;
    size_t n_buckets;
    size_t max_series;
    pthread_mutex_t mu; /* serialises series creation */
    size_t mask;        /* slots - 1 */
    _Atomic(series_t *) *slots;
    size_t n_series; /* under mu */
    series_t *solo;  /* the only series of a metric without labels */
    series_t *other; /* the overflow series */
    _Atomic uint64_t dropped;
};

struct mnp_metrics {
    pthread_mutex_t mu; /* guards the metric list */
    mnp_metric_t **v;
    size_t n, cap;
    size_t max_series;
};

static inline uint64_t bits_of(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static inline double double_of(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

#endif
