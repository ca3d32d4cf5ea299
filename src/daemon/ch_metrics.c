/*
 * The clearinghouse's own figures in /metrics, refreshed by the timer thread once a second:
 * orders by state, the timers they wait on, the feed's head, and the store's writes, commits and
 * time spent committing (group commit at work: writes per commit is the ratio of the two counters).
 */
#include "mnp/order.h"
#include "mnp/store_feed.h"
#include "mnp/store_orders.h"
#include "mnpd.h"

typedef struct read_job {
    uint64_t counts[MNP_ORDER_STATE_COUNT];
    uint64_t seq;
} read_job_t;

static int read_figures(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    read_job_t *j = arg;
    int rc = mnp_txn_order_count_by_state(txn, j->counts, err);
    return rc ? rc : mnp_txn_feed_head(txn, &j->seq, err);
}

int mnpd_metrics_init(mnpd_metrics_t *m)
{
    static const char *const state_label[] = {"state"};
    static const char *const timer_label[] = {"timer"};
    const mnp_metric_def_t defs[] = {
        {true, "mnp_orders", "Port orders by state.", state_label, 1, &m->orders},
        {true, "mnp_timers_pending",
         "Orders waiting on a timer: the donor's window, the cutover, every operator's "
         "acknowledgement (retried after ack_timeout).",
         timer_label, 1, &m->timers},
        {true, "mnp_feed_seq", "The change feed's last sequence number.", NULL, 0, &m->feed_seq},
        {false, "mnp_store_writes_total", "Durable writes (group commit members) run by the store.",
         NULL, 0, &m->writes},
        {false, "mnp_store_commits_total", "Group transactions committed (one fsync each).", NULL,
         0, &m->commits},
        {false, "mnp_store_commit_microseconds_total",
         "Time spent in group transactions, fsync included.", NULL, 0, &m->commit_us},
    };
    return mnp_metrics_register_all(NULL, defs, sizeof(defs) / sizeof(defs[0]));
}

void mnpd_metrics_update(mnpd_metrics_t *m, mnp_store_t *store)
{
    read_job_t j = {0};
    mnp_error_t err;
    if (mnp_store_read(store, read_figures, &j, &err) == 0) {
        for (int s = 1; s < MNP_ORDER_STATE_COUNT; s++) {
            const char *v[] = {mnp_order_state_name((mnp_order_state_t)s)};
            mnp_metrics_set(m->orders, v, (double)j.counts[s]);
        }
        const uint64_t *c = j.counts;
        mnp_metrics_set(m->timers, (const char *[]){"donor_window"},
                        (double)c[MNP_ORDER_PENDING_DONOR]);
        mnp_metrics_set(m->timers, (const char *[]){"cutover"},
                        (double)(c[MNP_ORDER_ACCEPTED] + c[MNP_ORDER_SCHEDULED]));
        mnp_metrics_set(m->timers, (const char *[]){"acknowledgement"},
                        (double)c[MNP_ORDER_BROADCASTING]);
        mnp_metrics_set(m->feed_seq, NULL, (double)j.seq);
    }
    mnp_store_stats_t st;
    mnp_store_stats(store, &st);
    /* The store keeps totals; counters move by what happened since the last update. */
    mnp_metrics_add(m->writes, NULL, st.writes - m->last.writes);
    mnp_metrics_add(m->commits, NULL, st.commits - m->last.commits);
    mnp_metrics_add(m->commit_us, NULL, (st.commit_ns_total - m->last.commit_ns_total) / 1000);
    m->last = st;
}
