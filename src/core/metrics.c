/*
 * The metrics registry. Each metric keeps its series in a fixed open-addressing table of atomic
 * pointers sized for twice its series limit, so there is always an empty slot and a probe ends.
 * Series are only ever added (never moved or removed until the registry is freed), which is what
 * lets an observation find its series with acquire loads and no lock: a slot once published
 * never changes. Only creating a series takes the metric's mutex, and the lookup is repeated
 * under it so two threads racing to create the same series create it once. Values are 64-bit
 * atomics; doubles are stored as their bit patterns and updated by compare-and-swap.
 */
#include "metricsInt.h"

#include <math.h>
#include <stdlib.h>

#include "mnp/alloc.h"

static mnp_metrics_t *default_reg;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void registry_init(mnp_metrics_t *reg, size_t max_series)
{
    pthread_mutex_init(&reg->mu, NULL);
    reg->v = NULL;
    reg->n = reg->cap = 0;
    reg->max_series = max_series ? max_series : MNP_METRICS_SERIES_DEFAULT;
}

static void default_create(void)
{
    default_reg = mnp_xmalloc(sizeof *default_reg);
    registry_init(default_reg, 0);
}

mnp_metrics_t *mnp_metrics_default(void)
{
    pthread_once(&default_once, default_create);
    return default_reg;
}

int mnp_metrics_new(size_t max_series, mnp_metrics_t **out)
{
    *out = NULL;
    if (max_series > METRICS_SERIES_LIMIT)
        return MNP_EINVAL;
    mnp_metrics_t *reg = mnp_xmalloc(sizeof *reg);
    registry_init(reg, max_series);
    *out = reg;
    return 0;
}

static void metric_free(mnp_metric_t *m)
{
    for (size_t i = 0; i <= m->mask; i++)
        free(atomic_load_explicit(&m->slots[i], memory_order_relaxed));
    free(m->slots);
    free(m->solo);
    free(m->other);
    for (size_t i = 0; i < m->n_labels; i++)
        free(m->labels[i]);
    free(m->buckets);
    free(m->name);
    free(m->help);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void mnp_metrics_free(mnp_metrics_t *reg)
{
    if (reg == NULL || reg == default_reg)
        return;
    for (size_t i = 0; i < reg->n; i++)
        metric_free(reg->v[i]);
    free(reg->v);
    pthread_mutex_destroy(&reg->mu);
    free(reg);
}

/* Length of value as kept: at most MNP_METRICS_VALUE_MAX bytes, not cutting a UTF-8 sequence. */
static size_t value_len(const char *v)
{
    size_t n = strnlen(v, MNP_METRICS_VALUE_MAX + 1);
    if (n <= MNP_METRICS_VALUE_MAX)
        return n;
    n = MNP_METRICS_VALUE_MAX;
    while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Allocates a series with copies of the n label values (lens from value_len). */
static series_t *series_new(const mnp_metric_t *m, const char *const *values, const size_t *lens,
                            uint64_t hash)
{
    size_t ncounts = m->type == TYPE_HISTOGRAM ? m->n_buckets + 1 : 0;
    size_t head = sizeof(series_t) + ncounts * sizeof(_Atomic uint64_t);
    size_t total = head;
    for (size_t i = 0; i < m->n_labels; i++)
        total += lens[i] + 1;
    series_t *s = mnp_xcalloc(1, total);
    char *p = (char *)s + head;
    s->hash = hash;
    for (size_t i = 0; i < MNP_METRICS_LABELS_MAX; i++) {
        if (i >= m->n_labels) {
            s->values[i] = "";
            continue;
        }
        memcpy(p, values[i], lens[i]);
        p[lens[i]] = '\0';
        s->values[i] = p;
        p += lens[i] + 1;
    }
    atomic_init(&s->value, m->type == TYPE_COUNTER ? 0 : bits_of(0.0));
    for (size_t i = 0; i < ncounts; i++)
        atomic_init(&s->counts[i], 0);
    return s;
}

static bool name_ok(const char *s, bool metric_name)
{
    if (s == NULL || *s == '\0')
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                     (metric_name && c == ':');
        if (!alpha && !(p > s && c >= '0' && c <= '9'))
            return false;
    }
    return metric_name || strncmp(s, "__", 2) != 0;
}

static bool buckets_ok(const double *b, size_t n)
{
    if (n == 0 || n > MNP_METRICS_BUCKETS_MAX || b == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(b[i]) || (i > 0 && !(b[i] > b[i - 1])))
            return false;
    return true;
}

static bool labels_ok(const char *const *labels, size_t n, enum metric_type type)
{
    if (n > MNP_METRICS_LABELS_MAX || (n > 0 && labels == NULL))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!name_ok(labels[i], false) || (type == TYPE_HISTOGRAM && !strcmp(labels[i], "le")))
            return false;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(labels[i], labels[j]))
                return false;
    }
    return true;
}

static bool same_metric(const mnp_metric_t *m, enum metric_type type, const char *const *labels,
                        size_t n, const double *buckets, size_t nb)
{
    if (m->type != type || m->n_labels != n || m->n_buckets != nb)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(m->labels[i], labels[i]) != 0)
            return false;
    return nb == 0 || memcmp(m->buckets, buckets, nb * sizeof *buckets) == 0;
}

static mnp_metric_t *metric_new(const mnp_metrics_t *reg, enum metric_type type, const char *name,
                                const char *help, const char *const *labels, size_t n,
                                const double *buckets, size_t nb)
{
    mnp_metric_t *m = mnp_xcalloc(1, sizeof *m);
    m->name = mnp_xstrdup(name);
    m->help = mnp_xstrdup(help ? help : "");
    m->type = type;
    m->n_labels = n;
    for (size_t i = 0; i < n; i++)
        m->labels[i] = mnp_xstrdup(labels[i]);
    if (nb > 0) {
        m->buckets = mnp_xmalloc(nb * sizeof *buckets);
        memcpy(m->buckets, buckets, nb * sizeof *buckets);
    }
    m->n_buckets = nb;
    m->max_series = reg->max_series;
    pthread_mutex_init(&m->mu, NULL);
    size_t slots = 4;
    while (slots < 2 * (m->max_series + 1))
        slots *= 2;
    m->mask = slots - 1;
    m->slots = mnp_xmalloc(slots * sizeof *m->slots);
    for (size_t i = 0; i < slots; i++)
        atomic_init(&m->slots[i], NULL);
    const char *other[MNP_METRICS_LABELS_MAX];
    size_t lens[MNP_METRICS_LABELS_MAX];
    for (size_t i = 0; i < MNP_METRICS_LABELS_MAX; i++) {
        other[i] = MNP_METRICS_OTHER;
        lens[i] = strlen(MNP_METRICS_OTHER);
    }
    m->other = series_new(m, other, lens, 0);
    if (n == 0)
        m->solo = series_new(m, NULL, NULL, 0);
    atomic_init(&m->dropped, 0);
    return m;
}

static int metric_register(mnp_metrics_t *reg, enum metric_type type, const char *name,
                           const char *help, const char *const *labels, size_t n,
                           const double *buckets, size_t nb, mnp_metric_t **out)
{
    *out = NULL;
    if (reg == NULL)
        reg = mnp_metrics_default();
    if (!name_ok(name, true) || !labels_ok(labels, n, type))
        return MNP_EINVAL;
    if (type == TYPE_HISTOGRAM && !buckets_ok(buckets, nb))
        return MNP_EINVAL;
    int rc = 0;
    pthread_mutex_lock(&reg->mu);
    for (size_t i = 0; i < reg->n; i++) {
        if (strcmp(reg->v[i]->name, name) == 0) {
            if (same_metric(reg->v[i], type, labels, n, buckets, nb))
                *out = reg->v[i];
            else
                rc = MNP_EEXIST;
            goto done;
        }
    }
    if (reg->n == reg->cap) {
        reg->cap = reg->cap ? 2 * reg->cap : 16;
        reg->v = mnp_xrealloc(reg->v, reg->cap * sizeof *reg->v);
    }
    *out = reg->v[reg->n++] = metric_new(reg, type, name, help, labels, n, buckets, nb);
done:
    pthread_mutex_unlock(&reg->mu);
    return rc;
}

int mnp_metrics_counter(mnp_metrics_t *reg, const char *name, const char *help,
                        const char *const *label_names, size_t n_labels, mnp_metric_t **out)
{
    return metric_register(reg, TYPE_COUNTER, name, help, label_names, n_labels, NULL, 0, out);
}

int mnp_metrics_gauge(mnp_metrics_t *reg, const char *name, const char *help,
                      const char *const *label_names, size_t n_labels, mnp_metric_t **out)
{
    return metric_register(reg, TYPE_GAUGE, name, help, label_names, n_labels, NULL, 0, out);
}

int mnp_metrics_register_all(mnp_metrics_t *reg, const mnp_metric_def_t *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const mnp_metric_def_t *d = &defs[i];
        int rc = d->gauge
                     ? mnp_metrics_gauge(reg, d->name, d->help, d->labels, d->n_labels, d->out)
                     : mnp_metrics_counter(reg, d->name, d->help, d->labels, d->n_labels, d->out);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int mnp_metrics_histogram(mnp_metrics_t *reg, const char *name, const char *help,
                          const char *const *label_names, size_t n_labels, const double *buckets,
                          size_t n_buckets, mnp_metric_t **out)
{
    return metric_register(reg, TYPE_HISTOGRAM, name, help, label_names, n_labels, buckets,
                           n_buckets, out);
}

/* Probes for the series with these values; returns it, or NULL with *empty set to the slot
 * where it would go. */
static series_t *series_find(mnp_metric_t *m, const char *const *values, const size_t *lens,
                             uint64_t hash, size_t *empty)
{
    for (size_t i = hash & m->mask;; i = (i + 1) & m->mask) {
        series_t *s = atomic_load_explicit(&m->slots[i], memory_order_acquire);
        if (s == NULL) {
            *empty = i;
            return NULL;
        }
        if (s->hash != hash)
            continue;
        size_t k = 0;
        while (k < m->n_labels && strncmp(s->values[k], values[k], lens[k]) == 0 &&
               s->values[k][lens[k]] == '\0')
            k++;
        if (k == m->n_labels)
            return s;
    }
}

/* The series for values, created if new; the overflow series once the metric is full. */
static series_t *series_get(mnp_metric_t *m, const char *const *values)
{
    if (m->n_labels == 0)
        return m->solo;
    const char *v[MNP_METRICS_LABELS_MAX];
    size_t lens[MNP_METRICS_LABELS_MAX];
    uint64_t hash = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < m->n_labels; i++) {
        v[i] = values != NULL && values[i] != NULL ? values[i] : "";
        lens[i] = value_len(v[i]);
        for (size_t j = 0; j < lens[i]; j++)
            hash = (hash ^ (unsigned char)v[i][j]) * 1099511628211u;
        hash = (hash ^ 0xFF) * 1099511628211u; /* 0xFF never occurs in UTF-8: a separator */
    }
    size_t slot;
    series_t *s = series_find(m, v, lens, hash, &slot);
    if (s != NULL)
        return s;
    pthread_mutex_lock(&m->mu);
    s = series_find(m, v, lens, hash, &slot);
    if (s == NULL && m->n_series < m->max_series) {
        s = series_new(m, v, lens, hash);
        atomic_store_explicit(&m->slots[slot], s, memory_order_release);
        m->n_series++;
    }
    pthread_mutex_unlock(&m->mu);
    if (s == NULL) {
        atomic_fetch_add_explicit(&m->dropped, 1, memory_order_relaxed);
        s = m->other;
    }
    return s;
}

static void add_double(_Atomic uint64_t *cell, double delta)
{
    uint64_t old = atomic_load_explicit(cell, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(cell, &old, bits_of(double_of(old) + delta),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

void mnp_metrics_inc(mnp_metric_t *counter, const char *const *values)
{
    mnp_metrics_add(counter, values, 1);
}

void mnp_metrics_add(mnp_metric_t *counter, const char *const *values, uint64_t n)
{
    if (counter == NULL || counter->type != TYPE_COUNTER)
        return;
    atomic_fetch_add_explicit(&series_get(counter, values)->value, n, memory_order_relaxed);
}

void mnp_metrics_set(mnp_metric_t *gauge, const char *const *values, double v)
{
    if (gauge == NULL || gauge->type != TYPE_GAUGE)
        return;
    atomic_store_explicit(&series_get(gauge, values)->value, bits_of(v), memory_order_relaxed);
}

void mnp_metrics_gauge_add(mnp_metric_t *gauge, const char *const *values, double delta)
{
    if (gauge == NULL || gauge->type != TYPE_GAUGE)
        return;
    add_double(&series_get(gauge, values)->value, delta);
}

void mnp_metrics_observe(mnp_metric_t *histogram, const char *const *values, double v)
{
    if (histogram == NULL || histogram->type != TYPE_HISTOGRAM)
        return;
    series_t *s = series_get(histogram, values);
    size_t i = 0;
    while (i < histogram->n_buckets && !(v <= histogram->buckets[i]))
        i++;
    atomic_fetch_add_explicit(&s->counts[i], 1, memory_order_relaxed);
    add_double(&s->value, v);
}

uint64_t mnp_metrics_dropped(const mnp_metric_t *m)
{
    return atomic_load_explicit(&m->dropped, memory_order_relaxed);
}
