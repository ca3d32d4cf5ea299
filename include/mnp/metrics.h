/*
 * The Prometheus metrics registry: counters, gauges and histograms, each with up to three label
 * names whose values are given per observation, rendered in the text exposition format 0.0.4.
 * The process-global default registry is one of the allowed globals (STYLE.md); tests create
 * private registries. Observing a series that already exists takes no lock (atomics only);
 * creating a series takes the metric's own lock. The number of series per metric is bounded:
 * once a metric has max_series series, observations with new label values go to one overflow
 * series whose label values are all MNP_METRICS_OTHER, and the metric's drop count grows
 * (rendered as mnp_metrics_series_dropped_total{metric="<name>"}).
 *
 * Ownership: a registry owns its metrics; mnp_metric_t handles stay valid until the registry is
 * freed (the default registry's live as long as the process). Names, help texts and label values
 * are copied, so callers may pass temporary strings.
 */
#ifndef MNP_METRICS_H
#define MNP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/buf.h"
#include "mnp/error.h"

/* Label names per metric, at most. */
#define MNP_METRICS_LABELS_MAX 3
/* Series per metric when a registry is created with max_series 0. */
#define MNP_METRICS_SERIES_DEFAULT 256
/* Longest label value kept, in bytes; longer values are cut at a UTF-8 character boundary. */
#define MNP_METRICS_VALUE_MAX 128
/* Finite histogram buckets, at most (+Inf is implicit). */
#define MNP_METRICS_BUCKETS_MAX 32
/* The label value of every label of the overflow series. */
#define MNP_METRICS_OTHER "other"

typedef struct mnp_metrics mnp_metrics_t;
typedef struct mnp_metric mnp_metric_t;

/* The process-global registry, created on first use; never NULL, never freed. Thread-safe. */
mnp_metrics_t *mnp_metrics_default(void);

/* Creates a private registry allowing max_series series per metric (0 picks
 * MNP_METRICS_SERIES_DEFAULT). Free with mnp_metrics_free. MNP_EINVAL when max_series is above
 * 65536. */
int mnp_metrics_new(size_t max_series, mnp_metrics_t **out) MNP_WUR;

/* Frees a private registry and all its metrics; NULL and the default registry are ignored. No
 * other thread may use the registry or its handles any more. */
void mnp_metrics_free(mnp_metrics_t *reg);

/* Registers a counter, gauge or histogram named name (Prometheus syntax [a-zA-Z_:][a-zA-Z0-9_:]*)
 * with a one-line help text and n_labels label names ([a-zA-Z_][a-zA-Z0-9_]*, not starting with
 * "__", distinct, "le" not allowed for histograms) in reg (NULL = the default registry). A
 * histogram takes n_buckets finite, strictly increasing upper bounds. Registering the same name
 * again with the same type, labels and buckets returns the existing metric (so two servers in
 * one process share their metrics); with anything different it fails with MNP_EEXIST.
 * MNP_EINVAL for bad names or buckets. Thread-safe. *out is owned by the registry. */
int mnp_metrics_counter(mnp_metrics_t *reg, const char *name, const char *help,
                        const char *const *label_names, size_t n_labels,
                        mnp_metric_t **out) MNP_WUR;
int mnp_metrics_gauge(mnp_metrics_t *reg, const char *name, const char *help,
                      const char *const *label_names, size_t n_labels, mnp_metric_t **out) MNP_WUR;
int mnp_metrics_histogram(mnp_metrics_t *reg, const char *name, const char *help,
                          const char *const *label_names, size_t n_labels, const double *buckets,
                          size_t n_buckets, mnp_metric_t **out) MNP_WUR;

/* One counter or gauge of a table for mnp_metrics_register_all. */
typedef struct mnp_metric_def {
    bool gauge; /* else a counter */
    const char *name, *help;
    const char *const *labels;
    size_t n_labels;
    mnp_metric_t **out;
} mnp_metric_def_t;

/* Registers the n metrics of defs in reg, each as mnp_metrics_gauge or mnp_metrics_counter
 * does; stops at and returns the first failure. */
int mnp_metrics_register_all(mnp_metrics_t *reg, const mnp_metric_def_t *defs, size_t n) MNP_WUR;

/* Observations. values holds one string per label name, in registration order (NULL when the
 * metric has no labels; a NULL value counts as ""). Values should be UTF-8: they are copied into
 * the exposition as they are, escaped. A call of the wrong kind for the metric (inc on a gauge)
 * does nothing. All are thread-safe and lock-free once the series exists. */
void mnp_metrics_inc(mnp_metric_t *counter, const char *const *values);
void mnp_metrics_add(mnp_metric_t *counter, const char *const *values, uint64_t n);
void mnp_metrics_set(mnp_metric_t *gauge, const char *const *values, double v);
void mnp_metrics_gauge_add(mnp_metric_t *gauge, const char *const *values, double delta);
void mnp_metrics_observe(mnp_metric_t *histogram, const char *const *values, double v);

/* Observations that went to the overflow series because the metric had max_series series. */
uint64_t mnp_metrics_dropped(const mnp_metric_t *m);

/* Appends the default registry (mnp_metrics_render) or reg (mnp_metrics_render_registry) in the
 * text exposition format 0.0.4 to out: metrics sorted by name, each with its # HELP and # TYPE
 * lines, series sorted by label values; histograms as cumulative _bucket{le="..."} lines ending
 * with le="+Inf", then _sum and _count. Returns 0 or out's sticky error (MNP_ELIMIT,
 * MNP_ENOMEM). Thread-safe; values observed during rendering may or may not be included. */
int mnp_metrics_render(mnp_buf_t *out) MNP_WUR;
int mnp_metrics_render_registry(mnp_metrics_t *reg, mnp_buf_t *out) MNP_WUR;

/* The Content-Type of the rendered text. */
#define MNP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
