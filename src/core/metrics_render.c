/*
 * Rendering of a metrics registry in the Prometheus text exposition format 0.0.4. It reads the
 * series tables with acquire loads and no metric lock, like an observation does, so scraping
 * never stalls observers; the registry lock is held only to copy the metric list. Metrics and
 * series are sorted so that equal registries render to equal text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "metricsInt.h"
#include "mnp/alloc.h"

static const char *const type_names[] = {"counter", "gauge", "histogram"};

/* Formats v as the shortest decimal that reads back as v, or +Inf / -Inf / NaN as the format
 * spells them, into out (at least 32 bytes). */
static const char *fmt_double(char *out, size_t size, double v)
{
    if (isnan(v))
        return "NaN";
    if (isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (v == floor(v) && fabs(v) < 1e15) { /* whole numbers in full, not as 6e+05 */
        snprintf(out, size, "%.0f", v);
        return out;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    return out;
}

static void put_double(mnp_buf_t *b, double v)
{
    char tmp[40];
    mnp_buf_puts(b, fmt_double(tmp, sizeof tmp, v));
}

/* Escapes backslash and newline (HELP text), and the double quote too for label values. */
static void put_escaped(mnp_buf_t *b, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            mnp_buf_puts(b, "\\\\");
        else if (*s == '\n')
            mnp_buf_puts(b, "\\n");
        else if (quote && *s == '"')
            mnp_buf_puts(b, "\\\"");
        else
            mnp_buf_putc(b, *s);
    }
}

/* Writes name+suffix and the label set ({a="x",le="0.5"}), nothing for an empty set. */
static void put_series_name(mnp_buf_t *b, const mnp_metric_t *m, const series_t *s,
                            const char *suffix, const char *le)
{
    mnp_buf_puts(b, m->name);
    mnp_buf_puts(b, suffix);
    if (m->n_labels == 0 && le == NULL)
        return;
    mnp_buf_putc(b, '{');
    for (size_t i = 0; i < m->n_labels; i++) {
        mnp_buf_printf(b, "%s%s=\"", i ? "," : "", m->labels[i]);
        put_escaped(b, s->values[i], true);
        mnp_buf_putc(b, '"');
    }
    if (le != NULL)
        mnp_buf_printf(b, "%sle=\"%s\"", m->n_labels ? "," : "", le);
    mnp_buf_putc(b, '}');
}

static void put_histogram(mnp_buf_t *b, const mnp_metric_t *m, const series_t *s)
{
    uint64_t cum = 0;
    for (size_t i = 0; i <= m->n_buckets; i++) {
        cum += atomic_load_explicit(&s->counts[i], memory_order_relaxed);
        char tmp[40];
        const char *le = i < m->n_buckets ? fmt_double(tmp, sizeof tmp, m->buckets[i]) : "+Inf";
        put_series_name(b, m, s, "_bucket", le);
        mnp_buf_printf(b, " %llu\n", (unsigned long long)cum);
    }
    put_series_name(b, m, s, "_sum", NULL);
    mnp_buf_putc(b, ' ');
    put_double(b, double_of(atomic_load_explicit(&s->value, memory_order_relaxed)));
    mnp_buf_putc(b, '\n');
    /* _count from the buckets, so it always equals the +Inf bucket. */
    put_series_name(b, m, s, "_count", NULL);
    mnp_buf_printf(b, " %llu\n", (unsigned long long)cum);
}

static int cmp_series(const void *a, const void *b)
{
    const series_t *x = *(const series_t *const *)a, *y = *(const series_t *const *)b;
    for (size_t i = 0; i < MNP_METRICS_LABELS_MAX; i++) {
        int c = strcmp(x->values[i], y->values[i]);
        if (c != 0)
            return c;
    }
    return 0;
}

static int cmp_metric(const void *a, const void *b)
{
    return strcmp((*(mnp_metric_t *const *)a)->name, (*(mnp_metric_t *const *)b)->name);
}

static void render_metric(mnp_buf_t *b, mnp_metric_t *m)
{
    mnp_buf_printf(b, "# HELP %s ", m->name);
    put_escaped(b, m->help, false);
    mnp_buf_printf(b, "\n# TYPE %s %s\n", m->name, type_names[m->type]);
    series_t **list = mnp_xmalloc((m->mask + 2) * sizeof *list);
    size_t n = 0;
    if (m->solo != NULL)
        list[n++] = m->solo;
    for (size_t i = 0; i <= m->mask; i++) {
        series_t *s = atomic_load_explicit(&m->slots[i], memory_order_acquire);
        if (s != NULL)
            list[n++] = s;
    }
    if (atomic_load_explicit(&m->dropped, memory_order_relaxed) > 0)
        list[n++] = m->other;
    qsort(list, n, sizeof *list, cmp_series);
    for (size_t i = 0; i < n; i++) {
        const series_t *s = list[i];
        if (m->type == TYPE_HISTOGRAM) {
            put_histogram(b, m, s);
            continue;
        }
        put_series_name(b, m, s, "", NULL);
        uint64_t u = atomic_load_explicit(&s->value, memory_order_relaxed);
        mnp_buf_putc(b, ' ');
        if (m->type == TYPE_COUNTER)
            mnp_buf_printf(b, "%llu", (unsigned long long)u);
        else
            put_double(b, double_of(u));
        mnp_buf_putc(b, '\n');
    }
    free(list);
}

int mnp_metrics_render(mnp_buf_t *out)
{
    return mnp_metrics_render_registry(mnp_metrics_default(), out);
}

int mnp_metrics_render_registry(mnp_metrics_t *reg, mnp_buf_t *out)
{
    if (reg == NULL)
        reg = mnp_metrics_default();
    pthread_mutex_lock(&reg->mu);
    mnp_metric_t **sorted = mnp_xmalloc((reg->n + 1) * sizeof *sorted);
    memcpy(sorted, reg->v, reg->n * sizeof *sorted);
    size_t n = reg->n;
    pthread_mutex_unlock(&reg->mu);
    qsort(sorted, n, sizeof *sorted, cmp_metric);
    bool any_dropped = false;
    for (size_t i = 0; i < n; i++) {
        render_metric(out, sorted[i]);
        any_dropped |= atomic_load_explicit(&sorted[i]->dropped, memory_order_relaxed) > 0;
    }
    if (any_dropped) {
        mnp_buf_puts(out, "# HELP mnp_metrics_series_dropped_total Observations sent to the "
                          "overflow series because a metric had reached its series limit.\n"
                          "# TYPE mnp_metrics_series_dropped_total counter\n");
        for (size_t i = 0; i < n; i++) {
            uint64_t d = atomic_load_explicit(&sorted[i]->dropped, memory_order_relaxed);
            if (d > 0)
                mnp_buf_printf(out, "mnp_metrics_series_dropped_total{metric=\"%s\"} %llu\n",
                               sorted[i]->name, (unsigned long long)d);
        }
    }
    free(sorted);
    return mnp_buf_error(out);
}
