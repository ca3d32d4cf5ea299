/*
 * Private to the store area: the tally behind a statistics report (store_stats.h). A backend
 * streams the events of the period into it in time order; the tally keeps one row per operator
 * and local network with the durations of its events, the first flags of each kind, and the
 * channels each recipient used, and at the end turns all of it into the report.
 */
#ifndef MNP_STATS_INT_H
#define MNP_STATS_INT_H

#include "mnp/store_stats.h"

typedef struct stats_times {
    int64_t *ms; /* owned */
    size_t n, cap;
} stats_times_t;

typedef struct stats_row {
    mnp_stats_row_t row; /* the counters; its times are filled by stats_tally_finish */
    stats_times_t answer, to_active;
} stats_row_t;

typedef struct stats_channel {
    char op[MNP_STORE_CODE_MAX];
    uint64_t orders;
    bool store_only;
    int64_t last_ms;
} stats_channel_t;

typedef struct stats_tally {
    stats_row_t **rows; /* owned, sorted by (op, local network) */
    size_t n_rows, cap_rows;
    mnp_stats_flag_t *flags; /* owned; at most flag_limit of each kind */
    size_t n_flags, cap_flags;
    uint64_t kind_seen[MNP_STATS_FLAG_STORE_ONLY + 1];
    unsigned flag_limit;
    stats_channel_t *channels; /* owned; one per recipient with orders in the period */
    size_t n_channels, cap_channels;
} stats_tally_t;

void stats_tally_init(stats_tally_t *t, unsigned flag_limit);
void stats_tally_fini(stats_tally_t *t);

/* The row of (op, local_network), made (all zero) when it is new. Strings longer than the
 * row's arrays are cut. Never NULL (aborts when out of memory). */
stats_row_t *stats_tally_row(stats_tally_t *t, const char *op, const char *local_network);

/* Records one duration. */
void stats_times_add(stats_times_t *v, int64_t ms);

/* Counts flag f and keeps a copy while fewer than flag_limit of its kind are kept (flags of a
 * kind must come in time order, so the kept ones are the first). */
void stats_tally_flag(stats_tally_t *t, const mnp_stats_flag_t *f);

/* Records that recipient op made an order at at_ms through channel. */
void stats_tally_channel(stats_tally_t *t, const char *op, const char *channel, int64_t at_ms);

/* Adds the STORE_ONLY flags, computes medians and worst times, and moves everything into out
 * (overwriting it without freeing: it must own nothing); t is left empty. */
void stats_tally_finish(stats_tally_t *t, mnp_stats_report_t *out);

#endif
