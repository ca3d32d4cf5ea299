/*
 * The arithmetic of the regulator's statistics (SPEC.md §8), apart from any database: rows kept
 * sorted so that each event finds its row by binary search, durations kept whole so that the
 * median is exact, flags kept only up to the report's limit per kind (each kind arrives in time
 * order, so the first ones kept are the first ones overall), and the channels each recipient used,
 * which decide the "store only" flag once the whole period has been seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/alloc.h"
#include "statsInt.h"

const char *mnp_stats_flag_name(mnp_stats_flag_kind_t kind)
{
    switch (kind) {
    case MNP_STATS_FLAG_D03:
        return "d03_objection";
    case MNP_STATS_FLAG_LATE_AGREEMENT:
        return "late_agreement";
    case MNP_STATS_FLAG_CODE_UNUSED:
        return "code_unused";
    case MNP_STATS_FLAG_STORE_ONLY:
        return "store_only";
    }
    return "";
}

void stats_tally_init(stats_tally_t *t, unsigned flag_limit)
{
    memset(t, 0, sizeof(*t));
    t->flag_limit = flag_limit;
}

void stats_tally_fini(stats_tally_t *t)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        free(t->rows[i]->answer.ms);
        free(t->rows[i]->to_active.ms);
        free(t->rows[i]);
    }
    free(t->rows);
    free(t->flags);
    free(t->channels);
    memset(t, 0, sizeof(*t));
}

static int row_cmp(const mnp_stats_row_t *r, const char *op, const char *local_network)
{
    int c = strcmp(r->op, op);
    return c ? c : strcmp(r->local_network, local_network);
}

stats_row_t *stats_tally_row(stats_tally_t *t, const char *op, const char *local_network)
{
    mnp_stats_row_t key;
    snprintf(key.op, sizeof(key.op), "%s", op);
    snprintf(key.local_network, sizeof(key.local_network), "%s", local_network);
    size_t lo = 0, hi = t->n_rows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = row_cmp(&t->rows[mid]->row, key.op, key.local_network);
        if (c == 0)
            return t->rows[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (t->n_rows == t->cap_rows) {
        t->cap_rows = t->cap_rows ? 2 * t->cap_rows : 16;
        t->rows = mnp_xrealloc(t->rows, t->cap_rows * sizeof(*t->rows));
    }
    stats_row_t *r = mnp_xcalloc(1, sizeof(*r));
    memcpy(r->row.op, key.op, sizeof(key.op));
    memcpy(r->row.local_network, key.local_network, sizeof(key.local_network));
    memmove(&t->rows[lo + 1], &t->rows[lo], (t->n_rows - lo) * sizeof(*t->rows));
    t->rows[lo] = r;
    t->n_rows++;
    return r;
}

void stats_times_add(stats_times_t *v, int64_t ms)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 16;
        v->ms = mnp_xrealloc(v->ms, v->cap * sizeof(*v->ms));
    }
    v->ms[v->n++] = ms;
}

void stats_tally_flag(stats_tally_t *t, const mnp_stats_flag_t *f)
{
    if (f->kind < MNP_STATS_FLAG_D03 || f->kind > MNP_STATS_FLAG_STORE_ONLY)
        return;
    if (t->kind_seen[f->kind]++ >= t->flag_limit)
        return;
    if (t->n_flags == t->cap_flags) {
        t->cap_flags = t->cap_flags ? 2 * t->cap_flags : 16;
        t->flags = mnp_xrealloc(t->flags, t->cap_flags * sizeof(*t->flags));
    }
    t->flags[t->n_flags++] = *f;
}

void stats_tally_channel(stats_tally_t *t, const char *op, const char *channel, int64_t at_ms)
{
    stats_channel_t *c = NULL;
    for (size_t i = 0; i < t->n_channels && c == NULL; i++)
        if (strcmp(t->channels[i].op, op) == 0)
            c = &t->channels[i];
    if (c == NULL) {
        if (t->n_channels == t->cap_channels) {
            t->cap_channels = t->cap_channels ? 2 * t->cap_channels : 8;
            t->channels = mnp_xrealloc(t->channels, t->cap_channels * sizeof(*t->channels));
        }
        c = &t->channels[t->n_channels++];
        memset(c, 0, sizeof(*c));
        snprintf(c->op, sizeof(c->op), "%s", op);
        c->store_only = true;
    }
    c->orders++;
    if (strcmp(channel, "store") != 0)
        c->store_only = false;
    if (at_ms > c->last_ms)
        c->last_ms = at_ms;
}

static int ms_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void times_finish(stats_times_t *v, mnp_stats_times_t *out)
{
    memset(out, 0, sizeof(*out));
    if (v->n == 0)
        return;
    qsort(v->ms, v->n, sizeof(*v->ms), ms_cmp);
    out->count = v->n;
    out->worst_ms = v->ms[v->n - 1];
    int64_t lo = v->ms[(v->n - 1) / 2], hi = v->ms[v->n / 2];
    /* The mean without overflow: both halves rounded down, plus the carry of their odd bits. */
    out->median_ms = lo / 2 + hi / 2 + (lo % 2 + hi % 2) / 2;
}

static int flag_cmp(const void *a, const void *b)
{
    const mnp_stats_flag_t *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    if (x->order_id != y->order_id)
        return x->order_id < y->order_id ? -1 : 1;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    return strcmp(x->op, y->op);
}

void stats_tally_finish(stats_tally_t *t, mnp_stats_report_t *out)
{
    memset(out, 0, sizeof(*out));
    /* SPEC §8: "a store channel that is the only one used". */
    for (size_t i = 0; i < t->n_channels; i++) {
        const stats_channel_t *c = &t->channels[i];
        if (!c->store_only)
            continue;
        mnp_stats_flag_t f = {
            .kind = MNP_STATS_FLAG_STORE_ONLY, .at_ms = c->last_ms, .count = c->orders};
        memcpy(f.op, c->op, sizeof(f.op));
        stats_tally_flag(t, &f);
    }
    if (t->n_flags > 1)
        qsort(t->flags, t->n_flags, sizeof(*t->flags), flag_cmp);
    for (size_t k = 0; k < sizeof(t->kind_seen) / sizeof(t->kind_seen[0]); k++)
        out->flags_total += t->kind_seen[k];
    out->n_flags = t->n_flags < t->flag_limit ? t->n_flags : t->flag_limit;
    out->flags = t->flags;
    t->flags = NULL;

    out->n_rows = t->n_rows;
    out->rows = t->n_rows ? mnp_xcalloc(t->n_rows, sizeof(*out->rows)) : NULL;
    for (size_t i = 0; i < t->n_rows; i++) {
        stats_row_t *r = t->rows[i];
        times_finish(&r->answer, &r->row.answer);
        times_finish(&r->to_active, &r->row.to_active);
        out->rows[i] = r->row;
    }
    stats_tally_fini(t);
}

void mnp_stats_report_fini(mnp_stats_report_t *r)
{
    if (r == NULL)
        return;
    free(r->rows);
    free(r->flags);
    memset(r, 0, sizeof(*r));
}

typedef struct report_job {
    const mnp_stats_query_t *q;
    mnp_stats_report_t *out;
} report_job_t;

static int report_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    report_job_t *j = arg;
    return mnp_txn_stats_report(txn, j->q, j->out, err);
}

int mnp_store_stats_report(mnp_store_t *store, const mnp_stats_query_t *q, mnp_stats_report_t *out,
                           mnp_error_t *err)
{
    report_job_t j = {.q = q, .out = out};
    memset(out, 0, sizeof(*out));
    return mnp_store_read(store, report_read, &j, err);
}
